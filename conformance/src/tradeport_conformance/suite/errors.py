"""ERRORS AND LIMITS (ER1-ER5)."""

from __future__ import annotations

import logging

import anyio
import pytest
from tradeport.clients.capabilities import DataType
from tradeport.errors import RateLimitError, RequestRejected, UnsupportedOperation
from tradeport.model.data import BarType, TradeTick
from tradeport.model.enums import AggressorSide

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import (
    EVENT_TIMEOUT,
    next_matching,
    pick_instrument,
    prices_for,
)

pytestmark = pytest.mark.anyio

__all__ = ["TestErrors"]

FAST_RETRY = {"http_retry_delay": 0.05, "http_max_attempts": 3}


def _attempts_of_first(requests) -> int:
    """How many times the first request in ``requests`` was sent (same method, path, query
    and body: venues with one RPC path, such as Hyperliquid's ``POST /info``, tell requests
    apart by their body).

    A load may make several different requests (one per product category); only the one that
    met the injected failures is retried.
    """
    first = requests[0]
    key = (first.method, first.path, first.query, first.body)
    return sum((r.method, r.path, r.query, r.body) == key for r in requests)


@pytest.mark.anyio
class TestErrors:
    @scenario("ER1")
    @requires("feature:http_api")
    async def test_rate_limit_waits_retries_then_typed_error(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none", connect=False, **FAST_RETRY) as venue:
            harness.fail_next_requests(2, 429, retry_after=0.3)
            before = len(harness.requests)
            started = anyio.current_time()
            await venue.instruments.load_all()
            assert _attempts_of_first(harness.requests[before:]) == 3, (
                "429 not retried exactly twice"
            )
            assert anyio.current_time() - started >= 0.6 * 0.95, "Retry-After was not honoured"
            # Exactly as many failures as attempts (3), so none are left for what follows.
            harness.fail_next_requests(FAST_RETRY["http_max_attempts"], 429, retry_after=0.05)
            with pytest.raises(RateLimitError) as err:
                await venue.instruments.load_all()
            assert err.value.http_status == 429
            if harness.features.venue_rate_limit_code:
                await harness.fail_next_with_rate_limit_code(1)
                await venue.instruments.load_all()  # retried as a rate limit, then succeeds

    @scenario("ER2")
    @requires("feature:http_api")
    async def test_5xx_retried_4xx_not(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none", connect=False, **FAST_RETRY) as venue:
            harness.fail_next_requests(2, 503)
            before = len(harness.requests)
            await venue.instruments.load_all()
            assert _attempts_of_first(harness.requests[before:]) == 3, "5xx not retried twice"
            harness.fail_next_requests(1, 400)
            before = len(harness.requests)
            with pytest.raises(RequestRejected) as err:
                await venue.instruments.load_all()
            assert _attempts_of_first(harness.requests[before:]) == 1, "a 4xx was retried"
            assert err.value.http_status == 400 and not err.value.retryable
            assert err.value.venue_code is not None or err.value.venue_message

    @scenario("ER2")
    @requires("order:LIMIT/GTC", "feature:signed_reads")
    async def test_signed_call_retried_with_fresh_signature(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        """A signed, retryable call answered 5xx is signed again for the retry: a fresh nonce /
        timestamp (a mock with nonces refuses a reused one)."""
        async with open_session("valid", connect=False, **FAST_RETRY) as venue:
            await venue.instruments.load_all()
            before = len(harness.requests)
            await venue.execution.account_state()
            signed = [r for r in harness.requests[before:] if r.signature_ok]
            assert signed, "account_state sent no signed request"
            path = signed[-1].path
            harness.fail_next_requests(1, 503, path=path)
            before = len(harness.requests)
            await venue.execution.account_state()
            attempts = [r for r in harness.requests[before:] if r.path == path]
            assert len(attempts) >= 2, "the 5xx on a signed call was not retried"
            assert all(r.signature_ok for r in attempts), "a retry carried a bad signature"

    @scenario("ER3")
    @requires("data:TRADES")
    async def test_malformed_message_logged_connection_lives(
        self, harness, open_session, venue_spec, venue_capabilities, caplog
    ) -> None:
        async with open_session("none") as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            p = prices_for(venue.instruments.get(iid))
            await venue.data.subscribe_trades(iid)
            connections = harness.total_connections
            with caplog.at_level(logging.WARNING):
                await harness.send_malformed()
                trade_id = await harness.publish_trade(
                    iid, p["mid"], p["size"], AggressorSide.BUYER
                )
                await next_matching(
                    venue, lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(trade_id)
                )
            assert harness.total_connections == connections, (
                "a malformed message cost the connection"
            )
            assert caplog.records, "the malformed message was not logged"

    @scenario("ER4")
    @requires("data:TRADES")
    async def test_oversized_message_refused(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        limit, size = 64 * 1024, 64 * 1024 * 1024
        async with open_session(
            "none", ws_max_message_size=limit, reconnect_delay_initial=0.05
        ) as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            p = prices_for(venue.instruments.get(iid))
            await venue.data.subscribe_trades(iid)
            # The stream is live first: a subscription may replace the connection (Tardis
            # re-opens it with the whole set), and the old one, closing, is not the test.
            live_id = await harness.publish_trade(iid, p["mid"], p["size"], AggressorSide.BUYER)
            await next_matching(
                venue,
                lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(live_id),
                what="a trade on the live stream",
            )
            with anyio.fail_after(EVENT_TIMEOUT * 2):
                written = await harness.send_oversized(size)
            assert written < size // 4, f"the client read {written} of {size} bytes before refusing"
            from tradeport.clients.base import Reconnected

            await next_matching(
                venue, lambda e: isinstance(e, Reconnected), what="reconnect after refusal"
            )
            trade_id = await harness.publish_trade(iid, p["mid"], p["size"], AggressorSide.SELLER)
            await next_matching(
                venue, lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(trade_id)
            )

    @scenario("ER5")
    async def test_unsupported_operation(
        self, harness, open_session, venue_spec, venue_capabilities, caplog
    ) -> None:
        caps = venue_capabilities
        calls = {
            DataType.INSTRUMENT_CLOSE: "subscribe_instrument_close",
            DataType.INSTRUMENT_STATUS: "subscribe_instrument_status",
            DataType.FUNDING_RATES: "subscribe_funding_rates",
            DataType.INDEX_PRICES: "subscribe_index_prices",
            DataType.MARK_PRICES: "subscribe_mark_prices",
            DataType.BARS: "subscribe_bars",
        }
        missing = [(dt, op) for dt, op in calls.items() if dt not in caps.data]
        async with open_session("none", connect=False) as venue:
            iid = pick_instrument(harness, venue_capabilities)
            if missing:
                _, op = missing[0]
                arg = (
                    iid
                    if op != "subscribe_bars"
                    else BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL")
                )
            elif caps.execution and not caps.order_lists:
                op, arg = "submit_order_list", None
            else:
                pytest.skip("the venue declares every optional operation the suite knows")
            target = venue.execution if op == "submit_order_list" else venue.data
            with caplog.at_level(logging.WARNING), pytest.raises(UnsupportedOperation) as err:
                await getattr(target, op)(arg)
        assert err.value.operation == op and err.value.venue
        assert op in caplog.text
