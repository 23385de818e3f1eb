"""The OKX market data client: ``public`` and ``business`` WebSockets plus REST history."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import anyio
from tradeport.book import BookSynchronizer, LinkedPrevious, OrderBook
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import DataClient, InstrumentProvider, Reconnected
from tradeport.errors import TradeportError, ValidationError
from tradeport.model.data import Bar, BarType, OrderBookDeltas, TradeTick
from tradeport.model.enums import BookType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument
from tradeport.net.ws_client import WebSocketClient

from tradeport_okx.config import OkxConfig
from tradeport_okx.constants import VENUE_NAME
from tradeport_okx.http.client import OkxHttpClient
from tradeport_okx.http.parse import (
    instrument_id_for,
    ms_to_ns,
    parse_bar,
    parse_funding_rate,
    parse_index_price,
    parse_instrument_status,
    parse_mark_price,
    parse_quote_from_ticker,
    parse_trade_tick,
)
from tradeport_okx.http.query import bar_interval, candles_params, history_trades_params, ms
from tradeport_okx.providers import OkxInstrumentProvider
from tradeport_okx.symbology import inst_family_of, inst_type_of
from tradeport_okx.websocket.checksum import checksum_matches
from tradeport_okx.websocket.client import make_ws_client
from tradeport_okx.websocket.messages import BUSINESS_CHANNEL_PREFIXES, channel_of
from tradeport_okx.websocket.parse import (
    parse_book_batch,
    parse_book_deltas,
    parse_quote_from_book,
)

__all__ = ["OkxDataClient", "BOOK_CHANNELS"]

#: Incremental book channels (snapshot then updates with seqId/prevSeqId and a checksum).
BOOK_CHANNELS = frozenset({"books", "books-l2-tbt", "books50-l2-tbt"})
_MAX_CANDLE_PAGE = 100  # history-candles limit
_MAX_TRADE_PAGE = 100  # history-trades limit


class OkxDataClient(DataClient):
    """Quotes (``bbo-tbt``, or ``tickers``), trades, books (``books``, ``books50-l2-tbt``,
    ``books-l2-tbt`` with continuity, checksum and resync; ``books5`` snapshots), candles
    (``business`` service), mark price, index price, funding rate and instrument status;
    history of candles and trades with OKX's ``after``/``before``/``limit`` pagination."""

    def __init__(
        self,
        config: OkxConfig,
        *,
        instruments: InstrumentProvider | None = None,
        http: OkxHttpClient | None = None,
        quote_channel: str = "bbo-tbt",
        book_channel: str = "books",
        **kwargs: Any,
    ) -> None:
        super().__init__(VENUE_NAME, config, instruments=instruments, **kwargs)
        # One REST pool per session: borrow the provider's (it closes it, last).
        shared = instruments.http if isinstance(instruments, OkxInstrumentProvider) else None
        self._owns_http = http is None and shared is None
        self.http = http or shared or OkxHttpClient(config)
        if self.instruments is None:
            self.instruments: InstrumentProvider | None = OkxInstrumentProvider(
                config, http=self.http
            )
        self.quote_channel = quote_channel
        self.book_channel = book_channel
        self._tasks = BackgroundTasks(self.log, f"{VENUE_NAME} data client")
        login = (
            self.http.signer.login_message
            if config.ws_public_login and self.http.signer.has_credentials
            else None
        )
        self.public: WebSocketClient = make_ws_client(
            config,
            "public",
            self._on_message,
            login=login,
            on_reconnected=self._on_public_reconnected,
        )
        self.business: WebSocketClient = make_ws_client(
            config, "business", self._on_message, on_reconnected=self._on_business_reconnected
        )
        self._books: dict[InstrumentId, BookSynchronizer] = {}
        self._book_topics: dict[InstrumentId, str] = {}
        self._bar_types: dict[str, BarType] = {}
        self._index_subscribers: dict[str, set[InstrumentId]] = {}
        self._status_subscribers: set[InstrumentId] = set()
        self._business_started = False

    # -- lifecycle --------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the public stream (the business stream opens with the first candle topic)."""
        await self._tasks.open()
        try:
            await self._tasks.start_stream(self.public)
        except BaseException:
            # A stream that failed to connect (refused login...) leaves nothing running behind.
            await self._tasks.close()
            raise

    async def disconnect(self) -> None:
        """Close both streams and the REST client."""
        self.public.close()
        self.business.close()
        await self._tasks.close()
        if self._owns_http:
            await self.http.aclose()

    async def _ensure_business(self) -> None:
        if not self._business_started:
            self._business_started = True
            await self._tasks.start_stream(self.business)

    def _ws_for(self, topic: str) -> WebSocketClient:
        return (
            self.business
            if channel_of(topic).startswith(BUSINESS_CHANNEL_PREFIXES)
            else (self.public)
        )

    async def _subscribe(self, topic: str) -> None:
        ws = self._ws_for(topic)
        if ws is self.business:
            await self._ensure_business()
        await ws.subscribe([topic])

    async def _unsubscribe(self, topic: str) -> None:
        await self._ws_for(topic).unsubscribe([topic])

    async def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        assert self.instruments is not None
        found = self.instruments.find(instrument_id)
        if found is None:
            found = await self.instruments.load(instrument_id)
        return found

    async def _prepare(self, instrument_id: InstrumentId) -> None:
        """Load the instrument a subscription needs; an unknown one is left for the venue to
        refuse (a SubscriptionError names it)."""
        try:
            await self._instrument(instrument_id)
        except KeyError:
            self.log.warning("%s: %s is not a listed instrument", VENUE_NAME, instrument_id)

    async def _on_public_reconnected(self) -> None:
        # No reset here: every replayed book subscription starts with a snapshot, which the
        # synchronizer installs whatever its state (and it may already have arrived).
        await self.emit(Reconnected(VENUE_NAME, "public", time.time_ns()))

    async def _on_business_reconnected(self) -> None:
        await self.emit(Reconnected(VENUE_NAME, "business", time.time_ns()))

    # -- subscriptions ----------------------------------------------------------------------------

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """``bbo-tbt`` (or ``tickers``) for the instrument."""
        await self._prepare(instrument_id)
        await self._subscribe(f"{self.quote_channel}:{instrument_id.symbol.value}")

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Stop the quote channel."""
        await self._unsubscribe(f"{self.quote_channel}:{instrument_id.symbol.value}")

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """``trades``."""
        await self._prepare(instrument_id)
        await self._subscribe(f"trades:{instrument_id.symbol.value}")

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Stop ``trades``."""
        await self._unsubscribe(f"trades:{instrument_id.symbol.value}")

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """``books`` (400 levels), or ``books50-l2-tbt`` for ``depth=50`` (OKX wants a login
        for it: set ``ws_public_login``); continuity by ``seqId``/``prevSeqId`` and the CRC32
        checksum, resync on any mismatch."""
        await self._prepare(instrument_id)
        channel = "books50-l2-tbt" if depth == 50 else self.book_channel
        topic = f"{channel}:{instrument_id.symbol.value}"
        if instrument_id not in self._books:
            config: OkxConfig = self.config
            self._books[instrument_id] = BookSynchronizer(
                OrderBook(instrument_id, BookType.L2_MBP),
                None,  # OKX sends the snapshot on the stream
                LinkedPrevious(),
                on_deltas=self.emit,
                on_resync=lambda reason, iid=instrument_id: self._on_book_resync(iid, reason),
                checksum=checksum_matches if config.verify_book_checksum else None,
            )
            self._book_topics[instrument_id] = topic
        try:
            await self._subscribe(topic)
        except TradeportError:
            # Refused (or no ack): no local book pretends to follow it.
            self._books.pop(instrument_id, None)
            self._book_topics.pop(instrument_id, None)
            raise

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        """Stop the book channel and drop the local book."""
        topic = self._book_topics.pop(instrument_id, None)
        self._books.pop(instrument_id, None)
        if topic is not None:
            await self._unsubscribe(topic)

    def book(self, instrument_id: InstrumentId) -> OrderBook:
        """The local book of a subscribed instrument; KeyError when not subscribed."""
        return self._books[instrument_id].book

    def book_sync(self, instrument_id: InstrumentId) -> BookSynchronizer:
        """The synchronizer of a subscribed instrument (state and statistics)."""
        return self._books[instrument_id]

    async def _on_book_resync(self, instrument_id: InstrumentId, reason: str) -> None:
        # Called from the reading task: resubscribing waits for acks that task reads, so it
        # runs as its own task.
        topic = self._book_topics.get(instrument_id)
        if topic is not None:
            self.log.warning(
                "%s: resubscribing %s for a new snapshot (%s)", VENUE_NAME, topic, reason
            )
            self._tasks.start_soon(self._resubscribe, topic, name=f"okx resubscribe {topic}")

    async def _resubscribe(self, topic: str) -> None:
        try:
            await self._unsubscribe(topic)
            await self._subscribe(topic)
        except TradeportError as exc:
            self.log.warning("%s: resubscribe of %s failed: %s", VENUE_NAME, topic, exc)

    async def subscribe_book_snapshots(self, instrument_id: InstrumentId, depth: int = 5) -> None:
        """``books5`` (5 levels, a full snapshot each time)."""
        await self._prepare(instrument_id)
        await self._subscribe(f"books5:{instrument_id.symbol.value}")

    async def unsubscribe_book_snapshots(self, instrument_id: InstrumentId) -> None:
        """Stop ``books5``."""
        await self._unsubscribe(f"books5:{instrument_id.symbol.value}")

    def _candle_topic(self, bar_type: BarType) -> str:
        return f"candle{bar_interval(bar_type)}:{bar_type.instrument_id.symbol.value}"

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """``candle{bar}`` on the business service; closed bars only (``confirm`` 1)."""
        await self._prepare(bar_type.instrument_id)
        topic = self._candle_topic(bar_type)
        self._bar_types[topic] = bar_type
        await self._subscribe(topic)

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Stop the candle channel."""
        await self._unsubscribe(self._candle_topic(bar_type))

    async def subscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """``mark-price``."""
        await self._prepare(instrument_id)
        await self._subscribe(f"mark-price:{instrument_id.symbol.value}")

    async def unsubscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """Stop ``mark-price``."""
        await self._unsubscribe(f"mark-price:{instrument_id.symbol.value}")

    async def subscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """``index-tickers`` of the instrument's family (``BTC-USDT`` for ``BTC-USDT-SWAP``)."""
        await self._prepare(instrument_id)
        index = inst_family_of(instrument_id.symbol.value)
        self._index_subscribers.setdefault(index, set()).add(instrument_id)
        await self._subscribe(f"index-tickers:{index}")

    async def unsubscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Stop the index channel once no instrument of the family wants it."""
        index = inst_family_of(instrument_id.symbol.value)
        wanted = self._index_subscribers.get(index, set())
        wanted.discard(instrument_id)
        if not wanted:
            await self._unsubscribe(f"index-tickers:{index}")

    async def subscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """``funding-rate`` (perpetual swaps)."""
        await self._prepare(instrument_id)
        await self._subscribe(f"funding-rate:{instrument_id.symbol.value}")

    async def unsubscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Stop ``funding-rate``."""
        await self._unsubscribe(f"funding-rate:{instrument_id.symbol.value}")

    async def subscribe_instrument_status(self, instrument_id: InstrumentId) -> None:
        """The ``instruments`` channel of the instrument's type; statuses of this one."""
        self._status_subscribers.add(instrument_id)
        inst_type = inst_type_of(instrument_id.symbol.value).value
        await self._subscribe(f"instruments:instType={inst_type}")

    # -- stream dispatch --------------------------------------------------------------------------

    async def _on_message(self, message: Any) -> None:
        arg = message.get("arg")
        data = message.get("data")
        if not isinstance(arg, dict) or not isinstance(data, list):
            return
        channel = arg.get("channel", "")
        ts_init = time.time_ns()
        if channel in BOOK_CHANNELS:
            await self._on_book(arg, message.get("action", "update"), data, ts_init)
        elif channel == "bbo-tbt":
            for record in data:
                instrument = self._find(arg.get("instId") or record.get("instId"))
                quote = parse_quote_from_book(record, instrument, ts_init) if instrument else None
                if quote is not None:
                    await self.emit(quote)
        elif channel == "tickers":
            for record in data:
                instrument = self._find(record.get("instId"))
                quote = parse_quote_from_ticker(record, instrument, ts_init) if instrument else None
                if quote is not None:
                    await self.emit(quote)
        elif channel == "trades":
            for record in data:
                instrument = self._find(record.get("instId"))
                if instrument is not None:
                    await self.emit(parse_trade_tick(record, instrument, ts_init))
        elif channel == "books5":
            instrument = self._find(arg.get("instId"))
            for record in data:
                if instrument is not None:
                    deltas = parse_book_deltas(record, instrument, True, ts_init)
                    if deltas is not None:
                        await self.emit(deltas)
        elif channel.startswith("candle"):
            await self._on_candles(arg, data, ts_init)
        elif channel == "mark-price":
            for record in data:
                instrument = self._find(record.get("instId"))
                if instrument is not None:
                    await self.emit(parse_mark_price(record, instrument, ts_init))
        elif channel == "index-tickers":
            for record in data:
                for iid in sorted(
                    self._index_subscribers.get(record.get("instId", ""), ()), key=str
                ):
                    await self.emit(parse_index_price(record, iid, ts_init))
        elif channel == "funding-rate":
            for record in data:
                await self.emit(
                    parse_funding_rate(record, instrument_id_for(record["instId"]), ts_init)
                )
        elif channel == "instruments":
            for record in data:
                iid = instrument_id_for(record.get("instId", ""))
                if iid in self._status_subscribers:
                    await self.emit(parse_instrument_status(record, ts_init))

    def _find(self, inst_id: str | None) -> Instrument | None:
        if not inst_id or self.instruments is None:
            return None
        return self.instruments.find(instrument_id_for(inst_id))

    async def _on_book(
        self, arg: Mapping[str, Any], action: str, data: list[Any], ts_init: int
    ) -> None:
        iid = instrument_id_for(arg.get("instId", ""))
        sync = self._books.get(iid)
        instrument = self._find(arg.get("instId"))
        if sync is None or instrument is None:
            return
        for record in data:
            try:
                batch = parse_book_batch(record, instrument, action, ts_init)
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                # A message we cannot read leaves the book unknown: start over from a snapshot.
                self.log.warning(
                    "%s: unreadable book message for %s (%s); resyncing", VENUE_NAME, iid, exc
                )
                sync.reset()
                await self._on_book_resync(iid, "unreadable book message")
                return
            await sync.push(batch)

    async def _on_candles(self, arg: Mapping[str, Any], data: list[Any], ts_init: int) -> None:
        topic = f"{arg.get('channel')}:{arg.get('instId')}"
        bar_type = self._bar_types.get(topic)
        instrument = self._find(arg.get("instId"))
        if bar_type is None or instrument is None:
            return
        for row in data:
            if len(row) > 8 and row[8] != "1":
                continue  # the bar is still open
            await self.emit(parse_bar(row, bar_type, instrument, ts_init))

    # -- history ----------------------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        """Every instrument of the configured types."""
        assert self.instruments is not None
        return await self.instruments.load_all()

    async def request_book_snapshot(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> OrderBookDeltas:
        """``/market/books`` as a snapshot batch (``depth`` levels per side, up to 400)."""
        instrument = await self._instrument(instrument_id)
        (record,) = await self.http.http_get_books(instrument_id.symbol.value, depth or 400)
        deltas = parse_book_deltas(record, instrument, True, time.time_ns())
        if deltas is None:
            raise ValidationError("book", instrument_id, "snapshot has no levels")
        return deltas

    async def request_bars(
        self,
        bar_type: BarType,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[Bar]:
        """Closed bars in ``[start_ns, end_ns]``, oldest first, from ``/market/history-candles``.

        OKX pages backwards: ``after=<ts>`` returns bars older than ``ts`` (newest first), at
        most 100 per request; paging stops at ``start_ns``, ``limit`` or an empty page.
        """
        instrument = await self._instrument(bar_type.instrument_id)
        bar = bar_interval(bar_type)
        inst_id = bar_type.instrument_id.symbol.value
        after = None if end_ns is None else ms(end_ns) + 1  # type: ignore[operator]
        bars: list[Bar] = []
        ts_init = time.time_ns()
        while True:
            page = await self.http.http_get_history_candles(
                candles_params(inst_id, bar, after_ms=after, limit=_MAX_CANDLE_PAGE)
            )
            if not page:
                break
            for row in page:
                ts = ms_to_ns(row[0])
                if start_ns is not None and ts < start_ns:
                    continue
                if len(row) > 8 and row[8] != "1":
                    continue
                bars.append(parse_bar(row, bar_type, instrument, ts_init))
            oldest = min(int(row[0]) for row in page)
            if (start_ns is not None and oldest * 1_000_000 <= start_ns) or (
                limit is not None and len(bars) >= limit
            ):
                break
            if after is not None and oldest >= after:
                break  # no progress: the venue ignores the cursor
            after = oldest
        bars.sort(key=lambda b: b.ts_event)
        return bars[-limit:] if limit is not None else bars

    async def request_trades(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[TradeTick]:
        """Trades in ``[start_ns, end_ns]``, oldest first, from ``/market/history-trades``
        paginated by timestamp (``type=2``, ``after`` = older than that ``ts``)."""
        instrument = await self._instrument(instrument_id)
        inst_id = instrument_id.symbol.value
        after = None if end_ns is None else ms(end_ns) + 1  # type: ignore[operator]
        trades: dict[str, TradeTick] = {}
        ts_init = time.time_ns()
        while True:
            page = await self.http.http_get_history_trades(
                history_trades_params(inst_id, after=after, limit=_MAX_TRADE_PAGE, by_time=True)
            )
            if not page:
                break
            for record in page:
                tick = parse_trade_tick(record, instrument, ts_init)
                if start_ns is not None and tick.ts_event < start_ns:
                    continue
                if end_ns is not None and tick.ts_event > end_ns:
                    continue
                trades[tick.trade_id.value] = tick
            oldest = min(int(r["ts"]) for r in page)
            if (
                (start_ns is not None and oldest * 1_000_000 <= start_ns)
                or (limit is not None and len(trades) >= limit)
                or len(page) < _MAX_TRADE_PAGE
            ):
                break
            if after is not None and oldest >= after:
                break
            after = oldest
        ordered = sorted(trades.values(), key=lambda t: (t.ts_event, t.trade_id.value))
        return ordered[-limit:] if limit is not None else ordered

    async def wait_book_synced(self, instrument_id: InstrumentId, timeout: float = 10.0) -> None:
        """Wait until the local book of ``instrument_id`` is synced (tests, tools)."""
        sync = self._books[instrument_id]
        with anyio.fail_after(timeout):
            await sync.wait_synced()
