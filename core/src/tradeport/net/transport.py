"""What a stream session needs from a transport: connections that carry whole messages.

:class:`StreamTransport` makes connections; :class:`StreamConnection` is one of them. The
WebSocket transport (:mod:`tradeport.net.ws_client`) and the TCP/TLS transport
(:mod:`tradeport.net.tcp`) implement both; the session (:mod:`tradeport.net.stream_session`)
uses nothing else, which is what makes it transport-neutral.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING

import anyio

from tradeport.errors import TransportError

if TYPE_CHECKING:
    from tradeport.net.stream_session import StreamCounters

__all__ = ["StreamConnection", "StreamTransport"]


class StreamConnection(ABC):
    """One open connection, as a :class:`StreamTransport` hands it to the session.

    Messages are whole: a transport's framing (WebSocket frames, lines, length prefixes, FIX
    BodyLength) has been undone, the size cap applied. Every failure is a
    :class:`~tradeport.errors.TransportError` (:class:`~tradeport.errors.MessageTooLarge` for
    an oversized message).
    """

    #: Where the connection goes (URL or ``host:port``), for errors and logs.
    endpoint: str = ""
    #: Whether :meth:`ping` sends a control ping (WebSocket) rather than doing nothing.
    supports_control_ping: bool = False
    #: Largest message (or part of one) held at once, in bytes.
    peak_message_bytes: int = 0

    @abstractmethod
    async def receive(self) -> str | bytes:
        """The next whole message."""

    @abstractmethod
    async def send(self, data: str | bytes) -> None:
        """Send one message (framed by the transport; str is sent as UTF-8 where framed)."""

    async def ping(self) -> anyio.Event:
        """Send a control ping; the event is set when its pong arrives (WebSocket only)."""
        raise TransportError(f"{type(self).__name__} has no control ping", endpoint=self.endpoint)

    @abstractmethod
    async def abort(self) -> None:
        """Close the socket now, without any closing handshake."""


class StreamTransport(ABC):
    """Makes connections for a :class:`StreamSession` (WebSocket, TCP, TLS, ...)."""

    #: For messages: the URL or ``host:port`` (may change per connection).
    endpoint: str = ""

    @asynccontextmanager
    async def running(self) -> AsyncGenerator[None, None]:
        """Resources kept across connections (an HTTP client for upgrades, say)."""
        yield

    @abstractmethod
    def connect(
        self, *, timeout: float, max_message_size: int | None, counters: StreamCounters
    ) -> AbstractAsyncContextManager[StreamConnection]:
        """Open one connection within ``timeout`` seconds (a TransportError otherwise); the
        connection enforces ``max_message_size`` and updates ``counters``; leaving the context
        closes it."""
