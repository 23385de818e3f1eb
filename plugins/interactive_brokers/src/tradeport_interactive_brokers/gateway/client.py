"""IbGateway: one TWS API connection (one client id), kept up by the core's stream session.

What it adds to the session: request/response correlation (a request id, or the kind for the
answers that carry none: open orders, positions, completed orders), topics for market data with
their request ids renewed on every (re)subscription, the connectivity notices (1100 lost, 1101
restored with data lost: every active topic is requested again, 1102 restored with data kept:
nothing to redo; farm status as status; 2107/2108 ignored), and IB's client-side limit of 50
messages per second through the core rate limiter.

TWS's nightly restart and the daily reset close the socket: the session reconnects with
backoff, runs the handshake again and replays the topics, like any other drop.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import anyio
import attrs
from tradeport.clients.background import BackgroundTasks
from tradeport.errors import RateLimitError, RequestTimeout, TransportError, VenueError
from tradeport.net.ratelimit import Quota, RateLimiter
from tradeport.net.stream_session import ConnectionState, Heartbeat, StreamSession
from tradeport.net.tcp import TcpTransport

from tradeport_interactive_brokers.config import InteractiveBrokersConfig
from tradeport_interactive_brokers.constants import (
    CONNECTIVITY_LOST,
    FARM_STATUS_CODES,
    IGNORED_NOTICES,
    PACING_VIOLATION,
    RESTORED_DATA_KEPT,
    RESTORED_DATA_LOST,
    VENUE_ID,
    In,
    Out,
)
from tradeport_interactive_brokers.gateway.protocol import IbProtocol
from tradeport_interactive_brokers.messages import req_current_time, req_market_data_type
from tradeport_interactive_brokers.parse import ErrorMessage, describe, parse_error, req_id_of
from tradeport_interactive_brokers.wire import FRAMING

__all__ = ["IbGateway", "GatewayNotice", "GatewayRunner", "TopicSpec", "is_warning"]

log = logging.getLogger("tradeport.interactive_brokers.gateway")

#: Messages that answer a request without a request id, by the kind of request.
_KIND_OF = {
    str(In.OPEN_ORDER): "open_orders",
    str(In.ORDER_STATUS): "open_orders",
    str(In.OPEN_ORDER_END): "open_orders",
    str(In.POSITION_DATA): "positions",
    str(In.POSITION_END): "positions",
    str(In.COMPLETED_ORDER): "completed_orders",
    str(In.COMPLETED_ORDERS_END): "completed_orders",
}
#: The message that ends each kind of answer (by request id or by kind).
_END = {
    str(In.CONTRACT_DATA_END),
    str(In.EXECUTION_DATA_END),
    str(In.ACCOUNT_SUMMARY_END),
    str(In.OPEN_ORDER_END),
    str(In.POSITION_END),
    str(In.COMPLETED_ORDERS_END),
    str(In.SECURITY_DEFINITION_OPTION_PARAMETER_END),
    str(In.SYMBOL_SAMPLES),  # a single message answers reqMatchingSymbols
    str(In.HISTORICAL_DATA),  # one message carries every bar of a request
}
#: Messages about orders, handed to the order listener (live events and answers alike).
_ORDER_MESSAGES = {
    str(In.OPEN_ORDER),
    str(In.ORDER_STATUS),
    str(In.EXECUTION_DATA),
    str(In.COMMISSION_REPORT),
}


def is_warning(code: int) -> bool:
    """IB's warnings and informational messages (2100-2199, 10167 delayed data): they never
    fail a request."""
    return 2100 <= code < 2200 or code in (10167, 10197)


@attrs.frozen
class GatewayNotice:
    """A connectivity or farm status notice from TWS (venue-specific event).

    ``kind``: ``LOST`` (1100), ``RESTORED_DATA_LOST`` (1101; subscriptions were requested
    again), ``RESTORED_DATA_KEPT`` (1102), ``FARM`` (2104/2106/2158 ... farm status).
    """

    venue: str
    client_id: int
    code: int
    kind: str
    message: str
    ts_event: int


@attrs.define
class TopicSpec:
    """How to request and cancel one market data topic, and who takes its messages."""

    subscribe: Callable[[int], bytes]
    cancel: Callable[[int], bytes] | None
    on_message: Callable[[list[str]], Awaitable[None]]
    on_error: Callable[[ErrorMessage], Awaitable[None]] | None = None


@attrs.define(eq=False)
class _Pending:
    """One request waiting for its answer."""

    messages: list[list[str]] = attrs.field(factory=list)
    done: anyio.Event = attrs.field(factory=anyio.Event)
    error: ErrorMessage | None = None


class IbGateway:
    """One API connection to TWS / IB Gateway with ``client_id`` (see the module docstring)."""

    def __init__(
        self,
        config: InteractiveBrokersConfig,
        *,
        client_id: int,
        name: str,
        on_notice: Callable[[GatewayNotice], Awaitable[None]] | None = None,
        on_reconnected: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config
        self.client_id = client_id
        self.heartbeat_interval = config.ws_heartbeat_interval or config.heartbeat_interval
        #: Sent on every connection right after the handshake, before topics are replayed
        #: (the market data type holds per connection).
        self.after_handshake: list[bytes] = []
        self.on_notice = on_notice
        #: Every order message (openOrder, orderStatus, execDetails, commissionReport) and
        #: every error tied to an order id goes here (the execution client sets it).
        self.order_listener: Callable[[list[str]], Awaitable[None]] | None = None
        self.order_error_listener: Callable[[ErrorMessage], Awaitable[None]] | None = None
        self.server_version = 0
        self.connection_time = ""
        self.accounts: list[str] = []
        self._next_order_id = 0
        self.ready = anyio.Event()
        self.notices: list[GatewayNotice] = []
        self.resubscriptions = 0
        self._req_ids = itertools.count(1)
        self._pending: dict[int | str, _Pending] = {}
        self._topics: dict[str, TopicSpec] = {}
        self._topic_req: dict[str, int] = {}
        self._req_topic: dict[int, str] = {}
        #: Barriers waiting for the n-th CURRENT_TIME of the connection, and the counts.
        self._barriers: list[tuple[int, anyio.Event]] = []
        self._time_sent = 0
        self._time_answers = 0
        self._pings_at_connect = 0
        self.limiter = RateLimiter({"global": Quota(config.max_messages_per_second, 1.0)})
        options = config.stream_options(
            heartbeat=Heartbeat(ping_interval=None, ping_timeout=None),
            idle_timeout=config.ws_idle_timeout,
        )
        self.session = StreamSession(
            TcpTransport(config.host, config.api_port, framing=FRAMING, venue=VENUE_ID),
            IbProtocol(self),
            self.on_fields,
            venue=VENUE_ID,
            name=name,
            login_timeout=config.handshake_timeout,
            ack_timeout=config.request_timeout,
            on_reconnected=on_reconnected,
            **options,
        )

    # -- handshake callbacks (from IbProtocol.on_connect) ---------------------------------------

    def on_server_hello(self, version: int, connection_time: str) -> None:
        # A new connection: requests unanswered on the old one never will be.
        self._time_sent = self._time_answers = 0
        self._pings_at_connect = self.session.counters.text_pings_sent
        for _, event in self._barriers:
            event.set()
        self._barriers = []
        self.server_version = version
        self.connection_time = connection_time
        log.info("client %d: server version %d, time %s", self.client_id, version, connection_time)

    def on_ready(self, next_order_id: int, accounts: list[str]) -> None:
        # Ids only increase per client id, across reconnects too.
        self._next_order_id = max(self._next_order_id, next_order_id)
        self.accounts = accounts
        self.ready.set()

    def set_market_data_type(self, market_data_type: int) -> None:
        """Ask for ``market_data_type`` (1 live, 2 frozen, 3 delayed, 4 delayed frozen) on
        every connection, before its subscriptions."""
        self.after_handshake = [
            p for p in self.after_handshake if not p.startswith(b"%d\0" % Out.REQ_MARKET_DATA_TYPE)
        ]
        self.after_handshake.append(req_market_data_type(market_data_type))

    # -- state ----------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the connection is up and past the handshake."""
        return self.session.state in (ConnectionState.CONNECTED, ConnectionState.AUTHENTICATED)

    def next_order_id(self) -> int:
        """A fresh order id (from nextValidId, increasing per client id)."""
        order_id = self._next_order_id
        self._next_order_id += 1
        return order_id

    def next_req_id(self) -> int:
        """A fresh request id (distinct from order ids: requests and orders share no space)."""
        return next(self._req_ids) + 10_000_000

    # -- sending --------------------------------------------------------------------------------

    async def send(self, payload: bytes) -> None:
        """Send one message, inside IB's message rate."""
        await self.limiter.acquire()
        await self.session.send(payload)

    async def request(
        self,
        build: Callable[[int], bytes] | bytes,
        *,
        key: str | None = None,
        timeout: float | None = None,
    ) -> list[list[str]]:
        """Send a request and collect its answer up to the end message.

        ``build`` makes the payload from a fresh request id; for answers without one
        (open orders, positions) give the payload and the ``key`` of that kind.
        Raises :class:`~tradeport.errors.VenueError` with IB's code for an error answer, and
        :class:`~tradeport.errors.RequestTimeout` when no end comes in time.
        """
        if key is None:
            req_id = self.next_req_id()
            slot: int | str = req_id
            payload = build(req_id) if callable(build) else build
        else:
            slot = key
            payload = build if isinstance(build, bytes) else build(0)
        pending = self._pending[slot] = _Pending()
        try:
            await self.send(payload)
            with anyio.move_on_after(timeout or self.config.request_timeout) as scope:
                await pending.done.wait()
            if scope.cancelled_caught:
                raise RequestTimeout(
                    f"no answer from TWS within {timeout or self.config.request_timeout}s",
                    venue=VENUE_ID,
                )
        finally:
            self._pending.pop(slot, None)
        if pending.error is not None:
            error = pending.error
            if error.code == PACING_VIOLATION and "pacing" in error.message.lower():
                raise RateLimitError(
                    error.message,
                    venue=VENUE_ID,
                    venue_code=error.code,
                    venue_message=error.message,
                )
            raise VenueError(
                error.message, venue=VENUE_ID, venue_code=error.code, venue_message=error.message
            )
        return pending.messages

    # -- topics (market data) -------------------------------------------------------------------

    def add_topic(self, topic: str, spec: TopicSpec) -> None:
        self._topics[topic] = spec

    def topic_request(self, topic: str) -> bytes:
        """A fresh request for ``topic`` (a new request id on every (re)subscription)."""
        spec = self._topics[topic]
        old = self._topic_req.pop(topic, None)
        if old is not None:
            self._req_topic.pop(old, None)
        req_id = self.next_req_id()
        self._topic_req[topic] = req_id
        self._req_topic[req_id] = topic
        return spec.subscribe(req_id)

    def topic_cancel(self, topic: str) -> bytes | None:
        spec = self._topics.get(topic)
        req_id = self._topic_req.pop(topic, None)
        if req_id is None or spec is None:
            return None
        self._req_topic.pop(req_id, None)
        return spec.cancel(req_id) if spec.cancel is not None else None

    def topic_of(self, req_id: int) -> str | None:
        return self._req_topic.get(req_id)

    async def subscribe(self, topic: str, spec: TopicSpec) -> None:
        """Request ``topic``; returns once TWS has taken the request (see :meth:`barrier`)."""
        self.add_topic(topic, spec)
        await self.limiter.acquire()
        await self.session.subscribe([topic])
        await self.barrier()

    async def unsubscribe(self, topic: str) -> None:
        await self.limiter.acquire()
        await self.session.unsubscribe([topic])
        await self.barrier()

    async def barrier(self) -> None:
        """Wait until TWS has read everything sent so far: TWS answers in order, so the
        answer to a reqCurrentTime sent now comes after its reactions to earlier requests
        (market data requests have no acknowledgement of their own). Bounded by
        ``request_timeout``; a connection that drops meanwhile ends the wait (the replay on
        the next connection sends the requests again)."""
        # Every reqCurrentTime still unanswered on this connection (heartbeats included) is
        # answered first: wait for the answer after theirs.
        sent = self.session.counters.text_pings_sent - self._pings_at_connect + self._time_sent
        target = max(sent, self._time_answers) + 1
        done = anyio.Event()
        self._barriers.append((target, done))
        try:
            self._time_sent += 1
            await self.send(req_current_time())
        except TransportError:
            self._barriers.remove((target, done))
            return
        with anyio.move_on_after(self.config.request_timeout):
            await done.wait()

    def on_current_time(self) -> None:
        """A CURRENT_TIME arrived (the heartbeat's answer, or a barrier's)."""
        self._time_answers += 1
        waiting = []
        for target, event in self._barriers:
            if self._time_answers >= target:
                event.set()
            else:
                waiting.append((target, event))
        self._barriers = waiting

    # -- receiving ------------------------------------------------------------------------------

    async def on_fields(self, fields: list[str]) -> None:
        """Route one message: errors and notices, answers to requests, topics, orders."""
        msg_id = fields[0]
        if msg_id == str(In.ERROR):
            await self._on_error(parse_error(fields))
            return
        if msg_id == str(In.NEXT_VALID_ID):
            self._next_order_id = max(self._next_order_id, int(fields[2]))
            return
        if msg_id in _ORDER_MESSAGES and self.order_listener is not None:
            await self.order_listener(fields)
        kind = _KIND_OF.get(msg_id)
        req_id = req_id_of(fields)
        slot: int | str | None = kind if kind is not None else req_id
        pending = self._pending.get(slot) if slot is not None else None
        if pending is not None:
            pending.messages.append(fields)
            if msg_id in _END:
                pending.done.set()
            return
        if req_id is not None:
            topic = self._req_topic.get(req_id)
            if topic is not None:
                await self._topics[topic].on_message(fields)
                return
        if msg_id not in _ORDER_MESSAGES and kind is None:
            log.debug("client %d: unrouted message %s", self.client_id, describe(fields))

    async def _on_error(self, error: ErrorMessage) -> None:
        code = error.code
        if code in IGNORED_NOTICES:
            return
        if (
            error.req_id == -1
            or code in FARM_STATUS_CODES
            or code
            in (
                CONNECTIVITY_LOST,
                RESTORED_DATA_LOST,
                RESTORED_DATA_KEPT,
            )
        ):
            await self._on_notice(error)
            return
        pending = self._pending.get(error.req_id)
        if pending is not None:
            if not is_warning(code):
                pending.error = error
                pending.done.set()
            return
        topic = self._req_topic.get(error.req_id)
        if topic is not None:
            spec = self._topics.get(topic)
            if is_warning(code):
                log.info("client %d: %s: %s (%d)", self.client_id, topic, error.message, code)
            elif spec is not None and spec.on_error is not None:
                await spec.on_error(error)
            else:
                log.warning(
                    "client %d: %s refused: %s (%d)", self.client_id, topic, error.message, code
                )
            return
        if self.order_error_listener is not None:
            await self.order_error_listener(error)
            return
        log.warning(
            "client %d: TWS error %d for %d: %s", self.client_id, code, error.req_id, error.message
        )

    async def _on_notice(self, error: ErrorMessage) -> None:
        code = error.code
        if code == CONNECTIVITY_LOST:
            kind = "LOST"
        elif code == RESTORED_DATA_LOST:
            kind = "RESTORED_DATA_LOST"
        elif code == RESTORED_DATA_KEPT:
            kind = "RESTORED_DATA_KEPT"
        elif code in FARM_STATUS_CODES:
            kind = "FARM"
        else:
            kind = "INFO"
        if kind == "RESTORED_DATA_LOST":
            # TWS dropped every market data request: ask for all of them again.
            active = list(self._topic_req)
            if active:
                self.resubscriptions += 1
                await self.session.resubscribe(active)
        log.log(
            logging.WARNING if kind in ("LOST", "RESTORED_DATA_LOST") else logging.INFO,
            "client %d: TWS %d %s: %s",
            self.client_id,
            code,
            kind,
            error.message,
        )
        notice = GatewayNotice(VENUE_ID, self.client_id, code, kind, error.message, time.time_ns())
        self.notices.append(notice)
        if self.on_notice is not None:
            await self.on_notice(notice)

    # -- lifecycle ------------------------------------------------------------------------------

    async def run(self, *, task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        """Connect and stay connected (see :meth:`StreamSession.run`)."""
        await self.session.run(task_status=task_status)

    def close(self) -> None:
        self.session.close()

    async def __aenter__(self) -> IbGateway:
        self._stack = AsyncExitStack()
        await self._stack.enter_async_context(self.session)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._stack.aclose()


class GatewayRunner:
    """Keeps one client's :class:`IbGateway` running on the client's background tasks:
    :meth:`start` connects once (returns after the handshake), :meth:`stop` closes it."""

    def __init__(self, gateway: IbGateway, log: logging.Logger) -> None:
        self.gateway = gateway
        self.tasks = BackgroundTasks(log, gateway.session.name)
        self.started = False

    async def start(self) -> None:
        if self.started:
            return
        await self.tasks.open()
        await self.tasks.start_stream(self.gateway.session)
        self.started = True

    async def stop(self) -> None:
        if self.started:
            self.gateway.close()
        await self.tasks.close()
        self.started = False
