"""Fixtures for the network-layer tests: backends, and a small JSON mock venue on loopback.

The mock venue is a real WebSocket server (tradeport.testing.LoopbackServer) speaking one of the
two common JSON shapes: Binance's ``method``/``params``/``id`` or the ``op``/``args`` family
(OKX-like login with ``event`` replies, text ``ping``/``pong``). It records what it received per
connection, in order, so tests can assert on the wire conversation.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

import anyio
import pytest
from tradeport.net import (
    PRESENT,
    REQUEST_ID,
    TOPICS,
    GenericJsonProtocol,
    Heartbeat,
    ReconnectPolicy,
    WebSocketClient,
)
from tradeport.testing import FaultProxy, LoopbackServer, ServerWebSocket

#: Settings that keep every timing-based feature fast in tests (see the common brief).
FAST_RECONNECT = ReconnectPolicy(initial=0.05, max=0.2, factor=2, jitter=0.2)
NO_CLIENT_PINGS = Heartbeat(ping_interval=None)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every async test of this package under asyncio and trio."""
    return request.param


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback traffic must never be routed through an environment proxy."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


Style = Literal["binance", "op"]


class MockVenue:
    """A JSON venue: subscriptions with acks, optional login, text ping, publishing."""

    def __init__(
        self,
        style: Style = "binance",
        *,
        require_login: bool = False,
        valid_key: str = "good-key",
        refuse_topics: tuple[str, ...] = (),
        private_prefix: str = "private.",
        answer_text_ping: bool = True,
        ack_subscriptions: bool = True,
        upgrade_status: int | None = None,
    ) -> None:
        self.style = style
        self.require_login = require_login
        self.valid_key = valid_key
        self.refuse_topics = set(refuse_topics)
        self.private_prefix = private_prefix
        self.answer_text_ping = answer_text_ping
        self.ack_subscriptions = ack_subscriptions
        self.upgrade_status = upgrade_status
        #: Released to let login replies go out (tests can hold them back).
        self.login_gate: anyio.Event | None = None
        self.server: LoopbackServer | None = None
        #: Per connection (1-based, in accept order): what the venue received, in order.
        self.log: dict[int, list[tuple[str, Any]]] = {}
        self.active: dict[int, set[str]] = {}
        self.sockets: dict[int, ServerWebSocket] = {}
        self.text_pings = 0
        self.logins_ok = 0
        self.logins_refused = 0

    # -- observation ----------------------------------------------------------------------------

    @property
    def connection_count(self) -> int:
        return len(self.log)

    def subscribe_count(self, topic: str) -> int:
        """How many subscribe requests for ``topic`` arrived, over all connections."""
        return sum(
            1
            for entries in self.log.values()
            for kind, topics in entries
            if kind == "subscribe" and topic in topics
        )

    def kinds(self, connection: int) -> list[str]:
        return [kind for kind, _ in self.log.get(connection, [])]

    def _record(self, connection: int, kind: str, detail: Any) -> None:
        self.log[connection].append((kind, detail))
        assert self.server is not None
        self.server.notify()

    # -- publishing -----------------------------------------------------------------------------

    async def publish(self, topic: str, payload: dict[str, Any]) -> int:
        """Send ``payload`` to every live connection subscribed to ``topic``; returns how many."""
        sent = 0
        for connection, topics in list(self.active.items()):
            ws = self.sockets.get(connection)
            if topic in topics and ws is not None and not ws.closed:
                message = (
                    {"stream": topic, "data": payload}
                    if self.style == "binance"
                    else {
                        "arg": topic,
                        "data": [payload],
                    }
                )
                await ws.send_json(message)
                sent += 1
        return sent

    def latest(self) -> ServerWebSocket:
        return self.sockets[max(self.sockets)]

    # -- the venue ------------------------------------------------------------------------------

    async def __call__(self, ws: ServerWebSocket) -> None:
        connection = len(self.log) + 1
        self.log[connection] = []
        self.active[connection] = set()
        if self.upgrade_status is not None:
            await ws.reject(self.upgrade_status, b'{"code":-2015,"msg":"Invalid API-key"}')
            self._record(connection, "rejected", self.upgrade_status)
            return
        await ws.accept()
        self.sockets[connection] = ws
        logged_in = False
        try:
            async for raw in ws:
                if raw == "ping":
                    self.text_pings += 1
                    self._record(connection, "text-ping", raw)
                    if self.answer_text_ping:
                        await ws.send_text("pong")
                    continue
                message = json.loads(raw)
                if self.style == "binance":
                    await self._binance(ws, connection, message)
                else:
                    logged_in = await self._op(ws, connection, message, logged_in)
        finally:
            self.active.pop(connection, None)

    async def _binance(self, ws: ServerWebSocket, connection: int, message: dict[str, Any]) -> None:
        method, topics, request_id = message.get("method"), message.get("params", []), message["id"]
        if method == "SUBSCRIBE":
            self._record(connection, "subscribe", list(topics))
            refused = [t for t in topics if t in self.refuse_topics]
            if refused:
                await ws.send_json(
                    {
                        "error": {"code": 2, "msg": f"Invalid request: {refused[0]}"},
                        "id": request_id,
                    }
                )
                return
            self.active[connection].update(topics)
            if self.ack_subscriptions:
                await ws.send_json({"result": None, "id": request_id})
        elif method == "UNSUBSCRIBE":
            self._record(connection, "unsubscribe", list(topics))
            self.active[connection].difference_update(topics)
            await ws.send_json({"result": None, "id": request_id})

    async def _op(
        self, ws: ServerWebSocket, connection: int, message: dict[str, Any], logged_in: bool
    ) -> bool:
        op = message.get("op")
        if op == "ping":
            self.text_pings += 1
            self._record(connection, "json-ping", message)
            if self.answer_text_ping:
                await ws.send_json({"op": "pong"})
        elif op == "login":
            key = message["args"][0]["apiKey"]
            self._record(connection, "login", key)
            if self.login_gate is not None:
                await self.login_gate.wait()
            if key == self.valid_key:
                self.logins_ok += 1
                await ws.send_json({"event": "login", "code": "0", "msg": ""})
                self._record(connection, "login-ok", key)
                return True
            self.logins_refused += 1
            await ws.send_json({"event": "error", "code": "60009", "msg": "Login failed."})
            self._record(connection, "login-refused", key)
        elif op in ("subscribe", "unsubscribe"):
            topics = list(message["args"])
            self._record(connection, op, topics)
            for topic in topics:
                if op == "unsubscribe":
                    self.active[connection].discard(topic)
                    await ws.send_json({"event": "unsubscribe", "arg": topic})
                elif topic in self.refuse_topics or (
                    topic.startswith(self.private_prefix) and not logged_in
                ):
                    await ws.send_json(
                        {
                            "event": "error",
                            "code": "60018",
                            "msg": f"No such channel {topic}",
                            "arg": topic,
                        }
                    )
                else:
                    self.active[connection].add(topic)
                    if self.ack_subscriptions:
                        await ws.send_json({"event": "subscribe", "arg": topic})
        return logged_in


def _binance_protocol(**overrides: Any) -> GenericJsonProtocol:
    """The client side of the ``binance`` mock style."""
    settings: dict[str, Any] = {
        "subscribe": {"method": "SUBSCRIBE", "params": TOPICS, "id": REQUEST_ID},
        "unsubscribe": {"method": "UNSUBSCRIBE", "params": TOPICS, "id": REQUEST_ID},
        "reply_id_key": "id",
    }
    settings.update(overrides)
    return GenericJsonProtocol(**settings)


def _op_protocol(*, api_key: str | None = None, **overrides: Any) -> GenericJsonProtocol:
    """The client side of the ``op`` mock style (OKX-like), logging in when ``api_key`` is set."""
    settings: dict[str, Any] = {
        "subscribe": {"op": "subscribe", "args": TOPICS},
        "unsubscribe": {"op": "unsubscribe", "args": TOPICS},
        "reply_id_key": None,
        "ack": {"event": "subscribe"},
        "unsubscribe_ack": {"event": "unsubscribe"},
        "ack_topics": lambda m: m["arg"],
        "errors": [{"event": "error", "arg": PRESENT}],
        "login": (
            (lambda: {"op": "login", "args": [{"apiKey": api_key, "sign": "sig"}]})
            if api_key is not None
            else None
        ),
        "login_ok": {"event": "login", "code": "0"},
        "login_refused": {"event": "error", "code": "60009"},
        "private_topics": lambda topic: topic.startswith("private."),
        "text_ping": "ping",
        "pong": "pong",
    }
    settings.update(overrides)
    return GenericJsonProtocol(**settings)


class Inbox:
    """A handler that keeps what it receives and lets tests wait for it."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self._changed: anyio.Event | None = None

    async def __call__(self, message: Any) -> None:
        self.messages.append(message)
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def wait_for(self, predicate: Callable[[list[Any]], bool]) -> None:
        """Wait until ``predicate(messages)`` holds (bound it with ``anyio.fail_after``)."""
        while not predicate(self.messages):
            if self._changed is None:
                self._changed = anyio.Event()
            await self._changed.wait()

    def data_for(self, topic: str) -> list[Any]:
        out = []
        for message in self.messages:
            if message.get("stream") == topic:
                out.append(message["data"])
            elif message.get("arg") == topic:
                out.extend(message["data"])
        return out


class Rig:
    """A mock venue behind a fault proxy, with a client factory."""

    def __init__(self, venue: MockVenue, server: LoopbackServer, proxy: FaultProxy) -> None:
        self.venue = venue
        self.server = server
        self.proxy = proxy

    @property
    def url(self) -> str:
        return self.proxy.ws_url + "/ws"

    def client(
        self, protocol: GenericJsonProtocol, handler: Callable[[Any], Any], **options: Any
    ) -> WebSocketClient:
        settings: dict[str, Any] = {
            "venue": "MOCK",
            "heartbeat": NO_CLIENT_PINGS,
            "idle_timeout": None,
            "reconnect": FAST_RECONNECT,
            "connect_timeout": 5,
            "ack_timeout": 5,
            "login_timeout": 5,
        }
        settings.update(options)
        return WebSocketClient(self.url, protocol, handler, **settings)


@pytest.fixture
def binance_protocol() -> Callable[..., GenericJsonProtocol]:
    """Factory of the client protocol for the ``binance`` mock style."""
    return _binance_protocol


@pytest.fixture
def op_protocol() -> Callable[..., GenericJsonProtocol]:
    """Factory of the client protocol for the ``op`` mock style (``api_key=`` to log in)."""
    return _op_protocol


@pytest.fixture
def inbox() -> Inbox:
    """A message handler that records messages and can be waited on."""
    return Inbox()


@pytest.fixture
def venue_factory() -> Callable[..., Any]:
    """Start a MockVenue (server + proxy) for the test: ``async with venue_factory(...) as rig``."""

    @asynccontextmanager
    async def start(style: Style = "binance", **options: Any) -> AsyncIterator[Rig]:
        venue = MockVenue(style, **options)
        async with LoopbackServer(websockets={"/ws": venue}) as server:
            venue.server = server
            async with FaultProxy(server.port) as proxy:
                yield Rig(venue, server, proxy)

    return start
