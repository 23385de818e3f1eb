"""Order events exactly once: one order tracker for every execution client.

A venue tells an execution client about an order several ways: the REST answer to a command,
one or more private stream topics (orders, fills), and queries after a reconnect. They overlap,
repeat and arrive in any order. :class:`OrderTracker` turns all of them into order events so
that each event is published once, in a sensible order, whatever the venue sends.

The contract for a plugin author
--------------------------------
The tracker takes the *normalised* form every plugin already builds for reconciliation, never
venue records: parse a venue row into an :class:`~tradeport.model.reports.OrderStatusReport`
or a :class:`~tradeport.model.reports.FillReport` (the parsers stay in the plugin), feed it, and
publish the events returned, in the order returned. It is pure logic: no I/O, no locks, no
awaiting. Feed it from one task at a time (or under one lock) so the events of one order are
published in the order they were made.

Inputs::

    tracker.track(order)                                   # before sending a submit
    tracker.accepted(client_order_id, venue_order_id, ts_event=...)   # command acks
    tracker.rejected(client_order_id, reason, ts_event=...)
    tracker.canceled(client_order_id, venue_order_id, ts_event=...)
    tracker.modified(client_order_id, venue_order_id, quantity=..., price=..., ts_event=...)
    tracker.on_order_report(report, fills=(), sequence=None)  # stream rows, REST, queries
    tracker.on_fill_report(fill)                            # fills, wherever they came from
    tracker.on_any_fill_report(fill)    # account-wide fills: foreign ones come back as the report

Every input returns ``list[AnyOrderEvent]``: the events not published before (often none).

Rules
-----
* **Once.** OrderAccepted, OrderTriggered and the terminal event (OrderCanceled, OrderExpired,
  OrderRejected) are published at most once per order; OrderFilled once per fill, keyed by
  ``(instrument, venue order id, trade id)`` in a bounded :class:`~tradeport.clients.dedup.SeenIds`
  (a self-trade gives two orders the same trade id).
* **Order.** Within one call: accepted, triggered, fills, updated, terminal. Across calls: a
  fill proves acceptance (OrderAccepted first if it was missing) and, for a conditional order
  (stop, if-touched, trailing), the trigger (OrderTriggered first); nothing but a late fill
  follows a terminal event.
* **Stale rows.** When the venue numbers its order updates, pass ``sequence=``: a row whose
  sequence is not above the last applied one only contributes its fills. Without a sequence a
  row is stale when its ``ts_last`` is older, or its ``filled_qty`` lower, than a row already
  applied. Nothing but fills changes a closed order.
* **Fills before their order row** are applied at once (accepted, triggered, filled). A fill
  whose order is not known yet by either id (the venue order id is learned later, from the
  REST answer or an order row) is parked, bounded, and published as soon as an input names
  that venue order id.
* **Fills still to come.** A terminal row that reports more filled than the fills published
  does not close the order yet: its terminal event is held and published right after the
  fills that cover the reported quantity. :meth:`OrderTracker.missing_fill_qty` tells the
  plugin, *before* applying a row, that it should fetch the order's fills (and pass them as
  ``fills=``); :meth:`OrderTracker.awaiting_fills` lists orders still waiting (query their
  fills after a reconnect); :meth:`OrderTracker.release` publishes a held terminal event
  without the fills when the plugin gives up on them.
* **Amend echoes.** OrderUpdated only when quantity, price or trigger price differ from what
  is known, whether the change comes from an order row or from a modify acknowledgement
  (:meth:`OrderTracker.modified`); the echo of a change already published gives nothing. A
  price the row does not carry (``None``) means "not reported", not "removed"; a value the
  tracker did not know (a pegged order's first price, a trailing stop's first trigger price)
  is learned, not published as a change (later moves are: a re-pegged price, a trailed stop);
  the limit price of a market-style order (some venues report a protection price) is ignored.
* **Rejections.** OrderRejected only for an order that was never accepted (a REJECTED row of
  an accepted order closes it as canceled). A CANCELED or REJECTED row of an unaccepted order
  whose ``cancel_reason`` the plugin's ``post_only_rejection`` predicate recognises becomes
  OrderRejected with ``due_post_only=True``.
* **External orders** (placed elsewhere: another session, the venue's web page) are ignored
  by default: the inputs return nothing and the plugin, seeing ``find(...)`` is None, may hand
  the report itself over for reconciliation. With ``adopt_external=True`` an order row that
  carries a client order id is adopted (events need one) and its events follow; fills of an
  order never seen in a row are parked, as above. :meth:`OrderTracker.adopt` adopts one
  explicitly (e.g. before cancelling an order found by reconciliation).
* **Fills that settle later.** A FillReport's ``settlement`` says whether it is final. A
  PROVISIONAL fill is published at once as OrderFilled(settlement=PROVISIONAL) and counts
  toward the filled quantity; the same trade reported FINAL later gives one
  OrderFillConfirmed, reported REVERSED one OrderFillReversed that carries exactly the
  quantity, price and commission the OrderFilled added (and takes them off the filled
  quantity; an order that fill had completed is open again). A reversal of a FINAL fill (a
  voided bet) works the same way. Repeats of any state give nothing; a REVERSED report of a
  trade never published is remembered, so the provisional report arriving after it stays
  silent. The order of arrival does not matter beyond that: a FINAL report first is simply
  a final fill.
* **Betting lapses.** A LAPSED row (the unmatched part of a bet lapsed at the in-play turn)
  is terminal and publishes OrderExpired: the order's persistence (its time in force) ran
  out.
* **Reconnects.** :meth:`OrderTracker.open_orders` lists the orders worth querying: accepted
  or in flight, and not closed.
* **Bounded memory.** Closed orders are kept (so late repeats stay silent) up to
  ``closed_capacity``, then forgotten oldest first; trade ids and parked fills are bounded.

Events carry ``account_id`` from the report, else the tracker's ``account_id``; ``ts_init``
comes from ``clock`` (UNIX ns; pass a fake clock in tests).

A complete, runnable example (a terminal row before its fill, a repeated fill, a stale row)
is in docs/plugin-guide.md, "Order events exactly once"; the tests run it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import attrs

from tradeport.clients.dedup import SeenIds
from tradeport.model.enums import OrderSide, OrderStatus, OrderType, SettlementStatus
from tradeport.model.events import (
    AnyOrderEvent,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFillConfirmed,
    OrderFilled,
    OrderFillReversed,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from tradeport.model.identifiers import AccountId, ClientOrderId, InstrumentId, VenueOrderId
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.orders import Order
from tradeport.model.reports import FillReport, OrderStatusReport

__all__ = ["OrderTracker", "TrackedOrder", "CONDITIONAL_ORDER_TYPES"]

#: Order types that must trigger before they can fill.
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
#: Order types whose limit price a venue may report but which do not have one.
_NO_LIMIT_PRICE = frozenset(
    {
        OrderType.MARKET,
        OrderType.STOP_MARKET,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.TRAILING_STOP_MARKET,
    }
)
_TERMINAL = frozenset(
    {
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
        OrderStatus.FILLED,
        OrderStatus.REJECTED,
        OrderStatus.LAPSED,
    }
)
_PROVISIONAL = SettlementStatus.PROVISIONAL
_FINAL = SettlementStatus.FINAL
_REVERSED = SettlementStatus.REVERSED
FillKey = tuple[InstrumentId, VenueOrderId, Any]


@attrs.define
class _PublishedFill:
    """What an OrderFilled added, kept so that a reversal can take exactly that back."""

    client_order_id: ClientOrderId
    order_side: OrderSide
    last_qty: Quantity
    last_px: Price
    commission: Money
    settlement: SettlementStatus


@attrs.define
class TrackedOrder:
    """What the tracker knows about one order and which events it has published."""

    client_order_id: ClientOrderId
    instrument_id: InstrumentId
    order_type: OrderType
    side: OrderSide | None = None
    quantity: Quantity | None = None
    price: Price | None = None
    trigger_price: Price | None = None
    venue_order_id: VenueOrderId | None = None
    #: OrderAccepted was published (or the order was adopted as already working).
    accepted: bool = False
    #: OrderTriggered was published.
    triggered: bool = False
    #: The terminal event was published (or the last fill of a filled order).
    closed: bool = False
    #: Sum of the fills published.
    filled_qty: Decimal = Decimal(0)
    #: Highest filled quantity an order report claimed.
    reported_filled_qty: Decimal = Decimal(0)
    #: ``sequence`` of the last order report applied (None: the venue gives none).
    sequence: int | None = None
    #: ``ts_last`` of the last order report applied.
    ts_last: int = 0
    #: A terminal event waiting for fills (see :meth:`OrderTracker.release`).
    held_terminal: AnyOrderEvent | None = None
    #: A FILLED report arrived; the order closes when the fills cover ``reported_filled_qty``.
    awaiting_fill_close: bool = False
    #: Every venue order id the order was known by (a triggered algo order may get a new one).
    venue_order_ids: set[VenueOrderId] = attrs.field(factory=set)
    #: Closed by its last fill (no terminal event): a reversed fill opens it again.
    closed_by_fill: bool = False

    @property
    def is_open(self) -> bool:
        """Not closed: working at the venue, or in flight (worth querying after a reconnect)."""
        return not self.closed

    @property
    def is_awaiting_fills(self) -> bool:
        """A terminal row reported fills the tracker has not seen yet."""
        return not self.closed and (self.held_terminal is not None or self.awaiting_fill_close)


class OrderTracker:
    """Turns normalised order and fill reports into order events (see the module docstring).

    :param account_id: put on events whose input carries none.
    :param adopt_external: adopt orders this client did not submit (see the module docstring).
    :param post_only_rejection: recognises a ``cancel_reason`` meaning "post-only would cross".
    :param closed_capacity: closed orders remembered before the oldest are forgotten.
    :param trade_id_capacity: fill keys remembered for de-duplication.
    :param parked_capacity: fills of not-yet-known orders kept, oldest dropped first.
    :param clock: UNIX ns for ``ts_init``.
    """

    def __init__(
        self,
        account_id: AccountId | None = None,
        *,
        adopt_external: bool = False,
        post_only_rejection: Callable[[str | None], bool] | None = None,
        closed_capacity: int = 10_000,
        trade_id_capacity: int = 100_000,
        parked_capacity: int = 1_000,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        if closed_capacity < 1 or parked_capacity < 1:
            raise ValueError("closed_capacity and parked_capacity must be at least 1")
        self.account_id = account_id
        self.adopt_external = adopt_external
        self._post_only_rejection = post_only_rejection or (lambda _reason: False)
        self._closed_capacity = closed_capacity
        self._parked_capacity = parked_capacity
        self._clock = clock
        self._by_client_id: dict[ClientOrderId, TrackedOrder] = {}
        self._by_venue_id: dict[VenueOrderId, TrackedOrder] = {}
        self._closed: OrderedDict[ClientOrderId, None] = OrderedDict()
        self._fill_keys = SeenIds(trade_id_capacity)
        #: Fills of orders not tracked, handed over once (on_any_fill_report).
        self._foreign_fill_keys = SeenIds(trade_id_capacity)
        #: The fills published (or reversed before being seen), newest last, bounded like
        #: the trade ids: what a confirmation or a reversal refers to.
        self._fills: OrderedDict[FillKey, _PublishedFill | None] = OrderedDict()
        self._fill_capacity = trade_id_capacity
        self._parked: OrderedDict[tuple[VenueOrderId, str], tuple[FillReport, bool]] = OrderedDict()

    # -- bookkeeping -------------------------------------------------------------------------

    def track(self, order: Order) -> TrackedOrder:
        """Start tracking an order this client is about to submit (replaces a previous one
        with the same client order id)."""
        tracked = TrackedOrder(
            client_order_id=order.client_order_id,
            instrument_id=order.instrument_id,
            order_type=order.order_type,
            side=order.side,
            quantity=order.quantity,
            price=order.price,
            trigger_price=order.trigger_price,
        )
        self._by_client_id[order.client_order_id] = tracked
        self._closed.pop(order.client_order_id, None)
        return tracked

    def adopt(
        self,
        *,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId,
        order_type: OrderType,
        venue_order_id: VenueOrderId | None = None,
        side: OrderSide | None = None,
        quantity: Quantity | None = None,
        price: Price | None = None,
        trigger_price: Price | None = None,
        accepted: bool = True,
    ) -> TrackedOrder:
        """Track an order placed elsewhere; ``accepted=True`` (it is working at the venue)
        means no OrderAccepted will be published for it. Returns the existing record when one
        of its ids is already tracked."""
        existing = self.find(client_order_id, venue_order_id)
        if existing is not None:
            return existing
        tracked = TrackedOrder(
            client_order_id=client_order_id,
            instrument_id=instrument_id,
            order_type=order_type,
            side=side,
            quantity=quantity,
            price=price,
            trigger_price=trigger_price,
            accepted=accepted,
        )
        self._by_client_id[client_order_id] = tracked
        if venue_order_id is not None:
            self._index(tracked, venue_order_id)
        return tracked

    def find_or_adopt(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None,
        venue_order_id: VenueOrderId | None,
    ) -> TrackedOrder:
        """The tracked order with either id, or a new record for an order placed elsewhere
        (another session, the venue's UI): its events still need a client order id, so the
        venue order id stands in for a missing one. Adopted as a working LIMIT order."""
        tracked = self.find(client_order_id, venue_order_id)
        if tracked is not None:
            return tracked
        return self.adopt(
            instrument_id=instrument_id,
            client_order_id=client_order_id
            or ClientOrderId(venue_order_id.value if venue_order_id else "unknown"),
            order_type=OrderType.LIMIT,
            venue_order_id=venue_order_id,
        )

    def find(
        self,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> TrackedOrder | None:
        """The tracked order with either id (the client order id wins)."""
        if client_order_id is not None:
            tracked = self._by_client_id.get(client_order_id)
            if tracked is not None:
                return tracked
        if venue_order_id is not None:
            return self._by_venue_id.get(venue_order_id)
        return None

    def open_orders(self) -> list[TrackedOrder]:
        """Orders not closed (working, in flight, or awaiting fills): query them after a
        reconnect."""
        return [t for t in self._by_client_id.values() if not t.closed]

    def awaiting_fills(self) -> list[TrackedOrder]:
        """Orders whose terminal row reported fills not seen yet: fetch their fills."""
        return [t for t in self._by_client_id.values() if t.is_awaiting_fills]

    def missing_fill_qty(self, report: OrderStatusReport) -> Decimal:
        """How much more ``report`` says is filled than the fills published (0 when none, or
        when the order is not tracked): fetch the order's fills before applying it."""
        tracked = self.find(report.client_order_id, report.venue_order_id)
        published = tracked.filled_qty if tracked is not None else Decimal(0)
        if tracked is None and not self.adopt_external:
            return Decimal(0)
        missing = report.filled_qty.as_decimal() - published
        return missing if missing > 0 else Decimal(0)

    def forget(self, client_order_id: ClientOrderId) -> None:
        """Stop tracking an order (e.g. one the venue never received)."""
        tracked = self._by_client_id.pop(client_order_id, None)
        self._closed.pop(client_order_id, None)
        if tracked is not None:
            for venue_id in tracked.venue_order_ids:
                if self._by_venue_id.get(venue_id) is tracked:
                    del self._by_venue_id[venue_id]

    def __len__(self) -> int:
        return len(self._by_client_id)

    # -- command outcomes --------------------------------------------------------------------

    def accepted(
        self,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
        *,
        ts_event: int | None = None,
        account_id: AccountId | None = None,
    ) -> list[AnyOrderEvent]:
        """The venue acknowledged a submission: OrderAccepted (once), plus any fill parked for
        ``venue_order_id``."""
        tracked = self.find(client_order_id, venue_order_id)
        if tracked is None:
            return []
        if venue_order_id is not None:
            self._index(tracked, venue_order_id)
        events: list[AnyOrderEvent] = []
        if not tracked.closed:
            self._accept(tracked, events, self._common(tracked, account_id, ts_event))
        self._drain_parked(tracked, events)
        return events

    def rejected(
        self,
        client_order_id: ClientOrderId,
        reason: str,
        *,
        due_post_only: bool = False,
        ts_event: int | None = None,
        account_id: AccountId | None = None,
    ) -> list[AnyOrderEvent]:
        """The venue definitively refused the submission: OrderRejected, once, and only for an
        order it never accepted."""
        tracked = self._by_client_id.get(client_order_id)
        if tracked is None or tracked.closed or tracked.accepted:
            return []
        event = OrderRejected(
            **self._common(tracked, account_id, ts_event),
            reason=reason,
            due_post_only=due_post_only,
        )
        self._close(tracked)
        return [event]

    def canceled(
        self,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
        *,
        ts_event: int | None = None,
        account_id: AccountId | None = None,
    ) -> list[AnyOrderEvent]:
        """The venue acknowledged a cancel: OrderCanceled, once (OrderAccepted first if it was
        missing). A fill the venue made before the cancel and reports later is still
        published."""
        tracked = self.find(client_order_id, venue_order_id)
        if tracked is None or tracked.closed:
            return []
        if venue_order_id is not None:
            self._index(tracked, venue_order_id)
        events: list[AnyOrderEvent] = []
        self._accept(tracked, events, self._common(tracked, account_id, ts_event))
        self._drain_parked(tracked, events)
        if not tracked.closed:
            events.append(OrderCanceled(**self._common(tracked, account_id, ts_event)))
            self._close(tracked)
        return events

    def modified(
        self,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
        *,
        quantity: Quantity | None = None,
        price: Price | None = None,
        trigger_price: Price | None = None,
        ts_event: int | None = None,
        account_id: AccountId | None = None,
    ) -> list[AnyOrderEvent]:
        """The venue acknowledged a modification (None: unchanged): OrderUpdated when the
        values differ from what is known (an order row may have published them already)."""
        tracked = self.find(client_order_id, venue_order_id)
        if tracked is None or tracked.closed:
            return []
        events: list[AnyOrderEvent] = []
        self._maybe_updated(
            tracked,
            quantity,
            price,
            trigger_price,
            events,
            self._common(tracked, account_id, ts_event),
        )
        return events

    def release(self, client_order_id: ClientOrderId) -> list[AnyOrderEvent]:
        """Publish a terminal event held for fills that will not come (and close the order)."""
        tracked = self._by_client_id.get(client_order_id)
        if tracked is None or not tracked.is_awaiting_fills:
            return []
        events: list[AnyOrderEvent] = []
        if tracked.held_terminal is not None:
            events.append(tracked.held_terminal)
        self._close(tracked)
        return events

    # -- venue reports -----------------------------------------------------------------------

    def on_order_report(
        self,
        report: OrderStatusReport,
        fills: Iterable[FillReport] = (),
        *,
        sequence: int | None = None,
        reconciliation: bool = False,
    ) -> list[AnyOrderEvent]:
        """Events for one order row (and the fills fetched with it, published in between).

        :param sequence: the venue's per-order update number, when it has one.
        :param reconciliation: mark the events as inferred from a query.
        """
        tracked = self.find(report.client_order_id, report.venue_order_id)
        if tracked is None:
            tracked = self._adopt_report(report)
            if tracked is None:
                return []
        self._index(tracked, report.venue_order_id)
        events: list[AnyOrderEvent] = []
        fill_list = list(fills)
        if tracked.closed or tracked.is_awaiting_fills or self._is_stale(tracked, report, sequence):
            # Only the fills can still add something (they finish a held terminal event).
            for fill in fill_list:
                events.extend(self.on_fill_report(fill, reconciliation=reconciliation))
            self._drain_parked(tracked, events, reconciliation)
            return events
        if sequence is not None:
            tracked.sequence = sequence
        tracked.ts_last = max(tracked.ts_last, report.ts_last)
        reported = report.filled_qty.as_decimal()
        tracked.reported_filled_qty = max(tracked.reported_filled_qty, reported)
        status = report.order_status
        account_id = report.account_id
        common = self._common(tracked, account_id, report.ts_last, reconciliation)

        if not tracked.accepted and status in (OrderStatus.REJECTED, OrderStatus.CANCELED):
            rejected_post_only = self._post_only_rejection(report.cancel_reason)
            if status is OrderStatus.REJECTED or (rejected_post_only and not reported):
                events.append(
                    OrderRejected(
                        **common,
                        reason=report.cancel_reason or "rejected by the venue",
                        due_post_only=rejected_post_only,
                    )
                )
                self._close(tracked)
                self._drain_parked(tracked, events, reconciliation)
                return events

        accepted_at = {**common, "ts_event": report.ts_accepted or report.ts_last}
        self._accept(tracked, events, accepted_at)
        if (
            status is OrderStatus.TRIGGERED or report.ts_triggered is not None
        ) and not tracked.triggered:
            tracked.triggered = True
            events.append(
                OrderTriggered(**{**common, "ts_event": report.ts_triggered or report.ts_last})
            )
        for fill in fill_list:
            events.extend(self.on_fill_report(fill, reconciliation=reconciliation))
        self._drain_parked(tracked, events, reconciliation)
        if tracked.closed:  # a cancel ack, or the last fill, closed it meanwhile
            return events
        if status not in _TERMINAL:
            self._maybe_updated(
                tracked, report.quantity, report.price, report.trigger_price, events, common
            )
            return events
        terminal: AnyOrderEvent | None = None
        if status in (OrderStatus.EXPIRED, OrderStatus.LAPSED):
            terminal = OrderExpired(**common)
        elif status in (OrderStatus.CANCELED, OrderStatus.REJECTED):
            terminal = OrderCanceled(**common)
        if tracked.filled_qty >= tracked.reported_filled_qty:
            if terminal is not None:
                events.append(terminal)
            self._close(tracked, by_fill=terminal is None)
        elif terminal is not None:
            tracked.held_terminal = terminal  # published after the fills still to come
        else:
            tracked.awaiting_fill_close = True
        return events

    def on_fill_report(
        self, fill: FillReport, *, reconciliation: bool = False
    ) -> list[AnyOrderEvent]:
        """OrderFilled for a fill not published before (OrderAccepted / OrderTriggered first
        when they were missing; a terminal event held for this fill right after)."""
        key = (fill.instrument_id, fill.venue_order_id, fill.trade_id)
        if fill.settlement is _REVERSED:
            return self._reverse(key, fill, reconciliation)
        if key in self._fill_keys:
            return self._confirm(key, fill, reconciliation) if fill.settlement is _FINAL else []
        tracked = self.find(fill.client_order_id, fill.venue_order_id)
        if tracked is None:
            self._park(fill, reconciliation)
            return []
        self._index(tracked, fill.venue_order_id)
        events: list[AnyOrderEvent] = []
        self._publish_fill(tracked, fill, reconciliation, events)
        self._drain_parked(tracked, events, reconciliation)
        return events

    def on_any_fill_report(
        self, fill: FillReport, *, reconciliation: bool = False
    ) -> list[AnyOrderEvent | FillReport]:
        """A fill from a source that also carries orders this client does not track (an
        account-wide fills stream or query, orders placed elsewhere and not adopted): for a
        tracked order, :meth:`on_fill_report`; otherwise the FillReport itself, handed over
        once per (venue order id, trade id), never parked (no OrderFilled for a foreign order).
        """
        if self.find(fill.client_order_id, fill.venue_order_id) is None:
            if self._foreign_fill_keys.first_time((fill.venue_order_id, fill.trade_id)):
                return [fill]
            return []
        return list(self.on_fill_report(fill, reconciliation=reconciliation))

    # -- internals ---------------------------------------------------------------------------

    def _remember_fill(self, key: FillKey, record: _PublishedFill | None) -> None:
        self._fills[key] = record
        self._fills.move_to_end(key)
        while len(self._fills) > self._fill_capacity:
            self._fills.popitem(last=False)

    def _confirm(self, key: FillKey, fill: FillReport, reconciliation: bool) -> list[AnyOrderEvent]:
        """A FINAL report of a trade published PROVISIONAL: OrderFillConfirmed, once."""
        record = self._fills.get(key)
        if record is None or record.settlement is not _PROVISIONAL:
            return []
        tracked = self.find(record.client_order_id, fill.venue_order_id)
        if tracked is None:
            return []
        record.settlement = _FINAL
        common = self._common(tracked, fill.account_id, fill.ts_event, reconciliation)
        common["venue_order_id"] = tracked.venue_order_id or fill.venue_order_id
        return [
            OrderFillConfirmed(
                **common,
                trade_id=fill.trade_id,
                last_qty=record.last_qty,
                last_px=record.last_px,
                detail=fill.settlement_detail,
            )
        ]

    def _reverse(self, key: FillKey, fill: FillReport, reconciliation: bool) -> list[AnyOrderEvent]:
        """A REVERSED report: OrderFillReversed undoing exactly the published fill, once."""
        self._parked.pop((fill.venue_order_id, fill.trade_id.value), None)
        record = self._fills.get(key)
        if key not in self._fill_keys:
            # Never published: remember it, so its provisional report arriving late is silent.
            self._fill_keys.first_time(key)
            self._remember_fill(key, None)
            return []
        if record is None or record.settlement is _REVERSED:
            return []
        tracked = self.find(record.client_order_id, fill.venue_order_id)
        if tracked is None:
            return []
        record.settlement = _REVERSED
        qty = record.last_qty.as_decimal()
        tracked.filled_qty -= qty
        tracked.reported_filled_qty = max(tracked.reported_filled_qty - qty, tracked.filled_qty)
        if tracked.closed and tracked.closed_by_fill:
            # The fill that completed the order did not happen: it works again (the venue
            # closes it with a row of its own if it does not).
            tracked.closed = False
            tracked.closed_by_fill = False
            self._closed.pop(tracked.client_order_id, None)
        common = self._common(tracked, fill.account_id, fill.ts_event, reconciliation)
        common["venue_order_id"] = tracked.venue_order_id or fill.venue_order_id
        return [
            OrderFillReversed(
                **common,
                trade_id=fill.trade_id,
                order_side=record.order_side,
                last_qty=record.last_qty,
                last_px=record.last_px,
                commission=record.commission,
                reason=fill.settlement_detail or "settlement failed",
            )
        ]

    def _publish_fill(
        self,
        tracked: TrackedOrder,
        fill: FillReport,
        reconciliation: bool,
        events: list[AnyOrderEvent],
    ) -> None:
        key = (fill.instrument_id, fill.venue_order_id, fill.trade_id)
        if not self._fill_keys.first_time(key):
            return
        common = self._common(tracked, fill.account_id, fill.ts_event, reconciliation)
        common["venue_order_id"] = tracked.venue_order_id or fill.venue_order_id
        if not tracked.closed:
            self._accept(tracked, events, common)  # a fill is proof of acceptance...
            if tracked.order_type in CONDITIONAL_ORDER_TYPES and not tracked.triggered:
                tracked.triggered = True  # ...and, for a conditional order, of the trigger
                events.append(OrderTriggered(**common))
        tracked.filled_qty += fill.last_qty.as_decimal()
        self._remember_fill(
            key,
            _PublishedFill(
                tracked.client_order_id,
                fill.order_side,
                fill.last_qty,
                fill.last_px,
                fill.commission,
                fill.settlement,
            ),
        )
        events.append(
            OrderFilled(
                **common,
                trade_id=fill.trade_id,
                order_side=fill.order_side,
                order_type=tracked.order_type,
                last_qty=fill.last_qty,
                last_px=fill.last_px,
                commission=fill.commission,
                liquidity_side=fill.liquidity_side,
                position_id=fill.venue_position_id,
                settlement=fill.settlement,
            )
        )
        if tracked.is_awaiting_fills and tracked.filled_qty >= tracked.reported_filled_qty:
            held = tracked.held_terminal
            if held is not None:
                events.append(held)
            self._close(tracked, by_fill=held is None)

    def _park(self, fill: FillReport, reconciliation: bool) -> None:
        self._parked[(fill.venue_order_id, fill.trade_id.value)] = (fill, reconciliation)
        while len(self._parked) > self._parked_capacity:
            self._parked.popitem(last=False)

    def _drain_parked(
        self,
        tracked: TrackedOrder,
        events: list[AnyOrderEvent],
        reconciliation: bool | None = None,
    ) -> None:
        """Publish the parked fills of ``tracked`` (its venue order id is known now)."""
        if not self._parked or not tracked.venue_order_ids:
            return
        ready = [key for key in self._parked if key[0] in tracked.venue_order_ids]
        for key in ready:
            fill, parked_reconciliation = self._parked.pop(key)
            flag = parked_reconciliation if reconciliation is None else reconciliation
            self._publish_fill(tracked, fill, flag, events)

    def _adopt_report(self, report: OrderStatusReport) -> TrackedOrder | None:
        if not self.adopt_external or report.client_order_id is None:
            return None
        return self.adopt(
            instrument_id=report.instrument_id,
            client_order_id=report.client_order_id,
            order_type=report.order_type,
            venue_order_id=report.venue_order_id,
            side=report.order_side,
            accepted=False,
        )

    def _is_stale(
        self, tracked: TrackedOrder, report: OrderStatusReport, sequence: int | None
    ) -> bool:
        if sequence is not None and tracked.sequence is not None:
            return sequence <= tracked.sequence
        return (
            report.ts_last < tracked.ts_last
            or report.filled_qty.as_decimal() < tracked.reported_filled_qty
        )

    def _index(self, tracked: TrackedOrder, venue_order_id: VenueOrderId) -> None:
        # A venue may give an order a second id (a triggered algo order): keep both.
        tracked.venue_order_id = venue_order_id
        tracked.venue_order_ids.add(venue_order_id)
        self._by_venue_id[venue_order_id] = tracked

    def _accept(
        self, tracked: TrackedOrder, events: list[AnyOrderEvent], common: dict[str, Any]
    ) -> None:
        if not tracked.accepted:
            tracked.accepted = True
            events.append(OrderAccepted(**{**common, "venue_order_id": tracked.venue_order_id}))

    def _maybe_updated(
        self,
        tracked: TrackedOrder,
        quantity: Quantity | None,
        price: Price | None,
        trigger_price: Price | None,
        events: list[AnyOrderEvent],
        common: dict[str, Any],
    ) -> None:
        if tracked.order_type in _NO_LIMIT_PRICE:
            price = None
        # None reported: unchanged. None known: learned now (a pegged order's first price, a
        # trailing stop's first trigger price), not a change to publish.
        changed = any(
            known is not None and value is not None and value != known
            for known, value in (
                (tracked.quantity, quantity),
                (tracked.price, price),
                (tracked.trigger_price, trigger_price),
            )
        )
        tracked.quantity = quantity if quantity is not None else tracked.quantity
        tracked.price = price if price is not None else tracked.price
        tracked.trigger_price = (
            trigger_price if trigger_price is not None else tracked.trigger_price
        )
        if changed and tracked.quantity is not None:
            events.append(
                OrderUpdated(
                    **common,
                    quantity=tracked.quantity,
                    price=tracked.price,
                    trigger_price=tracked.trigger_price,
                )
            )

    def _common(
        self,
        tracked: TrackedOrder,
        account_id: AccountId | None,
        ts_event: int | None,
        reconciliation: bool = False,
    ) -> dict[str, Any]:
        now = self._clock()
        return {
            "instrument_id": tracked.instrument_id,
            "client_order_id": tracked.client_order_id,
            "venue_order_id": tracked.venue_order_id,
            "account_id": account_id or self.account_id,
            "reconciliation": reconciliation,
            "ts_event": ts_event or now,
            "ts_init": now,
        }

    def _close(self, tracked: TrackedOrder, *, by_fill: bool = False) -> None:
        tracked.closed = True
        tracked.closed_by_fill = by_fill
        tracked.held_terminal = None
        tracked.awaiting_fill_close = False
        self._closed[tracked.client_order_id] = None
        while len(self._closed) > self._closed_capacity:
            client_id, _ = self._closed.popitem(last=False)
            self.forget(client_id)
