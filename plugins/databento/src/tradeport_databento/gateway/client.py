"""The live session: the Raw API on the core's stream session over plain TCP.

The core's :class:`~tradeport.net.stream_session.StreamSession` with a
:class:`~tradeport.net.tcp.TcpTransport` does the transport work: connecting, the idle timeout
that catches a silent gateway, reconnects with backoff, a fatal stop on a refused key,
counters and the reconnected signal. :class:`GatewayProtocol` is Databento's part:

* ``on_connect``: the greeting and CRAM handshake on newline framing, then DBN framing (a
  :class:`~tradeport_databento.decode.DbnStream` per connection), then every subscription of
  :class:`LiveSession` and ``start_session`` - in that order, because the gateway honours
  ``start`` (intraday replay) only for subscriptions sent before the session starts;
* classification: heartbeats keep the connection alive and go no further; every other record
  reaches :class:`LiveSession`.

Subscriptions are Databento's (schema, stype_in, symbols), so :class:`LiveSession` keeps them,
not the core's topic book: on each new connection it sends them again, with
``start=<replay point>`` when ``replay_on_reconnect`` and data was already seen, and drops the
records it delivered before (:class:`ReplayDedup`). A subscription asked with ``start`` once the
session has started cannot be honoured by the gateway, so the session reconnects to send it
before the next ``start_session``.
"""

from __future__ import annotations

import collections
import itertools
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

import anyio
import attrs
import databento_dbn as dbn
from tradeport.errors import SubscriptionError, TradeportError, TransportError
from tradeport.net.backoff import ReconnectPolicy
from tradeport.net.framing import NEWLINE, DecoderFraming
from tradeport.net.stream_session import Heartbeat, StreamSession
from tradeport.net.tcp import TcpTransport
from tradeport.net.ws_protocol import DATA, IGNORE, Classified, StreamProtocol, WsRequest

from tradeport_databento.config import DatabentoConfig
from tradeport_databento.constants import VENUE_ID
from tradeport_databento.decode import DbnStream
from tradeport_databento.gateway.protocol import (
    AuthOptions,
    Handshake,
    start_session,
    subscription_requests,
    unsubscribe_requests,
)
from tradeport_databento.urls import gateway_address

__all__ = ["GatewayProtocol", "LiveSession", "LiveSubscription", "ReplayDedup"]

log = logging.getLogger("tradeport.databento.gateway")

#: Schemas the gateway can replay from ``start`` (everything but the record types it
#: generates itself).
_REPLAYABLE: Final = frozenset(str(s) for s in dbn.Schema.variants())
_REQUEST_ID = re.compile(r"request (\d+)")
_DATA_RTYPES: Final = frozenset(
    r
    for r in dbn.RType.variants()
    if r not in (dbn.RType.SYSTEM, dbn.RType.ERROR, dbn.RType.SYMBOL_MAPPING)
)

RecordHandler = Callable[[Any], Awaitable[None]]


class _DbnRecords:
    """``write``/``decode`` over :class:`DbnStream`, the shape DecoderFraming feeds."""

    def __init__(self) -> None:
        self.stream = DbnStream(name="gateway")
        self._pending: list[Any] = []

    def write(self, data: bytes) -> None:
        self._pending.extend(self.stream.feed(data))

    def decode(self) -> list[Any]:
        out, self._pending = self._pending, []
        return out


@attrs.define(eq=False)
class LiveSubscription:
    """One gateway subscription: a schema, a symbology and its symbols."""

    schema: str
    stype_in: str
    symbols: list[str]
    snapshot: bool = False
    #: Intraday replay asked by the user (UNIX ns; 0 = everything available); sent once, on
    #: the connection that follows the request.
    start: int | None = None
    request_id: int = 0


class ReplayDedup:
    """Remembers the last ``window`` records delivered so a replay after a reconnect can start
    at the oldest of their ``ts_event`` and drop exactly those it repeats (a record is known by
    its bytes, ``ts_out`` excluded: the replay carries the same bytes)."""

    def __init__(self, window: int = 65_536, *, ts_out: bool = False) -> None:
        self.window = window
        self._strip = 8 if ts_out else 0
        self._recent: collections.deque[tuple[int, bytes]] = collections.deque()
        self._seen: collections.Counter[bytes] = collections.Counter()
        self.replaying = False
        self.dropped = 0

    def _key(self, record: Any) -> bytes:
        data = bytes(record)
        return data[: len(data) - self._strip] if self._strip else data

    def replay_start(self) -> int | None:
        """Where to replay from: the oldest ts_event among the remembered records."""
        if not self._recent:
            return None
        return min(ts for ts, _ in self._recent)

    def begin_replay(self) -> None:
        self.replaying = bool(self._recent)

    def end_replay(self) -> None:
        self.replaying = False

    def admit(self, record: Any) -> bool:
        """Whether ``record`` is new (and remember it); False for a replayed duplicate."""
        key = self._key(record)
        if self.replaying and self._seen[key]:
            self.dropped += 1
            return False
        recent = self._recent
        recent.append((record.ts_event, key))
        self._seen[key] += 1
        if len(recent) > self.window:
            _, old = recent.popleft()
            left = self._seen[old] - 1
            if left:
                self._seen[old] = left
            else:
                del self._seen[old]
        return True


class GatewayProtocol(StreamProtocol):
    """Databento's handshake and classification for the core stream session."""

    acknowledges_subscriptions = False

    def __init__(self, live: LiveSession) -> None:
        self.live = live

    async def on_connect(self, connection: Any) -> None:
        live = self.live
        key = live.config.api_key
        if key is None:
            raise TradeportError(f"{VENUE_ID}: the live gateway needs an API key")
        handshake = Handshake(key.reveal(), live.auth_options())
        while not handshake.done:
            line = await connection.receive()
            for out in handshake.feed(bytes(line) + b"\n"):
                await connection.send(out.rstrip("\n"))
        live.session_id = handshake.reply.session_id if handshake.reply else None
        records = _DbnRecords()
        connection.set_inbound_framing(DecoderFraming(lambda: records, outbound=NEWLINE))
        for line in live.connect_lines():
            await connection.send(line.rstrip("\n"))
        await connection.send(start_session().rstrip("\n"))
        live.on_session_started(records.stream)
        # Return (and let the session signal "reconnected") only once the gateway took every
        # subscription back: records read here go the usual way, in order.
        while live.unacknowledged():
            record = await connection.receive()
            if self.classify(record) is DATA:
                await live.on_record(record)

    def decode(self, raw: Any) -> Any:
        return raw

    def classify(self, record: Any) -> Classified:
        if record.__class__ is dbn.SystemMsg and record.is_heartbeat():
            self.live.heartbeats += 1
            return IGNORE
        return DATA

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        return []  # LiveSession sends Databento's own subscriptions (see the module docstring)

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        return []


class LiveSession:
    """The gateway session of a data client: subscriptions, acks, replay and dedup.

    ``handler`` gets every record that is not a heartbeat or a duplicate, in order:
    metadata-free (the session takes the metadata), SymbolMappingMsgs, SystemMsgs and ErrorMsgs
    included (the data client keeps its symbol map with them).
    """

    def __init__(
        self,
        config: DatabentoConfig,
        handler: RecordHandler,
        *,
        on_reconnected: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config
        self.handler = handler
        self.subscriptions: list[LiveSubscription] = []
        self.dedup = ReplayDedup(ts_out=config.ts_out)
        self.session_id: str | None = None
        self.heartbeats = 0
        self.started_sessions = 0
        self._ids = itertools.count(1)
        self._acks: dict[int, anyio.Event] = {}
        self._ack_order: collections.deque[int] = collections.deque()
        self._failed_symbols: dict[int, list[str]] = {}
        self._unsub_acks = 0
        self._unsub_changed = anyio.Event()
        self._replays_pending = 0
        self._stream: DbnStream | None = None
        host, port = gateway_address(config.dataset, config.gateway)
        self.transport = TcpTransport(host, port, framing=NEWLINE, venue=VENUE_ID)
        self.session = StreamSession(
            self.transport,
            GatewayProtocol(self),
            self.on_record,
            venue=VENUE_ID,
            name=f"databento-{config.dataset}",
            connect_timeout=config.ws_connect_timeout,
            heartbeat=Heartbeat(ping_interval=None, ping_timeout=None),
            idle_timeout=config.dead_after_s(),
            reconnect=ReconnectPolicy(
                initial=config.reconnect_delay_initial,
                max=config.reconnect_delay_max,
                max_attempts=config.reconnect_max_attempts,
            ),
            max_message_size=config.ws_max_message_size,
            ack_timeout=config.ack_timeout,
            login_timeout=config.auth_timeout,
            on_reconnected=on_reconnected,
        )

    def __repr__(self) -> str:
        return (
            f"LiveSession(dataset={self.config.dataset!r}, subscriptions={len(self.subscriptions)})"
        )

    def auth_options(self) -> AuthOptions:
        config = self.config
        return AuthOptions(
            dataset=config.dataset,
            ts_out=config.ts_out,
            heartbeat_interval_s=config.effective_heartbeat_s(),
            slow_reader_behavior=config.slow_reader_behavior,
        )

    # -- connecting ---------------------------------------------------------------------------

    def connect_lines(self) -> list[str]:
        """Every subscription as control lines for a new connection, replaying from where the
        last one stopped when asked (runs inside the connect handshake)."""
        replay_from = self.dedup.replay_start() if self.config.replay_on_reconnect else None
        self.dedup.begin_replay() if replay_from is not None else self.dedup.end_replay()
        self._replays_pending = 0
        self._ack_order.clear()
        lines: list[str] = []
        for sub in self.subscriptions:
            start: int | None = sub.start
            snapshot = sub.snapshot
            if start is None and replay_from is not None and sub.schema in _REPLAYABLE:
                start, snapshot = replay_from, False
            if start is not None:
                self._replays_pending += 1
            self._ack_order.append(sub.request_id)
            lines += subscription_requests(
                sub.schema,
                sub.stype_in,
                sub.symbols,
                start=start,
                snapshot=snapshot,
                request_id=sub.request_id,
            )
            sub.start = None  # a user's replay is asked once
        if not self._replays_pending:
            self.dedup.end_replay()
        return lines

    def unacknowledged(self) -> bool:
        """Whether subscriptions sent on this connection still wait for their ack."""
        return bool(self._ack_order)

    def on_session_started(self, stream: DbnStream) -> None:
        self._stream = stream
        self.started_sessions += 1

    @property
    def decode_errors(self) -> int:
        """Records the current connection's decoder refused (logged and skipped)."""
        return self._stream.errors if self._stream is not None else 0

    async def on_record(self, record: Any) -> None:
        """One record from the gateway (heartbeats excluded): control records update the
        session, data records pass the replay dedup, then everything goes to the handler."""
        cls = record.__class__
        if cls is dbn.SystemMsg:
            self._on_system(record)
        elif cls is dbn.ErrorMsg:
            self._on_error(record)
        elif record.rtype in _DATA_RTYPES and not self.dedup.admit(record):
            return
        await self.handler(record)

    def _on_system(self, record: Any) -> None:
        code = record.code
        if code == dbn.SystemCode.SUBSCRIPTION_ACK:
            match = _REQUEST_ID.search(record.msg)
            request_id = int(match.group(1)) if match else None
            if request_id is None and self._ack_order:
                request_id = self._ack_order[0]
            if request_id is not None:
                try:
                    self._ack_order.remove(request_id)
                except ValueError:
                    pass
                event = self._acks.pop(request_id, None)
                if event is not None:
                    event.set()
        elif code == dbn.SystemCode.UNSUBSCRIBE_ACK:
            self._unsub_acks += 1
            self._unsub_changed.set()
            self._unsub_changed = anyio.Event()
        elif code == dbn.SystemCode.REPLAY_COMPLETED:
            self._replays_pending -= 1
            if self._replays_pending <= 0:
                self.dedup.end_replay()
        elif code == dbn.SystemCode.SLOW_READER_WARNING:
            log.warning("%s: gateway says the client reads too slowly: %s", VENUE_ID, record.msg)
        else:
            log.info("%s: gateway: %s", VENUE_ID, record.msg)

    def _on_error(self, record: Any) -> None:
        code = record.code
        if code == dbn.ErrorCode.SYMBOL_RESOLUTION_FAILED:
            symbol = str(record.err).rpartition(":")[2].strip()
            request_id = self._ack_order[0] if self._ack_order else 0
            self._failed_symbols.setdefault(request_id, []).append(symbol)
        log.warning("%s: gateway error %s: %s", VENUE_ID, code, record.err)

    # -- subscribing ------------------------------------------------------------------------------

    async def subscribe(
        self, sub: LiveSubscription, start_session: Callable[[], Awaitable[None]]
    ) -> None:
        """Add ``sub``; returns once the gateway acknowledged it. SubscriptionError when every
        symbol failed to resolve, or no ack came within ``ack_timeout``.

        ``start_session`` starts the stream session when it is not running yet (the first
        connection then sends ``sub`` before ``start_session``, replay included). A ``start``
        asked once the session has started is only honoured before a session start, so the
        session reconnects to send it.
        """
        sub.request_id = next(self._ids)
        event = self._acks[sub.request_id] = anyio.Event()
        self.subscriptions.append(sub)
        try:
            if not self.started_sessions:
                await start_session()
            elif sub.start is not None:
                await self.session.reconnect_now("a replay (start) was asked for a subscription")
            else:
                self._ack_order.append(sub.request_id)
                for line in subscription_requests(
                    sub.schema,
                    sub.stype_in,
                    sub.symbols,
                    snapshot=sub.snapshot,
                    request_id=sub.request_id,
                ):
                    await self.session.send(line.rstrip("\n"))
            with anyio.move_on_after(self.config.ack_timeout) as scope:
                await event.wait()
            if scope.cancelled_caught:
                raise SubscriptionError(
                    f"no acknowledgement of {sub.schema} {','.join(sub.symbols)} within "
                    f"{self.config.ack_timeout}s",
                    venue=VENUE_ID,
                )
            self._check_refused(sub)
        except BaseException:
            self._acks.pop(sub.request_id, None)
            if sub in self.subscriptions:
                self.subscriptions.remove(sub)
            raise

    def _check_refused(self, sub: LiveSubscription) -> None:
        failed = self._failed_symbols.pop(sub.request_id, [])
        if failed and set(failed) >= set(sub.symbols):
            if sub in self.subscriptions:
                self.subscriptions.remove(sub)
            raise SubscriptionError(
                f"gateway could not resolve {', '.join(failed)} ({sub.schema})",
                venue=VENUE_ID,
                venue_code="symbol_resolution_failed",
                retryable=False,
            )

    async def unsubscribe(self, schema: str, stype_in: str, symbols: Sequence[str]) -> None:
        """Remove ``symbols`` of ``schema`` (gateway unsubscribe request, acknowledged)."""
        for sub in list(self.subscriptions):
            if sub.schema == schema and sub.stype_in == stype_in:
                sub.symbols = [s for s in sub.symbols if s not in symbols]
                if not sub.symbols:
                    self.subscriptions.remove(sub)
        try:
            before = self._unsub_acks
            for line in unsubscribe_requests(schema, stype_in, list(symbols)):
                await self.session.send(line.rstrip("\n"))
        except TransportError:
            return  # not connected: the next connection simply does not subscribe them
        with anyio.move_on_after(self.config.ack_timeout):
            while self._unsub_acks == before:
                await self._unsub_changed.wait()
