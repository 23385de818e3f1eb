"""Payload models of the CoinbaseIntx REST API, field names exactly as the venue sends them.

TypedDicts cost nothing at run time and document every field where the parsers use it. Numbers
are decimal strings (never floats); timestamps are integer milliseconds since the UNIX epoch.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

__all__ = [
    "BalanceRecord",
    "BarRecord",
    "BatchCancelResult",
    "BookRecord",
    "ErrorBody",
    "FillRecord",
    "InstrumentRecord",
    "OrderRecord",
    "PositionRecord",
    "TradeRecord",
]


class ErrorBody(TypedDict):
    """``{"error": {"code": "INVALID_SIGNATURE", "message": "..."}}`` with any HTTP error."""

    code: str
    message: str


class InstrumentRecord(TypedDict):
    """One entry of ``GET /api/v1/instruments``."""

    symbol: str  # "BTC-USDT", "BTC-USDT-PERP"
    type: str  # "spot" | "perpetual"
    base: str
    quote: str
    settle: NotRequired[str]  # perpetual only
    tick_size: str  # price increment, e.g. "0.01"
    lot_size: str  # quantity increment, e.g. "0.0001"
    min_qty: str
    max_qty: str
    min_notional: str  # in the quote asset
    maker_fee: str  # fraction: "0.0002" is 2 bp
    taker_fee: str
    contract_size: NotRequired[str]  # perpetual only: base units per contract
    initial_margin: NotRequired[str]  # perpetual only: fraction of the position value
    maintenance_margin: NotRequired[str]
    status: str  # "trading" | "halted"
    listed_at: int


class BookRecord(TypedDict):
    """``GET /api/v1/book``: levels best first, ``[price, size]``."""

    symbol: str
    sequence: int  # increases by one per book change; stream deltas continue it
    ts: int
    bids: list[list[str]]
    asks: list[list[str]]


class TradeRecord(TypedDict):
    """One public trade (``GET /api/v1/trades`` and the ``trades.<symbol>`` topic)."""

    trade_id: str
    price: str
    size: str
    side: str  # the taker's side: "buy" | "sell"
    ts: int


class BarRecord(TypedDict):
    """One bar (``GET /api/v1/bars`` and the ``bars.<interval>.<symbol>`` topic)."""

    open_time: int
    close_time: int  # open_time + interval
    open: str
    high: str
    low: str
    close: str
    volume: str  # base units
    closed: bool  # False while the interval is still running (stream only)


class OrderRecord(TypedDict):
    """One order (order endpoints and the ``orders`` topic)."""

    order_id: str
    client_order_id: str | None
    symbol: str
    side: str  # "buy" | "sell"
    type: str  # "limit" | "market" | "stop_market" | "stop_limit"
    time_in_force: str  # "gtc" | "ioc" | "fok" | "gtd"
    qty: str
    price: str | None
    trigger_price: str | None
    expire_time: int | None  # gtd only
    post_only: bool
    reduce_only: bool
    status: str  # see enums.ORDER_STATUS
    filled_qty: str
    avg_price: str | None
    cancel_reason: str | None
    created_at: int
    updated_at: int
    triggered_at: int | None
    version: int  # bumped on every change of the order: a lower one is stale
    event: NotRequired[str]  # stream only: what happened (see websocket/messages.py)


class FillRecord(TypedDict):
    """One execution of an order (``GET /api/v1/fills`` and the ``fills`` topic)."""

    trade_id: str
    order_id: str
    client_order_id: str | None
    symbol: str
    side: str
    order_type: str
    price: str
    qty: str
    fee: str  # positive: paid; negative: rebate
    fee_asset: str
    liquidity: str  # "maker" | "taker"
    ts: int


class PositionRecord(TypedDict):
    """One perpetual position (``GET /api/v1/positions`` and the ``positions`` topic)."""

    symbol: str
    side: str  # "long" | "short" | "flat"
    size: str  # contracts, never negative
    entry_price: str
    unrealized_pnl: str
    settle: str
    updated_at: int


class BalanceRecord(TypedDict):
    """One asset balance (``GET /api/v1/balances`` and the ``balances`` topic)."""

    asset: str
    total: str
    free: str
    locked: str
    updated_at: int


class BatchCancelResult(TypedDict):
    """One entry of ``POST /api/v1/orders/cancel-batch``: the order, or why not."""

    client_order_id: str
    order: NotRequired[OrderRecord]
    error: NotRequired[ErrorBody]
