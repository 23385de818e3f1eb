"""BitMEX market data client: realtime tables to normalized data, and REST history.

Streams: ``quote``, ``trade``, ``orderBookL2`` / ``orderBookL2_25`` (partial then
insert/update/delete keyed by id; the partial that follows every (re)subscription rebuilds the
book), ``orderBook10``, ``tradeBin1m/5m/1h/1d``, ``instrument`` (mark price, index price,
funding rate). History: ``GET /trade`` and ``GET /trade/bucketed`` paged with
``startTime``/``endTime``/``count``/``start``, ``GET /orderBook/L2``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from tradeport.book import OrderBook
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import DataClient, Reconnected
from tradeport.errors import TradeportError, ValidationError
from tradeport.model.data import (
    Bar,
    BarType,
    BookOrder,
    OrderBookDelta,
    OrderBookDeltas,
    QuoteTick,
    RecordFlag,
    TradeTick,
)
from tradeport.model.enums import (
    AggregationSource,
    BookAction,
    PriceType,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_bitmex.config import BitmexConfig
from tradeport_bitmex.conversions import parse_timestamp_ns, price_of, qty_of
from tradeport_bitmex.enums import SIDE_FROM_VENUE
from tradeport_bitmex.http.client import BitmexHttpClient
from tradeport_bitmex.http.parse import instrument_id_of
from tradeport_bitmex.http.query import bin_size_of, bucketed_trades_query, history_query
from tradeport_bitmex.websocket.client import bitmex_ws_client
from tradeport_bitmex.websocket.messages import topic_of
from tradeport_bitmex.websocket.parse import (
    OrderBookL2State,
    RecentTradeIds,
    parse_bar,
    parse_book10_snapshot,
    parse_index_price,
    parse_instrument_funding_rate,
    parse_mark_price,
    parse_quote_tick,
    parse_trade_tick,
)

__all__ = ["BitmexDataClient"]

_MARK, _INDEX, _FUNDING = "mark", "index", "funding"
#: Trade ids remembered per symbol to drop repeats across reconnects.
_SEEN_TRADES = 2048


class BitmexDataClient(DataClient):
    """Market data from BitMEX (see the module docstring)."""

    def __init__(
        self,
        venue: str,
        config: BitmexConfig,
        *,
        http: BitmexHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(venue, config, **kwargs)
        self._own_http = http is None
        self.http = http or BitmexHttpClient(config)
        self.stream = bitmex_ws_client(
            config, self._on_message, name="bitmex-public", on_reconnected=self._on_reconnected
        )
        self._tasks = BackgroundTasks(self.log, "bitmex-data")
        self._handlers: dict[str, Callable[[str, str, list[dict[str, Any]]], Awaitable[None]]] = {
            "quote": self._on_quotes,
            "trade": self._on_trades,
            "orderBookL2": self._on_book_l2,
            "orderBookL2_25": self._on_book_l2,
            "orderBook10": self._on_book10,
            "instrument": self._on_instrument,
        }
        self._books: dict[str, OrderBookL2State] = {}
        self._book_connection: dict[str, int] = {}
        self._local_books: dict[InstrumentId, OrderBook] = {}
        self._book_topics: dict[InstrumentId, str] = {}
        self._bars: dict[str, BarType] = {}
        self._instrument_kinds: dict[str, set[str]] = {}
        self._seen_trades = RecentTradeIds(_SEEN_TRADES)
        #: Table messages that could not be handled (unknown table or bad row).
        self.unhandled_messages = 0

    # -- lifecycle ----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the realtime stream; returns once it is connected.

        A failure of the first connection is raised here; a fatal error later (reconnect
        attempts exhausted) is logged and kept in :attr:`stream_error`.
        """
        if self._tasks.is_open:
            return
        await self._tasks.open()
        try:
            await self._tasks.start_stream(self.stream)
        except BaseException:
            await self._tasks.close()
            raise

    @property
    def stream_error(self) -> TradeportError | None:
        """The fatal error that stopped the stream after its first connection, if one did."""
        return self._tasks.stream_error

    async def disconnect(self) -> None:
        """Close the stream and the REST client."""
        self.stream.close()
        await self._tasks.close()
        if self._own_http:
            await self.http.aclose()

    def book(self, instrument_id: InstrumentId) -> OrderBook:
        """The local order book kept from the ``orderBookL2`` stream (KeyError if none)."""
        try:
            return self._local_books[instrument_id]
        except KeyError:
            raise KeyError(f"{self.venue}: no book subscription for {instrument_id}") from None

    async def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        if self.instruments is None:
            raise ValidationError("instruments", None, "the data client needs a provider")
        found = self.instruments.find(instrument_id)
        return found if found is not None else await self.instruments.load(instrument_id)

    def _loaded(self, symbol: str) -> Instrument | None:
        if self.instruments is None:
            return None
        return self.instruments.find(instrument_id_of(symbol))

    async def _subscribe(self, table: str, instrument_id: InstrumentId) -> str:
        # The venue is the judge of symbols: an unknown one is refused by BitMEX itself.
        topic = topic_of(table, instrument_id.symbol.value)
        await self.stream.subscribe([topic])
        return topic

    # -- subscriptions --------------------------------------------------------------------------

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """``quote:SYMBOL``: top of book."""
        await self._subscribe("quote", instrument_id)

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Stop ``quote:SYMBOL``."""
        await self.stream.unsubscribe([topic_of("quote", instrument_id.symbol.value)])

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """``trade:SYMBOL``: public trades (the partial's history is not replayed as new)."""
        await self._subscribe("trade", instrument_id)

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Stop ``trade:SYMBOL``."""
        await self.stream.unsubscribe([topic_of("trade", instrument_id.symbol.value)])

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """``orderBookL2_25:SYMBOL`` for depth <= 25, else the full ``orderBookL2``."""
        table = "orderBookL2_25" if depth is not None and depth <= 25 else "orderBookL2"
        instrument = await self._instrument(instrument_id)
        symbol = instrument_id.symbol.value
        self._books.setdefault(f"{table}:{symbol}", OrderBookL2State(instrument))
        self._local_books.setdefault(instrument_id, OrderBook(instrument_id))
        self._book_topics[instrument_id] = f"{table}:{symbol}"
        await self._subscribe(table, instrument_id)

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        """Stop the book stream."""
        topic = self._book_topics.pop(instrument_id, None)
        if topic is not None:
            await self.stream.unsubscribe([topic])
            self._books.pop(topic, None)

    async def subscribe_book_snapshots(self, instrument_id: InstrumentId, depth: int = 10) -> None:
        """``orderBook10:SYMBOL``: ten levels a side, as snapshots."""
        if depth > 10:
            raise ValidationError("depth", depth, "BitMEX book snapshots have 10 levels")
        await self._subscribe("orderBook10", instrument_id)

    async def unsubscribe_book_snapshots(self, instrument_id: InstrumentId) -> None:
        """Stop ``orderBook10:SYMBOL``."""
        await self.stream.unsubscribe([topic_of("orderBook10", instrument_id.symbol.value)])

    def _bar_table(self, bar_type: BarType) -> str:
        spec = bar_type.spec
        if spec.price_type is not PriceType.LAST or (
            bar_type.aggregation_source is not AggregationSource.EXTERNAL
        ):
            raise ValidationError("bar_type", str(bar_type), "BitMEX bins are LAST, EXTERNAL")
        return "tradeBin" + bin_size_of(spec.step, spec.aggregation.value)

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """``tradeBin1m|5m|1h|1d:SYMBOL``: closed bins as Bars."""
        table = self._bar_table(bar_type)
        self._handlers.setdefault(table, self._on_bins)
        self._bars[topic_of(table, bar_type.instrument_id.symbol.value)] = bar_type
        await self._subscribe(table, bar_type.instrument_id)

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Stop the bin stream."""
        topic = topic_of(self._bar_table(bar_type), bar_type.instrument_id.symbol.value)
        await self.stream.unsubscribe([topic])
        self._bars.pop(topic, None)

    async def _want_instrument(self, instrument_id: InstrumentId, kind: str) -> None:
        symbol = instrument_id.symbol.value
        kinds = self._instrument_kinds.setdefault(symbol, set())
        kinds.add(kind)
        await self._subscribe("instrument", instrument_id)

    async def _unwant_instrument(self, instrument_id: InstrumentId, kind: str) -> None:
        symbol = instrument_id.symbol.value
        kinds = self._instrument_kinds.get(symbol, set())
        kinds.discard(kind)
        if not kinds:
            self._instrument_kinds.pop(symbol, None)
            await self.stream.unsubscribe([topic_of("instrument", symbol)])

    async def subscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """``instrument:SYMBOL`` ``markPrice``."""
        await self._want_instrument(instrument_id, _MARK)

    async def unsubscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """Stop mark prices (the topic goes when nothing else needs it)."""
        await self._unwant_instrument(instrument_id, _MARK)

    async def subscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """``instrument:SYMBOL`` ``indicativeSettlePrice``."""
        await self._want_instrument(instrument_id, _INDEX)

    async def unsubscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Stop index prices."""
        await self._unwant_instrument(instrument_id, _INDEX)

    async def subscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """``instrument:SYMBOL`` ``fundingRate`` / ``fundingTimestamp``."""
        await self._want_instrument(instrument_id, _FUNDING)

    async def unsubscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Stop funding rates."""
        await self._unwant_instrument(instrument_id, _FUNDING)

    # -- stream handling ------------------------------------------------------------------------

    async def _on_reconnected(self) -> None:
        await self.emit(Reconnected(self.venue, "public", time.time_ns()))

    async def _on_message(self, message: Any) -> None:
        table = message.get("table") if isinstance(message, dict) else None
        handler = self._handlers.get(table) if isinstance(table, str) else None
        if handler is None or not isinstance(table, str):
            self.unhandled_messages += 1
            self.log.warning("unhandled BitMEX message: %.200r", message)
            return
        rows = message.get("data")
        if not isinstance(rows, list):
            self.unhandled_messages += 1
            self.log.warning("BitMEX %s message without data: %.200r", table, message)
            return
        try:
            await handler(table, message.get("action") or "", rows)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            self.log.debug("event sink closed: %s message dropped", table)
        except (KeyError, ValueError, TypeError) as exc:
            self.unhandled_messages += 1
            self.log.warning("bad BitMEX %s message (%s: %s)", table, type(exc).__name__, exc)

    async def _on_quotes(self, table: str, action: str, rows: list[dict[str, Any]]) -> None:
        ts_init = time.time_ns()
        for row in rows:
            instrument = self._loaded(row["symbol"])
            if instrument is None:
                continue
            quote = parse_quote_tick(row, instrument, ts_init)
            if quote is not None:
                await self.emit(quote)

    def _is_new_trade(self, symbol: str, trade_id: str) -> bool:
        return self._seen_trades.is_new(symbol, trade_id)

    async def _on_trades(self, table: str, action: str, rows: list[dict[str, Any]]) -> None:
        ts_init = time.time_ns()
        partial = action == "partial"
        for row in rows:
            symbol = row["symbol"]
            if partial:
                # The partial holds past trades: remember them so they never count as new.
                self._is_new_trade(symbol, row["trdMatchID"])
                continue
            instrument = self._loaded(symbol)
            if instrument is None or not self._is_new_trade(symbol, row["trdMatchID"]):
                continue
            await self.emit(parse_trade_tick(row, instrument, ts_init))

    async def _on_book_l2(self, table: str, action: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        ts_init = time.time_ns()
        by_topic: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_topic.setdefault(f"{table}:{row['symbol']}", []).append(row)
        connection = self.stream.counters.connections
        for topic, topic_rows in by_topic.items():
            state = self._books.get(topic)
            if state is None:
                continue
            if self._book_connection.get(topic) != connection and action != "partial":
                continue  # a new connection: wait for its partial
            if action == "partial":
                self._book_connection[topic] = connection
            deltas = state.apply(action, topic_rows, ts_init)
            if deltas is None:
                continue
            local = self._local_books.get(deltas.instrument_id)
            if local is not None:
                local.apply(deltas)
            await self.emit(deltas)

    async def _on_book10(self, table: str, action: str, rows: list[dict[str, Any]]) -> None:
        ts_init = time.time_ns()
        for row in rows:
            instrument = self._loaded(row["symbol"])
            if instrument is not None:
                await self.emit(parse_book10_snapshot(row, instrument, ts_init))

    async def _on_bins(self, table: str, action: str, rows: list[dict[str, Any]]) -> None:
        if action == "partial":
            return  # the last closed bin, already seen or history: not a new bar
        ts_init = time.time_ns()
        for row in rows:
            symbol = row["symbol"]
            instrument = self._loaded(symbol)
            if instrument is None:
                continue
            bar_type = self._bars.get(f"{table}:{symbol}")
            bar = parse_bar(row, bar_type, instrument, ts_init) if bar_type else None
            if bar is not None:
                await self.emit(bar)

    async def _on_instrument(self, table: str, action: str, rows: list[dict[str, Any]]) -> None:
        ts_init = time.time_ns()
        for row in rows:
            symbol = row.get("symbol") or ""
            kinds = self._instrument_kinds.get(symbol)
            instrument = self._loaded(symbol) if kinds else None
            if kinds is None or instrument is None or not row.get("timestamp"):
                continue
            if _MARK in kinds:
                mark = parse_mark_price(row, instrument, ts_init)
                if mark is not None:
                    await self.emit(mark)
            if _INDEX in kinds:
                index = parse_index_price(row, instrument, ts_init)
                if index is not None:
                    await self.emit(index)
            if _FUNDING in kinds:
                funding = parse_instrument_funding_rate(row, instrument.id, ts_init)
                if funding is not None:
                    await self.emit(funding)

    # -- history ----------------------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        """Every active instrument (through the provider)."""
        if self.instruments is None:
            raise ValidationError("instruments", None, "the data client needs a provider")
        return await self.instruments.load_all()

    async def request_trades(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[TradeTick]:
        """``GET /trade`` over [start, end], oldest first, paged by ``start`` offsets."""
        instrument = await self._instrument(instrument_id)
        symbol = instrument_id.symbol.value

        async def fetch(offset: int, count: int) -> list[dict[str, Any]]:
            return await self.http.http_get_trade(
                history_query(
                    symbol, start_ns=start_ns, end_ns=end_ns, count=count, start=offset or None
                )
            )

        ts_init = time.time_ns()
        rows = await self.http.pages(fetch, limit)
        return [parse_trade_tick(row, instrument, ts_init) for row in rows]

    async def request_bars(
        self,
        bar_type: BarType,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[Bar]:
        """``GET /trade/bucketed`` (binSize 1m, 5m, 1h, 1d), oldest first, paged."""
        table = self._bar_table(bar_type)
        instrument = await self._instrument(bar_type.instrument_id)
        symbol = bar_type.instrument_id.symbol.value

        async def fetch(offset: int, count: int) -> list[dict[str, Any]]:
            return await self.http.http_get_trade_bucketed(
                bucketed_trades_query(
                    symbol,
                    table.removeprefix("tradeBin"),
                    start_ns=start_ns,
                    end_ns=end_ns,
                    count=count,
                    start=offset or None,
                )
            )

        ts_init = time.time_ns()
        bars = []
        for row in await self.http.pages(fetch, limit):
            bar = parse_bar(row, bar_type, instrument, ts_init)
            if bar is not None:
                bars.append(bar)
        return bars

    async def request_book_snapshot(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> OrderBookDeltas:
        """``GET /orderBook/L2`` as a snapshot batch (``depth`` None: the full book)."""
        instrument = await self._instrument(instrument_id)
        rows = await self.http.http_get_orderbook_l2(instrument_id.symbol.value, depth or 0)
        ts_init = time.time_ns()
        flags = int(RecordFlag.F_SNAPSHOT | RecordFlag.F_MBP)
        stamps = [r["timestamp"] for r in rows if r.get("timestamp")]
        ts_event = parse_timestamp_ns(max(stamps)) if stamps else ts_init
        deltas = [OrderBookDelta.clear(instrument_id, 0, ts_event, ts_init, flags)]
        for row in rows:
            order = BookOrder(
                SIDE_FROM_VENUE[row["side"]],
                price_of(instrument, row["price"]),
                qty_of(instrument, row["size"]),
            )
            deltas.append(
                OrderBookDelta(instrument_id, BookAction.ADD, order, flags, 0, ts_event, ts_init)
            )
        last = deltas[-1]
        deltas[-1] = OrderBookDelta(
            instrument_id,
            last.action,
            last.order,
            flags | int(RecordFlag.F_LAST),
            0,
            ts_event,
            ts_init,
        )
        return OrderBookDeltas(instrument_id, tuple(deltas))

    async def request_quotes(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[QuoteTick]:
        """Not offered: BitMEX removed ``GET /quote``."""
        return self._unsupported("request_quotes", "BitMEX removed GET /quote")
