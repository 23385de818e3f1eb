"""The NATS JetStream sink and source against a real nats-server (JetStream, file storage)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from tradeport.sinks import EventId, SinkError, event_venue, open_sink
from tradeport.sources import open_source
from tradeport.testing.sample_events import sample_events
from tradeport.testing.servers import NatsServer, fan_out_across_a_restart, missing

pytestmark = pytest.mark.skipif(
    missing("nats-server") is not None, reason=str(missing("nats-server"))
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # nats-py is asyncio only (see the trio test below)


@pytest.fixture
def server(tmp_path: Path):
    with NatsServer(tmp_path / "nats") as running:
        yield running


async def _read_all(url: str, **options) -> list:
    async with open_source(url, follow=False, **options) as source:
        return [event async for event in source.events()]


def _by_type(events: list) -> dict[str, list]:
    out: dict[str, list] = {}
    for event in events:
        out.setdefault(f"{type(event).__name__}/{event_venue(event)}", []).append(event)
    return out


@pytest.mark.anyio
async def test_round_trip_one_stream_per_venue_and_type(server: NatsServer) -> None:
    import nats

    events = sample_events(450)
    async with open_sink(server.url, batch_size=64) as sink:
        for event in events:
            await sink.write(event)
    assert sink.stats.stored == 450 and sink.pending == 0
    got = await _read_all(server.url)
    assert len(got) == 450 and _by_type(got) == _by_type(events)  # exact order per stream
    nc = await nats.connect(server.url)
    names = {info.config.name for info in await nc.jetstream().streams_info()}
    await nc.close()
    assert {"TRADEPORT_BINANCE_QUOTETICK", "TRADEPORT_BITMEX_ORDERBOOKDELTAS"} <= names
    only = await _read_all(server.url, venues=["BITMEX"], types=["TradeTick"])
    assert only == [
        e
        for e in events
        if type(e).__name__ == "TradeTick" and e.instrument_id.venue.value == "BITMEX"
    ]


@pytest.mark.anyio
async def test_republished_batch_is_stored_once_by_its_event_ids(server: NatsServer) -> None:
    events = sample_events(40)
    async with open_sink(server.url) as sink:
        for event in events:
            await sink.write(event)
        await sink.flush()
        # What a retry after a lost ack does: the first ten again, with their ids.
        again = [(EventId(sink.run, i + 1), e) for i, e in enumerate(events[:10])]
        await sink.publish_batch(again)
    assert sink.server_duplicates == 10
    assert len(await _read_all(server.url)) == 40


@pytest.mark.anyio
async def test_unreachable_server_backpressure_then_everything_delivered(
    server: NatsServer,
) -> None:
    events = sample_events(600)
    server.kill()
    async with open_sink(
        server.url, batch_size=100, max_pending=300, retry_max=0.1, ack_timeout=1
    ) as sink:
        accepted = 0
        while True:  # a full buffer: write waits, it does not drop
            with anyio.move_on_after(0.5) as blocked:
                await sink.write(events[accepted])
            if blocked.cancelled_caught:
                break
            accepted += 1
        assert accepted == 300 and sink.pending == 300
        with anyio.fail_after(30):  # nats-py gives up a connect attempt after a timeout
            while sink.stats.failures == 0:  # noqa: ASYNC110 - a counter, no event to wait on
                await anyio.sleep(0.01)
        assert sink.stats.stored == 0
        await anyio.to_thread.run_sync(server.start)
        for event in events[300:]:
            await sink.write(event)
    assert sink.stats.stored == 600
    got = await _read_all(server.url)
    assert len(got) == 600 and _by_type(got) == _by_type(events)


@pytest.mark.parametrize("anyio_backend", ["trio"])
@pytest.mark.anyio
async def test_trio_is_refused_with_a_clear_error(server: NatsServer) -> None:
    with pytest.raises(SinkError, match="asyncio only"):
        async with open_sink(server.url):
            pass
    with pytest.raises(SinkError, match="asyncio only"):
        await _read_all(server.url)


def test_fan_out_to_two_consumer_processes_across_a_server_restart(server: NatsServer) -> None:
    result = fan_out_across_a_restart(
        server, sample_events(1500), batch_size=50, retry_max=0.2, ack_timeout=1
    )
    assert result["stats"].failures > 0  # the restart happened while the sink was publishing


def test_hook_register_sinks_nats() -> None:
    from tradeport.plugins import SINKS_GROUP, load_plugins

    spec = load_plugins(group=SINKS_GROUP).sinks["nats"]
    assert "nats" in spec.schemes and spec.open_source is not None
