"""Renderers of SimulatedExchange state as Hyperliquid records (the mock venue's wire shapes).

Shapes follow the docs' examples ("Info endpoint", "Perpetuals", "Spot", "Subscriptions"):
``meta`` / ``spotMeta``, ``frontendOpenOrders`` items, ``orderStatus``, fills, ``l2Book``,
``clearinghouseState`` and ``spotClearinghouseState``. Client order ids of the simulated
exchange are the tradeport ids; on the wire they are cloids (:func:`cloid_of`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeport.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeport_conformance.simulated import SimFill, SimInstrument, SimOrder, SimPosition

from tradeport_hyperliquid.enums import ORDER_TYPE_TO_VENUE
from tradeport_hyperliquid.http.query import float_to_wire
from tradeport_hyperliquid.symbology import cloid_of

__all__ = [
    "ms",
    "text",
    "amount",
    "asset_of",
    "render_order",
    "venue_status",
    "render_fill",
    "render_level",
    "render_position",
]


def ms(ns: int) -> int:
    """Nanoseconds as milliseconds."""
    return ns // 1_000_000


def text(value: Decimal) -> str:
    """A price or size as the venue writes it (the wire format it hashes)."""
    return float_to_wire(value.normalize())


def amount(value: Decimal) -> str:
    """Any other number (fees, PnL, balances), exact."""
    text_ = f"{value.normalize():f}"
    return "0.0" if text_ in ("0", "-0") else text_


def asset_of(instrument: SimInstrument) -> int:
    """The wire asset number the mock gave the instrument."""
    return int(instrument.meta["asset"])


def _side(side: OrderSide) -> str:
    return "B" if side is OrderSide.BUY else "A"


def venue_status(order: SimOrder) -> str:
    """The venue status of an order (``open``, ``filled``, ``canceled``, ``triggered``...)."""
    status = order.status
    if status is OrderStatus.FILLED:
        return "filled"
    if status is OrderStatus.CANCELED or status is OrderStatus.EXPIRED:
        return "canceled"
    if status is OrderStatus.REJECTED:
        return "rejected"
    if status is OrderStatus.TRIGGERED:
        return "triggered"
    return "open"


def render_order(order: SimOrder) -> dict[str, Any]:
    """A ``frontendOpenOrders`` item (also the ``order`` of ``orderStatus``)."""
    remaining = order.quantity - order.filled_qty
    is_trigger = order.trigger_price is not None
    tif = order.time_in_force
    record: dict[str, Any] = {
        "coin": order.symbol,
        "side": _side(order.side),
        "limitPx": text(
            order.price if order.price is not None else order.trigger_price or Decimal(0)
        ),
        "sz": text(remaining if remaining > 0 else Decimal(0)),
        "oid": int(order.venue_order_id),
        "timestamp": ms(order.ts_created),
        "triggerCondition": "N/A",
        "isTrigger": is_trigger,
        "triggerPx": text(order.trigger_price) if is_trigger else "0.0",
        "children": [],
        "isPositionTpsl": False,
        "reduceOnly": order.reduce_only,
        "orderType": ORDER_TYPE_TO_VENUE.get(order.order_type, "Limit"),
        "origSz": text(order.quantity),
        "tif": "Alo" if order.post_only else ("Ioc" if tif is TimeInForce.IOC else "Gtc"),
    }
    if order.order_type is OrderType.MARKET:
        record["orderType"] = "Limit"
        record["tif"] = "Ioc"
    if order.client_order_id:
        record["cloid"] = cloid_of(order.client_order_id)
    else:
        record["cloid"] = None
    return record


def render_fill(fill: SimFill, order: SimOrder | None) -> dict[str, Any]:
    """A fill (``userFills``, ``userFillsByTime``, the ``userFills`` stream)."""
    record: dict[str, Any] = {
        "coin": fill.symbol,
        "px": text(fill.price),
        "sz": text(fill.quantity),
        "side": _side(fill.side),
        "time": ms(fill.ts),
        "startPosition": "0.0",
        "dir": "Open Long" if fill.side is OrderSide.BUY else "Open Short",
        "closedPnl": amount(fill.realized_pnl or Decimal(0)),
        "hash": "0x" + format(int(fill.trade_id), "064x"),
        "oid": int(fill.venue_order_id),
        "crossed": fill.liquidity_side is LiquiditySide.TAKER,
        "fee": amount(fill.commission),
        "tid": int(fill.trade_id),
        "feeToken": fill.commission_asset or "USDC",
    }
    coid = fill.client_order_id or (order.client_order_id if order else None)
    if coid:
        record["cloid"] = cloid_of(coid)
    return record


def render_level(price: Decimal, size: Decimal) -> dict[str, Any]:
    """One ``l2Book`` / ``bbo`` level (``n`` is the number of orders; one per level here)."""
    return {"px": text(price), "sz": text(size), "n": 1}


def render_position(position: SimPosition, mark: Decimal | None) -> dict[str, Any]:
    """One ``clearinghouseState.assetPositions`` item (one-way mode)."""
    signed = position.quantity if position.side.value == "LONG" else -position.quantity
    value = abs(signed) * (mark or position.avg_entry_price)
    return {
        "type": "oneWay",
        "position": {
            "coin": position.symbol,
            "szi": text(signed),
            "entryPx": amount(position.avg_entry_price) if position.quantity else None,
            "positionValue": amount(value),
            "unrealizedPnl": amount(position.unrealized_pnl),
            "returnOnEquity": "0.0",
            "liquidationPx": None,
            "leverage": {"type": "cross", "value": 20},
            "marginUsed": amount(position.margin),
            "maxLeverage": 50,
            "cumFunding": {"allTime": "0.0", "sinceOpen": "0.0", "sinceChange": "0.0"},
        },
    }
