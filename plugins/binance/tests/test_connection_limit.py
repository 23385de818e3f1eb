"""Binance's 24-hour connection limit, on loopback, on asyncio and trio.

Binance: "A single connection is only valid for 24 hours; expect to be disconnected at the
24 hour mark" (WebSocket Streams / Websocket Market Streams pages, spot and futures). The mock
venue does it on demand (``expire_connections``: a server close frame on every stream
connection at once). After it, every market data subscription must flow again and the user
data stream must come back on a fresh connection, delivering a later fill exactly once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from stream_events import DEADLINE, collect_until
from tradeport.clients.base import Reconnected
from tradeport.model.data import MarkPriceUpdate, QuoteTick, TradeTick
from tradeport.model.enums import AggressorSide, OrderSide, ProductType
from tradeport.model.events import OrderAccepted, OrderCanceled, OrderFilled
from tradeport.model.identifiers import InstrumentId
from tradeport.model.orders import Order
from tradeport.session import open_venue
from tradeport_binance.testing import (
    BinanceCoinFuturesHarness,
    BinanceFuturesHarness,
    BinanceHarness,
    BinanceMarginHarness,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(
    params=[BinanceHarness, BinanceFuturesHarness, BinanceCoinFuturesHarness, BinanceMarginHarness],
    ids=["spot", "usdm", "coinm", "margin"],
)
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[BinanceHarness]:
    async with request.param() as h:
        yield h


def _iid(harness: BinanceHarness) -> InstrumentId:
    iid = harness.instrument_id(ProductType.PERPETUAL if harness.futures else ProductType.SPOT)
    assert iid is not None
    return iid


def _book_matches(venue: Any, harness: BinanceHarness, iid: InstrumentId) -> bool:
    try:
        local = venue.data.book(iid)
    except KeyError:
        return False
    remote = harness.exchange.book(harness.symbol)
    mine = (
        [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in local.bids()],
        [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in local.asks()],
    )
    return mine == (list(remote.bids), list(remote.asks))


async def test_market_data_flows_again_after_the_24h_close(harness: BinanceHarness) -> None:
    iid = _iid(harness)
    async with open_venue("binance", harness.client_config("none")) as venue:
        await venue.instruments.load_all()
        await venue.data.subscribe_quotes(iid)
        await venue.data.subscribe_trades(iid)
        await venue.data.subscribe_book_deltas(iid)
        if harness.futures:
            await venue.data.subscribe_mark_prices(iid)
        await harness.wait_until(
            lambda: _book_matches(venue, harness, iid), DEADLINE, "first book snapshot"
        )
        before = harness.active_subscriptions()
        assert len(before) == 1
        connections = harness.total_connections

        await harness.expire_connections()
        seen: list[Any] = []
        await collect_until(
            venue,
            lambda e: isinstance(e, Reconnected) and e.stream == "market",
            "the market stream to reconnect",
            seen,
        )
        # A new connection carrying every stream the client had subscribed.
        assert harness.total_connections == connections + 1
        await harness.wait_until(
            lambda: harness.active_subscriptions() == before, DEADLINE, "resubscription"
        )

        # Data flows again on every subscribed stream.
        await harness.publish_quote(
            iid, Decimal("999.50"), Decimal("1000.50"), Decimal("2"), Decimal("3")
        )
        quote = await collect_until(
            venue, lambda e: isinstance(e, QuoteTick), "a quote after the 24h close", seen
        )
        assert quote.bid_price.as_decimal() == Decimal("999.50")

        size = venue.instruments.get(iid).size_increment.as_decimal() * 5  # COIN-M: contracts
        trade_id = await harness.publish_trade(iid, Decimal("1000.00"), size, AggressorSide.BUYER)
        trade = await collect_until(
            venue, lambda e: isinstance(e, TradeTick), "a trade after the 24h close", seen
        )
        assert trade.trade_id.value == trade_id and trade.size.as_decimal() == size

        sync = venue.data.book_sync(iid)
        await harness.publish_book_update(iid, OrderSide.BUY, Decimal("999.70"), Decimal("4"))
        await harness.wait_until(
            lambda: sync.synced and _book_matches(venue, harness, iid),
            DEADLINE,
            "the book rebuilt and a delta applied after the 24h close",
        )

        if harness.futures:
            await harness.publish_mark_price(
                iid, Decimal("1000.10"), Decimal("1000.05"), Decimal("0.0001"), 1_800_000_000_000
            )
            mark = await collect_until(
                venue,
                lambda e: isinstance(e, MarkPriceUpdate),
                "a mark price after the 24h close",
                seen,
            )
            assert mark.value.as_decimal() == Decimal("1000.10")


def _resting_buy(venue: Any, iid: InstrumentId, price: str) -> Order:
    inst = venue.instruments.get(iid)
    step = inst.size_increment.as_decimal()
    minimum = inst.min_quantity.as_decimal() if inst.min_quantity is not None else step
    return Order.limit(
        instrument_id=iid,
        side=OrderSide.BUY,
        quantity=inst.make_qty(max(minimum, step)),
        price=inst.make_price(Decimal(price)),
    )


async def test_user_stream_comes_back_and_a_later_fill_arrives_once(
    harness: BinanceHarness,
) -> None:
    iid = _iid(harness)
    async with open_venue("binance", harness.client_config("valid")) as venue:
        execution = venue.execution
        await venue.instruments.load_all()
        order = _resting_buy(venue, iid, "990")
        cid = order.client_order_id
        seen: list[Any] = []
        await execution.submit_order(order)
        accepted = await collect_until(
            venue,
            lambda e: isinstance(e, OrderAccepted) and e.client_order_id == cid,
            "OrderAccepted",
            seen,
        )
        logins = harness.logins

        # The 24-hour mark: Binance closes the market and the user data connections together.
        await harness.expire_connections()
        await collect_until(
            venue,
            lambda e: isinstance(e, Reconnected) and e.stream == "user",
            "the user data stream to reconnect",
            seen,
        )
        assert harness.logins == logins + 1  # a new user data connection (listenKey)

        # A fill on the new connection, racing the reconciliation that follows a reconnect:
        # it reaches the execution client, once.
        await harness.publish_trade(
            iid, Decimal("990"), order.quantity.as_decimal() * 2, AggressorSide.SELLER
        )
        filled = await collect_until(
            venue,
            lambda e: isinstance(e, OrderFilled) and e.client_order_id == cid,
            "OrderFilled after the 24h close",
            seen,
        )
        assert filled.venue_order_id == accepted.venue_order_id
        assert filled.last_qty == order.quantity

        # A barrier on the same stream: the venue cancels a second order and says so on the
        # user data stream; a duplicate of the fill would have arrived before it.
        barrier = _resting_buy(venue, iid, "980")
        await execution.submit_order(barrier)
        barrier_accepted = await collect_until(
            venue,
            lambda e: isinstance(e, OrderAccepted) and e.client_order_id == barrier.client_order_id,
            "barrier accepted",
            seen,
        )
        harness.exchange.cancel(str(barrier_accepted.venue_order_id))
        await harness.push_account_events()
        await collect_until(
            venue,
            lambda e: isinstance(e, OrderCanceled) and e.client_order_id == barrier.client_order_id,
            "barrier canceled on the user data stream",
            seen,
        )
        fills = [e for e in seen if isinstance(e, OrderFilled) and e.client_order_id == cid]
        assert len(fills) == 1, fills
