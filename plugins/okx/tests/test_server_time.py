"""Server time: with the local clock 60 s ahead (outside OKX's 30 s window), a session measures
the venue's clock offset from ``/api/v5/public/time`` and logs in and places orders without a
clock-skew error (the mock venue checks ``OK-ACCESS-TIMESTAMP`` and the WS login timestamp
against its own clock and answers 50102 / 60006 otherwise, as OKX does)."""

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
from tradeport_okx.config import OkxConfig
from tradeport_okx.execution import OkxExecutionClient
from tradeport_okx.http.client import OkxHttpClient
from tradeport_okx.providers import OkxInstrumentProvider
from tradeport_okx.testing import OkxHarness

pytestmark = pytest.mark.anyio

AHEAD_S = 60.0


def ahead() -> float:
    """The local clock, 60 s ahead of real time (and of the mock venue's clock)."""
    return time.time() + AHEAD_S


def clients(
    harness: OkxHarness, **overrides: Any
) -> tuple[OkxHttpClient, OkxInstrumentProvider, OkxExecutionClient, Any]:
    config = config_converter.structure(harness.client_config("valid", **overrides), OkxConfig)
    http = OkxHttpClient(config, clock=ahead)
    provider = OkxInstrumentProvider(config, http=http)
    send, receive = anyio.create_memory_object_stream[object](1000)
    execution = OkxExecutionClient(config, instruments=provider, http=http, events=send)
    return http, provider, execution, receive


async def test_clock_60s_ahead_is_refused_without_time_sync() -> None:
    async with OkxHarness() as harness:
        http, _, _, _ = clients(harness)
        with anyio.fail_after(10), pytest.raises(ClockSkewError):
            await http.http_get_balance()
        await http.aclose()


async def test_clock_60s_ahead_measures_the_offset_logs_in_and_places_an_order() -> None:
    async with OkxHarness() as harness:
        http, provider, execution, events = clients(harness, time_sync=True)
        with anyio.fail_after(10):
            await provider.load_all()
            await execution.connect()  # the WS login is signed with the venue's clock too
        clock = http.server_clock
        assert clock is not None and clock.measurements >= 1
        assert abs(clock.offset_ns + AHEAD_S * 1e9) < 1e9  # about -60 s
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        instrument = provider.get(iid)
        minimum = instrument.min_quantity.as_decimal() if instrument.min_quantity else Decimal(1)
        order = Order.limit(
            instrument_id=iid,
            side=OrderSide.BUY,
            quantity=instrument.make_qty(minimum),
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
