"""RECONNECT (RC1-RC8)."""

from __future__ import annotations

import itertools
import logging

import anyio
import pytest
from tradeport.clients.base import Reconnected
from tradeport.model.data import QuoteTick, TradeTick
from tradeport.model.enums import AggressorSide, OrderSide
from tradeport.model.events import OrderAccepted, OrderFilled
from tradeport.model.orders import Order

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import (
    EVENT_TIMEOUT,
    collect_until,
    next_matching,
    pick_instrument,
    prices_for,
)
from tradeport_conformance.suite.subscriptions import book_matches_venue, seed_book

pytestmark = pytest.mark.anyio

__all__ = ["TestReconnect"]

FAST = {"reconnect_delay_initial": 0.05, "reconnect_delay_max": 0.5, "ws_idle_timeout": 5.0}


def _topics(harness) -> set[str]:
    return set().union(*harness.active_subscriptions()) if harness.active_subscriptions() else set()


async def _reconnected(venue) -> Reconnected:
    return await next_matching(
        venue, lambda e: isinstance(e, Reconnected), what="Reconnected signal"
    )


async def _trade_flows(venue, harness, iid, p) -> None:
    trade_id = await harness.publish_trade(iid, p["mid"], p["size"], AggressorSide.BUYER)
    await next_matching(
        venue,
        lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(trade_id),
        what="a trade after the reconnect",
    )


@pytest.mark.anyio
class TestReconnect:
    @scenario("RC1")
    @requires("data:TRADES")
    @pytest.mark.parametrize("mode", ["fin", "rst"])
    async def test_drop_reconnects_and_reauthenticates(
        self, harness, open_session, venue_spec, venue_capabilities, mode
    ) -> None:
        private = venue_capabilities.private_streams
        async with open_session("valid" if private else "none", **FAST) as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            await venue.data.subscribe_trades(iid)
            logins, conns = harness.logins, harness.total_connections
            await harness.drop_connections(mode)
            await _reconnected(venue)
            assert harness.total_connections > conns
            if private:
                await harness.wait_until(
                    lambda: harness.logins > logins,
                    timeout=EVENT_TIMEOUT,
                    what="a new login after the drop",
                )
                assert venue.execution.authenticated

    @scenario("RC2")
    @requires("data:TRADES", "data:QUOTES")
    async def test_subscriptions_restored(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session(
            "valid" if venue_capabilities.private_streams else "none", **FAST
        ) as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            p = prices_for(venue.instruments.get(iid))
            await venue.data.subscribe_trades(iid)
            await venue.data.subscribe_quotes(iid)
            before = _topics(harness)
            await harness.drop_connections("rst")
            await _reconnected(venue)
            await harness.wait_until(
                lambda: _topics(harness) >= before,
                timeout=EVENT_TIMEOUT,
                what=f"topics {sorted(before)} restored",
            )
            await _trade_flows(venue, harness, iid, p)

    @scenario("RC3")
    @requires("data:TRADES", "data:QUOTES")
    async def test_unsubscribed_not_restored(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none", **FAST) as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            p = prices_for(venue.instruments.get(iid))
            await venue.data.subscribe_trades(iid)
            trades_only = _topics(harness)
            await venue.data.subscribe_quotes(iid)
            await venue.data.unsubscribe_quotes(iid)
            await harness.wait_until(
                lambda: _topics(harness) == trades_only,
                timeout=EVENT_TIMEOUT,
                what="quotes unsubscribed at the venue",
            )
            await harness.drop_connections("fin")
            await _reconnected(venue)
            await harness.wait_until(
                lambda: _topics(harness) >= trades_only,
                timeout=EVENT_TIMEOUT,
                what="trades restored",
            )
            assert _topics(harness) == trades_only, "an unsubscribed topic came back"
            await harness.publish_quote(iid, p["bid"], p["ask"], p["size"], p["size"])
            trade_id = await harness.publish_trade(iid, p["mid"], p["size"], AggressorSide.SELLER)
            events = await collect_until(
                venue, lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(trade_id)
            )
            assert not [e for e in events if isinstance(e, QuoteTick)]

    @scenario("RC4")
    @requires("data:BOOK_DELTAS")
    async def test_books_resynchronised(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none", **FAST) as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            p = prices_for(inst)
            await seed_book(harness, inst, p)
            await venue.data.subscribe_book_deltas(iid)
            await harness.wait_until(
                lambda: book_matches_venue(venue, harness, inst),
                timeout=EVENT_TIMEOUT,
                what="book synced",
            )
            await harness.drop_connections("rst")
            # The book moves while the client is away: only a resync can know.
            await seed_book(harness, inst, prices_for(inst, p["mid"] + p["tick"] * 3))
            await _reconnected(venue)
            await harness.wait_until(
                lambda: book_matches_venue(venue, harness, inst),
                timeout=EVENT_TIMEOUT,
                what="book resynced after reconnect",
            )

            # A resync fetches a fresh snapshot: by REST or by subscribing again.
            def refetches() -> int:
                return len(harness.requests) + harness.subscription_messages()

            if harness.features.book_checksum:
                before = refetches()
                await harness.publish_book_bad_checksum(iid)
                await harness.wait_until(
                    lambda: refetches() > before and book_matches_venue(venue, harness, inst),
                    timeout=EVENT_TIMEOUT,
                    what="a resync after a checksum mismatch",
                )
            if harness.features.book_sequence:
                await seed_book(harness, inst, prices_for(inst, p["mid"] - p["tick"] * 4))
                before = refetches()
                await harness.publish_book_gap(iid)
                await harness.wait_until(
                    lambda: refetches() > before and book_matches_venue(venue, harness, inst),
                    timeout=EVENT_TIMEOUT,
                    what="a resync after a sequence gap",
                )

    @scenario("RC5")
    @requires("capability:private_streams", "order:LIMIT/GTC")
    async def test_no_duplicates_across_reconnect(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        await self._fill_while_away(
            harness, open_session, venue_capabilities, check_duplicates=True
        )

    @scenario("RC6")
    @requires("capability:private_streams", "order:LIMIT/GTC")
    async def test_fills_while_disconnected_recovered(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        await self._fill_while_away(
            harness, open_session, venue_capabilities, check_duplicates=False
        )

    async def _fill_while_away(
        self, harness, open_session, venue_capabilities, *, check_duplicates: bool
    ) -> None:
        async with open_session("valid", **FAST) as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            p = prices_for(inst)
            # A book around the suite's prices, so the far-away order rests instead of filling.
            await seed_book(harness, inst, p)
            await venue.data.subscribe_trades(iid)
            order = Order.limit(
                instrument_id=iid,
                side=OrderSide.BUY,
                quantity=inst.make_qty(p["size"]),
                price=inst.make_price(p["far_bid"]),
            )
            await venue.execution.submit_order(order)
            acc = await next_matching(
                venue,
                lambda e: (
                    isinstance(e, OrderAccepted) and e.client_order_id == order.client_order_id
                ),
                what="OrderAccepted",
            )
            topics = _topics(harness)
            await harness.refuse_connections(True)
            await harness.drop_connections("rst")
            result = harness.exchange.fill(str(acc.venue_order_id), quantity=p["size"])
            assert result.ok, f"the venue could not fill the order: {result.message}"
            trade_ids = {
                str(f.trade_id)
                for f in harness.exchange.fills(
                    str(inst.raw_symbol), venue_order_id=str(acc.venue_order_id)
                )
            }
            await harness.refuse_connections(False)
            await _reconnected(venue)
            fill = await next_matching(
                venue,
                lambda e: isinstance(e, OrderFilled) and e.client_order_id == order.client_order_id,
                what="the fill that happened while disconnected",
            )
            assert str(fill.trade_id) in trade_ids
            if check_duplicates:
                # Data and private streams reconnect separately: wait for the trade topic too.
                await harness.wait_until(
                    lambda: _topics(harness) >= topics,
                    timeout=EVENT_TIMEOUT,
                    what="topics restored",
                )
                # A sentinel trade marks "later": no second OrderFilled for the same trade before it.
                sentinel = await harness.publish_trade(
                    iid, p["mid"], p["size"], AggressorSide.BUYER
                )
                await harness.push_account_events()
                events = await collect_until(
                    venue, lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(sentinel)
                )
                dupes = [
                    e
                    for e in events
                    if isinstance(e, OrderFilled) and str(e.trade_id) == str(fill.trade_id)
                ]
                assert not dupes, "the same fill was delivered twice"

    @scenario("RC7")
    @requires("data:TRADES")
    async def test_connect_failures_back_off_and_stay_bounded(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        initial, attempts = 0.2, 4
        async with open_session(
            "none",
            reconnect_delay_initial=initial,
            reconnect_delay_max=10.0,
            reconnect_max_attempts=attempts,
            ws_idle_timeout=30.0,
        ) as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            await venue.data.subscribe_trades(iid)
            await harness.refuse_connections(True)
            start = len(harness.connection_attempt_times)
            await harness.drop_connections("rst")
            await harness.wait_until(
                lambda: len(harness.connection_attempt_times) - start >= attempts,
                timeout=EVENT_TIMEOUT * 2,
                what=f"{attempts} reconnect attempts",
            )
            times = list(harness.connection_attempt_times[start : start + attempts])
            gaps = [b - a for a, b in itertools.pairwise(times)]
            # Lower bounds hold however loaded the machine is (a sleep is never shorter): each
            # delay is at least initial * 2**n * (1 - jitter), jitter at most 0.5 here.
            for n, gap in enumerate(gaps, start=1):
                assert gap >= initial * 2**n * 0.5 * 0.9, f"attempt gaps {gaps} do not back off"
            # Bounded: after max attempts the client stops trying. A trade round trip on a fresh
            # connection proves time passed; the attempt count must not have moved.
            await harness.refuse_connections(False)
            with anyio.move_on_after(initial * 2**attempts * 2):
                await harness.wait_until(
                    lambda: len(harness.connection_attempt_times) - start > attempts,
                    timeout=initial * 2**attempts * 2,
                )
            assert len(harness.connection_attempt_times) - start == attempts

    @scenario("RC8")
    @requires("data:TRADES", "feature:close_codes")
    async def test_close_frame_with_code(
        self, harness, open_session, venue_spec, venue_capabilities, caplog
    ) -> None:
        async with open_session("none", **FAST) as venue:
            iid = pick_instrument(harness, venue_capabilities)
            await venue.instruments.load_all()
            p = prices_for(venue.instruments.get(iid))
            await venue.data.subscribe_trades(iid)
            with caplog.at_level(logging.INFO):
                await harness.close_with_code(1012, "service restart")
                await _reconnected(venue)
            assert "1012" in caplog.text, "the close code was not logged"
            await _trade_flows(venue, harness, iid, p)
