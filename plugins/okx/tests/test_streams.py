"""The data and execution clients against the OKX mock venue on real loopback sockets,
on asyncio and trio: book sync with seqId continuity and the CRC32 checksum (a corrupted
message forces a resync), quotes, trades, the venue's 30 s idle close, orders and fills."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.clients.base import Reconnected
from tradeport.errors import AuthenticationError, SubscriptionError
from tradeport.model.data import Bar, BarType, QuoteTick, TradeTick
from tradeport.model.enums import AggressorSide, OrderSide, ProductType
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderFilled,
    OrderTriggered,
)
from tradeport.model.identifiers import ClientOrderId
from tradeport.model.orders import Order
from tradeport.session import Venue, open_venue
from tradeport_okx.testing import OkxHarness

pytestmark = pytest.mark.anyio

D = Decimal
DEADLINE = 10.0


@asynccontextmanager
async def session(
    harness: OkxHarness, credentials: str = "none", **overrides: Any
) -> AsyncIterator[Venue]:
    async with open_venue("okx", harness.client_config(credentials, **overrides)) as venue:  # type: ignore[arg-type]
        await venue.instruments.load_all()
        yield venue


async def next_event(venue: Venue, predicate: Callable[[Any], bool]) -> Any:
    with anyio.fail_after(DEADLINE):
        while True:
            event = await venue.next_event()
            if predicate(event):
                return event


def book_equals_venue(venue: Venue, harness: OkxHarness, symbol: str) -> bool:
    iid = harness.instrument_id(ProductType.SPOT)
    try:
        local = venue.data.book(iid)  # type: ignore[attr-defined]
    except KeyError:
        return False
    snap = harness.exchange.book(symbol)
    mine = (
        [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in local.bids()],
        [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in local.asks()],
    )
    return mine == ([(p, s) for p, s in snap.bids], [(p, s) for p, s in snap.asks])


async def seed(harness: OkxHarness, mid: Decimal) -> None:
    iid = harness.instrument_id(ProductType.SPOT)
    assert iid is not None
    await harness.set_book(
        iid,
        bids=[(mid - D("0.1") * (i + 1), D(i + 1)) for i in range(30)],
        asks=[(mid + D("0.1") * (i + 1), D(i + 1)) for i in range(30)],
    )


async def test_book_sync_gap_and_corrupt_checksum_force_resyncs(anyio_backend: str) -> None:
    async with OkxHarness() as harness, session(harness) as venue:
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        await seed(harness, D(1000))
        await venue.data.subscribe_book_deltas(iid)
        await harness.wait_until(
            lambda: book_equals_venue(venue, harness, "BTC-USDT"),
            what="book synced from the snapshot",
        )
        sync = venue.data.book_sync(iid)  # type: ignore[attr-defined]
        await harness.publish_book_update(iid, OrderSide.BUY, D("999.9"), D(7))
        await harness.publish_book_update(iid, OrderSide.SELL, D("1000.1"), D(0))
        await harness.wait_until(
            lambda: book_equals_venue(venue, harness, "BTC-USDT"), what="book equal after deltas"
        )
        assert sync.stats.applied >= 2 and sync.stats.checksum_failures == 0

        subscribes = harness.subscription_messages()
        await seed(harness, D(1001))  # the venue's book moves...
        await harness.publish_book_corrupt_checksum(iid)  # ...and a message arrives corrupted
        await harness.wait_until(
            lambda: sync.stats.checksum_failures >= 1, what="the checksum mismatch to be detected"
        )
        await harness.wait_until(
            lambda: harness.subscription_messages() > subscribes,
            what="a resubscription for a new snapshot",
        )
        await harness.wait_until(
            lambda: book_equals_venue(venue, harness, "BTC-USDT") and sync.synced,
            what="book resynced after a bad checksum",
        )
        assert sync.stats.resyncs >= 1

        await seed(harness, D(999))
        await harness.publish_book_gap(iid)
        await harness.wait_until(lambda: sync.stats.gaps >= 1, what="the sequence gap")
        await harness.wait_until(
            lambda: book_equals_venue(venue, harness, "BTC-USDT") and sync.synced,
            what="book resynced after a gap",
        )


async def test_quotes_and_trades(anyio_backend: str) -> None:
    async with OkxHarness() as harness, session(harness) as venue:
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        await venue.data.subscribe_quotes(iid)
        await venue.data.subscribe_trades(iid)
        await harness.publish_quote(iid, D("999.9"), D("1000.1"), D("0.5"), D("0.25"))
        quote = await next_event(venue, lambda e: isinstance(e, QuoteTick))
        assert quote.bid_price.as_decimal() == D("999.9")
        assert quote.ask_size.as_decimal() == D("0.25")
        assert quote.bid_price.precision == 1
        trade_id = await harness.publish_trade(iid, D("1000"), D("0.01"), AggressorSide.BUYER)
        trade = await next_event(venue, lambda e: isinstance(e, TradeTick))
        assert str(trade.trade_id) == trade_id
        assert trade.aggressor_side is AggressorSide.BUYER


async def test_candle_channel_bars_are_stamped_at_their_close(anyio_backend: str) -> None:
    # The candle channel sends the candle's open time; the bar carries its close, and REST
    # history stamps the same candle the same way.
    async with OkxHarness() as harness, session(harness) as venue:
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        bar_type = BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL")
        await venue.data.subscribe_bars(bar_type)
        open_ms = 1_747_094_040_000
        await harness.publish_bar(iid, D("100"), D("101"), D("99"), D("100.5"), D("2"), open_ms)
        bar = await next_event(venue, lambda e: isinstance(e, Bar))
        assert bar.ts_event == (open_ms + 60_000) * 1_000_000
        # The mock's history ends with the candle that opened a minute before its clock's
        # current minute: stamped at its close, that is the start of the current minute.
        minute = 60_000_000_000
        before = harness.exchange.now() // minute * minute
        harness.seed_history(iid, bars=3)
        after = harness.exchange.now() // minute * minute
        history = await venue.data.request_bars(bar_type)
        assert [b.ts_event - history[0].ts_event for b in history] == [0, minute, 2 * minute]
        assert before <= history[-1].ts_event <= after


async def test_server_closes_a_silent_connection_and_the_client_comes_back(
    anyio_backend: str,
) -> None:
    async with (
        OkxHarness(idle_close=0.5) as harness,
        session(
            harness,
            ws_heartbeat_interval=30.0,
            ws_idle_timeout=30.0,
            reconnect_delay_initial=0.05,
        ) as venue,
    ):
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        await venue.data.subscribe_trades(iid)
        # No ping for 0.5 s: the venue closes (4004), the client reconnects and resubscribes.
        await next_event(venue, lambda e: isinstance(e, Reconnected))
        trade_id = await harness.publish_trade(iid, D("1000"), D("0.01"), AggressorSide.SELLER)
        trade = await next_event(venue, lambda e: isinstance(e, TradeTick))
        assert str(trade.trade_id) == trade_id


async def test_text_pings_keep_the_connection_open(anyio_backend: str) -> None:
    async with (
        OkxHarness(idle_close=0.5) as harness,
        session(harness, ws_heartbeat_interval=0.1) as venue,
    ):
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        await venue.data.subscribe_trades(iid)
        connections = harness.total_connections
        # Well past the idle close: only the pings kept it open.
        await harness.wait_until(lambda: harness.text_pings >= 15, what="15 text pings")
        assert harness.total_connections == connections


async def test_orders_fills_cancels_and_stops(anyio_backend: str) -> None:
    async with OkxHarness() as harness, session(harness, "valid") as venue:
        assert venue.execution.authenticated
        await seed(harness, D(1000))
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        inst = venue.instruments.get(iid)
        order = Order.limit(
            instrument_id=iid,
            side=OrderSide.BUY,
            quantity=inst.make_qty("0.01"),
            price=inst.make_price("990"),
        )
        await venue.execution.submit_order(order)
        accepted = await next_event(venue, lambda e: isinstance(e, OrderAccepted))
        assert accepted.client_order_id == order.client_order_id
        # The wire's 18-digit ordId maps to the exchange's id (the harness's venue_order_id).
        sim = harness.exchange.order(client_order_id=str(order.client_order_id))
        assert str(accepted.venue_order_id) == harness.venue_order_id(sim.venue_order_id)
        assert len(str(accepted.venue_order_id)) == 18
        harness.exchange.fill(sim.venue_order_id, quantity=D("0.004"))
        await harness.push_account_events()
        fill = await next_event(venue, lambda e: isinstance(e, OrderFilled))
        assert fill.last_qty.as_decimal() == D("0.004") and fill.last_px.as_decimal() == D(990)
        assert fill.commission.as_decimal() >= 0
        await venue.execution.cancel_order(iid, order.client_order_id)
        await next_event(venue, lambda e: isinstance(e, OrderCanceled))
        await venue.execution.cancel_order(iid, ClientOrderId("nosuchorder"))
        rejected = await next_event(venue, lambda e: isinstance(e, OrderCancelRejected))
        assert "51603" in rejected.reason or "51400" in rejected.reason

        stop = Order.stop_market(
            instrument_id=iid,
            side=OrderSide.SELL,
            quantity=inst.make_qty("0.01"),
            trigger_price=inst.make_price("950"),
        )
        await venue.execution.submit_order(stop)
        await next_event(
            venue,
            lambda e: isinstance(e, OrderAccepted) and e.client_order_id == stop.client_order_id,
        )
        algo = [r for r in harness.requests if r.path == "/api/v5/trade/order-algo"]
        assert algo and algo[-1].signature_ok
        harness.exchange.set_last_price("BTC-USDT", D("949"))
        await harness.push_account_events()
        await next_event(
            venue,
            lambda e: isinstance(e, OrderTriggered) and e.client_order_id == stop.client_order_id,
        )
        await next_event(
            venue,
            lambda e: isinstance(e, OrderFilled) and e.client_order_id == stop.client_order_id,
        )


async def test_refused_login_is_fatal(anyio_backend: str) -> None:
    async with OkxHarness() as harness:
        with pytest.raises(AuthenticationError) as err:
            async with session(harness, "invalid"):
                pass
        assert err.value.venue_code == "60009"
        assert harness.login_failures == 1 and harness.logins == 0


async def test_book_after_a_reconnect_keeps_applying_deltas(anyio_backend: str) -> None:
    async with OkxHarness() as harness, session(harness, reconnect_delay_initial=0.05) as venue:
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        await seed(harness, D(1000))
        await venue.data.subscribe_book_deltas(iid)
        sync = venue.data.book_sync(iid)  # type: ignore[attr-defined]
        await harness.wait_until(
            lambda: book_equals_venue(venue, harness, "BTC-USDT"), what="book synced"
        )
        await harness.drop_connections("rst")
        await seed(harness, D(1002))  # moves while the client is away
        await next_event(venue, lambda e: isinstance(e, Reconnected))
        await harness.wait_until(
            lambda: sync.stats.snapshots >= 2 and sync.synced,
            what="a new snapshot after the reconnect",
        )
        await harness.publish_book_update(iid, OrderSide.BUY, D("1001.9"), D(42))
        await harness.wait_until(
            lambda: book_equals_venue(venue, harness, "BTC-USDT"),
            what="deltas applied after the reconnect",
        )
        assert sync.stats.gaps == 0


async def test_trailing_stop_is_a_move_order_stop(anyio_backend: str) -> None:
    async with OkxHarness() as harness, session(harness, "valid") as venue:
        await seed(harness, D(1000))
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        inst = venue.instruments.get(iid)
        order = Order.trailing_stop_market(
            instrument_id=iid,
            side=OrderSide.SELL,
            quantity=inst.make_qty("0.01"),
            trailing_offset=D(50),
            activation_price=inst.make_price("1010"),
        )
        await venue.execution.submit_order(order)
        await next_event(
            venue,
            lambda e: isinstance(e, OrderAccepted) and e.client_order_id == order.client_order_id,
        )
        (request,) = [r for r in harness.requests if r.path == "/api/v5/trade/order-algo"]
        body = json.loads(request.body)
        assert body["ordType"] == "move_order_stop"
        assert body["callbackRatio"] == "0.005"  # 50 basis points
        assert body["activePx"] == "1010.0"
        assert body["algoClOrdId"] == order.client_order_id.value
        assert request.signature_ok


async def test_demo_trading_sends_the_simulated_trading_header(anyio_backend: str) -> None:
    async with OkxHarness() as harness:
        async with session(harness, "valid", demo=True) as venue:
            iid = harness.instrument_id(ProductType.SPOT)
            assert iid is not None
            await venue.execution.order_status_reports(iid)
        assert harness.requests
        assert all(r.headers.get("x-simulated-trading") == "1" for r in harness.requests)
        async with session(harness, "valid") as venue:
            pass
        assert "x-simulated-trading" not in harness.requests[-1].headers


async def test_tick_by_tick_books_need_the_public_login(anyio_backend: str) -> None:
    async with OkxHarness() as harness:
        await seed(harness, D(1000))
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        async with session(harness, "valid") as venue:
            with pytest.raises(SubscriptionError) as err:
                await venue.data.subscribe_book_deltas(iid, depth=50)
            assert err.value.venue_code == "60011"
        logins = harness.logins
        async with session(harness, "valid", ws_public_login=True) as venue:
            assert harness.logins == logins + 2  # private and public streams
            await venue.data.subscribe_book_deltas(iid, depth=50)
            await harness.wait_until(
                lambda: book_equals_venue(venue, harness, "BTC-USDT"), what="books50-l2-tbt synced"
            )


async def test_refused_login_after_a_reconnect_stops_only_the_private_stream(
    anyio_backend: str,
) -> None:
    async with (
        OkxHarness() as harness,
        session(harness, "valid", reconnect_delay_initial=0.05) as venue,
    ):
        assert venue.execution.authenticated
        iid = harness.instrument_id(ProductType.SPOT)
        assert iid is not None
        await venue.data.subscribe_trades(iid)
        # The key's secret changes at the venue: the re-login after the drop is refused (fatal).
        harness.API_SECRET = "rotated-secret"  # type: ignore[misc]
        await harness.drop_connections("fin")
        tasks = venue.execution._tasks  # type: ignore[attr-defined]
        await harness.wait_until(
            lambda: isinstance(tasks.stream_error, AuthenticationError),
            what="the private stream to stop on the refused re-login",
        )
        assert harness.login_failures >= 1
        # Logged, not raised into the caller: the session and the public stream keep working.
        await next_event(venue, lambda e: isinstance(e, Reconnected) and e.stream == "public")
        trade_id = await harness.publish_trade(iid, D("1000"), D("0.01"), AggressorSide.SELLER)
        trade = await next_event(venue, lambda e: isinstance(e, TradeTick))
        assert str(trade.trade_id) == trade_id
