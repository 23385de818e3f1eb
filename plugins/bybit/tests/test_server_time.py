"""Server time: with the local clock 5 s ahead, a session measures the venue's clock offset from
``/v5/market/time`` and places orders without a clock-skew error (the mock venue checks
``X-BAPI-TIMESTAMP`` against its own clock with the receive window and answers retCode 10002
otherwise, as Bybit does)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.config import config_converter
from tradeport.errors import ClockSkewError
from tradeport.model.enums import OrderSide, ProductType
from tradeport.model.events import OrderAccepted, OrderRejected
from tradeport.model.orders import Order
from tradeport_bybit.config import BybitConfig
from tradeport_bybit.execution import BybitExecutionClient
from tradeport_bybit.http.client import BybitHttpClient
from tradeport_bybit.providers import BybitInstrumentProvider
from tradeport_bybit.testing import BybitHarness

pytestmark = pytest.mark.anyio

AHEAD_MS = 5_000


def ahead_ms() -> int:
    """The local clock, 5 s ahead of real time (and of the mock venue's clock)."""
    return time.time_ns() // 1_000_000 + AHEAD_MS


def clients(
    harness: BybitHarness, **overrides: Any
) -> tuple[BybitHttpClient, BybitInstrumentProvider, BybitExecutionClient, Any]:
    config = config_converter.structure(harness.client_config("valid", **overrides), BybitConfig)
    http = BybitHttpClient(config, clock_ms=ahead_ms)
    provider = BybitInstrumentProvider(config, http=http)
    send, receive = anyio.create_memory_object_stream[object](1000)
    execution = BybitExecutionClient(config, instruments=provider, http=http, events=send)
    return http, provider, execution, receive


async def test_clock_5s_ahead_is_refused_without_time_sync() -> None:
    async with BybitHarness() as harness:
        http, _, _, _ = clients(harness)
        with anyio.fail_after(10), pytest.raises(ClockSkewError):
            await http.http_get_wallet_balance("UNIFIED")
        await http.aclose()


async def test_clock_5s_ahead_measures_the_offset_and_places_an_order() -> None:
    async with BybitHarness() as harness:
        http, provider, execution, events = clients(harness, time_sync=True)
        with anyio.fail_after(10):
            await provider.load_all()
            await execution.connect()
        clock = http.server_clock
        assert clock is not None and clock.measurements >= 1
        assert abs(clock.offset_ns + AHEAD_MS * 1_000_000) < 1_000_000_000  # about -5 s
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        instrument = provider.get(iid)
        minimum = instrument.min_quantity.as_decimal() if instrument.min_quantity else Decimal(1)
        order = Order.limit(
            instrument_id=iid,
            side=OrderSide.BUY,
            quantity=instrument.make_qty(max(minimum, Decimal("0.01"))),  # notional >= 5
            price=instrument.make_price(Decimal("990")),
        )
        await execution.submit_order(order)
        with anyio.fail_after(10):
            async for event in events:
                assert not isinstance(event, OrderRejected), event
                if (
                    isinstance(event, OrderAccepted)
                    and event.client_order_id == order.client_order_id
                ):
                    break
        assert http.http.counters.failures == 0
        await execution.disconnect()
        await provider.disconnect()
        await http.aclose()


async def test_a_skew_error_re_measures_once_and_retries_once() -> None:
    async with BybitHarness() as harness:
        http, _, _, _ = clients(harness, time_sync=True)
        clock = http.server_clock
        assert clock is not None
        await clock.measure()
        clock.offset_ns = 0  # as if the venue's clock had jumped since the last measurement
        with anyio.fail_after(10):
            await http.http_get_wallet_balance("UNIFIED")  # 10002 once, re-measured, accepted
        assert clock.measurements == 2
        assert http.http.counters.retries == 1
        await http.aclose()
