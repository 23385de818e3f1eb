"""Events the simulated exchange produces, and the result every command returns.

Each state change produces one event. A call returns its events in order (``SimResult.events``
or a tuple) and delivers the same events, in the same order, to every subscribed listener. Every
event carries ``seq`` (strictly increasing across the exchange, so consumers can drop
duplicates) and ``ts`` (UNIX nanoseconds from the injected clock).

Within one call, order and public trade events come first, in the order they happened; balance,
position and book changes follow, one event per touched asset / position / book with its final
state (a venue pushes one account update per call, not one per fill).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeport.model.enums import AggressorSide

from tradeport_conformance.simulated.records import (
    CancelCause,
    RejectReason,
    SimBalance,
    SimFill,
    SimOrder,
    SimPosition,
)

BookLevel = tuple[Decimal, Decimal]
"""(price, size) of one price level; size 0 in a delta means the level was removed."""


@dataclass(frozen=True, slots=True)
class SimEvent:
    """Base of all events."""

    seq: int
    ts: int


@dataclass(frozen=True, slots=True)
class OrderEvent(SimEvent):
    """Base of events about one order; ``order`` is its state right after the event."""

    order: SimOrder


@dataclass(frozen=True, slots=True)
class OrderAccepted(OrderEvent):
    """The order is live at the venue (resting, pending a trigger, or about to match)."""


@dataclass(frozen=True, slots=True)
class OrderRejected(OrderEvent):
    """The submission was refused; the order never existed at the venue."""

    reason: RejectReason
    message: str


@dataclass(frozen=True, slots=True)
class OrderTriggered(OrderEvent):
    """A conditional order's trigger condition was met; it now works as a market or limit order."""


@dataclass(frozen=True, slots=True)
class OrderFilled(OrderEvent):
    """One execution; ``order`` holds the cumulative state (filled qty, avg price, status)."""

    fill: SimFill


@dataclass(frozen=True, slots=True)
class OrderCanceled(OrderEvent):
    """The order is canceled; ``cause`` says why (also on ``order.cancel_cause``)."""

    cause: CancelCause


@dataclass(frozen=True, slots=True)
class OrderExpired(OrderEvent):
    """A GTD or DAY order reached its expiry time (or the venue expired it by control)."""


@dataclass(frozen=True, slots=True)
class OrderAmended(OrderEvent):
    """Price, quantity or trigger price changed; ``previous`` is the state before.

    Produced by an amend, and by the exchange itself when it re-prices a resting PEGGED order
    or moves a trailing stop's trigger price.
    """

    previous: SimOrder


@dataclass(frozen=True, slots=True)
class AmendRejected(SimEvent):
    """An amend was refused; ``order`` is the unchanged order when it is known."""

    venue_order_id: str | None
    client_order_id: str | None
    reason: RejectReason
    message: str
    order: SimOrder | None


@dataclass(frozen=True, slots=True)
class CancelRejected(SimEvent):
    """A cancel was refused; ``order`` is the (finished) order when it is known."""

    venue_order_id: str | None
    client_order_id: str | None
    reason: RejectReason
    message: str
    order: SimOrder | None


@dataclass(frozen=True, slots=True)
class BalanceChanged(SimEvent):
    """The final state of one asset's balance after the call."""

    balance: SimBalance


@dataclass(frozen=True, slots=True)
class PositionChanged(SimEvent):
    """The final state of one position after the call."""

    position: SimPosition


@dataclass(frozen=True, slots=True)
class BookUpdated(SimEvent):
    """The external L2 book of ``symbol`` changed.

    With ``is_snapshot`` the levels are the whole book (best first); otherwise they are the changed
    levels only, size 0 meaning removed. ``sequence`` increases by one per update of this book.
    """

    symbol: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    is_snapshot: bool
    sequence: int


@dataclass(frozen=True, slots=True)
class PublicTrade(SimEvent):
    """A trade print on the public tape: the account's taker fills (same trade id as the fill)
    and trades injected with ``SimulatedExchange.trade``."""

    symbol: str
    trade_id: str
    price: Decimal
    quantity: Decimal
    aggressor_side: AggressorSide


@dataclass(frozen=True, slots=True)
class SimResult:
    """The outcome of one order command (submit, amend, cancel, or a fill/expire control).

    ``ok`` is False when the command was refused; then ``reason`` and ``message`` say why.
    ``order`` is the order's state after the command (``None`` when no order was found).
    ``events`` are all events the call produced, including those of other orders it touched.
    """

    ok: bool
    order: SimOrder | None
    reason: RejectReason | None
    message: str
    events: tuple[SimEvent, ...]

    @property
    def fills(self) -> tuple[SimFill, ...]:
        """The fills of this result's order, in order."""
        if self.order is None:
            return ()
        order_id = self.order.venue_order_id
        return tuple(
            event.fill
            for event in self.events
            if isinstance(event, OrderFilled) and event.fill.venue_order_id == order_id
        )
