"""Binance stream frames -> tradeport domain objects, against the floor of ``orjson.loads``.

For each frame (trade, aggTrade, bookTicker, depthUpdate with 1 and 10 levels applied to a local
L2 book) it times, interleaved in one process:

* ``orjson.loads(frame)`` alone: the floor any Python consumer pays;
* tradeport_binance: the plugin's typed payload decoder (``websocket/payloads.py``, msgspec)
  + its parser (``StreamParser``), and for depth the DeltaBatch applied to an ``OrderBook``;
  once with the per-symbol price/size memo (which the repeated frame always hits) and once
  without it (``tp-nomemo``: every string parsed). ``depth10+read`` also reads the batch's
  OrderBookDelta objects, which a parsed batch builds only when first read (a consumer that
  only keeps a book never pays for them; peers build theirs always). The ``*-combined`` rows time what the
  market stream client really does with a combined-stream frame
  (``{"stream":..,"data":..}``): the protocol's routed decode, the route lookup, the typed
  payload decode and the parser, against ``orjson.loads`` of that whole frame;
* peers when installed (``pip install tradeport-binance[bench]``): ccxt's ``parse_ws_trade`` /
  ``handle_order_book_message`` and cryptofeed's Binance handlers (``_trade``, ``_ticker``,
  ``_book``, driven without a connection), on the same frames. cryptofeed parses the
  ``bookTicker`` shape without ``E``/``T`` as spot sends it; its ``trade`` handler is the
  ``aggTrade`` one (it subscribes to ``aggTrade`` for trades).

Each figure is the fastest of ``--repeats`` interleaved repeats of an inline loop, in ns per
frame, with its ratio to the floor.

    python bench/bench_binance_parse.py [--repeats 7] [--number 20000] [--quick]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any, ClassVar

import orjson
from tradeport.book import OrderBook
from tradeport.model.decoding import DEFAULT_MEMO_SIZE
from tradeport.model.enums import BookType
from tradeport.model.identifiers import InstrumentId, Symbol
from tradeport.model.instruments import SpotPair
from tradeport.model.numbers import Price, Quantity
from tradeport_binance.websocket.client import binance_protocol
from tradeport_binance.websocket.parse import StreamParser
from tradeport_binance.websocket.payloads import (
    decode_agg_trade,
    decode_book_ticker,
    decode_depth_update,
    decode_trade,
)

INSTRUMENT = SpotPair(
    id=InstrumentId.from_str("BTCUSDT.BINANCE"),
    raw_symbol=Symbol("BTCUSDT"),
    base_currency="BTC",
    quote_currency="USDT",
    price_precision=2,
    size_precision=5,
    price_increment=Price("0.01"),
    size_increment=Quantity("0.00001"),
    ts_event=0,
    ts_init=0,
)

# Shapes as documented (web-socket-streams.md), values as BTCUSDT sends them.
TRADE = (
    b'{"e":"trade","E":1672515782136,"s":"BTCUSDT","t":3381284765,"p":"16542.33000000",'
    b'"q":"0.00120000","b":19856322,"a":19856310,"T":1672515782136,"m":true,"M":true}'
)
AGG_TRADE = (
    b'{"e":"aggTrade","E":1672515782136,"s":"BTCUSDT","a":2638120123,"p":"16542.33000000",'
    b'"q":"0.00120000","f":3381284765,"l":3381284765,"T":1672515782136,"m":true,"M":true}'
)
BOOK_TICKER = (
    b'{"u":400900217,"s":"BTCUSDT","b":"16542.33000000","B":"3.21000000",'
    b'"a":"16542.34000000","A":"0.66000000"}'
)


def depth_frame(levels: int, first: int) -> bytes:
    bids = [[f"{16540 - i * 0.01:.8f}", f"{0.5 + i:.8f}"] for i in range(levels // 2 or 1)]
    asks = [[f"{16541 + i * 0.01:.8f}", f"{0.25 + i:.8f}"] for i in range(levels - len(bids))]
    return orjson.dumps(
        {
            "e": "depthUpdate",
            "E": 1672515782136,
            "s": "BTCUSDT",
            "U": first,
            "u": first + levels - 1,
            "b": bids,
            "a": asks,
        }
    )


DEPTH_1 = depth_frame(1, 160)
DEPTH_10 = depth_frame(10, 160)


def tradeport_cases(cache_size: int = DEFAULT_MEMO_SIZE) -> dict[str, Callable[[bytes], Any]]:
    """The plugin's parsers; ``cache_size=0`` turns off the per-symbol price/size memo (the
    repeated frame here always hits it: the no-memo column is the worst case, every price
    and size new)."""
    parser = StreamParser({"BTCUSDT": INSTRUMENT}.get, cache_size=cache_size)
    trade, agg, quote, depth = (
        parser.parse_trade_tick,
        parser.parse_agg_trade_tick,
        parser.parse_quote_tick,
        parser.parse_depth_batch,
    )
    book = OrderBook(INSTRUMENT.id, BookType.L2_MBP)
    apply = book.apply_deltas

    def depth_applied(frame: bytes) -> Any:
        batch = depth(decode_depth_update(frame))
        apply(batch.deltas)
        return batch

    def depth_applied_and_read(frame: bytes) -> Any:
        # A consumer that also reads the OrderBookDelta objects, which are built on first read.
        batch = depth(decode_depth_update(frame))
        apply(batch.deltas)
        return batch.deltas.deltas

    # The data client's path for a combined-stream frame (see BinanceDataClient._on_message).
    decode_frame = binance_protocol().decode
    routes = {
        "btcusdt@trade": (decode_trade, trade),
        "btcusdt@bookTicker": (decode_book_ticker, quote),
    }

    def combined(frame: bytes) -> Any:
        message = decode_frame(frame)
        decode, parse = routes[message.route]
        return parse(decode(message.payload))

    return {
        "trade": lambda f: trade(decode_trade(f)),
        "aggTrade": lambda f: agg(decode_agg_trade(f)),
        "bookTicker": lambda f: quote(decode_book_ticker(f)),
        "depth1": depth_applied,
        "depth10": depth_applied,
        "depth10+read": depth_applied_and_read,
        "trade-combined": combined,
        "bookTicker-combined": combined,
    }


def ccxt_cases() -> dict[str, Callable[[bytes], Any]] | str:
    try:
        import ccxt.pro as ccxtpro  # type: ignore[import-not-found]
    except ImportError:
        return "ccxt not installed"
    exchange = ccxtpro.binance()
    exchange.markets = {
        "BTC/USDT": {
            "id": "BTCUSDT",
            "symbol": "BTC/USDT",
            "base": "BTC",
            "quote": "USDT",
            "spot": True,
            "type": "spot",
            "precision": {"price": 0.01, "amount": 0.00001},
            # The market-type keys ccxt's ticker parser reads.
            "contract": False,
            "linear": None,
            "inverse": None,
            "swap": False,
            "future": False,
            "option": False,
            "margin": False,
        }
    }
    exchange.markets_by_id = {"BTCUSDT": [exchange.markets["BTC/USDT"]]}
    loads = orjson.loads

    class _Client:
        url = "wss://stream.binance.com:9443/ws"
        subscriptions: ClassVar[dict[str, Any]] = {}
        futures: ClassVar[dict[str, Any]] = {}

        def resolve(self, *a: Any) -> None:
            return None

    client = _Client()
    return {
        "trade": lambda f: exchange.parse_ws_trade(loads(f)),
        "aggTrade": lambda f: exchange.parse_ws_trade(loads(f)),
        "bookTicker": lambda f: exchange.parse_ws_ticker(loads(f), "spot"),
        "depth1": lambda f: exchange.handle_order_book_message(
            client, loads(f), exchange.order_book({})
        ),
        "depth10": lambda f: exchange.handle_order_book_message(
            client, loads(f), exchange.order_book({})
        ),
    }


def cryptofeed_cases() -> dict[str, Callable[[bytes], Any]] | str:
    """cryptofeed's Binance handlers (``_trade``, ``_ticker``, ``_book``) on a feed built
    offline (symbol map preset, no connection). The handlers are coroutines that await only
    the user callbacks, which return at once here, so one ``send(None)`` runs a handler to the
    end; a handler that suspends on real I/O raises instead of being timed wrongly.
    ``_book`` also checks the update ids: the book's last id is set back before each frame so
    every repeat is applied (one dict store, counted against cryptofeed)."""
    try:
        from cryptofeed.defines import (  # type: ignore[import-not-found]
            BINANCE,
            L2_BOOK,
            SPOT,
            TICKER,
            TRADES,
        )
        from cryptofeed.exchanges import Binance  # type: ignore[import-not-found]
        from cryptofeed.symbols import Symbols  # type: ignore[import-not-found]
        from cryptofeed.types import OrderBook as CryptofeedBook  # type: ignore[import-not-found]
    except ImportError:
        return "cryptofeed not installed"
    Symbols.set(
        BINANCE,
        {"BTC-USDT": "BTCUSDT"},
        {"tick_size": {"BTC-USDT": "0.01"}, "instrument_type": {"BTC-USDT": SPOT}},
    )

    async def discard(obj: Any, receipt_timestamp: float) -> None:
        return None

    feed = Binance(
        symbols=["BTC-USDT"],
        channels=[TRADES, TICKER, L2_BOOK],
        callbacks={TRADES: discard, TICKER: discard, L2_BOOK: discard},
    )
    feed._l2_book["BTC-USDT"] = CryptofeedBook(BINANCE, "BTC-USDT", bids={}, asks={})
    last_ids = feed.last_update_id
    loads = orjson.loads

    def run(coro: Any) -> None:
        try:
            coro.send(None)
        except StopIteration:
            return
        coro.close()
        raise RuntimeError("handler suspended on I/O")

    def book(frame: bytes) -> None:
        msg = loads(frame)
        last_ids["BTC-USDT"] = msg["U"] - 1
        run(feed._book(msg, "BTCUSDT", 1.0))

    return {
        "trade": lambda f: run(feed._trade(loads(f), 1.0)),
        "aggTrade": lambda f: run(feed._trade(loads(f), 1.0)),
        "bookTicker": lambda f: run(feed._ticker(loads(f), 1.0)),
        "depth1": book,
        "depth10": book,
    }


def time_case(fn: Callable[[bytes], Any], frame: bytes, number: int) -> float:
    """ns per call of one inline loop."""
    start = time.perf_counter_ns()
    for _ in range(number):
        fn(frame)
    return (time.perf_counter_ns() - start) / number


FRAMES = {
    "trade": TRADE,
    "aggTrade": AGG_TRADE,
    "bookTicker": BOOK_TICKER,
    "depth1": DEPTH_1,
    "depth10": DEPTH_10,
    "depth10+read": DEPTH_10,
    "trade-combined": b'{"stream":"btcusdt@trade","data":' + TRADE + b"}",
    "bookTicker-combined": b'{"stream":"btcusdt@bookTicker","data":' + BOOK_TICKER + b"}",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--number", type=int, default=20000)
    ap.add_argument("--quick", action="store_true", help="3 repeats of 2000 calls (a smoke run)")
    args = ap.parse_args()
    if args.quick:
        args.repeats, args.number = 3, 2000
    suites: dict[str, dict[str, Callable[[bytes], Any]]] = {
        "tradeport": tradeport_cases(),
        "tp-nomemo": tradeport_cases(cache_size=0),
    }
    notes: list[str] = []
    for name, maker in (("ccxt", ccxt_cases), ("cryptofeed", cryptofeed_cases)):
        cases = maker()
        if isinstance(cases, str):
            notes.append(cases)
        else:
            suites[name] = cases
    best: dict[tuple[str, str], float] = {}
    floor: dict[str, float] = {}
    for _ in range(args.repeats):
        for frame_name, frame in FRAMES.items():
            # Interleave: floor and every implementation on the same frame, in each repeat.
            value = time_case(orjson.loads, frame, args.number)
            floor[frame_name] = min(floor.get(frame_name, value), value)
            for suite_name, cases in suites.items():
                fn = cases.get(frame_name)
                if fn is None:
                    continue
                try:
                    value = time_case(fn, frame, args.number)
                except Exception as exc:  # a peer that cannot run this frame is reported, not fatal
                    notes.append(f"{suite_name} {frame_name}: {type(exc).__name__}: {exc}")
                    cases.pop(frame_name)
                    continue
                key = (suite_name, frame_name)
                best[key] = min(best.get(key, value), value)
    print(f"{'frame':<20}{'orjson ns':>11}" + "".join(f"{s + ' ns':>16}{'x':>7}" for s in suites))
    for frame_name in FRAMES:
        row = f"{frame_name:<20}{floor[frame_name]:>11.0f}"
        for suite_name in suites:
            value = best.get((suite_name, frame_name))
            row += (
                f"{value:>16.0f}{value / floor[frame_name]:>7.2f}"
                if value
                else f"{'-':>16}{'-':>7}"
            )
        print(row)
    for note in dict.fromkeys(notes):
        print(f"note: {note}")


if __name__ == "__main__":
    main()
