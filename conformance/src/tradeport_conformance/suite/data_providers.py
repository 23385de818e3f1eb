"""DATA PROVIDERS (DP1-DP4): historical ranges, replays, symbol resolution, gateway keys.

Gated by what the provider declares: DP1 and DP2 need ``replay:TRADES``
(``Capabilities.replay``, served through :func:`tradeport.open_replay`), DP3 and DP4
``capability:data_only`` (DP4's live gateway also ``feature:public_data_login``: the live data
needs a key). The harness seeds the provider's history in the venue's real format
(``seed_replay_trades``), says how the provider pages it (``replay_page_ns``), can hold back
the rest of a range (``hold_replay``) and names its symbols (``symbol_resolutions``); a harness
without a control a scenario needs skips it, naming the control.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import anyio
import pytest
from tradeport.clients.capabilities import DataType
from tradeport.clients.resolution import InstrumentQuery
from tradeport.errors import AmbiguousInstrument, AuthenticationError, UnknownInstrument
from tradeport.model.data import TradeTick
from tradeport.replay import ReplayInterrupted, ReplaySubscription

from tradeport_conformance.harness import RecordedRequest, ReplayTrade, wait_until
from tradeport_conformance.markers import requires, scenario
from tradeport_conformance.suite.helpers import EVENT_TIMEOUT, pick_instrument

pytestmark = pytest.mark.anyio

__all__ = ["TestDataProviders"]

#: Deadline for a whole replay of a seeded range (a few hundred events over loopback).
REPLAY_TIMEOUT = EVENT_TIMEOUT * 2
#: Pages a paged provider's range spans in DP1 (several, so pagination is exercised).
PAGES = 6
#: The span of an unpaged provider's range (one streamed response serves any range).
UNPAGED_SPAN_NS = 10 * 60 * 10**9


def _control(harness: Any, name: str, *args: Any) -> Any:
    """Call a harness control; a harness without it skips the scenario, naming it."""
    try:
        return getattr(harness, name)(*args)
    except NotImplementedError:
        pytest.skip(f"the harness has no {name} control (VenueHarness.{name})")


def _key(trade: TradeTick) -> tuple[str, Any, Any]:
    return str(trade.trade_id), trade.price.as_decimal(), trade.size.as_decimal()


def _truth(records: Sequence[ReplayTrade]) -> list[tuple[str, Any, Any]]:
    return [(r.trade_id, r.price, r.size) for r in records]


class _Replays:
    """Opens replays of the venue under test against its mock, with the loaded instruments."""

    def __init__(self, harness: Any, registry: Any, venue: str, instruments: list[Any]) -> None:
        self.harness, self.registry, self.venue, self.instruments = (
            harness,
            registry,
            venue,
            instruments,
        )

    def open(
        self,
        iid: Any,
        start: int,
        end: int | None,
        *,
        credentials: str = "valid",
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        from tradeport import open_replay

        return open_replay(
            self.venue,
            self.harness.client_config(credentials),
            start,
            end,
            subscriptions=[ReplaySubscription(data_type=DataType.TRADES, instrument_id=iid)],
            instruments=self.instruments,
            params=dict(params or {}),
            registry=self.registry,
        )

    async def run(
        self,
        iid: Any,
        start: int,
        end: int | None,
        *,
        params: Mapping[str, Any] | None = None,
        on_event: Callable[[Any], Any] | None = None,
    ) -> tuple[list[Any], Any]:
        """Every event of the replay (the iteration must end by itself), and the replay."""
        events: list[Any] = []
        with anyio.fail_after(REPLAY_TIMEOUT):
            async with self.open(iid, start, end, params=params) as replay:
                async for event in replay.events():
                    events.append(event)
                    if on_event is not None:
                        await on_event(event)
        return events, replay


async def _replays(harness, open_session, conformance_registry, venue_name) -> _Replays:
    # A replay of recorded frames needs the instruments for their precision (Tardis); a
    # provider that resolves them itself (Databento) takes them too.
    async with open_session("valid", connect=False) as venue:
        instruments = await venue.instruments.load_all()
    return _Replays(harness, conformance_registry, venue_name, instruments)


def _trades(events: Sequence[Any], iid: Any) -> list[TradeTick]:
    return [e for e in events if isinstance(e, TradeTick) and e.instrument_id == iid]


def _assert_ordered(events: Sequence[Any], order_by: str) -> None:
    stamps = [getattr(e, order_by) for e in events]
    back = next((i for i in range(1, len(stamps)) if stamps[i] < stamps[i - 1]), None)
    assert back is None, (
        f"event {back} ({type(events[back]).__name__}) has {order_by} {stamps[back]} after "
        f"{stamps[back - 1]}: the replay went back in time"
    )


def _seed(harness: Any, iid: Any, page: int | None, count: int) -> tuple[int, int, list[Any]]:
    start = _control(harness, "replay_start_ns")
    span = page * PAGES if page else UNPAGED_SPAN_NS
    truth = _control(harness, "seed_replay_trades", iid, start, start + span, count)
    assert len(truth) == count, f"the harness seeded {len(truth)} trades, not {count}"
    return start, start + span, truth


def _between(truth: Sequence[ReplayTrade], index: int) -> int:
    """A time strictly between trade ``index - 1`` and trade ``index`` of the truth."""
    low, high = truth[index - 1].ts_init, truth[index].ts_init
    assert high - low >= 2, "the harness seeded trades too close together to split between"
    return (low + high) // 2


def _fetches(harness: Any, requests: Sequence[RecordedRequest]) -> list[RecordedRequest]:
    return [r for r in requests if harness.is_replay_request(r)]


@pytest.mark.anyio
class TestDataProviders:
    @scenario("DP1")
    @requires("replay:TRADES")
    async def test_range_in_order_paginated(
        self, harness, open_session, conformance_registry, venue_name, venue_capabilities
    ) -> None:
        """A range of several pages comes back whole, in order, each page asked for once
        (one request when the provider streams any range in one response)."""
        iid = pick_instrument(harness, venue_capabilities)
        page = _control(harness, "replay_page_ns", {})
        start, end, truth = _seed(harness, iid, page, 60)
        replays = await _replays(harness, open_session, conformance_registry, venue_name)
        before = len(harness.requests)
        events, replay = await replays.run(iid, start, end)
        assert replay.completed and replay.progress.done, "the replay did not end cleanly"
        trades = _trades(events, iid)
        assert [_key(t) for t in trades] == _truth(truth), (
            "the replayed trades are not the venue's (ids, prices, sizes, in order)"
        )
        _assert_ordered(events, replay.request.order_by)
        _assert_ordered(trades, "ts_event")
        fetched = _fetches(harness, list(harness.requests)[before:])
        asked = [(r.method, r.path, r.query, r.body) for r in fetched]
        assert len(set(asked)) == len(asked), "a page of the range was fetched twice"
        if page is None:
            assert len(fetched) == 1, (
                f"a provider that streams any range in one response took {len(fetched)} requests"
            )
        else:
            pages = -(-(end - start) // page)
            assert len(fetched) == pages, (
                f"a range of {pages} pages took {len(fetched)} page requests"
            )

    @scenario("DP1")
    @requires("replay:TRADES")
    async def test_range_streamed_not_loaded_whole(
        self, harness, open_session, conformance_registry, venue_name, venue_capabilities
    ) -> None:
        """Bounded memory: the first events reach the consumer while the venue still holds
        back the rest of the range (a source that loads the range whole, or reads a response
        to its end before decoding, never delivers them and fails at the deadline)."""
        iid = pick_instrument(harness, venue_capabilities)
        page = _control(harness, "replay_page_ns", {})
        start, end, truth = _seed(harness, iid, page, 60)
        replays = await _replays(harness, open_session, conformance_registry, venue_name)
        held_from = _between(truth, len(truth) // 2)
        release = _control(harness, "hold_replay", iid, held_from)
        early: list[Any] = []

        async def on_event(event: Any) -> None:
            if isinstance(event, TradeTick) and not release.is_set():
                early.append(event)
                assert event.ts_init < held_from, "an event from the held part arrived"
                release.set()  # the first trade arrived while the rest was held: go on

        events: list[Any] = []
        try:
            events, _ = await replays.run(iid, start, end, on_event=on_event)
        except (TimeoutError, ReplayInterrupted) as exc:
            pytest.fail(
                "no event reached the consumer while the venue held the rest of the range: "
                f"the range is loaded (or read) whole before it is delivered ({exc!r})",
                pytrace=False,
            )
        finally:
            release.set()
        assert early, "the replay ended without a trade"
        assert [_key(t) for t in _trades(events, iid)] == _truth(truth)

    @scenario("DP2")
    @requires("replay:TRADES")
    async def test_replay_from_a_start_time_ends_cleanly(
        self, harness, open_session, conformance_registry, venue_name, venue_capabilities
    ) -> None:
        """From a start time inside the range to an end inside it: exactly the trades in
        between, in order, then the end of the iteration with the progress done; in every
        replay variant the provider offers (Tardis: raw feeds and its tardis-machine)."""
        iid = pick_instrument(harness, venue_capabilities)
        page = _control(harness, "replay_page_ns", {})
        _, _, truth = _seed(harness, iid, page, 60)
        first, last = len(truth) // 3, len(truth) * 5 // 6
        start, end = _between(truth, first), _between(truth, last)
        replays = await _replays(harness, open_session, conformance_registry, venue_name)
        for params in harness.replay_variants:
            events, replay = await replays.run(iid, start, end, params=params)
            what = f"replay {dict(params) or '(default)'}"
            assert replay.completed, f"{what}: the iteration ended without completing"
            assert replay.progress.done and replay.progress.fraction == 1.0, what
            trades = _trades(events, iid)
            assert [_key(t) for t in trades] == _truth(truth[first:last]), (
                f"{what}: not exactly the venue's trades from the start time to the end"
            )
            order_by = replay.request.order_by
            _assert_ordered(events, order_by)
            assert all(start <= getattr(e, order_by) < end for e in events), (
                f"{what}: an event outside [start, end)"
            )

    @scenario("DP2")
    @requires("replay:TRADES", "feature:intraday_replay")
    async def test_replay_without_end_stops_at_the_opening(
        self, harness, open_session, conformance_registry, venue_name, venue_capabilities
    ) -> None:
        """Without an end, a replay covers the range up to the moment it opened, then ends:
        the trades recorded before then, none after."""
        import time

        iid = pick_instrument(harness, venue_capabilities)
        now = time.time_ns()
        truth = _control(harness, "seed_replay_trades", iid, now - UNPAGED_SPAN_NS, now - 10**9, 30)
        start = _between(truth, 10)
        replays = await _replays(harness, open_session, conformance_registry, venue_name)
        events, replay = await replays.run(iid, start, None)
        assert replay.completed and replay.progress.done
        assert replay.request.end_ns >= now
        assert [_key(t) for t in _trades(events, iid)] == _truth(truth[10:])
        _assert_ordered(events, replay.request.order_by)

    @scenario("DP3")
    @requires("capability:data_only")
    async def test_native_symbols_resolve_and_unknown_is_typed(
        self, harness, open_session, venue_capabilities
    ) -> None:
        """Each native symbol the provider lists resolves to its instrument; a symbol it does
        not know is an UnknownInstrument naming it."""
        native = [r for r in harness.symbol_resolutions if r[0] == "native"]
        if not native:
            pytest.skip("the harness names no native symbols (VenueHarness.symbol_resolutions)")
        async with open_session("valid", connect=False) as venue:
            for _, symbol, expected in native:
                await _check_resolution(venue, "native", symbol, expected)
            with pytest.raises(UnknownInstrument) as err:
                await venue.instruments.resolve(InstrumentQuery(symbol="NO-SUCH-SYMBOL-XYZ"))
            assert "NO-SUCH-SYMBOL-XYZ" in str(err.value)

    @scenario("DP3")
    @requires("capability:data_only")
    async def test_parent_and_continuous_symbols_resolve(
        self, harness, open_session, venue_capabilities
    ) -> None:
        """A parent symbol names every instrument of its product; a continuous symbol the
        instrument it rolls to today."""
        kinds = [r for r in harness.symbol_resolutions if r[0] in ("parent", "continuous")]
        if not kinds:
            pytest.skip(
                "the provider has no parent or continuous symbols (the harness names none in "
                "VenueHarness.symbol_resolutions)"
            )
        async with open_session("valid", connect=False) as venue:
            for kind, symbol, expected in kinds:
                await _check_resolution(venue, kind, symbol, expected)

    @scenario("DP4")
    @requires("capability:data_only", "replay:TRADES")
    async def test_replay_key_accepted_refused_key_final(
        self, harness, open_session, conformance_registry, venue_name, venue_capabilities
    ) -> None:
        """The historical gateway: the harness's key replays; a key the provider refuses is an
        AuthenticationError (not retryable), and no request is sent twice."""
        iid = pick_instrument(harness, venue_capabilities)
        page = _control(harness, "replay_page_ns", {})
        start, end, truth = _seed(harness, iid, page, 12)
        replays = await _replays(harness, open_session, conformance_registry, venue_name)
        events, _ = await replays.run(iid, start, end)
        assert [_key(t) for t in _trades(events, iid)] == _truth(truth)
        before = len(harness.requests)

        async def refused() -> None:
            async with replays.open(iid, start, end, credentials="invalid") as replay:
                async for _ in replay.events():
                    pass

        with (
            anyio.fail_after(REPLAY_TIMEOUT),
            pytest.raises((AuthenticationError, ReplayInterrupted)) as err,
        ):
            await refused()
        error = err.value
        cause = error if isinstance(error, AuthenticationError) else error.__cause__
        assert isinstance(cause, AuthenticationError), (
            f"a refused key surfaced as {type(cause).__name__}: {cause}"
        )
        assert not error.retryable, "a refused key was reported as retryable"
        refused = list(harness.requests)[before:]
        assert refused, "no request reached the provider with the refused key"
        asked = [(r.method, r.path, r.query, r.body) for r in refused]
        assert len(set(asked)) == len(asked), "a request refused for its key was retried"

    @scenario("DP4")
    # The live data needs a key (public_data_login), not only a private stream's login: a
    # provider whose public stream takes no key has no gateway authentication to test here.
    @requires("capability:data_only", "feature:public_data_login")
    async def test_live_gateway_key_accepted_refused_key_final(
        self, harness, open_session, venue_capabilities
    ) -> None:
        """The live gateway: the harness's key logs in; a refused key is an
        AuthenticationError (from the gateway, or from the provider's API the subscription
        asks first), never a login, and nothing is tried again after it."""
        iid = pick_instrument(harness, venue_capabilities)
        async with open_session("valid") as venue:
            await venue.data.subscribe_trades(iid)
            await wait_until(lambda: harness.logins >= 1, what="a gateway login")
            assert harness.login_failures == 0
        logins = harness.logins
        async with open_session("invalid") as venue:
            with pytest.raises(AuthenticationError), anyio.fail_after(EVENT_TIMEOUT):
                await venue.data.subscribe_trades(iid)
            attempts, requests = harness.tcp_connections, len(harness.requests)
            assert harness.login_failures <= 1, "the refused key was tried at the gateway again"
        # Fatal: nothing tried after the refusal, up to the session's end.
        assert harness.tcp_connections == attempts, "the gateway was tried again"
        assert len(harness.requests) == requests, "the provider's API was asked again"
        assert harness.logins == logins, "a refused key logged in"


async def _check_resolution(venue: Any, kind: str, symbol: str, expected: Sequence[str]) -> None:
    query = InstrumentQuery(symbol=symbol)
    candidates = await venue.instruments.fetch_candidates(query)
    found = sorted({str(i.id) for i in candidates})
    assert found == sorted(expected), f"{kind} symbol {symbol!r} resolved to {found}"
    if len(expected) == 1:
        resolved = await venue.instruments.resolve(query)
        assert str(resolved.id) == expected[0]
    else:
        with pytest.raises(AmbiguousInstrument) as err:
            await venue.instruments.resolve(query)
        assert sorted(str(i.id) for i in err.value.candidates) == sorted(expected)
