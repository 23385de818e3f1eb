"""Builds the core's WebSocketClient for one CLOB channel from a config."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from tradeport.net import Heartbeat, WebSocketClient, WsVenueProtocol

from tradeport_polymarket.config import PolymarketConfig
from tradeport_polymarket.constants import DEFAULT_PING_INTERVAL, VENUE_ID
from tradeport_polymarket.urls import stream_url
from tradeport_polymarket.websocket.protocol import ChannelProtocol

__all__ = ["make_stream_client", "round_trip", "text_ping_interval"]


def text_ping_interval(config: PolymarketConfig) -> float:
    """Seconds between ``PING``: the configured or the venue's 10 s, at most a third of the
    idle timeout (the ``PONG`` is what keeps a quiet feed from looking silent)."""
    interval = config.ws_heartbeat_interval or DEFAULT_PING_INTERVAL
    if config.ws_idle_timeout:
        interval = min(interval, config.ws_idle_timeout / 3)
    return interval


def make_stream_client(
    config: PolymarketConfig,
    path: str,
    protocol: WsVenueProtocol,
    handler: Callable[[Any], Awaitable[None]],
    *,
    name: str,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
) -> WebSocketClient:
    """A reconnecting client of one channel (``path``: market or user)."""
    return WebSocketClient(
        stream_url(config, path),
        protocol,
        handler,
        venue=VENUE_ID,
        name=name,
        heartbeat=Heartbeat(
            ping_interval=None, ping_timeout=None, text_ping_interval=text_ping_interval(config)
        ),
        on_reconnected=on_reconnected,
        **config.stream_options(),
    )


async def round_trip(stream: WebSocketClient, timeout: float) -> None:
    """Send ``PING`` and return once the next ``PONG`` is back.

    The channels never acknowledge a subscription, but the venue reads a connection's messages
    in order: the ``PONG`` proves it has read everything sent before (the subscription took
    effect, and the ``book`` snapshots it causes are already on their way). Raises
    TimeoutError after ``timeout`` seconds.
    """
    protocol = stream.protocol
    assert isinstance(protocol, ChannelProtocol)
    with anyio.fail_after(timeout):
        waiter = protocol.pong_waiter()
        await stream.send("PING")
        await waiter.wait()
