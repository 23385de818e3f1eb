"""One WebSocket connection on httpx-ws, with a real message-size cap and one error type.

httpx-ws performs the HTTP upgrade (``AsyncWebSocketClient.connect``) and hands the upgraded
network stream to a *session class*; :class:`WireSession` is ours. It differs from httpx-ws's own
session where the issue needs it to:

* **a real maximum message size.** httpx-ws's ``max_message_size_bytes`` is only the size of each
  socket read: fragments are joined without limit. Here every partial frame wsproto emits is
  counted as it arrives, and once a message passes ``max_message_size`` the connection is closed
  with code 1009 and :class:`~tradeport.errors.MessageTooLarge` is raised. At most
  ``max_message_size + read_size`` bytes of one message are ever held.
* **one error type.** Every transport failure (httpcore read/write errors, EOF, OSError, anyio
  stream errors, wsproto's LocalProtocolError when sending after a drop, a close frame from the
  server) surfaces as :class:`~tradeport.errors.TransportError`, carrying the close code when the
  venue sent one. No exception group escapes (there is no background task to wrap errors).
* **no background tasks.** Reading is pulled by the caller (:meth:`WireSession.receive`), control
  pings are answered inline and pongs resolve :meth:`WireSession.ping` waiters; the client decides
  what runs concurrently.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from typing import Any

import anyio
import httpcore
import httpx
import wsproto
import wsproto.connection
import wsproto.events
import wsproto.utilities
from httpx_ws import HTTPXWSException, WebSocketUpgradeError

from tradeport.errors import AuthenticationError, MessageTooLarge, TradeportError, TransportError
from tradeport.net.transport import StreamConnection

__all__ = ["DEFAULT_READ_SIZE", "WireSession", "as_transport_error"]

logger = logging.getLogger("tradeport.net.ws")

#: Bytes per socket read.
DEFAULT_READ_SIZE = 65536

CLOSE_NORMAL = 1000
CLOSE_MESSAGE_TOO_BIG = 1009

# Everything a broken connection can raise underneath us, on asyncio and trio.
_TRANSPORT_FAILURES: tuple[type[BaseException], ...] = (
    httpcore.NetworkError,
    httpcore.TimeoutException,
    httpcore.ProtocolError,
    httpx.HTTPError,
    HTTPXWSException,
    wsproto.utilities.LocalProtocolError,
    wsproto.utilities.RemoteProtocolError,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    anyio.EndOfStream,
    OSError,
    TimeoutError,
)


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
    else:
        yield exc


def as_transport_error(
    exc: BaseException, *, venue: str | None = None, endpoint: str | None = None
) -> TradeportError | None:
    """The tradeport error for a transport failure (exception groups included), or None.

    A refused upgrade with HTTP 401/403 is an :class:`~tradeport.errors.AuthenticationError`
    (fatal); other refused upgrades and every connection failure are
    :class:`~tradeport.errors.TransportError`. Returns None for exceptions that are not transport
    failures (bugs must not be disguised as network trouble).
    """
    leaves = list(_leaves(exc))
    for leaf in leaves:  # fatal first, then the first tradeport error
        if isinstance(leaf, AuthenticationError):
            return leaf
    for leaf in leaves:
        if isinstance(leaf, TradeportError):
            return leaf
    for leaf in leaves:
        if isinstance(leaf, WebSocketUpgradeError):
            status = leaf.response.status_code
            kind = AuthenticationError if status in (401, 403) else TransportError
            return kind(
                f"WebSocket upgrade refused with HTTP {status}",
                venue=venue,
                endpoint=endpoint,
                http_status=status,
                retryable=kind is TransportError,
            )
        if isinstance(leaf, _TRANSPORT_FAILURES):
            reason = _first_message(leaf)
            detail = f"{type(leaf).__name__}: {reason}" if reason else type(leaf).__name__
            error = TransportError(f"connection failed ({detail})", venue=venue, endpoint=endpoint)
            error.__cause__ = leaf
            return error
    return None


def _first_message(exc: BaseException) -> str:
    """The first non-empty message down the cause chain (httpcore's ReadError has none; the
    OS error under it says ``Connection reset by peer``)."""
    current: BaseException | None = exc
    for _ in range(6):
        if current is None:
            break
        if str(current):
            return str(current) if current is exc else f"{type(current).__name__}: {current}"
        current = current.__cause__ or current.__context__
    return ""


def _too_big(data: str | bytes | bytearray, budget: int) -> bool:
    """Whether ``data`` needs more than ``budget`` bytes (UTF-8 for text)."""
    n = len(data)
    if n > budget:
        return True
    # A str of n characters is at most 4n UTF-8 bytes; encode only when that could matter.
    if isinstance(data, str) and n * 4 > budget:
        return len(data.encode()) > budget
    return False


def _byte_size(data: str | bytes | bytearray) -> int:
    return len(data.encode()) if isinstance(data, str) else len(data)


class WireSession(StreamConnection):
    """An open WebSocket connection (an httpx-ws session class; see the module docstring).

    Constructed by ``httpx_ws.AsyncWebSocketClient.connect`` with httpx-ws's keyword arguments;
    ``max_message_size_bytes`` keeps httpx-ws's meaning (bytes per read). The message cap is
    :attr:`max_message_size`, set by the owner before the first :meth:`receive`.
    """

    def __init__(
        self,
        stream: httpcore.AsyncNetworkStream,
        *,
        max_message_size_bytes: int = DEFAULT_READ_SIZE,
        response: httpx.Response | None = None,
        **_httpx_ws_options: Any,
    ) -> None:
        self.stream = stream
        self.response = response
        self.supports_control_ping = True
        self.read_size = max_message_size_bytes
        #: Largest message accepted, in bytes (None: unlimited).
        self.max_message_size: int | None = None
        #: Venue name and URL for error messages.
        self.venue: str | None = None
        self.endpoint: str = ""
        self.connection = wsproto.connection.Connection(wsproto.ConnectionType.CLIENT)
        self._events: Iterator[wsproto.events.Event] = iter(())
        self._partial: list[Any] = []
        self._partial_size = 0
        self._write_lock = anyio.Lock()
        self._pings: dict[bytes, anyio.Event] = {}
        self._closed = False
        #: Totals to update (``server_pings``, ``pongs_received``), e.g. the client's counters.
        self.counters: Any = None
        #: Size of the largest message, whole or partial, held at once (characters for a text
        #: message that arrived in one piece, bytes otherwise).
        self.peak_message_bytes = 0
        #: Close code sent by the server, when it sent a close frame.
        self.close_code: int | None = None

    async def __aenter__(self) -> WireSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- errors -------------------------------------------------------------------------------

    def _error(self, message: str, **kw: Any) -> TransportError:
        return TransportError(message, venue=self.venue, endpoint=self.endpoint, **kw)

    def _wrap(self, exc: BaseException) -> TradeportError:
        error = as_transport_error(exc, venue=self.venue, endpoint=self.endpoint)
        if error is None:  # pragma: no cover - only reachable through a bug
            raise exc
        return error

    # -- sending --------------------------------------------------------------------------------

    async def _write(self, data: bytes) -> None:
        try:
            async with self._write_lock:
                await self.stream.write(data)
        except _TRANSPORT_FAILURES as exc:
            self._closed = True
            raise self._wrap(exc) from exc

    def _frame(self, event: wsproto.events.Event) -> bytes:
        try:
            return self.connection.send(event)
        except wsproto.utilities.LocalProtocolError as exc:
            # wsproto refuses to send once the connection is closing or closed (after a drop).
            raise self._error(
                f"connection is closed ({self.connection.state.name})", close_code=self.close_code
            ) from exc

    async def send(self, data: str | bytes) -> None:
        """Send one text (str) or binary (bytes) message."""
        event: wsproto.events.Event
        if isinstance(data, str):
            event = wsproto.events.TextMessage(data=data)
        else:
            event = wsproto.events.BytesMessage(data=data)
        await self._write(self._frame(event))

    async def ping(self, payload: bytes | None = None) -> anyio.Event:
        """Send a control ping; the returned event is set when its pong arrives."""
        payload = payload or secrets.token_bytes(8)
        event = self._pings[payload] = anyio.Event()
        await self._write(self._frame(wsproto.events.Ping(payload=payload)))
        return event

    # -- receiving ------------------------------------------------------------------------------

    async def _read(self) -> bytes:
        try:
            data = await self.stream.read(self.read_size)
        except _TRANSPORT_FAILURES as exc:
            self._closed = True
            raise self._wrap(exc) from exc
        if not data:
            self._closed = True
            raise self._error("connection closed by the peer without a close frame (EOF)")
        return data

    async def _best_effort_close(self, code: int, reason: str | None = None) -> None:
        """Send a close frame if the connection is still open; give up after a second."""
        with anyio.move_on_after(1, shield=True):
            try:
                if self.connection.state is wsproto.connection.ConnectionState.OPEN:
                    await self._write(self._frame(wsproto.events.CloseConnection(code, reason)))
            except TradeportError:
                pass

    async def _too_large(self, size: int) -> MessageTooLarge:
        """Refuse the message: close with 1009 (best effort) and drop the socket."""
        self._partial.clear()
        self._partial_size = 0
        await self._best_effort_close(CLOSE_MESSAGE_TOO_BIG)
        await self.abort()
        return MessageTooLarge(
            f"message larger than {self.max_message_size} bytes refused (got {size} so far)",
            venue=self.venue,
            endpoint=self.endpoint,
            close_code=CLOSE_MESSAGE_TOO_BIG,
        )

    async def _peer_closed(self, event: wsproto.events.CloseConnection) -> TransportError:
        reason = f": {event.reason}" if event.reason else ""
        if self.connection.state is wsproto.connection.ConnectionState.OPEN:
            # wsproto reports a frame it cannot parse (bad UTF-8, protocol violation) as a
            # close event without a close frame from the venue: fail the connection with it.
            await self._best_effort_close(event.code)
            await self.abort()
            return self._error(f"invalid frame from the venue (code {event.code}{reason})")
        self.close_code = event.code
        if self.connection.state is wsproto.connection.ConnectionState.REMOTE_CLOSING:
            with anyio.move_on_after(1, shield=True):
                try:
                    await self._write(self._frame(event.response()))
                except TradeportError:
                    pass
        await self.abort()
        return self._error(
            f"venue closed the connection with code {event.code}{reason}", close_code=event.code
        )

    async def receive(self) -> str | bytes:
        """The next complete text (str) or binary (bytes) message.

        Control pings are answered and pongs recorded on the way. Raises
        :class:`~tradeport.errors.TransportError` when the connection ends (with ``close_code``
        after a close frame) and :class:`~tradeport.errors.MessageTooLarge` for an oversized one.
        """
        limit = self.max_message_size
        while True:
            for event in self._events:
                if isinstance(event, wsproto.events.Message):
                    data = event.data
                    if event.message_finished and not self._partial:
                        if limit is not None and _too_big(data, limit):
                            raise await self._too_large(_byte_size(data))
                        if len(data) > self.peak_message_bytes:
                            self.peak_message_bytes = len(data)
                        return data
                    size = _byte_size(data)
                    self._partial.append(data)
                    self._partial_size += size
                    self.peak_message_bytes = max(self.peak_message_bytes, self._partial_size)
                    if limit is not None and self._partial_size > limit:
                        raise await self._too_large(self._partial_size)
                    if event.message_finished:
                        empty: str | bytes = "" if isinstance(data, str) else b""
                        whole = empty.join(self._partial)
                        self._partial.clear()
                        self._partial_size = 0
                        return whole
                elif isinstance(event, wsproto.events.Ping):
                    if self.counters is not None:
                        self.counters.server_pings += 1
                    await self._write(self._frame(event.response()))
                elif isinstance(event, wsproto.events.Pong):
                    if self.counters is not None:
                        self.counters.pongs_received += 1
                    waiter = self._pings.pop(bytes(event.payload), None)
                    if waiter is not None:
                        waiter.set()
                elif isinstance(event, wsproto.events.CloseConnection):
                    raise await self._peer_closed(event)
            data = await self._read()
            try:
                self.connection.receive_data(data)
            except wsproto.utilities.LocalProtocolError as exc:
                raise self._wrap(exc) from exc
            self._events = self.connection.events()

    # -- closing --------------------------------------------------------------------------------

    async def close(self, code: int = CLOSE_NORMAL, reason: str | None = None) -> None:
        """Close politely: send a close frame (best effort, bounded), then close the socket."""
        if self._closed:
            return
        await self._best_effort_close(code, reason)
        await self.abort()

    async def abort(self) -> None:
        """Close the socket now, without a close handshake."""
        self._closed = True
        with anyio.CancelScope(shield=True):
            try:
                await self.stream.aclose()
            except _TRANSPORT_FAILURES:
                pass
