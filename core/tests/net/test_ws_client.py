"""WebSocketClient over real loopback sockets: heartbeats, message routing, parse errors,
the message-size cap, and the single transport error type."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest
from tradeport.errors import TransportError
from tradeport.net import (
    ConnectionState,
    GenericJsonProtocol,
    Heartbeat,
    ReconnectPolicy,
    WebSocketClient,
)
from tradeport.testing import LoopbackServer, ServerWebSocket

pytestmark = pytest.mark.anyio


async def test_server_control_ping_is_answered_with_a_pong(
    venue_factory, binance_protocol, inbox
) -> None:
    async with venue_factory("binance") as rig, rig.client(binance_protocol(), inbox) as client:
        ws = rig.venue.latest()
        await ws.ping(b"binance-ping-payload")
        with anyio.fail_after(10):
            await ws.wait_until(lambda: ws.pongs_received == 1)
        assert client.counters.server_pings == 1
        assert inbox.messages == []


async def test_client_sends_control_pings_on_schedule(
    venue_factory, binance_protocol, inbox
) -> None:
    async with venue_factory("binance") as rig:
        heartbeat = Heartbeat(ping_interval=0.2, ping_timeout=2)
        async with rig.client(binance_protocol(), inbox, heartbeat=heartbeat) as client:
            ws = rig.venue.latest()
            with anyio.fail_after(10):
                await ws.wait_until(lambda: ws.pings_received >= 3)
            assert client.counters.pings_sent >= 3
            assert client.counters.pongs_received >= 2


@pytest.mark.parametrize("ping", ["ping", {"op": "ping"}])
async def test_text_or_json_ping_on_schedule_and_pong_is_not_data(
    venue_factory, op_protocol, inbox, ping
) -> None:
    pong = "pong" if ping == "ping" else {"op": "pong"}
    protocol = op_protocol(text_ping=ping, pong=pong, ping_interval=0.2)
    async with venue_factory("op") as rig, rig.client(protocol, inbox, idle_timeout=5) as client:
        with anyio.fail_after(10):
            await client.subscribe(["trades.BTC"])
            await rig.server.wait_until(lambda: rig.venue.text_pings >= 3)
            await rig.venue.publish("trades.BTC", {"px": 1})
            await inbox.wait_for(lambda m: len(m) == 1)
        assert client.counters.text_pings_sent >= 3
        assert client.counters.text_pongs_received >= 2
        assert client.counters.parse_errors == 0  # a plain "pong" never reaches the decoder
        assert inbox.messages == [{"arg": "trades.BTC", "data": [{"px": 1}]}]


async def test_venue_text_ping_is_answered(inbox) -> None:
    answered = anyio.Event()

    async def venue(ws: ServerWebSocket) -> None:
        await ws.send_text("ping")
        if await ws.receive() == "pong":
            answered.set()
        await ws.send_json({"e": "after"})
        await ws.receive()  # until the client goes

    protocol = GenericJsonProtocol(server_pings={"ping": "pong"})
    async with LoopbackServer(websockets={"/ws": venue}) as server:
        client = WebSocketClient(server.ws_url + "/ws", protocol, inbox, idle_timeout=None)
        async with client:
            with anyio.fail_after(10):
                await answered.wait()
                await inbox.wait_for(lambda m: len(m) == 1)
        assert inbox.messages == [{"e": "after"}]
        assert client.counters.text_pings_answered == 1


async def test_malformed_message_is_counted_and_the_connection_lives_on(inbox) -> None:
    async def venue(ws: ServerWebSocket) -> None:
        await ws.send_text("{not json")
        await ws.send_bytes(b'{"e":"binary","v":1}')
        await ws.send_text('{"e":"text","v":2}')
        await ws.receive()

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        client = WebSocketClient(server.ws_url + "/ws", GenericJsonProtocol(), inbox)
        async with client:
            with anyio.fail_after(10):
                await inbox.wait_for(lambda m: len(m) == 2)
            assert client.counters.parse_errors == 1
            assert client.counters.connections == 1
            assert client.state is ConnectionState.CONNECTED
        assert inbox.messages == [{"e": "binary", "v": 1}, {"e": "text", "v": 2}]


async def test_failing_handler_is_counted_and_later_messages_still_arrive() -> None:
    received: list[int] = []
    done = anyio.Event()

    async def handler(message: dict[str, int]) -> None:
        if message["n"] == 0:
            raise ValueError("bug in a parser")
        received.append(message["n"])
        if len(received) == 2:
            done.set()

    async def venue(ws: ServerWebSocket) -> None:
        for n in range(3):
            await ws.send_json({"n": n})
        await ws.receive()

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        client = WebSocketClient(server.ws_url + "/ws", GenericJsonProtocol(), handler)
        async with client:
            with anyio.fail_after(10):
                await done.wait()
            assert client.counters.handler_errors == 1
    assert received == [1, 2]


@pytest.mark.parametrize("text", [False, True])
async def test_oversized_frame_is_refused_without_buffering_it(inbox, text) -> None:
    announced = 64 * 1024 * 1024
    cap = 64 * 1024
    written: list[int] = []
    close_codes: list[int | None] = []

    connections = 0

    async def venue(ws: ServerWebSocket) -> None:
        nonlocal connections
        connections += 1
        if connections == 1:
            written.append(await ws.send_oversized_frame(announced, text=text))
            close_codes.append(ws.close_code)
            return
        await ws.send_json({"after": "reconnect"})
        await ws.receive()

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        client = WebSocketClient(
            server.ws_url + "/ws",
            GenericJsonProtocol(),
            inbox,
            max_message_size=cap,
            reconnect=ReconnectPolicy(initial=0.05),
        )
        async with client:
            with anyio.fail_after(20):
                await inbox.wait_for(lambda m: len(m) == 1)
        assert inbox.messages == [{"after": "reconnect"}]
        assert client.counters.oversized_messages == 1
        # The client held at most the cap plus one read, never the announced 64 MiB...
        assert client.counters.peak_message_bytes <= cap + client.read_size
        # ...and the venue could push only what socket buffers absorb before the client hung up.
        assert written[0] < 16 * 1024 * 1024
        assert close_codes[0] in (1009, 1006)


async def send_until_it_fails(client: WebSocketClient) -> None:
    while True:
        await client.send_json({"op": "noop"})
        await anyio.lowlevel.checkpoint()


async def test_transport_failures_surface_as_transport_error(inbox) -> None:
    connections = 0

    async def venue(ws: ServerWebSocket) -> None:
        nonlocal connections
        connections += 1
        await ws.send_json({"connection": connections})
        if connections == 1:
            ws.abort()  # RST
            return
        await ws.receive()

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        client = WebSocketClient(
            server.ws_url + "/ws",
            GenericJsonProtocol(),
            inbox,
            reconnect=ReconnectPolicy(initial=0.2),
        )
        async with client:
            with anyio.fail_after(10):
                await inbox.wait_for(lambda m: len(m) == 1)
                # Whatever moment the drop is seen at (a send on a reset socket, wsproto
                # refusing to send on a closed connection, no connection at all), the caller
                # sees one error type.
                with pytest.raises(TransportError):
                    await send_until_it_fails(client)
                await inbox.wait_for(lambda m: len(m) == 2)
        assert inbox.messages == [{"connection": 1}, {"connection": 2}]


async def test_url_factory_is_called_for_every_connection(inbox) -> None:
    paths: list[str] = []

    async def venue(ws: ServerWebSocket) -> None:
        paths.append(ws.request.target)
        if len(paths) == 1:
            ws.close_fin()
            return
        await ws.send_json({"ok": True})
        await ws.receive()

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        calls = 0

        async def url() -> str:
            nonlocal calls
            calls += 1
            return f"{server.ws_url}/ws?listenKey=key{calls}"

        client = WebSocketClient(
            url,
            GenericJsonProtocol(),
            inbox,
            reconnect=ReconnectPolicy(initial=0.05),
        )
        async with client:
            with anyio.fail_after(10):
                await inbox.wait_for(lambda m: len(m) == 1)
    assert paths == ["/ws?listenKey=key1", "/ws?listenKey=key2"]


async def test_invalid_frame_fails_the_connection_with_its_code(inbox) -> None:
    codes: list[int | None] = []

    async def venue(ws: ServerWebSocket) -> None:
        if ws.server.connections == 1:
            await ws.send_raw(bytes([0x81, 0x02, 0xFF, 0xFE]))  # a text frame of invalid UTF-8
            await ws.wait_until(lambda: ws.closed)
            codes.append(ws.close_code)
            return
        await ws.send_json({"after": "reconnect"})
        await ws.receive()

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        client = WebSocketClient(
            server.ws_url + "/ws",
            GenericJsonProtocol(),
            inbox,
            reconnect=ReconnectPolicy(initial=0.05),
        )
        async with client:
            with anyio.fail_after(10):
                await inbox.wait_for(lambda m: len(m) == 1)
    assert codes == [1007]  # "invalid frame payload data", sent by the client
    assert client.counters.connections == 2
    assert client.counters.parse_errors == 0


async def test_text_ping_runs_often_enough_for_the_idle_timeout(
    venue_factory, op_protocol, inbox
) -> None:
    """A text ping slower than the idle timeout would let a quiet, healthy feed be declared dead;
    the client pings at least three times per idle period instead."""
    async with (
        venue_factory("op") as rig,
        rig.client(
            op_protocol(),
            inbox,
            idle_timeout=0.6,
            heartbeat=Heartbeat(ping_interval=None, text_ping_interval=30.0),
        ) as client,
    ):
        with anyio.fail_after(10):
            await rig.server.wait_until(lambda: rig.venue.text_pings >= 4)
        assert client.counters.idle_timeouts == 0
        assert client.counters.reconnects == 0


async def test_an_ack_that_carries_data_completes_the_subscribe_and_reaches_the_handler(
    inbox,
) -> None:
    """dYdX's indexer answers a book subscribe with ``subscribed`` holding the snapshot: the
    reply is both the ack and data (``Classified.carries_data``); a plain ack stays control."""
    from collections.abc import Sequence
    from typing import Any

    from tradeport.net.ws_protocol import (
        Classified,
        MessageKind,
        StreamProtocol,
        SubscriptionAction,
        WsRequest,
    )

    class AckWithData(StreamProtocol):
        def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
            return [WsRequest({"sub": t}, (t,), SubscriptionAction.SUBSCRIBE) for t in topics]

        def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
            return [WsRequest({"unsub": t}, (t,), SubscriptionAction.UNSUBSCRIBE) for t in topics]

        def classify(self, message: Any) -> Classified:
            if "subscribed" in message:
                return Classified(
                    MessageKind.ACK,
                    (message["subscribed"],),
                    action=SubscriptionAction.SUBSCRIBE,
                    carries_data=message["subscribed"] == "book",
                )
            return Classified(MessageKind.DATA)

    async def venue(ws: ServerWebSocket) -> None:
        while True:
            request = await ws.receive_json()
            await ws.send_json({"subscribed": request["sub"], "snapshot": [1, 2]})

    async with LoopbackServer(websockets={"/ws": venue}) as server:
        client = WebSocketClient(server.ws_url + "/ws", AckWithData(), inbox, idle_timeout=None)
        async with client:
            with anyio.fail_after(10):
                await client.subscribe(["book"])
                await client.subscribe(["trades"])
                await inbox.wait_for(lambda m: len(m) >= 1)
        assert inbox.messages == [{"subscribed": "book", "snapshot": [1, 2]}]
        assert client.counters.data_messages == 1
