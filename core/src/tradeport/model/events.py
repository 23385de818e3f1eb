"""Order events: what happened to an order, as reported by the venue.

Every event derives from :class:`OrderEvent` and carries the instrument, the client order id,
the venue order id and account where known, and ``ts_event`` / ``ts_init`` in UNIX ns.
Constructors are keyword-only. ``reconciliation`` marks events inferred from reports (after a
reconnect) rather than seen live.
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

from tradeport.errors import ValidationError
from tradeport.model.enums import LiquiditySide, OrderSide, OrderType, SettlementStatus
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    TradeId,
    VenueOrderId,
)
from tradeport.model.numbers import Money, Price, Quantity

__all__ = [
    "OrderEvent",
    "OrderSubmitted",
    "OrderAccepted",
    "OrderRejected",
    "OrderUpdated",
    "OrderModifyRejected",
    "OrderCanceled",
    "OrderCancelRejected",
    "OrderTriggered",
    "OrderExpired",
    "OrderFilled",
    "OrderFillConfirmed",
    "OrderFillReversed",
    "AnyOrderEvent",
]


@attrs.frozen(kw_only=True)
class OrderEvent:
    """Base of every order event."""

    instrument_id: InstrumentId
    client_order_id: ClientOrderId
    venue_order_id: VenueOrderId | None = None
    account_id: AccountId | None = None
    reconciliation: bool = False
    ts_event: int
    ts_init: int


@attrs.frozen(kw_only=True)
class OrderSubmitted(OrderEvent):
    """The order left for the venue (no answer yet)."""


@attrs.frozen(kw_only=True)
class OrderAccepted(OrderEvent):
    """The venue accepted the order (it is working)."""


@attrs.frozen(kw_only=True)
class OrderRejected(OrderEvent):
    """The venue definitively refused the order; ``reason`` is the venue's text.
    ``due_post_only`` says a post-only order was refused because it would have crossed."""

    reason: str
    due_post_only: bool = False


@attrs.frozen(kw_only=True)
class OrderUpdated(OrderEvent):
    """The venue applied a modification; the fields are the order's new values."""

    quantity: Quantity
    price: Price | None = None
    trigger_price: Price | None = None


@attrs.frozen(kw_only=True)
class OrderModifyRejected(OrderEvent):
    """The venue refused a modification; the order is unchanged."""

    reason: str


@attrs.frozen(kw_only=True)
class OrderCanceled(OrderEvent):
    """The order was canceled (by request, by the venue, or as the rest of an IOC)."""


@attrs.frozen(kw_only=True)
class OrderCancelRejected(OrderEvent):
    """The venue refused a cancel (unknown or already finished order)."""

    reason: str


@attrs.frozen(kw_only=True)
class OrderTriggered(OrderEvent):
    """A stop / if-touched / trailing order triggered."""


@attrs.frozen(kw_only=True)
class OrderExpired(OrderEvent):
    """The order expired (GTD, DAY)."""


@attrs.frozen(kw_only=True)
class OrderFilled(OrderEvent):
    """A (partial) fill: ``last_qty`` at ``last_px``, identified by the venue's ``trade_id``.

    ``commission`` is positive for a fee and negative for a rebate. ``settlement`` is FINAL
    on most venues; a PROVISIONAL fill (matched, not yet settled on chain) is later followed by
    :class:`OrderFillConfirmed` or :class:`OrderFillReversed` with the same ``trade_id``.
    """

    trade_id: TradeId
    order_side: OrderSide
    order_type: OrderType
    last_qty: Quantity
    last_px: Price
    commission: Money
    liquidity_side: LiquiditySide
    position_id: PositionId | None = None
    settlement: SettlementStatus = SettlementStatus.FINAL

    def __attrs_post_init__(self) -> None:
        if not self.last_qty:
            raise ValidationError("last_qty", str(self.last_qty), "must be positive")
        if self.settlement is SettlementStatus.REVERSED or not isinstance(
            self.settlement, SettlementStatus
        ):
            raise ValidationError(
                "settlement",
                self.settlement,
                "must be FINAL or PROVISIONAL (a reversal is an OrderFillReversed)",
            )


@attrs.frozen(kw_only=True)
class OrderFillConfirmed(OrderEvent):
    """A PROVISIONAL fill (``trade_id``) settled: it is final now, nothing else changes.
    ``detail`` is the venue's word for it (Polymarket ``CONFIRMED``)."""

    trade_id: TradeId
    last_qty: Quantity
    last_px: Price
    detail: str | None = None


@attrs.frozen(kw_only=True)
class OrderFillReversed(OrderEvent):
    """A published fill (``trade_id``) did not happen after all: its settlement failed
    (Polymarket ``FAILED``) or the venue voided it (a matched bet voided). Undo exactly what
    the OrderFilled added: ``last_qty`` at ``last_px`` and ``commission`` (the values of that
    fill). The order's filled quantity goes down by ``last_qty``; an order the fill had
    completed is working again unless the venue closes it."""

    trade_id: TradeId
    order_side: OrderSide
    last_qty: Quantity
    last_px: Price
    commission: Money
    reason: str

    def __attrs_post_init__(self) -> None:
        if not self.last_qty:
            raise ValidationError("last_qty", str(self.last_qty), "must be positive")


#: Any concrete order event.
AnyOrderEvent: TypeAlias = (
    OrderSubmitted
    | OrderAccepted
    | OrderRejected
    | OrderUpdated
    | OrderModifyRejected
    | OrderCanceled
    | OrderCancelRejected
    | OrderTriggered
    | OrderExpired
    | OrderFilled
    | OrderFillConfirmed
    | OrderFillReversed
)
