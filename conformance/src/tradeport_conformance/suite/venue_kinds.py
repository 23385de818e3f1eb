"""Batch orders (OF16, OF17) and the groups of the second edition's venue kinds.

Each group is gated by the capabilities that make it apply, so a venue lacking them skips with
the capability named: data providers (``replay``, ``data_only``), betting exchanges (product
``BETTING``), brokers in :mod:`tradeport_conformance.suite.brokers`; the on-chain group is in
:mod:`tradeport_conformance.suite.chain`. The ids are stable (see the catalogue); scenarios of a group that no
bundled venue can run yet are listed in the catalogue and reported as not implemented until
their first venue brings the harness controls they need.
"""

from __future__ import annotations

import pytest
from tradeport.clients.base import OrderChange
from tradeport.model.enums import OrderSide
from tradeport.model.events import OrderAccepted, OrderRejected, OrderUpdated
from tradeport.model.orders import Order

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import next_matching
from tradeport_conformance.suite.truth import (
    assert_order,
    exact_setup,
    sim_order_for,
    venue_order_id_of,
)

pytestmark = pytest.mark.anyio

__all__ = ["TestBatchOrders"]


def _buy(inst, price, quantity) -> Order:
    return Order.limit(
        instrument_id=inst.id,
        side=OrderSide.BUY,
        quantity=inst.make_qty(quantity),
        price=inst.make_price(price),
    )


async def _outcome(venue, order, *kinds):
    return await next_matching(
        venue,
        lambda e: isinstance(e, kinds) and e.client_order_id == order.client_order_id,
        what=f"{'/'.join(k.__name__ for k in kinds)} for {order.client_order_id}",
    )


@pytest.mark.anyio
class TestBatchOrders:
    @scenario("OF16")
    @requires("order:LIMIT/GTC", "capability:batch_submit")
    async def test_batch_submit(self, harness, open_session, venue_spec, venue_capabilities):
        """One batch: every order accepted with the venue's values, one the venue refuses
        rejected with its reason, the others untouched by that refusal."""
        async with open_session("valid") as venue:
            _, inst, p = await exact_setup(venue, harness, venue_capabilities)
            good = [_buy(inst, p["rest"] - p["tick"] * i, p["size"]) for i in range(3)]
            refused = _buy(inst, p["far_bid"], p["size"] * 10**9)  # insufficient balance
            await venue.execution.submit_orders([good[0], refused, *good[1:]])
            for order in good:
                event = await _outcome(venue, order, OrderAccepted, OrderRejected)
                assert isinstance(event, OrderAccepted), f"rejected: {event.reason}"
                sim = sim_order_for(harness, order, event.venue_order_id)
                assert sim is not None, f"the venue has no order {order.client_order_id}"
                assert str(event.venue_order_id) == venue_order_id_of(harness, sim.venue_order_id)
                report = await venue.execution.order_status_report(
                    inst.id,
                    client_order_id=order.client_order_id,
                    venue_order_id=event.venue_order_id,
                )
                assert_order(harness, report, sim)
            rejection = await _outcome(venue, refused, OrderAccepted, OrderRejected)
            assert isinstance(rejection, OrderRejected) and rejection.reason

    @scenario("OF17")
    @requires("order:LIMIT/GTC", "capability:batch_modify", "capability:modify_order")
    async def test_batch_modify(self, harness, open_session, venue_spec, venue_capabilities):
        """One batch of modifications: each order updated to its new price, as the venue has it."""
        async with open_session("valid") as venue:
            _, inst, p = await exact_setup(venue, harness, venue_capabilities)
            orders = [_buy(inst, p["rest"] - p["tick"] * i, p["size"]) for i in range(2)]
            accepted = []
            for order in orders:
                await venue.execution.submit_order(order)
                accepted.append(await _outcome(venue, order, OrderAccepted))
            new_prices = [inst.make_price(p["far_bid"] + p["tick"] * (5 + i)) for i in range(2)]
            await venue.execution.modify_orders(
                [
                    OrderChange(
                        instrument_id=inst.id,
                        client_order_id=o.client_order_id,
                        venue_order_id=a.venue_order_id,
                        price=price,
                    )
                    for o, a, price in zip(orders, accepted, new_prices, strict=True)
                ]
            )
            for order, acc, price in zip(orders, accepted, new_prices, strict=True):
                update = await _outcome(venue, order, OrderUpdated)
                assert update.price == price
                sim = sim_order_for(harness, order, acc.venue_order_id)
                assert sim is not None and sim.price == price.as_decimal()
