"""Events/s through each tradeport sink against the same events written by the bare client.

For each sink, in one process, interleaved rounds of:
  parquet  bare: pyarrow, columns built by hand, pq.write_table per 10 000 events
           sink: tradeport.open_sink("parquet:DIR") (fsync off, like the bare writer; and on)
  redis    bare: redis-py XADD pipelines of 500 entries (JSON of to_tagged_dict)
           sink: tradeport.open_sink("redis://...") (batches of 500, acknowledged)
  nats     bare: JetStream publish_async of 500 messages with Nats-Msg-Id, acks awaited
           sink: tradeport.open_sink("nats://...")
and prints the median events/s of each and the ratio sink / bare (1.0: the sink costs nothing
over the client; the sink adds event ids, envelopes, routing per venue and type, the bounded
buffer and retries). Redis and NATS run against real servers on loopback (skipped, with the
reason, when redis-server / nats-server are not installed).

    python bench/bench_sinks.py [--events 50000] [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from tradeport.sinks import open_sink
from tradeport.testing.sample_events import quotes
from tradeport.testing.servers import NatsServer, RedisServer, missing


async def timed(run: Callable[[], Awaitable[None]], count: int) -> float:
    start = time.perf_counter()
    await run()
    return count / (time.perf_counter() - start)


# -- parquet ----------------------------------------------------------------------------------


def bare_parquet(events: list, directory: Path) -> Callable[[], Awaitable[None]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    decimal = pa.decimal128(38, 18)
    ts = pa.timestamp("ns", tz="UTC")

    async def run() -> None:
        for n, start in enumerate(range(0, len(events), 10_000)):
            chunk = events[start : start + 10_000]
            table = pa.table(
                {
                    "instrument_id": pa.array([str(e.instrument_id) for e in chunk]),
                    "bid_price": pa.array([e.bid_price.as_decimal() for e in chunk], decimal),
                    "ask_price": pa.array([e.ask_price.as_decimal() for e in chunk], decimal),
                    "bid_size": pa.array([e.bid_size.as_decimal() for e in chunk], decimal),
                    "ask_size": pa.array([e.ask_size.as_decimal() for e in chunk], decimal),
                    "ts_event": pa.array([e.ts_event for e in chunk], ts),
                    "ts_init": pa.array([e.ts_init for e in chunk], ts),
                }
            )
            pq.write_table(table, directory / f"bare-{n}.parquet", compression="zstd")

    return run


def sink_run(url: str, events: list, **options: Any) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        async with open_sink(url, **options) as sink:
            for event in events:
                await sink.write(event)

    return run


# -- redis ------------------------------------------------------------------------------------


def bare_redis(url: str, events: list) -> Callable[[], Awaitable[None]]:
    import redis.asyncio as redis
    from tradeport.model.serialization import to_tagged_dict

    async def run() -> None:
        client = redis.Redis.from_url(url)
        for start in range(0, len(events), 500):
            pipe = client.pipeline(transaction=False)
            for i, event in enumerate(events[start : start + 500], start):
                data = json.dumps(to_tagged_dict(event), separators=(",", ":"))
                pipe.xadd("bare:BINANCE:QuoteTick", {"id": str(i), "event": data})
            await pipe.execute()
        await client.aclose()

    return run


# -- nats -------------------------------------------------------------------------------------


def bare_nats(url: str, events: list) -> Callable[[], Awaitable[None]]:
    import asyncio

    import nats
    from tradeport.model.serialization import to_tagged_dict

    async def run() -> None:
        nc = await nats.connect(url)
        js = nc.jetstream()
        await js.add_stream(name="BARE_QUOTES", subjects=["bare.quotes"])
        for start in range(0, len(events), 500):
            acks = []
            for i, event in enumerate(events[start : start + 500], start):
                data = json.dumps(to_tagged_dict(event), separators=(",", ":")).encode()
                acks.append(await js.publish_async("bare.quotes", data, headers={"Nats-Msg-Id": f"b-{i}"}))
            await asyncio.gather(*acks)
        await nc.close()

    return run


def report(name: str, rows: dict[str, list[float]]) -> None:
    bare = statistics.median(rows["bare"])
    for label, rates in rows.items():
        rate = statistics.median(rates)
        print(f"{name:<8} {label:<12} {rate:>12,.0f} {rate / bare:>7.2f}")


async def bench(count: int, rounds: int) -> None:
    events = quotes(count)
    print(f"{count} QuoteTicks per run, {rounds} interleaved rounds, median events/s\n")
    print(f"{'sink':<8} {'writer':<12} {'events/s':>12} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows: dict[str, list[float]] = {"bare": [], "sink": [], "sink+fsync": []}
        for r in range(rounds):
            (root / f"b{r}").mkdir()
            rows["bare"].append(await timed(bare_parquet(events, root / f"b{r}"), count))
            rows["sink"].append(await timed(sink_run(f"parquet:{root}/s{r}", events, fsync=False), count))
            rows["sink+fsync"].append(await timed(sink_run(f"parquet:{root}/f{r}", events), count))
        report("parquet", rows)

        for name, server_type, bare in (("redis", RedisServer, bare_redis), ("nats", NatsServer, bare_nats)):
            reason = missing(f"{name}-server")
            if reason:
                print(f"{name:<8} skipped: {reason}")
                continue
            rows = {"bare": [], "sink": []}
            for r in range(rounds):
                with server_type(root / f"{name}{r}") as server:
                    rows["bare"].append(await timed(bare(server.url, events), count))
                    rows["sink"].append(await timed(sink_run(server.url, events, batch_size=500), count))
            report(name, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="5 000 events, 1 round")
    args = parser.parse_args()
    count, rounds = (5_000, 1) if args.quick else (args.events, args.rounds)
    anyio.run(bench, count, rounds, backend="asyncio")  # redis-py and nats-py: asyncio only
    return 0


if __name__ == "__main__":
    sys.exit(main())
