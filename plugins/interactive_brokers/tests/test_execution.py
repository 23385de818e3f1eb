"""The execution client through a whole session against the harness: contracts resolved
before orders leave, order ids from nextValidId, modify by re-placing the same id, fills joined
with their commission reports exactly once (in either order), global cancel, reconnect
recovery, account state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.model.enums import OrderSide, OrderType, ProductType, TimeInForce, TrailingOffsetType
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderUpdated,
)
from tradeport.model.identifiers import ClientOrderId, InstrumentId
from tradeport.model.orders import Order
from tradeport.session import open_venue
from tradeport_conformance.harness import wait_until
from tradeport_interactive_brokers.constants import Out
from tradeport_interactive_brokers.testing import InteractiveBrokersHarness
from tradeport_interactive_brokers.testing.harness import CLIENT_ID

pytestmark = pytest.mark.anyio

DEADLINE = 10.0
OPTION = InstrumentId.from_str("AAPL261218C00200000.SMART")


@pytest.fixture
async def harness() -> AsyncIterator[InteractiveBrokersHarness]:
    async with InteractiveBrokersHarness() as h:
        h.exchange.set_book(
            "AAPL", [(Decimal("99.99"), Decimal(500))], [(Decimal("100.01"), Decimal(500))]
        )
        h.exchange.set_book(
            "AAPL  261218C00200000",
            [(Decimal("4.10"), Decimal(50))],
            [(Decimal("4.20"), Decimal(50))],
        )
        yield h


async def _next(venue: Any, predicate: Any) -> Any:
    with anyio.fail_after(DEADLINE):
        async for event in venue.events():
            if predicate(event):
                return event
    raise AssertionError("the event stream ended")


def _placed(harness: InteractiveBrokersHarness) -> list[list[str]]:
    return [f for cid, f in harness.gateway.received_log if f[0] == str(Out.PLACE_ORDER)]


async def test_option_order_resolves_its_contract_before_it_is_sent(
    harness: InteractiveBrokersHarness,
) -> None:
    async with open_venue("interactive_brokers", harness.client_config()) as venue:
        assert venue.instruments.find(OPTION) is None
        order = Order.limit(
            instrument_id=OPTION,
            side=OrderSide.BUY,
            quantity=__import__("tradeport").model.numbers.Quantity(2, 0),
            price=__import__("tradeport").model.numbers.Price("4.00", 2),
            time_in_force=TimeInForce.DAY,
        )
        await venue.execution.submit_order(order)
        accepted = await _next(venue, lambda e: isinstance(e, OrderAccepted))
        assert accepted.client_order_id == order.client_order_id
    kinds = [
        f[0]
        for _, f in harness.gateway.received_log
        if f[0] in (str(Out.REQ_CONTRACT_DATA), str(Out.PLACE_ORDER))
    ]
    assert kinds == [str(Out.REQ_CONTRACT_DATA), str(Out.PLACE_ORDER)]
    (place,) = _placed(harness)
    assert place[2] == "712345678"  # by conId, as resolved
    assert place[26] == str(order.client_order_id)  # orderRef carries the client order id


async def test_ids_increase_and_modify_replaces_the_same_id(
    harness: InteractiveBrokersHarness,
) -> None:
    harness.gateway.first_order_id = 500
    async with open_venue("interactive_brokers", harness.client_config()) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(harness.instrument_id(ProductType.EQUITY))
        orders = [
            Order.limit(
                instrument_id=inst.id,
                side=OrderSide.BUY,
                quantity=inst.make_qty(10),
                price=inst.make_price(Decimal("90") + i),
            )
            for i in range(2)
        ]
        for order in orders:
            await venue.execution.submit_order(order)
            await _next(
                venue,
                lambda e, o=order: (
                    isinstance(e, OrderAccepted) and e.client_order_id == o.client_order_id
                ),
            )
        await venue.execution.modify_order(
            inst.id, orders[0].client_order_id, price=inst.make_price("95.5")
        )
        updated = await _next(venue, lambda e: isinstance(e, OrderUpdated))
        assert updated.price == inst.make_price("95.5")
        assert [p[1] for p in _placed(harness)] == ["500", "501", "500"]
        sim = harness.exchange.open_orders("AAPL")
        assert sorted(o.price for o in sim) == [Decimal("91"), Decimal("95.5")]


@pytest.mark.parametrize("commission_first", [False, True])
async def test_each_fill_once_with_its_commission(
    harness: InteractiveBrokersHarness, commission_first: bool
) -> None:
    harness.gateway.commission_first = commission_first
    async with open_venue("interactive_brokers", harness.client_config()) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(harness.instrument_id(ProductType.EQUITY))
        order = Order.limit(
            instrument_id=inst.id,
            side=OrderSide.BUY,
            quantity=inst.make_qty(10),
            price=inst.make_price(95),
        )
        await venue.execution.submit_order(order)
        accepted = await _next(venue, lambda e: isinstance(e, OrderAccepted))
        sim_id = str(accepted.venue_order_id)
        harness.exchange.fill(sim_id, quantity=Decimal(4))
        harness.exchange.fill(sim_id)
        fills = [await _next(venue, lambda e: isinstance(e, OrderFilled)) for _ in range(2)]
        sim_fills = harness.exchange.fills(venue_order_id=sim_id)
        assert [str(f.trade_id) for f in fills] == [f.trade_id for f in sim_fills]
        assert [f.commission.as_decimal() for f in fills] == [f.commission for f in sim_fills]
        assert all(str(f.commission.currency) == "USD" for f in fills)
        # Reconciliation asks TWS again: the same executions come back, no fill twice.
        reports = await venue.execution.fill_reports(inst.id)
        assert sorted(str(r.trade_id) for r in reports) == sorted(f.trade_id for f in sim_fills)
        assert venue.execution.tracker.find(order.client_order_id).closed


async def test_fill_while_disconnected_is_recovered_once(
    harness: InteractiveBrokersHarness,
) -> None:
    config = harness.client_config(reconnect_delay_initial=0.05)
    async with open_venue("interactive_brokers", config) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(harness.instrument_id(ProductType.EQUITY))
        order = Order.limit(
            instrument_id=inst.id,
            side=OrderSide.BUY,
            quantity=inst.make_qty(10),
            price=inst.make_price(95),
        )
        await venue.execution.submit_order(order)
        accepted = await _next(venue, lambda e: isinstance(e, OrderAccepted))
        await harness.refuse_connections(True)
        await harness.drop_connections("rst")
        harness.exchange.fill(str(accepted.venue_order_id))
        await harness.refuse_connections(False)
        fill = await _next(venue, lambda e: isinstance(e, OrderFilled))
        assert fill.reconciliation and fill.commission.as_decimal() > 0


async def test_global_cancel_and_account_state(harness: InteractiveBrokersHarness) -> None:
    async with open_venue("interactive_brokers", harness.client_config()) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(harness.instrument_id(ProductType.EQUITY))
        orders = [
            Order.limit(
                instrument_id=inst.id,
                side=OrderSide.BUY,
                quantity=inst.make_qty(10),
                price=inst.make_price(90 - i),
            )
            for i in range(2)
        ]
        for order in orders:
            await venue.execution.submit_order(order)
            await _next(
                venue,
                lambda e, o=order: (
                    isinstance(e, OrderAccepted) and e.client_order_id == o.client_order_id
                ),
            )
        state = await venue.execution.account_state()
        usd = next(b for b in state.balances if str(b.currency) == "USD")
        sim_usd = harness.exchange.balance("USD")
        assert usd.locked.as_decimal() == sim_usd.locked >= Decimal(10 * 90 + 10 * 89)
        assert usd.free.as_decimal() == sim_usd.free
        assert str(state.account_id) == "INTERACTIVE_BROKERS-DU1234567"
        await venue.execution.global_cancel()
        canceled = {
            (await _next(venue, lambda e: isinstance(e, OrderCanceled))).client_order_id
            for _ in orders
        }
        assert canceled == {o.client_order_id for o in orders}
        assert harness.exchange.open_orders() == []
        assert any(
            f[0] == str(Out.REQ_GLOBAL_CANCEL)
            for cid, f in harness.gateway.received_log
            if cid == CLIENT_ID
        )


async def test_bracket_exits_wait_for_the_entry_and_cancel_each_other(
    harness: InteractiveBrokersHarness,
) -> None:
    async with open_venue("interactive_brokers", harness.client_config()) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(harness.instrument_id(ProductType.EQUITY))
        qty = inst.make_qty(10)
        entry = Order.limit(
            instrument_id=inst.id, side=OrderSide.BUY, quantity=qty, price=inst.make_price(95)
        )
        take = Order.limit(
            instrument_id=inst.id, side=OrderSide.SELL, quantity=qty, price=inst.make_price(120)
        )
        stop = Order.stop_market(
            instrument_id=inst.id,
            side=OrderSide.SELL,
            quantity=qty,
            trigger_price=inst.make_price(80),
        )
        await venue.execution.submit_bracket(entry, take, stop)
        accepted: set[Any] = set()
        wanted = {entry.client_order_id, take.client_order_id, stop.client_order_id}
        while accepted != wanted:
            event = await _next(venue, lambda e: isinstance(e, OrderAccepted))
            accepted.add(event.client_order_id)
        placed = _placed(harness)
        assert [p[27] for p in placed] == ["0", "0", "1"]  # transmit only with the last
        assert placed[1][28] == placed[2][28] == placed[0][1]  # parentId = the entry's id
        assert [o.client_order_id for o in harness.exchange.open_orders("AAPL")] == [
            str(entry.client_order_id)
        ]
        entry_id = next(o.venue_order_id for o in harness.exchange.open_orders("AAPL"))
        harness.exchange.fill(entry_id)
        await _next(
            venue,
            lambda e: isinstance(e, OrderFilled) and e.client_order_id == entry.client_order_id,
        )
        await wait_until(
            lambda: len(harness.exchange.open_orders("AAPL")) == 2, what="the exits working"
        )
        take_id = next(
            o.venue_order_id
            for o in harness.exchange.open_orders("AAPL")
            if o.client_order_id == str(take.client_order_id)
        )
        harness.exchange.fill(take_id)
        canceled = await _next(venue, lambda e: isinstance(e, OrderCanceled))
        assert canceled.client_order_id == stop.client_order_id
        assert harness.exchange.open_orders("AAPL") == []


@pytest.mark.parametrize(
    ("offset", "offset_type", "wire"),
    [
        (Decimal("2.50"), TrailingOffsetType.PRICE, {"aux": "2.5", "percent": ""}),
        (Decimal(150), TrailingOffsetType.BASIS_POINTS, {"aux": "", "percent": "1.5"}),
    ],
)
async def test_trailing_stop_by_amount_or_percent(
    harness: InteractiveBrokersHarness, offset: Decimal, offset_type: Any, wire: dict[str, str]
) -> None:
    harness.exchange.set_last_price("AAPL", Decimal(100))  # what the stop trails
    async with open_venue("interactive_brokers", harness.client_config()) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(harness.instrument_id(ProductType.EQUITY))
        order = Order(
            client_order_id=ClientOrderId.generate(),
            instrument_id=inst.id,
            side=OrderSide.SELL,
            order_type=OrderType.TRAILING_STOP_MARKET,
            quantity=inst.make_qty(5),
            trailing_offset=offset,
            trailing_offset_type=offset_type,
            time_in_force=TimeInForce.GTC,
        )
        await venue.execution.submit_order(order)
        await _next(venue, lambda e: isinstance(e, OrderAccepted))
    (place,) = _placed(harness)
    assert place[18] == "TRAIL" and place[20] == wire["aux"]
    assert place[42 + 27] == wire["percent"]  # trailingPercent (server version 178 layout)
    (sim,) = harness.exchange.open_orders("AAPL")
    assert (sim.order_type, sim.trailing_offset, sim.trailing_offset_type) == (
        OrderType.TRAILING_STOP_MARKET,
        offset,
        offset_type,
    )


async def test_completed_orders_are_reconciled(harness: InteractiveBrokersHarness) -> None:
    async with open_venue("interactive_brokers", harness.client_config()) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(harness.instrument_id(ProductType.EQUITY))
        filled, canceled = (
            Order.limit(
                instrument_id=inst.id,
                side=OrderSide.BUY,
                quantity=inst.make_qty(10),
                price=inst.make_price(p),
            )
            for p in (95, 94)
        )
        for order in (filled, canceled):
            await venue.execution.submit_order(order)
            await _next(
                venue,
                lambda e, o=order: (
                    isinstance(e, OrderAccepted) and e.client_order_id == o.client_order_id
                ),
            )
        by_ref = {o.client_order_id: o.venue_order_id for o in harness.exchange.open_orders("AAPL")}
        harness.exchange.fill(by_ref[str(filled.client_order_id)])
        await venue.execution.cancel_order(inst.id, canceled.client_order_id)
        await _next(venue, lambda e: isinstance(e, OrderCanceled))
        reports = {str(r.client_order_id): r for r in await venue.execution.completed_orders()}
        assert reports[str(filled.client_order_id)].order_status.value == "FILLED"
        assert reports[str(filled.client_order_id)].filled_qty.as_decimal() == 10
        assert reports[str(canceled.client_order_id)].order_status.value == "CANCELED"
        everything = await venue.execution.order_status_reports(inst.id, open_only=False)
        assert {str(r.client_order_id) for r in everything} >= set(reports)


@pytest.mark.parametrize(
    ("order_type", "tif", "wire", "auction_open"),
    [
        (OrderType.MARKET, TimeInForce.AT_THE_CLOSE, ("MOC", "DAY"), False),
        (OrderType.LIMIT, TimeInForce.AT_THE_CLOSE, ("LOC", "DAY"), False),
        (OrderType.MARKET, TimeInForce.AT_THE_OPEN, ("MKT", "OPG"), True),
        (OrderType.LIMIT, TimeInForce.AT_THE_OPEN, ("LMT", "OPG"), True),
    ],
)
async def test_on_open_and_on_close_orders_fill_at_their_auction(
    harness: InteractiveBrokersHarness,
    order_type: OrderType,
    tif: TimeInForce,
    wire: tuple[str, str],
    auction_open: bool,
) -> None:
    """MOC/LOC wait for the session's close, MOO/LOO (TIF OPG) for its open: accepted and
    held (PreSubmitted) until then, filled by that auction, never before."""
    iid = harness.instrument_id(ProductType.EQUITY)
    if auction_open:
        await harness.set_trading_session(iid, False)  # placed overnight, before the open
    async with open_venue("interactive_brokers", harness.client_config()) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(iid)
        order = Order(
            client_order_id=ClientOrderId.generate(),
            instrument_id=inst.id,
            side=OrderSide.BUY,
            order_type=order_type,
            quantity=inst.make_qty(10),
            price=inst.make_price("100.05") if order_type is OrderType.LIMIT else None,
            time_in_force=tif,
        )
        await venue.execution.submit_order(order)
        await _next(venue, lambda e: isinstance(e, OrderAccepted))
        (place,) = _placed(harness)
        assert (place[18], place[21]) == wire  # orderType, tif
        assert harness.exchange.fills() == []  # held for the auction, not worked now
        (report,) = await venue.execution.order_status_reports(inst.id)
        assert (report.order_type, report.time_in_force) == (order_type, tif)
        await harness.set_trading_session(iid, auction_open)  # the auction
        filled = await _next(venue, lambda e: isinstance(e, OrderFilled))
        assert filled.client_order_id == order.client_order_id
        assert filled.last_px.as_decimal() == Decimal("100.01")
        assert filled.last_qty.as_decimal() == 10


@pytest.mark.parametrize("outside_rth", [False, True])
async def test_outside_rth_orders_work_after_hours(
    harness: InteractiveBrokersHarness, outside_rth: bool
) -> None:
    """The ``outsideRth`` tag sets the order's outsideRth field: such a DAY order keeps
    working after the regular session's close and one placed after hours works at once;
    without it the close expires the first and TWS holds the second until the open."""
    iid = harness.instrument_id(ProductType.EQUITY)
    tags = ("outsideRth",) if outside_rth else ()
    async with open_venue("interactive_brokers", harness.client_config()) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(iid)
        resting = Order.limit(
            instrument_id=iid,
            side=OrderSide.BUY,
            quantity=inst.make_qty(10),
            price=inst.make_price(95),
            time_in_force=TimeInForce.DAY,
            tags=tags,
        )
        await venue.execution.submit_order(resting)
        accepted = await _next(venue, lambda e: isinstance(e, OrderAccepted))
        await harness.set_trading_session(iid, False)  # the regular session closes
        after_hours = Order.market(
            instrument_id=iid,
            side=OrderSide.BUY,
            quantity=inst.make_qty(5),
            time_in_force=TimeInForce.DAY,
            tags=tags,
        )
        await venue.execution.submit_order(after_hours)
        if outside_rth:
            filled = await _next(venue, lambda e: isinstance(e, OrderFilled))
            assert filled.client_order_id == after_hours.client_order_id
            (sim,) = harness.exchange.open_orders("AAPL")
            assert sim.venue_order_id == str(accepted.venue_order_id)  # still working
        else:
            expired = await _next(venue, lambda e: isinstance(e, OrderExpired))
            assert expired.client_order_id == resting.client_order_id
            held = await _next(
                venue,
                lambda e: (
                    isinstance(e, OrderAccepted)
                    and e.client_order_id == after_hours.client_order_id
                ),
            )
            assert held is not None and harness.exchange.fills() == []
    placed = _placed(harness)
    assert [p[33] for p in placed] == (["1", "1"] if outside_rth else ["0", "0"])  # outsideRth
