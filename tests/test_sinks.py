"""The sink plugin contract: the tradeport_register_sinks hook, choosing a sink by URL scheme,
broken sink plugins isolated, sinks in `tradeport plugins`, event ids and deduplication."""

from __future__ import annotations

import json
import types

import pytest
from conftest import run_cli
from tradeport import hookimpl
from tradeport.errors import ConfigError
from tradeport.plugins import SINKS_GROUP, load_plugins
from tradeport.sinks import (
    Deduplicator,
    EventId,
    Sink,
    SinkSpec,
    UnknownSink,
    decode_event,
    encode_event,
    open_sink,
)
from tradeport.testing.sample_events import sample_events


class ListSink(Sink):
    """A sink plugin made in the test: keeps what it is given."""

    def __init__(self, url: str, options) -> None:
        super().__init__(url)
        self.options = dict(options)
        self.kept: list = []

    async def write(self, event) -> None:
        self.kept.append((self.next_id(), event))

    async def flush(self) -> None:
        self.stats.stored = len(self.kept)


def _plugin(name: str, schemes: tuple[str, ...]):
    @hookimpl
    def tradeport_register_sinks(register):
        register(SinkSpec(name=name, schemes=schemes, open_sink=ListSink, description="in memory"))

    return types.SimpleNamespace(tradeport_register_sinks=tradeport_register_sinks)


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setenv("TRADEPORT_PLUGINS", "")  # only the plugins made here
    return load_plugins(extra=[("mem", _plugin("mem", ("mem", "memory")))], group=SINKS_GROUP)


def test_hook_register_sinks(registry) -> None:
    assert list(registry.sinks) == ["mem"]
    assert registry.sinks["mem"].schemes == ("mem", "memory")
    assert {p.name: p.sinks for p in registry.plugins} == {"mem": ["mem"]}
    sink = open_sink("memory://x", registry=registry, venue="X")
    assert isinstance(sink, ListSink) and sink.options == {"venue": "X"}


@pytest.mark.anyio
async def test_a_sink_gives_each_event_the_next_stable_id(registry) -> None:
    events = sample_events(5)
    async with open_sink("mem:", registry=registry) as sink:
        for event in events:
            await sink.write(event)
    ids = [eid for eid, _ in sink.kept]
    assert [i.seq for i in ids] == [1, 2, 3, 4, 5] and len({i.run for i in ids}) == 1
    assert sink.stats.events == sink.stats.stored == 5


def test_register_sinks_rejects_duplicates_and_wrong_types(monkeypatch) -> None:
    monkeypatch.setenv("TRADEPORT_PLUGINS", "")

    @hookimpl
    def tradeport_register_sinks(register):
        register("not a spec")

    bad = types.SimpleNamespace(tradeport_register_sinks=tradeport_register_sinks)
    reg = load_plugins(
        extra=[("a", _plugin("mem", ("mem",))), ("b", _plugin("mem", ("m2",))), ("c", bad)],
        group=SINKS_GROUP,
    )
    status = {p.name: p for p in reg.plugins}
    assert status["a"].status == "ok"
    assert "already registered" in status["b"].error
    assert "expected SinkSpec" in status["c"].error
    assert list(reg.sinks) == ["mem"]


def test_unknown_scheme_names_the_installed_sinks(registry) -> None:
    with pytest.raises(
        UnknownSink, match=r"no installed sink serves 'kafka'.*installed: mem, memory"
    ):
        open_sink("kafka://host", registry=registry)
    with pytest.raises(ConfigError, match="has no scheme"):
        open_sink("/just/a/path", registry=registry)


def test_plugins_lists_the_installed_sinks() -> None:
    listing = run_cli("plugins")
    assert listing.returncode == 0
    line = next(line for line in listing.stdout.splitlines() if line.startswith("parquet "))
    assert "tradeport-parquet" in line and "[sink]" in line and line.endswith("ok")
    rows = json.loads(run_cli("plugins", "--json", "--verbose").stdout)
    parquet = next(r for r in rows if r["name"] == "parquet")
    assert parquet["kind"] == "sink" and parquet["sinks"] == ["parquet"]
    assert parquet["sink_specs"][0]["schemes"] == ["parquet"]


def test_envelope_round_trips_every_market_data_type() -> None:
    for seq, event in enumerate(sample_events(60), 1):
        eid = EventId("18f0000000000000abcd", seq)
        assert decode_event(encode_event(event, eid)) == (eid, event)


def test_deduplicator_drops_replayed_prefixes_per_run() -> None:
    dedup = Deduplicator()
    stream = [
        EventId("a", 1),
        EventId("a", 2),
        EventId("a", 1),
        EventId("a", 2),
        EventId("b", 1),
        EventId("a", 3),
    ]
    assert [dedup.first_time(i) for i in stream] == [True, True, False, False, True, True]
    assert dedup.duplicates == 2
    assert EventId.from_str(str(EventId("18f-ab", 42))) == EventId("18f-ab", 42)


def test_deduplicator_accepts_reordered_and_interleaved_streams() -> None:
    # Two streams of one run (quotes 1, 3, 5 and trades 2, 4) read one after the other, and a
    # redelivered prefix of the first: each id is accepted exactly once.
    dedup = Deduplicator()
    order = [1, 3, 5, 1, 3, 2, 4, 4, 6]
    accepted = [seq for seq in order if dedup.first_time(EventId("r", seq))]
    assert accepted == [1, 3, 5, 2, 4, 6] and dedup.duplicates == 3
