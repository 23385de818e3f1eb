"""The Polymarket market data client: the market channel, and the history the API has.

One venue subscription per asset (token id) carries everything about it: ``book`` snapshots,
``price_change`` updates, ``last_trade_price`` prints and the market events. Quotes, trades
and book deltas are kinds of interest in an asset; the asset is subscribed with the first and
unsubscribed with the last. Quotes are the top of the asset's book (the venue's
``best_bid_ask`` has no sizes).

Assets are spread over several connections (shards): a connection carries at most
``assets_per_connection`` of them, because beyond the venue's (undocumented) cap a connection
stops receiving initial snapshots.

Books have no sequence numbers. Continuity is checked with the venue's book ``hash``: after
every ``book`` and ``price_change`` the local book's hash (the SDK's algorithm, over the
summary the venue hashes) must equal the hash the venue sent; on a mismatch the book is
resynchronised from REST ``GET /book``, whose own hash is verified before use. If the hashes
disagree again right after a verified resync, the venue formats the summary differently from
this client and stream hashes of that asset are no longer checked (logged once).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import anyio
from tradeport.book import BookSynchronizer, DeltaBatch, OrderBook, TimestampOrdered
from tradeport.clients import DataClient, EventSink, InstrumentProvider, Reconnected
from tradeport.errors import TradeportError, VenueError
from tradeport.model.data import OrderBookDeltas, QuoteTick, TradeTick
from tradeport.model.enums import BookType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import BinaryOutcome, Instrument
from tradeport.net import WebSocketClient

from tradeport_polymarket.capabilities import CAPABILITIES
from tradeport_polymarket.config import PolymarketConfig
from tradeport_polymarket.constants import VENUE_ID
from tradeport_polymarket.http.client import PolymarketHttpClient
from tradeport_polymarket.http.parse import (
    NS_PER_S,
    book_hash,
    parse_book_snapshot,
    parse_instruments,
    parse_public_trade,
    parse_time,
)
from tradeport_polymarket.symbology import instrument_id_of, venue_symbol
from tradeport_polymarket.urls import MARKET_PATH
from tradeport_polymarket.websocket.client import make_stream_client, round_trip
from tradeport_polymarket.websocket.parse import (
    BOOK,
    LAST_TRADE_PRICE,
    MARKET_RESOLVED,
    NEW_MARKET,
    PRICE_CHANGE,
    TICK_SIZE_CHANGE,
    last_hash,
    parse_book_batch,
    parse_last_trade,
    parse_price_changes,
    parse_resolution,
    resolved,
    with_tick_size,
)
from tradeport_polymarket.websocket.protocol import MarketChannelProtocol

__all__ = ["BookHashMismatch", "PolymarketDataClient", "local_book_hash"]

_QUOTES, _TRADES, _BOOK = "quotes", "trades", "book"
#: Consecutive mismatches right after a verified resync before stream hashes are ignored.
_HASH_STRIKES: Final = 3


class BookHashMismatch(VenueError):
    """A REST book whose ``hash`` is not the hash of its content."""


def _size_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def local_book_hash(book: OrderBook, meta: Mapping[str, Any], timestamp: str) -> str:
    """The venue's book hash of a local book: levels as the venue lists them in ``GET /book``
    (bids from the lowest price up, asks from the highest down), prices at the tick
    precision, sizes without trailing zeros; the rest of the summary from ``meta``."""
    bids = [
        {"price": str(lvl.price), "size": _size_text(lvl.size.as_decimal())}
        for lvl in reversed(book.bids())
    ]
    asks = [
        {"price": str(lvl.price), "size": _size_text(lvl.size.as_decimal())}
        for lvl in reversed(book.asks())
    ]
    return book_hash({**meta, "timestamp": timestamp, "bids": bids, "asks": asks})


class _AssetFeed:
    """One subscribed asset: the kinds of interest, its book and what its hash needs."""

    def __init__(self, instrument: BinaryOutcome, shard: int) -> None:
        self.instrument = instrument
        self.shard = shard
        self.kinds: set[str] = set()
        self.sync: BookSynchronizer | None = None
        self.scope = anyio.CancelScope()
        #: min_order_size, tick_size, neg_risk, last_trade_price and market, as the venue
        #: printed them in the last book summary (what its hash covers).
        self.meta: dict[str, Any] = {
            "market": instrument.condition_id,
            "asset_id": instrument.token_id,
            "min_order_size": str(instrument.info.get("minimum_order_size", "")),
            "tick_size": str(instrument.info.get("minimum_tick_size", instrument.price_increment)),
            "neg_risk": bool(instrument.info.get("neg_risk", False)),
            "last_trade_price": "",
        }
        #: Checksum keys -> (timestamp, venue hash) of batches not checked yet.
        self.pending: dict[int, tuple[str, str]] = {}
        self.next_key = 1
        self.hash_checks = True
        self.strikes = 0
        self.resynced = False
        self.last_quote: tuple[Any, ...] | None = None

    def remember(self, timestamp: str, venue_hash: str | None) -> int | None:
        if not venue_hash or not self.hash_checks:
            return None
        key = self.next_key
        self.next_key += 1
        self.pending[key] = (timestamp, venue_hash)
        if len(self.pending) > 10_000:  # a book that never syncs: keep memory bounded
            self.pending.pop(next(iter(self.pending)))
        return key


class PolymarketDataClient(DataClient):
    """Streams Polymarket market data and answers historical requests (module docstring)."""

    def __init__(
        self,
        config: PolymarketConfig,
        *,
        instruments: InstrumentProvider | None = None,
        events: EventSink | None = None,
    ) -> None:
        super().__init__(
            VENUE_ID, config, instruments=instruments, capabilities=CAPABILITIES, events=events
        )
        self.config: PolymarketConfig = config
        self.http = PolymarketHttpClient(config)
        from tradeport.clients.background import BackgroundTasks

        self._tasks = BackgroundTasks(self.log, f"{VENUE_ID} data client")
        self._streams: list[WebSocketClient] = []
        self._feeds: dict[str, _AssetFeed] = {}
        self._connected = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.venue})"

    # -- lifecycle -----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the REST pool and the first market-channel connection."""
        if self._connected:
            return
        await self.http.open()
        await self._tasks.open()
        self._connected = True
        try:
            await self._open_shard()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.disconnect()
            raise

    async def disconnect(self) -> None:
        """Close every connection and the REST pool; local books are dropped."""
        for stream in self._streams:
            stream.close()
        await self._tasks.close()
        self._streams.clear()
        self._feeds.clear()
        self.books.clear()
        self._connected = False
        await self.http.aclose()

    async def _open_shard(self) -> WebSocketClient:
        index = len(self._streams)
        stream = make_stream_client(
            self.config,
            MARKET_PATH,
            MarketChannelProtocol(),
            self._on_message,
            name=f"{VENUE_ID} market channel #{index}",
            on_reconnected=lambda: self._on_reconnected(index),
        )
        self._streams.append(stream)
        await self._tasks.start_stream(stream)
        return stream

    def _require_connected(self) -> None:
        if not self._connected:
            raise TradeportError(f"{VENUE_ID}: call connect() before subscribing")
        if self._tasks.stream_error is not None:
            raise self._tasks.stream_error

    async def _on_reconnected(self, shard: int) -> None:
        # The venue answers the replayed subscription with a book per asset; until then
        # updates wait (and a REST snapshot is fetched if they come first).
        for feed in self._feeds.values():
            if feed.shard == shard and feed.sync is not None:
                feed.sync.reset()
        # The replayed subscription has no acknowledgement: data flows once the venue has
        # read it, which its PONG proves.
        try:
            await round_trip(self._streams[shard], self.config.ws_connect_timeout)
        except TimeoutError:
            self.log.warning("%s: no PONG after resubscribing shard %d", VENUE_ID, shard)
        await self.emit(Reconnected(VENUE_ID, f"market #{shard}", time.time_ns()))

    def shard_count(self) -> int:
        """Open market-channel connections."""
        return len(self._streams)

    # -- subscriptions -------------------------------------------------------------------------

    async def _instrument_of(self, instrument_id: InstrumentId) -> BinaryOutcome:
        found = self.instruments.find(instrument_id) if self.instruments is not None else None
        if found is None and self.instruments is not None:
            found = await self.instruments.load(instrument_id)
        if not isinstance(found, BinaryOutcome):
            raise TradeportError(f"{VENUE_ID}: {instrument_id} is not a loaded outcome token")
        return found

    async def _shard_with_room(self) -> int:
        per = self.config.assets_per_connection
        load = [0] * len(self._streams)
        for feed in self._feeds.values():
            load[feed.shard] += 1
        for index, count in enumerate(load):
            if count < per:
                return index
        await self._open_shard()
        return len(self._streams) - 1

    async def _subscribe(self, instrument_id: InstrumentId, kind: str) -> None:
        self._require_connected()
        token = venue_symbol(instrument_id)
        feed = self._feeds.get(token)
        if feed is None:
            instrument = await self._instrument_of(instrument_id)
            feed = self._feeds[token] = _AssetFeed(instrument, await self._shard_with_room())
            self._start_book(feed)
        fresh = not feed.kinds
        feed.kinds.add(kind)
        if kind == _BOOK:
            self.books[instrument_id] = feed.sync.book if feed.sync else OrderBook(instrument_id)
        if fresh:
            stream = self._streams[feed.shard]
            try:
                await stream.subscribe([token])
                await round_trip(stream, self.config.ws_connect_timeout)
            except BaseException:
                feed.kinds.discard(kind)
                self._drop(token)
                raise

    async def _unsubscribe(self, instrument_id: InstrumentId, kind: str) -> None:
        token = venue_symbol(instrument_id)
        feed = self._feeds.get(token)
        if feed is None or kind not in feed.kinds:
            return
        feed.kinds.discard(kind)
        if kind == _BOOK:
            self.books.pop(instrument_id, None)
        if not feed.kinds:
            stream = self._streams[feed.shard]
            self._drop(token)
            await stream.unsubscribe([token])
            await round_trip(stream, self.config.ws_connect_timeout)

    def _start_book(self, feed: _AssetFeed) -> None:
        instrument_id = feed.instrument.id
        book = OrderBook(instrument_id, BookType.L2_MBP)
        feed.sync = BookSynchronizer(
            book,
            lambda: self._rest_snapshot(feed),
            TimestampOrdered(),
            on_deltas=lambda deltas: self._on_deltas(feed, deltas),
            on_resync=lambda reason: self._on_resync(feed, reason),
            checksum=lambda book, key: self._hash_ok(feed, book, key),
        )
        self._tasks.start_soon(self._run_book, feed, name=f"book sync {instrument_id}")

    async def _run_book(self, feed: _AssetFeed) -> None:
        assert feed.sync is not None
        with feed.scope:
            await feed.sync.run()

    def _drop(self, token: str) -> None:
        feed = self._feeds.pop(token, None)
        if feed is not None:
            feed.scope.cancel()
            self.books.pop(feed.instrument.id, None)

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Top of book QuoteTicks, one per change of the best bid or ask (price or size)."""
        await self._subscribe(instrument_id, _QUOTES)

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Stop quotes."""
        await self._unsubscribe(instrument_id, _QUOTES)

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """TradeTicks from ``last_trade_price``."""
        await self._subscribe(instrument_id, _TRADES)

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Stop trades."""
        await self._unsubscribe(instrument_id, _TRADES)

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """A local L2 book (``self.book(instrument_id)``) and OrderBookDeltas: the snapshot,
        then every change. The venue streams full depth (``depth`` is not applied)."""
        await self._subscribe(instrument_id, _BOOK)

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        """Stop the book; the local book is dropped."""
        await self._unsubscribe(instrument_id, _BOOK)

    # -- books ---------------------------------------------------------------------------------

    async def _on_deltas(self, feed: _AssetFeed, deltas: OrderBookDeltas) -> None:
        if _BOOK in feed.kinds:
            await self.emit(deltas)
        if _QUOTES in feed.kinds and feed.sync is not None:
            book = feed.sync.book
            bid, ask = book.best_bid(), book.best_ask()
            if bid is None or ask is None:
                return
            top = (bid.price, bid.size, ask.price, ask.size)
            if top == feed.last_quote:
                return
            feed.last_quote = top
            await self.emit(
                QuoteTick(
                    feed.instrument.id,
                    bid.price,
                    ask.price,
                    bid.size,
                    ask.size,
                    deltas.ts_event,
                    time.time_ns(),
                )
            )

    async def _on_resync(self, feed: _AssetFeed, reason: str) -> None:
        self.log.info(
            "%s: resynchronising the book of %s: %s", VENUE_ID, feed.instrument.id, reason
        )
        feed.pending.clear()
        # No update may come for a while (a quiet book): fetch the REST book now rather than
        # waiting for the next update to trigger it.
        self._tasks.start_soon(
            self._install_rest_snapshot, feed, name=f"resync {feed.instrument.id}"
        )
        if "checksum" in reason:
            feed.strikes = feed.strikes + 1 if feed.resynced else 1
            if feed.strikes >= _HASH_STRIKES:
                feed.hash_checks = False
                self.log.warning(
                    "%s: the venue's book hash of %s never matches after resyncs; stream "
                    "hashes of it are no longer checked",
                    VENUE_ID,
                    feed.instrument.id,
                )
        feed.resynced = True

    def _hash_ok(self, feed: _AssetFeed, book: OrderBook, key: int) -> bool:
        entry = feed.pending.pop(key, None)
        if entry is None or not feed.hash_checks:
            return True
        timestamp, venue_hash = entry
        ok = local_book_hash(book, feed.meta, timestamp) == venue_hash
        if ok:
            feed.resynced = False
            feed.strikes = 0
        return ok

    async def _install_rest_snapshot(self, feed: _AssetFeed) -> None:
        if feed.sync is None or feed.scope.cancel_called:
            return
        try:
            deltas = await self._rest_snapshot(feed)
        except TradeportError as exc:  # the synchronizer fetches again on the next update
            self.log.warning(
                "%s: REST book of %s not fetched: %s", VENUE_ID, feed.instrument.id, exc
            )
            return
        if self._feeds.get(feed.instrument.token_id) is feed:
            await feed.sync.push(DeltaBatch(deltas, deltas.sequence, deltas.sequence, None, None))

    async def _rest_snapshot(self, feed: _AssetFeed) -> OrderBookDeltas:
        record = await self.http.http_get_book(feed.instrument.token_id)
        if book_hash(record) != record.get("hash"):
            raise BookHashMismatch(
                f"GET /book of {feed.instrument.id}: hash {record.get('hash')!r} is not the "
                "hash of the book",
                venue=VENUE_ID,
                endpoint="GET /book",
            )
        self._remember_meta(feed, record)
        return parse_book_snapshot(
            record, feed.instrument, time.time_ns(), int(record["timestamp"])
        )

    @staticmethod
    def _remember_meta(feed: _AssetFeed, record: Mapping[str, Any]) -> None:
        for key in ("min_order_size", "tick_size", "neg_risk", "last_trade_price", "market"):
            if key in record:
                feed.meta[key] = record[key]

    # -- stream messages -----------------------------------------------------------------------

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, list):
            for item in message:
                await self._on_event(item)
        else:
            await self._on_event(message)

    async def _on_event(self, event: Any) -> None:
        if not isinstance(event, dict):
            return
        kind = event.get("event_type")
        if kind == PRICE_CHANGE:
            await self._on_price_change(event)
        elif kind == BOOK:
            feed = self._feeds.get(str(event.get("asset_id")))
            if feed is not None and feed.sync is not None:
                self._remember_meta(feed, event)
                key = feed.remember(str(event["timestamp"]), event.get("hash"))
                await feed.sync.push(parse_book_batch(event, feed.instrument, time.time_ns(), key))
        elif kind == LAST_TRADE_PRICE:
            feed = self._feeds.get(str(event.get("asset_id")))
            if feed is not None:
                feed.meta["last_trade_price"] = event["price"]
                if _TRADES in feed.kinds:
                    await self.emit(parse_last_trade(event, feed.instrument, time.time_ns()))
        elif kind == TICK_SIZE_CHANGE:
            await self._on_tick_size(event)
        elif kind == MARKET_RESOLVED:
            await self._on_resolved(event)
        elif kind == NEW_MARKET:
            await self._on_new_market(event)

    async def _on_price_change(self, event: dict[str, Any]) -> None:
        tokens = {str(c["asset_id"]) for c in event.get("price_changes") or []}
        for token in tokens:
            feed = self._feeds.get(token)
            if feed is None or feed.sync is None:
                continue
            key = feed.remember(str(event["timestamp"]), last_hash(event, token))
            batch = parse_price_changes(event, feed.instrument, time.time_ns(), key)
            if batch is not None:
                await feed.sync.push(batch)

    async def _on_tick_size(self, event: dict[str, Any]) -> None:
        iid = instrument_id_of(str(event["asset_id"]))
        current = self.instruments.find(iid) if self.instruments is not None else None
        if not isinstance(current, BinaryOutcome):
            return
        updated = with_tick_size(
            current, str(event["new_tick_size"]), parse_time(event["timestamp"])
        )
        self._replace(updated)
        await self.emit(updated)

    async def _on_resolved(self, event: dict[str, Any]) -> None:
        for resolution in parse_resolution(event, time.time_ns()):
            current = self.instruments.find(resolution.instrument_id) if self.instruments else None
            if isinstance(current, BinaryOutcome):
                self._replace(resolved(current, resolution))
            await self.emit(resolution)

    async def _on_new_market(self, event: dict[str, Any]) -> None:
        try:
            record = await self.http.http_get_market(str(event["market"]))
        except TradeportError as exc:
            self.log.warning("%s: new market %s not loaded: %s", VENUE_ID, event.get("market"), exc)
            return
        for instrument in parse_instruments(record, time.time_ns()):
            self._replace(instrument)
            await self.emit(instrument)

    def _replace(self, instrument: BinaryOutcome) -> None:
        if self.instruments is not None:
            self.instruments.add(instrument)
        feed = self._feeds.get(instrument.token_id)
        if feed is not None:
            feed.instrument = instrument
            feed.meta["tick_size"] = str(instrument.price_increment)

    # -- requests ------------------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        """Every instrument (through the session's provider, which keeps them)."""
        if self.instruments is None:
            raise TradeportError(f"{VENUE_ID}: the data client has no instrument provider")
        return await self.instruments.load_all()

    async def request_book_snapshot(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> OrderBookDeltas:
        """The venue's book now (``GET /book``, its hash verified), as snapshot deltas."""
        instrument = await self._instrument_of(instrument_id)
        record = await self.http.http_get_book(instrument.token_id)
        if book_hash(record) != record.get("hash"):
            raise BookHashMismatch(
                f"GET /book of {instrument_id}: the hash does not match the book",
                venue=VENUE_ID,
                endpoint="GET /book",
            )
        return parse_book_snapshot(record, instrument, time.time_ns(), int(record["timestamp"]))

    async def request_trades(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[TradeTick]:
        """Public trades of the token (Data API ``/trades`` of its market), oldest first,
        within ``start_ns``..``end_ns``; the venue pages newest first, so pages are followed
        until the window's start is passed (or ``limit`` trades are in it)."""
        instrument = await self._instrument_of(instrument_id)
        ts_init = time.time_ns()
        chosen: list[TradeTick] = []
        offset = 0
        page_size = 500
        async with self.http.session():
            while True:
                page = await self.http.http_get_data_trades(
                    instrument.condition_id, page_size, offset
                )
                offset += len(page)
                passed = False
                for record in page:
                    ts = int(record["timestamp"]) * NS_PER_S
                    if start_ns is not None and ts < start_ns:
                        passed = True
                        continue
                    if (end_ns is not None and ts > end_ns) or str(
                        record["asset"]
                    ) != instrument.token_id:
                        continue
                    chosen.append(parse_public_trade(record, instrument, ts_init))
                if passed or not page:
                    break
                if start_ns is None and limit is not None and len(chosen) >= limit:
                    break
        chosen.sort(key=lambda t: t.ts_event)
        return chosen[-limit:] if limit is not None else chosen

    async def request_price_history(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        fidelity_minutes: int = 1,
    ) -> list[tuple[int, Decimal]]:
        """The venue's price series of a token (``GET /prices-history``): ``(ts_ns, price)``
        points, oldest first, one per ``fidelity_minutes``. Polymarket has no OHLC bars; this
        is its history of prices."""
        instrument = await self._instrument_of(instrument_id)
        body = await self.http.http_get_prices_history(
            instrument.token_id,
            start_ns // NS_PER_S if start_ns is not None else None,
            end_ns // NS_PER_S if end_ns is not None else None,
            fidelity_minutes,
        )
        points = [(int(p["t"]) * NS_PER_S, Decimal(str(p["p"]))) for p in body.get("history") or []]
        return sorted(points)
