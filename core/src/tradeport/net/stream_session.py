"""StreamSession: a venue stream that stays up, over any transport.

The session owns one connection at a time (made by a :class:`StreamTransport`: a WebSocket
upgrade, a TCP or TLS socket with a sans-IO framing) and keeps it useful:

* heartbeats: control pings (WebSocket only) are answered inline; the session sends its own
  control pings and fails the connection when the pong does not come back; the venue's
  application-level ping (text/JSON, a FIX Heartbeat, ...) is sent on schedule and its pong is
  recognised and never passed on as data;
* an idle timeout: no message for ``idle_timeout`` seconds means the feed is hung, even when TCP
  (and control pings) still work, and the connection is replaced;
* a reconnect state machine with exponential backoff and jitter, bounded or unlimited attempts;
  fatal errors (credentials refused at login, HTTP 401/403 on an upgrade) stop it at once;
* subscription state per topic (pending, active, unsubscribed, refused) driven by venue acks;
* on every new connection: the protocol's connect handshake, log in and wait for the
  confirmation, replay wanted topics (never the unsubscribed ones), then emit the reconnected
  signal so consumers resync their books;
* a real cap on message size (enforced by the connection), and one error type for every
  transport failure.

States: ``CLOSED`` -> ``CONNECTING`` -> ``CONNECTED`` (-> ``AUTHENTICATED`` after a login) ->
on a drop ``RECONNECTING`` -> ``CONNECTED`` ... -> ``CLOSED`` (closed by the user) or ``FAILED``
(fatal error or attempts exhausted). Every transition is logged and counted.

:class:`~tradeport.net.WebSocketClient` is this session over a WebSocket transport;
:class:`~tradeport.net.TcpTransport` gives it TCP and TLS sockets.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Any, Self

import anyio
import anyio.abc
import attrs

from tradeport.errors import (
    AuthenticationError,
    MessageTooLarge,
    SubscriptionError,
    TradeportError,
    TransportError,
)
from tradeport.net.backoff import ReconnectPolicy
from tradeport.net.signals import ChangeNotifier
from tradeport.net.transport import StreamConnection, StreamTransport
from tradeport.net.ws_protocol import Classified, MessageKind, StreamProtocol
from tradeport.net.ws_session import as_transport_error
from tradeport.net.ws_subscriptions import SubscriptionBook, SubscriptionStatus

__all__ = [
    "ConnectionState",
    "Heartbeat",
    "MessageHandler",
    "StreamConnection",
    "StreamCounters",
    "StreamSession",
    "StreamTransport",
    "WsCounters",
]

logger = logging.getLogger("tradeport.net.stream")

#: Receives every decoded data message.
MessageHandler = Callable[[Any], Awaitable[None]]


class ConnectionState(StrEnum):
    """Where the session is in its lifecycle (see the module docstring)."""

    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    AUTHENTICATED = "AUTHENTICATED"
    RECONNECTING = "RECONNECTING"
    CLOSED = "CLOSED"
    FAILED = "FAILED"


@attrs.frozen(kw_only=True)
class Heartbeat:
    """Client-side heartbeat settings.

    ``ping_interval`` / ``ping_timeout``: control-frame pings we send and how long we wait for
    each pong (None disables them; transports without control frames, such as TCP, ignore
    them). ``text_ping_interval`` overrides the venue protocol's ``ping_interval`` for its
    application-level ping.
    """

    ping_interval: float | None = 20.0
    ping_timeout: float | None = 10.0
    text_ping_interval: float | None = None


@attrs.define
class StreamCounters:
    """Running totals of one session (across reconnects)."""

    #: Successful connections (upgrades, TCP/TLS connects).
    connections: int = 0
    #: Connection attempts that failed before the connection was established.
    connect_failures: int = 0
    #: Established connections that ended.
    disconnects: int = 0
    #: Completed reconnections (login and resubscription done; the reconnected signal).
    reconnects: int = 0
    #: Messages received (data, acks, pongs, ...).
    messages_in: int = 0
    #: Messages sent.
    messages_out: int = 0
    #: Messages routed to the handler.
    data_messages: int = 0
    #: Messages that could not be decoded or classified (and frames a framing discarded, such
    #: as FIX messages with a wrong checksum).
    parse_errors: int = 0
    #: Handler calls that raised.
    handler_errors: int = 0
    #: Venue error messages not tied to a request.
    venue_errors: int = 0
    #: Messages refused for size.
    oversized_messages: int = 0
    #: Connections replaced because the feed went silent.
    idle_timeouts: int = 0
    #: Control pings we sent / pongs we got back.
    pings_sent: int = 0
    pongs_received: int = 0
    #: Control pings from the venue (answered automatically).
    server_pings: int = 0
    #: Application-level (text/JSON/FIX) pings we sent / venue pongs to them.
    text_pings_sent: int = 0
    text_pongs_received: int = 0
    #: Venue application-level pings we answered.
    text_pings_answered: int = 0
    #: Session-level answers sent for ``REPLY`` messages (FIX Heartbeats to TestRequests,
    #: ResendRequests for sequence gaps).
    replies_sent: int = 0
    #: Messages that arrived split across more than one socket read (framed transports).
    fragmented_messages: int = 0
    #: Largest message (or part of one) held in memory at once, in bytes.
    peak_message_bytes: int = 0
    #: Wall-clock time (UNIX ns) of the last message received, 0 before the first.
    last_message_ns: int = 0
    #: State transitions, keyed ``"FROM->TO"``.
    transitions: Counter[str] = attrs.field(factory=Counter)


#: The name the counters had when only WebSockets had sessions.
WsCounters = StreamCounters


def _default_name(transport: StreamTransport, venue: str | None) -> str:
    return venue or transport.endpoint or "stream"


class StreamSession(anyio.AsyncContextManagerMixin):
    """A reconnecting venue stream over any :class:`StreamTransport` (see the module docstring).

    Use ``async with session:`` (connects, and returns once the first connection is
    established) or ``await task_group.start(session.run)``. A fatal error ends :meth:`run` (and
    the ``async with`` body) with that error.

    :param transport: makes each connection (:class:`~tradeport.net.TcpTransport`, or the
        WebSocket transport inside :class:`~tradeport.net.WebSocketClient`).
    :param protocol: the venue's handshake, payload builders and classifiers.
    :param handler: awaited with every decoded data message, in order, on the reading task; a
        slow handler delays everything behind it (hand work off to a bounded stream if needed);
        it must not await :meth:`subscribe` (the ack it waits for is read by the same task).
    :param connect_timeout: seconds to connect (TCP connect, TLS handshake, WebSocket upgrade).
    :param heartbeat: control-ping settings (None disables client control pings).
    :param idle_timeout: seconds without any message before the connection is considered hung
        and replaced (None disables). Control-frame pongs do not count: a hung venue often
        still answers them.
    :param reconnect: backoff between attempts; ``max_attempts`` counts consecutive failures.
    :param max_message_size: largest message accepted, in bytes (None: unlimited).
    :param ack_timeout: seconds to wait for a (un)subscription ack.
    :param login_timeout: seconds for the protocol's connect handshake, and again for the
        login reply.
    :param on_reconnected: awaited after every completed reconnection.
    """

    def __init__(
        self,
        transport: StreamTransport,
        protocol: StreamProtocol,
        handler: MessageHandler,
        *,
        venue: str | None = None,
        connect_timeout: float = 10.0,
        heartbeat: Heartbeat | None = None,
        idle_timeout: float | None = 30.0,
        reconnect: ReconnectPolicy | None = None,
        max_message_size: int | None = 4 * 1024 * 1024,
        name: str | None = None,
        ack_timeout: float = 10.0,
        login_timeout: float = 10.0,
        on_reconnected: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.transport = transport
        self.protocol = protocol
        self.handler = handler
        self.venue = venue
        self.name = name or _default_name(transport, venue)
        self.connect_timeout = connect_timeout
        self.heartbeat = heartbeat if heartbeat is not None else Heartbeat()
        self.idle_timeout = idle_timeout
        self.reconnect_policy = reconnect or ReconnectPolicy()
        self.max_message_size = max_message_size
        self.ack_timeout = ack_timeout
        self.login_timeout = login_timeout
        self.on_reconnected = on_reconnected
        self.counters = StreamCounters()
        self._changed = ChangeNotifier()
        self._book = SubscriptionBook(venue, self._changed)
        self._state = ConnectionState.CLOSED
        self._running = False
        self._run_scope: anyio.CancelScope | None = None
        self._session: StreamConnection | None = None
        #: Why reconnect_now() dropped the connection (logged instead of the transport error).
        self._reconnect_reason: str | None = None
        self._connection_no = 0
        self._ready = False
        self._fatal: TradeportError | None = None
        self._login_waiter: anyio.Event | None = None
        self._last_rx = 0.0

    # -- observation ----------------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        """The current :class:`ConnectionState`."""
        return self._state

    @property
    def is_authenticated(self) -> bool:
        """Whether the current connection is logged in."""
        return self._state is ConnectionState.AUTHENTICATED

    @property
    def subscriptions(self) -> dict[str, SubscriptionStatus]:
        """Every requested topic and its :class:`SubscriptionStatus` (a copy)."""
        return self._book.snapshot()

    @property
    def error(self) -> TradeportError | None:
        """The fatal error that stopped the client, if any."""
        return self._fatal

    def _set_state(self, state: ConnectionState) -> None:
        old = self._state
        if old is state:
            return
        self._state = state
        self.counters.transitions[f"{old.value}->{state.value}"] += 1
        logger.info("%s: %s -> %s", self.name, old.value, state.value)
        self._changed.notify()

    # -- lifecycle --------------------------------------------------------------------------------

    @asynccontextmanager
    async def __asynccontextmanager__(self) -> AsyncGenerator[Self, None]:
        """Run the client in a task group for the body of ``async with``."""
        try:
            async with anyio.create_task_group() as group:
                await group.start(self.run)
                try:
                    yield self
                finally:
                    self.close()
        except BaseExceptionGroup as group_error:
            raise _single_error(group_error) from None

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Connect and keep connected until :meth:`close` or a fatal error (which is raised).

        ``task_status.started()`` is called once the first connection is established (logged
        in, wanted topics subscribed).
        """
        if self._running:
            raise TradeportError(f"{self.name}: {type(self).__name__} is already running")
        self._running = True
        self._fatal = None
        try:
            async with self.transport.running():
                with anyio.CancelScope() as self._run_scope:
                    await self._keep_connected(task_status)
        finally:
            self._running = False
            self._run_scope = None
            if self._state is not ConnectionState.FAILED:
                self._set_state(ConnectionState.CLOSED)
            self._changed.notify()

    def close(self) -> None:
        """Stop :meth:`run` (the connection is closed with a close frame)."""
        if self._run_scope is not None:
            self._run_scope.cancel()

    def _fail(self, error: TradeportError) -> TradeportError:
        self._fatal = error
        self._set_state(ConnectionState.FAILED)
        logger.error("%s: giving up: %s", self.name, error)
        return error

    async def _keep_connected(self, task_status: anyio.abc.TaskStatus[None]) -> None:
        policy = self.reconnect_policy
        # Both reset whenever a connection is fully established: ``failures`` counts failed
        # attempts (bounded by max_attempts), ``waits`` the backoff steps taken.
        failures = waits = 0
        ever_established = False
        last_error: TradeportError | None = None
        while True:
            self._set_state(
                ConnectionState.RECONNECTING if ever_established else ConnectionState.CONNECTING
            )
            outcome = _Outcome(first=not ever_established, task_status=task_status)
            started = time.monotonic()
            try:
                await self._connection(outcome)
            except TradeportError as error:
                if isinstance(error, AuthenticationError) or not (
                    isinstance(error, TransportError) or error.retryable
                ):
                    raise self._fail(error) from error.__cause__
                last_error = error
                if isinstance(error, MessageTooLarge):
                    self.counters.oversized_messages += 1
                if outcome.established and self._reconnect_reason is not None:
                    # Asked for (reconnect_now): say why, not what the closed socket said.
                    logger.info("%s: reconnecting as asked: %s", self.name, self._reconnect_reason)
                    self._reconnect_reason = None
                elif outcome.established:
                    logger.warning("%s: connection lost: %s", self.name, error)
                else:
                    self.counters.connect_failures += 1
                    logger.warning(
                        "%s: connect attempt %d failed: %s", self.name, failures + 1, error
                    )
            if outcome.established:
                ever_established = True
                failures = 0
                if time.monotonic() - started >= policy.stable_after:
                    # A connection that lasted: try again almost at once, then back off from
                    # the start. One that dropped sooner (flapping) keeps backing off.
                    waits = 0
                    self._set_state(ConnectionState.RECONNECTING)
                    delay = policy.first_delay()
                    logger.info("%s: reconnecting in %.3fs", self.name, delay)
                    await anyio.sleep(delay)
                    continue
            else:
                failures += 1
                if not policy.allows(failures + 1):
                    raise self._fail(
                        last_error
                        or TransportError("connection attempts exhausted", venue=self.venue)
                    )
            self._set_state(ConnectionState.RECONNECTING)
            waits += 1
            delay = policy.delay(waits)
            logger.info("%s: reconnecting in %.3fs", self.name, delay)
            await anyio.sleep(delay)

    async def _connection(self, outcome: _Outcome) -> None:
        """One connection from connect to drop; raises the TradeportError that ended it."""
        transport = self.transport
        try:
            async with transport.connect(
                timeout=self.connect_timeout,
                max_message_size=self.max_message_size,
                counters=self.counters,
            ) as session:
                self._connection_no += 1
                self.counters.connections += 1
                self._session = session
                self._last_rx = time.monotonic()
                self._set_state(ConnectionState.CONNECTED)
                try:
                    await self._handshake(session)
                    async with anyio.create_task_group() as group:
                        group.start_soon(self._read_loop, session)
                        self._start_heartbeats(group, session)
                        await self._establish(session)
                        outcome.established = True
                        if outcome.first:
                            outcome.task_status.started()
                        else:
                            await self._signal_reconnected()
                        await anyio.sleep_forever()
                finally:
                    self.counters.peak_message_bytes = max(
                        self.counters.peak_message_bytes, session.peak_message_bytes
                    )
                    self._session = None
                    self._ready = False
                    self._login_waiter = None
                    self._book.on_disconnect()
                    self.counters.disconnects += 1
        except (Exception, BaseExceptionGroup) as exc:  # mapped below, or re-raised
            error = as_transport_error(exc, venue=self.venue, endpoint=transport.endpoint or None)
            if error is None:
                raise
            raise error from (error.__cause__ or exc)

    async def _handshake(self, session: StreamConnection) -> None:
        """The protocol's connect hook (banner, challenge, version exchange), bounded in time."""
        with anyio.move_on_after(self.login_timeout) as scope:
            await self.protocol.on_connect(session)
        if scope.cancelled_caught:
            raise TransportError(
                f"connect handshake not done within {self.login_timeout}s",
                venue=self.venue,
                endpoint=session.endpoint,
            )

    def _start_heartbeats(self, group: anyio.abc.TaskGroup, session: StreamConnection) -> None:
        beat = self.heartbeat
        if beat.ping_interval is not None and session.supports_control_ping:
            group.start_soon(self._control_pings, session, beat.ping_interval, beat.ping_timeout)
        text_interval = beat.text_ping_interval or self.protocol.ping_interval
        if text_interval is not None and self.protocol.text_ping() is not None:
            # The venue's pong is what keeps a quiet but healthy feed under the idle timeout:
            # ping at least three times per idle period, or quiet feeds reconnect for nothing.
            if self.idle_timeout is not None and text_interval > self.idle_timeout / 3:
                text_interval = self.idle_timeout / 3
            group.start_soon(self._text_pings, session, text_interval)
        if self.idle_timeout is not None:
            group.start_soon(self._idle_watch, self.idle_timeout)

    async def _establish(self, session: StreamConnection) -> None:
        """Log in (waiting for the confirmation), then replay every wanted topic."""
        login = self.protocol.login_message()
        if login is not None:
            waiter = self._login_waiter = anyio.Event()
            await self._send(session, login)
            logger.debug("%s: login sent", self.name)
            with anyio.move_on_after(self.login_timeout) as scope:
                await waiter.wait()
            if scope.cancelled_caught:
                raise TransportError(
                    f"no login reply within {self.login_timeout}s", venue=self.venue
                )
            self._set_state(ConnectionState.AUTHENTICATED)
        # From here on subscribe() sends by itself; this replay takes what was wanted so far.
        self._ready = True
        replayed = await self._send_unsent(session)
        if replayed:
            with anyio.move_on_after(self.ack_timeout):
                await self._changed.wait_until(lambda: self._book.settled(replayed))
            pending = [t for t in replayed if self._book.status(t) is SubscriptionStatus.PENDING]
            refused = [t for t in replayed if self._book.status(t) is SubscriptionStatus.REFUSED]
            if pending:
                logger.warning("%s: no ack yet for replayed %s", self.name, pending)
            if refused:
                logger.warning("%s: venue refused replayed %s", self.name, refused)

    async def _signal_reconnected(self) -> None:
        self.counters.reconnects += 1
        logger.info(
            "%s: reconnected; %d topics restored",
            self.name,
            len(self._book.topics_in(SubscriptionStatus.ACTIVE)),
        )
        self._changed.notify()
        if self.on_reconnected is not None:
            try:
                await self.on_reconnected()
            except Exception:
                logger.exception("%s: on_reconnected callback failed", self.name)

    # -- connection tasks -------------------------------------------------------------------------

    async def _read_loop(self, session: StreamConnection) -> None:
        protocol = self.protocol
        handler = self.handler
        counters = self.counters
        data_kind = MessageKind.DATA
        while True:
            raw = await session.receive()
            counters.messages_in += 1
            self._last_rx = time.monotonic()
            counters.last_message_ns = time.time_ns()
            classified = protocol.classify_raw(raw)
            message: Any = raw
            if classified is None or classified.kind is data_kind:
                try:
                    message = protocol.decode(raw)
                    classified = protocol.classify(message)
                except Exception as exc:  # a malformed message must not end the connection
                    counters.parse_errors += 1
                    logger.warning(
                        "%s: unparseable message (%s: %s): %.200r",
                        self.name,
                        type(exc).__name__,
                        exc,
                        raw,
                    )
                    continue
            if classified.kind is data_kind or classified.carries_data:
                counters.data_messages += 1
                try:
                    await handler(message)
                except Exception:
                    counters.handler_errors += 1
                    logger.exception("%s: message handler failed", self.name)
                if classified.kind is data_kind:
                    continue
            await self._on_control(session, classified)

    async def _on_control(self, session: StreamConnection, classified: Classified) -> None:
        kind = classified.kind
        if kind is MessageKind.PONG:
            self.counters.text_pongs_received += 1
        elif kind is MessageKind.PING:
            self.counters.text_pings_answered += 1
            if classified.reply is not None:
                await self._send(session, classified.reply)
        elif kind is MessageKind.REPLY:
            self.counters.replies_sent += 1
            await self._send(session, classified.reply)
        elif kind is MessageKind.ACK or kind is MessageKind.REFUSAL:
            if not self._book.on_reply(classified):
                logger.debug("%s: reply to no known request: %s", self.name, classified)
            elif kind is MessageKind.REFUSAL:
                logger.warning(
                    "%s: venue refused %s: code=%s msg=%r",
                    self.name,
                    classified.topics or classified.request_id,
                    classified.code,
                    classified.message,
                )
        elif kind is MessageKind.LOGIN_OK:
            if self._login_waiter is not None:
                self._login_waiter.set()
        elif kind is MessageKind.LOGIN_REFUSED:
            if self._login_waiter is None:
                self.counters.venue_errors += 1
                logger.warning("%s: login refusal without a login: %s", self.name, classified)
                return
            # Fatal: repeating a refused login would only earn an IP ban.
            raise AuthenticationError(
                "venue refused the login",
                venue=self.venue,
                venue_code=classified.code,
                venue_message=classified.message,
            )
        elif kind is MessageKind.ERROR:
            self.counters.venue_errors += 1
            logger.warning(
                "%s: venue error code=%s msg=%r", self.name, classified.code, classified.message
            )

    async def _control_pings(
        self, session: StreamConnection, interval: float, pong_timeout: float | None
    ) -> None:
        while True:
            await anyio.sleep(interval)
            pong = await session.ping()
            self.counters.pings_sent += 1
            if pong_timeout is None:
                continue
            with anyio.move_on_after(pong_timeout) as scope:
                await pong.wait()
            if scope.cancelled_caught:
                raise TransportError(f"no pong within {pong_timeout}s", venue=self.venue)

    async def _text_pings(self, session: StreamConnection, interval: float) -> None:
        while True:
            await anyio.sleep(interval)
            await self._send(session, self.protocol.text_ping())
            self.counters.text_pings_sent += 1

    async def _idle_watch(self, idle_timeout: float) -> None:
        while True:
            remaining = self._last_rx + idle_timeout - time.monotonic()
            if remaining <= 0:
                self.counters.idle_timeouts += 1
                raise TransportError(
                    f"no message for {idle_timeout}s (idle timeout)", venue=self.venue
                )
            await anyio.sleep(remaining)

    # -- sending ------------------------------------------------------------------------------

    async def _send(self, session: StreamConnection, payload: Any) -> None:
        await session.send(self.protocol.encode(payload))
        self.counters.messages_out += 1

    async def _send_unsent(self, session: StreamConnection) -> list[str]:
        """Send subscribe requests for wanted topics not yet sent on this connection."""
        topics = self._book.take_unsent(self._connection_no)
        if not topics:
            return []
        requests = self.protocol.subscribe_messages(topics)
        self._book.mark_sent(requests, acked=not self.protocol.acknowledges_subscriptions)
        for request in requests:
            await self._send(session, request.payload)
        logger.debug("%s: subscribe sent for %s", self.name, topics)
        return topics

    async def reconnect_now(self, reason: str) -> None:
        """Drop the current connection and go through a normal reconnect (re-login, replay of
        active subscriptions, reconnected signal), e.g. when a venue stream token expired
        (Binance ``listenKeyExpired``). Does nothing while not connected."""
        session = self._session
        if session is None:
            return
        self._reconnect_reason = reason
        await session.abort()

    def _current_session(self) -> StreamConnection:
        session = self._session
        if session is None or not self._running:
            raise TransportError(f"{self.name}: not connected", venue=self.venue)
        return session

    async def send(self, payload: str | bytes) -> None:
        """Send a raw text (str) or binary (bytes) message on the current connection."""
        session = self._current_session()
        await session.send(payload)
        self.counters.messages_out += 1

    async def send_json(self, payload: Any) -> None:
        """Send a venue-specific message (e.g. order entry), encoded by the protocol."""
        await self._send(self._current_session(), payload)

    # -- subscriptions --------------------------------------------------------------------------

    def _check_running(self) -> None:
        if self._fatal is not None:
            raise self._fatal
        if not self._running:
            raise TradeportError(f"{self.name}: {type(self).__name__} is not running")

    async def _wait_for(self, condition: Callable[[], bool]) -> bool:
        """Wait up to ack_timeout for ``condition`` (or the client stopping); True if it holds."""
        with anyio.move_on_after(self.ack_timeout):
            await self._changed.wait_until(
                lambda: condition() or self._fatal is not None or not self._running
            )
        self._check_running()
        return condition()

    async def subscribe(self, topics: Iterable[str]) -> None:
        """Subscribe ``topics``; return once the venue acknowledged all of them.

        A topic already active or pending is not sent again. Raises
        :class:`~tradeport.errors.SubscriptionError` when the venue refuses one (it never becomes
        active) or no ack arrives within ``ack_timeout`` (the topic stays pending and is sent
        again on the next connection).
        """
        wanted = list(dict.fromkeys(topics))
        self._check_running()
        self._book.want(wanted, {t: self.protocol.is_private(t) for t in wanted})
        session = self._session
        if self._ready and session is not None:
            try:
                await self._send_unsent(session)
            except TransportError as error:  # the replay on the next connection sends them
                logger.info("%s: subscribe deferred to the next connection: %s", self.name, error)
        settled = await self._wait_for(lambda: self._book.settled(wanted))
        refusal = self._book.refusal_for(wanted)
        if refusal is not None:
            raise refusal
        if not settled:
            raise SubscriptionError(
                f"no acknowledgement for {', '.join(wanted)} within {self.ack_timeout}s",
                venue=self.venue,
                retryable=True,
            )

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        """Unsubscribe ``topics``: they are never replayed; waits for the venue's ack if any.

        The local state changes at once; a venue that does not confirm within ``ack_timeout``
        is logged, not raised (the topic is gone from this client either way).
        """
        unwanted = list(dict.fromkeys(topics))
        self._check_running()
        session = self._session
        ready = self._ready and session is not None
        on_venue = self._book.drop(unwanted, self._connection_no if ready else 0)
        if not on_venue or session is None:
            return
        requests = self.protocol.unsubscribe_messages(on_venue)
        self._book.mark_sent(requests, acked=not self.protocol.acknowledges_subscriptions)
        try:
            for request in requests:
                await self._send(session, request.payload)
        except TransportError:
            return  # the connection is gone, and the venue's subscriptions with it
        if not await self._wait_for(lambda: self._book.unsubscribe_settled(on_venue)):
            logger.warning("%s: no unsubscribe ack for %s", self.name, on_venue)

    async def resubscribe(self, topics: Iterable[str]) -> list[str]:
        """Ask the venue for ``topics`` again (unsubscribe, then subscribe, sent back to back)
        without waiting for any ack: the way to get a fresh snapshot for a book that lost sync.

        Safe to await from the handler and from ``BookSynchronizer.on_resync`` (they run on
        the reading task, which must keep reading for acks to arrive): this only sends, the
        acks and the new snapshot are read afterwards as usual and the topics go from
        ``PENDING`` back to ``ACTIVE``. Only topics that are ``ACTIVE`` or ``PENDING`` are
        resubscribed (returned); while not connected nothing is sent, since the next
        connection's replay subscribes them afresh anyway.
        """
        wanted = [
            t
            for t in dict.fromkeys(topics)
            if self._book.status(t) in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PENDING)
        ]
        session = self._session
        if not wanted or session is None or not self._ready:
            return []
        private = {t: self.protocol.is_private(t) for t in wanted}
        on_venue = self._book.drop(wanted, self._connection_no)
        try:
            if on_venue:
                unsubscribe = self.protocol.unsubscribe_messages(on_venue)
                self._book.mark_sent(
                    unsubscribe, acked=not self.protocol.acknowledges_subscriptions
                )
                for request in unsubscribe:
                    await self._send(session, request.payload)
            self._book.want(wanted, private)
            await self._send_unsent(session)
        except TransportError as error:  # the replay on the next connection subscribes them
            self._book.want(wanted, private)
            logger.info("%s: resubscribe deferred to the next connection: %s", self.name, error)
            return []
        logger.info("%s: resubscribed %s", self.name, wanted)
        return wanted

    async def wait_reconnected(self, previous: int | None = None) -> int:
        """Wait until a reconnection completes (login and resubscription done).

        ``previous`` is a value of ``counters.reconnects`` read earlier (default: now); the call
        returns as soon as the count is higher, so a reconnection that completes between reading
        the count and calling this is not missed. Returns the new count. Raises the fatal error
        if the client fails meanwhile.
        """
        target = self.counters.reconnects if previous is None else previous
        await self._changed.wait_until(
            lambda: (
                self.counters.reconnects > target or self._fatal is not None or not self._running
            )
        )
        self._check_running()
        return self.counters.reconnects

    async def wait_state(self, *states: ConnectionState) -> ConnectionState:
        """Wait until the client is in one of ``states``; returns it."""
        await self._changed.wait_until(lambda: self._state in states)
        return self._state


def _single_error(group: BaseExceptionGroup) -> BaseException:
    """The one meaningful error of a task-group failure (tradeport errors first)."""
    leaves = [e for e in _flatten(group) if not isinstance(e, anyio.get_cancelled_exc_class())]
    for leaf in leaves:
        if isinstance(leaf, AuthenticationError):
            return leaf
    for leaf in leaves:
        if isinstance(leaf, TradeportError):
            return leaf
    return leaves[0] if len(leaves) == 1 else group


def _flatten(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _flatten(inner)]
    return [exc]


@attrs.define
class _Outcome:
    """How one connection attempt went (shared between the loop and the connection)."""

    first: bool
    task_status: anyio.abc.TaskStatus[None]
    established: bool = False
