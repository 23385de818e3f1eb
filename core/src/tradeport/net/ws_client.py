"""WebSocketClient: the stream session over a WebSocket (httpx-ws upgrade, wsproto framing).

Everything that keeps a stream up (reconnects, heartbeats, idle timeout, login then replay,
subscription states, counters, the one error type) is the transport-neutral
:class:`~tradeport.net.StreamSession`; this module adds the WebSocket transport:
:class:`WebSocketTransport` upgrades through httpx-ws and hands the session a
:class:`~tradeport.net.ws_session.WireSession` (control pings, close codes, a real size cap).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import httpx
from httpx_ws import AsyncWebSocketClient

from tradeport.errors import TransportError
from tradeport.net.backoff import ReconnectPolicy
from tradeport.net.stream_session import (
    ConnectionState,
    Heartbeat,
    MessageHandler,
    StreamCounters,
    StreamSession,
    WsCounters,
)
from tradeport.net.transport import StreamTransport
from tradeport.net.ws_protocol import StreamProtocol
from tradeport.net.ws_session import DEFAULT_READ_SIZE, WireSession

__all__ = [
    "ConnectionState",
    "Heartbeat",
    "MessageHandler",
    "WebSocketClient",
    "WebSocketTransport",
    "WsCounters",
]

#: A stream URL, or an async callable returning one per connection (a fresh listen key).
UrlSource = str | Callable[[], Awaitable[str]]
#: Upgrade headers, or a callable returning them per connection (signed upgrades).
HeaderSource = Mapping[str, str] | Callable[[], Mapping[str, str]]


class WebSocketTransport(StreamTransport):
    """Connections by WebSocket upgrade (httpx + httpx-ws), framed by :class:`WireSession`.

    :param url: the stream URL, or an async callable returning it for each connection.
    :param headers: extra upgrade headers, or a callable returning them per connection.
    :param read_size: bytes per socket read.
    """

    def __init__(
        self,
        url: UrlSource,
        *,
        headers: HeaderSource | None = None,
        read_size: int = DEFAULT_READ_SIZE,
        venue: str | None = None,
    ) -> None:
        self.url = url
        self.headers = headers
        self.read_size = read_size
        self.venue = venue
        self.endpoint = url if isinstance(url, str) else ""
        self._ws_client: AsyncWebSocketClient[Any] | None = None

    @asynccontextmanager
    async def running(self) -> AsyncGenerator[None, None]:
        """One httpx client (and httpx-ws client) for every upgrade of the session."""
        # The httpx timeout bounds the upgrade only: reads after it have no httpx timeout
        # (the session's idle timeout watches them).
        async with httpx.AsyncClient(timeout=None) as http:
            # WireSession implements httpx-ws's session-class contract without inheriting
            # from its session (see ws_session); hence the ignore.
            self._ws_client = AsyncWebSocketClient(  # type: ignore[type-var]
                http,
                max_message_size_bytes=self.read_size,
                keepalive_ping_interval_seconds=None,  # the session's heartbeat, its counters
                keepalive_ping_timeout_seconds=None,
                session_class=WireSession,
            )
            try:
                yield
            finally:
                self._ws_client = None

    async def _resolve_url(self) -> str:
        url = self.url
        return url if isinstance(url, str) else await url()

    def _upgrade_headers(self) -> dict[str, str]:
        headers = self.headers
        if headers is None:
            return {}
        return dict(headers() if callable(headers) else headers)

    @asynccontextmanager
    async def connect(
        self, *, timeout: float, max_message_size: int | None, counters: StreamCounters
    ) -> AsyncGenerator[WireSession, None]:
        """Upgrade within ``timeout`` seconds; the session closes politely on exit."""
        if self._ws_client is None:
            raise TransportError("WebSocketTransport.connect outside running()", venue=self.venue)
        url = self.endpoint = await self._resolve_url()
        async with AsyncExitStack() as stack:
            try:
                with anyio.fail_after(timeout):
                    session: WireSession = await stack.enter_async_context(
                        self._ws_client.connect(url, headers=self._upgrade_headers())
                    )
            except TimeoutError as exc:
                raise TransportError(
                    f"no upgrade within {timeout}s", venue=self.venue, endpoint=url
                ) from exc
            session.max_message_size = max_message_size
            session.venue, session.endpoint = self.venue, url
            session.counters = counters
            yield session


class WebSocketClient(StreamSession):
    """A reconnecting venue WebSocket client: a :class:`~tradeport.net.StreamSession` over a
    :class:`WebSocketTransport` (see :mod:`tradeport.net.stream_session` for what it does).

    :param url: the stream URL, or an async callable returning it for each connection (e.g. to
        fetch a fresh listen key).
    :param headers: extra upgrade headers, or a callable returning them per connection.
    :param read_size: bytes per socket read (httpx-ws's ``max_message_size_bytes``).

    Every other parameter is the session's (:class:`~tradeport.net.StreamSession`).
    """

    transport: WebSocketTransport

    def __init__(
        self,
        url: UrlSource,
        protocol: StreamProtocol,
        handler: MessageHandler,
        *,
        venue: str | None = None,
        connect_timeout: float = 10.0,
        heartbeat: Heartbeat | None = None,
        idle_timeout: float | None = 30.0,
        reconnect: ReconnectPolicy | None = None,
        max_message_size: int | None = 4 * 1024 * 1024,
        headers: HeaderSource | None = None,
        name: str | None = None,
        ack_timeout: float = 10.0,
        login_timeout: float = 10.0,
        on_reconnected: Callable[[], Awaitable[None]] | None = None,
        read_size: int = DEFAULT_READ_SIZE,
    ) -> None:
        super().__init__(
            WebSocketTransport(url, headers=headers, read_size=read_size, venue=venue),
            protocol,
            handler,
            venue=venue,
            connect_timeout=connect_timeout,
            heartbeat=heartbeat,
            idle_timeout=idle_timeout,
            reconnect=reconnect,
            max_message_size=max_message_size,
            name=name or venue or (url if isinstance(url, str) else "ws"),
            ack_timeout=ack_timeout,
            login_timeout=login_timeout,
            on_reconnected=on_reconnected,
        )

    @property
    def url(self) -> UrlSource:
        """The stream URL (or the callable returning it)."""
        return self.transport.url

    @property
    def headers(self) -> HeaderSource | None:
        """Extra upgrade headers (or the callable returning them)."""
        return self.transport.headers

    @property
    def read_size(self) -> int:
        """Bytes per socket read."""
        return self.transport.read_size
