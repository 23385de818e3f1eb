"""Request builders for the Exchange API: checked locally before anything is sent.

A price off Betfair's ladder is refused here with the nearest valid prices named (the venue
would answer ``INVALID_ODDS``); stakes must be positive amounts to the penny.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.enums import OrderSide, OrderType, TimeInForce
from tradeport.model.numbers import Price
from tradeport.model.orders import Order

from tradeport_betfair.constants import (
    MAX_CUSTOMER_ORDER_REF,
    PRICE_LADDER,
    STAKE_PRECISION,
)
from tradeport_betfair.enums import PERSISTENCE_TO_WIRE, SIDE_TO_WIRE
from tradeport_betfair.symbology import parse_runner_symbol

__all__ = ["check_price", "nearest_prices", "place_instruction", "customer_order_ref", "iso_time"]


def nearest_prices(price: Decimal) -> tuple[Price, Price]:
    """The valid ladder prices just below and just above ``price`` (clamped to the ends)."""
    value = Price(price)
    below = PRICE_LADDER.round(value, OrderSide.BUY)
    above = PRICE_LADDER.round(value, OrderSide.SELL)
    return below, above


def check_price(price: Decimal, field: str = "price") -> Decimal:
    """``price`` if it is on the ladder, else ValidationError naming the nearest valid prices."""
    value = Price(price)
    if (
        value.as_decimal() < PRICE_LADDER.min_price.as_decimal()
        or value.as_decimal() > PRICE_LADDER.max_price.as_decimal()
    ):
        raise ValidationError(
            field,
            str(price),
            f"is off the Betfair ladder ({PRICE_LADDER.min_price} to {PRICE_LADDER.max_price})",
        )
    if not PRICE_LADDER.is_valid(value):
        below, above = nearest_prices(value.as_decimal())
        raise ValidationError(
            field,
            str(price),
            f"is not on the Betfair ladder; the nearest valid prices are {below} and {above}",
        )
    return value.as_decimal()


def _stake(order: Order) -> Decimal:
    stake = order.quantity.as_decimal()
    if stake <= 0 or stake != round(stake, STAKE_PRECISION):
        raise ValidationError(
            "quantity", str(order.quantity), "must be a positive stake in pennies"
        )
    return stake


def customer_order_ref(order: Order) -> str:
    """The client order id as ``customerOrderRef`` (at most 32 characters)."""
    ref = order.client_order_id.value
    if len(ref) > MAX_CUSTOMER_ORDER_REF:
        raise ValidationError(
            "client_order_id", ref, f"is longer than Betfair's {MAX_CUSTOMER_ORDER_REF} characters"
        )
    return ref


def place_instruction(order: Order) -> tuple[str, dict[str, Any]]:
    """``(market_id, PlaceInstruction)`` of ``order``.

    LIMIT + LAPSE/PERSIST is a limit order; LIMIT + AT_THE_CLOSE a LIMIT_ON_CLOSE bet (the
    price is the worst starting price accepted, the stake a back's stake or a lay's liability);
    MARKET + AT_THE_CLOSE a MARKET_ON_CLOSE bet (its quantity is the back stake or the lay
    liability, as Betfair defines it).
    """
    market_id, selection_id, handicap = parse_runner_symbol(order.instrument_id.symbol.value)
    stake = _stake(order)
    instruction: dict[str, Any] = {
        "selectionId": selection_id,
        "handicap": handicap,
        "side": SIDE_TO_WIRE[order.side],
        "customerOrderRef": customer_order_ref(order),
    }
    tif = order.time_in_force
    if order.order_type is OrderType.LIMIT and tif in (TimeInForce.LAPSE, TimeInForce.PERSIST):
        assert order.price is not None
        instruction["orderType"] = "LIMIT"
        instruction["limitOrder"] = {
            "size": stake,
            "price": check_price(order.price.as_decimal()),
            "persistenceType": PERSISTENCE_TO_WIRE[tif],
        }
    elif order.order_type is OrderType.LIMIT and tif is TimeInForce.AT_THE_CLOSE:
        assert order.price is not None
        instruction["orderType"] = "LIMIT_ON_CLOSE"
        instruction["limitOnCloseOrder"] = {
            "liability": stake,
            "price": check_price(order.price.as_decimal()),
        }
    elif order.order_type is OrderType.MARKET and tif is TimeInForce.AT_THE_CLOSE:
        instruction["orderType"] = "MARKET_ON_CLOSE"
        instruction["marketOnCloseOrder"] = {"liability": stake}
    else:
        raise ValidationError(
            "time_in_force",
            f"{order.order_type}/{tif}",
            "is not a Betfair bet (LIMIT with LAPSE, PERSIST or AT_THE_CLOSE; MARKET with AT_THE_CLOSE)",
        )
    return market_id, instruction


def iso_time(ts_ns: int) -> str:
    """A time as Betfair writes it: ISO 8601 UTC with milliseconds (``2021-03-15T14:59:12.000Z``)."""
    stamp = dt.datetime.fromtimestamp(ts_ns // 1_000_000 / 1000, tz=dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
