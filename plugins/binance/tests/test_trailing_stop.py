"""Futures TRAILING_STOP_MARKET activation price, by the integration guide's rules, on loopback.

A USD-M session on the Binance mock venue (asyncio and trio): ``activationPrice`` is the order's
trigger price when set, else inferred from the latest subscribed quote (bid for a sell, ask for a
buy), else from the latest subscribed trade; without any of them, or with an offset that is not
in basis points, the order is refused locally and no order request reaches the venue. What the
venue receives is read from its recorded requests (``activationPrice`` and ``callbackRate``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.errors import ValidationError
from tradeport.model.data import QuoteTick, TradeTick
from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    OrderType,
    ProductType,
    TrailingOffsetType,
)
from tradeport.model.events import OrderAccepted
from tradeport.model.identifiers import ClientOrderId, InstrumentId
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order
from tradeport.session import Venue, open_venue
from tradeport_binance.http.query import trailing_activation_price
from tradeport_binance.testing import BinanceFuturesHarness

pytestmark = pytest.mark.anyio

DEADLINE = 10.0
ORDER_PATH = "/fapi/v1/order"


@pytest.fixture
async def harness() -> AsyncIterator[BinanceFuturesHarness]:
    async with BinanceFuturesHarness() as h:
        yield h


@pytest.fixture
async def venue(harness: BinanceFuturesHarness) -> AsyncIterator[Venue]:
    async with open_venue("binance", harness.client_config("valid")) as session:
        await session.instruments.load_all()
        yield session


def _iid(harness: BinanceFuturesHarness) -> InstrumentId:
    iid = harness.instrument_id(ProductType.PERPETUAL)
    assert iid is not None
    return iid


def _trailing(
    venue: Venue,
    iid: InstrumentId,
    side: OrderSide,
    trigger: str | None = None,
    *,
    offset_type: TrailingOffsetType = TrailingOffsetType.BASIS_POINTS,
) -> Order:
    inst = venue.instruments.get(iid)
    return Order(
        client_order_id=ClientOrderId.generate(),
        instrument_id=iid,
        side=side,
        order_type=OrderType.TRAILING_STOP_MARKET,
        quantity=inst.make_qty(Decimal("0.01")),
        trailing_offset=Decimal(100),  # 100 bp = callbackRate 1 (%)
        trailing_offset_type=offset_type,
        trigger_price=inst.make_price(Decimal(trigger)) if trigger is not None else None,
    )


def _order_requests(harness: BinanceFuturesHarness) -> list[dict[str, str]]:
    return [dict(r.query) for r in harness.requests if r.path == ORDER_PATH and r.method == "POST"]


async def _next(venue: Venue, predicate: Callable[[Any], bool]) -> Any:
    with anyio.fail_after(DEADLINE):
        while True:
            event = await venue.next_event()
            if predicate(event):
                return event


async def _submit_and_sent(
    venue: Venue, harness: BinanceFuturesHarness, order: Order
) -> dict[str, str]:
    """Submit ``order``, wait for Binance's acceptance, return the parameters it received."""
    before = len(_order_requests(harness))
    await venue.execution.submit_order(order)
    await _next(
        venue,
        lambda e: isinstance(e, OrderAccepted) and e.client_order_id == order.client_order_id,
    )
    sent = _order_requests(harness)[before:]
    assert len(sent) == 1
    assert sent[0]["type"] == "TRAILING_STOP_MARKET"
    assert sent[0]["newClientOrderId"] == order.client_order_id.value
    return sent[0]


def _no_rest_quote_lookup(harness: BinanceFuturesHarness) -> bool:
    # The old fallback (REST best bid/ask) must be gone: activation comes from the streams.
    return not any(r.path.endswith("/ticker/bookTicker") for r in harness.requests)


async def test_trigger_price_is_the_activation_price(
    harness: BinanceFuturesHarness, venue: Venue
) -> None:
    iid = _iid(harness)
    sent = await _submit_and_sent(venue, harness, _trailing(venue, iid, OrderSide.SELL, "1234.5"))
    assert sent["activationPrice"] == "1234.50"
    assert sent["callbackRate"] == "1"
    assert "stopPrice" not in sent
    assert _no_rest_quote_lookup(harness)


async def test_activation_inferred_from_subscribed_quote(
    harness: BinanceFuturesHarness, venue: Venue
) -> None:
    iid = _iid(harness)
    # Both clients of the session share one cache (wired in plugin.py).
    assert venue.execution.last_prices is venue.data.last_prices
    await venue.data.subscribe_quotes(iid)
    await harness.publish_quote(iid, Decimal("1000.1"), Decimal("1000.3"), Decimal(1), Decimal(2))
    await _next(venue, lambda e: isinstance(e, QuoteTick) and e.instrument_id == iid)
    # A trade as well: the quote wins when both exist.
    await venue.data.subscribe_trades(iid)
    await harness.publish_trade(iid, Decimal("999.0"), Decimal("0.5"), AggressorSide.BUYER)
    await _next(venue, lambda e: isinstance(e, TradeTick) and e.instrument_id == iid)

    sell = await _submit_and_sent(venue, harness, _trailing(venue, iid, OrderSide.SELL))
    assert (sell["activationPrice"], sell["callbackRate"]) == ("1000.10", "1")  # the bid
    buy = await _submit_and_sent(venue, harness, _trailing(venue, iid, OrderSide.BUY))
    assert (buy["activationPrice"], buy["callbackRate"]) == ("1000.30", "1")  # the ask
    assert _no_rest_quote_lookup(harness)


async def test_activation_inferred_from_subscribed_trade_without_quote(
    harness: BinanceFuturesHarness, venue: Venue
) -> None:
    iid = _iid(harness)
    await venue.data.subscribe_trades(iid)
    await harness.publish_trade(iid, Decimal("1001.7"), Decimal("0.5"), AggressorSide.SELLER)
    await _next(venue, lambda e: isinstance(e, TradeTick) and e.instrument_id == iid)
    assert venue.data.last_prices.latest_quote(iid) is None

    for side in (OrderSide.SELL, OrderSide.BUY):
        sent = await _submit_and_sent(venue, harness, _trailing(venue, iid, side))
        assert (sent["activationPrice"], sent["callbackRate"]) == ("1001.70", "1")
    assert _no_rest_quote_lookup(harness)


async def test_refused_without_trigger_quote_or_trade(
    harness: BinanceFuturesHarness, venue: Venue
) -> None:
    iid = _iid(harness)
    with pytest.raises(ValidationError) as caught:
        await venue.execution.submit_order(_trailing(venue, iid, OrderSide.SELL))
    assert caught.value.field == "trigger_price"
    message = str(caught.value)
    assert "set trigger_price" in message and "subscribe to quotes or trades" in message
    assert _order_requests(harness) == []
    assert _no_rest_quote_lookup(harness)


async def test_unsubscribed_quote_is_not_used(harness: BinanceFuturesHarness, venue: Venue) -> None:
    iid = _iid(harness)
    await venue.data.subscribe_quotes(iid)
    await harness.publish_quote(iid, Decimal("1000.1"), Decimal("1000.3"), Decimal(1), Decimal(2))
    await _next(venue, lambda e: isinstance(e, QuoteTick) and e.instrument_id == iid)
    await venue.data.unsubscribe_quotes(iid)
    with pytest.raises(ValidationError, match="trigger_price"):
        await venue.execution.submit_order(_trailing(venue, iid, OrderSide.SELL))
    assert _order_requests(harness) == []


async def test_offset_not_in_basis_points_is_refused(
    harness: BinanceFuturesHarness, venue: Venue
) -> None:
    iid = _iid(harness)
    order = _trailing(venue, iid, OrderSide.SELL, "1234.5", offset_type=TrailingOffsetType.PRICE)
    with pytest.raises(ValidationError) as caught:
        await venue.execution.submit_order(order)
    assert caught.value.field == "trailing_offset_type"
    assert "'PRICE'" in str(caught.value) and "BASIS_POINTS" in str(caught.value)
    assert _order_requests(harness) == []


def test_trigger_and_activation_price_must_agree() -> None:
    iid = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")

    base = Order.trailing_stop_market(
        iid,
        OrderSide.SELL,
        Quantity.from_str("1"),
        Decimal(100),
        activation_price=Price.from_str("10.0"),
    )
    assert trailing_activation_price(base, Price.from_str("9.0")) == Price.from_str("10.0")
    conflicting = Order(
        client_order_id=base.client_order_id,
        instrument_id=iid,
        side=OrderSide.SELL,
        order_type=OrderType.TRAILING_STOP_MARKET,
        quantity=base.quantity,
        trailing_offset=Decimal(100),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        activation_price=Price.from_str("10.0"),
        trigger_price=Price.from_str("11.0"),
    )
    with pytest.raises(ValidationError, match="activation_price"):
        trailing_activation_price(conflicting, None)
