"""Orders whose command outcome is unknown: resolved by asking the venue, never by guessing.

A submit that timed out, met a 5xx or a "busy" code, or was answered without the order's
outcome may or may not have reached the venue. The rule of :class:`ExecutionClient` is that
such an order stays in flight (no rejection without definitive evidence) until a query says
what happened. :class:`InFlightOrders` is that query loop, written once for every execution
client that keeps an :class:`~tradeport.clients.orders.OrderTracker`::

    self.in_flight = InFlightOrders(self, self.tracker, self._tasks, fills_of=self._order_fills)

    # submit answered ambiguously:
    self.in_flight.resolve_later(tracked)
    # the venue refused with an envelope error that may hide an accepted order:
    await self.in_flight.resolve_refused(tracked, reason)
    # any order row learned by query (reconnect, resolution): its events, fills first
    await self.in_flight.apply_report(report)

The client supplies :meth:`ExecutionClient.order_status_report` (query by client order id) and,
optionally, ``fills_of(report)``: the order's fills, fetched when the report counts more filled
than the fills published, so that they come before the terminal event.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import anyio

from tradeport.errors import VenueError

if TYPE_CHECKING:
    from tradeport.clients.background import BackgroundTasks
    from tradeport.clients.base import ExecutionClient
    from tradeport.clients.orders import OrderTracker, TrackedOrder
    from tradeport.model.events import AnyOrderEvent
    from tradeport.model.reports import FillReport, OrderStatusReport

__all__ = ["RESOLVE_DELAYS", "InFlightOrders"]

#: Seconds between the queries of an in-flight order (about 9 s in all, then it is left to the
#: next reconciliation: an order the venue never saw is not rejected either).
RESOLVE_DELAYS: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 5.0)

FillsOf = Callable[["OrderStatusReport"], Awaitable[Sequence["FillReport"]]]


class InFlightOrders:
    """Resolves one execution client's in-flight orders (see the module docstring).

    :param client: the execution client (its ``order_status_report``, ``emit`` and ``log``).
    :param tracker: the client's order tracker; every event goes through it (exactly once).
    :param tasks: the client's background tasks (resolutions run there while connected).
    :param fills_of: fetches an order's fills when a report counts fills not published yet;
        ``None`` when the venue's order report already carries what the tracker needs.
    :param noun: what the venue calls an order, for log lines ("bet" on Betfair).
    """

    def __init__(
        self,
        client: ExecutionClient,
        tracker: OrderTracker,
        tasks: BackgroundTasks,
        *,
        fills_of: FillsOf | None = None,
        delays: Sequence[float] = RESOLVE_DELAYS,
        noun: str = "order",
    ) -> None:
        self.client = client
        self.tracker = tracker
        self.tasks = tasks
        self.fills_of = fills_of
        self.delays = tuple(delays)
        self.noun = noun

    @property
    def log(self) -> logging.Logger:
        return self.client.log

    async def publish(self, events: Sequence[AnyOrderEvent]) -> None:
        """Emit the tracker's events in the order it returned them."""
        await self.client.emit_all(events)

    def resolve_later(self, tracked: TrackedOrder) -> None:
        """Query the order in the background until the venue knows it. Outside a connection
        there is no background task group: the order stays in flight for the next
        reconciliation, and the log says so."""
        if self.tasks.is_open:
            self.tasks.start_soon(
                self.resolve, tracked, name=f"resolve {tracked.client_order_id.value}"
            )
        else:
            self.log.warning(
                "%s %s in flight; connect() to resolve it in the background",
                self.noun,
                tracked.client_order_id,
            )

    async def resolve(self, tracked: TrackedOrder) -> None:
        """Query by client order id at :attr:`delays` until the venue reports the order; then
        apply its report. Never a rejection: an order not found may still arrive."""
        for delay in self.delays:
            await anyio.sleep(delay)
            try:
                report = await self.client.order_status_report(
                    tracked.instrument_id, tracked.client_order_id
                )
            except VenueError as error:
                self.log.info("resolving %s: %s", tracked.client_order_id, error)
                continue
            if report is not None:
                await self.apply_report(report)
                return
        self.log.warning(
            "%s %s not found at the venue after an ambiguous command outcome",
            self.noun,
            tracked.client_order_id,
        )

    async def resolve_refused(self, tracked: TrackedOrder, refusal: str) -> None:
        """After a refusal that may hide an accepted order (an envelope error of a batch): the
        venue's record decides, and none means the refusal was definitive. A failed query
        leaves the order in flight and resolves it in the background."""
        try:
            report = await self.client.order_status_report(
                tracked.instrument_id, tracked.client_order_id
            )
        except VenueError as error:
            self.log.warning("resolving %s: %s", tracked.client_order_id, error)
            self.resolve_later(tracked)
            return
        if report is not None:
            await self.apply_report(report)
        else:
            await self.publish(self.tracker.rejected(tracked.client_order_id, refusal))

    async def apply_report(self, report: OrderStatusReport) -> None:
        """A queried order's events, its missing fills fetched first (when ``fills_of`` is
        given) so that they come before the terminal event. Fills that cannot be fetched now
        come with the stream or the next reconciliation (the tracker holds the terminal event
        until they do)."""
        fills: Sequence[FillReport] = ()
        if self.fills_of is not None and self.tracker.missing_fill_qty(report):
            try:
                fills = await self.fills_of(report)
            except VenueError as error:
                self.log.warning("fills of %s not fetched: %s", report.venue_order_id, error)
        await self.publish(self.tracker.on_order_report(report, fills, reconciliation=True))
