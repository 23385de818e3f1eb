"""The clients against the mock venue end to end: FIX gaps filled through the execution
client, REST polling mode, LEVEL2 gaps resubscribed, the 3 s subscribe deadline."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import anyio
import httpx_ws
import pytest
import tradeport
from tradeport.model.data import OrderBookDeltas
from tradeport.model.enums import AggressorSide, OrderSide
from tradeport.model.events import OrderAccepted, OrderFilled
from tradeport.model.identifiers import InstrumentId
from tradeport.model.orders import Order

from tradeport_coinbase_intx.testing.harness import CoinbaseIntxHarness

pytestmark = pytest.mark.anyio
BTC_PERP = InstrumentId.from_str("BTC-PERP.COINBASE_INTX")
FAST = {"reconnect_delay_initial": 0.05, "reconnect_delay_max": 0.2}


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return request.param


async def _collect(venue: Any, events: list[Any], done: Callable[[], bool]) -> None:
    with anyio.fail_after(15):
        async for event in venue.events():
            events.append(event)
            if done():
                return


def _config(harness: CoinbaseIntxHarness) -> dict[str, Any]:
    return harness.client_config(**FAST)


def _order(venue: Any) -> Order:
    inst = venue.instruments.get(BTC_PERP)
    return Order.limit(
        instrument_id=BTC_PERP,
        side=OrderSide.BUY,
        quantity=inst.make_qty(Decimal("0.3")),
        price=inst.make_price(Decimal("1000")),
    )


def _fills(events: list[Any]) -> list[OrderFilled]:
    return [e for e in events if isinstance(e, OrderFilled)]


async def test_a_skipped_execution_report_is_resent_and_applied_once() -> None:
    harness = CoinbaseIntxHarness()
    async with harness, tradeport.open_venue("coinbase_intx", _config(harness)) as venue:
        await venue.instruments.load_all()
        order = _order(venue)
        events: list[Any] = []
        await venue.execution.submit_order(order)
        await _collect(venue, events, lambda: any(isinstance(e, OrderAccepted) for e in events))
        venue_id = next(e for e in events if isinstance(e, OrderAccepted)).venue_order_id
        harness.exchange.fill(str(venue_id), quantity=Decimal("0.1"))
        await harness.push_account_events()
        harness.skip_next_execution_report()  # the second fill's report is lost...
        harness.exchange.fill(str(venue_id), quantity=Decimal("0.1"))
        harness.exchange.fill(str(venue_id), quantity=Decimal("0.1"))  # ...this shows the gap
        await harness.push_account_events()
        await _collect(venue, events, lambda: len(_fills(events)) >= 3)
        acceptor = harness.gateway.acceptor
        assert len(acceptor.resend_requests) == 1
        # A duplicate would come right behind on the drop copy: a marker report after it
        # (a new order's acceptance) proves the stream was read past that point.
        marker = _order(venue)
        await venue.execution.submit_order(marker)
        harness.exchange.trade("BTC-PERP", Decimal("5000"), Decimal("0.001"), AggressorSide.BUYER)
        await _collect(
            venue,
            events,
            lambda: any(
                isinstance(e, OrderAccepted) and e.client_order_id == marker.client_order_id
                for e in events
            ),
        )
        await harness.push_account_events()
    fills = [f for f in _fills(events) if f.client_order_id == order.client_order_id]
    assert len(fills) == 3
    assert len({f.trade_id for f in fills}) == 3
    assert sum(f.last_qty.as_decimal() for f in fills) == Decimal("0.3")
    assert all(f.client_order_id == order.client_order_id for f in fills)


async def test_polling_mode_publishes_fills_without_a_fix_session() -> None:
    async with CoinbaseIntxHarness() as harness:
        config = harness.client_config(order_events="poll", poll_interval=0.05, **FAST)
        async with tradeport.open_venue("coinbase_intx", config) as venue:
            await venue.instruments.load_all()
            assert venue.execution.authenticated
            order = _order(venue)
            events: list[Any] = []
            await venue.execution.submit_order(order)
            await _collect(venue, events, lambda: any(isinstance(e, OrderAccepted) for e in events))
            venue_id = next(e for e in events if isinstance(e, OrderAccepted)).venue_order_id
            harness.exchange.fill(str(venue_id), quantity=Decimal("0.3"))
            await _collect(venue, events, lambda: bool(_fills(events)))
        assert harness.gateway.acceptor.logons == 0  # no FIX session at all
    assert [f.last_qty.as_decimal() for f in _fills(events)] == [Decimal("0.3")]


async def test_a_level2_gap_resubscribes_and_rebuilds_the_book() -> None:
    async with (
        CoinbaseIntxHarness() as harness,
        tradeport.open_venue("coinbase_intx", harness.client_config("none", **FAST)) as venue,
    ):
        await venue.instruments.load_all()
        await harness.set_book(
            BTC_PERP, [(Decimal("999"), Decimal("1"))], [(Decimal("1001"), Decimal("1"))]
        )
        await venue.data.subscribe_book_deltas(BTC_PERP)
        events: list[Any] = []
        snapshots = lambda: sum(  # noqa: E731
            1
            for e in events
            if isinstance(e, OrderBookDeltas) and e.deltas[0].action.value == "CLEAR"
        )
        await _collect(venue, events, lambda: snapshots() == 1)
        subscribes = harness.subscription_messages()
        await harness.publish_book_gap(BTC_PERP)
        await _collect(venue, events, lambda: snapshots() == 2)
        assert venue.data.book_resyncs == 1
        assert harness.subscription_messages() > subscribes
        book = venue.data.book(BTC_PERP)
        truth = harness.exchange.book("BTC-PERP")
        assert book.best_bid().size.as_decimal() == truth.bids[0][1]


async def test_a_connection_that_never_subscribes_is_closed_by_the_venue() -> None:
    async with CoinbaseIntxHarness() as harness:
        harness.enforce_subscribe_deadline = True
        with anyio.fail_after(10):
            async with httpx_ws.aconnect_ws(harness.ws_url) as ws:
                with pytest.raises(httpx_ws.WebSocketDisconnect):
                    await ws.receive_text()
        assert harness.deadline_closes == 1
