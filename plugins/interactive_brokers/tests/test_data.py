"""The data client against the mock gateway: quotes from tick messages (live and delayed
market data types), trade prints, notices as events, resubscription after 1101."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.errors import UnsupportedOperation
from tradeport.model.data import Bar, BarType, QuoteTick, TradeTick
from tradeport.model.enums import AggressorSide, BarAggregation, OrderSide
from tradeport.model.identifiers import InstrumentId
from tradeport.net.ratelimit import Quota
from tradeport_conformance.harness import wait_until
from tradeport_interactive_brokers.constants import Out
from tradeport_interactive_brokers.data import (
    InteractiveBrokersDataClient,
    history_pacing,
    ib_bar_size,
)
from tradeport_interactive_brokers.gateway import GatewayNotice
from tradeport_interactive_brokers.providers import InteractiveBrokersInstrumentProvider
from tradeport_interactive_brokers.testing.listings import AAPL

pytestmark = pytest.mark.anyio

AAPL_ID = InstrumentId.from_str("AAPL.NASDAQ")


class Sink:
    def __init__(self) -> None:
        self.events: list[Any] = []

    async def send(self, item: Any) -> None:
        self.events.append(item)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def _client(env: Any, **overrides: Any) -> tuple[InteractiveBrokersDataClient, Sink]:
    config = env.config(**overrides)
    sink = Sink()
    provider = InteractiveBrokersInstrumentProvider(config)
    return InteractiveBrokersDataClient(config, instruments=provider, events=sink), sink


def _requests(env: Any, msg_id: int) -> list[list[str]]:
    return [f for c in env.mock.all_clients for f in c.received if f[0] == str(msg_id)]


@pytest.mark.parametrize("market_data_type", [1, 3])
async def test_quotes_live_and_delayed(env: Any, market_data_type: int) -> None:
    client, sink = _client(env, market_data_type=market_data_type)
    await client.connect()
    try:
        await client.subscribe_quotes(AAPL_ID)
        assert await env.mock.wait_for_subscriber("quotes", AAPL.con_id)
        # The instrument was resolved (contract details) before the market data request,
        # and the request names the contract by conId.
        (request,) = _requests(env, Out.REQ_MKT_DATA)
        assert request[3] == str(AAPL.con_id)
        if market_data_type == 3:
            assert _requests(env, Out.REQ_MARKET_DATA_TYPE) == [["59", "1", "3"]]
        await env.mock.publish_quote(
            AAPL.con_id, Decimal("189.5"), Decimal("189.52"), Decimal(300), Decimal(200)
        )
        await wait_until(lambda: bool(sink.of(QuoteTick)), what="a quote")
        (quote,) = sink.of(QuoteTick)
        assert (quote.bid_price.as_decimal(), quote.ask_price.as_decimal()) == (
            Decimal("189.5"),
            Decimal("189.52"),
        )
        assert (quote.bid_size.as_decimal(), quote.ask_size.as_decimal()) == (300, 200)
        assert quote.bid_price.precision == 2
        # A one-sided change is a new quote with the other side kept.
        await env.mock.publish_quote(
            AAPL.con_id, Decimal("189.51"), Decimal("189.52"), Decimal(300), Decimal(200)
        )
        await wait_until(
            lambda: sink.of(QuoteTick)[-1].bid_price.as_decimal() == Decimal("189.51"),
            what="new bid",
        )
        assert all(q.ask_price.as_decimal() == Decimal("189.52") for q in sink.of(QuoteTick))
    finally:
        await client.disconnect()


async def test_market_data_type_is_set_again_after_reconnect_before_replay(env: Any) -> None:
    client, _ = _client(env, market_data_type=3)
    await client.connect()
    try:
        await client.subscribe_quotes(AAPL_ID)
        assert await env.mock.wait_for_subscriber("quotes", AAPL.con_id)
        before = client.gateway.session.counters.reconnects
        await env.proxy.reset_rst()
        await client.gateway.session.wait_reconnected(before)
        await env.until(lambda: len(_requests(env, Out.REQ_MKT_DATA)) == 2, "replayed")
        second = env.mock.all_clients[-1].received
        kinds = [f[0] for f in second]
        assert kinds.index(str(Out.REQ_MARKET_DATA_TYPE)) < kinds.index(str(Out.REQ_MKT_DATA))
    finally:
        await client.disconnect()


async def test_trade_prints_and_notices(env: Any) -> None:
    client, sink = _client(env)
    await client.connect()
    try:
        await client.subscribe_trades(AAPL_ID)
        assert await env.mock.wait_for_subscriber("trades", AAPL.con_id)
        await env.mock.publish_last(AAPL.con_id, Decimal("190.01"), Decimal(5), "NASDAQ")
        await wait_until(lambda: bool(sink.of(TradeTick)), what="a print")
        (trade,) = sink.of(TradeTick)
        assert trade.price.as_decimal() == Decimal("190.01") and trade.size.as_decimal() == 5
        assert trade.aggressor_side is AggressorSide.NO_AGGRESSOR
        await env.mock.send_notice(1101)
        await env.until(
            lambda: len(_requests(env, Out.REQ_TICK_BY_TICK)) == 2, "resubscribed after 1101"
        )
        await wait_until(
            lambda: any(n.code == 1101 for n in sink.of(GatewayNotice)),
            what="the 1101 notice event",
        )
    finally:
        await client.disconnect()


async def test_depth_rows_become_a_price_level_book_rebuilt_after_1101(env: Any) -> None:
    exchange = env.mock.exchange
    exchange.set_book(
        "AAPL",
        [(Decimal("99.9"), Decimal(10)), (Decimal("99.8"), Decimal(20))],
        [(Decimal("100.1"), Decimal(5)), (Decimal("100.2"), Decimal(7))],
    )
    client, _ = _client(env, depth_rows=5, smart_depth=True)
    await client.connect()
    try:
        await client.subscribe_book_deltas(AAPL_ID)
        assert await env.mock.wait_for_subscriber("book", AAPL.con_id)
        (request,) = _requests(env, Out.REQ_MKT_DEPTH)
        assert request[15:17] == ["5", "1"]  # numRows, isSmartDepth

        def levels() -> tuple[list[Any], list[Any]]:
            book = client.book(AAPL_ID)
            return (
                [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in book.bids()],
                [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in book.asks()],
            )

        def venue() -> tuple[list[Any], list[Any]]:
            snap = exchange.book("AAPL")
            return [tuple(x) for x in snap.bids], [tuple(x) for x in snap.asks]

        await wait_until(lambda: levels() == venue(), what="the book from TWS's rows")
        # A level inside the book changes and one is inserted at the top: rows shift.
        exchange.update_level("AAPL", OrderSide.BUY, Decimal("99.95"), Decimal(3))
        exchange.update_level("AAPL", OrderSide.SELL, Decimal("100.1"), Decimal(0))
        await wait_until(lambda: levels() == venue(), what="the book after row inserts/deletes")
        assert levels()[0][0] == (Decimal("99.95"), 3)
        await env.mock.send_notice(1101)
        await env.until(
            lambda: len(_requests(env, Out.REQ_MKT_DEPTH)) == 2, "depth requested again"
        )
        exchange.update_level("AAPL", OrderSide.SELL, Decimal("100.3"), Decimal(1))
        await wait_until(lambda: levels() == venue(), what="the book rebuilt after 1101")
    finally:
        await client.disconnect()


def test_bar_sizes_and_pacing_rules() -> None:
    assert ib_bar_size(1, BarAggregation.SECOND) == ("1 secs", 1)
    assert ib_bar_size(15, BarAggregation.MINUTE) == ("15 mins", 900)
    assert ib_bar_size(1, BarAggregation.HOUR) == ("1 hour", 3600)
    assert ib_bar_size(1, BarAggregation.DAY) == ("1 day", 86_400)
    with pytest.raises(UnsupportedOperation, match="7 mins"):
        ib_bar_size(7, BarAggregation.MINUTE)
    pacing, identical = history_pacing()
    assert pacing.quotas("historical") == (Quota(60, 600.0),)
    assert pacing.quotas("265598:TRADES") == (Quota(6, 2.0),)
    assert identical.quotas("any request") == (Quota(1, 15.0),)


async def test_history_is_paged_backwards_by_the_longest_duration(env: Any) -> None:
    """Two days and a bit of 1-minute bars: three requests, each at most one day, each ending
    where the previous page began; every bar once, in order."""
    now_s = int(time.time()) // 60 * 60
    count = 2 * 1440 + 30
    env.mock.history_bars["AAPL"] = [
        (
            now_s - (count - i) * 60,
            Decimal(100),
            Decimal(101),
            Decimal(99),
            Decimal(100),
            Decimal(5),
        )
        for i in range(count)
    ]
    client, _ = _client(env)
    await client.connect()
    try:
        bars = await client.request_bars(
            BarType.from_str("AAPL.NASDAQ-1-MINUTE-LAST-EXTERNAL"),
            start_ns=(now_s - count * 60) * 10**9,
            end_ns=now_s * 10**9,
        )
    finally:
        await client.disconnect()
    assert len(bars) == count
    assert [b.ts_event for b in bars] == sorted({b.ts_event for b in bars})
    requests = [dict(r.query) for r in env.mock.history_requests]
    assert len(requests) == 3
    assert all(int(r["durationStr"].split()[0]) <= 86_400 for r in requests)
    assert requests[0]["endDateTime"] > requests[1]["endDateTime"] > requests[2]["endDateTime"]


async def test_pacing_violation_waits_then_asks_again(env: Any) -> None:
    now_s = int(time.time()) // 60 * 60
    env.mock.history_bars["AAPL"] = [
        (now_s - (10 - i) * 60, Decimal(100), Decimal(101), Decimal(99), Decimal(100), Decimal(5))
        for i in range(10)
    ]
    env.mock.pacing_violations = 1
    client, _ = _client(env, history_pacing_wait=0.3)
    await client.connect()
    try:
        started = anyio.current_time()
        bars = await client.request_bars(
            BarType.from_str("AAPL.NASDAQ-1-MINUTE-LAST-EXTERNAL"), end_ns=now_s * 10**9, limit=10
        )
        waited = anyio.current_time() - started
    finally:
        await client.disconnect()
    assert len(bars) == 10
    assert len(env.mock.history_requests) == 2  # refused for pacing, then answered
    assert waited >= 0.3 * 0.9, "the request was sent again before the pacing wait"
    assert client.history_pacing[0].waits >= 1


def test_client_message_rate_is_ibs_limit() -> None:
    from tradeport_interactive_brokers.config import InteractiveBrokersConfig
    from tradeport_interactive_brokers.gateway import IbGateway

    gateway = IbGateway(InteractiveBrokersConfig(), client_id=1, name="t")
    assert gateway.limiter.quotas("global") == (Quota(50, 1.0),)
    config = InteractiveBrokersConfig(max_messages_per_second=20)
    slower = IbGateway(config, client_id=1, name="t")
    assert slower.limiter.quotas("global") == (Quota(20, 1.0),)


async def test_bar_subscription_aggregates_real_time_bars_and_resubscribes_after_1101(
    env: Any,
) -> None:
    """Five-minute MIDPOINT bars from TWS's 5-second real-time bars: one bar per five
    minutes, emitted when its last 5-second bar arrives, stamped at its close; after 1101
    the request is sent again."""
    client, sink = _client(env)
    await client.connect()
    try:
        bar_type = BarType.from_str("AAPL.NASDAQ-5-MINUTE-MID-EXTERNAL")
        await client.subscribe_bars(bar_type)
        (request,) = _requests(env, Out.REQ_REAL_TIME_BARS)
        assert request[1] == "3" and request[3] == str(AAPL.con_id)
        assert request[15:18] == ["5", "MIDPOINT", "0"]  # barSize, whatToShow, useRTH
        start = 1_796_000_100  # a five-minute boundary (UNIX seconds)
        assert start % 300 == 0
        fives = [
            (start + 5 * i, Decimal(100 + i), Decimal(101 + i), Decimal(99 + i), Decimal(100 + i),
             Decimal(2))
            for i in range(60)
        ]  # fmt: skip
        await env.mock.publish_real_time_bars(AAPL.con_id, fives[:59])
        await env.mock.publish_real_time_bars(AAPL.con_id, [*fives[59:], fives[0]])  # a late one
        await wait_until(lambda: bool(sink.of(Bar)), what="the five-minute bar")
        await env.mock.publish_real_time_bars(
            AAPL.con_id, [(start + 300, Decimal(1), Decimal(1), Decimal(1), Decimal(1), Decimal(1))]
        )
        await env.mock.send_notice(1101)
        await env.until(
            lambda: len(_requests(env, Out.REQ_REAL_TIME_BARS)) == 2, "bars requested again"
        )
        (bar,) = sink.of(Bar)  # the forming next bar is not emitted, nor the first twice
        assert bar.bar_type == bar_type and bar.ts_event == (start + 300) * 1_000_000_000
        assert (bar.open.as_decimal(), bar.high.as_decimal()) == (Decimal(100), Decimal(160))
        assert (bar.low.as_decimal(), bar.close.as_decimal()) == (Decimal(99), Decimal(159))
        assert bar.volume.as_decimal() == 120
        with pytest.raises(UnsupportedOperation, match="subscribe_bars"):
            await client.subscribe_bars(BarType.from_str("AAPL.NASDAQ-7-SECOND-LAST-EXTERNAL"))
    finally:
        await client.disconnect()
