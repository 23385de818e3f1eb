"""The loopback test kit itself: LoopbackServer (HTTP + WebSocket) and FaultProxy, checked with
plain clients (httpx, httpx-ws, raw anyio sockets) so the kit does not test itself."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import anyio
import httpx
import pytest
from httpx_ws import AsyncWebSocketSession, WebSocketUpgradeError, aconnect_ws
from tradeport.testing import (
    AbortConnection,
    FaultProxy,
    LoopbackServer,
    Request,
    Response,
    ServerWebSocket,
)

pytestmark = pytest.mark.anyio


def ws_connect(url: str) -> AbstractAsyncContextManager[AsyncWebSocketSession]:
    """A plain httpx-ws client without its own keepalive pings."""
    return aconnect_ws(url, keepalive_ping_interval_seconds=None)


async def echo(ws: ServerWebSocket) -> None:
    async for message in ws:
        if isinstance(message, str):
            await ws.send_text(message)
        else:
            await ws.send_bytes(message)


async def test_http_requests_reuse_the_connection_and_keep_the_raw_query() -> None:
    async def handler(request: Request) -> Response:
        if request.path == "/boom":
            raise RuntimeError("handler bug")
        return Response.json(
            {"raw": request.raw_query, "q": request.query, "body": request.body.decode()},
            headers={"X-Seen": request.header("x-test", "-") or "-"},
        )

    async with LoopbackServer(http=handler) as server, httpx.AsyncClient() as http:
        assert server.port > 0
        first = await http.get(f"{server.http_url}/a?b=2&a=%201", headers={"X-Test": "yes"})
        second = await http.post(f"{server.http_url}/a", content=b"payload")
        boom = await http.get(f"{server.http_url}/boom")
    assert first.json() == {"raw": "b=2&a=%201", "q": [["b", "2"], ["a", " 1"]], "body": ""}
    assert first.headers["x-seen"] == "yes"
    assert second.json()["body"] == "payload"
    assert boom.status_code == 500
    assert server.connections == 1  # keep-alive: one TCP connection for three requests
    assert server.http_requests == 3


@pytest.mark.parametrize("mode", ["rst", "fin"])
async def test_http_handler_can_drop_the_connection(mode) -> None:
    async def handler(request: Request) -> Response:
        raise AbortConnection(mode)

    async with LoopbackServer(http=handler) as server, httpx.AsyncClient() as http:
        with pytest.raises(httpx.TransportError):
            await http.get(server.http_url + "/x")


async def test_a_held_response_sends_its_first_part_then_the_rest_once_released() -> None:
    release = anyio.Event()

    async def handler(request: Request) -> Response:
        return Response(body=b"first part|the rest", held_from=11, release=release)

    async with LoopbackServer(http=handler) as server, httpx.AsyncClient() as http:
        async with http.stream("GET", server.http_url + "/x") as response:
            chunks = response.aiter_bytes()
            with anyio.fail_after(5):
                first = await anext(chunks)
            assert first == b"first part|" and not release.is_set()
            release.set()
            with anyio.fail_after(5):
                rest = b"".join([chunk async for chunk in chunks])
        assert rest == b"the rest"


async def test_websocket_echo_ping_pong_and_close_code() -> None:
    closed_with: list[int | None] = []

    async def venue(ws: ServerWebSocket) -> None:
        await ws.accept()
        await ws.ping(b"server-ping")
        await ws.wait_until(lambda: ws.pongs_received == 1)  # httpx-ws answers control pings
        message = await ws.receive()
        assert isinstance(message, str)
        await ws.send_text(f"got {message}")
        await ws.close(4001, "going away")
        closed_with.append(ws.close_code)

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        async with ws_connect(server.ws_url + "/ws") as ws:
            await ws.send_text("hello")
            assert await ws.receive_text() == "got hello"
            with pytest.raises(Exception) as ended:  # httpx-ws: WebSocketDisconnect
                await ws.receive_text()
            assert getattr(ended.value, "code", None) == 4001
        with anyio.fail_after(5):
            await server.wait_until(lambda: not server.websockets)
    assert closed_with == [1000]  # the client's answering close frame
    assert server.ws_connections == 1


async def test_websocket_upgrade_can_be_rejected() -> None:
    async def venue(ws: ServerWebSocket) -> None:
        await ws.reject(401, b'{"code":-2015}')

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        with pytest.raises(WebSocketUpgradeError) as refused:
            async with aconnect_ws(server.ws_url + "/ws"):
                pytest.fail("the upgrade was refused")
        assert refused.value.response.status_code == 401
        assert server.ws_rejected == 1
        assert server.ws_connections == 0


async def test_unknown_websocket_route_is_404() -> None:
    async with LoopbackServer() as server:
        with pytest.raises(WebSocketUpgradeError) as refused:
            async with aconnect_ws(server.ws_url + "/nowhere"):
                pytest.fail("there is no such route")
        assert refused.value.response.status_code == 404


async def _raw_ws_client(port: int) -> anyio.abc.SocketStream:
    """A TCP connection that has done a WebSocket upgrade by hand (to observe FIN vs RST)."""
    stream = await anyio.connect_tcp("127.0.0.1", port)
    await stream.send(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += await stream.receive()
    assert response.startswith(b"HTTP/1.1 101")
    return stream


async def _ending(stream: anyio.abc.SocketStream) -> str:
    """How the peer ended the connection: "fin" (end of stream) or "rst" (reset)."""
    try:
        while True:
            await stream.receive()
    except anyio.EndOfStream:
        return "fin"
    except (anyio.BrokenResourceError, ConnectionResetError):
        return "rst"
    finally:
        await stream.aclose()


@pytest.mark.parametrize("mode", ["fin", "rst"])
async def test_server_drop_all_with_fin_or_rst(mode) -> None:
    async with LoopbackServer(websockets={"/ws": echo}) as server:
        stream = await _raw_ws_client(server.port)
        with anyio.fail_after(5):
            await server.wait_until(lambda: server.ws_connections == 1)
            assert await server.drop_all(mode) == 1
            assert await _ending(stream) == mode


@pytest.mark.parametrize("mode", ["fin", "rst"])
async def test_proxy_forwards_then_ends_connections_with_fin_or_rst(mode) -> None:
    async with LoopbackServer(websockets={"/ws": echo}) as server, FaultProxy(server.port) as proxy:
        async with ws_connect(proxy.ws_url + "/ws") as ws:
            await ws.send_bytes(b"\x00\x01")
            assert await ws.receive_bytes() == b"\x00\x01"
        stream = await _raw_ws_client(proxy.port)
        with anyio.fail_after(5):
            await proxy.wait_until(lambda: proxy.active == 1)
            ended = await (proxy.close_fin() if mode == "fin" else proxy.reset_rst())
            assert ended == 1
            assert await _ending(stream) == mode
        assert proxy.connections == 2


async def test_proxy_blackhole_keeps_sockets_open_and_forwards_nothing() -> None:
    async with LoopbackServer(websockets={"/ws": echo}) as server, FaultProxy(server.port) as proxy:
        stream = await _raw_ws_client(proxy.port)
        proxy.blackhole()
        # A masked text frame "hi": the echo would answer at once if it got through.
        await stream.send(bytes([0x81, 0x82, 1, 2, 3, 4, ord("h") ^ 1, ord("i") ^ 2]))
        with anyio.move_on_after(0.3) as silent:
            await stream.receive()
        assert silent.cancelled_caught  # nothing came back, and the socket is still open
        assert proxy.active == 1
        # New connections hang too: accepted, never answered.
        hanging = await anyio.connect_tcp("127.0.0.1", proxy.port)
        await hanging.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with anyio.move_on_after(0.3) as unanswered:
            await hanging.receive()
        assert unanswered.cancelled_caught
        await hanging.aclose()
        await stream.aclose()
        proxy.restore()
        async with ws_connect(proxy.ws_url + "/ws") as ws:
            await ws.send_text("back")
            assert await ws.receive_text() == "back"


async def test_proxy_refuse_resets_new_connections() -> None:
    async with LoopbackServer(http=lambda r: _ok()) as server, FaultProxy(server.port) as proxy:
        proxy.refuse()
        async with httpx.AsyncClient() as http:
            with pytest.raises(httpx.TransportError):
                await http.get(proxy.http_url + "/")
            proxy.restore()
            assert (await http.get(proxy.http_url + "/")).status_code == 200
    assert server.connections == 1  # the refused one never reached the server


async def _ok() -> Response:
    return Response.text("ok")


async def test_oversized_frame_helper_stops_when_the_client_leaves() -> None:
    results: list[int] = []

    async def venue(ws: ServerWebSocket) -> None:
        results.append(await ws.send_oversized_frame(256 * 1024 * 1024))

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        stream = await _raw_ws_client(server.port)
        header = await stream.receive()
        assert header[:2] == bytes([0x82, 127])  # binary, 64-bit length
        assert int.from_bytes(header[2:10], "big") == 256 * 1024 * 1024
        await stream.aclose()  # leave with unread data: the server's writes fail
        with anyio.fail_after(10):
            await server.wait_until(lambda: bool(results))
    assert 0 < results[0] < 256 * 1024 * 1024


async def test_drain_and_close_is_no_sink_for_a_peer_that_keeps_sending() -> None:
    """After our FIN, a peer still streaming (an oversized frame) gets an RST once the drain
    has read its limit, instead of having every byte swallowed."""
    from tradeport.testing.sockets import DRAIN_LIMIT, drain_and_close, send_fin

    written = 0
    stopped = anyio.Event()

    async def flood(stream: anyio.abc.SocketStream) -> None:
        nonlocal written
        block = bytes(65536)
        try:
            while written < 256 * DRAIN_LIMIT:
                await stream.send(block)
                written += len(block)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            pass
        finally:
            stopped.set()

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, flood)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        client = await anyio.connect_tcp("127.0.0.1", port)
        await send_fin(client)
        await drain_and_close(client, drain_timeout=10.0)
        with anyio.fail_after(10):
            await stopped.wait()
        group.cancel_scope.cancel()
    assert written < 64 * DRAIN_LIMIT, f"the drain took {written} bytes"
