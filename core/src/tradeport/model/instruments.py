"""Instruments: what can be traded at a venue, with its precision, increments, limits and fees.

:class:`Instrument` holds what every product shares; :class:`SpotPair`, :class:`Perpetual`,
:class:`DatedFuture`, :class:`OptionContract`, :class:`BettingMarket` and :class:`Equity` add
what their family needs. All are frozen attrs classes with keyword-only constructors. ``info``
keeps the raw venue record for reference; it takes no part in equality, hashing or repr.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import attrs

from tradeport.errors import ValidationError
from tradeport.model.enums import OptionKind, ProductType
from tradeport.model.identifiers import InstrumentId, Symbol
from tradeport.model.numbers import MAX_PRECISION, Money, Price, Quantity

__all__ = [
    "Instrument",
    "SpotPair",
    "Perpetual",
    "DatedFuture",
    "OptionContract",
    "BettingMarket",
    "Equity",
]

_ONE = Quantity.from_int(1)
_ZERO = Decimal(0)


def _check_currency_code(field: str, value: object) -> None:
    if value.__class__ is not str or not value or " " in value:  # type: ignore[operator]
        raise ValidationError(field, value, "must be a non-empty currency code without spaces")


def _check_timestamp(field: str, value: object) -> None:
    if value.__class__ is not int or value < 0:  # type: ignore[operator]
        raise ValidationError(field, value, "must be a non-negative int of UNIX nanoseconds")


def _check_range(low_name: str, low: Any, high_name: str, high: Any) -> None:
    if low is not None and high is not None and low > high:
        raise ValidationError(low_name, str(low), f"is above {high_name} {high}")


@attrs.frozen(kw_only=True)
class Instrument:
    """What every tradable product has.

    ``quote_currency`` is the currency prices are quoted in. ``price_increment`` (tick size)
    must have exactly ``price_precision`` decimals and ``size_increment`` (step size)
    ``size_precision``; use :meth:`make_price` / :meth:`make_qty` to express venue values at
    the instrument's precision. Fees and margins are fractions (``0.001`` is 10 bp).
    """

    #: The product family; fixed per subclass.
    product_type: ClassVar[ProductType]

    id: InstrumentId
    raw_symbol: Symbol
    quote_currency: str
    price_precision: int
    size_precision: int
    price_increment: Price
    size_increment: Quantity
    multiplier: Quantity = _ONE
    lot_size: Quantity | None = None
    min_quantity: Quantity | None = None
    max_quantity: Quantity | None = None
    min_notional: Money | None = None
    max_notional: Money | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    maker_fee: Decimal = _ZERO
    taker_fee: Decimal = _ZERO
    margin_init: Decimal = _ZERO
    margin_maint: Decimal = _ZERO
    ts_event: int
    ts_init: int
    info: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._validate()

    def _validate(self) -> None:
        """Check the fields every instrument has; subclasses extend it."""
        if not isinstance(self.id, InstrumentId):
            raise ValidationError("id", self.id, "must be an InstrumentId")
        if not isinstance(self.raw_symbol, Symbol):
            raise ValidationError("raw_symbol", self.raw_symbol, "must be a Symbol")
        _check_currency_code("quote_currency", self.quote_currency)
        for name, precision, increment, kind in (
            ("price", self.price_precision, self.price_increment, Price),
            ("size", self.size_precision, self.size_increment, Quantity),
        ):
            if precision.__class__ is not int or not 0 <= precision <= MAX_PRECISION:
                raise ValidationError(
                    f"{name}_precision", precision, f"must be an int from 0 to {MAX_PRECISION}"
                )
            if increment.__class__ is not kind:
                raise ValidationError(f"{name}_increment", increment, f"must be a {kind.__name__}")
            if increment.precision != precision:
                raise ValidationError(
                    f"{name}_increment",
                    str(increment),
                    f"has precision {increment.precision}, not {name}_precision {precision}",
                )
            if increment.raw <= 0:
                raise ValidationError(f"{name}_increment", str(increment), "must be positive")
        if self.multiplier.__class__ is not Quantity or not self.multiplier:
            raise ValidationError("multiplier", self.multiplier, "must be a positive Quantity")
        if self.lot_size is not None and not self.lot_size:
            raise ValidationError("lot_size", str(self.lot_size), "must be positive")
        _check_range("min_quantity", self.min_quantity, "max_quantity", self.max_quantity)
        _check_range("min_price", self.min_price, "max_price", self.max_price)
        if self.min_notional is not None and self.max_notional is not None:
            if self.min_notional.currency != self.max_notional.currency:
                raise ValidationError(
                    "max_notional", str(self.max_notional), "differs in currency from min_notional"
                )
            _check_range("min_notional", self.min_notional, "max_notional", self.max_notional)
        for name in ("maker_fee", "taker_fee", "margin_init", "margin_maint"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValidationError(name, value, "must be a finite Decimal")
        _check_timestamp("ts_event", self.ts_event)
        _check_timestamp("ts_init", self.ts_init)
        if not isinstance(self.info, dict):
            raise ValidationError("info", self.info, "must be a dict (the raw venue record)")

    @property
    def venue(self) -> str:
        """The venue's name (``id.venue.value``)."""
        return self.id.venue.value

    def make_price(self, value: str | int | Decimal, rounding: str | None = None) -> Price:
        """``value`` as a Price with this instrument's price precision.

        Extra trailing zeros are fine (``"0.01000000"`` at precision 2 is ``0.01``); a value
        off the precision raises unless a :mod:`decimal` ``rounding`` mode is given.
        """
        if rounding is None:
            if value.__class__ is str:
                return Price.from_str(value, self.price_precision)  # type: ignore[arg-type]
            return Price(value, self.price_precision)
        return Price(value).rescale(self.price_precision, rounding)

    def make_qty(self, value: str | int | Decimal, rounding: str | None = None) -> Quantity:
        """``value`` as a Quantity with this instrument's size precision (as :meth:`make_price`)."""
        if rounding is None:
            if value.__class__ is str:
                return Quantity.from_str(value, self.size_precision)  # type: ignore[arg-type]
            return Quantity(value, self.size_precision)
        return Quantity(value).rescale(self.size_precision, rounding)


@attrs.frozen(kw_only=True)
class SpotPair(Instrument):
    """A spot currency pair (``BTCUSDT``: base BTC, quote USDT)."""

    product_type: ClassVar[ProductType] = ProductType.SPOT

    base_currency: str

    def _validate(self) -> None:
        super()._validate()
        _check_currency_code("base_currency", self.base_currency)


@attrs.frozen(kw_only=True)
class Perpetual(Instrument):
    """A perpetual swap. Linear contracts settle in the quote currency, inverse ones
    (``is_inverse``) in the base currency."""

    product_type: ClassVar[ProductType] = ProductType.PERPETUAL

    base_currency: str
    settle_currency: str
    is_inverse: bool = False

    def _validate(self) -> None:
        super()._validate()
        _check_currency_code("base_currency", self.base_currency)
        _check_currency_code("settle_currency", self.settle_currency)
        if self.is_inverse.__class__ is not bool:
            raise ValidationError("is_inverse", self.is_inverse, "must be a bool")


@attrs.frozen(kw_only=True)
class DatedFuture(Instrument):
    """A futures contract that expires at ``expiry_ns`` (trading from ``activation_ns``)."""

    product_type: ClassVar[ProductType] = ProductType.FUTURE

    underlying: str
    settle_currency: str
    activation_ns: int
    expiry_ns: int
    base_currency: str | None = None
    is_inverse: bool = False

    def _validate(self) -> None:
        super()._validate()
        if self.underlying.__class__ is not str or not self.underlying:
            raise ValidationError("underlying", self.underlying, "must be a non-empty str")
        _check_currency_code("settle_currency", self.settle_currency)
        if self.base_currency is not None:
            _check_currency_code("base_currency", self.base_currency)
        _check_timestamp("activation_ns", self.activation_ns)
        _check_timestamp("expiry_ns", self.expiry_ns)
        if self.activation_ns > self.expiry_ns:
            raise ValidationError("activation_ns", self.activation_ns, "is after expiry_ns")
        if self.is_inverse.__class__ is not bool:
            raise ValidationError("is_inverse", self.is_inverse, "must be a bool")


@attrs.frozen(kw_only=True)
class OptionContract(Instrument):
    """An option on ``underlying`` with a strike and an expiry."""

    product_type: ClassVar[ProductType] = ProductType.OPTION

    underlying: str
    option_kind: OptionKind
    strike_price: Price
    activation_ns: int
    expiry_ns: int
    settle_currency: str | None = None

    def _validate(self) -> None:
        super()._validate()
        if self.underlying.__class__ is not str or not self.underlying:
            raise ValidationError("underlying", self.underlying, "must be a non-empty str")
        if not isinstance(self.option_kind, OptionKind):
            raise ValidationError("option_kind", self.option_kind, "must be an OptionKind")
        if self.strike_price.__class__ is not Price:
            raise ValidationError("strike_price", self.strike_price, "must be a Price")
        if self.settle_currency is not None:
            _check_currency_code("settle_currency", self.settle_currency)
        _check_timestamp("activation_ns", self.activation_ns)
        _check_timestamp("expiry_ns", self.expiry_ns)
        if self.activation_ns > self.expiry_ns:
            raise ValidationError("activation_ns", self.activation_ns, "is after expiry_ns")


@attrs.frozen(kw_only=True)
class BettingMarket(Instrument):
    """One selection (runner, outcome) of a betting market (Betfair, Polymarket).

    Prices are odds (Betfair) or probabilities (Polymarket); ``quote_currency`` is the stake
    currency. Ids are strings because venues differ (Betfair selection ids are ints,
    Polymarket token ids 77-digit numbers).
    """

    product_type: ClassVar[ProductType] = ProductType.BETTING

    event_type_id: str
    event_type_name: str
    event_id: str
    event_name: str
    market_id: str
    market_name: str
    market_type: str
    selection_id: str
    selection_name: str
    handicap: Decimal = _ZERO
    competition_id: str | None = None
    competition_name: str | None = None
    event_open_ns: int | None = None
    market_start_ns: int | None = None

    def _validate(self) -> None:
        super()._validate()
        for name in ("event_id", "market_id", "selection_id"):
            value = getattr(self, name)
            if value.__class__ is not str or not value:
                raise ValidationError(name, value, "must be a non-empty str")
        if not isinstance(self.handicap, Decimal) or not self.handicap.is_finite():
            raise ValidationError("handicap", self.handicap, "must be a finite Decimal")
        for name in ("event_open_ns", "market_start_ns"):
            value = getattr(self, name)
            if value is not None:
                _check_timestamp(name, value)


@attrs.frozen(kw_only=True)
class Equity(Instrument):
    """A listed share; ``quote_currency`` is its trading currency."""

    product_type: ClassVar[ProductType] = ProductType.EQUITY

    isin: str | None = None

    def _validate(self) -> None:
        super()._validate()
        if self.isin is not None and (
            self.isin.__class__ is not str or len(self.isin) != 12 or not self.isin.isalnum()
        ):
            raise ValidationError("isin", self.isin, "must be a 12-character ISIN")
