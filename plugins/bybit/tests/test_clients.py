"""The clients against the Bybit mock venue on real loopback sockets (asyncio and trio)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.config import load_config
from tradeport.errors import (
    AuthenticationError,
    ClockSkewError,
    MissingCredentials,
    RateLimitError,
    RequestRejected,
)
from tradeport.model.data import OrderBookDeltas, QuoteTick, TradeTick
from tradeport.model.enums import AggressorSide, OrderSide, ProductType
from tradeport.model.events import OrderAccepted, OrderCanceled, OrderFilled
from tradeport.model.orders import Order
from tradeport_bybit.config import BybitConfig
from tradeport_bybit.data import BybitDataClient
from tradeport_bybit.execution import BybitExecutionClient
from tradeport_bybit.providers import BybitInstrumentProvider
from tradeport_bybit.testing import BybitHarness

pytestmark = pytest.mark.anyio

TIMEOUT = 10


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
async def harness() -> AsyncIterator[BybitHarness]:
    async with BybitHarness() as h:
        yield h


def _config(harness: BybitHarness, credentials: str = "valid", **kw: Any) -> BybitConfig:
    return load_config(BybitConfig, harness.client_config(credentials, **kw))


async def test_provider_follows_cursors(harness: BybitHarness) -> None:
    harness.instruments_page_size = 1  # every derivative page holds one record
    provider = BybitInstrumentProvider(_config(harness, "none"))
    try:
        loaded = await provider.load_all()
    finally:
        await provider.disconnect()
    assert {str(i.id) for i in loaded} == {
        "BTCUSDT-SPOT.BYBIT",
        "ETHUSDT-LINEAR.BYBIT",
        "ETHUSDT-26MAR27-LINEAR.BYBIT",
        "BTCUSD-INVERSE.BYBIT",
        "BTC-26MAR27-70000-P-USDT-OPTION.BYBIT",
    }
    cursors = [
        dict(r.query).get("cursor")
        for r in harness.requests
        if dict(r.query).get("category") == "linear"
    ]
    assert cursors == [None, "1"], "the second linear page was not requested with the cursor"


async def test_rate_limit_code_on_http_200_is_retried_parameter_error_is_not(
    harness: BybitHarness,
) -> None:
    provider = BybitInstrumentProvider(_config(harness, "none", http_retry_delay=0.01))
    try:
        harness.fail_next_requests(2, 200, venue_code=10006, path="/v5/market/instruments-info")
        before = len(harness.requests)
        await provider.fetch_category(provider.config.categories[0])
        assert len(harness.requests) - before == 3  # two 10006 answers, then success
        harness.fail_next_requests(3, 200, venue_code=10006)  # every attempt: retries run out
        with pytest.raises(RateLimitError) as limited:
            await provider.fetch_category(provider.config.categories[0])
        assert limited.value.venue_code == 10006 and limited.value.http_status == 200
        harness.fail_next_requests(1, 200, venue_code=10001)
        before = len(harness.requests)
        with pytest.raises(RequestRejected) as rejected:
            await provider.fetch_category(provider.config.categories[0])
        assert len(harness.requests) - before == 1
        assert rejected.value.venue_code == 10001 and not rejected.value.retryable
    finally:
        await provider.disconnect()


async def test_signed_requests_verified_skew_and_missing_credentials(
    harness: BybitHarness,
) -> None:
    provider = BybitInstrumentProvider(_config(harness))
    await provider.load_all()
    client = BybitExecutionClient(_config(harness), instruments=provider)
    try:
        assert await client.order_status_reports() == []
        signed = [r for r in harness.requests if r.signature_ok is not None]
        assert signed and all(r.signature_ok for r in signed)
    finally:
        await client.disconnect()
    wrong = BybitExecutionClient(_config(harness, "invalid"), instruments=provider)
    with pytest.raises(AuthenticationError):
        await wrong.order_status_reports()
    skewed = BybitExecutionClient(_config(harness, "skewed"), instruments=provider)
    with pytest.raises(ClockSkewError) as skew:
        await skewed.order_status_reports()
    assert skew.value.venue_code == 10002
    anonymous = BybitExecutionClient(_config(harness, "none"), instruments=provider)
    before = len(harness.requests)
    with pytest.raises(MissingCredentials):
        await anonymous.account_state()
    assert len(harness.requests) == before
    await provider.disconnect()


async def test_quotes_trades_and_book_with_gap_resync(harness: BybitHarness) -> None:
    sink = Sink()
    config = _config(harness, "none")
    provider = BybitInstrumentProvider(config)
    await provider.load_all()
    data = BybitDataClient(config, instruments=provider, events=sink)
    iid = harness.instrument_id(ProductType.PERPETUAL)
    assert iid is not None
    await harness.set_book(
        iid, bids=[(Decimal("99.00"), Decimal("1"))], asks=[(Decimal("101.00"), Decimal("2"))]
    )
    try:
        await data.connect()
        await data.subscribe_quotes(iid)
        await data.subscribe_trades(iid)
        await data.subscribe_trades(iid)  # idempotent
        assert harness.subscription_messages() == 2
        await harness.publish_quote(
            iid, Decimal("99.50"), Decimal("100.50"), Decimal("1"), Decimal("2")
        )
        quote = await sink.wait_for(
            lambda e: isinstance(e, QuoteTick) and e.bid_price.as_decimal() == Decimal("99.50")
        )
        assert quote.ask_size.as_decimal() == Decimal("2")
        trade_id = await harness.publish_trade(
            iid, Decimal("100"), Decimal("0.5"), AggressorSide.SELLER
        )
        tick = await sink.wait_for(lambda e: isinstance(e, TradeTick))
        assert str(tick.trade_id) == trade_id and tick.aggressor_side is AggressorSide.SELLER

        await data.subscribe_book_deltas(iid)
        await sink.wait_for(lambda e: isinstance(e, OrderBookDeltas) and e.is_snapshot)
        assert data.book(iid).best_ask().price.as_decimal() == Decimal("101.00")
        await harness.publish_book_update(iid, OrderSide.BUY, Decimal("99.50"), Decimal("3"))
        await sink.wait_for(lambda e: isinstance(e, OrderBookDeltas) and not e.is_snapshot)
        assert data.book(iid).best_bid().price.as_decimal() == Decimal("99.50")
        snapshots = sum(isinstance(e, OrderBookDeltas) and e.is_snapshot for e in sink.events)
        # A lost update: the client resubscribes and rebuilds from a fresh snapshot.
        await harness.publish_book_gap(iid)
        await sink.wait_for(
            lambda e: (
                isinstance(e, OrderBookDeltas)
                and e.is_snapshot
                and sum(isinstance(x, OrderBookDeltas) and x.is_snapshot for x in sink.events)
                > snapshots
            )
        )
        deltas = sum(isinstance(e, OrderBookDeltas) and not e.is_snapshot for e in sink.events)
        await harness.publish_book_update(iid, OrderSide.SELL, Decimal("100.50"), Decimal("1"))
        await sink.wait_for(
            lambda e: (
                sum(isinstance(x, OrderBookDeltas) and not x.is_snapshot for x in sink.events)
                > deltas
            )
        )
        assert data.book(iid).best_ask().price.as_decimal() == Decimal("100.50")
        assert data.book(iid).best_bid().price.as_decimal() == Decimal("99.50")
    finally:
        await data.disconnect()
        await provider.disconnect()


async def test_order_flow_over_rest_and_private_stream(harness: BybitHarness) -> None:
    sink = Sink()
    config = _config(harness)
    provider = BybitInstrumentProvider(config)
    await provider.load_all()
    execution = BybitExecutionClient(config, instruments=provider, events=sink)
    iid = harness.instrument_id(ProductType.PERPETUAL)
    assert iid is not None
    inst = provider.get(iid)
    try:
        assert not execution.authenticated
        await execution.connect()
        assert execution.authenticated and harness.logins == 1
        order = Order.limit(iid, OrderSide.BUY, inst.make_qty("1"), inst.make_price("90"))
        await execution.submit_order(order)
        accepted = await sink.wait_for(lambda e: isinstance(e, OrderAccepted))
        harness.exchange.fill(str(accepted.venue_order_id), quantity=Decimal("0.4"))
        await harness.push_account_events()
        fill = await sink.wait_for(lambda e: isinstance(e, OrderFilled))
        assert fill.last_qty.as_decimal() == Decimal("0.4")
        assert fill.client_order_id == order.client_order_id
        fills = await execution.fill_reports(iid)
        assert [str(f.trade_id) for f in fills] == [str(fill.trade_id)]
        await execution.cancel_order(iid, order.client_order_id, accepted.venue_order_id)
        await sink.wait_for(lambda e: isinstance(e, OrderCanceled))
        assert sum(isinstance(e, OrderCanceled) for e in sink.events) == 1
        state = await execution.account_state()
        usdt = state.balance("USDT")
        assert usdt is not None and usdt.total.amount > 0
    finally:
        await execution.disconnect()
        await provider.disconnect()


async def test_refused_login_is_fatal(harness: BybitHarness) -> None:
    provider = BybitInstrumentProvider(_config(harness, "invalid"))
    execution = BybitExecutionClient(_config(harness, "invalid"), instruments=provider)
    with anyio.fail_after(TIMEOUT), pytest.raises(AuthenticationError):
        await execution.connect()
    assert not execution.authenticated
    assert harness.login_failures == 1
    await execution.disconnect()
    await provider.disconnect()
