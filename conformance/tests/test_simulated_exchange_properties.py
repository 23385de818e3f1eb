"""Properties of SimulatedExchange under random command sequences (hypothesis): balances stay
consistent and conserved, orders never overfill, nothing stays locked once everything is closed,
and the same seed with the same inputs gives the same events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    OrderType,
    PositionSide,
    ProductType,
    TimeInForce,
)
from tradeport_conformance.simulated import (
    OrderEvent,
    OrderFilled,
    SimEvent,
    SimInstrument,
    SimulatedExchange,
)

D = Decimal
T0 = 1_700_000_000_000_000_000
SYMBOL = "BTCUSDT"
SECOND = 1_000_000_000

sides = st.sampled_from([OrderSide.BUY, OrderSide.SELL])
prices = st.integers(190, 210).map(lambda ticks: D(ticks) / 2)  # 95.0 .. 105.0 by 0.5
quantities = st.integers(1, 3000).map(lambda lots: D(lots) / 1000)
order_refs = st.integers(0, 30)
limit_commands = st.tuples(
    st.just("limit"),
    sides,
    quantities,
    prices,
    st.sampled_from([TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD]),
    st.booleans(),
)
commands = st.one_of(
    limit_commands,
    limit_commands,  # twice: most scripts should keep several orders working
    st.tuples(st.just("market"), sides, quantities),
    st.tuples(st.just("stop"), sides, quantities, prices),
    st.tuples(st.just("cancel"), order_refs),
    st.tuples(st.just("amend"), order_refs, st.none() | quantities, st.none() | prices),
    st.tuples(st.just("fill"), order_refs, st.integers(1, 4)),
    st.tuples(
        st.just("trade"),
        prices,
        quantities,
        st.sampled_from([AggressorSide.BUYER, AggressorSide.SELLER]),
    ),
    st.tuples(
        st.just("level"), sides, prices, st.integers(0, 3000).map(lambda lots: D(lots) / 1000)
    ),
    st.tuples(st.just("last"), prices),
    st.tuples(st.just("time"), st.integers(1, 20)),
)
scripts = st.lists(commands, min_size=5, max_size=60)


def new_exchange(product_type: ProductType, seed: int = 11) -> SimulatedExchange:
    sim = SimulatedExchange(seed=seed, start_time_ns=T0)
    sim.add_instrument(
        SimInstrument(
            symbol=SYMBOL,
            product_type=product_type,
            base_asset="BTC",
            quote_asset="USDT",
            tick_size=D("0.5"),
            lot_size=D("0.001"),
            maker_fee=D("0.001"),
            taker_fee=D("0.002"),
        )
    )
    sim.set_balance("USDT", D("1000"))
    if product_type is ProductType.SPOT:
        sim.set_balance("BTC", D("5"))
    sim.set_book(
        SYMBOL,
        bids=[(D("99.5"), D("1")), (D("99"), D("2"))],
        asks=[(D("100"), D("1")), (D("100.5"), D("2"))],
    )
    return sim


def run(
    sim: SimulatedExchange, command: tuple[Any, ...], placed: list[str]
) -> tuple[SimEvent, ...]:
    """Apply one scripted command; ``placed`` collects venue order ids for later references."""
    kind = command[0]
    ref = placed[command[1] % len(placed)] if placed and isinstance(command[1], int) else "none"
    if kind == "limit":
        _, side, quantity, price, tif, post_only = command
        expiry = sim.now() + 5 * SECOND if tif is TimeInForce.GTD else None
        post_only = post_only and tif not in (TimeInForce.IOC, TimeInForce.FOK)
        result = sim.submit(
            SYMBOL,
            side,
            OrderType.LIMIT,
            quantity,
            price=price,
            time_in_force=tif,
            expire_time_ns=expiry,
            post_only=post_only,
        )
    elif kind == "market":
        result = sim.submit(SYMBOL, command[1], OrderType.MARKET, command[2])
    elif kind == "stop":
        result = sim.submit(
            SYMBOL, command[1], OrderType.STOP_MARKET, command[2], trigger_price=command[3]
        )
    elif kind == "cancel":
        result = sim.cancel(ref)
    elif kind == "amend":
        if command[2] is None and command[3] is None:
            return ()
        result = sim.amend(ref, quantity=command[2], price=command[3])
    elif kind == "fill":
        order = sim.order(ref) if placed else None
        if (
            order is None
            or not order.is_open
            or (order.is_conditional and order.ts_triggered is None)
        ):
            return ()
        quantity = (order.leaves_qty / command[2]).quantize(D("0.001"))
        if quantity <= 0:
            return ()
        result = sim.fill(ref, quantity=quantity)
    elif kind == "trade":
        return sim.trade(SYMBOL, command[1], command[2], command[3])
    elif kind == "level":
        return sim.update_level(SYMBOL, command[1], command[2], command[3])
    elif kind == "last":
        return sim.set_last_price(SYMBOL, command[1])
    else:
        return sim.advance_time(sim.now() + command[1] * SECOND)
    if result.ok and result.order is not None and result.order.is_open:
        placed.append(result.order.venue_order_id)  # worth cancelling, amending, filling
    return result.events


def check_orders(sim: SimulatedExchange, events: tuple[SimEvent, ...]) -> None:
    for order in sim.open_orders():
        assert 0 <= order.filled_qty < order.quantity
        assert order.is_open
    for event in events:
        if isinstance(event, OrderEvent):
            assert 0 <= event.order.filled_qty <= event.order.quantity


@settings(max_examples=300, deadline=None)
@given(scripts)
def test_spot_balances_stay_consistent_and_conserved(script: list[tuple[Any, ...]]) -> None:
    sim = new_exchange(ProductType.SPOT)
    placed: list[str] = []
    for command in script:
        events = run(sim, command, placed)
        check_orders(sim, events)
        for balance in sim.balances():
            assert balance.total == balance.free + balance.locked
            assert balance.free >= 0
            assert balance.locked >= 0
    # Every unit of each asset is accounted for by the fills.
    usdt, btc = D("1000"), D("5")
    for fill in sim.fills():
        if fill.side is OrderSide.BUY:
            usdt -= fill.quantity * fill.price
            btc += fill.quantity - fill.commission
        else:
            usdt += fill.quantity * fill.price - fill.commission
            btc -= fill.quantity
    assert sim.balance("USDT").total == usdt
    assert sim.balance("BTC").total == btc
    sim.cancel_all()
    assert all(balance.locked == 0 for balance in sim.balances())


@settings(max_examples=300, deadline=None)
@given(scripts)
def test_derivative_margin_is_released_and_pnl_settles(script: list[tuple[Any, ...]]) -> None:
    sim = new_exchange(ProductType.PERPETUAL)
    placed: list[str] = []
    for command in script:
        events = run(sim, command, placed)
        check_orders(sim, events)
        balance = sim.balance("USDT")
        assert balance.total == balance.free + balance.locked
        assert balance.locked >= 0
        position = sim.position(SYMBOL)
        assert position.margin == position.quantity * position.avg_entry_price / 10
    net = sum((f.quantity if f.side is OrderSide.BUY else -f.quantity for f in sim.fills()), D(0))
    assert sim.position(SYMBOL).signed_quantity == net
    # Close everything against a deep book: no margin may stay locked.
    sim.cancel_all()
    sim.set_book(SYMBOL, bids=[(D("100"), D("1000000"))], asks=[(D("100"), D("1000000"))])
    position = sim.position(SYMBOL)
    if position.side is not PositionSide.FLAT:
        side = OrderSide.SELL if position.side is PositionSide.LONG else OrderSide.BUY
        assert sim.submit(SYMBOL, side, OrderType.MARKET, position.quantity, reduce_only=True).ok
    assert sim.position(SYMBOL).side is PositionSide.FLAT
    assert sim.balance("USDT").locked == 0
    realized = sum((f.realized_pnl or D(0) for f in sim.fills()), D(0))
    commissions = sum((f.commission for f in sim.fills()), D(0))
    assert sim.balance("USDT").total == D("1000") + realized - commissions
    assert sim.position(SYMBOL).realized_pnl == realized


@settings(max_examples=60, deadline=None)
@given(scripts)
def test_same_seed_and_inputs_give_identical_events(script: list[tuple[Any, ...]]) -> None:
    logs = []
    for _ in range(2):
        sim = new_exchange(ProductType.PERPETUAL, seed=5)
        delivered: list[SimEvent] = []
        sim.subscribe(delivered.append)
        placed: list[str] = []
        returned = [event for command in script for event in run(sim, command, placed)]
        assert returned == delivered
        logs.append(delivered)
    assert logs[0] == logs[1]


def test_different_seeds_give_different_ids() -> None:
    ids = []
    for seed in (1, 2):
        sim = new_exchange(ProductType.SPOT, seed=seed)
        result = sim.submit(SYMBOL, OrderSide.BUY, OrderType.MARKET, D("1"))
        assert result.order is not None
        fills = [e.fill for e in result.events if isinstance(e, OrderFilled)]
        ids.append((result.order.venue_order_id, fills[0].trade_id))
    assert ids[0][0] != ids[1][0]
    assert ids[0][1] != ids[1][1]
