"""Builds the core's WebSocketClient for the CoinbaseIntx stream from a config.

Every timing the core needs comes from the shared :class:`tradeport.config.VenueConfig` fields:
connect timeout, heartbeat (the venue's text ping), idle timeout, reconnect backoff and the
largest message; the reply timeout is CoinbaseIntx's own field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tradeport.net import Heartbeat, ReconnectPolicy, WebSocketClient

from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import DEFAULT_PING_INTERVAL, VENUE_ID
from tradeport_coinbase_intx.credential import CoinbaseIntxCredential
from tradeport_coinbase_intx.urls import stream_url
from tradeport_coinbase_intx.websocket.protocol import CoinbaseIntxStreamProtocol

__all__ = ["make_stream_client", "text_ping_interval"]


def text_ping_interval(config: CoinbaseIntxConfig) -> float:
    """Seconds between ``{"op": "ping"}``: the configured or default interval, but at most a
    third of the idle timeout. The pong is what keeps a quiet but healthy feed from looking
    silent; pinging less often than the idle timeout would replace healthy connections."""
    interval = config.ws_heartbeat_interval or DEFAULT_PING_INTERVAL
    if config.ws_idle_timeout:
        interval = min(interval, config.ws_idle_timeout / 3)
    return interval


def make_stream_client(
    config: CoinbaseIntxConfig,
    handler: Callable[[Any], Awaitable[None]],
    *,
    name: str,
    credential: CoinbaseIntxCredential | None = None,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
) -> WebSocketClient:
    """A reconnecting stream client; with ``credential`` it logs in on every connection."""
    return WebSocketClient(
        stream_url(config),
        CoinbaseIntxStreamProtocol(credential),
        handler,
        venue=VENUE_ID,
        name=name,
        connect_timeout=config.ws_connect_timeout,
        # The venue's heartbeat is its text ping; it also sends control pings, which the core
        # answers by itself, so the client sends none of its own.
        heartbeat=Heartbeat(
            ping_interval=None, ping_timeout=None, text_ping_interval=text_ping_interval(config)
        ),
        idle_timeout=config.ws_idle_timeout,
        reconnect=ReconnectPolicy(
            initial=config.reconnect_delay_initial,
            max=config.reconnect_delay_max,
            max_attempts=config.reconnect_max_attempts,
        ),
        max_message_size=config.ws_max_message_size,
        ack_timeout=config.ws_reply_timeout,
        login_timeout=config.ws_reply_timeout,
        on_reconnected=on_reconnected,
    )
