"""Loopback WebSocket benchmark: tradeport's WebSocketClient against a bare httpx-ws loop.

Both clients read the same frames from the same loopback server in the same run, so the ratio
shows what the client's machinery costs (size cap, classification, counters, handler call) over a
plain ``receive_text()`` + JSON decode loop.

* throughput: the server writes N pre-encoded JSON frames as fast as the socket takes them;
  messages per second from the first frame to the handler having seen all N;
* latency: the server sends one frame every 1/rate seconds stamped with ``perf_counter_ns``; the
  handler computes receipt minus stamp (same process, same clock); p50 and p99.

``--baseline REV`` adds the WebSocketClient of git revision REV (its ``ws_client.py`` loaded from
git into this process, on today's support modules), so a change to the client is measured
before/after in the same run, against the same server and the same bare loop.

Run: ``python bench/bench_ws.py`` (``--quick`` for a short run, ``--backend trio``,
``--baseline main``).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import wsproto
import wsproto.connection
import wsproto.events
from httpx_ws import aconnect_ws
from tradeport.net import GenericJsonProtocol, Heartbeat, WebSocketClient, json_codec
from tradeport.testing import LoopbackServer, ServerWebSocket

# A Binance-like trade event: the typical size of a market-data message.
TRADE = {
    "e": "trade",
    "E": 1672515782136,
    "s": "BNBBTC",
    "t": 12345,
    "p": "0.00100000",
    "q": "100.00000000",
    "T": 1672515782136,
    "m": True,
    "M": True,
}


def server_frame(payload: str) -> bytes:
    """One unmasked server text frame, as a venue writes it."""
    connection = wsproto.connection.Connection(wsproto.ConnectionType.SERVER)
    return connection.send(wsproto.events.TextMessage(data=payload))


class Feed:
    """The server side: a burst of N frames, or a paced stream of stamped frames."""

    def __init__(self, count: int, rate: float | None) -> None:
        self.count = count
        self.rate = rate

    async def __call__(self, ws: ServerWebSocket) -> None:
        await ws.accept()
        await ws.receive()  # the client says "go" once it is reading
        if self.rate is None:
            frame = server_frame(json_codec.dumps(TRADE))
            batch = frame * 500  # write many frames per syscall: the server must not be the limit
            sent = 0
            while sent < self.count:
                n = min(500, self.count - sent)
                await ws.send_raw(batch if n == 500 else frame * n)
                sent += n
        else:
            interval = 1.0 / self.rate
            start = time.perf_counter()
            for i in range(self.count):
                # Absolute schedule: a late send does not push the later ones back.
                delay = start + i * interval - time.perf_counter()
                if delay > 0:
                    await anyio.sleep(delay)
                await ws.send_text(json_codec.dumps({**TRADE, "stamp": time.perf_counter_ns()}))
        await ws.receive()  # until the client leaves


class Sink:
    """Counts messages (and latencies) and signals when all arrived."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.seen = 0
        self.latencies_us: list[float] = []
        self.done = anyio.Event()
        self.first = 0.0
        self.last = 0.0

    async def __call__(self, message: Any) -> None:
        now = time.perf_counter_ns()
        if self.seen == 0:
            self.first = time.perf_counter()
        stamp = message.get("stamp")
        if stamp is not None:
            self.latencies_us.append((now - stamp) / 1000)
        self.seen += 1
        if self.seen == self.count:
            self.last = time.perf_counter()
            self.done.set()


async def bare_httpx_ws(url: str, sink: Sink) -> None:
    """The baseline: httpx-ws's own receive loop, JSON decode, the same handler."""
    async with aconnect_ws(url, keepalive_ping_interval_seconds=None) as ws:
        await ws.send_text("go")
        while sink.seen < sink.count:
            await sink(json_codec.loads(await ws.receive_text()))


Runner = Callable[[str, Sink], Awaitable[None]]


def client_of_revision(revision: str) -> type[Any]:
    """The WebSocketClient class of ``revision`` (its module source from git, run here)."""
    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(
        ["git", "show", f"{revision}:core/src/tradeport/net/ws_client.py"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    name = f"_bench_ws_client_{revision.replace('/', '_').replace('.', '_')}"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # attrs and dataclasses look their module up
    exec(compile(source, f"{revision}:ws_client.py", "exec"), module.__dict__)
    return module.WebSocketClient  # type: ignore[no-any-return]


def client_runner(client_class: type[Any]) -> Runner:
    """A runner for ``client_class`` (a WebSocketClient, today's or a baseline's)."""

    async def run(url: str, sink: Sink) -> None:
        client = client_class(
            url,
            GenericJsonProtocol(),
            sink,
            heartbeat=Heartbeat(ping_interval=None),
            idle_timeout=30,
        )
        async with client:
            await client.send("go")
            await sink.done.wait()

    return run


async def measure(runner: Runner, count: int, rate: float | None) -> Sink:
    sink = Sink(count)
    async with LoopbackServer(websockets={"/ws": Feed(count, rate)}) as server:
        with anyio.fail_after(300):
            await runner(server.ws_url + "/ws", sink)
    return sink


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(quick: bool, rounds: int, backend: str, baseline: str | None) -> None:
    burst = 20_000 if quick else 200_000
    paced, rate = (1_000, 2_000.0) if quick else (10_000, 5_000.0)
    runners: dict[str, Runner] = {"httpx-ws loop": bare_httpx_ws}
    if baseline is not None:
        runners[f"WSClient@{baseline}"[:18]] = client_runner(client_of_revision(baseline))
    runners["WebSocketClient"] = client_runner(WebSocketClient)
    throughput: dict[str, list[float]] = {name: [] for name in runners}
    p50: dict[str, list[float]] = {name: [] for name in runners}
    p99: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, runner in runners.items():  # alternate so drift hits both alike
            sink = await measure(runner, burst, None)
            throughput[name].append(burst / (sink.last - sink.first))
            sink = await measure(runner, paced, rate)
            p50[name].append(percentile(sink.latencies_us, 0.50))
            p99[name].append(percentile(sink.latencies_us, 0.99))

    def best(values: list[float], higher_is_better: bool) -> float:
        return max(values) if higher_is_better else statistics.median(values)

    base = "httpx-ws loop"
    print(
        f"backend={backend} burst={burst} msgs, paced={paced} msgs at {rate:.0f}/s, "
        f"rounds={rounds} (best throughput, median latency)"
    )
    header = ("client", "msgs/s", "ratio", "p50 us", "ratio", "p99 us", "ratio")
    print(f"{header[0]:<18}{header[1]:>12}" + "".join(f"{h:>10}" for h in header[2:]))
    for name in runners:
        tp = best(throughput[name], True)
        l50 = best(p50[name], False)
        l99 = best(p99[name], False)
        print(
            f"{name:<18}{tp:>12,.0f}{tp / best(throughput[base], True):>10.2f}"
            f"{l50:>10.0f}{l50 / best(p50[base], False):>10.2f}"
            f"{l99:>10.0f}{l99 / best(p99[base], False):>10.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (seconds)")
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--rounds", type=int, default=None, help="repetitions (best is shown)")
    parser.add_argument(
        "--baseline", default=None, help="also run the WebSocketClient of this git revision"
    )
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    anyio.run(main, args.quick, rounds, args.backend, args.baseline, backend=args.backend)
