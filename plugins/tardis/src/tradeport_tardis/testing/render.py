"""What the mock Tardis API serves, in the recorded venues' real formats.

Raw data feeds hold the frames each venue sent, as Tardis records them: Binance's
combined-stream envelope ``{"stream": "<symbol>@<channel>", "data": {...}}`` with the payloads of
Binance's WebSocket documentation (Spot: "WebSocket Streams" - Trade, Individual Symbol Book
Ticker, Diff. Depth; USD-M futures: "Mark Price Stream"), plus the ``<symbol>@depthSnapshot``
frames Tardis' recorder adds (``"generated": true``, the data being the REST ``GET depth``
answer). Each line is ``<arrival, ISO 8601 with 7 fractional digits> <frame>``; an empty line
is a disconnect marker (HTTP API reference).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradeport.net import json_codec

__all__ = [
    "iso_ms",
    "okx_trade",
    "bitmex_book",
    "okx_book",
    "bybit_book",
    "bitmex_trade",
    "normalized",
    "book_ticker",
    "bybit_level1",
    "bybit_trade",
    "depth_snapshot",
    "depth_update",
    "frame",
    "instrument_record",
    "local_timestamp",
    "mark_price",
    "slice_body",
    "trade",
]


def local_timestamp(ns: int) -> str:
    """``2019-07-01T00:03:00.1234567Z``: the recorder's format (100 ns resolution)."""
    seconds, rest = divmod(ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rest // 100:07d}Z"


def iso_ms(ns: int) -> str:
    """An ISO 8601 time with milliseconds, as tardis-machine writes its timestamps."""
    seconds, rest = divmod(ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rest // 1_000_000:03d}Z"


def normalized(exchange: str, event: Any, ts: int, sim: Any) -> list[dict[str, Any]]:
    """tardis-machine's normalized messages for a SimulatedExchange event (trade,
    book_change and, after a book change, the ``quote`` book snapshot), numbers as floats."""
    common = {"symbol": event.symbol, "exchange": exchange, "timestamp": iso_ms(ts),
              "localTimestamp": iso_ms(ts + 1_000_000)}  # fmt: skip
    if event.__class__.__name__ == "PublicTrade":
        side = {"BUYER": "buy", "SELLER": "sell"}.get(event.aggressor_side.value, "unknown")
        return [{"type": "trade", **common, "id": str(event.trade_id), "price": float(event.price),
                 "amount": float(event.quantity), "side": side}]  # fmt: skip
    levels = lambda side: [{"price": float(p), "amount": float(a)} for p, a in side]  # noqa: E731
    out = [{"type": "book_change", **common, "isSnapshot": bool(event.is_snapshot),
            "bids": levels(event.bids), "asks": levels(event.asks)}]  # fmt: skip
    top = sim.book(event.symbol, 1)
    if top.bids and top.asks:
        out.append({"type": "book_snapshot", **common, "name": "quote", "depth": 1,
                    "interval": 0, "bids": levels(top.bids[:1]), "asks": levels(top.asks[:1])})  # fmt: skip
    return out


def _levels(levels: Iterable[tuple[Decimal, Decimal]]) -> list[list[str]]:
    return [[str(price), str(size)] for price, size in levels]


def frame(symbol: str, channel: str, data: dict[str, Any], **extra: Any) -> bytes:
    """A combined-stream envelope (compact JSON, as Binance sends it)."""
    return json_codec.dumps_bytes({"stream": f"{symbol.lower()}@{channel}", **extra, "data": data})


def trade(
    symbol: str, trade_id: int, price: Decimal, quantity: Decimal, ts_ms: int, buyer_is_maker: bool,
    *, futures: bool = False,
) -> bytes:  # fmt: skip
    """``<symbol>@trade`` (Spot "Trade Streams"; futures add ``X``, the trade type)."""
    data: dict[str, Any] = {"e": "trade", "E": ts_ms, "s": symbol, "t": trade_id,
                            "p": str(price), "q": str(quantity), "T": ts_ms, "m": buyer_is_maker}  # fmt: skip
    if futures:
        data["X"] = "MARKET"
    else:
        data["M"] = True
    return frame(symbol, "trade", data)


def book_ticker(
    symbol: str, update_id: int, bid: Decimal, bid_size: Decimal, ask: Decimal, ask_size: Decimal
) -> bytes:
    """``<symbol>@bookTicker`` (Spot "Individual Symbol Book Ticker Streams")."""
    data = {"u": update_id, "s": symbol, "b": str(bid), "B": str(bid_size), "a": str(ask),
            "A": str(ask_size)}  # fmt: skip
    return frame(symbol, "bookTicker", data)


def depth_update(
    symbol: str, first_id: int, final_id: int, ts_ms: int,
    bids: Iterable[tuple[Decimal, Decimal]], asks: Iterable[tuple[Decimal, Decimal]],
) -> bytes:  # fmt: skip
    """``<symbol>@depth@100ms`` (Spot "Diff. Depth Stream")."""
    data = {"e": "depthUpdate", "E": ts_ms, "s": symbol, "U": first_id, "u": final_id,
            "b": _levels(bids), "a": _levels(asks)}  # fmt: skip
    return frame(symbol, "depth@100ms", data)


def depth_snapshot(
    symbol: str, last_update_id: int,
    bids: Iterable[tuple[Decimal, Decimal]], asks: Iterable[tuple[Decimal, Decimal]],
) -> bytes:  # fmt: skip
    """``<symbol>@depthSnapshot``: the REST snapshot Tardis' recorder stores in the feed."""
    data = {"lastUpdateId": last_update_id, "bids": _levels(bids), "asks": _levels(asks)}
    return frame(symbol, "depthSnapshot", data, generated=True)


def mark_price(
    symbol: str, ts_ms: int, mark: Decimal, index: Decimal, funding_rate: Decimal,
    next_funding_ms: int,
) -> bytes:  # fmt: skip
    """``<symbol>@markPrice@1s`` (USD-M futures "Mark Price Stream")."""
    data = {"e": "markPriceUpdate", "E": ts_ms, "s": symbol, "p": str(mark), "i": str(index),
            "P": str(mark), "r": str(funding_rate), "T": next_funding_ms}  # fmt: skip
    return frame(symbol, "markPrice@1s", data)


def bybit_trade(
    symbol: str, trade_id: str, price: Decimal, quantity: Decimal, ts_ms: int, taker_buys: bool
) -> bytes:
    """``publicTrade.{symbol}`` (Bybit v5 "Trade"; ``S`` is the taker's side)."""
    data = {"T": ts_ms, "s": symbol, "S": "Buy" if taker_buys else "Sell", "v": str(quantity),
            "p": str(price), "L": "PlusTick", "i": str(trade_id), "BT": False}  # fmt: skip
    return json_codec.dumps_bytes({"topic": f"publicTrade.{symbol}", "type": "snapshot",
                                   "ts": ts_ms, "data": [data]})  # fmt: skip


def bybit_level1(
    symbol: str, update_id: int, ts_ms: int, bid: tuple[Decimal, Decimal],
    ask: tuple[Decimal, Decimal],
) -> bytes:  # fmt: skip
    """``orderbook.1.{symbol}`` (Bybit v5 "Orderbook": level 1 is pushed as snapshots)."""
    data = {"s": symbol, "b": _levels([bid]), "a": _levels([ask]), "u": update_id,
            "seq": update_id}  # fmt: skip
    return json_codec.dumps_bytes({"topic": f"orderbook.1.{symbol}", "type": "snapshot",
                                   "ts": ts_ms, "data": data, "cts": ts_ms})  # fmt: skip


def okx_trade(
    inst_id: str, trade_id: str, price: Decimal, quantity: Decimal, ts_ms: int, taker_buys: bool
) -> bytes:
    """A ``trades`` push (OKX v5 "Trades channel": ``side`` is the taker's, numbers as text)."""
    data = {"instId": inst_id, "tradeId": str(trade_id), "px": format(price, "f"),
            "sz": format(quantity, "f"),
            "side": "buy" if taker_buys else "sell", "ts": str(ts_ms), "count": "1"}  # fmt: skip
    return json_codec.dumps_bytes({"arg": {"channel": "trades", "instId": inst_id},
                                   "data": [data]})  # fmt: skip


def bitmex_trade(
    symbol: str, match_id: str, price: Decimal, size: Decimal, ts_ms: int, taker_buys: bool
) -> bytes:
    """A ``trade`` table insert (BitMEX realtime API; the row's fields as a recorded XBTUSD row
    has them, numbers as JSON numbers: an inverse contract's size is in USD)."""
    home = size / price
    row = {"timestamp": iso_ms(ts_ms * 1_000_000), "symbol": symbol,
           "side": "Buy" if taker_buys else "Sell", "size": int(size), "price": float(price),
           "tickDirection": "ZeroPlusTick", "trdMatchID": match_id,
           "grossValue": int(home * 100_000_000), "homeNotional": float(round(home, 8)),
           "foreignNotional": float(size), "trdType": "Regular"}  # fmt: skip
    return json_codec.dumps_bytes({"table": "trade", "action": "insert", "data": [row]})


def bybit_book(
    symbol: str, update_id: int, ts_ms: int, bids: Sequence[tuple[Decimal, Decimal]],
    asks: Sequence[tuple[Decimal, Decimal]], *, snapshot: bool, depth: int = 50,
) -> bytes:  # fmt: skip
    """``orderbook.{depth}.{symbol}`` (Bybit v5 "Orderbook": a snapshot, then deltas of the
    changed levels, size "0" deleting one)."""
    data = {"s": symbol, "b": _levels(bids), "a": _levels(asks), "u": update_id,
            "seq": update_id}  # fmt: skip
    return json_codec.dumps_bytes({"topic": f"orderbook.{depth}.{symbol}",
                                   "type": "snapshot" if snapshot else "delta", "ts": ts_ms,
                                   "data": data, "cts": ts_ms})  # fmt: skip


def okx_book(
    inst_id: str, seq_id: int, ts_ms: int, bids: Sequence[tuple[Decimal, Decimal]],
    asks: Sequence[tuple[Decimal, Decimal]], *, snapshot: bool,
) -> bytes:  # fmt: skip
    """A ``books-l2-tbt`` push (OKX v5 "Order book channel": ``action`` snapshot or update,
    levels ``[px, sz, "0", orders]``, ``seqId``/``prevSeqId``; the checksum left 0: the frame
    parser replays levels as sent and leaves checking to the live client)."""
    level = lambda side: [[format(p, "f"), format(q, "f"), "0", "1"] for p, q in side]  # noqa: E731
    item = {"asks": level(asks), "bids": level(bids), "ts": str(ts_ms), "checksum": 0,
            "prevSeqId": -1 if snapshot else seq_id - 1, "seqId": seq_id}  # fmt: skip
    return json_codec.dumps_bytes({"arg": {"channel": "books-l2-tbt", "instId": inst_id},
                                   "action": "snapshot" if snapshot else "update",
                                   "data": [item]})  # fmt: skip


def bitmex_book(
    symbol: str, action: str, rows: Sequence[tuple[str, int, Decimal, Decimal]], ts_ms: int
) -> bytes:
    """An ``orderBookL2`` table message (BitMEX realtime API: ``partial``, ``insert``,
    ``update``, ``delete``; rows keyed by ``id``, ``side`` Buy/Sell, ``size`` in contracts;
    a delete row carries no size)."""
    stamp = iso_ms(ts_ms * 1_000_000)
    data = []
    for side, level_id, price, size in rows:
        row: dict[str, Any] = {"symbol": symbol, "id": level_id, "side": side,
                               "price": float(price), "timestamp": stamp}  # fmt: skip
        if action != "delete":
            row["size"] = int(size)
        data.append(row)
    return json_codec.dumps_bytes({"table": "orderBookL2", "action": action, "data": data})


def slice_body(lines: Sequence[tuple[int, bytes | None]]) -> bytes:
    """A slice's NDJSON (``None`` frames are disconnect markers), gzip-compressed."""
    out = bytearray()
    for ts, data in lines:
        if data is None:
            out += b"\n"
        else:
            out += local_timestamp(ts).encode() + b" " + data + b"\n"
    return gzip.compress(bytes(out), compresslevel=1)


def instrument_record(
    exchange: str, native: str, kind: str, base: str, quote: str, tick: Decimal, lot: Decimal,
    min_amount: Decimal, *, inverse: bool = False, since: str = "2019-11-17T00:00:00.000Z",
) -> dict[str, Any]:  # fmt: skip
    """One record of ``/v1/instruments/{exchange}`` (instruments metadata API: the fields of
    its response format), numbers as JSON floats as the API sends them."""
    record: dict[str, Any] = {
        "id": native,
        "datasetId": native,
        "exchange": exchange,
        "baseCurrency": base,
        "quoteCurrency": quote,
        "type": kind,
        "active": True,
        "availableSince": since,
        "priceIncrement": float(tick),
        "amountIncrement": float(lot),
        "minTradeAmount": float(min_amount),
        "makerFee": 0.0002,
        "takerFee": 0.0004,
    }
    if kind != "spot":
        record["inverse"] = inverse
        record["contractType"] = "inverse_perpetual" if inverse else "linear_perpetual"
        record["contractMultiplier"] = 1
    return record
