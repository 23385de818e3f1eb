"""Binance's stream protocol for the core WebSocketClient, and stream names.

Market data uses one combined-stream connection (``<host>/stream``): subscriptions are live
``{"method":"SUBSCRIBE","params":[...],"id":N}`` requests acknowledged by ``{"result":null,"id":N}``
and refused by ``{"code":..,"msg":..,"id":N}`` (or ``{"error":{...},"id":N}``); data arrives as
``{"stream":"btcusdt@trade","data":{...}}``. The user data stream is ``<host>/ws/<listenKey>``:
no subscriptions, events arrive raw. Margin accounts have no listenKey any more: their user
data comes from the WebSocket API (``/ws-api/v3``), subscribed per connection with
``userDataStream.subscribe.listenToken`` and delivered as ``{"subscriptionId": N, "event":
{...}}``. Binance sends control pings (every 3 minutes spot,
every few minutes futures) which the core client answers with the payload echoed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport.net.ws_client import Heartbeat, MessageHandler, WebSocketClient
from tradeport.net.ws_protocol import (
    IGNORE,
    PRESENT,
    Classified,
    GenericJsonProtocol,
    MessageKind,
    extract_venue_error,
)

from tradeport_binance.config import BinanceConfig
from tradeport_binance.constants import VENUE_ID

__all__ = ["binance_protocol", "market_stream_client", "user_stream_protocol", "stream_name"]


def binance_protocol() -> GenericJsonProtocol:
    """SUBSCRIBE/UNSUBSCRIBE with integer ids; a reply carrying ``code`` is a refusal. Data
    frames (``{"stream": .., "data": ..}``) are decoded only to their stream name: each
    route decodes its payload with its own typed model (RoutedFrame)."""
    return GenericJsonProtocol(
        reply_id_key="id",
        errors=[{"code": PRESENT, "msg": PRESENT}],
        route_by=("stream", "data"),
        # Binance counts every control message against 5 per second; batch generously.
        batch_size=200,
    )


def user_stream_protocol() -> GenericJsonProtocol:
    """The user data stream takes no requests: everything received is an event."""
    return GenericJsonProtocol(reply_id_key=None, acknowledges_subscriptions=False)


#: Request ids of listenToken renewals on a live connection (the login request uses others).
RENEWAL_ID_PREFIX = "renew-"


class ListenTokenProtocol(GenericJsonProtocol):
    """The margin user data connection to the WebSocket API.

    ``login()`` is this connection's ``userDataStream.subscribe.listenToken`` request (a fresh
    token each time). Binance answers ``{"id": .., "status": 200, "result": {"subscriptionId":
    .., "expirationTime": ..}}``, or ``{"id": .., "status": 400, "error": {"code": -1209, ..}}``
    for an invalid token (a refused login). A renewal on a live connection (a new token
    subscribed again before the old one expires) carries an id starting with
    :data:`RENEWAL_ID_PREFIX`: its answer is never taken for a login reply, and a refusal is
    a logged venue error (the subscription then ends with ``eventStreamTerminated``).
    """

    def __init__(self, login: Callable[[], Any]) -> None:
        super().__init__(
            reply_id_key=None,
            acknowledges_subscriptions=False,
            login=login,
            login_ok={"status": 200, "result": PRESENT},
            login_refused={"status": PRESENT, "error": PRESENT},
        )

    def classify(self, message: Any) -> Classified:
        """Renewal answers first (ignored when accepted), then the generic rules."""
        if isinstance(message, dict):
            request_id = message.get("id")
            if isinstance(request_id, str) and request_id.startswith(RENEWAL_ID_PREFIX):
                if message.get("status") == 200:
                    return IGNORE
                code, text = extract_venue_error(message)
                return Classified(MessageKind.ERROR, code=code, message=text)
        return super().classify(message)


def stream_name(symbol: str, channel: str) -> str:
    """``stream_name("BTCUSDT", "bookTicker")`` -> ``btcusdt@bookTicker``."""
    return f"{symbol.lower()}@{channel}"


def _heartbeat(config: BinanceConfig) -> Heartbeat:
    interval = config.ws_ping_interval
    return Heartbeat(ping_interval=interval, ping_timeout=min(interval, 30.0) if interval else None)


def _client(
    config: BinanceConfig,
    url: Any,
    protocol: Any,
    handler: MessageHandler,
    name: str,
    on_reconnected: Any,
    **options: Any,
) -> WebSocketClient:
    return WebSocketClient(
        url,
        protocol,
        handler,
        venue=VENUE_ID,
        name=name,
        heartbeat=_heartbeat(config),
        ack_timeout=config.ws_ack_timeout,
        on_reconnected=on_reconnected,
        **config.stream_options(**options),
    )


def market_stream_client(
    config: BinanceConfig,
    handler: MessageHandler,
    *,
    on_reconnected: Any = None,
) -> WebSocketClient:
    """The combined-stream market data connection."""
    return _client(
        config,
        f"{config.ws_url}/stream",
        binance_protocol(),
        handler,
        "binance-market",
        on_reconnected,
    )


def user_stream_client(
    config: BinanceConfig,
    url: Any,
    handler: MessageHandler,
    *,
    on_reconnected: Any = None,
) -> WebSocketClient:
    """The user data stream; ``url`` is an async callable (a fresh listenKey per connection)."""
    return _client(
        config,
        url,
        user_stream_protocol(),
        handler,
        "binance-user",
        on_reconnected,
        idle_timeout=config.user_stream_idle_timeout,
    )


def margin_user_stream_client(
    config: BinanceConfig,
    url: Any,
    handler: MessageHandler,
    login: Callable[[], Any],
    *,
    on_reconnected: Any = None,
) -> WebSocketClient:
    """The margin user data connection to the WebSocket API; ``url`` is an async callable that
    creates the connection's listenToken (``login`` then subscribes with it)."""
    return _client(
        config,
        url,
        ListenTokenProtocol(login),
        handler,
        "binance-user",
        on_reconnected,
        idle_timeout=config.user_stream_idle_timeout,
        login_timeout=config.ws_ack_timeout,
    )


__all__ += ["user_stream_client", "margin_user_stream_client", "ListenTokenProtocol"]
