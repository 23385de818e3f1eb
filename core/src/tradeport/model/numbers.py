"""Exact fixed-point numbers: :class:`Price`, :class:`Quantity` and :class:`Money`.

A value is an ``int`` ``raw`` scaled by ``10 ** precision``: ``Price.from_str("100.50")`` holds
``raw=10050, precision=2`` and prints ``"100.50"``. The precision a venue sends is kept, floats are
refused, and arithmetic is exact.

These are plain ``__slots__`` classes rather than attrs classes because venue parsers build
millions of them from strings: ``from_str`` parses with two C-level string checks and one
``int()`` call and skips ``__init__`` (see ``bench/bench_model.py``). Instances are immutable
(assignment raises) and hashable; equal values hash equal across precisions and to the equal
``int`` / ``Decimal``, following Python's numeric hash.
"""

from __future__ import annotations

import decimal
import sys
from decimal import Decimal
from typing import Any, ClassVar, Self

from tradeport.errors import ValidationError

__all__ = [
    "MAX_PRECISION",
    "NumberTypeError",
    "Price",
    "Quantity",
    "Money",
]

#: Largest number of decimal places a value may carry (18 covers wei-denominated tokens).
MAX_PRECISION = 18

_POW10: tuple[int, ...] = tuple(10**i for i in range(MAX_PRECISION + 1))
# Python's numeric hash of p / 10**k is p * inverse(10**k) modulo this prime; precomputing the
# inverses keeps hash(Price) cheap and equal to hash(Decimal) of the same value.
_HASH_MODULUS = sys.hash_info.modulus
_HASH_INV_POW10: tuple[int, ...] = tuple(
    pow(10, -i, _HASH_MODULUS) for i in range(MAX_PRECISION + 1)
)
# Enough precision that scaling and multiplying never round.
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
_new = object.__new__


class NumberTypeError(ValidationError, TypeError):
    """A number was given as the wrong type (a ``float`` above all); both a ValidationError and
    a TypeError so either ``except`` catches it."""


def _reject_type(field: str, value: object) -> NumberTypeError:
    if isinstance(value, float):
        problem = "is a float; pass a str, int or Decimal so the value stays exact"
    else:
        problem = f"has type {type(value).__name__}; expected str, int or Decimal"
    return NumberTypeError(field, value, problem)


def _parse_decimal_str(field: str, value: str, signed: bool) -> tuple[int, int]:
    """Parse a plain decimal string (``"-12.340"``) into ``(raw, precision)``.

    Accepts only ASCII digits with at most one dot and, when ``signed``, a leading ``-``.
    Refuses exponents, ``+``, underscores, whitespace, NaN and infinities.
    """
    text = value
    negative = text.startswith("-")
    if negative:
        if not signed:
            raise ValidationError(field, value, "must not be negative")
        text = text[1:]
    whole, dot, frac = text.partition(".")
    digits = whole + frac
    if not (digits.isascii() and digits.isdigit() and whole and (frac or not dot)):
        raise ValidationError(field, value, "is not a decimal number")
    precision = len(frac)
    if precision > MAX_PRECISION:
        raise ValidationError(field, value, f"has more than {MAX_PRECISION} decimal places")
    try:
        raw = int(digits)
    except ValueError:  # more digits than int() accepts
        raise ValidationError(field, value, "has too many digits") from None
    return (-raw if negative else raw), precision


def _decimal_to_raw(
    field: str, value: Decimal, precision: int | None, rounding: str | None
) -> tuple[int, int]:
    """Convert a finite Decimal to ``(raw, precision)``; exact unless ``rounding`` is given."""
    if not value.is_finite():
        raise ValidationError(field, value, "is not a finite number")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite decimals have an int exponent
    if precision is None:
        precision = max(0, -exponent)
        if precision > MAX_PRECISION:
            raise ValidationError(field, value, f"has more than {MAX_PRECISION} decimal places")
    else:
        _check_precision(field, precision)
    scaled = value.scaleb(precision, _EXACT)
    if rounding is None:
        if scaled != scaled.to_integral_value():
            raise ValidationError(
                field, value, f"cannot be represented with {precision} decimal places"
            )
        return int(scaled), precision
    return int(scaled.quantize(Decimal(1), rounding=rounding, context=_EXACT)), precision


def _check_precision(field: str, precision: object) -> None:
    if precision.__class__ is not int or not 0 <= precision <= MAX_PRECISION:  # type: ignore[operator]
        raise ValidationError(
            f"{field}.precision", precision, f"must be an int from 0 to {MAX_PRECISION}"
        )


def _rescale(field: str, raw: int, precision: int, to: int, shown: object) -> int:
    """``raw`` at ``precision`` expressed at ``to`` decimal places, refusing to drop digits."""
    if to >= precision:
        return raw * _POW10[to - precision]
    factor = _POW10[precision - to]
    if raw % factor:
        raise ValidationError(field, shown, f"cannot be represented with {to} decimal places")
    return raw // factor


def _format(raw: int, precision: int) -> str:
    if precision == 0:
        return str(raw)
    digits = str(-raw if raw < 0 else raw).rjust(precision + 1, "0")
    sign = "-" if raw < 0 else ""
    return f"{sign}{digits[:-precision]}.{digits[-precision:]}"


def _numeric_hash(raw: int, precision: int) -> int:
    # Same algorithm as hash(Fraction) / hash(Decimal): value mod the hash prime.
    if raw >= 0:
        result = raw * _HASH_INV_POW10[precision] % _HASH_MODULUS
    else:
        result = -(-raw * _HASH_INV_POW10[precision] % _HASH_MODULUS)
    return -2 if result == -1 else result


def _to_decimal(raw: int, precision: int) -> Decimal:
    return Decimal(raw).scaleb(-precision, _EXACT)


class _FixedPoint:
    """Shared behaviour of Price and Quantity: an int ``raw`` scaled by ``10 ** precision``."""

    __slots__ = ("precision", "raw")

    #: The field name errors mention ("price", "quantity").
    _FIELD: ClassVar[str]
    #: Whether negative values are allowed.
    _SIGNED: ClassVar[bool]

    raw: int
    precision: int

    def __init__(self, value: str | int | Decimal, precision: int | None = None) -> None:
        """Build from a decimal string, an int or a Decimal (never a float).

        With ``precision`` the value is re-expressed at that many decimal places, which must
        not drop a non-zero digit (``Price("1.50", 1)`` is ``1.5``; ``Price("1.55", 1)`` raises).
        """
        raw, prec = _coerce(self._FIELD, value, self._SIGNED)
        if precision is not None and precision != prec:
            _check_precision(self._FIELD, precision)
            raw = _rescale(self._FIELD, raw, prec, precision, value)
            prec = precision
        _set_raw(self, raw)
        _set_precision(self, prec)

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def from_str(cls, value: str, precision: int | None = None) -> Self:
        """Parse a plain decimal string (``"0.00100000"``), keeping its precision.

        This is the hot path for venue parsers. ``precision`` re-expresses the value exactly
        (trailing zeros may be added or removed, significant digits never).
        """
        # Fast path: unsigned plain decimal within range (one partition, two C checks, int()).
        if value.__class__ is str:
            whole, dot, frac = value.partition(".")
            digits = whole + frac
            prec = len(frac)
            if (
                digits.isascii()
                and digits.isdigit()
                and whole
                and (frac or not dot)
                and prec <= MAX_PRECISION
                and len(digits) < 4000  # int() refuses longer strings
            ):
                if precision is None or precision == prec:
                    raw = int(digits)
                elif precision.__class__ is not int or not 0 <= precision <= MAX_PRECISION:
                    _check_precision(cls._FIELD, precision)
                    raise AssertionError("unreachable: _check_precision raised")
                elif precision > prec:  # pad: append the zeros as a power of ten
                    raw = int(digits) * _POW10[precision - prec]
                    prec = precision
                else:  # drop trailing zeros only (inlined _rescale: no call on the hot path)
                    raw, dropped = divmod(int(digits), _POW10[prec - precision])
                    if dropped:
                        raise ValidationError(
                            cls._FIELD,
                            value,
                            f"cannot be represented with {precision} decimal places",
                        )
                    prec = precision
                obj = _new(cls)
                _set_raw(obj, raw)
                _set_precision(obj, prec)
                return obj
            return cls(value, precision)  # slow path: signs and precise error messages
        raise _reject_type(cls._FIELD, value)

    @classmethod
    def from_int(cls, value: int) -> Self:
        """An integral value with precision 0."""
        if value.__class__ is not int:
            raise _reject_type(cls._FIELD, value)
        if value < 0 and not cls._SIGNED:
            raise ValidationError(cls._FIELD, value, "must not be negative")
        obj = _new(cls)
        _set_raw(obj, value)
        _set_precision(obj, 0)
        return obj

    @classmethod
    def from_decimal(
        cls, value: Decimal, precision: int | None = None, rounding: str | None = None
    ) -> Self:
        """From a Decimal; precision defaults to the Decimal's own exponent.

        Without ``rounding`` a value that does not fit ``precision`` raises; with a
        :mod:`decimal` rounding mode (``decimal.ROUND_HALF_EVEN``) it is rounded.
        """
        if not isinstance(value, Decimal):
            raise _reject_type(cls._FIELD, value)
        raw, prec = _decimal_to_raw(cls._FIELD, value, precision, rounding)
        return cls.from_raw(raw, prec)

    @classmethod
    def from_raw(cls, raw: int, precision: int) -> Self:
        """From the scaled integer and precision (``from_raw(10050, 2)`` is ``100.50``)."""
        if raw.__class__ is not int:
            raise ValidationError(f"{cls._FIELD}.raw", raw, "must be an int")
        _check_precision(cls._FIELD, precision)
        if raw < 0 and not cls._SIGNED:
            raise ValidationError(cls._FIELD, _format(raw, precision), "must not be negative")
        obj = _new(cls)
        _set_raw(obj, raw)
        _set_precision(obj, precision)
        return obj

    # -- conversions ----------------------------------------------------------------------------

    def as_decimal(self) -> Decimal:
        """The exact value as a Decimal with the same number of decimal places."""
        return _to_decimal(self.raw, self.precision)

    def as_float(self) -> float:
        """The nearest float, for display and analytics only (never feed it back)."""
        return self.raw / _POW10[self.precision]

    def rescale(self, precision: int, rounding: str | None = None) -> Self:
        """The same value at another precision; raises if digits would be lost unless
        ``rounding`` (a :mod:`decimal` mode) is given."""
        _check_precision(self._FIELD, precision)
        if rounding is None or precision >= self.precision:
            raw = _rescale(self._FIELD, self.raw, self.precision, precision, str(self))
            return self.from_raw(raw, precision)
        return self.from_decimal(self.as_decimal(), precision, rounding)

    def __str__(self) -> str:
        return _format(self.raw, self.precision)

    def __repr__(self) -> str:
        return f"{type(self).__name__}('{_format(self.raw, self.precision)}')"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self).from_raw, (self.raw, self.precision))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    # -- comparison -----------------------------------------------------------------------------

    def _cmp_raws(self, other: object) -> tuple[int, int] | None:
        """Both values as raws at a common precision, or None if ``other`` is not comparable."""
        if other.__class__ is self.__class__:
            p1, p2 = self.precision, other.precision  # type: ignore[attr-defined]
            r1, r2 = self.raw, other.raw  # type: ignore[attr-defined]
        elif other.__class__ is int:
            p1, p2, r1, r2 = self.precision, 0, self.raw, other
        elif isinstance(other, Decimal) and other.is_finite():
            # Compare as Decimals: exact, and no precision limit on the other side.
            mine = self.as_decimal()
            return (1, 0) if mine > other else (0, 1) if mine < other else (0, 0)
        else:
            return None
        if p1 == p2:
            return r1, r2  # type: ignore[return-value]
        if p1 < p2:
            return r1 * _POW10[p2 - p1], r2  # type: ignore[return-value]
        return r1, r2 * _POW10[p1 - p2]  # type: ignore[operator]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__ and self.precision == other.precision:  # type: ignore[attr-defined]
            return self.raw == other.raw  # type: ignore[attr-defined,no-any-return]
        pair = self._cmp_raws(other)
        if pair is None:
            return NotImplemented
        return pair[0] == pair[1]

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __lt__(self, other: object) -> bool:
        pair = self._cmp_raws(other)
        if pair is None:
            return NotImplemented
        return pair[0] < pair[1]

    def __le__(self, other: object) -> bool:
        pair = self._cmp_raws(other)
        if pair is None:
            return NotImplemented
        return pair[0] <= pair[1]

    def __gt__(self, other: object) -> bool:
        pair = self._cmp_raws(other)
        if pair is None:
            return NotImplemented
        return pair[0] > pair[1]

    def __ge__(self, other: object) -> bool:
        pair = self._cmp_raws(other)
        if pair is None:
            return NotImplemented
        return pair[0] >= pair[1]

    def __hash__(self) -> int:
        return _numeric_hash(self.raw, self.precision)

    def __bool__(self) -> bool:
        return self.raw != 0

    # -- arithmetic -----------------------------------------------------------------------------

    def _aligned(self, other: object) -> tuple[int, int, int] | None:
        if other.__class__ is not self.__class__:
            return None
        p1, p2 = self.precision, other.precision  # type: ignore[attr-defined]
        r1, r2 = self.raw, other.raw  # type: ignore[attr-defined]
        if p1 == p2:
            return r1, r2, p1
        if p1 < p2:
            return r1 * _POW10[p2 - p1], r2, p2
        return r1, r2 * _POW10[p1 - p2], p1

    def __add__(self, other: Self) -> Self:
        aligned = self._aligned(other)
        if aligned is None:
            return NotImplemented
        r1, r2, prec = aligned
        return self.from_raw(r1 + r2, prec)

    def __sub__(self, other: Self) -> Self:
        aligned = self._aligned(other)
        if aligned is None:
            return NotImplemented
        r1, r2, prec = aligned
        return self.from_raw(r1 - r2, prec)

    def __mul__(self, other: object) -> Decimal:
        """Exact product as a Decimal (``price * quantity`` is a notional)."""
        if isinstance(other, _FixedPoint):
            return _to_decimal(self.raw * other.raw, self.precision + other.precision)
        if other.__class__ is int:
            return _to_decimal(self.raw * other, self.precision)  # type: ignore[operator]
        if isinstance(other, Decimal):
            return _EXACT.multiply(self.as_decimal(), other)
        return NotImplemented

    __rmul__ = __mul__


_set_raw = _FixedPoint.__dict__["raw"].__set__
_set_precision = _FixedPoint.__dict__["precision"].__set__


def _coerce(field: str, value: object, signed: bool) -> tuple[int, int]:
    """``(raw, precision)`` from a str, int or Decimal (floats and bools refused)."""
    cls = value.__class__
    if cls is str:
        return _parse_decimal_str(field, value, signed)  # type: ignore[arg-type]
    if cls is int:
        if value < 0 and not signed:  # type: ignore[operator]
            raise ValidationError(field, value, "must not be negative")
        return value, 0  # type: ignore[return-value]
    if isinstance(value, Decimal):
        raw, prec = _decimal_to_raw(field, value, None, None)
        if raw < 0 and not signed:
            raise ValidationError(field, value, "must not be negative")
        return raw, prec
    raise _reject_type(field, value)


class Price(_FixedPoint):
    """An exact price (may be negative: spreads, some futures and options trade below zero)."""

    __slots__ = ()
    _FIELD = "price"
    _SIGNED = True

    def __neg__(self) -> Price:
        return Price.from_raw(-self.raw, self.precision)

    def __abs__(self) -> Price:
        return Price.from_raw(abs(self.raw), self.precision)


class Quantity(_FixedPoint):
    """An exact, non-negative quantity (size, volume, lot)."""

    __slots__ = ()
    _FIELD = "quantity"
    _SIGNED = False


def _check_currency(currency: object) -> str:
    if (
        currency.__class__ is not str
        or not currency
        or not currency.isprintable()
        or " " in currency
    ):  # type: ignore[attr-defined,operator]
        raise ValidationError(
            "currency", currency, "must be a non-empty currency code without spaces"
        )
    return currency  # type: ignore[return-value]


class Money:
    """An exact amount of a currency (``Money("100.50", "USD")``, printed ``"100.50 USD"``).

    The currency is a code string as the venue names it (``"USDT"``, ``"BTC"``, ``"1000SHIB"``).
    Amounts may be negative (commissions can be rebates, PnL can be a loss). Arithmetic needs
    the same currency.
    """

    __slots__ = ("currency", "precision", "raw")

    raw: int
    precision: int
    currency: str

    def __init__(
        self, amount: str | int | Decimal, currency: str, precision: int | None = None
    ) -> None:
        """Build from an amount (str, int or Decimal; never float) and a currency code."""
        raw, prec = _coerce("money", amount, True)
        if precision is not None and precision != prec:
            _check_precision("money", precision)
            raw = _rescale("money", raw, prec, precision, amount)
            prec = precision
        _set_money_raw(self, raw)
        _set_money_precision(self, prec)
        _set_money_currency(self, _check_currency(currency))

    @classmethod
    def from_str(cls, value: str) -> Money:
        """Parse ``"100.50 USD"`` (what ``str()`` prints)."""
        if value.__class__ is not str:
            raise _reject_type("money", value)
        amount, sep, currency = value.partition(" ")
        if not sep:
            raise ValidationError("money", value, "is not '<amount> <currency>'")
        return cls(amount, currency)

    @classmethod
    def from_raw(cls, raw: int, precision: int, currency: str) -> Money:
        """From the scaled integer, precision and currency code."""
        if raw.__class__ is not int:
            raise ValidationError("money.raw", raw, "must be an int")
        _check_precision("money", precision)
        obj = _new(cls)
        _set_money_raw(obj, raw)
        _set_money_precision(obj, precision)
        _set_money_currency(obj, _check_currency(currency))
        return obj

    @classmethod
    def from_decimal(
        cls,
        value: Decimal,
        currency: str,
        precision: int | None = None,
        rounding: str | None = None,
    ) -> Money:
        """From a Decimal amount; exact unless a :mod:`decimal` ``rounding`` mode is given."""
        if not isinstance(value, Decimal):
            raise _reject_type("money", value)
        raw, prec = _decimal_to_raw("money", value, precision, rounding)
        return cls.from_raw(raw, prec, currency)

    @property
    def amount(self) -> Decimal:
        """The exact amount as a Decimal."""
        return _to_decimal(self.raw, self.precision)

    def as_decimal(self) -> Decimal:
        """The exact amount as a Decimal (same as :attr:`amount`)."""
        return _to_decimal(self.raw, self.precision)

    def __str__(self) -> str:
        return f"{_format(self.raw, self.precision)} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{_format(self.raw, self.precision)}', '{self.currency}')"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Money.from_raw, (self.raw, self.precision, self.currency))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Money is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Money is immutable")

    def _aligned(self, other: object, op: str) -> tuple[int, int, int] | None:
        if other.__class__ is not Money:
            return None
        if other.currency != self.currency:  # type: ignore[attr-defined]
            raise ValidationError(
                "currency",
                other.currency,  # type: ignore[attr-defined]
                f"differs from {self.currency!r}; cannot {op} different currencies",
            )
        p1, p2 = self.precision, other.precision  # type: ignore[attr-defined]
        r1, r2 = self.raw, other.raw  # type: ignore[attr-defined]
        if p1 == p2:
            return r1, r2, p1
        if p1 < p2:
            return r1 * _POW10[p2 - p1], r2, p2
        return r1, r2 * _POW10[p1 - p2], p1

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Money:
            return NotImplemented
        if self.currency != other.currency:  # type: ignore[attr-defined]
            return False
        aligned = self._aligned(other, "compare")
        assert aligned is not None
        return aligned[0] == aligned[1]

    def __hash__(self) -> int:
        return hash((_numeric_hash(self.raw, self.precision), self.currency))

    def __lt__(self, other: Money) -> bool:
        aligned = self._aligned(other, "compare")
        if aligned is None:
            return NotImplemented
        return aligned[0] < aligned[1]

    def __le__(self, other: Money) -> bool:
        aligned = self._aligned(other, "compare")
        if aligned is None:
            return NotImplemented
        return aligned[0] <= aligned[1]

    def __gt__(self, other: Money) -> bool:
        aligned = self._aligned(other, "compare")
        if aligned is None:
            return NotImplemented
        return aligned[0] > aligned[1]

    def __ge__(self, other: Money) -> bool:
        aligned = self._aligned(other, "compare")
        if aligned is None:
            return NotImplemented
        return aligned[0] >= aligned[1]

    def __add__(self, other: Money) -> Money:
        aligned = self._aligned(other, "add")
        if aligned is None:
            return NotImplemented
        return Money.from_raw(aligned[0] + aligned[1], aligned[2], self.currency)

    def __sub__(self, other: Money) -> Money:
        aligned = self._aligned(other, "subtract")
        if aligned is None:
            return NotImplemented
        return Money.from_raw(aligned[0] - aligned[1], aligned[2], self.currency)

    def __neg__(self) -> Money:
        return Money.from_raw(-self.raw, self.precision, self.currency)

    def __bool__(self) -> bool:
        return self.raw != 0


_set_money_raw = Money.__dict__["raw"].__set__
_set_money_precision = Money.__dict__["precision"].__set__
_set_money_currency = Money.__dict__["currency"].__set__
