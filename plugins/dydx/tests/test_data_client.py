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
