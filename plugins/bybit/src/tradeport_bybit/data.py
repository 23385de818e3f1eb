"""Bybit market data client: public streams per category, history over REST.

Streams (one core WebSocketClient per category, started on first use):

* quotes from ``orderbook.1.{symbol}`` (spot tickers carry no bid/ask);
* trades from ``publicTrade.{symbol}``;
* book deltas from ``orderbook.{depth}.{symbol}``: Bybit sends a snapshot on subscribe, then
  deltas whose update id ``u`` increases by one; a :class:`~tradeport.book.BookSynchronizer`
  with :class:`~tradeport.book.ContiguousRange` checks the chain, and a gap resubscribes the
  topic to get a fresh snapshot (a new snapshot after a reconnect comes the same way);
* mark price, index price and funding rate from ``tickers.{symbol}`` (derivatives);
* closed bars from ``kline.{interval}.{symbol}``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from tradeport.book import BookSynchronizer, ContiguousRange, DeltaBatch, OrderBook
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import DataClient, InstrumentProvider, Reconnected
from tradeport.errors import SubscriptionError, TradeportError, ValidationError
from tradeport.model.data import Bar, BarType, OrderBookDeltas, TradeTick
from tradeport.model.enums import BookType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument
from tradeport.net.ws_client import WebSocketClient

from tradeport_bybit.config import BybitConfig
from tradeport_bybit.constants import CAPABILITIES, VENUE_ID
from tradeport_bybit.enums import BybitCategory
from tradeport_bybit.http.client import BybitHttpClient
from tradeport_bybit.http.parse import parse_bar, parse_book_snapshot, parse_trade_tick
from tradeport_bybit.http.query import interval_ms, kline_interval, ns_to_ms
from tradeport_bybit.providers import BybitInstrumentProvider, http_sharing, instrument_for
from tradeport_bybit.symbology import category_and_symbol
from tradeport_bybit.urls import ws_public_url
from tradeport_bybit.websocket.client import public_stream
from tradeport_bybit.websocket.parse import (
    TickerState,
    parse_ws_bar,
    parse_ws_book,
    parse_ws_quote,
    parse_ws_ticker,
    parse_ws_trades,
)

__all__ = ["BybitDataClient"]

#: Book depths Bybit streams per category (docs: websocket/public/orderbook).
BOOK_DEPTHS = {
    BybitCategory.SPOT: (1, 50, 200, 1000),
    BybitCategory.LINEAR: (1, 50, 200, 1000),
    BybitCategory.INVERSE: (1, 50, 200, 1000),
    BybitCategory.OPTION: (25, 100),
}
#: kline page size (the venue's maximum).
KLINE_LIMIT = 1000

Handler = Callable[[dict[str, Any]], Awaitable[None]]


def _split(instrument_id: InstrumentId) -> tuple[BybitCategory, str]:
    """(category, symbol) of an id; an id that is not Bybit's cannot be subscribed."""
    try:
        return category_and_symbol(instrument_id)
    except ValidationError as exc:
        raise SubscriptionError(str(exc), venue=VENUE_ID, retryable=False) from None


class _Topic:
    """One venue topic and what the client wants from it (several data types may share one:
    ``orderbook.1`` feeds quotes, ``tickers`` feeds mark, index and funding)."""

    __slots__ = ("bar_type", "book", "category", "instrument", "kinds", "ticker")

    def __init__(self, category: BybitCategory, instrument: Instrument) -> None:
        self.category = category
        self.instrument = instrument
        self.kinds: set[str] = set()
        self.book: BookSynchronizer | None = None
        self.bar_type: BarType | None = None
        self.ticker = TickerState()


class BybitDataClient(DataClient):
    """Market data for Bybit (see the module docstring)."""

    def __init__(
        self,
        config: BybitConfig,
        *,
        instruments: InstrumentProvider | None = None,
        http: BybitHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, instruments=instruments, **kwargs)
        self._http = http
        self._owns_http = http is None
        self._streams: dict[BybitCategory, WebSocketClient] = {}
        self._topics: dict[str, _Topic] = {}
        self._tasks = BackgroundTasks(self.log, "bybit-data")
        self._stream_lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"BybitDataClient(categories={[c.value for c in self.config.categories]})"

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def http(self) -> BybitHttpClient:
        """The REST client (shared with the provider when it has one)."""
        if self._http is None:
            self._http, self._owns_http = http_sharing(self.instruments, self.config)
        return self._http

    async def connect(self) -> None:
        """Start the background tasks the streams run in (they open on first subscription)."""
        await self._tasks.open()

    async def disconnect(self) -> None:
        """Close every stream and the REST client."""
        for stream in self._streams.values():
            stream.close()
        await self._tasks.close()
        self._streams.clear()
        self._topics.clear()
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    def stream(self, category: BybitCategory) -> WebSocketClient | None:
        """The public stream of ``category``, if open (for observation)."""
        return self._streams.get(category)

    async def _stream_for(self, category: BybitCategory) -> WebSocketClient:
        async with self._stream_lock:
            stream = self._streams.get(category)
            if stream is not None:
                return stream
            if not self._tasks.is_open:
                await self.connect()
            url = ws_public_url(
                category, self.config.testnet, self.config.demo, self.config.base_url_ws
            )

            async def reconnected() -> None:
                await self._on_reconnected(category)

            stream = public_stream(url, category, self._on_message, self.config, reconnected)
            await self._tasks.start_stream(stream)
            self._streams[category] = stream
            return stream

    async def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        return await instrument_for(self.instruments, instrument_id)

    # -- subscription plumbing ------------------------------------------------------------------

    async def _want(
        self,
        topic: str,
        kind: str,
        instrument_id: InstrumentId,
        setup: Callable[[_Topic], None] | None = None,
    ) -> None:
        category, _ = _split(instrument_id)
        try:
            instrument = await self._instrument(instrument_id)
        except KeyError as exc:
            # The venue does not list it: nothing to subscribe (and never active).
            raise SubscriptionError(
                f"cannot subscribe {topic}: {exc.args[0]}", venue=VENUE_ID, retryable=False
            ) from None
        state = self._topics.get(topic)
        if state is not None and kind in state.kinds:
            return  # idempotent: one venue subscription, one stream of data
        fresh = state is None
        if state is None:
            state = _Topic(category, instrument)
            self._topics[topic] = state
        state.kinds.add(kind)
        if setup is not None:
            setup(state)
        if fresh:
            stream = await self._stream_for(category)
            try:
                await stream.subscribe([topic])
            except BaseException:
                self._topics.pop(topic, None)
                raise

    async def _unwant(self, topic: str, kind: str) -> None:
        state = self._topics.get(topic)
        if state is None or kind not in state.kinds:
            return
        state.kinds.discard(kind)
        if kind == "book":
            state.book = None
        if state.kinds:
            return
        del self._topics[topic]
        stream = self._streams.get(state.category)
        if stream is not None:
            await stream.unsubscribe([topic])

    async def _on_message(self, message: dict[str, Any]) -> None:
        topic = message.get("topic")
        state = self._topics.get(topic) if topic is not None else None
        if state is None:
            return  # data after an unsubscribe, or a topic nobody asked for
        ts_init = time.time_ns()
        head = topic.split(".", 1)[0]  # type: ignore[union-attr]
        if head == "orderbook":
            if "quotes" in state.kinds:
                quote = parse_ws_quote(message, state.instrument, ts_init)
                if quote is not None:
                    await self.emit(quote)
            if state.book is not None:
                deltas = parse_ws_book(message, state.instrument, ts_init)
                u = int(message["data"]["u"])
                await state.book.push(DeltaBatch(deltas, u, u))
        elif head == "publicTrade":
            for tick in parse_ws_trades(message, state.instrument, ts_init):
                await self.emit(tick)
        elif head == "tickers":
            for update in parse_ws_ticker(message, state.instrument, ts_init, state.ticker):
                kind = {
                    "MarkPriceUpdate": "mark",
                    "IndexPriceUpdate": "index",
                    "FundingRateUpdate": "funding",
                }[type(update).__name__]
                if kind in state.kinds:
                    await self.emit(update)
        elif head == "kline" and state.bar_type is not None:
            for item in message["data"]:
                bar = parse_ws_bar(item, state.bar_type, state.instrument, ts_init)
                if bar is not None:
                    await self.emit(bar)

    async def _on_reconnected(self, category: BybitCategory) -> None:
        # Books resync from the snapshot Bybit sends with every (re)subscription.
        for state in self._topics.values():
            if state.category is category and state.book is not None:
                state.book.reset()
        await self.emit(Reconnected(VENUE_ID, f"public-{category.value}", time.time_ns()))

    # -- subscriptions ----------------------------------------------------------------------------

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Best bid/ask from ``orderbook.1``."""
        _, symbol = _split(instrument_id)
        await self._want(f"orderbook.1.{symbol}", "quotes", instrument_id)

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        _, symbol = category_and_symbol(instrument_id)
        await self._unwant(f"orderbook.1.{symbol}", "quotes")

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Public trades (not for options: Bybit streams those per base coin)."""
        category, symbol = _split(instrument_id)
        if category is BybitCategory.OPTION:
            self._unsupported("subscribe_trades", "option trades stream per base coin")
        await self._want(f"publicTrade.{symbol}", "trades", instrument_id)

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        _, symbol = category_and_symbol(instrument_id)
        await self._unwant(f"publicTrade.{symbol}", "trades")

    def _book_topic(self, instrument_id: InstrumentId, depth: int | None) -> str:
        category, symbol = _split(instrument_id)
        wanted = depth or self.config.book_depth
        depths = BOOK_DEPTHS[category]
        # The smallest venue depth that covers the request.
        chosen = next((d for d in depths if d >= wanted), depths[-1])
        return f"orderbook.{chosen}.{symbol}"

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """L2 deltas, snapshot first; gaps in ``u`` resubscribe for a fresh snapshot.

        Returns once the snapshot is applied (or after ``ack_timeout``), so :meth:`book` is
        usable at once.
        """
        topic = self._book_topic(instrument_id, depth)

        def setup(state: _Topic) -> None:
            async def deltas(batch: OrderBookDeltas) -> None:
                await self.emit(batch)

            async def resync(reason: str) -> None:
                self.log.warning("%s: book resync (%s)", topic, reason)
                if self._tasks.is_open:
                    self._tasks.start_soon(self._resubscribe, topic, name=f"resubscribe {topic}")

            state.book = BookSynchronizer(
                OrderBook(state.instrument.id, BookType.L2_MBP),
                None,
                ContiguousRange(),
                on_deltas=deltas,
                on_resync=resync,
            )

        await self._want(topic, "book", instrument_id, setup)
        state = self._topics.get(topic)
        if state is not None and state.book is not None:
            # Return with a usable book: Bybit's snapshot follows the subscribe ack.
            with anyio.move_on_after(self.config.ack_timeout):
                await state.book.wait_synced()

    async def _resubscribe(self, topic: str) -> None:
        """Ask for a fresh snapshot: unsubscribe and subscribe the topic again."""
        state = self._topics.get(topic)
        if state is None:
            return
        stream = self._streams.get(state.category)
        if stream is None:
            return
        try:
            await stream.unsubscribe([topic])
            await stream.subscribe([topic])
        except TradeportError as exc:
            self.log.warning("%s: resubscribe failed: %s", topic, exc)

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        for topic, state in list(self._topics.items()):
            if state.instrument.id == instrument_id and "book" in state.kinds:
                await self._unwant(topic, "book")

    def book(self, instrument_id: InstrumentId) -> OrderBook:
        """The local book kept for ``instrument_id``; KeyError unless subscribed to deltas."""
        for state in self._topics.values():
            if state.instrument.id == instrument_id and state.book is not None:
                return state.book.book
        raise KeyError(f"{VENUE_ID}: no book subscription for {instrument_id}")

    def book_sync(self, instrument_id: InstrumentId) -> BookSynchronizer | None:
        """The synchronizer of a subscribed instrument's book (stats, wait_synced)."""
        for state in self._topics.values():
            if state.instrument.id == instrument_id and state.book is not None:
                return state.book
        return None

    def _ticker_topic(self, instrument_id: InstrumentId, what: str) -> str:
        category, symbol = _split(instrument_id)
        if category is BybitCategory.SPOT:
            self._unsupported(f"subscribe_{what}", "spot tickers have no mark/index/funding")
        return f"tickers.{symbol}"

    async def subscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        await self._want(self._ticker_topic(instrument_id, "mark_prices"), "mark", instrument_id)

    async def unsubscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        await self._unwant(self._ticker_topic(instrument_id, "mark_prices"), "mark")

    async def subscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        await self._want(self._ticker_topic(instrument_id, "index_prices"), "index", instrument_id)

    async def unsubscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        await self._unwant(self._ticker_topic(instrument_id, "index_prices"), "index")

    async def subscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        await self._want(
            self._ticker_topic(instrument_id, "funding_rates"), "funding", instrument_id
        )

    async def unsubscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        await self._unwant(self._ticker_topic(instrument_id, "funding_rates"), "funding")

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """Closed candles of ``kline.{interval}.{symbol}``."""
        _, symbol = _split(bar_type.instrument_id)
        topic = f"kline.{kline_interval(bar_type)}.{symbol}"

        def setup(state: _Topic) -> None:
            state.bar_type = bar_type

        await self._want(topic, "bars", bar_type.instrument_id, setup)

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        _, symbol = category_and_symbol(bar_type.instrument_id)
        await self._unwant(f"kline.{kline_interval(bar_type)}.{symbol}", "bars")

    # -- requests -----------------------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        """Every instrument of the configured categories (through the provider)."""
        provider = self.instruments
        if isinstance(provider, BybitInstrumentProvider):
            return await provider.load_all()
        return await BybitInstrumentProvider(self.config, http=self.http).fetch_all()

    async def request_bars(
        self,
        bar_type: BarType,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[Bar]:
        """Bars oldest first; pages backwards from ``end`` (Bybit answers newest first)."""
        category, symbol = category_and_symbol(bar_type.instrument_id)
        instrument = await self._instrument(bar_type.instrument_id)
        interval = kline_interval(bar_type)
        step_ms = interval_ms(bar_type)
        start_ms = ns_to_ms(start_ns) if start_ns is not None else None
        end_ms = ns_to_ms(end_ns) if end_ns is not None else None
        bars: dict[int, Bar] = {}
        ts_init = time.time_ns()
        while True:
            page_limit = KLINE_LIMIT if limit is None else min(KLINE_LIMIT, limit - len(bars))
            result = await self.http.http_get_kline(
                category.value, symbol, interval, start=start_ms, end=end_ms, limit=page_limit
            )
            rows = result.get("list") or []
            for row in rows:
                bar = parse_bar(row, bar_type, instrument, step_ms, ts_init)
                bars[bar.ts_event] = bar
            if len(rows) < page_limit or (limit is not None and len(bars) >= limit):
                break
            oldest = min(int(row[0]) for row in rows)
            if start_ms is not None and oldest <= start_ms:
                break
            end_ms = oldest - 1
        ordered = [bars[k] for k in sorted(bars)]
        return ordered[-limit:] if limit is not None else ordered

    async def request_trades(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[TradeTick]:
        """Recent public trades, oldest first (Bybit keeps only the latest 1000, no range)."""
        category, symbol = category_and_symbol(instrument_id)
        instrument = await self._instrument(instrument_id)
        result = await self.http.http_get_recent_trades(
            category.value, symbol, limit=min(limit or 1000, 1000)
        )
        ts_init = time.time_ns()
        ticks = [parse_trade_tick(r, instrument, ts_init) for r in result.get("list") or []]
        ticks = [
            t
            for t in ticks
            if (start_ns is None or t.ts_event >= start_ns)
            and (end_ns is None or t.ts_event <= end_ns)
        ]
        ticks.sort(key=lambda t: t.ts_event)
        return ticks[-limit:] if limit else ticks

    async def request_book_snapshot(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> OrderBookDeltas:
        """``/v5/market/orderbook`` as snapshot deltas (sequence = the venue's ``u``)."""
        category, symbol = category_and_symbol(instrument_id)
        instrument = await self._instrument(instrument_id)
        result = await self.http.http_get_orderbook(category.value, symbol, depth)
        return parse_book_snapshot(result, instrument)
