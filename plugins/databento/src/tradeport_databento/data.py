"""Databento market data client: the live gateway for subscriptions, the historical API for
requests.

What each subscription asks of the gateway (one gateway subscription per schema and symbol):

* quotes: ``mbp-1`` (or ``quote_schema``: bbo-1s, bbo-1m, tbbo) -> QuoteTick;
* trades: ``trades`` -> TradeTick (trade id: the record's venue sequence);
* book deltas: ``mbo`` (``book_schema``; L3, with an MBO snapshot on subscribe) or ``mbp-10``
  (L2, each record the top ten levels) -> OrderBookDeltas, applied to the local book
  (:meth:`book`) on the core's :class:`~tradeport.book.OrderBook`;
* bars: ``ohlcv-1s/1m/1h/1d`` -> Bar;
* instrument status: ``status`` -> InstrumentStatus;
* instruments: ``definition`` -> instruments (added to the provider and emitted);
* custom: ``statistics`` -> DatabentoStatistic, ``imbalance`` -> DatabentoImbalance
  (``subscribe_custom("statistics", {"instrument_id": "ESZ6.XCME"})``).

Records name instruments by publisher ``instrument_id``; the SymbolMappingMsgs the gateway
sends for each subscription map them to raw symbols (kept current in :class:`SymbolMap`), and
the instrument's definition (loaded through the provider before subscribing) gives precision
and venue. Subscribing by a parent (``ES.FUT.XCME``) or continuous (``ES.c.0.XCME``) symbol
loads every instrument it names; records come back under their raw symbols.

After a reconnect the session replays from the last records seen (deduplicated, see
:mod:`tradeport_databento.gateway.client`), so books continue without a gap; then a
``Reconnected`` event is emitted.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import anyio
import databento_dbn as dbn
from tradeport.book import OrderBook
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import DataClient, InstrumentProvider, Reconnected
from tradeport.errors import (
    AuthenticationError,
    RequestRejected,
    SubscriptionError,
    UnknownInstrument,
    ValidationError,
)
from tradeport.model.data import (
    Bar,
    BarType,
    OrderBookDelta,
    OrderBookDeltaColumns,
    OrderBookDeltas,
    QuoteTick,
    TradeTick,
)
from tradeport.model.enums import AggregationSource, BookType, PriceType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_databento.config import DatabentoConfig
from tradeport_databento.constants import CAPABILITIES, VENUE_ID
from tradeport_databento.enums import BAR_SCHEMAS
from tradeport_databento.http.client import DatabentoHttpClient
from tradeport_databento.parse import (
    MboColumns,
    RecordContext,
    parse_bar,
    parse_imbalance,
    parse_instrument,
    parse_instrument_status,
    parse_mbo_delta,
    parse_mbp10_deltas,
    parse_quote_tick,
    parse_statistic,
    parse_trade_tick,
)
from tradeport_databento.providers import (
    DatabentoInstrumentProvider,
    http_sharing,
    utc_midnight_ns,
)
from tradeport_databento.symbology import SymbolMap, databento_symbol

if TYPE_CHECKING:
    from tradeport_databento.gateway.client import LiveSession

__all__ = ["DatabentoDataClient", "MboBook"]

_QUOTE_RTYPES = frozenset({dbn.RType.MBP_1, dbn.RType.BBO_1S, dbn.RType.BBO_1M, dbn.RType.TBBO})
_BAR_RTYPES = {
    dbn.RType.OHLCV_1S: "ohlcv-1s",
    dbn.RType.OHLCV_1M: "ohlcv-1m",
    dbn.RType.OHLCV_1H: "ohlcv-1h",
    dbn.RType.OHLCV_1D: "ohlcv-1d",
}
_F_LAST = dbn.F_LAST
_F_SNAPSHOT = dbn.F_SNAPSHOT
_A_ADD, _A_MODIFY, _A_CANCEL, _A_CLEAR = (
    dbn.Action.ADD,
    dbn.Action.MODIFY,
    dbn.Action.CANCEL,
    dbn.Action.CLEAR,
)


class MboBook:
    """An L3 book fed MBO records: deltas batched to each event's F_LAST, order sizes kept so
    a (partial) cancel becomes an UPDATE with the remaining size or a DELETE.

    Records come one by one (:meth:`on_record`, databento-dbn objects: the live gateway) or
    in blocks (:meth:`on_block`, numpy columns: a historical range); the two make the same
    deltas, but one event must not be split between them.
    """

    __slots__ = ("_columns", "_pending", "book", "ctx", "sizes", "synced")

    def __init__(self, ctx: RecordContext) -> None:
        self.ctx = ctx
        self.book = OrderBook(ctx.instrument_id, BookType.L3_MBO)
        self.sizes: dict[int, int] = {}
        self._pending: list[Any] = []
        self._columns = MboColumns(ctx, self.sizes)
        self.synced = anyio.Event()

    def on_block(self, records: Any, ts_init: int | None = None) -> OrderBookDeltaColumns | None:
        """Apply a block of this instrument's MBO records (a numpy structured array, see
        :meth:`DbnBlock.by_instrument <tradeport_databento.decode.DbnBlock.by_instrument>`);
        the events it completes, in columns, or None. ``ts_init`` None stamps each delta
        with its record's ``ts_recv``."""
        if self._pending:
            raise ValidationError(
                "records",
                f"{len(records)} in a block",
                "arrived inside an event fed record by record",
            )
        columns = self._columns.parse(records, ts_init)
        if columns is None:
            return None
        self.book.apply_columns(columns)
        if not self.synced.is_set():
            self.synced.set()
        return columns

    def on_record(self, record: Any, ts_init: int) -> OrderBookDeltas | None:
        """Apply one MBO record; the batch once an event is complete (F_LAST), else None."""
        if self._columns.open_event:
            raise ValidationError(
                "record", repr(record)[:80], "arrived inside an event fed in blocks"
            )
        action = record.action
        remaining = None
        if action is _A_CLEAR:
            self.sizes.clear()
        elif action is _A_ADD or action is _A_MODIFY:
            size = record.size
            if size:
                self.sizes[record.order_id] = size
        elif action is _A_CANCEL:
            left = self.sizes.get(record.order_id, 0) - record.size
            if left > 0:
                self.sizes[record.order_id] = left
                remaining = left
            else:
                self.sizes.pop(record.order_id, None)
        delta = parse_mbo_delta(record, self.ctx, ts_init, remaining)
        if delta is not None:
            self._pending.append(delta)
        if not record.flags & _F_LAST or not self._pending:
            return None
        last = self._pending[-1]
        if not last.flags & _F_LAST:
            # The event ended on a record that changes no order (a trade, a size-0 record):
            # its F_LAST belongs on the batch's last delta.
            self._pending[-1] = OrderBookDelta(
                last.instrument_id,
                last.action,
                last.order,
                last.flags | _F_LAST,
                last.sequence,
                last.ts_event,
                last.ts_init,
            )
        deltas = OrderBookDeltas.trusted(self.ctx.instrument_id, tuple(self._pending))
        self._pending = []
        self.book.apply_deltas(deltas)
        if record.flags & _F_SNAPSHOT or not self.synced.is_set():
            self.synced.set()
        return deltas


class _State:
    """One instrument the client streams: its parsing context and what is wanted of it."""

    __slots__ = ("bar_types", "ctx", "kinds", "l2", "mbo")

    def __init__(self, ctx: RecordContext) -> None:
        self.ctx = ctx
        self.kinds: set[str] = set()
        self.bar_types: dict[str, BarType] = {}
        self.mbo: MboBook | None = None
        self.l2: OrderBook | None = None


class DatabentoDataClient(DataClient):
    """Market data from Databento (see the module docstring)."""

    def __init__(
        self,
        config: DatabentoConfig,
        *,
        instruments: InstrumentProvider | None = None,
        http: DatabentoHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, instruments=instruments, **kwargs)
        self._http = http
        self._owns_http = http is None
        self._tasks = BackgroundTasks(self.log, "databento-data")
        self.live: LiveSession | None = None
        if isinstance(instruments, DatabentoInstrumentProvider):
            self.symbols = instruments.symbol_map
        else:
            self.symbols = SymbolMap(config.dataset)
        #: publisher instrument_id -> streaming state
        self._states: dict[int, _State] = {}
        #: (schema, databento symbol) -> kinds wanted through that gateway subscription
        self._wanted: dict[tuple[str, str], set[str]] = {}
        self._stype: dict[tuple[str, str], str] = {}
        self._lock = anyio.Lock()
        self._handlers = {
            dbn.SymbolMappingMsg: self._on_mapping,
            dbn.TradeMsg: self._on_trade,
            dbn.MBP1Msg: self._on_quote,
            dbn.BBOMsg: self._on_quote,
            dbn.MBOMsg: self._on_mbo,
            dbn.MBP10Msg: self._on_mbp10,
            dbn.OHLCVMsg: self._on_bar,
            dbn.StatusMsg: self._on_status,
            dbn.StatMsg: self._on_statistic,
            dbn.ImbalanceMsg: self._on_imbalance,
            dbn.InstrumentDefMsg: self._on_definition,
        }
        #: Records for instruments the client does not know (no definition loaded).
        self.unmapped_records = 0

    def __repr__(self) -> str:
        return f"DatabentoDataClient(dataset={self.config.dataset!r})"

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def http(self) -> DatabentoHttpClient:
        if self._http is None:
            self._http, self._owns_http = http_sharing(self.instruments, self.config)
        return self._http

    async def connect(self) -> None:
        """Start the background tasks (the gateway session opens on the first subscription)."""
        await self._tasks.open()

    async def disconnect(self) -> None:
        if self.live is not None:
            self.live.session.close()
        await self._tasks.close()
        self.live = None
        self._states.clear()
        self._wanted.clear()
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    def _live(self) -> LiveSession:
        if self.live is None:
            from tradeport_databento.gateway.client import LiveSession

            self.live = LiveSession(
                self.config, self._on_record, on_reconnected=self._on_reconnected
            )
        return self.live

    async def _start_session(self) -> None:
        if not self._tasks.is_open:
            await self.connect()
        assert self.live is not None
        await self._tasks.start_stream(self.live.session)  # type: ignore[arg-type]

    async def _on_reconnected(self) -> None:
        await self.emit(Reconnected(VENUE_ID, "live", time.time_ns()))

    # -- instruments ------------------------------------------------------------------------------

    async def _instruments_for(self, instrument_id: InstrumentId) -> list[Instrument]:
        """The instruments an id names (one for a raw symbol, the group for parent/continuous),
        loaded through the provider; UnknownInstrument when the venue lists none."""
        stype, symbol = databento_symbol(instrument_id)
        provider = self.instruments
        try:
            if stype == "raw_symbol" or stype == "instrument_id":
                return [await self.ensure_instrument(instrument_id)]
            assert provider is not None
            found = await provider.load_all({"databento_symbols": [symbol], "stype_in": stype})
        except AuthenticationError:
            raise  # a refused key, not an unknown instrument (DP4)
        except RequestRejected as exc:
            raise UnknownInstrument(
                VENUE_ID, instrument_id, exc.venue_message or str(exc)
            ) from None
        if not found:
            raise UnknownInstrument(VENUE_ID, instrument_id, "the venue lists no such instrument")
        return found

    def _state_for(self, instrument: Instrument) -> _State:
        pid = instrument.info.get("instrument_id")
        raw = str(instrument.raw_symbol)
        if pid is None:
            pid = self.symbols.id_by_raw.get(raw)
        if pid is None:
            raise SubscriptionError(
                f"{instrument.id}: no Databento instrument_id known", venue=VENUE_ID
            )
        pid = int(pid)
        self.symbols.venue_by_raw.setdefault(raw, instrument.id.venue.value)
        self.symbols._map(pid, raw)
        state = self._states.get(pid)
        if state is None or state.ctx.instrument is not instrument:
            old = state
            state = _State(RecordContext(instrument))
            if old is not None:
                state.kinds, state.bar_types = old.kinds, old.bar_types
                state.mbo, state.l2 = old.mbo, old.l2
            self._states[pid] = state
        return state

    # -- subscription plumbing ------------------------------------------------------------------------

    async def _want(
        self,
        schema: str,
        kind: str,
        instrument_id: InstrumentId,
        *,
        snapshot: bool = False,
        start: int | None = None,
        setup: Any = None,
    ) -> list[_State]:
        instruments = await self._instruments_for(instrument_id)
        stype, symbol = databento_symbol(instrument_id)
        states = [self._state_for(i) for i in instruments]
        async with self._lock:
            key = (schema, symbol)
            kinds = self._wanted.get(key)
            fresh = kinds is None
            if kinds is not None and kind in kinds and start is None:
                return states  # idempotent: one gateway subscription, one stream of data
            kinds = self._wanted.setdefault(key, set())
            kinds.add(kind)
            self._stype[key] = stype
            for state in states:
                state.kinds.add(kind)
                if setup is not None:
                    setup(state)
            if fresh or start is not None:
                live = self._live()
                from tradeport_databento.gateway.client import LiveSubscription

                try:
                    await live.subscribe(
                        LiveSubscription(schema, stype, [symbol], snapshot=snapshot, start=start),
                        self._start_session,
                    )
                except BaseException:
                    self._wanted.pop(key, None)
                    for state in states:
                        state.kinds.discard(kind)
                    raise
        return states

    async def _unwant(self, schema: str, kind: str, instrument_id: InstrumentId) -> None:
        stype, symbol = databento_symbol(instrument_id)
        key = (schema, symbol)
        async with self._lock:
            kinds = self._wanted.get(key)
            if kinds is None or kind not in kinds:
                return
            kinds.discard(kind)
            raws = {instrument_id.symbol.value} | self.symbols.raw_symbols(symbol)
            for state in self._states.values():
                if str(state.ctx.instrument.raw_symbol) in raws:
                    state.kinds.discard(kind)
            if kinds:
                return
            del self._wanted[key]
            if self.live is not None:
                await self.live.unsubscribe(schema, self._stype.pop(key, stype), [symbol])

    # -- records ------------------------------------------------------------------------------------

    async def _on_record(self, record: Any) -> None:
        handler = self._handlers.get(record.__class__)
        if handler is not None:
            await handler(record)

    async def _on_mapping(self, record: Any) -> None:
        pid = self.symbols.on_mapping(record)
        raw = self.symbols.raw_by_id[pid]
        state = self._states.get(pid)
        if state is None:
            iid = self.symbols.instrument_id(pid)
            instrument = self.instruments.find(iid) if self.instruments and iid else None
            if instrument is None:
                return
            state = self._states[pid] = _State(RecordContext(instrument))
        subscribed = str(record.stype_in_symbol)
        for (_schema, symbol), kinds in self._wanted.items():
            if symbol in (subscribed, raw):
                state.kinds |= kinds

    def _state(self, record: Any) -> _State | None:
        state = self._states.get(record.instrument_id)
        if state is None:
            self.unmapped_records += 1
        return state

    async def _on_trade(self, record: Any) -> None:
        state = self._state(record)
        if state is not None and "trades" in state.kinds:
            await self.emit(parse_trade_tick(record, state.ctx, time.time_ns()))

    async def _on_quote(self, record: Any) -> None:
        state = self._state(record)
        if state is not None and "quotes" in state.kinds:
            quote = parse_quote_tick(record, state.ctx, time.time_ns())
            if quote is not None:
                await self.emit(quote)
        if state is not None and "trades" in state.kinds and record.rtype == dbn.RType.TBBO:
            await self.emit(parse_trade_tick(record, state.ctx, time.time_ns()))

    async def _on_mbo(self, record: Any) -> None:
        state = self._state(record)
        if state is None or state.mbo is None or "book" not in state.kinds:
            return
        deltas = state.mbo.on_record(record, time.time_ns())
        if deltas is not None:
            await self.emit(deltas)

    async def _on_mbp10(self, record: Any) -> None:
        state = self._state(record)
        if state is None or state.l2 is None or "book" not in state.kinds:
            return
        deltas = parse_mbp10_deltas(record, state.ctx, time.time_ns())
        state.l2.apply_deltas(deltas)
        await self.emit(deltas)

    async def _on_bar(self, record: Any) -> None:
        state = self._state(record)
        if state is None:
            return
        bar_type = state.bar_types.get(_BAR_RTYPES.get(record.rtype, ""))
        if bar_type is not None and "bars" in state.kinds:
            await self.emit(parse_bar(record, bar_type, state.ctx, time.time_ns()))

    async def _on_status(self, record: Any) -> None:
        state = self._state(record)
        if state is not None and "status" in state.kinds:
            await self.emit(parse_instrument_status(record, state.ctx, time.time_ns()))

    async def _on_statistic(self, record: Any) -> None:
        state = self._state(record)
        if state is not None and "statistics" in state.kinds:
            await self.emit(parse_statistic(record, state.ctx, time.time_ns()))

    async def _on_imbalance(self, record: Any) -> None:
        state = self._state(record)
        if state is not None and "imbalance" in state.kinds:
            await self.emit(parse_imbalance(record, state.ctx, time.time_ns()))

    async def _on_definition(self, record: Any) -> None:
        self.symbols.on_definition(record)
        raw = str(record.raw_symbol)
        try:
            instrument = parse_instrument(record, self.symbols.venue_of(raw), time.time_ns())
        except (ValueError, TypeError, KeyError) as exc:
            self.log.warning("skipping live definition %r: %s", raw, exc)
            return
        if self.instruments is not None:
            self.instruments.add(instrument)
        pid = int(record.instrument_id)
        state = self._states.get(pid)
        if state is not None:
            state.ctx = RecordContext(instrument)
        await self.emit(instrument)

    # -- subscriptions ----------------------------------------------------------------------------

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Top of book from ``quote_schema`` (default mbp-1)."""
        await self._want(self.config.quote_schema, "quotes", instrument_id)

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        await self._unwant(self.config.quote_schema, "quotes", instrument_id)

    async def subscribe_trades(
        self, instrument_id: InstrumentId, *, start: int | None = None
    ) -> None:
        """Trades; ``start`` (UNIX ns within the last 24 h, 0 for all available) replays
        intraday history first."""
        await self._want("trades", "trades", instrument_id, start=start)

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        await self._unwant("trades", "trades", instrument_id)

    async def subscribe_book_deltas(
        self,
        instrument_id: InstrumentId,
        depth: int | None = None,
        *,
        book_type: BookType | None = None,
        start: int | None = None,
    ) -> None:
        """An L3 book from MBO (default; snapshot on subscribe, or a replay from ``start`` -
        use UTC midnight for a book built from the whole session) or an L2 book from MBP-10
        (``book_type=L2_MBP`` or ``depth`` up to 10 with ``book_schema="mbp-10"``). Returns
        once the book is synced (or after ``ack_timeout``)."""
        schema = self.config.book_schema
        if book_type is BookType.L3_MBO:
            schema = "mbo"
        elif book_type is BookType.L2_MBP:
            schema = "mbp-10"
        elif book_type is not None:
            raise ValidationError("book_type", book_type, "must be L2_MBP or L3_MBO")

        def setup(state: _State) -> None:
            if schema == "mbo":
                if state.mbo is None:
                    state.mbo = MboBook(state.ctx)
                self.books[state.ctx.instrument_id] = state.mbo.book
            else:
                if state.l2 is None:
                    state.l2 = OrderBook(state.ctx.instrument_id, BookType.L2_MBP)
                self.books[state.ctx.instrument_id] = state.l2

        states = await self._want(
            schema,
            "book",
            instrument_id,
            snapshot=schema == "mbo" and start is None,
            start=start,
            setup=setup,
        )
        if schema == "mbo":
            with anyio.move_on_after(self.config.ack_timeout):
                for state in states:
                    if state.mbo is not None:
                        await state.mbo.synced.wait()

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        for schema in ("mbo", "mbp-10"):
            await self._unwant(schema, "book", instrument_id)

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """Venue bars from ohlcv-1s/1m/1h/1d (LAST price, EXTERNAL aggregation)."""
        schema = self._bar_schema(bar_type)

        def setup(state: _State) -> None:
            state.bar_types[schema] = bar_type

        await self._want(schema, "bars", bar_type.instrument_id, setup=setup)

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        await self._unwant(self._bar_schema(bar_type), "bars", bar_type.instrument_id)

    def _bar_schema(self, bar_type: BarType) -> str:
        spec = bar_type.spec
        schema = BAR_SCHEMAS.get((spec.step, spec.aggregation))
        if (
            schema is None
            or spec.price_type is not PriceType.LAST
            or bar_type.aggregation_source is not AggregationSource.EXTERNAL
        ):
            self._unsupported(
                "subscribe_bars", f"{bar_type}: Databento has 1-SECOND/MINUTE/HOUR/DAY LAST bars"
            )
        return schema

    async def subscribe_instrument_status(self, instrument_id: InstrumentId) -> None:
        await self._want("status", "status", instrument_id)

    async def subscribe_instruments(self) -> None:
        """Definitions of the configured symbols as they change (instruments are emitted)."""
        from tradeport_databento.gateway.client import LiveSubscription

        live = self._live()
        for symbol in self.config.symbols:
            stype = (
                "raw_symbol"
                if symbol == "ALL_SYMBOLS"
                else databento_symbol(
                    InstrumentId.from_str(f"{symbol}.{self.symbols.default_venue}")
                )[0]
            )
            await live.subscribe(
                LiveSubscription("definition", stype, [symbol]), self._start_session
            )

    async def subscribe_custom(
        self, data_type: str, params: Mapping[str, Any] | None = None
    ) -> None:
        """``statistics`` or ``imbalance`` of ``params["instrument_id"]``."""
        iid = self._custom_id(data_type, params)
        await self._want(data_type, data_type, iid)

    async def unsubscribe_custom(
        self, data_type: str, params: Mapping[str, Any] | None = None
    ) -> None:
        await self._unwant(data_type, data_type, self._custom_id(data_type, params))

    def _custom_id(self, data_type: str, params: Mapping[str, Any] | None) -> InstrumentId:
        if data_type not in ("statistics", "imbalance"):
            self._unsupported("subscribe_custom", f"{data_type} (statistics, imbalance)")
        raw = (params or {}).get("instrument_id")
        if raw is None:
            raise ValidationError("params.instrument_id", None, "is required")
        return raw if isinstance(raw, InstrumentId) else InstrumentId.from_str(str(raw))

    # -- requests (historical) -------------------------------------------------------------------

    async def request_instruments(self) -> list[Instrument]:
        provider = self.instruments
        if isinstance(provider, DatabentoInstrumentProvider):
            return await provider.load_all()
        return await DatabentoInstrumentProvider(self.config, http=self.http).fetch_all()

    async def _history(
        self,
        schema: str,
        instrument_id: InstrumentId,
        start_ns: int | None,
        end_ns: int | None,
        limit: int | None,
        parse: Any,
        *,
        confirm: bool = False,
    ) -> list[Any]:
        instrument = await self.ensure_instrument(instrument_id)
        state = self._state_for(instrument)
        stype, symbol = databento_symbol(instrument_id)
        now = time.time_ns()
        start = start_ns if start_ns is not None else utc_midnight_ns(now)
        out: list[Any] = []
        pid = int(instrument.info.get("instrument_id", -1))
        async for batch in self.http.stream_range(
            schema, [symbol], start, end_ns, stype_in=stype, limit=limit, confirm=confirm
        ):
            for record in batch:
                if record.instrument_id != pid:
                    continue
                item = parse(record, state.ctx, now)
                if item is not None:
                    out.append(item)
        return out

    async def request_trades(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
        *,
        confirm: bool = False,
    ) -> list[TradeTick]:
        """Trades over a range (from UTC midnight by default), oldest first."""
        return await self._history(
            "trades", instrument_id, start_ns, end_ns, limit, parse_trade_tick, confirm=confirm
        )

    async def request_quotes(
        self,
        instrument_id: InstrumentId,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
        *,
        confirm: bool = False,
    ) -> list[QuoteTick]:
        """Top-of-book quotes (``quote_schema``) over a range, oldest first."""
        return await self._history(
            self.config.quote_schema,
            instrument_id,
            start_ns,
            end_ns,
            limit,
            parse_quote_tick,
            confirm=confirm,
        )

    async def request_bars(
        self,
        bar_type: BarType,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
        *,
        confirm: bool = False,
    ) -> list[Bar]:
        """Bars over a range, oldest first (one streamed request: Databento does not page)."""
        schema = self._bar_schema(bar_type)

        def parse(record: Any, ctx: RecordContext, ts_init: int) -> Bar:
            return parse_bar(record, bar_type, ctx, ts_init)

        return await self._history(
            schema, bar_type.instrument_id, start_ns, end_ns, limit, parse, confirm=confirm
        )

    async def request_book_snapshot(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> OrderBookDeltas:
        """The latest MBP-10 record of the last hour as a snapshot (top ten levels)."""
        now = time.time_ns()
        records = await self._history(
            "mbp-10",
            instrument_id,
            now - 3_600_000_000_000,
            None,
            None,
            lambda record, ctx, ts: parse_mbp10_deltas(record, ctx, ts),
        )
        if not records:
            raise UnknownInstrument(VENUE_ID, instrument_id, "no book in the last hour")
        return records[-1]
