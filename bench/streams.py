"""Seeded, realistic market-data streams in each venue's wire format, for the benchmarks.

A stream is ``n`` distinct frames for a few dozen instruments: trades, quotes and depth updates
in a fixed mix per venue, prices on each instrument's tick grid moved by a random walk, sizes
from a heavy-tailed (Pareto) distribution on the lot grid, timestamps moving forward. Every
frame is built from the plugin's documented example payload (``plugins/<venue>/tests/test_data``,
read at run time, so no shape is invented here) with only its values replaced.

Streams are deterministic for a (venue, n, seed) and cached outside git (``$TRADEPORT_BENCH_CACHE``
or the system temp dir), one ``kind<TAB>frame`` per line.

    python bench/streams.py [--venue binance] [--frames 200000] [--seed 7]

The mix (share of trade / quote / depth frames) is an estimate of each venue's public feed for
liquid instruments with quotes, trades and a 10-level depth stream subscribed, not a measured
capture: quotes and book updates outnumber trades by several times on every venue.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[1]
VENUES = ("binance", "okx", "bybit", "bitmex", "hyperliquid")
KINDS = ("trade", "quote", "depth")
#: Levels changed per depth frame (the issue's "depth10").
DEPTH_LEVELS = 10
#: Instruments per stream ("a few dozen").
INSTRUMENTS = 32

# Share of (trade, quote, depth) frames per venue.
MIX: dict[str, tuple[float, float, float]] = {
    "binance": (0.15, 0.50, 0.35),
    "okx": (0.15, 0.40, 0.45),
    "bybit": (0.15, 0.40, 0.45),
    "bitmex": (0.15, 0.40, 0.45),
    "hyperliquid": (0.20, 0.50, 0.30),
}


def _template(venue: str, name: str) -> Any:
    path = REPO / "plugins" / venue / "tests" / "test_data" / name
    data = json.loads(path.read_text())
    return data


@dataclass
class SimInstrument:
    """One instrument of a stream: its symbol, grid and random-walk state."""

    symbol: str
    price_decimals: int
    size_decimals: int
    tick: int  # ticks per price step of the grid, in units of 10**-price_decimals
    mid: int  # mid price in units of 10**-price_decimals
    min_lot: int  # smallest size in units of 10**-size_decimals

    def price(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.price_decimals)

    def size(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.size_decimals)


def _instruments(venue: str, rng: random.Random, count: int = INSTRUMENTS) -> list[SimInstrument]:
    bases = (  # noqa: SIM905 (a list literal of 32 names is 32 lines)
        "BTC ETH SOL XRP DOGE ADA AVAX LINK DOT LTC BCH TRX ATOM NEAR APT ARB OP FIL ETC UNI INJ"
        " SUI SEI TIA AAVE MKR LDO RUNE STX IMX GRT ALGO"
    ).split()
    out = []
    # Past the 32 names (bench_scale.py), the names repeat with a number: BTC2, ETH2, ...
    names = [
        b if i < len(bases) else f"{b}{i // len(bases) + 1}"
        for i, b in ((i, bases[i % len(bases)]) for i in range(count))
    ]
    for base in names:
        # Price from ~0.1 to ~60k with 5 significant digits, as venues quote them.
        magnitude = {"BTC": 4.6, "ETH": 3.4}.get(base) or rng.uniform(-1, 3.0)
        price_decimals = max(0, 4 - math.floor(magnitude))
        if venue == "bitmex":
            symbol = "XBTUSD" if base == "BTC" else f"{base}USD"
            size_decimals = 0  # contracts
        elif venue == "okx":
            symbol = f"{base}-USDT"
            size_decimals = 6
        elif venue == "hyperliquid":
            symbol = base
            size_decimals = 4
        else:
            symbol = f"{base}USDT"
            size_decimals = 5
        tick = 1
        if venue == "bitmex" and base == "BTC":
            price_decimals, tick = 1, 5  # XBTUSD: tick 0.5
        mid = int(10 ** (magnitude + price_decimals))
        # The smallest size: about 1 USD of the instrument (one contract at BitMEX).
        min_lot = 1 if venue == "bitmex" else max(1, int(10 ** (size_decimals - magnitude)))
        out.append(
            SimInstrument(symbol, price_decimals, size_decimals, tick, mid - mid % tick, min_lot)
        )
    return out


class _Walk:
    """Per-instrument random walk of the mid, and sizes from a Pareto tail."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def step(self, inst: SimInstrument) -> None:
        ticks = round(self.rng.gauss(0, 1.5))
        inst.mid = max(inst.tick * 10, inst.mid + ticks * inst.tick)

    def size(self, inst: SimInstrument) -> int:
        # Pareto with alpha 1.3: most sizes a few hundred USD, a few very large (capped).
        lots = int(self.rng.paretovariate(1.3) * 200)
        return inst.min_lot * min(lots, 50_000_000)

    def level(self, inst: SimInstrument, side: str, depth: int) -> int:
        spread = inst.tick
        offset = spread + inst.tick * depth
        return inst.mid - offset if side == "bid" else inst.mid + offset


def _fixed(value: Decimal, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _trimmed(value: Decimal) -> str:
    """Decimal text without trailing zeros (OKX: ``"8477"``, ``"8476.98"``)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _float_text(value: Decimal) -> str:
    """Hyperliquid's text (``"113377.0"``, ``"167.5"``)."""
    return repr(float(value))


class _Builder:
    """Frames of one venue: ``frame(kind, inst, ts_ms)`` -> bytes."""

    def __init__(self, venue: str, walk: _Walk) -> None:
        self.venue = venue
        self.walk = walk
        self.rng = walk.rng
        self.seq = 1_000_000
        self.trade_id = 3_000_000_000
        self.make: dict[str, Callable[[SimInstrument, int], Any]] = {
            "trade": getattr(self, f"_{venue}_trade"),
            "quote": getattr(self, f"_{venue}_quote"),
            "depth": getattr(self, f"_{venue}_depth"),
        }
        self.templates = {
            "binance": {
                "trade": _template("binance", "spot_trade.json"),
                "quote": _template("binance", "spot_book_ticker.json"),
                "depth": _template("binance", "spot_depth_update.json"),
            },
            "okx": {
                # The trades push: the documented push envelope (arg/data) of the books page,
                # with a trades item as documented for GET /market/trades (the WS trades
                # channel documents the same item fields).
                "trade": _template("okx", "http_get_trades.json")["data"][0],
                "quote": _template("okx", "ws_bbo_tbt.json"),
                "depth": _template("okx", "ws_books_update.json"),
            },
            "bybit": {
                "trade": _template("bybit", "ws_public_trade.json"),
                "quote": _template("bybit", "ws_orderbook_snapshot.json"),
                "depth": _template("bybit", "ws_orderbook_snapshot.json"),
            },
            "bitmex": {
                # The trade insert: the documented table envelope around the row of
                # BitMEX's own trade partial (BitMEX publishes no insert example).
                "trade": {
                    "table": "trade",
                    "action": "insert",
                    "data": _template("bitmex", "ws_trade_partial.json")["data"][:1],
                },
                "quote": _template("bitmex", "ws_quote.json"),
                "depth": _template("bitmex", "ws_orderbook_l2_update.json"),
            },
            "hyperliquid": {
                "trade": _template("hyperliquid", "ws_messages.json")["trades"],
                "quote": _template("hyperliquid", "ws_messages.json")["bbo"],
                # l2Book push: {"channel": "l2Book", "data": <the l2Book record>}; the
                # record is the documented info l2Book response (same shape on the stream).
                "depth": _template("hyperliquid", "l2_book.json"),
            },
        }[venue]

    def frame(self, kind: str, inst: SimInstrument, ts_ms: int) -> bytes:
        return orjson.dumps(self.make[kind](inst, ts_ms))

    def _levels(self, inst: SimInstrument, count: int) -> tuple[list[Any], list[Any]]:
        """``count`` changed levels near the top (a quarter deletes), split bid/ask."""
        bids: dict[int, int] = {}
        asks: dict[int, int] = {}
        while len(bids) + len(asks) < count:  # distinct prices, as venues send them
            side = self.rng.choice(("bid", "ask"))
            depth = min(int(self.rng.expovariate(0.25)), 49)
            size = 0 if self.rng.random() < 0.25 else self.walk.size(inst)
            (bids if side == "bid" else asks)[self.walk.level(inst, side, depth)] = size
        return list(bids.items()), list(asks.items())

    def _next_trade(self) -> int:
        self.trade_id += self.rng.randint(1, 3)
        return self.trade_id

    def _side_of_trade(self) -> bool:
        return self.rng.random() < 0.5

    # -- Binance (combined-stream frames, as the data client receives them) ---------------------

    def _binance_wrap(self, inst: SimInstrument, stream: str, data: Any) -> Any:
        return {"stream": f"{inst.symbol.lower()}@{stream}", "data": data}

    def _binance_trade(self, inst: SimInstrument, ts: int) -> Any:
        msg = copy.copy(self.templates["trade"])
        px = inst.mid + self.rng.choice((-1, 0, 1)) * inst.tick
        tid = self._next_trade()
        msg.update(
            E=ts,
            s=inst.symbol,
            t=tid,
            p=_fixed(inst.price(px), 8),
            q=_fixed(inst.size(self.walk.size(inst)), 8),
            b=tid * 3,
            a=tid * 3 - 7,
            T=ts,
            m=self._side_of_trade(),
        )
        return self._binance_wrap(inst, "trade", msg)

    def _binance_quote(self, inst: SimInstrument, ts: int) -> Any:
        msg = copy.copy(self.templates["quote"])
        self.seq += 1
        msg.update(
            u=self.seq,
            s=inst.symbol,
            b=_fixed(inst.price(self.walk.level(inst, "bid", 0)), 8),
            B=_fixed(inst.size(self.walk.size(inst)), 8),
            a=_fixed(inst.price(self.walk.level(inst, "ask", 0)), 8),
            A=_fixed(inst.size(self.walk.size(inst)), 8),
        )
        return self._binance_wrap(inst, "bookTicker", msg)

    def _binance_depth(self, inst: SimInstrument, ts: int) -> Any:
        msg = copy.copy(self.templates["depth"])
        bids, asks = self._levels(inst, DEPTH_LEVELS)
        first = self.seq + 1
        self.seq += DEPTH_LEVELS
        msg.update(
            E=ts,
            s=inst.symbol,
            U=first,
            u=self.seq,
            b=[[_fixed(inst.price(p), 8), _fixed(inst.size(s), 8)] for p, s in bids],
            a=[[_fixed(inst.price(p), 8), _fixed(inst.size(s), 8)] for p, s in asks],
        )
        return self._binance_wrap(inst, "depth@100ms", msg)

    # -- OKX ------------------------------------------------------------------------------------

    def _okx_trade(self, inst: SimInstrument, ts: int) -> Any:
        item = copy.copy(self.templates["trade"])
        px = inst.mid + self.rng.choice((-1, 0, 1)) * inst.tick
        item.update(
            instId=inst.symbol,
            side="buy" if self._side_of_trade() else "sell",
            sz=_trimmed(inst.size(self.walk.size(inst))),
            px=_trimmed(inst.price(px)),
            tradeId=str(self._next_trade()),
            ts=str(ts),
        )
        return {"arg": {"channel": "trades", "instId": inst.symbol}, "data": [item]}

    def _okx_quote(self, inst: SimInstrument, ts: int) -> Any:
        msg = copy.deepcopy(self.templates["quote"])
        msg["arg"]["instId"] = inst.symbol
        record = msg["data"][0]
        self.seq += 1
        record.update(
            asks=[
                [
                    _trimmed(inst.price(self.walk.level(inst, "ask", 0))),
                    _trimmed(inst.size(self.walk.size(inst))),
                    "0",
                    str(self.rng.randint(1, 9)),
                ]
            ],
            bids=[
                [
                    _trimmed(inst.price(self.walk.level(inst, "bid", 0))),
                    _trimmed(inst.size(self.walk.size(inst))),
                    "0",
                    str(self.rng.randint(1, 9)),
                ]
            ],
            ts=str(ts),
            seqId=self.seq,
        )
        return msg

    def _okx_depth(self, inst: SimInstrument, ts: int) -> Any:
        msg = copy.deepcopy(self.templates["depth"])
        msg["arg"]["instId"] = inst.symbol
        record = msg["data"][0]
        bids, asks = self._levels(inst, DEPTH_LEVELS)

        def level(p: int, s: int) -> list[str]:
            return [
                _trimmed(inst.price(p)),
                _trimmed(inst.size(s)),
                "0",
                str(self.rng.randint(1, 9) if s else 0),
            ]

        prev = self.seq
        self.seq += 1
        record.update(
            asks=[level(p, s) for p, s in asks],
            bids=[level(p, s) for p, s in bids],
            ts=str(ts),
            checksum=self.rng.randint(-(2**31), 2**31 - 1),
            prevSeqId=prev,
            seqId=self.seq,
        )
        return msg

    # -- Bybit ----------------------------------------------------------------------------------

    def _bybit_trade(self, inst: SimInstrument, ts: int) -> Any:
        msg = copy.deepcopy(self.templates["trade"])
        msg["topic"] = f"publicTrade.{inst.symbol}"
        msg["ts"] = ts
        px = inst.mid + self.rng.choice((-1, 0, 1)) * inst.tick
        tid = self._next_trade()
        msg["data"][0].update(
            T=ts - 2,
            s=inst.symbol,
            S="Buy" if self._side_of_trade() else "Sell",
            v=_fixed(inst.size(self.walk.size(inst)), inst.size_decimals),
            p=_fixed(inst.price(px), inst.price_decimals),
            i=f"{tid:08x}-d8dd-5b31-9112-{tid * 7919 % 16**12:012x}",
        )
        return msg

    def _bybit_book(
        self, inst: SimInstrument, ts: int, depth: int, bids: Any, asks: Any, kind: str
    ) -> Any:
        msg = copy.deepcopy(self.templates["depth"])
        self.seq += 1
        msg.update(topic=f"orderbook.{depth}.{inst.symbol}", type=kind, ts=ts)
        msg["data"].update(
            s=inst.symbol,
            b=[
                [
                    _fixed(inst.price(p), inst.price_decimals),
                    _fixed(inst.size(s), inst.size_decimals),
                ]
                for p, s in bids
            ],
            a=[
                [
                    _fixed(inst.price(p), inst.price_decimals),
                    _fixed(inst.size(s), inst.size_decimals),
                ]
                for p, s in asks
            ],
            u=self.seq,
            seq=self.seq * 13,
        )
        return msg

    def _bybit_quote(self, inst: SimInstrument, ts: int) -> Any:
        bid = [(self.walk.level(inst, "bid", 0), self.walk.size(inst))]
        ask = [(self.walk.level(inst, "ask", 0), self.walk.size(inst))]
        return self._bybit_book(inst, ts, 1, bid, ask, "snapshot")

    def _bybit_depth(self, inst: SimInstrument, ts: int) -> Any:
        bids, asks = self._levels(inst, DEPTH_LEVELS)
        return self._bybit_book(inst, ts, 50, bids, asks, "delta")

    # -- BitMEX ---------------------------------------------------------------------------------

    @staticmethod
    def _bitmex_ts(ts: int) -> str:
        seconds, ms = divmod(ts, 1000)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"

    @staticmethod
    def _bitmex_number(value: Decimal) -> float | int:
        return int(value) if value == value.to_integral_value() else float(value)

    def _bitmex_trade(self, inst: SimInstrument, ts: int) -> Any:
        msg = copy.deepcopy(self.templates["trade"])
        row = msg["data"][0]
        px = inst.mid + self.rng.choice((-1, 0, 1)) * inst.tick
        size = self.walk.size(inst)
        tid = self._next_trade()
        row.update(
            timestamp=self._bitmex_ts(ts),
            symbol=inst.symbol,
            side="Buy" if self._side_of_trade() else "Sell",
            size=size,
            price=self._bitmex_number(inst.price(px)),
            trdMatchID=f"{tid:08x}-5e64-ac0c-612b-{tid * 7919 % 16**12:012x}",
            grossValue=size * 10,
            foreignNotional=size,
        )
        return msg

    def _bitmex_quote(self, inst: SimInstrument, ts: int) -> Any:
        msg = copy.deepcopy(self.templates["quote"])
        msg["data"][0].update(
            timestamp=self._bitmex_ts(ts),
            symbol=inst.symbol,
            bidSize=self.walk.size(inst),
            bidPrice=self._bitmex_number(inst.price(self.walk.level(inst, "bid", 0))),
            askPrice=self._bitmex_number(inst.price(self.walk.level(inst, "ask", 0))),
            askSize=self.walk.size(inst),
        )
        return msg

    def _bitmex_depth(self, inst: SimInstrument, ts: int) -> Any:
        # orderBookL2 "update" rows: one row per changed level (id, side, size, price).
        msg = copy.deepcopy(self.templates["depth"])
        template = msg["data"][0]
        rows = []
        bids, asks = self._levels(inst, DEPTH_LEVELS)
        for side, levels in (("Buy", bids), ("Sell", asks)):
            for price, size in levels:
                row = dict(template)
                row.update(
                    symbol=inst.symbol,
                    id=8_800_000_000 + price,
                    side=side,
                    size=size or self.walk.size(inst),
                    price=self._bitmex_number(inst.price(price)),
                    timestamp=self._bitmex_ts(ts),
                )
                rows.append(row)
        msg["data"] = rows
        return msg

    # -- Hyperliquid ----------------------------------------------------------------------------

    def _hyperliquid_trade(self, inst: SimInstrument, ts: int) -> Any:
        msg = copy.deepcopy(self.templates["trade"])
        px = inst.mid + self.rng.choice((-1, 0, 1)) * inst.tick
        msg["data"][0].update(
            coin=inst.symbol,
            side="B" if self._side_of_trade() else "A",
            px=_float_text(inst.price(px)),
            sz=_float_text(inst.size(self.walk.size(inst))),
            time=ts,
            tid=self._next_trade() * 97,
        )
        return msg

    def _hyperliquid_quote(self, inst: SimInstrument, ts: int) -> Any:
        msg = copy.deepcopy(self.templates["quote"])
        data = msg["data"]
        data.update(coin=inst.symbol, time=ts)
        data["bbo"][0].update(
            px=_float_text(inst.price(self.walk.level(inst, "bid", 0))),
            sz=_float_text(inst.size(self.walk.size(inst))),
            n=self.rng.randint(1, 9),
        )
        data["bbo"][1].update(
            px=_float_text(inst.price(self.walk.level(inst, "ask", 0))),
            sz=_float_text(inst.size(self.walk.size(inst))),
            n=self.rng.randint(1, 9),
        )
        return msg

    def _hyperliquid_depth(self, inst: SimInstrument, ts: int) -> Any:
        # Every l2Book push is a whole book; DEPTH_LEVELS levels a side here.
        record = copy.deepcopy(self.templates["depth"])
        record.update(coin=inst.symbol, time=ts)
        sides = []
        for side in ("bid", "ask"):
            sides.append(
                [
                    {
                        "px": _float_text(inst.price(self.walk.level(inst, side, depth))),
                        "sz": _float_text(inst.size(self.walk.size(inst))),
                        "n": self.rng.randint(1, 20),
                    }
                    for depth in range(DEPTH_LEVELS)
                ]
            )
        record["levels"] = sides
        return {"channel": "l2Book", "data": record}


def instruments(venue: str, seed: int = 7, count: int = INSTRUMENTS) -> list[SimInstrument]:
    """The instruments of ``venue``'s stream for ``seed`` (their grids; walk state at start)."""
    return _instruments(venue, random.Random(f"{venue}:{seed}"), count)


def generate(
    venue: str, frames: int, seed: int = 7, count: int = INSTRUMENTS
) -> Iterator[tuple[str, bytes]]:
    """``frames`` (kind, frame) pairs of ``venue``'s stream, deterministic for the seed."""
    if venue not in VENUES:
        raise ValueError(f"venue: {venue!r} is not one of {', '.join(VENUES)}")
    rng = random.Random(f"{venue}:{seed}")
    insts = _instruments(venue, rng, count)
    walk = _Walk(rng)
    builder = _Builder(venue, walk)
    # Activity is skewed too: a few instruments carry most of the traffic (Zipf-like weights).
    weights = [1 / (rank + 1) for rank in range(len(insts))]
    mix = MIX[venue]
    ts = 1_700_000_000_000
    for _ in range(frames):
        inst = rng.choices(insts, weights)[0]
        walk.step(inst)
        ts += int(rng.expovariate(1.0)) + (1 if rng.random() < 0.3 else 0)
        kind = rng.choices(KINDS, mix)[0]
        yield kind, builder.frame(kind, inst, ts)


def cache_dir() -> Path:
    return Path(
        os.environ.get("TRADEPORT_BENCH_CACHE")
        or Path(tempfile.gettempdir()) / "tradeport-bench-streams"
    )


def load(venue: str, frames: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """The stream from the cache, generated (and cached) on first use."""
    path = cache_dir() / f"{venue}-{frames}-{seed}.tsv"
    if path.exists():
        out = []
        with path.open("rb") as fh:
            for line in fh:
                kind, _, frame = line.rstrip(b"\n").partition(b"\t")
                out.append((kind.decode(), frame))
        if len(out) == frames:
            return out
    stream = list(generate(venue, frames, seed))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        for kind, frame in stream:
            fh.write(kind.encode() + b"\t" + frame + b"\n")
    tmp.replace(path)
    return stream


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--venue", choices=VENUES, action="append")
    ap.add_argument("--frames", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    for venue in args.venue or VENUES:
        stream = load(venue, args.frames, args.seed)
        counts = {kind: sum(1 for k, _ in stream if k == kind) for kind in KINDS}
        distinct = len({frame for _, frame in stream})
        print(f"{venue:<12} {len(stream)} frames ({distinct} distinct) {counts} in {cache_dir()}")


if __name__ == "__main__":
    main()
