"""Builders of Hyperliquid request bodies and actions (pure; exactly the venue's wire format).

The L1 action bytes are hashed as sent, so key order and number formatting matter: the
builders here produce dicts whose insertion order is the SDK's (``a, b, p, s, r, t, c`` for an
order; ``isMarket, triggerPx, tpsl`` for a trigger) and numbers as :func:`float_to_wire`
strings. Prices are checked against the venue's rules (5 significant figures, at most
``6 - szDecimals`` decimals for perps / ``8 - szDecimals`` for spot) before anything is signed:
a price the venue would refuse is a ValidationError naming the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal
from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.data import BarType
from tradeport.model.enums import BarAggregation, OrderSide, OrderType, TimeInForce
from tradeport.model.instruments import Instrument
from tradeport.model.orders import Order

from tradeport_hyperliquid.constants import (
    MAX_SIGNIFICANT_FIGURES,
    PERP_MAX_DECIMALS,
    SPOT_MAX_DECIMALS,
)
from tradeport_hyperliquid.enums import CANDLE_INTERVALS, TRIGGER_KIND, HyperliquidTif
from tradeport_hyperliquid.symbology import cloid_of

__all__ = [
    "float_to_wire",
    "float_to_int_for_hashing",
    "limit_order_type",
    "trigger_order_type",
    "order_wire",
    "order_action",
    "cancel_action",
    "cancel_by_cloid_action",
    "batch_modify_action",
    "schedule_cancel_action",
    "max_price_decimals",
    "check_price",
    "round_price",
    "slippage_price",
    "order_to_wire",
    "candle_interval",
    "interval_ms",
    "ns_to_ms",
]

_EIGHT = Decimal("0.00000001")


def float_to_wire(value: Decimal | int | str) -> str:
    """A price or size as the venue hashes it: at most 8 decimals, normalised, no trailing
    zeros, ``-0`` as ``0`` (the SDK's ``float_to_wire``, on exact decimals)."""
    number = Decimal(value)
    rounded = number.quantize(_EIGHT, rounding=ROUND_HALF_EVEN)
    if rounded != number:
        raise ValueError(f"float_to_wire causes rounding: {value}")
    text = f"{rounded.normalize():f}"
    return "0" if text in ("-0", "0") else text


def float_to_int_for_hashing(value: Decimal | int | str) -> int:
    """``value * 10**8`` as an int (refused when that would round), as the SDK hashes it."""
    scaled = Decimal(value) * 100_000_000
    if scaled != scaled.to_integral_value():
        raise ValueError(f"float_to_int causes rounding: {value}")
    return int(scaled)


def limit_order_type(tif: str) -> dict[str, Any]:
    """``{"limit": {"tif": "Gtc"|"Ioc"|"Alo"}}``."""
    return {"limit": {"tif": HyperliquidTif(tif).value}}


def trigger_order_type(trigger_price: Decimal, is_market: bool, tpsl: str) -> dict[str, Any]:
    """``{"trigger": {"isMarket", "triggerPx", "tpsl"}}`` (that key order)."""
    if tpsl not in ("tp", "sl"):
        raise ValidationError("tpsl", tpsl, "must be 'tp' or 'sl'")
    return {
        "trigger": {
            "isMarket": is_market,
            "triggerPx": float_to_wire(trigger_price),
            "tpsl": tpsl,
        }
    }


def order_wire(
    asset: int,
    is_buy: bool,
    price: Decimal,
    size: Decimal,
    reduce_only: bool,
    order_type: Mapping[str, Any],
    cloid: str | None = None,
) -> dict[str, Any]:
    """One order of an ``order`` action: ``{"a","b","p","s","r","t"[,"c"]}``."""
    wire: dict[str, Any] = {
        "a": asset,
        "b": is_buy,
        "p": float_to_wire(price),
        "s": float_to_wire(size),
        "r": reduce_only,
        "t": dict(order_type),
    }
    if cloid is not None:
        wire["c"] = cloid
    return wire


def order_action(orders: Sequence[Mapping[str, Any]], grouping: str = "na") -> dict[str, Any]:
    """``{"type": "order", "orders": [...], "grouping": "na"}``."""
    return {"type": "order", "orders": list(orders), "grouping": grouping}


def cancel_action(cancels: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """``{"type": "cancel", "cancels": [{"a": asset, "o": oid}]}``."""
    return {"type": "cancel", "cancels": [{"a": a, "o": o} for a, o in cancels]}


def cancel_by_cloid_action(cancels: Sequence[tuple[int, str]]) -> dict[str, Any]:
    """``{"type": "cancelByCloid", "cancels": [{"asset": asset, "cloid": cloid}]}``."""
    return {"type": "cancelByCloid", "cancels": [{"asset": a, "cloid": c} for a, c in cancels]}


def batch_modify_action(modifies: Sequence[tuple[int | str, Mapping[str, Any]]]) -> dict[str, Any]:
    """``{"type": "batchModify", "modifies": [{"oid": oid|cloid, "order": wire}]}``."""
    return {
        "type": "batchModify",
        "modifies": [{"oid": oid, "order": dict(order)} for oid, order in modifies],
    }


def schedule_cancel_action(time_ms: int | None) -> dict[str, Any]:
    """The dead-man switch: cancel every open order at ``time_ms`` (None: unset it)."""
    action: dict[str, Any] = {"type": "scheduleCancel"}
    if time_ms is not None:
        action["time"] = time_ms
    return action


# -- prices -------------------------------------------------------------------------------------


def _is_spot(instrument: Instrument) -> bool:
    return instrument.product_type.value == "SPOT"


def max_price_decimals(instrument: Instrument) -> int:
    """``6 - szDecimals`` for perps, ``8 - szDecimals`` for spot."""
    top = SPOT_MAX_DECIMALS if _is_spot(instrument) else PERP_MAX_DECIMALS
    return max(top - int(instrument.info.get("szDecimals", instrument.size_precision)), 0)


def _significant(value: Decimal) -> int:
    digits = value.normalize().as_tuple().digits
    return len(digits)


def check_price(instrument: Instrument, price: Decimal, field: str = "price") -> None:
    """Raise ValidationError unless ``price`` follows the venue's price rules."""
    if price <= 0:
        raise ValidationError(field, str(price), "must be positive")
    decimals = max(0, -int(price.normalize().as_tuple().exponent))
    limit = max_price_decimals(instrument)
    if decimals > limit:
        raise ValidationError(
            field, str(price), f"has more than {limit} decimals (Hyperliquid price rule)"
        )
    if price != price.to_integral_value() and _significant(price) > MAX_SIGNIFICANT_FIGURES:
        raise ValidationError(
            field, str(price), "has more than 5 significant figures (Hyperliquid price rule)"
        )


def round_price(instrument: Instrument, price: Decimal, *, up: bool) -> Decimal:
    """``price`` rounded (up or down) to 5 significant figures and the allowed decimals."""
    rounding = ROUND_UP if up else ROUND_DOWN
    adjusted = price.adjusted()  # exponent of the leading digit
    sig_step = Decimal(1).scaleb(adjusted - MAX_SIGNIFICANT_FIGURES + 1)
    dec_step = Decimal(1).scaleb(-max_price_decimals(instrument))
    step = max(sig_step, dec_step)
    if step < 1:
        return price.quantize(step, rounding=rounding)
    # Integer prices are always allowed: no rounding beyond units.
    return price.quantize(Decimal(1), rounding=rounding)


def slippage_price(
    instrument: Instrument, mid: Decimal, side: OrderSide, slippage: Decimal
) -> Decimal:
    """The IOC limit a MARKET order is sent with: ``mid * (1 +/- slippage)``, rounded outwards
    to a valid price (the SDK's ``_slippage_price``)."""
    buy = side is OrderSide.BUY
    raw = mid * (1 + slippage) if buy else mid * (1 - slippage)
    return round_price(instrument, raw, up=buy)


def order_to_wire(
    order: Order,
    instrument: Instrument,
    *,
    market_price: Decimal | None = None,
    slippage: Decimal,
) -> dict[str, Any]:
    """The wire order of a tradeport order on ``instrument``.

    LIMIT: ``Gtc``, ``Ioc``, or ``Alo`` when post-only. MARKET: an ``Ioc`` limit at
    ``market_price`` (the slippage-bounded price, see :func:`slippage_price`). Stops and
    if-touched orders: trigger orders (``sl`` / ``tp``); a market trigger carries a limit
    ``slippage`` through its trigger price, as the venue requires a price on every order.
    """
    asset = int(instrument.info["asset"])
    is_buy = order.side is OrderSide.BUY
    size = order.quantity.as_decimal()
    if size <= 0:
        raise ValidationError("quantity", str(order.quantity), "must be positive")
    if size != size.quantize(instrument.size_increment.as_decimal()):
        raise ValidationError(
            "quantity", str(order.quantity), f"has more than {instrument.size_precision} decimals"
        )
    cloid = cloid_of(order.client_order_id)
    kind = order.order_type
    tif = order.time_in_force
    if kind is OrderType.MARKET:
        if market_price is None:
            raise ValidationError("price", "None", "a market order needs its slippage bound")
        if tif not in (TimeInForce.IOC, TimeInForce.GTC):
            raise ValidationError("time_in_force", tif.value, "market orders are IOC")
        return order_wire(
            asset, is_buy, market_price, size, order.reduce_only, limit_order_type("Ioc"), cloid
        )
    if kind is OrderType.LIMIT:
        assert order.price is not None
        price = order.price.as_decimal()
        check_price(instrument, price)
        if order.post_only:
            if tif is not TimeInForce.GTC:
                raise ValidationError("time_in_force", tif.value, "post-only (ALO) rests: GTC")
            venue_tif = "Alo"
        elif tif is TimeInForce.GTC:
            venue_tif = "Gtc"
        elif tif is TimeInForce.IOC:
            venue_tif = "Ioc"
        else:
            raise ValidationError("time_in_force", tif.value, "Hyperliquid has GTC, IOC, ALO")
        return order_wire(
            asset, is_buy, price, size, order.reduce_only, limit_order_type(venue_tif), cloid
        )
    if kind in TRIGGER_KIND:
        tpsl, is_market = TRIGGER_KIND[kind]
        assert order.trigger_price is not None
        trigger = order.trigger_price.as_decimal()
        check_price(instrument, trigger, "trigger_price")
        if is_market:
            price = slippage_price(instrument, trigger, order.side, slippage)
        else:
            assert order.price is not None
            price = order.price.as_decimal()
            check_price(instrument, price)
        return order_wire(
            asset,
            is_buy,
            price,
            size,
            order.reduce_only,
            trigger_order_type(trigger, is_market, tpsl),
            cloid,
        )
    raise ValidationError("order_type", kind.value, "is not offered by Hyperliquid")


# -- history --------------------------------------------------------------------------------------

_AGGREGATION_UNITS = {
    BarAggregation.MINUTE: "m",
    BarAggregation.HOUR: "h",
    BarAggregation.DAY: "d",
    BarAggregation.WEEK: "w",
}


def candle_interval(bar_type: BarType) -> str:
    """The venue's candle interval of a bar type (``1-MINUTE`` -> ``1m``, ``1-DAY`` -> ``1d``)."""
    unit = _AGGREGATION_UNITS.get(bar_type.spec.aggregation)
    interval = f"{bar_type.spec.step}{unit}" if unit else ""
    if interval not in CANDLE_INTERVALS:
        raise ValidationError(
            "bar_type",
            str(bar_type),
            f"has no Hyperliquid interval ({', '.join(CANDLE_INTERVALS)})",
        )
    return interval


def interval_ms(bar_type: BarType) -> int:
    """The bar length in milliseconds."""
    return CANDLE_INTERVALS[candle_interval(bar_type)]


def ns_to_ms(value: int) -> int:
    """UNIX nanoseconds as venue milliseconds."""
    return value // 1_000_000
