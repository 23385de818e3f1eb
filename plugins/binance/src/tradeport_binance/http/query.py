"""Query builders: tradeport orders and requests -> Binance's exact parameters (pure functions).

Parameters are ordered (name, value) pairs with Binance's names; prices and quantities travel
as the exact decimal strings of the instrument's precision, times in milliseconds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeport.errors import UnsupportedOperation, ValidationError
from tradeport.model.enums import OrderType, TimeInForce, TrailingOffsetType
from tradeport.model.numbers import Price
from tradeport.model.orders import Order, OrderList

from tradeport_binance.constants import VENUE_ID
from tradeport_binance.enums import (
    FUTURES_ORDER_TYPE_FROM_BINANCE,
    FUTURES_ORDER_TYPE_TO_BINANCE,
    POSITION_SIDE_TO_BINANCE,
    SIDE_TO_BINANCE,
    SPOT_ORDER_TYPE_TO_BINANCE,
    TIME_IN_FORCE_TO_BINANCE,
    BinanceAccountType,
)
from tradeport_binance.symbology import native_symbol

__all__ = [
    "new_order_params",
    "oco_params",
    "modify_order_params",
    "trailing_callback_rate",
    "ns_to_ms",
]

Params = list[tuple[str, Any]]
_TIF_TYPES = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED})
_ = FUTURES_ORDER_TYPE_FROM_BINANCE


def ns_to_ms(ns: int | None) -> int | None:
    """UNIX ns -> ms (Binance's unit), None kept."""
    return None if ns is None else ns // 1_000_000


def trailing_callback_rate(order: Order) -> Decimal:
    """Binance ``callbackRate`` (percent, 0.1-10 in 0.1 steps) of a trailing stop.

    The offset must be in basis points (1% = 100 bp) and a multiple of 10 bp.
    """
    if order.trailing_offset_type is not TrailingOffsetType.BASIS_POINTS:
        raise ValidationError(
            "trailing_offset_type",
            order.trailing_offset_type,
            "must be BASIS_POINTS for Binance (callbackRate is a percentage)",
        )
    assert order.trailing_offset is not None
    rate = order.trailing_offset / 100
    if not Decimal("0.1") <= rate <= Decimal("10") or rate % Decimal("0.1"):
        raise ValidationError(
            "trailing_offset",
            str(order.trailing_offset),
            "must be 10 to 1000 basis points in steps of 10 (callbackRate 0.1-10%)",
        )
    return rate.normalize()


def new_order_params(
    order: Order,
    account_type: BinanceAccountType,
    *,
    activation_price: Price | None = None,
) -> Params:
    """Parameters of ``POST /api/v3/order`` (or ``/fapi/v1/order``) for ``order``.

    Spot: LIMIT_MAKER for post-only; futures: GTX time in force for post-only, ``reduceOnly``,
    ``positionSide`` (hedge mode), GTD with ``goodTillDate``, trailing stops with
    ``callbackRate`` and ``activationPrice`` (the order's activation or trigger price, else
    ``activation_price`` from the last market price, as the integration guide prescribes).
    """
    futures = account_type.is_futures
    kind = order.order_type
    type_map = FUTURES_ORDER_TYPE_TO_BINANCE if futures else SPOT_ORDER_TYPE_TO_BINANCE
    if kind not in type_map:
        raise UnsupportedOperation(
            VENUE_ID, f"{kind} orders", f"not offered for {account_type} accounts"
        )
    binance_type = type_map[kind]
    tif = order.time_in_force
    if order.post_only:
        if futures:
            tif_text: str | None = "GTX"
        else:
            binance_type, tif_text = "LIMIT_MAKER", None
    elif kind in _TIF_TYPES:
        if tif not in TIME_IN_FORCE_TO_BINANCE or (tif is TimeInForce.GTD and not futures):
            raise UnsupportedOperation(
                VENUE_ID, f"time in force {tif}", f"not offered for {account_type} accounts"
            )
        tif_text = TIME_IN_FORCE_TO_BINANCE[tif]
    else:
        tif_text = None
    params: Params = [
        ("symbol", native_symbol(order.instrument_id)),
        ("side", SIDE_TO_BINANCE[order.side]),
        ("type", binance_type),
    ]
    if tif_text is not None:
        params.append(("timeInForce", tif_text))
    if order.quote_quantity:
        if futures:
            raise UnsupportedOperation(VENUE_ID, "quote quantity orders", "spot only")
        params.append(("quoteOrderQty", str(order.quantity)))
    else:
        params.append(("quantity", str(order.quantity)))
    if order.price is not None:
        params.append(("price", str(order.price)))
    if kind is OrderType.TRAILING_STOP_MARKET:
        if not futures:
            raise UnsupportedOperation(VENUE_ID, "TRAILING_STOP_MARKET", "futures only")
        activation = order.activation_price or order.trigger_price or activation_price
        if activation is None:
            raise ValidationError(
                "activation_price",
                None,
                "is required: give activation_price or trigger_price, or subscribe to quotes/trades",
            )
        params.append(("activationPrice", str(activation)))
        params.append(("callbackRate", str(trailing_callback_rate(order))))
    elif order.trigger_price is not None:
        params.append(("stopPrice", str(order.trigger_price)))
    if order.display_qty is not None:
        params.append(("icebergQty", str(order.display_qty)))
    if order.reduce_only:
        if not futures:
            raise UnsupportedOperation(VENUE_ID, "reduce-only orders", "futures only")
        params.append(("reduceOnly", "true"))
    if order.position_side is not None and futures:
        params.append(("positionSide", POSITION_SIDE_TO_BINANCE[order.position_side]))
    if tif is TimeInForce.GTD and futures:
        params.append(("goodTillDate", ns_to_ms(order.expire_time_ns)))
    if futures and order.trigger_type is not None and order.has_trigger:
        from tradeport.model.enums import TriggerType

        if order.trigger_type is TriggerType.MARK_PRICE:
            params.append(("workingType", "MARK_PRICE"))
        elif order.trigger_type in (TriggerType.LAST_PRICE, TriggerType.DEFAULT):
            params.append(("workingType", "CONTRACT_PRICE"))
    params.append(("newClientOrderId", order.client_order_id.value))
    params.append(("newOrderRespType", "RESULT"))
    return params


def modify_order_params(
    symbol: str,
    side: str,
    *,
    order_id: str | None,
    client_order_id: str | None,
    quantity: str,
    price: str,
) -> Params:
    """``PUT /fapi/v1/order``: futures LIMIT orders change price and quantity together."""
    return [
        ("symbol", symbol),
        ("orderId", order_id),
        ("origClientOrderId", client_order_id),
        ("side", side),
        ("quantity", quantity),
        ("price", price),
    ]


def oco_params(order_list: OrderList) -> Params:
    """``POST /api/v3/order/oco`` from a two-order list: a LIMIT (the limit-maker leg) and a
    STOP_MARKET or STOP_LIMIT (the stop leg), same side and quantity."""
    if len(order_list.orders) != 2:
        raise ValidationError(
            "orders", len(order_list.orders), "must be exactly two for a Binance OCO"
        )
    limits = [o for o in order_list.orders if o.order_type is OrderType.LIMIT]
    stops = [
        o
        for o in order_list.orders
        if o.order_type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)
    ]
    if len(limits) != 1 or len(stops) != 1:
        raise ValidationError(
            "orders",
            [o.order_type.value for o in order_list.orders],
            "must be one LIMIT and one STOP_MARKET/STOP_LIMIT",
        )
    limit, stop = limits[0], stops[0]
    if limit.side != stop.side or limit.quantity != stop.quantity:
        raise ValidationError(
            "orders", str(order_list.order_list_id), "legs must share side and quantity"
        )
    params: Params = [
        ("symbol", native_symbol(limit.instrument_id)),
        ("listClientOrderId", order_list.order_list_id.value),
        ("side", SIDE_TO_BINANCE[limit.side]),
        ("quantity", str(limit.quantity)),
        ("limitClientOrderId", limit.client_order_id.value),
        ("price", str(limit.price)),
        ("stopClientOrderId", stop.client_order_id.value),
        ("stopPrice", str(stop.trigger_price)),
    ]
    if stop.order_type is OrderType.STOP_LIMIT:
        params.append(("stopLimitPrice", str(stop.price)))
        params.append(("stopLimitTimeInForce", TIME_IN_FORCE_TO_BINANCE[stop.time_in_force]))
    params.append(("newOrderRespType", "RESULT"))
    return params
