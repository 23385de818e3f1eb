"""open_replay: ordered events over a range, a clean end, progress, bounded memory, a resume
point after a failure; the replay-source and frame-parser hooks through the real loading path."""

from __future__ import annotations

import tracemalloc
import types
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tradeport import hookimpl, open_replay
from tradeport.clients import Capabilities
from tradeport.errors import AuthenticationError, UnsupportedOperation, ValidationError
from tradeport.frames import FrameParsers, FrameParserSpec, UnknownFrameParser
from tradeport.model import AggressorSide, InstrumentId, Price, Quantity, TradeId, TradeTick
from tradeport.plugins import load_plugins
from tradeport.replay import (
    ReplayCursor,
    ReplayInterrupted,
    ReplayOrderError,
    ReplayProgress,
    ReplayRequest,
    ReplaySource,
    ReplaySubscription,
    merge_ordered,
    to_ns,
)
from tradeport.venue import VenueSpec

pytestmark = pytest.mark.anyio

IID = InstrumentId.from_str("BTCUSDT.BINANCE")
T0 = 1_700_000_000_000_000_000
SECOND = 10**9


def tick(n: int, ts_init: int, ts_event: int | None = None) -> TradeTick:
    return TradeTick(
        IID,
        Price.from_str("100.0"),
        Quantity.from_str("1"),
        AggressorSide.BUYER,
        TradeId(str(n)),
        ts_event if ts_event is not None else ts_init - 5,
        ts_init,
    )


#: Three events share a timestamp, so a resume must count within it.
HISTORY = [tick(0, T0), tick(1, T0 + SECOND), tick(2, T0 + SECOND), tick(3, T0 + SECOND),
           tick(4, T0 + 2 * SECOND), tick(5, T0 + 3 * SECOND)]  # fmt: skip


class ListSource(ReplaySource):
    """Serves ``config["events"]`` (a list or a zero-argument generator factory) from
    ``request.from_ns``; ``config["fail_after"]`` events in, it raises once (a dropped link)."""

    order_by = frozenset({"ts_init"})
    requests: list[ReplayRequest] = []  # noqa: RUF012 - a log the tests read

    async def replay(self, request: ReplayRequest) -> AsyncIterator[Any]:
        type(self).requests.append(request)
        events = self.config["events"]
        fail_after = self.config.get("fail_after")
        sent = 0
        for event in events() if callable(events) else events:
            if event.ts_init < request.from_ns:
                continue
            if fail_after is not None and sent == fail_after and request.resume is None:
                raise ConnectionResetError("connection reset by peer")
            sent += 1
            yield event


def provider_plugin(caps: Capabilities | None = None) -> types.SimpleNamespace:
    capabilities = caps or Capabilities(data_only=True, replay=["TRADES"])

    @hookimpl
    def tradeport_register_venues(register):
        register(
            VenueSpec(name="past", venue_id="PAST", kind="DATA_PROVIDER", capabilities=capabilities)
        )

    @hookimpl
    def tradeport_create_replay_source(venue, config, instruments, frames):
        if venue != "past":
            return None
        assert isinstance(frames, FrameParsers)
        return ListSource("PAST", config)

    return types.SimpleNamespace(
        tradeport_register_venues=tradeport_register_venues,
        tradeport_create_replay_source=tradeport_create_replay_source,
    )


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setenv("TRADEPORT_PLUGINS", "")
    ListSource.requests = []
    return load_plugins(extra=[("past", provider_plugin())])


async def collect(replay: Any) -> list[Any]:
    return [event async for event in replay.events()]


async def test_hook_create_replay_source(registry) -> None:
    reports: list[ReplayProgress] = []
    async with open_replay(
        "past",
        {"events": HISTORY},
        T0 + SECOND,  # inclusive
        T0 + 3 * SECOND,  # exclusive
        subscriptions=[ReplaySubscription(data_type="TRADES", instrument_id=IID)],
        registry=registry,
        on_progress=reports.append,
        progress_every=2,
    ) as replay:
        assert not replay.completed
        events = await collect(replay)
        assert events == HISTORY[1:5]
        assert replay.completed
        assert replay.cursor == ReplayCursor(
            order_by="ts_init", ts=T0 + 2 * SECOND, count=1, events=4
        )
    assert [r.events for r in reports] == [2, 4, 4] and reports[-1].done
    assert reports[0].fraction == pytest.approx(0.0) and reports[-1].fraction == 1.0
    assert ListSource.requests[0].subscriptions[0].instrument_id == IID


async def test_resume_after_a_failure_loses_and_repeats_nothing(registry) -> None:
    config = {"events": HISTORY, "fail_after": 2}  # fails inside the three events at T0+1s
    got: list[Any] = []

    async def first_attempt() -> None:
        async with open_replay("past", config, T0, T0 + 10 * SECOND, registry=registry) as replay:
            async for event in replay.events():
                got.append(event)

    with pytest.raises(ReplayInterrupted) as err:
        await first_attempt()
    assert got == HISTORY[:2]
    cursor = err.value.cursor
    assert cursor == ReplayCursor(order_by="ts_init", ts=T0 + SECOND, count=1, events=2)
    assert isinstance(err.value.__cause__, ConnectionResetError) and err.value.retryable
    # An interruption says whether resuming can help: not when the key was refused.
    refused = AuthenticationError("refused", venue="PAST", http_status=401)
    assert not ReplayInterrupted("past", cursor, refused).retryable
    async with open_replay(
        "past", config, T0, T0 + 10 * SECOND, resume=cursor, registry=registry
    ) as replay:
        got += await collect(replay)
        assert replay.progress.events == len(HISTORY) and replay.progress.done
    assert got == HISTORY
    assert ListSource.requests[-1].from_ns == T0 + SECOND  # asked from the cursor on


async def test_a_source_out_of_order_is_an_error(registry) -> None:
    shuffled = [HISTORY[0], HISTORY[4], HISTORY[1]]
    async with open_replay(
        "past", {"events": shuffled}, T0, T0 + 10 * SECOND, registry=registry
    ) as replay:
        with pytest.raises(ReplayOrderError, match="not ordered by ts_init"):
            await collect(replay)
        assert not replay.completed


async def test_memory_stays_bounded_over_a_long_range(registry) -> None:
    count = 100_000

    def endless() -> Any:  # made as pulled: the range is never in memory at once
        return (tick(n, T0 + n) for n in range(count))

    async with open_replay(
        "past", {"events": endless}, T0, T0 + count, registry=registry
    ) as replay:
        tracemalloc.start()
        try:
            seen = 0
            async for _ in replay.events():
                seen += 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert seen == count
    # 100 000 ticks held at once would take tens of MB; one at a time is a few hundred KB.
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes"


async def test_requests_the_venue_cannot_serve_are_refused(registry, monkeypatch) -> None:
    with pytest.raises(UnsupportedOperation, match="not QUOTES"):
        async with open_replay(
            "past",
            {"events": []},
            T0,
            T0 + 1,
            subscriptions=[ReplaySubscription(data_type="QUOTES")],
            registry=registry,
        ):
            pass
    with pytest.raises(UnsupportedOperation, match="orders by ts_init, not ts_event"):
        async with open_replay(
            "past", {"events": []}, T0, T0 + 1, order_by="ts_event", registry=registry
        ):
            pass
    with pytest.raises(ValidationError, match="must be before end"):
        async with open_replay("past", {"events": []}, T0, T0, registry=registry):
            pass
    cursor = ReplayCursor(order_by="ts_event", ts=T0, count=1)
    with pytest.raises(ValidationError, match="resume"):
        async with open_replay(
            "past", {"events": []}, T0, T0 + 1, resume=cursor, registry=registry
        ):
            pass
    live_only = load_plugins(extra=[("past2", provider_plugin(Capabilities(data=["TRADES"])))])
    with pytest.raises(UnsupportedOperation, match="declares no replay"):
        async with open_replay("past", {"events": []}, T0, T0 + 1, registry=live_only):
            pass


def test_times_in_every_form() -> None:
    assert to_ns("2023-11-14T22:13:20Z") == T0
    assert to_ns("2023-11-14T23:13:20.000050+01:00") == T0 + 50_000
    assert to_ns(T0) == T0
    with pytest.raises(ValidationError, match="time zone"):
        to_ns("2023-11-14T22:13:20")
    with pytest.raises(ValidationError, match="ISO 8601"):
        to_ns("yesterday")


async def test_merge_ordered_holds_one_event_per_stream() -> None:
    async def stream(*events: TradeTick) -> AsyncIterator[TradeTick]:
        for event in events:
            yield event

    a = stream(tick(0, T0), tick(2, T0 + 2), tick(4, T0 + 2))
    b = stream(tick(1, T0 + 1), tick(3, T0 + 2), tick(5, T0 + 9))
    merged = [e.trade_id.value async for e in merge_ordered([a, b])]
    # Equal timestamps: the earlier stream first, then arrival order.
    assert merged == ["0", "1", "2", "4", "3", "5"]
    by_event = [
        e.trade_id.value
        async for e in merge_ordered([stream(tick(9, 5, 1)), stream(tick(8, 1, 3))], key="ts_event")
    ]
    assert by_event == ["9", "8"]


def test_hook_register_frame_parsers(monkeypatch) -> None:
    monkeypatch.setenv("TRADEPORT_PLUGINS", "")

    class Upper:
        def __init__(self, instruments: Any) -> None:
            self.instruments = instruments

        def parse(self, frame: bytes | str, ts_init: int, channel: str | None = None) -> list[Any]:
            return [(channel, frame.upper(), ts_init)]

    @hookimpl
    def tradeport_register_frame_parsers(register):
        register(FrameParserSpec(venue="upper", channels=("text",), factory=lambda i, c: Upper(i)))

    @hookimpl
    def tradeport_register_venues(register):
        register(VenueSpec(name="upper", venue_id="UPPER", kind="EXCHANGE"))

    broken = types.SimpleNamespace(
        tradeport_register_frame_parsers=lambda register: register("nope")
    )
    plugin = types.SimpleNamespace(
        tradeport_register_frame_parsers=tradeport_register_frame_parsers,
        tradeport_register_venues=tradeport_register_venues,
    )
    parsers = FrameParsers.from_registry(
        load_plugins(extra=[("upper", plugin), ("broken", broken)])
    )
    assert parsers.venues() == ["upper"]  # the broken offer is skipped, the good one stays
    parser = parsers.create("upper", [], channels=["text"])
    assert parser.parse("abc", 7, "text") == [("text", "ABC", 7)]
    with pytest.raises(UnknownFrameParser, match="offered for: upper"):
        parsers.spec("binance")
    with pytest.raises(UnknownFrameParser, match="channel 'json'"):
        parsers.create("upper", [], channels=["json"])
    with pytest.raises(ValueError, match="names no channels"):
        FrameParserSpec(venue="x", channels=(), factory=lambda i, c: Upper(i))


def test_a_resume_cursor_survives_the_process_as_json() -> None:
    import json

    from tradeport.model.serialization import structure, unstructure

    cursor = ReplayCursor(order_by="ts_init", ts=T0 + SECOND, count=2, events=3)
    text = json.dumps(unstructure(cursor))
    assert structure(json.loads(text), ReplayCursor) == cursor


async def test_no_end_means_until_the_replay_opens(registry) -> None:
    import time

    before = time.time_ns()
    future = tick(9, before + 3600 * SECOND)  # an hour after opening: outside the range
    async with open_replay("past", {"events": [*HISTORY, future]}, T0, registry=registry) as replay:
        assert before <= replay.request.end_ns <= time.time_ns()
        assert await collect(replay) == HISTORY
