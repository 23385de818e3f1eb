"""The Redis Streams sink and source against a real redis-server on loopback."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from tradeport.sinks import SinkError, open_sink
from tradeport.sources import open_source
from tradeport.testing.sample_events import sample_events
from tradeport.testing.servers import RedisServer, fan_out_across_a_restart, missing

pytestmark = pytest.mark.skipif(
    missing("redis-server") is not None, reason=str(missing("redis-server"))
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # redis-py's async client is asyncio only (see the trio test below)


@pytest.fixture
def server(tmp_path: Path):
    with RedisServer(tmp_path / "redis") as running:
        yield running


async def _read_all(url: str, **options) -> list:
    async with open_source(url, follow=False, **options) as source:
        return [event async for event in source.events()]


@pytest.mark.anyio
async def test_round_trip_one_stream_per_venue_and_type(server: RedisServer) -> None:
    import redis.asyncio as redis

    events = sample_events(450)
    async with open_sink(server.url, batch_size=64) as sink:
        for event in events:
            await sink.write(event)
    assert sink.stats.stored == 450 and sink.pending == 0
    assert await _read_all(server.url) == events
    client = redis.Redis.from_url(server.url)
    keys = {k.decode() for k in await client.keys("tradeport:*")}
    await client.aclose()
    assert {"tradeport:BINANCE:QuoteTick", "tradeport:BITMEX:OrderBookDeltas"} <= keys
    only = await _read_all(server.url, venues=["BITMEX"], types=["TradeTick"])
    assert only == [
        e
        for e in events
        if type(e).__name__ == "TradeTick" and e.instrument_id.venue.value == "BITMEX"
    ]


@pytest.mark.anyio
async def test_unreachable_server_backpressure_then_everything_delivered(
    server: RedisServer,
) -> None:
    events = sample_events(600)
    server.kill()
    async with open_sink(server.url, batch_size=100, max_pending=300, retry_max=0.1) as sink:
        accepted = 0
        while True:  # a full buffer: write waits, it does not drop
            with anyio.move_on_after(0.5) as blocked:
                await sink.write(events[accepted])
            if blocked.cancelled_caught:
                break
            accepted += 1
        assert accepted == 300 and sink.pending == sink.stats.events == 300  # the bound, exactly
        assert sink.stats.failures > 0 and sink.stats.stored == 0
        await anyio.to_thread.run_sync(server.start)
        for event in events[sink.stats.events :]:
            await sink.write(event)
    assert sink.stats.stored == sink.stats.events
    assert await _read_all(server.url) == events  # all of them, once, in order


@pytest.mark.anyio
async def test_close_says_how_many_events_were_not_delivered(server: RedisServer) -> None:
    server.kill()
    sink = open_sink(server.url, close_timeout=0.3, retry_max=0.05)
    await sink.open()
    for event in sample_events(5):
        await sink.write(event)
    with pytest.raises(SinkError, match="5 events not delivered"):
        await sink.close()


@pytest.mark.parametrize("anyio_backend", ["trio"])
@pytest.mark.anyio
async def test_trio_is_refused_with_a_clear_error(server: RedisServer) -> None:
    with pytest.raises(SinkError, match="asyncio only"):
        async with open_sink(server.url):
            pass
    with pytest.raises(SinkError, match="asyncio only"):
        await _read_all(server.url)


def test_fan_out_to_two_consumer_processes_across_a_server_restart(server: RedisServer) -> None:
    result = fan_out_across_a_restart(server, sample_events(1500), batch_size=50, retry_max=0.2)
    assert result["stats"].failures > 0  # the restart happened while the sink was publishing


def test_hook_register_sinks_redis() -> None:
    from tradeport.plugins import SINKS_GROUP, load_plugins

    spec = load_plugins(group=SINKS_GROUP).sinks["redis"]
    assert "redis" in spec.schemes and spec.open_source is not None
