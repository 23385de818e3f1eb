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
    "trailing_activation_price",
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

    As the integration guide says: ``trailing_offset_type`` BASIS_POINTS (the default of
    ``Order.trailing_stop_market``) and ``trailing_offset`` in basis points, 100 = 1%; the
    offset must be a multiple of 10 bp. Anything else is refused naming the field and value.
    """
    if order.trailing_offset_type is not TrailingOffsetType.BASIS_POINTS:
        raise ValidationError(
            "trailing_offset_type",
            str(order.trailing_offset_type),
            "must be BASIS_POINTS (the default) for a Binance trailing stop: trailing_offset "
            "is in basis points, e.g. 100 for a 1% callbackRate",
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


def trailing_activation_price(order: Order, inferred: Price | None) -> Price:
    """``activationPrice`` of a futures TRAILING_STOP_MARKET, by the integration guide's rules.

    The order's ``trigger_price`` when set (the guide: it acts as the activation price); else
    the model's ``activation_price`` (the same thing under the core's name; both set must
    agree); else ``inferred`` from the latest subscribed quote or trade (the execution client
    passes it). Without any of these the order is refused locally.
    """
    trigger, explicit = order.trigger_price, order.activation_price
    if trigger is not None and explicit is not None and trigger != explicit:
        raise ValidationError(
            "activation_price",
            str(explicit),
            f"differs from trigger_price {trigger}; for a Binance trailing stop trigger_price "
            "is the activation price: set one of them",
        )
    activation = trigger if trigger is not None else explicit
    if activation is None:
        activation = inferred
    if activation is None:
        raise ValidationError(
            "trigger_price",
            None,
            "is required for a Binance TRAILING_STOP_MARKET unless the activation price can be "
            f"inferred: set trigger_price, or subscribe to quotes or trades for "
            f"{order.instrument_id} first",
        )
    return activation


def new_order_params(
    order: Order,
    account_type: BinanceAccountType,
    *,
    activation_price: Price | None = None,
) -> Params:
    """Parameters of ``POST /api/v3/order`` (or ``/fapi/v1/order``) for ``order``.

    Spot: LIMIT_MAKER for post-only; futures: GTX time in force for post-only, ``reduceOnly``,
    ``positionSide`` (hedge mode), GTD with ``goodTillDate``, trailing stops with
    ``callbackRate`` and ``activationPrice`` (see :func:`trailing_activation_price`;
    ``activation_price`` is the one inferred from the latest subscribed quote or trade).
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
        # GTD exists on USD-M only (COIN-M's timeInForce enum is GTC, IOC, FOK, GTX).
        gtd_refused = account_type is not BinanceAccountType.USDT_FUTURE
        if tif not in TIME_IN_FORCE_TO_BINANCE or (tif is TimeInForce.GTD and gtd_refused):
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
        # The offset first: a bad offset is the clearer error whatever the price source.
        rate = trailing_callback_rate(order)
        params.append(("activationPrice", str(trailing_activation_price(order, activation_price))))
        params.append(("callbackRate", str(rate)))
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
    if tif is TimeInForce.GTD and account_type is BinanceAccountType.USDT_FUTURE:
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
