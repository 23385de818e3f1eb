"""Tardis raw replay: events/s and peak memory of a multi-hour Binance feed.

In one process, against the mock Tardis API on loopback (gzip NDJSON minute slices, computed
minute by minute so the mock holds nothing):

  speed   replay: tradeport.open_replay("tardis", ...) over HTTP, through the Binance plugin's
                  frame parser (asked for through the core)
          bare:   the same lines decompressed and parsed in a loop by the same parser (no HTTP,
                  no session): the cost floor
          ratio replay / bare (1.0: the replay machinery costs nothing over parsing)
  memory  tracemalloc peak of a replay of SHORT minutes and of LONG minutes (12x longer);
          ratio long / short (about 1.0: memory does not grow with the range)

    python bench/bench_tardis_replay.py [--minutes 180] [--per-minute 300] [--quick]
"""

from __future__ import annotations

import argparse
import gzip
import time
import tracemalloc
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import anyio
from tradeport import open_replay, open_venue
from tradeport.frames import FrameParsers
from tradeport.model.identifiers import InstrumentId
from tradeport.plugins import load_plugins
from tradeport.replay import ReplaySubscription
from tradeport_tardis.constants import NS_PER_MINUTE
from tradeport_tardis.lines import split_slice
from tradeport_tardis.testing import TardisHarness
from tradeport_tardis.testing.harness import DEFAULT_START, Line
from tradeport_tardis.testing.render import slice_body, trade

SPOT = InstrumentId.from_str("BTCUSDT.BINANCE")


def minute_lines(per_minute: int):
    def source(exchange: str, minute_ns: int) -> Sequence[Line]:
        base = (minute_ns - DEFAULT_START) // NS_PER_MINUTE * per_minute
        step = NS_PER_MINUTE // (per_minute + 1)
        out = []
        for i in range(per_minute):
            ts = minute_ns + (i + 1) * step // 100 * 100
            data = trade("BTCUSDT", base + i, Decimal("1000.00") + i % 7, Decimal("0.00010"),
                         ts // 1_000_000, i % 2 == 0)  # fmt: skip
            out.append(Line(ts, data, "btcusdt", "trade"))
        return out

    return source


async def replay(minutes: int, per_minute: int, measure_memory: bool) -> tuple[int, float, int]:
    """(events, seconds, peak bytes) of a replay of ``minutes``. For speed the slices are
    rendered once by a warm-up pass (the mock runs in this process: its rendering is not the
    replay's cost); for memory nothing is cached (the mock computes each minute)."""
    async with TardisHarness() as harness:
        harness.minute_source = minute_lines(per_minute)
        async with open_venue("tardis", harness.client_config(), connect=False) as venue:
            instruments = await venue.instruments.load_all()

        def forget(_: Any) -> None:  # the mock's request logs are not the replay's memory
            harness.server.requests.clear()
            harness._recorded.clear()
            harness.served.clear()

        async def run() -> tuple[int, float]:
            count = 0
            started = time.perf_counter()
            async with open_replay("tardis", harness.client_config(), DEFAULT_START,
                                   DEFAULT_START + minutes * NS_PER_MINUTE, subscriptions=subs,
                                   instruments=instruments, on_progress=forget,
                                   progress_every=per_minute) as session:  # fmt: skip
                async for _ in session.events():
                    count += 1
            return count, time.perf_counter() - started

        subs = [ReplaySubscription(data_type="TRADES", instrument_id=SPOT)]
        if measure_memory:
            tracemalloc.start()
            count, elapsed = await run()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            return count, elapsed, peak
        harness.body_cache = {}
        await run()
        count, elapsed = await run()
        return count, elapsed, 0


def bare(minutes: int, per_minute: int, instruments: list[Any]) -> tuple[int, float]:
    parser = FrameParsers.from_registry(load_plugins()).create("binance", instruments)
    source = minute_lines(per_minute)
    bodies = [slice_body([(ln.ts, ln.frame) for ln in source("binance", DEFAULT_START + m *
              NS_PER_MINUTE)]) for m in range(minutes)]  # fmt: skip
    count = 0
    started = time.perf_counter()
    previous = DEFAULT_START
    for body in bodies:
        for ts, frame in split_slice(gzip.decompress(body), previous):
            previous = ts
            count += len(parser.parse(frame, ts))
    return count, time.perf_counter() - started


async def instruments_of() -> list[Any]:
    async with (
        TardisHarness() as harness,
        open_venue("tardis", harness.client_config(), connect=False) as venue,
    ):
        return await venue.instruments.load_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=180)
    parser.add_argument("--per-minute", type=int, default=300)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    minutes, per_minute = (96, 30) if args.quick else (args.minutes, args.per_minute)
    # Long enough that the window of max_parallel slices is full in both runs.
    short = max(16, minutes // 12)

    instruments = anyio.run(instruments_of)
    count, elapsed, _ = anyio.run(replay, minutes, per_minute, False)
    bare_count, bare_elapsed = bare(minutes, per_minute, instruments)
    assert count == bare_count == minutes * per_minute, (count, bare_count)
    replay_rate, bare_rate = count / elapsed, bare_count / bare_elapsed
    print(f"{minutes} minutes x {per_minute} trades: {count} events")
    print(f"speed   replay {replay_rate:>10,.0f} ev/s   bare parser {bare_rate:>10,.0f} ev/s   "
          f"ratio {replay_rate / bare_rate:.2f}")  # fmt: skip
    _, _, peak_short = anyio.run(replay, short, per_minute, True)
    _, _, peak_long = anyio.run(replay, minutes, per_minute, True)
    print(f"memory  peak {short} min {peak_short / 1e6:.2f} MB   {minutes} min "
          f"{peak_long / 1e6:.2f} MB   ratio {peak_long / peak_short:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
