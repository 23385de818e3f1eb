"""BETTING EXCHANGES (BE1-BE5): the odds ladder, back and lay, persistence, lapses and voids,
matched size exactly once.

Gated by product ``BETTING`` (and the order types the scenario places); a venue that lacks a
harness control these scenarios use (:meth:`VenueHarness.lapse`, ``void_matched``,
``turn_in_play``, ``bet_side``, ``bet_persistence``, ``venue_exposure``) skips with the reason
its harness gives. Bets are carried as orders: BACK is SELL, LAY is BUY
(:class:`tradeport.model.enums.BettingSide`); the time in force is the persistence.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from tradeport.clients.base import Reconnected
from tradeport.model.enums import BettingSide, OrderSide, OrderStatus, ProductType, TimeInForce
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderFillReversed,
    OrderModifyRejected,
    OrderRejected,
    OrderUpdated,
)
from tradeport.model.orders import Order

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import (
    EVENT_TIMEOUT,
    events_seen,
    next_matching,
    pick_instrument,
    prices_for,
)
from tradeport_conformance.suite.truth import sim_order_for

pytestmark = pytest.mark.anyio

__all__ = ["TestBetting"]

#: The persistence a resting bet is placed with, first declared wins.
_RESTING = (TimeInForce.LAPSE, TimeInForce.PERSIST, TimeInForce.GTC)


def _control(call: Callable[..., Any], *args: Any) -> Any:
    """A harness control or observation; the scenario skips when the harness cannot."""
    try:
        return call(*args)
    except NotImplementedError as exc:
        pytest.skip(str(exc))


async def _acontrol(call: Callable[..., Any], *args: Any) -> Any:
    try:
        return await call(*args)
    except NotImplementedError as exc:
        pytest.skip(str(exc))


def _resting_tif(capabilities: Any) -> TimeInForce:
    for tif in _RESTING:
        if any(o.value == "LIMIT" and t is tif for o, t in capabilities.orders):
            return tif
    pytest.skip("the venue declares no resting LIMIT persistence (LAPSE, PERSIST or GTC)")


async def _runner(venue: Any, harness: Any, capabilities: Any) -> tuple[Any, dict[str, Decimal]]:
    iid = pick_instrument(harness, capabilities, ProductType.BETTING)
    await venue.instruments.load_all()
    inst = venue.instruments.get(iid)
    # Odds of 3 where a ladder allows (the generic mid is the ladder's top: lays there risk
    # 999 times their stake).
    ladder = getattr(inst, "price_ladder", None)
    mid = Decimal(3) if ladder is not None and ladder.max_price.as_decimal() > 3 else None
    return inst, prices_for(inst, mid)


def _bet(inst: Any, side: BettingSide, price: Any, stake: Any, tif: TimeInForce) -> Order:
    return Order.limit(
        instrument_id=inst.id,
        side=side.order_side,
        quantity=inst.make_qty(stake),
        price=inst.make_price(price),
        time_in_force=tif,
    )


def _of(order: Order, *kinds: type) -> Callable[[Any], bool]:
    return lambda e: (
        isinstance(e, kinds) and getattr(e, "client_order_id", None) == order.client_order_id
    )


async def _outcome(venue: Any, order: Order, *kinds: type) -> Any:
    return await next_matching(
        venue,
        _of(order, *kinds),
        what=f"{'/'.join(k.__name__ for k in kinds)} for {order.client_order_id}",
    )


async def _placed(
    venue: Any, harness: Any, order: Order, *, on_book: bool = True
) -> tuple[Any, Any]:
    """Submit; the OrderAccepted and the venue's order (None for a bet off the exchange's
    book: a starting-price bet, ``on_book=False``)."""
    await venue.execution.submit_order(order)
    event = await _outcome(venue, order, OrderAccepted, OrderRejected)
    assert isinstance(event, OrderAccepted), f"bet refused: {event.reason}"
    sim = sim_order_for(harness, order, event.venue_order_id)
    if on_book:
        assert sim is not None, f"the venue has no bet {order.client_order_id}"
    return event, sim


def _off_ladder_price(ladder: Any, on: Any, inst: Any) -> Decimal | None:
    """A price at the instrument's precision just above ``on`` that is not on the ladder (None
    where every price at that precision is: Betfair's 1.01-2 band)."""
    unit = inst.price_increment.as_decimal()
    candidate = on.as_decimal() + unit
    price = inst.make_price(candidate)
    if candidate < ladder.max_price.as_decimal() and not ladder.is_valid(price):
        return candidate
    return None


@pytest.mark.anyio
class TestBetting:
    @scenario("BE1")
    @requires("product:BETTING", "capability:private_streams")
    async def test_price_ladder(self, harness, open_session, venue_spec, venue_capabilities):
        """In every band of the ladder a price on it is sent and rests at the venue at exactly
        that price; a price off it (and one beyond the ladder's end) is refused before any
        request leaves, naming the nearest valid prices; a modify to a price off the ladder
        too."""
        tif = _resting_tif(venue_capabilities)
        async with open_session("valid") as venue:
            inst, p = await _runner(venue, harness, venue_capabilities)
            ladder = getattr(inst, "price_ladder", None)
            if ladder is None:
                pytest.skip(f"{inst.id} has no price ladder (a uniform price increment)")
            valid, invalid = [], []
            for band in ladder.bands:
                on = ladder.next_up(band.start) if band.start != ladder.max_price else band.start
                valid.append(on.as_decimal())
                off = _off_ladder_price(ladder, on, inst)
                if off is not None:
                    invalid.append(off)
            assert invalid, (
                "the ladder has no band with prices off it at the instrument's precision"
            )
            beyond = ladder.max_price.as_decimal() + ladder.bands[-1].increment.as_decimal()
            # LAY (BUY) bets rest at any price on a book nobody offers into.
            await _acontrol(harness.set_book, inst.id, [], [])
            for price in valid:
                order = _bet(inst, BettingSide.LAY, price, p["size"], tif)
                _, sim = await _placed(venue, harness, order)
                assert sim.price == price, f"bet at {price} rests at {sim.price} at the venue"
            for price in [*invalid, beyond]:
                order = _bet(inst, BettingSide.LAY, price, p["size"], tif)
                before = len(harness.requests)
                await venue.execution.submit_order(order)
                event = await _outcome(venue, order, OrderAccepted, OrderRejected)
                assert isinstance(event, OrderRejected), f"off-ladder price {price} was accepted"
                assert len(harness.requests) == before, f"a request left for the price {price}"
                assert sim_order_for(harness, order) is None
                if price < ladder.max_price.as_decimal():
                    below = ladder.round(inst.make_price(price), OrderSide.BUY)
                    above = ladder.round(inst.make_price(price), OrderSide.SELL)
                    assert str(below) in event.reason and str(above) in event.reason, (
                        f"the refusal of {price} does not name {below} and {above}: "
                        f"{event.reason!r}"
                    )
            if venue_capabilities.modify_order:
                order = _bet(inst, BettingSide.LAY, valid[1], p["size"], tif)
                accepted, sim = await _placed(venue, harness, order)
                before = len(harness.requests)
                await venue.execution.modify_order(
                    inst.id,
                    order.client_order_id,
                    accepted.venue_order_id,
                    price=inst.make_price(invalid[0]),
                )
                event = await _outcome(venue, order, OrderUpdated, OrderModifyRejected)
                assert isinstance(event, OrderModifyRejected), "a modify off the ladder was sent"
                assert len(harness.requests) == before
                assert sim_order_for(harness, order).price == valid[1]

    @scenario("BE2")
    @requires("product:BETTING", "capability:private_streams")
    async def test_back_and_lay_exposure(
        self, harness, open_session, venue_spec, venue_capabilities
    ):
        """A back reaches the venue as BACK and a lay as LAY; each matched bet moves the
        account's exposure, and the client reports the venue's (a lone back's is its stake);
        the fills carry the order's side."""
        tif = _resting_tif(venue_capabilities)
        async with open_session("valid") as venue:
            inst, p = await _runner(venue, harness, venue_capabilities)
            currency = inst.quote_currency
            start = await venue.execution.account_state()
            assert start.total_exposure(currency).as_decimal() == _control(harness.venue_exposure)
            back = _bet(inst, BettingSide.BACK, p["ask"], p["size"], tif)
            lay = _bet(inst, BettingSide.LAY, p["bid"], p["size"], tif)
            expected = start.total_exposure(currency).as_decimal()
            for order, side in ((back, BettingSide.BACK), (lay, BettingSide.LAY)):
                accepted, sim = await _placed(venue, harness, order)
                assert _control(harness.bet_side, str(accepted.venue_order_id)) is side
                assert sim.side is side.order_side
                harness.exchange.fill(sim.venue_order_id)
                await harness.push_account_events()
                fill = await _outcome(venue, order, OrderFilled)
                assert fill.order_side is side.order_side
                assert fill.last_qty.as_decimal() == sim.quantity
                venue_exposure = harness.venue_exposure()
                state = await venue.execution.account_state()
                assert state.total_exposure(currency).as_decimal() == venue_exposure, (
                    f"after the {side.value}: client exposure {state.total_exposure(currency)}, "
                    f"venue {venue_exposure}"
                )
                balance = state.balance(currency)
                assert balance is not None and balance.locked.as_decimal() >= venue_exposure
                if side is BettingSide.BACK:
                    # Alone on its market, a matched back can lose exactly its stake.
                    lone = inst.liability(OrderSide.SELL, fill.last_px, fill.last_qty)
                    assert venue_exposure - expected == lone.as_decimal(), (
                        f"a lone back of {fill.last_qty} moved the exposure by "
                        f"{venue_exposure - expected}, not its stake"
                    )
                assert venue_exposure != expected, f"the matched {side.value} moved nothing"
                expected = venue_exposure

    @scenario("BE3")
    @requires(
        "product:BETTING",
        "order:LIMIT/LAPSE",
        "order:LIMIT/PERSIST",
        "order:LIMIT/AT_THE_CLOSE",
        "capability:private_streams",
    )
    async def test_persistence_round_trips_and_is_honoured(
        self, harness, open_session, venue_spec, venue_capabilities
    ):
        """Each persistence (LAPSE, PERSIST, AT_THE_CLOSE: the starting price) reaches the
        venue and comes back in the status report; at the in-play turn the LAPSE bet lapses
        (OrderExpired, LAPSED), the PERSIST bet keeps working (it still matches), and the
        AT_THE_CLOSE back is matched at the starting price (a fill, never a lapse or a
        cancel)."""
        async with open_session("valid") as venue:
            inst, p = await _runner(venue, harness, venue_capabilities)
            ladder = getattr(inst, "price_ladder", None)
            # A starting-price back limited at the lowest odds takes any starting price.
            floor = ladder.min_price.as_decimal() if ladder is not None else p["far_bid"]
            bets = {}
            for tif, side, price in (
                (TimeInForce.LAPSE, BettingSide.LAY, p["bid"]),
                (TimeInForce.PERSIST, BettingSide.LAY, p["bid"]),
                (TimeInForce.AT_THE_CLOSE, BettingSide.BACK, floor),
            ):
                order = _bet(inst, side, price, p["size"], tif)
                accepted, _ = await _placed(
                    venue, harness, order, on_book=tif is not TimeInForce.AT_THE_CLOSE
                )
                bet = str(accepted.venue_order_id)
                assert _control(harness.bet_persistence, bet) is tif
                report = await venue.execution.order_status_report(
                    inst.id, order.client_order_id, accepted.venue_order_id
                )
                assert report is not None and report.time_in_force is tif, (
                    f"placed with {tif.value}, reported {getattr(report, 'time_in_force', None)}"
                )
                assert report.order_status.is_open
                bets[tif] = (order, accepted)
            await _acontrol(harness.turn_in_play, inst.id)
            ends = (OrderExpired, OrderCanceled, OrderFilled)
            lapse_order, lapse_acc = bets[TimeInForce.LAPSE]
            ended = await _outcome(venue, lapse_order, *ends)
            assert isinstance(ended, OrderExpired), f"a lapsed bet was reported as {ended!r}"
            sp_order, sp_acc = bets[TimeInForce.AT_THE_CLOSE]
            sp_fill = await _outcome(venue, sp_order, *ends)
            assert isinstance(sp_fill, OrderFilled), (
                f"the starting-price bet was reported as {sp_fill!r} at the off"
            )
            assert sp_fill.last_qty.as_decimal() == p["size"]  # a back's liability is its stake
            # The PERSIST bet still works in play: it matches. Its fill comes after anything
            # the turn made the venue say about it.
            persist_order, persist_acc = bets[TimeInForce.PERSIST]
            sim = sim_order_for(harness, persist_order, persist_acc.venue_order_id)
            harness.exchange.fill(sim.venue_order_id)
            await harness.push_account_events()
            await _outcome(venue, persist_order, OrderFilled)
            wrong = [
                e for e in events_seen(venue) if _of(persist_order, OrderExpired, OrderCanceled)(e)
            ]
            assert not wrong, f"the PERSIST bet was ended at the in-play turn: {wrong}"
            report = await venue.execution.order_status_report(
                inst.id, lapse_order.client_order_id, lapse_acc.venue_order_id
            )
            assert report is not None and report.order_status is OrderStatus.LAPSED
            report = await venue.execution.order_status_report(
                inst.id, sp_order.client_order_id, sp_acc.venue_order_id
            )
            assert report is not None and report.order_status is OrderStatus.FILLED
            assert report.time_in_force is TimeInForce.AT_THE_CLOSE

    @scenario("BE4")
    @requires("product:BETTING", "order:LIMIT/LAPSE", "capability:private_streams")
    async def test_lapsed_and_voided(self, harness, open_session, venue_spec, venue_capabilities):
        """A lapsed bet is OrderExpired with status LAPSED (never OrderCanceled); voided
        matched size is OrderFillReversed of the fill it covers with the venue's reason (never
        a cancel or a negative fill), and the bet's matched size is the venue's after it."""
        async with open_session("valid") as venue:
            inst, p = await _runner(venue, harness, venue_capabilities)
            lapsing = _bet(inst, BettingSide.LAY, p["bid"], p["size"], TimeInForce.LAPSE)
            accepted, sim = await _placed(venue, harness, lapsing)
            await _acontrol(harness.lapse, str(accepted.venue_order_id))
            ended = await _outcome(venue, lapsing, OrderExpired, OrderCanceled, OrderFilled)
            assert isinstance(ended, OrderExpired), f"a lapsed bet was reported as {ended!r}"
            report = await venue.execution.order_status_report(
                inst.id, lapsing.client_order_id, accepted.venue_order_id
            )
            assert report is not None and report.order_status is OrderStatus.LAPSED

            voided = _bet(inst, BettingSide.LAY, p["bid"], p["size"], TimeInForce.LAPSE)
            accepted, sim = await _placed(venue, harness, voided)
            half = (sim.quantity / 2).quantize(p["step"])
            quarter = (sim.quantity / 4).quantize(p["step"])
            fills = []
            for size in (half, quarter):
                harness.exchange.fill(sim.venue_order_id, quantity=size)
                await harness.push_account_events()
                fills.append(await _outcome(venue, voided, OrderFilled))
            await _acontrol(harness.void_matched, str(accepted.venue_order_id), quarter)
            seen: list[Any] = []
            reversal = await next_matching(
                venue,
                _of(voided, OrderFillReversed),
                what=f"OrderFillReversed for {voided.client_order_id}",
                seen=seen,
            )
            assert reversal.trade_id == fills[1].trade_id, "the void did not reverse its fill"
            assert reversal.last_qty.as_decimal() == quarter and reversal.reason
            wrong = [e for e in seen if _of(voided, OrderCanceled, OrderExpired, OrderFilled)(e)]
            assert not wrong, f"a void was reported as {wrong}"
            report = await venue.execution.order_status_report(
                inst.id, voided.client_order_id, accepted.venue_order_id
            )
            assert report is not None and report.filled_qty.as_decimal() == half
            assert report.order_status.is_open

    @scenario("BE5")
    @requires("product:BETTING", "capability:private_streams")
    async def test_matched_size_exactly_once(
        self, harness, open_session, venue_spec, venue_capabilities
    ):
        """A bet matched in part at placement (the placement answer and the stream both say
        so), then on the stream, then while the stream is down, then after: each match is one
        fill; the REST fill reports name only fills the stream gave; a full re-image after a
        FIN repeats none."""
        tif = _resting_tif(venue_capabilities)
        async with open_session("valid", reconnect_delay_initial=0.05) as venue:
            inst, p = await _runner(venue, harness, venue_capabilities)
            price = inst.make_price(p["mid"])
            stake = p["size"]
            at_once = (stake / 5).quantize(p["step"])
            # A layer's offer at the price: a back there matches that much when placed.
            await harness.set_book(inst.id, bids=[(price.as_decimal(), at_once)], asks=[])
            order = _bet(inst, BettingSide.BACK, price.as_decimal(), stake, tif)
            _, sim = await _placed(venue, harness, order)
            assert sim.filled_qty == at_once, f"the venue matched {sim.filled_qty} at placement"
            first = await _outcome(venue, order, OrderFilled)
            assert first.last_qty.as_decimal() == at_once
            rest = stake - at_once
            steps = [(rest / 4).quantize(p["step"]), (rest / 4).quantize(p["step"])]
            steps.append(rest - sum(steps))
            harness.exchange.fill(sim.venue_order_id, quantity=steps[0])
            await harness.push_account_events()
            fills = [first, await _outcome(venue, order, OrderFilled)]
            await harness.drop_connections("rst")
            harness.exchange.fill(sim.venue_order_id, quantity=steps[1])  # while away
            await harness.push_account_events()
            fills.append(await _outcome(venue, order, OrderFilled))
            harness.exchange.fill(sim.venue_order_id, quantity=steps[2])
            await harness.push_account_events()
            fills.append(await _outcome(venue, order, OrderFilled))
            sizes = [f.last_qty.as_decimal() for f in fills]
            assert sizes == [at_once, *steps], f"matched sizes reported as {sizes}"
            assert len({str(f.trade_id) for f in fills}) == len(fills)
            reports = await venue.execution.fill_reports(inst.id)
            published = {str(f.trade_id) for f in fills}
            mine = [r for r in reports if str(r.venue_order_id) == str(fills[0].venue_order_id)]
            assert mine, "the REST fill reports miss the bet"
            unknown = [str(r.trade_id) for r in mine if str(r.trade_id) not in published]
            assert not unknown, f"REST names fills the stream never gave: {unknown}"
            # A FIN and a full re-image: nothing again. A second bet's match, delivered after
            # the re-image on the same stream, is the signal that it has been read.
            await harness.drop_connections("fin")
            await next_matching(venue, lambda e: isinstance(e, Reconnected), what="Reconnected")
            sentinel = _bet(inst, BettingSide.LAY, p["bid"], p["size"], tif)
            _, sentinel_sim = await _placed(venue, harness, sentinel)
            harness.exchange.fill(sentinel_sim.venue_order_id)
            await harness.push_account_events()
            await next_matching(
                venue, _of(sentinel, OrderFilled), timeout=EVENT_TIMEOUT * 2, what="sentinel fill"
            )
            again = [e for e in events_seen(venue) if _of(order, OrderFilled)(e)]
            assert len(again) == len(fills), f"a match was reported twice: {again}"
