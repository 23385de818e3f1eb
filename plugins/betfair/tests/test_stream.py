"""Market data from the stream socket against the mock venue over TLS: images, deltas,
segmented images, clk resume after FIN, RST and silence, stale data, status and settlement."""

from __future__ import annotations

import time
from typing import Any

import pytest
from betfair_helpers import LADDER_ASKS, LADDER_BIDS, D, book_equals_venue, next_of, session
from tradeport.clients.base import Reconnected
from tradeport.model.data import (
    InstrumentClose,
    InstrumentResolved,
    InstrumentStatus,
    QuoteTick,
    TradeTick,
)
from tradeport.model.enums import AggressorSide, MarketStatus, OrderSide, ResolutionResult
from tradeport_betfair.symbology import runner_id
from tradeport_betfair.testing import BetfairHarness

pytestmark = pytest.mark.anyio

WIN = "1.180737206"
HANDICAP = "1.180737207"
DOBBIN = runner_id(WIN, 39980)
SALLY = runner_id(WIN, 47972)
DOBBIN_H = runner_id(HANDICAP, 39980, D("-1.5"))

FAST = {
    "reconnect_delay_initial": 0.05,
    "reconnect_delay_max": 0.2,
    "ws_idle_timeout": 1.5,
    "ws_heartbeat_interval": 0.3,
}


async def test_book_quotes_and_trades() -> None:
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        await harness.set_book(DOBBIN, LADDER_BIDS, LADDER_ASKS)
        await venue.data.subscribe_book_deltas(DOBBIN)
        await venue.data.subscribe_quotes(DOBBIN)
        await venue.data.subscribe_trades(DOBBIN)
        await harness.wait_until(
            lambda: book_equals_venue(venue, harness, DOBBIN), what="image applied"
        )
        await harness.publish_book_update(DOBBIN, OrderSide.BUY, D("2.50"), D("0"))  # size 0: gone
        await harness.publish_book_update(DOBBIN, OrderSide.SELL, D("2.58"), D("7.5"))
        await harness.wait_until(
            lambda: book_equals_venue(venue, harness, DOBBIN), what="deltas applied"
        )
        assert venue.data.book(DOBBIN).best_bid().price.as_decimal() == D("2.48")
        quote = await next_of(
            venue, lambda e: isinstance(e, QuoteTick) and e.bid_price.as_decimal() == D("2.48")
        )
        assert (quote.ask_price.as_decimal(), quote.bid_size.as_decimal()) == (D("2.52"), D("50"))
        trade_id = await harness.publish_trade(DOBBIN, D("2.52"), D("10"), AggressorSide.BUYER)
        trade = await next_of(venue, lambda e: isinstance(e, TradeTick))
        assert str(trade.trade_id) == trade_id and trade.size.as_decimal() == D("10")
        assert trade.aggressor_side is AggressorSide.NO_AGGRESSOR  # Betfair does not say


async def test_two_markets_arrive_as_one_segmented_image() -> None:
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all({"market_types": ["WIN", "ASIAN_HANDICAP"]})
        await harness.set_book(DOBBIN, LADDER_BIDS, LADDER_ASKS)
        await harness.set_book(DOBBIN_H, LADDER_BIDS[:1], LADDER_ASKS[:2])
        await venue.data.subscribe_book_deltas(DOBBIN)
        await venue.data.subscribe_book_deltas(DOBBIN_H)  # a second market: both resent
        await harness.wait_until(
            lambda: (
                book_equals_venue(venue, harness, DOBBIN)
                and book_equals_venue(venue, harness, DOBBIN_H)
            ),
            what="both books from the segmented image",
        )
        assert harness.segmented_images >= 1
        assert {WIN, HANDICAP} in harness.active_subscriptions()


@pytest.mark.parametrize("fault", ["fin", "rst", "silence"])
async def test_resume_from_clk_after_a_drop(fault: str) -> None:
    async with BetfairHarness() as harness, session(harness, **FAST) as venue:
        await venue.instruments.load_all()
        await harness.set_book(DOBBIN, LADDER_BIDS, LADDER_ASKS)
        await venue.data.subscribe_book_deltas(DOBBIN)
        await harness.wait_until(lambda: book_equals_venue(venue, harness, DOBBIN), what="synced")
        resumes = harness.resumes
        tcp = harness.tcp_connections
        if fault == "silence":
            await harness.go_silent(True)
            await harness.wait_until(
                lambda: harness.tcp_connections > tcp, what="a reconnect after silence"
            )
        else:
            await harness.drop_connections(fault)  # type: ignore[arg-type]
        # The venue moves while the client is away: only the resume can tell it.
        await harness.publish_book_update(DOBBIN, OrderSide.BUY, D("2.50"), D("0"))
        await harness.publish_book_update(DOBBIN, OrderSide.SELL, D("2.60"), D("3"))
        if fault == "silence":
            await harness.go_silent(False)
        await next_of(
            venue, lambda e: isinstance(e, Reconnected) and e.stream == "markets", timeout=20
        )
        await harness.wait_until(
            lambda: book_equals_venue(venue, harness, DOBBIN), what="resynced from the clk"
        )
        assert harness.resumes > resumes, "the resubscription did not resume from the clk"
        assert venue.data.protocol.resumed >= 1


async def test_lapsed_session_logs_in_again_for_the_stream() -> None:
    """The session lapses while the stream is away (12 h without keepAlive): the stream's
    authentication is refused with INVALID_SESSION_INFORMATION, the client logs in again once
    and resubscribes with the new token (a lapsed session is not a refused credential)."""
    async with BetfairHarness() as harness, session(harness, **FAST) as venue:
        await venue.instruments.load_all()
        await harness.set_book(DOBBIN, LADDER_BIDS, LADDER_ASKS)
        await venue.data.subscribe_book_deltas(DOBBIN)
        await harness.wait_until(lambda: book_equals_venue(venue, harness, DOBBIN), what="synced")
        logins, refused = harness.cert_logins, harness.login_failures
        harness.expire_logins_through(time.time_ns() // 1_000_000)  # every session so far
        await harness.drop_connections("rst")
        await harness.publish_book_update(DOBBIN, OrderSide.SELL, D("2.60"), D("3"))
        await next_of(
            venue, lambda e: isinstance(e, Reconnected) and e.stream == "markets", timeout=20
        )
        await harness.wait_until(
            lambda: book_equals_venue(venue, harness, DOBBIN), what="resynced on a new session"
        )
        assert harness.login_failures > refused, "the lapsed session was never refused"
        assert harness.cert_logins == logins + 1, "not exactly one new login for the lapse"


async def test_status_503_marks_data_stale_until_fresh() -> None:
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        await venue.data.subscribe_book_deltas(DOBBIN)
        await harness.publish_stale(DOBBIN)
        await harness.wait_until(lambda: venue.data.is_stale(), what="stale")
        await harness.publish_book_update(DOBBIN, OrderSide.BUY, D("3.00"), D("5"))
        await harness.wait_until(lambda: not venue.data.is_stale(), what="fresh again")


async def test_status_changes_and_settlement() -> None:
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        for iid in (DOBBIN, SALLY):
            await venue.data.subscribe_instrument_status(iid)
            await venue.data.subscribe_instrument_close(iid)
        await harness.publish_instrument_status(DOBBIN, "HALTED")
        status = await next_of(venue, lambda e: isinstance(e, InstrumentStatus))
        assert (status.status, status.reason) == (MarketStatus.HALTED, "SUSPENDED")
        await harness.settle_market(WIN, winner=39980, bsp=D("3.45"))
        got: dict[Any, Any] = {}
        while len(got) < 4:
            event = await next_of(
                venue, lambda e: isinstance(e, (InstrumentResolved, InstrumentClose))
            )
            got[(event.instrument_id, type(event))] = event
        assert got[(DOBBIN, InstrumentResolved)].result is ResolutionResult.WON
        assert got[(SALLY, InstrumentResolved)].result is ResolutionResult.LOST
        assert got[(DOBBIN, InstrumentClose)].close_price.as_decimal() == D("3.45")
