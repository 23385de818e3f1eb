"""The BitMEX realtime stream: a :class:`tradeport.net.WebSocketClient` configured for BitMEX.

The clients run it with :class:`tradeport.clients.background.BackgroundTasks`, which keeps it
running between ``connect`` and ``disconnect`` outside the caller's cancel scopes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tradeport.net import Heartbeat, WebSocketClient

from tradeport_bitmex.config import BitmexConfig
from tradeport_bitmex.constants import VENUE_ID
from tradeport_bitmex.credential import BitmexSigner
from tradeport_bitmex.urls import ws_url
from tradeport_bitmex.websocket.messages import BitmexWsProtocol

__all__ = ["bitmex_ws_client"]


def bitmex_ws_client(
    config: BitmexConfig,
    handler: Callable[[Any], Awaitable[None]],
    *,
    name: str,
    signer: BitmexSigner | None = None,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
) -> WebSocketClient:
    """One BitMEX WebSocket connection, configured from ``config``.

    :param signer: logs in with ``authKeyExpires`` on every (re)connection when given.
    :param handler: awaited with every decoded table message.
    :param on_reconnected: awaited after a reconnection restored login and subscriptions.
    """
    protocol = BitmexWsProtocol(
        login=signer.ws_login if signer is not None else None,
        ping_interval=config.ws_heartbeat_interval or config.default_text_ping_interval,
    )
    return WebSocketClient(
        ws_url(config),
        protocol,
        handler,
        venue=VENUE_ID,
        name=name,
        heartbeat=Heartbeat(
            ping_interval=config.control_ping_interval,
            ping_timeout=config.control_ping_timeout,
        ),
        ack_timeout=config.ack_timeout,
        login_timeout=config.ack_timeout,
        on_reconnected=on_reconnected,
        **config.stream_options(),
    )
