"""RECONCILIATION (RE1-RE5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tradeport.model.enums import OrderSide, OrderType, PositionSide, ProductType
from tradeport.model.events import OrderAccepted, OrderFilled

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import far_bid_order, pick_instrument, prices_for
from tradeport_conformance.suite.orders import order_event
from tradeport_conformance.suite.truth import (
    assert_balances,
    assert_fills,
    assert_order,
    assert_position,
    exact_setup,
    sim_order_for,
    venue_order_id_of,
)

pytestmark = pytest.mark.anyio

__all__ = ["TestReconciliation"]


def _seed_limit(harness, inst, p, client_order_id: str, side=OrderSide.BUY, price=None):
    if price is None:
        price = p["far_bid"] if side == OrderSide.BUY else p["far_ask"]
    result = harness.exchange.submit(
        str(inst.raw_symbol),
        side,
        OrderType.LIMIT,
        p["size"],
        price=price,
        client_order_id=client_order_id,
    )
    assert result.ok, f"seeding failed: {result.reason}"
    return result.order


@pytest.mark.anyio
class TestReconciliation:
    @scenario("RE1")
    @requires("order:LIMIT/GTC")
    async def test_open_orders_reported_before_new_commands(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("valid", connect=False) as venue:
            # A book around the prices: the orders rest instead of filling.
            iid, inst, p = await exact_setup(venue, harness, venue_capabilities)
            seeded = _seed_limit(harness, inst, p, "seeded-open-1")
            partial = _seed_limit(harness, inst, p, "seeded-open-2", price=p["rest"] - p["tick"])
            harness.exchange.fill(
                partial.venue_order_id, quantity=(p["size"] / 2).quantize(p["step"])
            )
            reports = await venue.execution.order_status_reports(iid, open_only=True)
        for sim_order, client_id in ((seeded, "seeded-open-1"), (partial, "seeded-open-2")):
            want = venue_order_id_of(harness, sim_order.venue_order_id)
            found = [r for r in reports if str(r.venue_order_id) == want]
            assert found, f"venue-side open order {client_id} was not reported"
            if harness.features.client_order_ids:
                assert str(found[0].client_order_id) == client_id
            assert found[0].order_status.is_open
            assert_order(harness, found[0], harness.exchange.order(sim_order.venue_order_id))

    @scenario("RE2")
    @requires("order:LIMIT/GTC")
    async def test_fill_reports_over_lookback(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("valid", connect=False) as venue:
            # A book around the prices: the orders rest instead of filling.
            iid, inst, p = await exact_setup(venue, harness, venue_capabilities)
            start = harness.exchange.now()
            seeded = _seed_limit(harness, inst, p, "seeded-fill-1", price=p["rest"])
            harness.exchange.fill(
                seeded.venue_order_id, quantity=(p["size"] / 2).quantize(p["step"])
            )
            harness.exchange.fill(seeded.venue_order_id, price=p["rest"] - p["tick"] * 2)
            sim_fills = harness.exchange.fills(venue_order_id=seeded.venue_order_id)
            reports = await venue.execution.fill_reports(iid, start_ns=start)
        got = [str(r.trade_id) for r in reports]
        assert len(set(got)) == len(got), f"a fill was reported twice: {got}"
        assert_fills(harness, reports, sim_fills)

    @scenario("RE3")
    @requires("order:LIMIT/GTC")
    async def test_balances_free_locked_total(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        """Spot or derivatives: with funds locked by a resting order, every currency's free,
        locked and total balance is the venue's (no positions needed)."""
        async with open_session("valid", connect=False) as venue:
            # A book around the prices: the orders rest instead of filling.
            _, inst, p = await exact_setup(venue, harness, venue_capabilities)
            _seed_limit(harness, inst, p, "locks-funds-1")
            # A resting sell too where the account holds the base asset (spot) or can short.
            harness.exchange.submit(
                str(inst.raw_symbol),
                OrderSide.SELL,
                OrderType.LIMIT,
                p["size"],
                price=p["far_ask"],
                client_order_id="locks-funds-2",
            )
            locked = [b for b in harness.exchange.balances() if b.locked]
            assert locked, "the venue locked nothing for two resting orders"
            state = await venue.execution.account_state()
        assert_balances(harness, state)

    @scenario("RE3")
    @requires("capability:positions", "product:PERPETUAL")
    async def test_positions_and_balances(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        """Long, then short, then flat: each reported as the venue holds it, side, quantity
        and average entry price (18 significant digits where the venue lists exactly)."""
        async with open_session("valid", connect=False) as venue:
            iid, inst, p = await exact_setup(
                venue, harness, venue_capabilities, ProductType.PERPETUAL
            )
            symbol = str(inst.raw_symbol)
            # A different entry for each, so a client that keeps an old average fails.
            for side, qty, entry in (
                (PositionSide.LONG, p["size"], p["bid"]),
                (PositionSide.SHORT, p["size"] * 2, p["ask"]),
                (PositionSide.FLAT, Decimal(0), Decimal(0)),
            ):
                harness.exchange.seed_position(symbol, side, qty, entry)
                reports = await venue.execution.position_status_reports(iid)
                assert_position(reports, harness.exchange.position(symbol))
            assert harness.exchange.position(symbol).side is PositionSide.FLAT
            assert_balances(harness, await venue.execution.account_state())

    @scenario("RE4")
    @requires("order:LIMIT/GTC", "feature:client_order_ids")
    async def test_in_flight_order_resolved_by_client_order_id(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("valid", connect=False) as venue:
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            seeded = _seed_limit(harness, inst, prices_for(inst), "inflight-1")
            from tradeport.model.identifiers import ClientOrderId

            report = await venue.execution.order_status_report(
                iid, client_order_id=ClientOrderId("inflight-1")
            )
        assert report is not None, "the order known only by client order id was not found"
        assert str(report.venue_order_id) == venue_order_id_of(harness, seeded.venue_order_id)

    @scenario("RE5")
    @requires("order:LIMIT/GTC", "capability:private_streams")
    async def test_fill_on_stream_and_rest_reported_once(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("valid") as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            order = far_bid_order(inst, prices_for(inst))
            await venue.execution.submit_order(order)
            acc = await order_event(venue, order, OrderAccepted)
            harness.exchange.fill(sim_order_for(harness, order, acc.venue_order_id).venue_order_id)
            await harness.push_account_events()
            fill = await order_event(venue, order, OrderFilled)
            status = await venue.execution.mass_status()
            ids = [str(r.trade_id) for r in status.fill_reports]
            assert ids.count(str(fill.trade_id)) == 1
