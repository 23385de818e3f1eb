"""Builders for Bybit request parameters and bodies (pure; exactly the venue's names and units).

Prices and sizes travel as strings of the instrument's precision; times in milliseconds.
"""

from __future__ import annotations

from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.data import BarType
from tradeport.model.enums import BarAggregation, OrderType, PositionSide, TriggerType
from tradeport.model.orders import Order

from tradeport_bybit.enums import (
    ORDER_SIDE_TO_VENUE,
    ORDER_TYPE_TO_VENUE,
    TIME_IN_FORCE_TO_VENUE,
    TRIGGER_TO_VENUE,
    BybitCategory,
)
from tradeport_bybit.symbology import category_and_symbol

__all__ = [
    "kline_interval",
    "interval_ms",
    "place_order_body",
    "amend_order_body",
    "cancel_order_body",
    "ns_to_ms",
]

_MINUTE = 60_000
#: Bybit's kline intervals and their length in milliseconds (``M`` is calendar-variable).
_INTERVALS: dict[tuple[BarAggregation, int], tuple[str, int]] = {
    **{(BarAggregation.MINUTE, m): (str(m), m * _MINUTE) for m in (1, 3, 5, 15, 30)},
    **{(BarAggregation.HOUR, h): (str(h * 60), h * 60 * _MINUTE) for h in (1, 2, 4, 6, 12)},
    **{(BarAggregation.MINUTE, m): (str(m), m * _MINUTE) for m in (60, 120, 240, 360, 720)},
    (BarAggregation.DAY, 1): ("D", 1440 * _MINUTE),
    (BarAggregation.WEEK, 1): ("W", 7 * 1440 * _MINUTE),
}


def ns_to_ms(value: int) -> int:
    """UNIX nanoseconds as Bybit milliseconds."""
    return value // 1_000_000


def kline_interval(bar_type: BarType) -> str:
    """Bybit's ``interval`` for a bar type (``1-MINUTE-LAST`` -> ``"1"``, ``1-DAY`` -> ``"D"``)."""
    key = (bar_type.spec.aggregation, bar_type.spec.step)
    if key not in _INTERVALS:
        raise ValidationError(
            "bar_type",
            str(bar_type),
            "has no Bybit kline interval (1,3,5,15,30,60,120,240,360,720,D,W)",
        )
    return _INTERVALS[key][0]


def interval_ms(bar_type: BarType) -> int:
    """The bar length in milliseconds."""
    kline_interval(bar_type)
    return _INTERVALS[(bar_type.spec.aggregation, bar_type.spec.step)][1]


def _position_idx(order: Order, category: BybitCategory, hedge_mode: bool) -> int | None:
    if category in (BybitCategory.SPOT, BybitCategory.OPTION):
        return None
    if not hedge_mode:
        return 0
    # Hedge mode: 1 is the long (buy-side) leg, 2 the short leg.
    side = order.position_side
    if side is PositionSide.LONG:
        return 1
    if side is PositionSide.SHORT:
        return 2
    # Without an explicit leg: opening buys go long, reduce-only buys close the short.
    buy = order.side.value == "BUY"
    return (2 if buy else 1) if order.reduce_only else (1 if buy else 2)


def place_order_body(order: Order, *, hedge_mode: bool = False) -> dict[str, Any]:
    """The JSON body of ``POST /v5/order/create`` for ``order``.

    Stop and if-touched orders become conditional orders (``triggerPrice`` with a
    ``triggerDirection``: 1 fires on a rise, 2 on a fall). Post-only is ``timeInForce``
    ``PostOnly``.
    """
    category, symbol = category_and_symbol(order.instrument_id)
    kind = order.order_type
    if kind not in ORDER_TYPE_TO_VENUE:
        raise ValidationError("order_type", kind.value, "is not supported by Bybit")
    body: dict[str, Any] = {
        "category": category.value,
        "symbol": symbol,
        "side": ORDER_SIDE_TO_VENUE[order.side],
        "orderType": ORDER_TYPE_TO_VENUE[kind],
        "qty": str(order.quantity),
    }
    if order.price is not None and kind in (
        OrderType.LIMIT,
        OrderType.STOP_LIMIT,
        OrderType.LIMIT_IF_TOUCHED,
    ):
        body["price"] = str(order.price)
    if order.post_only:
        body["timeInForce"] = "PostOnly"
    elif kind in (OrderType.MARKET, OrderType.STOP_MARKET, OrderType.MARKET_IF_TOUCHED):
        body["timeInForce"] = "IOC"  # the venue always runs market orders as IOC
    else:
        tif = order.time_in_force
        if tif not in TIME_IN_FORCE_TO_VENUE:
            raise ValidationError(
                "time_in_force", tif.value, "is not supported by Bybit (GTC, IOC, FOK, post-only)"
            )
        body["timeInForce"] = TIME_IN_FORCE_TO_VENUE[tif]
    if order.trigger_price is not None:
        buy = order.side.value == "BUY"
        stop = kind in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)
        rises = buy if stop else not buy
        body["triggerPrice"] = str(order.trigger_price)
        if category is BybitCategory.SPOT:
            body["orderFilter"] = "StopOrder"
        else:
            body["triggerDirection"] = 1 if rises else 2
            body["triggerBy"] = TRIGGER_TO_VENUE[order.trigger_type or TriggerType.LAST_PRICE]
    if order.reduce_only:
        body["reduceOnly"] = True
    if category is BybitCategory.SPOT and kind is OrderType.MARKET:
        # Quantities are in the base coin unless the order says quote (Bybit's default for
        # spot market buys is the quote coin, so say which).
        body["marketUnit"] = "quoteCoin" if order.quote_quantity else "baseCoin"
    idx = _position_idx(order, category, hedge_mode)
    if idx is not None:
        body["positionIdx"] = idx
    body["orderLinkId"] = order.client_order_id.value
    for tag in order.tags:
        # Optional TP/SL attached at placement: tags "takeProfit=..." / "stopLoss=...".
        key, sep, value = tag.partition("=")
        if sep and key in (
            "takeProfit",
            "stopLoss",
            "tpTriggerBy",
            "slTriggerBy",
            "tpslMode",
            "tpLimitPrice",
            "slLimitPrice",
            "tpOrderType",
            "slOrderType",
        ):
            body[key] = value
    return body


def _order_ref(
    body: dict[str, Any], client_order_id: str | None, venue_order_id: str | None
) -> dict[str, Any]:
    if venue_order_id:
        body["orderId"] = venue_order_id
    elif client_order_id:
        body["orderLinkId"] = client_order_id
    else:
        raise ValidationError("order", None, "needs a client or venue order id")
    return body


def amend_order_body(
    category: BybitCategory,
    symbol: str,
    *,
    client_order_id: str | None = None,
    venue_order_id: str | None = None,
    qty: str | None = None,
    price: str | None = None,
    trigger_price: str | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST /v5/order/amend``."""
    body = _order_ref(
        {"category": category.value, "symbol": symbol}, client_order_id, venue_order_id
    )
    for key, value in (("qty", qty), ("price", price), ("triggerPrice", trigger_price)):
        if value is not None:
            body[key] = value
    return body


def cancel_order_body(
    category: BybitCategory,
    symbol: str,
    *,
    client_order_id: str | None = None,
    venue_order_id: str | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST /v5/order/cancel``."""
    return _order_ref(
        {"category": category.value, "symbol": symbol}, client_order_id, venue_order_id
    )
