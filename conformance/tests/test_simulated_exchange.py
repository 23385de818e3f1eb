"""SimulatedExchange on a spot instrument: order life cycle, matching, time in force, controls,
rejections, queries and listener delivery."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tradeport.model.enums import (
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PegPriceType,
    ProductType,
    TimeInForce,
)
from tradeport_conformance.simulated import (
    AmendRejected,
    BalanceChanged,
    BookUpdated,
    CancelCause,
    CancelRejected,
    IdStyle,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRef,
    OrderRejected,
    PostOnlyCross,
    PublicTrade,
    RejectReason,
    SimEvent,
    SimInstrument,
    SimOperation,
    SimulatedExchange,
)

D = Decimal
T0 = 1_700_000_000_000_000_000  # 2023-11-14T22:13:20Z
SECOND = 1_000_000_000
BTC = "BTCUSDT"
BUY, SELL = OrderSide.BUY, OrderSide.SELL
LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET


def spot_instrument(symbol: str = BTC, **overrides: object) -> SimInstrument:
    fields: dict[str, object] = {
        "symbol": symbol,
        "product_type": ProductType.SPOT,
        "base_asset": symbol.removesuffix("USDT"),
        "quote_asset": "USDT",
        "tick_size": D("0.01"),
        "lot_size": D("0.001"),
        "min_qty": D("0.002"),
        "max_qty": D("50"),
        "min_notional": D("5"),
        "maker_fee": D("0.001"),
        "taker_fee": D("0.002"),
    }
    fields.update(overrides)
    return SimInstrument(**fields)  # type: ignore[arg-type]


def make_exchange(**options: object) -> SimulatedExchange:
    """BTCUSDT with bids 99 x1, 98 x2 and asks 101 x1, 102 x2, 103 x5; 100k USDT and 10 BTC."""
    sim = SimulatedExchange(seed=1, start_time_ns=T0, **options)  # type: ignore[arg-type]
    sim.add_instrument(spot_instrument())
    sim.set_balance("USDT", D("100000"))
    sim.set_balance("BTC", D("10"))
    sim.set_book(
        BTC,
        bids=[(D("99"), D("1")), (D("98"), D("2"))],
        asks=[(D("101"), D("1")), (D("102"), D("2")), (D("103"), D("5"))],
    )
    return sim


@pytest.fixture
def sim() -> SimulatedExchange:
    return make_exchange()


def of_type(events: tuple[SimEvent, ...], kind: type) -> list:
    return [event for event in events if isinstance(event, kind)]


# -- limit orders, fills, commissions ---------------------------------------------------------


def test_limit_order_rests_then_fills_partially_then_fully(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, BUY, LIMIT, D("2"), price=D("100"), client_order_id="c-1")
    assert placed.ok
    order = placed.order
    assert order is not None
    assert order.status is OrderStatus.ACCEPTED
    assert order.venue_order_id
    assert order.client_order_id == "c-1"
    assert [type(e) for e in placed.events] == [OrderAccepted, BalanceChanged]
    assert sim.balance("USDT").locked == D("200")
    assert sim.balance("USDT").free == D("99800")

    partial = sim.fill(order.venue_order_id, quantity=D("0.5"))
    (fill,) = partial.fills
    assert partial.order is not None
    assert partial.order.status is OrderStatus.PARTIALLY_FILLED
    assert partial.order.filled_qty == D("0.5")
    assert partial.order.leaves_qty == D("1.5")
    assert (fill.quantity, fill.price, fill.liquidity_side) == (
        D("0.5"),
        D("100"),
        LiquiditySide.MAKER,
    )
    # Spot buy commission is taken from the bought asset at the maker rate.
    assert (fill.commission, fill.commission_asset) == (D("0.0005"), "BTC")
    assert sim.balance("USDT").total == D("99950")
    assert sim.balance("USDT").locked == D("150")
    assert sim.balance("BTC").total == D("10.4995")

    full = sim.fill(client_order_id="c-1")
    (last,) = full.fills
    assert full.order is not None
    assert full.order.status is OrderStatus.FILLED
    assert full.order.filled_qty == D("2")
    assert full.order.avg_px == D("100")
    assert full.order.commission == D("0.002")
    assert last.trade_id != fill.trade_id
    assert sim.balance("USDT").locked == 0
    assert sim.balance("USDT").total == D("99800")
    assert sim.balance("BTC").total == D("11.998")
    assert sim.open_orders(BTC) == []
    closed = sim.order(client_order_id="c-1")
    assert closed is not None
    assert closed.status is OrderStatus.FILLED


def test_event_snapshots_keep_the_state_of_their_moment(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("100"))
    assert placed.order is not None
    sim.fill(placed.order.venue_order_id)
    accepted = of_type(placed.events, OrderAccepted)[0]
    assert accepted.order.status is OrderStatus.ACCEPTED
    assert accepted.order.filled_qty == 0
    placed.order.quantity = D("999")  # a snapshot: changing it changes nothing inside
    refreshed = sim.order(placed.order.venue_order_id)
    assert refreshed is not None
    assert refreshed.quantity == D("1")


def test_market_buy_sweeps_levels_at_vwap(sim: SimulatedExchange) -> None:
    result = sim.submit(BTC, BUY, MARKET, D("2.5"))
    assert result.order is not None
    assert result.order.status is OrderStatus.FILLED
    fills = result.fills
    assert [(f.price, f.quantity) for f in fills] == [(D("101"), D("1")), (D("102"), D("1.5"))]
    assert all(f.liquidity_side is LiquiditySide.TAKER for f in fills)
    assert result.order.avg_px == (D("101") + D("153")) / D("2.5")
    assert result.order.filled_quote == D("254")
    assert [f.commission for f in fills] == [D("0.002"), D("0.003")]
    assert sim.balance("USDT").total == D("99746")
    assert sim.balance("BTC").total == D("12.495")
    # The taken liquidity is gone from the book, and the change is published.
    assert sim.book(BTC).asks == ((D("102"), D("0.5")), (D("103"), D("5")))
    (book_update,) = of_type(result.events, BookUpdated)
    assert not book_update.is_snapshot
    assert book_update.asks == ((D("101"), D("0")), (D("102"), D("0.5")))
    prints = of_type(result.events, PublicTrade)
    assert [p.trade_id for p in prints] == [f.trade_id for f in fills]
    assert {p.aggressor_side for p in prints} == {AggressorSide.BUYER}


def test_market_sell_sweeps_bids_and_pays_commission_in_quote(sim: SimulatedExchange) -> None:
    result = sim.submit(BTC, SELL, MARKET, D("2"))
    assert [(f.price, f.quantity) for f in result.fills] == [(D("99"), D("1")), (D("98"), D("1"))]
    assert [(f.commission, f.commission_asset) for f in result.fills] == [
        (D("0.198"), "USDT"),
        (D("0.196"), "USDT"),
    ]
    assert sim.balance("USDT").total == D("100000") + D("197") - D("0.394")
    assert sim.balance("BTC").total == D("8")


def test_market_order_remainder_is_canceled_when_the_book_runs_out(sim: SimulatedExchange) -> None:
    result = sim.submit(BTC, BUY, MARKET, D("10"))
    assert result.order is not None
    assert result.order.filled_qty == D("8")
    assert result.order.status is OrderStatus.CANCELED
    assert result.order.cancel_cause is CancelCause.UNFILLED_REMAINDER
    assert of_type(result.events, OrderCanceled)[0].cause is CancelCause.UNFILLED_REMAINDER
    assert sim.book(BTC).asks == ()


def test_marketable_limit_takes_then_rests_the_remainder(sim: SimulatedExchange) -> None:
    result = sim.submit(BTC, BUY, LIMIT, D("2"), price=D("101.50"))
    assert result.order is not None
    assert [(f.price, f.quantity, f.liquidity_side) for f in result.fills] == [
        (D("101"), D("1"), LiquiditySide.TAKER)
    ]
    assert result.order.status is OrderStatus.PARTIALLY_FILLED
    assert [o.venue_order_id for o in sim.open_orders()] == [result.order.venue_order_id]
    # Paid 101 for what was locked at 101.50; the rest stays locked at the limit price.
    assert sim.balance("USDT").locked == D("101.50")
    assert sim.balance("USDT").total == D("99899")


def test_quote_quantity_market_buy_spends_at_most_the_amount(sim: SimulatedExchange) -> None:
    result = sim.submit(BTC, BUY, MARKET, quote_quantity=D("150"))
    assert result.order is not None
    # 101 for the first lot, then 49 / 102 = 0.4803... rounded down to the 0.001 lot.
    assert [(f.price, f.quantity) for f in result.fills] == [
        (D("101"), D("1")),
        (D("102"), D("0.480")),
    ]
    assert result.order.quantity == D("1.480")
    assert result.order.status is OrderStatus.FILLED
    assert result.order.filled_quote <= D("150")


def test_fee_in_quote_charges_buys_in_the_quote_asset() -> None:
    sim = SimulatedExchange(seed=1, start_time_ns=T0)
    sim.add_instrument(spot_instrument(fee_in_quote=True))
    sim.set_balance("USDT", D("1000"))
    sim.set_book(BTC, bids=[], asks=[(D("100"), D("5"))])
    result = sim.submit(BTC, BUY, MARKET, D("1"))
    (fill,) = result.fills
    assert (fill.commission, fill.commission_asset) == (D("0.200"), "USDT")
    assert sim.balance("USDT").total == D("899.8")
    assert sim.balance("BTC").total == D("1")


# -- time in force ----------------------------------------------------------------------------


def test_ioc_fills_what_crosses_and_cancels_the_rest(sim: SimulatedExchange) -> None:
    result = sim.submit(BTC, BUY, LIMIT, D("4"), price=D("102"), time_in_force=TimeInForce.IOC)
    assert result.order is not None
    assert result.order.filled_qty == D("3")
    assert result.order.status is OrderStatus.CANCELED
    assert result.order.cancel_cause is CancelCause.UNFILLED_REMAINDER
    assert sim.open_orders() == []
    assert sim.balance("USDT").locked == 0


def test_ioc_that_does_not_cross_is_canceled_unfilled(sim: SimulatedExchange) -> None:
    result = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("100"), time_in_force=TimeInForce.IOC)
    assert result.order is not None
    assert result.order.filled_qty == 0
    assert result.order.status is OrderStatus.CANCELED


def test_fok_fills_everything_or_nothing(sim: SimulatedExchange) -> None:
    book_before = sim.book(BTC)
    refused = sim.submit(BTC, BUY, LIMIT, D("4"), price=D("102"), time_in_force=TimeInForce.FOK)
    assert refused.order is not None
    assert refused.order.status is OrderStatus.CANCELED
    assert refused.order.cancel_cause is CancelCause.FOK_NOT_FILLED
    assert refused.fills == ()
    assert sim.book(BTC).asks == book_before.asks

    filled = sim.submit(BTC, BUY, LIMIT, D("3"), price=D("102"), time_in_force=TimeInForce.FOK)
    assert filled.order is not None
    assert filled.order.status is OrderStatus.FILLED
    market_fok = sim.submit(BTC, BUY, MARKET, D("6"), time_in_force=TimeInForce.FOK)
    assert market_fok.order is not None
    assert market_fok.order.cancel_cause is CancelCause.FOK_NOT_FILLED


def test_gtd_order_expires_when_the_clock_reaches_its_expiry(sim: SimulatedExchange) -> None:
    expiry = T0 + 10 * SECOND
    placed = sim.submit(
        BTC, BUY, LIMIT, D("1"), price=D("90"), time_in_force=TimeInForce.GTD, expire_time_ns=expiry
    )
    assert placed.ok
    assert placed.order is not None
    assert sim.advance_time(T0 + 9 * SECOND) == ()
    events = sim.advance_time(T0 + 11 * SECOND)
    (expired,) = of_type(events, OrderExpired)
    assert expired.ts == expiry
    assert expired.order.status is OrderStatus.EXPIRED
    assert sim.balance("USDT").locked == 0
    found = sim.order(placed.order.venue_order_id)
    assert found is not None
    assert found.status is OrderStatus.EXPIRED


def test_gtd_needs_a_future_expiry(sim: SimulatedExchange) -> None:
    missing = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90"), time_in_force=TimeInForce.GTD)
    past = sim.submit(
        BTC, BUY, LIMIT, D("1"), price=D("90"), time_in_force=TimeInForce.GTD, expire_time_ns=T0
    )
    assert missing.reason is past.reason is RejectReason.INVALID_EXPIRE_TIME


def test_expiry_with_an_injected_clock_happens_on_the_next_call() -> None:
    now = [T0]
    sim = SimulatedExchange(seed=1, clock=lambda: now[0])
    sim.add_instrument(spot_instrument())
    sim.set_balance("USDT", D("1000"))
    placed = sim.submit(
        BTC,
        BUY,
        LIMIT,
        D("1"),
        price=D("90"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=T0 + SECOND,
    )
    assert placed.ok
    delivered: list[SimEvent] = []
    sim.subscribe(delivered.append)
    now[0] = T0 + 2 * SECOND
    # A query answers from the present: the order has expired, and the listener heard of it.
    assert sim.open_orders() == []
    assert [type(e) for e in delivered] == [OrderExpired, BalanceChanged]
    # Jumping ahead of an injected clock moves an offset (mock venues drive GTD expiry so).
    sim.advance_time(T0 + 3 * SECOND)
    assert sim.now() == T0 + 3 * SECOND


def test_day_order_expires_at_the_next_utc_midnight(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90"), time_in_force=TimeInForce.DAY)
    assert placed.order is not None
    midnight = (T0 // (86_400 * SECOND) + 1) * 86_400 * SECOND
    assert placed.order.expire_time_ns == midnight
    assert sim.advance_time(midnight - 1) == ()
    assert of_type(sim.advance_time(midnight), OrderExpired)


def test_unsupported_time_in_force_is_rejected(sim: SimulatedExchange) -> None:
    result = sim.submit(
        BTC, BUY, LIMIT, D("1"), price=D("90"), time_in_force=TimeInForce.AT_THE_OPEN
    )
    assert result.reason is RejectReason.UNSUPPORTED_TIME_IN_FORCE


# -- post-only ----------------------------------------------------------------------------------


def test_post_only_that_would_cross_is_rejected_in_reject_mode(sim: SimulatedExchange) -> None:
    result = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("101"), post_only=True)
    assert not result.ok
    assert result.reason is RejectReason.WOULD_CROSS
    assert [type(e) for e in result.events] == [OrderRejected]
    assert result.order is not None
    assert result.order.venue_order_id == ""
    resting = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("100.99"), post_only=True)
    assert resting.order is not None
    assert resting.order.status is OrderStatus.ACCEPTED


def test_post_only_that_would_cross_is_canceled_in_cancel_mode() -> None:
    sim = make_exchange(post_only_cross=PostOnlyCross.CANCEL)
    result = sim.submit(BTC, SELL, LIMIT, D("1"), price=D("98.50"), post_only=True)
    assert result.ok
    assert result.order is not None
    assert result.order.status is OrderStatus.CANCELED
    assert result.order.cancel_cause is CancelCause.POST_ONLY_WOULD_CROSS
    assert [type(e) for e in result.events][:2] == [OrderAccepted, OrderCanceled]
    assert result.fills == ()
    assert sim.balance("BTC").locked == 0


def test_post_only_with_ioc_is_an_invalid_combination(sim: SimulatedExchange) -> None:
    result = sim.submit(
        BTC, BUY, LIMIT, D("1"), price=D("90"), post_only=True, time_in_force=TimeInForce.IOC
    )
    assert result.reason is RejectReason.INVALID_ORDER


# -- amend --------------------------------------------------------------------------------------


def test_amend_price_and_quantity(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("95"), client_order_id="a-1")
    assert placed.order is not None
    amended = sim.amend(client_order_id="a-1", quantity=D("2"), price=D("96"))
    assert amended.ok
    assert amended.order is not None
    assert (amended.order.quantity, amended.order.price) == (D("2"), D("96"))
    (event,) = of_type(amended.events, OrderAmended)
    assert (event.previous.quantity, event.previous.price) == (D("1"), D("95"))
    assert sim.balance("USDT").locked == D("192")


def test_amend_to_a_crossing_price_matches_at_once(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, BUY, LIMIT, D("1.5"), price=D("100"))
    assert placed.order is not None
    amended = sim.amend(placed.order.venue_order_id, price=D("101"))
    assert [(f.price, f.quantity, f.liquidity_side) for f in amended.fills] == [
        (D("101"), D("1"), LiquiditySide.TAKER)
    ]
    assert amended.order is not None
    assert amended.order.status is OrderStatus.PARTIALLY_FILLED
    assert sim.balance("USDT").locked == D("50.5")


def test_amend_rejections(sim: SimulatedExchange) -> None:
    unknown = sim.amend("nope", price=D("90"))
    assert unknown.reason is RejectReason.UNKNOWN_ORDER
    assert [type(e) for e in unknown.events] == [AmendRejected]

    placed = sim.submit(BTC, BUY, LIMIT, D("2"), price=D("95"))
    assert placed.order is not None
    order_id = placed.order.venue_order_id
    sim.fill(order_id, quantity=D("1"))
    assert sim.amend(order_id, quantity=D("1")).reason is RejectReason.QUANTITY_BELOW_FILLED
    assert sim.amend(order_id, quantity=D("0.5")).reason is RejectReason.QUANTITY_BELOW_FILLED
    assert sim.amend(order_id, price=D("95.001")).reason is RejectReason.INVALID_PRICE_INCREMENT
    assert (
        sim.amend(order_id, quantity=D("1.0001")).reason is RejectReason.INVALID_QUANTITY_INCREMENT
    )
    locked = sim.balance("USDT").locked
    too_big = sim.amend(order_id, quantity=D("50"), price=D("9000"))
    assert too_big.reason is RejectReason.INSUFFICIENT_BALANCE
    # A refused amend leaves the order and its funds exactly as they were.
    assert sim.balance("USDT").locked == locked
    current = sim.order(order_id)
    assert current is not None
    assert (current.quantity, current.price) == (D("2"), D("95"))
    assert [o.venue_order_id for o in sim.open_orders()] == [order_id]

    sim.fill(order_id)
    finished = sim.amend(order_id, price=D("96"))
    assert finished.reason is RejectReason.ORDER_NOT_OPEN
    assert finished.order is not None
    assert finished.order.status is OrderStatus.FILLED


def test_amend_of_post_only_to_a_crossing_price_is_refused(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, SELL, LIMIT, D("1"), price=D("105"), post_only=True)
    assert placed.order is not None
    result = sim.amend(placed.order.venue_order_id, price=D("99"))
    assert result.reason is RejectReason.WOULD_CROSS
    assert sim.balance("BTC").locked == D("1")


# -- cancel -------------------------------------------------------------------------------------


def test_cancel_and_cancel_rejections(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, SELL, LIMIT, D("1"), price=D("110"), client_order_id="x")
    assert placed.order is not None
    assert sim.balance("BTC").locked == D("1")
    canceled = sim.cancel(client_order_id="x")
    assert canceled.ok
    assert canceled.order is not None
    assert canceled.order.status is OrderStatus.CANCELED
    assert canceled.order.cancel_cause is CancelCause.CLIENT
    assert sim.balance("BTC").locked == 0

    again = sim.cancel(placed.order.venue_order_id)
    assert again.reason is RejectReason.ORDER_NOT_OPEN
    (rejected,) = of_type(again.events, CancelRejected)
    assert rejected.order is not None
    assert rejected.order.status is OrderStatus.CANCELED
    assert sim.cancel("does-not-exist").reason is RejectReason.UNKNOWN_ORDER
    assert sim.cancel(client_order_id="nobody").reason is RejectReason.UNKNOWN_ORDER


def test_venue_initiated_cancel_carries_its_cause(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, SELL, LIMIT, D("1"), price=D("110"))
    assert placed.order is not None
    result = sim.cancel(placed.order.venue_order_id, cause=CancelCause.VENUE)
    assert result.order is not None
    assert result.order.cancel_cause is CancelCause.VENUE


def test_cancel_all_for_one_instrument(sim: SimulatedExchange) -> None:
    sim.add_instrument(spot_instrument("ETHUSDT"))
    ids = [
        sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90")).order,
        sim.submit(BTC, SELL, LIMIT, D("1"), price=D("110")).order,
        sim.submit("ETHUSDT", BUY, LIMIT, D("1"), price=D("20")).order,
    ]
    assert all(order is not None for order in ids)
    batch = sim.cancel_all(BTC)
    assert [r.order.venue_order_id for r in batch.results if r.order] == [
        o.venue_order_id for o in ids[:2] if o
    ]
    assert all(r.ok and len(of_type(r.events, OrderCanceled)) == 1 for r in batch.results)
    assert of_type(batch.events, BalanceChanged)
    assert [o.symbol for o in sim.open_orders()] == ["ETHUSDT"]
    assert sim.balance("BTC").locked == 0


def test_batch_cancel_reports_each_order(sim: SimulatedExchange) -> None:
    first = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90"), client_order_id="b-1").order
    second = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("91")).order
    assert first is not None
    assert second is not None
    batch = sim.cancel_many(
        [OrderRef(client_order_id="b-1"), "unknown-id", second.venue_order_id, first.venue_order_id]
    )
    assert [r.ok for r in batch.results] == [True, False, True, False]
    assert [r.reason for r in batch.results] == [
        None,
        RejectReason.UNKNOWN_ORDER,
        None,
        RejectReason.ORDER_NOT_OPEN,
    ]
    assert sim.open_orders() == []


# -- rejections ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "price", "reason"),
    [
        (D("1"), D("100.001"), RejectReason.INVALID_PRICE_INCREMENT),
        (D("1.0005"), D("100"), RejectReason.INVALID_QUANTITY_INCREMENT),
        (D("0.001"), D("10000"), RejectReason.MIN_QUANTITY),
        (D("51"), D("1"), RejectReason.MAX_QUANTITY),
        (D("0.01"), D("100"), RejectReason.MIN_NOTIONAL),
        (D("0"), D("100"), RejectReason.INVALID_QUANTITY),
        (D("1"), D("-1"), RejectReason.INVALID_PRICE),
    ],
)
def test_orders_are_validated_against_the_instrument(
    sim: SimulatedExchange, quantity: Decimal, price: Decimal, reason: RejectReason
) -> None:
    result = sim.submit(BTC, BUY, LIMIT, quantity, price=price)
    assert not result.ok
    assert result.reason is reason
    assert result.order is not None
    assert result.order.status is OrderStatus.REJECTED
    assert sim.open_orders() == []
    assert sim.balance("USDT").locked == 0


def test_unknown_instrument_and_missing_fields(sim: SimulatedExchange) -> None:
    assert (
        sim.submit("NOPE", BUY, LIMIT, D("1"), price=D("1")).reason
        is RejectReason.UNKNOWN_INSTRUMENT
    )
    assert sim.submit(BTC, BUY, LIMIT, D("1")).reason is RejectReason.INVALID_PRICE
    assert sim.submit(BTC, BUY, MARKET, D("1"), price=D("100")).reason is RejectReason.INVALID_ORDER
    assert sim.submit(BTC, BUY, MARKET).reason is RejectReason.INVALID_QUANTITY
    # A trailing stop-limit needs a price or a limit offset.
    trailing_limit = sim.submit(
        BTC, SELL, OrderType.TRAILING_STOP_LIMIT, D("1"), trailing_offset=D("1")
    )
    assert trailing_limit.reason is RejectReason.INVALID_PRICE
    assert (
        sim.submit(BTC, SELL, MARKET, D("1"), reduce_only=True).reason is RejectReason.INVALID_ORDER
    )


def test_insufficient_balance(sim: SimulatedExchange) -> None:
    buy = sim.submit(BTC, BUY, LIMIT, D("11"), price=D("9999"))
    assert buy.reason is RejectReason.INSUFFICIENT_BALANCE
    sell = sim.submit(BTC, SELL, LIMIT, D("11"), price=D("100"))
    assert sell.reason is RejectReason.INSUFFICIENT_BALANCE
    market_sell = sim.submit(BTC, SELL, MARKET, D("10.5"))
    assert market_sell.reason is RejectReason.INSUFFICIENT_BALANCE
    sim.set_balance("USDT", D("100"))
    market_buy = sim.submit(BTC, BUY, MARKET, D("1.5"))  # costs 101 + 51
    assert market_buy.reason is RejectReason.INSUFFICIENT_BALANCE
    assert sim.balance("USDT").total == D("100")
    assert sim.book(BTC).asks[0] == (D("101"), D("1"))
    # Locked funds are not free: a second order cannot spend them again.
    assert sim.submit(BTC, BUY, LIMIT, D("0.5"), price=D("100")).ok
    assert sim.submit(BTC, BUY, LIMIT, D("0.5"), price=D("100.01")).reason is (
        RejectReason.INSUFFICIENT_BALANCE
    )


def test_client_order_ids_are_unique_among_open_orders(sim: SimulatedExchange) -> None:
    first = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90"), client_order_id="dup")
    assert first.ok
    assert first.order is not None
    second = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("91"), client_order_id="dup")
    assert second.reason is RejectReason.DUPLICATE_CLIENT_ORDER_ID
    sim.cancel(first.order.venue_order_id)
    reused = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("92"), client_order_id="dup")
    assert reused.ok
    assert reused.order is not None
    found = sim.order(client_order_id="dup")
    assert found is not None
    assert found.venue_order_id == reused.order.venue_order_id


def test_reject_next_for_submit_amend_and_cancel(sim: SimulatedExchange) -> None:
    sim.reject_next(RejectReason.INSUFFICIENT_BALANCE, "Account has insufficient balance")
    refused = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90"))
    assert refused.reason is RejectReason.INSUFFICIENT_BALANCE
    assert refused.message == "Account has insufficient balance"
    placed = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90"))
    assert placed.ok
    assert placed.order is not None
    order_id = placed.order.venue_order_id

    sim.reject_next(operation=SimOperation.AMEND)
    assert sim.amend(order_id, price=D("91")).reason is RejectReason.VENUE_REJECTED
    sim.reject_next(RejectReason.ORDER_NOT_OPEN, operation=SimOperation.CANCEL, count=2)
    assert sim.cancel(order_id).reason is RejectReason.ORDER_NOT_OPEN
    assert sim.cancel(order_id).reason is RejectReason.ORDER_NOT_OPEN
    assert sim.cancel(order_id).ok


# -- market controls ----------------------------------------------------------------------------


def test_external_trade_fills_resting_orders_it_reaches(sim: SimulatedExchange) -> None:
    high = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("100")).order
    low = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("99.50")).order
    ask = sim.submit(BTC, SELL, LIMIT, D("1"), price=D("100.50")).order
    assert high
    assert low
    assert ask
    events = sim.trade(BTC, D("99.50"), D("1.5"), AggressorSide.SELLER)
    fills = [e.fill for e in of_type(events, OrderFilled)]
    # Best bid first, each at its own limit price, up to the traded quantity.
    assert [(f.venue_order_id, f.price, f.quantity) for f in fills] == [
        (high.venue_order_id, D("100"), D("1")),
        (low.venue_order_id, D("99.50"), D("0.5")),
    ]
    assert all(f.liquidity_side is LiquiditySide.MAKER for f in fills)
    assert sim.last_price(BTC) == D("99.50")
    (print_,) = of_type(events, PublicTrade)
    assert (print_.price, print_.quantity) == (D("99.50"), D("1.5"))
    open_ask = sim.order(ask.venue_order_id)
    assert open_ask is not None
    assert open_ask.status is OrderStatus.ACCEPTED


def test_book_moving_through_a_resting_order_fills_it(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("100")).order
    assert placed is not None
    events = sim.update_level(BTC, SELL, D("99.50"), D("0.3"))
    (filled,) = of_type(events, OrderFilled)
    assert (filled.fill.price, filled.fill.quantity) == (D("100"), D("0.3"))
    assert filled.fill.liquidity_side is LiquiditySide.MAKER
    # The crossing level was consumed by the resting order.
    assert sim.book(BTC).asks[0] == (D("101"), D("1"))
    (book_update,) = of_type(events, BookUpdated)
    assert book_update.asks == ((D("99.50"), D("0")),)
    assert of_type(events, PublicTrade)[0].aggressor_side is AggressorSide.SELLER


def test_book_crossing_can_be_turned_off() -> None:
    sim = make_exchange(match_resting_on_book_cross=False)
    sim.submit(BTC, BUY, LIMIT, D("1"), price=D("100"))
    assert of_type(sim.update_level(BTC, SELL, D("99.50"), D("0.3")), OrderFilled) == []


def test_fill_control_validates_its_arguments(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("100")).order
    assert placed is not None
    with pytest.raises(ValueError, match="fill quantity"):
        sim.fill(placed.venue_order_id, quantity=D("2"))
    with pytest.raises(ValueError, match="worse than the limit"):
        sim.fill(placed.venue_order_id, price=D("100.01"))
    better = sim.fill(placed.venue_order_id, price=D("99"), liquidity=LiquiditySide.TAKER)
    (fill,) = better.fills
    assert (fill.price, fill.commission) == (D("99"), D("0.002"))
    assert sim.fill("missing").reason is RejectReason.UNKNOWN_ORDER


def test_expire_control(sim: SimulatedExchange) -> None:
    placed = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("100")).order
    assert placed is not None
    result = sim.expire(placed.venue_order_id)
    assert result.order is not None
    assert result.order.status is OrderStatus.EXPIRED
    assert sim.expire(placed.venue_order_id).reason is RejectReason.ORDER_NOT_OPEN


def test_seeded_orders_rest_without_matching(sim: SimulatedExchange) -> None:
    seeded = sim.seed_order(
        BTC,
        BUY,
        LIMIT,
        D("2"),
        price=D("102"),
        client_order_id="old",
        filled_qty=D("0.5"),
        avg_px=D("100"),
    )
    assert seeded.status is OrderStatus.PARTIALLY_FILLED
    assert sim.book(BTC).asks[0] == (D("101"), D("1"))  # crossing, yet untouched
    assert sim.balance("USDT").locked == D("153")  # 1.5 leaves at 102
    assert [o.client_order_id for o in sim.open_orders(BTC)] == ["old"]
    with pytest.raises(ValueError, match="INSUFFICIENT_BALANCE"):
        sim.seed_order(BTC, SELL, LIMIT, D("20"), price=D("200"))


# -- queries ------------------------------------------------------------------------------------


def test_fills_query_by_time_window_and_order(sim: SimulatedExchange) -> None:
    first = sim.submit(BTC, BUY, MARKET, D("1"))
    sim.advance_time(T0 + 60 * SECOND)
    second = sim.submit(BTC, SELL, MARKET, D("1"))
    assert first.order is not None
    assert second.order is not None
    assert [f.ts for f in sim.fills(BTC)] == [T0, T0 + 60 * SECOND]
    assert sim.fills(start_ns=T0 + 1) == list(second.fills)
    assert sim.fills(end_ns=T0) == list(first.fills)
    assert sim.fills(venue_order_id=second.order.venue_order_id) == list(second.fills)
    assert sim.fills("ETHUSDT") == []
    assert [o.venue_order_id for o in sim.closed_orders(BTC)] == [
        first.order.venue_order_id,
        second.order.venue_order_id,
    ]


def test_uuid_ids() -> None:
    sim = make_exchange(id_style=IdStyle.UUID)
    result = sim.submit(BTC, BUY, MARKET, D("1"))
    assert result.order is not None
    assert len(result.order.venue_order_id) == 36
    assert result.order.venue_order_id.count("-") == 4
    assert len(result.fills[0].trade_id) == 36


# -- listeners ----------------------------------------------------------------------------------


def test_listeners_get_every_returned_event_in_order(sim: SimulatedExchange) -> None:
    delivered: list[SimEvent] = []
    unsubscribe = sim.subscribe(delivered.append)
    placed = sim.submit(BTC, BUY, LIMIT, D("3"), price=D("102"))
    traded = sim.trade(BTC, D("102"), D("5"), AggressorSide.SELLER)
    assert delivered == [*placed.events, *traded]
    seqs = [event.seq for event in delivered]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    unsubscribe()
    sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90"))
    assert len(delivered) == len(placed.events) + len(traded)


def test_listener_may_call_the_exchange_and_order_is_kept(sim: SimulatedExchange) -> None:
    seen: list[SimEvent] = []

    def cancel_on_accept(event: SimEvent) -> None:
        if isinstance(event, OrderAccepted):
            sim.cancel(event.order.venue_order_id)

    sim.subscribe(cancel_on_accept)
    sim.subscribe(seen.append)
    placed = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90"))
    # The nested cancel's events reach every listener after the events that caused it.
    assert [type(e) for e in seen] == [OrderAccepted, BalanceChanged, OrderCanceled, BalanceChanged]
    assert seen[:2] == list(placed.events)
    assert sim.open_orders() == []


def test_listener_errors_surface_after_every_listener_got_every_event(
    sim: SimulatedExchange,
) -> None:
    seen: list[SimEvent] = []

    def broken(event: SimEvent) -> None:
        raise RuntimeError("listener bug")

    sim.subscribe(broken)
    sim.subscribe(seen.append)
    with pytest.raises(ExceptionGroup) as caught:
        sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90"))
    assert len(caught.value.exceptions) == 2
    assert [type(e) for e in seen] == [OrderAccepted, BalanceChanged]
    # The state is consistent: the order is live.
    assert len(sim.open_orders()) == 1


def test_amend_keeps_queue_priority_only_when_the_quantity_shrinks(sim: SimulatedExchange) -> None:
    first = sim.submit(BTC, BUY, LIMIT, D("2"), price=D("100")).order
    second = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("100")).order
    assert first is not None
    assert second is not None
    sim.amend(first.venue_order_id, quantity=D("1"))  # smaller: stays first in the queue
    events = sim.trade(BTC, D("100"), D("1"), AggressorSide.SELLER)
    assert [e.fill.venue_order_id for e in of_type(events, OrderFilled)] == [first.venue_order_id]

    third = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("100")).order
    assert third is not None
    sim.amend(second.venue_order_id, quantity=D("2"))  # larger: goes behind the third order
    events = sim.trade(BTC, D("100"), D("1"), AggressorSide.SELLER)
    assert [e.fill.venue_order_id for e in of_type(events, OrderFilled)] == [third.venue_order_id]


def test_spot_stop_that_cannot_be_funded_when_triggered_is_canceled(
    sim: SimulatedExchange,
) -> None:
    stop = sim.submit(BTC, BUY, OrderType.STOP_MARKET, D("1"), trigger_price=D("100")).order
    assert stop is not None
    assert sim.balance("USDT").locked == D("100")  # estimated at the trigger price
    sim.set_balance("USDT", D("101"))
    sim.set_book(BTC, bids=[], asks=[(D("150"), D("5"))])  # now costs 150
    events = sim.set_last_price(BTC, D("100"))
    canceled = of_type(events, OrderCanceled)
    assert [e.cause for e in canceled] == [CancelCause.INSUFFICIENT_BALANCE]
    assert sim.balance("USDT").locked == 0


def test_book_query_depth_and_sequence(sim: SimulatedExchange) -> None:
    before = sim.book(BTC)
    sim.update_level(BTC, BUY, D("99.5"), D("3"))
    after = sim.book(BTC, depth=2)
    assert after.sequence == before.sequence + 1
    assert after.bids == ((D("99.5"), D("3")), (D("99"), D("1")))
    assert len(after.asks) == 2
    with pytest.raises(ValueError, match="unknown instrument"):
        sim.book("NOPE")


def test_rejections_consume_no_ids_and_numeric_ids_count_up(sim: SimulatedExchange) -> None:
    first = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90")).order
    sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90.001"))
    second = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90")).order
    assert first is not None
    assert second is not None
    assert int(second.venue_order_id) == int(first.venue_order_id) + 1


def test_closed_order_history_is_bounded() -> None:
    sim = make_exchange(history_limit=2)
    ids = []
    for index in range(3):
        result = sim.submit(BTC, BUY, LIMIT, D("1"), price=D("90"), client_order_id=f"h-{index}")
        assert result.order is not None
        sim.cancel(result.order.venue_order_id)
        ids.append(result.order.venue_order_id)
    assert [o.venue_order_id for o in sim.closed_orders()] == ids[1:]
    assert sim.order(ids[0]) is None
    assert sim.order(client_order_id="h-0") is None
    assert sim.cancel(ids[0]).reason is RejectReason.UNKNOWN_ORDER


def test_the_package_docstring_example_runs() -> None:
    import doctest

    import tradeport_conformance.simulated as package

    outcome = doctest.testmod(package)
    assert outcome.attempted > 20
    assert outcome.failed == 0


def test_advance_time_with_an_injected_clock_moves_an_offset() -> None:
    """Mock venues inject the wall clock; GTD expiry must still be drivable by jumping ahead."""
    from decimal import Decimal as D

    from tradeport.model.enums import OrderSide, OrderType, ProductType, TimeInForce
    from tradeport_conformance.simulated import OrderExpired, SimInstrument, SimulatedExchange

    wall = [1_700_000_000_000_000_000]
    sim = SimulatedExchange(clock=lambda: wall[0])
    sim.add_instrument(
        SimInstrument(
            symbol="X",
            product_type=ProductType.SPOT,
            base_asset="B",
            quote_asset="Q",
            tick_size=D("0.01"),
            lot_size=D("1"),
        )
    )
    sim.set_balance("Q", D("1000"))
    expiry = wall[0] + 60_000_000_000
    order = sim.submit(
        "X",
        OrderSide.BUY,
        OrderType.LIMIT,
        D("1"),
        price=D("10"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=expiry,
    ).order
    assert sim.advance_time(wall[0] - 5) == ()  # never backwards
    events = sim.advance_time(expiry)
    assert any(
        isinstance(e, OrderExpired) and e.order.venue_order_id == order.venue_order_id
        for e in events
    )
    assert sim.now() >= expiry
    wall[0] += 1
    assert sim.now() == expiry + 1  # the offset stays; the clock keeps moving


# -- pegged orders ------------------------------------------------------------------------------


def test_primary_peg_rests_at_own_best_plus_offset_and_follows_it(sim: SimulatedExchange) -> None:
    placed = sim.submit(
        BTC,
        BUY,
        OrderType.PEGGED,
        D("1"),
        peg_price_type=PegPriceType.PRIMARY,
        peg_offset=D("-0.005"),  # 98.995 rounds down to the tick: a buy never pays more
    )
    assert placed.ok and placed.order is not None
    assert (placed.order.status, placed.order.price) == (OrderStatus.ACCEPTED, D("98.99"))
    assert sim.balance("USDT").locked == D("98.99")  # fees in base: the quote lock is the price
    order_id = placed.order.venue_order_id
    # The best bid moves up: the order moves with it, with an amended event and a new lock.
    moved = sim.update_level(BTC, BUY, D("99.5"), D("3"))
    (amended,) = [e for e in moved if isinstance(e, OrderAmended)]
    assert (amended.previous.price, amended.order.price) == (D("98.99"), D("99.49"))
    assert sim.order(order_id).price == D("99.49")
    assert sim.balance("USDT").locked == D("99.49")
    assert sim.book(BTC).bids[0] == (D("99.5"), D("3"))  # the external book is not ours
    # A move that leaves the reference where it is re-prices nothing.
    assert not [
        e for e in sim.update_level(BTC, SELL, D("104"), D("1")) if isinstance(e, OrderAmended)
    ]
    # It fills like a limit order at its current price.
    fills = sim.trade(BTC, D("99.49"), D("1"), AggressorSide.SELLER)
    (filled,) = [e for e in fills if isinstance(e, OrderFilled)]
    assert (filled.fill.price, filled.fill.liquidity_side) == (D("99.49"), LiquiditySide.MAKER)
    assert sim.order(order_id).status is OrderStatus.FILLED
    # Closed: later moves leave it alone.
    assert not [
        e for e in sim.update_level(BTC, BUY, D("99.8"), D("1")) if isinstance(e, OrderAmended)
    ]


def test_pegged_order_takes_when_its_new_price_crosses(sim: SimulatedExchange) -> None:
    # A primary-peg buy 1.5 over the 99 bid rests at 100.5, under the 101 ask.
    placed = sim.submit(
        BTC,
        BUY,
        OrderType.PEGGED,
        D("0.5"),
        peg_price_type=PegPriceType.PRIMARY,
        peg_offset=D("1.5"),
    )
    assert placed.ok and placed.order is not None and placed.order.price == D("100.5")
    # The bid rises to 100: the order moves to 101.5, crosses the 101 ask and takes there.
    events = sim.set_book(BTC, bids=[(D("100"), D("5"))], asks=[(D("101"), D("1"))])
    assert [type(e).__name__ for e in events][:2] == ["OrderAmended", "OrderFilled"]
    (filled,) = [e for e in events if isinstance(e, OrderFilled)]
    assert (filled.fill.price, filled.fill.liquidity_side) == (D("101"), LiquiditySide.TAKER)
    assert sim.order(placed.order.venue_order_id).status is OrderStatus.FILLED
    # A market-peg buy follows the best ask: with no offset it takes on arrival.
    taker = sim.submit(BTC, BUY, OrderType.PEGGED, D("0.5"), peg_price_type=PegPriceType.MARKET)
    assert taker.ok and taker.order is not None
    assert (taker.order.status, taker.order.avg_px) == (OrderStatus.FILLED, D("101"))


def test_mid_and_last_pegs_and_refusals(sim: SimulatedExchange) -> None:
    mid = sim.submit(BTC, BUY, OrderType.PEGGED, D("0.1"), peg_price_type=PegPriceType.MID)
    assert mid.ok and mid.order is not None and mid.order.price == D("100")
    # No last price yet: a LAST peg has nothing to follow.
    no_last = sim.submit(BTC, BUY, OrderType.PEGGED, D("0.1"), peg_price_type=PegPriceType.LAST)
    assert (no_last.ok, no_last.reason) == (False, RejectReason.INVALID_ORDER)
    sim.set_last_price(BTC, D("100.2"))
    last = sim.submit(
        BTC, BUY, OrderType.PEGGED, D("0.1"), peg_price_type=PegPriceType.LAST, peg_offset=D("-1")
    )
    assert last.ok and last.order is not None and last.order.price == D("99.2")
    moved = sim.set_last_price(BTC, D("100.6"))
    assert [e.order.price for e in moved if isinstance(e, OrderAmended)] == [D("99.6")]
    refusals = [
        sim.submit(BTC, BUY, OrderType.PEGGED, D("0.1")),  # no peg price type
        sim.submit(
            BTC, BUY, OrderType.PEGGED, D("0.1"), price=D("99"), peg_price_type=PegPriceType.MID
        ),
        sim.submit(BTC, BUY, LIMIT, D("0.1"), price=D("99"), peg_price_type=PegPriceType.MID),
    ]
    assert [r.reason for r in refusals] == [RejectReason.INVALID_ORDER] * 3
    # A pegged order's price is the peg's: amending it is refused, its quantity is not.
    assert mid.order is not None
    refused = sim.amend(mid.order.venue_order_id, price=D("95"))
    assert not refused.ok and refused.reason is RejectReason.INVALID_ORDER
    assert sim.amend(mid.order.venue_order_id, quantity=D("0.2")).ok
    with pytest.raises(ValueError, match="cannot seed a PEGGED"):
        sim.seed_order(BTC, BUY, OrderType.PEGGED, D("0.1"))
