"""Server time, the venue-specific part: with ``time_sync``, the venue's skew refusal (10002)
after its clock jumped re-measures once and retries once. A skewed clock refused without
``time_sync`` and accepted with it (login, signed calls, orders) is conformance LG5 / LG7, for
every venue that declares ``features.server_time``."""

from __future__ import annotations

import time

import anyio
import pytest
from tradeport.config import config_converter
from tradeport_bybit.config import BybitConfig
from tradeport_bybit.http.client import BybitHttpClient
from tradeport_bybit.testing import BybitHarness

pytestmark = pytest.mark.anyio


def ahead_ms() -> int:
    """The local clock, 5 s ahead of real time (and of the mock venue's clock)."""
    return time.time_ns() // 1_000_000 + 5_000


async def test_a_skew_error_re_measures_once_and_retries_once() -> None:
    async with BybitHarness() as harness:
        config = config_converter.structure(
            harness.client_config("valid", time_sync=True), BybitConfig
        )
        http = BybitHttpClient(config, clock_ms=ahead_ms)
        clock = http.server_clock
        assert clock is not None
        try:
            await clock.measure()
            clock.offset_ns = 0  # as if the venue's clock had jumped since the last measurement
            with anyio.fail_after(10):
                await http.http_get_wallet_balance(
                    "UNIFIED"
                )  # 10002 once, then re-measured and accepted
            assert clock.measurements == 2
            assert http.http.counters.retries == 1
        finally:
            await http.aclose()
