"""Parsers for OKX WebSocket pushes that have no REST twin: order books (``books``,
``books5``, ``bbo-tbt``, ``books-l2-tbt``, ``books50-l2-tbt``). Ticker, trade, candle, mark
price, index, funding, order, fill, position and account items share their REST parsers
(:mod:`tradeport_okx.http.parse`)."""

from __future__ import annotations

from typing import Any

from tradeport.book import DeltaBatch
from tradeport.model.data import (
    OrderBookDeltas,
    QuoteTick,
)
from tradeport.model.decoding import decoder_for
from tradeport.model.instruments import Instrument

from tradeport_okx.http.parse import ms_to_ns

__all__ = ["parse_book_deltas", "parse_book_batch", "parse_quote_from_book"]


def parse_book_deltas(
    record: dict[str, Any], instrument: Instrument, snapshot: bool, ts_init: int
) -> OrderBookDeltas | None:
    """One books item (``asks``/``bids`` of ``[px, sz, "0", numOrders]``) as OrderBookDeltas.

    A snapshot starts with CLEAR and flags every delta F_SNAPSHOT; in an update, size ``"0"``
    deletes the level. ``sequence`` is ``seqId``. None for an update without levels (OKX's
    keep-alive, whose ``seqId`` equals ``prevSeqId``).
    """
    return decoder_for(instrument).l2_deltas(
        record.get("bids") or (),
        record.get("asks") or (),
        int(record.get("seqId", 0) or 0),
        ms_to_ns(record.get("ts")),
        ts_init,
        snapshot=snapshot,
    )


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
    return DeltaBatch.trusted(
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
    bid, ask = bids[0], asks[0]
    return decoder_for(instrument).quote_tick(
        bid[0], ask[0], bid[1], ask[1], ms_to_ns(record.get("ts")), ts_init
    )
