"""How the mock CoinbaseIntx venue writes the simulated exchange's state on the wire.

Pure functions from the SimulatedExchange's records to the venue's payloads (the shapes of
:mod:`tradeport_coinbase_intx.http.models`), and from its reject reasons to the venue's error codes.
Numbers are printed at the instrument's precision, timestamps in milliseconds, exactly as the
real venue does: the plugin's parsers read these bytes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from tradeport.model.enums import OrderStatus, PositionSide, ProductType
from tradeport_conformance.simulated import (
    BookSnapshot,
    CancelCause,
    RejectReason,
    SimBalance,
    SimFill,
    SimInstrument,
    SimOrder,
    SimPosition,
)

from tradeport_coinbase_intx.enums import (
    VENUE_ORDER_SIDE,
    VENUE_ORDER_TYPE,
    VENUE_PRODUCT_TYPE,
    VENUE_TIME_IN_FORCE,
)

__all__ = [
    "REJECT_CODES",
    "fmt",
    "ms",
    "render_balance",
    "render_book",
    "render_fill",
    "render_instrument",
    "render_order",
    "render_position",
    "venue_status",
]

_NS_PER_MS = 1_000_000

#: The venue's error code (and HTTP status) for each reason the exchange refuses a command.
REJECT_CODES: Final[dict[RejectReason, tuple[int, str]]] = {
    RejectReason.UNKNOWN_INSTRUMENT: (400, "UNKNOWN_SYMBOL"),
    RejectReason.INVALID_QUANTITY: (400, "INVALID_QUANTITY"),
    RejectReason.INVALID_QUANTITY_INCREMENT: (400, "INVALID_QUANTITY"),
    RejectReason.MIN_QUANTITY: (400, "INVALID_QUANTITY"),
    RejectReason.MAX_QUANTITY: (400, "INVALID_QUANTITY"),
    RejectReason.QUANTITY_BELOW_FILLED: (400, "INVALID_QUANTITY"),
    RejectReason.INVALID_PRICE: (400, "INVALID_PRICE"),
    RejectReason.INVALID_PRICE_INCREMENT: (400, "INVALID_PRICE"),
    RejectReason.INVALID_TRIGGER_PRICE: (400, "INVALID_TRIGGER_PRICE"),
    RejectReason.WOULD_TRIGGER_IMMEDIATELY: (400, "INVALID_TRIGGER_PRICE"),
    RejectReason.MIN_NOTIONAL: (400, "MIN_NOTIONAL"),
    RejectReason.INVALID_EXPIRE_TIME: (400, "INVALID_EXPIRE_TIME"),
    RejectReason.UNSUPPORTED_ORDER_TYPE: (400, "INVALID_PARAMETER"),
    RejectReason.UNSUPPORTED_TIME_IN_FORCE: (400, "INVALID_PARAMETER"),
    RejectReason.INVALID_ORDER: (400, "INVALID_PARAMETER"),
    RejectReason.INVALID_POSITION_SIDE: (400, "INVALID_PARAMETER"),
    RejectReason.INSUFFICIENT_BALANCE: (400, "INSUFFICIENT_BALANCE"),
    RejectReason.WOULD_CROSS: (400, "POST_ONLY_WOULD_CROSS"),
    RejectReason.REDUCE_ONLY_VIOLATION: (400, "REDUCE_ONLY_VIOLATION"),
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: (400, "DUPLICATE_CLIENT_ORDER_ID"),
    RejectReason.NO_LIQUIDITY: (400, "NO_LIQUIDITY"),
    RejectReason.UNKNOWN_ORDER: (404, "ORDER_NOT_FOUND"),
    RejectReason.ORDER_NOT_OPEN: (400, "ORDER_NOT_OPEN"),
    RejectReason.VENUE_REJECTED: (400, "ORDER_REJECTED"),
}

_STATUS: Final = {
    OrderStatus.TRIGGERED: "triggered",
    OrderStatus.PARTIALLY_FILLED: "partially_filled",
    OrderStatus.FILLED: "filled",
    OrderStatus.CANCELED: "canceled",
    OrderStatus.EXPIRED: "expired",
    OrderStatus.REJECTED: "rejected",
}
_CANCEL_REASONS: Final = {
    CancelCause.CLIENT: "canceled by the client",
    CancelCause.VENUE: "canceled by the venue",
    CancelCause.UNFILLED_REMAINDER: "unfilled remainder of an immediate order",
    CancelCause.FOK_NOT_FILLED: "fill-or-kill could not fill",
    CancelCause.POST_ONLY_WOULD_CROSS: "post-only order would have crossed",
    CancelCause.REDUCE_ONLY: "nothing left to reduce",
    CancelCause.INSUFFICIENT_BALANCE: "insufficient balance when triggered",
}
_POSITION_SIDE: Final = {
    PositionSide.LONG: "long",
    PositionSide.SHORT: "short",
    PositionSide.FLAT: "flat",
}


def ms(ns: int | None) -> int | None:
    """UNIX nanoseconds to milliseconds."""
    return None if ns is None else ns // _NS_PER_MS


def fmt(value: Decimal | None, step: Decimal | None = None) -> str | None:
    """Plain decimal text (never exponent notation), at ``step``'s precision when given."""
    if value is None:
        return None
    if step is not None:
        exponent = step.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < 0:
            value = value.quantize(Decimal(1).scaleb(exponent))
    return format(value, "f")


def venue_status(order: SimOrder) -> str:
    """The venue's status word: a working stop that has not triggered is ``untriggered``."""
    if order.status is OrderStatus.ACCEPTED:
        return "untriggered" if order.is_conditional and order.ts_triggered is None else "new"
    return _STATUS[order.status]


def render_instrument(instrument: SimInstrument) -> dict[str, Any]:
    """One ``GET /api/v1/instruments`` entry."""
    record: dict[str, Any] = {
        "symbol": instrument.symbol,
        "type": VENUE_PRODUCT_TYPE[instrument.product_type],
        "base": instrument.base_asset,
        "quote": instrument.quote_asset,
        "tick_size": fmt(instrument.tick_size.normalize()),
        "lot_size": fmt(instrument.lot_size.normalize()),
        "min_qty": fmt(instrument.min_qty, instrument.lot_size),
        "max_qty": fmt(instrument.max_qty, instrument.lot_size),
        "min_notional": fmt(instrument.min_notional),
        "maker_fee": fmt(instrument.maker_fee),
        "taker_fee": fmt(instrument.taker_fee),
        "status": "trading",
        "listed_at": instrument.meta.get("listed_at", 0),
    }
    if instrument.product_type is ProductType.PERPETUAL:
        record["settle"] = instrument.settlement_asset
        record["contract_size"] = fmt(instrument.multiplier)
        record["initial_margin"] = fmt(instrument.initial_margin_rate)
        record["maintenance_margin"] = fmt(instrument.meta.get("maintenance_margin", Decimal("0")))
    return record


def render_book(book: BookSnapshot, instrument: SimInstrument, ts_ms: int) -> dict[str, Any]:
    """``GET /api/v1/book``."""
    return {
        "symbol": book.symbol,
        "sequence": book.sequence,
        "ts": ts_ms,
        "bids": render_levels(book.bids, instrument),
        "asks": render_levels(book.asks, instrument),
    }


def render_levels(
    levels: tuple[tuple[Decimal, Decimal], ...], instrument: SimInstrument
) -> list[list[str | None]]:
    """``[price, size]`` pairs at the instrument's precision."""
    return [[fmt(p, instrument.tick_size), fmt(s, instrument.lot_size)] for p, s in levels]


def render_order(
    order: SimOrder, instrument: SimInstrument | None, version: int, event: str | None = None
) -> dict[str, Any]:
    """One order record (REST answers, queries, and the ``orders`` topic with ``event``)."""
    tick = instrument.tick_size if instrument is not None else None
    lot = instrument.lot_size if instrument is not None else None
    record: dict[str, Any] = {
        "order_id": order.venue_order_id,
        "client_order_id": order.client_order_id,
        "symbol": order.symbol,
        "side": VENUE_ORDER_SIDE[order.side],
        "type": VENUE_ORDER_TYPE[order.order_type],
        "time_in_force": VENUE_TIME_IN_FORCE[order.time_in_force],
        "qty": fmt(order.quantity, lot),
        "price": fmt(order.price, tick),
        "trigger_price": fmt(order.trigger_price, tick),
        "expire_time": ms(order.expire_time_ns),
        "post_only": order.post_only,
        "reduce_only": order.reduce_only,
        "status": venue_status(order),
        "filled_qty": fmt(order.filled_qty, lot),
        "avg_price": fmt(order.avg_px),
        "cancel_reason": _CANCEL_REASONS.get(order.cancel_cause) if order.cancel_cause else None,
        "created_at": ms(order.ts_created),
        "updated_at": ms(order.ts_updated),
        "triggered_at": ms(order.ts_triggered),
        "version": version,
    }
    if event is not None:
        record["event"] = event
    return record


def render_fill(fill: SimFill, order_type: str, instrument: SimInstrument | None) -> dict[str, Any]:
    """One fill record (``GET /api/v1/fills`` and the ``fills`` topic)."""
    tick = instrument.tick_size if instrument is not None else None
    lot = instrument.lot_size if instrument is not None else None
    return {
        "trade_id": fill.trade_id,
        "order_id": fill.venue_order_id,
        "client_order_id": fill.client_order_id,
        "symbol": fill.symbol,
        "side": VENUE_ORDER_SIDE[fill.side],
        "order_type": order_type,
        "price": fmt(fill.price, tick),
        "qty": fmt(fill.quantity, lot),
        "fee": fmt(fill.commission),
        "fee_asset": fill.commission_asset,
        "liquidity": fill.liquidity_side.value.lower(),
        "ts": ms(fill.ts),
    }


def render_position(position: SimPosition, instrument: SimInstrument | None) -> dict[str, Any]:
    """One position record."""
    lot = instrument.lot_size if instrument is not None else None
    return {
        "symbol": position.symbol,
        "side": _POSITION_SIDE[position.side],
        "size": fmt(position.quantity, lot),
        "entry_price": fmt(position.avg_entry_price),
        "unrealized_pnl": fmt(position.unrealized_pnl),
        "settle": position.settle_asset,
        "updated_at": ms(position.ts_updated),
    }


def render_balance(balance: SimBalance, ts_ms: int) -> dict[str, Any]:
    """One balance record."""
    return {
        "asset": balance.asset,
        "total": fmt(balance.total),
        "free": fmt(balance.free),
        "locked": fmt(balance.locked),
        "updated_at": ts_ms,
    }
