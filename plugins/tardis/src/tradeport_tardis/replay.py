"""Raw replay: Tardis data feeds parsed by the recorded venue's own plugin.

``open_replay("tardis", config, start, end, subscriptions=[...], instruments=[...])`` yields,
for each subscription's instrument, the events the venue's live plugin yields for the same
frames, ordered by ``ts_init`` (the recorder's arrival time, Tardis' ``localTimestamp``):

1. each subscription's instrument id maps to a Tardis exchange and symbol
   (:mod:`tradeport_tardis.symbology`: ``BTCUSDT-PERP.BINANCE`` -> ``binance-futures``,
   ``btcusdt``) and its data type to the venue's raw channels (``TRADES`` -> ``trade``);
2. per exchange, the minute slices of ``/data-feeds/{exchange}`` covering the range are fetched
   ``max_parallel`` at a time and delivered strictly in minute order (memory: at most
   ``max_parallel`` minutes);
3. each line's frame goes to the venue's frame parser, asked for through the core
   (``tradeport_register_frame_parsers``; never an import of the venue plugin), with the
   line's arrival time as ``ts_init``; an empty line becomes a :class:`Disconnect`;
4. several exchanges are merged by ``ts_init`` (:func:`tradeport.replay.merge_ordered`).

A slice whose body breaks off is fetched again (``slice_attempts``); a failure that outlasts
the retries ends the replay with :class:`tradeport.replay.ReplayInterrupted`, whose cursor
resumes it: the source starts again at the slice holding the cursor and the session skips what
was delivered, so nothing is missed or repeated.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import anyio
import attrs
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.capabilities import DataType
from tradeport.errors import MissingCredentials, NetworkError, UnknownInstrument, ValidationError
from tradeport.frames import FrameParsers
from tradeport.model.data import (
    Bar,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDeltas,
    QuoteTick,
    TradeTick,
)
from tradeport.model.instruments import Instrument
from tradeport.replay import ReplayRequest, ReplaySource, ReplaySubscription, merge_ordered

from tradeport_tardis.config import TardisConfig
from tradeport_tardis.constants import NS_PER_MINUTE, VENUE_ID
from tradeport_tardis.events import Disconnect
from tradeport_tardis.http.client import TardisHttpClient
from tradeport_tardis.lines import DISCONNECT, split_slice
from tradeport_tardis.symbology import RAW_CHANNELS, exchange_of, feed_symbol, tardis_symbol

__all__ = [
    "EVENT_TYPES",
    "ExchangeFeed",
    "SliceWindow",
    "TardisReplaySource",
    "minute_iso",
    "plan_feeds",
]

log = logging.getLogger("tradeport.tardis.replay")

#: The data type each parsed event belongs to (what a subscription keeps; other events, such
#: as Disconnect, always pass).
EVENT_TYPES: dict[type, DataType] = {
    Bar: DataType.BARS,
    TradeTick: DataType.TRADES,
    QuoteTick: DataType.QUOTES,
    OrderBookDeltas: DataType.BOOK_DELTAS,
    MarkPriceUpdate: DataType.MARK_PRICES,
    IndexPriceUpdate: DataType.INDEX_PRICES,
    FundingRateUpdate: DataType.FUNDING_RATES,
}


def minute_iso(ns: int) -> str:
    """A minute as the API's ``from`` takes it (``2019-07-01T00:03:00.000Z``)."""
    moment = datetime.fromtimestamp(ns // 1_000_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@attrs.define
class ExchangeFeed:
    """What one Tardis exchange's data feed is asked for: channels and symbols per channel,
    and which (instrument id, data type) pairs the parsed events are kept for."""

    exchange: str
    channels: dict[str, set[str]] = attrs.field(factory=dict)
    wanted: set[tuple[str, DataType]] = attrs.field(factory=set)
    instruments: list[Instrument] = attrs.field(factory=list)

    def filters(self) -> list[dict[str, Any]]:
        """The ``filters`` query value: one entry per channel, symbols sorted."""
        return [
            {"channel": channel, "symbols": sorted(symbols)}
            for channel, symbols in sorted(self.channels.items())
        ]


def plan_feeds(
    subscriptions: Iterable[ReplaySubscription], instruments: Sequence[Instrument]
) -> list[ExchangeFeed]:
    """Group subscriptions by Tardis exchange; each instrument must be among ``instruments``
    (its precision makes the events exact)."""
    by_id = {i.id: i for i in instruments}
    feeds: dict[str, ExchangeFeed] = {}
    for subscription in subscriptions:
        iid = subscription.instrument_id
        if iid is None:
            raise ValidationError(
                "subscriptions", subscription.data_type.value,
                "needs an instrument_id: a raw replay asks for the symbols it replays",
            )  # fmt: skip
        exchange, symbol = tardis_symbol(iid)
        instrument = by_id.get(iid)
        if instrument is None:
            raise UnknownInstrument(
                VENUE_ID, str(iid), "pass it in open_replay(instruments=...) or load it first"
            )
        venue = exchange_of(exchange).venue
        channels = subscription.params.get("channels") or RAW_CHANNELS.get(venue, {}).get(
            subscription.data_type
        )
        if not channels:
            raise ValidationError(
                "subscriptions",
                f"{subscription.data_type.value} {iid}",
                f"has no known {exchange} channel: give params={{'channels': [...]}}",
            )
        feed = feeds.setdefault(exchange, ExchangeFeed(exchange))
        for channel in channels:
            feed.channels.setdefault(str(channel), set()).add(feed_symbol(exchange, symbol))
        feed.wanted.add((str(iid), subscription.data_type))
        if instrument not in feed.instruments:
            feed.instruments.append(instrument)
    return list(feeds.values())


@attrs.define(eq=False)
class _Slot:
    offset: int
    done: anyio.Event = attrs.field(factory=anyio.Event)
    body: bytes = b""
    error: BaseException | None = None


class SliceWindow:
    """Fetches slices ``0 .. count-1`` at most ``parallel`` at a time and hands them over in
    order: the next slice is asked for when one is taken, so at most ``parallel`` slices are
    held (in flight or waiting)."""

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[bytes]],
        count: int,
        parallel: int,
        tasks: BackgroundTasks,
    ) -> None:
        self._fetch = fetch
        self._count = count
        self._parallel = parallel
        self._tasks = tasks
        self._next = 0
        self._window: deque[_Slot] = deque()

    def _top_up(self) -> None:
        while self._next < self._count and len(self._window) < self._parallel:
            slot = _Slot(self._next)
            self._next += 1
            self._window.append(slot)
            self._tasks.start_soon(self._run, slot, name=f"tardis slice {slot.offset}")

    async def _run(self, slot: _Slot) -> None:
        try:
            slot.body = await self._fetch(slot.offset)
        except Exception as exc:  # handed to the consumer, in order
            slot.error = exc
        finally:
            slot.done.set()

    async def __aiter__(self) -> AsyncIterator[tuple[int, bytes]]:
        self._top_up()
        while self._window:
            slot = self._window[0]
            await slot.done.wait()
            self._window.popleft()
            if slot.error is not None:
                raise slot.error
            self._top_up()
            yield slot.offset, slot.body


class TardisReplaySource(ReplaySource):
    """The raw replay of Tardis data feeds (see the module docstring)."""

    order_by = frozenset({"ts_init"})

    def __init__(
        self, config: TardisConfig, *, instruments: Any = None, frames: FrameParsers | None = None
    ) -> None:
        super().__init__(VENUE_ID, config)
        self.config: TardisConfig = config
        self.provider = instruments
        self.frames = frames if frames is not None else FrameParsers.from_registry()
        self.http = TardisHttpClient(config)
        self._tasks = BackgroundTasks(log, "tardis replay")
        #: Slices fetched (attempts included), for observation.
        self.slices_fetched = 0

    async def connect(self) -> None:
        await self._tasks.open()

    async def disconnect(self) -> None:
        await self._tasks.close()
        await self.http.aclose()

    def _instruments(self, request: ReplayRequest) -> list[Instrument]:
        given = list(request.instruments)
        known = {i.id for i in given}
        if self.provider is not None:
            given += [i for i in self.provider.list_all() if i.id not in known]
        return given

    def _check_free_mode(self, first_ns: int, end_ns: int) -> None:
        """Without a key only the first day of each month is served: refuse other days
        before any request leaves."""
        if self.http.has_key:
            return
        minute = first_ns
        while minute < end_ns:
            day = datetime.fromtimestamp(minute // 1_000_000_000, UTC)
            if day.day != 1:
                raise MissingCredentials(
                    VENUE_ID,
                    f"a replay of {day:%Y-%m-%d}",
                    "without an API key only the first day of each month is served; set "
                    "api_key or TARDIS_API_KEY",
                )
            # Jump to the next day: one check per day, not per minute.
            minute = (minute // 86_400_000_000_000 + 1) * 86_400_000_000_000

    async def replay(self, request: ReplayRequest) -> AsyncIterator[Any]:
        """The request's events, in ``ts_init`` order (an async generator): raw data feeds,
        with ``params={"normalized": True}`` tardis-machine's normalized replay, or with
        ``params={"datasets": True}`` the downloadable CSV datasets (trades, quotes)."""
        if request.params.get("datasets"):
            streams = [self._dataset_events(sub, request) for sub in request.subscriptions]
            merged = streams[0] if len(streams) == 1 else merge_ordered(streams, "ts_init")
            async for event in merged:
                yield event
            return
        if request.params.get("normalized"):
            from tradeport_tardis.machine import TardisMachine

            machine = TardisMachine(self.config)
            async for event in machine.replay(request.subscriptions, self._instruments(request),
                                              request.from_ns, request.end_ns):  # fmt: skip
                yield event
            return
        feeds = plan_feeds(request.subscriptions, self._instruments(request))
        first = request.from_ns // NS_PER_MINUTE * NS_PER_MINUTE
        count = -(-(request.end_ns - first) // NS_PER_MINUTE)
        self._check_free_mode(first, request.end_ns)
        streams = [self._feed_events(feed, first, count) for feed in feeds]
        merged = streams[0] if len(streams) == 1 else merge_ordered(streams, "ts_init")
        async for event in merged:
            yield event

    async def _dataset_events(
        self, sub: ReplaySubscription, request: ReplayRequest
    ) -> AsyncIterator[Any]:
        """One subscription's CSV dataset files, day by day, parsed as they download."""
        from tradeport.model.decoding import InstrumentDecoder

        from tradeport_tardis.datasets import DATASET_TYPES, CsvDataset, dataset_days, dataset_path

        data_type = DATASET_TYPES.get(sub.data_type)
        if data_type is None or sub.instrument_id is None:
            raise ValidationError(
                "subscriptions", sub.data_type.value,
                "a dataset replay reads TRADES or QUOTES of a named instrument",
            )  # fmt: skip
        by_id = {i.id: i for i in self._instruments(request)}
        instrument = by_id.get(sub.instrument_id)
        if instrument is None:
            raise UnknownInstrument(VENUE_ID, sub.instrument_id, "not among the instruments")
        exchange, symbol = tardis_symbol(sub.instrument_id)
        self._check_free_mode(request.from_ns, request.end_ns)
        decoder = InstrumentDecoder(instrument)
        for day in dataset_days(request.from_ns, request.end_ns):
            dataset = CsvDataset(data_type, decoder)
            async for chunk in self.http.http_get_dataset(
                dataset_path(exchange, data_type, day, symbol)
            ):
                for event in dataset.feed(chunk):
                    yield event
            for event in dataset.close():
                yield event

    async def _fetch_slice(self, feed: ExchangeFeed, from_iso: str, offset: int) -> bytes:
        filters = feed.filters()
        attempt = 0
        while True:
            attempt += 1
            self.slices_fetched += 1
            try:
                return await self.http.http_get_data_feed(feed.exchange, from_iso, offset, filters)
            except NetworkError as exc:  # the body broke off: the slice is fetched again
                if attempt >= self.config.slice_attempts:
                    raise
                log.warning(
                    "tardis: %s slice %s+%d broke off (%s); fetching it again",
                    feed.exchange, from_iso, offset, exc,
                )  # fmt: skip
                await anyio.sleep(self.config.http_retry_delay * 2 ** (attempt - 1))

    async def _feed_events(self, feed: ExchangeFeed, first: int, count: int) -> AsyncIterator[Any]:
        venue = exchange_of(feed.exchange)
        # Offers name channels by their head (Bybit's ``orderbook`` covers ``orderbook.1``).
        heads = {channel.split(".")[0] for channel in feed.channels}
        parser = self.frames.create(venue.venue, feed.instruments, channels=heads)
        from_iso = minute_iso(first)
        window = SliceWindow(
            lambda offset: self._fetch_slice(feed, from_iso, offset),
            count,
            self.config.max_parallel,
            self._tasks,
        )
        wanted = feed.wanted
        previous = first
        async for _, body in window:
            for ts, frame in split_slice(body, previous):
                previous = ts
                if frame is DISCONNECT or not frame:
                    yield Disconnect(venue=venue.venue_id, exchange=feed.exchange,
                                     ts_event=ts, ts_init=ts)  # fmt: skip
                    continue
                for event in parser.parse(frame, ts):
                    kind = EVENT_TYPES.get(type(event))
                    if kind is None or (str(event.instrument_id), kind) in wanted:
                        yield event
