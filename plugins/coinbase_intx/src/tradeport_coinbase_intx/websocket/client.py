"""Builds the core's WebSocketClient for the INTX market-data feed from a config."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tradeport.net import Heartbeat, WebSocketClient

from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import VENUE_ID
from tradeport_coinbase_intx.credential import CoinbaseIntxCredential
from tradeport_coinbase_intx.urls import stream_url
from tradeport_coinbase_intx.websocket.protocol import CoinbaseIntxStreamProtocol

__all__ = ["make_stream_client"]


def make_stream_client(
    config: CoinbaseIntxConfig,
    handler: Callable[[Any], Awaitable[None]],
    *,
    name: str,
    credential: CoinbaseIntxCredential | None,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
) -> tuple[WebSocketClient, CoinbaseIntxStreamProtocol]:
    """A reconnecting market-data client and its protocol. The venue has no application
    ping; the client sends control pings (``ws_heartbeat_interval``) and the idle timeout
    catches a silent feed."""
    protocol = CoinbaseIntxStreamProtocol(credential)
    client = WebSocketClient(
        stream_url(config),
        protocol,
        handler,
        venue=VENUE_ID,
        name=name,
        heartbeat=Heartbeat(ping_interval=config.ws_heartbeat_interval),
        ack_timeout=config.ws_reply_timeout,
        login_timeout=config.ws_reply_timeout,
        on_reconnected=on_reconnected,
        **config.stream_options(),
    )
    return client, protocol
