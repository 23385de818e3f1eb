"""Time from a connection drop (TCP RST through a fault proxy) to every subscription restored.

A loopback venue speaking Binance's subscribe/ack protocol sits behind a FaultProxy; the client
holds T topics. Each round resets the connection and measures until ``wait_reconnected`` returns,
which happens only after the new connection is up and the venue acknowledged every topic again.
Measured with the reconnect policy's delays at 0 (the mechanics alone) and with the default
policy (what a user gets out of the box: the first attempt after a connection that stayed up
``stable_after`` goes within ``first_delay_max``, jittered; drops are spaced by ``stable_after``
so each one is such a drop, as a live connection's are).

Run: ``python bench/bench_reconnect.py`` (``--quick`` for a short run, ``--backend trio``).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from typing import Any

import anyio
from tradeport.net import (
    GenericJsonProtocol,
    Heartbeat,
    ReconnectPolicy,
    WebSocketClient,
    json_codec,
)
from tradeport.testing import FaultProxy, LoopbackServer, ServerWebSocket


async def binance_like_venue(ws: ServerWebSocket) -> None:
    """Acknowledges every SUBSCRIBE with ``{"result": null, "id": ...}``."""
    async for raw in ws:
        message = json_codec.loads(raw)
        if message.get("method") == "SUBSCRIBE":
            await ws.send_json({"result": None, "id": message["id"]})


async def ignore(message: Any) -> None:
    """Data is not the point here."""


async def measure(
    policy: ReconnectPolicy, topics: int, rounds: int, spacing: float = 0.0
) -> list[float]:
    async with (
        LoopbackServer(websockets={"/ws": binance_like_venue}) as server,
        FaultProxy(server.port) as proxy,
    ):
        client = WebSocketClient(
            proxy.ws_url + "/ws",
            GenericJsonProtocol(batch_size=200),
            ignore,
            heartbeat=Heartbeat(ping_interval=None),
            reconnect=policy,
        )
        timings = []
        async with client:
            await client.subscribe([f"sym{i}@trade" for i in range(topics)])
            for _ in range(rounds):
                await anyio.sleep(spacing)  # the connection's time up before the drop
                seen = client.counters.reconnects
                started = time.perf_counter()
                await proxy.reset_rst()
                with anyio.fail_after(30):
                    await client.wait_reconnected(seen)
                timings.append(time.perf_counter() - started)
        return timings


async def main(quick: bool, backend: str) -> None:
    rounds = 5 if quick else 30
    default = ReconnectPolicy()
    cases = [
        ("no delays", ReconnectPolicy(initial=0.0, first_delay_max=0.0), 10, 0.0),
        ("no delays", ReconnectPolicy(initial=0.0, first_delay_max=0.0), 500, 0.0),
        ("default", default, 10, default.stable_after),
        ("default", default, 500, default.stable_after),
    ]
    if quick:
        rounds = 3
        cases = [cases[0], cases[2]]
    print(f"backend={backend} rounds={rounds}: RST drop -> all subscriptions acknowledged again")
    print(f"{'policy':<24}{'topics':>8}{'min ms':>10}{'median ms':>11}{'max ms':>10}")
    for label, policy, topics, spacing in cases:
        timings = [t * 1000 for t in await measure(policy, topics, rounds, spacing)]
        print(
            f"{label:<24}{topics:>8}{min(timings):>10.1f}"
            f"{statistics.median(timings):>11.1f}{max(timings):>10.1f}"
        )


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)  # each drop is logged as a warning otherwise
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (seconds)")
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    args = parser.parse_args()
    anyio.run(main, args.quick, args.backend, backend=args.backend)
