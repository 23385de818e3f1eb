"""Request bodies and parameters of the INTX REST API, built from tradeport orders.

``POST /api/v1/orders`` (docs: Orders > Create order): ``client_order_id``, ``side`` BUY|SELL,
``size``, ``tif`` GTC|IOC|FOK|GTT, ``instrument``, ``type`` LIMIT|MARKET|STOP|STOP_LIMIT|
TAKE_PROFIT_STOP_LOSS, ``price``, ``stop_price``, ``stop_limit_price``, ``expire_time``
(RFC 3339, GTT), ``portfolio``, ``stp_mode``, ``post_only``, ``close_only``.

Client order ids: the venue needs a UUID; tradeport ids that are UUIDs go as they are, any
other id is mapped to the UUID5 of it in a fixed namespace (:func:`venue_client_order_id`),
so the same tradeport id always gives the same venue id and the mapping needs no state.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from tradeport.errors import ValidationError
from tradeport.model.enums import OrderType, TimeInForce
from tradeport.model.orders import Order

from tradeport_coinbase_intx.constants import VENUE_NAME

__all__ = ["STP_MODES", "order_body", "modify_body", "rfc3339", "venue_client_order_id"]

#: The venue's self-trade prevention modes.
STP_MODES: Final = ("NONE", "AGGRESSING", "RESTING", "BOTH", "DECREMENT")
_NAMESPACE: Final = uuid.UUID("0b5e3f4c-6d2a-4c8e-9f31-7a2d5c1e8b40")
_TYPES: Final = {
    OrderType.LIMIT: "LIMIT",
    OrderType.MARKET: "MARKET",
    OrderType.STOP_MARKET: "STOP",
    OrderType.STOP_LIMIT: "STOP_LIMIT",
}
_TIFS: Final = {
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
    TimeInForce.GTD: "GTT",
}


def venue_client_order_id(client_order_id: str) -> str:
    """The UUID the venue gets for a tradeport client order id."""
    try:
        return str(uuid.UUID(client_order_id))
    except ValueError:
        return str(uuid.uuid5(_NAMESPACE, client_order_id))


def rfc3339(ns: int) -> str:
    """UNIX nanoseconds as ``2023-11-07T05:31:56.123Z``."""
    moment = datetime.fromtimestamp(ns / 1e9, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _text(value: Decimal | Any) -> str:
    return format(value.as_decimal() if hasattr(value, "as_decimal") else Decimal(value), "f")


def order_body(
    order: Order,
    symbol: str,
    portfolio: str | None,
    *,
    stp_mode: str | None = None,
    take_profit_price: Any = None,
) -> dict[str, Any]:
    """The create-order body. ``take_profit_price`` with a stop-limit order makes it the
    venue's TAKE_PROFIT_STOP_LOSS (``price`` the take profit, ``stop_price`` and
    ``stop_limit_price`` the stop loss)."""
    kind = _TYPES.get(order.order_type)
    if kind is None:
        raise ValidationError(f"{VENUE_NAME}.order_type", order.order_type, "is not offered")
    tif = _TIFS.get(order.time_in_force)
    if tif is None:
        raise ValidationError(f"{VENUE_NAME}.time_in_force", order.time_in_force, "is not offered")
    if stp_mode is not None and stp_mode not in STP_MODES:
        raise ValidationError(f"{VENUE_NAME}.stp_mode", stp_mode, f"must be one of {STP_MODES}")
    body: dict[str, Any] = {
        "client_order_id": venue_client_order_id(order.client_order_id.value),
        "side": order.side.value,
        "size": _text(order.quantity),
        "tif": tif,
        "instrument": symbol,
        "type": kind,
    }
    if portfolio:
        body["portfolio"] = portfolio
    price = getattr(order, "price", None)
    trigger = getattr(order, "trigger_price", None)
    if kind == "STOP_LIMIT" and take_profit_price is not None:
        body["type"] = "TAKE_PROFIT_STOP_LOSS"
        body["price"] = _text(take_profit_price)
        body["stop_price"] = _text(trigger)
        body["stop_limit_price"] = _text(price)
    else:
        if kind in ("LIMIT",) and price is not None:
            body["price"] = _text(price)
        if kind == "STOP_LIMIT":
            body["stop_price"] = _text(trigger)
            body["stop_limit_price"] = _text(price)
        if kind == "STOP":
            body["stop_price"] = _text(trigger)
    if order.time_in_force is TimeInForce.GTD:
        if not order.expire_time_ns:
            raise ValidationError(f"{VENUE_NAME}.expire_time", None, "is required for GTD (GTT)")
        body["expire_time"] = rfc3339(order.expire_time_ns)
    if getattr(order, "post_only", False):
        body["post_only"] = True
    if order.reduce_only:
        body["close_only"] = True
    if stp_mode is not None:
        body["stp_mode"] = stp_mode
    return body


def modify_body(
    portfolio: str | None, client_order_id: str, quantity: Any, price: Any, trigger_price: Any
) -> dict[str, Any]:
    """``PUT /api/v1/orders/{id}``: the new size, price or stop price."""
    body: dict[str, Any] = {"client_order_id": client_order_id}
    if portfolio:
        body["portfolio"] = portfolio
    if quantity is not None:
        body["size"] = _text(quantity)
    if price is not None:
        body["price"] = _text(price)
    if trigger_price is not None:
        body["stop_price"] = _text(trigger_price)
    return body
