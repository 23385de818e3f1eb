"""Betfair market data client: one market stream socket (Exchange Stream API), catalogue over
JSON-RPC.

What the stream gives, per runner (instrument ``MARKETID-SELECTIONID``):

* the book from the full ladders (``atb`` = bids, ``atl`` = asks, EX_ALL_OFFERS): an image
  (``SUB_IMAGE`` or ``img``) is a snapshot, everything else deltas (size 0 deletes);
* quotes from the best offers (``batb``/``batl`` level 0, EX_BEST_OFFERS);
* trades from traded volume (``trd``): each rise of the volume at a price is a TradeTick of
  that size, NO_AGGRESSOR, with an id made of the runner, price and new total;
* instrument status changes from market definitions (OPEN, SUSPENDED as HALTED, CLOSED;
  ``inPlay`` in the reason; the definition in force at subscription is the baseline), and when a market closes InstrumentResolved per runner (WINNER/LOSER/REMOVED) and
  InstrumentClose at the starting price when there is one.

After a reconnect the session resubscribes with the cache's ``initialClk``/``clk``: the venue
sends only what was missed and the books stay in step (a new image replaces them). ``status:
503`` on a change message marks the data stale (:meth:`BetfairDataClient.is_stale`) until a
message without it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import anyio
from tradeport.book import OrderBook
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import DataClient, InstrumentProvider, Reconnected
from tradeport.errors import SubscriptionError, TradeportError, UnknownInstrument
from tradeport.model.data import (
    BookOrder,
    InstrumentClose,
    InstrumentResolved,
    InstrumentStatus,
    OrderBookDelta,
    OrderBookDeltas,
    QuoteTick,
    RecordFlag,
    TradeTick,
)
from tradeport.model.enums import (
    AggressorSide,
    BookAction,
    BookType,
    InstrumentCloseType,
    MarketStatus,
    OrderSide,
    ResolutionResult,
)
from tradeport.model.identifiers import InstrumentId, TradeId
from tradeport.model.instruments import BettingMarket, Instrument
from tradeport.net import StreamSession

from tradeport_betfair.config import BetfairConfig
from tradeport_betfair.constants import CAPABILITIES, VENUE_ID
from tradeport_betfair.enums import MARKET_STATUS
from tradeport_betfair.http.client import BetfairHttpClient
from tradeport_betfair.http.parse import price, stake
from tradeport_betfair.providers import BetfairInstrumentProvider, http_sharing
from tradeport_betfair.stream.client import stream_session
from tradeport_betfair.stream.messages import BetfairStreamProtocol
from tradeport_betfair.stream.parse import MarketUpdate, RunnerBook, RunnerUpdate

__all__ = ["BetfairDataClient"]

_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_LAST = int(RecordFlag.F_LAST)
_RESULTS = {
    "WINNER": ResolutionResult.WON,
    "LOSER": ResolutionResult.LOST,
    "REMOVED": ResolutionResult.VOID,
}


class _Runner:
    __slots__ = ("book", "book_ready", "instrument", "kinds", "quote")

    def __init__(self, instrument: BettingMarket) -> None:
        self.instrument = instrument
        self.kinds: set[str] = set()
        self.book: OrderBook | None = None
        self.book_ready = anyio.Event()
        self.quote: tuple[Any, ...] | None = None


class BetfairDataClient(DataClient):
    """Market data for Betfair (see the module docstring)."""

    def __init__(
        self,
        config: BetfairConfig,
        *,
        instruments: InstrumentProvider | None = None,
        http: BetfairHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, instruments=instruments, **kwargs)
        self._http = http
        self._owns_http = http is None
        self._stream: StreamSession | None = None
        self._protocol: BetfairStreamProtocol | None = None
        self._runners: dict[tuple[str, int, Decimal], _Runner] = {}
        self._tasks = BackgroundTasks(self.log, "betfair-data")
        self._lock = anyio.Lock()
        self._sequence = 0
        self._statuses: dict[str, tuple[MarketStatus, str | None]] = {}

    def __repr__(self) -> str:
        return f"BetfairDataClient(jurisdiction={self.config.jurisdiction!r})"

    @property
    def http(self) -> BetfairHttpClient:
        """The REST client (shared with the provider when it has one)."""
        if self._http is None:
            self._http, self._owns_http = http_sharing(self.instruments, self.config)
        return self._http

    @property
    def stream(self) -> StreamSession | None:
        """The market stream, if open."""
        return self._stream

    @property
    def protocol(self) -> BetfairStreamProtocol | None:
        """The stream protocol (its ``market_cache`` is the local copy of the markets)."""
        return self._protocol

    def is_stale(self) -> bool:
        """Whether the venue marked the latest data stale (``status: 503``)."""
        return self._protocol is not None and self._protocol.market_cache.stale

    async def connect(self) -> None:
        """Start the background tasks (the stream opens on the first subscription)."""
        await self._tasks.open()

    async def disconnect(self) -> None:
        """Close the stream and the REST client."""
        if self._stream is not None:
            self._stream.close()
        await self._tasks.close()
        self._stream = self._protocol = None
        self._runners.clear()
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    async def _stream_ready(self) -> StreamSession:
        async with self._lock:
            if self._stream is not None:
                return self._stream
            if not self._tasks.is_open:
                await self.connect()
            session = self.http.session
            await session.token()  # the stream login carries the session token
            stream, protocol = stream_session(
                self.config,
                session,
                self._on_message,
                orders=False,
                on_reconnected=self._on_reconnected,
            )
            self._protocol = protocol
            await self._tasks.start_stream(stream)
            self._stream = stream
            self._tasks.start_soon(session.keep_alive_loop, name="betfair keepAlive")
            return stream

    # -- subscription plumbing --------------------------------------------------------------------

    @staticmethod
    def _key(instrument: BettingMarket) -> tuple[str, int, Decimal]:
        return instrument.market_id, int(instrument.selection_id), instrument.handicap

    async def _want(
        self, kind: str, instrument_id: InstrumentId, setup: Callable[[_Runner], None] | None = None
    ) -> _Runner:
        try:
            instrument = await self.ensure_instrument(instrument_id)
        except UnknownInstrument:
            raise
        except TradeportError as exc:
            raise SubscriptionError(str(exc), venue=VENUE_ID, retryable=False) from None
        assert isinstance(instrument, BettingMarket)
        key = self._key(instrument)
        runner = self._runners.get(key)
        if runner is not None and kind in runner.kinds:
            return runner  # idempotent
        market_known = any(k[0] == key[0] for k in self._runners)
        if runner is None:
            runner = self._runners[key] = _Runner(instrument)
        runner.kinds.add(kind)
        if setup is not None:
            setup(runner)
        stream = await self._stream_ready()
        if not market_known:
            try:
                await stream.subscribe([instrument.market_id])
            except BaseException:
                self._runners.pop(key, None)
                raise
        else:
            await self._from_cache(runner)
        return runner

    async def _from_cache(self, runner: _Runner) -> None:
        """A market already streaming: start the new runner's book from the cache."""
        assert self._protocol is not None
        market = self._protocol.market_cache.markets.get(runner.instrument.market_id)
        if market is None or runner.book is None:
            return
        key = self._key(runner.instrument)
        book = market.runners.get((key[1], key[2]))
        if book is not None:
            await self._emit_book(runner, book, None, time.time_ns(), time.time_ns())

    async def _unwant(self, kind: str, instrument_id: InstrumentId) -> None:
        for key, runner in list(self._runners.items()):
            if runner.instrument.id != instrument_id or kind not in runner.kinds:
                continue
            runner.kinds.discard(kind)
            if kind == "book":
                runner.book = None
            if not runner.kinds:
                del self._runners[key]
                if not any(k[0] == key[0] for k in self._runners) and self._stream is not None:
                    await self._stream.unsubscribe([key[0]])

    # -- stream messages ------------------------------------------------------------------------------

    async def _on_message(self, message: dict[str, Any]) -> None:
        if message.get("op") != "mcm" or self._protocol is None:
            return
        cache = self._protocol.market_cache
        was_stale = cache.stale
        updates = cache.apply(message)
        if cache.stale and not was_stale:
            self.log.warning("the venue marked the market data stale (status 503)")
        ts_init = time.time_ns()
        for update in updates:
            await self._on_market(update, ts_init)

    async def _on_market(self, update: MarketUpdate, ts_init: int) -> None:
        ts_event = update.publish_ms * 1_000_000 or ts_init
        assert self._protocol is not None
        state = self._protocol.market_cache.markets[update.market_id]
        for change in update.runners:
            runner = self._runners.get((update.market_id, change.key[0], change.key[1]))
            if runner is None:
                continue
            book = state.runners[change.key]
            if runner.book is not None and (change.image or change.bid_prices or change.ask_prices):
                await self._emit_book(
                    runner, book, None if change.image else change, ts_event, ts_init
                )
            if "quotes" in runner.kinds:
                await self._emit_quote(runner, book, ts_event, ts_init)
            if "trades" in runner.kinds:
                for px, size, total in change.traded:
                    trade_id = f"{runner.instrument.id.symbol.value}-{px.normalize():f}-{total.normalize():f}"
                    await self.emit(
                        TradeTick(
                            runner.instrument.id,
                            price(px),
                            stake(size),
                            AggressorSide.NO_AGGRESSOR,
                            TradeId(trade_id),
                            ts_event,
                            ts_init,
                        )
                    )
        if update.definition is not None:
            await self._on_definition(update.market_id, update.definition, ts_event, ts_init)

    async def _emit_book(
        self,
        runner: _Runner,
        book: RunnerBook,
        change: RunnerUpdate | None,
        ts_event: int,
        ts_init: int,
    ) -> None:
        iid = runner.instrument.id
        self._sequence += 1
        seq = self._sequence
        deltas: list[OrderBookDelta] = []
        if change is None:  # an image: the whole book
            deltas.append(OrderBookDelta.clear(iid, seq, ts_event, ts_init, _SNAPSHOT))
            levels = [(OrderSide.BUY, p, s) for p, s in book.bids()] + [
                (OrderSide.SELL, p, s) for p, s in book.asks()
            ]
            for side, p, s in levels:
                deltas.append(
                    OrderBookDelta(
                        iid,
                        BookAction.ADD,
                        BookOrder(side, price(p), stake(s)),
                        _SNAPSHOT,
                        seq,
                        ts_event,
                        ts_init,
                    )
                )
        else:
            for side, prices, ladder in (
                (OrderSide.BUY, change.bid_prices, book.atb),
                (OrderSide.SELL, change.ask_prices, book.atl),
            ):
                for p in sorted(prices):
                    size = ladder.get(p)
                    action = BookAction.UPDATE if size else BookAction.DELETE
                    deltas.append(
                        OrderBookDelta(
                            iid,
                            action,
                            BookOrder(side, price(p), stake(size or 0)),
                            0,
                            seq,
                            ts_event,
                            ts_init,
                        )
                    )
        if not deltas:
            return
        last = deltas[-1]
        deltas[-1] = OrderBookDelta(
            iid, last.action, last.order, last.flags | _LAST, seq, ts_event, ts_init
        )
        batch = OrderBookDeltas(iid, tuple(deltas))
        assert runner.book is not None
        runner.book.apply(batch)
        runner.book_ready.set()
        await self.emit(batch)

    async def _emit_quote(
        self, runner: _Runner, book: RunnerBook, ts_event: int, ts_init: int
    ) -> None:
        back, lay = book.best_back(), book.best_lay()
        if back is None or lay is None:
            return
        quote = (back, lay)
        if quote == runner.quote:
            return
        runner.quote = quote
        await self.emit(
            QuoteTick(
                runner.instrument.id,
                price(back[0]),
                price(lay[0]),
                stake(back[1]),
                stake(lay[1]),
                ts_event,
                ts_init,
            )
        )

    async def _on_definition(
        self, market_id: str, definition: dict[str, Any], ts_event: int, ts_init: int
    ) -> None:
        wire = str(definition.get("status"))
        status = MARKET_STATUS.get(wire, MarketStatus.NOT_AVAILABLE)
        reason = (
            "IN_PLAY"
            if definition.get("inPlay")
            else ("SUSPENDED" if wire == "SUSPENDED" else None)
        )
        closed = status is MarketStatus.CLOSED
        results = {
            (int(r["id"]), Decimal(str(r.get("hc") or 0))): r
            for r in definition.get("runners") or ()
            if "id" in r
        }
        # Changes only: the first definition of a market (in its image) is the baseline.
        seen = (status, reason)
        changed = self._statuses.get(market_id, seen) != seen
        self._statuses[market_id] = seen
        for (mid, sid, hc), runner in list(self._runners.items()):
            if mid != market_id:
                continue
            if "status" in runner.kinds and changed:
                await self.emit(
                    InstrumentStatus(runner.instrument.id, status, ts_event, ts_init, reason)
                )
            if "close" in runner.kinds and closed:
                record = results.get((sid, hc)) or {}
                result = _RESULTS.get(str(record.get("status")))
                if result is not None:
                    payout = Decimal(1) if result is ResolutionResult.WON else Decimal(0)
                    await self.emit(
                        InstrumentResolved(runner.instrument.id, result, payout, ts_event, ts_init)
                    )
                if record.get("bsp") is not None:
                    await self.emit(
                        InstrumentClose(
                            runner.instrument.id,
                            price(record["bsp"]),
                            InstrumentCloseType.CONTRACT_EXPIRED,
                            ts_event,
                            ts_init,
                        )
                    )

    async def _on_reconnected(self) -> None:
        await self.emit(Reconnected(VENUE_ID, "markets", time.time_ns()))

    # -- subscriptions ----------------------------------------------------------------------------------

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Best back and lay offers as QuoteTicks (bid = best back, ask = best lay)."""
        await self._want("quotes", instrument_id)

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        await self._unwant("quotes", instrument_id)

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Traded volume rises as TradeTicks (not declared: no aggressor, derived ids)."""
        await self._want("trades", instrument_id)

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        await self._unwant("trades", instrument_id)

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """The full back/lay ladders as an L2 book; returns once the image is applied (or after
        ``ack_timeout``)."""

        def setup(runner: _Runner) -> None:
            runner.book = OrderBook(runner.instrument.id, BookType.L2_MBP)
            runner.book_ready = anyio.Event()

        runner = await self._want("book", instrument_id, setup)
        with anyio.move_on_after(self.config.ack_timeout):
            await runner.book_ready.wait()

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        await self._unwant("book", instrument_id)

    def book(self, instrument_id: InstrumentId) -> OrderBook:
        """The local book kept for ``instrument_id``; KeyError unless subscribed to books."""
        for runner in self._runners.values():
            if runner.instrument.id == instrument_id and runner.book is not None:
                return runner.book
        raise KeyError(f"{VENUE_ID}: no book subscription for {instrument_id}")

    async def subscribe_instrument_status(self, instrument_id: InstrumentId) -> None:
        """Market status from market definitions (OPEN / SUSPENDED / CLOSED, in-play in the
        reason)."""
        await self._want("status", instrument_id)

    async def subscribe_instrument_close(self, instrument_id: InstrumentId) -> None:
        """When the market closes: InstrumentResolved (won, lost, void) and InstrumentClose at
        the starting price when there is one."""
        await self._want("close", instrument_id)

    # -- requests ---------------------------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        """The runners of the configured markets (through the provider)."""
        provider = self.instruments
        if isinstance(provider, BetfairInstrumentProvider):
            return await provider.load_all()
        return await BetfairInstrumentProvider(self.config, http=self.http).fetch_all()
