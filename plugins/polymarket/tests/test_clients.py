"""The clients against the mock venue on loopback sockets (asyncio and trio): what the
conformance suite does not cover (L1 keys, sharding, book hashes, market events, heartbeats,
batches, market orders in pUSD)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import anyio
import pytest
import tradeport
from tradeport.errors import AuthenticationError
from tradeport.model.data import InstrumentResolved, TradeTick
from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    ProductType,
    ResolutionResult,
    TimeInForce,
)
from tradeport.model.events import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import BinaryOutcome
from tradeport.model.orders import Order
from tradeport_conformance.suite.subscriptions import book_matches_venue
from tradeport_polymarket.config import PolymarketConfig
from tradeport_polymarket.http.client import PolymarketHttpClient
from tradeport_polymarket.testing import PolymarketHarness
from tradeport_polymarket.testing.harness import CONDITION_ID, NO_TOKEN, YES_TOKEN

pytestmark = pytest.mark.anyio
TIMEOUT = 15.0
YES = InstrumentId.of(YES_TOKEN, "POLYMARKET")
NO = InstrumentId.of(NO_TOKEN, "POLYMARKET")


@pytest.fixture
async def harness() -> AsyncIterator[PolymarketHarness]:
    async with PolymarketHarness() as h:
        yield h


async def _next(venue: Any, predicate: Any) -> Any:
    with anyio.fail_after(TIMEOUT):
        while True:
            event = await venue.next_event()
            if predicate(event):
                return event


async def test_l1_creates_and_derives_the_api_credentials(harness: PolymarketHarness) -> None:
    config = PolymarketConfig(**harness.client_config("none", private_key=harness.secrets[-1]))
    http = PolymarketHttpClient(config)
    created = await http.http_post_api_key()
    derived = await http.http_get_derive_api_key()
    assert created.api_key.reveal() == derived.api_key.reveal() == harness.API_KEY
    assert created.passphrase.reveal() == harness.PASSPHRASE
    l1 = [r for r in harness.requests if r.path.startswith("/auth/")]
    assert len(l1) == 2 and all(r.signature_ok for r in l1)
    other = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # a different key
    with pytest.raises(AuthenticationError):
        await PolymarketHttpClient(
            PolymarketConfig(**harness.client_config("none", private_key=other))
        ).http_post_api_key()


async def test_assets_are_sharded_over_connections(harness: PolymarketHarness) -> None:
    async with tradeport.open_venue(
        "polymarket", harness.client_config("none", assets_per_connection=1)
    ) as venue:
        await venue.instruments.load_all()
        await venue.data.subscribe_trades(YES)
        await venue.data.subscribe_trades(NO)
        assert venue.data.shard_count() == 2
        assert sorted(len(t) for t in harness.active_subscriptions()) == [1, 1]
        for iid in (YES, NO):
            trade_id = await harness.publish_trade(
                iid, Decimal("0.5"), Decimal("5"), AggressorSide.BUYER
            )
            tick = await _next(
                venue, lambda e, t=trade_id: isinstance(e, TradeTick) and str(e.trade_id) == t
            )
            assert tick.instrument_id == iid


async def test_a_lost_update_is_caught_by_the_hash_and_resynced_from_rest(
    harness: PolymarketHarness,
) -> None:
    async with tradeport.open_venue("polymarket", harness.client_config("none")) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(YES)
        await venue.data.subscribe_book_deltas(YES)
        await harness.set_book(
            YES, [(Decimal("0.40"), Decimal("50"))], [(Decimal("0.60"), Decimal("50"))]
        )
        await harness.wait_until(
            lambda: book_matches_venue(venue, harness, inst), TIMEOUT, "a synced book"
        )
        books_before = sum(r.path == "/book" for r in harness.requests)
        await harness.publish_book_gap(YES)
        await harness.wait_until(
            lambda: (
                sum(r.path == "/book" for r in harness.requests) > books_before
                and book_matches_venue(venue, harness, inst)
            ),
            TIMEOUT,
            "a REST resync after the lost update",
        )


async def test_tick_size_change_and_resolution_reach_the_instruments(
    harness: PolymarketHarness,
) -> None:
    async with tradeport.open_venue("polymarket", harness.client_config("none")) as venue:
        await venue.instruments.load_all()
        await venue.data.subscribe_trades(YES)
        await venue.data.subscribe_trades(NO)
        await harness.change_tick_size(YES, Decimal("0.001"))
        updated = await _next(venue, lambda e: isinstance(e, BinaryOutcome) and e.id == YES)
        assert str(updated.price_increment) == "0.001"
        assert venue.instruments.get(YES).price_increment == updated.price_increment
        await harness.resolve_market(CONDITION_ID, YES_TOKEN)
        won = await _next(
            venue, lambda e: isinstance(e, InstrumentResolved) and e.instrument_id == YES
        )
        lost = await _next(
            venue, lambda e: isinstance(e, InstrumentResolved) and e.instrument_id == NO
        )
        assert (won.result, won.payout, lost.result) == (
            ResolutionResult.WON,
            1,
            ResolutionResult.LOST,
        )
        assert venue.instruments.get(NO).resolution is ResolutionResult.LOST


async def test_heartbeats_keep_the_dead_man_switch_fed(harness: PolymarketHarness) -> None:
    async with tradeport.open_venue("polymarket", harness.client_config(heartbeat_interval=0.05)):
        await harness.wait_until(lambda: harness.heartbeats >= 3, TIMEOUT, "three heartbeats")
    signed = [r for r in harness.requests if r.path == "/v1/heartbeats"]
    assert signed and all(r.signature_ok for r in signed)


async def test_batch_submit_is_one_request_with_an_outcome_each(harness: PolymarketHarness) -> None:
    async with tradeport.open_venue("polymarket", harness.client_config()) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(YES)
        orders = [
            Order.limit(
                instrument_id=YES,
                side=OrderSide.BUY,
                quantity=inst.make_qty("5"),
                price=inst.make_price(px),
            )
            for px in ("0.10", "0.11")
        ] + [
            Order.limit(
                instrument_id=YES,
                side=OrderSide.BUY,
                quantity=inst.make_qty("10000000"),
                price=inst.make_price("0.12"),
            )
        ]
        await venue.execution.submit_orders(orders)
        outcomes = [
            await _next(
                venue,
                lambda e, o=o: (
                    isinstance(e, (OrderAccepted, OrderRejected))
                    and e.client_order_id == o.client_order_id
                ),
            )
            for o in orders
        ]
        assert [type(e).__name__ for e in outcomes] == [
            "OrderAccepted",
            "OrderAccepted",
            "OrderRejected",
        ]
        assert "not enough balance" in outcomes[2].reason
        batches = [r for r in harness.requests if r.path == "/orders"]
        assert len(batches) == 1 and len(json.loads(batches[0].body)) == 3
        await venue.execution.cancel_market_orders(CONDITION_ID)
        for o in orders[:2]:
            await _next(
                venue,
                lambda e, o=o: (
                    isinstance(e, OrderCanceled) and e.client_order_id == o.client_order_id
                ),
            )
        assert harness.exchange.open_orders() == []


async def test_market_buy_spends_a_pusd_amount_and_fok_without_liquidity_is_refused(
    harness: PolymarketHarness,
) -> None:
    async with tradeport.open_venue("polymarket", harness.client_config()) as venue:
        await venue.instruments.load_all()
        inst = venue.instruments.get(YES)
        await harness.set_book(
            YES, [(Decimal("0.40"), Decimal("100"))], [(Decimal("0.50"), Decimal("100"))]
        )
        buy = Order.market(
            instrument_id=YES,
            side=OrderSide.BUY,
            quantity=inst.make_qty("10"),
            quote_quantity=True,
            time_in_force=TimeInForce.FOK,
        )
        await venue.execution.submit_order(buy)
        fill = await _next(
            venue,
            lambda e: (
                isinstance(e, (OrderFilled, OrderRejected))
                and e.client_order_id == buy.client_order_id
            ),
        )
        assert isinstance(fill, OrderFilled), getattr(fill, "reason", "")
        assert (fill.last_qty.as_decimal(), fill.last_px.as_decimal()) == (
            Decimal(20),
            Decimal("0.50"),
        )
        body = json.loads(next(r for r in harness.requests if r.path == "/order").body)
        assert (body["orderType"], body["order"]["makerAmount"], body["order"]["takerAmount"]) == (
            "FOK",
            "10000000",
            "20000000",
        )
        too_big = Order.limit(
            instrument_id=YES,
            side=OrderSide.BUY,
            quantity=inst.make_qty("150"),
            price=inst.make_price("0.50"),
            time_in_force=TimeInForce.FOK,
        )
        await venue.execution.submit_order(too_big)
        # The venue answers an error; the order was valid and its time in force killed it.
        killed = await _next(
            venue,
            lambda e: (
                isinstance(e, (OrderRejected, OrderCanceled))
                and e.client_order_id == too_big.client_order_id
            ),
        )
        assert isinstance(killed, OrderCanceled)
        assert not [
            o
            for o in harness.exchange.open_orders()
            if o.venue_order_id == str(killed.venue_order_id)
        ]
    assert ProductType.BINARY_OUTCOME in venue.capabilities.products


async def test_price_history_is_the_venues_series(harness: PolymarketHarness) -> None:
    harness.seed_history(YES, trades=180)  # one a second over the last three minutes
    async with tradeport.open_venue(
        "polymarket", harness.client_config("none"), connect=False
    ) as venue:
        await venue.instruments.load_all()
        now = harness.exchange.now()
        points = await venue.data.request_price_history(
            YES, start_ns=now - 3600 * 10**9, end_ns=now
        )
    assert 3 <= len(points) <= 4  # one per minute the trades touch
    assert [t for t, _ in points] == sorted(t for t, _ in points)
    assert all(Decimal("0") < p < Decimal("1") for _, p in points)
    [query] = [dict(r.query) for r in harness.requests if r.path == "/prices-history"]
    assert set(query) == {"market", "startTs", "endTs", "fidelity"}


async def test_a_new_market_is_loaded_and_published(harness: PolymarketHarness) -> None:
    async with tradeport.open_venue("polymarket", harness.client_config("none")) as venue:
        await venue.instruments.load_all()
        await venue.data.subscribe_trades(YES)
        condition = "0x" + "ab" * 32
        await harness.list_market(
            condition, "Will the new market load?", [("777", "Yes"), ("888", "No")]
        )
        first = await _next(
            venue, lambda e: isinstance(e, BinaryOutcome) and e.condition_id == condition
        )
        second = await _next(
            venue,
            lambda e: (
                isinstance(e, BinaryOutcome) and e.condition_id == condition and e.id != first.id
            ),
        )
        assert {first.outcome, second.outcome} == {"Yes", "No"}
        assert (
            venue.instruments.get(InstrumentId.of("777", "POLYMARKET")).question
            == "Will the new market load?"
        )


async def test_the_dead_man_switch_cancels_when_heartbeats_stop() -> None:
    async with PolymarketHarness(heartbeat_timeout=3.0) as harness:
        config = harness.client_config(heartbeat_interval=0.05)
        async with tradeport.open_venue("polymarket", config) as venue:
            await venue.instruments.load_all()
            inst = venue.instruments.get(YES)
            order = Order.limit(
                instrument_id=YES,
                side=OrderSide.BUY,
                quantity=inst.make_qty("5"),
                price=inst.make_price("0.10"),
            )
            await venue.execution.submit_order(order)
            await _next(venue, lambda e: isinstance(e, OrderAccepted))
            await harness.wait_until(
                lambda: harness.heartbeats >= 15, TIMEOUT, "heartbeats for three timeouts"
            )
            assert harness.dead_man_cancels == 0 and len(harness.exchange.open_orders()) == 1
            # The client goes away: no more heartbeats, the venue cancels the order.
            await venue.execution.disconnect()
            await harness.wait_until(
                lambda: harness.dead_man_cancels == 1, TIMEOUT, "the dead-man switch"
            )
            assert harness.exchange.open_orders() == []
