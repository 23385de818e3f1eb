"""Execution reports for reconciliation: order status, fills, positions, account state, and
the mass status that holds them all. Field names follow NautilusTrader's reports.

Reports describe the venue's view; they are validated only where a contradiction would make
them useless (a FLAT position with a quantity, a balance whose parts do not add up).
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from tradeport.errors import ValidationError
from tradeport.model.enums import (
    AccountType,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PegPriceType,
    PositionSide,
    ResolutionResult,
    SettlementStatus,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    OrderListId,
    PositionId,
    TradeId,
    Venue,
    VenueOrderId,
)
from tradeport.model.numbers import Money, Price, Quantity

__all__ = [
    "OrderStatusReport",
    "FillReport",
    "PositionStatusReport",
    "AccountBalance",
    "MarginBalance",
    "Exposure",
    "AccountState",
    "SettlementReport",
    "ExecutionMassStatus",
]


@attrs.frozen(kw_only=True)
class OrderStatusReport:
    """The venue's current view of one order.

    ``client_order_id`` is None when the order was placed outside this client (or the venue
    does not echo it). ``avg_px`` is the average fill price (a Decimal: it may need more
    decimals than the instrument's price precision). ``ts_accepted`` is when the venue took
    the order, ``ts_last`` its last change.

    A PEGGED order reports its current (derived) ``price`` and, when the venue says, its peg
    as :class:`~tradeport.model.orders.Order` carries it: ``peg_price_type`` (the reference)
    and ``peg_offset``, the signed offset from it (a Price: it may be negative). Both are
    refused on other order types (a trailing stop's trailing peg is ``trailing_offset``).
    """

    account_id: AccountId | None = None
    instrument_id: InstrumentId
    client_order_id: ClientOrderId | None = None
    venue_order_id: VenueOrderId
    order_list_id: OrderListId | None = None
    venue_position_id: PositionId | None = None
    order_side: OrderSide
    order_type: OrderType
    time_in_force: TimeInForce
    order_status: OrderStatus
    quantity: Quantity
    filled_qty: Quantity
    price: Price | None = None
    trigger_price: Price | None = None
    trigger_type: TriggerType | None = None
    limit_offset: Decimal | None = None
    trailing_offset: Decimal | None = None
    trailing_offset_type: TrailingOffsetType | None = None
    peg_price_type: PegPriceType | None = None
    peg_offset: Price | None = None
    avg_px: Decimal | None = None
    display_qty: Quantity | None = None
    expire_time_ns: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    cancel_reason: str | None = None
    ts_accepted: int
    ts_triggered: int | None = None
    ts_last: int
    ts_init: int

    def __attrs_post_init__(self) -> None:
        if self.peg_price_type is None and self.peg_offset is None:
            return
        if self.order_type is not OrderType.PEGGED:
            name = "peg_price_type" if self.peg_price_type is not None else "peg_offset"
            raise ValidationError(
                name,
                str(getattr(self, name)),
                f"is only allowed for PEGGED orders, not {self.order_type}",
            )
        if self.peg_price_type is not None and not isinstance(self.peg_price_type, PegPriceType):
            raise ValidationError("peg_price_type", self.peg_price_type, "must be a PegPriceType")
        if self.peg_offset is not None and self.peg_offset.__class__ is not Price:
            raise ValidationError("peg_offset", self.peg_offset, "must be a Price or None")

    @property
    def leaves_qty(self) -> Quantity:
        """Quantity still open (zero if the venue reports more filled than ordered)."""
        if self.filled_qty >= self.quantity:
            return Quantity.from_raw(0, max(self.quantity.precision, self.filled_qty.precision))
        return self.quantity - self.filled_qty

    @property
    def is_open(self) -> bool:
        """Whether the order can still fill."""
        return self.order_status.is_open


@attrs.frozen(kw_only=True)
class FillReport:
    """One fill (trade) of an order, as the venue reports it.

    ``settlement`` says whether the fill is final: PROVISIONAL while it waits for on-chain
    settlement, FINAL once settled (or at once on most venues), REVERSED when the settlement
    failed or the venue voided it. The same ``trade_id`` reported again with a later state is
    how a venue confirms or reverses it; ``settlement_detail`` keeps the venue's own state
    (Polymarket ``MATCHED``, ``MINED``, ``RETRYING``, ``FAILED``).
    """

    account_id: AccountId | None = None
    instrument_id: InstrumentId
    venue_order_id: VenueOrderId
    client_order_id: ClientOrderId | None = None
    venue_position_id: PositionId | None = None
    trade_id: TradeId
    order_side: OrderSide
    last_qty: Quantity
    last_px: Price
    commission: Money
    liquidity_side: LiquiditySide
    ts_event: int
    ts_init: int
    settlement: SettlementStatus = SettlementStatus.FINAL
    settlement_detail: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.settlement, SettlementStatus):
            raise ValidationError("settlement", self.settlement, "must be a SettlementStatus")

    @property
    def is_provisional(self) -> bool:
        """Whether the fill still waits for its settlement."""
        return self.settlement is SettlementStatus.PROVISIONAL


@attrs.frozen(kw_only=True)
class PositionStatusReport:
    """The venue's view of a position: side, absolute quantity, average open price.

    ``quantity`` is never negative; ``position_side`` gives the direction, and FLAT goes with
    a zero quantity (and only then).
    """

    account_id: AccountId | None = None
    instrument_id: InstrumentId
    venue_position_id: PositionId | None = None
    position_side: PositionSide
    quantity: Quantity
    avg_px_open: Decimal | None = None
    unrealized_pnl: Money | None = None
    ts_last: int
    ts_init: int

    def __attrs_post_init__(self) -> None:
        flat = self.position_side is PositionSide.FLAT
        if flat and self.quantity:
            raise ValidationError(
                "quantity", str(self.quantity), "must be zero for a FLAT position"
            )
        if not flat and not self.quantity:
            raise ValidationError(
                "quantity",
                str(self.quantity),
                f"must be positive for a {self.position_side} position",
            )

    @property
    def signed_quantity(self) -> Decimal:
        """Quantity with the sign of the side (negative when short)."""
        value = self.quantity.as_decimal()
        return -value if self.position_side is PositionSide.SHORT else value


@attrs.frozen
class AccountBalance:
    """One currency's balance: ``total == locked + free`` (all in the same currency)."""

    total: Money
    locked: Money
    free: Money

    def __attrs_post_init__(self) -> None:
        for name in ("total", "locked", "free"):
            if getattr(self, name).__class__ is not Money:
                raise ValidationError(name, getattr(self, name), "must be Money")
        currency = self.total.currency
        for name in ("locked", "free"):
            if getattr(self, name).currency != currency:
                raise ValidationError(
                    name, str(getattr(self, name)), f"is not in the total's currency {currency}"
                )
        if self.locked + self.free != self.total:
            raise ValidationError(
                "total", str(self.total), f"is not locked + free ({self.locked} + {self.free})"
            )

    @property
    def currency(self) -> str:
        """The balance's currency code."""
        return self.total.currency


@attrs.frozen
class MarginBalance:
    """Margin in use: initial and maintenance, per instrument where the venue says so."""

    initial: Money
    maintenance: Money
    instrument_id: InstrumentId | None = None

    def __attrs_post_init__(self) -> None:
        if self.initial.currency != self.maintenance.currency:
            raise ValidationError(
                "maintenance",
                str(self.maintenance),
                f"is not in the initial margin's currency {self.initial.currency}",
            )

    @property
    def currency(self) -> str:
        """The margin's currency code."""
        return self.initial.currency


@attrs.frozen(kw_only=True)
class Exposure:
    """What an account can lose on one market (betting) or instrument: the worst outcome's
    loss (``liability``, positive), held against the balance (it is part of ``locked``).

    A betting market's exposure is per market (``market_id``: its runners net against each
    other); ``instrument_id`` names one selection or outcome token where the venue reports
    per instrument. At least one of the two is given.
    """

    liability: Money
    market_id: str | None = None
    instrument_id: InstrumentId | None = None

    def __attrs_post_init__(self) -> None:
        if self.liability.__class__ is not Money or self.liability.as_decimal() < 0:
            raise ValidationError("liability", self.liability, "must be non-negative Money")
        if self.market_id is None and self.instrument_id is None:
            raise ValidationError("market_id", None, "or instrument_id is required")

    @property
    def currency(self) -> str:
        """The liability's currency code."""
        return self.liability.currency


@attrs.frozen(kw_only=True)
class AccountState:
    """Balances (and margins) of an account. ``reported`` is True when the venue sent them,
    False when they were calculated locally.

    Betting and prediction-market accounts add ``exposures``: the liability of open bets or
    positions per market (Betfair ``getAccountFunds.exposure`` in total, per market from
    ``listMarketProfitAndLoss``); it is money the balance holds back, so a balance's
    ``free`` is what can still be staked.
    """

    account_id: AccountId
    account_type: AccountType
    base_currency: str | None = None
    balances: tuple[AccountBalance, ...]
    margins: tuple[MarginBalance, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    reported: bool = True
    ts_event: int
    ts_init: int

    def balance(self, currency: str) -> AccountBalance | None:
        """The balance in ``currency``, if any."""
        for balance in self.balances:
            if balance.currency == currency:
                return balance
        return None

    def total_exposure(self, currency: str) -> Money:
        """The sum of the exposures in ``currency`` (zero when none)."""
        total = Money(0, currency)
        for exposure in self.exposures:
            if exposure.currency == currency:
                total = total + exposure.liability
        return total


@attrs.frozen(kw_only=True)
class SettlementReport:
    """A position was settled after its market resolved: a betting runner won or lost, an
    outcome token paid out. ``pnl`` is the realized profit (negative for a loss) including
    ``commission``; ``order_ids`` are the venue's bet or order ids it settled."""

    account_id: AccountId | None = None
    instrument_id: InstrumentId
    result: ResolutionResult
    pnl: Money
    commission: Money | None = None
    order_ids: tuple[VenueOrderId, ...] = ()
    ts_event: int
    ts_init: int

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.result, ResolutionResult):
            raise ValidationError("result", self.result, "must be a ResolutionResult")
        if self.commission is not None and self.commission.currency != self.pnl.currency:
            raise ValidationError(
                "commission",
                str(self.commission),
                f"is not in the pnl's currency {self.pnl.currency}",
            )


@attrs.frozen(kw_only=True)
class ExecutionMassStatus:
    """Everything the venue reports for an account at once: open (and recent) orders, fills
    over a lookback window, and positions."""

    venue: Venue
    account_id: AccountId | None = None
    order_reports: tuple[OrderStatusReport, ...] = ()
    fill_reports: tuple[FillReport, ...] = ()
    position_reports: tuple[PositionStatusReport, ...] = ()
    ts_init: int

    def fills_for(self, venue_order_id: VenueOrderId) -> tuple[FillReport, ...]:
        """The fill reports of one order."""
        return tuple(f for f in self.fill_reports if f.venue_order_id == venue_order_id)
