"""The live gateway end to end over loopback TCP: handshake, refused keys, subscriptions and
their acks, replay before start_session, MBO snapshots, heartbeats and dead connections, and a
drop in the middle of an intraday replay that resumes with nothing missed or delivered twice."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import anyio
import databento_dbn as dbn
import pytest
from tradeport.clients.base import Reconnected
from tradeport.config import load_config
from tradeport.errors import AuthenticationError, SubscriptionError
from tradeport.model.data import InstrumentStatus, OrderBookDeltas, QuoteTick, TradeTick
from tradeport.model.enums import AggressorSide, BookType, MarketStatus, OrderSide
from tradeport.model.identifiers import InstrumentId
from tradeport_databento.config import DatabentoConfig
from tradeport_databento.data import DatabentoDataClient
from tradeport_databento.parse import DatabentoStatistic
from tradeport_databento.providers import DatabentoInstrumentProvider
from tradeport_databento.testing import DatabentoHarness

pytestmark = pytest.mark.anyio

ES = InstrumentId.from_str("ESZ6.XCME")
DEADLINE = 15.0


class Events:
    """What the client emitted, with waits that have deadlines."""

    def __init__(self) -> None:
        self.send, self.receive = anyio.create_memory_object_stream[Any](100_000)
        self.seen: list[Any] = []

    async def next(self, predicate: Callable[[Any], bool], what: str) -> Any:
        for index, event in enumerate(self.seen):
            if predicate(event):
                return self.seen.pop(index)
        with anyio.fail_after(DEADLINE):
            while True:
                event = await self.receive.receive()
                if predicate(event):
                    return event
                self.seen.append(event)

    async def collect(self, predicate: Callable[[Any], bool], count: int) -> list[Any]:
        out = [e for e in self.seen if predicate(e)]
        self.seen = [e for e in self.seen if not predicate(e)]
        with anyio.fail_after(DEADLINE):
            while len(out) < count:
                event = await self.receive.receive()
                if predicate(event):
                    out.append(event)
        return out


@contextlib.asynccontextmanager
async def live_client(
    harness: DatabentoHarness, credentials: str = "valid", **overrides: Any
) -> AsyncIterator[tuple[DatabentoDataClient, Events]]:
    config = load_config(DatabentoConfig, harness.client_config(credentials, **overrides))
    events = Events()
    provider = DatabentoInstrumentProvider(config)
    client = DatabentoDataClient(config, instruments=provider, events=events.send)
    await provider.load_all()
    await client.connect()
    try:
        yield client, events
    finally:
        await client.disconnect()
        await provider.disconnect()


def _trade(event: Any) -> bool:
    return isinstance(event, TradeTick)


async def test_handshake_and_subscription_flow() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, events):
        await client.subscribe_trades(ES)
        assert harness.logins == 1 and harness.active_subscriptions() == [{"trades:ESZ6"}]
        assert client.live is not None and client.live.session_id == "1001"
        trade_id = await harness.publish_trade(
            ES, Decimal("5000.25"), Decimal(2), AggressorSide.SELLER
        )
        tick = await events.next(_trade, "trade")
        assert (str(tick.trade_id), tick.aggressor_side) == (trade_id, AggressorSide.SELLER)
        assert str(tick.price) == "5000.25" and tick.price.precision == 2
        # A second schema on the started session: sent at once, acked, data flows.
        await client.subscribe_quotes(ES)
        await harness.publish_quote(ES, Decimal(5000), Decimal("5000.5"), Decimal(3), Decimal(4))
        quote = await events.next(lambda e: isinstance(e, QuoteTick), "quote")
        assert (str(quote.bid_price), str(quote.ask_size)) == ("5000.00", "4")
        # Unsubscribe: the gateway's unsubscribe request, acknowledged; no more quotes.
        await client.unsubscribe_quotes(ES)
        assert harness.active_subscriptions() == [{"trades:ESZ6"}]


async def test_auth_request_carries_the_session_options() -> None:
    async with (
        DatabentoHarness() as harness,
        live_client(harness, slow_reader_behavior="skip", heartbeat_interval_s=7) as (client, _),
    ):
        await client.subscribe_trades(ES)
        (fields,) = harness.market.auth_requests
        assert (fields["dataset"], fields["encoding"], fields["compression"]) == (
            "GLBX.MDP3",
            "dbn",
            "none",
        )
        assert (fields["heartbeat_interval_s"], fields["slow_reader_behavior"]) == ("7", "skip")
        assert fields["auth"].endswith("-" + harness.secrets[0][-5:])
        assert harness.secrets[0] not in "|".join(fields.values())


async def test_a_malformed_record_is_counted_and_the_stream_lives_on() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, events):
        await client.subscribe_trades(ES)
        await harness.send_malformed()
        trade_id = await harness.publish_trade(ES, Decimal(5000), Decimal(1), AggressorSide.BUYER)
        tick = await events.next(_trade, "trade after the malformed record")
        assert str(tick.trade_id) == trade_id
        assert client.live is not None and client.live.decode_errors == 1
        assert harness.total_connections == 1


async def test_refused_key_is_fatal_and_never_retried() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, _):
        wrong = load_config(DatabentoConfig, harness.client_config("invalid"))
        bad = DatabentoDataClient(wrong, instruments=client.instruments)
        await bad.connect()
        try:
            with pytest.raises(AuthenticationError, match="Authentication failed"):
                await bad.subscribe_trades(ES)
            attempts = harness.tcp_connections
            # Well past several reconnect delays: nothing more was tried.
            with anyio.move_on_after(0.5):
                await harness.wait_until(lambda: harness.tcp_connections > attempts, timeout=1)
            assert harness.tcp_connections == attempts and harness.login_failures == 1
        finally:
            await bad.disconnect()


async def test_unknown_symbol_is_refused_by_the_gateway() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, _):
        await client.subscribe_trades(ES)
        # Known to the client (a definition exists) but the gateway cannot resolve it now.
        harness.market.instruments.pop("ESH7")
        with pytest.raises(SubscriptionError, match="ESH7"):
            await client.subscribe_trades(InstrumentId.from_str("ESH7.XCME"))
        assert harness.active_subscriptions() == [{"trades:ESZ6"}]


async def test_start_after_session_start_reconnects_to_replay() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, events):
        harness.seed_history(ES, trades=30)
        await client.subscribe_quotes(ES)
        sessions = harness.market.sessions_started
        await client.subscribe_trades(ES, start=0)
        # The gateway honours start only before start_session: a new session carried it.
        assert harness.market.sessions_started == sessions + 1
        replayed = await events.collect(_trade, 30)
        assert len({str(t.trade_id) for t in replayed}) == 30


async def test_mbo_book_from_a_snapshot_then_deltas() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, events):
        levels = [(Decimal(5000) - Decimal("0.25") * i, Decimal(i + 1)) for i in range(3)]
        asks = [(Decimal("5000.5") + Decimal("0.25") * i, Decimal(i + 2)) for i in range(3)]
        await harness.set_book(ES, levels, asks)
        await client.subscribe_book_deltas(ES)
        book = client.book(ES)
        assert book.book_type is BookType.L3_MBO
        assert [(lv.price.as_decimal(), lv.size.as_decimal()) for lv in book.bids()] == levels
        await harness.publish_book_update(ES, OrderSide.SELL, Decimal("5000.5"), Decimal(0))
        batch = await events.next(
            lambda e: isinstance(e, OrderBookDeltas) and not e.is_snapshot, "book delta"
        )
        assert batch.flags & dbn.F_LAST
        assert book.best_ask().price.as_decimal() == Decimal("5000.75")


async def test_mbp10_book() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, events):
        await client.subscribe_book_deltas(ES, book_type=BookType.L2_MBP)
        await harness.set_book(
            ES, [(Decimal(5000), Decimal(1))], [(Decimal("5000.25"), Decimal(2))]
        )
        await events.next(lambda e: isinstance(e, OrderBookDeltas), "mbp-10 snapshot")
        book = client.book(ES)
        assert book.book_type is BookType.L2_MBP and str(book.best_ask().price) == "5000.25"


async def test_status_statistics_and_parent_symbols() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, events):
        parent = InstrumentId.from_str("ES.FUT.XCME")
        await client.subscribe_instrument_status(parent)
        assert harness.active_subscriptions() == [{"status:ESZ6", "status:ESH7"}]
        await harness.publish_instrument_status(InstrumentId.from_str("ESH7.XCME"), "HALTED")
        status = await events.next(lambda e: isinstance(e, InstrumentStatus), "status")
        assert str(status.instrument_id) == "ESH7.XCME" and status.status is MarketStatus.HALTED
        await client.subscribe_custom("statistics", {"instrument_id": "ESZ6.XCME"})
        await harness.publish_statistic(ES, dbn.StatType.SETTLEMENT_PRICE, price=Decimal("5012.5"))
        stat = await events.next(lambda e: isinstance(e, DatabentoStatistic), "statistic")
        assert stat.stat_type == "SETTLEMENT_PRICE" and stat.price == Decimal("5012.5")


async def test_continuous_symbols_stream_under_the_raw_symbol() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, events):
        await client.subscribe_trades(InstrumentId.from_str("ES.c.0.XCME"))
        assert harness.active_subscriptions() == [{"trades:ESZ6"}]  # the front month
        assert client.symbols.raw_symbols("ES.c.0") == {"ESZ6"}
        trade_id = await harness.publish_trade(ES, Decimal(5000), Decimal(1), AggressorSide.BUYER)
        tick = await events.next(_trade, "front-month trade")
        assert (tick.instrument_id, str(tick.trade_id)) == (ES, trade_id)


async def test_live_definitions_become_instruments() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, events):
        await client.subscribe_instruments()
        from tradeport.model.instruments import Instrument

        seen = await events.collect(lambda e: isinstance(e, Instrument), 5)
        ids = sorted(str(i.id) for i in seen)
        assert ids == [
            "AAPL  261218C00200000.OPRA",
            "AAPL.XNAS",
            "ESH7.XCME",
            "ESZ6 C6000.XCME",
            "ESZ6.XCME",
        ]
        assert client.instruments is not None and client.instruments.find(ES) is not None


async def test_silence_past_the_heartbeat_interval_is_a_dead_connection() -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, events):
        await client.subscribe_trades(ES)
        assert client.config.dead_after_s() == 6.0  # heartbeat 5 s + margin 1 s
        connections = harness.total_connections
        # A quiet but healthy feed lives on heartbeats: wait for two of them.
        live = client.live
        assert live is not None
        await harness.wait_until(lambda: live.heartbeats >= 2, timeout=DEADLINE, what="heartbeats")
        assert harness.total_connections == connections
        await harness.go_silent(True)
        await harness.wait_until(lambda: harness.tcp_connections > connections, timeout=DEADLINE)
        await harness.go_silent(False)
        await events.next(lambda e: isinstance(e, Reconnected), "reconnected")
        trade_id = await harness.publish_trade(ES, Decimal(5000), Decimal(1), AggressorSide.BUYER)
        tick = await events.next(_trade, "trade after the reconnect")
        assert str(tick.trade_id) == trade_id


@pytest.mark.parametrize("mode", ["rst", "fin"])
async def test_drop_during_intraday_replay_resumes_without_gap_or_duplicate(mode: str) -> None:
    async with DatabentoHarness() as harness, live_client(harness) as (client, events):
        harness.seed_history(ES, trades=2_000)
        expected = [str(dbn_seq) for dbn_seq in _logged_sequences(harness)]
        harness.market.drop_replay_after = 700
        harness.market.drop_replay_mode = mode
        await client.subscribe_trades(ES, start=0)
        await events.next(lambda e: isinstance(e, Reconnected), "reconnected after the drop")
        replayed = await events.collect(_trade, len(expected))
        # Live trades after the replay come after it, once each.
        live = [
            await harness.publish_trade(ES, Decimal(5001), Decimal(1), AggressorSide.BUYER)
            for _ in range(3)
        ]
        after = await events.collect(_trade, 3)
        got = [str(t.trade_id) for t in replayed + after]
        assert harness.market.replay_drops == 1
        assert got == expected + live, "a trade was missed, repeated or reordered"
        assert client.live is not None and client.live.dedup.dropped > 0
        # Nothing else arrived twice meanwhile.
        with anyio.move_on_after(0.3):
            extra = await events.next(_trade, "an extra trade")
            pytest.fail(f"an extra trade arrived: {extra}")


def _logged_sequences(harness: DatabentoHarness) -> list[int]:
    decoder = dbn.DBNDecoder(has_metadata=False)
    decoder.write(b"".join(r.data for r in harness.market.log if r.schema == "trades"))
    return [record.sequence for record in decoder.decode()]
