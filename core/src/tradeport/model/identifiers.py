"""Identifiers: validated string value types and :class:`InstrumentId` (``SYMBOL.VENUE``).

Each identifier wraps one non-empty ``value: str`` without surrounding whitespace; ``str(x)``
gives the value. Different identifier types never compare equal (``Venue("X") != Symbol("X")``).
"""

from __future__ import annotations

import uuid
from typing import Self

import attrs

from tradeport.errors import ValidationError

__all__ = [
    "Identifier",
    "Venue",
    "Symbol",
    "InstrumentId",
    "ClientOrderId",
    "VenueOrderId",
    "OrderListId",
    "TradeId",
    "AccountId",
    "PositionId",
    "StrategyId",
]


@attrs.frozen(order=True, init=False)
class Identifier:
    """Base of the string identifiers: one validated ``value``."""

    value: str

    def __init__(self, value: str) -> None:
        """Validate and store ``value``: a non-empty str without surrounding whitespace."""
        # Hand-written (not an attrs validator): identifiers are built on hot paths, one
        # TradeId per trade, and this is about twice as fast.
        if value.__class__ is not str:
            raise ValidationError(
                type(self).__name__, value, f"must be a str, not {type(value).__name__}"
            )
        # isalnum() is one C call that accepts the common ids (non-empty, no whitespace at
        # all); anything else takes the exact check.
        if not value.isalnum() and (not value or value[0].isspace() or value[-1].isspace()):
            raise ValidationError(
                type(self).__name__,
                value,
                "must be a non-empty string without leading or trailing whitespace",
            )
        _set_value(self, value)

    @classmethod
    def trusted(cls, value: str) -> Self:
        """Same as the constructor without its checks, for parsers' hot paths (one
        ``TradeId`` per trade): callers must pass a non-empty ``str`` without surrounding
        whitespace, e.g. ``str()`` of an int the venue sent. Subclasses with extra rules
        (:class:`Venue`) must use the constructor."""
        obj = _new(cls)
        _set_value(obj, value)
        return obj

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


@attrs.frozen(order=True, repr=False, init=False)
class Venue(Identifier):
    """A trading venue or data provider (``BINANCE``). Cannot contain a dot, because
    :class:`InstrumentId` splits at the last one."""

    def __init__(self, value: str) -> None:
        """Validate and store the venue name."""
        super().__init__(value)
        if "." in self.value:
            raise ValidationError("Venue", self.value, "must not contain '.'")


_set_value = Identifier.__dict__["value"].__set__
_new = object.__new__


@attrs.frozen(order=True, repr=False, init=False)
class Symbol(Identifier):
    """The venue's native symbol of an instrument (``BTCUSDT``, ``BRK.B``); may contain dots."""


@attrs.frozen(order=True, repr=False, init=False)
class ClientOrderId(Identifier):
    """The id the client gives an order; round-trips through the venue."""

    @classmethod
    def generate(cls) -> ClientOrderId:
        """A fresh random id: 32 hex characters, within every supported venue's limits
        (OKX allows 32 alphanumerics, Binance 36 characters)."""
        return cls(uuid.uuid4().hex)


@attrs.frozen(order=True, repr=False, init=False)
class VenueOrderId(Identifier):
    """The id the venue assigns an order."""


@attrs.frozen(order=True, repr=False, init=False)
class OrderListId(Identifier):
    """The id of a list of orders submitted together (OCO, bracket)."""


@attrs.frozen(order=True, repr=False, init=False)
class TradeId(Identifier):
    """The venue's id of one trade (execution)."""


@attrs.frozen(order=True, repr=False, init=False)
class AccountId(Identifier):
    """An account at a venue (``BINANCE-001``)."""


@attrs.frozen(order=True, repr=False, init=False)
class PositionId(Identifier):
    """A position id (the venue's, where it has one, for hedging accounts)."""


@attrs.frozen(order=True, repr=False, init=False)
class StrategyId(Identifier):
    """The strategy that owns an order."""


@attrs.frozen(order=True, cache_hash=True)
class InstrumentId:
    """An instrument at a venue: ``SYMBOL.VENUE``, e.g. ``BTCUSDT-PERP.BINANCE``.

    The hash is cached because instrument ids key most lookup tables.
    """

    symbol: Symbol
    venue: Venue

    def __attrs_post_init__(self) -> None:
        # Cheap type check: a bare str here would silently break equality with parsed ids.
        if self.symbol.__class__ is not Symbol:
            raise ValidationError("symbol", self.symbol, "must be a Symbol")
        if self.venue.__class__ is not Venue:
            raise ValidationError("venue", self.venue, "must be a Venue")

    @classmethod
    def from_str(cls, value: str) -> InstrumentId:
        """Parse ``"SYMBOL.VENUE"`` at the last dot (``"BRK.B.NYSE"`` is ``BRK.B`` at ``NYSE``)."""
        if value.__class__ is not str:
            raise ValidationError("InstrumentId", value, "must be a str 'SYMBOL.VENUE'")
        symbol, dot, venue = value.rpartition(".")
        if not dot or not symbol or not venue:
            raise ValidationError("InstrumentId", value, "is not 'SYMBOL.VENUE'")
        try:
            return cls(Symbol(symbol), Venue(venue))
        except ValidationError as exc:
            raise ValidationError("InstrumentId", value, f"is not valid: {exc}") from None

    @classmethod
    def of(cls, symbol: str, venue: str) -> InstrumentId:
        """Build from plain strings: ``InstrumentId.of("BTCUSDT", "BINANCE")``."""
        return cls(Symbol(symbol), Venue(venue))

    def __str__(self) -> str:
        return f"{self.symbol.value}.{self.venue.value}"

    def __repr__(self) -> str:
        return f"InstrumentId('{self.symbol.value}.{self.venue.value}')"
