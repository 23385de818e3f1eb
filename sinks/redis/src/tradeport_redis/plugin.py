"""Hook implementations of the Redis Streams sink (``tradeport.sinks`` entry point ``redis``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tradeport import hookimpl
from tradeport.sinks import SinkSpec


def _open_sink(url: str, options: Mapping[str, Any]) -> Any:
    from tradeport_redis.streams import RedisStreamsSink  # redis loads only when a sink opens

    return RedisStreamsSink(url, options)


def _open_source(url: str, options: Mapping[str, Any]) -> Any:
    from tradeport_redis.streams import RedisStreamsSource

    return RedisStreamsSource(url, options)


@hookimpl
def tradeport_register_sinks(register: Callable[[SinkSpec], None]) -> None:
    register(
        SinkSpec(
            name="redis",
            schemes=("redis", "rediss", "unix"),
            open_sink=_open_sink,
            open_source=_open_source,
            description="Redis Streams, one stream per venue and event type (asyncio only)",
        )
    )
