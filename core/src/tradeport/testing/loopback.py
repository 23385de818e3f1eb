"""A loopback HTTP + WebSocket server for tests and mock venues, on anyio + h11 + wsproto.

Why not uvicorn or an ASGI app: a mock venue has to do what real venues do on the wire (send
control-frame pings and see the pongs, close with codes, send oversized frames, drop TCP with FIN
or RST) and must run under asyncio *and* trio inside the test's own task group. ASGI hides control
frames and uvicorn is asyncio-only; h11 and wsproto are already dependencies of httpx/httpx-ws.

::

    async def handle_http(request: Request) -> Response:
        return Response.json({"serverTime": 1})

    async def handle_ws(ws: ServerWebSocket) -> None:
        async for message in ws:
            await ws.send_text(message)

    async with LoopbackServer(http=handle_http, websockets={"/ws": handle_ws}) as server:
        ...  # server.http_url, server.ws_url + "/ws", server.port
"""

from __future__ import annotations

import logging
import ssl
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import parse_qsl

import anyio
import anyio.abc
import h11

from tradeport.testing.http_messages import AbortConnection, DropMode, Request, Response
from tradeport.testing.listener import DroppableConnection, LoopbackListener
from tradeport.testing.server_ws import ServerWebSocket
from tradeport.testing.sockets import GONE, drain_and_close, reset_with_rst, send_fin
from tradeport.testing.tls import common_name, peer_certificate

__all__ = ["HttpHandler", "LoopbackServer", "WebSocketHandler"]

logger = logging.getLogger("tradeport.testing")

#: Answers one HTTP request.
HttpHandler = Callable[[Request], Awaitable[Response]]
#: Serves one WebSocket connection (called before the upgrade is answered).
WebSocketHandler = Callable[[ServerWebSocket], Awaitable[None]]


class _Connection(DroppableConnection):
    """One accepted TCP connection of the server."""

    def __init__(self, stream: anyio.abc.SocketStream) -> None:
        super().__init__()
        self.stream = stream
        self._write_lock = anyio.Lock()

    @property
    def peer_common_name(self) -> str | None:
        """The client certificate's common name (TLS with a client certificate), else None."""
        return common_name(peer_certificate(self.stream))

    async def receive(self) -> bytes:
        """Bytes from the peer; ``b""`` at end of stream."""
        try:
            return await self.stream.receive(65536)
        except anyio.EndOfStream:
            return b""

    async def send(self, data: bytes) -> None:
        """Write ``data`` (serialised between writers)."""
        async with self._write_lock:
            await self.stream.send(data)


def _is_websocket_upgrade(request: h11.Request) -> bool:
    upgrade = connection = b""
    for name, value in request.headers:
        if name == b"upgrade":
            upgrade = value.lower()
        elif name == b"connection":
            connection = value.lower()
    return upgrade == b"websocket" and b"upgrade" in connection


def _request_from(event: h11.Request, body: bytes, peer_common_name: str | None = None) -> Request:
    target = event.target.decode("ascii", "replace")
    path, _, raw_query = target.partition("?")
    return Request(
        method=event.method.decode("ascii"),
        path=path,
        raw_query=raw_query,
        query=tuple(parse_qsl(raw_query, keep_blank_values=True)),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers),
        body=body,
        peer_common_name=peer_common_name,
    )


class LoopbackServer(LoopbackListener):
    """HTTP and WebSocket server on 127.0.0.1, port 0 (see the module docstring).

    Use ``async with LoopbackServer(...) as server`` (its tasks run in a task group of the
    calling task) or ``await server.start(task_group)`` and ``server.stop()``.

    Observations: :attr:`connections` (TCP accepted), :attr:`http_requests`,
    :attr:`ws_connections` (upgrades accepted), :attr:`ws_rejected`, :attr:`requests` (recent
    HTTP and upgrade requests, in order), :attr:`websockets` (open ones). :attr:`changed` is
    notified on every change, so ``await server.wait_until(lambda: ...)`` needs no polling.
    """

    def __init__(
        self,
        http: HttpHandler | None = None,
        websockets: Mapping[str, WebSocketHandler] | None = None,
        *,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(host, tls=tls)
        self.http_handler = http
        self.websocket_routes: dict[str, WebSocketHandler] = dict(websockets or {})
        self.connections = 0
        self.http_requests = 0
        self.ws_connections = 0
        self.ws_rejected = 0
        self.requests: deque[Request] = deque(maxlen=10_000)
        self.websockets: list[ServerWebSocket] = []

    def route_websocket(self, path: str, handler: WebSocketHandler) -> None:
        """Serve WebSocket upgrades to ``path`` with ``handler`` (replacing any previous one)."""
        self.websocket_routes[path] = handler

    # -- observation ----------------------------------------------------------------------------

    def _websocket_opened(self, ws: ServerWebSocket) -> None:
        self.ws_connections += 1
        self.websockets.append(ws)
        self.changed.notify()

    def _websocket_closed(self, ws: ServerWebSocket) -> None:
        if ws in self.websockets:
            self.websockets.remove(ws)
        self.changed.notify()

    async def drop_all(self, mode: DropMode = "rst") -> int:
        """Drop every open connection with FIN or RST; returns how many were dropped.

        Returns once each of them has sent its FIN or been reset.
        """
        return await self._drop_live(mode)

    # -- connections ----------------------------------------------------------------------------

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        connection = _Connection(stream)
        self._live.add(connection)
        self.connections += 1
        self.changed.notify()
        try:
            with connection.scope:
                await self._serve_http(connection)
        except (*GONE, h11.ProtocolError):
            pass
        finally:
            self._live.discard(connection)
            if connection.drop_mode == "rst":
                await reset_with_rst(stream)
                connection.ended.set()
            elif connection.drop_mode == "fin":
                await send_fin(stream)
                connection.ended.set()
                await drain_and_close(stream)
            else:
                connection.ended.set()
                await drain_and_close(stream, drain_timeout=0)
            self.changed.notify()

    async def _next_event(self, h: h11.Connection, connection: _Connection) -> object:
        while True:
            event = h.next_event()
            if event is h11.NEED_DATA:
                h.receive_data(await connection.receive())
                continue
            return event

    async def _serve_http(self, connection: _Connection) -> None:
        h = h11.Connection(h11.SERVER)
        while True:
            event = await self._next_event(h, connection)
            if not isinstance(event, h11.Request):
                return  # ConnectionClosed, or a client that stopped making sense
            body = bytearray()
            while True:
                part = await self._next_event(h, connection)
                if isinstance(part, h11.Data):
                    body += part.data
                elif isinstance(part, h11.EndOfMessage):
                    break
                else:
                    return
            request = _request_from(event, bytes(body), connection.peer_common_name)
            self.requests.append(request)
            if _is_websocket_upgrade(event):
                await self._serve_websocket(connection, h, event, request)
                return
            self.http_requests += 1
            self.changed.notify()
            try:
                response = await self._respond(request)
            except AbortConnection as abort:
                if abort.partial is not None:
                    # The head and part of the body, then the drop (Content-Length promises
                    # the whole body, so the client knows it was cut short).
                    whole = self._encode(h, abort.partial)
                    cut = len(whole) - len(abort.partial.body) + max(0, abort.body_bytes)
                    await connection.send(whole[: min(cut, len(whole) - 1)])
                connection.drop_mode = abort.mode
                return
            whole = self._encode(h, response)
            if response.release is not None:
                # The head and the first part of the body; the rest once released.
                cut = len(whole) - len(response.body) + max(0, response.held_from)
                await connection.send(whole[:cut])
                await response.release.wait()
                whole = whole[cut:]
            await connection.send(whole)
            if h.our_state is h11.MUST_CLOSE or h.their_state is h11.MUST_CLOSE:
                return
            h.start_next_cycle()

    async def _respond(self, request: Request) -> Response:
        if self.http_handler is None:
            return Response.text("no HTTP handler", status=404)
        try:
            return await self.http_handler(request)
        except AbortConnection:
            raise
        except Exception as exc:
            logger.exception("HTTP handler failed for %s %s", request.method, request.target)
            return Response.text(f"handler error: {exc!r}", status=500)

    @staticmethod
    def _encode(h: h11.Connection, response: Response) -> bytes:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        headers.append((b"content-length", str(len(response.body)).encode()))
        data = h.send(h11.Response(status_code=response.status, headers=headers)) or b""
        if response.body:
            data += h.send(h11.Data(data=response.body)) or b""
        return data + (h.send(h11.EndOfMessage()) or b"")

    async def _serve_websocket(
        self, connection: _Connection, h: h11.Connection, event: h11.Request, request: Request
    ) -> None:
        handler = self.websocket_routes.get(request.path)
        if handler is None:
            await connection.send(self._encode(h, Response.text("no such route", status=404)))
            return
        trailing, _closed = h.trailing_data
        ws = ServerWebSocket(self, connection, request, h, event, bytes(trailing))
        await ws._run(handler)
