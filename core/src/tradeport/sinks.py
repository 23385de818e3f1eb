"""Event sinks: where ``tradeport record`` (or your own code) keeps a venue's events.

Sinks are plugins. A distribution names a module in the ``tradeport.sinks`` entry-point group;
the module implements :func:`tradeport.hookspecs.tradeport_register_sinks` and registers a
:class:`SinkSpec` for the URL schemes it serves. :func:`open_sink` picks the sink by the URL's
scheme::

    async with tradeport.open_sink("parquet:/data/ticks") as sink:   # or redis://, nats://
        async for event in feed.events():
            await sink.write(event)        # may wait: a sink applies backpressure, never drops

Reading back is :func:`tradeport.sources.open_source` with the same URLs.

Every event a sink accepts gets a stable :class:`EventId` (``<run>-<seq>``: the run is the
sink's start time and a random tag, ``seq`` counts from 1), kept with the event wherever it is
stored, so consumers of an at-least-once sink deduplicate with :class:`Deduplicator`.

:class:`BufferedPublisher` is the shared machinery of the network sinks (Redis, NATS): a
bounded buffer, one background publisher that retries with backoff until the server takes a
batch, backpressure when the buffer is full, and a close that refuses to lose events quietly.
"""

from __future__ import annotations

import abc
import contextlib
import json
import math
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import attrs

from tradeport.errors import ConfigError, TradeportError

__all__ = [
    "BufferedPublisher",
    "Deduplicator",
    "EventId",
    "Sink",
    "SinkError",
    "SinkSpec",
    "SinkStats",
    "UnknownSink",
    "decode_event",
    "encode_event",
    "event_type_name",
    "event_venue",
    "type_for_name",
    "type_module",
    "find_sink_spec",
    "new_run_id",
    "open_sink",
    "require_asyncio",
]


class SinkError(TradeportError):
    """A sink could not store events (the message says how many are not stored, and why)."""


class UnknownSink(ConfigError):
    """No installed sink serves the URL's scheme. The message lists the installed ones."""


def new_run_id() -> str:
    """A run tag that sorts by start time: 16 hex digits of ns, '-', 4 random hex digits."""
    return f"{time.time_ns():016x}{secrets.token_hex(2)}"


@attrs.frozen(order=True)
class EventId:
    """The stable id of one accepted event: ``run`` (a sink run) and ``seq`` (1, 2, ...)."""

    run: str
    seq: int

    def __str__(self) -> str:
        return f"{self.run}-{self.seq}"

    @classmethod
    def from_str(cls, value: str) -> EventId:
        run, dash, seq = value.rpartition("-")
        if not dash or not run or not seq.isdigit():
            raise ConfigError(f"event id {value!r} is not '<run>-<seq>'", field="event_id")
        return cls(run, int(seq))


class Deduplicator:
    """Drops redeliveries of an at-least-once stream, by event id.

    Per run it keeps the highest ``seq`` seen and the seqs below it not seen yet (a gap: events
    still to come from another stream, or reordered). A seq at or below the high-water mark
    that is not a gap is a repeat. Memory: one int per run plus the open gaps; a gap wider
    than ``max_gap`` (a consumer that started in the middle of a run) is not tracked, so
    events from before it count as repeats.
    """

    def __init__(self, max_gap: int = 1_000_000) -> None:
        self.max_gap = max_gap
        self._high: dict[str, int] = {}
        self._gaps: dict[str, set[int]] = {}
        #: Redeliveries dropped so far.
        self.duplicates = 0

    def first_time(self, event_id: EventId) -> bool:
        """True the first time an id is seen."""
        run, seq = event_id.run, event_id.seq
        high = self._high.get(run)
        if high is None:
            self._high[run] = seq
            # A run starts at seq 1; a consumer that joined later cannot know what came before.
            self._gaps[run] = set(range(1, seq)) if seq - 1 <= self.max_gap else set()
            return True
        if seq > high:
            if seq - high - 1 <= self.max_gap:
                self._gaps[run].update(range(high + 1, seq))
            self._high[run] = seq
            return True
        gaps = self._gaps[run]
        if seq in gaps:
            gaps.discard(seq)
            return True
        self.duplicates += 1
        return False


def event_type_name(event: Any) -> str:
    """The registered model type name of ``event`` (``QuoteTick``, ``binance.BinanceBar``)."""
    from tradeport.model.serialization import _NAMES

    name = _NAMES.get(type(event))
    if name is None:
        if type(event).__name__ == "Reconnected":
            return "Reconnected"
        raise SinkError(
            f"{type(event).__name__} is not a registered model type "
            "(tradeport.model.serialization.register_type): it cannot be recorded"
        )
    return name


def type_module(event_type: type) -> str | None:
    """The module defining a plugin's own record type (stored with it, so a reader can
    import it and register the type); None for the core's types."""
    module = event_type.__module__
    return None if module.startswith("tradeport.") else module


def type_for_name(name: str, module: str | None = None) -> type:
    """The record type a stored type name stands for; ``module`` (from :func:`type_module`)
    is imported first when the name is not registered yet (a plugin's own type)."""
    import importlib

    from tradeport.clients.base import Reconnected
    from tradeport.model.serialization import registered_types

    if name == "Reconnected":
        return Reconnected
    cls = registered_types().get(name)
    if cls is None and module:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
        cls = registered_types().get(name)
    if cls is None:
        _load_venue_types()
        cls = registered_types().get(name)
    if cls is None:
        raise SinkError(
            f"stored events of type {name!r} cannot be read: no installed plugin registers it"
        )
    return cls


def event_venue(event: Any, default: str = "UNKNOWN") -> str:
    """The venue id the event belongs to (from its instrument or bar type)."""
    iid = getattr(event, "instrument_id", None)
    if iid is None:
        bar_type = getattr(event, "bar_type", None)
        iid = getattr(bar_type, "instrument_id", None)
    if iid is not None:
        return str(iid.venue.value)
    venue = getattr(event, "venue", None)
    return str(venue).upper() if isinstance(venue, str) else default


def encode_event(event: Any, event_id: EventId) -> bytes:
    """``{"id": "<run>-<seq>", "event": <tagged dict>}`` as compact JSON bytes: exact decimals
    as strings, ns timestamps as ints (:mod:`tradeport.model.serialization`). A plugin's own
    type adds ``"module"`` (where to import it from when reading)."""
    from tradeport.model.serialization import to_tagged_dict

    if type(event).__name__ == "Reconnected":
        tagged = {"type": "Reconnected", **attrs.asdict(event)}
    else:
        tagged = to_tagged_dict(event)
    envelope: dict[str, Any] = {"id": str(event_id), "event": tagged}
    module = type_module(type(event))
    if module is not None:
        envelope["module"] = module
    return json.dumps(envelope, separators=(",", ":")).encode()


def decode_event(data: bytes | str) -> tuple[EventId, Any]:
    """The id and the domain object :func:`encode_event` made (``StructureError`` on bad input)."""
    from tradeport.model.serialization import from_tagged_dict

    envelope = json.loads(data)
    event_id = EventId.from_str(envelope["id"])
    tagged = envelope["event"]
    if tagged.get("type") == "Reconnected":
        from tradeport.clients.base import Reconnected

        fields = {k: v for k, v in tagged.items() if k != "type"}
        return event_id, Reconnected(**fields)
    type_for_name(tagged.get("type", ""), envelope.get("module"))  # registers plugin types
    return event_id, from_tagged_dict(tagged)


def _load_venue_types() -> None:
    from tradeport.plugins import load_plugins

    load_plugins()


def require_asyncio(what: str) -> None:
    """Raise :class:`SinkError` unless running on asyncio (clients with no trio support)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise SinkError(
            f"{what} runs on asyncio only (its client library has no trio support); "
            "run it with anyio.run(..., backend='asyncio')"
        ) from None


@attrs.define
class SinkStats:
    """What a sink has done so far (``tradeport record`` shows it on its status line)."""

    #: Events accepted by :meth:`Sink.write`.
    events: int = 0
    #: Events durably handed over (written to a closed file, acknowledged by the server).
    stored: int = 0
    #: Files completed (file sinks) or batches acknowledged (network sinks).
    files: int = 0
    #: Bytes written or sent.
    bytes: int = 0
    #: Failed attempts to reach the server (each one retried).
    failures: int = 0


class Sink(abc.ABC):
    """Where events go. ``async with`` opens it; leaving flushes and closes it.

    :meth:`write` may wait (backpressure): a sink never drops an event it accepted without
    raising :class:`SinkError` that says so.
    """

    #: The URL the sink was opened with.
    url: str

    def __init__(self, url: str, *, venue: str = "UNKNOWN") -> None:
        self.url = url
        #: Venue id for events that do not name one.
        self.venue = venue
        self.run = new_run_id()
        self.stats = SinkStats()
        self._seq = 0
        self._routes: dict[tuple[type, Any], tuple[str, str, str]] = {}

    def route(self, event: Any) -> tuple[str, str, str]:
        """``(type name, venue id, instrument id)`` of an event: where it is stored
        (cached per event type and instrument; the instrument is ``"_"`` when it has none)."""
        subject = getattr(event, "instrument_id", None) or getattr(event, "bar_type", None)
        key = (type(event), subject)
        route = self._routes.get(key)
        if route is None:
            iid = getattr(subject, "instrument_id", subject)
            instrument = "_" if iid is None else str(iid)
            route = (event_type_name(event), event_venue(event, self.venue), instrument)
            self._routes[key] = route
        return route

    def next_seq(self) -> int:
        """The ``seq`` of the next accepted event (its id is ``EventId(self.run, seq)``)."""
        self._seq += 1
        self.stats.events += 1
        return self._seq

    def next_id(self) -> EventId:
        """The id of the next accepted event."""
        return EventId(self.run, self.next_seq())

    async def __aenter__(self) -> Sink:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:  # noqa: B027 - optional
        """Connect or prepare storage."""

    @abc.abstractmethod
    async def write(self, event: Any) -> None:
        """Accept one event (it gets the next :class:`EventId`)."""

    @abc.abstractmethod
    async def flush(self) -> None:
        """Return when every accepted event is stored."""

    async def close(self) -> None:
        """Flush, then release everything."""
        await self.flush()


@attrs.frozen(kw_only=True)
class SinkSpec:
    """A sink as its plugin registers it (``tradeport_register_sinks``).

    ``open_sink(url, options)`` and ``open_source(url, options)`` build the (not yet entered)
    :class:`Sink` and :class:`tradeport.sources.Source`; ``options`` are keyword options the
    caller passed (sinks ignore none silently: they raise ConfigError naming unknown ones).
    """

    name: str
    schemes: tuple[str, ...] = attrs.field(converter=tuple)
    open_sink: Callable[[str, Mapping[str, Any]], Sink]
    open_source: Callable[[str, Mapping[str, Any]], Any] | None = None
    description: str = ""

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "schemes": list(self.schemes),
            "source": self.open_source is not None,
            "description": self.description,
        }


def url_scheme(url: str) -> str:
    """``parquet:/d`` -> ``parquet``; ``redis://h`` -> ``redis``."""
    scheme, colon, _ = url.partition(":")
    if not colon or not scheme.isidentifier():
        raise ConfigError(
            f"sink URL {url!r} has no scheme (e.g. parquet:DIR, redis://HOST, nats://HOST)",
            field="url",
        )
    return scheme.lower()


def find_sink_spec(url: str, registry: Any | None = None) -> SinkSpec:
    """The registered sink serving ``url``'s scheme (:class:`UnknownSink` lists them)."""
    from tradeport.plugins import SINKS_GROUP, load_plugins

    registry = registry if registry is not None else load_plugins(group=SINKS_GROUP)
    scheme = url_scheme(url)
    for spec in registry.sinks.values():
        if scheme in spec.schemes:
            return spec
    known = sorted(s for spec in registry.sinks.values() for s in spec.schemes)
    raise UnknownSink(
        f"no installed sink serves {scheme!r} URLs ({url}); installed: "
        f"{', '.join(known) or 'none'} (pip install tradeport-parquet, tradeport-redis, tradeport-nats)",
        field="url",
    )


def open_sink(url: str, *, registry: Any | None = None, **options: Any) -> Sink:
    """The sink for ``url`` (``parquet:DIR``, ``redis://HOST:PORT``, ``nats://HOST:PORT``).

    Use it with ``async with``. ``options`` go to the sink (e.g. ``venue=``, ``batch_size=``).
    """
    return find_sink_spec(url, registry).open_sink(url, options)


def check_options(sink: str, options: Mapping[str, Any], allowed: set[str]) -> None:
    """ConfigError naming any option ``sink`` does not know."""
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ConfigError(
            f"{sink}: unknown option(s) {', '.join(unknown)} (known: {', '.join(sorted(allowed))})",
            field=unknown[0],
        )


class BufferedPublisher(Sink):
    """A network sink: a bounded buffer drained by one background publisher.

    * ``write`` puts the event in a buffer of ``max_pending`` events and returns; when the
      buffer is full (the server is unreachable or slower than the feed), ``write`` waits:
      **backpressure**, so memory stays bounded (``max_pending`` events, the batch in flight
      included) and nothing is dropped. A ``write`` cancelled while waiting took nothing.
    * The publisher sends up to ``batch_size`` events at a time with :meth:`publish_batch`;
      when that raises, it waits (exponential backoff, ``retry_initial`` to ``retry_max``
      seconds) and sends the *same* batch again, forever, until the server takes it. The
      client library reconnects underneath. A batch that reached the server before the
      connection broke is sent twice: delivery is **at least once**, and consumers drop the
      repeat by event id (:class:`Deduplicator`).
    * ``close`` flushes for up to ``close_timeout`` seconds, then raises :class:`SinkError`
      with the number of events not delivered (never a quiet loss).

    Subclasses implement :meth:`connect`, :meth:`publish_batch` and :meth:`disconnect`.
    """

    #: The options :meth:`settings` takes from a sink's option mapping.
    OPTIONS = frozenset(
        {"venue", "max_pending", "batch_size", "retry_initial", "retry_max", "close_timeout"}
    )

    @classmethod
    def settings(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """The constructor keywords among ``options`` (a subclass reads its own from the rest)."""
        return {k: options[k] for k in cls.OPTIONS if k in options}

    def __init__(
        self,
        url: str,
        *,
        venue: str = "UNKNOWN",
        max_pending: int = 100_000,
        batch_size: int = 500,
        retry_initial: float = 0.05,
        retry_max: float = 2.0,
        close_timeout: float = 30.0,
    ) -> None:
        super().__init__(url, venue=venue)
        if max_pending < 1 or batch_size < 1:
            raise ConfigError(
                f"max_pending ({max_pending}) and batch_size ({batch_size}) must be at least 1",
                field="max_pending" if max_pending < 1 else "batch_size",
            )
        self.max_pending = max_pending
        self.batch_size = batch_size
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.close_timeout = close_timeout
        # The semaphore bounds the buffer (in-flight batch included); the stream only queues.
        self._space = anyio.Semaphore(max_pending)
        self._send, self._receive = anyio.create_memory_object_stream[tuple[EventId, Any]](math.inf)
        self._progress = anyio.Event()
        self._tasks: Any = None
        #: The last publish error, while retrying (None once a batch went through).
        self.last_error: BaseException | None = None

    @property
    def pending(self) -> int:
        """Events accepted and not yet acknowledged by the server."""
        return self.stats.events - self.stats.stored

    @abc.abstractmethod
    async def connect(self) -> None:
        """Open the client (it reconnects by itself afterwards)."""

    @abc.abstractmethod
    async def publish_batch(self, batch: list[tuple[EventId, Any]]) -> int:
        """Send ``batch`` in order and return when the server has it; return bytes sent.
        Raise on any failure: the whole batch is sent again."""

    @abc.abstractmethod
    async def disconnect(self) -> None:
        """Close the client."""

    async def open(self) -> None:
        await self.connect()
        self._tasks = anyio.create_task_group()
        await self._tasks.__aenter__()
        self._tasks.start_soon(self._publish_forever, name=f"sink {self.url}")

    async def write(self, event: Any) -> None:
        await self._space.acquire()  # backpressure; a cancelled wait has taken no id
        self._send.send_nowait((self.next_id(), event))

    async def flush(self, timeout: float | None = None) -> None:
        """Wait until the server has every accepted event; SinkError after ``timeout``."""
        target = self.stats.events
        with anyio.move_on_after(timeout if timeout is not None else float("inf")) as scope:
            while self.stats.stored < target:
                progress = self._progress
                await progress.wait()
        if scope.cancelled_caught:
            raise SinkError(
                f"{self.url}: {target - self.stats.stored} events not delivered after "
                f"{timeout}s (last error: {self.last_error!r}); they stay buffered"
            )

    async def close(self) -> None:
        try:
            with anyio.CancelScope(shield=True):
                await self.flush(self.close_timeout)
        finally:
            if self._tasks is not None:
                self._tasks.cancel_scope.cancel()
                await self._tasks.__aexit__(None, None, None)
                self._tasks = None
            await self._send.aclose()
            with anyio.CancelScope(shield=True):
                await self.disconnect()

    async def _publish_forever(self) -> None:
        delay = self.retry_initial
        while True:
            batch = [await self._receive.receive()]
            while len(batch) < self.batch_size:
                try:
                    batch.append(self._receive.receive_nowait())
                except anyio.WouldBlock:
                    break
            while True:
                try:
                    sent = await self.publish_batch(batch)
                except Exception as exc:  # the client's errors differ; all mean "send again"
                    self.last_error = exc
                    self.stats.failures += 1
                    await anyio.sleep(delay)
                    delay = min(self.retry_max, delay * 2)
                    continue
                break
            delay = self.retry_initial
            self.last_error = None
            self.stats.stored += len(batch)
            self.stats.files += 1
            self.stats.bytes += sent
            for _ in batch:
                self._space.release()
            progress, self._progress = self._progress, anyio.Event()
            progress.set()
