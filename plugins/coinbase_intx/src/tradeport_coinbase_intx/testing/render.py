"""How the mock Coinbase INTX venue writes the simulated exchange's state on the wire.

Pure functions from the SimulatedExchange's records to the venue's payloads, field for field
as the reference documents them (instruments, orders, fills, positions, balances), numbers as
strings at the instrument's precision and times in RFC 3339, as recorded payloads show.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from tradeport.model.enums import OrderStatus, OrderType, ProductType, TimeInForce
from tradeport_conformance.simulated import (
    CancelCause,
    RejectReason,
    SimBalance,
    SimFill,
    SimInstrument,
    SimOrder,
    SimPosition,
)

__all__ = [
    "REJECT_MESSAGES",
    "fmt",
    "render_balance",
    "render_fill",
    "render_instrument",
    "render_order",
    "render_position",
    "rfc3339",
]

#: HTTP status and message per reason the exchange refuses a command.
REJECT_MESSAGES: Final[dict[RejectReason, tuple[int, str]]] = {
    RejectReason.UNKNOWN_ORDER: (404, "order not found"),
    RejectReason.WOULD_CROSS: (400, "post only order would cross"),
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: (400, "duplicate client order id"),
}
VENUE_TYPE: Final = {
    OrderType.LIMIT: "LIMIT",
    OrderType.MARKET: "MARKET",
    OrderType.STOP_MARKET: "STOP",
    OrderType.STOP_LIMIT: "STOP_LIMIT",
}
VENUE_TIF: Final = {
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
    TimeInForce.GTD: "GTT",
}
_CANCEL_TEXT: Final = {
    CancelCause.CLIENT: "client cancel",
    CancelCause.POST_ONLY_WOULD_CROSS: "post only order would cross",
}


def fmt(value: Decimal | None, step: Decimal | None = None) -> str | None:
    """Plain decimal text at ``step``'s precision when given."""
    if value is None:
        return None
    if step is not None:
        exponent = step.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < 0:
            value = value.quantize(Decimal(1).scaleb(exponent))
    return format(value, "f")


def rfc3339(ns: int | None) -> str | None:
    """UNIX ns as ``2025-03-14T23:09:44.095Z``."""
    if ns is None:
        return None
    moment = datetime.fromtimestamp(ns // 1_000_000 / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{(ns // 1_000_000) % 1000:03d}Z"


def _uuid(text: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, text))


def render_instrument(instrument: SimInstrument, ts_ns: int) -> dict[str, Any]:
    """One ``GET /api/v1/instruments`` entry."""
    perp = instrument.product_type is ProductType.PERPETUAL
    return {
        "instrument_id": str(abs(hash(instrument.symbol)) % 10**17),
        "instrument_uuid": _uuid(instrument.symbol),
        "symbol": instrument.symbol,
        "type": "PERP" if perp else "SPOT",
        "mode": "STANDARD",
        "base_asset_name": instrument.base_asset,
        "quote_asset_name": instrument.quote_asset,
        "base_increment": fmt(instrument.lot_size.normalize()),
        "quote_increment": fmt(instrument.tick_size.normalize()),
        "min_quantity": fmt(instrument.min_qty, instrument.lot_size),
        "min_notional_value": fmt(instrument.min_notional),
        "base_imf": float(instrument.initial_margin_rate) if perp else 0.0,
        "funding_interval": "3600000000000" if perp else "0",
        "trading_state": "TRADING",
        "quote": {"timestamp": rfc3339(ts_ns)},
        "base_asset_multiplier": "1.0",
        "underlying_type": "SPOT",
    }


def _event_type(order: SimOrder) -> str:
    status = order.status
    if status is OrderStatus.CANCELED:
        return "CANCELED"
    if status is OrderStatus.EXPIRED:
        return "EXPIRED"
    if status is OrderStatus.REJECTED:
        return "REJECTED"
    if order.filled_qty:
        return "TRADE"
    if order.ts_triggered is not None and order.is_conditional:
        return "STOP_TRIGGERED"
    return "NEW"


def render_order(
    order: SimOrder, instrument: SimInstrument | None, portfolio: str
) -> dict[str, Any]:
    """One order record (create, modify, cancel answers and queries)."""
    tick = instrument.tick_size if instrument is not None else None
    lot = instrument.lot_size if instrument is not None else None
    working = order.status in (
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.TRIGGERED,
        OrderStatus.SUBMITTED,
    )
    leaves = order.quantity - order.filled_qty if working else Decimal(0)
    kind = VENUE_TYPE[order.order_type]
    record: dict[str, Any] = {
        "order_id": order.venue_order_id,
        "client_order_id": order.client_order_id,
        "side": order.side.value,
        "symbol": order.symbol,
        "portfolio_uuid": portfolio,
        "type": kind,
        "size": fmt(order.quantity, lot),
        "tif": VENUE_TIF[order.time_in_force],
        "event_type": _event_type(order),
        "event_time": rfc3339(order.ts_updated),
        "submit_time": rfc3339(order.ts_created),
        "order_status": "WORKING" if working else "DONE",
        "leaves_qty": fmt(leaves, lot),
        "exec_qty": fmt(order.filled_qty, lot),
        "avg_price": fmt(order.avg_px or Decimal(0)),
        "fee": fmt(order.commission),
        "post_only": order.post_only,
        "close_only": order.reduce_only,
    }
    if kind == "STOP_LIMIT":
        record["stop_limit_price"] = fmt(order.price, tick)
    elif order.price is not None:
        record["price"] = fmt(order.price, tick)
    if order.trigger_price is not None:
        record["stop_price"] = fmt(order.trigger_price, tick)
    if order.expire_time_ns:
        record["expire_time"] = rfc3339(order.expire_time_ns)
    if order.cancel_cause is not None:
        record["text"] = _CANCEL_TEXT.get(order.cancel_cause, order.cancel_cause.value.lower())
    return record


def render_fill(fill: SimFill, instrument: SimInstrument | None, portfolio: str) -> dict[str, Any]:
    """One ``/portfolios/{p}/fills`` record."""
    tick = instrument.tick_size if instrument is not None else None
    lot = instrument.lot_size if instrument is not None else None
    return {
        "portfolio_uuid": portfolio,
        "fill_id": f"f-{fill.trade_id}",
        "exec_id": fill.trade_id,
        "order_id": fill.venue_order_id,
        "symbol": fill.symbol,
        "match_id": fill.trade_id,
        "fill_price": fmt(fill.price, tick),
        "fill_qty": fmt(fill.quantity, lot),
        "client_order_id": fill.client_order_id,
        "side": fill.side.value,
        "fee": fmt(fill.commission),
        "fee_asset": fill.commission_asset,
        "liquidity": fill.liquidity_side.value,
        "event_time": rfc3339(fill.ts),
    }


def render_position(position: SimPosition, instrument: SimInstrument | None) -> dict[str, Any]:
    """One ``/portfolios/{p}/positions`` record (``net_size`` signed)."""
    lot = instrument.lot_size if instrument is not None else None
    net = position.quantity if position.side.value == "LONG" else -position.quantity
    return {
        "id": f"p-{position.symbol}",
        "symbol": position.symbol,
        "vwap": fmt(position.avg_entry_price),
        "net_size": fmt(net, lot),
        "buy_order_size": "0",
        "sell_order_size": "0",
        "unrealized_pnl": fmt(position.unrealized_pnl),
        "entry_vwap": fmt(position.avg_entry_price),
    }


def render_balance(balance: SimBalance) -> dict[str, Any]:
    """One ``/portfolios/{p}/balances`` record."""
    return {
        "asset_name": balance.asset,
        "quantity": fmt(balance.total),
        "hold": fmt(balance.locked),
        "transfer_hold": "0",
        "collateral_value": fmt(balance.total),
        "max_withdraw_amount": fmt(balance.free),
    }
