"""SUBSCRIPTIONS (SB1-SB10)."""

from __future__ import annotations

import time
from decimal import Decimal

import anyio
import pytest
from tradeport.errors import SubscriptionError, UnknownInstrument
from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    InstrumentStatus,
    MarkPriceUpdate,
    QuoteTick,
    TradeTick,
)
from tradeport.model.enums import AggressorSide, OrderSide, ProductType
from tradeport.model.events import OrderAccepted, OrderFilled
from tradeport.model.identifiers import InstrumentId, Symbol, Venue
from tradeport.model.orders import Order

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import (
    EVENT_TIMEOUT,
    collect_until,
    is_ns,
    next_matching,
    pick_instrument,
    prices_for,
    seed_book,
)
from tradeport_conformance.suite.truth import sim_order_for

pytestmark = pytest.mark.anyio

__all__ = ["TestSubscriptions", "book_matches_venue", "seed_book"]


async def _loaded(venue, harness, venue_capabilities, product=None):
    iid = pick_instrument(harness, venue_capabilities, product)
    await venue.instruments.load_all()
    return iid, venue.instruments.get(iid)


def _venue_levels(harness, inst):
    book = harness.exchange.book(str(inst.raw_symbol))
    # The simulated exchange's levels are (price, size) tuples of Decimals.
    return [tuple(lvl) for lvl in book.bids], [tuple(lvl) for lvl in book.asks]


def book_matches_venue(venue, harness, inst) -> bool:
    """The client's local book equals the venue's book, level by level."""
    try:
        local = venue.data.book(inst.id)
    except KeyError:
        return False
    bids, asks = _venue_levels(harness, inst)
    mine_b = [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in local.bids()]
    mine_a = [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in local.asks()]
    return mine_b == bids and mine_a == asks


@pytest.mark.anyio
class TestSubscriptions:
    @scenario("SB1")
    @requires("data:QUOTES")
    async def test_quotes(self, harness, open_session, venue_spec, venue_capabilities) -> None:
        async with open_session("none") as venue:
            iid, inst = await _loaded(venue, harness, venue_capabilities)
            p = prices_for(inst)
            await venue.data.subscribe_quotes(iid)
            await harness.publish_quote(iid, p["bid"], p["ask"], p["size"], p["size"] * 2)
            q = await next_matching(venue, lambda e: isinstance(e, QuoteTick), what="QuoteTick")
            assert q.instrument_id == iid
            assert q.bid_price.as_decimal() == p["bid"] and q.ask_price.as_decimal() == p["ask"]
            assert q.bid_price.precision == inst.price_precision
            assert q.ask_size.as_decimal() == p["size"] * 2
            assert q.bid_size.precision == inst.size_precision
            assert is_ns(q.ts_event) and is_ns(q.ts_init)

    @scenario("SB2")
    @requires("data:TRADES")
    async def test_trades(self, harness, open_session, venue_spec, venue_capabilities) -> None:
        async with open_session("none") as venue:
            iid, inst = await _loaded(venue, harness, venue_capabilities)
            p = prices_for(inst)
            await venue.data.subscribe_trades(iid)
            for aggressor in (AggressorSide.BUYER, AggressorSide.SELLER):
                trade_id = await harness.publish_trade(iid, p["mid"], p["size"], aggressor)
                t = await next_matching(venue, lambda e: isinstance(e, TradeTick), what="TradeTick")
                # A venue whose prints carry no aggressor side must say so, not guess one.
                expected = (
                    aggressor if harness.features.trade_aggressor else AggressorSide.NO_AGGRESSOR
                )
                assert (t.instrument_id, t.aggressor_side, str(t.trade_id)) == (
                    iid,
                    expected,
                    str(trade_id),
                )
                assert t.price.as_decimal() == p["mid"] and t.size.as_decimal() == p["size"]
                assert t.price.precision == inst.price_precision and is_ns(t.ts_event)

    @scenario("SB3")
    @requires("data:BOOK_DELTAS")
    async def test_book_snapshot_then_deltas(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none") as venue:
            iid, inst = await _loaded(venue, harness, venue_capabilities)
            p = prices_for(inst)
            await seed_book(harness, inst, p)
            await venue.data.subscribe_book_deltas(iid)
            await harness.wait_until(
                lambda: book_matches_venue(venue, harness, inst),
                timeout=EVENT_TIMEOUT,
                what="local book equal to the snapshot",
            )
            await harness.publish_book_update(iid, OrderSide.BUY, p["bid"] + p["tick"], p["size"])
            await harness.publish_book_update(iid, OrderSide.SELL, p["ask"], Decimal(0))
            await harness.wait_until(
                lambda: book_matches_venue(venue, harness, inst),
                timeout=EVENT_TIMEOUT,
                what="local book equal after deltas",
            )
            assert venue.data.book(iid).best_bid().price.as_decimal() == p["bid"] + p["tick"]

    @scenario("SB4")
    @requires("data:BARS")
    async def test_bars(self, harness, open_session, venue_spec, venue_capabilities) -> None:
        async with open_session("none") as venue:
            iid, inst = await _loaded(venue, harness, venue_capabilities)
            p = prices_for(inst)
            bar_type = BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL")
            await venue.data.subscribe_bars(bar_type)
            ts_ms = (int(time.time()) // 60) * 60_000
            # The previous minute, closed: a bar stamped at its close (the next minute's start).
            await harness.publish_bar(
                iid,
                p["bid"],
                p["ask"],
                p["far_bid"] + p["tick"],
                p["mid"],
                p["size"],
                ts_ms - 60_000,
            )
            bar = await next_matching(venue, lambda e: isinstance(e, Bar), what="Bar")
            assert bar.bar_type == bar_type
            assert (bar.open.as_decimal(), bar.high.as_decimal(), bar.close.as_decimal()) == (
                p["bid"],
                p["ask"],
                p["mid"],
            )
            assert bar.low.as_decimal() == p["far_bid"] + p["tick"]
            assert bar.volume.as_decimal() == p["size"] and is_ns(bar.ts_event)
            assert bar.ts_event == ts_ms * 1_000_000, (
                f"bar stamped {bar.ts_event}, not at its close {ts_ms * 1_000_000}"
            )

    @scenario("SB4")
    @requires("data:BARS")
    async def test_open_candle_is_not_a_bar(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        """A candle the venue still updates (not closed) is not emitted; the closed one is."""
        async with open_session("none") as venue:
            iid, inst = await _loaded(venue, harness, venue_capabilities)
            p = prices_for(inst)
            bar_type = BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL")
            await venue.data.subscribe_bars(bar_type)
            await venue.data.subscribe_trades(iid)
            ts_ms = (int(time.time()) // 60) * 60_000
            forming = (p["bid"], p["bid"], p["bid"], p["bid"], p["step"], ts_ms)
            try:
                await harness.publish_bar(iid, *forming, closed=False)
            except TypeError:
                pytest.skip("the harness's publish_bar has no closed=False (a forming candle)")
            await harness.publish_bar(
                iid, p["bid"], p["ask"], p["bid"], p["mid"], p["size"], ts_ms - 60_000
            )
            sentinel = await harness.publish_trade(iid, p["mid"], p["size"], AggressorSide.BUYER)
            events = await collect_until(
                venue,
                lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(sentinel),
                what="the sentinel trade",
            )
            bars = [
                (e.open.as_decimal(), e.close.as_decimal()) for e in events if isinstance(e, Bar)
            ]
            assert bars == [(p["bid"], p["mid"])], (
                f"expected only the closed bar (open {p['bid']}, close {p['mid']}), got {bars}"
            )

    @scenario("SB5")
    @requires("data:MARK_PRICES")
    async def test_mark_index_funding(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none") as venue:
            iid, inst = await _loaded(venue, harness, venue_capabilities, ProductType.PERPETUAL)
            p = prices_for(inst)
            caps = venue_capabilities
            await venue.data.subscribe_mark_prices(iid)
            wanted: list[type] = [MarkPriceUpdate]
            if caps.supports_data("INDEX_PRICES"):
                await venue.data.subscribe_index_prices(iid)
                wanted.append(IndexPriceUpdate)
            if caps.supports_data("FUNDING_RATES"):
                await venue.data.subscribe_funding_rates(iid)
                wanted.append(FundingRateUpdate)
            next_ms = (int(time.time()) // 3600 + 8) * 3_600_000
            await harness.publish_mark_price(
                iid, p["mid"], p["mid"] - p["tick"], Decimal("0.0001"), next_ms
            )
            got: dict[type, object] = {}
            with anyio.fail_after(EVENT_TIMEOUT):
                while set(got) != set(wanted):
                    e = await venue.next_event()
                    if type(e) in wanted:
                        got.setdefault(type(e), e)
            assert got[MarkPriceUpdate].value.as_decimal() == p["mid"]
            if IndexPriceUpdate in got:
                assert got[IndexPriceUpdate].value.as_decimal() == p["mid"] - p["tick"]
            if FundingRateUpdate in got:
                f = got[FundingRateUpdate]
                assert f.rate == Decimal("0.0001") and f.next_funding_ns == next_ms * 1_000_000

    @scenario("SB6")
    @requires("data:INSTRUMENT_STATUS")
    async def test_instrument_status(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none") as venue:
            iid, _ = await _loaded(venue, harness, venue_capabilities)
            await venue.data.subscribe_instrument_status(iid)
            await harness.publish_instrument_status(iid, "HALTED")
            s = await next_matching(
                venue, lambda e: isinstance(e, InstrumentStatus), what="InstrumentStatus"
            )
            assert s.instrument_id == iid and s.status.value == "HALTED"

    @scenario("SB7")
    @requires("data:QUOTES", "data:TRADES")
    async def test_unsubscribe(self, harness, open_session, venue_spec, venue_capabilities) -> None:
        async with open_session("none") as venue:
            iid, inst = await _loaded(venue, harness, venue_capabilities)
            p = prices_for(inst)
            await venue.data.subscribe_quotes(iid)
            await venue.data.subscribe_trades(iid)
            topics_before = set().union(*harness.active_subscriptions())
            await venue.data.unsubscribe_quotes(iid)
            # One topic per data type leaves the venue's set; a topic per instrument stays for
            # the trades (the client then drops the quotes itself).
            left = 0 if harness.features.instrument_topics else 1
            await harness.wait_until(
                lambda: (
                    len(set().union(*harness.active_subscriptions())) == len(topics_before) - left
                ),
                timeout=EVENT_TIMEOUT,
                what="the quote topic to leave the venue's active set",
            )
            await harness.publish_quote(iid, p["bid"], p["ask"], p["size"], p["size"])
            trade_id = await harness.publish_trade(iid, p["mid"], p["size"], AggressorSide.BUYER)
            events = await collect_until(
                venue,
                lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(trade_id),
                what="the sentinel trade",
            )
            assert not [e for e in events if isinstance(e, QuoteTick)], "quote after unsubscribe"

    @scenario("SB8")
    @requires("feature:subscription_refusal", "data:TRADES")
    async def test_refused_subscription(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none") as venue:
            iid, _ = await _loaded(venue, harness, venue_capabilities)
            bogus = InstrumentId(Symbol("NOSUCHSYMBOL"), Venue(iid.venue.value))
            # Refused by the venue (SubscriptionError), or before anything was sent because the
            # client knows the venue lists no such instrument (UnknownInstrument): typed either way.
            with (
                anyio.fail_after(EVENT_TIMEOUT),
                pytest.raises((SubscriptionError, UnknownInstrument)),
            ):
                await venue.data.subscribe_trades(bogus)
            assert not any(
                "NOSUCHSYMBOL".lower() in t.lower()
                for s in harness.active_subscriptions()
                for t in s
            )

    @scenario("SB9")
    @requires("data:TRADES")
    async def test_subscribe_twice_is_idempotent(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("none") as venue:
            iid, inst = await _loaded(venue, harness, venue_capabilities)
            p = prices_for(inst)
            await venue.data.subscribe_trades(iid)
            sent = harness.subscription_messages()
            await venue.data.subscribe_trades(iid)
            assert harness.subscription_messages() == sent, "a second venue subscription was sent"
            first = await harness.publish_trade(iid, p["mid"], p["size"], AggressorSide.BUYER)
            second = await harness.publish_trade(iid, p["mid"], p["size"], AggressorSide.SELLER)
            events = await collect_until(
                venue,
                lambda e: isinstance(e, TradeTick) and str(e.trade_id) == str(second),
                what="the second trade",
            )
            ids = [str(e.trade_id) for e in events if isinstance(e, TradeTick)]
            assert ids == [str(first), str(second)], f"duplicate or missing trades: {ids}"

    @scenario("SB10")
    @requires("capability:private_streams", "order:LIMIT/GTC")
    async def test_private_streams_after_login(
        self, harness, open_session, venue_spec, venue_capabilities
    ) -> None:
        async with open_session("valid") as venue:
            iid, inst = await _loaded(venue, harness, venue_capabilities)
            assert venue.execution.authenticated
            p = prices_for(inst)
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
            sim = sim_order_for(harness, order, acc.venue_order_id)
            harness.exchange.fill(sim.venue_order_id, quantity=p["size"])
            await harness.push_account_events()
            fill = await next_matching(
                venue,
                lambda e: isinstance(e, OrderFilled) and e.client_order_id == order.client_order_id,
                what="OrderFilled from the private stream",
            )
            assert fill.last_qty.as_decimal() == p["size"]
