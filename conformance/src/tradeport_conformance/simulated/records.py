"""Plain record types of the simulated exchange: instruments, orders, fills, positions, balances.

Everything the exchange hands out is a snapshot: changing a record you received changes nothing
inside the exchange. Amounts are :class:`~decimal.Decimal`, timestamps are ``int`` UNIX nanoseconds,
ids are ``str``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tradeport.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PegPriceType,
    PositionSide,
    ProductType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)

ZERO = Decimal(0)
ONE = Decimal(1)

# Quotients (average prices, inverse-contract values) are rounded to this many places when they
# have more, so every amount booked stays a short exact decimal and sums of them never round:
# ``total == free + locked`` holds exactly.
DIVISION_QUANTUM = Decimal("1e-12")
_DIVISION_EXPONENT = -12


def round_to_increment(value: Decimal, increment: Decimal, rounding: str) -> Decimal:
    """``value`` as a whole number of ``increment`` (a tick or lot of any size, e.g. 0.5),
    rounded with the ``decimal`` rounding mode ``rounding``."""
    return (value / increment).to_integral_value(rounding=rounding) * increment


def round_quotient(value: Decimal) -> Decimal:
    """``value`` rounded to :data:`DIVISION_QUANTUM` if it is finer (exact quotients keep their
    natural form, e.g. ``Decimal(210) / 2`` stays ``Decimal('105')``)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < _DIVISION_EXPONENT:
        return value.quantize(DIVISION_QUANTUM)
    return value


# Product types settled through margin and positions; the others (spot, equity, betting) move
# balances directly.
MARGIN_PRODUCTS = frozenset({ProductType.PERPETUAL, ProductType.FUTURE, ProductType.OPTION})

CONDITIONAL_ORDER_TYPES = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_MARKET,
        OrderType.TRAILING_STOP_LIMIT,
    }
)
TRAILING_ORDER_TYPES = frozenset({OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT})
# Order types that carry a limit price (after triggering, for the conditional ones). A PEGGED
# order works like a limit order at the price the exchange derives from its peg.
LIMIT_ORDER_TYPES = frozenset(
    {
        OrderType.LIMIT,
        OrderType.STOP_LIMIT,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_LIMIT,
        OrderType.PEGGED,
    }
)


class RejectReason(StrEnum):
    """Venue-neutral reason codes; each mock venue maps them to its own error codes."""

    UNKNOWN_INSTRUMENT = "UNKNOWN_INSTRUMENT"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_QUANTITY_INCREMENT = "INVALID_QUANTITY_INCREMENT"
    MIN_QUANTITY = "MIN_QUANTITY"
    MAX_QUANTITY = "MAX_QUANTITY"
    INVALID_PRICE = "INVALID_PRICE"
    INVALID_PRICE_INCREMENT = "INVALID_PRICE_INCREMENT"
    INVALID_TRIGGER_PRICE = "INVALID_TRIGGER_PRICE"
    MIN_NOTIONAL = "MIN_NOTIONAL"
    INVALID_EXPIRE_TIME = "INVALID_EXPIRE_TIME"
    UNSUPPORTED_ORDER_TYPE = "UNSUPPORTED_ORDER_TYPE"
    UNSUPPORTED_TIME_IN_FORCE = "UNSUPPORTED_TIME_IN_FORCE"
    INVALID_ORDER = "INVALID_ORDER"  # parameters that do not go together
    INVALID_POSITION_SIDE = "INVALID_POSITION_SIDE"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    WOULD_CROSS = "WOULD_CROSS"  # post-only order that would take liquidity
    WOULD_TRIGGER_IMMEDIATELY = "WOULD_TRIGGER_IMMEDIATELY"
    REDUCE_ONLY_VIOLATION = "REDUCE_ONLY_VIOLATION"
    DUPLICATE_CLIENT_ORDER_ID = "DUPLICATE_CLIENT_ORDER_ID"
    NO_LIQUIDITY = "NO_LIQUIDITY"  # quote-quantity market order against an empty book
    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    ORDER_NOT_OPEN = "ORDER_NOT_OPEN"
    QUANTITY_BELOW_FILLED = "QUANTITY_BELOW_FILLED"
    VENUE_REJECTED = "VENUE_REJECTED"  # default reason of `reject_next`


class CancelCause(StrEnum):
    """Why an order was canceled; mock venues map some of these to their own statuses
    (for example Binance reports an IOC remainder as ``EXPIRED``)."""

    CLIENT = "CLIENT"
    VENUE = "VENUE"
    UNFILLED_REMAINDER = "UNFILLED_REMAINDER"  # IOC or market order: what the book could not fill
    FOK_NOT_FILLED = "FOK_NOT_FILLED"
    POST_ONLY_WOULD_CROSS = "POST_ONLY_WOULD_CROSS"
    REDUCE_ONLY = "REDUCE_ONLY"  # nothing left to reduce
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"  # a triggered order could not be funded


class PostOnlyCross(StrEnum):
    """What happens to a post-only order that would take liquidity."""

    REJECT = "REJECT"  # rejected outright (Binance spot LIMIT_MAKER)
    CANCEL = "CANCEL"  # accepted, then canceled (Binance futures GTX, OKX, Bybit)


class ReduceOnlyExcess(StrEnum):
    """What happens to a reduce-only order larger than the position it reduces."""

    REJECT = "REJECT"
    CLAMP = "CLAMP"  # the order quantity is cut to the position size


class ImmediateTrigger(StrEnum):
    """What happens to a conditional order whose trigger condition already holds at submission."""

    TRIGGER = "TRIGGER"  # accepted and triggered at once
    REJECT = "REJECT"  # rejected (Binance: "Order would immediately trigger")


class IdStyle(StrEnum):
    """How venue order ids and trade ids look."""

    NUMERIC = "NUMERIC"  # decimal digits from a seeded counter (Binance, OKX)
    UUID = "UUID"  # UUID4 text drawn from the seeded RNG (Bybit, BitMEX)


@dataclass(frozen=True, slots=True)
class SimInstrument:
    """A tradable instrument and the rules orders are validated against.

    ``settle_asset`` defaults to the quote asset for linear contracts and to the base asset for
    inverse ones. For spot, ``fee_in_quote`` charges buy commissions in the quote asset instead
    of the received (base) asset. ``meta`` is opaque to the exchange: mock venues keep their own
    per-instrument data there.
    """

    symbol: str
    product_type: ProductType
    base_asset: str
    quote_asset: str
    tick_size: Decimal
    lot_size: Decimal
    settle_asset: str | None = None
    min_qty: Decimal = ZERO
    max_qty: Decimal | None = None
    min_notional: Decimal = ZERO
    maker_fee: Decimal = ZERO
    taker_fee: Decimal = ZERO
    multiplier: Decimal = ONE
    is_inverse: bool = False
    initial_margin_rate: Decimal = Decimal("0.1")
    fee_in_quote: bool = False
    #: Decimal places each fill's commission is rounded to (half-even), as venues report
    #: fees; None keeps the exact product of notional and rate.
    commission_decimals: int | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.tick_size <= 0 or self.lot_size <= 0:
            raise ValueError(f"{self.symbol}: tick_size and lot_size must be positive")
        if self.multiplier <= 0:
            raise ValueError(f"{self.symbol}: multiplier must be positive")
        if self.is_inverse and not self.uses_margin:
            raise ValueError(f"{self.symbol}: only derivatives can be inverse")
        if not 0 < self.initial_margin_rate <= 1:
            raise ValueError(f"{self.symbol}: initial_margin_rate must be in (0, 1]")
        if self.settle_asset is None:
            settle = self.base_asset if self.is_inverse else self.quote_asset
            object.__setattr__(self, "settle_asset", settle)

    @property
    def uses_margin(self) -> bool:
        """True for derivatives (positions and margin), False for cash products (balances)."""
        return self.product_type in MARGIN_PRODUCTS

    @property
    def settlement_asset(self) -> str:
        """The asset margin, PnL and derivative commissions are booked in."""
        assert self.settle_asset is not None  # set in __post_init__
        return self.settle_asset

    @property
    def price_precision(self) -> int:
        """Decimal places of the tick size."""
        return max(0, -int(self.tick_size.normalize().as_tuple().exponent))

    @property
    def size_precision(self) -> int:
        """Decimal places of the lot size."""
        return max(0, -int(self.lot_size.normalize().as_tuple().exponent))

    def fee(self, amount: Decimal, rate: Decimal) -> Decimal:
        """The commission on ``amount`` at ``rate``, rounded to ``commission_decimals``."""
        commission = amount * rate
        if self.commission_decimals is not None:
            commission = commission.quantize(Decimal(1).scaleb(-self.commission_decimals))
        return commission

    def notional(self, quantity: Decimal, price: Decimal) -> Decimal:
        """Value in quote units: what ``min_notional`` is compared with.

        Inverse contracts have a fixed face value in the quote asset (e.g. 1 USD per contract).
        """
        if self.is_inverse:
            return quantity * self.multiplier
        return quantity * price * self.multiplier

    def settle_value(self, quantity: Decimal, price: Decimal) -> Decimal:
        """Value in the settlement asset: what margin and commissions are computed on."""
        if self.is_inverse:
            return round_quotient(quantity * self.multiplier / price)
        return quantity * price * self.multiplier

    def pnl(
        self, entry_price: Decimal, exit_price: Decimal, quantity: Decimal, long: bool
    ) -> Decimal:
        """Realized PnL in the settlement asset of closing ``quantity`` bought/sold at entry."""
        if self.is_inverse:
            pnl = round_quotient(
                quantity * self.multiplier * (ONE / entry_price - ONE / exit_price)
            )
        else:
            pnl = quantity * self.multiplier * (exit_price - entry_price)
        return pnl if long else -pnl


@dataclass(slots=True)
class SimOrder:
    """An order as the exchange sees it.

    The exchange only hands out copies, so a record you hold keeps the state of the moment it was
    produced (an ``OrderAccepted`` event still says ACCEPTED after the order filled).
    Rejected submissions have ``venue_order_id == ""``: they never existed at the venue.
    For ``DAY`` orders ``expire_time_ns`` holds the computed end of day.
    """

    venue_order_id: str
    client_order_id: str | None
    symbol: str
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    trigger_type: TriggerType = TriggerType.DEFAULT
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_time_ns: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    position_side: PositionSide | None = None
    quote_quantity: Decimal | None = None
    trailing_offset: Decimal | None = None
    trailing_offset_type: TrailingOffsetType = TrailingOffsetType.PRICE
    activation_price: Decimal | None = None
    # TRAILING_STOP_LIMIT without a price: on triggering, the limit price is the trigger price
    # minus (sell) / plus (buy) this offset, in units of trailing_offset_type.
    limit_offset: Decimal | None = None
    peg_price_type: PegPriceType | None = None  # PEGGED: the reference its price follows
    peg_offset: Decimal | None = None  # PEGGED: signed price offset from the reference
    status: OrderStatus = OrderStatus.SUBMITTED
    filled_qty: Decimal = ZERO
    filled_quote: Decimal = ZERO  # sum of fill qty * price (Binance cummulativeQuoteQty)
    avg_px: Decimal | None = None
    commission: Decimal = ZERO
    commission_asset: str = ""
    ts_created: int = 0
    ts_updated: int = 0
    ts_triggered: int | None = None
    cancel_cause: CancelCause | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def leaves_qty(self) -> Decimal:
        """Quantity still to fill."""
        return self.quantity - self.filled_qty

    @property
    def is_open(self) -> bool:
        """True while the order can still fill, trigger, be amended or canceled."""
        return self.status.is_open

    @property
    def is_conditional(self) -> bool:
        """True for stop, if-touched and trailing orders."""
        return self.order_type in CONDITIONAL_ORDER_TYPES

    def copy(self) -> SimOrder:
        """A snapshot of this record (``meta`` is shared: the exchange never changes it)."""
        return _clone_order(self)


def _compile_clone(cls: type) -> Callable[[Any], Any]:
    """Build ``clone(src)`` copying every slot of ``cls`` with plain attribute assignments.

    Snapshots are taken on every order event, so this is the hottest path of the exchange; the
    generated straight-line function is five times faster than a loop over the slots (and
    ten times faster than ``copy.copy``), and it cannot miss a field added later.
    """
    slots: tuple[str, ...] = cls.__slots__  # type: ignore[attr-defined]
    lines = ["def clone(src):", "    dst = new(cls)"]
    lines += [f"    dst.{name} = src.{name}" for name in slots]
    lines.append("    return dst")
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    exec("\n".join(lines), namespace)
    clone: Callable[[Any], Any] = namespace["clone"]
    return clone


_clone_order = _compile_clone(SimOrder)


@dataclass(frozen=True, slots=True)
class SimFill:
    """One execution of an order. ``quote_quantity`` is ``quantity * price``; ``realized_pnl``
    is set for derivatives only."""

    trade_id: str
    venue_order_id: str
    client_order_id: str | None
    symbol: str
    side: OrderSide
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    commission: Decimal
    commission_asset: str
    liquidity_side: LiquiditySide
    ts: int
    realized_pnl: Decimal | None = None
    position_side: PositionSide | None = None


@dataclass(frozen=True, slots=True)
class SimPosition:
    """A derivative position. ``position_side`` is the hedge-mode leg (LONG/SHORT) or ``None``
    in netting mode; ``side`` is the direction held now (FLAT when ``quantity`` is zero)."""

    symbol: str
    position_side: PositionSide | None
    side: PositionSide
    quantity: Decimal
    avg_entry_price: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    margin: Decimal
    settle_asset: str
    ts_opened: int | None
    ts_updated: int

    @property
    def signed_quantity(self) -> Decimal:
        """Quantity with the sign of the direction: positive long, negative short."""
        return -self.quantity if self.side is PositionSide.SHORT else self.quantity


@dataclass(frozen=True, slots=True)
class SimBalance:
    """Balance of one asset: ``total == free + locked`` always."""

    asset: str
    total: Decimal
    free: Decimal
    locked: Decimal
