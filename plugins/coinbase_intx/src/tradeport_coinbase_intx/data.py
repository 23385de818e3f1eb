"""The CoinbaseIntx market data client: stream subscriptions and historical requests.

One public stream connection carries every subscription. Each ``subscribe_*`` returns once the
venue acknowledged the topic (a refusal raises :class:`~tradeport.errors.SubscriptionError`).
Order books are kept by :class:`tradeport.book.BookSynchronizer`: the venue sends a snapshot
after every subscribe (so after a reconnect too) and deltas that name the previous sequence;
a gap makes the synchronizer fetch a REST snapshot. After every reconnect (resubscribed) a
:class:`~tradeport.clients.Reconnected` is published.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from tradeport.book import BookSynchronizer, LinkedPrevious, OrderBook
from tradeport.clients import DataClient, EventSink, InstrumentProvider, Reconnected
from tradeport.errors import TradeportError
from tradeport.model.data import Bar, BarType, OrderBookDeltas, TradeTick
from tradeport.model.enums import BookType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument
from tradeport.net import WebSocketClient

from tradeport_coinbase_intx.capabilities import CAPABILITIES
from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import VENUE_ID
from tradeport_coinbase_intx.http.client import CoinbaseIntxHttpClient
from tradeport_coinbase_intx.http.parse import parse_bar, parse_book_snapshot, parse_trade_tick
from tradeport_coinbase_intx.http.query import bar_interval, ms
from tradeport.clients.background import BackgroundTasks
from tradeport_coinbase_intx.symbology import instrument_id_of, venue_symbol
from tradeport_coinbase_intx.websocket.client import make_stream_client
from tradeport_coinbase_intx.websocket.parse import (
    parse_bar_message,
    parse_book_batch,
    parse_mark_message,
    parse_quote_tick,
    parse_trade_ticks,
)
from tradeport_coinbase_intx.websocket.topics import (
    BARS,
    BOOK,
    MARK,
    QUOTES,
    TRADES,
    bars_topic,
    book_topic,
    mark_topic,
    quotes_topic,
    split_topic,
    trades_topic,
)

__all__ = ["CoinbaseIntxDataClient"]

# The three data types one ``mark.<symbol>`` message carries, in its parse order.
_MARK, _INDEX, _FUNDING = "mark", "index", "funding"


class _BookFeed:
    """One subscribed book: its synchronizer and the scope of the task that runs it."""

    def __init__(self, sync: BookSynchronizer) -> None:
        self.sync = sync
        self.scope = anyio.CancelScope()


class CoinbaseIntxDataClient(DataClient):
    """Streams CoinbaseIntx market data and answers historical requests (see the module docs)."""

    def __init__(
        self,
        config: CoinbaseIntxConfig,
        *,
        instruments: InstrumentProvider | None = None,
        events: EventSink | None = None,
    ) -> None:
        super().__init__(
            VENUE_ID, config, instruments=instruments, capabilities=CAPABILITIES, events=events
        )
        self.config: CoinbaseIntxConfig = config
        self.http = CoinbaseIntxHttpClient(config)
        self._tasks = BackgroundTasks(self.log, f"{VENUE_ID} data client")
        self._stream: WebSocketClient | None = None
        self._feeds: dict[InstrumentId, _BookFeed] = {}
        self._bar_types: dict[str, BarType] = {}
        self._mark_kinds: dict[InstrumentId, set[str]] = {}
        self._routes: dict[str, Callable[[Any, str], Awaitable[None]]] = {
            TRADES: self._on_trades,
            QUOTES: self._on_quotes,
            BOOK: self._on_book,
            BARS: self._on_bars,
            MARK: self._on_mark,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.venue})"

    # -- lifecycle -----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the REST pool and the public stream (returns once connected)."""
        if self._stream is not None:
            return
        await self.http.open()
        await self._tasks.open()
        self._stream = make_stream_client(
            self.config,
            self._on_message,
            name=f"{VENUE_ID} public stream",
            on_reconnected=self._on_reconnected,
        )
        try:
            await self._tasks.start_stream(self._stream)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.disconnect()
            raise

    async def disconnect(self) -> None:
        """Close the stream and the REST pool; local books are dropped."""
        if self._stream is not None:
            self._stream.close()
        await self._tasks.close()
        self._stream = None
        self._feeds.clear()
        self.books.clear()
        await self.http.aclose()

    def _require_stream(self) -> WebSocketClient:
        if self._stream is None:
            raise TradeportError(f"{VENUE_ID}: call connect() before subscribing")
        if self._tasks.stream_error is not None:
            raise self._tasks.stream_error
        return self._stream

    def _instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        return self.instruments.find(instrument_id) if self.instruments is not None else None

    async def _on_reconnected(self) -> None:
        # Books need nothing here: the venue sends a fresh snapshot after every subscribe, and
        # the synchronizer replaces the book with it.
        await self.emit(Reconnected(VENUE_ID, "public", time.time_ns()))

    # -- subscriptions -------------------------------------------------------------------------

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Best bid and offer (``quotes.<symbol>``)."""
        await self._require_stream().subscribe([quotes_topic(venue_symbol(instrument_id))])

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Stop quotes."""
        await self._require_stream().unsubscribe([quotes_topic(venue_symbol(instrument_id))])

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Public trades (``trades.<symbol>``)."""
        await self._require_stream().subscribe([trades_topic(venue_symbol(instrument_id))])

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Stop trades."""
        await self._require_stream().unsubscribe([trades_topic(venue_symbol(instrument_id))])

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """A local L2 book (``self.book(instrument_id)``) plus OrderBookDeltas events: the
        snapshot first, then every change. The venue streams the full depth (``depth`` is not
        applied)."""
        stream = self._require_stream()
        if instrument_id not in self._feeds:
            book = OrderBook(instrument_id, BookType.L2_MBP)
            sync = BookSynchronizer(
                book,
                lambda: self.request_book_snapshot(instrument_id),
                LinkedPrevious(),
                on_deltas=self.emit,
                on_resync=self._on_resync,
            )
            feed = self._feeds[instrument_id] = _BookFeed(sync)
            self.books[instrument_id] = book
            self._tasks.start_soon(self._run_book, feed, name=f"book sync {instrument_id}")
        try:
            await stream.subscribe([book_topic(venue_symbol(instrument_id))])
        except BaseException:
            self._drop_book(instrument_id)
            raise

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        """Stop the book; the local book is dropped."""
        self._drop_book(instrument_id)
        await self._require_stream().unsubscribe([book_topic(venue_symbol(instrument_id))])

    async def _run_book(self, feed: _BookFeed) -> None:
        with feed.scope:
            await feed.sync.run()

    def _drop_book(self, instrument_id: InstrumentId) -> None:
        feed = self._feeds.pop(instrument_id, None)
        if feed is not None:
            feed.scope.cancel()
        self.books.pop(instrument_id, None)

    async def _on_resync(self, reason: str) -> None:
        self.log.info("%s: resynchronising a book: %s", VENUE_ID, reason)

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """Closed bars of a venue interval (``bars.<interval>.<symbol>``)."""
        topic = bars_topic(bar_interval(bar_type), venue_symbol(bar_type.instrument_id))
        self._bar_types[topic] = bar_type
        try:
            await self._require_stream().subscribe([topic])
        except BaseException:
            self._bar_types.pop(topic, None)
            raise

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Stop bars."""
        topic = bars_topic(bar_interval(bar_type), venue_symbol(bar_type.instrument_id))
        self._bar_types.pop(topic, None)
        await self._require_stream().unsubscribe([topic])

    async def _subscribe_mark(self, instrument_id: InstrumentId, kind: str) -> None:
        # Mark, index and funding share one venue topic: subscribe it for the first of them.
        kinds = self._mark_kinds.setdefault(instrument_id, set())
        kinds.add(kind)
        try:
            await self._require_stream().subscribe([mark_topic(venue_symbol(instrument_id))])
        except BaseException:
            kinds.discard(kind)
            if not kinds:
                del self._mark_kinds[instrument_id]
            raise

    async def _unsubscribe_mark(self, instrument_id: InstrumentId, kind: str) -> None:
        kinds = self._mark_kinds.get(instrument_id, set())
        kinds.discard(kind)
        if not kinds:
            self._mark_kinds.pop(instrument_id, None)
            await self._require_stream().unsubscribe([mark_topic(venue_symbol(instrument_id))])

    async def subscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """Mark prices of a perpetual (``mark.<symbol>``)."""
        await self._subscribe_mark(instrument_id, _MARK)

    async def unsubscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """Stop mark prices."""
        await self._unsubscribe_mark(instrument_id, _MARK)

    async def subscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Index prices of a perpetual (same venue topic as mark prices)."""
        await self._subscribe_mark(instrument_id, _INDEX)

    async def unsubscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Stop index prices."""
        await self._unsubscribe_mark(instrument_id, _INDEX)

    async def subscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Funding rates of a perpetual (same venue topic as mark prices)."""
        await self._subscribe_mark(instrument_id, _FUNDING)

    async def unsubscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Stop funding rates."""
        await self._unsubscribe_mark(instrument_id, _FUNDING)

    # -- stream messages -----------------------------------------------------------------------

    async def _on_message(self, message: Any) -> None:
        channel, rest = split_topic(message["topic"])
        route = self._routes.get(channel)
        if route is None:
            self.log.debug("%s: message on an unknown topic %s", VENUE_ID, message["topic"])
            return
        await route(message, rest)

    async def _on_trades(self, message: Any, symbol: str) -> None:
        instrument_id = instrument_id_of(symbol)
        ticks = parse_trade_ticks(
            message,
            instrument_id,
            self._instrument(instrument_id),
            time.time_ns(),
        )
        for tick in ticks:
            await self.emit(tick)

    async def _on_quotes(self, message: Any, symbol: str) -> None:
        instrument_id = instrument_id_of(symbol)
        await self.emit(
            parse_quote_tick(
                message, instrument_id, self._instrument(instrument_id), time.time_ns()
            )
        )

    async def _on_book(self, message: Any, symbol: str) -> None:
        instrument_id = instrument_id_of(symbol)
        feed = self._feeds.get(instrument_id)
        if feed is None:  # unsubscribed a moment ago
            return
        batch = parse_book_batch(
            message,
            instrument_id,
            self._instrument(instrument_id),
            time.time_ns(),
        )
        await feed.sync.push(batch)

    async def _on_bars(self, message: Any, rest: str) -> None:
        bar_type = self._bar_types.get(message["topic"])
        if bar_type is None:
            return
        bar = parse_bar_message(
            message,
            bar_type,
            self._instrument(bar_type.instrument_id),
            time.time_ns(),
        )
        if bar is not None:
            await self.emit(bar)

    async def _on_mark(self, message: Any, symbol: str) -> None:
        instrument_id = instrument_id_of(symbol)
        kinds = self._mark_kinds.get(instrument_id)
        if not kinds:
            return
        updates = parse_mark_message(
            message,
            instrument_id,
            self._instrument(instrument_id),
            time.time_ns(),
        )
        for kind, update in zip((_MARK, _INDEX, _FUNDING), updates, strict=True):
            if kind in kinds:
                await self.emit(update)

    # -- requests ------------------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        """Every instrument (through the session's provider, which keeps them)."""
        if self.instruments is None:
            raise TradeportError(f"{VENUE_ID}: the data client has no instrument provider")
        return await self.instruments.load_all()

    async def request_book_snapshot(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> OrderBookDeltas:
        """The venue's book now, as snapshot deltas (``sequence`` is the venue's)."""
        record = await self.http.http_get_book(venue_symbol(instrument_id), depth)
        return parse_book_snapshot(record, self._instrument(instrument_id), time.time_ns())

    async def request_trades(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[TradeTick]:
        """Public trades from ``start_ns`` to ``end_ns`` (every page), oldest first; without a
        start, the most recent ``limit`` (at most one page)."""
        records = await self.http.trades(
            venue_symbol(instrument_id), ms(start_ns), ms(end_ns), limit
        )
        instrument = self._instrument(instrument_id)
        ts_init = time.time_ns()
        return [parse_trade_tick(r, instrument_id, instrument, ts_init) for r in records]

    async def request_bars(
        self,
        bar_type: BarType,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[Bar]:
        """Bars from ``start_ns`` to ``end_ns`` (every page), oldest first."""
        instrument_id = bar_type.instrument_id
        records = await self.http.bars(
            venue_symbol(instrument_id), bar_interval(bar_type), ms(start_ns), ms(end_ns), limit
        )
        instrument = self._instrument(instrument_id)
        ts_init = time.time_ns()
        return [parse_bar(r, bar_type, instrument, ts_init) for r in records]
