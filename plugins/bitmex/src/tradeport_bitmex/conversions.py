"""Turning BitMEX JSON values into exact domain values.

BitMEX sends prices and sizes as JSON numbers. The clients decode them exactly
(``exact_numbers``: a number with a fraction is the Decimal of its text); a float (a payload
decoded elsewhere) is rebuilt from ``repr``, the shortest decimal that reads back as the same
float, and never computed with. Amounts in minor units (``XBt`` satoshis, ``USDt``, ``Gwei``)
become major-unit Money.
"""

from __future__ import annotations

import decimal
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Money, Price, Quantity

from tradeport_bitmex.enums import MINOR_UNITS

__all__ = [
    "currency_code",
    "decimal_of",
    "interval_ns",
    "minor_to_money",
    "parse_timestamp_ns",
    "precision_of",
    "price_of",
    "qty_of",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = timedelta(0)
_INTERVAL_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_HALF_EVEN = decimal.ROUND_HALF_EVEN


def decimal_of(value: Any) -> Decimal:
    """A JSON number (int, float or numeric string) as an exact Decimal of what was printed."""
    if value.__class__ is float:
        return Decimal(repr(value))
    if value.__class__ is int or value.__class__ is str:
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    raise ValueError(f"not a number: {value!r}")


def precision_of(value: Any) -> int:
    """Decimal places of a tick or lot size (``0.5`` -> 1, ``100`` -> 0, ``1e-08`` -> 8)."""
    exponent = decimal_of(value).normalize().as_tuple().exponent
    return max(-int(exponent), 0)


def price_of(instrument: Instrument, value: Any) -> Price:
    """A venue price at the instrument's precision (float noise rounded half-even)."""
    if value.__class__ is int:
        return instrument.make_price(value)
    text = repr(value) if value.__class__ is float else str(value)
    if "e" in text or "E" in text:
        return instrument.make_price(Decimal(text), _HALF_EVEN)
    try:
        return instrument.make_price(text)
    except ValueError:
        return instrument.make_price(Decimal(text), _HALF_EVEN)


def qty_of(instrument: Instrument, value: Any) -> Quantity:
    """A venue size (contracts) at the instrument's size precision."""
    if value.__class__ is int:
        return instrument.make_qty(value)
    return instrument.make_qty(decimal_of(value), _HALF_EVEN)


def currency_code(venue_currency: str) -> str:
    """The major-unit code of a BitMEX currency (``XBt`` -> ``XBT``)."""
    unit = MINOR_UNITS.get(venue_currency)
    return unit[0] if unit else venue_currency.upper()


def minor_to_money(amount: Any, venue_currency: str) -> Money:
    """An amount in the venue's currency unit as major-unit Money (``76`` XBt -> 0.00000076 XBT).

    Currencies BitMEX does not report in minor units are taken as they are.
    """
    unit = MINOR_UNITS.get(venue_currency)
    value = decimal_of(amount)
    if unit is None:
        return Money.from_decimal(value, venue_currency.upper())
    code, places = unit
    return Money.from_decimal(value.scaleb(-places), code, places, _HALF_EVEN)


#: UNIX ns at the start of each minute seen (``"2024-11-24T08:26:"``): every row carries a
#: timestamp, and a datetime parse per row cost more than the row's prices (bench_parse_streams).
_MINUTES: dict[str, int] = {}
_MINUTES_MAX = 4096


def parse_timestamp_ns(value: str) -> int:
    """``2024-11-24T08:26:22.356Z`` as UNIX nanoseconds."""
    # Fast path: BitMEX's own millisecond form, in a minute already parsed the full way:
    # seconds and milliseconds read as one int ("SSmmm"), seconds below 60.
    if value.__class__ is str and len(value) == 24 and value[23] == "Z":
        minute = _MINUTES.get(value[:17])  # "2024-11-24T08:26:"
        if minute is not None:
            digits = value[17:19] + value[20:23]
            if value[19] == "." and digits.isdigit() and digits.isascii() and digits < "6":
                return minute + int(digits) * 1_000_000
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    ns = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    if (  # remember the minute only of BitMEX's exact shape, the one the fast path reads
        len(value) == 24
        and value[4] + value[7] + value[10] + value[13] + value[16] + value[19] + value[23]
        == "--T::.Z"
        and moment.utcoffset() == _ZERO
    ):
        if len(_MINUTES) >= _MINUTES_MAX:
            _MINUTES.clear()
        _MINUTES[value[:17]] = ns - moment.second * 1_000_000_000 - moment.microsecond * 1_000
    return ns


def interval_ns(value: str) -> int:
    """A BitMEX interval (``2000-01-01T08:00:00.000Z`` is 8 hours after 2000-01-01) in ns."""
    delta = datetime.fromisoformat(value) - _INTERVAL_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
