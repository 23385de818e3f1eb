"""The dYdX market data client: indexer WebSocket subscriptions and indexer REST history.

One indexer connection carries every subscription; each ``subscribe_*`` returns once the
indexer answered ``subscribed`` (an ``error`` raises
:class:`~tradeport.errors.SubscriptionError`).

Books (``v4_orderbook``, batched): the ``subscribed`` message is the snapshot, then
``channel_batch_data`` carries level changes (size 0 deletes). The indexer gives books no
sequence numbers, so the book is resynchronised (unsubscribed and subscribed again, which
brings a fresh snapshot) when

* it crosses (best bid >= best ask: the indexer's books are known to cross when it lags, and a
  crossed book is never passed on as valid), or
* the connection's ``message_id`` skips a number (a message was lost), or
* the connection was replaced (every subscription is replayed by the core and snapshots
  arrive again).
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import anyio
from tradeport.book import BookSynchronizer, DeltaBatch, OrderBook
from tradeport.clients import DataClient, EventSink, InstrumentProvider, Reconnected
from tradeport.clients.background import BackgroundTasks
from tradeport.errors import TradeportError
from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    OrderBookDeltas,
    TradeTick,
)
from tradeport.model.enums import BookType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Price
from tradeport.net import WebSocketClient

from tradeport_dydx.candles import parse_candle, resolution_ns, resolution_of
from tradeport_dydx.config import DydxConfig
from tradeport_dydx.constants import CAPABILITIES, VENUE_ID
from tradeport_dydx.http.client import MAX_CANDLES_LIMIT, MAX_TRADES_LIMIT, DydxIndexerClient
from tradeport_dydx.http.parse import book_deltas, iso_to_ns, ns_to_iso, parse_trade_tick
from tradeport_dydx.symbology import instrument_id_of, ticker_of
from tradeport_dydx.websocket.messages import (
    CANDLES,
    MARKETS,
    ORDERBOOK,
    TRADES,
    DydxIndexerProtocol,
    indexer_stream,
    topic_of,
)

__all__ = ["DydxDataClient", "InOrder"]


class InOrder:
    """Book messages carry no sequence: each gets the connection's ``message_id``; they apply
    in arrival order (losses are caught by the connection-wide message_id check instead)."""

    def is_stale(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Never: message ids restart with each connection, after a fresh snapshot."""
        return False

    def starts_after_snapshot(self, snapshot_sequence: int, batch: DeltaBatch) -> bool:
        """Every update after the snapshot continues it."""
        return True

    def continues(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Every update continues the one before."""
        return True


class _BookFeed:
    def __init__(self, sync: BookSynchronizer) -> None:
        self.sync = sync
        self.scope = anyio.CancelScope()
        self.resyncing = False


class DydxDataClient(DataClient):
    """Streams dYdX market data and answers historical requests (see the module docs)."""

    def __init__(
        self,
        config: DydxConfig,
        *,
        instruments: InstrumentProvider | None = None,
        events: EventSink | None = None,
    ) -> None:
        super().__init__(
            VENUE_ID, config, instruments=instruments, capabilities=CAPABILITIES, events=events
        )
        self.config: DydxConfig = config
        self.http = DydxIndexerClient(config)
        self._tasks = BackgroundTasks(self.log, f"{VENUE_ID} data client")
        self._stream: WebSocketClient | None = None
        self._protocol: DydxIndexerProtocol | None = None
        self._feeds: dict[InstrumentId, _BookFeed] = {}
        #: Book resyncs, by reason (observation for tests and logs).
        self.resyncs: dict[str, int] = {}
        #: Bar subscriptions: topic -> bar type, and the candle still open on each.
        self._bar_types: dict[str, BarType] = {}
        self._open_candles: dict[str, Any] = {}
        #: v4_markets: which tickers want index prices and which funding rates.
        self._index_of: set[str] = set()
        self._funding_of: set[str] = set()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.venue})"

    # -- lifecycle -----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the REST pool and the indexer stream (returns once connected)."""
        if self._stream is not None:
            return
        config = self.config
        await self.http.open()
        await self._tasks.open()
        self._protocol = DydxIndexerProtocol(on_gap=self._on_gap)
        self._stream = indexer_stream(
            config,
            self._protocol,
            self._on_message,
            name=f"{VENUE_ID} indexer stream",
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
        return self._tasks.live_stream(self._stream, VENUE_ID)

    def _instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        return self.instruments.find(instrument_id) if self.instruments is not None else None

    async def _on_reconnected(self) -> None:
        # The replayed subscriptions bring fresh snapshots; deltas until then are buffered.
        for feed in self._feeds.values():
            feed.sync.reset()
        await self.emit(Reconnected(VENUE_ID, "public", time.time_ns()))

    # -- subscriptions -------------------------------------------------------------------------

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Public trades (``v4_trades``; the initial contents, recent history, are not events)."""
        await self._require_stream().subscribe([topic_of(TRADES, ticker_of(instrument_id))])

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Stop trades."""
        await self._require_stream().unsubscribe([topic_of(TRADES, ticker_of(instrument_id))])

    async def _markets_wanted(self, kinds: set[str], ticker: str, add: bool) -> None:
        stream = self._require_stream()
        before = bool(self._index_of or self._funding_of)
        if add:
            kinds.add(ticker)
        else:
            kinds.discard(ticker)
        after = bool(self._index_of or self._funding_of)
        topic = topic_of(MARKETS, "")
        try:
            if after and not before:
                await stream.subscribe([topic])
            elif before and not after:
                await stream.unsubscribe([topic])
        except BaseException:
            if add:
                kinds.discard(ticker)
            raise

    async def subscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """The oracle price (``v4_markets`` ``oraclePrices``) as the index price."""
        await self._markets_wanted(self._index_of, ticker_of(instrument_id), True)

    async def unsubscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Stop index prices."""
        await self._markets_wanted(self._index_of, ticker_of(instrument_id), False)

    async def subscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """The predicted hourly funding rate (``v4_markets`` ``nextFundingRate``); funding is
        paid every hour on the hour, so ``next_funding_ns`` is the next full hour."""
        await self._markets_wanted(self._funding_of, ticker_of(instrument_id), True)

    async def unsubscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Stop funding rates."""
        await self._markets_wanted(self._funding_of, ticker_of(instrument_id), False)

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """Bars (``v4_candles``, id ``TICKER/RESOLUTION``). The indexer sends the open candle
        as it changes; a bar is published, stamped at its close, once the next candle starts."""
        topic = _candles_topic(bar_type)
        self._bar_types[topic] = bar_type
        try:
            await self._require_stream().subscribe([topic])
        except BaseException:
            self._bar_types.pop(topic, None)
            raise

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Stop bars."""
        topic = _candles_topic(bar_type)
        self._bar_types.pop(topic, None)
        self._open_candles.pop(topic, None)
        await self._require_stream().unsubscribe([topic])

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """A local L2 book (``self.book(instrument_id)``) plus OrderBookDeltas events: the
        snapshot, then every change. The indexer streams the full depth (``depth`` is not
        applied)."""
        stream = self._require_stream()
        if instrument_id not in self._feeds:
            book = OrderBook(instrument_id, BookType.L2_MBP)
            sync = BookSynchronizer(
                book, None, InOrder(), on_deltas=self.emit, on_resync=self._on_resync
            )
            feed = self._feeds[instrument_id] = _BookFeed(sync)
            self.books[instrument_id] = book
            self._tasks.start_soon(self._run_book, feed, name=f"book sync {instrument_id}")
        try:
            await stream.subscribe([topic_of(ORDERBOOK, ticker_of(instrument_id))])
        except BaseException:
            self._drop_book(instrument_id)
            raise

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        """Stop the book; the local book is dropped."""
        self._drop_book(instrument_id)
        await self._require_stream().unsubscribe([topic_of(ORDERBOOK, ticker_of(instrument_id))])

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

    def _resync(self, instrument_id: InstrumentId, reason: str) -> None:
        """Forget the book and subscribe again for a new snapshot (in the background: the
        reader that called us must keep reading for the acks)."""
        feed = self._feeds.get(instrument_id)
        if feed is None or feed.resyncing:
            return
        self.resyncs[reason] = self.resyncs.get(reason, 0) + 1
        self.log.warning(
            "%s: book %s: %s; subscribing again for a new snapshot", VENUE_ID, instrument_id, reason
        )
        feed.resyncing = True
        feed.sync.reset()
        self._tasks.start_soon(
            self._resubscribe, instrument_id, feed, name=f"book resync {instrument_id}"
        )

    async def _resubscribe(self, instrument_id: InstrumentId, feed: _BookFeed) -> None:
        topic = topic_of(ORDERBOOK, ticker_of(instrument_id))
        try:
            stream = self._require_stream()
            await stream.unsubscribe([topic])
            if self._feeds.get(instrument_id) is feed:
                await stream.subscribe([topic])
        except TradeportError as exc:
            # A drop meanwhile: the reconnect replays the subscription and brings a snapshot.
            self.log.warning("%s: book %s resubscribe failed: %s", VENUE_ID, instrument_id, exc)
        finally:
            feed.resyncing = False

    def _on_gap(self, expected: int, got: int) -> None:
        for instrument_id in list(self._feeds):
            self._resync(
                instrument_id, f"message_id {got} after {expected - 1}: a message was lost"
            )

    # -- stream messages -----------------------------------------------------------------------

    async def _on_message(self, message: Any) -> None:
        channel = message.get("channel")
        if channel == TRADES:
            await self._on_trades(message)
        elif channel == ORDERBOOK:
            await self._on_book(message)
        elif channel == CANDLES:
            await self._on_candle(message)
        elif channel == MARKETS:
            await self._on_markets(message)
        else:
            self.log.debug("%s: message on an unhandled channel %s", VENUE_ID, channel)

    async def _on_trades(self, message: Any) -> None:
        if message.get("type") == "subscribed":
            return
        instrument_id = instrument_id_of(str(message["id"]))
        instrument = self._instrument(instrument_id)
        ts_init = time.time_ns()
        contents = message["contents"]
        batches = contents if isinstance(contents, list) else [contents]
        # The indexer lists a message's trades newest first; events go out oldest first.
        records = [r for batch in batches for r in batch.get("trades") or ()]
        for record in reversed(records):
            await self.emit(parse_trade_tick(record, instrument_id, instrument, ts_init))

    async def _on_markets(self, message: Any) -> None:
        contents = message.get("contents") or {}
        now = time.time_ns()
        for part in contents if isinstance(contents, list) else [contents]:
            # ``subscribed``: {"markets": {ticker: full record}}; updates: {"oraclePrices":
            # {ticker: {"oraclePrice", "effectiveAt", ...}}} and {"trading": {ticker: {...}}}.
            for ticker, record in (part.get("markets") or {}).items():
                await self._market_update(
                    ticker, record.get("oraclePrice"), None, record.get("nextFundingRate"), now
                )
            for ticker, record in (part.get("oraclePrices") or {}).items():
                await self._market_update(
                    ticker, record.get("oraclePrice"), record.get("effectiveAt"), None, now
                )
            for ticker, record in (part.get("trading") or {}).items():
                await self._market_update(ticker, None, None, record.get("nextFundingRate"), now)

    async def _market_update(
        self,
        ticker: str,
        oracle: str | None,
        effective_at: str | None,
        funding: str | None,
        now: int,
    ) -> None:
        instrument_id = instrument_id_of(ticker)
        if oracle is not None and ticker in self._index_of:
            instrument = self._instrument(instrument_id)
            price = (
                Price.from_str(oracle)
                if instrument is None
                else Price.from_str(oracle, instrument.price_precision)
            )
            ts = iso_to_ns(effective_at) if effective_at else now
            await self.emit(IndexPriceUpdate(instrument_id, price, ts, now))
        if funding is not None and ticker in self._funding_of:
            hour = 3600 * 1_000_000_000
            await self.emit(
                FundingRateUpdate(
                    instrument_id,
                    Decimal(funding),
                    now,
                    now,
                    next_funding_ns=(now // hour + 1) * hour,
                    interval_ns=hour,
                )
            )

    async def _on_candle(self, message: Any) -> None:
        topic = topic_of(CANDLES, str(message["id"]))
        bar_type = self._bar_types.get(topic)
        if bar_type is None or message.get("type") == "subscribed":
            return  # unsubscribed, or the initial contents (history, not live bars)
        contents = message["contents"]
        for candle in contents if isinstance(contents, list) else [contents]:
            held = self._open_candles.get(topic)
            if held is not None and candle["startedAt"] > held["startedAt"]:
                instrument = self._instrument(bar_type.instrument_id)
                await self.emit(parse_candle(held, bar_type, instrument, time.time_ns()))
            if held is None or candle["startedAt"] >= held["startedAt"]:
                self._open_candles[topic] = candle

    async def _on_book(self, message: Any) -> None:
        instrument_id = instrument_id_of(str(message["id"]))
        feed = self._feeds.get(instrument_id)
        if feed is None:  # unsubscribed a moment ago
            return
        snapshot = message.get("type") == "subscribed"
        if feed.resyncing and not snapshot:
            return  # updates of the book being replaced
        instrument = self._instrument(instrument_id)
        sequence = int(message.get("message_id") or 0)
        ts = time.time_ns()
        contents = message.get("contents") or {}
        parts = contents if isinstance(contents, list) else [contents]
        for part in parts:
            deltas = book_deltas(
                part,
                instrument_id,
                instrument,
                snapshot=snapshot,
                sequence=sequence,
                ts_event=ts,
                ts_init=ts,
            )
            if deltas is None and snapshot:  # an empty book is still a snapshot
                deltas = OrderBookDeltas(
                    instrument_id, (_empty_snapshot(instrument_id, sequence, ts),)
                )
            if deltas is not None:
                await feed.sync.push(DeltaBatch.trusted(deltas, sequence, sequence))
            snapshot = False
        if feed.sync.book.is_crossed():
            self._resync(instrument_id, "the book crossed")

    # -- requests ------------------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        """Every instrument (through the session's provider, which keeps them)."""
        if self.instruments is None:
            raise TradeportError(f"{VENUE_ID}: the data client has no instrument provider")
        return await self.instruments.load_all()

    async def request_book_snapshot(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> OrderBookDeltas:
        """The indexer's book now (``/v4/orderbooks/perpetualMarket/{ticker}``), as snapshot
        deltas; ``depth`` keeps that many levels per side."""
        body = await self.http.http_get_orderbook(ticker_of(instrument_id))
        if depth is not None:
            body = {"bids": body.get("bids", [])[:depth], "asks": body.get("asks", [])[:depth]}
        ts = time.time_ns()
        deltas = book_deltas(
            body,
            instrument_id,
            self._instrument(instrument_id),
            snapshot=True,
            sequence=0,
            ts_event=ts,
            ts_init=ts,
        )
        assert deltas is not None  # a snapshot has at least its CLEAR
        return deltas

    async def request_bars(
        self,
        bar_type: BarType,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[Bar]:
        """Closed bars (``/v4/candles/perpetualMarkets/{ticker}``) from ``start_ns`` to
        ``end_ns``, oldest first. The indexer pages newest first: ``toISO`` moves back below
        the oldest candle of each page until ``start_ns`` (or ``limit`` bars) is reached."""
        ticker, resolution = ticker_of(bar_type.instrument_id), resolution_of(bar_type)
        length = resolution_ns(resolution)
        now = time.time_ns()
        end = min(end_ns, now) if end_ns is not None else now
        instrument = self._instrument(bar_type.instrument_id)
        out: dict[int, Bar] = {}
        to_iso: str | None = ns_to_iso(end - length) if end_ns is not None else None
        async with self.http.session():
            while True:
                want = (
                    MAX_CANDLES_LIMIT
                    if limit is None
                    else min(MAX_CANDLES_LIMIT, limit - len(out) + 1)
                )
                body = await self.http.http_get_candles(
                    ticker,
                    resolution,
                    limit=want,
                    from_iso=ns_to_iso(start_ns) if start_ns is not None else None,
                    to_iso=to_iso,
                )
                candles = body.get("candles") or []
                for record in candles:
                    bar = parse_candle(record, bar_type, instrument, now)
                    if bar.ts_event <= end and (
                        start_ns is None or bar.ts_event - length >= start_ns
                    ):
                        out[bar.ts_event] = bar
                if (
                    len(candles) < want
                    or start_ns is None
                    or (limit is not None and len(out) >= limit)
                ):
                    break
                oldest = iso_to_ns(candles[-1]["startedAt"])
                to_iso = ns_to_iso(oldest - 1_000_000)
        bars = [out[k] for k in sorted(out)]
        return bars[-limit:] if limit is not None else bars

    async def request_trades(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[TradeTick]:
        """Public trades (``/v4/trades/perpetualMarket/{ticker}``), oldest first. The indexer
        pages backwards from ``createdBeforeOrAt``; pages are followed until ``start_ns`` (or
        ``limit`` trades) is reached."""
        ticker = ticker_of(instrument_id)
        instrument = self._instrument(instrument_id)
        before: str | None = ns_to_iso(end_ns) if end_ns is not None else None
        out: list[TradeTick] = []
        seen: set[str] = set()
        ts_init = time.time_ns()
        async with self.http.session():
            while True:
                page_limit = (
                    MAX_TRADES_LIMIT if limit is None else min(MAX_TRADES_LIMIT, limit - len(out))
                )
                body = await self.http.http_get_trades(
                    ticker, limit=page_limit, created_before_or_at=before
                )
                records = body.get("trades") or []
                fresh = [r for r in records if str(r["id"]) not in seen]
                done = False
                for record in fresh:
                    seen.add(str(record["id"]))
                    ts = iso_to_ns(record["createdAt"])
                    if start_ns is not None and ts < start_ns:
                        done = True
                        break
                    out.append(parse_trade_tick(record, instrument_id, instrument, ts_init))
                    if limit is not None and len(out) >= limit:
                        done = True
                        break
                if done or not fresh or len(records) < page_limit or start_ns is None:
                    break
                before = records[-1]["createdAt"]
        out.sort(key=lambda t: t.ts_event)
        return out


def _candles_topic(bar_type: BarType) -> str:
    return topic_of(CANDLES, f"{ticker_of(bar_type.instrument_id)}/{resolution_of(bar_type)}")


def _empty_snapshot(instrument_id: InstrumentId, sequence: int, ts: int) -> Any:
    from tradeport.model.data import OrderBookDelta, RecordFlag

    return OrderBookDelta.clear(
        instrument_id, sequence, ts, ts, int(RecordFlag.F_SNAPSHOT) | int(RecordFlag.F_LAST)
    )
