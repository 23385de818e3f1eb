"""Server time, the venue-specific part: a skew error (the venue's own code) after the clock
jumped re-measures once and retries once. A skewed clock refused without ``time_sync`` and
accepted with it (login, signed calls, orders) is conformance LG5 / LG7, for every venue that
declares ``features.server_time``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from tradeport.config import config_converter
from tradeport_binance.config import BinanceConfig
from tradeport_binance.execution import BinanceExecutionClient
from tradeport_binance.http.client import BinanceHttpClient
from tradeport_binance.providers import BinanceInstrumentProvider
from tradeport_binance.testing import BinanceHarness

pytestmark = pytest.mark.anyio

AHEAD_MS = 5_000


def ahead_ms() -> int:
    """The local clock, 5 s ahead of real time (and of the mock venue's clock)."""
    return time.time_ns() // 1_000_000 + AHEAD_MS


def clients(
    harness: BinanceHarness, clock: Callable[[], int], **overrides: Any
) -> tuple[BinanceHttpClient, BinanceInstrumentProvider, BinanceExecutionClient, Any]:
    config = config_converter.structure(harness.client_config("valid", **overrides), BinanceConfig)
    http = BinanceHttpClient(config, clock=clock)
    provider = BinanceInstrumentProvider(config, http=http)
    send, receive = anyio.create_memory_object_stream[object](1000)
    execution = BinanceExecutionClient(config, instruments=provider, http=http, events=send)
    return http, provider, execution, receive


async def test_a_skew_error_re_measures_once_and_retries_once() -> None:
    async with BinanceHarness() as harness:
        http, provider, execution, _ = clients(harness, ahead_ms, time_sync=True)
        clock = http.server_clock
        assert clock is not None
        await clock.measure()
        clock.offset_ns = 0  # as if the venue's clock had jumped since the last measurement
        with anyio.fail_after(10):
            await http.http_account()  # -1021 once, then re-measured and accepted
        assert clock.measurements == 2
        assert http.http.counters.retries == 1
        await execution.disconnect()
        await provider.disconnect()
        await http.aclose()
