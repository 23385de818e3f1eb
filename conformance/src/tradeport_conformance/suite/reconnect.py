"""RECONNECT (RC1-RC9)."""

from __future__ import annotations

import itertools
import logging
import time
from decimal import Decimal

import anyio
import pytest
from tradeport.clients.base import Reconnected
from tradeport.model.data import QuoteTick, TradeTick
from tradeport.model.enums import AggressorSide, OrderSide
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
)
from tradeport.model.orders import Order

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.simulated import CancelCause
from tradeport_conformance.suite.helpers import (
    EVENT_TIMEOUT,
    absent_feature,
    collect_until,
    events_seen,
    next_matching,
    pick_instrument,
    prices_for,
    submit_outcome,
)
from tradeport_conformance.suite.subscriptions import book_matches_venue, seed_book
from tradeport_conformance.suite.truth import (
    assert_fills,
    exact_instrument,
    exact_prices,
    exact_setup,
    sim_order_for,
    venue_trade_id_of,
)

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


async def _book_equal(venue, harness, inst, what: str) -> None:
    """Wait until the client's book equals the venue's, level by level."""
    await harness.wait_until(
        lambda: book_matches_venue(venue, harness, inst),
        timeout=EVENT_TIMEOUT,
        what=f"the local book to equal the venue's after {what}",
    )


async def _exact_setup(venue, harness, venue_capabilities):
    """:func:`exact_setup`, with the trade stream open (so the private stream is too)."""
    iid, inst, p = await exact_setup(venue, harness, venue_capabilities)
    await venue.data.subscribe_trades(iid)
    return iid, inst, p


def _far_buy(inst, p, ticks_lower: int = 0) -> Order:
    return Order.limit(
        instrument_id=inst.id,
        side=OrderSide.BUY,
        quantity=inst.make_qty(p["size"]),
        price=inst.make_price(p["rest"] - p["tick"] * ticks_lower),
    )


async def _submitted(venue, harness, order) -> str:
    """Submit, wait for the acceptance, return the SimulatedExchange's order id."""
    acc = await submit_outcome(venue, order)
    assert isinstance(acc, OrderAccepted), f"rejected: {getattr(acc, 'reason', '')}"
    sim = sim_order_for(harness, order, acc.venue_order_id)
    assert sim is not None, f"the venue has no order {order.client_order_id}"
    return sim.venue_order_id


async def _fill_reported(venue, harness, sim_fill, what: str) -> None:
    """Wait for the client's OrderFilled of the venue's ``sim_fill``."""
    want = venue_trade_id_of(harness, sim_fill.trade_id)
    await next_matching(
        venue,
        lambda e: isinstance(e, OrderFilled) and str(e.trade_id) == want,
        what=f"{what} ({want})",
    )


def _order_fills(venue, order: Order) -> list[OrderFilled]:
    """Every OrderFilled the client reported for ``order`` so far."""
    return [
        e
        for e in events_seen(venue)
        if isinstance(e, OrderFilled) and e.client_order_id == order.client_order_id
    ]


async def _streams_live(venue, harness, iid, p, topics) -> None:
    """Return once the public topics are restored and a sentinel trade published after
    everything else has arrived (events before it are all the client will say)."""
    await harness.wait_until(
        lambda: _topics(harness) >= topics, timeout=EVENT_TIMEOUT, what="topics restored"
    )
    await harness.push_account_events()
    sentinel = await harness.publish_trade(iid, p["mid"], p["size"], AggressorSide.BUYER)
    await harness.push_account_events()
    await next_matching(
        venue,
        lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(sentinel),
        what="the sentinel trade after the reconnect",
    )


async def _changes_while_away(harness, open_session, venue_capabilities) -> None:
    """While the client is away one order fills in two parts, one is canceled by the venue and
    one expires. After the reconnect each change is reported exactly once, with the venue's
    values (RC5, RC6)."""
    async with open_session("valid", **FAST) as venue:
        iid, inst, p = await _exact_setup(venue, harness, venue_capabilities)
        filled, canceled, expired = (_far_buy(inst, p, i) for i in range(3))
        sim_ids = [await _submitted(venue, harness, o) for o in (filled, canceled, expired)]
        topics = _topics(harness)
        await harness.refuse_connections(True)
        await harness.drop_connections("rst")
        mark = len(events_seen(venue))
        half = (p["size"] / 2).quantize(p["step"])
        assert harness.exchange.fill(sim_ids[0], quantity=half).ok
        assert harness.exchange.fill(sim_ids[0], price=p["rest"] - p["tick"] * 4).ok
        assert harness.exchange.cancel(sim_ids[1], cause=CancelCause.VENUE).ok
        assert harness.exchange.expire(sim_ids[2]).ok
        sim_fills = harness.exchange.fills(venue_order_id=sim_ids[0])
        await harness.refuse_connections(False)
        await _reconnected(venue)
        for fill in sim_fills:
            await _fill_reported(venue, harness, fill, "a fill made while disconnected")
        ended = (OrderCanceled, OrderExpired)
        for order, what in ((canceled, "the venue's cancel"), (expired, "the expiry")):
            await next_matching(
                venue,
                lambda e, o=order: isinstance(e, ended) and e.client_order_id == o.client_order_id,
                what=f"{what} while disconnected",
            )
        await _streams_live(venue, harness, iid, p, topics)
        after = events_seen(venue)[mark:]
        fills = [
            e
            for e in after
            if isinstance(e, OrderFilled) and e.client_order_id == filled.client_order_id
        ]
        assert_fills(harness, fills, sim_fills)
        for order in (canceled, expired):
            seen = [
                e
                for e in after
                if isinstance(e, ended) and e.client_order_id == order.client_order_id
            ]
            assert len(seen) == 1, f"{order.client_order_id} ended {len(seen)} times"


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
            stamps = list(harness.login_stamps)
            if private and harness.features.login_stamps:
                assert stamps, "the harness recorded no login stamp"
                # Stamps in whole seconds (OKX, BitMEX) move only when the second does: wait
                # for the next one, so a reused stamp cannot pass for a fresh one.
                second = time.time_ns() // 10**9
                await harness.wait_until(
                    lambda: time.time_ns() // 10**9 > second, timeout=2.0, what="the next second"
                )
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
            if private and harness.features.login_stamps:
                fresh = harness.login_stamps[len(stamps) :]
                assert fresh and min(fresh) > max(stamps), (
                    f"the login after the reconnect carried stamp {fresh}, not later than the "
                    f"first login's {max(stamps)}: a stale timestamp / expiry was re-sent"
                )

    @scenario("RC9")
    @requires("capability:private_streams")
    async def test_login_after_validity_window_freshly_stamped(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        """The venue's login clock moves past the first login's validity, then the stream
        drops: the re-login must carry a new stamp the venue accepts (a client that re-sends
        the first login's timestamp or expiry, or reuses a credential that has expired, is
        refused and never logs in again). Without ``features.login_stamps`` (a login that
        presents a credential issued earlier, like a Binance listenKey) the venue's clock
        moves past everything issued so far, and the re-login must still be accepted."""
        if not harness.features.login_clock:
            pytest.skip(
                absent_feature(
                    harness,
                    "login_clock",
                    "the harness cannot advance the venue's login clock "
                    "(features.login_clock, VenueHarness.expire_logins_through)",
                )
            )
        stamped = harness.features.login_stamps
        async with open_session("valid", **FAST) as venue:
            await harness.wait_until(
                lambda: harness.logins > 0 and (bool(harness.login_stamps) or not stamped),
                timeout=EVENT_TIMEOUT,
                what="a first login",
            )
            stamps = list(harness.login_stamps)
            # Whole-second stamps (OKX, BitMEX) move only when the second does. A stamp in
            # the past is a timestamp accepted within a window: a second past it, the venue's
            # clock (moved to just past the window) still has a second's slack for a fresh
            # stamp that arrives late on a loaded machine.
            now_ms = time.time_ns() // 10**6
            newest = max(stamps) if stamps else now_ms
            until_ms = max((now_ms // 1000 + 1) * 1000, newest + 1000 if newest <= now_ms else 0)
            await harness.wait_until(
                lambda: time.time_ns() // 10**6 >= until_ms, timeout=3.0, what="the next second"
            )
            harness.expire_logins_through(max(stamps) if stamped else time.time_ns() // 10**6)
            logins = harness.logins
            await harness.drop_connections("rst")
            await harness.wait_until(
                lambda: harness.logins > logins,
                timeout=EVENT_TIMEOUT,
                what="a login accepted after the validity window passed",
            )
            if stamped:
                fresh = harness.login_stamps[len(stamps) :]
                assert fresh and min(fresh) > max(stamps), (
                    f"the login after the window carried stamp {fresh}, not later than the "
                    f"first login's {max(stamps)}"
                )
            await harness.wait_until(
                lambda: venue.execution.authenticated,
                timeout=EVENT_TIMEOUT,
                what="the execution client authenticated again",
            )

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

    @scenario("RC4")
    @requires("data:BOOK_DELTAS", "data:TRADES", "feature:book_sequence", "feature:book_faults")
    async def test_book_sync_under_adversity(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        """Duplicated, older, out-of-order and lost book messages, and deltas buffered while a
        snapshot that already contains them is fetched: after every step the local book equals
        the venue's, and every gap (also between two ordinary deltas) forces a resync."""
        # A long idle timeout: the book must be repaired by a resync, not by a reconnect.
        async with open_session("none", **{**FAST, "ws_idle_timeout": 120.0}) as venue:
            iid = pick_instrument(harness, venue_capabilities)
            inst = await exact_instrument(venue, harness, iid)
            p = exact_prices(inst)
            tick, size = p["tick"], p["size"]
            # Deeper than a 25-level checksum: a lost change far down only the sequence reveals.
            depth = 30
            await harness.set_book(
                iid,
                bids=[(p["bid"] - tick * i, size * (i + 1)) for i in range(depth)],
                asks=[(p["ask"] + tick * i, size * (i + 1)) for i in range(depth)],
            )
            await venue.data.subscribe_trades(iid)
            await venue.data.subscribe_book_deltas(iid)
            await _book_equal(venue, harness, inst, "the first snapshot")
            connections = harness.total_connections

            def bid(level: int) -> Decimal:
                return p["bid"] - tick * level

            async def change(level: int, multiple: int) -> None:
                await harness.publish_book_update(iid, OrderSide.BUY, bid(level), size * multiple)

            def refetches() -> int:
                return len(harness.requests) + harness.subscription_messages()

            def gaps() -> int | None:
                """The client synchronizer's gap count, where the data client exposes its
                BookSynchronizer (``book_sync``): exact at the barrier, unlike refetches."""
                sync = getattr(venue.data, "book_sync", lambda _iid: None)(iid)
                return None if sync is None else sync.stats.gaps + sync.stats.checksum_failures

            async def dropped(what: str, before: int, gaps_before: int | None) -> None:
                """After ``settled``: the message was dropped, it caused no resync."""
                if gaps_before is not None:
                    assert gaps() == gaps_before, f"{what} was taken for a gap (not dropped)"
                await settled(f"{what} (second barrier)")
                assert refetches() == before, f"{what} caused a resync (not dropped)"

            async def settled(what: str) -> None:
                """A trade on the same stream after the book messages: once it arrives the
                book messages before it were handled. The book must equal the venue's now,
                not after later messages repair it."""
                trade_id = await harness.publish_trade(iid, p["far_ask"], size, AggressorSide.BUYER)
                await next_matching(
                    venue,
                    lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(trade_id),
                    what=f"the barrier trade after {what}",
                )
                assert book_matches_venue(venue, harness, inst), (
                    f"the local book differs from the venue's after {what}"
                )

            # Ordinary deltas, then the same delta again (a duplicate).
            await change(1, 7)
            await harness.publish_book_update(iid, OrderSide.SELL, p["ask"] + tick, Decimal(0))
            await _book_equal(venue, harness, inst, "two ordinary deltas")
            before, gaps_before = refetches(), gaps()
            await harness.resend_book_update(iid, back=1)
            await settled("a duplicated delta")
            await dropped("a duplicated delta", before, gaps_before)
            # An older delta of a level that changed since: it must not undo the change.
            await change(3, 11)
            await change(3, 13)
            await _book_equal(venue, harness, inst, "two changes of one level")
            before, gaps_before = refetches(), gaps()
            await harness.resend_book_update(iid, back=2)
            await settled("a delta older than the book")
            await dropped("a delta older than the book", before, gaps_before)
            # A lost delta (deep in the book) between two ordinary deltas: a gap, a resync.
            await change(4, 17)
            before = refetches()
            await harness.withhold_book_updates(iid, 1)
            await change(depth - 2, 19)
            await change(5, 21)
            await _book_equal(venue, harness, inst, "a resync after a gap between two deltas")
            assert refetches() > before, "a sequence gap did not cause a resync"
            # Out of order: the later delta first (a gap), then the earlier one (stale by then).
            await change(6, 23)
            before = refetches()
            await harness.withhold_book_updates(iid, 1)
            await change(7, 25)
            await change(8, 27)
            await _book_equal(venue, harness, inst, "a resync after out-of-order deltas")
            assert refetches() > before, "an out-of-order delta did not cause a resync"
            await harness.resend_book_update(iid, back=2)
            await settled("the late delta after the resync")
            # Deltas buffered while the snapshot is held; the snapshot contains them already.
            await harness.hold_book_snapshots(iid, True)
            await harness.withhold_book_updates(iid, 1)
            await change(depth - 3, 31)
            await change(10, 33)  # reveals the gap: the client asks for a snapshot (held)
            await harness.wait_until(
                lambda: harness.snapshot_waiting(iid),
                timeout=EVENT_TIMEOUT,
                what="the client to ask for a new snapshot after the gap",
            )
            asked, gaps_before = refetches(), gaps()
            await change(11, 35)  # buffered by the client, contained in the snapshot
            await harness.withhold_book_updates(iid, 1)
            await change(11, 37)  # in the snapshot, not yet on the stream
            await harness.hold_book_snapshots(iid, False)
            await _book_equal(venue, harness, inst, "the snapshot after buffered deltas")
            await settled("the snapshot after buffered deltas")
            await dropped("a buffered delta the snapshot contains", asked, gaps_before)
            await harness.resend_book_update(iid, back=1)  # the late one, now stale
            await settled("the late delta after the buffered resync")
            await change(12, 39)
            await _book_equal(venue, harness, inst, "live deltas after the buffered resync")
            assert harness.total_connections == connections, (
                "the stream reconnected during the test: the book was not kept by resyncs"
            )

    @scenario("RC5")
    @requires("capability:private_streams", "order:LIMIT/GTC")
    async def test_no_duplicates_across_reconnect(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        await _changes_while_away(harness, open_session, venue_capabilities)

    @scenario("RC5")
    @requires("capability:private_streams", "order:LIMIT/GTC")
    async def test_fill_seen_on_stream_not_repeated_by_reconciliation(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        """A partial fill seen on the stream; the rest fills while the client is away. The
        reconnect's reconciliation finds both fills by REST: each is reported exactly once."""
        async with open_session("valid", **FAST) as venue:
            iid, inst, p = await _exact_setup(venue, harness, venue_capabilities)
            order = _far_buy(inst, p)
            sim_id = await _submitted(venue, harness, order)
            harness.exchange.fill(sim_id, quantity=(p["size"] / 2).quantize(p["step"]))
            await harness.push_account_events()
            await next_matching(
                venue,
                lambda e: isinstance(e, OrderFilled) and e.client_order_id == order.client_order_id,
                what="the partial fill on the private stream",
            )
            topics = _topics(harness)
            await harness.refuse_connections(True)
            await harness.drop_connections("rst")
            assert harness.exchange.fill(sim_id).ok
            sim_fills = harness.exchange.fills(venue_order_id=sim_id)
            await harness.refuse_connections(False)
            await _reconnected(venue)
            await _fill_reported(venue, harness, sim_fills[-1], "the fill made while disconnected")
            await _streams_live(venue, harness, iid, p, topics)
            assert_fills(harness, _order_fills(venue, order), sim_fills)

    @scenario("RC5")
    @requires("capability:private_streams", "order:LIMIT/GTC")
    async def test_fill_learned_by_rest_not_repeated_by_stream(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        """The other order: the venue withholds a fill's stream messages, the stream drops and
        the reconnect's reconciliation learns the fill by REST; then the stream delivers the
        withheld messages. The fill is reported exactly once, with the venue's values."""
        if not harness.features.private_hold:
            pytest.skip(
                absent_feature(
                    harness,
                    "private_hold",
                    "the harness cannot withhold private stream messages "
                    "(features.private_hold, VenueHarness.hold_private_events)",
                )
            )
        async with open_session("valid", **FAST) as venue:
            _, inst, p = await _exact_setup(venue, harness, venue_capabilities)
            order, marker = _far_buy(inst, p), _far_buy(inst, p, 1)
            sim_id = await _submitted(venue, harness, order)
            marker_id = await _submitted(venue, harness, marker)
            await harness.push_account_events()
            topics = _topics(harness)
            await harness.hold_private_events(True)
            assert harness.exchange.fill(sim_id).ok
            await harness.push_account_events()
            sim_fills = harness.exchange.fills(venue_order_id=sim_id)
            await harness.drop_connections("rst")
            await _reconnected(venue)
            await _fill_reported(venue, harness, sim_fills[-1], "the fill learned by REST")
            await harness.wait_until(
                lambda: _topics(harness) >= topics, timeout=EVENT_TIMEOUT, what="topics restored"
            )
            await harness.hold_private_events(False)
            # The marker's cancel follows the withheld messages on the same private stream:
            # once it is seen, the client has read them.
            assert harness.exchange.cancel(marker_id, cause=CancelCause.VENUE).ok
            await harness.push_account_events()
            await next_matching(
                venue,
                lambda e: (
                    isinstance(e, OrderCanceled) and e.client_order_id == marker.client_order_id
                ),
                what="the marker order's cancel after the withheld messages",
            )
            assert_fills(harness, _order_fills(venue, order), sim_fills)

    @scenario("RC6")
    @requires("capability:private_streams", "order:LIMIT/GTC")
    async def test_fills_while_disconnected_recovered(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        await _changes_while_away(harness, open_session, venue_capabilities)

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
