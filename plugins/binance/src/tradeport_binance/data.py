"""BinanceDataClient: market data streams and history for one account type.

One combined-stream connection carries every subscription. Order books follow Binance's
diff-depth procedure on the core BookSynchronizer: buffer ``depthUpdate`` events, fetch the REST
snapshot, drop events not newer than ``lastUpdateId``, check continuity (spot ``U``/``u``,
futures ``pu``), resync on a gap, and rebuild after every reconnect.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec
from tradeport.book import (
    BookSynchronizer,
    ContiguousRange,
    DeltaBatch,
    LinkedPrevious,
    OrderBook,
)
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import DataClient, Reconnected
from tradeport.errors import TradeportError, ValidationError
from tradeport.model.data import BarType, OrderBookDeltas, TradeTick
from tradeport.model.enums import BookType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument
from tradeport.net.ws_client import WebSocketClient
from tradeport.net.ws_protocol import RoutedFrame

from tradeport_binance.capabilities import capabilities_for
from tradeport_binance.config import BinanceConfig
from tradeport_binance.constants import VENUE_ID
from tradeport_binance.http.client import BinanceHttpClient
from tradeport_binance.http.parse import (
    interval_of,
    parse_agg_trade_tick_rest,
    parse_book_snapshot,
    parse_kline,
    parse_trade_tick_rest,
)
from tradeport_binance.http.query import ns_to_ms
from tradeport_binance.market_prices import LastMarketPrices
from tradeport_binance.symbology import native_symbol
from tradeport_binance.websocket.client import market_stream_client, stream_name
from tradeport_binance.websocket.parse import StreamParser
from tradeport_binance.websocket.payloads import (
    BookTickerPayload,
    DepthUpdatePayload,
    decode_agg_trade,
    decode_book_ticker,
    decode_depth_update,
    decode_trade,
)

__all__ = ["BinanceDataClient"]

Route = Callable[[Any], Awaitable[None]]
#: Decodes a routed payload (JSON bytes) for its route: a typed model on the hot streams
#: (websocket/payloads.py), plain dicts on the others.
PayloadDecoder = Callable[[Any], Any]
_as_dicts: PayloadDecoder = msgspec.json.decode
_HOUR_MS = 3_600_000
_KLINE_PAGE = 1000
_TRADE_PAGE = 1000


class BinanceDataClient(DataClient):
    """Binance market data (see the module docstring).

    Custom data: ``subscribe_custom("BinanceTicker", {"instrument_id": id})`` (24h ticker) and
    ``subscribe_custom("BinanceFuturesMarkPriceUpdate", {"instrument_id": id})``.
    """

    def __init__(
        self,
        config: BinanceConfig,
        *,
        instruments: Any = None,
        http: BinanceHttpClient | None = None,
        last_prices: LastMarketPrices | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            VENUE_ID,
            config,
            instruments=instruments,
            capabilities=capabilities_for(config.account_type),
            **kwargs,
        )
        self.http = http or BinanceHttpClient(config)
        self._owns_http = http is None
        self.futures = config.account_type.is_futures
        self.parser = StreamParser(self._by_native)
        self._routes: dict[str, tuple[PayloadDecoder, Route]] = {}
        self._books: dict[InstrumentId, BookSynchronizer] = {}
        self._mark_wants: dict[str, set[str]] = {}
        self._ws: WebSocketClient | None = None
        #: The stream and the book synchronizers run here, between connect() and disconnect().
        self._tasks = BackgroundTasks(self.log, "binance data client")
        #: Latest subscribed quote/trade per instrument, shared with the session's execution
        #: client (trailing-stop activation prices; see tradeport_binance.market_prices).
        self.last_prices = last_prices if last_prices is not None else LastMarketPrices()

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def ws(self) -> WebSocketClient:
        """The market stream connection (after :meth:`connect`)."""
        if self._ws is None:
            raise RuntimeError("BinanceDataClient is not connected")
        return self._ws

    async def connect(self) -> None:
        """Open the combined-stream connection (returns once it is established)."""
        if self._ws is not None:
            return
        await self._tasks.open()
        self._ws = market_stream_client(
            self.config, self._on_message, on_reconnected=self._on_reconnected
        )
        try:
            await self._tasks.start_stream(self._ws)
        except BaseException:
            # A stream that never connected leaves nothing running behind.
            self._ws = None
            await self._tasks.close()
            raise

    async def disconnect(self) -> None:
        """Close the stream and the REST pool."""
        if self._ws is not None:
            self._ws.close()
        await self._tasks.close()
        self._ws = None
        self.last_prices.clear()  # nothing is subscribed any more: no stale activation prices
        if self._owns_http:
            await self.http.aclose()

    # -- routing ---------------------------------------------------------------------------------

    async def _on_message(self, message: Any) -> None:
        # Data frames arrive routed (``{"stream": .., "data": ..}`` decoded only to the stream
        # name, see binance_protocol); each route decodes its payload with its own decoder.
        entry = self._routes.get(message.route) if isinstance(message, RoutedFrame) else None
        if entry is None:
            # An unknown or unsubscribed stream (or a malformed message): count, never crash.
            self.log.debug("unrouted Binance message: %.200r", message)
            return
        decode, route = entry
        await route(decode(message.payload))

    async def _on_reconnected(self) -> None:
        # Continuity is lost across connections: every book is rebuilt from a new snapshot.
        for instrument_id, sync in self._books.items():
            sync.reset()
            if self._tasks.is_open:
                self._tasks.start_soon(
                    self._prime_book, instrument_id, sync, name=f"binance book {instrument_id}"
                )
        await self.emit(Reconnected(self.venue, "market", time.time_ns()))

    def _by_native(self, symbol: str) -> Instrument | None:
        provider = self.instruments
        by_native = getattr(provider, "by_native", None)
        return by_native(symbol) if by_native is not None else None

    async def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        provider = self.instruments
        if provider is None:
            raise ValidationError(
                "instruments", None, "a Binance data client needs an instrument provider"
            )
        found = provider.find(instrument_id)
        return found if found is not None else await provider.load(instrument_id)

    async def _subscribe(
        self,
        instrument_id: InstrumentId,
        channel: str,
        route: Route,
        decode: PayloadDecoder = _as_dicts,
    ) -> None:
        await self._instrument(instrument_id)
        stream = stream_name(native_symbol(instrument_id), channel)
        self._routes[stream] = (decode, route)
        try:
            await self.ws.subscribe([stream])
        except BaseException:
            self._routes.pop(stream, None)
            raise

    async def _unsubscribe(self, instrument_id: InstrumentId, channel: str) -> None:
        stream = stream_name(native_symbol(instrument_id), channel)
        self._routes.pop(stream, None)
        await self.ws.unsubscribe([stream])

    # -- quotes and trades -----------------------------------------------------------------------

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """``<symbol>@bookTicker`` as QuoteTicks."""
        parse = self.parser.parse_quote_tick
        record = self.last_prices.record_quote

        async def route(data: BookTickerPayload) -> None:
            tick = parse(data)
            record(tick)
            await self.emit(tick)

        await self._subscribe(instrument_id, "bookTicker", route, decode_book_ticker)

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Stop the quote stream."""
        self.last_prices.forget_quotes(instrument_id)
        await self._unsubscribe(instrument_id, "bookTicker")

    def _trade_channel(self) -> str:
        return "aggTrade" if self.config.use_agg_trade_ticks else "trade"

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """``<symbol>@trade`` (``@aggTrade`` with ``use_agg_trade_ticks``) as TradeTicks."""
        agg = self.config.use_agg_trade_ticks
        parse = self.parser.parse_agg_trade_tick if agg else self.parser.parse_trade_tick
        record = self.last_prices.record_trade

        async def route(data: Any) -> None:
            tick = parse(data)
            record(tick)
            await self.emit(tick)

        decode = decode_agg_trade if agg else decode_trade
        await self._subscribe(instrument_id, self._trade_channel(), route, decode)

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Stop the trade stream."""
        self.last_prices.forget_trades(instrument_id)
        await self._unsubscribe(instrument_id, self._trade_channel())

    # -- order books -----------------------------------------------------------------------------

    def _depth_channel(self) -> str:
        # The fastest diff stream the docs list for every product (Spot, USD-M and COIN-M
        # "Diff. Book Depth Streams": <symbol>@depth@100ms).
        return "depth@100ms"

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """Diff-depth stream kept in sync with REST snapshots; publishes the snapshot, then
        deltas (OrderBookDeltas), and a new snapshot after any gap or reconnect."""
        instrument = await self._instrument(instrument_id)
        sync = self._books.get(instrument_id)
        if sync is None:
            sync = BookSynchronizer(
                OrderBook(instrument_id, BookType.L2_MBP),
                lambda: self._fetch_snapshot(instrument),
                LinkedPrevious() if self.futures else ContiguousRange(),
                on_deltas=self.emit,
                retry_delay=self.config.book_resync_delay,
            )
            self._books[instrument_id] = sync
            self._tasks.start_soon(sync.run, name=f"binance book sync {instrument_id}")
        parse = self.parser.parse_depth_batch
        push = sync.push

        async def route(data: DepthUpdatePayload) -> None:
            await push(parse(data))

        await self._subscribe(instrument_id, self._depth_channel(), route, decode_depth_update)
        if not sync.synced:
            self._tasks.start_soon(
                self._prime_book, instrument_id, sync, name=f"binance book {instrument_id}"
            )

    async def _prime_book(self, instrument_id: InstrumentId, sync: BookSynchronizer) -> None:
        """Fetch the snapshot now that the diff stream is live, without waiting for a first
        update: a quiet book may not change for minutes. Every update from here on is on the
        stream (buffered by the synchronizer), so the usual stale/continuity rules still hold.

        CORE-CANDIDATE: a BookSynchronizer option to fetch as soon as it starts (or on
        ``reset``), instead of after the first buffered batch.
        """
        instrument = await self._instrument(instrument_id)
        try:
            snapshot = await self._fetch_snapshot(instrument)
        except TradeportError as error:
            # The synchronizer fetches again once updates arrive.
            self.log.warning("book snapshot for %s failed: %s", instrument_id, error)
            return
        if sync.synced or sync not in self._books.values():
            return  # live already (the synchronizer's own fetch won), or unsubscribed
        sequence = snapshot.sequence
        await sync.push(DeltaBatch(snapshot, sequence, sequence))

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        """Stop the diff-depth stream and forget the local book."""
        await self._unsubscribe(instrument_id, self._depth_channel())
        self._books.pop(instrument_id, None)

    def book(self, instrument_id: InstrumentId) -> OrderBook:
        """The local order book of a subscribed instrument; KeyError (the base contract) when
        the instrument has no book subscription."""
        sync = self._books.get(instrument_id)
        if sync is None:
            raise KeyError(f"{self.venue}: no local book for {instrument_id}")
        return sync.book

    def book_sync(self, instrument_id: InstrumentId) -> BookSynchronizer | None:
        """The synchronizer of a subscribed instrument (stats, wait_synced)."""
        return self._books.get(instrument_id)

    async def _fetch_snapshot(self, instrument: Instrument) -> OrderBookDeltas:
        payload = await self.http.http_depth(
            instrument.raw_symbol.value, self.config.book_snapshot_depth
        )
        return parse_book_snapshot(payload, instrument, time.time_ns())

    # -- bars ------------------------------------------------------------------------------------

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """``<symbol>@kline_<interval>``: closed klines as BinanceBars."""
        interval = interval_of(bar_type)
        parse = self.parser.parse_bar

        async def route(data: Mapping[str, Any]) -> None:
            if data["k"]["x"]:
                await self.emit(parse(data, bar_type))

        await self._subscribe(bar_type.instrument_id, f"kline_{interval}", route)

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Stop the kline stream."""
        await self._unsubscribe(bar_type.instrument_id, f"kline_{interval_of(bar_type)}")

    # -- mark / index / funding (futures) ---------------------------------------------------------

    async def _want_mark(self, instrument_id: InstrumentId, kind: str) -> None:
        if not self.futures:
            self._unsupported(f"subscribe_{kind}", "mark price streams are futures only")
        native = native_symbol(instrument_id)
        wants = self._mark_wants.setdefault(native, set())
        wants.add(kind)
        parse, split = self.parser.parse_mark_price, self.parser.split_mark_price

        async def route(data: Mapping[str, Any]) -> None:
            update = parse(data)
            mark, index, funding = split(update)
            if "custom" in wants:
                await self.emit(update)
            if "mark_prices" in wants:
                await self.emit(mark)
            if "index_prices" in wants:
                await self.emit(index)
            if "funding_rates" in wants and funding is not None:
                await self.emit(funding)

        await self._subscribe(instrument_id, "markPrice@1s", route)

    async def _unwant_mark(self, instrument_id: InstrumentId, kind: str) -> None:
        wants = self._mark_wants.get(native_symbol(instrument_id), set())
        wants.discard(kind)
        if not wants:
            await self._unsubscribe(instrument_id, "markPrice@1s")

    async def subscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """Mark prices from ``<symbol>@markPrice@1s``."""
        await self._want_mark(instrument_id, "mark_prices")

    async def unsubscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """Stop mark prices (the stream stays while index or funding is wanted)."""
        await self._unwant_mark(instrument_id, "mark_prices")

    async def subscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Index prices from the mark price stream."""
        await self._want_mark(instrument_id, "index_prices")

    async def unsubscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Stop index prices."""
        await self._unwant_mark(instrument_id, "index_prices")

    async def subscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Funding rates from the mark price stream (perpetuals)."""
        await self._want_mark(instrument_id, "funding_rates")

    async def unsubscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Stop funding rates."""
        await self._unwant_mark(instrument_id, "funding_rates")

    # -- custom ----------------------------------------------------------------------------------

    async def subscribe_custom(
        self, data_type: str, params: Mapping[str, Any] | None = None
    ) -> None:
        """``BinanceTicker`` (24h ticker) or ``BinanceFuturesMarkPriceUpdate``."""
        instrument_id = _instrument_param(params)
        if data_type == "BinanceFuturesMarkPriceUpdate":
            await self._want_mark(instrument_id, "custom")
            return
        if data_type == "BinanceTicker":
            parse = self.parser.parse_ticker

            async def route(data: Mapping[str, Any]) -> None:
                await self.emit(parse(data))

            await self._subscribe(instrument_id, "ticker", route)
            return
        self._unsupported("subscribe_custom", f"unknown Binance data type {data_type!r}")

    async def unsubscribe_custom(
        self, data_type: str, params: Mapping[str, Any] | None = None
    ) -> None:
        """Stop a custom stream."""
        instrument_id = _instrument_param(params)
        if data_type == "BinanceFuturesMarkPriceUpdate":
            await self._unwant_mark(instrument_id, "custom")
        elif data_type == "BinanceTicker":
            await self._unsubscribe(instrument_id, "ticker")
        else:
            self._unsupported("unsubscribe_custom", f"unknown Binance data type {data_type!r}")

    # -- history ---------------------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        """Load every instrument of the account type."""
        if self.instruments is None:
            raise ValidationError(
                "instruments", None, "a Binance data client needs an instrument provider"
            )
        return list(await self.instruments.load_all())

    async def request_bars(
        self,
        bar_type: BarType,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[Any]:
        """Klines between ``start_ns`` and ``end_ns``, 1000 per request, paged by open time."""
        instrument = await self._instrument(bar_type.instrument_id)
        interval = interval_of(bar_type)
        start, end = ns_to_ms(start_ns), ns_to_ms(end_ns)
        bars: list[Any] = []
        while True:
            page = _KLINE_PAGE if limit is None else min(_KLINE_PAGE, limit - len(bars))
            if page <= 0:
                break
            rows = await self.http.http_klines(
                instrument.raw_symbol.value, interval, start_time=start, end_time=end, limit=page
            )
            now = time.time_ns()
            bars.extend(parse_kline(row, bar_type, instrument, now) for row in rows)
            if len(rows) < page or start is None:
                break
            start = int(rows[-1][0]) + 1
        return bars

    async def request_trades(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[TradeTick]:
        """Recent trades, or (with a time range or ``use_agg_trade_ticks``) aggregated trades
        between ``start_ns`` and ``end_ns``: one-hour windows (Binance's limit), each paged by
        aggregate id."""
        instrument = await self._instrument(instrument_id)
        symbol = instrument.raw_symbol.value
        if start_ns is None and not self.config.use_agg_trade_ticks:
            rows = await self.http.http_trades(symbol, limit=min(limit or 500, _TRADE_PAGE))
            now = time.time_ns()
            ticks = [parse_trade_tick_rest(r, instrument, now) for r in rows]
            return [t for t in ticks if end_ns is None or t.ts_event <= end_ns]
        if start_ns is None:
            rows = await self.http.http_agg_trades(symbol, limit=min(limit or 500, _TRADE_PAGE))
            return [parse_agg_trade_tick_rest(r, instrument, time.time_ns()) for r in rows]
        start = start_ns // 1_000_000
        end = (end_ns if end_ns is not None else time.time_ns()) // 1_000_000
        out: list[TradeTick] = []
        window_start = start
        while window_start <= end and (limit is None or len(out) < limit):
            window_end = min(window_start + _HOUR_MS - 1, end)
            rows = await self.http.http_agg_trades(
                symbol, start_time=window_start, end_time=window_end, limit=_TRADE_PAGE
            )
            while True:
                now = time.time_ns()
                out.extend(parse_agg_trade_tick_rest(r, instrument, now) for r in rows)
                if len(rows) < _TRADE_PAGE:
                    break
                rows = await self.http.http_agg_trades(
                    symbol, from_id=int(rows[-1]["a"]) + 1, limit=_TRADE_PAGE
                )
                rows = [r for r in rows if int(r["T"]) <= window_end]
            window_start = window_end + 1
        return out[:limit] if limit is not None else out

    async def request_book_snapshot(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> OrderBookDeltas:
        """``GET depth`` as a snapshot batch."""
        instrument = await self._instrument(instrument_id)
        payload = await self.http.http_depth(
            instrument.raw_symbol.value, depth or self.config.book_snapshot_depth
        )
        return parse_book_snapshot(payload, instrument, time.time_ns())


def _instrument_param(params: Mapping[str, Any] | None) -> InstrumentId:
    value = (params or {}).get("instrument_id")
    if isinstance(value, InstrumentId):
        return value
    if isinstance(value, str):
        return InstrumentId.from_str(value)
    raise ValidationError(
        "params.instrument_id", value, "is required (an InstrumentId or 'SYMBOL.BINANCE')"
    )
