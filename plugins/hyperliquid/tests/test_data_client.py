"""The data client against the mock venue: whole books replace the local one, candles close
when the next opens, the asset context, all mids, and user funding payments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.config import load_config
from tradeport.model.data import Bar, BarType, OrderBookDeltas
from tradeport_hyperliquid.config import HyperliquidConfig
from tradeport_hyperliquid.data import HyperliquidDataClient
from tradeport_hyperliquid.datatypes import (
    HyperliquidAssetContext,
    HyperliquidFundingPayment,
    HyperliquidMids,
)
from tradeport_hyperliquid.execution import HyperliquidExecutionClient
from tradeport_hyperliquid.providers import HyperliquidInstrumentProvider
from tradeport_hyperliquid.symbology import perp_id
from tradeport_hyperliquid.testing import HyperliquidHarness

pytestmark = pytest.mark.anyio
BTC = perp_id("BTC")


class Sink:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self._changed = anyio.Event()

    async def send(self, item: Any) -> None:
        self.events.append(item)
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_for(self, predicate: Any) -> Any:
        with anyio.fail_after(10):
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                await self._changed.wait()


@pytest.fixture
async def harness() -> AsyncIterator[HyperliquidHarness]:
    async with HyperliquidHarness() as h:
        yield h


async def _data(harness: HyperliquidHarness, sink: Sink) -> HyperliquidDataClient:
    config = load_config(HyperliquidConfig, harness.client_config("none"))
    provider = HyperliquidInstrumentProvider(config)
    await provider.load_all()
    return HyperliquidDataClient(config, instruments=provider, events=sink)


async def _close(client: Any) -> None:
    await client.disconnect()
    await client.instruments.disconnect()


async def test_every_book_push_replaces_the_local_book(harness: HyperliquidHarness) -> None:
    D = Decimal
    await harness.set_book(
        BTC, bids=[(D("999.0"), D("1")), (D("998.0"), D("2"))], asks=[(D("1001.0"), D("1"))]
    )
    sink = Sink()
    client = await _data(harness, sink)
    try:
        await client.subscribe_book_deltas(BTC)
        assert [lvl.price.as_decimal() for lvl in client.book(BTC).bids()] == [
            D("999.0"),
            D("998.0"),
        ]
        # The venue's book loses a level: the next push is whole, so the level is gone here too.
        await harness.set_book(BTC, bids=[(D("997.0"), D("3"))], asks=[(D("1001.0"), D("1"))])
        await sink.wait_for(
            lambda e: (
                isinstance(e, OrderBookDeltas)
                and any(d.order and d.order.price.as_decimal() == D("997.0") for d in e.deltas)
            )
        )
    finally:
        await _close(client)
    last = [e for e in sink.events if isinstance(e, OrderBookDeltas)][-1]
    assert last.is_snapshot
    assert {d.order.price.as_decimal() for d in last.deltas if d.order} == {D("997.0"), D("1001.0")}


async def test_candle_becomes_a_bar_when_the_next_opens(harness: HyperliquidHarness) -> None:
    sink = Sink()
    client = await _data(harness, sink)
    bar_type = BarType.from_str(f"{BTC}-1-MINUTE-LAST-EXTERNAL")
    try:
        await client.subscribe_bars(bar_type)
        await harness.publish_bar(
            BTC,
            Decimal(1000),
            Decimal(1002),
            Decimal(999),
            Decimal(1001),
            Decimal("0.5"),
            1_700_000_040_000 // 60_000 * 60_000,
        )
        bar = await sink.wait_for(lambda e: isinstance(e, Bar))
    finally:
        await _close(client)
    assert bar.close.as_decimal() == Decimal(1001) and bar.volume.as_decimal() == Decimal("0.5")
    assert len([e for e in sink.events if isinstance(e, Bar)]) == 1  # the open candle is not one


async def test_asset_context_and_all_mids(harness: HyperliquidHarness) -> None:
    sink = Sink()
    client = await _data(harness, sink)
    try:
        await client.subscribe_custom("HyperliquidAssetContext", {"instrument_id": BTC})
        await client.subscribe_custom("HyperliquidMids")
        await harness.publish_mark_price(
            BTC, Decimal("1000.5"), Decimal("1000.1"), Decimal("0.0000125"), 0
        )
        ctx = await sink.wait_for(lambda e: isinstance(e, HyperliquidAssetContext))
        await harness.set_book(
            BTC, bids=[(Decimal("999.0"), Decimal("1"))], asks=[(Decimal("1001.0"), Decimal("1"))]
        )
        mids = await sink.wait_for(lambda e: isinstance(e, HyperliquidMids) and "BTC" in e.mids)
    finally:
        await _close(client)
    assert ctx.mark_price == Decimal("1000.5") and ctx.oracle_price == Decimal("1000.1")
    assert ctx.open_interest == Decimal("0.0") and ctx.funding_rate == Decimal("0.0000125")
    assert mids.mids["BTC"] == Decimal("1000")


async def test_user_funding_payments(harness: HyperliquidHarness) -> None:
    sink = Sink()
    config = load_config(HyperliquidConfig, harness.client_config("valid"))
    provider = HyperliquidInstrumentProvider(config)
    await provider.load_all()
    client = HyperliquidExecutionClient(config, instruments=provider, events=sink)
    try:
        await client.connect()
        await harness.wait_until(
            lambda: any(
                t.startswith("userFundings:") for s in harness.active_subscriptions() for t in s
            ),
            what="userFundings subscribed",
        )
        await harness.publish_user_funding(
            BTC, Decimal("-0.0125"), Decimal("0.5"), Decimal("0.0000125")
        )
        payment = await sink.wait_for(lambda e: isinstance(e, HyperliquidFundingPayment))
    finally:
        await _close(client)
    assert payment.instrument_id == BTC and payment.amount.amount == Decimal("-0.0125")
    assert payment.position_size == Decimal("0.5") and payment.rate == Decimal("0.0000125")
