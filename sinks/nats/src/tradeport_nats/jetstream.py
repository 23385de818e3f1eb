"""NATS JetStream sink and source.

**Streams and subjects.** One JetStream stream per venue and event type, with one subject:
``<prefix>.<VENUE>.<Type>`` (default prefix ``tradeport``; dots inside a type name become
``_``: ``tradeport.BINANCE.binance_Bar``); the stream is named ``<PREFIX>_<VENUE>_<TYPE>`` in
upper case (``TRADEPORT_BINANCE_QUOTETICK``), created on first use with file storage. A message
is the JSON envelope of :func:`tradeport.sinks.encode_event`; its ``Nats-Msg-Id`` header is the
event's stable id, so JetStream itself drops a republished message inside its duplicate window
(``duplicate_window``, default 120 s) and sources drop any later repeat by id.

**Delivery.** The sink is a :class:`tradeport.sinks.BufferedPublisher`: a batch is published
with ``publish_async`` in order and counts as delivered when every publish ack arrived (within
``ack_timeout``, default 5 s); otherwise the whole batch is published again after a backoff,
while nats-py reconnects by itself and ``write`` fills the bounded buffer of ``max_pending``
events, then waits (backpressure). At least once, never a silent drop.

**Reading.** :class:`JetStreamSource` reads each matching stream with its own pull consumer
from the first message (``start="new"``: only new ones), follows new messages and new streams
(``follow=False``: stops at each stream's last message as of opening), and after a server
restart or a lost consumer creates a new one starting after the last message it yielded.
Order is exact within a stream (one event type of one venue); streams interleave as messages
arrive.

**asyncio only.** nats-py runs on asyncio and has no trio support: under trio the sink and
source raise :class:`tradeport.sinks.SinkError` at open.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any

import anyio
from tradeport.sinks import (
    BufferedPublisher,
    EventId,
    SinkError,
    check_options,
    decode_event,
    encode_event,
    require_asyncio,
)
from tradeport.sources import Source

__all__ = ["JetStreamSink", "JetStreamSource", "stream_name", "subject_for"]

SINK_OPTIONS = BufferedPublisher.OPTIONS | {"prefix", "ack_timeout", "duplicate_window"}
SOURCE_OPTIONS = {
    "venues",
    "types",
    "follow",
    "prefix",
    "start",
    "count",
    "fetch_timeout",
    "retry_max",
}
_TOKEN = re.compile(r"[^A-Za-z0-9_-]")


def subject_for(prefix: str, venue: str, type_name: str) -> str:
    """``tradeport.BINANCE.QuoteTick``"""
    return f"{prefix}.{_TOKEN.sub('_', venue)}.{_TOKEN.sub('_', type_name)}"


def stream_name(subject: str) -> str:
    """``tradeport.BINANCE.QuoteTick`` -> ``TRADEPORT_BINANCE_QUOTETICK``"""
    return _TOKEN.sub("_", subject.replace(".", "_")).upper()


async def _connect(url: str, timeout: float = 1.5) -> Any:
    """A connected client that reconnects by itself from then on. A server that cannot be
    reached now raises ConnectionError after ``timeout`` (nats-py would try forever), so the
    caller's retry loop counts the failure and backs off."""
    from nats.aio.client import Client

    async def quiet(_: Exception) -> None:  # reconnect attempts are expected, not news
        return None

    client = Client()
    try:
        await asyncio.wait_for(
            client.connect(
                url,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.2,
                connect_timeout=2,
                error_cb=quiet,
            ),
            timeout,
        )
    except (TimeoutError, OSError) as exc:
        with contextlib.suppress(Exception):
            await client.close()
        raise ConnectionError(f"cannot reach {url}: {exc!r}") from None
    return client


class JetStreamSink(BufferedPublisher):
    """Publishes events to JetStream (see the module docstring)."""

    def __init__(self, url: str, options: Mapping[str, Any]) -> None:
        check_options("nats sink", options, SINK_OPTIONS)
        super().__init__(url, **self.settings(options))
        self.prefix = options.get("prefix", "tradeport")
        self.ack_timeout = float(options.get("ack_timeout", 5.0))
        self.duplicate_window = float(options.get("duplicate_window", 120.0))
        self._nc: Any = None
        self._js: Any = None
        self._streams: set[str] = set()
        #: Publishes JetStream recognised as repeats (by Nats-Msg-Id) and did not store again.
        self.server_duplicates = 0

    async def connect(self) -> None:
        require_asyncio("the nats sink")
        # The first connection is made by the publisher (and retried there while the server
        # is unreachable), so opening the sink never fails on a server that is down.

    def _subject(self, event: Any) -> str:
        type_name, venue, _ = self.route(event)
        return subject_for(self.prefix, venue, type_name)

    async def _ensure_stream(self, subject: str) -> None:
        if subject in self._streams:
            return
        from nats.js.api import StorageType, StreamConfig
        from nats.js.errors import BadRequestError

        config = StreamConfig(
            name=stream_name(subject),
            subjects=[subject],
            storage=StorageType.FILE,
            duplicate_window=self.duplicate_window,
        )
        try:
            await self._js.add_stream(config)
        except BadRequestError as exc:  # exists with another config (e.g. its own limits): use it
            if "already in use" not in str(exc):
                raise
        self._streams.add(subject)

    async def publish_batch(self, batch: list[tuple[EventId, Any]]) -> int:
        if self._nc is None or self._nc.is_closed:
            self._nc = await _connect(self.url)
            self._js = self._nc.jetstream()
        acks: list[asyncio.Future[Any]] = []
        sent = 0
        try:
            for event_id, event in batch:
                subject = self._subject(event)
                await self._ensure_stream(subject)
                data = encode_event(event, event_id)
                sent += len(data)
                acks.append(
                    await self._js.publish_async(
                        subject, data, headers={"Nats-Msg-Id": str(event_id)}
                    )
                )
            results = await asyncio.wait_for(asyncio.gather(*acks), timeout=self.ack_timeout)
        except BaseException:
            for ack in acks:  # frees their slots in nats-py's pending-publish limit
                ack.cancel()
            raise
        self.server_duplicates += sum(1 for ack in results if getattr(ack, "duplicate", False))
        return sent

    async def disconnect(self) -> None:
        if self._nc is not None:
            await self._nc.close()
            self._nc = None


class JetStreamSource(Source):
    """Events from the JetStream streams :class:`JetStreamSink` writes, each once."""

    def __init__(self, url: str, options: Mapping[str, Any]) -> None:
        check_options("nats source", options, SOURCE_OPTIONS)
        super().__init__(url, venues=options.get("venues"), types=options.get("types"))
        self.prefix = options.get("prefix", "tradeport")
        self.follow = bool(options.get("follow", True))
        if options.get("start", "first") not in ("first", "new"):
            raise SinkError(f"nats source: start={options['start']!r} is not 'first' or 'new'")
        self.start_new = options.get("start") == "new"
        self.count = int(options.get("count", 500))
        self.fetch_timeout = float(options.get("fetch_timeout", 1.0))
        self.retry_max = float(options.get("retry_max", 2.0))
        self._nc: Any = None
        self._tasks: Any = None
        self._send, self._receive = anyio.create_memory_object_stream[tuple[EventId, Any]](10_000)
        #: stream name -> last stream sequence yielded.
        self.positions: dict[str, int] = {}
        #: Consumers created again after a failure (server restart, lost consumer).
        self.resubscribes = 0

    async def open(self) -> None:
        require_asyncio("the nats source")
        delay = 0.05
        while self._nc is None:
            try:
                self._nc = await _connect(self.url)
            except Exception:  # the server is not up yet: keep trying, like the readers do
                await anyio.sleep(delay)
                delay = min(self.retry_max, delay * 2)
        self._tasks = anyio.create_task_group()
        await self._tasks.__aenter__()
        self._tasks.start_soon(self._discover_forever)

    async def close(self) -> None:
        if self._tasks is not None:
            self._tasks.cancel_scope.cancel()
            await self._tasks.__aexit__(None, None, None)
            self._tasks = None
        with anyio.CancelScope(shield=True):
            if self._nc is not None:
                await self._nc.close()
                self._nc = None

    def _wanted(self, subject: str) -> bool:
        parts = subject.split(".", 2)
        if len(parts) != 3 or parts[0] != self.prefix:
            return False
        # Subject tokens hold venue and type names with "." (and the like) as "_".
        venues = None if self.venues is None else {_TOKEN.sub("_", v) for v in self.venues}
        types = None if self.types is None else {_TOKEN.sub("_", t) for t in self.types}
        return (venues is None or parts[1] in venues) and (types is None or parts[2] in types)

    async def _discover_forever(self) -> None:
        js = self._nc.jetstream()
        async with self._send, anyio.create_task_group() as tg:
            while True:
                try:
                    infos = await js.streams_info()
                except Exception:
                    infos = []
                for info in infos:
                    subjects = info.config.subjects or []
                    name = info.config.name
                    if name in self.positions or not subjects or not self._wanted(subjects[0]):
                        continue
                    last = info.state.last_seq
                    self.positions[name] = last if self.start_new else 0
                    tg.start_soon(
                        self._read_stream,
                        js,
                        name,
                        subjects[0],
                        None if self.follow else last,
                        self._send.clone(),
                    )
                if not self.follow:
                    return  # the readers end at their last message; then the stream closes
                await anyio.sleep(self.fetch_timeout)

    async def _read_stream(
        self, js: Any, name: str, subject: str, until: int | None, send: Any
    ) -> None:
        from nats.errors import TimeoutError as NatsTimeout
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        delay = 0.05
        sub = None
        async with send:
            while until is None or self.positions[name] < until:
                try:
                    if sub is None:
                        config = ConsumerConfig(
                            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                            opt_start_seq=self.positions[name] + 1,
                            ack_policy=AckPolicy.NONE,
                            inactive_threshold=60.0,
                        )
                        sub = await js.pull_subscribe(subject, stream=name, config=config)
                    try:
                        msgs = await sub.fetch(self.count, timeout=self.fetch_timeout)
                    except (TimeoutError, NatsTimeout):
                        # Nothing new, or the consumer handed messages to a connection that
                        # died (a server restart) or is gone: then read again from our place.
                        info = await sub.consumer_info()
                        if info.delivered.stream_seq > self.positions[name]:
                            sub = await self._drop(sub)
                            self.resubscribes += 1
                        continue
                except Exception:
                    sub = await self._drop(sub)
                    self.resubscribes += 1
                    await anyio.sleep(delay)
                    delay = min(self.retry_max, delay * 2)
                    continue
                delay = 0.05
                for msg in msgs:
                    seq = msg.metadata.sequence.stream
                    if seq <= self.positions[name]:
                        continue  # redelivered by a consumer created again
                    if seq > self.positions[name] + 1:
                        # A gap: messages the consumer handed to a connection that died (a
                        # server restart). Streams have no holes: read again from the gap.
                        sub = await self._drop(sub)
                        self.resubscribes += 1
                        break
                    await send.send(decode_event(msg.data))
                    self.positions[name] = seq
            await self._drop(sub)

    @staticmethod
    async def _drop(sub: Any) -> None:
        """Unsubscribe (best effort: the connection may be gone); returns None for ``sub``."""
        if sub is not None:
            with (
                anyio.CancelScope(shield=True),
                anyio.move_on_after(1),
                contextlib.suppress(Exception),
            ):
                await sub.unsubscribe()

    async def records(self) -> AsyncIterator[tuple[EventId, Any]]:
        async for record in self._receive:
            yield record
