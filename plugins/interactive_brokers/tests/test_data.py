"""The data client against the mock gateway: quotes from tick messages (live and delayed
market data types), trade prints, notices as events, resubscription after 1101."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tradeport.model.data import QuoteTick, TradeTick
from tradeport.model.enums import AggressorSide, OrderSide
from tradeport.model.identifiers import InstrumentId
from tradeport_conformance.harness import wait_until
from tradeport_interactive_brokers.constants import Out
from tradeport_interactive_brokers.data import InteractiveBrokersDataClient
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
