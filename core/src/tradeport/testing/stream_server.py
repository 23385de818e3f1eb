"""Loopback TCP / TLS servers speaking a framing: line, length-prefixed and FIX mock venues.

:class:`StreamServer` listens on 127.0.0.1 port 0 (TLS when given a server context, e.g. from
:class:`~tradeport.testing.LoopbackCA`) and runs ``handler(stream)`` for every connection with
a :class:`ServerStream` that speaks the same :mod:`~tradeport.net.framing` as the client::

    async def venue(stream: ServerStream) -> None:
        await stream.send_json({"op": "connection", "connectionId": "1"})
        async for message in stream:           # one framed message at a time
            ...

    async with StreamServer(venue, framing=CRLF, tls=ca.server_context()) as server:
        ...  # server.host, server.port; server.streams (open ones); await server.drop_all("rst")

Faults, as venues do them: :meth:`ServerStream.close_fin` (orderly), :meth:`ServerStream.abort`
(RST), :meth:`ServerStream.send_raw` (hand-made or partial frames),
:meth:`ServerStream.send_oversized` (a frame announcing or streaming more than any cap). Put a
:class:`~tradeport.testing.FaultProxy` in front for black holes and frames split across reads.
"""

from __future__ import annotations

import logging
import ssl
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import anyio.abc

from tradeport.net import json_codec
from tradeport.net.framing import FixFraming, Framing, LengthPrefixedFraming, LineFraming
from tradeport.testing.http_messages import DropMode
from tradeport.testing.listener import DroppableConnection, LoopbackListener
from tradeport.testing.sockets import GONE, drain_and_close, reset_with_rst, send_fin
from tradeport.testing.tls import common_name, peer_certificate

__all__ = ["ServerStream", "StreamClosed", "StreamHandler", "StreamServer"]

logger = logging.getLogger("tradeport.testing")

#: Serves one connection of a :class:`StreamServer`.
StreamHandler = Callable[["ServerStream"], Awaitable[None]]


class StreamClosed(Exception):
    """The client closed the connection (EOF or reset)."""


class ServerStream(DroppableConnection):
    """The server side of one framed connection (see the module docstring)."""

    def __init__(
        self, stream: anyio.abc.ByteStream, framing: Framing, server: StreamServer, number: int
    ) -> None:
        super().__init__()
        self.stream = stream
        self.framing = framing
        self.server = server
        #: 1-based, in accept order.
        self.number = number
        self._decoder = framing.decoder(server.max_message_size)
        self._ready: deque[Any] = deque()
        self._write_lock = anyio.Lock()
        #: Messages received / sent on this connection.
        self.received: list[Any] = []
        self.sent = 0
        self.closed = False

    # -- TLS ----------------------------------------------------------------------------------

    @property
    def peer_certificate(self) -> dict[str, Any] | None:
        """The client certificate (``ssl.getpeercert()`` form), when TLS and one was sent."""
        return peer_certificate(self.stream)

    @property
    def peer_common_name(self) -> str | None:
        """The client certificate's common name, if any."""
        return common_name(self.peer_certificate)

    # -- receiving ----------------------------------------------------------------------------

    def set_inbound_framing(self, framing: Framing) -> None:
        """Decode what arrives from now on with ``framing`` (buffered bytes included)."""
        rest = self._decoder.take_remainder()
        self._decoder = framing.decoder(self.server.max_message_size)
        if rest:
            self._ready.extend(self._decoder.feed(rest))

    async def receive(self) -> Any:
        """The next framed message; :class:`StreamClosed` when the client is gone."""
        while not self._ready:
            try:
                data = await self.stream.receive(65536)
            except (anyio.EndOfStream, *GONE) as exc:
                self.closed = True
                raise StreamClosed(type(exc).__name__) from exc
            self._ready.extend(self._decoder.feed(data))
        message = self._ready.popleft()
        self.received.append(message)
        self.server.notify()
        return message

    async def receive_exactly(self, size: int) -> bytes:
        """``size`` raw bytes, outside the framing (a prefix such as IB's ``API\\0``); what
        follows them is framed as usual."""
        data = bytearray(self._decoder.take_remainder())
        while len(data) < size:
            try:
                data += await self.stream.receive(65536)
            except (anyio.EndOfStream, *GONE) as exc:
                self.closed = True
                raise StreamClosed(type(exc).__name__) from exc
        rest = bytes(data[size:])
        if rest:
            self._ready.extend(self._decoder.feed(rest))
        return bytes(data[:size])

    async def receive_json(self) -> Any:
        """The next message, decoded as JSON."""
        return json_codec.loads(await self.receive())

    async def __aiter__(self) -> AsyncIterator[Any]:
        """Messages until the client closes."""
        while True:
            try:
                yield await self.receive()
            except StreamClosed:
                return

    # -- sending ------------------------------------------------------------------------------

    async def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (partial or hand-made frames)."""
        async with self._write_lock:
            await self.stream.send(data)

    async def send(self, message: str | bytes) -> None:
        """Frame and send one message (str as UTF-8)."""
        payload = message.encode() if isinstance(message, str) else message
        await self.send_raw(self.framing.encode(payload))
        self.sent += 1

    async def send_json(self, payload: Any) -> None:
        """Send ``payload`` as compact JSON, framed (``Decimal`` as JSON numbers)."""
        await self.send(json_codec.dumps_venue(payload))

    async def send_oversized(self, size: int, chunk: int = 65536) -> int:
        """Start a frame of ``size`` bytes and stream its payload until the client hangs up
        (or all is sent); returns the payload bytes the client took.

        Length-prefixed and FIX framings announce ``size`` in their header; a line framing
        streams bytes without a delimiter.
        """
        framing = self.framing
        if isinstance(framing, LengthPrefixedFraming):
            header = (size + (framing.header_size if framing.includes_header else 0)).to_bytes(
                framing.header_size, framing.byteorder
            )
        elif isinstance(framing, FixFraming):
            header = b"8=%s\x019=%d\x01" % (framing.begin_string.encode(), size)
        elif isinstance(framing, LineFraming):
            header = b""
        else:
            raise TypeError(f"send_oversized: no oversized frame for {framing!r}")
        filler = b"x" * chunk
        sent = 0
        try:
            await self.send_raw(header)
            while sent < size:
                piece = filler[: min(chunk, size - sent)]
                await self.send_raw(piece)
                sent += len(piece)
        except GONE:
            pass
        except RuntimeError:
            # asyncio's transport says "write() after write_eof()" when the connection is
            # being shut down under us: the client hung up, which is what this waits for.
            pass
        return sent

    # -- closing ------------------------------------------------------------------------------

    def close_fin(self) -> None:
        """End the connection with FIN (the handler is cancelled)."""
        self.drop("fin")

    def abort(self) -> None:
        """Reset the connection (RST; the handler is cancelled)."""
        self.drop("rst")


class StreamServer(LoopbackListener):
    """A framed TCP (or TLS) server on 127.0.0.1 port 0 (see the module docstring).

    :param handler: serves each connection; when it returns the connection is closed (FIN).
    :param framing: how messages are delimited both ways.
    :param tls: a server TLS context (:meth:`LoopbackCA.server_context`), or None for TCP.
    :param max_message_size: the server's own cap on received messages.

    Observations: :attr:`connections` (accepted in total), :attr:`streams` (open now, in
    order), :attr:`all_streams`; :meth:`wait_until` waits on any of them.
    """

    def __init__(
        self,
        handler: StreamHandler,
        *,
        framing: Framing,
        tls: ssl.SSLContext | None = None,
        max_message_size: int | None = 16 * 1024 * 1024,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(host, tls=tls)
        self.handler = handler
        self.framing = framing
        self.max_message_size = max_message_size
        self.connections = 0
        self.streams: list[ServerStream] = []
        self.all_streams: list[ServerStream] = []

    async def drop_all(self, mode: DropMode = "rst") -> int:
        """Drop every open connection with FIN or RST; returns how many."""
        return await self._drop_live(mode)

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        self.connections += 1
        connection = ServerStream(stream, self.framing, self, self.connections)
        self._live.add(connection)
        self.streams.append(connection)
        self.all_streams.append(connection)
        self.changed.notify()
        try:
            with connection.scope:
                await self.handler(connection)
        except (*GONE, StreamClosed):
            pass
        finally:
            connection.closed = True
            self._live.discard(connection)
            self.streams.remove(connection)
            if connection.drop_mode == "rst":
                await reset_with_rst(stream)
                connection.ended.set()
            else:
                await send_fin(stream)
                connection.ended.set()
                await drain_and_close(stream)
            self.changed.notify()
