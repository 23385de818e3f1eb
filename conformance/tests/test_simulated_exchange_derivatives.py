"""SimulatedExchange on derivatives: positions and netting, margin, reduce-only, hedge mode,
inverse contracts, and conditional orders (stops, if-touched, trailing)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tradeport.model.enums import (
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    ProductType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from tradeport_conformance.simulated import (
    CancelCause,
    ImmediateTrigger,
    OrderAmended,
    OrderCanceled,
    OrderFilled,
    OrderTriggered,
    PositionChanged,
    ReduceOnlyExcess,
    RejectReason,
    SimEvent,
    SimInstrument,
    SimulatedExchange,
)

D = Decimal
T0 = 1_700_000_000_000_000_000
PERP = "BTCUSDT"
BUY, SELL = OrderSide.BUY, OrderSide.SELL
LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET
LONG, SHORT, FLAT = PositionSide.LONG, PositionSide.SHORT, PositionSide.FLAT


def make_perp(**options: object) -> SimulatedExchange:
    """A linear USDT perpetual (10 % initial margin) quoted 99.9 / 100, with 10 000 USDT."""
    sim = SimulatedExchange(seed=3, start_time_ns=T0, **options)  # type: ignore[arg-type]
    sim.add_instrument(
        SimInstrument(
            symbol=PERP,
            product_type=ProductType.PERPETUAL,
            base_asset="BTC",
            quote_asset="USDT",
            tick_size=D("0.1"),
            lot_size=D("0.001"),
            maker_fee=D("0.0002"),
            taker_fee=D("0.0005"),
            initial_margin_rate=D("0.1"),
        )
    )
    sim.set_balance("USDT", D("10000"))
    quote(sim, D("99.9"), D("100"))
    return sim


def quote(sim: SimulatedExchange, bid: Decimal, ask: Decimal, symbol: str = PERP) -> None:
    """Replace the book with one deep level per side."""
    sim.set_book(symbol, bids=[(bid, D("1000"))], asks=[(ask, D("1000"))])


@pytest.fixture
def sim() -> SimulatedExchange:
    return make_perp()


def filled_events(events: tuple[SimEvent, ...]) -> list[OrderFilled]:
    return [event for event in events if isinstance(event, OrderFilled)]


# -- positions and netting ----------------------------------------------------------------------


def test_long_then_flat_realizes_pnl_and_releases_margin(sim: SimulatedExchange) -> None:
    opened = sim.submit(PERP, BUY, MARKET, D("2"))
    (fill,) = opened.fills
    assert (fill.price, fill.commission, fill.commission_asset) == (D("100"), D("0.1"), "USDT")
    assert fill.realized_pnl == 0
    position = sim.position(PERP)
    assert (position.side, position.quantity, position.avg_entry_price) == (LONG, D("2"), D("100"))
    assert position.margin == D("20")
    (changed,) = [e for e in opened.events if isinstance(e, PositionChanged)]
    assert changed.position == position
    assert sim.balance("USDT").locked == D("20")
    assert sim.balance("USDT").total == D("9999.9")

    quote(sim, D("110"), D("110.1"))
    assert sim.position(PERP).unrealized_pnl == 0  # no mark or last price yet
    sim.set_mark_price(PERP, D("110"))
    assert sim.position(PERP).unrealized_pnl == D("20")
    closed = sim.submit(PERP, SELL, MARKET, D("2"))
    (exit_fill,) = closed.fills
    assert exit_fill.realized_pnl == D("20")
    position = sim.position(PERP)
    assert (position.side, position.quantity, position.realized_pnl) == (FLAT, 0, D("20"))
    assert sim.balance("USDT").total == D("9999.9") + D("20") - D("0.11")
    assert sim.balance("USDT").locked == 0
    assert sim.positions() == []
    assert [p.side for p in sim.positions(include_flat=True)] == [FLAT]


def test_short_position_partly_covered(sim: SimulatedExchange) -> None:
    sim.submit(PERP, SELL, MARKET, D("2"))
    assert sim.position(PERP).signed_quantity == D("-2")
    quote(sim, D("94.9"), D("95"))
    covered = sim.submit(PERP, BUY, MARKET, D("1"))
    assert covered.fills[0].realized_pnl == D("4.9")
    position = sim.position(PERP)
    assert (position.side, position.quantity, position.avg_entry_price) == (
        SHORT,
        D("1"),
        D("99.9"),
    )
    assert position.margin == D("9.99")


def test_adding_averages_the_entry_and_an_oversized_fill_flips(sim: SimulatedExchange) -> None:
    sim.submit(PERP, BUY, MARKET, D("1"))
    quote(sim, D("109.9"), D("110"))
    sim.submit(PERP, BUY, MARKET, D("1"))
    assert sim.position(PERP).avg_entry_price == D("105")
    quote(sim, D("120"), D("120.1"))
    flipped = sim.submit(PERP, SELL, MARKET, D("3"))
    assert flipped.fills[0].realized_pnl == D("30")
    position = sim.position(PERP)
    assert (position.side, position.quantity, position.avg_entry_price) == (SHORT, D("1"), D("120"))
    assert position.realized_pnl == D("30")


def test_inverse_contracts_settle_in_the_base_asset() -> None:
    sim = SimulatedExchange(seed=3, start_time_ns=T0)
    sim.add_instrument(
        SimInstrument(
            symbol="XBTUSD",
            product_type=ProductType.PERPETUAL,
            base_asset="XBT",
            quote_asset="USD",
            tick_size=D("0.5"),
            lot_size=D("1"),
            taker_fee=D("0.0005"),
            is_inverse=True,
        )
    )
    sim.set_balance("XBT", D("1"))
    quote(sim, D("9999.5"), D("10000"), "XBTUSD")
    opened = sim.submit("XBTUSD", BUY, MARKET, D("100"))
    assert opened.fills[0].commission == D("0.000005")  # 100 USD / 10 000 * 0.05 %
    assert opened.fills[0].commission_asset == "XBT"
    quote(sim, D("11999.5"), D("12000"), "XBTUSD")
    sim.submit("XBTUSD", BUY, MARKET, D("100"))
    # The average entry of inverse contracts is harmonic: 200 / (100/10000 + 100/12000).
    entry = sim.position("XBTUSD").avg_entry_price
    assert abs(entry - D("10909.0909090909")) < D("1e-9")
    quote(sim, D("11000"), D("11000.5"), "XBTUSD")
    closed = sim.submit("XBTUSD", SELL, MARKET, D("200"))
    realized = closed.fills[0].realized_pnl
    assert realized is not None
    assert abs(realized - (D("200") / D("11000") * (D("11000") / entry - 1))) < D("1e-11")
    assert sim.position("XBTUSD").side is FLAT
    assert sim.balance("XBT").locked == 0


def test_seeded_position_is_reported_and_locks_margin(sim: SimulatedExchange) -> None:
    sim.seed_position(PERP, SHORT, D("3"), D("90"))
    (position,) = sim.positions()
    assert (position.side, position.quantity, position.avg_entry_price) == (SHORT, D("3"), D("90"))
    assert sim.balance("USDT").locked == D("27")
    sim.set_last_price(PERP, D("100"))
    assert sim.position(PERP).unrealized_pnl == D("-30")
    sim.seed_position(PERP, FLAT, D("0"), D("0"))
    assert sim.balance("USDT").locked == 0


# -- margin ---------------------------------------------------------------------------------------


def test_orders_lock_initial_margin_plus_fee(sim: SimulatedExchange) -> None:
    assert sim.submit(PERP, BUY, LIMIT, D("900"), price=D("90")).ok
    # 900 * 90 * (10 % + 0.05 % taker fee)
    assert sim.balance("USDT").locked == D("8140.5")
    refused = sim.submit(PERP, BUY, LIMIT, D("250"), price=D("90"))  # 2261.25 > 1859.5 free
    assert refused.reason is RejectReason.INSUFFICIENT_BALANCE
    market = sim.submit(PERP, SELL, MARKET, D("500"))
    assert market.reason is RejectReason.INSUFFICIENT_BALANCE


def test_orders_that_reduce_the_position_need_no_margin(sim: SimulatedExchange) -> None:
    sim.submit(PERP, BUY, MARKET, D("2"))
    position_margin = sim.balance("USDT").locked
    sim.submit(PERP, SELL, LIMIT, D("2"), price=D("200"))
    assert sim.balance("USDT").locked == position_margin
    # Only the part beyond the position opens exposure and locks margin.
    sim.submit(PERP, SELL, LIMIT, D("3"), price=D("200"))
    assert sim.balance("USDT").locked == position_margin + D("1") * D("200") * D("0.1005")


# -- reduce-only ----------------------------------------------------------------------------------


def test_reduce_only_without_a_position_is_rejected(sim: SimulatedExchange) -> None:
    result = sim.submit(PERP, SELL, MARKET, D("1"), reduce_only=True)
    assert result.reason is RejectReason.REDUCE_ONLY_VIOLATION


def test_reduce_only_in_the_direction_of_the_position_is_rejected(sim: SimulatedExchange) -> None:
    sim.submit(PERP, BUY, MARKET, D("1"))
    result = sim.submit(PERP, BUY, LIMIT, D("1"), price=D("90"), reduce_only=True)
    assert result.reason is RejectReason.REDUCE_ONLY_VIOLATION


def test_reduce_only_larger_than_the_position_is_rejected_or_clamped() -> None:
    strict = make_perp()
    strict.submit(PERP, BUY, MARKET, D("1"))
    too_big = strict.submit(PERP, SELL, MARKET, D("2"), reduce_only=True)
    assert too_big.reason is RejectReason.REDUCE_ONLY_VIOLATION

    lenient = make_perp(reduce_only_excess=ReduceOnlyExcess.CLAMP)
    lenient.submit(PERP, BUY, MARKET, D("1"))
    clamped = lenient.submit(PERP, SELL, MARKET, D("2"), reduce_only=True)
    assert clamped.order is not None
    assert (clamped.order.quantity, clamped.order.status) == (D("1"), OrderStatus.FILLED)
    assert lenient.position(PERP).side is FLAT


def test_reduce_only_order_is_canceled_when_the_position_closes(sim: SimulatedExchange) -> None:
    sim.submit(PERP, BUY, MARKET, D("1"))
    resting = sim.submit(PERP, SELL, LIMIT, D("1"), price=D("150"), reduce_only=True)
    assert resting.ok
    assert resting.order is not None
    closing = sim.submit(PERP, SELL, MARKET, D("1"))
    canceled = sim.order(resting.order.venue_order_id)
    assert canceled is not None
    assert (canceled.status, canceled.cancel_cause) == (
        OrderStatus.CANCELED,
        CancelCause.REDUCE_ONLY,
    )
    # The cancel is part of the call that closed the position.
    assert any(
        isinstance(e, OrderCanceled) and e.order.venue_order_id == resting.order.venue_order_id
        for e in closing.events
    )


def test_reduce_only_fill_is_capped_at_the_position(sim: SimulatedExchange) -> None:
    sim.submit(PERP, BUY, MARKET, D("2"))
    resting = sim.submit(PERP, SELL, LIMIT, D("2"), price=D("150"), reduce_only=True)
    assert resting.order is not None
    quote(sim, D("99.9"), D("100"))
    sim.submit(PERP, SELL, MARKET, D("1.5"))  # the position shrinks to 0.5 meanwhile
    filled = sim.fill(resting.order.venue_order_id)
    assert [f.quantity for f in filled.fills] == [D("0.5")]
    assert filled.order is not None
    assert (filled.order.status, filled.order.cancel_cause) == (
        OrderStatus.CANCELED,
        CancelCause.REDUCE_ONLY,
    )
    assert sim.position(PERP).side is FLAT


# -- hedge mode -----------------------------------------------------------------------------------


def test_hedge_mode_keeps_long_and_short_legs_apart() -> None:
    sim = make_perp(position_mode=OmsType.HEDGING)
    assert sim.submit(PERP, BUY, MARKET, D("1")).reason is RejectReason.INVALID_POSITION_SIDE
    assert sim.submit(PERP, BUY, MARKET, D("2"), position_side=LONG).ok
    assert sim.submit(PERP, SELL, MARKET, D("1"), position_side=SHORT).ok
    legs = {p.position_side: (p.side, p.quantity) for p in sim.positions()}
    assert legs == {LONG: (LONG, D("2")), SHORT: (SHORT, D("1"))}
    # Selling the LONG leg closes it; it can never turn the leg short.
    too_much = sim.submit(PERP, SELL, MARKET, D("3"), position_side=LONG)
    assert too_much.reason is RejectReason.REDUCE_ONLY_VIOLATION
    quote(sim, D("110"), D("110.1"))
    closed = sim.submit(PERP, SELL, MARKET, D("2"), position_side=LONG)
    assert closed.fills[0].realized_pnl == D("20")
    assert closed.fills[0].position_side is LONG
    assert sim.position(PERP, LONG).side is FLAT
    assert sim.position(PERP, SHORT).quantity == D("1")


# -- conditional orders ---------------------------------------------------------------------------


def test_stop_market_triggers_on_its_trigger_price_type_then_fills(sim: SimulatedExchange) -> None:
    placed = sim.submit(
        PERP,
        SELL,
        OrderType.STOP_MARKET,
        D("1"),
        trigger_price=D("95"),
        trigger_type=TriggerType.MARK_PRICE,
    )
    assert placed.order is not None
    assert placed.order.status is OrderStatus.ACCEPTED
    assert sim.set_last_price(PERP, D("90")) == ()  # last price is not the mark price
    events = sim.set_mark_price(PERP, D("95"))
    kinds = [type(e) for e in events]
    assert kinds.index(OrderTriggered) < kinds.index(OrderFilled)
    triggered = next(e for e in events if isinstance(e, OrderTriggered))
    assert triggered.order.status is OrderStatus.TRIGGERED
    (filled,) = filled_events(events)
    assert (filled.fill.price, filled.fill.liquidity_side) == (D("99.9"), LiquiditySide.TAKER)
    assert filled.order.status is OrderStatus.FILLED
    assert filled.order.ts_triggered == T0


def test_stop_limit_triggers_and_rests_at_its_limit(sim: SimulatedExchange) -> None:
    quote(sim, D("106.5"), D("107"))
    placed = sim.submit(
        PERP, BUY, OrderType.STOP_LIMIT, D("1"), price=D("106"), trigger_price=D("105")
    )
    assert placed.order is not None
    assert sim.set_last_price(PERP, D("104.9")) == ()
    events = sim.set_last_price(PERP, D("105"))
    assert [type(e) for e in events] == [OrderTriggered]
    working = sim.order(placed.order.venue_order_id)
    assert working is not None
    assert working.status is OrderStatus.TRIGGERED
    filled = sim.fill(placed.order.venue_order_id)
    assert filled.order is not None
    assert filled.order.status is OrderStatus.FILLED
    assert filled.fills[0].price == D("106")


def test_if_touched_orders_trigger_when_the_price_comes_to_them(sim: SimulatedExchange) -> None:
    placed = sim.submit(PERP, BUY, OrderType.MARKET_IF_TOUCHED, D("1"), trigger_price=D("95"))
    assert placed.order is not None
    assert sim.set_last_price(PERP, D("96")) == ()
    events = sim.set_last_price(PERP, D("94.5"))
    (filled,) = filled_events(events)
    assert filled.order.status is OrderStatus.FILLED


def test_stop_that_would_trigger_at_once_is_rejected_or_triggered() -> None:
    strict = make_perp(immediate_trigger=ImmediateTrigger.REJECT)
    strict.set_last_price(PERP, D("100"))
    refused = strict.submit(PERP, BUY, OrderType.STOP_MARKET, D("1"), trigger_price=D("99"))
    assert refused.reason is RejectReason.WOULD_TRIGGER_IMMEDIATELY

    eager = make_perp()
    eager.set_last_price(PERP, D("100"))
    result = eager.submit(PERP, BUY, OrderType.STOP_MARKET, D("1"), trigger_price=D("99"))
    assert result.order is not None
    assert result.order.status is OrderStatus.FILLED
    assert any(isinstance(e, OrderTriggered) for e in result.events)


def test_trailing_stop_follows_the_price_then_triggers(sim: SimulatedExchange) -> None:
    sim.set_last_price(PERP, D("100"))
    placed = sim.submit(PERP, SELL, OrderType.TRAILING_STOP_MARKET, D("1"), trailing_offset=D("5"))
    assert placed.order is not None
    assert placed.order.trigger_price == D("95")
    order_id = placed.order.venue_order_id
    sim.set_last_price(PERP, D("110"))
    trailing = sim.order(order_id)
    assert trailing is not None
    assert trailing.trigger_price == D("105")
    assert sim.set_last_price(PERP, D("106")) == ()  # falling does not move it back
    trailing = sim.order(order_id)
    assert trailing is not None
    assert trailing.trigger_price == D("105")
    events = sim.set_last_price(PERP, D("105"))
    assert filled_events(events)[0].order.status is OrderStatus.FILLED


def test_trailing_stop_in_basis_points_with_activation_price(sim: SimulatedExchange) -> None:
    placed = sim.submit(
        PERP,
        SELL,
        OrderType.TRAILING_STOP_MARKET,
        D("1"),
        trailing_offset=D("100"),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        activation_price=D("200"),
    )
    assert placed.ok
    assert placed.order is not None
    assert placed.order.trigger_price is None
    sim.set_last_price(PERP, D("150"))  # below the activation price: not trailing yet
    waiting = sim.order(placed.order.venue_order_id)
    assert waiting is not None
    assert waiting.trigger_price is None
    sim.set_last_price(PERP, D("200"))
    active = sim.order(placed.order.venue_order_id)
    assert active is not None
    assert active.trigger_price == D("198")


def test_trailing_stop_needs_a_reference_or_activation_price(sim: SimulatedExchange) -> None:
    result = sim.submit(PERP, SELL, OrderType.TRAILING_STOP_MARKET, D("1"), trailing_offset=D("5"))
    assert result.reason is RejectReason.INVALID_TRIGGER_PRICE


def amended_events(events: tuple[SimEvent, ...]) -> list[OrderAmended]:
    return [event for event in events if isinstance(event, OrderAmended)]


def test_every_trailing_trigger_move_is_an_amended_event(sim: SimulatedExchange) -> None:
    sim.set_last_price(PERP, D("100"))
    placed = sim.submit(PERP, SELL, OrderType.TRAILING_STOP_MARKET, D("1"), trailing_offset=D("5"))
    assert placed.order is not None
    # Arming at submission is part of the acceptance, not a move.
    assert amended_events(placed.events) == []
    sim.advance_time(T0 + 7)
    (moved,) = amended_events(sim.set_last_price(PERP, D("110")))
    assert moved.order.venue_order_id == placed.order.venue_order_id
    assert (moved.previous.trigger_price, moved.order.trigger_price) == (D("95"), D("105"))
    assert (moved.previous.ts_updated, moved.order.ts_updated, moved.ts) == (T0, T0 + 7, T0 + 7)
    assert moved.order.status is OrderStatus.ACCEPTED
    # Toward the trigger, or back up to the high already seen: no move, no event.
    assert sim.set_last_price(PERP, D("107")) == ()
    assert sim.set_last_price(PERP, D("110")) == ()
    (again,) = amended_events(sim.set_last_price(PERP, D("112")))
    assert (again.previous.trigger_price, again.order.trigger_price) == (D("105"), D("107"))
    assert again.seq > moved.seq


def test_trailing_activation_is_an_amended_event_from_no_trigger(sim: SimulatedExchange) -> None:
    placed = sim.submit(
        PERP,
        BUY,
        OrderType.TRAILING_STOP_MARKET,
        D("1"),
        trailing_offset=D("100"),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        activation_price=D("90"),
    )
    assert placed.order is not None and placed.order.trigger_price is None
    assert sim.set_last_price(PERP, D("95")) == ()  # above the activation price: waiting
    (activated,) = amended_events(sim.set_last_price(PERP, D("90")))
    assert (activated.previous.trigger_price, activated.order.trigger_price) == (None, D("90.9"))


def test_trailing_stop_limit_with_a_fixed_price_trails_then_works_at_it(
    sim: SimulatedExchange,
) -> None:
    sim.set_last_price(PERP, D("100"))
    placed = sim.submit(
        PERP,
        SELL,
        OrderType.TRAILING_STOP_LIMIT,
        D("1"),
        price=D("103"),
        trailing_offset=D("5"),
    )
    assert placed.ok and placed.order is not None
    assert (placed.order.trigger_price, placed.order.price) == (D("95"), D("103"))
    (moved,) = amended_events(sim.set_last_price(PERP, D("110")))
    assert (moved.order.trigger_price, moved.order.price) == (D("105"), D("103"))
    quote(sim, D("104"), D("104.5"))
    events = sim.set_last_price(PERP, D("105"))
    (triggered,) = [e for e in events if isinstance(e, OrderTriggered)]
    assert triggered.order.price == D("103")
    (filled,) = filled_events(events)
    # A limit sell at 103 takes the 104 bid (it is no market order: it would stop at 103).
    assert (filled.fill.price, filled.order.status) == (D("104"), OrderStatus.FILLED)
    assert filled.fill.liquidity_side is LiquiditySide.TAKER


def test_trailing_stop_limit_with_a_limit_offset_prices_itself_from_the_trigger(
    sim: SimulatedExchange,
) -> None:
    sim.set_last_price(PERP, D("100"))
    placed = sim.submit(
        PERP,
        SELL,
        OrderType.TRAILING_STOP_LIMIT,
        D("1"),
        trailing_offset=D("5"),
        limit_offset=D("2"),
    )
    assert placed.ok and placed.order is not None
    assert (placed.order.trigger_price, placed.order.price) == (D("95"), None)
    rate = D("0.1") + D("0.0005")  # initial margin + the larger fee
    assert sim.balance("USDT").locked == D("93") * rate  # as if it triggered at 95 now
    # Its limit price is not its own while it trails: an amend cannot set one.
    refused = sim.amend(placed.order.venue_order_id, price=D("99"))
    assert refused.reason is RejectReason.INVALID_ORDER
    (moved,) = amended_events(sim.set_last_price(PERP, D("110")))
    assert (moved.order.trigger_price, moved.order.price) == (D("105"), None)
    quote(sim, D("102"), D("102.5"))  # the bid is below the coming limit price
    events = sim.set_last_price(PERP, D("105"))
    (triggered,) = [e for e in events if isinstance(e, OrderTriggered)]
    assert triggered.order.price == D("103")  # 105 - 2
    assert filled_events(events) == []
    resting = sim.order(placed.order.venue_order_id)
    assert resting is not None
    assert (resting.status, resting.price) == (OrderStatus.TRIGGERED, D("103"))
    assert sim.balance("USDT").locked == D("103") * rate
    # Triggered, it is an ordinary limit order: its price can be amended now.
    assert sim.amend(placed.order.venue_order_id, price=D("104")).ok


def test_buy_trailing_stop_limit_offset_in_basis_points_rounds_away_from_the_trigger(
    sim: SimulatedExchange,
) -> None:
    sim.set_last_price(PERP, D("100"))
    placed = sim.submit(
        PERP,
        BUY,
        OrderType.TRAILING_STOP_LIMIT,
        D("1"),
        trailing_offset=D("100"),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        limit_offset=D("50"),
    )
    assert placed.order is not None and placed.order.trigger_price == D("101")
    quote(sim, D("101"), D("101.2"))
    events = sim.set_last_price(PERP, D("101"))
    (triggered,) = [e for e in events if isinstance(e, OrderTriggered)]
    assert triggered.order.price == D("101.6")  # 101 + 0.5 % = 101.505, up to the 0.1 tick
    (filled,) = filled_events(events)
    assert filled.fill.price == D("101.2")


@pytest.mark.parametrize(
    ("order_type", "fields", "reason"),
    [
        (
            OrderType.TRAILING_STOP_LIMIT,
            {"price": D("90"), "limit_offset": D("1")},
            RejectReason.INVALID_ORDER,
        ),
        (OrderType.TRAILING_STOP_LIMIT, {}, RejectReason.INVALID_PRICE),
        (OrderType.TRAILING_STOP_LIMIT, {"limit_offset": D("-1")}, RejectReason.INVALID_PRICE),
        (OrderType.TRAILING_STOP_MARKET, {"limit_offset": D("1")}, RejectReason.INVALID_ORDER),
        (
            OrderType.TRAILING_STOP_LIMIT,
            {"price": D("90.05"), "trailing_offset": D("5")},
            RejectReason.INVALID_PRICE_INCREMENT,
        ),
    ],
)
def test_malformed_trailing_stop_limits_are_rejected(
    sim: SimulatedExchange,
    order_type: OrderType,
    fields: dict[str, Decimal],
    reason: RejectReason,
) -> None:
    sim.set_last_price(PERP, D("100"))
    arguments: dict[str, Decimal] = {"trailing_offset": D("5"), **fields}
    result = sim.submit(PERP, SELL, order_type, D("1"), **arguments)  # type: ignore[arg-type]
    assert result.reason is reason, result.message
    assert sim.open_orders() == []


def test_untriggered_stop_can_be_amended_and_canceled(sim: SimulatedExchange) -> None:
    placed = sim.submit(PERP, BUY, OrderType.STOP_MARKET, D("1"), trigger_price=D("110"))
    assert placed.order is not None
    locked = sim.balance("USDT").locked
    assert locked == D("110") * D("0.1005")
    amended = sim.amend(placed.order.venue_order_id, trigger_price=D("120"))
    assert amended.order is not None
    assert amended.order.trigger_price == D("120")
    assert sim.amend(placed.order.venue_order_id, price=D("1")).reason is RejectReason.INVALID_ORDER
    assert sim.set_last_price(PERP, D("115")) == ()
    assert sim.cancel(placed.order.venue_order_id).ok
    assert sim.balance("USDT").locked == 0


def test_stop_order_expires_untriggered(sim: SimulatedExchange) -> None:
    placed = sim.submit(
        PERP,
        SELL,
        OrderType.STOP_MARKET,
        D("1"),
        trigger_price=D("90"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=T0 + 5,
    )
    assert placed.ok
    sim.advance_time(T0 + 5)
    assert sim.open_orders() == []
    assert sim.balance("USDT").locked == 0
    assert sim.set_last_price(PERP, D("80")) == ()


def test_bid_ask_trigger_follows_the_book(sim: SimulatedExchange) -> None:
    placed = sim.submit(
        PERP,
        SELL,
        OrderType.STOP_MARKET,
        D("1"),
        trigger_price=D("95"),
        trigger_type=TriggerType.BID_ASK,
    )
    assert placed.order is not None
    assert sim.set_last_price(PERP, D("90")) == ()  # the last price does not matter
    events = sim.set_book(PERP, bids=[(D("95"), D("5"))], asks=[(D("95.5"), D("5"))])
    (filled,) = filled_events(events)
    assert filled.fill.price == D("95")


def test_amending_a_stop_into_an_immediate_trigger_is_refused_in_reject_mode() -> None:
    sim = make_perp(immediate_trigger=ImmediateTrigger.REJECT)
    sim.set_last_price(PERP, D("100"))
    placed = sim.submit(PERP, SELL, OrderType.STOP_MARKET, D("1"), trigger_price=D("90"))
    assert placed.order is not None
    refused = sim.amend(placed.order.venue_order_id, trigger_price=D("100"))
    assert refused.reason is RejectReason.WOULD_TRIGGER_IMMEDIATELY


def test_seeded_stop_triggers_later(sim: SimulatedExchange) -> None:
    seeded = sim.seed_order(PERP, SELL, OrderType.STOP_MARKET, D("1"), trigger_price=D("95"))
    assert seeded.status is OrderStatus.ACCEPTED
    events = sim.set_last_price(PERP, D("94"))
    assert filled_events(events)[0].order.venue_order_id == seeded.venue_order_id


def test_trailing_trigger_is_a_whole_number_of_ticks_of_any_size() -> None:
    sim = SimulatedExchange(seed=3, start_time_ns=T0)
    sim.add_instrument(
        SimInstrument(
            symbol="ETHUSD",
            product_type=ProductType.PERPETUAL,
            base_asset="ETH",
            quote_asset="USD",
            tick_size=D("0.5"),
            lot_size=D("1"),
        )
    )
    sim.set_balance("USD", D("1000"))
    sim.set_last_price("ETHUSD", D("100"))
    sell = sim.submit(
        "ETHUSD", SELL, OrderType.TRAILING_STOP_MARKET, D("1"), trailing_offset=D("1.2")
    )
    buy = sim.submit(
        "ETHUSD", BUY, OrderType.TRAILING_STOP_MARKET, D("1"), trailing_offset=D("1.2")
    )
    assert sell.order is not None
    assert buy.order is not None
    # 98.8 and 101.2 move away from the price to the next 0.5 tick.
    assert (sell.order.trigger_price, buy.order.trigger_price) == (D("98.5"), D("101.5"))
