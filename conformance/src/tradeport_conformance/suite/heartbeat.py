"""HEARTBEAT (HB1-HB3)."""

from __future__ import annotations

from decimal import Decimal

import anyio
import pytest
from tradeport.model.data import QuoteTick

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import EVENT_TIMEOUT, next_matching, pick_instrument

pytestmark = pytest.mark.anyio

__all__ = ["TestHeartbeat"]


async def _subscribed_quotes(venue, harness, venue_capabilities):
    iid = pick_instrument(harness, venue_capabilities)
    await venue.instruments.load_all()
    await venue.data.subscribe_quotes(iid)
    return iid


#: Seconds to wait for a published quote before publishing it again (see _quote_flows).
_REPUBLISH_AFTER = 2.0


async def _quote_flows(venue, harness, iid, bid: str) -> None:
    inst = venue.instruments.get(iid)
    tick = inst.price_increment.as_decimal()
    b = Decimal(bid).quantize(tick)
    size = max(
        inst.size_increment.as_decimal(), inst.min_quantity.as_decimal() if inst.min_quantity else 0
    )
    # Published again until it arrives: right after a reconnect the venue may still count the
    # dead connection's subscriptions (a black-holed socket is not closed at its end), and a
    # quote sent before the new connection's subscription reaches the venue is lost at the
    # venue, not by the client. A client that never resubscribes still fails at the deadline.
    deadline = anyio.current_time() + EVENT_TIMEOUT
    while True:
        await harness.publish_quote(iid, b, b + tick, size, size)
        remaining = deadline - anyio.current_time()
        try:
            await next_matching(
                venue,
                lambda e: (
                    isinstance(e, QuoteTick)
                    and e.instrument_id == iid
                    and e.bid_price.as_decimal() == b
                ),
                timeout=max(min(_REPUBLISH_AFTER, remaining), 0.1),
                what=f"quote with bid {b}",
            )
            return
        except pytest.fail.Exception:
            if remaining <= _REPUBLISH_AFTER:
                raise


@pytest.mark.anyio
class TestHeartbeat:
    @scenario("HB1")
    @requires("data:QUOTES", "feature:server_control_ping")
    async def test_server_control_ping_answered(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none") as venue:
            await _subscribed_quotes(venue, harness, venue_capabilities)
            await harness.wait_until(
                lambda: harness.pongs_received >= 2,
                timeout=EVENT_TIMEOUT,
                what="two pongs to the server's control pings",
            )
            assert harness.pings_sent >= harness.pongs_received

    @scenario("HB2")
    @requires("data:QUOTES", "feature:text_ping")
    async def test_text_ping_convention(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none", ws_heartbeat_interval=0.2) as venue:
            iid = await _subscribed_quotes(venue, harness, venue_capabilities)
            await harness.wait_until(
                lambda: harness.text_pings >= 2,
                timeout=EVENT_TIMEOUT,
                what="two text pings exchanged",
            )
            # The pongs are not passed on as data: the next event is still market data.
            await _quote_flows(venue, harness, iid, "1000")

    @scenario("HB3")
    @requires("data:QUOTES")
    async def test_silent_feed_detected_and_reconnected(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session(
            "none",
            ws_idle_timeout=1.0,
            ws_heartbeat_interval=0.3,
            reconnect_delay_initial=0.05,
            reconnect_delay_max=0.5,
        ) as venue:
            iid = await _subscribed_quotes(venue, harness, venue_capabilities)
            tcp_before = harness.tcp_connections
            await harness.go_silent(True)
            # The idle timeout fires and the client tries again (black-holed too, for now).
            await harness.wait_until(
                lambda: harness.tcp_connections > tcp_before,
                timeout=EVENT_TIMEOUT,
                what="a reconnect attempt after silence",
            )
            await harness.go_silent(False)
            with anyio.fail_after(EVENT_TIMEOUT * 2):
                await harness.wait_until(
                    lambda: any(s for s in harness.active_subscriptions()),
                    timeout=EVENT_TIMEOUT * 2,
                    what="subscriptions restored after the silence",
                )
            await _quote_flows(venue, harness, iid, "1001")
