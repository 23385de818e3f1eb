"""Hyperliquid market data client: one public stream, history over ``/info``.

Streams (one core WebSocketClient, opened on first use):

* quotes from ``bbo``; trades from ``trades`` (``tid`` is the trade id, ``side`` the aggressor);
* books from ``l2Book``: every push is a whole book (no deltas, no sequence), so each one
  replaces the local book and is emitted as snapshot deltas; after a reconnect the first push
  is the resync;
* bars from ``candle``: the venue pushes the open candle on every change, so a bar is emitted
  when the next candle starts (the previous one is then closed);
* mark price, oracle price (as the index) and funding rate from ``activeAssetCtx`` (perps);
  the whole context (open interest, premium, 24 h volume) as ``HyperliquidAssetContext`` and
  every mid from ``allMids`` as ``HyperliquidMids`` through :meth:`subscribe_custom`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import anyio
from tradeport.book import OrderBook
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import DataClient, InstrumentProvider, Reconnected
from tradeport.errors import SubscriptionError, TradeportError, UnknownInstrument, ValidationError
from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDeltas,
)
from tradeport.model.enums import BookType, ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument
from tradeport.net.ws_client import WebSocketClient

from tradeport_hyperliquid.config import HyperliquidConfig
from tradeport_hyperliquid.constants import CAPABILITIES, VENUE_ID
from tradeport_hyperliquid.datatypes import parse_asset_context, parse_mids
from tradeport_hyperliquid.http.client import HyperliquidHttpClient
from tradeport_hyperliquid.http.parse import (
    MS,
    parse_asset_ctx,
    parse_bar,
    parse_book,
    parse_funding_history,
    parse_quote_tick,
    parse_trade_tick,
)
from tradeport_hyperliquid.http.query import candle_interval, interval_ms, ns_to_ms
from tradeport_hyperliquid.providers import (
    HyperliquidInstrumentProvider,
    http_sharing,
    instrument_for,
)
from tradeport_hyperliquid.urls import ws_url
from tradeport_hyperliquid.websocket.client import public_stream
from tradeport_hyperliquid.websocket.parse import topic_of_message

__all__ = ["HyperliquidDataClient", "CANDLES_PER_REQUEST"]

#: Candles one ``candleSnapshot`` answer holds at most (docs: 5000).
CANDLES_PER_REQUEST = 5000
_CTX_KINDS = {MarkPriceUpdate: "mark", IndexPriceUpdate: "index", FundingRateUpdate: "funding"}


def _instrument_param(params: Mapping[str, Any] | None) -> InstrumentId:
    value = (params or {}).get("instrument_id")
    if value is None:
        raise ValidationError("params", str(params), "needs an instrument_id")
    return value if isinstance(value, InstrumentId) else InstrumentId.from_str(str(value))


def _coin(instrument: Instrument) -> str:
    return str(instrument.info["coin"])


class _Topic:
    """One venue subscription and what the client wants from it (``activeAssetCtx`` feeds
    mark, index and funding)."""

    __slots__ = ("bar_type", "book", "book_ready", "instrument", "kinds", "open_candle")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.kinds: set[str] = set()
        self.book: OrderBook | None = None
        self.book_ready = anyio.Event()
        self.bar_type: BarType | None = None
        self.open_candle: dict[str, Any] | None = None


class HyperliquidDataClient(DataClient):
    """Market data for Hyperliquid (see the module docstring)."""

    def __init__(
        self,
        config: HyperliquidConfig,
        *,
        instruments: InstrumentProvider | None = None,
        http: HyperliquidHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, instruments=instruments, **kwargs)
        self._http = http
        self._owns_http = http is None
        self._stream: WebSocketClient | None = None
        self._topics: dict[str, _Topic] = {}
        self._tasks = BackgroundTasks(self.log, "hyperliquid-data")
        self._stream_lock = anyio.Lock()
        #: Whether ``allMids`` is wanted (a stream about no one instrument).
        self._mids = False

    def __repr__(self) -> str:
        return f"HyperliquidDataClient(testnet={self.config.testnet})"

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def http(self) -> HyperliquidHttpClient:
        """The REST client (shared with the provider when it has one)."""
        if self._http is None:
            self._http, self._owns_http = http_sharing(self.instruments, self.config)
        return self._http

    @property
    def stream(self) -> WebSocketClient | None:
        """The market data stream, if open."""
        return self._stream

    async def connect(self) -> None:
        """Start the background tasks the stream runs in (it opens on first subscription)."""
        await self._tasks.open()

    async def disconnect(self) -> None:
        """Close the stream and the REST client."""
        if self._stream is not None:
            self._stream.close()
        await self._tasks.close()
        self._stream = None
        self._topics.clear()
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    async def _stream_ready(self) -> WebSocketClient:
        async with self._stream_lock:
            if self._stream is not None:
                return self._stream
            if not self._tasks.is_open:
                await self.connect()
            url = ws_url(self.config.testnet, self.config.base_url_ws)
            stream = public_stream(url, self._on_message, self.config, self._on_reconnected)
            await self._tasks.start_stream(stream)
            self._stream = stream
            return stream

    async def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        return await instrument_for(self.instruments, instrument_id)

    # -- subscription plumbing ----------------------------------------------------------------------

    async def _want(
        self,
        kind: str,
        instrument_id: InstrumentId,
        topic_for: Callable[[Instrument], str],
        setup: Callable[[_Topic], None] | None = None,
    ) -> _Topic:
        try:
            instrument = await self._instrument(instrument_id)
        except UnknownInstrument:
            raise
        except TradeportError as exc:
            raise SubscriptionError(str(exc), venue=VENUE_ID, retryable=False) from None
        topic = topic_for(instrument)
        state = self._topics.get(topic)
        if state is not None and kind in state.kinds:
            return state  # idempotent: one venue subscription, one stream of data
        fresh = state is None
        if state is None:
            state = self._topics[topic] = _Topic(instrument)
        state.kinds.add(kind)
        if setup is not None:
            setup(state)
        if fresh:
            stream = await self._stream_ready()
            try:
                await stream.subscribe([topic])
            except BaseException:
                self._topics.pop(topic, None)
                raise
        return state

    async def _unwant(self, kind: str, instrument_id: InstrumentId, prefix: str) -> None:
        for topic, state in list(self._topics.items()):
            if state.instrument.id != instrument_id or not topic.startswith(prefix):
                continue
            if kind not in state.kinds:
                continue
            state.kinds.discard(kind)
            if kind == "book":
                state.book = None
            if not state.kinds:
                del self._topics[topic]
                if self._stream is not None:
                    await self._stream.unsubscribe([topic])

    async def _on_message(self, message: dict[str, Any]) -> None:
        if message.get("channel") == "allMids":
            if self._mids:
                now = time.time_ns()
                await self.emit(parse_mids(message.get("data") or {}, now, now))
            return
        topic = topic_of_message(message)
        state = self._topics.get(topic) if topic is not None else None
        if state is None:
            return  # data after an unsubscribe, or a channel nobody asked for
        ts_init = time.time_ns()
        channel = message["channel"]
        data = message["data"]
        instrument = state.instrument
        if channel == "bbo":
            quote = parse_quote_tick(data, instrument, ts_init)
            if quote is not None:
                await self.emit(quote)
        elif channel == "trades":
            for item in data:
                await self.emit(parse_trade_tick(item, instrument, ts_init))
        elif channel == "l2Book" and state.book is not None:
            deltas = parse_book(data, instrument, ts_init)
            state.book.apply(deltas)  # a whole book: CLEAR first, then every level
            state.book_ready.set()
            await self.emit(deltas)
        elif channel == "candle" and state.bar_type is not None:
            await self._on_candle(state, data, ts_init)
        elif channel == "activeAssetCtx":
            ts_event = ts_init
            ctx = data.get("ctx") or {}
            for update in parse_asset_ctx(ctx, instrument, ts_event, ts_init):
                if _CTX_KINDS[type(update)] in state.kinds:
                    await self.emit(update)
            if "context" in state.kinds:
                await self.emit(parse_asset_context(ctx, instrument.id, ts_event, ts_init))

    async def _on_candle(self, state: _Topic, candle: dict[str, Any], ts_init: int) -> None:
        previous = state.open_candle
        if previous is not None and int(candle["t"]) > int(previous["t"]):
            assert state.bar_type is not None
            await self.emit(parse_bar(previous, state.bar_type, state.instrument, ts_init))
        if previous is None or int(candle["t"]) >= int(previous["t"]):
            state.open_candle = candle

    async def _on_reconnected(self) -> None:
        # The first l2Book push after the resubscription is a whole book: the resync.
        for state in self._topics.values():
            if state.book is not None:
                state.book_ready = anyio.Event()
        await self.emit(Reconnected(VENUE_ID, "public", time.time_ns()))

    # -- subscriptions ----------------------------------------------------------------------------------

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Best bid and offer from ``bbo``."""
        await self._want("quotes", instrument_id, lambda i: f"bbo:{_coin(i)}")

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        await self._unwant("quotes", instrument_id, "bbo:")

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Public trades from ``trades``."""
        await self._want("trades", instrument_id, lambda i: f"trades:{_coin(i)}")

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        await self._unwant("trades", instrument_id, "trades:")

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """Whole books from ``l2Book`` (up to 20 levels per side), each as snapshot deltas.

        Returns once the first book is applied (or after ``ack_timeout``)."""

        def setup(state: _Topic) -> None:
            state.book = OrderBook(state.instrument.id, BookType.L2_MBP)

        state = await self._want("book", instrument_id, lambda i: f"l2Book:{_coin(i)}", setup)
        with anyio.move_on_after(self.config.ack_timeout):
            await state.book_ready.wait()

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        await self._unwant("book", instrument_id, "l2Book:")

    def book(self, instrument_id: InstrumentId) -> OrderBook:
        """The local book kept for ``instrument_id``; KeyError unless subscribed to books."""
        for state in self._topics.values():
            if state.instrument.id == instrument_id and state.book is not None:
                return state.book
        raise KeyError(f"{VENUE_ID}: no book subscription for {instrument_id}")

    async def _ctx(self, kind: str, instrument_id: InstrumentId, operation: str) -> None:
        instrument = await self._instrument(instrument_id)
        if instrument.product_type is not ProductType.PERPETUAL:
            self._unsupported(operation, "mark, oracle and funding exist for perpetuals")
        await self._want(kind, instrument_id, lambda i: f"activeAssetCtx:{_coin(i)}")

    async def subscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """Mark prices from ``activeAssetCtx``."""
        await self._ctx("mark", instrument_id, "subscribe_mark_prices")

    async def unsubscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        await self._unwant("mark", instrument_id, "activeAssetCtx:")

    async def subscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Oracle prices (the venue's index) from ``activeAssetCtx``."""
        await self._ctx("index", instrument_id, "subscribe_index_prices")

    async def unsubscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        await self._unwant("index", instrument_id, "activeAssetCtx:")

    async def subscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Funding rates from ``activeAssetCtx`` (hourly interval; the venue sends no next
        funding time, so ``next_funding_ns`` is None)."""
        await self._ctx("funding", instrument_id, "subscribe_funding_rates")

    async def unsubscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        await self._unwant("funding", instrument_id, "activeAssetCtx:")

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """Closed candles of ``candle`` (emitted when the next candle opens)."""
        interval = candle_interval(bar_type)

        def setup(state: _Topic) -> None:
            state.bar_type = bar_type

        await self._want(
            "bars", bar_type.instrument_id, lambda i: f"candle:{_coin(i)}:{interval}", setup
        )

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        await self._unwant("bars", bar_type.instrument_id, "candle:")

    async def subscribe_custom(
        self, data_type: str, params: Mapping[str, Any] | None = None
    ) -> None:
        """``HyperliquidAssetContext`` (``{"instrument_id": id}``: the whole ``activeAssetCtx``,
        open interest included) or ``HyperliquidMids`` (``allMids``: every coin's mid)."""
        if data_type == "HyperliquidAssetContext":
            await self._ctx("context", _instrument_param(params), "subscribe_custom")
        elif data_type == "HyperliquidMids":
            if not self._mids:
                self._mids = True
                stream = await self._stream_ready()
                try:
                    await stream.subscribe(["allMids"])
                except BaseException:
                    self._mids = False
                    raise
        else:
            self._unsupported("subscribe_custom", f"unknown Hyperliquid data type {data_type!r}")

    async def unsubscribe_custom(
        self, data_type: str, params: Mapping[str, Any] | None = None
    ) -> None:
        """Stop a custom stream."""
        if data_type == "HyperliquidAssetContext":
            await self._unwant("context", _instrument_param(params), "activeAssetCtx:")
        elif data_type == "HyperliquidMids":
            if self._mids and self._stream is not None:
                self._mids = False
                await self._stream.unsubscribe(["allMids"])
        else:
            self._unsupported("unsubscribe_custom", f"unknown Hyperliquid data type {data_type!r}")

    # -- requests ---------------------------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        """Every perpetual and spot pair (through the provider)."""
        provider = self.instruments
        if isinstance(provider, HyperliquidInstrumentProvider):
            return await provider.load_all()
        return await HyperliquidInstrumentProvider(self.config, http=self.http).fetch_all()

    async def request_bars(
        self,
        bar_type: BarType,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[Bar]:
        """Closed bars oldest first, paging ``candleSnapshot`` forwards from ``start``.

        Without ``start`` the last ``limit`` (default 500) intervals are asked for.
        """
        instrument = await self._instrument(bar_type.instrument_id)
        interval = candle_interval(bar_type)
        step = interval_ms(bar_type)
        now_ms = time.time_ns() // MS
        end_ms = ns_to_ms(end_ns) if end_ns is not None else now_ms
        start_ms = ns_to_ms(start_ns) if start_ns is not None else end_ms - step * (limit or 500)
        bars: dict[int, Bar] = {}
        ts_init = time.time_ns()
        cursor = start_ms
        while cursor <= end_ms:
            rows = await self.http.http_candle_snapshot(_coin(instrument), interval, cursor, end_ms)
            if not isinstance(rows, list) or not rows:
                break
            newest = cursor
            for row in rows:
                opened = int(row["t"])
                newest = max(newest, opened)
                if int(row["T"]) < now_ms:  # the open candle is not a bar yet
                    bar = parse_bar(row, bar_type, instrument, ts_init)
                    bars[bar.ts_event] = bar
            if len(rows) < CANDLES_PER_REQUEST and newest + step > end_ms:
                break
            if newest + step <= cursor:
                break
            cursor = newest + step
        ordered = [bars[k] for k in sorted(bars)]
        return ordered[-limit:] if limit is not None else ordered

    async def request_book_snapshot(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> OrderBookDeltas:
        """``l2Book`` as snapshot deltas (sequence = the venue's ``time``)."""
        instrument = await self._instrument(instrument_id)
        record = await self.http.http_l2_book(_coin(instrument))
        return parse_book(record, instrument)

    async def request_funding_history(
        self, instrument_id: InstrumentId, start_ns: int, end_ns: int | None = None
    ) -> list[FundingRateUpdate]:
        """Past hourly funding rates from ``fundingHistory``, oldest first (a plugin call)."""
        instrument = await self._instrument(instrument_id)
        records = await self.http.http_funding_history(
            _coin(instrument), ns_to_ms(start_ns), ns_to_ms(end_ns) if end_ns else None
        )
        return parse_funding_history(records or [], instrument)

    async def request_mids(self) -> dict[str, str]:
        """``allMids``: the mid price of every coin, as the venue writes it (a plugin call)."""
        mids = await self.http.http_all_mids()
        return dict(mids) if isinstance(mids, dict) else {}
