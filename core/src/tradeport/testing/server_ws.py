"""The server side of one WebSocket connection on a :class:`~tradeport.testing.LoopbackServer`.

A mock venue's handler receives a :class:`ServerWebSocket` *before* the upgrade is answered: it
may :meth:`~ServerWebSocket.reject` it with an HTTP status (401/403 for bad credentials) or
:meth:`~ServerWebSocket.accept` it; any other call accepts it implicitly. Everything a venue does
on the wire is available: text, binary and JSON messages, control pings (pongs are counted),
close frames with codes, oversized frames, and dropping the TCP connection with FIN or RST.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import h11
import wsproto
import wsproto.connection
import wsproto.events
import wsproto.utilities

from tradeport.net import json_codec
from tradeport.testing.http_messages import DropMode, Request
from tradeport.testing.sockets import GONE

if TYPE_CHECKING:
    from tradeport.testing.loopback import LoopbackServer, _Connection

__all__ = ["ServerWebSocket", "WebSocketClosed"]

logger = logging.getLogger("tradeport.testing")

# Bounded, but large enough that a handler which only pushes never stalls the reader in a test.
_INBOX_SIZE = 65536


class WebSocketClosed(Exception):
    """The WebSocket is closed; ``code`` is the client's close code (1006: no close frame)."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"WebSocket closed (code={code}{', ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class ServerWebSocket:
    """One WebSocket connection, server side (see the module docstring)."""

    def __init__(
        self,
        server: LoopbackServer,
        connection: _Connection,
        request: Request,
        h11_connection: h11.Connection,
        upgrade: h11.Request,
        trailing: bytes,
    ) -> None:
        self.server = server
        #: The upgrade request (path, query, headers): where a mock venue reads credentials.
        self.request = request
        self._connection = connection
        self._h11 = h11_connection
        self._upgrade = upgrade
        self._trailing = trailing
        self._ws: wsproto.WSConnection | None = None
        self._task_group: anyio.abc.TaskGroup | None = None
        self._inbox_send, self._inbox = anyio.create_memory_object_stream[str | bytes](_INBOX_SIZE)
        self._reader_done = anyio.Event()
        #: ``pending`` (upgrade not answered), ``open``, ``rejected`` or ``closed``.
        self.state = "pending"
        #: Close code and reason the client sent (1006 when the connection just ended).
        self.close_code: int | None = None
        self.close_reason = ""
        #: Control pings the client sent (answered automatically) / pongs to our pings.
        self.pings_received = 0
        self.pongs_received = 0
        #: Control pings we sent.
        self.pings_sent = 0
        #: Complete text/binary messages received and sent.
        self.messages_received = 0
        self.messages_sent = 0

    @property
    def path(self) -> str:
        """The upgrade request's path."""
        return self.request.path

    @property
    def closed(self) -> bool:
        """Whether the connection is over (closed, dropped or rejected)."""
        return self.state in ("closed", "rejected")

    def _notify(self) -> None:
        self.server.changed.notify()

    # -- handshake ------------------------------------------------------------------------------

    async def accept(
        self, subprotocol: str | None = None, headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Answer the upgrade with 101 and start reading frames."""
        if self.state != "pending":
            return
        ws = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
        ws.initiate_upgrade_connection(list(self._upgrade.headers), self._upgrade.target)
        for _ in ws.events():  # the Request event mirrors the upgrade we already parsed
            pass
        extra = [(k.encode(), v.encode()) for k, v in headers]
        data = ws.send(
            wsproto.events.AcceptConnection(subprotocol=subprotocol, extra_headers=extra)
        )
        self._ws = ws
        await self._write(data)
        if self._trailing:
            ws.receive_data(self._trailing)
        self.state = "open"
        self.server._websocket_opened(self)
        assert self._task_group is not None
        self._task_group.start_soon(self._reader, ws)

    async def reject(
        self, status: int = 403, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Refuse the upgrade with an HTTP ``status`` (e.g. 401 for bad credentials)."""
        if self.state != "pending":
            raise RuntimeError(f"cannot reject a WebSocket that is {self.state}")
        pairs = [(k.encode(), v.encode()) for k, v in headers]
        pairs.append((b"content-length", str(len(body)).encode()))
        pairs.append((b"connection", b"close"))
        data = self._h11.send(h11.Response(status_code=status, headers=pairs))
        if body:
            data += self._h11.send(h11.Data(data=body))
        data += self._h11.send(h11.EndOfMessage())
        self.state = "rejected"
        self.server.ws_rejected += 1
        self._notify()
        try:
            await self._connection.send(data)
        except GONE:
            pass

    async def _ensure_open(self) -> wsproto.WSConnection:
        if self.state == "pending":
            await self.accept()
        if self.state != "open" or self._ws is None:
            raise WebSocketClosed(self.close_code, self.close_reason)
        return self._ws

    # -- sending --------------------------------------------------------------------------------

    async def _write(self, data: bytes) -> None:
        try:
            await self._connection.send(data)
        except GONE as exc:
            self._mark_closed(1006)
            raise WebSocketClosed(self.close_code) from exc

    async def _send_event(self, event: wsproto.events.Event) -> None:
        ws = await self._ensure_open()
        try:
            data = ws.send(event)
        except wsproto.utilities.LocalProtocolError as exc:
            raise WebSocketClosed(self.close_code, self.close_reason) from exc
        await self._write(data)

    async def send_text(self, text: str) -> None:
        """Send a text message."""
        await self._send_event(wsproto.events.TextMessage(data=text))
        self.messages_sent += 1

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        await self._send_event(wsproto.events.BytesMessage(data=data))
        self.messages_sent += 1

    async def send_json(self, payload: Any) -> None:
        """Send ``payload`` as a JSON text message."""
        await self.send_text(json_codec.dumps_venue(payload).decode())  # Decimal as numbers

    async def ping(self, payload: bytes = b"") -> None:
        """Send a control ping; the client's pong increments :attr:`pongs_received`."""
        await self._send_event(wsproto.events.Ping(payload=payload))
        self.pings_sent += 1

    async def send_raw(self, data: bytes) -> None:
        """Write raw bytes to the socket (hand-made frames; wsproto's state is bypassed)."""
        await self._ensure_open()
        await self._write(data)

    async def send_oversized_frame(
        self, size: int, *, chunk: int = 65536, text: bool = False
    ) -> int:
        """Stream one frame announcing ``size`` payload bytes, chunk by chunk.

        Stops when the client goes away; returns the payload bytes actually written, which is
        how a test measures that the client refused the frame without reading all of it.
        """
        await self._ensure_open()
        opcode = 0x1 if text else 0x2
        if size < 126:
            header = bytes([0x80 | opcode, size])
        elif size < 65536:
            header = bytes([0x80 | opcode, 126]) + size.to_bytes(2, "big")
        else:
            header = bytes([0x80 | opcode, 127]) + size.to_bytes(8, "big")
        block = b"a" * chunk  # ASCII: valid UTF-8 for text frames too
        written = 0
        try:
            await self._connection.send(header)
            while written < size:
                part = block[: min(chunk, size - written)]
                await self._connection.send(part)
                written += len(part)
        except GONE:
            self._mark_closed(self.close_code or 1006)
        return written

    # -- receiving ------------------------------------------------------------------------------

    async def receive(self) -> str | bytes:
        """The next complete message from the client; raises :class:`WebSocketClosed` at the end."""
        await self._ensure_open()
        try:
            return await self._inbox.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            raise WebSocketClosed(self.close_code, self.close_reason) from None

    async def receive_json(self) -> Any:
        """The next message decoded as JSON."""
        return json_codec.loads(await self.receive())

    async def __aiter__(self) -> AsyncIterator[str | bytes]:
        """Messages until the connection closes."""
        while True:
            try:
                yield await self.receive()
            except WebSocketClosed:
                return

    async def _reader(self, ws: wsproto.WSConnection) -> None:
        partial: list[Any] = []
        try:
            while True:
                data = await self._connection.receive()
                ws.receive_data(data or None)
                for event in ws.events():
                    if isinstance(event, wsproto.events.Message):
                        partial.append(event.data)
                        if event.message_finished:
                            empty: str | bytes = "" if isinstance(event.data, str) else b""
                            message = empty.join(partial)
                            partial.clear()
                            self.messages_received += 1
                            await self._inbox_send.send(message)
                            self._notify()
                    elif isinstance(event, wsproto.events.Ping):
                        self.pings_received += 1
                        await self._write(ws.send(event.response()))
                        self._notify()
                    elif isinstance(event, wsproto.events.Pong):
                        self.pongs_received += 1
                        self._notify()
                    elif isinstance(event, wsproto.events.CloseConnection):
                        self.close_reason = event.reason or ""
                        if ws.state is wsproto.connection.ConnectionState.REMOTE_CLOSING:
                            try:
                                await self._write(ws.send(event.response()))
                            except WebSocketClosed:
                                pass
                        self._mark_closed(event.code)
                        return
                if not data:
                    self._mark_closed(1006)
                    return
        except (*GONE, WebSocketClosed, wsproto.utilities.LocalProtocolError):
            self._mark_closed(1006)
        finally:
            self._inbox_send.close()
            self._reader_done.set()

    def _mark_closed(self, code: int | None) -> None:
        if self.state == "open":
            self.state = "closed"
            if self.close_code is None:
                self.close_code = code
            self.server._websocket_closed(self)

    # -- closing --------------------------------------------------------------------------------

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame with ``code``, wait (briefly) for the client's, close the socket."""
        if self.state == "pending":
            await self.accept()
        ws = self._ws
        if self.state == "open" and ws is not None:
            if ws.state is wsproto.connection.ConnectionState.OPEN:
                try:
                    await self._write(ws.send(wsproto.events.CloseConnection(code, reason)))
                except WebSocketClosed:
                    pass
            with anyio.move_on_after(2):
                await self._reader_done.wait()
        self._mark_closed(code)
        self._connection.drop("fin")

    def close_fin(self) -> None:
        """Drop the TCP connection with FIN, without a close frame."""
        self._connection.drop("fin")

    def abort(self) -> None:
        """Drop the TCP connection with RST (SO_LINGER 0)."""
        self._connection.drop("rst")

    def drop(self, mode: DropMode) -> None:
        """Drop the TCP connection with ``"fin"`` or ``"rst"``."""
        self._connection.drop(mode)

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait (bounded by the caller's cancel scope) until ``predicate()`` holds."""
        await self.server.changed.wait_until(predicate)

    async def _run(self, handler: Callable[[ServerWebSocket], Any]) -> None:
        """Run the route's handler; close politely when it returns, unless the TCP was dropped."""
        async with anyio.create_task_group() as group:
            self._task_group = group
            try:
                await handler(self)
            except WebSocketClosed:
                pass
            except Exception:
                logger.exception("WebSocket handler for %s failed", self.path)
                if self.state == "open" and self._connection.drop_mode is None:
                    with anyio.CancelScope(shield=True):
                        await self.close(1011, "handler error")
            finally:
                if self._connection.drop_mode is None:
                    with anyio.CancelScope(shield=True):
                        if self.state == "pending":
                            await self.reject(403, b"handler declined the upgrade")
                        elif self.state == "open":
                            await self.close(1000)
                group.cancel_scope.cancel()
                self._inbox_send.close()
                self._inbox.close()
