"""Factories for Bybit streams on the core WebSocketClient (reconnect, heartbeat, acks).

The plugin adds nothing to the connection machinery: it configures the core client with the
Bybit protocol (:class:`~tradeport_bybit.websocket.messages.BybitWsProtocol`) and the config's
timings.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from tradeport.net.ws_client import Heartbeat, MessageHandler, WebSocketClient

from tradeport_bybit.config import BybitConfig
from tradeport_bybit.constants import DEFAULT_PING_INTERVAL_S, VENUE_ID
from tradeport_bybit.credential import ws_auth_message
from tradeport_bybit.enums import BybitCategory
from tradeport_bybit.websocket.messages import BybitWsProtocol

__all__ = ["public_stream", "private_stream", "AUTH_VALIDITY_MS"]

#: How long a login signature stays valid (``expires`` = now + this).
AUTH_VALIDITY_MS = 10_000


def _heartbeat(config: BybitConfig) -> float:
    """Seconds between ``{"op":"ping"}``: the config's, else Bybit's recommended 20."""
    return config.ws_heartbeat_interval or DEFAULT_PING_INTERVAL_S


def _client(
    url: str,
    protocol: BybitWsProtocol,
    handler: MessageHandler,
    config: BybitConfig,
    name: str,
    on_reconnected: Callable[[], Awaitable[None]] | None,
) -> WebSocketClient:
    return WebSocketClient(
        url,
        protocol,
        handler,
        venue=VENUE_ID,
        name=name,
        # Bybit's heartbeat is the JSON ping; no client control pings (the venue answers them,
        # but they would not keep Bybit's session alive).
        heartbeat=Heartbeat(ping_interval=None, text_ping_interval=_heartbeat(config)),
        ack_timeout=config.ack_timeout,
        login_timeout=config.ack_timeout,
        on_reconnected=on_reconnected,
        **config.stream_options(),
    )


def public_stream(
    url: str,
    category: BybitCategory,
    handler: MessageHandler,
    config: BybitConfig,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
) -> WebSocketClient:
    """The public stream of one category (spot accepts at most 10 topics per request)."""
    protocol = BybitWsProtocol(ping_interval=_heartbeat(config), batch_size=10)
    return _client(url, protocol, handler, config, f"bybit-public-{category.value}", on_reconnected)


def private_stream(
    url: str,
    handler: MessageHandler,
    config: BybitConfig,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
    clock_ms: Callable[[], int] | None = None,
) -> WebSocketClient:
    """The private stream: every connection logs in with a fresh ``auth`` signature.

    ``clock_ms`` is the clock to sign with (the REST client's server clock, which includes
    ``config.clock_offset_ms``); by default the local clock plus that offset.
    """
    key, secret = config.api_key, config.api_secret
    offset = config.clock_offset_ms

    def login() -> dict[str, Any]:
        now = clock_ms() if clock_ms is not None else time.time_ns() // 1_000_000 + offset
        assert key is not None and secret is not None
        return ws_auth_message(key, secret, now + AUTH_VALIDITY_MS)

    protocol = BybitWsProtocol(login=login, ping_interval=_heartbeat(config), batch_size=10)
    return _client(url, protocol, handler, config, "bybit-private", on_reconnected)
