"""Raw replay end to end: the mock Tardis API on loopback, its feed generated from the
SimulatedExchange as Binance frames, replayed through the Binance plugin's frame parser
(asked for through the core), over real sockets, with real drops."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import anyio
import attrs
import pytest
from tradeport import open_replay
from tradeport.errors import (
    AuthenticationError,
    MissingCredentials,
    RateLimitError,
    UnknownInstrument,
)
from tradeport.frames import FrameParsers, UnknownFrameParser
from tradeport.model.data import OrderBookDeltas, QuoteTick, TradeTick
from tradeport.model.enums import AggressorSide
from tradeport.model.identifiers import InstrumentId
from tradeport.plugins import load_plugins
from tradeport.replay import ReplayInterrupted, ReplaySubscription
from tradeport.session import open_venue
from tradeport_conformance.simulated import BookUpdated, PublicTrade
from tradeport_tardis.constants import NS_PER_MINUTE
from tradeport_tardis.events import Disconnect
from tradeport_tardis.replay import minute_iso
from tradeport_tardis.testing import TardisHarness
from tradeport_tardis.testing.harness import DEFAULT_START

pytestmark = pytest.mark.anyio

DEADLINE = 20.0
SPOT = InstrumentId.from_str("BTCUSDT.BINANCE")
PERP = InstrumentId.from_str("ETHUSDT-PERP.BINANCE")
ALL_TYPES = ("TRADES", "QUOTES", "BOOK_DELTAS")

if "binance" not in FrameParsers.from_registry(load_plugins()).venues():
    pytest.skip("the Binance plugin (its frame parser) is not installed", allow_module_level=True)


def _subs(iid: InstrumentId, types: tuple[str, ...] = ALL_TYPES) -> list[ReplaySubscription]:
    return [ReplaySubscription(data_type=t, instrument_id=iid) for t in types]


async def _instruments(harness: TardisHarness) -> list[Any]:
    async with open_venue("tardis", harness.client_config(), connect=False) as venue:
        return await venue.instruments.load_all()


def _expected(harness: TardisHarness, exchange: str, instruments: list[Any]) -> list[Any]:
    """What the Binance plugin's own parser makes of the recorded frames, line by line: the
    events its live data client publishes for them (plugins/binance/tests/test_replay_frames.py
    proves parser == live)."""
    parser = FrameParsers.from_registry(load_plugins()).create("binance", instruments)
    out: list[Any] = []
    previous = 0
    for line in harness.feeds[exchange]:
        if line.frame is None:
            out.append(Disconnect(venue="BINANCE", exchange=exchange, ts_event=previous,
                                  ts_init=previous))  # fmt: skip
            continue
        previous = line.ts
        out.extend(parser.parse(line.frame, line.ts))
    return out


async def _replay(harness: TardisHarness, start: int, end: int, subs: list[Any], instruments,
                  resume=None, **config: Any) -> tuple[list[Any], Any]:  # fmt: skip
    events: list[Any] = []
    with anyio.fail_after(DEADLINE):
        async with open_replay(
            "tardis", harness.client_config(**config), start, end, subscriptions=subs,
            instruments=instruments, resume=resume,
        ) as replay:  # fmt: skip
            async for event in replay.events():
                events.append(event)
            assert replay.completed and replay.progress.done
    return events, replay


async def test_replay_equals_the_binance_parser_and_the_simulated_truth() -> None:
    async with TardisHarness() as harness:
        truth = harness.record_market(SPOT, DEFAULT_START, 5, disconnect_at_minute=2)
        instruments = await _instruments(harness)
        events, _ = await _replay(
            harness, DEFAULT_START, DEFAULT_START + 5 * NS_PER_MINUTE, _subs(SPOT), instruments
        )
        assert events == _expected(harness, "binance", instruments)
        # Against the SimulatedExchange: every trade, with its id, price, size and aggressor.
        trades = [e for e in events if isinstance(e, TradeTick)]
        sim_trades = [t for t in truth if isinstance(t, PublicTrade)]
        assert [(str(t.trade_id), t.price.as_decimal(), t.size.as_decimal(), t.aggressor_side)
                for t in trades] == [
            (s.trade_id, s.price, s.quantity, s.aggressor_side) for s in sim_trades
        ]  # fmt: skip
        assert {t.aggressor_side for t in trades} == {AggressorSide.BUYER, AggressorSide.SELLER}
        # Every book change became deltas; snapshots (depthSnapshot frames) are flagged so.
        books = [e for e in events if isinstance(e, OrderBookDeltas)]
        assert len(books) == sum(isinstance(t, BookUpdated) for t in truth)
        assert sum(1 for e in events if isinstance(e, QuoteTick)) == len(books)
        # The empty line: one Disconnect, right before the rebuilt book's snapshot.
        (marker,) = [i for i, e in enumerate(events) if isinstance(e, Disconnect)]
        assert isinstance(events[marker + 1], OrderBookDeltas)
        assert [e.ts_init for e in events] == sorted(e.ts_init for e in events)
        # Prices keep the instrument's precision (tick 0.01).
        assert {t.price.precision for t in trades} == {2}


async def test_only_the_subscribed_data_types_are_kept() -> None:
    async with TardisHarness() as harness:
        harness.record_market(SPOT, DEFAULT_START, 2)
        instruments = await _instruments(harness)
        events, _ = await _replay(harness, DEFAULT_START, DEFAULT_START + 2 * NS_PER_MINUTE,
                                  _subs(SPOT, ("TRADES",)), instruments)  # fmt: skip
        assert events and all(isinstance(e, TradeTick) for e in events)
        # The filters asked the API for the trade channel of btcusdt only.
        feed = [r for r in harness.requests if r.path == "/v1/data-feeds/binance"]
        assert dict(feed[0].query)["filters"] == '[{"channel":"trade","symbols":["btcusdt"]}]'


async def test_slices_are_fetched_in_parallel_and_delivered_in_order() -> None:
    async with TardisHarness() as harness:
        harness.record_market(SPOT, DEFAULT_START, 6)
        instruments = await _instruments(harness)
        # Minute 1 is held back until minutes 2 and 3 were served: only a parallel fetcher gets
        # there, and the replay must still deliver minute 1 before them.
        release = harness.hold_slice("binance", DEFAULT_START + NS_PER_MINUTE)

        async def release_when_later_slices_served() -> None:
            later = {DEFAULT_START + k * NS_PER_MINUTE for k in (2, 3)}
            await harness.wait_until(lambda: later <= {m for _, m in harness.served},
                                     timeout=DEADLINE, what="minutes 2 and 3 served")  # fmt: skip
            release.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(release_when_later_slices_served)
            events, _ = await _replay(harness, DEFAULT_START, DEFAULT_START + 6 * NS_PER_MINUTE,
                                      _subs(SPOT), instruments, max_parallel=4)  # fmt: skip
        served = [m for _, m in harness.served]
        assert served.index(DEFAULT_START + NS_PER_MINUTE) > served.index(
            DEFAULT_START + 3 * NS_PER_MINUTE
        )
        assert events == _expected(harness, "binance", instruments)


@pytest.mark.parametrize("mode", ["fin", "rst"])
async def test_a_slice_cut_off_mid_body_is_fetched_again(mode) -> None:
    async with TardisHarness() as harness:
        harness.record_market(SPOT, DEFAULT_START, 4)
        instruments = await _instruments(harness)
        harness.cut_slices(1, mode=mode, minute_ns=DEFAULT_START + 2 * NS_PER_MINUTE)
        events, replay = await _replay(
            harness, DEFAULT_START, DEFAULT_START + 4 * NS_PER_MINUTE, _subs(SPOT), instruments
        )
        assert events == _expected(harness, "binance", instruments)
        assert replay.source.slices_fetched == 5  # four minutes, one of them twice


async def test_an_interrupted_replay_resumes_from_the_slice_where_it_stopped() -> None:
    async with TardisHarness() as harness:
        harness.record_market(SPOT, DEFAULT_START, 6)
        instruments = await _instruments(harness)
        start, end = DEFAULT_START, DEFAULT_START + 6 * NS_PER_MINUTE
        full, _ = await _replay(harness, start, end, _subs(SPOT), instruments)
        # Minute 3 breaks off (RST mid-body) on every attempt: the replay ends interrupted.
        broken = DEFAULT_START + 3 * NS_PER_MINUTE
        harness.cut_slices(2, mode="rst", minute_ns=broken)
        before: list[Any] = []

        async def interrupted() -> None:
            config = harness.client_config(slice_attempts=2)
            async with open_replay("tardis", config, start, end, subscriptions=_subs(SPOT),
                                   instruments=instruments) as replay:  # fmt: skip
                async for event in replay.events():
                    before.append(event)

        with pytest.raises(ReplayInterrupted) as err, anyio.fail_after(DEADLINE):
            await interrupted()
        cursor = err.value.cursor
        assert cursor is not None and cursor.events == len(before) and before
        assert before == full[: len(before)] and before[-1].ts_init < broken
        # Resume: the source starts again at the slice holding the cursor, not at minute 0.
        # (Its requests carry from=<that minute>; a slice the interrupted replay had asked for
        # ahead may still reach the server late, with its own from.)
        after, _ = await _replay(harness, start, end, _subs(SPOT), instruments, resume=cursor)
        resumed_from = minute_iso(cursor.ts // NS_PER_MINUTE * NS_PER_MINUTE)
        offsets = sorted(int(dict(r.query)["offset"]) for r in harness.requests
                         if r.path == "/v1/data-feeds/binance"
                         and dict(r.query)["from"] == resumed_from)  # fmt: skip
        assert resumed_from != minute_iso(start)
        assert offsets == list(range((end - start) // NS_PER_MINUTE - 2))  # minutes 2..5
        assert before + after == full  # nothing missed, nothing twice


async def test_two_exchanges_merge_by_arrival_time() -> None:
    async with TardisHarness() as harness:
        harness.record_market(SPOT, DEFAULT_START, 3)
        harness.record_market(PERP, DEFAULT_START + 7_000, 3, trades_per_minute=4)
        instruments = await _instruments(harness)
        events, _ = await _replay(harness, DEFAULT_START, DEFAULT_START + 3 * NS_PER_MINUTE,
                                  _subs(SPOT) + _subs(PERP), instruments)  # fmt: skip
        expected = _expected(harness, "binance", instruments) + _expected(
            harness, "binance-futures", instruments
        )
        assert sorted(events, key=lambda e: e.ts_init) == events
        assert sorted(map(repr, events)) == sorted(map(repr, expected))
        assert {str(e.instrument_id) for e in events} == {str(SPOT), str(PERP)}


async def test_without_a_key_only_the_first_day_of_a_month_is_served() -> None:
    async with TardisHarness() as harness:
        first_day = 1_793_491_200_000_000_000  # 2026-11-01T00:00:00Z
        harness.record_market(SPOT, first_day, 2)
        instruments = await _instruments(harness)
        events, _ = await _replay(harness, first_day, first_day + 2 * NS_PER_MINUTE,
                                  _subs(SPOT), instruments, api_key=None)  # fmt: skip
        assert events == _expected(harness, "binance", instruments)
        feed = [r for r in harness.requests if r.path == "/v1/data-feeds/binance"]
        assert feed and all("authorization" not in r.headers for r in feed)
        # Another day: refused before any request leaves, saying why.
        sent = len(harness.requests)
        with pytest.raises(ReplayInterrupted) as err:
            await _replay(harness, DEFAULT_START, DEFAULT_START + NS_PER_MINUTE, _subs(SPOT),
                          instruments, api_key=None)  # fmt: skip
        assert isinstance(err.value.__cause__, MissingCredentials)
        assert "2026-11-02" in str(err.value.__cause__)
        assert len(harness.requests) == sent


async def test_429_waits_for_retry_after_and_a_wrong_key_is_final() -> None:
    async with TardisHarness() as harness:
        harness.record_market(SPOT, DEFAULT_START, 1)
        instruments = await _instruments(harness)
        harness.fail_next_requests(2, 429, retry_after=0.2, path="/v1/data-feeds/binance")
        started = anyio.current_time()
        events, _ = await _replay(harness, DEFAULT_START, DEFAULT_START + NS_PER_MINUTE,
                                  _subs(SPOT), instruments)  # fmt: skip
        assert anyio.current_time() - started >= 0.4 * 0.95, "Retry-After was not honoured"
        assert events == _expected(harness, "binance", instruments)
        harness.fail_next_requests(3, 429, retry_after=0.05, path="/v1/data-feeds/binance")
        with pytest.raises(ReplayInterrupted) as err:
            await _replay(harness, DEFAULT_START, DEFAULT_START + NS_PER_MINUTE, _subs(SPOT),
                          instruments)  # fmt: skip
        assert isinstance(err.value.__cause__, RateLimitError)
        sent = len(harness.requests)
        with pytest.raises(ReplayInterrupted) as err:
            await _replay(harness, DEFAULT_START, DEFAULT_START + NS_PER_MINUTE, _subs(SPOT),
                          instruments, api_key="TD.wrong")  # fmt: skip
        cause = err.value.__cause__
        assert isinstance(cause, AuthenticationError) and cause.venue_message == "Invalid API key"
        assert len(harness.requests) == sent + 1  # not retried


async def test_an_instrument_must_be_known_and_a_venue_without_parser_is_named() -> None:
    async with TardisHarness() as harness:
        instruments = await _instruments(harness)
        with pytest.raises(ReplayInterrupted) as err:
            await _replay(harness, DEFAULT_START, DEFAULT_START + NS_PER_MINUTE,
                          _subs(InstrumentId.from_str("XRPUSDT.BINANCE")), instruments)  # fmt: skip
        assert isinstance(err.value.__cause__, UnknownInstrument)
        # A venue whose plugin is not installed (disabled here): the replay names it.
        other = attrs.evolve(instruments[0], id=InstrumentId.from_str("XBTUSD.BITMEX"))
        registry = load_plugins({"TRADEPORT_DISABLE_PLUGINS": "bitmex"})
        with pytest.raises(ReplayInterrupted) as err, anyio.fail_after(DEADLINE):
            await _first_event(harness, other, registry)
        assert isinstance(err.value.__cause__, UnknownFrameParser)
        assert "bitmex" in str(err.value.__cause__)


async def _first_event(harness: TardisHarness, instrument: Any, registry: Any) -> None:
    async with open_replay(
        "tardis", harness.client_config(), DEFAULT_START, DEFAULT_START + NS_PER_MINUTE,
        subscriptions=_subs(instrument.id, ("TRADES",)), instruments=[instrument],
        registry=registry,
    ) as replay:  # fmt: skip
        async for _ in replay.events():
            break


async def test_memory_stays_flat_over_a_multi_hour_feed() -> None:
    """Six times the range, about the same peak: slices are held max_parallel at a time and
    events are parsed as they are taken (figures: bench/bench_tardis_replay.py)."""
    import tracemalloc

    from tradeport_tardis.testing.harness import Line
    from tradeport_tardis.testing.render import trade

    def minute(exchange: str, minute_ns: int) -> list[Line]:
        base = (minute_ns - DEFAULT_START) // NS_PER_MINUTE * 30
        return [
            Line(ts := minute_ns + (i + 1) * 1_000_000_000, trade("BTCUSDT", base + i,
                 Decimal("1000.01"), Decimal("0.001"), ts // 1_000_000, i % 2 == 0),
                 "btcusdt", "trade")
            for i in range(30)
        ]  # fmt: skip

    async def peak(minutes: int) -> int:
        async with TardisHarness() as harness:
            harness.minute_source = minute
            instruments = await _instruments(harness)

            def forget(_: Any) -> None:  # the mock's request logs are not the replay's memory
                harness.server.requests.clear()
                harness._recorded.clear()
                harness.served.clear()

            tracemalloc.start()
            try:
                count = 0
                with anyio.fail_after(120):
                    async with open_replay(
                        "tardis", harness.client_config(), DEFAULT_START,
                        DEFAULT_START + minutes * NS_PER_MINUTE, subscriptions=_subs(SPOT),
                        instruments=instruments, on_progress=forget, progress_every=30,
                    ) as replay:  # fmt: skip
                        async for _ in replay.events():
                            count += 1
                assert count == minutes * 30
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    short, long = await peak(20), await peak(120)  # two hours
    assert long < short * 1.5, f"peak grew from {short} to {long} bytes"


async def test_a_bybit_feed_replays_through_the_bybit_parser() -> None:
    if "bybit" not in FrameParsers.from_registry(load_plugins()).venues():
        pytest.skip("the Bybit plugin (its frame parser) is not installed")
    sol = InstrumentId.from_str("SOLUSDT-LINEAR.BYBIT")
    async with TardisHarness() as harness:
        truth = harness.record_market(sol, DEFAULT_START, 3)
        async with open_venue("tardis", harness.client_config(exchanges=["bybit"]),
                              connect=False) as venue:  # fmt: skip
            instruments = await venue.instruments.load_all()
        assert [str(i.id) for i in instruments] == [str(sol)]
        events, _ = await _replay(harness, DEFAULT_START, DEFAULT_START + 3 * NS_PER_MINUTE,
                                  _subs(sol, ("TRADES", "QUOTES")), instruments)  # fmt: skip
        parser = FrameParsers.from_registry(load_plugins()).create("bybit", instruments)
        expected = [e for line in harness.feeds["bybit"] for e in parser.parse(line.frame, line.ts)
                    if isinstance(e, TradeTick | QuoteTick)]  # fmt: skip
        assert events == expected
        trades = [e for e in events if isinstance(e, TradeTick)]
        assert [(t.trade_id.value, t.price.as_decimal(), t.aggressor_side) for t in trades] == [
            (s.trade_id, s.price, s.aggressor_side) for s in truth if isinstance(s, PublicTrade)
        ]  # fmt: skip
        feed = [r for r in harness.requests if r.path == "/v1/data-feeds/bybit"]
        assert json.loads(dict(feed[0].query)["filters"]) == [
            {"channel": "orderbook.1", "symbols": ["SOLUSDT"]},
            {"channel": "publicTrade", "symbols": ["SOLUSDT"]},
        ]


@pytest.mark.parametrize(
    ("venue", "exchange", "iid", "channel"),
    [
        ("okx", "okex", "BTC-USDT.OKX", "trades"),
        ("bitmex", "bitmex", "XBTUSD.BITMEX", "trade"),
    ],
)
async def test_okx_and_bitmex_feeds_replay_through_their_parsers(
    venue: str, exchange: str, iid: str, channel: str
) -> None:
    """The mock records the venue's own trade frames (OKX ``trades`` pushes, BitMEX ``trade``
    table inserts); the replay parses them with that venue's parser, asked for through the
    core: the events equal the parser's own and the SimulatedExchange's trades."""
    if venue not in FrameParsers.from_registry(load_plugins()).venues():
        pytest.skip(f"the {venue} plugin (its frame parser) is not installed")
    instrument_id = InstrumentId.from_str(iid)
    async with TardisHarness() as harness:
        truth = harness.record_market(instrument_id, DEFAULT_START, 3)
        async with open_venue("tardis", harness.client_config(exchanges=[exchange]),
                              connect=False) as session:  # fmt: skip
            instruments = await session.instruments.load_all()
        assert [str(i.id) for i in instruments] == [iid]
        events, _ = await _replay(harness, DEFAULT_START, DEFAULT_START + 3 * NS_PER_MINUTE,
                                  _subs(instrument_id, ("TRADES",)), instruments)  # fmt: skip
        parser = FrameParsers.from_registry(load_plugins()).create(venue, instruments)
        expected = [
            e
            for line in harness.feeds[exchange]
            for e in parser.parse(line.frame, line.ts)
            if isinstance(e, TradeTick)
        ]
        assert events == expected and events
        sim_trades = [s for s in truth if isinstance(s, PublicTrade)]
        assert [(t.price.as_decimal(), t.size.as_decimal(), t.aggressor_side) for t in events] == [
            (s.price, s.quantity, s.aggressor_side) for s in sim_trades
        ]  # fmt: skip
        assert len({str(t.trade_id) for t in events}) == len(sim_trades)
        feed = [r for r in harness.requests if r.path == f"/v1/data-feeds/{exchange}"]
        assert len(feed) == 3 and json.loads(dict(feed[0].query)["filters"]) == [
            {"channel": channel, "symbols": [instrument_id.symbol.value]}
        ]


@pytest.mark.parametrize(
    ("venue", "exchange", "iid", "channel"),
    [
        ("okx", "okex", "BTC-USDT.OKX", "books-l2-tbt"),
        ("bybit", "bybit", "SOLUSDT-LINEAR.BYBIT", "orderbook.50"),
        ("bitmex", "bitmex", "XBTUSD.BITMEX", "orderBookL2"),
    ],
)
async def test_okx_bybit_and_bitmex_books_replay_to_the_venues_book(
    venue: str, exchange: str, iid: str, channel: str
) -> None:
    """Book channels as tardis-node reads them (OKX ``books-l2-tbt``, Bybit ``orderbook.50``,
    BitMEX ``orderBookL2``): a snapshot, then the changed levels; the replayed deltas are the venue parser's, and
    applied in order they leave the SimulatedExchange's book."""
    from tradeport.book import OrderBook

    if venue not in FrameParsers.from_registry(load_plugins()).venues():
        pytest.skip(f"the {venue} plugin (its frame parser) is not installed")
    instrument_id = InstrumentId.from_str(iid)
    async with TardisHarness() as harness:
        harness.record_market(instrument_id, DEFAULT_START, 3, book_every=1)
        async with open_venue("tardis", harness.client_config(exchanges=[exchange]),
                              connect=False) as session:  # fmt: skip
            instruments = await session.instruments.load_all()
        events, _ = await _replay(harness, DEFAULT_START, DEFAULT_START + 3 * NS_PER_MINUTE,
                                  _subs(instrument_id, ("BOOK_DELTAS",)), instruments)  # fmt: skip
        parser = FrameParsers.from_registry(load_plugins()).create(venue, instruments)
        expected = [e for line in harness.feeds[exchange] if line.channel == channel
                    for e in parser.parse(line.frame, line.ts)]  # fmt: skip
        assert events == expected and len(events) > 3
        assert events[0].is_snapshot and not any(e.is_snapshot for e in events[1:])
        book = OrderBook(instrument_id)
        for deltas in events:
            book.apply(deltas)
        symbol, _ = harness.sim_symbol(instrument_id)
        sim = harness.exchange.book(symbol)
        levels = lambda side: [(lv.price.as_decimal(), lv.size.as_decimal()) for lv in side]  # noqa: E731
        assert (levels(book.bids()), levels(book.asks())) == (list(sim.bids), list(sim.asks))
        feed = [r for r in harness.requests if r.path == f"/v1/data-feeds/{exchange}"]
        assert json.loads(dict(feed[0].query)["filters"]) == [
            {"channel": channel, "symbols": [symbol]}
        ]
