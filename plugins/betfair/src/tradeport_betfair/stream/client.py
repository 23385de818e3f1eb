"""Factories for Betfair streams on the core StreamSession over a TLS socket with CRLF framing.

The plugin adds no connection machinery: the core's TcpTransport does TLS (certificate and host
name verified; ``ca_file`` trusts a private CA), the session does reconnects with backoff, the
login then replay, the heartbeat (``{"op":"heartbeat"}``) and the idle timeout. A refused
stream login is fatal (never retried). This is the one place where Betfair differs from the
WebSocket plugins' ``websocket/client.py``: same role, a socket instead of a WebSocket.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable

from tradeport.net import CRLF, Heartbeat, StreamSession, TcpTransport
from tradeport.net.ws_client import MessageHandler

from tradeport_betfair.config import BetfairConfig
from tradeport_betfair.constants import VENUE_ID
from tradeport_betfair.credential import BetfairSession
from tradeport_betfair.stream.messages import BetfairStreamProtocol
from tradeport_betfair.stream.parse import OrderCache
from tradeport_betfair.urls import stream_address

__all__ = ["stream_session", "stream_tls_context"]


def stream_tls_context(config: BetfairConfig) -> ssl.SSLContext | bool:
    """The system's CAs (True), or a context trusting ``ca_file``."""
    if config.ca_file is None:
        return True
    return ssl.create_default_context(cafile=config.ca_file)


def stream_session(
    config: BetfairConfig,
    session: BetfairSession,
    handler: MessageHandler,
    *,
    orders: bool,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
    order_cache: OrderCache | None = None,
) -> tuple[StreamSession, BetfairStreamProtocol]:
    """A market (``orders=False``) or order stream session, and its protocol (which holds the
    caches). The session token must be there before it connects (``await session.token()``)."""
    host, port = stream_address(config.stream_address, integration=config.testnet)
    transport = TcpTransport(
        host, port, framing=CRLF, tls=stream_tls_context(config), venue=VENUE_ID
    )
    # The client heartbeat at a third of the idle timeout keeps a quiet stream alive.
    idle = config.ws_idle_timeout
    interval = config.ws_heartbeat_interval or (idle / 3 if idle else 5.0)
    protocol = BetfairStreamProtocol(
        app_key=session.app_key,
        session_token=session.current_token,
        renew_session=session.token,
        session_lapsed=session.expire,
        orders=orders,
        heartbeat_ms=config.heartbeat_ms,
        conflate_ms=config.conflate_ms,
        ladder_levels=config.ladder_levels,
        ping_interval=interval,
        order_cache=order_cache,
    )
    stream = StreamSession(
        transport,
        protocol,
        handler,
        venue=VENUE_ID,
        name=f"betfair-{'orders' if orders else 'markets'}",
        heartbeat=Heartbeat(ping_interval=None, text_ping_interval=interval),
        ack_timeout=config.ack_timeout,
        login_timeout=config.ack_timeout,
        on_reconnected=on_reconnected,
        **config.stream_options(),
    )
    return stream, protocol
