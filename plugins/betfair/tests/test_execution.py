"""Bets against the mock venue: back and lay with persistence, off-ladder prices refused
locally, cumulative matches as fills exactly once (across a drop and a resume), cancel, size
reduction, replace, update, lapse, starting-price bets, funds and exposure, the dead-man switch."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from betfair_helpers import D, next_of, session
from tradeport.clients.base import Reconnected
from tradeport.model.enums import OrderSide, OrderType, TimeInForce
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderFilled,
    OrderFillReversed,
    OrderModifyRejected,
    OrderRejected,
    OrderUpdated,
)
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order
from tradeport_betfair.symbology import runner_id
from tradeport_betfair.testing import BetfairHarness

pytestmark = pytest.mark.anyio

DOBBIN = runner_id("1.180737206", 39980)


def _bet(side: OrderSide, price: str, stake: str, tif: TimeInForce = TimeInForce.LAPSE) -> Order:
    return Order.limit(
        instrument_id=DOBBIN,
        side=side,
        quantity=Quantity.from_str(stake),
        price=Price.from_str(price),
        time_in_force=tif,
    )


def _of(order: Order, *kinds: type) -> Any:
    return lambda e: (
        isinstance(e, kinds) and getattr(e, "client_order_id", None) == order.client_order_id
    )


async def _placed(venue: Any, order: Order) -> Any:
    await venue.execution.submit_order(order)
    event = await next_of(venue, _of(order, OrderAccepted, OrderRejected))
    assert isinstance(event, OrderAccepted), getattr(event, "reason", event)
    return event


async def _two_fills(venue: Any, harness: BetfairHarness, order: Order) -> tuple[str, list[Any]]:
    """Place ``order``; the venue matches 5 then 7 of it; the bet id and the two fills."""
    accepted = await _placed(venue, order)
    bet = str(accepted.venue_order_id)
    fills = []
    for size in ("5", "7"):
        harness.exchange.fill(bet, quantity=D(size))
        await harness.push_account_events()
        fills.append(await next_of(venue, _of(order, OrderFilled)))
    return bet, fills


async def test_back_and_lay_with_persistence_and_refs() -> None:
    async with BetfairHarness() as harness, session(harness, strategy_ref="tp-test") as venue:
        await venue.instruments.load_all()
        back = _bet(OrderSide.SELL, "3.0", "10", TimeInForce.PERSIST)
        lay = _bet(OrderSide.BUY, "2.5", "4", TimeInForce.LAPSE)
        for order in (back, lay):
            accepted = await _placed(venue, order)
            sim = harness.exchange.order(str(accepted.venue_order_id))
            assert sim is not None and sim.client_order_id == str(
                order.client_order_id
            )  # customerOrderRef
            assert harness.strategy[sim.venue_order_id] == "tp-test"  # customerStrategyRef
        assert (
            harness.persistence[
                str(
                    harness.exchange.order(client_order_id=str(back.client_order_id)).venue_order_id
                )
            ]
            is TimeInForce.PERSIST
        )
        sides = {o.client_order_id: o.side for o in harness.exchange.open_orders()}
        assert (
            sides[str(back.client_order_id)] is OrderSide.SELL
            and sides[str(lay.client_order_id)] is OrderSide.BUY
        )
        reports = await venue.execution.order_status_reports(DOBBIN)
        assert {str(r.client_order_id) for r in reports} == {
            str(back.client_order_id),
            str(lay.client_order_id),
        }
        state = await venue.execution.account_state()
        # back 10 risks 10; lay 4 at 2.5 risks 4 * 1.5 = 6
        assert state.total_exposure("GBP").as_decimal() == D("16")


async def test_off_ladder_price_refused_locally() -> None:
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        before = sum(1 for r in harness.requests if b"placeOrders" in r.body)
        order = _bet(OrderSide.SELL, "2.05", "10")
        await venue.execution.submit_order(order)
        rejected = await next_of(venue, _of(order, OrderRejected, OrderAccepted))
        assert isinstance(rejected, OrderRejected)
        assert "2.04" in rejected.reason and "2.06" in rejected.reason
        assert sum(1 for r in harness.requests if b"placeOrders" in r.body) == before


async def test_matched_size_reported_exactly_once_across_a_drop() -> None:
    fast = {"reconnect_delay_initial": 0.05, "reconnect_delay_max": 0.2}
    async with BetfairHarness() as harness, session(harness, **fast) as venue:
        await venue.instruments.load_all()
        order = _bet(OrderSide.BUY, "4.0", "20")
        accepted = await _placed(venue, order)
        bet = str(accepted.venue_order_id)
        harness.exchange.fill(bet, quantity=D("5"))
        await harness.push_account_events()
        first = await next_of(venue, _of(order, OrderFilled))
        assert first.last_qty.as_decimal() == D("5") and first.last_px.as_decimal() == D("4.0")
        await harness.drop_connections("rst")
        harness.exchange.fill(bet, quantity=D("7"))  # matched while the client is away
        await harness.push_account_events()
        await next_of(
            venue, lambda e: isinstance(e, Reconnected) and e.stream == "orders", timeout=20
        )
        second = await next_of(venue, _of(order, OrderFilled))
        assert second.last_qty.as_decimal() == D("7")
        harness.exchange.fill(bet)  # the rest
        await harness.push_account_events()
        third = await next_of(venue, _of(order, OrderFilled))
        assert third.last_qty.as_decimal() == D("8")
        assert len({first.trade_id, second.trade_id, third.trade_id}) == 3
        # Nothing more: the full image of a reconnect repeats the totals, never the fills.
        await harness.drop_connections("fin")
        await next_of(
            venue, lambda e: isinstance(e, Reconnected) and e.stream == "orders", timeout=20
        )
        with anyio.move_on_after(1.0):
            extra = await next_of(venue, _of(order, OrderFilled), timeout=1.0)
            pytest.fail(f"a matched size was reported twice: {extra}")


async def test_cancel_reduce_replace_update() -> None:
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        order = _bet(OrderSide.SELL, "5.0", "10")
        accepted = await _placed(venue, order)
        await venue.execution.modify_order(
            DOBBIN, order.client_order_id, quantity=Quantity.from_str("6")
        )
        updated = await next_of(venue, _of(order, OrderUpdated, OrderModifyRejected))
        assert isinstance(updated, OrderUpdated) and updated.quantity.as_decimal() == D("6")
        assert harness.exchange.order(str(accepted.venue_order_id)).quantity == D(
            "6"
        )  # sizeReduction
        await venue.execution.modify_order(
            DOBBIN, order.client_order_id, price=Price.from_str("5.5")
        )
        moved = await next_of(venue, _of(order, OrderUpdated, OrderModifyRejected))
        assert isinstance(moved, OrderUpdated) and moved.price.as_decimal() == D("5.5")
        new_bet = harness.exchange.order(client_order_id=str(order.client_order_id))
        assert new_bet is not None and new_bet.venue_order_id != str(
            accepted.venue_order_id
        )  # replaced
        await venue.execution.modify_order(
            DOBBIN, order.client_order_id, quantity=Quantity.from_str("50")
        )
        refused = await next_of(venue, _of(order, OrderUpdated, OrderModifyRejected))
        assert isinstance(refused, OrderModifyRejected) and "cannot add" in refused.reason
        assert await venue.execution.update_persistence(
            DOBBIN, order.client_order_id, TimeInForce.PERSIST
        )
        assert harness.persistence[new_bet.venue_order_id] is TimeInForce.PERSIST
        await venue.execution.cancel_order(DOBBIN, order.client_order_id)
        await next_of(venue, _of(order, OrderCanceled))
        await venue.execution.cancel_order(DOBBIN, order.client_order_id)
        again = await next_of(venue, _of(order, OrderCancelRejected))
        assert "BET_TAKEN_OR_LAPSED" in again.reason


async def test_lapsed_bet_expires() -> None:
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        order = _bet(OrderSide.SELL, "8.0", "10")
        accepted = await _placed(venue, order)
        await harness.lapse(str(accepted.venue_order_id))
        await next_of(venue, _of(order, OrderExpired))
        (report,) = await venue.execution.order_status_reports(DOBBIN, open_only=False)
        assert report.order_status.value == "LAPSED"
        cleared = await venue.execution.lapsed_and_cancelled()
        assert [row["betId"] for row in cleared] == [str(accepted.venue_order_id)]


async def test_navigation_menu_and_logout_on_close() -> None:
    async with BetfairHarness() as harness:
        async with session(harness) as venue:
            menu = await venue.instruments.navigation()
            (horse_racing,) = menu["children"]
            markets = {m["id"] for event in horse_racing["children"] for m in event["children"]}
            assert markets == {"1.180737206", "1.180737207"}
            assert len(harness.tokens) == 1
        assert not harness.tokens  # logged out when the session closed


async def test_starting_price_bets_and_dead_man_switch() -> None:
    async with BetfairHarness() as harness, session(harness, dead_man_timeout=10) as venue:
        await venue.instruments.load_all()
        moc = Order.market(
            instrument_id=DOBBIN,
            side=OrderSide.SELL,
            quantity=Quantity.from_str("5"),
            time_in_force=TimeInForce.AT_THE_CLOSE,
        )
        loc = Order.limit(
            instrument_id=DOBBIN,
            side=OrderSide.BUY,
            quantity=Quantity.from_str("5"),
            price=Price.from_str("6.0"),
            time_in_force=TimeInForce.AT_THE_CLOSE,
        )
        for order in (moc, loc):
            await _placed(venue, order)
        kinds = sorted(b["orderType"] for b in harness.bsp_bets.values())
        assert kinds == ["LIMIT_ON_CLOSE", "MARKET_ON_CLOSE"]
        assert moc.order_type is OrderType.MARKET
        await harness.wait_until(
            lambda: harness.heartbeat_timeout == 10, what="the dead-man switch armed"
        )


async def test_voided_matched_size_reversed_exactly_once_across_a_drop() -> None:
    """Betfair voids matched size (``sv`` rises, ``sm`` falls): the newest fills it covers are
    reversed once, the standing part of a partly voided fill is a new fill, and neither a
    full image after a drop nor a resume repeats them."""
    fast = {"reconnect_delay_initial": 0.05, "reconnect_delay_max": 0.2}
    async with BetfairHarness() as harness, session(harness, **fast) as venue:
        await venue.instruments.load_all()
        order = _bet(OrderSide.BUY, "4.0", "20")
        bet, fills = await _two_fills(venue, harness, order)
        await harness.void_matched(bet, D("7"))  # exactly the newest fill
        reversed_ = await next_of(venue, _of(order, OrderFillReversed))
        assert reversed_.trade_id == fills[1].trade_id
        assert reversed_.last_qty.as_decimal() == D("7") and "VOIDED" in reversed_.reason
        await harness.drop_connections("rst")
        await harness.void_matched(bet, D("2"))  # voided while away: part of the first fill
        await next_of(
            venue, lambda e: isinstance(e, Reconnected) and e.stream == "orders", timeout=20
        )
        second = await next_of(venue, _of(order, OrderFillReversed, OrderFilled))
        assert isinstance(second, OrderFillReversed) and second.trade_id == fills[0].trade_id
        standing = await next_of(venue, _of(order, OrderFilled))
        assert standing.last_qty.as_decimal() == D("3")
        assert standing.trade_id not in {f.trade_id for f in fills}
        # A new match after the voids is a new fill, not one of the voided trade ids.
        harness.exchange.fill(bet, quantity=D("4"))
        await harness.push_account_events()
        fourth = await next_of(venue, _of(order, OrderFilled))
        assert fourth.last_qty.as_decimal() == D("4")
        assert fourth.trade_id not in {f.trade_id for f in fills} | {standing.trade_id}
        tracked = venue.execution.tracker.find(order.client_order_id, None)
        assert tracked is not None and tracked.filled_qty == D("7")  # 12 - 7 - 2 + 4
        (row,) = await venue.execution.order_status_reports(DOBBIN)
        assert row.filled_qty.as_decimal() == D("7")
        await harness.drop_connections("fin")
        await next_of(
            venue, lambda e: isinstance(e, Reconnected) and e.stream == "orders", timeout=20
        )
        with anyio.move_on_after(1.0):
            extra = await next_of(venue, _of(order, OrderFillReversed, OrderFilled), timeout=1.0)
            pytest.fail(f"a void or a fill was reported twice: {extra}")


async def test_cleared_orders_paged() -> None:
    """listClearedOrders pages (fromRecord / recordCount / moreAvailable): every page read."""
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        harness.cleared_page_size = 2
        bets = []
        for _ in range(5):
            order = _bet(OrderSide.SELL, "8.0", "2")
            accepted = await _placed(venue, order)
            bets.append(str(accepted.venue_order_id))
            await venue.execution.cancel_order(DOBBIN, order.client_order_id)
            await next_of(venue, _of(order, OrderCanceled))
        cleared = await venue.execution.lapsed_and_cancelled()
        assert sorted(row["betId"] for row in cleared) == sorted(bets)
        pages = [r for r in harness.requests if b"listClearedOrders" in r.body]
        assert len(pages) >= 4  # 3 pages of CANCELLED (2 + 2 + 1), 1 of LAPSED
        assert any(b'"fromRecord": 4' in r.body or b'"fromRecord":4' in r.body for r in pages)


async def test_void_while_the_client_reconnects_is_reversed_once() -> None:
    """The execution client disconnects; Betfair voids the newest match meanwhile; after
    connect() the new order stream's full image shows ``sv``: the fill it covers is reversed
    (the order cache outlives the connection), once."""
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        order = _bet(OrderSide.BUY, "4.0", "20")
        bet, fills = await _two_fills(venue, harness, order)
        await venue.execution.disconnect()
        await harness.void_matched(bet, D("7"))
        await venue.execution.connect()
        reversal = await next_of(venue, _of(order, OrderFillReversed, OrderFilled))
        assert isinstance(reversal, OrderFillReversed)
        assert reversal.trade_id == fills[1].trade_id and reversal.last_qty.as_decimal() == D("7")
        tracked = venue.execution.tracker.find(order.client_order_id, None)
        assert tracked is not None and tracked.filled_qty == D("5")


async def test_void_reported_only_in_cleared_orders_is_reversed_once() -> None:
    """A void the order stream never carries (Betfair voids after settlement, reported in
    listClearedOrders betStatus VOIDED) is applied by the reconciliation: the fill it covers
    is reversed once; the REST fill reports then name the fills the stream gave (and the
    reversal), never a new id for the same match; a later stream image repeats nothing."""
    fast = {"reconnect_delay_initial": 0.05, "reconnect_delay_max": 0.2}
    async with BetfairHarness() as harness, session(harness, **fast) as venue:
        await venue.instruments.load_all()
        order = _bet(OrderSide.BUY, "4.0", "20")
        bet, fills = await _two_fills(venue, harness, order)
        await harness.void_matched(bet, D("9"), stream=False)  # all of the 7, 2 of the 5
        applied = await venue.execution.reconcile_voids()
        assert [(str(f.trade_id), f.settlement.value) for f in applied][:2] == [
            (str(fills[1].trade_id), "REVERSED"),
            (str(fills[0].trade_id), "REVERSED"),
        ]
        events = []
        for _ in range(3):  # two reversals, then the standing 3 of the first match
            events.append(await next_of(venue, _of(order, OrderFillReversed, OrderFilled)))
        assert [type(e).__name__ for e in events] == [
            "OrderFillReversed",
            "OrderFillReversed",
            "OrderFilled",
        ]
        assert events[2].last_qty.as_decimal() == D("3")
        tracked = venue.execution.tracker.find(order.client_order_id, None)
        assert tracked is not None and tracked.filled_qty == D("3")
        assert await venue.execution.reconcile_voids() == []  # once
        (settled,) = [
            r for r in await venue.execution.settlement_reports() if bet in map(str, r.order_ids)
        ]
        assert settled.result.value == "VOID" and settled.pnl.as_decimal() == 0
        reports = await venue.execution.fill_reports(DOBBIN)
        mine = [r for r in reports if str(r.venue_order_id) == bet]
        published = {str(f.trade_id) for f in [*fills, events[2]]}
        assert {str(r.trade_id) for r in mine} == published
        standing = [r for r in mine if r.settlement.value == "FINAL"]
        reversed_ = {str(r.trade_id) for r in mine if r.settlement.value == "REVERSED"}
        assert reversed_ == {str(f.trade_id) for f in fills}
        assert sum(r.last_qty.as_decimal() for r in standing) - sum(
            r.last_qty.as_decimal() for r in mine if r.settlement.value == "REVERSED"
        ) == D("3")
        # The stream's next image carries sv=9 now: nothing again.
        mark = len(events)
        await harness.drop_connections("fin")
        await next_of(
            venue, lambda e: isinstance(e, Reconnected) and e.stream == "orders", timeout=20
        )
        sentinel = _bet(OrderSide.BUY, "2.0", "2")
        accepted = await _placed(venue, sentinel)
        harness.exchange.fill(str(accepted.venue_order_id))
        await harness.push_account_events()
        seen = []
        while True:
            event = await next_of(venue, lambda e: True)
            seen.append(event)
            if _of(sentinel, OrderFilled)(event):
                break
        again = [e for e in seen if _of(order, OrderFillReversed, OrderFilled)(e)]
        assert not again and mark == 3, f"a void or a fill was reported twice: {again}"


async def test_rest_fill_id_of_a_voided_bet_matches_the_stream_s() -> None:
    """A client that never saw a partly voided bet: its REST fill is the net matched size,
    named by the total ever matched (sizeMatched + sizeVoided), as the stream's first look
    at the same bet names it."""
    async with BetfairHarness() as harness:
        async with session(harness) as first:
            await first.instruments.load_all()
            order = _bet(OrderSide.BUY, "4.0", "20")
            bet, fills = await _two_fills(first, harness, order)
            await harness.void_matched(bet, D("7"))
        async with session(harness) as second:
            (report,) = [
                r
                for r in await second.execution.fill_reports(DOBBIN)
                if str(r.venue_order_id) == bet
            ]
            assert report.last_qty.as_decimal() == D("5")
            assert str(report.trade_id) == f"{bet}-12" == str(fills[1].trade_id)


async def test_per_market_exposure_from_market_profit_and_loss() -> None:
    """account_state: the matched bets' worst case per market from listMarketProfitAndLoss,
    the unmatched rest as market '*', together the venue's exposure."""
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        back = _bet(OrderSide.SELL, "3.0", "10")  # matched: wins 20 if Dobbin wins, else -10
        lay = _bet(OrderSide.BUY, "4.0", "4")  # matched: -12 if Dobbin wins, else +4
        open_back = _bet(OrderSide.SELL, "8.0", "5")  # unmatched: holds back 5
        for order in (back, lay):
            accepted = await _placed(venue, order)
            harness.exchange.fill(str(accepted.venue_order_id))
            await harness.push_account_events()
            await next_of(venue, _of(order, OrderFilled))
        await _placed(venue, open_back)
        state = await venue.execution.account_state()
        by_market = {e.market_id: e.liability.as_decimal() for e in state.exposures}
        # Dobbin wins: 20 - 12 = 8; another runner wins: -10 + 4 = -6: the worst case is 6.
        assert by_market["1.180737206"] == D("6")
        # The venue's exposure: the market's matched worst case 6, plus the unmatched back 5.
        assert harness.venue_exposure() == D("11")
        assert state.total_exposure("GBP").as_decimal() == D("11")
        assert by_market["*"] == D("5")
        pnl = [r for r in harness.requests if b"listMarketProfitAndLoss" in r.body]
        assert pnl and b"1.180737206" in pnl[-1].body


async def test_place_outcome_unknown_is_resolved_by_query() -> None:
    """The venue takes the bet but its placeOrders answer is lost (a 503, not retried: a
    write): no rejection; the in-flight bet is found by its customerOrderRef in
    listCurrentOrders and accepted with the venue's bet id."""
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        order = _bet(OrderSide.SELL, "6.0", "4")
        taken = harness.exchange.submit(
            DOBBIN.symbol.value,
            OrderSide.SELL,
            OrderType.LIMIT,
            D("4"),
            price=D("6.0"),
            client_order_id=str(order.client_order_id),
        )
        assert taken.ok and taken.order is not None
        bet = taken.order.venue_order_id
        # The order stream has shown the bet before the client tracks the order: only the
        # query can accept it.
        await harness.push_account_events()
        await harness.wait_until(
            lambda: bet in venue.execution.order_cache.orders, what="the bet on the stream"
        )
        harness.fail_next_requests(1, 503, path="/exchange/betting/json-rpc/v1")
        await venue.execution.submit_order(order)
        event = await next_of(venue, _of(order, OrderAccepted, OrderRejected))
        assert isinstance(event, OrderAccepted)
        assert str(event.venue_order_id) == bet
        queries = [r for r in harness.requests if b"listCurrentOrders" in r.body]
        assert any(str(order.client_order_id).encode() in r.body for r in queries)
