"""RECONCILIATION (RE1-RE5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tradeport.model.enums import OrderSide, OrderType, PositionSide, ProductType
from tradeport.model.events import OrderAccepted, OrderFilled
from tradeport.model.orders import Order

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import pick_instrument, prices_for
from tradeport_conformance.suite.orders import order_event

pytestmark = pytest.mark.anyio

__all__ = ["TestReconciliation"]


def _seed_limit(harness, inst, p, client_order_id: str, side=OrderSide.BUY):
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
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("valid", connect=False) as venue:
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            seeded = _seed_limit(harness, inst, prices_for(inst), "seeded-open-1")
            reports = await venue.execution.order_status_reports(iid, open_only=True)
        found = [r for r in reports if str(r.venue_order_id) == seeded.venue_order_id]
        assert found, "a venue-side open order was not reported"
        if harness.features.client_order_ids:
            assert str(found[0].client_order_id) == "seeded-open-1"
        assert found[0].order_status.is_open

    @scenario("RE2")
    @requires("order:LIMIT/GTC")
    async def test_fill_reports_over_lookback(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("valid", connect=False) as venue:
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            p = prices_for(inst)
            start = harness.exchange.now()
            seeded = _seed_limit(harness, inst, p, "seeded-fill-1")
            filled = harness.exchange.fill(seeded.venue_order_id)
            trade_ids = {str(f.trade_id) for f in filled.fills}
            reports = await venue.execution.fill_reports(iid, start_ns=start)
        got = {str(r.trade_id) for r in reports}
        assert trade_ids <= got, f"fills {trade_ids - got} missing from the reports"
        assert len(got) == len(reports), "a fill was reported twice"

    @scenario("RE3")
    @requires("capability:positions", "product:PERPETUAL")
    async def test_positions_and_balances(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities, ProductType.PERPETUAL)
        async with open_session("valid", connect=False) as venue:
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            p = prices_for(inst)
            symbol = str(inst.raw_symbol)
            # Long, then short, then flat: each reported as the venue holds it.
            for side, qty in ((PositionSide.LONG, p["size"]), (PositionSide.SHORT, p["size"] * 2)):
                harness.exchange.seed_position(symbol, side, qty, p["mid"])
                reports = await venue.execution.position_status_reports(iid)
                held = [
                    (r.position_side, r.quantity.as_decimal())
                    for r in reports
                    if r.quantity.as_decimal()
                ]
                assert held == [(side, qty)], f"venue holds {side.value} {qty}, reported {held}"
            harness.exchange.seed_position(symbol, PositionSide.FLAT, Decimal(0), Decimal(0))
            reports = await venue.execution.position_status_reports(iid)
            assert all(r.quantity.as_decimal() == 0 for r in reports), (
                "a flat position reported open"
            )
            state = await venue.execution.account_state()
            venue_assets = {b.asset: b.total for b in harness.exchange.balances()}
            for bal in state.balances:
                assert bal.total.amount == venue_assets[bal.total.currency]

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
        assert str(report.venue_order_id) == seeded.venue_order_id

    @scenario("RE5")
    @requires("order:LIMIT/GTC", "capability:private_streams")
    async def test_fill_on_stream_and_rest_reported_once(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("valid") as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            p = prices_for(inst)
            order = Order.limit(
                instrument_id=iid,
                side=OrderSide.BUY,
                quantity=inst.make_qty(p["size"]),
                price=inst.make_price(p["far_bid"]),
            )
            await venue.execution.submit_order(order)
            acc = await order_event(venue, order, OrderAccepted)
            harness.exchange.fill(str(acc.venue_order_id))
            await harness.push_account_events()
            fill = await order_event(venue, order, OrderFilled)
            status = await venue.execution.mass_status()
            ids = [str(r.trade_id) for r in status.fill_reports]
            assert ids.count(str(fill.trade_id)) == 1
