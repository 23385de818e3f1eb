"""BitMEX trailing stops (Stop or StopLimit + pegPriceType=TrailingStopPeg) on the mock venue,
on loopback.

The execution client sends a signed price offset; the mock venue maps it onto the
SimulatedExchange's trailing stop (stop-limit) and renders it back as BitMEX's order row, with
``stopPx`` following the last price, and pushes each move of ``stopPx`` as an ``order``
``update`` row. Under asyncio and trio.

How BitMEX documents it (POST /order, "Trailing Stop Pegged Orders", as generated from
BitMEX's API explorer into BitMEX/api-connectors
``auto-generated/csharp/src/IO.Swagger/Api/OrderApi.cs``): "Use pegOffsetValue to set the stopPx
of your order ... Use a negative offset for stop-sell and buy-if-touched orders. Requires
ordType: Stop, StopLimit, MarketIfTouched, LimitIfTouched", and "StopLimit: Like a Stop
Market, but enters a Limit order instead of a Market order. Specify an orderQty, stopPx, and
price". So a trailing stop-limit sends ``price`` (its fixed limit price) and a signed
``pegOffsetValue`` in place of ``stopPx``; no limit offset from the moving stop exists.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

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
from tradeport.model.events import OrderAccepted, OrderFilled, OrderTriggered, OrderUpdated
from tradeport.model.identifiers import ClientOrderId, InstrumentId
from tradeport.model.numbers import Price, Quantity
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


class Pushed:
    """The private rows the mock venue sends (recorded on their way to the loopback stream)."""

    def __init__(self, harness: BitmexHarness, monkeypatch: pytest.MonkeyPatch) -> None:
        self.messages: list[tuple[str, str, list[dict[str, Any]]]] = []
        send = harness._private

        async def spy(table: str, action: str, rows: list[dict[str, Any]]) -> None:
            self.messages.append((table, action, rows))
            await send(table, action, rows)

        monkeypatch.setattr(harness, "_private", spy)

    def stop_moves(self, order_id: str) -> list[dict[str, Any]]:
        """The ``order`` update rows of ``order_id`` that carry a ``stopPx``."""
        return [
            row
            for table, action, rows in self.messages
            if (table, action) == ("order", "update")
            for row in rows
            if row.get("orderID") == order_id and "stopPx" in row
        ]


def _of(order: Order, kind: type) -> Callable[[Any], bool]:
    return lambda e: isinstance(e, kind) and e.client_order_id == order.client_order_id


def _trailing_limit(side: OrderSide, offset: str, price: str, **fields: Any) -> Order:
    return Order(
        client_order_id=ClientOrderId.generate(),
        instrument_id=XBTUSD,
        side=side,
        order_type=OrderType.TRAILING_STOP_LIMIT,
        quantity=Quantity.from_int(100),
        price=Price.from_str(price),
        trailing_offset=D(offset),
        trailing_offset_type=TrailingOffsetType.PRICE,
        **fields,
    )


@pytest.mark.parametrize("kind", [OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT])
def test_trailing_stops_are_declared_for_gtc_and_day(kind: OrderType) -> None:
    declared = {tif for declared, tif in CAPABILITIES.orders if declared is kind}
    assert declared == {TimeInForce.GTC, TimeInForce.DAY}


@pytest.mark.parametrize("tif", [TimeInForce.GTC, TimeInForce.DAY])
async def test_sell_trailing_stop_follows_the_market_then_fills(
    tif: TimeInForce, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with execution_client() as (harness, execution, events):
        pushed = Pushed(harness, monkeypatch)
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

        # The market rises: stopPx follows 50 below the high, and the venue pushes the new
        # stopPx (an update row: the key and the changed columns), which the client publishes.
        assert pushed.stop_moves(sim.venue_order_id) == []
        await harness.publish_trade(XBTUSD, D(1030), D(1), AggressorSide.BUYER)
        (moved,) = pushed.stop_moves(sim.venue_order_id)
        assert set(moved) == {"orderID", "stopPx", "timestamp"} and moved["stopPx"] == 980
        updated = await events.next(_of(order, OrderUpdated))
        assert str(updated.trigger_price) == "980.0"
        assert updated.quantity == Quantity.from_int(100)
        assert str((await _report(execution, order)).trigger_price) == "980.0"
        # A dip does not pull it back: nothing is pushed.
        await harness.publish_trade(XBTUSD, D(1010), D(1), AggressorSide.SELLER)
        assert len(pushed.stop_moves(sim.venue_order_id)) == 1
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
        ("Sell", "-50", {"ordType": "StopLimit"}, "needs a limit price"),
        ("Sell", "-50", {"ordType": "StopLimit", "price": "900", "stopPx": "950"}, "set by the"),
        ("Buy", "50", {"ordType": "MarketIfTouched"}, "Unsupported ordType"),
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


@pytest.mark.parametrize("tif", [TimeInForce.GTC, TimeInForce.DAY])
async def test_sell_trailing_stop_limit_trails_then_rests_at_its_limit_price(
    tif: TimeInForce, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with execution_client() as (harness, execution, events):
        pushed = Pushed(harness, monkeypatch)
        harness.exchange.set_book("XBTUSD", [(D(999), D(10_000))], [(D(1001), D(10_000))])
        await harness.publish_trade(XBTUSD, D(1000), D(1), AggressorSide.BUYER)
        order = _trailing_limit(OrderSide.SELL, "50", "960", time_in_force=tif)
        await execution.submit_order(order)
        await events.next(_of(order, OrderAccepted))

        (post,) = [r for r in harness.requests if r.method == "POST" and r.path.endswith("/order")]
        content_type = {k.lower(): v for k, v in post.headers.items()}.get("content-type", "")
        form = (
            json.loads(post.body)
            if "json" in content_type
            else dict(parse_qsl(post.body.decode(), keep_blank_values=True))
        )
        sim = harness.exchange.order(client_order_id=str(order.client_order_id))
        assert sim is not None and sim.order_type is OrderType.TRAILING_STOP_LIMIT
        row = order_row(sim)
        assert (row["ordType"], row["pegPriceType"], row["pegOffsetValue"]) == (
            "StopLimit",
            "TrailingStopPeg",
            -50,
        )
        assert (row["price"], row["stopPx"]) == (960, 950)
        # What the client sent: the fixed limit price and the signed offset, no stopPx.
        assert (form["ordType"], form["pegPriceType"]) == ("StopLimit", "TrailingStopPeg")
        assert (D(form["price"]), D(form["pegOffsetValue"])) == (D(960), D(-50))
        assert "stopPx" not in form

        report = await _report(execution, order)
        assert report.order_type is OrderType.TRAILING_STOP_LIMIT
        assert (report.time_in_force, report.trailing_offset) == (tif, D(50))
        assert (str(report.price), str(report.trigger_price)) == ("960.0", "950.0")
        assert (report.peg_price_type, report.peg_offset) == (None, None)

        # The stop trails the rise (pushed, published); the limit price stays where it was.
        await harness.publish_trade(XBTUSD, D(1030), D(1), AggressorSide.BUYER)
        (moved,) = pushed.stop_moves(sim.venue_order_id)
        assert moved["stopPx"] == 980 and "price" not in moved
        updated = await events.next(_of(order, OrderUpdated))
        assert (str(updated.trigger_price), str(updated.price)) == ("980.0", "960.0")

        # Through the stop with the bid below 960: it triggers and rests as a limit at 960.
        harness.exchange.set_book("XBTUSD", [(D(940), D(10_000))], [(D(1001), D(10_000))])
        await harness.publish_trade(XBTUSD, D(975), D(1), AggressorSide.SELLER)
        await events.next(_of(order, OrderTriggered))
        report = await _report(execution, order)
        assert report.order_status is OrderStatus.TRIGGERED
        assert (str(report.price), report.filled_qty) == ("960.0", Quantity.from_int(0))
        assert not [e for e in events.items if _of(order, OrderFilled)(e)]


async def test_buy_trailing_stop_limit_sends_a_positive_offset_and_fills_at_its_limit() -> None:
    async with execution_client() as (harness, execution, events):
        harness.exchange.set_book("XBTUSD", [(D(999), D(10_000))], [(D(1001), D(10_000))])
        await harness.publish_trade(XBTUSD, D(1000), D(1), AggressorSide.SELLER)
        order = _trailing_limit(OrderSide.BUY, "25", "1040")
        await execution.submit_order(order)
        await events.next(_of(order, OrderAccepted))
        sim = harness.exchange.order(client_order_id=str(order.client_order_id))
        assert sim is not None
        assert (order_row(sim)["pegOffsetValue"], order_row(sim)["stopPx"]) == (25, 1025)
        # Up through 1025: a buy limit at 1040 takes the 1001 offer.
        await harness.publish_trade(XBTUSD, D(1026), D(1), AggressorSide.BUYER)
        fill = await events.next(_of(order, OrderFilled))
        assert fill.last_qty == Quantity.from_int(100) and str(fill.last_px) == "1001.0"


async def test_limit_offset_is_refused_before_sending() -> None:
    async with execution_client() as (harness, execution, _):
        order = Order(
            client_order_id=ClientOrderId.generate(),
            instrument_id=XBTUSD,
            side=OrderSide.SELL,
            order_type=OrderType.TRAILING_STOP_LIMIT,
            quantity=Quantity.from_int(100),
            trailing_offset=D(50),
            trailing_offset_type=TrailingOffsetType.PRICE,
            limit_offset=D(10),
        )
        with pytest.raises(ValidationError) as caught:
            await execution.submit_order(order)
        assert (caught.value.field, caught.value.value) == ("limit_offset", "10")
        assert not [r for r in harness.requests if r.method == "POST"]
