"""On-chain venues (CH1-CH4): sequences, inclusion, settlement and expiry by the venue's clock.

A chain venue answers a command twice: the node takes a transaction into its mempool, and
later the chain includes it (a block) and the venue reports what happened. Fills may settle
later still (provisional, then final or reverted). Orders may expire by the chain's own clock
(a block height, a block time) with no command from the client.

Scenarios that need more than orders use harness controls whose defaults on
:class:`~tradeport_conformance.harness.VenueHarness` raise ``NotImplementedError``: the test
is then skipped saying the harness cannot (``hold_inclusion`` and ``wait_blocks`` for CH2's
mempool case, ``hold_settlement`` / ``confirm_fill`` / ``revert_fill`` for CH3,
``expiring_order`` for CH4). Capabilities gate as everywhere: CH3 needs
``provisional_fills``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.model.enums import OrderSide, OrderStatus, SettlementStatus
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFillConfirmed,
    OrderFilled,
    OrderFillReversed,
    OrderRejected,
)
from tradeport.model.orders import Order

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import EVENT_TIMEOUT, events_seen, next_matching
from tradeport_conformance.suite.truth import (
    assert_fill,
    assert_order,
    exact_setup,
    require_sim,
    sim_order_for,
)

pytestmark = pytest.mark.anyio

__all__ = ["TestOnChain", "published_so_far"]


def _buy(inst: Any, price: Decimal, quantity: Decimal) -> Order:
    return Order.limit(
        instrument_id=inst.id,
        side=OrderSide.BUY,
        quantity=inst.make_qty(quantity),
        price=inst.make_price(price),
    )


def _is(event: Any, order: Order, *kinds: type) -> bool:
    return (
        isinstance(event, kinds)
        and getattr(event, "client_order_id", None) == order.client_order_id
    )


async def _outcome(venue: Any, order: Order, *kinds: type) -> Any:
    return await next_matching(
        venue,
        lambda e: _is(e, order, *kinds),
        what=f"{'/'.join(k.__name__ for k in kinds)} for {order.client_order_id}",
    )


def published_so_far(venue: Any) -> list[Any]:
    """Every event the session has published up to now, read or not, without waiting: the
    ones not read yet are kept for later waits (next_matching looks at them first)."""
    receive = getattr(venue, "_receive", None)
    backlog = getattr(venue, "_conformance_backlog", None)
    if backlog is None:
        backlog = venue._conformance_backlog = []
    while receive is not None:
        try:
            event = receive.receive_nowait()
        except (anyio.WouldBlock, anyio.EndOfStream, anyio.ClosedResourceError):
            break
        backlog.append(event)
        events_seen(venue).append(event)
    return list(events_seen(venue))


def _of(events: list[Any], order: Order, kind: type) -> list[Any]:
    return [e for e in events if _is(e, order, kind)]


async def _control(call: Callable[[], Awaitable[Any]], what: str) -> None:
    try:
        await call()
    except NotImplementedError as exc:
        pytest.skip(f"the harness cannot {what} ({exc})")


async def _accepted(venue: Any, order: Order) -> OrderAccepted:
    await venue.execution.submit_order(order)
    event = await _outcome(venue, order, OrderAccepted, OrderRejected)
    assert isinstance(event, OrderAccepted), f"refused: {event.reason}"
    return event


@pytest.mark.anyio
class TestOnChain:
    @scenario("CH1")
    @requires("order:LIMIT/GTC")
    async def test_concurrent_submits(self, harness, open_session, venue_spec, venue_capabilities):
        """Orders submitted concurrently each reach the venue exactly once and are accepted:
        no nonce or sequence number used twice, none skipped into a refusal."""
        async with open_session("valid") as venue:
            _, inst, p = await exact_setup(venue, harness, venue_capabilities)
            orders = [_buy(inst, p["rest"] - p["tick"] * i, p["size"]) for i in range(6)]
            with anyio.fail_after(EVENT_TIMEOUT):
                async with anyio.create_task_group() as tg:
                    for order in orders:
                        tg.start_soon(venue.execution.submit_order, order)
            for order in orders:
                event = await _outcome(venue, order, OrderAccepted, OrderRejected)
                assert isinstance(event, OrderAccepted), (
                    f"concurrent submit refused: {event.reason}"
                )
            assert len(harness.exchange.open_orders(str(inst.raw_symbol))) == len(orders), (
                "the venue does not hold each concurrent order exactly once"
            )

    @scenario("CH2")
    @requires("order:LIMIT/GTC")
    async def test_an_accepted_order_is_not_a_fill(
        self, harness, open_session, venue_spec, venue_capabilities
    ):
        """An accepted (included) order that nothing trades against emits no fill, however
        long the venue goes on; its status says nothing filled; the venue's fill then comes
        once, with the venue's values."""
        async with open_session("valid") as venue:
            _, inst, p = await exact_setup(venue, harness, venue_capabilities)
            order = _buy(inst, p["rest"], p["size"])
            accepted = await _accepted(venue, order)
            await harness.push_account_events()
            try:
                await harness.wait_blocks(3)  # the chain goes on, where it has blocks
            except NotImplementedError:
                pass
            assert not _of(published_so_far(venue), order, OrderFilled), (
                "a fill was reported for an order nothing traded against"
            )
            sim = require_sim(sim_order_for(harness, order, accepted.venue_order_id), "order")
            report = await venue.execution.order_status_report(
                inst.id,
                client_order_id=order.client_order_id,
                venue_order_id=accepted.venue_order_id,
            )
            assert report is not None and report.filled_qty.as_decimal() == 0
            assert_order(harness, report, sim)
            part = (p["size"] / 2).quantize(p["step"])
            result = harness.exchange.fill(sim.venue_order_id, quantity=part)
            assert result.ok, result.message
            await harness.push_account_events()
            filled = await _outcome(venue, order, OrderFilled)
            assert_fill(harness, filled, result.fills[0])
            await harness.push_account_events()
            assert len(_of(published_so_far(venue), order, OrderFilled)) == 1

    @scenario("CH2")
    @requires("order:LIMIT/GTC")
    async def test_a_command_in_the_mempool_is_not_an_acceptance(
        self, harness, open_session, venue_spec, venue_capabilities
    ):
        """The node took the order (the submit returned) but the chain has not included it
        yet: no OrderAccepted (nor a fill) while blocks pass; included, it is accepted."""
        async with open_session("valid") as venue:
            _, inst, p = await exact_setup(venue, harness, venue_capabilities)
            await _control(harness.hold_inclusion, "hold commands before inclusion")
            order = _buy(inst, p["rest"], p["size"])
            await venue.execution.submit_order(order)
            await _control(lambda: harness.wait_blocks(3), "count blocks")
            early = published_so_far(venue)
            assert not _of(early, order, OrderAccepted), "accepted before the chain included it"
            assert not _of(early, order, OrderRejected), "rejected while only waiting"
            await harness.hold_inclusion(False)
            event = await _outcome(venue, order, OrderAccepted, OrderRejected)
            assert isinstance(event, OrderAccepted), f"refused once included: {event.reason}"

    @scenario("CH3")
    @requires("order:LIMIT/GTC", "capability:provisional_fills")
    async def test_fills_settle_later(self, harness, open_session, venue_spec, venue_capabilities):
        """Two fills of one order, matched but not settled: each OrderFilled is PROVISIONAL;
        the chain confirms the first (one OrderFillConfirmed) and reverts the second (one
        OrderFillReversed carrying exactly what its fill added); reconciliation keeps each
        trade once, in its settled state."""
        async with open_session("valid") as venue:
            _, inst, p = await exact_setup(venue, harness, venue_capabilities)
            await _control(harness.hold_settlement, "hold fills unsettled")
            order = _buy(inst, p["rest"], p["size"])
            accepted = await _accepted(venue, order)
            sim = require_sim(sim_order_for(harness, order, accepted.venue_order_id), "order")
            fills = []
            for quantity in ((p["size"] / 2).quantize(p["step"]), None):
                result = harness.exchange.fill(sim.venue_order_id, quantity=quantity)
                assert result.ok, result.message
                await harness.push_account_events()
                fill = await _outcome(venue, order, OrderFilled)
                assert fill.settlement is SettlementStatus.PROVISIONAL, fill.settlement
                assert_fill(harness, fill, result.fills[0])
                fills.append(fill)
            kept, reverted = fills
            await harness.confirm_fill(str(kept.trade_id))
            confirmed = await _outcome(venue, order, OrderFillConfirmed)
            assert str(confirmed.trade_id) == str(kept.trade_id)
            await harness.revert_fill(str(reverted.trade_id))
            reversal = await _outcome(venue, order, OrderFillReversed)
            assert str(reversal.trade_id) == str(reverted.trade_id)
            assert reversal.last_qty == reverted.last_qty and reversal.last_px == reverted.last_px
            assert reversal.commission == reverted.commission
            status = await venue.execution.mass_status()
            mine = [f for f in status.fill_reports if f.venue_order_id == accepted.venue_order_id]
            by_trade = {str(f.trade_id): f.settlement for f in mine}
            assert len(mine) == len(by_trade), f"a trade reconciled twice: {mine}"
            assert by_trade == {
                str(kept.trade_id): SettlementStatus.FINAL,
                str(reverted.trade_id): SettlementStatus.REVERSED,
            }, by_trade
            await harness.push_account_events()
            events = published_so_far(venue)
            assert len(_of(events, order, OrderFilled)) == 2, "a fill counted twice"
            assert len(_of(events, order, OrderFillConfirmed)) == 1
            assert len(_of(events, order, OrderFillReversed)) == 1

    @scenario("CH4")
    @requires("order:LIMIT/GTC")
    async def test_orders_expire_by_the_venue_clock(
        self, harness, open_session, venue_spec, venue_capabilities
    ):
        """An order the venue expires by its own clock (a good-til-block, a block time) ends
        as OrderExpired, never canceled, rejected or lost; the venue and the client's status
        report agree it expired."""
        async with open_session("valid") as venue:
            _, inst, p = await exact_setup(venue, harness, venue_capabilities)
            try:
                order = harness.expiring_order(_buy(inst, p["rest"], p["size"]))
            except NotImplementedError as exc:
                pytest.skip(f"the harness cannot make an order expire by itself ({exc})")
            accepted = await _accepted(venue, order)
            end = await _outcome(
                venue, order, OrderExpired, OrderCanceled, OrderRejected, OrderFilled
            )
            assert isinstance(end, OrderExpired), f"ended as {type(end).__name__}, not expired"
            sim = require_sim(sim_order_for(harness, order, accepted.venue_order_id), "order")
            assert sim.status is OrderStatus.EXPIRED, sim.status
            report = await venue.execution.order_status_report(
                inst.id,
                client_order_id=order.client_order_id,
                venue_order_id=accepted.venue_order_id,
            )
            assert_order(harness, report, sim)
            assert len(_of(published_so_far(venue), order, OrderExpired)) == 1
