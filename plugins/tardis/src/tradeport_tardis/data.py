"""The Tardis data client: live normalized data through a tardis-machine (``ws-stream-normalized``).

tardis-machine takes the whole subscription in the URL (``?options=[{"exchange", "symbols",
"dataTypes", "withDisconnectMessages"}]``) and has no subscribe message. So the client keeps the
wanted (data type, instrument) set itself; the stream (a core
:class:`~tradeport.net.WebSocketClient`, reconnecting with backoff) builds its URL from that set
on every connection, and a change of the set replaces the connection (``reconnect_now``) and
waits until the new one is up. A drop reconnects with the current set the same way.

Books: every new connection starts with a fresh parser that ignores book changes until the
machine's snapshot (``isSnapshot``) arrives; a ``disconnect`` message (the machine lost the
exchange) does the same for that exchange's books. The local book (:meth:`book`) is rebuilt from
that snapshot.

Derivative tickers (``derivative_ticker``: mark, index and funding, one normalized type for the
three) and bars (``trade_bar_{n}{unit}``, which tardis-machine computes from trades and sends
once a bar has closed, stamped at its close) stream the same way. Adding one of a ticker's
three to another of them leaves the URL as it is, so no new connection is made. History is not
offered here (``open_replay`` has it).
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Sequence
from typing import Any

import anyio
import attrs
from tradeport.book import OrderBook
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import DataClient, Reconnected
from tradeport.clients.capabilities import DataType
from tradeport.errors import ConfigError, TradeportError, ValidationError
from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDeltas,
    QuoteTick,
    TradeTick,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument
from tradeport.net import Heartbeat, WebSocketClient, json_codec
from tradeport.net.transport import StreamConnection
from tradeport.net.ws_protocol import StreamProtocol, WsRequest
from tradeport.replay import ReplaySubscription

from tradeport_tardis.capabilities import CAPABILITIES
from tradeport_tardis.constants import VENUE_ID
from tradeport_tardis.events import Disconnect
from tradeport_tardis.machine import NORMALIZED_TYPES, machine_options, trade_bar_name
from tradeport_tardis.normalized import NormalizedParser

__all__ = ["MachineStreamProtocol", "TardisDataClient"]

STREAM_PATH = "/ws-stream-normalized"
#: Seconds between control pings (tardis-machine sends no heartbeat of its own).
_PING_INTERVAL = 20.0
#: Seconds, beyond the connect timeout, a subscription change waits for the new connection.
_RECONNECT_GRACE = 10.0


class MachineStreamProtocol(StreamProtocol):
    """tardis-machine's stream: no handshake, no subscribe messages (the URL carries them), JSON
    numbers kept as the decimals they were written as."""

    acknowledges_subscriptions = False
    exact_numbers = True

    def __init__(self, on_connection: Any) -> None:
        self._on_connection = on_connection

    async def on_connect(self, connection: StreamConnection) -> None:
        self._on_connection()

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        return []

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        return []


class TardisDataClient(DataClient):
    """Live trades, quotes, book deltas, derivative tickers and bars from a tardis-machine
    (see the module docstring)."""

    def __init__(self, config: Any, **kwargs: Any) -> None:
        super().__init__(VENUE_ID, config, capabilities=CAPABILITIES, **kwargs)
        #: (data type, instrument id, normalized type) -> the instrument: what the stream's
        #: URL asks for.
        self._wanted: dict[tuple[DataType, InstrumentId, str], Instrument] = {}
        #: (instrument id, trade bar type) -> the bar type a subscriber asked for.
        self._bar_types: dict[tuple[InstrumentId, str], BarType] = {}
        self._parser = NormalizedParser(())
        self._books: dict[InstrumentId, OrderBook] = {}
        self._tasks = BackgroundTasks(self.log, "tardis-data")
        self._stream: WebSocketClient | None = None
        self._resubscribing = False
        #: Messages that could not be parsed (logged).
        self.unhandled_messages = 0

    # -- lifecycle --------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Ready the client; the stream opens with the first subscription (the machine needs
        one in its URL)."""
        if not self.config.machine_url:
            raise ConfigError(
                "TardisConfig.machine_url: live data needs a tardis-machine "
                "(e.g. ws://localhost:8001; TARDIS_MACHINE_WS_URL)",
                field="machine_url",
            )
        if not self._tasks.is_open:
            await self._tasks.open()

    async def disconnect(self) -> None:
        """Close the stream."""
        if self._stream is not None:
            self._stream.close()
        await self._tasks.close()
        self._stream = None

    @property
    def stream(self) -> WebSocketClient | None:
        """The machine stream (None before the first subscription)."""
        return self._stream

    @property
    def stream_error(self) -> TradeportError | None:
        """The fatal error that stopped the stream, if one did."""
        return self._tasks.stream_error

    def book(self, instrument_id: InstrumentId) -> OrderBook:
        """The local book kept from ``book_change`` (KeyError if not subscribed)."""
        return self._books[instrument_id]

    # -- the stream -------------------------------------------------------------------------------

    async def _url(self) -> str:
        subs = [
            ReplaySubscription(data_type=kind, instrument_id=iid, params={"data_types": [name]})
            for kind, iid, name in sorted(self._wanted, key=str)
        ]
        query = urllib.parse.quote(json_codec.dumps(machine_options(subs)), safe="")
        return f"{self.config.machine_url.rstrip('/')}{STREAM_PATH}?options={query}"

    def _new_connection(self) -> None:
        # A new connection is a new session: books wait for its snapshot.
        self._parser = NormalizedParser(self._wanted.values())
        self._parser.await_snapshots()

    def _make_stream(self) -> WebSocketClient:
        cfg = self.config
        return WebSocketClient(
            self._url,
            MachineStreamProtocol(self._new_connection),
            self._on_message,
            venue=VENUE_ID,
            name="tardis-machine",
            heartbeat=Heartbeat(ping_interval=cfg.ws_heartbeat_interval or _PING_INTERVAL),
            on_reconnected=self._on_reconnected,
            # A quiet market sends nothing for long: control pings watch the connection.
            **cfg.stream_options(idle_timeout=None),
        )

    async def _on_reconnected(self) -> None:
        if self._resubscribing:
            return  # our own new connection for a changed set, not a lost one
        await self.emit(Reconnected(self.venue, "public", time.time_ns()))

    async def _on_message(self, message: Any) -> None:
        try:
            events = self._parser.parse(message)
        except (KeyError, ValueError, TypeError, TradeportError) as exc:
            self.unhandled_messages += 1
            self.log.warning("bad tardis-machine message (%s: %s): %.200r",
                             type(exc).__name__, exc, message)  # fmt: skip
            return
        wanted = {(kind, iid) for kind, iid, _ in self._wanted}
        for event in events:
            if isinstance(event, OrderBookDeltas):
                book = self._books.get(event.instrument_id)
                if book is None:
                    continue
                book.apply(event)
            elif isinstance(event, Bar):
                iid = event.bar_type.instrument_id
                asked = self._bar_types.get((iid, trade_bar_name(event.bar_type)))
                if asked is None:
                    continue
                event = attrs.evolve(event, bar_type=asked)  # 60-MINUTE asked, 1-HOUR sent
            elif (
                not isinstance(event, Disconnect)
                and (_KINDS.get(type(event)), event.instrument_id) not in wanted
            ):
                continue  # another subscriber's type on a shared message (derivative_ticker)
            try:
                await self.emit(event)
            except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                self.log.debug("event sink closed: tardis-machine message dropped")

    async def _change(
        self, kind: DataType, instrument_id: InstrumentId, add: bool, name: str | None = None
    ) -> None:
        key = (kind, instrument_id, name or NORMALIZED_TYPES[kind])
        if add == (key in self._wanted):
            return  # already so: no new connection
        before = await self._url() if self._stream is not None else None
        if add:
            if self.instruments is None:
                raise ValidationError("instruments", None, "the data client needs a provider")
            self._wanted[key] = await self.instruments.ensure(instrument_id)
        else:
            del self._wanted[key]
        await self.connect()
        if before is not None and await self._url() == before:
            return  # the stream already carries it (mark, index, funding: one ticker)
        if self._stream is None:
            self._stream = self._make_stream()
            await self._tasks.start_stream(self._stream)
            return
        before = self._stream.counters.reconnects
        self._resubscribing = True
        try:
            await self._stream.reconnect_now("subscriptions changed")
            with anyio.fail_after(self.config.ws_connect_timeout + _RECONNECT_GRACE):
                await self._stream.wait_reconnected(before)
        finally:
            self._resubscribing = False

    # -- subscriptions ----------------------------------------------------------------------------

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """``trade``: public trades."""
        await self._change(DataType.TRADES, instrument_id, True)

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Stop ``trade``."""
        await self._change(DataType.TRADES, instrument_id, False)

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """``quote``: the top of the book."""
        await self._change(DataType.QUOTES, instrument_id, True)

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Stop ``quote``."""
        await self._change(DataType.QUOTES, instrument_id, False)

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """``book_change``: a snapshot, then L2 changes (the full depth the exchange sends)."""
        self._books.setdefault(instrument_id, OrderBook(instrument_id))
        await self._change(DataType.BOOK_DELTAS, instrument_id, True)

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        """Stop ``book_change``."""
        await self._change(DataType.BOOK_DELTAS, instrument_id, False)
        self._books.pop(instrument_id, None)

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """``trade_bar_{n}{unit}``: bars computed by the machine, sent once closed."""
        name = trade_bar_name(bar_type)
        self._bar_types[(bar_type.instrument_id, name)] = bar_type
        await self._change(DataType.BARS, bar_type.instrument_id, True, name)

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Stop the bar type's ``trade_bar``."""
        name = trade_bar_name(bar_type)
        await self._change(DataType.BARS, bar_type.instrument_id, False, name)
        self._bar_types.pop((bar_type.instrument_id, name), None)

    async def subscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """``derivative_ticker``: mark prices."""
        await self._change(DataType.MARK_PRICES, instrument_id, True)

    async def unsubscribe_mark_prices(self, instrument_id: InstrumentId) -> None:
        """Stop mark prices (the ticker stays while index or funding want it)."""
        await self._change(DataType.MARK_PRICES, instrument_id, False)

    async def subscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """``derivative_ticker``: index prices."""
        await self._change(DataType.INDEX_PRICES, instrument_id, True)

    async def unsubscribe_index_prices(self, instrument_id: InstrumentId) -> None:
        """Stop index prices."""
        await self._change(DataType.INDEX_PRICES, instrument_id, False)

    async def subscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """``derivative_ticker``: funding rates with the next funding time."""
        await self._change(DataType.FUNDING_RATES, instrument_id, True)

    async def unsubscribe_funding_rates(self, instrument_id: InstrumentId) -> None:
        """Stop funding rates."""
        await self._change(DataType.FUNDING_RATES, instrument_id, False)


#: The subscription an event belongs to (bars and books are matched on their own).
_KINDS: dict[type, DataType] = {
    TradeTick: DataType.TRADES,
    QuoteTick: DataType.QUOTES,
    MarkPriceUpdate: DataType.MARK_PRICES,
    IndexPriceUpdate: DataType.INDEX_PRICES,
    FundingRateUpdate: DataType.FUNDING_RATES,
}
