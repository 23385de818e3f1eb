"""Parsers from CoinbaseIntx stream messages to the domain model (the hot path).

Pure functions; callers pass the instrument id (cached per symbol) and the instrument when it
is loaded, so numbers keep its precision without a lookup per field. Private records (orders,
fills, positions, balances) have the REST shapes: see :mod:`tradeport_coinbase_intx.http.parse`.
"""

from __future__ import annotations

from decimal import Decimal

from tradeport.book import DeltaBatch
from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    QuoteTick,
    TradeTick,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_coinbase_intx.http.parse import (
    NS_PER_MS,
    book_deltas,
    parse_bar,
    parse_price,
    parse_qty,
    parse_trade_tick,
)
from tradeport_coinbase_intx.websocket.messages import (
    BarsMessage,
    BookMessage,
    MarkMessage,
    QuotesMessage,
    TradesMessage,
)

__all__ = [
    "FUNDING_INTERVAL_NS",
    "parse_bar_message",
    "parse_book_batch",
    "parse_mark_message",
    "parse_quote_tick",
    "parse_trade_ticks",
]

#: The venue charges funding every 8 hours.
FUNDING_INTERVAL_NS = 8 * 3600 * 1_000_000_000


def parse_quote_tick(
    message: QuotesMessage,
    instrument_id: InstrumentId,
    instrument: Instrument | None,
    ts_init: int,
) -> QuoteTick:
    """A QuoteTick from a ``quotes.<symbol>`` message."""
    data = message["data"]
    return QuoteTick(
        instrument_id,
        parse_price(data["bid"], instrument),
        parse_price(data["ask"], instrument),
        parse_qty(data["bid_size"], instrument),
        parse_qty(data["ask_size"], instrument),
        message["ts"] * NS_PER_MS,
        ts_init,
    )


def parse_trade_ticks(
    message: TradesMessage,
    instrument_id: InstrumentId,
    instrument: Instrument | None,
    ts_init: int,
) -> list[TradeTick]:
    """TradeTicks from a ``trades.<symbol>`` message (one or more trades, oldest first)."""
    return [parse_trade_tick(t, instrument_id, instrument, ts_init) for t in message["data"]]


def parse_book_batch(
    message: BookMessage,
    instrument_id: InstrumentId,
    instrument: Instrument | None,
    ts_init: int,
) -> DeltaBatch:
    """A ``book.<symbol>`` message as a DeltaBatch for the BookSynchronizer.

    A snapshot replaces the book; a delta must name the previous message's sequence in
    ``prev_sequence`` (the synchronizer's LinkedPrevious rule), else it is a gap.
    """
    data = message["data"]
    sequence = data["sequence"]
    snapshot = message["type"] == "snapshot"
    deltas = book_deltas(
        instrument_id,
        data["bids"],
        data["asks"],
        sequence,
        message["ts"] * NS_PER_MS,
        ts_init,
        instrument,
        snapshot=snapshot,
    )
    return DeltaBatch(deltas, sequence, sequence, None if snapshot else data["prev_sequence"])


def parse_bar_message(
    message: BarsMessage, bar_type: BarType, instrument: Instrument | None, ts_init: int
) -> Bar | None:
    """The Bar of a ``bars.<interval>.<symbol>`` message once it is closed, else None (the
    venue also streams the running bar, which would double count volume)."""
    data = message["data"]
    if not data.get("closed", False):
        return None
    return parse_bar(data, bar_type, instrument, ts_init)


def parse_mark_message(
    message: MarkMessage,
    instrument_id: InstrumentId,
    instrument: Instrument | None,
    ts_init: int,
) -> tuple[MarkPriceUpdate, IndexPriceUpdate, FundingRateUpdate]:
    """The three updates one ``mark.<symbol>`` message carries."""
    data = message["data"]
    ts_event = message["ts"] * NS_PER_MS
    return (
        MarkPriceUpdate(
            instrument_id, parse_price(data["mark_price"], instrument), ts_event, ts_init
        ),
        IndexPriceUpdate(
            instrument_id, parse_price(data["index_price"], instrument), ts_event, ts_init
        ),
        FundingRateUpdate(
            instrument_id,
            Decimal(data["funding_rate"]),
            ts_event,
            ts_init,
            next_funding_ns=data["next_funding_time"] * NS_PER_MS,
            interval_ns=FUNDING_INTERVAL_NS,
        ),
    )
