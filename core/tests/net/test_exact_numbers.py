"""Exact decimals end to end: JSON numbers decode to Decimal from their text (HTTP, WebSocket and
TCP, on real loopback sockets), and the mock-side send helpers write Decimal as JSON numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.net import (
    CRLF,
    GenericJsonProtocol,
    HttpClient,
    StreamSession,
    TcpTransport,
    WebSocketClient,
    json_codec,
)
from tradeport.testing import (
    LoopbackServer,
    Request,
    Response,
    ServerStream,
    ServerWebSocket,
    StreamServer,
)

from .conftest import NO_CLIENT_PINGS

pytestmark = pytest.mark.anyio

# Betfair-style ladder: prices and sizes as JSON numbers, one with a trailing zero.
LADDER = {"atb": [[Decimal("1.01"), Decimal("200.50")], [Decimal("1.02"), Decimal("3.3")]]}


def test_loads_exact_keeps_the_text_of_every_number() -> None:
    decoded = json_codec.loads_exact(b'{"p":100.50,"q":1e-8,"n":5,"x":[0.1,2.5E3]}')
    assert decoded == {
        "p": Decimal("100.50"),
        "q": Decimal("1e-8"),
        "n": 5,
        "x": [Decimal("0.1"), Decimal("2.5E3")],
    }
    assert str(decoded["p"]) == "100.50" and type(decoded["n"]) is int
    assert json_codec.loads_exact(memoryview(b"[0.30000000000000004]")) == [
        Decimal("0.30000000000000004")
    ]
    with pytest.raises(json_codec.JSONDecodeError):
        json_codec.loads_exact(b'{"p":')


def test_mock_side_encoding_writes_decimal_as_numbers() -> None:
    assert json_codec.dumps_exact({"p": Decimal("100.50")}) == b'{"p":100.50}'
    assert json_codec.dumps_venue(LADDER) == b'{"atb":[[1.01,200.50],[1.02,3.3]]}'
    assert json_codec.dumps_venue({"p": "1.5"}) == json_codec.dumps_bytes({"p": "1.5"})
    assert json_codec.loads_exact(json_codec.dumps_venue(LADDER)) == LADDER


async def test_http_json_numbers_decode_to_decimal() -> None:
    async def venue(request: Request) -> Response:
        return Response.json({"result": LADDER})

    async with LoopbackServer(http=venue) as server:
        async with (
            HttpClient(server.http_url, exact_numbers=True) as exact,
            HttpClient(server.http_url) as plain,
        ):
            got = await exact.get_json("/book")
            floats = await plain.get_json("/book")
            wire = (await plain.request("GET", "/book")).content
    assert wire == b'{"result":{"atb":[[1.01,200.50],[1.02,3.3]]}}'  # numbers on the wire
    assert got == {"result": LADDER} and str(got["result"]["atb"][0][1]) == "200.50"
    assert isinstance(floats["result"]["atb"][0][1], float)  # the default is unchanged


async def collect_one(received: list[Any], arrived: anyio.Event) -> Any:
    with anyio.fail_after(5):
        await arrived.wait()
    return received[0]


async def test_websocket_and_tcp_numbers_decode_to_decimal() -> None:
    received: list[Any] = []
    arrived = anyio.Event()

    async def handler(message: Any) -> None:
        received.append(message)
        arrived.set()

    async def ws_venue(ws: ServerWebSocket) -> None:
        await ws.accept()
        await ws.send_json({"stream": "book", "data": LADDER})  # Decimal sent as numbers
        await ws.receive()

    protocol = GenericJsonProtocol(exact_numbers=True, acknowledges_subscriptions=False)
    async with LoopbackServer(websockets={"/ws": ws_venue}) as server:
        client = WebSocketClient(
            server.ws_url + "/ws", protocol, handler, heartbeat=NO_CLIENT_PINGS
        )
        async with client:
            message = await collect_one(received, arrived)
    assert message == {"stream": "book", "data": LADDER}
    assert str(message["data"]["atb"][0][1]) == "200.50"

    received.clear()
    arrived = anyio.Event()

    async def tcp_venue(stream: ServerStream) -> None:
        await stream.send_json({"op": "mcm", "mc": [LADDER]})
        await stream.receive()

    async with StreamServer(tcp_venue, framing=CRLF) as server:
        session = StreamSession(
            TcpTransport(server.host, server.port, framing=CRLF), protocol, handler
        )
        async with session:
            message = await collect_one(received, arrived)
    assert message == {"op": "mcm", "mc": [LADDER]}
