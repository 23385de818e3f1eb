"""Order amounts and request bodies: exactly the venue's fields, units and rounding.

Pure functions, so a test can check every number without a network (the mock venue checks
them too). Amounts follow the official client (py-clob-client-v2 ``OrderBuilder``): per tick
size a price, size and amount precision (0.1 -> 1/2/3, 0.01 -> 2/2/4, 0.001 -> 3/2/5,
0.0001 -> 4/2/6 decimals); a limit order's size is rounded down, its notional rounded so it
has at most the amount precision; a market BUY is a collateral notional, a market SELL a
number of shares, both at a worst price rounded down. Amounts go out as integers of 1e-6.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from math import ceil, floor
from typing import Any, Final

from tradeport.errors import ValidationError
from tradeport.model.enums import OrderSide

__all__ = ["ROUNDING", "limit_amounts", "market_amounts", "rounding_of"]

#: Tick size -> (price, size, amount) decimals.
ROUNDING: Final = {
    "0.1": (1, 2, 3),
    "0.01": (2, 2, 4),
    "0.001": (3, 2, 5),
    "0.0001": (4, 2, 6),
}
_UNITS: Final = 10**6


def rounding_of(tick_size: Decimal | str) -> tuple[int, int, int]:
    """The (price, size, amount) decimals of a tick size the venue uses."""
    key = format(Decimal(str(tick_size)).normalize(), "f")
    if key not in ROUNDING:
        raise ValidationError("tick_size", str(tick_size), f"is not one of {', '.join(ROUNDING)}")
    return ROUNDING[key]


# -- exact decimal arithmetic ---------------------------------------------------------------------


def _quantize(x: Decimal, places: int, rounding: str) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def _places(x: Decimal) -> int:
    return max(0, -int(x.normalize().as_tuple().exponent))


def _fit(x: Decimal, amount: int) -> Decimal:
    if _places(x) > amount:
        x = _quantize(x, amount + 4, ROUND_CEILING)
        if _places(x) > amount:
            x = _quantize(x, amount, ROUND_FLOOR)
    return x


def _units(x: Decimal) -> int:
    return int(_quantize(x * _UNITS, 0, ROUND_HALF_EVEN))


# -- the official client's float arithmetic, step for step ---------------------------------------


def _f_round_down(x: float, places: int) -> float:
    return floor(x * (10**places)) / (10**places)


def _f_round_normal(x: float, places: int) -> float:
    return round(x * (10**places)) / (10**places)


def _f_round_up(x: float, places: int) -> float:
    return ceil(x * (10**places)) / (10**places)


def _f_places(x: float) -> int:
    return abs(int(Decimal(str(x)).as_tuple().exponent))


def _f_fit(x: float, amount: int) -> float:
    if _f_places(x) > amount:
        x = _f_round_up(x, amount + 4)
        if _f_places(x) > amount:
            x = _f_round_down(x, amount)
    return x


def _f_units(x: float) -> int:
    scaled = _UNITS * x
    if _f_places(scaled) > 0:
        scaled = _f_round_normal(scaled, 0)
    return int(scaled)


def limit_amounts(
    side: OrderSide, size: Decimal, price: Decimal, tick_size: Decimal | str, *, mode: str = "sdk"
) -> tuple[int, int]:
    """(makerAmount, takerAmount) of a limit order: a BUY gives collateral for shares, a SELL
    shares for collateral."""
    price_dp, size_dp, amount_dp = rounding_of(tick_size)
    if mode == "exact":
        px = _quantize(price, price_dp, ROUND_HALF_EVEN)
        shares = _quantize(size, size_dp, ROUND_FLOOR)
        notional = _fit(shares * px, amount_dp)
        pair = (_units(notional), _units(shares))
    else:
        fpx = _f_round_normal(float(price), price_dp)
        fshares = _f_round_down(float(size), size_dp)
        pair = (_f_units(_f_fit(fshares * fpx, amount_dp)), _f_units(fshares))
    return pair if side is OrderSide.BUY else (pair[1], pair[0])


def market_amounts(
    side: OrderSide, amount: Decimal, price: Decimal, tick_size: Decimal | str, *, mode: str = "sdk"
) -> tuple[int, int]:
    """(makerAmount, takerAmount) of a market order: ``amount`` is the collateral to spend for
    a BUY and the shares to sell for a SELL; ``price`` the worst acceptable price."""
    price_dp, size_dp, amount_dp = rounding_of(tick_size)
    if mode == "exact":
        px = _quantize(price, price_dp, ROUND_FLOOR)
        given = _quantize(amount, size_dp, ROUND_FLOOR)
        if not px:
            raise ValidationError("price", str(price), "must be at least one tick")
        other = _fit(given / px if side is OrderSide.BUY else given * px, amount_dp)
        return _units(given), _units(other)
    fpx = _f_round_down(float(price), price_dp)
    if not fpx:
        raise ValidationError("price", str(price), "must be at least one tick")
    fgiven = _f_round_down(float(amount), size_dp)
    fother = _f_fit(fgiven / fpx if side is OrderSide.BUY else fgiven * fpx, amount_dp)
    return _f_units(fgiven), _f_units(fother)


def page_params(cursor: str, **filters: Any) -> list[tuple[str, Any]]:
    """Query of a cursor-paged CLOB endpoint: the filters given, then ``next_cursor``."""
    return [*((k, v) for k, v in filters.items() if v is not None), ("next_cursor", cursor)]
