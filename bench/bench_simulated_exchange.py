"""Throughput of the SimulatedExchange: orders per second for submit + match + cancel cycles.

    python bench/bench_simulated_exchange.py            # full run
    python bench/bench_simulated_exchange.py --quick    # a short run (nox -s bench)

Scenarios (each with one listener subscribed, as under a mock venue):
- rest+cancel: a limit order rests, then is canceled (2 commands per order);
- take: a market order sweeps one level and part of the next, then the emptied level is
  refilled (1 order + 1 book update per cycle);
- cycle: the brief's submit + match + cancel: one resting limit, one marketable IOC limit that
  takes two levels, one cancel, one book refill (2 orders per cycle);
- perp cycle: the same on a linear perpetual (positions, margin, realized PnL).

The in-process baseline is the cost of the bare minimum any order store pays per order: building
one order record, inserting it into and removing it from a dict. ``x baseline`` says how many
times that the exchange costs; it is steadier across machines than the absolute rate.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

try:
    from tradeport_conformance.simulated import SimInstrument, SimOrder, SimulatedExchange
except ImportError:  # run from a checkout without installing: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance" / "src"))
    from tradeport_conformance.simulated import SimInstrument, SimOrder, SimulatedExchange

from tradeport.model.enums import OrderSide, OrderType, ProductType, TimeInForce

D = Decimal
SYMBOL = "BTCUSDT"
TARGET_ORDERS_PER_SECOND = 20_000  # "tens of thousands"
ASKS = [(D("101"), D("1")), (D("102"), D("1")), (D("103"), D("1000000"))]
BIDS = [(D("99"), D("1")), (D("98"), D("1000000"))]


def new_exchange(product_type: ProductType) -> SimulatedExchange:
    sim = SimulatedExchange(seed=1)
    sim.add_instrument(
        SimInstrument(
            symbol=SYMBOL,
            product_type=product_type,
            base_asset="BTC",
            quote_asset="USDT",
            tick_size=D("0.01"),
            lot_size=D("0.001"),
            maker_fee=D("0.0002"),
            taker_fee=D("0.0005"),
        )
    )
    sim.set_balance("USDT", D("1000000000"))
    sim.set_balance("BTC", D("1000000"))
    sim.set_book(SYMBOL, bids=BIDS, asks=ASKS)
    sim.subscribe(lambda event: None)
    return sim


def rest_and_cancel(sim: SimulatedExchange, cycles: int) -> int:
    quantity, price = D("0.5"), D("95")
    for _ in range(cycles):
        order = sim.submit(SYMBOL, OrderSide.BUY, OrderType.LIMIT, quantity, price=price).order
        assert order is not None
        sim.cancel(order.venue_order_id)
    return cycles


def take(sim: SimulatedExchange, cycles: int) -> int:
    quantity = D("1.5")
    for _ in range(cycles):
        sim.submit(SYMBOL, OrderSide.BUY, OrderType.MARKET, quantity)
        sim.update_level(SYMBOL, OrderSide.SELL, D("101"), D("1"))
    return cycles


def full_cycle(sim: SimulatedExchange, cycles: int) -> int:
    rest_qty, rest_px, take_qty, take_px = D("0.5"), D("95"), D("1.5"), D("102")
    ioc = TimeInForce.IOC
    for _ in range(cycles):
        resting = sim.submit(SYMBOL, OrderSide.BUY, OrderType.LIMIT, rest_qty, price=rest_px).order
        assert resting is not None
        sim.submit(
            SYMBOL, OrderSide.BUY, OrderType.LIMIT, take_qty, price=take_px, time_in_force=ioc
        )
        sim.cancel(resting.venue_order_id)
        sim.set_book(SYMBOL, bids=BIDS, asks=ASKS)
    return 2 * cycles


def perp_cycle(sim: SimulatedExchange, cycles: int) -> int:
    quantity = D("1.5")
    for index in range(cycles):
        # Alternate sides so the position goes long, flat, short... and PnL is realized.
        side = OrderSide.BUY if index % 2 == 0 else OrderSide.SELL
        resting = sim.submit(SYMBOL, side, OrderType.LIMIT, D("0.5"), price=D("100")).order
        assert resting is not None
        sim.submit(SYMBOL, side, OrderType.MARKET, quantity)
        sim.cancel(resting.venue_order_id)
        sim.set_book(SYMBOL, bids=BIDS, asks=ASKS)
    return 2 * cycles


def baseline(cycles: int) -> int:
    store: dict[str, SimOrder] = {}
    quantity, price = D("0.5"), D("95")
    for index in range(cycles):
        order_id = str(index)
        store[order_id] = SimOrder(
            order_id, None, SYMBOL, OrderSide.BUY, OrderType.LIMIT, quantity, price=price
        )
        del store[order_id]
    return cycles


def measure(run: Callable[[int], int], cycles: int, repeats: int) -> float:
    """Best orders/second over ``repeats`` runs (the least disturbed by other load)."""
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        orders = run(cycles)
        elapsed = time.perf_counter() - started
        best = max(best, orders / elapsed)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run")
    args = parser.parse_args()
    cycles, repeats = (2_000, 2) if args.quick else (20_000, 5)

    base_rate = measure(baseline, cycles, repeats)
    # (name, run, held to the target): the target is set for submit + match + cancel cycles.
    scenarios: list[tuple[str, Callable[[int], int], bool]] = [
        ("rest+cancel", lambda n: rest_and_cancel(new_exchange(ProductType.SPOT), n), False),
        ("take", lambda n: take(new_exchange(ProductType.SPOT), n), False),
        ("cycle (spot)", lambda n: full_cycle(new_exchange(ProductType.SPOT), n), True),
        ("cycle (perp)", lambda n: perp_cycle(new_exchange(ProductType.PERPETUAL), n), True),
    ]
    print(f"SimulatedExchange, {cycles} cycles, best of {repeats}")
    print(f"{'scenario':<18}{'orders/s':>12}{'us/order':>10}{'x baseline':>12}")
    print(f"{'baseline':<18}{base_rate:>12,.0f}{1e6 / base_rate:>10.1f}{1.0:>12.1f}")
    slowest_cycle = float("inf")
    for name, run, held_to_target in scenarios:
        rate = measure(run, cycles, repeats)
        if held_to_target:
            slowest_cycle = min(slowest_cycle, rate)
        print(f"{name:<18}{rate:>12,.0f}{1e6 / rate:>10.1f}{base_rate / rate:>12.1f}")
    verdict = "meets" if slowest_cycle >= TARGET_ORDERS_PER_SECOND else "MISSES"
    target = f"{TARGET_ORDERS_PER_SECOND:,}"
    print(f"slowest cycle {slowest_cycle:,.0f} orders/s: {verdict} the {target} orders/s target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
