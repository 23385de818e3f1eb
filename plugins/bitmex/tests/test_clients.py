"""Data and execution clients against the BitMEX mock venue on real loopback sockets, under
asyncio and trio: streams, book rebuild on reconnect, order flow, reports, 503 overloaded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.clients.base import Reconnected
from tradeport.config import load_config
from tradeport.errors import AuthenticationError, TradeportError
from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDeltas,
    QuoteTick,
    TradeTick,
)
from tradeport.model.enums import AggressorSide, OrderSide, PositionSide
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderFilled,
    OrderUpdated,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.model.numbers import Quantity
from tradeport.model.orders import Order
from tradeport_bitmex.config import BitmexConfig
from tradeport_bitmex.data import BitmexDataClient
from tradeport_bitmex.execution import BitmexExecutionClient
from tradeport_bitmex.providers import BitmexInstrumentProvider
from tradeport_bitmex.testing import BitmexHarness

pytestmark = pytest.mark.anyio

XBTUSD = InstrumentId.from_str("XBTUSD.BITMEX")
D = Decimal


class Events:
    """The clients' event sink: keeps events and lets a test wait for one."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._changed = anyio.Event()

    async def send(self, item: Any) -> None:
        self.items.append(item)
        self._changed.set()
        self._changed = anyio.Event()

    async def next(self, predicate: Callable[[Any], bool], timeout: float = 10.0) -> Any:
        """The first event (seen so far or coming) matching ``predicate``."""
        with anyio.fail_after(timeout):
            while True:
                for item in self.items:
                    if predicate(item):
                        return item
                await self._changed.wait()


@asynccontextmanager
async def clients(credentials: str = "valid", **overrides: Any) -> AsyncIterator[Any]:
    async with BitmexHarness() as harness:
        settings = harness.client_config(credentials, ws_heartbeat_interval=0.2, **overrides)
        config = load_config(BitmexConfig, settings)
        events = Events()
        provider = BitmexInstrumentProvider("bitmex", config, events=events)
        data = BitmexDataClient("bitmex", config, instruments=provider, events=events)
        execution = BitmexExecutionClient("bitmex", config, instruments=provider, events=events)
        await provider.load_all()
        await data.connect()
        try:
            await execution.connect()
            try:
                yield harness, data, execution, events
            finally:
                await execution.disconnect()
        finally:
            await data.disconnect()
            await provider.disconnect()


async def test_market_data_streams() -> None:
    async with clients("none") as (harness, data, _, events):
        await data.subscribe_quotes(XBTUSD)
        await data.subscribe_trades(XBTUSD)
        await data.subscribe_mark_prices(XBTUSD)
        await data.subscribe_index_prices(XBTUSD)
        await data.subscribe_funding_rates(XBTUSD)
        bar_type = BarType.from_str("XBTUSD.BITMEX-1-MINUTE-LAST-EXTERNAL")
        await data.subscribe_bars(bar_type)
        await harness.publish_quote(XBTUSD, D("999.5"), D("1000.5"), D(100), D(200))
        quote = await events.next(lambda e: isinstance(e, QuoteTick))
        assert (str(quote.bid_price), str(quote.ask_size)) == ("999.5", "200")
        trade_id = await harness.publish_trade(XBTUSD, D(1000), D(300), AggressorSide.SELLER)
        trade = await events.next(lambda e: isinstance(e, TradeTick))
        assert (str(trade.trade_id), trade.aggressor_side) == (trade_id, AggressorSide.SELLER)
        await harness.publish_mark_price(
            XBTUSD, D("1000.5"), D(1000), D("0.0001"), 1_900_000_000_000
        )
        mark = await events.next(lambda e: isinstance(e, MarkPriceUpdate))
        index = await events.next(lambda e: isinstance(e, IndexPriceUpdate))
        funding = await events.next(lambda e: isinstance(e, FundingRateUpdate))
        assert (str(mark.value), str(index.value)) == ("1000.5", "1000.0")
        assert funding.next_funding_ns == 1_900_000_000_000 * 1_000_000
        await harness.publish_bar(
            XBTUSD, D(1000), D(1001), D(999), D("1000.5"), D(500), 1_700_000_040_000
        )
        bar = await events.next(lambda e: isinstance(e, Bar))
        assert bar.bar_type == bar_type and str(bar.close) == "1000.5"
        # Heartbeat: text pings on schedule, answered, never passed on as data.
        await harness.wait_until(lambda: harness.text_pings >= 2, what="text pings")
        assert data.stream.counters.text_pongs_received >= 1
        assert data.unhandled_messages == 0


async def test_order_book_l2_rebuilt_after_reconnect() -> None:
    async with clients("none", reconnect_delay_initial=0.05) as (harness, data, _, events):
        await harness.set_book(
            XBTUSD, bids=[(D(999), D(100)), (D("998.5"), D(200))], asks=[(D(1001), D(300))]
        )
        await data.subscribe_book_deltas(XBTUSD)

        def matches() -> bool:
            book = harness.exchange.book("XBTUSD")
            local = data.book(XBTUSD)
            return [(b.price.as_decimal(), b.size.as_decimal()) for b in local.bids()] == list(
                book.bids
            ) and [(a.price.as_decimal(), a.size.as_decimal()) for a in local.asks()] == list(
                book.asks
            )

        await harness.wait_until(matches, what="book after the partial")
        await harness.publish_book_update(XBTUSD, OrderSide.BUY, D("999.5"), D(50))
        await harness.publish_book_update(XBTUSD, OrderSide.SELL, D(1001), D(0))
        await harness.wait_until(matches, what="book after insert and delete")
        await harness.drop_connections("rst")
        await harness.set_book(XBTUSD, bids=[(D(990), D(100))], asks=[(D(1010), D(100))])
        await events.next(lambda e: isinstance(e, Reconnected))
        await harness.wait_until(matches, what="book rebuilt from the new partial")
        snapshots = [e for e in events.items if isinstance(e, OrderBookDeltas) and e.is_snapshot]
        assert len(snapshots) >= 2


async def test_stream_lifecycle_outlives_the_callers_scope() -> None:
    """connect() under the caller's own deadline; a fatal error after the first connection
    (reconnect attempts exhausted) is logged and kept, never raised into the caller."""
    async with BitmexHarness() as harness:
        settings = harness.client_config(
            "none",
            reconnect_delay_initial=0.02,
            reconnect_delay_max=0.02,
            reconnect_max_attempts=2,
            ws_connect_timeout=2.0,
        )
        data = BitmexDataClient("bitmex", load_config(BitmexConfig, settings), events=Events())
        with anyio.fail_after(10):
            await data.connect()
        try:
            await data.subscribe_quotes(XBTUSD)
            assert data.stream_error is None
            await harness.refuse_connections()
            await harness.drop_connections("rst")
            await harness.wait_until(lambda: data.stream_error is not None, what="fatal error")
            assert isinstance(data.stream_error, TradeportError)
            # The caller's task was not cancelled: it goes on awaiting.
            with anyio.fail_after(5):
                await anyio.lowlevel.checkpoint()
        finally:
            with anyio.fail_after(10):
                await data.disconnect()


async def test_refused_login_is_raised_from_connect() -> None:
    async with BitmexHarness() as harness:
        config = load_config(BitmexConfig, harness.client_config("invalid"))
        execution = BitmexExecutionClient("bitmex", config, events=Events())
        try:
            with anyio.fail_after(10), pytest.raises(AuthenticationError):
                await execution.connect()
            assert not execution.authenticated
            assert execution.stream_error is None
        finally:
            with anyio.fail_after(10):
                await execution.disconnect()


async def test_order_flow_and_reports() -> None:
    async with clients("valid") as (harness, _, execution, events):
        assert execution.authenticated
        harness.exchange.set_book("XBTUSD", [(D(999), D(10_000))], [(D(1001), D(10_000))])
        order = Order.limit(
            XBTUSD,
            OrderSide.BUY,
            Quantity.from_int(200),
            execution.instruments.get(XBTUSD).make_price("990.0"),
        )
        await execution.submit_order(order)
        accepted = await events.next(lambda e: isinstance(e, OrderAccepted))
        assert accepted.client_order_id == order.client_order_id
        await execution.modify_order(
            XBTUSD,
            order.client_order_id,
            accepted.venue_order_id,
            price=execution.instruments.get(XBTUSD).make_price("991.0"),
        )
        updated = await events.next(lambda e: isinstance(e, OrderUpdated))
        assert str(updated.price) == "991.0"
        harness.exchange.fill(str(accepted.venue_order_id), quantity=D(100))
        await harness.push_account_events()
        fill = await events.next(lambda e: isinstance(e, OrderFilled))
        assert fill.last_qty == Quantity.from_int(100) and str(fill.last_px) == "991.0"
        assert fill.commission.currency == "XBT"
        reports = await execution.order_status_reports(XBTUSD)
        assert [r.client_order_id for r in reports] == [order.client_order_id]
        fills = await execution.fill_reports(XBTUSD)
        assert [str(f.trade_id) for f in fills] == [str(fill.trade_id)]
        positions = await execution.position_status_reports(XBTUSD)
        assert [(p.position_side, p.quantity) for p in positions] == [
            (PositionSide.LONG, Quantity.from_int(100))
        ]
        state = await execution.account_state()
        assert state.balance("XBT") is not None
        await execution.cancel_order(XBTUSD, order.client_order_id, accepted.venue_order_id)
        await events.next(lambda e: isinstance(e, OrderCanceled))
        await execution.cancel_order(XBTUSD, order.client_order_id, accepted.venue_order_id)
        rejected = await events.next(lambda e: isinstance(e, OrderCancelRejected))
        assert "Canceled" in rejected.reason
        # Exactly one fill event despite the fill arriving on the stream and in REST reports.
        assert sum(isinstance(e, OrderFilled) for e in events.items) == 1


async def test_overloaded_503_submit_is_sent_again() -> None:
    async with clients("valid") as (harness, _, execution, events):
        harness.fail_next_requests(1, 503, path="/api/v1/order")
        order = Order.limit(
            XBTUSD,
            OrderSide.BUY,
            Quantity.from_int(100),
            execution.instruments.get(XBTUSD).make_price("900.0"),
        )
        await execution.submit_order(order)
        await events.next(lambda e: isinstance(e, OrderAccepted))
        posts = [r for r in harness.requests if r.method == "POST"]
        assert len(posts) == 2
        assert len(harness.exchange.open_orders("XBTUSD")) == 1
