"""The venue's truth: compare what a client reports with the SimulatedExchange, field by field.

Scenarios that only check that *something* arrived let through the bugs they exist to catch (a
partial fill reported as filled, a commission dropped, a price rounded through ``float``).
These helpers compare every field the venue knows: order status, quantity, filled and leaves
quantity, price and average price; each fill's trade id, quantity, price, commission amount and
currency, and liquidity side; balances free / locked / total per currency; positions.

:func:`exact_instrument` re-seeds the venue's instrument with a price increment of
``10**-EXACT_DECIMALS``, and :func:`exact_prices` picks prices with more significant digits than
a float keeps (18), so a ``float`` anywhere between the wire and the event fails the comparison.
Harnesses opt in with ``ProtocolFeatures.exact_relisting``; the others (increments derived like
Hyperliquid's, a few fixed ticks like Polymarket's) keep their instrument as listed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from tradeport.model.enums import OrderStatus

from tradeport_conformance.suite.helpers import pick_instrument, prices_for, seed_book

__all__ = [
    "EXACT_DECIMALS",
    "exact_instrument",
    "exact_prices",
    "exact_setup",
    "fill_problems",
    "assert_fill",
    "assert_fills",
    "order_problems",
    "assert_order",
    "balance_problems",
    "assert_balances",
    "position_problems",
    "assert_position",
    "sim_order_for",
    "venue_order_id_of",
    "venue_trade_id_of",
]

#: Decimal places of the re-seeded price increment: 18 significant digits with a six-digit
#: integer part (a float keeps 15 to 17).
EXACT_DECIMALS = 12
_EXACT_MID = Decimal("123456.789012345678")
_EXACT_LOT = Decimal("0.01")

_STATUS_NAMES = {
    "SUBMITTED": {OrderStatus.SUBMITTED, OrderStatus.ACCEPTED},
}


def _dec(value: Any) -> Decimal | None:
    """Decimal of a Price / Quantity / Money / Decimal (None stays None)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    as_decimal = getattr(value, "as_decimal", None)
    if as_decimal is not None:
        return as_decimal()
    amount = getattr(value, "amount", None)
    if amount is not None:
        return _dec(amount)
    return Decimal(str(value))


def venue_order_id_of(harness: Any, sim_venue_order_id: str) -> str:
    """The id the venue's wire uses for the SimulatedExchange's order id (harness hook
    ``venue_order_id``, identity by default)."""
    mapper = getattr(harness, "venue_order_id", None)
    return str(mapper(sim_venue_order_id)) if mapper is not None else sim_venue_order_id


def sim_order_for(harness: Any, order: Any, venue_order_id: Any = None) -> Any:
    """The SimulatedExchange's order for a client's order: by client order id, or (venues
    without client ids, ``features.client_order_ids`` False) by the venue id the client got,
    mapped back through the harness's ``sim_order_id`` (identity by default)."""
    if harness.features.client_order_ids or venue_order_id is None:
        return harness.exchange.order(client_order_id=str(order.client_order_id))
    mapper = getattr(harness, "sim_order_id", None)
    wire = str(venue_order_id)
    return harness.exchange.order(str(mapper(wire)) if mapper is not None else wire)


def venue_trade_id_of(harness: Any, sim_trade_id: str) -> str:
    """The id the venue's wire uses for the SimulatedExchange's trade id (harness hook
    ``venue_trade_id``, identity by default)."""
    mapper = getattr(harness, "venue_trade_id", None)
    return str(mapper(sim_trade_id)) if mapper is not None else sim_trade_id


async def exact_instrument(venue: Any, harness: Any, instrument_id: Any) -> Any:
    """Re-seed ``instrument_id`` at the venue with a ``1e-12`` price increment (when the
    harness declares ``exact_relisting``), load the instruments and return the client's."""
    await venue.instruments.load_all()
    inst = venue.instruments.get(instrument_id)
    if not harness.features.exact_relisting:
        return inst
    sim = harness.exchange.instrument(str(inst.raw_symbol))
    tick = Decimal(1).scaleb(-EXACT_DECIMALS)
    # A coarse lot and rounded commissions keep every amount (notional, fee, balance) within
    # the 18 decimals the model holds, whatever the venue's lot size.
    lot = max(sim.lot_size, _EXACT_LOT)
    harness.exchange.add_instrument(
        dataclasses.replace(
            sim,
            tick_size=tick,
            lot_size=lot,
            min_qty=max(sim.min_qty, lot),
            commission_decimals=EXACT_DECIMALS + 4,
        )
    )
    await venue.instruments.load_all()
    inst = venue.instruments.get(instrument_id)
    assert inst.price_increment.as_decimal() == tick, (
        f"the venue lists {instrument_id} with a price increment of {tick}; "
        f"the client made it {inst.price_increment}"
    )
    return inst


def exact_prices(instrument: Any) -> dict[str, Decimal]:
    """:func:`prices_for` around a mid with as many significant digits as the instrument's
    increment allows (18 on an exact instrument)."""
    tick = instrument.price_increment.as_decimal()
    if tick != Decimal(1).scaleb(-EXACT_DECIMALS):
        return prices_for(instrument)  # not re-listed: the suite's ordinary prices
    mid = (_EXACT_MID / tick).to_integral_value() * tick
    # Move the mid until every price the scenarios trade at is one a float cannot hold.
    for _ in range(1000):
        p = prices_for(instrument, mid)
        used = [p[k] for k in ("mid", "bid", "ask", "far_bid", "far_ask", "rest")]
        used += [p["rest"] - tick * i for i in (1, 2, 4)] + [p["bid"] - tick * i for i in (1, 2)]
        if all(_float_loses(v, tick) for v in used):
            return p
        mid += tick
    return prices_for(instrument, mid)


async def exact_setup(
    venue: Any, harness: Any, capabilities: Any, product: Any = None
) -> tuple[Any, Any, dict[str, Decimal]]:
    """The value scenarios' start: pick an instrument (of ``product``), re-list it exactly
    (:func:`exact_instrument`), choose prices a float cannot hold (:func:`exact_prices`) and
    give the venue a book around them, so far-away orders rest. Returns
    ``(instrument_id, instrument, prices)``."""
    iid = pick_instrument(harness, capabilities, product)
    inst = await exact_instrument(venue, harness, iid)
    p = exact_prices(inst)
    await seed_book(harness, inst, p)
    return iid, inst, p


def _float_loses(value: Decimal, tick: Decimal) -> bool:
    """Whether ``value`` comes back different after a trip through ``float``."""
    return Decimal(repr(float(value))).quantize(tick) != value


# -- fills -----------------------------------------------------------------------------------------


def fill_problems(harness: Any, got: Any, sim_fill: Any) -> list[str]:
    """Differences between a client's OrderFilled / FillReport and the venue's SimFill."""
    problems = []
    want_id = venue_trade_id_of(harness, sim_fill.trade_id)
    if str(got.trade_id) != want_id:
        problems.append(f"trade_id {got.trade_id} != venue's {want_id}")
    if _dec(got.last_qty) != sim_fill.quantity:
        problems.append(f"last_qty {got.last_qty} != venue's {sim_fill.quantity}")
    if _dec(got.last_px) != sim_fill.price:
        problems.append(f"last_px {got.last_px} != venue's {sim_fill.price}")
    commission = getattr(got, "commission", None)
    want_commission = harness.venue_amount(sim_fill.commission_asset, sim_fill.commission)
    if commission is None:
        problems.append(f"no commission (venue's {want_commission} {sim_fill.commission_asset})")
    else:
        if _dec(commission) != want_commission:
            problems.append(f"commission {commission} != venue's {want_commission}")
        if str(commission.currency) != sim_fill.commission_asset:
            problems.append(
                f"commission currency {commission.currency} != venue's {sim_fill.commission_asset}"
            )
    if got.liquidity_side != sim_fill.liquidity_side:
        problems.append(f"liquidity_side {got.liquidity_side} != venue's {sim_fill.liquidity_side}")
    return problems


def assert_fill(harness: Any, got: Any, sim_fill: Any) -> None:
    """Fail naming every field in which ``got`` differs from the venue's fill."""
    problems = fill_problems(harness, got, sim_fill)
    assert not problems, f"fill {sim_fill.trade_id}: " + "; ".join(problems)


def assert_fills(harness: Any, got: Sequence[Any], sim_fills: Iterable[Any]) -> None:
    """Every venue fill reported exactly once, each with the venue's values."""
    by_id: dict[str, list[Any]] = {}
    for item in got:
        by_id.setdefault(str(item.trade_id), []).append(item)
    for sim_fill in sim_fills:
        want = venue_trade_id_of(harness, sim_fill.trade_id)
        found = by_id.get(want, [])
        assert found, f"venue fill {want} not reported (got {sorted(by_id)})"
        assert len(found) == 1, f"venue fill {want} reported {len(found)} times"
        assert_fill(harness, found[0], sim_fill)


# -- orders ----------------------------------------------------------------------------------------


def order_problems(harness: Any, report: Any, sim_order: Any) -> list[str]:
    """Differences between a client's OrderStatusReport and the venue's SimOrder."""
    problems = []
    want_id = venue_order_id_of(harness, sim_order.venue_order_id)
    if str(report.venue_order_id) != want_id:
        problems.append(f"venue_order_id {report.venue_order_id} != venue's {want_id}")
    status = report.order_status
    want = sim_order.status
    if status != want and status not in _STATUS_NAMES.get(want.value, ()):
        problems.append(f"status {status.value} != venue's {want.value}")
    if _dec(report.quantity) != sim_order.quantity:
        problems.append(f"quantity {report.quantity} != venue's {sim_order.quantity}")
    if _dec(report.filled_qty) != sim_order.filled_qty:
        problems.append(f"filled_qty {report.filled_qty} != venue's {sim_order.filled_qty}")
    leaves = sim_order.quantity - sim_order.filled_qty
    if _dec(report.leaves_qty) != leaves:
        problems.append(f"leaves_qty {report.leaves_qty} != venue's {leaves}")
    if sim_order.price is not None and _dec(report.price) != sim_order.price:
        problems.append(f"price {report.price} != venue's {sim_order.price}")
    avg_reported = harness.features.order_avg_px or report.avg_px is not None
    if sim_order.filled_qty > 0 and avg_reported and _dec(report.avg_px) != sim_order.avg_px:
        problems.append(f"avg_px {report.avg_px} != venue's {sim_order.avg_px}")
    return problems


def assert_order(harness: Any, report: Any, sim_order: Any) -> None:
    """Fail naming every field in which ``report`` differs from the venue's order."""
    assert report is not None, f"venue order {sim_order.venue_order_id} not reported"
    problems = order_problems(harness, report, sim_order)
    assert not problems, f"order {sim_order.venue_order_id}: " + "; ".join(problems)


# -- balances --------------------------------------------------------------------------------------


def balance_problems(harness: Any, state: Any, sim_balances: Iterable[Any]) -> list[str]:
    """Differences between an AccountState's balances and the venue's, per currency.

    Every currency the client reports must equal the venue's free / locked / total (as the
    venue reports amounts: ``harness.venue_amount``); every currency the venue holds a
    non-zero total of must be reported.
    """
    venue = {b.asset: b for b in sim_balances}
    problems = []
    reported = set()
    for bal in state.balances:
        currency = str(bal.currency)
        reported.add(currency)
        sim = venue.get(currency)
        if sim is None:
            if _dec(bal.total) != 0:
                problems.append(f"{currency}: reported {bal.total}, the venue holds none")
            continue
        total = harness.venue_amount(currency, sim.total)
        free = harness.venue_amount(currency, sim.free)
        for field, want in (("total", total), ("free", free), ("locked", total - free)):
            got = _dec(getattr(bal, field))
            if got != want:
                problems.append(f"{currency} {field} {got} != venue's {want}")
    missing = sorted(a for a, b in venue.items() if b.total != 0 and a not in reported)
    if missing:
        problems.append(f"balances of {', '.join(missing)} not reported")
    return problems


def assert_balances(harness: Any, state: Any) -> None:
    """Fail naming every balance field that differs from the venue's."""
    assert state.balances, "account state without balances"
    problems = balance_problems(harness, state, harness.exchange.balances())
    assert not problems, "balances differ from the venue's: " + "; ".join(problems)


# -- positions -------------------------------------------------------------------------------------


def position_problems(reports: Sequence[Any], sim_position: Any) -> list[str]:
    """Differences between a client's PositionStatusReports of one instrument and the venue's
    SimPosition: the side, the quantity and the average entry price of the open position;
    nothing open when the venue is flat."""
    held = [r for r in reports if _dec(r.quantity)]
    if sim_position.quantity == 0:
        return [f"flat at the venue, reported {r.position_side.value} {r.quantity}" for r in held]
    if len(held) != 1:
        return [
            f"the venue holds {sim_position.side.value} {sim_position.quantity}, reported "
            f"{[(r.position_side.value, str(r.quantity)) for r in held]}"
        ]
    (got,) = held
    problems = []
    if got.position_side != sim_position.side:
        problems.append(f"side {got.position_side.value} != venue's {sim_position.side.value}")
    if _dec(got.quantity) != sim_position.quantity:
        problems.append(f"quantity {got.quantity} != venue's {sim_position.quantity}")
    if _dec(got.avg_px_open) != sim_position.avg_entry_price:
        problems.append(f"avg_px_open {got.avg_px_open} != venue's {sim_position.avg_entry_price}")
    return problems


def assert_position(reports: Sequence[Any], sim_position: Any) -> None:
    """Fail naming every field in which the reported position differs from the venue's."""
    problems = position_problems(reports, sim_position)
    assert not problems, f"position {sim_position.symbol}: " + "; ".join(problems)


def require_sim(value: Any, what: str) -> Any:
    """``value``, or fail the test saying the venue has no such thing."""
    if value is None:
        pytest.fail(f"the venue has no {what}", pytrace=False)
    return value
