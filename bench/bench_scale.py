"""Memory and CPU per subscribed instrument: 1,000 instruments with 10-level books, one process.

For each case the instruments' state is built the way a data client holds it: a tradeport
instrument, the plugin's stream parser state with its per-instrument decoder (memos), and a
local L2 ``OrderBook`` seeded with a 10-level snapshot per side; then a realistic stream
(bench/streams.py, the same generator with 1,000 instruments) runs through the plugin's parser
(bench_parse_streams.py's data-client path) with depth applied to the books. Reported:

* RSS per instrument: the process's resident set after the stream minus before building
  anything, divided by the instruments (``/proc/self/statm``; allocator slack included);
* the same once every decoder's memos are full (its ``memo_size`` prices and sizes each: the
  bound follows the number of decoders, ``decoding.adaptive_memo_size``), the bound a
  long-running feed reaches;
* CPU per frame and the mean book depth after the stream.

Cases: one venue (Binance) with 1,000 instruments; four venues (Binance, OKX, Bybit, BitMEX)
in one process with 250 instruments each. This is the parser and book state of a session,
not sockets: the mock venues serve one symbol each (bench_e2e.py times the socket path).

    python bench/bench_scale.py [--instruments 1000] [--frames 100000] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tradeport.model import decoding

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_parse_streams as parse_bench  # bench/bench_parse_streams.py, beside this script
import streams  # bench/streams.py, beside this script

PAGE = os.sysconf("SC_PAGE_SIZE")
LEVELS = 10


def rss() -> int:
    """Resident bytes of this process."""
    gc.collect()
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def build(venue: str, count: int, frames: int, seed: int) -> tuple[Any, list[bytes]]:
    sims = streams.instruments(venue, seed, count)
    return sims, [frame for _, frame in streams.generate(venue, frames, seed, count)]


def seed_books(handler_books: dict[Any, Any], sims: list[Any], instruments: dict[str, Any]) -> None:
    """A 10-level snapshot per side in every instrument's book."""
    for sim in sims:
        inst = instruments[sim.symbol]
        book = handler_books.get(inst.id)
        if book is None:
            continue
        decoder = decoding.decoder_for(inst)
        bids = [
            (str(sim.price(sim.mid - sim.tick * (i + 1))), str(sim.size(sim.min_lot * 7)))
            for i in range(LEVELS)
        ]
        asks = [
            (str(sim.price(sim.mid + sim.tick * (i + 1))), str(sim.size(sim.min_lot * 5)))
            for i in range(LEVELS)
        ]
        book.apply_deltas(decoder.l2_deltas(bids, asks, 1, 0, 0, snapshot=True))


def fill_memos(instruments: dict[str, Any]) -> None:
    """Every decoder's memos at their bound (what a long-running feed reaches)."""
    for inst in instruments.values():
        decoder = decoding.decoder_for(inst)
        step = 10**-inst.price_precision
        for i in range(decoder.memo_size - len(decoder.prices)):
            decoder.price(f"{(i + 1) * step:.{inst.price_precision}f}")
        for i in range(decoder.memo_size - len(decoder.sizes)):
            decoder.size(f"{(i + 1) * 10**-inst.size_precision:.{inst.size_precision}f}")


def run_case(label: str, venues: list[str], per_venue: int, frames: int, seed: int) -> str:
    decoding._SHARED.clear()
    decoding._BY_OBJECT.clear()
    for venue in venues:
        parse_bench.HANDLERS[venue]({})  # the plugin's modules imported before measuring
    prepared = [(venue, *build(venue, per_venue, frames // len(venues), seed)) for venue in venues]
    before = rss()
    state: list[Any] = []
    cpu = 0.0
    count = 0
    books_depth: list[int] = []
    for venue, sims, stream in prepared:
        instruments = {sim.symbol: parse_bench._instrument(venue, sim) for sim in sims}
        books: dict[Any, Any] = {}
        original = parse_bench._books

        def keep_books(
            insts: dict[str, Any], _orig: Any = original, _books: Any = books
        ) -> dict[Any, Any]:
            made = _orig(insts)
            _books.update(made)
            return made

        parse_bench._books = keep_books  # see the books the handler applies depth to
        try:
            handler = parse_bench.HANDLERS[venue](instruments)
        finally:
            parse_bench._books = original
        seed_books(books, sims, instruments)
        started = time.process_time()
        for frame in stream:
            handler(frame)
        cpu += time.process_time() - started
        count += len(stream)
        books_depth.extend(len(list(b.bids())) + len(list(b.asks())) for b in books.values())
        state.append((handler, books, instruments))
    after = rss()
    total = per_venue * len(venues)
    for _, _, instruments in state:
        fill_memos(instruments)
    full = rss()
    depth = sum(books_depth) / max(1, len(books_depth)) / 2
    return (
        f"{label:<34}{total:>7}{(after - before) / total / 1024:>14.1f}"
        f"{(full - before) / total / 1024:>16.1f}{cpu / count * 1e9:>12.0f}{depth:>10.1f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--instruments", type=int, default=1000)
    ap.add_argument("--frames", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="100 instruments, 5,000 frames")
    ap.add_argument("--case", choices=["one", "four"], help="run one case in this process")
    args = ap.parse_args()
    if args.quick:
        args.instruments, args.frames = 100, 5_000
    four = ["binance", "okx", "bybit", "bitmex"]
    if args.case == "one":
        print(
            run_case("binance, one process", ["binance"], args.instruments, args.frames, args.seed)
        )
        return
    if args.case == "four":
        print(
            run_case("4 venues, one process", four, args.instruments // 4, args.frames, args.seed)
        )
        return
    print(
        f"{'case':<34}{'instr':>7}{'KiB/instr':>14}{'KiB/full':>16}{'CPU ns/fr':>12}{'levels':>10}"
    )
    for case in ("one", "four"):  # each in a fresh process: RSS is not given back between cases
        command = [sys.executable, __file__, "--case", case, "--instruments", str(args.instruments)]
        command += ["--frames", str(args.frames), "--seed", str(args.seed)]
        print(subprocess.run(command, check=True, capture_output=True, text=True).stdout, end="")
    print("KiB/instr: RSS growth / instruments after the stream; full: every memo at its bound;")
    print("levels: mean book levels per side after the stream (seeded with 10)")


if __name__ == "__main__":
    main()
