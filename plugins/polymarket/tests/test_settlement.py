"""Fills that settle later, end to end against the mock venue on loopback sockets.

A trade is MATCHED (a provisional fill), then MINED and CONFIRMED, or RETRYING and FAILED.
The consumer must see the match once, then exactly one confirmation or one reversal; a
failed trade leaves positions and balances as they were before it; nothing is lost or
counted twice across reconnects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import anyio
import pytest
import tradeport
from tradeport.clients import Reconnected
from tradeport.model.enums import OrderSide, ProductType, SettlementStatus
from tradeport.model.events import (
    OrderAccepted,
    OrderFillConfirmed,
    OrderFilled,
    OrderFillReversed,
)
from tradeport.model.orders import Order
from tradeport_polymarket.constants import COLLATERAL
from tradeport_polymarket.testing import PolymarketHarness
from tradeport_polymarket.testing.harness import ADDRESS

pytestmark = pytest.mark.anyio

TIMEOUT = 15.0


@pytest.fixture
async def harness() -> AsyncIterator[PolymarketHarness]:
    async with PolymarketHarness(settlement="manual") as h:
        yield h


async def _next(venue: Any, kind: type, seen: list[Any]) -> Any:
    with anyio.fail_after(TIMEOUT):
        while True:
            event = await venue.next_event()
            seen.append(event)
            if isinstance(event, kind):
                return event


def _holdings(harness: PolymarketHarness, token: str) -> tuple[Decimal, Decimal]:
    return harness.exchange.balance(COLLATERAL).total, harness.exchange.balance(token).total


async def _bought(venue: Any, harness: PolymarketHarness, seen: list[Any]) -> tuple[Order, str]:
    """A limit BUY of 10 YES at 0.40 that a seller fills in full: (the order, its trade id)."""
    iid = harness.instrument_id(ProductType.BINARY_OUTCOME)
    assert iid is not None
    await venue.instruments.load_all()
    inst = venue.instruments.get(iid)
    order = Order.limit(
        instrument_id=iid,
        side=OrderSide.BUY,
        quantity=inst.make_qty("10"),
        price=inst.make_price("0.40"),
    )
    await venue.execution.submit_order(order)
    accepted = await _next(venue, OrderAccepted, seen)
    result = harness.exchange.fill(str(accepted.venue_order_id))
    assert result.ok, result.message
    await harness.push_account_events()
    fill = await _next(venue, OrderFilled, seen)
    assert fill.settlement is SettlementStatus.PROVISIONAL
    return order, str(fill.trade_id)


async def test_a_failed_trade_is_reversed_and_leaves_balances_and_positions_as_before(
    harness: PolymarketHarness,
) -> None:
    token = str(harness.instrument_id(ProductType.BINARY_OUTCOME).symbol)  # type: ignore[union-attr]
    before = _holdings(harness, token)
    async with tradeport.open_venue("polymarket", harness.client_config()) as venue:
        seen: list[Any] = []
        _, trade_id = await _bought(venue, harness, seen)
        assert _holdings(harness, token) != before  # the match moved pUSD and tokens
        await harness.fail_trade(trade_id)
        reversed_ = await _next(venue, OrderFillReversed, seen)
        assert str(reversed_.trade_id) == trade_id
        assert reversed_.last_qty.as_decimal() == Decimal(10)
        assert reversed_.last_px.as_decimal() == Decimal("0.40")
        assert _holdings(harness, token) == before
        positions = await venue.execution.position_status_reports(
            harness.instrument_id(ProductType.BINARY_OUTCOME)
        )
        assert [p.quantity.as_decimal() for p in positions] == [Decimal(0)]
        state = await venue.execution.account_state()
        assert state.balance(COLLATERAL).total.as_decimal() == before[0]
        # The venue's own report of the trade says it failed, and it is not counted again.
        fills = await venue.execution.fill_reports()
        assert [f.settlement for f in fills] == [SettlementStatus.REVERSED]
    filled = [e for e in seen if isinstance(e, OrderFilled)]
    assert len(filled) == 1
    assert sum(isinstance(e, OrderFillReversed) for e in seen) == 1
    assert not any(isinstance(e, OrderFillConfirmed) for e in seen)


async def test_a_confirmed_trade_is_reported_once_and_settled(harness: PolymarketHarness) -> None:
    async with tradeport.open_venue("polymarket", harness.client_config()) as venue:
        seen: list[Any] = []
        _, trade_id = await _bought(venue, harness, seen)
        await harness.confirm_trade(trade_id)
        confirmed = await _next(venue, OrderFillConfirmed, seen)
        assert str(confirmed.trade_id) == trade_id and confirmed.detail == "CONFIRMED"
        # The venue repeats the trade on REST: reconciliation keeps one settled fill.
        status = await venue.execution.mass_status()
        fills = [f for f in status.fill_reports if str(f.trade_id) == trade_id]
        assert [f.settlement for f in fills] == [SettlementStatus.FINAL]
    assert sum(isinstance(e, OrderFilled) for e in seen) == 1
    assert sum(isinstance(e, OrderFillConfirmed) for e in seen) == 1


async def test_a_settlement_while_disconnected_is_recovered_once(
    harness: PolymarketHarness,
) -> None:
    config = harness.client_config(reconnect_delay_initial=0.05, reconnect_delay_max=0.2)
    async with tradeport.open_venue("polymarket", config) as venue:
        seen: list[Any] = []
        _, trade_id = await _bought(venue, harness, seen)
        await harness.refuse_connections(True)
        await harness.drop_connections("rst")
        # Settled while nobody listens: the user channel misses MINED and CONFIRMED.
        await harness.confirm_trade(trade_id)
        await harness.refuse_connections(False)
        confirmed = await _next(venue, OrderFillConfirmed, seen)
        assert str(confirmed.trade_id) == trade_id
        # Later repeats (a second drop and its reconciliation, done before the user stream
        # says it is back) add nothing.
        await harness.drop_connections("fin")
        await _next(venue, Reconnected, seen)
        while not (isinstance(seen[-1], Reconnected) and seen[-1].stream == "user"):
            await _next(venue, Reconnected, seen)
    assert sum(isinstance(e, OrderFilled) for e in seen) == 1
    assert sum(isinstance(e, OrderFillConfirmed) for e in seen) == 1


async def test_the_order_signed_for_the_wallet_is_the_one_the_venue_recovers(
    harness: PolymarketHarness,
) -> None:
    """Every order the venue accepted carried an EIP-712 signature recovering to the key's
    address, for the market's exchange (the neg-risk market's orders for the neg-risk one)."""
    from tradeport.model.identifiers import InstrumentId
    from tradeport_polymarket.testing.harness import NEG_RISK_YES

    async with tradeport.open_venue("polymarket", harness.client_config()) as venue:
        await venue.instruments.load_all()
        seen: list[Any] = []
        for token in (str(harness.instrument_id(ProductType.BINARY_OUTCOME).symbol), NEG_RISK_YES):  # type: ignore[union-attr]
            iid = InstrumentId.of(token, "POLYMARKET")
            inst = venue.instruments.get(iid)
            assert inst.info["neg_risk"] is (token == NEG_RISK_YES)
            order = Order.limit(
                instrument_id=iid,
                side=OrderSide.BUY,
                quantity=inst.make_qty("5"),
                price=inst.make_price("0.10"),
            )
            await venue.execution.submit_order(order)
            accepted = await _next(venue, OrderAccepted, seen)
            assert harness.exchange.order(str(accepted.venue_order_id)) is not None
    orders = [r for r in harness.requests if r.path == "/order"]
    assert len(orders) == 2 and all(r.signature_ok for r in orders)
    assert ADDRESS  # the harness's wallet signed both
