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

Each row gives records per second, the ratio to ``bare`` and the peak RSS. The rates come from
one process that runs every mode in turn, round after round (best of ``--repeats`` each), so
each ratio compares runs made under the same machine load; the peak RSS of each mode comes
from a fresh process of its own, over N and N/5 records, so a peak that grew with the range
would show.

    python bench/bench_databento_decode.py [--records 5000000] [--quick] [--trades]
"""

from __future__ import annotations

import argparse
import functools
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


def _mbo(
    sequence: int, px: int, side: object, order: int, size: int, action: object, flags: int = 0
) -> bytes:
    ts = TS + sequence * 1000
    return bytes(
        dbn.MBOMsg(1, 42, ts, order, px, size, action, side, ts, flags=flags, sequence=sequence)
    )


def write_file(path: Path, records: int, *, trades: bool = False) -> None:
    """N MBO records: each event adds an order, modifies one, cancels part of one and all of
    another, so the book stays small and every action is exercised. With ``trades`` a
    quarter of the records are trades, which change no order (parsers drop them): the
    modify gives way to a trade, which ends every other event (its F_LAST then moves)."""
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
        oid = 1_000_000 + i
        side = dbn.Side.BID if i % 2 else dbn.Side.ASK
        px = 5_000_000_000_000 + (i % 40 - 20) * 250_000_000
        mbo = functools.partial(_mbo, i, px, side)
        if not trades:
            block += mbo(oid, 10, dbn.Action.ADD) + mbo(oid, 12, dbn.Action.MODIFY)
            block += mbo(oid, 5, dbn.Action.CANCEL) + mbo(oid, 7, dbn.Action.CANCEL, dbn.F_LAST)
        elif i % 2:
            block += mbo(oid, 12, dbn.Action.ADD) + mbo(oid, 5, dbn.Action.CANCEL)
            block += mbo(oid, 7, dbn.Action.CANCEL) + mbo(0, 5, dbn.Action.TRADE, dbn.F_LAST)
        else:
            block += mbo(oid, 12, dbn.Action.ADD) + mbo(0, 5, dbn.Action.TRADE)
            block += mbo(oid, 5, dbn.Action.CANCEL) + mbo(oid, 7, dbn.Action.CANCEL, dbn.F_LAST)
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


MODES = ("bare", "deltas", "book", "columns", "col+obj", "col+book")


def child(mode: str, path: str) -> None:
    """One run of ``mode`` in this (fresh) process: its peak RSS is the mode's own."""
    count, seconds, rss = run_child(mode, Path(path))
    print(f"{count} {seconds:.6f} {rss}")


def rates(path: str, repeats: int) -> None:
    """Every mode in this one process, interleaved round after round (best of ``repeats``
    each), so that the ratios to ``bare`` hold under a load that changes over time."""
    best: dict[str, tuple[int, float]] = {}
    for _ in range(repeats):
        for mode in MODES:
            count, seconds, _ = run_child(mode, Path(path))
            if mode not in best or seconds < best[mode][1]:
                best[mode] = (count, seconds)
    for mode, (count, seconds) in best.items():
        print(f"{mode} {count} {seconds:.6f}")


def _run(*args: str) -> list[str]:
    return subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    ).stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200k records, one repeat")
    parser.add_argument("--trades", action="store_true", help="a quarter of the records are trades")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--rates", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1])
        return
    if args.rates:
        rates(args.rates, args.repeats)
        return
    records = 200_000 if args.quick else args.records
    repeats = 1 if args.quick else args.repeats
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.dbn", Path(tmp) / "small.dbn"
        write_file(big, records, trades=args.trades)
        write_file(small, records // 5, trades=args.trades)
        print(
            f"MBO file: {records:,} records{' (a quarter trades)' if args.trades else ''}, "
            f"{os.path.getsize(big) / 2**20:.0f} MiB, "
            f"read in 1 MiB chunks; rates: best of {repeats}, modes interleaved in one process"
        )
        out = _run("--rates", str(big), "--repeats", str(repeats))
        measured = {out[i]: (int(out[i + 1]), float(out[i + 2])) for i in range(0, len(out), 3)}
        base_rate = measured["bare"][0] / measured["bare"][1]
        print(f"{'mode':<8} {'records/s':>12} {'ratio':>7} {'peak RSS':>10} {'RSS @ N/5':>10}")
        for mode in MODES:
            count, seconds = measured[mode]
            assert count == records, (mode, count)
            rss = int(_run("--child", mode, str(big))[2])
            rss_small = int(_run("--child", mode, str(small))[2])
            rate = count / seconds
            print(
                f"{mode:<8} {rate:>12,.0f} {rate / base_rate:>7.2f} "
                f"{rss / 1024:>8.1f}MB {rss_small / 1024:>8.1f}MB"
            )


if __name__ == "__main__":
    main()
