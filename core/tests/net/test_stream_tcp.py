"""The stream session over TCP and TLS, for every framing, on real loopback sockets.

Each framing (newline, CRLF, 4-byte length prefix, FIX) runs the same venue
(``framed_venue.FramedVenue``) and the same checks under asyncio and trio: connect hook, login,
subscribe, data; drops by FIN and by RST followed by a reconnect with re-login and replay (never
of an unsubscribed topic); a black hole caught by the idle timeout; frames split across reads;
a frame cut in the middle by a drop; an oversized frame refused without holding it.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from tradeport.errors import AuthenticationError, TransportError
from tradeport.net import (
    NEWLINE,
    DecoderFraming,
    FixFraming,
    ReconnectPolicy,
    StreamConnection,
    StreamProtocol,
    StreamSession,
    SubscriptionAction,
    SubscriptionStatus,
    TcpConnection,
    TcpTransport,
    WsRequest,
    fix_message,
)
from tradeport.testing import FaultProxy, LoopbackCA, StreamServer

from .conftest import FAST_RECONNECT, NO_CLIENT_PINGS
from .framed_venue import FRAMINGS, DemoProtocol, FramedVenue

pytestmark = pytest.mark.anyio

#: Framings and the transport the venue they stand for uses (Betfair and INTX are TLS).
NATURAL = [("newline", False), ("crlf", True), ("length", False), ("fix", True)]
EVERY = [(kind, tls) for kind in FRAMINGS for tls in (False, True)]

CA = LoopbackCA()


@dataclass
class Rig:
    venue: FramedVenue
    server: StreamServer
    proxy: FaultProxy
    session: StreamSession
    protocol: DemoProtocol
    received: list[Any] = field(default_factory=list)
    changed: anyio.Event = field(default_factory=anyio.Event)

    async def wait_for_data(self, count: int) -> None:
        with anyio.fail_after(10):
            while len(self.received) < count:
                await self.changed.wait()
                self.changed = anyio.Event()

    async def wait_venue(self, predicate: Callable[[], bool]) -> None:
        with anyio.fail_after(10):
            await self.server.wait_until(predicate)


@asynccontextmanager
async def rig(
    kind: str,
    tls: bool,
    *,
    idle_timeout: float | None = 10.0,
    max_message_size: int | None = 1 << 20,
    ping_interval: float | None = None,
    key: str = "good-key",
    read_size: int = 65536,
    reconnect: ReconnectPolicy = FAST_RECONNECT,
) -> AsyncIterator[Rig]:
    framing, codec = FRAMINGS[kind]
    venue = FramedVenue(codec, refuse_topics=["bad.topic"])
    server_tls = CA.server_context() if tls else None
    async with (
        StreamServer(venue, framing=framing, tls=server_tls) as server,
        FaultProxy(server.port) as proxy,
    ):
        venue.server = server
        protocol = DemoProtocol(codec, key=key, ping_interval=ping_interval)
        holder: dict[str, Rig] = {}

        async def handler(message: Any) -> None:
            state = holder["rig"]
            state.received.append(message)
            state.changed.set()

        session = StreamSession(
            TcpTransport(
                "127.0.0.1",
                proxy.port,
                framing=framing,
                tls=CA.client_context() if tls else False,
                read_size=read_size,
                venue="DEMO",
            ),
            protocol,
            handler,
            venue="DEMO",
            heartbeat=NO_CLIENT_PINGS,
            idle_timeout=idle_timeout,
            reconnect=reconnect,
            max_message_size=max_message_size,
            ack_timeout=5,
            login_timeout=5,
        )
        state = holder["rig"] = Rig(venue, server, proxy, session, protocol)
        yield state


@pytest.mark.parametrize(("kind", "tls"), EVERY)
async def test_login_subscribe_data(kind: str, tls: bool) -> None:
    async with rig(kind, tls) as r, r.session:
        assert r.session.is_authenticated
        await r.session.subscribe(["btc.trades"])
        assert r.session.subscriptions == {"btc.trades": SubscriptionStatus.ACTIVE}
        assert await r.venue.publish("btc.trades", "100.5") == 1
        await r.wait_for_data(1)
        assert r.received == [{"topic": "btc.trades", "data": "100.5"}]
        assert r.venue.kinds(1) == ["login", "subscribe"]  # login first, always
        assert r.protocol.greetings == [1]  # the connect hook ran before the login
        counters = r.session.counters
        assert (counters.connections, counters.data_messages, counters.parse_errors) == (1, 1, 0)


@pytest.mark.parametrize(("kind", "tls"), NATURAL)
async def test_refused_subscription_and_login(kind: str, tls: bool) -> None:
    async with rig(kind, tls) as r, r.session:
        with pytest.raises(Exception, match="refused") as caught:
            await r.session.subscribe(["bad.topic"])
        assert r.session.subscriptions["bad.topic"] is SubscriptionStatus.REFUSED
        assert "bad.topic" in str(caught.value)
    async with rig(kind, tls, key="wrong") as r:
        with pytest.raises(AuthenticationError):
            async with r.session:
                pass  # pragma: no cover - the login is refused before the body
        assert r.server.connections == 1  # fatal: no reconnect storm


@pytest.mark.parametrize("how", ["proxy-fin", "proxy-rst", "venue-fin", "venue-rst"])
@pytest.mark.parametrize(("kind", "tls"), NATURAL)
async def test_drop_then_relogin_and_replay(kind: str, tls: bool, how: str) -> None:
    async with rig(kind, tls) as r, r.session:
        await r.session.subscribe(["btc.trades", "eth.trades"])
        await r.session.unsubscribe(["eth.trades"])
        seen = r.session.counters.reconnects
        if how == "proxy-fin":
            await r.proxy.close_fin()
        elif how == "proxy-rst":
            await r.proxy.reset_rst()
        else:
            await r.server.drop_all("fin" if how == "venue-fin" else "rst")
        with anyio.fail_after(10):
            await r.session.wait_reconnected(seen)
        assert r.venue.kinds(2) == ["login", "subscribe"]
        assert r.venue.log[2][1] == ("subscribe", ["btc.trades"])  # never the unsubscribed one
        assert r.protocol.greetings == [1, 2]
        assert r.session.subscriptions == {
            "btc.trades": SubscriptionStatus.ACTIVE,
            "eth.trades": SubscriptionStatus.UNSUBSCRIBED,
        }
        await r.wait_venue(lambda: "btc.trades" in r.venue.active.get(2, ()))
        assert await r.venue.publish("btc.trades", "101") == 1
        await r.wait_for_data(1)
        assert r.received == [{"topic": "btc.trades", "data": "101"}]
        assert r.session.counters.disconnects == 1


@pytest.mark.parametrize(("kind", "tls"), NATURAL)
async def test_black_hole_is_caught_by_the_idle_timeout(kind: str, tls: bool) -> None:
    async with rig(kind, tls, idle_timeout=0.5, ping_interval=0.1) as r, r.session:
        await r.session.subscribe(["btc.trades"])
        seen = r.session.counters.reconnects
        r.proxy.blackhole()  # TCP stays up; nothing gets through either way
        with anyio.fail_after(10):
            await r.session.wait_state(r.session.state.RECONNECTING)
        assert r.session.counters.idle_timeouts == 1
        r.proxy.restore()
        with anyio.fail_after(10):
            await r.session.wait_reconnected(seen)
        assert r.session.subscriptions == {"btc.trades": SubscriptionStatus.ACTIVE}
        assert r.session.counters.text_pings_sent > 0  # the venue's pong is what kept it alive


@pytest.mark.parametrize(("kind", "tls"), NATURAL)
async def test_frames_split_across_reads(kind: str, tls: bool) -> None:
    # On TCP the proxy splits the bytes; on TLS it can only split records, which the TLS layer
    # joins again, so there the client reads 7 bytes at a time.
    async with rig(kind, tls, read_size=7 if tls else 65536) as r, r.session:
        await r.session.subscribe(["btc.trades"])
        r.proxy.fragment(3)  # the server's bytes arrive three at a time
        for price in ("1.5", "2.25", "3.125"):
            await r.venue.publish("btc.trades", price)
        await r.wait_for_data(3)
        assert [m["data"] for m in r.received] == ["1.5", "2.25", "3.125"]
        assert r.session.counters.fragmented_messages >= 1
        assert r.session.counters.parse_errors == 0


@pytest.mark.parametrize(("kind", "tls"), [("newline", False), ("length", False), ("fix", False)])
async def test_a_frame_cut_by_a_drop_is_never_delivered(kind: str, tls: bool) -> None:
    # Plain TCP: the cut must fall inside one of our frames (TLS records would hide where).
    async with rig(kind, tls) as r, r.session:
        await r.session.subscribe(["btc.trades"])
        seen = r.session.counters.reconnects
        r.proxy.cut_after(10, "rst")  # 10 bytes of the next frame, then a reset
        await r.venue.publish("btc.trades", "99.75")
        with anyio.fail_after(10):
            await r.session.wait_reconnected(seen)
        assert r.received == []  # half a frame is nothing
        await r.wait_venue(lambda: "btc.trades" in r.venue.active.get(2, ()))
        await r.venue.publish("btc.trades", "100")
        await r.wait_for_data(1)
        assert r.received == [{"topic": "btc.trades", "data": "100"}]


@pytest.mark.parametrize(("kind", "tls"), NATURAL)
async def test_oversized_frame_is_refused_without_holding_it(kind: str, tls: bool) -> None:
    cap = 64 * 1024
    async with rig(kind, tls, max_message_size=cap) as r, r.session:
        seen = r.session.counters.reconnects
        stream = r.server.streams[0]
        taken = await stream.send_oversized(512 * 1024 * 1024)  # half a gigabyte announced
        with anyio.fail_after(10):
            await r.session.wait_reconnected(seen)
        counters = r.session.counters
        assert counters.oversized_messages == 1
        # At most the cap plus one read was ever held, and the client hung up long before
        # the venue got rid of its half gigabyte.
        assert counters.peak_message_bytes <= cap + 65536
        assert taken < 64 * 1024 * 1024


async def test_tls_verifies_the_server_by_default() -> None:
    framing, codec = FRAMINGS["crlf"]
    venue = FramedVenue(codec)

    async def ignore(message: Any) -> None:
        pass  # pragma: no cover - never connected

    async with StreamServer(venue, framing=framing, tls=CA.server_context()) as server:
        venue.server = server
        session = StreamSession(
            # tls=True: the system's CAs, which do not know the throwaway CA
            TcpTransport("127.0.0.1", server.port, framing=framing, tls=True),
            DemoProtocol(codec),
            ignore,
            reconnect=ReconnectPolicy(initial=0.01, max_attempts=1),
            heartbeat=NO_CLIENT_PINGS,
        )
        with pytest.raises(TransportError) as caught:
            async with session:
                pass  # pragma: no cover
        assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value) or isinstance(
            caught.value.__cause__, ssl.SSLError
        )
        assert session.counters.connect_failures == 1
        assert venue.log == {}  # nothing was ever said in clear


async def test_tls_client_certificate() -> None:
    framing, codec = FRAMINGS["crlf"]
    venue = FramedVenue(codec)
    names: list[str | None] = []

    async def venue_with_cert_check(stream: Any) -> None:
        names.append(stream.peer_common_name)
        await venue(stream)

    tls = CA.server_context(require_client_cert=True)
    async with StreamServer(venue_with_cert_check, framing=framing, tls=tls) as server:
        venue.server = server
        received: list[Any] = []

        async def handler(message: Any) -> None:
            received.append(message)

        session = StreamSession(
            TcpTransport(
                "127.0.0.1",
                server.port,
                framing=framing,
                tls=CA.client_context(client_cert="demo-app"),
            ),
            DemoProtocol(codec),
            handler,
            heartbeat=NO_CLIENT_PINGS,
            reconnect=FAST_RECONNECT,
        )
        async with session:
            assert session.is_authenticated
        assert names == ["demo-app"]


async def test_fix_checksum_mismatch_is_dropped_and_counted() -> None:
    async with rig("fix", False) as r, r.session:
        await r.session.subscribe(["btc.trades"])
        stream = r.server.streams[0]
        good = fix_message([(35, "X"), (55, "btc.trades"), (270, "1")])
        garbled = (
            good[:-4] + b"000\x01" if not good.endswith(b"000\x01") else good[:-4] + b"001\x01"
        )
        await stream.send_raw(garbled)
        await stream.send_raw(fix_message([(35, "X"), (55, "btc.trades"), (270, "2")]))
        await r.wait_for_data(1)
        assert r.received == [{"topic": "btc.trades", "data": "2"}]
        assert r.session.counters.parse_errors == 1
        assert r.session.counters.reconnects == 0  # one bad message is no reason to reconnect
        assert isinstance(FRAMINGS["fix"][0], FixFraming)


class Records:
    """An incremental decoder of 2-byte length records (the ``databento_dbn.DBNDecoder`` API:
    ``write(bytes)``, ``decode() -> records``)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def write(self, data: bytes) -> None:
        self.buffer += data

    def decode(self) -> list[bytes]:
        out = []
        while len(self.buffer) >= 2:
            size = int.from_bytes(self.buffer[:2], "big")
            if len(self.buffer) < 2 + size:
                break
            out.append(bytes(self.buffer[2 : 2 + size]))
            del self.buffer[: 2 + size]
        return out


def record(payload: bytes) -> bytes:
    return len(payload).to_bytes(2, "big") + payload


class TextThenBinary(StreamProtocol):
    """Databento-style: greeting and challenge lines, an auth line, then binary records."""

    acknowledges_subscriptions = False

    def __init__(self) -> None:
        self.handshakes = 0

    async def on_connect(self, connection: StreamConnection) -> None:
        assert isinstance(connection, TcpConnection)
        version = await connection.receive()
        challenge = await connection.receive()
        assert version.startswith(b"lsg_version=") and challenge.startswith(b"cram=")
        await connection.send(b"auth=" + challenge[5:][::-1])
        if await connection.receive() != b"success=1":
            raise AuthenticationError("refused")
        connection.set_inbound_framing(DecoderFraming(Records))  # binary from here on
        self.handshakes += 1

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        payload = "schema=trades|symbols=" + ",".join(topics)
        return [WsRequest(payload, tuple(topics), SubscriptionAction.SUBSCRIBE)]

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        raise NotImplementedError

    def decode(self, raw: Any) -> Any:
        return raw  # records are decoded by the framing


async def test_text_handshake_then_incremental_binary_decoder() -> None:
    subscriptions: list[bytes] = []

    async def gateway(stream: Any) -> None:
        await stream.send_raw(b"lsg_version=0.1.0\ncram=abcdef\n")
        assert await stream.receive() == b"auth=fedcba"
        # The answer and the first record in one write: the framing switch keeps the rest.
        await stream.send_raw(b"success=1\n" + record(b"first"))
        async for line in stream:
            subscriptions.append(line)
            await stream.send_raw(record(b"trade-1") + record(b"trade-2")[:3])
            await stream.send_raw(record(b"trade-2")[3:])

    received: list[bytes] = []
    arrived = anyio.Event()

    async def handler(message: bytes) -> None:
        received.append(message)
        if len(received) % 3 == 0:
            arrived.set()

    async with StreamServer(gateway, framing=NEWLINE) as server:
        protocol = TextThenBinary()
        session = StreamSession(
            TcpTransport("127.0.0.1", server.port, framing=NEWLINE),
            protocol,
            handler,
            heartbeat=NO_CLIENT_PINGS,
            reconnect=FAST_RECONNECT,
        )
        async with session:
            await session.subscribe(["ESM6"])
            with anyio.fail_after(10):
                await arrived.wait()
            assert received == [b"first", b"trade-1", b"trade-2"]
            arrived = anyio.Event()
            seen = session.counters.reconnects
            await server.drop_all("rst")
            with anyio.fail_after(10):
                await session.wait_reconnected(seen)
                await arrived.wait()
        assert received[3:] == [b"first", b"trade-1", b"trade-2"]  # lines again, then binary
        assert protocol.handshakes == 2
        assert subscriptions == [b"schema=trades|symbols=ESM6"] * 2


async def test_https_request_names_the_client_certificate(tmp_path: Any) -> None:
    """A LoopbackServer on TLS tells its handler the client certificate's common name (a mock
    venue's certificate login checks it); a client without one is let in with None."""
    import httpx
    from tradeport.testing import LoopbackServer, Request, Response

    seen: list[str | None] = []

    async def handler(request: Request) -> Response:
        seen.append(request.peer_common_name)
        return Response.json({"ok": True})

    certfile, keyfile = CA.write_client_cert(tmp_path, "bot-account")
    tls = CA.server_context(request_client_cert=True)
    async with LoopbackServer(http=handler, tls=tls) as server:
        with_cert = ssl.create_default_context(cadata=CA.ca_pem.decode())
        with_cert.load_cert_chain(certfile, keyfile)
        without = ssl.create_default_context(cadata=CA.ca_pem.decode())
        for context in (with_cert, without):
            async with httpx.AsyncClient(verify=context) as client:
                answer = await client.post(server.http_url + "/api/certlogin")
                assert answer.json() == {"ok": True}
    assert seen == ["bot-account", None]
