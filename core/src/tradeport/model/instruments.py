"""Instruments: what can be traded at a venue, with its precision, increments, limits and fees.

:class:`Instrument` holds what every product shares; each family adds what it needs:
crypto :class:`SpotPair` and :class:`Perpetual`; :class:`DatedFuture`, :class:`OptionContract`
and :class:`FutureOption` (an option on a future); :class:`Equity`, :class:`FxPair`,
:class:`IndexInstrument` (a reference price, not tradable), :class:`Cfd` and :class:`Bond` for
brokers; :class:`BettingMarket` (one runner of a betting market, prices on a
:class:`PriceLadder`) and :class:`BinaryOutcome` (one outcome token of a prediction market,
prices between 0 and 1). All are frozen attrs classes with keyword-only constructors. ``info``
keeps the raw venue record for reference; it takes no part in equality, hashing or repr.

Instrument ids
--------------
``InstrumentId`` is ``SYMBOL.VENUE`` where VENUE names *where the instrument trades*, which is
not always the plugin that delivers it:

* an exchange plugin uses its own venue id (``BTCUSDT.BINANCE``);
* a data provider or a broker that reaches many exchanges uses the listing exchange: its ISO
  10383 MIC where the provider speaks in MICs (Databento's CME Globex futures are
  ``ESZ6.XCME``), else the exchange code the provider uses for routing (IB's ``AAPL.NASDAQ``).
  The provider declares these venue parts in ``VenueSpec.instrument_venues``;
* a replay provider of another plugin's venue uses *that plugin's* ids (a Tardis replay of
  Binance yields ``BTCUSDT.BINANCE``), because it parses the frames with that plugin's
  raw-frame parser (:mod:`tradeport.frames`);
* the symbol is the venue's (or the listing's) native symbol; a product that shares a symbol
  with another gets a suffix (``BTCUSDT-PERP.BINANCE``); a betting runner is
  ``<market id>-<selection id>-<handicap>`` (``1.123456789-50214-0.0.BETFAIR``), an outcome
  token its token id (``<token id>.POLYMARKET``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import attrs

from tradeport.errors import ValidationError
from tradeport.model.enums import (
    ExerciseStyle,
    OptionKind,
    OrderSide,
    ProductType,
    ResolutionResult,
)
from tradeport.model.identifiers import InstrumentId, Symbol
from tradeport.model.numbers import MAX_PRECISION, Money, Price, Quantity

__all__ = [
    "Instrument",
    "SpotPair",
    "Perpetual",
    "DatedFuture",
    "OptionContract",
    "FutureOption",
    "LadderBand",
    "PriceLadder",
    "BettingMarket",
    "BinaryOutcome",
    "Equity",
    "FxPair",
    "IndexInstrument",
    "Cfd",
    "Bond",
]

_ONE = Quantity.from_int(1)
_ZERO = Decimal(0)
_ONE_DECIMAL = Decimal(1)


def _check_text(field: str, value: object) -> None:
    if value.__class__ is not str or not value:
        raise ValidationError(field, value, "must be a non-empty str")


def _check_optional_text(field: str, value: object) -> None:
    if value is not None:
        _check_text(field, value)


def _check_optional_timestamp(field: str, value: object) -> None:
    if value is not None:
        _check_timestamp(field, value)


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

    @property
    def settlement_currency(self) -> str:
        """The currency this product's PnL, margin and derivative fees are paid in.

        A contract's ``settle_currency`` where it has one (USDT for a linear perpetual, the base
        coin for an inverse one), the quote currency otherwise (spot, equities). Parsers use it
        as the fallback when a venue record leaves a PnL or fee currency out.
        """
        return getattr(self, "settle_currency", None) or self.quote_currency

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
    exercise_style: ExerciseStyle | None = None

    def _validate(self) -> None:
        super()._validate()
        if self.underlying.__class__ is not str or not self.underlying:
            raise ValidationError("underlying", self.underlying, "must be a non-empty str")
        if self.exercise_style is not None and not isinstance(self.exercise_style, ExerciseStyle):
            raise ValidationError(
                "exercise_style", self.exercise_style, "must be an ExerciseStyle or None"
            )
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
class FutureOption(OptionContract):
    """An option whose underlying is a futures contract (CME options on ES, IB ``FOP``).

    ``underlying_id`` is the future's instrument id (``ESZ6.XCME``); ``underlying`` keeps the
    venue's name for it. ``multiplier`` is the option's, usually the future's.
    """

    product_type: ClassVar[ProductType] = ProductType.FUTURE_OPTION

    underlying_id: InstrumentId

    def _validate(self) -> None:
        super()._validate()
        if not isinstance(self.underlying_id, InstrumentId):
            raise ValidationError("underlying_id", self.underlying_id, "must be an InstrumentId")


@attrs.frozen(kw_only=True)
class LadderBand:
    """Prices from ``start`` (inclusive) to ``stop`` (inclusive) step by ``increment``."""

    start: Price
    stop: Price
    increment: Price

    def __attrs_post_init__(self) -> None:
        for name in ("start", "stop", "increment"):
            if getattr(self, name).__class__ is not Price:
                raise ValidationError(name, getattr(self, name), "must be a Price")
        if self.increment.raw <= 0:
            raise ValidationError("increment", str(self.increment), "must be positive")
        if self.start >= self.stop:
            raise ValidationError("start", str(self.start), f"must be below stop {self.stop}")
        if (self.stop.as_decimal() - self.start.as_decimal()) % self.increment.as_decimal():
            raise ValidationError(
                "stop", str(self.stop), f"is not start {self.start} + n * {self.increment}"
            )


def _check_bands(_: Any, __: Any, bands: object) -> None:
    if bands.__class__ is not tuple or not bands:
        raise ValidationError("bands", bands, "must be a non-empty tuple of LadderBand")
    previous: LadderBand | None = None
    for band in bands:  # type: ignore[attr-defined]
        if not isinstance(band, LadderBand):
            raise ValidationError("bands", band, "must contain LadderBand objects only")
        if previous is not None and band.start != previous.stop:
            raise ValidationError(
                "bands", str(band.start), f"does not continue the previous band at {previous.stop}"
            )
        previous = band


@attrs.frozen
class PriceLadder:
    """The valid prices of a venue whose tick size depends on the price (an odds ladder).

    Contiguous bands, each with its own increment: Betfair's odds run 1.01-2 by 0.01, 2-3 by
    0.02, ..., 100-1000 by 10. An instrument's ``price_increment`` is the ladder's smallest
    step; :meth:`is_valid` / :meth:`round` / :meth:`next_up` are what orders must respect.

    >>> ladder = PriceLadder.of(("1.01", "2", "0.01"), ("2", "3", "0.02"), ("3", "4", "0.05"))
    >>> ladder.is_valid(Price.from_str("2.04")), ladder.is_valid(Price.from_str("2.05"))
    (True, False)
    >>> str(ladder.round(Price.from_str("2.05"), OrderSide.BUY))
    '2.04'
    >>> str(ladder.next_up(Price.from_str("2.98")))
    '3.00'
    """

    bands: tuple[LadderBand, ...] = attrs.field(validator=_check_bands)

    @classmethod
    def of(cls, *bands: tuple[str, str, str]) -> PriceLadder:
        """Build from ``(start, stop, increment)`` strings; the precision is the finest."""
        precision = max(Price.from_str(value).precision for band in bands for value in band)
        return cls(
            tuple(
                LadderBand(
                    start=Price(start, precision),
                    stop=Price(stop, precision),
                    increment=Price(step, precision),
                )
                for start, stop, step in bands
            )
        )

    @property
    def min_price(self) -> Price:
        """The lowest price on the ladder."""
        return self.bands[0].start

    @property
    def max_price(self) -> Price:
        """The highest price on the ladder."""
        return self.bands[-1].stop

    @property
    def smallest_increment(self) -> Price:
        """The finest step anywhere on the ladder (the instrument's ``price_increment``)."""
        return min((band.increment for band in self.bands), key=lambda p: p.as_decimal())

    def _band(self, value: Decimal) -> LadderBand | None:
        for band in self.bands:
            if band.start.as_decimal() <= value <= band.stop.as_decimal():
                return band
        return None

    def _price(self, value: Decimal) -> Price:
        return Price(value).rescale(self.bands[0].start.precision)

    def is_valid(self, price: Price) -> bool:
        """Whether ``price`` is on the ladder."""
        value = price.as_decimal()
        band = self._band(value)
        return (
            band is not None and not (value - band.start.as_decimal()) % band.increment.as_decimal()
        )

    def round(self, price: Price, side: OrderSide) -> Price:
        """The nearest ladder price no worse for ``side``: down for a BUY (a lay), up for a
        SELL (a back), clamped to the ladder's ends."""
        value = price.as_decimal()
        if value <= self.min_price.as_decimal():
            return self.min_price
        if value >= self.max_price.as_decimal():
            return self.max_price
        band = self._band(value)
        assert band is not None  # inside the ladder, and the bands are contiguous
        step = band.increment.as_decimal()
        below = band.start.as_decimal() + (value - band.start.as_decimal()) // step * step
        if below == value or side is OrderSide.BUY:
            return self._price(below)
        return self._price(below + step)

    def next_up(self, price: Price) -> Price:
        """The next ladder price above ``price`` (ValidationError at the top)."""
        value = price.as_decimal()
        if value >= self.max_price.as_decimal():
            raise ValidationError(
                "price", str(price), f"is at or above the ladder's top {self.max_price}"
            )
        on = self.round(price, OrderSide.SELL)
        if on.as_decimal() > value:
            return on
        for band in self.bands:  # on the ladder: step up within the band it starts
            if band.start.as_decimal() <= value < band.stop.as_decimal():
                return self._price(value + band.increment.as_decimal())
        raise AssertionError("unreachable: value is below the ladder's top")  # pragma: no cover

    def next_down(self, price: Price) -> Price:
        """The next ladder price below ``price`` (ValidationError at the bottom)."""
        value = price.as_decimal()
        if value <= self.min_price.as_decimal():
            raise ValidationError(
                "price", str(price), f"is at or below the ladder's bottom {self.min_price}"
            )
        on = self.round(price, OrderSide.BUY)
        if on.as_decimal() < value:
            return on
        for band in self.bands:
            if band.start.as_decimal() < value <= band.stop.as_decimal():
                return self._price(value - band.increment.as_decimal())
        raise AssertionError("unreachable: value is above the ladder's bottom")  # pragma: no cover


def _stake_liability(side: OrderSide, odds: Decimal, stake: Decimal) -> Decimal:
    # A back (SELL) risks the stake; a lay (BUY) risks paying the backer's winnings.
    return stake if side is OrderSide.SELL else stake * (odds - 1)


@attrs.frozen(kw_only=True)
class BettingMarket(Instrument):
    """One selection (runner) of a betting market (Betfair): an event (a race, a match), a
    market in it (Win, Match Odds), a runner in the market, and for handicap markets the
    handicap.

    Prices are decimal odds; ``quantity`` is the backer's stake in ``quote_currency``. Sides:
    BACK is :attr:`OrderSide.SELL` and LAY is :attr:`OrderSide.BUY`
    (:class:`~tradeport.model.enums.BettingSide` says why). ``price_ladder`` is the increment rule
    (the valid odds); :meth:`liability` what a bet can lose. Ids are strings because venues
    differ (Betfair selection ids are ints, market ids ``"1.123"``).
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
    price_ladder: PriceLadder | None = None

    def _validate(self) -> None:
        super()._validate()
        for name in ("event_id", "market_id", "selection_id"):
            _check_text(name, getattr(self, name))
        if not isinstance(self.handicap, Decimal) or not self.handicap.is_finite():
            raise ValidationError("handicap", self.handicap, "must be a finite Decimal")
        for name in ("event_open_ns", "market_start_ns"):
            _check_optional_timestamp(name, getattr(self, name))
        ladder = self.price_ladder
        if ladder is not None:
            if not isinstance(ladder, PriceLadder):
                raise ValidationError("price_ladder", ladder, "must be a PriceLadder or None")
            if ladder.smallest_increment != self.price_increment:
                raise ValidationError(
                    "price_increment",
                    str(self.price_increment),
                    f"is not the ladder's smallest increment {ladder.smallest_increment}",
                )

    def liability(self, side: OrderSide, price: Price, stake: Quantity) -> Money:
        """What the bet loses if it goes against it: a back's (SELL) stake, a lay's (BUY)
        ``stake * (odds - 1)`` (a lay of 10 at 4.0 risks 30)."""
        amount = _stake_liability(side, price.as_decimal(), stake.as_decimal())
        return Money(amount, self.quote_currency)

    def is_valid_price(self, price: Price) -> bool:
        """Whether ``price`` is valid odds: on the ladder when there is one, else a multiple
        of ``price_increment`` within the limits."""
        if self.price_ladder is not None:
            return self.price_ladder.is_valid(price)
        return not price.as_decimal() % self.price_increment.as_decimal()


@attrs.frozen(kw_only=True)
class BinaryOutcome(Instrument):
    """One outcome token of a prediction market (Polymarket: a market's YES or NO token;
    Hyperliquid HIP-4 outcomes).

    A token pays 1 unit of ``quote_currency`` (the collateral: pUSD, USDC) if its outcome
    happens and 0 otherwise, so prices lie between 0 and 1 (probabilities); ``quantity`` is a
    number of tokens (shares). ``condition_id`` identifies the question (the market) and
    ``token_id`` this outcome; ``complement_token_id`` is the other outcome's token where the
    market has two. ``resolution`` stays None until the market resolves
    (:class:`~tradeport.model.data.InstrumentResolved` announces it).
    """

    product_type: ClassVar[ProductType] = ProductType.BINARY_OUTCOME

    condition_id: str
    token_id: str
    outcome: str
    question: str = ""
    market_slug: str | None = None
    event_id: str | None = None
    complement_token_id: str | None = None
    expiry_ns: int | None = None
    resolution: ResolutionResult | None = None
    resolution_ns: int | None = None

    def _validate(self) -> None:
        super()._validate()
        for name in ("condition_id", "token_id", "outcome"):
            _check_text(name, getattr(self, name))
        for name in ("market_slug", "event_id", "complement_token_id"):
            _check_optional_text(name, getattr(self, name))
        if self.question.__class__ is not str:
            raise ValidationError("question", self.question, "must be a str")
        if self.price_increment.as_decimal() >= _ONE_DECIMAL:
            raise ValidationError(
                "price_increment", str(self.price_increment), "must be below 1 (prices are 0..1)"
            )
        for name in ("min_price", "max_price"):
            bound = getattr(self, name)
            if bound is not None and not _ZERO <= bound.as_decimal() <= _ONE_DECIMAL:
                raise ValidationError(name, str(bound), "must lie between 0 and 1")
        _check_optional_timestamp("expiry_ns", self.expiry_ns)
        _check_optional_timestamp("resolution_ns", self.resolution_ns)
        if self.resolution is not None and not isinstance(self.resolution, ResolutionResult):
            raise ValidationError("resolution", self.resolution, "must be a ResolutionResult")
        if (self.resolution is None) != (self.resolution_ns is None):
            raise ValidationError(
                "resolution_ns", self.resolution_ns, "must be set exactly when resolution is"
            )

    def is_valid_price(self, price: Price) -> bool:
        """Whether ``price`` lies strictly between 0 and 1 on the tick grid (a token at 0 or 1
        has nothing left to trade)."""
        value = price.as_decimal()
        return _ZERO < value < _ONE_DECIMAL and not value % self.price_increment.as_decimal()

    def liability(self, side: OrderSide, price: Price, quantity: Quantity) -> Money:
        """What the order can lose: a buy its cost ``price * quantity``, a sell (short the
        outcome) ``(1 - price) * quantity``."""
        value = price.as_decimal()
        per_token = value if side is OrderSide.BUY else _ONE_DECIMAL - value
        return Money(per_token * quantity.as_decimal(), self.quote_currency)


@attrs.frozen(kw_only=True)
class Equity(Instrument):
    """A listed share; ``quote_currency`` is its trading currency. ``primary_exchange`` is the
    listing exchange where the id's venue is a router (IB's ``SMART``); ``isin`` / ``cusip``
    identify the security across venues."""

    product_type: ClassVar[ProductType] = ProductType.EQUITY

    isin: str | None = None
    cusip: str | None = None
    primary_exchange: str | None = None

    def _validate(self) -> None:
        super()._validate()
        _check_isin(self.isin)
        if self.cusip is not None and (
            self.cusip.__class__ is not str or len(self.cusip) != 9 or not self.cusip.isalnum()
        ):
            raise ValidationError("cusip", self.cusip, "must be a 9-character CUSIP")
        _check_optional_text("primary_exchange", self.primary_exchange)


def _check_isin(isin: object) -> None:
    if isin is not None and (
        isin.__class__ is not str or len(isin) != 12 or not isin.isalnum()  # type: ignore[attr-defined]
    ):
        raise ValidationError("isin", isin, "must be a 12-character ISIN")


@attrs.frozen(kw_only=True)
class FxPair(Instrument):
    """A spot foreign-exchange pair (``EUR.USD`` at IB's IDEALPRO: base EUR, quote USD).
    ``quantity`` is in the base currency."""

    product_type: ClassVar[ProductType] = ProductType.FX

    base_currency: str

    def _validate(self) -> None:
        super()._validate()
        _check_currency_code("base_currency", self.base_currency)
        if self.base_currency == self.quote_currency:
            raise ValidationError(
                "base_currency", self.base_currency, "must differ from quote_currency"
            )


@attrs.frozen(kw_only=True)
class IndexInstrument(Instrument):
    """An index (``SPX.CBOE``): a published reference price with market data but no orders.
    ``size_increment`` is nominal (1)."""

    product_type: ClassVar[ProductType] = ProductType.INDEX


@attrs.frozen(kw_only=True)
class Cfd(Instrument):
    """A contract for difference on ``underlying`` (an index, a share, a commodity), settled
    in cash in ``quote_currency``."""

    product_type: ClassVar[ProductType] = ProductType.CFD

    underlying: str
    base_currency: str | None = None

    def _validate(self) -> None:
        super()._validate()
        _check_text("underlying", self.underlying)
        if self.base_currency is not None:
            _check_currency_code("base_currency", self.base_currency)


@attrs.frozen(kw_only=True)
class Bond(Instrument):
    """A bond. Prices are per ``face_value`` as the venue quotes them (usually percent of
    par); ``coupon_rate`` is a fraction per year (``0.045`` is 4.5 %)."""

    product_type: ClassVar[ProductType] = ProductType.BOND

    maturity_ns: int
    face_value: Money
    issuer: str | None = None
    isin: str | None = None
    cusip: str | None = None
    coupon_rate: Decimal | None = None
    coupon_frequency: int | None = None
    issue_ns: int | None = None

    def _validate(self) -> None:
        super()._validate()
        _check_timestamp("maturity_ns", self.maturity_ns)
        _check_optional_timestamp("issue_ns", self.issue_ns)
        if self.issue_ns is not None and self.issue_ns > self.maturity_ns:
            raise ValidationError("issue_ns", self.issue_ns, "is after maturity_ns")
        if self.face_value.__class__ is not Money or self.face_value.as_decimal() <= 0:
            raise ValidationError("face_value", self.face_value, "must be positive Money")
        _check_isin(self.isin)
        _check_optional_text("issuer", self.issuer)
        _check_optional_text("cusip", self.cusip)
        rate = self.coupon_rate
        if rate is not None and (not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0):
            raise ValidationError("coupon_rate", rate, "must be a non-negative Decimal or None")
        frequency = self.coupon_frequency
        if frequency is not None and (frequency.__class__ is not int or frequency < 0):
            raise ValidationError("coupon_frequency", frequency, "must be a non-negative int")
