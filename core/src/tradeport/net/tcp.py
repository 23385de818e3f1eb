"""The stream session over TCP and TLS sockets: :class:`TcpTransport`.

``anyio.connect_tcp`` makes the socket (TLS on top when asked: certificates verified by
default, client certificates supported, see :func:`tls_client_context`), a
:class:`~tradeport.net.framing.Framing` cuts the byte stream into messages, and the connection
hands whole messages to the :class:`~tradeport.net.StreamSession`, which does the rest
(reconnects, heartbeats, idle timeout, login then replay, subscriptions, counters)::

    session = StreamSession(
        TcpTransport("stream-api.betfair.com", 443, framing=CRLF, tls=True),
        protocol, handler, venue="BETFAIR",
    )
    async with session:
        await session.subscribe(["market:1.23"])
"""

from __future__ import annotations

import ssl
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from os import PathLike
from typing import Any

import anyio
import anyio.abc

from tradeport.errors import MessageTooLarge, TradeportError, TransportError
from tradeport.net.framing import FrameDecoder, Framing
from tradeport.net.stream_session import StreamCounters
from tradeport.net.transport import StreamConnection, StreamTransport
from tradeport.net.ws_session import DEFAULT_READ_SIZE, as_transport_error

__all__ = ["TcpConnection", "TcpTransport", "tls_client_context"]

#: ``(host, port)``, or an async callable returning it per connection (a gateway from a login).
AddressSource = tuple[str, int] | Callable[[], Awaitable[tuple[str, int]]]

StrPath = str | PathLike[str]


def tls_client_context(
    *,
    cafile: StrPath | None = None,
    cadata: str | bytes | None = None,
    certfile: StrPath | None = None,
    keyfile: StrPath | None = None,
    password: str | None = None,
) -> ssl.SSLContext:
    """A client TLS context that verifies the server (certificate chain and host name).

    Trusts the system's CAs, or only ``cafile`` / ``cadata`` when given (a venue's private CA,
    a test CA). ``certfile`` (+ ``keyfile``, ``password``) is the client certificate for venues
    that authenticate with one (Betfair's certificate login).
    """
    context = ssl.create_default_context(cafile=cafile, cadata=cadata)
    if certfile is not None:
        context.load_cert_chain(certfile, keyfile, password)
    return context


class TcpConnection(StreamConnection):
    """One TCP (or TLS) connection cut into messages by a framing.

    Received messages are ``bytes`` (records, for a :class:`~tradeport.net.DecoderFraming`);
    :meth:`send` frames a ``bytes`` or ``str`` (UTF-8) message; :meth:`send_raw` writes bytes
    as they are (handshakes outside the framing, such as IB's ``API\\0`` prefix).
    """

    def __init__(
        self,
        stream: anyio.abc.ByteStream,
        framing: Framing,
        *,
        max_message_size: int | None,
        counters: StreamCounters | None = None,
        endpoint: str = "",
        venue: str | None = None,
        read_size: int = DEFAULT_READ_SIZE,
    ) -> None:
        self.stream = stream
        self.framing = framing
        self.outbound = framing
        self.max_message_size = max_message_size
        self.counters = counters
        self.endpoint = endpoint
        self.venue = venue
        self.read_size = read_size
        self.peak_message_bytes = 0
        self._decoder: FrameDecoder = framing.decoder(max_message_size)
        self._ready: deque[Any] = deque()
        self._write_lock = anyio.Lock()
        self._closed = False

    # -- framing ------------------------------------------------------------------------------

    def set_inbound_framing(self, framing: Framing) -> None:
        """Cut what arrives from now on (bytes already received included) with ``framing``:
        for protocols that change format mid-stream (Databento: text lines, then DBN)."""
        rest = self._decoder.take_remainder()
        self._decoder = framing.decoder(self.max_message_size)
        self.framing = framing
        if rest:
            self._ready.extend(self._decode(rest))

    def set_outbound_framing(self, framing: Framing) -> None:
        """Frame what :meth:`send` writes from now on with ``framing``."""
        self.outbound = framing

    # -- errors -------------------------------------------------------------------------------

    def _error(self, exc: BaseException) -> TradeportError:
        self._closed = True
        error = as_transport_error(exc, venue=self.venue, endpoint=self.endpoint)
        if error is None:  # pragma: no cover - only reachable through a bug
            raise exc
        return error

    # -- receiving ----------------------------------------------------------------------------

    def _decode(self, data: bytes) -> list[Any]:
        decoder = self._decoder
        partial_before = decoder.buffered
        garbled_before = decoder.garbled
        try:
            messages = decoder.feed(data)
        except MessageTooLarge as error:
            error.venue, error.endpoint = self.venue, self.endpoint
            raise
        except TransportError as error:
            error.venue, error.endpoint = self.venue, self.endpoint
            raise
        held = decoder.buffered
        counters = self.counters
        size = max(held, len(data) + partial_before)
        if size > self.peak_message_bytes:
            self.peak_message_bytes = size
        if counters is not None:
            if messages and partial_before:
                counters.fragmented_messages += 1
            if decoder.garbled != garbled_before:
                counters.parse_errors += decoder.garbled - garbled_before
        return messages

    async def receive(self) -> Any:
        """The next whole message (EOF, a reset, a framing error: TransportError)."""
        ready = self._ready
        while not ready:
            try:
                data = await self.stream.receive(self.read_size)
            except anyio.EndOfStream:
                self._closed = True
                raise TransportError(
                    "connection closed by the peer (EOF)", venue=self.venue, endpoint=self.endpoint
                ) from None
            except Exception as exc:
                raise self._error(exc) from exc
            try:
                ready.extend(self._decode(data))
            except TransportError:
                await self.abort()
                raise
        return ready.popleft()

    # -- sending ------------------------------------------------------------------------------

    async def send_raw(self, data: bytes) -> None:
        """Write ``data`` unframed."""
        try:
            async with self._write_lock:
                await self.stream.send(data)
        except Exception as exc:
            raise self._error(exc) from exc

    async def send(self, data: str | bytes) -> None:
        """Frame and send one message (str as UTF-8)."""
        payload = data.encode() if isinstance(data, str) else data
        await self.send_raw(self.outbound.encode(payload))

    # -- closing ------------------------------------------------------------------------------

    async def abort(self) -> None:
        """Close the socket now (TLS without waiting for the peer's close_notify)."""
        self._closed = True
        with anyio.CancelScope(shield=True):
            await anyio.aclose_forcefully(self.stream)


class TcpTransport(StreamTransport):
    """Connections to ``host:port`` over TCP, or TLS on top, cut by ``framing``.

    :param host: the host (or pass ``address`` instead).
    :param port: the port.
    :param framing: how messages are delimited (:data:`~tradeport.net.CRLF`,
        :class:`~tradeport.net.LengthPrefixedFraming`, :class:`~tradeport.net.FixFraming`, ...).
    :param tls: False for plain TCP; True for TLS with the system's CAs (certificate and host
        name verified); or an :class:`ssl.SSLContext` (see :func:`tls_client_context` for a
        private CA or a client certificate).
    :param tls_hostname: the name to verify and send as SNI (default: ``host``).
    :param address: an async callable returning ``(host, port)`` per connection, instead of
        ``host`` and ``port``.
    :param read_size: bytes per socket read.
    """

    def __init__(
        self,
        host: str | None = None,
        port: int | None = None,
        *,
        framing: Framing,
        tls: bool | ssl.SSLContext = False,
        tls_hostname: str | None = None,
        address: Callable[[], Awaitable[tuple[str, int]]] | None = None,
        venue: str | None = None,
        read_size: int = DEFAULT_READ_SIZE,
    ) -> None:
        if address is None and (host is None or port is None):
            raise ValueError("TcpTransport: give host and port, or address")
        self.host = host
        self.port = port
        self.address = address
        self.framing = framing
        self.ssl_context: ssl.SSLContext | None
        if tls is True:
            self.ssl_context = tls_client_context()
        elif tls is False:
            self.ssl_context = None
        else:
            self.ssl_context = tls
        self.tls_hostname = tls_hostname
        self.venue = venue
        self.read_size = read_size
        scheme = "tls" if self.ssl_context is not None else "tcp"
        self.endpoint = f"{scheme}://{host}:{port}" if host is not None else ""

    async def _resolve(self) -> tuple[str, int]:
        if self.address is not None:
            return await self.address()
        assert self.host is not None and self.port is not None
        return self.host, self.port

    @asynccontextmanager
    async def connect(
        self, *, timeout: float, max_message_size: int | None, counters: StreamCounters
    ) -> AsyncGenerator[TcpConnection, None]:
        """Connect (and TLS handshake) within ``timeout``; the socket is closed on exit."""
        host, port = await self._resolve()
        scheme = "tls" if self.ssl_context is not None else "tcp"
        endpoint = self.endpoint = f"{scheme}://{host}:{port}"
        try:
            with anyio.fail_after(timeout):
                if self.ssl_context is not None:
                    stream: anyio.abc.ByteStream = await anyio.connect_tcp(
                        host,
                        port,
                        ssl_context=self.ssl_context,
                        tls_hostname=self.tls_hostname or host,
                    )
                else:
                    stream = await anyio.connect_tcp(host, port)
        except TimeoutError as exc:
            raise TransportError(
                f"no connection within {timeout}s", venue=self.venue, endpoint=endpoint
            ) from exc
        connection = TcpConnection(
            stream,
            self.framing,
            max_message_size=max_message_size,
            counters=counters,
            endpoint=endpoint,
            venue=self.venue,
            read_size=self.read_size,
        )
        try:
            yield connection
        finally:
            await connection.abort()
