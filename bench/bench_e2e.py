"""End to end from the socket: realistic venue frames through open_venue's event stream.

The venue's loopback mock (its plugin's ``testing`` harness) serves the session: ``open_venue``
loads its instruments over HTTP and subscribes to trades and quotes of the mock's BTC spot
instrument over its WebSocket; then the mock writes frames of the realistic stream
(bench/streams.py: that instrument's trade and quote frames, every one distinct, in the venue's
wire format) straight into that connection. They go through the real WebSocketClient, the
plugin's protocol and parser and the session's bounded event stream to a consumer
``async for event in venue.events()``. Venues (``--venue``):

* binance: ``btcusdt@trade`` and ``btcusdt@bookTicker`` on ``/stream`` (combined-stream format);
* okx: ``trades`` and ``bbo-tbt`` of BTC-USDT on ``/ws/v5/public``;
* bybit: ``publicTrade.BTCUSDT`` and ``orderbook.1.BTCUSDT`` on ``/v5/public/spot``.

The baseline is a bare httpx-ws loop on the same mock: it sends the venue's subscribe message,
reads the mock's answers to it (acks, Bybit's ``orderbook.1`` snapshot of the empty book), then
``orjson.loads(await ws.receive_text())`` per frame, nothing else. Interleaved, same process:

* throughput: N frames written as fast as the socket takes them (pre-encoded, many frames per
  write, so the server is not the limit); events/s from the first event to the Nth;
* latency: frames at a fixed rate (default 5,000/s, absolute schedule); receipt time at the
  consumer minus the time the frame was written (same clock); p50, p95 and p99, how many
  events took over 2 ms, and the involuntary context switches of the process during the
  paced runs (``getrusage``): on a loaded machine the slow events come in clusters, one per
  time slice the process is preempted for, which the switch count tells apart from the
  consumer's own cost.

Depth is left out: the session's book needs a REST snapshot whose update ids the mock's book
sets, which the generated depth frames cannot follow (bench_parse_streams.py times depth).

    python bench/bench_e2e.py [--venue binance|okx|bybit] [--frames 20000] [--rate 5000]
        [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import orjson
import wsproto
import wsproto.connection
import wsproto.events
import wsproto.utilities
from httpx_ws import aconnect_ws
from tradeport.model.data import QuoteTick, TradeTick
from tradeport.model.enums import ProductType
from tradeport.session import open_venue

sys.path.insert(0, str(Path(__file__).resolve().parent))
import streams  # bench/streams.py, beside this script
from mock_venues import mock_venue


def _fixed_step(size: str, step: str) -> str:
    """``size`` on a lot ``step`` (at least one step): the streams' sizes are finer than the
    mocks' BTC lots."""
    quantum = Decimal(step)
    return str(max(Decimal(size).quantize(quantum), quantum))


def _binance_grid(message: Any) -> None:
    data = message["data"]
    for key in ("q", "B", "A"):
        if key in data:
            data[key] = f"{max(Decimal(data[key]), Decimal('0.001')):.3f}00000"


def _bybit_grid(message: Any) -> None:
    data = message["data"]
    if isinstance(data, list):  # publicTrade
        for trade in data:
            trade["v"] = _fixed_step(trade["v"], "0.001")
    else:  # orderbook.1
        for side in ("b", "a"):
            data[side] = [[price, _fixed_step(size, "0.001")] for price, size in data[side]]


@dataclass(frozen=True)
class E2EVenue:
    """What differs between venues: the mock, the frames, and the bare loop's subscription."""

    #: Bytes every trade/quote frame of the mock's BTC spot instrument contains.
    frame_marker: bytes
    #: Puts a decoded frame's sizes on the mock's lot step (None: already on it).
    on_grid: Callable[[Any], None] | None
    #: Contained in the mock connection's topics that hold the subscriptions.
    topic_key: str
    #: The bare loop's stream path, subscribe message, and messages the mock answers it with.
    ws_path: str
    subscribe: dict[str, Any]
    setup_messages: int


VENUES: dict[str, E2EVenue] = {
    "binance": E2EVenue(
        b'{"stream":"btcusdt@',
        _binance_grid,
        "btcusdt@",
        "/stream",
        {"method": "SUBSCRIBE", "params": ["btcusdt@trade", "btcusdt@bookTicker"], "id": 1},
        1,  # the ack
    ),
    "okx": E2EVenue(
        b'"instId":"BTC-USDT"}',
        None,  # sizes with 6 decimals, prices whole: on BTC-USDT's grid (lot 1e-8, tick 0.1)
        ":BTC-USDT",
        "/ws/v5/public",
        {
            "op": "subscribe",
            "args": [
                {"channel": "trades", "instId": "BTC-USDT"},
                {"channel": "bbo-tbt", "instId": "BTC-USDT"},
            ],
        },
        2,  # one ack per channel
    ),
    "bybit": E2EVenue(
        b'.BTCUSDT","type"',
        _bybit_grid,
        ".BTCUSDT",
        "/v5/public/spot",
        {"op": "subscribe", "args": ["publicTrade.BTCUSDT", "orderbook.1.BTCUSDT"]},
        2,  # the ack, then the orderbook.1 snapshot of the (empty) book
    ),
}


def frames_for(venue: E2EVenue, name: str, count: int) -> list[bytes]:
    """``count`` distinct trade/quote frames of the realistic stream's BTC spot instrument."""
    out: list[bytes] = []
    # Its trades and quotes are about a sixth of the stream; the default reuses the 200k one.
    total = 200_000 if count <= 30_000 else count * 8
    if count <= 3_000:
        total = 30_000  # --quick: a small stream, generated in a second
    for kind, frame in streams.load(name, total):
        if kind != "depth" and venue.frame_marker in frame:
            out.append(_on_mock_grid(venue, frame))
            if len(out) == count:
                return out
    raise RuntimeError(f"the {name} stream has only {len(out)} BTC frames, not {count}")


def _on_mock_grid(venue: E2EVenue, frame: bytes) -> bytes:
    """The frame with its sizes on the mock's lot step."""
    if venue.on_grid is None:
        return frame
    message = orjson.loads(frame)
    venue.on_grid(message)
    return orjson.dumps(message)


def ws_frame(payload: bytes) -> bytes:
    """One unmasked server text frame, as a venue writes it."""
    return wsproto.connection.Connection(wsproto.ConnectionType.SERVER).send(
        wsproto.events.TextMessage(data=payload.decode())
    )


class Pusher:
    """Writes frames into the mock's connection that holds the subscriptions."""

    def __init__(self, harness: Any, frames: list[bytes], topic_key: str) -> None:
        self.harness = harness
        self.topic_key = topic_key
        self.encoded = [ws_frame(f) for f in frames]
        self.sent_at: list[int] = []

    def connection(self) -> Any:
        for conn in self.harness.streams:
            if any(self.topic_key in t for t in conn.topics):
                return conn
        raise RuntimeError("no subscribed stream connection")

    async def burst(self) -> None:
        ws = self.connection().ws
        for start in range(0, len(self.encoded), 200):
            await ws.send_raw(b"".join(self.encoded[start : start + 200]))

    async def paced(self, rate: float) -> None:
        ws = self.connection().ws
        interval = 1.0 / rate
        self.sent_at = []
        begin = time.perf_counter()
        for i, frame in enumerate(self.encoded):
            delay = begin + i * interval - time.perf_counter()
            if delay > 0:
                await anyio.sleep(delay)
            self.sent_at.append(time.perf_counter_ns())
            await ws.send_raw(frame)


class Consumer:
    """Counts events in order; records receipt times."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.received_at: list[int] = []
        self.first = self.last = 0.0

    def seen(self) -> None:
        now = time.perf_counter_ns()
        if not self.received_at:
            self.first = now / 1e9
        self.received_at.append(now)
        if len(self.received_at) == self.count:
            self.last = now / 1e9


async def run_session(name: str, harness: Any, pusher: Pusher, rate: float | None) -> Consumer:
    consumer = Consumer(len(pusher.encoded))
    async with open_venue(name, harness.client_config("none")) as venue:
        await venue.instruments.load_all()
        iid = harness.instrument_id(ProductType.SPOT)
        await venue.data.subscribe_trades(iid)
        await venue.data.subscribe_quotes(iid)
        async with anyio.create_task_group() as group:
            group.start_soon(
                pusher.burst if rate is None else pusher.paced, *(() if rate is None else (rate,))
            )
            async for event in venue.events():
                if event.__class__ is TradeTick or event.__class__ is QuoteTick:
                    consumer.seen()
                    if len(consumer.received_at) == consumer.count:
                        break
    return consumer


async def run_bare(name: str, harness: Any, pusher: Pusher, rate: float | None) -> Consumer:
    venue = VENUES[name]
    consumer = Consumer(len(pusher.encoded))
    loads = orjson.loads
    try:
        async with aconnect_ws(
            harness.ws_url + venue.ws_path, keepalive_ping_interval_seconds=None
        ) as ws:
            await ws.send_text(orjson.dumps(venue.subscribe).decode())
            for _ in range(venue.setup_messages):  # acks (and Bybit's empty book snapshot)
                loads(await ws.receive_text())
            async with anyio.create_task_group() as group:
                group.start_soon(
                    pusher.burst if rate is None else pusher.paced,
                    *(() if rate is None else (rate,)),
                )
                while len(consumer.received_at) < consumer.count:
                    loads(await ws.receive_text())
                    consumer.seen()
    except* wsproto.utilities.LocalProtocolError:
        # httpx-ws answering a server ping while closing: harmless once every frame arrived.
        if len(consumer.received_at) < consumer.count:
            raise
    return consumer


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main_async(venue_name: str, frames: int, paced: int, rate: float, rounds: int) -> None:
    deadline = 30 + frames / 500 + paced / rate * 2
    logging.getLogger("tradeport").setLevel(logging.ERROR)
    runners = {"bare httpx-ws+orjson": run_bare, "tradeport session": run_session}
    throughput: dict[str, list[float]] = {n: [] for n in runners}
    p50: dict[str, list[float]] = {n: [] for n in runners}
    p95: dict[str, list[float]] = {n: [] for n in runners}
    p99: dict[str, list[float]] = {n: [] for n in runners}
    slow: dict[str, int] = dict.fromkeys(runners, 0)
    preempted: dict[str, int] = dict.fromkeys(runners, 0)
    venue = VENUES[venue_name]
    async with mock_venue(venue_name) as harness:
        burst_frames = frames_for(venue, venue_name, frames)
        paced_frames = burst_frames[:paced]
        for _ in range(rounds):
            for name, runner in runners.items():  # interleaved: drift hits both alike
                with anyio.fail_after(deadline):
                    pushed = Pusher(harness, burst_frames, venue.topic_key)
                    consumer = await runner(venue_name, harness, pushed, None)
                throughput[name].append(frames / (consumer.last - consumer.first))
                pusher = Pusher(harness, paced_frames, venue.topic_key)
                switches = resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw
                with anyio.fail_after(deadline):
                    consumer = await runner(venue_name, harness, pusher, rate)
                preempted[name] += resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw - switches
                lat = [
                    (r - s) / 1000
                    for r, s in zip(consumer.received_at, pusher.sent_at, strict=True)
                ]
                p50[name].append(percentile(lat, 0.50))
                p95[name].append(percentile(lat, 0.95))
                p99[name].append(percentile(lat, 0.99))
                slow[name] += sum(1 for value in lat if value > 2000)
    base = "bare httpx-ws+orjson"
    print(
        f"{venue_name} e2e: burst {frames} frames, paced {paced} at {rate:.0f}/s, {rounds} rounds "
        "(best events/s, median of rounds' p50/p95/p99)"
    )
    print(
        f"{'consumer':<22}{'events/s':>11}{'x bare':>8}{'p50 us':>9}{'p95 us':>9}{'p99 us':>9}"
        f"{'>2 ms':>8}{'preempt':>9}"
    )
    for name in runners:
        best = max(throughput[name])
        print(
            f"{name:<22}{best:>11.0f}{best / max(throughput[base]):>8.2f}"
            f"{statistics.median(p50[name]):>9.0f}{statistics.median(p95[name]):>9.0f}"
            f"{statistics.median(p99[name]):>9.0f}{slow[name]:>8}{preempted[name]:>9}"
        )
    print(
        f">2 ms: paced events over 2 ms in all {rounds} rounds ({rounds * paced} events); "
        "preempt: involuntary context switches during them"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--venue", choices=sorted(VENUES), default="binance")
    ap.add_argument("--frames", type=int, default=20_000)
    ap.add_argument("--paced", type=int, default=10_000, help="frames of the fixed-rate run")
    ap.add_argument("--rate", type=float, default=5_000.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--backend", default="asyncio", choices=["asyncio", "trio"])
    ap.add_argument("--quick", action="store_true", help="one round of 3,000 / 1,000 frames")
    args = ap.parse_args()
    if args.quick:
        args.frames, args.paced, args.rounds = 3_000, 1_000, 1
    anyio.run(
        main_async,
        args.venue,
        args.frames,
        args.paced,
        args.rate,
        args.rounds,
        backend=args.backend,
    )


if __name__ == "__main__":
    main()
