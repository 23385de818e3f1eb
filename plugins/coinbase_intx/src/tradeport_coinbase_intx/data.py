"""The Coinbase INTX market data client: WebSocket subscriptions, instrument status, history.

One WebSocket connection carries every subscription (``CHANNEL:PRODUCT`` topics, see
:mod:`.websocket.protocol`); each ``subscribe_*`` returns once the venue's SUBSCRIPTIONS
snapshot lists the topic. Channels: LEVEL1 (quotes), MATCH (trades with the aggressor side),
LEVEL2 (an L2 book: a snapshot after every subscribe, then updates), RISK (mark and index
prices), FUNDING (funding rates), CANDLES_* (bars, stamped at their close), INSTRUMENTS
(instrument status).

Books: INTX has no REST book snapshot, so a sequence gap on LEVEL2 drops the local book and
resubscribes the topic; the venue's next SNAPSHOT rebuilds it (updates before it are ignored).
After every reconnect (resubscribed, so new snapshots come) a Reconnected is published.
"""

from __future__ import annotations

import time
from typing import Any, Final

import anyio
from tradeport.book import OrderBook
from tradeport.clients import DataClient, EventSink, InstrumentProvider, Reconnected
from tradeport.clients.background import BackgroundTasks
from tradeport.errors import TradeportError, UnsupportedOperation
from tradeport.model.data import BarType
from tradeport.model.enums import BarAggregation, BookType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument
from tradeport.net import WebSocketClient

from tradeport_coinbase_intx.capabilities import CAPABILITIES
from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import VENUE_ID
from tradeport_coinbase_intx.http.client import CoinbaseIntxHttpClient
from tradeport_coinbase_intx.intx_parse import (
    CANDLE_CHANNELS,
    parse_book,
    parse_candles,
    parse_funding,
    parse_instrument_status,
    parse_level1,
    parse_match,
    parse_risk,
)
from tradeport_coinbase_intx.symbology import instrument_id_of, venue_symbol
from tradeport_coinbase_intx.websocket.client import make_stream_client
from tradeport_coinbase_intx.websocket.protocol import CoinbaseIntxStreamProtocol, topic

__all__ = ["CoinbaseIntxDataClient", "candle_channel"]

LEVEL1: Final = "LEVEL1"
LEVEL2: Final = "LEVEL2"
MATCH: Final = "MATCH"
RISK: Final = "RISK"
FUNDING: Final = "FUNDING"
INSTRUMENTS: Final = "INSTRUMENTS"
_SECONDS: Final = {BarAggregation.MINUTE: 60, BarAggregation.HOUR: 3600, BarAggregation.DAY: 86400}


def candle_channel(bar_type: BarType) -> str:
    """The CANDLES_* channel of a bar type (1m, 5m, 30m, 2h, 1d); others are unsupported."""
    spec = bar_type.spec
    seconds = _SECONDS.get(spec.aggregation, 0) * spec.step
    for channel, length in CANDLE_CHANNELS.items():
        if length == seconds:
            return channel
    raise UnsupportedOperation(VENUE_ID, f"bars of {spec}: the venue streams 1m, 5m, 30m, 2h, 1d")


class CoinbaseIntxDataClient(DataClient):
    """Streams Coinbase INTX market data (see the module docstring)."""

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
        self._protocol: CoinbaseIntxStreamProtocol | None = None
        #: Books waiting for a snapshot (after a gap or a new subscription).
        self._stale_books: set[InstrumentId] = set()
        self._bar_types: dict[str, BarType] = {}
        self._risk_kinds: dict[InstrumentId, set[str]] = {}
        self.book_resyncs = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.venue})"

    # -- lifecycle -----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the REST pool and the WebSocket (returns once connected)."""
        if self._stream is not None:
            return
        await self.http.open()
        await self._tasks.open()
        self._stream, self._protocol = make_stream_client(
            self.config,
            self._on_message,
            name=f"{VENUE_ID} market data",
            credential=self.http.credential,
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
        self.books.clear()
        await self.http.aclose()

    def _require_stream(self) -> WebSocketClient:
        return self._tasks.live_stream(self._stream, VENUE_ID)

    def _instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        return self.instruments.find(instrument_id) if self.instruments is not None else None

    async def _on_reconnected(self) -> None:
        # Every LEVEL2 topic was resubscribed: its snapshot replaces the book.
        self._stale_books.update(self.books)
        await self.emit(Reconnected(VENUE_ID, "public", time.time_ns()))

    async def _sub(self, channel: str, instrument_id: InstrumentId) -> None:
        await self._require_stream().subscribe([topic(channel, venue_symbol(instrument_id))])

    async def _unsub(self, channel: str, instrument_id: InstrumentId) -> None:
        await self._require_stream().unsubscribe([topic(channel, venue_symbol(instrument_id))])

    # -- subscriptions -------------------------------------------------------------------------

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Best bid and offer (LEVEL1)."""
        await self._sub(LEVEL1, instrument_id)

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Stop quotes."""
        await self._unsub(LEVEL1, instrument_id)

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Public trades (MATCH)."""
        await self._sub(MATCH, instrument_id)

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Stop trades."""
        await self._unsub(MATCH, instrument_id)

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """A local L2 book (``self.book(instrument_id)``) and OrderBookDeltas events (LEVEL2,
        full depth as the venue sends it)."""
        self.books[instrument_id] = OrderBook(instrument_id, BookType.L2_MBP)
        self._stale_books.add(instrument_id)
        try:
            await self._sub(LEVEL2, instrument_id)
        except BaseException:
            self.books.pop(instrument_id, None)
            raise

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        """Stop the book; the local book is dropped."""
        self.books.pop(instrument_id, None)
        self._stale_books.discard(instrument_id)
        await self._unsub(LEVEL2, instrument_id)

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """Bars (CANDLES_ONE_MINUTE ... CANDLES_ONE_DAY)."""
        name = topic(candle_channel(bar_type), venue_symbol(bar_type.instrument_id))
        self._bar_types[name] = bar_type
        try:
            await self._require_stream().subscribe([name])
        except BaseException:
            self._bar_types.pop(name, None)
            raise

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Stop bars."""
        name = topic(candle_channel(bar_type), venue_symbol(bar_type.instrument_id))
        self._bar_types.pop(name, None)
        await self._require_stream().unsubscribe([name])

    async def _subscribe_risk(self, instrument_id: InstrumentId, kind: str) -> None:
        kinds = self._risk_kinds.setdefault(instrument_id, set())
        kinds.add(kind)
        try:
            await self._sub(RISK, instrument_id)
        except BaseException:
            kinds.discard(kind)
            raise

    async def _unsubscribe_risk(self, instrument_id: InstrumentId, kind: str) -> None:
        kinds = self._risk_kinds.get(instrument_id, set())
        kinds.discard(kind)
        if not kinds:
            self._risk_kinds.pop(instrument_id, None)
            await self._unsub(RISK, instrument_id)

    async def subscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """Mark prices (RISK)."""
        await self._subscribe_risk(instrument_id, "mark")

    async def unsubscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """Stop mark prices."""
        await self._unsubscribe_risk(instrument_id, "mark")

    async def subscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Index prices (RISK, the same channel as mark prices)."""
        await self._subscribe_risk(instrument_id, "index")

    async def unsubscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Stop index prices."""
        await self._unsubscribe_risk(instrument_id, "index")

    async def subscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Funding rates (FUNDING)."""
        await self._sub(FUNDING, instrument_id)

    async def unsubscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Stop funding rates."""
        await self._unsub(FUNDING, instrument_id)

    async def subscribe_instrument_status(self, instrument_id: InstrumentId) -> None:
        """Trading state changes (INSTRUMENTS)."""
        await self._sub(INSTRUMENTS, instrument_id)

    async def unsubscribe_instrument_status(self, instrument_id: InstrumentId) -> None:
        """Stop instrument status."""
        await self._unsub(INSTRUMENTS, instrument_id)

    # -- stream messages -----------------------------------------------------------------------

    async def _on_message(self, message: dict[str, Any]) -> None:
        channel = message["channel"]
        instrument_id = instrument_id_of(message["product_id"])
        instrument = self._instrument(instrument_id)
        ts_init = time.time_ns()
        in_sequence = self._protocol.check_sequence(message) if self._protocol else True
        if channel == LEVEL2:
            await self._on_book(message, instrument_id, instrument, ts_init, in_sequence)
        elif channel == LEVEL1:
            quote = parse_level1(message, instrument, ts_init)
            if quote is not None:
                await self.emit(quote)
        elif channel == MATCH:
            await self.emit(parse_match(message, instrument, ts_init))
        elif channel == RISK:
            kinds = self._risk_kinds.get(instrument_id, set())
            for update in parse_risk(message, instrument, ts_init):
                kind = "mark" if type(update).__name__.startswith("Mark") else "index"
                if kind in kinds:
                    await self.emit(update)
        elif channel == FUNDING:
            await self.emit(parse_funding(message, ts_init))
        elif channel == INSTRUMENTS:
            await self.emit(parse_instrument_status(message, ts_init))
        elif channel in CANDLE_CHANNELS:
            bar_type = self._bar_types.get(topic(channel, message["product_id"]))
            if bar_type is not None:
                for bar in parse_candles(message, bar_type, instrument, ts_init):
                    await self.emit(bar)

    async def _on_book(
        self,
        message: dict[str, Any],
        instrument_id: InstrumentId,
        instrument: Instrument | None,
        ts_init: int,
        in_sequence: bool,
    ) -> None:
        book = self.books.get(instrument_id)
        if book is None:
            return
        snapshot = message["type"] == "SNAPSHOT"
        if not snapshot:
            if instrument_id in self._stale_books:
                return  # waiting for the snapshot of a resubscription
            if not in_sequence:
                self._stale_books.add(instrument_id)
                self.book_resyncs += 1
                self.log.info("%s: LEVEL2 gap on %s; resubscribing", VENUE_ID, instrument_id)
                self._tasks.start_soon(self._resubscribe_book, instrument_id, name="book resync")
                return
        deltas = parse_book(message, instrument, ts_init)
        if deltas is None:
            return
        if snapshot:
            book.clear()
            self._stale_books.discard(instrument_id)
        book.apply_deltas(deltas)
        await self.emit(deltas)

    async def _resubscribe_book(self, instrument_id: InstrumentId) -> None:
        try:
            await self._unsub(LEVEL2, instrument_id)
            if instrument_id in self.books:
                await self._sub(LEVEL2, instrument_id)
        except TradeportError as exc:
            self.log.warning("%s: book %s not resubscribed: %s", VENUE_ID, instrument_id, exc)

    # -- requests ------------------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        """Every instrument (through the session's provider, which keeps them)."""
        if self.instruments is None:
            raise TradeportError(f"{VENUE_ID}: the data client has no instrument provider")
        return await self.instruments.load_all()
