"""Every plugin's stream parser on realistic streams (bench/streams.py), against ``orjson.loads``.

For each venue the seeded stream (trades, quotes and 10-level depth updates for 32 instruments,
every frame distinct) is split by kind, and each kind is timed, interleaved in one process:

* ``orjson``: ``orjson.loads`` of every frame, the floor any Python consumer pays;
* ``tradeport``: what the plugin's data client does with the frame: the protocol's decode, the
  dispatch on channel/topic/table to the instrument, the plugin's parser to domain objects, and
  for depth the batch applied to a local ``OrderBook`` (one per instrument). Each repeat starts
  with fresh parsers and empty memos (``decoder_for``'s registry cleared), so prices and sizes
  are memo hits only where the stream itself repeats them, as a live feed does;
* peers where installed (the ``bench`` extra of tradeport-binance): cryptofeed's and ccxt's
  Binance handlers on the same frames (see bench_binance_parse.py for how they are driven
  offline), and cryptofeed's BitMEX, OKX and Bybit ``message_handler`` (bitmex_peers,
  okx_bybit_peers; ``n/a`` where cryptofeed has no handler for the frame type). Hyperliquid
  has no peer column yet (see the note printed).

The secondary ``rep`` columns time one frame of the kind repeated (memo always warm), the figure
bench_binance_parse.py reports. Each figure is the fastest of ``--repeats`` repeats, ns/frame.

    python bench/bench_parse_streams.py [--frames 200000] [--repeats 5] [--venue okx] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import orjson
from tradeport.book import OrderBook
from tradeport.model import decoding
from tradeport.model.enums import BookType
from tradeport.model.identifiers import InstrumentId, Symbol
from tradeport.model.instruments import SpotPair
from tradeport.model.numbers import Price, Quantity

sys.path.insert(0, str(Path(__file__).resolve().parent))
import streams  # bench/streams.py, beside this script

Handler = Callable[[bytes], Any]


def _instrument(venue: str, sim: streams.SimInstrument) -> SpotPair:
    """A tradeport instrument with the stream instrument's grid."""
    return SpotPair(
        id=InstrumentId.from_str(f"{sim.symbol}.{venue.upper()}"),
        raw_symbol=Symbol(sim.symbol),
        base_currency="BTC",
        quote_currency="USDT",
        price_precision=sim.price_decimals,
        size_precision=sim.size_decimals,
        price_increment=Price(str(sim.price(sim.tick))),
        size_increment=Quantity(str(sim.size(1))),
        ts_event=0,
        ts_init=0,
    )


def _books(instruments: dict[str, SpotPair]) -> dict[Any, OrderBook]:
    return {inst.id: OrderBook(inst.id, BookType.L2_MBP) for inst in instruments.values()}


# -- tradeport: each venue's data-client path ----------------------------------------------------


def binance_handler(instruments: dict[str, SpotPair]) -> Handler:
    from tradeport_binance.websocket.client import binance_protocol
    from tradeport_binance.websocket.parse import StreamParser
    from tradeport_binance.websocket.payloads import (
        decode_book_ticker,
        decode_depth_update,
        decode_trade,
    )

    parser = StreamParser(instruments.get)
    books = _books(instruments)
    decode_frame = binance_protocol().decode

    def depth(payload: Any) -> Any:
        batch = parser.parse_depth_batch(payload)
        books[batch.deltas.instrument_id].apply_deltas(batch.deltas)
        return batch

    routes: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {}
    for symbol in instruments:
        low = symbol.lower()
        routes[f"{low}@trade"] = (decode_trade, parser.parse_trade_tick)
        routes[f"{low}@bookTicker"] = (decode_book_ticker, parser.parse_quote_tick)
        routes[f"{low}@depth@100ms"] = (decode_depth_update, depth)

    def handle(frame: bytes) -> Any:
        message = decode_frame(frame)
        decode, route = routes[message.route]
        return route(decode(message.payload))

    return handle


def okx_handler(instruments: dict[str, SpotPair]) -> Handler:
    from tradeport_okx.http.parse import instrument_id_for, parse_trade_tick
    from tradeport_okx.websocket.parse import parse_book_batch, parse_quote_from_book
    from tradeport_okx.websocket.protocol import OkxWsProtocol

    decode = OkxWsProtocol().decode
    by_id = {instrument_id_for(symbol): inst for symbol, inst in instruments.items()}
    books = {
        instrument_id_for(symbol): OrderBook(inst.id, BookType.L2_MBP)
        for symbol, inst in instruments.items()
    }
    now = time.time_ns

    def handle(frame: bytes) -> Any:
        message = decode(frame)
        arg, data = message["arg"], message["data"]
        channel = arg["channel"]
        ts_init = now()
        out = []
        if channel == "books":
            iid = instrument_id_for(arg["instId"])
            instrument, book = by_id[iid], books[iid]
            for record in data:
                batch = parse_book_batch(
                    record, instrument, message.get("action", "update"), ts_init
                )
                if batch.deltas is not None:
                    book.apply_deltas(batch.deltas)
                out.append(batch)
        elif channel == "bbo-tbt":
            instrument = by_id[instrument_id_for(arg["instId"])]
            out = [parse_quote_from_book(record, instrument, ts_init) for record in data]
        elif channel == "trades":
            out = [
                parse_trade_tick(record, by_id[instrument_id_for(record["instId"])], ts_init)
                for record in data
            ]
        return out

    return handle


def bybit_handler(instruments: dict[str, SpotPair]) -> Handler:
    from tradeport_bybit.websocket.messages import BybitWsProtocol
    from tradeport_bybit.websocket.parse import parse_ws_book, parse_ws_quote, parse_ws_trades

    decode = BybitWsProtocol().decode
    books = _books(instruments)
    topics: dict[str, tuple[str, SpotPair]] = {}
    for symbol, inst in instruments.items():
        topics[f"orderbook.1.{symbol}"] = ("quote", inst)
        topics[f"orderbook.50.{symbol}"] = ("book", inst)
        topics[f"publicTrade.{symbol}"] = ("trade", inst)
    now = time.time_ns

    def handle(frame: bytes) -> Any:
        message = decode(frame)
        kind, instrument = topics[message["topic"]]
        ts_init = now()
        if kind == "quote":
            return parse_ws_quote(message, instrument, ts_init)
        if kind == "book":
            deltas = parse_ws_book(message, instrument, ts_init)
            if deltas is not None:
                books[instrument.id].apply_deltas(deltas)
            return deltas
        return parse_ws_trades(message, instrument, ts_init)

    return handle


def bitmex_handler(instruments: dict[str, SpotPair]) -> Handler:
    from tradeport_bitmex.websocket.messages import BitmexWsProtocol
    from tradeport_bitmex.websocket.parse import (
        OrderBookL2State,
        parse_quote_tick,
        parse_trade_tick,
    )

    decode = BitmexWsProtocol().decode
    books = _books(instruments)
    states = {}
    for symbol, inst in instruments.items():
        state = states[symbol] = OrderBookL2State(inst)
        state.apply("partial", [], 0)  # synced, as after the partial BitMEX sends first
    now = time.time_ns

    def handle(frame: bytes) -> Any:
        message = decode(frame)
        table, rows = message["table"], message["data"]
        ts_init = now()
        if table == "quote":
            return [parse_quote_tick(row, instruments[row["symbol"]], ts_init) for row in rows]
        if table == "trade":
            return [parse_trade_tick(row, instruments[row["symbol"]], ts_init) for row in rows]
        state = states[rows[0]["symbol"]]  # one symbol per message in these streams
        deltas = state.apply(message["action"], rows, ts_init)
        if deltas is not None:
            books[deltas.instrument_id].apply_deltas(deltas)
        return deltas

    return handle


def hyperliquid_handler(instruments: dict[str, SpotPair]) -> Handler:
    from tradeport_hyperliquid.http.parse import parse_book, parse_quote_tick, parse_trade_tick
    from tradeport_hyperliquid.websocket.messages import HyperliquidWsProtocol
    from tradeport_hyperliquid.websocket.parse import topic_of_message

    decode = HyperliquidWsProtocol().decode
    books = _books(instruments)
    by_topic: dict[str, SpotPair] = {}
    now = time.time_ns

    def handle(frame: bytes) -> Any:
        message = decode(frame)
        topic = topic_of_message(message)
        instrument = by_topic.get(topic) if topic is not None else None
        if instrument is None:  # the data client's topic table, filled on first sight here
            data = message["data"]
            coin = data[0]["coin"] if isinstance(data, list) else data["coin"]
            instrument = by_topic[topic] = instruments[coin]  # type: ignore[index]
        channel, data = message["channel"], message["data"]
        ts_init = now()
        if channel == "bbo":
            return parse_quote_tick(data, instrument, ts_init)
        if channel == "trades":
            return [parse_trade_tick(item, instrument, ts_init) for item in data]
        deltas = parse_book(data, instrument, ts_init)
        books[instrument.id].apply_deltas(deltas)
        return deltas

    return handle


HANDLERS: dict[str, Callable[[dict[str, SpotPair]], Handler]] = {
    "binance": binance_handler,
    "okx": okx_handler,
    "bybit": bybit_handler,
    "bitmex": bitmex_handler,
    "hyperliquid": hyperliquid_handler,
}


# -- peers (Binance) -----------------------------------------------------------------------------


def _cryptofeed_feed(
    feed_class: Any,
    exchange: str,
    names: dict[str, str],
    instruments: dict[str, SpotPair],
    kind: str,
) -> Any:
    """A cryptofeed feed of ``feed_class`` for ``names`` (cryptofeed's symbol -> the venue's),
    its symbol table set offline, every callback discarding (trades, ticker, L2 book)."""
    from cryptofeed.defines import L2_BOOK, TICKER, TRADES
    from cryptofeed.symbols import Symbols

    Symbols.set(
        exchange,
        names,
        {
            "tick_size": {n: str(instruments[s].price_increment) for n, s in names.items()},
            "instrument_type": dict.fromkeys(names, kind),
        },
    )

    async def discard(obj: Any, receipt_timestamp: float) -> None:
        return None

    return feed_class(
        symbols=list(names),
        channels=[TRADES, TICKER, L2_BOOK],
        callbacks={TRADES: discard, TICKER: discard, L2_BOOK: discard},
    )


def _run_sync(coro: Any) -> None:
    """Run a cryptofeed handler coroutine that never awaits I/O (callbacks discard)."""
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise RuntimeError("handler suspended on I/O")


def binance_peers(instruments: dict[str, SpotPair]) -> tuple[dict[str, Handler], list[str]]:
    """cryptofeed's and ccxt's Binance handlers for every instrument (kind-dispatched on the
    combined frame's stream name, after ``orjson.loads``)."""
    peers: dict[str, Handler] = {}
    notes: list[str] = []
    loads = orjson.loads
    try:
        from cryptofeed.defines import BINANCE, SPOT
        from cryptofeed.exchanges import Binance
        from cryptofeed.types import OrderBook as CryptofeedBook
    except ImportError:
        notes.append("cryptofeed not installed (pip install tradeport-binance[bench])")
    else:
        names = {f"{s[:-4]}-USDT": s for s in instruments}
        feed = _cryptofeed_feed(Binance, BINANCE, names, instruments, SPOT)
        for name in names:
            feed._l2_book[name] = CryptofeedBook(BINANCE, name, bids={}, asks={})
        last_ids = feed.last_update_id
        by_symbol = {s: n for n, s in names.items()}
        run = _run_sync

        def cryptofeed(frame: bytes) -> None:
            msg = loads(frame)
            stream, data = msg["stream"], msg["data"]
            if stream.endswith("@trade"):
                # cryptofeed's trade handler reads the aggTrade fields; a trade frame has the
                # same p/q/T/m and its own id under "t" (aggTrade's "a" is read as the id).
                run(feed._trade(data, 1.0))
            elif stream.endswith("@bookTicker"):
                run(feed._ticker(data, 1.0))
            else:
                last_ids[by_symbol[data["s"]]] = data["U"] - 1
                run(feed._book(data, data["s"], 1.0))

        peers["cryptofeed"] = cryptofeed
    try:
        import ccxt.pro as ccxtpro
    except ImportError:
        notes.append("ccxt not installed (pip install tradeport-binance[bench])")
    else:
        exchange = ccxtpro.binance()
        markets = {}
        for symbol, inst in instruments.items():
            unified = f"{symbol[:-4]}/USDT"
            markets[unified] = {
                "id": symbol,
                "symbol": unified,
                "base": symbol[:-4],
                "quote": "USDT",
                "spot": True,
                "type": "spot",
                "precision": {
                    "price": float(str(inst.price_increment)),
                    "amount": float(str(inst.size_increment)),
                },
                "contract": False,
                "linear": None,
                "inverse": None,
                "swap": False,
                "future": False,
                "option": False,
                "margin": False,
            }
        exchange.markets = markets
        exchange.markets_by_id = {m["id"]: [m] for m in markets.values()}

        class _Client:
            url = "wss://stream.binance.com:9443/ws"
            subscriptions: ClassVar[dict[str, Any]] = {}
            futures: ClassVar[dict[str, Any]] = {}

            def resolve(self, *a: Any) -> None:
                return None

        client = _Client()
        ccxt_books = {m["id"]: exchange.order_book({}) for m in markets.values()}

        def ccxt(frame: bytes) -> Any:
            msg = loads(frame)
            stream, data = msg["stream"], msg["data"]
            if stream.endswith("@trade"):
                return exchange.parse_ws_trade(data)
            if stream.endswith("@bookTicker"):
                return exchange.parse_ws_ticker(data, "spot")
            return exchange.handle_order_book_message(client, data, ccxt_books[data["s"]])

        peers["ccxt"] = ccxt
    return peers, notes


def bitmex_peers(
    instruments: dict[str, SpotPair], stream: list[tuple[str, bytes]]
) -> tuple[dict[str, Handler], list[str]]:
    """cryptofeed's BitMEX handler (``message_handler``: its own JSON decode with Decimal
    floats, then the table's handler, book kept in cryptofeed's OrderBook). BitMEX sends a
    ``partial`` first, which maps each level id to its price (updates then carry only the id
    and size to cryptofeed): that map is filled from the stream's rows before timing, as the
    partial would have. ccxt is not driven offline for BitMEX here."""
    notes = ["bitmex: no ccxt column (not driven offline for BitMEX)"]
    try:
        from cryptofeed.defines import ASK, BID, BITMEX, PERPETUAL
        from cryptofeed.exchanges import Bitmex
    except ImportError:
        return {}, [*notes, "cryptofeed not installed (pip install tradeport-binance[bench])"]
    names = {f"{symbol}-PERP": symbol for symbol in instruments}
    feed = _cryptofeed_feed(Bitmex, BITMEX, names, instruments, PERPETUAL)
    feed._reset()
    by_symbol = {s: n for n, s in names.items()}
    for kind, frame in stream:
        if kind == "depth":
            for row in orjson.loads(frame)["data"]:
                side = BID if row["side"] == "Buy" else ASK
                price = Decimal(repr(row["price"]))
                feed.order_id[by_symbol[row["symbol"]]][side][row["id"]] = price
    for name in names:
        feed.partial_received[name] = True
    handler = feed.message_handler

    def cryptofeed(frame: bytes) -> None:
        _run_sync(handler(frame, None, 1.0))

    return {"cryptofeed": cryptofeed}, notes


def okx_bybit_peers(
    venue: str, instruments: dict[str, SpotPair]
) -> tuple[dict[str, Handler], list[str]]:
    """cryptofeed's OKX or Bybit ``message_handler`` on the same frames (its own JSON decode,
    the channel's handler, books in cryptofeed's OrderBook, created empty before timing as
    its snapshot handler would). cryptofeed reads OKX quotes from the ``tickers`` channel, not
    ``bbo-tbt``, so it has no OKX quote figure; it takes Bybit's ``orderbook.1`` quotes as a
    one-level book."""
    notes = [f"{venue}: no ccxt column (not driven offline for {venue})"]
    try:
        from cryptofeed.defines import BYBIT, OKX, PERPETUAL, SPOT
        from cryptofeed.exchanges import OKX as OkxFeed
        from cryptofeed.exchanges import Bybit as BybitFeed
        from cryptofeed.types import OrderBook as CryptofeedBook
    except ImportError:
        return {}, [*notes, "cryptofeed not installed (pip install tradeport-binance[bench])"]
    if venue == "okx":
        names = {symbol: symbol for symbol in instruments}  # OKX's ids are cryptofeed's names
        feed = _cryptofeed_feed(OkxFeed, OKX, names, instruments, SPOT)
        notes.append("okx: cryptofeed has no bbo-tbt (quote) handler")
    else:
        names = {f"{symbol[:-4]}-USDT-PERP": symbol for symbol in instruments}
        feed = _cryptofeed_feed(BybitFeed, BYBIT, names, instruments, PERPETUAL)
    for name in names:
        feed._l2_book[name] = CryptofeedBook(feed.id, name, max_depth=feed.max_depth)

    class _Connection:  # what Bybit's handler reads: the endpoint names the market
        address = "wss://stream.bybit.com/v5/public/linear"
        uuid = "bench"

    handler, connection = feed.message_handler, _Connection()

    def cryptofeed(frame: bytes) -> None:
        _run_sync(handler(frame, connection, 1.0))

    if venue == "okx":
        cryptofeed.kinds = ("trade", "depth")  # type: ignore[attr-defined]
    return {"cryptofeed": cryptofeed}, notes


# -- timing --------------------------------------------------------------------------------------


def time_frames(fn: Handler, frames: list[bytes]) -> float:
    """ns per frame of one pass over ``frames``."""
    start = time.perf_counter_ns()
    for frame in frames:
        fn(frame)
    return (time.perf_counter_ns() - start) / len(frames)


def bench_venue(venue: str, frames: int, repeats: int, seed: int) -> list[str]:
    try:
        HANDLERS[venue]({})
    except ImportError as exc:
        return [f"{venue}: skipped, plugin not installed ({exc})"]
    stream = streams.load(venue, frames, seed)
    sims = streams.instruments(venue, seed)
    instruments = {sim.symbol: _instrument(venue, sim) for sim in sims}
    by_kind = {kind: [f for k, f in stream if k == kind] for kind in streams.KINDS}
    peers: dict[str, Handler] = {}
    notes: list[str] = []
    if venue == "binance":
        peers, notes = binance_peers(instruments)
    elif venue == "bitmex":
        peers, notes = bitmex_peers(instruments, stream)
    elif venue in ("okx", "bybit"):
        peers, notes = okx_bybit_peers(venue, instruments)
    else:
        notes.append(f"{venue}: no cryptofeed/ccxt column (not driven offline in this bench yet)")
    best: dict[tuple[str, str], float] = {}

    def keep(key: tuple[str, str], value: float) -> None:
        best[key] = min(best.get(key, value), value)

    for _ in range(repeats):
        for kind, kind_frames in by_kind.items():
            if not kind_frames:
                continue
            repeated = [kind_frames[0]] * min(len(kind_frames), 20_000)
            # Interleaved: floor, tradeport (fresh memos), peers, then the repeated frame.
            keep(("orjson", kind), time_frames(orjson.loads, kind_frames))
            decoding._SHARED.clear()  # fresh memos: a new process, as far as parsing goes
            decoding._BY_OBJECT.clear()
            keep(("tradeport", kind), time_frames(HANDLERS[venue](instruments), kind_frames))
            for name, fn in peers.items():
                if kind not in getattr(fn, "kinds", streams.KINDS):
                    continue  # a frame type the peer has no handler for
                keep((name, kind), time_frames(fn, kind_frames))
            keep(("orjson-rep", kind), time_frames(orjson.loads, repeated))
            keep(("tradeport-rep", kind), time_frames(HANDLERS[venue](instruments), repeated))
    columns = ["tradeport", *peers, "tradeport-rep"]
    lines = [
        f"{venue}: {len(stream)} frames, {len(instruments)} instruments, "
        f"{streams.DEPTH_LEVELS} levels per depth frame"
    ]
    lines.append(
        f"  {'kind':<8}{'frames':>8}{'orjson ns':>11}"
        + "".join(f"{c + ' ns':>18}{'x':>7}" for c in columns)
    )
    for kind, kind_frames in by_kind.items():
        if not kind_frames:
            continue
        floor = best[("orjson", kind)]
        row = f"  {kind:<8}{len(kind_frames):>8}{floor:>11.0f}"
        for column in columns:
            base = best[("orjson-rep", kind)] if column.endswith("-rep") else floor
            value = best.get((column, kind))
            if value is None:
                row += f"{'n/a':>18}{'':>7}"
                continue
            row += f"{value:>18.0f}{value / base:>7.2f}"
        lines.append(row)
    lines.extend(f"  note: {n}" for n in notes)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--venue", choices=streams.VENUES, action="append")
    ap.add_argument("--quick", action="store_true", help="2 repeats of 3,000 frames (a smoke run)")
    args = ap.parse_args()
    if args.quick:
        args.frames, args.repeats = 3_000, 2
    for venue in args.venue or streams.VENUES:
        print("\n".join(bench_venue(venue, args.frames, args.repeats, args.seed)))


if __name__ == "__main__":
    main()
