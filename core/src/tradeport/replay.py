"""``open_replay``: a venue's past as the same event stream a live session yields.

::

    async with tradeport.open_replay(
        "tardis", config, start="2026-11-02T00:00:00Z", end="2026-11-02T01:00:00Z",
        subscriptions=[ReplaySubscription(DataType.TRADES, InstrumentId.from_str("BTCUSDT.BINANCE"))],
    ) as replay:
        async for event in replay.events():     # TradeTick, QuoteTick, ... as open_venue yields
            ...
        # replay.completed is True here: the range is exhausted, the iteration simply ended.

Why a function of its own rather than a flag on ``open_venue``: a replay has a start and an
end, an order, progress, a resume point and an end of stream, a live session none of them; it
has no execution and no subscriptions made while it runs. The shape is still ``open_venue``'s
(``async with ... as x: async for e in x.events()``), as is that of
:func:`tradeport.open_source` (recorded events read back), so a consumer takes any of the three.

The rules, for users and for providers (``tradeport_create_replay_source``):

* **Order.** Events come ordered by ``order_by``: ``"ts_init"`` (default: the arrival time the
  provider recorded, Tardis' local timestamps; live sessions deliver in this order too) or
  ``"ts_event"`` (the venue's timestamp, Databento's order). A source declares the orders it
  can serve (:attr:`ReplaySource.order_by`); the session checks every event and raises
  :class:`ReplayOrderError` if a source breaks its promise. Events with equal timestamps keep
  the source's order, which must be deterministic (the resume point depends on it).
* **Range.** ``start`` inclusive, ``end`` exclusive, on the ``order_by`` timestamp; events a
  source yields outside it are dropped. Without an ``end`` the range ends when the replay
  opens (an intraday replay of "today so far").
* **End of stream.** :meth:`Replay.events` ends when the source is exhausted or the range is
  done; :attr:`Replay.completed` is then True and a last progress report has ``done=True``.
* **Progress.** :attr:`Replay.progress` is always current (position, events, fraction of the
  range); ``on_progress`` is called every ``progress_every`` events and at the end.
* **Bounded memory.** Events are pulled from the source as the consumer takes them: nothing is
  buffered here, and a source must not load a whole range either (fetch by pages, minute
  files, chunks). :func:`merge_ordered` merges several ordered streams holding one event of
  each.
* **Resume.** :attr:`Replay.cursor` is the point after the last event delivered. When the
  source fails (a network error, a truncated file), :meth:`Replay.events` raises
  :class:`ReplayInterrupted` carrying that cursor; ``open_replay(..., resume=cursor)`` then
  continues with the next event, none lost and none repeated.
"""

from __future__ import annotations

import contextlib
import heapq
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from tradeport.clients.base import InstrumentProvider, VenueClient
from tradeport.clients.capabilities import DataType
from tradeport.errors import PluginError, TradeportError, UnsupportedOperation, ValidationError

if TYPE_CHECKING:
    from tradeport.model.identifiers import InstrumentId
    from tradeport.model.instruments import Instrument
    from tradeport.plugins import PluginRegistry
    from tradeport.venue import VenueSpec

__all__ = [
    "ORDER_KEYS",
    "Replay",
    "ReplayCursor",
    "ReplayInterrupted",
    "ReplayOrderError",
    "ReplayProgress",
    "ReplayRequest",
    "ReplaySource",
    "ReplaySubscription",
    "merge_ordered",
    "open_replay",
    "to_ns",
]

#: The timestamps a replay can be ordered by.
ORDER_KEYS = ("ts_init", "ts_event")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ns(value: int | datetime | str, field: str = "time") -> int:
    """UNIX ns from an int (ns), an aware datetime, or an ISO 8601 string (``Z`` allowed)."""
    if value.__class__ is int:
        if value < 0:  # type: ignore[operator]
            raise ValidationError(field, value, "must not be negative")
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(field, value, "is not an ISO 8601 time") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(field, str(value), "needs a time zone (e.g. UTC)")
        return (value - _EPOCH) // timedelta(microseconds=1) * 1_000
    raise ValidationError(field, value, "must be UNIX ns (int), a datetime or an ISO string")


def _data_type(value: Any) -> DataType:
    return DataType(value)


@attrs.frozen(kw_only=True)
class ReplaySubscription:
    """What to replay: a data type, for an instrument (or for all, with None), plus
    provider-specific ``params`` (a Tardis channel, a Databento schema)."""

    data_type: DataType = attrs.field(converter=_data_type)
    instrument_id: InstrumentId | None = None
    params: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class ReplayCursor:
    """Where a replay stands: after the ``count``-th event whose ``order_by`` timestamp is
    ``ts`` (``events`` delivered in all). Pass it as ``open_replay(resume=...)``; to resume in
    another process, store ``tradeport.model.serialization.unstructure(cursor)`` (a JSON-safe
    dict) and ``structure(it, ReplayCursor)`` it back."""

    order_by: str
    ts: int
    count: int
    events: int = 0


@attrs.frozen(kw_only=True)
class ReplayProgress:
    """How far a replay is: ``position_ns`` (the last event's timestamp) within
    ``[start_ns, end_ns)``, ``events`` delivered, ``done`` once the stream ended."""

    start_ns: int
    end_ns: int
    position_ns: int
    events: int
    done: bool = False

    @property
    def fraction(self) -> float:
        """0.0 to 1.0 of the range covered (1.0 when done)."""
        if self.done:
            return 1.0
        span = self.end_ns - self.start_ns
        return min(max((self.position_ns - self.start_ns) / span, 0.0), 1.0) if span else 0.0


@attrs.frozen(kw_only=True)
class ReplayRequest:
    """What a :class:`ReplaySource` is asked for.

    ``from_ns`` is where to begin (inclusive): ``start_ns``, or a resume cursor's timestamp;
    the session drops what comes before it and skips what a resumed replay delivered already.
    ``instruments`` are the ones the caller gave (a replay of recorded frames hands them to
    the recorded venue's frame parser for their precision).
    """

    venue: str
    start_ns: int
    end_ns: int
    order_by: str
    subscriptions: tuple[ReplaySubscription, ...] = ()
    instruments: tuple[Instrument, ...] = ()
    resume: ReplayCursor | None = None
    params: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def from_ns(self) -> int:
        """Where the source should begin (inclusive)."""
        return self.resume.ts if self.resume is not None else self.start_ns


class ReplaySource(VenueClient):
    """What a replay provider implements: :meth:`replay` yields the events of a request.

    Yield the events the live session would yield, ordered by ``request.order_by`` from
    ``request.from_ns`` on (equal timestamps in a deterministic order), fetching lazily.
    Raise on a failure (any exception): the session turns it into :class:`ReplayInterrupted`
    with the resume point.
    """

    #: The orders this source can serve (a subset of :data:`ORDER_KEYS`).
    order_by: frozenset[str] = frozenset({"ts_init"})

    def replay(self, request: ReplayRequest) -> AsyncIterator[Any]:
        """The events of ``request``, in order (an async generator)."""
        self._unsupported("replay")


class ReplayOrderError(TradeportError):
    """A replay source yielded an event out of the order it promised."""


class ReplayInterrupted(TradeportError):
    """The replay source failed mid-stream. ``cursor`` is the resume point (None when nothing
    was delivered: start again); ``__cause__`` is the source's error."""

    #: Whether resuming can help: the cause's own ``retryable`` (a refused key or a missing
    #: one is not, a network failure is), True for a cause that says nothing.
    retryable = True

    def __init__(self, venue: str, cursor: ReplayCursor | None, cause: BaseException) -> None:
        where = f"after {cursor.events} events (ts {cursor.ts})" if cursor else "before any event"
        super().__init__(
            f"{venue} replay interrupted {where}: {type(cause).__name__}: {cause}; "
            "open_replay(..., resume=error.cursor) continues from there"
        )
        self.venue = venue
        self.cursor = cursor
        self.retryable = bool(getattr(cause, "retryable", True))


class Replay:
    """An open replay: its spec, config, provider and source, the event stream, progress and
    the resume point (see the module docstring)."""

    def __init__(
        self,
        spec: VenueSpec,
        config: Any,
        instruments: InstrumentProvider,
        source: ReplaySource,
        request: ReplayRequest,
        *,
        on_progress: Callable[[ReplayProgress], Any] | None = None,
        progress_every: int = 10_000,
    ) -> None:
        self.spec = spec
        self.config = config
        self.instruments = instruments
        self.source = source
        self.request = request
        #: The point after the last event delivered (the resume cursor, when resuming).
        self.cursor: ReplayCursor | None = request.resume
        #: True once the stream ended cleanly.
        self.completed = False
        self._on_progress = on_progress
        self._progress_every = max(1, progress_every)
        self._started = False
        events = request.resume.events if request.resume is not None else 0
        self.progress = ReplayProgress(
            start_ns=request.start_ns,
            end_ns=request.end_ns,
            position_ns=request.from_ns,
            events=events,
        )

    @property
    def name(self) -> str:
        return self.spec.name

    def _report(self, done: bool = False) -> None:
        cursor = self.cursor
        self.progress = ReplayProgress(
            start_ns=self.request.start_ns,
            end_ns=self.request.end_ns,
            position_ns=cursor.ts if cursor is not None else self.request.from_ns,
            events=cursor.events if cursor is not None else 0,
            done=done,
        )
        if self._on_progress is not None:
            self._on_progress(self.progress)

    async def events(self) -> AsyncIterator[Any]:
        """Every event of the range, in order, then the end of the iteration (once only)."""
        if self._started:
            raise RuntimeError("Replay.events() can be iterated once; open a new replay")
        self._started = True
        request = self.request
        key_name, start, end = request.order_by, request.start_ns, request.end_ns
        resume = request.resume
        skip = resume.count if resume is not None else 0
        delivered = resume.events if resume is not None else 0
        last = resume.ts if resume is not None else None
        same = resume.count if resume is not None else 0
        previous: int | None = None
        iterator = aiter(self.source.replay(request))
        try:
            while True:
                try:
                    event = await anext(iterator)
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    raise ReplayInterrupted(self.name, self.cursor, exc) from exc
                key = getattr(event, key_name, None)
                if key.__class__ is not int:
                    raise ValidationError(
                        f"{type(event).__name__}.{key_name}", key, "must be an int (UNIX ns)"
                    )
                if previous is not None and key < previous:
                    raise ReplayOrderError(
                        f"{self.name} replay source yielded {type(event).__name__} with "
                        f"{key_name} {key} after {previous}: not ordered by {key_name}"
                    )
                previous = key
                if key < start or (resume is not None and key < resume.ts):
                    continue
                if key >= end:
                    break
                if skip and key == resume.ts:  # type: ignore[union-attr]
                    skip -= 1  # delivered before the interruption
                    continue
                skip = 0
                same = same + 1 if key == last else 1
                last = key
                delivered += 1
                self.cursor = ReplayCursor(order_by=key_name, ts=key, count=same, events=delivered)
                if delivered % self._progress_every == 0:
                    self._report()
                yield event
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()
        self.completed = True
        self._report(done=True)


async def merge_ordered(
    streams: Iterable[AsyncIterable[Any]], key: str | Callable[[Any], int] = "ts_init"
) -> AsyncIterator[Any]:
    """Merge streams that are each ordered by ``key`` into one ordered stream, holding one
    pending event per stream (bounded memory). Ties go to the earlier stream in ``streams``,
    then to arrival order, so the result is deterministic."""
    get: Callable[[Any], int] = (
        (lambda event: getattr(event, key)) if isinstance(key, str) else key  # type: ignore[arg-type]
    )
    iterators = [aiter(s) for s in streams]
    heap: list[tuple[int, int, int, Any]] = []
    counter = 0
    for index, iterator in enumerate(iterators):
        try:
            first = await anext(iterator)
        except StopAsyncIteration:
            continue
        heap.append((get(first), index, counter, first))
        counter += 1
    heapq.heapify(heap)
    while heap:
        _, index, _, event = heapq.heappop(heap)
        yield event
        try:
            following = await anext(iterators[index])
        except StopAsyncIteration:
            continue
        heapq.heappush(heap, (get(following), index, counter, following))
        counter += 1


@contextlib.asynccontextmanager
async def open_replay(
    name: str,
    config: Mapping[str, Any] | Any | None = None,
    start: int | datetime | str = 0,
    end: int | datetime | str | None = None,
    *,
    subscriptions: Iterable[ReplaySubscription] = (),
    instruments: Iterable[Instrument] = (),
    order_by: str = "ts_init",
    resume: ReplayCursor | None = None,
    on_progress: Callable[[ReplayProgress], Any] | None = None,
    progress_every: int = 10_000,
    params: Mapping[str, Any] | None = None,
    registry: PluginRegistry | None = None,
    toml_path: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[Replay]:
    """Open a replay of venue ``name`` from ``start`` (inclusive) to ``end`` (exclusive).

    :param config: as for :func:`tradeport.open_venue` (dict, config instance or None).
    :param start: UNIX ns, an aware datetime or an ISO 8601 string; ``end`` likewise, or
        None for "until now" (the time the replay opens: an intraday replay).
    :param subscriptions: what to replay; each data type must be in ``Capabilities.replay``.
    :param instruments: instruments for the replayed events' precision (a replay of recorded
        frames parses them with the recorded venue's frame parser, which needs them).
    :param order_by: ``"ts_init"`` (arrival, default) or ``"ts_event"`` (venue time).
    :param resume: a :class:`ReplayCursor` from an interrupted replay of the same request.
    :param on_progress: called with a :class:`ReplayProgress` every ``progress_every`` events
        and at the end.
    :param params: provider-specific options passed on in the request.
    :raises UnsupportedOperation: the venue declares no replay, or not this data type / order.
    """
    from tradeport.frames import FrameParsers
    from tradeport.plugins import load_plugins
    from tradeport.session import venue_config

    # No end: up to the moment of opening (Databento's intraday replay of "today so far").
    start_ns = to_ns(start, "start")
    end_ns = time.time_ns() if end is None else to_ns(end, "end")
    if start_ns >= end_ns:
        raise ValidationError("start", start_ns, f"must be before end {end_ns}")
    if order_by not in ORDER_KEYS:
        raise ValidationError("order_by", order_by, f"must be one of {', '.join(ORDER_KEYS)}")
    if resume is not None and resume.order_by != order_by:
        raise ValidationError(
            "resume", resume.order_by, f"is a cursor ordered by another key than {order_by}"
        )
    registry = registry if registry is not None else load_plugins(environ)
    spec = registry.venue(name)
    replayable = spec.capabilities.replay
    if not replayable:
        raise UnsupportedOperation(
            name, "open_replay", "it declares no replay (Capabilities.replay)"
        )
    wanted = tuple(subscriptions)
    for subscription in wanted:
        if subscription.data_type not in replayable:
            raise UnsupportedOperation(
                name,
                "open_replay",
                f"it replays {', '.join(sorted(d.value for d in replayable))}, "
                f"not {subscription.data_type.value}",
            )
    cfg = venue_config(spec, name, config, toml_path=toml_path, environ=environ)
    hook = registry.hook
    provider = hook.tradeport_create_instrument_provider(venue=name, config=cfg, events=None)
    if provider is None:
        provider = InstrumentProvider(spec.venue_id, cfg, capabilities=spec.capabilities)
    source = hook.tradeport_create_replay_source(
        venue=name, config=cfg, instruments=provider, frames=FrameParsers.from_registry(registry)
    )
    if source is None:
        raise PluginError(name, "declares replay but created no replay source")
    if order_by not in source.order_by:
        raise UnsupportedOperation(
            name,
            "open_replay",
            f"its source orders by {', '.join(sorted(source.order_by))}, not {order_by}",
        )
    request = ReplayRequest(
        venue=name,
        start_ns=start_ns,
        end_ns=end_ns,
        order_by=order_by,
        subscriptions=wanted,
        instruments=tuple(instruments),
        resume=resume,
        params=dict(params or {}),
    )
    replay = Replay(
        spec,
        cfg,
        provider,
        source,
        request,
        on_progress=on_progress,
        progress_every=progress_every,
    )
    async with contextlib.AsyncExitStack() as stack:
        for client in (provider, source):
            stack.push_async_callback(client.disconnect)
            await client.connect()
        yield replay
