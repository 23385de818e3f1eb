"""Parsers for OKX WebSocket pushes that have no REST twin: order books (``books``,
``books5``, ``bbo-tbt``, ``books-l2-tbt``, ``books50-l2-tbt``). Ticker, trade, candle, mark
price, index, funding, order, fill, position and account items share their REST parsers
(:mod:`tradeport_okx.http.parse`)."""

from __future__ import annotations

from typing import Any

from tradeport.book import DeltaBatch
from tradeport.model.data import (
    BookOrder,
    OrderBookDelta,
    OrderBookDeltas,
    QuoteTick,
    RecordFlag,
)
from tradeport.model.enums import BookAction, OrderSide
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Price, Quantity

from tradeport_okx.http.parse import ms_to_ns

__all__ = ["parse_book_deltas", "parse_book_batch", "parse_quote_from_book"]

_F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_F_LAST = int(RecordFlag.F_LAST)
_ADD = BookAction.ADD
_UPDATE = BookAction.UPDATE
_DELETE = BookAction.DELETE
_BUY = OrderSide.BUY
_SELL = OrderSide.SELL


# Book prices repeat from message to message: parsed Prices are immutable, so they are kept
# (bounded; cleared when full) instead of parsed again. Keyed by (text, precision).
_PRICE_CACHE: dict[tuple[str, int], Price] = {}
_PRICE_CACHE_MAX = 100_000


def _cached_price(text: str, precision: int) -> Price:
    key = (text, precision)
    price = _PRICE_CACHE.get(key)
    if price is None:
        if len(_PRICE_CACHE) >= _PRICE_CACHE_MAX:
            _PRICE_CACHE.clear()
        price = _PRICE_CACHE[key] = Price.from_str(text, precision)
    return price


def parse_book_deltas(
    record: dict[str, Any], instrument: Instrument, snapshot: bool, ts_init: int
) -> OrderBookDeltas | None:
    """One books item (``asks``/``bids`` of ``[px, sz, "0", numOrders]``) as OrderBookDeltas.

    A snapshot starts with CLEAR and flags every delta F_SNAPSHOT; in an update, size ``"0"``
    deletes the level. ``sequence`` is ``seqId``. None for an update without levels (OKX's
    keep-alive, whose ``seqId`` equals ``prevSeqId``).
    """
    iid = instrument.id
    seq = int(record.get("seqId", 0) or 0)
    ts_event = ms_to_ns(record.get("ts"))
    price_precision, size_precision = instrument.price_precision, instrument.size_precision
    qty_from_str = Quantity.from_str
    flags = _F_SNAPSHOT if snapshot else 0
    bids = record.get("bids") or ()
    asks = record.get("asks") or ()
    remaining = len(bids) + len(asks)
    if not remaining and not snapshot:
        return None
    deltas: list[OrderBookDelta] = []
    if snapshot:
        last_flags = flags | _F_LAST if not remaining else flags
        deltas.append(OrderBookDelta.clear(iid, seq, ts_event, ts_init, last_flags))
    for side, levels in ((_BUY, bids), (_SELL, asks)):
        for level in levels:
            remaining -= 1
            size = qty_from_str(level[1], size_precision)
            action = _ADD if snapshot else (_UPDATE if size else _DELETE)
            deltas.append(
                OrderBookDelta(
                    iid,
                    action,
                    BookOrder(side, _cached_price(level[0], price_precision), size),
                    flags | _F_LAST if not remaining else flags,
                    seq,
                    ts_event,
                    ts_init,
                )
            )
    return OrderBookDeltas(iid, tuple(deltas))


def parse_book_batch(
    record: dict[str, Any], instrument: Instrument, action: str, ts_init: int
) -> DeltaBatch:
    """A books push item as a :class:`DeltaBatch` for the core BookSynchronizer
    (``action`` is the push's ``snapshot``/``update``)."""
    snapshot = action == "snapshot"
    deltas = parse_book_deltas(record, instrument, snapshot, ts_init)
    seq = int(record.get("seqId", 0) or 0)
    prev = record.get("prevSeqId")
    checksum = record.get("checksum")
    return DeltaBatch(
        deltas,
        seq,
        seq,
        None if prev is None or snapshot else int(prev),
        None if checksum is None else int(checksum),
    )


def parse_quote_from_book(
    record: dict[str, Any], instrument: Instrument, ts_init: int
) -> QuoteTick | None:
    """A ``bbo-tbt`` (or ``books5``) item's best levels as a QuoteTick; None if a side is empty."""
    bids, asks = record.get("bids"), record.get("asks")
    if not bids or not asks:
        return None
    return QuoteTick(
        instrument.id,
        instrument.make_price(bids[0][0]),
        instrument.make_price(asks[0][0]),
        instrument.make_qty(bids[0][1]),
        instrument.make_qty(asks[0][1]),
        ms_to_ns(record.get("ts")),
        ts_init,
    )
