"""Helpers shared by the scenario tests: waiting for events, picking instruments, prices."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.model.enums import ProductType

__all__ = [
    "EVENT_TIMEOUT",
    "absent_feature",
    "far_bid_order",
    "submit_outcome",
    "next_matching",
    "collect_until",
    "pick_instrument",
    "prices_for",
    "is_ns",
    "seed_book",
    "events_seen",
]

#: Deadline for anything the venue should cause (generous: 2-core CI machines get loaded).
EVENT_TIMEOUT = 15.0

_PRODUCT_ORDER = (
    ProductType.SPOT,
    ProductType.PERPETUAL,
    ProductType.FUTURE,
    ProductType.OPTION,
    ProductType.EQUITY,
    ProductType.BETTING,
    ProductType.BINARY_OUTCOME,
)


def _backlog(venue: Any) -> list[Any]:
    """Events read while waiting for something else, kept for later waits (two orders canceled
    together must not lose one cancel because the suite waited for the other first)."""
    backlog = getattr(venue, "_conformance_backlog", None)
    if backlog is None:
        backlog = []
        venue._conformance_backlog = backlog
    return backlog


def events_seen(venue: Any) -> list[Any]:
    """Every event the suite has read from ``venue`` so far (matched or not), in order: what
    duplicate checks count."""
    log = getattr(venue, "_conformance_log", None)
    if log is None:
        log = []
        venue._conformance_log = log
    return log


async def next_matching(
    venue: Any,
    predicate: Callable[[Any], bool],
    *,
    timeout: float = EVENT_TIMEOUT,
    what: str = "event",
    seen: list[Any] | None = None,
) -> Any:
    """The next event (oldest first) that satisfies ``predicate``.

    Events already read but not yet matched are looked at first, then new ones from
    ``venue.events()``. Events that do not match stay available to later waits (and are
    appended to ``seen`` when given, so a test can assert on what came before). Fails the test
    with ``what`` after ``timeout`` seconds.
    """
    backlog = _backlog(venue)
    for index, event in enumerate(backlog):
        if predicate(event):
            if seen is not None:
                seen.extend(backlog[:index])
            del backlog[index]
            return event
    if seen is not None:
        seen.extend(backlog)
    try:
        with anyio.fail_after(timeout):
            while True:
                event = await venue.next_event()
                events_seen(venue).append(event)
                if predicate(event):
                    return event
                backlog.append(event)
                if seen is not None:
                    seen.append(event)
    except TimeoutError:
        pytest.fail(f"no {what} within {timeout}s", pytrace=False)


async def collect_until(
    venue: Any,
    stop: Callable[[Any], bool],
    *,
    timeout: float = EVENT_TIMEOUT,
    what: str = "event",
) -> list[Any]:
    """Every event up to and including the first one for which ``stop`` is true."""
    seen: list[Any] = []
    last = await next_matching(venue, stop, timeout=timeout, what=what, seen=seen)
    return [*seen, last]


def pick_instrument(harness: Any, capabilities: Any, product: ProductType | None = None) -> Any:
    """An instrument id the harness seeded: of ``product``, else of the first declared family."""
    products = [product] if product else [p for p in _PRODUCT_ORDER if p in capabilities.products]
    for p in products:
        iid = harness.instrument_id(p)
        if iid is not None:
            return iid
    pytest.fail(f"harness seeds no instrument for {products}", pytrace=False)


def prices_for(instrument: Any, mid: Decimal | None = None) -> dict[str, Decimal]:
    """Valid prices and sizes for ``instrument``: on its increments, within its limits."""
    tick = instrument.price_increment.as_decimal()
    step = instrument.size_increment.as_decimal()
    top = instrument.max_price.as_decimal() if instrument.max_price is not None else None
    if mid is None:
        mid = (Decimal(1000) / tick).to_integral_value() * tick
        if top is not None and mid >= top:
            # A bounded price range (an outcome token's 0..1): the middle of it.
            bottom = instrument.min_price.as_decimal() if instrument.min_price is not None else tick
            mid = ((bottom + top) / 2 / tick).to_integral_value() * tick
    min_qty = instrument.min_quantity.as_decimal() if instrument.min_quantity is not None else step
    size = max(min_qty, step) * 10
    ladder = getattr(instrument, "price_ladder", None)
    if ladder is not None:
        # Odds on a ladder (Betfair): the tick depends on the price, so every price is a
        # number of ladder steps from a mid on the ladder.
        return {**_ladder_prices(ladder, mid), "size": size, "tick": tick, "step": step}
    return {
        "mid": mid,
        "bid": mid - tick * 10,
        "ask": mid + tick * 10,
        "far_bid": mid - tick * 1000 if mid - tick * 1000 > 0 else tick,
        "far_ask": mid + tick * 1000 if top is None or mid + tick * 1000 <= top else top,
        # Where resting buys go: far from the market, with room for a few ticks below it
        # (on a bounded range far_bid is its floor).
        "rest": (mid - tick * 1000 if mid - tick * 1000 > 0 else tick) + tick * 10,
        "size": size,
        "tick": tick,
        "step": step,
    }


def _ladder_prices(ladder: Any, mid: Decimal) -> dict[str, Decimal]:
    from tradeport.model.enums import OrderSide
    from tradeport.model.numbers import Price

    def steps(price: Any, count: int, up: bool) -> Decimal:
        for _ in range(count):
            if price in (ladder.max_price if up else ladder.min_price,):
                break
            price = ladder.next_up(price) if up else ladder.next_down(price)
        return price.as_decimal()

    on = ladder.round(Price(mid), OrderSide.SELL)  # the first ladder price at or above mid
    return {
        "mid": on.as_decimal(),
        "bid": steps(on, 10, up=False),
        "ask": steps(on, 10, up=True),
        "far_bid": steps(on, 1000, up=False),
        "far_ask": steps(on, 1000, up=True),
        "rest": steps(ladder.round(Price(steps(on, 1000, up=False)), OrderSide.SELL), 10, up=True),
    }


def is_ns(ts: Any) -> bool:
    """An int UNIX timestamp in nanoseconds (after 2001, before 2286)."""
    return isinstance(ts, int) and not isinstance(ts, bool) and 10**18 <= ts < 10**19


async def seed_book(harness: Any, inst: Any, p: dict[str, Decimal]) -> None:
    """Give the venue a five-level book around ``p``'s bid and ask, so orders at the suite's
    far and resting prices rest instead of filling."""
    tick = p["tick"]
    await harness.set_book(
        inst.id,
        bids=[(p["bid"] - tick * i, p["size"] * (i + 1)) for i in range(5)],
        asks=[(p["ask"] + tick * i, p["size"] * (i + 1)) for i in range(5)],
    )


def absent_feature(harness: Any, feature: str, default: str) -> str:
    """The skip reason for a scenario that needs ``features.<feature>``: the venue's own
    reason when the harness gives one (``VenueHarness.absent_features``: the venue has no such
    thing), else ``default`` (the harness has not implemented the hook)."""
    reason = dict(getattr(harness, "absent_features", None) or {}).get(feature)
    return f"{reason} (features.{feature})" if reason else default


def far_bid_order(inst: Any, p: dict[str, Decimal]) -> Any:
    """A BUY limit order of the suite's size far below the market (it rests, never fills)."""
    from tradeport.model.enums import OrderSide
    from tradeport.model.orders import Order

    return Order.limit(
        instrument_id=inst.id,
        side=OrderSide.BUY,
        quantity=inst.make_qty(p["size"]),
        price=inst.make_price(p["far_bid"]),
    )


async def submit_outcome(venue: Any, order: Any) -> Any:
    """Submit ``order`` and return its OrderAccepted or OrderRejected."""
    from tradeport.model.events import OrderAccepted, OrderRejected

    await venue.execution.submit_order(order)
    return await next_matching(
        venue,
        lambda e: (
            isinstance(e, (OrderAccepted, OrderRejected))
            and e.client_order_id == order.client_order_id
        ),
        what=f"the outcome of {order.client_order_id}",
    )
