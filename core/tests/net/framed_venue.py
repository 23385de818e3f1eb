"""A small venue on a framed TCP/TLS socket, for the stream-session tests.

One venue logic, four wire formats: the venue and the client exchange the same logical messages
(dicts: a greeting, login, subscribe/unsubscribe with ids, acks and refusals, ping/pong, data),
encoded as JSON for the line and length-prefixed framings and as FIX tag=value for
:class:`~tradeport.net.FixFraming`. The client side is :class:`DemoProtocol`, a
:class:`~tradeport.net.GenericJsonProtocol` whose codec is swapped, so the classification is
the one the WebSocket venues use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import anyio
from tradeport.errors import TransportError
from tradeport.net import (
    CRLF,
    NEWLINE,
    REQUEST_ID,
    TOPICS,
    FixFraming,
    Framing,
    GenericJsonProtocol,
    LengthPrefixedFraming,
    StreamConnection,
    fix_message,
    json_codec,
    parse_fix,
)
from tradeport.testing import ServerStream, StreamServer

GOOD_KEY = "good-key"


class JsonCodec:
    """Logical messages as compact JSON."""

    def encode(self, message: dict[str, Any]) -> bytes:
        return json_codec.dumps_bytes(message)

    def decode(self, raw: bytes) -> dict[str, Any]:
        decoded: dict[str, Any] = json_codec.loads(raw)
        return decoded


class FixCodec:
    """Logical messages as FIX 4.4 (Logon A, Logout 5, MarketDataRequest V, snapshot W, reject Y,
    incremental X, TestRequest 1 / Heartbeat 0, TradingSessionStatus h as the greeting)."""

    def __init__(self, begin_string: str = "FIX.4.4") -> None:
        self.begin_string = begin_string

    def encode(self, message: dict[str, Any]) -> bytes:
        fields: list[tuple[int, Any]]
        op = message.get("op")
        if op == "hello":
            fields = [(35, "h"), (336, message["connection"])]
        elif op == "login" and "key" in message:
            fields = [(35, "A"), (98, 0), (108, 30), (553, message["key"])]
        elif op == "login":
            fields = [(35, "A")] if message["ok"] else [(35, "5"), (58, message.get("msg", ""))]
        elif op in ("subscribe", "unsubscribe"):
            kind = 1 if op == "subscribe" else 2
            fields = [(35, "V"), (262, message["id"]), (263, kind), (146, len(message["args"]))]
            fields += [(55, topic) for topic in message["args"]]
        elif op == "ping":
            fields = [(35, "1"), (112, "hb")]
        elif op == "pong":
            fields = [(35, "0"), (112, "hb")]
        elif "error" in message:
            fields = [(35, "Y"), (262, message["id"]), (58, message["error"]["msg"])]
        elif "result" in message:
            fields = [(35, "W"), (262, message["id"])]
        elif "topic" in message:
            fields = [(35, "X"), (55, message["topic"]), (270, message["data"])]
        else:
            raise ValueError(f"no FIX form for {message}")
        return fix_message(fields, self.begin_string)

    def decode(self, raw: bytes) -> dict[str, Any]:
        fields = parse_fix(raw)
        values = {tag: value.decode() for tag, value in fields}
        kind = values[35]
        if kind == "h":
            return {"op": "hello", "connection": int(values[336])}
        if kind == "A":
            return (
                {"op": "login", "key": values[553]}
                if 553 in values
                else {"op": "login", "ok": True}
            )
        if kind == "5":
            return {"op": "login", "ok": False, "msg": values.get(58, "")}
        if kind == "V":
            op = "subscribe" if values[263] == "1" else "unsubscribe"
            topics = [value.decode() for tag, value in fields if tag == 55]
            return {"op": op, "id": int(values[262]), "args": topics}
        if kind == "1":
            return {"op": "ping"}
        if kind == "0":
            return {"op": "pong"}
        if kind == "Y":
            return {"id": int(values[262]), "error": {"code": 1, "msg": values.get(58, "")}}
        if kind == "W":
            return {"id": int(values[262]), "result": "ok"}
        if kind == "X":
            return {"topic": values[55], "data": values[270]}
        raise ValueError(f"unexpected FIX MsgType {kind}")


Codec = JsonCodec | FixCodec

#: The framings under test and their codecs; ``tls`` is how the venue it stands for runs it.
FRAMINGS: dict[str, tuple[Framing, Codec]] = {
    "newline": (NEWLINE, JsonCodec()),  # Databento's control lines (plain TCP)
    "crlf": (CRLF, JsonCodec()),  # Betfair's stream (TLS)
    "length": (LengthPrefixedFraming(4, "big"), JsonCodec()),  # IB's TWS API (plain TCP)
    "fix": (FixFraming("FIX.4.4"), FixCodec()),  # Coinbase INTX FIX (TLS)
}


class DemoProtocol(GenericJsonProtocol):
    """The client side: the connect hook reads the venue's greeting, then login, subscribe,
    ping and classification are GenericJsonProtocol's, on the codec's dicts."""

    def __init__(self, codec: Codec, *, key: str = GOOD_KEY, ping_interval: float | None = None):
        super().__init__(
            subscribe={"op": "subscribe", "args": TOPICS, "id": REQUEST_ID},
            unsubscribe={"op": "unsubscribe", "args": TOPICS, "id": REQUEST_ID},
            reply_id_key="id",
            login=lambda: {"op": "login", "key": key},
            login_ok={"op": "login", "ok": True},
            login_refused={"op": "login", "ok": False},
            text_ping={"op": "ping"},
            pong={"op": "pong"},
            ping_interval=ping_interval,
        )
        self.codec = codec
        #: Connection numbers the venue greeted us with, in order.
        self.greetings: list[int] = []

    async def on_connect(self, connection: StreamConnection) -> None:
        greeting = self.codec.decode(await connection.receive())
        if greeting.get("op") != "hello":
            raise TransportError(f"expected a greeting, got {greeting}")
        self.greetings.append(greeting["connection"])

    def encode(self, payload: Any) -> bytes:
        return self.codec.encode(payload)

    def decode(self, raw: Any) -> Any:
        return self.codec.decode(raw)


class FramedVenue:
    """The venue: greeting, login (key checked), acked subscriptions, ping/pong, publishing.

    ``log[n]`` is what connection ``n`` received, as ``(op, detail)`` in order.
    """

    def __init__(self, codec: Codec, *, refuse_topics: Iterable[str] = ()) -> None:
        self.codec = codec
        self.refuse_topics = set(refuse_topics)
        self.server: StreamServer | None = None
        self.log: dict[int, list[tuple[str, Any]]] = {}
        self.active: dict[int, set[str]] = {}
        self.streams: dict[int, ServerStream] = {}
        #: When set, the venue answers nothing at all (but keeps reading).
        self.silent = False

    def kinds(self, connection: int) -> list[str]:
        return [kind for kind, _ in self.log.get(connection, [])]

    def _record(self, connection: int, kind: str, detail: Any) -> None:
        self.log[connection].append((kind, detail))
        assert self.server is not None
        self.server.notify()

    async def send(self, stream: ServerStream, message: dict[str, Any]) -> None:
        await stream.send(self.codec.encode(message))

    async def publish(self, topic: str, data: str) -> int:
        """Send a data message to every open connection subscribed to ``topic``."""
        sent = 0
        for number, topics in list(self.active.items()):
            stream = self.streams.get(number)
            if topic in topics and stream is not None and not stream.closed:
                try:
                    await self.send(stream, {"topic": topic, "data": data})
                except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                    continue
                sent += 1
        return sent

    async def __call__(self, stream: ServerStream) -> None:
        number = stream.number
        self.log[number], self.active[number], self.streams[number] = [], set(), stream
        try:
            await self.send(stream, {"op": "hello", "connection": number})
            logged_in = False
            async for raw in stream:
                message = self.codec.decode(raw)
                op = message.get("op")
                self._record(number, op, message.get("args") or message.get("key"))
                if self.silent:
                    continue
                if op == "login":
                    logged_in = message["key"] == GOOD_KEY
                    reply = {"op": "login", "ok": logged_in}
                    await self.send(stream, reply if logged_in else {**reply, "msg": "bad key"})
                elif op == "ping":
                    await self.send(stream, {"op": "pong"})
                elif op == "subscribe":
                    refused = [t for t in message["args"] if t in self.refuse_topics]
                    if refused or not logged_in:
                        reason = f"refused {refused}" if refused else "not logged in"
                        await self.send(stream, {"id": message["id"], "error": {"msg": reason}})
                        continue
                    self.active[number].update(message["args"])
                    await self.send(stream, {"id": message["id"], "result": "ok"})
                elif op == "unsubscribe":
                    self.active[number].difference_update(message["args"])
                    await self.send(stream, {"id": message["id"], "result": "ok"})
        finally:
            self.active.pop(number, None)
            assert self.server is not None
            self.server.notify()
