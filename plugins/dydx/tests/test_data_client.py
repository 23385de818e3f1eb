"""The data client against the mock indexer over real sockets: crossed books resync."""

from __future__ import annotations

from decimal import Decimal

import anyio
import pytest
from tradeport.model.enums import OrderSide, ProductType
from tradeport_dydx.config import DydxConfig
from tradeport_dydx.data import DydxDataClient
from tradeport_dydx.providers import DydxInstrumentProvider
from tradeport_dydx.testing import DydxHarness

pytestmark = pytest.mark.anyio


async def test_a_crossed_book_is_resubscribed_and_resynced() -> None:
    async with DydxHarness() as harness:
        config = DydxConfig(**{k: v for k, v in harness.client_config().items() if k != "mnemonic"})
        provider = DydxInstrumentProvider(config)
        await provider.load_all()
        data = DydxDataClient(config, instruments=provider)
        await data.connect()
        try:
            iid = harness.instrument_id(ProductType.PERPETUAL)
            assert iid is not None
            await harness.set_book(
                iid, bids=[(Decimal(990), Decimal("0.1"))], asks=[(Decimal(1010), Decimal("0.1"))]
            )
            await data.subscribe_book_deltas(iid)
            subscribes = harness.subscription_messages()
            # The indexer lags and sends a bid through the ask: the local book crosses.
            harness.exchange.update_level("BTC-USD", OrderSide.BUY, Decimal(1020), Decimal("0.1"))
            await harness._broadcast(
                "v4_orderbook:BTC-USD",
                {
                    "type": "channel_batch_data",
                    "channel": "v4_orderbook",
                    "id": "BTC-USD",
                    "contents": [{"bids": [["1020", "0.1"]]}],
                },
            )
            # The venue's truth moves on (the crossing level is gone): a resync must fetch it.
            harness.exchange.update_level("BTC-USD", OrderSide.BUY, Decimal(1020), Decimal(0))
            with anyio.fail_after(10):
                await harness.wait_until(
                    lambda: (
                        data.resyncs.get("the book crossed") == 1
                        and harness.subscription_messages() > subscribes
                        and data._feeds[iid].sync.synced
                        and not data.book(iid).is_crossed()
                    ),
                    what="a resync after the crossed book",
                )
            best = data.book(iid).best_bid()
            assert best is not None and best.price.as_decimal() == Decimal(990)
        finally:
            await data.disconnect()


async def test_oracle_prices_are_index_prices_and_funding_comes_from_v4_markets() -> None:
    from tradeport.model.data import FundingRateUpdate, IndexPriceUpdate

    events: list[object] = []

    class Sink:
        async def send(self, event: object) -> None:
            events.append(event)

    sink = Sink()

    async with DydxHarness() as harness:
        config = DydxConfig(**{k: v for k, v in harness.client_config().items() if k != "mnemonic"})
        provider = DydxInstrumentProvider(config)
        await provider.load_all()
        data = DydxDataClient(config, instruments=provider, events=sink)
        await data.connect()
        try:
            iid = harness.instrument_id(ProductType.PERPETUAL)
            assert iid is not None
            await data.subscribe_index_prices(iid)
            await data.subscribe_funding_rates(iid)
            # One venue subscription serves both (v4_markets has no id).
            assert harness.subscription_messages() == 1
            await harness.publish_oracle_price(iid, Decimal("1234"))
            await harness.publish_funding_rate(iid, Decimal("0.0000125"))
            with anyio.fail_after(10):
                await harness.wait_until(
                    lambda: (
                        any(
                            isinstance(e, IndexPriceUpdate) and e.value.as_decimal() == 1234
                            for e in events
                        )
                        and any(
                            isinstance(e, FundingRateUpdate) and e.rate == Decimal("0.0000125")
                            for e in events
                        )
                    ),
                    what="index and funding updates",
                )
            funding = next(
                e
                for e in events
                if isinstance(e, FundingRateUpdate) and e.rate == Decimal("0.0000125")
            )
            hour = 3600 * 10**9
            assert funding.next_funding_ns is not None and funding.next_funding_ns % hour == 0
            assert funding.interval_ns == hour
            # The other market's updates are not asked for.
            assert all(getattr(e, "instrument_id", iid) == iid for e in events)
            await data.unsubscribe_index_prices(iid)
            assert set().union(*harness.active_subscriptions()) == {"v4_markets:"}
            await data.unsubscribe_funding_rates(iid)
            with anyio.fail_after(10):
                await harness.wait_until(
                    lambda: not set().union(*harness.active_subscriptions()), what="unsubscribed"
                )
        finally:
            await data.disconnect()
