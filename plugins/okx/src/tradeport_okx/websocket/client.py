"""Building the core :class:`~tradeport.net.WebSocketClient` for one OKX service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tradeport.net.ws_client import Heartbeat, MessageHandler, WebSocketClient

from tradeport_okx.config import OkxConfig
from tradeport_okx.constants import VENUE_NAME
from tradeport_okx.urls import WsService, ws_url
from tradeport_okx.websocket.protocol import OkxWsProtocol

__all__ = ["make_ws_client"]


def make_ws_client(
    config: OkxConfig,
    service: WsService,
    handler: MessageHandler,
    *,
    login: Callable[[], dict[str, Any]] | None = None,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
) -> WebSocketClient:
    """A reconnecting client for ``public``, ``private`` or ``business``.

    OKX's heartbeat is the text ``ping`` (control pings are not needed); the idle timeout
    replaces a connection that stays silent, as OKX itself closes after 30 s without traffic.
    """
    interval = config.ws_heartbeat_interval or 20.0  # OKX: ping well inside its 30 s
    return WebSocketClient(
        ws_url(service, config.is_demo, config.base_url_ws),
        OkxWsProtocol(login=login, ping_interval=interval),
        handler,
        venue=VENUE_NAME,
        name=f"okx-{service}",
        heartbeat=Heartbeat(ping_interval=None, ping_timeout=None, text_ping_interval=interval),
        ack_timeout=config.ws_ack_timeout,
        login_timeout=config.ws_ack_timeout,
        on_reconnected=on_reconnected,
        **config.stream_options(),
    )
