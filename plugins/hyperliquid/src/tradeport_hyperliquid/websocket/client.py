"""Factories for Hyperliquid streams on the core WebSocketClient (reconnect, heartbeat, acks).

The plugin adds nothing to the connection machinery: it configures the core client with the
Hyperliquid protocol (:class:`~tradeport_hyperliquid.websocket.messages.HyperliquidWsProtocol`)
and the config's timings. The heartbeat is the JSON ``{"method":"ping"}`` (every 30 s by
default); the idle timeout (60 s by default, the venue's own silence limit) replaces a
connection that went quiet.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

from tradeport.net.ws_client import Heartbeat, MessageHandler, WebSocketClient

from tradeport_hyperliquid.config import HyperliquidConfig
from tradeport_hyperliquid.constants import DEFAULT_PING_INTERVAL_S, VENUE_ID
from tradeport_hyperliquid.websocket.messages import HyperliquidWsProtocol, UserCheck

__all__ = ["public_stream", "user_stream"]

_CHECK_IDS = itertools.count(1_000_000)


def _heartbeat(config: HyperliquidConfig) -> float:
    return config.ws_heartbeat_interval or DEFAULT_PING_INTERVAL_S


def _client(
    url: str,
    protocol: HyperliquidWsProtocol,
    handler: MessageHandler,
    config: HyperliquidConfig,
    name: str,
    on_reconnected: Callable[[], Awaitable[None]] | None,
) -> WebSocketClient:
    return WebSocketClient(
        url,
        protocol,
        handler,
        venue=VENUE_ID,
        name=name,
        # The venue's heartbeat is the JSON ping; control pings would not count as traffic.
        heartbeat=Heartbeat(ping_interval=None, text_ping_interval=_heartbeat(config)),
        ack_timeout=config.ack_timeout,
        login_timeout=config.ack_timeout,
        on_reconnected=on_reconnected,
        **config.stream_options(),
    )


def public_stream(
    url: str,
    handler: MessageHandler,
    config: HyperliquidConfig,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
) -> WebSocketClient:
    """The market data stream."""
    protocol = HyperliquidWsProtocol(ping_interval=_heartbeat(config))
    return _client(url, protocol, handler, config, "hyperliquid-public", on_reconnected)


def user_stream(
    url: str,
    handler: MessageHandler,
    config: HyperliquidConfig,
    *,
    signer: str,
    account: str,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
) -> WebSocketClient:
    """The user stream: every connection first checks that ``signer`` may act for
    ``account`` (a refusal is fatal), then subscribes the account's user channels."""
    check = UserCheck(signer, account, next(_CHECK_IDS))
    protocol = HyperliquidWsProtocol(check=check, ping_interval=_heartbeat(config))
    return _client(url, protocol, handler, config, "hyperliquid-user", on_reconnected)
