"""Databento MBO decoding: tradeport objects against databento-dbn's bare decode, and peak
memory that does not grow with the range.

A DBN file of N MBO records (adds, modifies, partial and full cancels of a rotating set of
orders, one event per F_LAST) is written with databento-dbn's own encoder, then read in 1 MiB
chunks the way a historical response arrives, three ways, each in a fresh child process:

* ``bare``: ``databento_dbn.DBNDecoder`` write/decode only (records become databento-dbn's
  Python objects): the floor;
* ``deltas``: the plugin's :class:`~tradeport_databento.decode.DbnStream` and
  ``parse_mbo_delta`` (an ``OrderBookDelta`` built for every book-changing record, exact
  prices at the instrument's precision);
* ``book``: :class:`~tradeport_databento.data.MboBook` (deltas batched per event into
  ``OrderBookDeltas`` and applied to the core's L3 ``OrderBook``), what the data client does;
* ``columns``: the columnar path, :class:`~tradeport_databento.decode.DbnBlockStream` (MBO
  records as numpy views of the bytes) and :class:`~tradeport_databento.parse.MboColumns`:
  every event's deltas, exact (cancels resolved to UPDATE with the remaining size or
  DELETE), in the core's ``OrderBookDeltaColumns``, whose per-delta objects are built on
  access;
* ``col+obj``: ``columns`` plus every ``OrderBookDelta`` object built (``deltas()``), the
  cost of a consumer that reads them all;
* ``col+book``: ``columns`` applied to the L3 ``OrderBook`` (``MboBook.on_block``, the
  book read from the columns directly).

Each row gives records per second, the ratio to ``bare`` and the child's peak RSS; the memory
rows run N and N/5 records so a peak that grew with the range would show.

    python bench/bench_databento_decode.py [--records 5000000] [--quick]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import databento_dbn as dbn

CHUNK = 1 << 20
TS = 1_796_600_000_000_000_000


def write_file(path: Path, records: int) -> None:
    """N MBO records: each event adds an order, modifies one, cancels part of one and all of
    another, so the book stays small and every action is exercised."""
    meta = dbn.Metadata(
        dataset="GLBX.MDP3",
        start=TS,
        stype_in=dbn.SType.RAW_SYMBOL,
        stype_out=dbn.SType.INSTRUMENT_ID,
        schema=dbn.Schema.MBO,
        symbols=["ESZ6"],
    )
    block = bytearray()
    per_block = 4000
    for i in range(per_block // 4):
        ts = TS + i * 1000
        oid = 1_000_000 + i
        side = dbn.Side.BID if i % 2 else dbn.Side.ASK
        px = 5_000_000_000_000 + (i % 40 - 20) * 250_000_000
        block += bytes(
            dbn.MBOMsg(1, 42, ts, oid, px, 10, dbn.Action.ADD, side, ts, flags=0, sequence=i)
        )
        block += bytes(
            dbn.MBOMsg(1, 42, ts, oid, px, 12, dbn.Action.MODIFY, side, ts, flags=0, sequence=i)
        )
        block += bytes(
            dbn.MBOMsg(1, 42, ts, oid, px, 5, dbn.Action.CANCEL, side, ts, flags=0, sequence=i)
        )
        block += bytes(
            dbn.MBOMsg(
                1, 42, ts, oid, px, 7, dbn.Action.CANCEL, side, ts, flags=dbn.F_LAST, sequence=i
            )
        )
    with path.open("wb") as out:
        out.write(bytes(meta.encode()))
        full, rest = divmod(records, per_block)
        for _ in range(full):
            out.write(block)
        out.write(block[: rest * 56])


def run_child(mode: str, path: Path) -> tuple[int, float, int]:
    """Decode ``path`` in ``mode``; (records, seconds, peak RSS KiB)."""
    from tradeport_databento.data import MboBook
    from tradeport_databento.decode import DbnBlockStream, DbnStream
    from tradeport_databento.parse import (
        MboColumns,
        RecordContext,
        parse_instrument,
        parse_mbo_delta,
    )

    definition = dbn.InstrumentDefMsg(
        1,
        42,
        TS,
        TS,
        250_000_000,
        1_000_000_000,
        "ESZ6",
        "ES",
        "FUT",
        dbn.InstrumentClass.FUTURE,
        dbn.SecurityUpdateAction.ADD,
        currency="USD",
        exchange="XCME",
        min_lot_size_round_lot=1,
        unit_of_measure_qty=50_000_000_000,
    )
    decoder = dbn.DBNDecoder(has_metadata=False)
    decoder.write(bytes(definition))
    ctx = RecordContext(parse_instrument(decoder.decode()[0], "XCME", TS))
    count = 0
    started = time.perf_counter()
    with path.open("rb") as source:
        if mode == "bare":
            bare = dbn.DBNDecoder()
            while chunk := source.read(CHUNK):
                bare.write(chunk)
                count += len(bare.decode())
            count -= 1  # the metadata
        elif mode == "deltas":
            stream = DbnStream()
            ts_init = time.time_ns()
            while chunk := source.read(CHUNK):
                for record in stream.feed(chunk):
                    parse_mbo_delta(record, ctx, ts_init)
                    count += 1
        elif mode == "book":
            stream = DbnStream()
            book = MboBook(ctx)
            ts_init = time.time_ns()
            while chunk := source.read(CHUNK):
                for record in stream.feed(chunk):
                    book.on_record(record, ts_init)
                    count += 1
        else:
            blocks = DbnBlockStream()
            parser = MboColumns(ctx)
            book = MboBook(ctx)
            ts_init = time.time_ns()
            materialise = mode == "col+obj"
            while chunk := source.read(CHUNK):
                for block in blocks.feed(chunk):
                    count += len(block)
                    for records in block.by_instrument().values():
                        if mode == "col+book":
                            book.on_block(records, ts_init)
                            continue
                        columns = parser.parse(records, ts_init)
                        if materialise and columns is not None:
                            columns.deltas()
    elapsed = time.perf_counter() - started
    return count, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(mode: str, path: str, repeats: int) -> None:
    best = None
    for _ in range(repeats):
        result = run_child(mode, Path(path))
        if best is None or result[1] < best[1]:
            best = result
    assert best is not None
    print(f"{best[0]} {best[1]:.6f} {best[2]}")


def measure(mode: str, path: Path, repeats: int) -> tuple[int, float, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), "--repeats", str(repeats)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), float(out[1]), int(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200k records, one repeat")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.repeats)
        return
    records = 200_000 if args.quick else args.records
    repeats = 1 if args.quick else args.repeats
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.dbn", Path(tmp) / "small.dbn"
        write_file(big, records)
        write_file(small, records // 5)
        print(
            f"MBO file: {records:,} records, {os.path.getsize(big) / 2**20:.0f} MiB, read in 1 MiB chunks"
        )
        print(f"{'mode':<8} {'records/s':>12} {'ratio':>7} {'peak RSS':>10} {'RSS @ N/5':>10}")
        base_rate = None
        for mode in ("bare", "deltas", "book", "columns", "col+obj", "col+book"):
            count, seconds, rss = measure(mode, big, repeats)
            _, _, rss_small = measure(mode, small, 1)
            assert count == records, (mode, count)
            rate = count / seconds
            base_rate = base_rate or rate
            print(
                f"{mode:<8} {rate:>12,.0f} {rate / base_rate:>7.2f} "
                f"{rss / 1024:>8.1f}MB {rss_small / 1024:>8.1f}MB"
            )


if __name__ == "__main__":
    main()
