"""HISTORY (HI1-HI5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tradeport.model.data import BarType

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import pick_instrument, prices_for
from tradeport_conformance.suite.subscriptions import seed_book

pytestmark = pytest.mark.anyio

__all__ = ["TestHistory"]

NS_PER_MINUTE = 60_000_000_000


def history_depth(capabilities, kind: str) -> int | None:
    """How many of the latest records (``BARS`` / ``TRADES``) the venue keeps, when its
    capabilities declare a bound (``Capabilities.history_depth``); None: unbounded."""
    return capabilities.history_limit(kind)


@pytest.mark.anyio
class TestHistory:
    @scenario("HI1")
    @requires("history:BARS")
    async def test_bars_over_a_range_paginated(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        page = harness.history_page_size()
        # None: the venue streams any range in one response (Databento), so "paginated as the
        # venue requires" means one request; a range of 203 bars still has to come back whole.
        count = (page if page is not None else 100) * 2 + 3
        harness.seed_history(iid, bars=count)
        # A venue that keeps only the latest N bars serves those N, however far back one asks.
        expected = min(count, history_depth(venue_capabilities, "BARS") or count)
        async with open_session("none", connect=False) as venue:
            await venue.instruments.load_all()
            now = harness.exchange.now()
            start = now - (count + 5) * NS_PER_MINUTE
            before = len(harness.requests)
            bars = await venue.data.request_bars(
                BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL"), start_ns=start, end_ns=now
            )
        assert len(bars) == expected, f"expected {expected} bars, got {len(bars)}"
        stamps = [b.ts_event for b in bars]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
        if page is None:
            assert len(harness.requests) - before == 1, "an unpaged range took several requests"
        else:
            pages = -(-expected // page)
            assert len(harness.requests) - before >= pages, (
                f"{expected} bars at {page} a page: expected at least {pages} requests"
            )

    @scenario("HI2")
    @requires("history:TRADES")
    async def test_trades_over_a_range(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        page = harness.history_page_size() or 100
        count = page + 7
        harness.seed_history(iid, trades=count)
        expected = min(count, history_depth(venue_capabilities, "TRADES") or count)
        async with open_session("none", connect=False) as venue:
            await venue.instruments.load_all()
            now = harness.exchange.now()
            trades = await venue.data.request_trades(iid, start_ns=now - 3600 * 10**9, end_ns=now)
        ids = [str(t.trade_id) for t in trades]
        assert len(ids) == expected, f"expected {expected} trades, got {len(ids)}"
        assert len(set(ids)) == len(ids), "a trade was returned twice"

    @scenario("HI3")
    @requires("history:QUOTES")
    async def test_quotes_over_a_range(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("none", connect=False) as venue:
            await venue.instruments.load_all()
            now = harness.exchange.now()
            quotes = await venue.data.request_quotes(iid, start_ns=now - 3600 * 10**9, end_ns=now)
        assert all(q.instrument_id == iid for q in quotes)

    @scenario("HI4")
    @requires("history:BOOK_SNAPSHOT")
    async def test_book_snapshot(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("none", connect=False) as venue:
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            p = prices_for(inst)
            await seed_book(harness, inst, p)
            snap = await venue.data.request_book_snapshot(iid)
        assert snap.is_snapshot
        levels = {
            (d.order.side.value, d.order.price.as_decimal(), d.order.size.as_decimal())
            for d in snap.deltas
            if d.order is not None
        }
        assert ("BUY", p["bid"], p["size"]) in levels and ("SELL", p["ask"], p["size"]) in levels
        assert all(isinstance(s, Decimal) for _, _, s in levels)

    @scenario("HI5")
    @requires("history:BARS")
    async def test_query_parameters_are_the_venues(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        iid = pick_instrument(harness, venue_capabilities)
        harness.seed_history(iid, bars=(harness.history_page_size() or 100) + 1)
        async with open_session("none", connect=False) as venue:
            await venue.instruments.load_all()
            now = harness.exchange.now()
            before = len(harness.requests)
            await venue.data.request_bars(
                BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL"),
                start_ns=now - 3 * 3600 * 10**9,
                end_ns=now,
                limit=5,
            )
        history = list(harness.requests)[before:]
        assert history, "no history request was sent"
        problems = [p for r in history for p in harness.check_history_request(r)]
        assert not problems, "; ".join(problems)
