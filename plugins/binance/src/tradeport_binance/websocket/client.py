"""Binance's stream protocol for the core WebSocketClient, and stream names.

Market data uses one combined-stream connection (``<host>/stream``): subscriptions are live
``{"method":"SUBSCRIBE","params":[...],"id":N}`` requests acknowledged by ``{"result":null,"id":N}``
and refused by ``{"code":..,"msg":..,"id":N}`` (or ``{"error":{...},"id":N}``); data arrives as
``{"stream":"btcusdt@trade","data":{...}}``. The user data stream is ``<host>/ws/<listenKey>``:
no subscriptions, events arrive raw. Binance sends control pings (every 3 minutes spot,
every few minutes futures) which the core client answers with the payload echoed.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import anyio.abc
from tradeport.errors import TradeportError
from tradeport.net.backoff import ReconnectPolicy
from tradeport.net.ws_client import Heartbeat, MessageHandler, WebSocketClient
from tradeport.net.ws_protocol import PRESENT, GenericJsonProtocol

from tradeport_binance.config import BinanceConfig
from tradeport_binance.constants import MAX_STREAMS_PER_CONNECTION, VENUE_ID

__all__ = ["binance_protocol", "market_stream_client", "user_stream_protocol", "stream_name"]


def binance_protocol() -> GenericJsonProtocol:
    """SUBSCRIBE/UNSUBSCRIBE with integer ids; a reply carrying ``code`` is a refusal."""
    return GenericJsonProtocol(
        reply_id_key="id",
        errors=[{"code": PRESENT, "msg": PRESENT}],
        # Binance counts every control message against 5 per second; batch generously.
        batch_size=200,
    )


def user_stream_protocol() -> GenericJsonProtocol:
    """The user data stream takes no requests: everything received is an event."""
    return GenericJsonProtocol(reply_id_key=None, acknowledges_subscriptions=False)


def stream_name(symbol: str, channel: str) -> str:
    """``stream_name("BTCUSDT", "bookTicker")`` -> ``btcusdt@bookTicker``."""
    return f"{symbol.lower()}@{channel}"


def _heartbeat(config: BinanceConfig) -> Heartbeat:
    interval = config.ws_ping_interval
    return Heartbeat(ping_interval=interval, ping_timeout=min(interval, 30.0) if interval else None)


def _reconnect(config: BinanceConfig) -> ReconnectPolicy:
    return ReconnectPolicy(
        initial=config.reconnect_delay_initial,
        max=config.reconnect_delay_max,
        max_attempts=config.reconnect_max_attempts,
    )


def market_stream_client(
    config: BinanceConfig,
    handler: MessageHandler,
    *,
    on_reconnected: Any = None,
) -> WebSocketClient:
    """The combined-stream market data connection."""
    return WebSocketClient(
        f"{config.ws_url}/stream",
        binance_protocol(),
        handler,
        venue=VENUE_ID,
        name="binance-market",
        heartbeat=_heartbeat(config),
        idle_timeout=config.ws_idle_timeout,
        reconnect=_reconnect(config),
        connect_timeout=config.ws_connect_timeout,
        max_message_size=config.ws_max_message_size,
        ack_timeout=config.ws_ack_timeout,
        on_reconnected=on_reconnected,
    )


def user_stream_client(
    config: BinanceConfig,
    url: Any,
    handler: MessageHandler,
    *,
    on_reconnected: Any = None,
) -> WebSocketClient:
    """The user data stream; ``url`` is an async callable (a fresh listenKey per connection)."""
    return WebSocketClient(
        url,
        user_stream_protocol(),
        handler,
        venue=VENUE_ID,
        name="binance-user",
        heartbeat=_heartbeat(config),
        idle_timeout=config.user_stream_idle_timeout,
        reconnect=_reconnect(config),
        connect_timeout=config.ws_connect_timeout,
        max_message_size=config.ws_max_message_size,
        ack_timeout=config.ws_ack_timeout,
        on_reconnected=on_reconnected,
    )


class _StartedFlag:
    """Forwards ``started()`` and remembers that it happened."""

    def __init__(self, task_status: anyio.abc.TaskStatus[Any]) -> None:
        self._task_status = task_status
        self.started_once = False

    def started(self, value: Any = None) -> None:
        self.started_once = True
        self._task_status.started(value)


async def run_stream(
    ws: WebSocketClient,
    log: logging.Logger | logging.LoggerAdapter[Any],
    *,
    task_status: anyio.abc.TaskStatus[Any] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """``ws.run`` for a client's task group: a failure to connect the first time is raised to
    ``connect()``; giving up later (``reconnect_max_attempts`` reached) is logged and ends only
    this task, not the application that owns the client.

    CORE-CANDIDATE: every plugin needs this guard (OKX has its own copy in lifecycle.py).
    """
    flag = _StartedFlag(task_status)
    try:
        await ws.run(task_status=flag)
    except TradeportError as error:
        if not flag.started_once:
            raise
        log.error("%s stopped: %s", ws.name, error)


_ = MAX_STREAMS_PER_CONNECTION
__all__ += ["user_stream_client", "run_stream"]
