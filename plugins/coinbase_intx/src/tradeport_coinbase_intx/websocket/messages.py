"""Stream message models of the CoinbaseIntx stream, field names exactly as on the wire.

Client to venue (JSON text frames)::

    {"op": "login", "id": 1, "key": "...", "timestamp": 1700000000000, "recv_window": 5000,
     "signature": "<hex>"}
    {"op": "subscribe", "id": 2, "topics": ["trades.BTC-USDT", "book.BTC-USDT"]}
    {"op": "unsubscribe", "id": 3, "topics": ["trades.BTC-USDT"]}
    {"op": "ping"}

Venue to client: replies echo ``op`` and ``id`` with ``success`` (and ``error`` when false),
``{"op": "pong", "ts": ...}`` answers a ping, ``{"op": "error", "error": {...}}`` reports a
problem not tied to a request, and data messages carry a ``topic``::

    {"topic": "quotes.BTC-USDT", "ts": 1700000000123, "data": {...}}
"""

from __future__ import annotations

from typing import Final, Literal, NotRequired, TypedDict

from tradeport_coinbase_intx.http.models import (
    BalanceRecord,
    BarRecord,
    ErrorBody,
    FillRecord,
    OrderRecord,
    PositionRecord,
    TradeRecord,
)

__all__ = [
    "ORDER_EVENTS",
    "BarsMessage",
    "BookData",
    "BookMessage",
    "MarkData",
    "MarkMessage",
    "PrivateMessage",
    "QuoteData",
    "QuotesMessage",
    "Reply",
    "TradesMessage",
]

#: What happened to an order, on each ``orders`` message (``event`` field): ``new`` (accepted,
#: or armed for a stop), ``amended``, ``triggered``, ``partially_filled``, ``filled`` (with the
#: fill on the ``fills`` topic), ``canceled``, ``expired``.
ORDER_EVENTS: Final = (
    "new",
    "amended",
    "triggered",
    "partially_filled",
    "filled",
    "canceled",
    "expired",
)


class Reply(TypedDict):
    """The venue's answer to ``login``, ``subscribe`` or ``unsubscribe``."""

    op: Literal["login", "subscribe", "unsubscribe"]
    id: int
    success: bool
    error: NotRequired[ErrorBody]  # when success is false


class QuoteData(TypedDict):
    bid: str
    bid_size: str
    ask: str
    ask_size: str


class QuotesMessage(TypedDict):
    topic: str  # quotes.<symbol>
    ts: int
    data: QuoteData


class TradesMessage(TypedDict):
    topic: str  # trades.<symbol>
    ts: int
    data: list[TradeRecord]


class BookData(TypedDict):
    sequence: int
    prev_sequence: int  # the sequence of the message before; a mismatch is a gap
    bids: list[list[str]]  # [price, size], size "0" removes the level
    asks: list[list[str]]


class BookMessage(TypedDict):
    topic: str  # book.<symbol>
    type: Literal["snapshot", "delta"]  # a snapshot follows every subscribe
    ts: int
    data: BookData


class BarsMessage(TypedDict):
    topic: str  # bars.<interval>.<symbol>
    ts: int
    data: BarRecord


class MarkData(TypedDict):
    mark_price: str
    index_price: str
    funding_rate: str  # per funding interval, a fraction
    next_funding_time: int  # ms


class MarkMessage(TypedDict):
    topic: str  # mark.<symbol>
    ts: int
    data: MarkData


class PrivateMessage(TypedDict):
    """``orders``, ``fills``, ``balances`` or ``positions``: a list of records."""

    topic: Literal["orders", "fills", "balances", "positions"]
    ts: int
    data: list[OrderRecord] | list[FillRecord] | list[BalanceRecord] | list[PositionRecord]
