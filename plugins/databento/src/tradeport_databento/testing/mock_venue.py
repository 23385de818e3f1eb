"""The mock Databento: a live gateway on loopback TCP and the historical API's routes.

:class:`MockMarket` holds what the venue publishes: instruments with publisher ids, a log of
every record published (per schema and raw symbol, with its ``ts_event``), the order books
behind MBO and MBP-10, and the heartbeat/silence behaviour. :class:`MockGateway` speaks the
Raw API on each TCP connection exactly as the docs describe it:

1. send ``lsg_version=...`` and ``cram=<challenge>``;
2. read ``auth=<sha256(challenge|key)>-<bucket>|dataset=...|encoding=dbn|...``; check the CRAM
   reply, the dataset, the encoding and ``heartbeat_interval_s`` (5..1800); answer
   ``success=1|session_id=N`` or ``success=0|error=...`` and close;
3. read subscription requests (chunks joined until ``is_last=1``), unsubscribe requests and
   ``start_session``; a malformed control line ends the session with an ErrorMsg;
4. at ``start_session``: DBN metadata, then per subscription its SymbolMappingMsgs, a
   SUBSCRIPTION_ACK SystemMsg, the replay from ``start`` (only for subscriptions sent before
   the start, as the venue does) or the MBO snapshot (``snapshot=1``), a REPLAY_COMPLETED
   SystemMsg after a replay; then live records;
5. a heartbeat SystemMsg after ``heartbeat_interval_s`` without any other record.

Unknown symbols get an ErrorMsg SYMBOL_RESOLUTION_FAILED (the subscription never becomes
active). There is no TLS: the Raw API is plain TCP.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

import anyio
import anyio.abc
import attrs
import databento_dbn as dbn
from tradeport.testing import LoopbackListener
from tradeport.testing.sockets import reset_with_rst, send_fin

from tradeport_databento.credential import cram_response
from tradeport_databento.gateway.protocol import LineBuffer, parse_fields
from tradeport_databento.testing import render

__all__ = ["MockMarket", "MockGateway", "GatewayConnection", "MarketInstrument", "LSG_VERSION"]

log = logging.getLogger("tradeport.databento.mock")

LSG_VERSION: Final = "0.7.2"
_SCHEMAS: Final = frozenset(str(s) for s in dbn.Schema.variants())
_AUTH_FIELDS: Final = frozenset(
    {
        "auth",
        "dataset",
        "encoding",
        "compression",
        "ts_out",
        "pretty_px",
        "pretty_ts",
        "heartbeat_interval_s",
        "slow_reader_behavior",
        "client",
        "details",
    }
)
_SUB_FIELDS: Final = frozenset(
    {"schema", "stype_in", "symbols", "start", "snapshot", "id", "is_last"}
)
_UNSUB_FIELDS: Final = frozenset({"unsubscribe", "schema", "stype_in", "symbols", "is_last"})


@attrs.define(eq=False)
class MarketInstrument:
    """One instrument as the mock venue lists it."""

    raw_symbol: str
    instrument_id: int
    exchange: str
    parent: str  # ES.FUT
    sim: Any  # the SimInstrument


@attrs.define(eq=False)
class LoggedRecord:
    schema: str
    raw_symbol: str
    ts_event: int
    data: bytes


@attrs.define(eq=False)
class Subscription:
    schema: str
    stype_in: str
    symbols: list[str]
    start: int | None
    snapshot: bool
    request_id: int | None
    before_start: bool


@attrs.define(eq=False)
class GatewayConnection:
    """One client connection as the gateway sees it."""

    stream: anyio.abc.SocketStream
    number: int
    dataset: str = ""
    heartbeat_s: int = 30
    authenticated: bool = False
    started: bool = False
    #: ``schema:RAW_SYMBOL`` topics this connection receives.
    topics: set[str] = attrs.field(factory=set)
    pending: list[dict[str, str]] = attrs.field(factory=list)
    subscriptions: list[Subscription] = attrs.field(factory=list)
    last_sent: float = 0.0
    #: The authentication request's fields (the CRAM reply included).
    auth_fields: dict[str, str] = attrs.field(factory=dict)
    lock: anyio.Lock = attrs.field(factory=anyio.Lock)
    closed: bool = False

    async def send(self, data: bytes) -> None:
        if self.closed:
            return
        async with self.lock:
            try:
                with anyio.fail_after(5):
                    await self.stream.send(data)
                self.last_sent = anyio.current_time()
            except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, TimeoutError):
                self.closed = True


_GONE = (OSError, anyio.BrokenResourceError, anyio.EndOfStream, anyio.ClosedResourceError)


class _DropConnection(Exception):
    """Raised inside a connection's task to end it the way ``mode`` says (fin or rst)."""

    def __init__(self, mode: str) -> None:
        super().__init__(mode)
        self.mode = mode


class MockMarket:
    """What the mock venue publishes (see the module docstring)."""

    def __init__(self, dataset: str, api_key: str) -> None:
        self.dataset = dataset
        self.api_key = api_key
        self.instruments: dict[str, MarketInstrument] = {}
        self.by_id: dict[int, MarketInstrument] = {}
        self.log: list[LoggedRecord] = []
        self.connections: list[GatewayConnection] = []
        #: MBO orders per symbol: (side, price) -> (order_id, size); one order per level.
        self.mbo_orders: dict[str, dict[tuple[str, Decimal], tuple[int, int]]] = {}
        self._order_ids = itertools.count(1_000_001)
        self._sequence = itertools.count(1)
        self._last_ts = 0
        self.lock = anyio.Lock()
        self.silent = False
        self.logins = 0
        self.login_failures = 0
        #: Every accepted authentication request's fields, in order.
        self.auth_requests: list[dict[str, str]] = []
        self.subscribe_messages = 0
        self.sessions_started = 0
        #: Drop the connection (``drop_replay_mode``) after this many replayed records, once.
        self.drop_replay_after: int | None = None
        self.drop_replay_mode = "rst"
        self.replay_drops = 0

    def add(self, instrument: MarketInstrument) -> None:
        self.instruments[instrument.raw_symbol] = instrument
        self.by_id[instrument.instrument_id] = instrument

    def next_sequence(self) -> int:
        return next(self._sequence)

    def now(self) -> int:
        """A strictly increasing ts_event (records published in one call never tie)."""
        ts = max(time.time_ns(), self._last_ts + 1)
        self._last_ts = ts
        return ts

    def next_order_id(self) -> int:
        return next(self._order_ids)

    # -- symbology --------------------------------------------------------------------------

    def resolve(self, stype_in: str, symbol: str) -> list[MarketInstrument]:
        """The instruments a subscribed symbol names now."""
        if symbol == "ALL_SYMBOLS":
            return list(self.instruments.values())
        if stype_in == "raw_symbol":
            found = self.instruments.get(symbol)
            return [found] if found else []
        if stype_in == "instrument_id":
            found = self.by_id.get(int(symbol)) if symbol.isdigit() else None
            return [found] if found else []
        if stype_in == "parent":
            return [i for i in self.instruments.values() if i.parent == symbol]
        if stype_in == "continuous":
            root, _, rest = symbol.partition(".")
            futures = sorted(
                (i for i in self.instruments.values() if i.parent == f"{root}.FUT"),
                key=lambda i: i.sim.meta.get("expiration", 0),
            )
            rank = int(rest.rpartition(".")[2]) if rest else 0
            return [futures[rank]] if rank < len(futures) else []
        return []

    # -- publishing -----------------------------------------------------------------------------

    async def publish(self, schema: str, raw_symbol: str, ts_event: int, data: bytes) -> int:
        """Log a record and send it to every started connection subscribed to it."""
        async with self.lock:
            self.log.append(LoggedRecord(schema, raw_symbol, ts_event, data))
            topic = f"{schema}:{raw_symbol}"
            sent = 0
            for conn in list(self.connections):
                if conn.started and topic in conn.topics:
                    await conn.send(data)
                    sent += 1
            return sent

    async def broadcast_raw(self, data: bytes) -> None:
        """Send bytes to every started connection (faults: malformed records)."""
        for conn in list(self.connections):
            if conn.started:
                await conn.send(data)

    def active_topics(self) -> list[set[str]]:
        return [set(c.topics) for c in self.connections if not c.closed and c.started]


class MockGateway(LoopbackListener):
    """The live gateway (see the module docstring)."""

    def __init__(self, market: MockMarket) -> None:
        super().__init__()
        self.market = market
        self.accepted = 0
        self.attempt_times: list[float] = []
        self._numbers = itertools.count(1)

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        self.accepted += 1
        self.attempt_times.append(anyio.current_time())
        conn = GatewayConnection(stream=stream, number=next(self._numbers))
        market = self.market
        market.connections.append(conn)
        self.notify()
        drop: str | None = None
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._heartbeats, conn)
                try:
                    await self._serve(conn)
                except _DropConnection as exc:
                    drop = exc.mode
                except _GONE:
                    pass
                group.cancel_scope.cancel()
            if drop is not None:
                conn.closed = True
                await (reset_with_rst(stream) if drop == "rst" else send_fin(stream))
        finally:
            conn.closed = True
            if conn in market.connections:
                market.connections.remove(conn)
            with anyio.CancelScope(shield=True):
                try:
                    await stream.aclose()
                except Exception:
                    pass
            self.notify()

    async def _serve(self, conn: GatewayConnection) -> None:
        market = self.market
        challenge = secrets.token_urlsafe(24)[:32]
        await conn.send(f"lsg_version={LSG_VERSION}\n".encode())
        await conn.send(f"cram={challenge}\n".encode())
        lines = LineBuffer()
        auth = await self._read_line(conn, lines)
        if auth is None:
            return
        problem = self._check_auth(auth, challenge)
        if problem is not None:
            market.login_failures += 1
            self.notify()
            await conn.send(f"success=0|error={problem}\n".encode())
            return
        fields = parse_fields(auth)
        conn.auth_fields = fields
        market.auth_requests.append(fields)
        conn.dataset = fields["dataset"]
        conn.heartbeat_s = int(fields.get("heartbeat_interval_s") or 30)
        conn.authenticated = True
        market.logins += 1
        self.notify()
        await conn.send(f"success=1|session_id={1000 + conn.number}\n".encode())
        while True:
            line = await self._read_line(conn, lines)
            if line is None:
                return
            if not await self._control(conn, line):
                return

    async def _read_line(self, conn: GatewayConnection, lines: LineBuffer) -> str | None:
        while True:
            line = lines.next_line()
            if line is not None:
                return line
            try:
                data = await conn.stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                return None
            lines.feed(data)

    def _check_auth(self, line: str, challenge: str) -> str | None:
        fields = parse_fields(line)
        unknown = set(fields) - _AUTH_FIELDS
        if unknown:
            return f"Unknown field(s) {', '.join(sorted(unknown))}"
        if fields.get("auth") != cram_response(challenge, self.market.api_key):
            return "Authentication failed."
        if fields.get("dataset") != self.market.dataset:
            return f"Unknown dataset {fields.get('dataset')!r}"
        if fields.get("encoding", "dbn") != "dbn":
            return f"Unsupported encoding {fields.get('encoding')!r}"
        if fields.get("compression", "none") != "none":
            return f"Unsupported compression {fields.get('compression')!r}"
        beat = fields.get("heartbeat_interval_s")
        if beat is not None and (not beat.isdigit() or not 5 <= int(beat) <= 1800):
            return "heartbeat_interval_s must be between 5 and 1800"
        behaviour = fields.get("slow_reader_behavior")
        if behaviour is not None and behaviour not in ("warn", "skip"):
            return f"Invalid slow_reader_behavior {behaviour!r}"
        return None

    async def _control(self, conn: GatewayConnection, line: str) -> bool:
        """Handle one control line; False ends the session (after an ErrorMsg)."""
        fields = parse_fields(line)
        market = self.market
        if "start_session" in fields and len(fields) == 1:
            if conn.started:
                return await self._fail(conn, "Session already started")
            await self._start(conn)
            return True
        if "unsubscribe" in fields:
            if set(fields) - _UNSUB_FIELDS or not {"schema", "stype_in", "symbols"} <= set(fields):
                return await self._fail(conn, f"Invalid unsubscribe request: {line[:80]}")
            await self._unsubscribe(conn, fields)
            return True
        if set(fields) - _SUB_FIELDS or not {"schema", "stype_in", "symbols"} <= set(fields):
            return await self._fail(conn, f"Invalid control message: {line[:80]}")
        if fields["schema"] not in _SCHEMAS:
            return await self._fail(conn, f"Unknown schema {fields['schema']!r}")
        market.subscribe_messages += 1
        conn.pending.append(fields)
        if fields.get("is_last", "1") == "1":
            parts, conn.pending = conn.pending, []
            await self._subscribe(conn, parts)
        self.notify()
        return True

    async def _fail(self, conn: GatewayConnection, text: str) -> bool:
        if conn.started:
            await conn.send(render.error(text, dbn.ErrorCode.INVALID_SUBSCRIPTION, time.time_ns()))
        return False

    async def _subscribe(self, conn: GatewayConnection, parts: list[dict[str, str]]) -> None:
        first = parts[0]
        symbols = [s for part in parts for s in part["symbols"].split(",") if s]
        start = first.get("start")
        snapshot = first.get("snapshot", "0") == "1"
        sub = Subscription(
            schema=first["schema"],
            stype_in=first["stype_in"],
            symbols=symbols,
            start=(int(start) if start and start.isdigit() else None),
            snapshot=snapshot,
            request_id=int(first["id"]) if first.get("id", "").isdigit() else None,
            before_start=not conn.started,
        )
        conn.subscriptions.append(sub)
        if conn.started:
            async with self.market.lock:
                await self._activate(conn, sub)

    async def _unsubscribe(self, conn: GatewayConnection, fields: dict[str, str]) -> None:
        schema = fields["schema"]
        removed = []
        for symbol in fields["symbols"].split(","):
            for inst in self.market.resolve(fields["stype_in"], symbol):
                topic = f"{schema}:{inst.raw_symbol}"
                if topic in conn.topics:
                    conn.topics.discard(topic)
                    removed.append(inst.raw_symbol)
        self.notify()
        if conn.started:
            await conn.send(
                render.system(
                    f"Unsubscribe request for {schema} data succeeded",
                    dbn.SystemCode.UNSUBSCRIBE_ACK,
                    time.time_ns(),
                )
            )

    async def _start(self, conn: GatewayConnection) -> None:
        market = self.market
        async with market.lock:
            await conn.send(render.metadata_bytes(conn.dataset, time.time_ns()))
            conn.started = True
            market.sessions_started += 1
            for sub in conn.subscriptions:
                await self._activate(conn, sub)
        self.notify()

    async def _activate(self, conn: GatewayConnection, sub: Subscription) -> None:
        """Map, acknowledge, replay or snapshot one subscription (market lock held)."""
        market = self.market
        now = time.time_ns()
        resolved: list[MarketInstrument] = []
        for symbol in sub.symbols:
            found = market.resolve(sub.stype_in, symbol)
            if not found:
                await conn.send(
                    render.error(
                        f"Failed to resolve symbol: {symbol}",
                        dbn.ErrorCode.SYMBOL_RESOLUTION_FAILED,
                        now,
                    )
                )
                continue
            for inst in found:
                await conn.send(
                    render.symbol_mapping(
                        inst.instrument_id, sub.stype_in, symbol, inst.raw_symbol, now
                    )
                )
                resolved.append(inst)
        rid = "" if sub.request_id is None else f" {sub.request_id}"
        await conn.send(
            render.system(
                f"Subscription request{rid} for {sub.schema} data succeeded",
                dbn.SystemCode.SUBSCRIPTION_ACK,
                now,
            )
        )
        raw = {inst.raw_symbol for inst in resolved}
        if sub.start is not None and sub.before_start:
            sent = 0
            for record in market.log:
                if (
                    record.schema == sub.schema
                    and record.raw_symbol in raw
                    and record.ts_event >= sub.start
                ):
                    await conn.send(record.data)
                    sent += 1
                    if market.drop_replay_after is not None and sent >= market.drop_replay_after:
                        market.drop_replay_after = None  # once
                        market.replay_drops += 1
                        raise _DropConnection(market.drop_replay_mode)
            await conn.send(
                render.system(f"Finished {sub.schema} replay", dbn.SystemCode.REPLAY_COMPLETED, now)
            )
        elif sub.snapshot and sub.schema == "mbo":
            for inst in resolved:
                for data in self.mbo_snapshot(inst):
                    await conn.send(data)
        if sub.schema == "definition":
            for inst in resolved:
                await conn.send(
                    render.definition(inst.sim, inst.instrument_id, now, exchange=inst.exchange)
                )
        conn.topics |= {f"{sub.schema}:{r}" for r in raw}

    def mbo_snapshot(self, inst: MarketInstrument) -> list[bytes]:
        """The MBO snapshot of one book: a clear, then one add per resting order, every record
        flagged F_SNAPSHOT and the last one F_LAST (docs: MBO snapshot)."""
        orders = self.market.mbo_orders.get(inst.raw_symbol, {})
        ts = time.time_ns()
        sequence = self.market.next_sequence()
        out = [
            render.mbo(
                inst.instrument_id,
                0,
                None,
                0,
                dbn.Action.CLEAR,
                dbn.Side.NONE,
                sequence,
                ts,
                dbn.F_SNAPSHOT | (0 if orders else dbn.F_LAST),
            )
        ]
        items = sorted(orders.items(), key=lambda kv: (kv[0][0], kv[0][1]))
        for index, ((side, price), (order_id, size)) in enumerate(items):
            last = index == len(items) - 1
            out.append(
                render.mbo(
                    inst.instrument_id,
                    order_id,
                    price,
                    size,
                    dbn.Action.ADD,
                    dbn.Side.BID if side == "B" else dbn.Side.ASK,
                    sequence,
                    ts,
                    dbn.F_SNAPSHOT | (dbn.F_LAST if last else 0),
                )
            )
        return out

    async def _heartbeats(self, conn: GatewayConnection) -> None:
        """A heartbeat SystemMsg after ``heartbeat_s`` without any other record."""
        while True:
            await anyio.sleep(0.2)
            if not conn.started or conn.closed:
                continue
            idle = anyio.current_time() - conn.last_sent
            if idle >= conn.heartbeat_s:
                await conn.send(
                    render.system("Heartbeat", dbn.SystemCode.HEARTBEAT, time.time_ns())
                )

    def connection_count(self) -> int:
        return sum(1 for c in self.market.connections if not c.closed)


def level_changes(
    before: Sequence[tuple[Decimal, Decimal]], after: Sequence[tuple[Decimal, Decimal]]
) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(price, old size, new size) of every level that differs."""
    old = dict(before)
    new = dict(after)
    return [
        (price, old.get(price, Decimal(0)), new.get(price, Decimal(0)))
        for price in sorted(set(old) | set(new))
        if old.get(price) != new.get(price)
    ]
