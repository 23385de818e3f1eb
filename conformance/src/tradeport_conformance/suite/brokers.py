"""BROKERS (BR1-BR3): instruments looked up before use, trading sessions, one symbol on
several exchanges.

Gated by ``capability:resolve_instruments`` (BR2 also by a DAY limit order). The harness
controls they need default to "cannot" (:class:`~tradeport_conformance.harness.VenueHarness`:
``ambiguous_symbol``, ``same_symbol_listings``, ``set_trading_session``), so a venue whose
harness lacks one skips the scenario with that reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tradeport.errors import AmbiguousInstrument, UnknownInstrument
from tradeport.model.enums import OrderSide, TimeInForce
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.model.orders import Order

from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import next_matching, pick_instrument, prices_for

pytestmark = pytest.mark.anyio

__all__ = ["TestBrokers"]


async def _control(call: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    """A harness control; the scenario skips when the harness cannot."""
    try:
        return await call(*args)
    except NotImplementedError as exc:
        pytest.skip(str(exc))


def _outcome(venue: Any, order: Order, *kinds: type, what: str) -> Awaitable[Any]:
    return next_matching(
        venue,
        lambda e: isinstance(e, kinds) and e.client_order_id == order.client_order_id,
        what=what,
    )


@pytest.mark.anyio
class TestBrokers:
    @scenario("BR1")
    @requires("capability:resolve_instruments")
    async def test_resolution(self, harness, open_session, venue_spec, venue_capabilities):
        """A symbol the venue lists once resolves to it; an unknown one is a typed error."""
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("none", connect=False) as venue:
            resolved = await venue.instruments.resolve(iid.symbol.value)
            assert resolved.id == iid
            with pytest.raises(UnknownInstrument):
                await venue.instruments.resolve("NO-SUCH-SYMBOL-XYZ")

    @scenario("BR1")
    @requires("capability:resolve_instruments")
    async def test_resolution_with_ambiguity(
        self, harness, open_session, venue_spec, venue_capabilities
    ):
        """A symbol the venue lists on several exchanges is ambiguous: every candidate named
        (the harness names one in ``ambiguous_symbol``), none kept as a guess."""
        ambiguous = getattr(harness, "ambiguous_symbol", None)
        if ambiguous is None:
            pytest.skip("the harness names no ambiguous_symbol (listed on two exchanges)")
        async with open_session("none", connect=False) as venue:
            with pytest.raises(AmbiguousInstrument) as err:
                await venue.instruments.resolve(ambiguous)
            candidates = err.value.candidates
            assert len(candidates) >= 2
            assert all(venue.instruments.find(c.id) is None for c in candidates), (
                "a candidate of an ambiguous lookup was kept as if resolved"
            )

    @scenario("BR2")
    @requires("capability:resolve_instruments", "order:LIMIT/DAY")
    async def test_trading_session(self, harness, open_session, venue_spec, venue_capabilities):
        """With the session closed, an order that would cross is refused or held, never
        filled; held, it works once the session opens. A resting DAY order expires (or is
        canceled by the venue) at the session close."""
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("valid") as venue:
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)
            p = prices_for(inst)
            await harness.set_book(
                iid, bids=[(p["bid"], p["size"] * 10)], asks=[(p["ask"], p["size"] * 10)]
            )
            await _control(harness.set_trading_session, iid, False)
            crossing = Order.limit(
                instrument_id=iid,
                side=OrderSide.BUY,
                quantity=inst.make_qty(p["size"]),
                price=inst.make_price(p["ask"]),
                time_in_force=TimeInForce.DAY,
            )
            await venue.execution.submit_order(crossing)
            first = await _outcome(
                venue, crossing, OrderAccepted, OrderRejected, OrderFilled, what="the outcome"
            )
            assert not isinstance(first, OrderFilled), "an order filled outside the session"
            held = isinstance(first, OrderAccepted)
            if not held:
                assert first.reason, "refused outside the session without the venue's reason"
            assert not harness.exchange.fills(), "the venue filled an order outside the session"
            await _control(harness.set_trading_session, iid, True)
            if held:
                fill = await _outcome(
                    venue, crossing, OrderFilled, what="the held order's fill at the open"
                )
                assert fill.last_px.as_decimal() == p["ask"]
            resting = Order.limit(
                instrument_id=iid,
                side=OrderSide.BUY,
                quantity=inst.make_qty(p["size"]),
                price=inst.make_price(p["far_bid"]),
                time_in_force=TimeInForce.DAY,
            )
            await venue.execution.submit_order(resting)
            await _outcome(venue, resting, OrderAccepted, what="the DAY order's acceptance")
            await _control(harness.set_trading_session, iid, False)
            ended = await _outcome(
                venue, resting, OrderExpired, OrderCanceled, what="the DAY order's end at the close"
            )
            assert isinstance(ended, OrderExpired), (
                f"a DAY order ended at the session close as {type(ended).__name__}, not expired"
            )

    @scenario("BR3")
    @requires("capability:resolve_instruments")
    async def test_same_symbol_on_two_exchanges(
        self, harness, open_session, venue_spec, venue_capabilities
    ):
        """The same symbol listed on two exchanges is two instruments: distinct ids (each
        round-tripped through its text form), each resolved to itself, and the bare symbol
        is ambiguous between them."""
        listings = tuple(getattr(harness, "same_symbol_listings", ()) or ())
        if len(listings) < 2:
            pytest.skip("the harness names no same_symbol_listings (one symbol, two exchanges)")
        first, second = listings[:2]
        assert first != second and first.symbol == second.symbol
        async with open_session("none", connect=False) as venue:
            resolved = [await venue.instruments.resolve(iid) for iid in (first, second)]
            assert [r.id for r in resolved] == [first, second]
            assert resolved[0] != resolved[1], "two exchanges' listings resolved to one instrument"
            for inst in resolved:
                assert InstrumentId.from_str(str(inst.id)) == inst.id
                assert venue.instruments.find(inst.id) is inst
            with pytest.raises(AmbiguousInstrument) as err:
                await venue.instruments.resolve(first.symbol.value)
            assert {first, second} <= {c.id for c in err.value.candidates}
