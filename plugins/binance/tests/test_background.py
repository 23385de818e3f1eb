"""The clients' background work runs on the core's BackgroundTasks (loopback, asyncio and trio).

``connect()`` may be called inside the caller's own cancel scope and the streams outlive it;
a stream that cannot connect the first time fails ``connect()`` and leaves nothing running.
"""

from __future__ import annotations

from decimal import Decimal

import anyio
import pytest
from tradeport.config import config_converter
from tradeport.errors import TradeportError
from tradeport.model.data import QuoteTick
from tradeport.model.enums import ProductType
from tradeport_binance.config import BinanceConfig
from tradeport_binance.data import BinanceDataClient
from tradeport_binance.execution import BinanceExecutionClient
from tradeport_binance.providers import BinanceInstrumentProvider
from tradeport_binance.testing import BinanceHarness

pytestmark = pytest.mark.anyio


async def test_streams_outlive_the_scope_connect_was_called_in() -> None:
    async with BinanceHarness() as harness:
        config = config_converter.structure(harness.client_config("valid"), BinanceConfig)
        provider = BinanceInstrumentProvider(config)
        await provider.load_all()
        send, receive = anyio.create_memory_object_stream[object](1000)
        data = BinanceDataClient(config, instruments=provider, events=send)
        execution = BinanceExecutionClient(config, instruments=provider, events=send)
        with anyio.fail_after(10):  # the caller's scope ends right after connect()
            await data.connect()
            await execution.connect()
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        await data.subscribe_quotes(iid)
        await harness.publish_quote(iid, Decimal("999"), Decimal("1001"), Decimal(1), Decimal(1))
        with anyio.fail_after(10):
            async for event in receive:
                if isinstance(event, QuoteTick):
                    break
        assert execution.user_stream is not None and harness.logins == 1
        await data.disconnect()
        await execution.disconnect()
        await harness.wait_until(lambda: harness.connection_count == 0, 10, "streams closed")
        await provider.disconnect()


async def test_a_stream_that_never_connects_fails_connect_and_leaves_nothing() -> None:
    async with BinanceHarness() as harness:
        await harness.refuse_connections()
        config = config_converter.structure(
            harness.client_config("none", reconnect_max_attempts=2, reconnect_delay_initial=0.01),
            BinanceConfig,
        )
        data = BinanceDataClient(config)
        with anyio.fail_after(10), pytest.raises(TradeportError):
            await data.connect()
        assert not data._tasks.is_open  # nothing left running behind
        await data.disconnect()
