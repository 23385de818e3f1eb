"""Hook implementations of the NATS JetStream sink (``tradeport.sinks`` entry point ``nats``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tradeport import hookimpl
from tradeport.sinks import SinkSpec


def _open_sink(url: str, options: Mapping[str, Any]) -> Any:
    from tradeport_nats.jetstream import JetStreamSink  # nats-py loads only when a sink opens

    return JetStreamSink(url, options)


def _open_source(url: str, options: Mapping[str, Any]) -> Any:
    from tradeport_nats.jetstream import JetStreamSource

    return JetStreamSource(url, options)


@hookimpl
def tradeport_register_sinks(register: Callable[[SinkSpec], None]) -> None:
    register(
        SinkSpec(
            name="nats",
            schemes=("nats", "tls"),
            open_sink=_open_sink,
            open_source=_open_source,
            description="NATS JetStream, one stream per venue and event type (asyncio only)",
        )
    )
