"""The execution client against the Hyperliquid mock venue on real loopback sockets (asyncio and
trio): nonces under concurrency, signer checks, per-order outcomes, batch commands, the
dead-man switch, the userFills snapshot, envelope errors resolved by orderStatus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import anyio
import httpx
import pytest
from tradeport.config import load_config
from tradeport.errors import AuthenticationError, MissingCredentials, RequestRejected
from tradeport.model.enums import OrderSide
from tradeport.model.events import (
    OrderAccepted,
    OrderModifyRejected,
    OrderRejected,
    OrderUpdated,
)
from tradeport.model.identifiers import ClientOrderId
from tradeport.model.orders import Order
from tradeport.model.reports import FillReport
from tradeport_hyperliquid.config import HyperliquidConfig
from tradeport_hyperliquid.credential import sign_l1_action
from tradeport_hyperliquid.execution import HyperliquidExecutionClient
from tradeport_hyperliquid.http.query import limit_order_type, order_action, order_wire
from tradeport_hyperliquid.providers import HyperliquidInstrumentProvider
from tradeport_hyperliquid.symbology import perp_id
from tradeport_hyperliquid.testing.harness import (
    AGENT,
    MASTER,
    MASTER_KEY,
    HyperliquidHarness,
)

pytestmark = pytest.mark.anyio

TIMEOUT = 10
BTC = perp_id("BTC")


class Sink:
    """Collects published events; ``wait_for`` blocks until one matches."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._changed = anyio.Event()

    async def send(self, item: Any) -> None:
        self.events.append(item)
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_for(self, predicate: Any) -> Any:
        with anyio.fail_after(TIMEOUT):
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                await self._changed.wait()


@pytest.fixture
async def harness() -> AsyncIterator[HyperliquidHarness]:
    async with HyperliquidHarness() as h:
        h.exchange.set_book(
            "BTC", bids=[(Decimal("999.0"), Decimal("1"))], asks=[(Decimal("1001.0"), Decimal("1"))]
        )
        yield h


def _config(
    harness: HyperliquidHarness, credentials: str = "valid", **kw: Any
) -> HyperliquidConfig:
    return load_config(HyperliquidConfig, harness.client_config(credentials, **kw))


async def _client(config: HyperliquidConfig, sink: Sink) -> HyperliquidExecutionClient:
    provider = HyperliquidInstrumentProvider(config)
    await provider.load_all()
    return HyperliquidExecutionClient(config, instruments=provider, events=sink)


async def _close(client: HyperliquidExecutionClient) -> None:
    await client.disconnect()
    if client.instruments is not None:
        await client.instruments.disconnect()


def _limit(price: str, side: OrderSide = OrderSide.BUY, qty: str = "0.001", **kw: Any) -> Order:
    return Order.limit(instrument_id=BTC, side=side, quantity=_qty(qty), price=_price(price), **kw)


def _qty(text: str) -> Any:
    from tradeport.model.numbers import Quantity

    return Quantity(Decimal(text), 5)


def _price(text: str) -> Any:
    from tradeport.model.numbers import Price

    return Price(Decimal(text), 1)


def _accepted(sink: Sink, order: Order) -> Any:
    return sink.wait_for(
        lambda e: (
            isinstance(e, (OrderAccepted, OrderRejected))
            and e.client_order_id == order.client_order_id
        )
    )


async def test_ten_concurrent_submits_get_ten_increasing_nonces_all_accepted(
    harness: HyperliquidHarness,
) -> None:
    sink = Sink()
    client = await _client(_config(harness), sink)
    orders = [_limit(str(900 + i)) for i in range(10)]
    try:
        async with anyio.create_task_group() as group:
            for order in orders:
                group.start_soon(client.submit_order, order)
        outcomes = [await _accepted(sink, order) for order in orders]
    finally:
        await _close(client)
    assert all(isinstance(o, OrderAccepted) for o in outcomes), outcomes
    nonces = harness.accepted_nonces[AGENT]
    # Ten distinct nonces, every one accepted by the venue's rule (arrival order may differ
    # from the order they were handed out in: the venue accepts that within its window).
    assert len(nonces) == 10 and len(set(nonces)) == 10
    assert client.http.nonces.last == max(nonces)
    assert len(harness.exchange.open_orders("BTC")) == 10


async def test_reused_and_stale_nonces_are_refused(harness: HyperliquidHarness) -> None:
    action = order_action(
        [order_wire(0, True, Decimal(900), Decimal("0.001"), False, limit_order_type("Gtc"))]
    )
    nonce = harness.exchange.now() // 1_000_000
    body = {
        "action": action,
        "nonce": nonce,
        "signature": sign_l1_action(MASTER_KEY, action, None, nonce, False),
        "vaultAddress": None,
        "expiresAfter": None,
    }
    async with httpx.AsyncClient(base_url=harness.http_url) as http:
        first = (await http.post("/exchange", json=body)).json()
        again = (await http.post("/exchange", json=body)).json()
        stale_nonce = nonce - 3 * 86_400_000
        body.update(
            nonce=stale_nonce,
            signature=sign_l1_action(MASTER_KEY, action, None, stale_nonce, False),
        )
        stale = (await http.post("/exchange", json=body)).json()
    assert first["status"] == "ok"
    assert again == {"status": "err", "response": f"Invalid nonce: duplicate nonce {nonce}"}
    assert stale["status"] == "err" and "nonce" in stale["response"]


async def test_master_key_without_account_address(harness: HyperliquidHarness) -> None:
    sink = Sink()
    client = await _client(
        load_config(HyperliquidConfig, harness.client_config("none", api_secret=MASTER_KEY)), sink
    )
    try:
        await client.connect()
        assert client.authenticated and client.http.wallet is not None
        assert not client.http.wallet.is_agent and client.http.user == MASTER
        order = _limit("950")
        await client.submit_order(order)
        assert isinstance(await _accepted(sink, order), OrderAccepted)
    finally:
        await _close(client)


async def test_agent_of_another_account_is_refused_at_connect(harness: HyperliquidHarness) -> None:
    other = "0x" + "22" * 20
    harness.agents[AGENT] = other  # the venue knows the key, but for someone else
    sink = Sink()
    client = await _client(_config(harness), sink)
    try:
        with pytest.raises(AuthenticationError, match="venue refused the login"):
            await client.connect()
        assert not client.authenticated
    finally:
        await _close(client)
    assert harness.logins == 1  # the venue knew the signer; the client refused the relation


async def test_no_key_no_address_sends_nothing(harness: HyperliquidHarness) -> None:
    client = await _client(_config(harness, "none"), Sink())
    before = len(harness.requests)
    try:
        with pytest.raises(MissingCredentials):
            await client.submit_order(_limit("900"))
        with pytest.raises(MissingCredentials):
            await client.fill_reports()
    finally:
        await _close(client)
    assert len(harness.requests) == before


async def test_batch_submit_per_order_outcomes(harness: HyperliquidHarness) -> None:
    sink = Sink()
    client = await _client(_config(harness), sink)
    good = _limit("900")
    post_only_cross = _limit("1001.0", post_only=True)
    reduce_only = _limit("1200", OrderSide.SELL, reduce_only=True)
    try:
        await client.submit_orders([good, post_only_cross, reduce_only])
        outcomes = [await _accepted(sink, o) for o in (good, post_only_cross, reduce_only)]
    finally:
        await _close(client)
    assert isinstance(outcomes[0], OrderAccepted)
    assert isinstance(outcomes[1], OrderRejected) and outcomes[1].due_post_only
    assert "Post only order would have immediately matched" in outcomes[1].reason
    assert isinstance(outcomes[2], OrderRejected)
    assert "Reduce only order would increase position" in outcomes[2].reason
    exchange_posts = [r for r in harness.requests if r.path == "/exchange"]
    assert len(exchange_posts) == 1, "one order action for the whole batch"


async def test_price_against_the_venue_rules_rejected_before_sending(
    harness: HyperliquidHarness,
) -> None:
    sink = Sink()
    client = await _client(_config(harness), sink)
    from tradeport.model.numbers import Price

    order = Order.limit(
        instrument_id=BTC,
        side=OrderSide.BUY,
        quantity=_qty("0.001"),
        price=Price(Decimal("10000.5"), 1),
    )
    try:
        await client.submit_order(order)
        rejected = await _accepted(sink, order)
    finally:
        await _close(client)
    assert isinstance(rejected, OrderRejected) and "significant figures" in rejected.reason
    assert not [r for r in harness.requests if r.path == "/exchange"]


async def test_batch_modify_and_modify_rejected(harness: HyperliquidHarness) -> None:
    sink = Sink()
    client = await _client(_config(harness), sink)
    from tradeport.clients.base import OrderChange

    a, b = _limit("900"), _limit("901")
    try:
        await client.submit_orders([a, b])
        acc = [await _accepted(sink, o) for o in (a, b)]
        await client.modify_orders(
            [
                OrderChange(
                    instrument_id=BTC, client_order_id=a.client_order_id, price=_price("905")
                ),
                OrderChange(
                    instrument_id=BTC, client_order_id=b.client_order_id, quantity=_qty("0.002")
                ),
            ]
        )
        upd_a = await sink.wait_for(
            lambda e: isinstance(e, OrderUpdated) and e.client_order_id == a.client_order_id
        )
        upd_b = await sink.wait_for(
            lambda e: isinstance(e, OrderUpdated) and e.client_order_id == b.client_order_id
        )
        harness.exchange.cancel(str(acc[0].venue_order_id))
        await client.modify_order(
            BTC, a.client_order_id, acc[0].venue_order_id, price=_price("906")
        )
        refused = await sink.wait_for(lambda e: isinstance(e, OrderModifyRejected))
    finally:
        await _close(client)
    assert upd_a.price.as_decimal() == Decimal("905") and upd_b.quantity.as_decimal() == Decimal(
        "0.002"
    )
    assert harness.exchange.order(str(acc[1].venue_order_id)).quantity == Decimal("0.002")
    assert "Cannot modify" in refused.reason
    modifies = [r for r in harness.requests if r.path == "/exchange" and b"batchModify" in r.body]
    assert len(modifies) == 2


async def test_schedule_cancel_is_a_dead_man_switch(harness: HyperliquidHarness) -> None:
    sink = Sink()
    client = await _client(_config(harness), sink)
    order = _limit("900")
    try:
        await client.submit_order(order)
        await _accepted(sink, order)
        # The venue refuses a switch closer than 5 s ahead.
        with pytest.raises(RequestRejected, match="too early"):
            await client.schedule_cancel(harness.exchange.now() + 10**9)
        await client.schedule_cancel(harness.exchange.now() + 3600 * 10**9)
        assert harness.scheduled_cancel_ms is not None
        await client.schedule_cancel(None)  # unset
        assert harness.scheduled_cancel_ms is None
        harness.schedule_cancel_min_ms = 0  # let the switch fire within the test
        await client.schedule_cancel(harness.exchange.now() + 200_000_000)
        await harness.wait_until(
            lambda: not harness.exchange.open_orders("BTC"), what="the switch cancelled everything"
        )
    finally:
        await _close(client)


async def test_envelope_error_resolved_by_order_status(harness: HyperliquidHarness) -> None:
    sink = Sink()
    client = await _client(_config(harness), sink)
    order = _limit("900")
    harness.fail_next_requests(1, 200, venue_code="err", path="/exchange")
    try:
        await client.submit_order(order)
        outcome = await _accepted(sink, order)
    finally:
        await _close(client)
    assert isinstance(outcome, OrderRejected)
    asked = [r for r in harness.requests if r.path == "/info" and b"orderStatus" in r.body]
    assert asked, "the order was not looked up before it was rejected"


async def test_user_fills_snapshot_is_not_reemitted(harness: HyperliquidHarness) -> None:
    # A fill of an order placed elsewhere, before the session.
    placed = harness.exchange.submit(
        "BTC", OrderSide.BUY, _limit("900").order_type, Decimal("0.001"), price=Decimal("900")
    )
    old = harness.exchange.fill(placed.order.venue_order_id).fills[0]
    sink = Sink()
    client = await _client(_config(harness), sink)
    try:
        await client.connect()
        await harness.wait_until(
            lambda: any(f"userFills:{MASTER}" in t for t in harness.active_subscriptions()),
            what="userFills subscribed",
        )
        later = harness.exchange.submit(
            "BTC", OrderSide.BUY, placed.order.order_type, Decimal("0.001"), price=Decimal("901")
        )
        new = harness.exchange.fill(later.order.venue_order_id).fills[0]
        await harness.push_account_events()
        await sink.wait_for(
            lambda e: isinstance(e, FillReport) and e.trade_id.value == new.trade_id
        )
    finally:
        await _close(client)
    reported = [e.trade_id.value for e in sink.events if isinstance(e, FillReport)]
    assert old.trade_id not in reported and reported.count(new.trade_id) == 1


async def test_client_order_ids_round_trip_through_cloids(harness: HyperliquidHarness) -> None:
    sink = Sink()
    client = await _client(_config(harness), sink)
    long_id = ClientOrderId("strategy-7/leg-2/attempt-3-long-id")
    order = Order.limit(
        instrument_id=BTC,
        side=OrderSide.BUY,
        quantity=_qty("0.001"),
        price=_price("900"),
        client_order_id=long_id,
    )
    try:
        await client.submit_order(order)
        await _accepted(sink, order)
        report = await client.order_status_report(BTC, client_order_id=long_id)
        (listed,) = await client.order_status_reports(BTC)
    finally:
        await _close(client)
    # A hashed cloid maps back through the client's memory of its own orders.
    assert report is not None and report.client_order_id == long_id
    assert listed.client_order_id == long_id


async def test_orders_over_the_websocket_post_channel(harness: HyperliquidHarness) -> None:
    """``order_transport="ws"``: the signed actions go over the user stream's ``post`` channel,
    with the same checks and per-order outcomes as REST."""
    sink = Sink()
    client = await _client(_config(harness, order_transport="ws"), sink)
    good, crossing = _limit("900"), _limit("1001.0", post_only=True)
    try:
        await client.connect()
        await client.submit_orders([good, crossing])
        outcomes = [await _accepted(sink, o) for o in (good, crossing)]
        await client.cancel_order(BTC, good.client_order_id)
        await sink.wait_for(lambda e: type(e).__name__ == "OrderCanceled")
    finally:
        await _close(client)
    assert isinstance(outcomes[0], OrderAccepted) and isinstance(outcomes[1], OrderRejected)
    assert harness.posted_actions == 2
    assert not [r for r in harness.requests if r.path == "/exchange"], "an action went over REST"


async def test_post_channel_refusal_is_typed(harness: HyperliquidHarness) -> None:
    sink = Sink()
    client = await _client(_config(harness, order_transport="ws"), sink)
    order = _limit("900")
    try:
        await client.connect()
        harness.agents.clear()  # the agent is revoked after the stream's credential check
        await client.submit_order(order)
        outcome = await _accepted(sink, order)
    finally:
        await _close(client)
    assert isinstance(outcome, OrderRejected) and "does not exist" in outcome.reason


async def test_hip3_dex_orders_and_positions(harness: HyperliquidHarness) -> None:
    abc = perp_id("test:ABC")
    harness.exchange.set_book(
        "test:ABC",
        bids=[(Decimal("9.99"), Decimal("10"))],
        asks=[(Decimal("10.01"), Decimal("10"))],
    )
    sink = Sink()
    client = await _client(_config(harness), sink)
    from tradeport.model.enums import PositionSide
    from tradeport.model.numbers import Price, Quantity

    order = Order.limit(
        instrument_id=abc,
        side=OrderSide.BUY,
        quantity=Quantity(Decimal("1.5"), 4),
        price=Price(Decimal("9.5"), 2),
    )
    try:
        assert client.instruments.get(abc).info["asset"] == 110_000
        await client.submit_order(order)
        assert isinstance(await _accepted(sink, order), OrderAccepted)
        harness.exchange.seed_position("test:ABC", PositionSide.SHORT, Decimal("2"), Decimal("10"))
        (listed,) = await client.order_status_reports(abc)
        positions = await client.position_status_reports()
    finally:
        await _close(client)
    wire = next(r for r in harness.requests if r.path == "/exchange")
    assert b'"a":110000' in wire.body
    assert listed.client_order_id == order.client_order_id
    assert [(p.instrument_id, p.position_side) for p in positions] == [(abc, PositionSide.SHORT)]
