"""What does building model objects cost, next to decoding the venue frame at all?

Times, interleaved in one process, the construction of the hot model types and an order book
update, each against the floor of ``orjson.loads`` of a typical Binance trade frame:

  {"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100",
   "T":1672515782136,"m":true,"M":true}

Each case runs as an inline ``timeit`` loop (no per-call lambda) timed with
``time.perf_counter_ns``; the reported figure is the fastest of several interleaved repeats,
in nanoseconds per operation, and its ratio to ``orjson.loads``.

    python bench/bench_model.py [--repeats 7] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
import timeit
from typing import Any

import orjson
from tradeport.book import OrderBook
from tradeport.model import (
    AggressorSide,
    BookAction,
    BookOrder,
    InstrumentId,
    OrderBookDelta,
    OrderBookDeltas,
    OrderSide,
    Price,
    Quantity,
    QuoteTick,
    TradeId,
    TradeTick,
)
from tradeport.model.serialization import to_dict

FRAME = (
    b'{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100",'
    b'"T":1672515782136,"m":true,"M":true}'
)
IID = InstrumentId.from_str("BNBBTC.BINANCE")
_MS = 1_000_000  # ns per ms


def parse_trade(frame: bytes) -> TradeTick:
    """The whole hot path of a venue parser: bytes -> TradeTick."""
    msg = orjson.loads(frame)
    return TradeTick(
        IID,
        Price.from_str(msg["p"]),
        Quantity.from_str(msg["q"]),
        AggressorSide.SELLER if msg["m"] else AggressorSide.BUYER,
        TradeId(str(msg["t"])),
        msg["T"] * _MS,
        msg["E"] * _MS,
    )


def ten_level_batch(start: str, sizes: str, sequence: int) -> OrderBookDeltas:
    """Five bid and five ask UPDATEs around ``start`` (L2, absolute sizes)."""
    base = Price.from_str(start)
    tick = Price.from_str("0.01")
    deltas = []
    for i in range(5):
        bid = base - Price.from_raw(tick.raw * (i + 1), tick.precision)
        ask = base + Price.from_raw(tick.raw * (i + 1), tick.precision)
        for side, price in ((OrderSide.BUY, bid), (OrderSide.SELL, ask)):
            order = BookOrder(side, price, Quantity.from_str(sizes), 0)
            deltas.append(OrderBookDelta(IID, BookAction.UPDATE, order, 0, sequence, 1, 2))
    return OrderBookDeltas(IID, tuple(deltas))


def namespace() -> dict[str, Any]:
    """Everything the timed statements refer to, pre-built so only the statement is timed."""
    book = OrderBook(IID)
    book.apply_deltas(ten_level_batch("100.00", "1.5", 1))
    # A 200-level book to update in the middle of: closer to a real depth stream.
    deep = OrderBook(IID)
    for offset in range(0, 100):
        deep.apply_deltas(ten_level_batch(f"{100 + offset}.00", "2", offset))
    return {
        "orjson": orjson,
        "FRAME": FRAME,
        "IID": IID,
        "Price": Price,
        "Quantity": Quantity,
        "TradeId": TradeId,
        "TradeTick": TradeTick,
        "QuoteTick": QuoteTick,
        "BookOrder": BookOrder,
        "OrderBookDelta": OrderBookDelta,
        "UPDATE": BookAction.UPDATE,
        "BUY": OrderSide.BUY,
        "BUYER": AggressorSide.BUYER,
        "px": Price.from_str("0.00100000"),
        "px2": Price.from_str("0.00100100"),
        "qty": Quantity.from_str("100"),
        "tid": TradeId("12345"),
        "order": BookOrder(OrderSide.BUY, Price.from_str("0.001"), Quantity.from_str("100"), 0),
        "parse_trade": parse_trade,
        "to_dict": to_dict,
        "tick": parse_trade(FRAME),
        "book": book,
        "deep": deep,
        "batch_same": ten_level_batch("100.00", "2.5", 2),
        "batch_new": ten_level_batch("100.005", "1", 3),
        "batch_gone": ten_level_batch("100.005", "0", 4),
        "batch_deep": ten_level_batch("150.00", "3", 5),
    }


CASES: dict[str, str] = {
    "orjson.loads(trade frame)": "orjson.loads(FRAME)",
    "Price.from_str('0.00100000')": "Price.from_str('0.00100000')",
    "Quantity.from_str('100')": "Quantity.from_str('100')",
    "TradeId('12345')": "TradeId('12345')",
    "Price.from_str(.., 2) (rescale)": "Price.from_str('16542.33000000', 2)",
    "TradeId.trusted('12345')": "TradeId.trusted('12345')",
    "TradeTick(...)": "TradeTick(IID, px, qty, BUYER, tid, 1, 2)",
    "TradeTick.trusted(...)": "TradeTick.trusted(IID, px, qty, BUYER, tid, 1, 2)",
    "QuoteTick.trusted(...)": "QuoteTick.trusted(IID, px, px2, qty, qty, 1, 2)",
    "OrderBookDelta.trusted_level(...)": (
        "OrderBookDelta.trusted_level(IID, UPDATE, BUY, px, qty, 0, 1, 1, 2)"
    ),
    "QuoteTick(...)": "QuoteTick(IID, px, px2, qty, qty, 1, 2)",
    "BookOrder(...)": "BookOrder(BUY, px, qty, 0)",
    "OrderBookDelta(...)": "OrderBookDelta(IID, UPDATE, order, 0, 1, 1, 2)",
    "frame -> TradeTick (full parse)": "parse_trade(FRAME)",
    "book: 10 updates, same levels": "book.apply_deltas(batch_same)",
    "book: 10 new levels then removed": (
        "book.apply_deltas(batch_new); book.apply_deltas(batch_gone)"
    ),
    "book: 10 updates in 200 levels": "deep.apply_deltas(batch_deep)",
    "to_dict(TradeTick)": "to_dict(tick)",
}
# Cases whose statement does two operations: report per operation.
PER_STATEMENT = {"book: 10 new levels then removed": 2}


def measure(repeats: int, target_seconds: float) -> dict[str, float]:
    """Fastest ns per operation of each case over interleaved repeats."""
    ns = namespace()
    timers = {
        name: timeit.Timer(stmt, globals=ns, timer=time.perf_counter_ns)
        for name, stmt in CASES.items()
    }
    numbers = {}
    for name, timer in timers.items():  # calibrate: about target_seconds per repeat
        count, elapsed = timer.autorange()
        numbers[name] = max(1, int(count * target_seconds * 1e9 / elapsed))
    best = dict.fromkeys(CASES, float("inf"))
    for _ in range(repeats):
        for name, timer in timers.items():
            per_op = timer.timeit(numbers[name]) / numbers[name] / PER_STATEMENT.get(name, 1)
            best[name] = min(best[name], per_op)
    return best


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 short repeats")
    args = parser.parse_args()
    repeats, target = (3, 0.02) if args.quick else (args.repeats, 0.1)
    best = measure(repeats, target)
    floor = best["orjson.loads(trade frame)"]
    print(f"python {sys.version.split()[0]}, fastest of {repeats} interleaved repeats\n")
    print(f"{'case':<36} {'ns/op':>9} {'x orjson':>9}")
    for name, value in best.items():
        print(f"{name:<36} {value:>9.0f} {value / floor:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
