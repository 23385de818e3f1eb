"""Redis Streams sink and source.

**Keys.** One stream per venue and event type: ``<prefix>:<VENUE>:<Type>`` (default prefix
``tradeport``), e.g. ``tradeport:BINANCE:QuoteTick``. Each entry has two fields: ``id``, the
event's stable id (``<run>-<seq>``), and ``event``, the JSON envelope of
:func:`tradeport.sinks.encode_event` (exact decimals as strings, ns timestamps as ints).

**Delivery.** The sink is a :class:`tradeport.sinks.BufferedPublisher`: ``XADD`` pipelines of
up to ``batch_size`` entries; when Redis is unreachable the batch is retried with backoff
(redis-py opens a new connection on the next command) while ``write`` keeps filling a bounded
buffer of ``max_pending`` events, then waits (backpressure). Nothing is dropped; a pipeline
that reached Redis before the connection broke is sent again (at least once), and the source
drops the repeats by event id. ``maxlen`` (option) trims streams approximately (``MAXLEN ~``).

**Reading.** :class:`RedisStreamsSource` reads every matching stream from its first entry with
``XREAD`` (``start="$"``: only new entries), follows new entries and new streams until stopped
(``follow=False``: stops at the end), survives server restarts (it reconnects with backoff and
continues after the last entry it read), and yields each event once.

**asyncio only.** redis-py's async client runs on asyncio and has no trio support: the sink
and source raise a clear :class:`tradeport.sinks.SinkError` under trio rather than failing
later (use ``anyio.run(..., backend="asyncio")``; the CLI does).
"""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterator, Mapping
from typing import Any

import anyio
from tradeport.sinks import (
    BufferedPublisher,
    EventId,
    check_options,
    decode_event,
    encode_event,
    require_asyncio,
)
from tradeport.sources import Source

__all__ = ["RedisStreamsSink", "RedisStreamsSource", "stream_key"]

SINK_OPTIONS = BufferedPublisher.OPTIONS | {"prefix", "maxlen"}
SOURCE_OPTIONS = {"venues", "types", "follow", "prefix", "start", "count", "block_ms", "retry_max"}


def stream_key(prefix: str, venue: str, type_name: str) -> str:
    """``tradeport:BINANCE:QuoteTick``"""
    return f"{prefix}:{venue}:{type_name}"


def _client(url: str) -> Any:
    import redis.asyncio as redis

    # Short timeouts: a dead server shows as an error soon, and the retry loop takes over.
    return redis.Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=5.0)


class RedisStreamsSink(BufferedPublisher):
    """Publishes events to Redis Streams (see the module docstring)."""

    def __init__(self, url: str, options: Mapping[str, Any]) -> None:
        check_options("redis sink", options, SINK_OPTIONS)
        super().__init__(url, **self.settings(options))
        self.prefix = options.get("prefix", "tradeport")
        self.maxlen = options.get("maxlen")
        self._redis: Any = None

    async def connect(self) -> None:
        require_asyncio("the redis sink")
        self._redis = _client(self.url)

    def _key(self, event: Any) -> str:
        type_name, venue, _ = self.route(event)
        return stream_key(self.prefix, venue, type_name)

    async def publish_batch(self, batch: list[tuple[EventId, Any]]) -> int:
        pipe = self._redis.pipeline(transaction=False)
        sent = 0
        for event_id, event in batch:
            data = encode_event(event, event_id)
            sent += len(data)
            pipe.xadd(
                self._key(event),
                {"id": str(event_id), "event": data},
                maxlen=self.maxlen,
                approximate=True,
            )
        await pipe.execute()
        return sent

    async def disconnect(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


class RedisStreamsSource(Source):
    """Events from Redis Streams written by :class:`RedisStreamsSink`, each once."""

    def __init__(self, url: str, options: Mapping[str, Any]) -> None:
        check_options("redis source", options, SOURCE_OPTIONS)
        super().__init__(url, venues=options.get("venues"), types=options.get("types"))
        self.prefix = options.get("prefix", "tradeport")
        self.follow = bool(options.get("follow", True))
        self.start = options.get("start", "0")
        self.count = int(options.get("count", 1000))
        self.block_ms = int(options.get("block_ms", 1000))
        self.retry_max = float(options.get("retry_max", 2.0))
        self._redis: Any = None
        #: stream key -> the last entry id read.
        self.positions: dict[str, Any] = {}
        #: Failed reads (each one retried after a backoff).
        self.failures = 0

    async def open(self) -> None:
        require_asyncio("the redis source")
        self._redis = _client(self.url)

    async def close(self) -> None:
        if self._redis is not None:
            with anyio.CancelScope(shield=True):
                await self._redis.aclose()
            self._redis = None

    def _wanted(self, key: str) -> bool:
        parts = key.split(":", 2)
        if len(parts) != 3 or parts[0] != self.prefix:
            return False
        return (self.venues is None or parts[1] in self.venues) and (
            self.types is None or parts[2] in self.types
        )

    async def _discover(self) -> None:
        async for raw in self._redis.scan_iter(
            match=f"{self.prefix}:*", _type="stream", count=1000
        ):
            key = raw.decode() if isinstance(raw, bytes) else raw
            if key not in self.positions and self._wanted(key):
                self.positions[key] = self.start

    async def records(self) -> AsyncIterator[tuple[EventId, Any]]:
        delay = 0.05
        while True:
            try:
                await self._discover()
                if not self.positions:
                    if not self.follow:
                        return
                    await anyio.sleep(self.block_ms / 1000)
                    continue
                block = self.block_ms if self.follow else None
                reply = await self._redis.xread(self.positions, count=self.count, block=block)
            except Exception as exc:  # connection refused/reset, loading: retry until back
                if type(exc).__module__.split(".")[0] != "redis" and not isinstance(exc, OSError):
                    raise
                self.failures += 1
                await anyio.sleep(delay)
                delay = min(self.retry_max, delay * 2)
                continue
            delay = 0.05
            if not reply:
                if not self.follow:
                    return
                continue
            records = []
            for raw_key, entries in reply:
                key = raw_key.decode() if isinstance(raw_key, bytes) else raw_key
                for entry_id, fields in entries:
                    records.append(decode_event(fields[b"event"]))
                    self.positions[key] = entry_id
            # Within one reply, in the sink's order (streams of different types interleave).
            for record in heapq.merge(*_runs(records), key=lambda r: (r[0].run, r[0].seq)):
                yield record


def _runs(records: list[tuple[EventId, Any]]) -> list[list[tuple[EventId, Any]]]:
    """Split into already-sorted runs (each stream's entries are in order)."""
    out: list[list[tuple[EventId, Any]]] = []
    for record in records:
        if out and (out[-1][-1][0].run, out[-1][-1][0].seq) <= (record[0].run, record[0].seq):
            out[-1].append(record)
        else:
            out.append([record])
    return out
