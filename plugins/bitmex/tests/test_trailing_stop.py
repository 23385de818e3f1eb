"""BitMEX trailing stops (Stop + pegPriceType=TrailingStopPeg) on the mock venue, on loopback.

The execution client sends a signed price offset; the mock venue maps it onto the
SimulatedExchange's trailing stop and renders it back as BitMEX's order row, with ``stopPx``
following the last price. Under asyncio and trio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.config import load_config
from tradeport.errors import RequestRejected, ValidationError
from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
)
from tradeport.model.events import OrderAccepted, OrderFilled
from tradeport.model.identifiers import InstrumentId
from tradeport.model.numbers import Quantity
from tradeport.model.orders import Order
from tradeport.model.reports import OrderStatusReport
from tradeport_bitmex.capabilities import CAPABILITIES
from tradeport_bitmex.config import BitmexConfig
from tradeport_bitmex.execution import BitmexExecutionClient
from tradeport_bitmex.providers import BitmexInstrumentProvider
from tradeport_bitmex.testing import BitmexHarness
from tradeport_bitmex.testing.render import order_row

pytestmark = pytest.mark.anyio

XBTUSD = InstrumentId.from_str("XBTUSD.BITMEX")
D = Decimal
DEADLINE = 10.0


class Events:
    """The client's event sink: keeps events and lets a test wait for one."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._changed = anyio.Event()

    async def send(self, item: Any) -> None:
        self.items.append(item)
        self._changed.set()
        self._changed = anyio.Event()

    async def next(self, predicate: Callable[[Any], bool]) -> Any:
        """The first event (seen so far or coming) matching ``predicate``."""
        with anyio.fail_after(DEADLINE):
            while True:
                for item in self.items:
                    if predicate(item):
                        return item
                await self._changed.wait()


@asynccontextmanager
async def execution_client() -> AsyncIterator[tuple[BitmexHarness, BitmexExecutionClient, Events]]:
    async with BitmexHarness() as harness:
        config = load_config(BitmexConfig, harness.client_config("valid"))
        events = Events()
        provider = BitmexInstrumentProvider("bitmex", config, events=events)
        execution = BitmexExecutionClient("bitmex", config, instruments=provider, events=events)
        await provider.load_all()
        await execution.connect()
        try:
            yield harness, execution, events
        finally:
            await execution.disconnect()
            await provider.disconnect()


def _trailing(side: OrderSide, offset: str, tif: TimeInForce = TimeInForce.GTC) -> Order:
    return Order.trailing_stop_market(
        XBTUSD,
        side,
        Quantity.from_int(100),
        D(offset),
        trailing_offset_type=TrailingOffsetType.PRICE,
        time_in_force=tif,
    )


async def _report(execution: BitmexExecutionClient, order: Order) -> OrderStatusReport:
    reports = await execution.order_status_reports(XBTUSD)
    return next(r for r in reports if r.client_order_id == order.client_order_id)


def test_trailing_stop_market_is_declared_for_gtc_and_day() -> None:
    declared = {tif for kind, tif in CAPABILITIES.orders if kind is OrderType.TRAILING_STOP_MARKET}
    assert declared == {TimeInForce.GTC, TimeInForce.DAY}
    # The simulator has no trailing stop-limit: it stays undeclared.
    assert not any(kind is OrderType.TRAILING_STOP_LIMIT for kind, _ in CAPABILITIES.orders)


@pytest.mark.parametrize("tif", [TimeInForce.GTC, TimeInForce.DAY])
async def test_sell_trailing_stop_follows_the_market_then_fills(tif: TimeInForce) -> None:
    async with execution_client() as (harness, execution, events):
        harness.exchange.set_book("XBTUSD", [(D(999), D(10_000))], [(D(1001), D(10_000))])
        await harness.publish_trade(XBTUSD, D(1000), D(1), AggressorSide.BUYER)
        order = _trailing(OrderSide.SELL, "50", tif)
        await execution.submit_order(order)
        accepted = await events.next(
            lambda e: isinstance(e, OrderAccepted) and e.client_order_id == order.client_order_id
        )

        post = [r for r in harness.requests if r.method == "POST" and r.path.endswith("/order")]
        sim = harness.exchange.order(client_order_id=str(order.client_order_id))
        assert sim is not None and sim.order_type is OrderType.TRAILING_STOP_MARKET
        row = order_row(sim)
        assert (row["ordType"], row["pegPriceType"], row["pegOffsetValue"]) == (
            "Stop",
            "TrailingStopPeg",
            -50,
        )
        assert row["stopPx"] == 950 and len(post) == 1

        report = await _report(execution, order)
        assert report.order_type is OrderType.TRAILING_STOP_MARKET
        assert report.time_in_force is tif
        assert report.trailing_offset == D(50)
        assert report.trailing_offset_type is TrailingOffsetType.PRICE
        assert str(report.trigger_price) == "950.0"

        # The market rises: stopPx follows 50 below the high; a dip does not pull it back.
        await harness.publish_trade(XBTUSD, D(1030), D(1), AggressorSide.BUYER)
        assert str((await _report(execution, order)).trigger_price) == "980.0"
        await harness.publish_trade(XBTUSD, D(1010), D(1), AggressorSide.SELLER)
        report = await _report(execution, order)
        assert str(report.trigger_price) == "980.0"
        assert report.order_status is OrderStatus.ACCEPTED

        # Through the stop: it triggers and sells at market (into the 999 bid).
        await harness.publish_trade(XBTUSD, D(975), D(1), AggressorSide.SELLER)
        fill = await events.next(
            lambda e: isinstance(e, OrderFilled) and e.client_order_id == order.client_order_id
        )
        assert fill.venue_order_id == accepted.venue_order_id
        assert fill.last_qty == Quantity.from_int(100) and str(fill.last_px) == "999.0"


async def test_activation_price_is_refused_before_sending() -> None:
    async with execution_client() as (harness, execution, _):
        inst = execution.instruments.get(XBTUSD)
        order = Order.trailing_stop_market(
            XBTUSD,
            OrderSide.SELL,
            Quantity.from_int(100),
            D(50),
            trailing_offset_type=TrailingOffsetType.PRICE,
            activation_price=inst.make_price("1100.0"),
        )
        with pytest.raises(ValidationError) as caught:
            await execution.submit_order(order)
        assert caught.value.field == "activation_price"
        assert not [r for r in harness.requests if r.method == "POST"]


async def test_buy_trailing_stop_trails_above_the_low() -> None:
    async with execution_client() as (harness, execution, events):
        await harness.publish_trade(XBTUSD, D(1000), D(1), AggressorSide.BUYER)
        order = _trailing(OrderSide.BUY, "25")
        await execution.submit_order(order)
        await events.next(
            lambda e: isinstance(e, OrderAccepted) and e.client_order_id == order.client_order_id
        )
        sim = harness.exchange.order(client_order_id=str(order.client_order_id))
        assert sim is not None
        assert (order_row(sim)["pegOffsetValue"], order_row(sim)["stopPx"]) == (25, 1025)
        await harness.publish_trade(XBTUSD, D(960), D(1), AggressorSide.SELLER)
        assert str((await _report(execution, order)).trigger_price) == "985.0"


@pytest.mark.parametrize(
    ("side", "offset", "extra", "message"),
    [
        ("Sell", "50", {}, "negative offset for stop-sell"),
        ("Buy", "-50", {}, "negative offset for stop-sell"),
        ("Sell", "0", {}, "non-zero offset"),
        ("Sell", "-50", {"stopPx": "900"}, "stopPx is set by the venue"),
        ("Sell", "-50", {"ordType": "StopLimit", "price": "900"}, "Unsupported ordType"),
    ],
)
async def test_mock_venue_refuses_malformed_trailing_stops(
    side: str, offset: str, extra: dict[str, str], message: str
) -> None:
    """What the client never sends, sent raw: the mock venue answers with BitMEX's error body."""
    async with execution_client() as (harness, execution, _):
        await harness.publish_trade(XBTUSD, D(1000), D(1), AggressorSide.BUYER)
        form = {
            "symbol": "XBTUSD",
            "side": side,
            "orderQty": "100",
            "ordType": "Stop",
            "pegPriceType": "TrailingStopPeg",
            "pegOffsetValue": offset,
            **extra,
        }
        with pytest.raises(RequestRejected) as caught:
            await execution.http.http_post_order(list(form.items()))
        assert message in str(caught.value)
        assert harness.exchange.open_orders("XBTUSD") == []
