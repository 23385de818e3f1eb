"""MockVenue: the venue-neutral half of every plugin's mock venue.

A plugin's harness subclasses :class:`MockVenue` and supplies only the venue's wire protocol:
HTTP routes (``self.route(...)``), signature verification, error envelopes, the stream protocol
(``serve_stream``) and the encoding of market data. Everything else is here, once:

- a real :class:`~tradeport.testing.LoopbackServer` behind a :class:`~tradeport.testing.FaultProxy`
  (clients connect through the proxy, so drops are real FIN/RST and "silent" is a black hole on a
  live TCP connection);
- recording of HTTP requests (with the signature verdict) and fault injection (``fail_next_requests``);
- per-connection stream state (:class:`StreamConnection`: topics, login) and the observations of
  the VenueHarness contract (connections, logins, subscriptions, pings, pongs);
- optional server control pings on a schedule;
- the :class:`~tradeport_conformance.simulated.SimulatedExchange`, whose events the subclass turns
  into private stream messages.
"""

from __future__ import annotations

import abc
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

import anyio
import anyio.abc
import attrs
from tradeport.testing import FaultProxy, LoopbackServer, Request, Response, ServerWebSocket
from tradeport.testing.server_ws import WebSocketClosed

from tradeport_conformance.harness import RecordedRequest, VenueHarness

__all__ = ["MockVenue", "StreamConnection", "Route", "FailureRule"]

log = logging.getLogger("tradeport.conformance.mock")

RouteHandler = Callable[[Request], Awaitable[Response]]


@attrs.define
class Route:
    method: str
    path: str
    handler: RouteHandler
    signed: bool = False


@attrs.define
class FailureRule:
    """Answer the next ``remaining`` matching requests with an error (see fail_next_requests)."""

    remaining: int
    status: int
    retry_after: float | None = None
    venue_code: str | int | None = None
    path: str | None = None


@attrs.define(eq=False)
class StreamConnection:
    """One client stream connection as the mock venue sees it."""

    ws: ServerWebSocket
    path: str
    topics: set[str] = attrs.field(factory=set)
    authenticated: bool = False
    #: Free-form per-connection state for the venue subclass (e.g. a listenKey).
    state: dict[str, Any] = attrs.field(factory=dict)

    async def send_json(self, payload: Any) -> None:
        """Send, ignoring a connection that went away meanwhile (the client will reconnect)."""
        try:
            await self.ws.send_json(payload)
        except (WebSocketClosed, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            pass

    async def send_text(self, text: str) -> None:
        try:
            await self.ws.send_text(text)
        except (WebSocketClosed, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            pass


class MockVenue(VenueHarness, abc.ABC):
    """Base class for mock venues; see the module docstring."""

    #: WebSocket paths the venue serves (each handled by :meth:`serve_stream`).
    stream_paths: Sequence[str] = ("/ws",)
    #: Seconds between server control pings, or None for none.
    server_ping_interval: float | None = None

    def __init__(self) -> None:
        self.exchange = self.build_exchange()
        self._routes: dict[tuple[str, str], Route] = {}
        self._failures: list[FailureRule] = []
        self._recorded: list[RecordedRequest] = []
        self.streams: list[StreamConnection] = []
        self._logins = 0
        self._book_sent: dict[str, list[list[tuple[str, Any]]]] = {}
        self._book_withheld: dict[str, int] = {}
        self._snapshots_held: set[str] = set()
        self._rest_snapshot_waiters: dict[str, int] = {}
        self._deferred_snapshots: dict[str, list[Callable[[], Awaitable[None]]]] = {}
        self._login_stamps: list[int] = []
        # How far the login clock runs ahead of the wall clock (expire_logins_through).
        self._login_clock_offset_ms = 0
        # Private messages withheld by hold_private_events (None: not holding).
        self._private_held: list[tuple[Callable[[StreamConnection], bool], Any, bool]] | None = None
        self._seen_replay_keys: set[str] = set()
        self._login_failures = 0
        self._text_pings = 0
        self._subscription_messages = 0
        self._closed_pings_sent = 0
        self._closed_pongs = 0
        self.server = LoopbackServer(
            http=self._dispatch, websockets={p: self._serve_ws for p in self.stream_paths}
        )
        self.proxy: FaultProxy | None = None
        self._attempt_times: list[float] = []
        self._task_group: anyio.abc.TaskGroup | None = None
        self._exit_stack: Any = None
        self.setup_routes()

    # -- what subclasses provide ----------------------------------------------------------------
    @abc.abstractmethod
    def build_exchange(self) -> Any:
        """Create and seed the SimulatedExchange (instruments, balances)."""

    @abc.abstractmethod
    def setup_routes(self) -> None:
        """Register HTTP routes with :meth:`route`."""

    @abc.abstractmethod
    async def serve_stream(self, conn: StreamConnection) -> None:
        """Speak the venue's stream protocol on one connection until it closes."""

    @abc.abstractmethod
    def verify_signature(self, request: Request) -> bool:
        """Check a signed request exactly as the venue does."""

    @abc.abstractmethod
    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        """The venue's error envelope for ``status`` / ``venue_code``."""

    def signature_failure_response(self, request: Request) -> Response:
        """What the venue answers to a bad signature. Default: 401 in the venue's envelope."""
        return self.error_response(401, message="invalid signature")

    def replay_key(self, request: Request) -> str | None:
        """What makes a signed request unique (its nonce, or its timestamp and signature), or
        None when the venue does not refuse replays (the default).

        When given, a signed request that reuses the key of one the mock answered with an
        injected failure is refused with :meth:`replay_response`, as venues with nonces refuse
        a used nonce: a client that retries a signed call must sign it again with a fresh
        nonce / timestamp (ER2). (Only retries of failed requests are checked, so two identical
        requests a client legitimately sends in the same millisecond are not refused.)
        """
        return None

    def replay_response(self, request: Request) -> Response:
        """What the venue answers to a reused nonce. Default: the bad-signature answer."""
        return self.signature_failure_response(request)

    # -- addresses ------------------------------------------------------------------------------
    @property
    def http_url(self) -> str:
        assert self.proxy is not None, "start the mock venue first (async with)"
        return self.proxy.http_url

    @property
    def ws_url(self) -> str:
        assert self.proxy is not None, "start the mock venue first (async with)"
        return self.proxy.ws_url

    # -- lifecycle ------------------------------------------------------------------------------
    async def __aenter__(self) -> MockVenue:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        await self.server.start(self._task_group)
        self.proxy = FaultProxy(self.server.port)
        await self.proxy.start(self._task_group)
        self._task_group.start_soon(self._watch_attempts, self.proxy)
        if self.server_ping_interval:
            self._task_group.start_soon(self._ping_loop, self.server_ping_interval)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task_group is not None
        if self.proxy is not None:
            self.proxy.stop()
        self.server.stop()
        self._task_group.cancel_scope.cancel()
        await self._task_group.__aexit__(None, None, None)

    # -- HTTP -----------------------------------------------------------------------------------
    def route(self, method: str, path: str, handler: RouteHandler, *, signed: bool = False) -> None:
        """Serve ``method path`` with ``handler``; ``signed`` routes are verified first."""
        self._routes[(method.upper(), path)] = Route(method.upper(), path, handler, signed)

    async def _dispatch(self, request: Request) -> Response:
        route = self._routes.get((request.method.upper(), request.path))
        verdict: bool | None = None
        if route is not None and route.signed:
            verdict = self.verify_signature(request)
        self._recorded.append(
            RecordedRequest(
                request.method,
                request.path,
                request.query,
                dict(request.headers),
                request.body,
                verdict,
            )
        )
        self.server.notify()
        key = self.replay_key(request) if verdict else None
        rule = self.take_failure(request.path)
        if rule is not None:
            if key is not None:
                self._seen_replay_keys.add(key)
            return self.error_response(
                rule.status,
                venue_code=rule.venue_code,
                retry_after=rule.retry_after,
                message="injected failure",
            )
        if route is None:
            return self.error_response(404, message=f"no route {request.method} {request.path}")
        if verdict is False:
            return self.signature_failure_response(request)
        if key is not None and key in self._seen_replay_keys:
            return self.replay_response(request)
        return await route.handler(request)

    def take_failure(self, path: str) -> FailureRule | None:
        """Consume one injected failure for a request to ``path`` (None when none is due).

        HTTP requests go through it; a venue that also takes commands over its stream (a
        WebSocket order channel) calls it for those, so an injected fault reaches whichever
        transport carries the command.
        """
        for rule in self._failures:
            if rule.remaining > 0 and (rule.path is None or rule.path == path):
                rule.remaining -= 1
                return rule
        return None

    def fail_next_requests(
        self,
        count: int,
        status: int,
        *,
        retry_after: float | None = None,
        venue_code: str | int | None = None,
        path: str | None = None,
    ) -> None:
        self._failures.append(FailureRule(count, status, retry_after, venue_code, path))

    @property
    def requests(self) -> Sequence[RecordedRequest]:
        return self._recorded

    # -- streams ----------------------------------------------------------------------------------
    async def _serve_ws(self, ws: ServerWebSocket) -> None:
        conn = StreamConnection(ws=ws, path=ws.path)
        self.streams.append(conn)
        try:
            await self.serve_stream(conn)
        except WebSocketClosed:
            pass
        finally:
            self.streams.remove(conn)
            self._closed_pings_sent += ws.pings_sent
            self._closed_pongs += ws.pongs_received
            self.server.notify()

    async def _watch_attempts(self, proxy: FaultProxy) -> None:
        """Timestamp every TCP connection the proxy accepts (for backoff checks)."""
        seen = 0
        while True:
            await proxy.changed.wait_until(lambda seen=seen: proxy.connections > seen)
            now = anyio.current_time()
            while seen < proxy.connections:
                self._attempt_times.append(now)
                seen += 1
            self.server.notify()

    async def _ping_loop(self, interval: float) -> None:
        while True:
            await anyio.sleep(interval)
            for conn in list(self.streams):
                if conn.ws.state == "open":
                    try:
                        await conn.ws.ping(b"tradeport")
                    except Exception:  # the connection is going away; its reader ends it
                        pass

    async def broadcast(self, topic: str, payload: Any) -> int:
        """Send ``payload`` to every connection subscribed to ``topic``; returns how many."""
        sent = 0
        for conn in list(self.streams):
            if topic in conn.topics:
                await conn.send_json(payload)
                sent += 1
        return sent

    # -- book faults (``features.book_faults``) ----------------------------------------------------
    #: How many sent book updates per symbol are kept for :meth:`resend_book_update`.
    book_history = 64

    def sim_symbol(self, instrument_id: Any) -> str:
        """The SimulatedExchange symbol of a client instrument id (default: its symbol)."""
        return str(instrument_id.symbol.value)

    async def send_book_update(self, symbol: str, messages: Sequence[tuple[str, Any]]) -> None:
        """Stream one change of ``symbol``'s book: ``messages`` are its (topic, payload) pairs,
        one per book topic. A mock with ``features.book_faults`` sends every book update
        through here, so the suite can withhold it (a lost or late message) and resend it (a
        duplicated or older one)."""
        history = self._book_sent.setdefault(symbol, [])
        history.append(list(messages))
        del history[: -self.book_history]
        if self._book_withheld.get(symbol, 0) > 0:
            self._book_withheld[symbol] -= 1
            return
        for topic, payload in messages:
            await self.broadcast(topic, payload)

    async def withhold_book_updates(self, instrument_id: Any, count: int = 1) -> None:
        symbol = self.sim_symbol(instrument_id)
        self._book_withheld[symbol] = self._book_withheld.get(symbol, 0) + count

    async def resend_book_update(self, instrument_id: Any, back: int = 1) -> None:
        history = self._book_sent.get(self.sim_symbol(instrument_id), [])
        if not 1 <= back <= len(history):
            raise ValueError(f"only {len(history)} book updates were sent; cannot go {back} back")
        for topic, payload in history[-back]:
            await self.broadcast(topic, payload)

    async def hold_book_snapshots(self, instrument_id: Any, hold: bool = True) -> None:
        symbol = self.sim_symbol(instrument_id)
        if hold:
            self._snapshots_held.add(symbol)
            return
        self._snapshots_held.discard(symbol)
        self.server.notify()
        for send in self._deferred_snapshots.pop(symbol, []):
            await send()

    def snapshot_deferred(self, symbol: str, send: Callable[[], Awaitable[None]]) -> bool:
        """For stream snapshots: when the suite holds ``symbol``'s snapshots, keep ``send``
        (which renders the book when called) for the release and return True; else False."""
        if symbol not in self._snapshots_held:
            return False
        self._deferred_snapshots.setdefault(symbol, []).append(send)
        self.server.notify()
        return True

    async def snapshot_released(self, symbol: str) -> None:
        """For REST snapshots: return once the suite does not hold ``symbol``'s snapshots."""
        if symbol not in self._snapshots_held:
            return
        self._rest_snapshot_waiters[symbol] = self._rest_snapshot_waiters.get(symbol, 0) + 1
        self.server.notify()
        try:
            while symbol in self._snapshots_held:
                await self.server.changed.wait()
        finally:
            self._rest_snapshot_waiters[symbol] -= 1

    def snapshot_waiting(self, instrument_id: Any) -> bool:
        symbol = self.sim_symbol(instrument_id)
        return bool(self._deferred_snapshots.get(symbol)) or (
            self._rest_snapshot_waiters.get(symbol, 0) > 0
        )

    async def to_authenticated(self, payload: Any, path: str | None = None) -> int:
        """Send ``payload`` to every logged-in connection (private events)."""
        sent = 0
        for conn in list(self.streams):
            if conn.authenticated and (path is None or conn.path == path):
                await conn.send_json(payload)
                sent += 1
        return sent

    #: How long after its stamp a login stays acceptable: 0 when the stamp is an expiry
    #: (Bybit, BitMEX), the venue's window when it is a timestamp (OKX's 30 s).
    login_validity_ms: int = 0

    def login_clock_ms(self) -> int:
        """The venue's "now" (UNIX ms) for checking login stamps."""
        return time.time_ns() // 1_000_000 + self._login_clock_offset_ms

    def expire_logins_through(self, stamp_ms: int) -> None:
        wall_ms = time.time_ns() // 1_000_000
        self._login_clock_offset_ms = max(0, stamp_ms + self.login_validity_ms + 1 - wall_ms)

    async def send_private(
        self,
        wants: Callable[[StreamConnection], bool],
        payload: Any,
        *,
        logged_in: bool = True,
    ) -> None:
        """Send a private stream message to every connection ``wants`` picks (logged-in ones
        only, unless ``logged_in`` is False: a venue whose user topics need no login), or keep
        it while :meth:`hold_private_events` holds. ``payload`` may be a function of the
        connection (a message wrapped with that connection's subscription id); it is called
        when the message is sent, so a withheld one is addressed to the connection of then."""
        if self._private_held is not None:
            self._private_held.append((wants, payload, logged_in))
            return
        for conn in list(self.streams):
            if (conn.authenticated or not logged_in) and wants(conn):
                await conn.send_json(payload(conn) if callable(payload) else payload)

    async def hold_private_events(self, hold: bool = True) -> None:
        if hold:
            if self._private_held is None:
                self._private_held = []
            return
        held, self._private_held = self._private_held or [], None
        for wants, payload, logged_in in held:
            await self.send_private(wants, payload, logged_in=logged_in)

    def record_login(self, ok: bool, stamp_ms: int | None = None) -> None:
        """Count a stream login; ``stamp_ms`` is the timestamp or expiry it carried (UNIX ms),
        kept for :attr:`login_stamps`."""
        if ok:
            self._logins += 1
            if stamp_ms is not None:
                self._login_stamps.append(int(stamp_ms))
        else:
            self._login_failures += 1
        self.server.notify()

    def record_text_ping(self) -> None:
        self._text_pings += 1
        self.server.notify()

    def record_subscribe_message(self) -> None:
        self._subscription_messages += 1
        self.server.notify()

    # -- faults -------------------------------------------------------------------------------------
    @property
    def stream_proxy(self) -> FaultProxy:
        """The proxy in front of the venue's streams (the HTTP server's, unless the venue
        streams from a server of its own, such as a plain TCP gateway)."""
        assert self.proxy is not None, "start the mock venue first (async with)"
        return self.proxy

    async def drop_connections(self, mode: Literal["fin", "rst"]) -> None:
        if mode == "fin":
            await self.stream_proxy.close_fin()
        else:
            await self.stream_proxy.reset_rst()

    async def go_silent(self, silent: bool = True) -> None:
        if silent:
            self.stream_proxy.blackhole()
        else:
            self.stream_proxy.restore()

    async def close_with_code(self, code: int, reason: str = "") -> None:
        for conn in list(self.streams):
            try:
                await conn.ws.close(code, reason)
            except Exception:
                pass

    async def send_malformed(self) -> None:
        for conn in list(self.streams):
            await conn.send_text('{"this is": not json')

    async def send_oversized(self, size: int) -> int:
        written = 0
        # Open connections only: one the client is closing may still be read to its end.
        for conn in [c for c in self.streams if c.ws.state == "open"]:
            try:
                written = max(written, await conn.ws.send_oversized_frame(size, text=True))
            except Exception:
                pass
        return written

    async def refuse_connections(self, refuse: bool = True) -> None:
        if refuse:
            self.stream_proxy.refuse()
        else:
            self.stream_proxy.restore()

    # -- observations ---------------------------------------------------------------------------------
    @property
    def connection_count(self) -> int:
        return sum(1 for c in self.streams if c.ws.state == "open")

    @property
    def total_connections(self) -> int:
        return self.server.ws_connections

    @property
    def tcp_connections(self) -> int:
        return self.proxy.connections if self.proxy is not None else 0

    @property
    def connection_attempt_times(self) -> Sequence[float]:
        return self._attempt_times

    @property
    def logins(self) -> int:
        return self._logins

    @property
    def login_failures(self) -> int:
        return self._login_failures

    @property
    def login_stamps(self) -> Sequence[int]:
        return self._login_stamps

    def active_subscriptions(self) -> list[set[str]]:
        return [set(c.topics) for c in self.streams if c.ws.state == "open"]

    @property
    def pings_sent(self) -> int:
        return self._closed_pings_sent + sum(c.ws.pings_sent for c in self.streams)

    @property
    def pongs_received(self) -> int:
        return self._closed_pongs + sum(c.ws.pongs_received for c in self.streams)

    @property
    def text_pings(self) -> int:
        return self._text_pings

    def subscription_messages(self) -> int:
        return self._subscription_messages

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = ""
    ) -> None:
        """Wait until ``predicate()`` holds: re-checked on every server change and at least
        every 20 ms (predicates often read client state, which the server does not see)."""
        try:
            with anyio.fail_after(timeout):
                while not predicate():
                    with anyio.move_on_after(0.02):
                        await self.server.changed.wait()
        except TimeoutError:
            raise TimeoutError(
                f"timed out after {timeout}s waiting for {what or predicate}"
            ) from None
