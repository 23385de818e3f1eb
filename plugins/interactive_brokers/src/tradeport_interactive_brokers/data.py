"""The Interactive Brokers data client: top of book (reqMktData), trade prints
(reqTickByTickData ``AllLast``), depth, bars (reqRealTimeBars aggregated; history by
reqHistoricalData) and connectivity notices, over its own API connection
(client id ``client_id + 1``).

Every subscription first resolves its instrument (``ensure_instrument``: contract details once,
then by conId), then becomes a topic of the core stream session: replayed after a reconnect,
and requested again after a 1101 notice (connectivity restored, data lost). The market data
type (1 live, 3 delayed, ...) is set on every connection before the replay, so delayed data
survives reconnects; delayed ticks (66-71) are read like live ones.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any, Final

import attrs
from tradeport.book import OrderBook
from tradeport.clients.bars import BarBuilder
from tradeport.clients.base import DataClient, InstrumentProvider, Reconnected
from tradeport.errors import RateLimitError, UnsupportedOperation
from tradeport.model.data import (
    Bar,
    BarType,
    L2Levels,
    OrderBookDeltas,
    QuoteTick,
    RecordFlag,
    TradeTick,
)
from tradeport.model.enums import AggressorSide, BarAggregation, BookType, PriceType
from tradeport.model.identifiers import InstrumentId, TradeId
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Price, Quantity
from tradeport.net.ratelimit import Quota, RateLimiter

from tradeport_interactive_brokers.config import InteractiveBrokersConfig
from tradeport_interactive_brokers.constants import CAPABILITIES, VENUE_ID, In
from tradeport_interactive_brokers.contract import Contract
from tradeport_interactive_brokers.gateway.client import (
    GatewayNotice,
    GatewayRunner,
    IbGateway,
    TopicSpec,
)
from tradeport_interactive_brokers.messages import (
    cancel_mkt_data,
    cancel_mkt_depth,
    cancel_real_time_bars,
    cancel_tick_by_tick,
    req_historical_data,
    req_mkt_data,
    req_mkt_depth,
    req_real_time_bars,
    req_tick_by_tick,
)
from tradeport_interactive_brokers.parse import (
    DepthUpdate,
    ErrorMessage,
    parse_depth,
    parse_historical_data,
    parse_real_time_bar,
    parse_tick_by_tick,
    parse_tick_price,
    parse_tick_size,
)

__all__ = ["InteractiveBrokersDataClient", "contract_of", "print_trade_id"]

#: tickPrice types: bid, ask, last (and their delayed twins).
_BID_PRICE = {1, 66}
_ASK_PRICE = {2, 67}
#: tickSize types: bid size, ask size.
_BID_SIZE = {0, 69}
_ASK_SIZE = {3, 70}


def contract_of(instrument: Instrument) -> Contract:
    """The contract of a resolved instrument, by conId (what data and order requests send)."""
    exchange = str(instrument.info.get("exchange") or "SMART")
    return Contract(con_id=int(instrument.info["con_id"]), exchange=exchange)


def print_trade_id(
    time_s: int, price: Decimal, size: Decimal, exchange: str, repeat: int = 1
) -> str:
    """The id of a print: IB gives none, so it is made of what the print carries (time in
    seconds, price, size, exchange), with ``#n`` for the n-th identical print of a second.
    The same print always gets the same id, so a print seen twice is recognised."""
    base = f"{time_s}-{format(price.normalize(), 'f')}-{format(size.normalize(), 'f')}-{exchange}"
    return base if repeat == 1 else f"{base}#{repeat}"


#: The longest duration (seconds) one reqHistoricalData may ask for, per bar size
#: (TWS API "Historical Data Limitations": valid duration / bar size combinations).
HISTORY_PAGE_S: Final = {
    "1 secs": 1800,
    "5 secs": 7200,
    "10 secs": 14_400,
    "15 secs": 14_400,
    "30 secs": 28_800,
    "1 min": 86_400,
    "2 mins": 172_800,
    "3 mins": 604_800,
    "5 mins": 604_800,
    "10 mins": 604_800,
    "15 mins": 1_209_600,
    "20 mins": 1_209_600,
    "30 mins": 2_419_200,
    "1 hour": 2_419_200,
    "2 hours": 2_419_200,
    "3 hours": 2_419_200,
    "4 hours": 2_419_200,
    "8 hours": 2_419_200,
    "1 day": 31_536_000,
    "1 week": 31_536_000,
    "1 month": 31_536_000,
}
_BAR_UNITS = {
    BarAggregation.SECOND: (1, "secs"),
    BarAggregation.MINUTE: (60, "min"),
    BarAggregation.HOUR: (3600, "hour"),
    BarAggregation.DAY: (86_400, "day"),
    BarAggregation.WEEK: (604_800, "week"),
    BarAggregation.MONTH: (2_592_000, "month"),
}
_WHAT_TO_SHOW = {
    PriceType.LAST: "TRADES",
    PriceType.BID: "BID",
    PriceType.ASK: "ASK",
    PriceType.MID: "MIDPOINT",
}
_NS = 1_000_000_000
#: reqRealTimeBars sends 5-second bars only; subscriptions aggregate them.
REAL_TIME_BAR_S: Final = 5
#: The bar lengths a subscription can build from them.
_LIVE_BAR_UNITS_S = {BarAggregation.SECOND: 1, BarAggregation.MINUTE: 60, BarAggregation.HOUR: 3600}


def history_pacing() -> tuple[RateLimiter, RateLimiter]:
    """IB's historical pacing rules in the core rate limiter: at most 60 requests in 10
    minutes and 6 for one contract and data type within 2 seconds (the first limiter); the
    same request again waits 15 seconds (the second, keyed by the request)."""
    return (
        RateLimiter({"historical": Quota(60, 600.0)}, default=Quota(6, 2.0)),
        RateLimiter(default=Quota(1, 15.0)),
    )


def ib_bar_size(step: int, aggregation: BarAggregation) -> tuple[str, int]:
    """IB's bar size setting for a bar specification, and the bar length in seconds.

    >>> ib_bar_size(1, BarAggregation.MINUTE), ib_bar_size(5, BarAggregation.MINUTE)
    (('1 min', 60), ('5 mins', 300))
    """
    unit = _BAR_UNITS.get(aggregation)
    if unit is None:
        raise UnsupportedOperation(VENUE_ID, f"bars aggregated by {aggregation}")
    seconds, name = unit
    if aggregation is BarAggregation.SECOND:
        text = f"{step} secs"
    elif aggregation is BarAggregation.MINUTE:
        text = f"{step} min" if step == 1 else f"{step} mins"
    else:
        text = f"{step} {name}" if step == 1 else f"{step} {name}s"
    if text not in HISTORY_PAGE_S:
        raise UnsupportedOperation(
            VENUE_ID, f"bar size {text!r} (IB has {', '.join(HISTORY_PAGE_S)})"
        )
    return text, seconds * step


@attrs.define
class _Depth:
    """The rows of one depth request, per side (0 ask, 1 bid), as TWS numbers them."""

    rows: dict[int, list[tuple[Decimal, Decimal]]] = attrs.field(factory=lambda: {0: [], 1: []})
    cleared: bool = False
    sequence: int = 0

    def apply(self, instrument: Instrument, update: DepthUpdate) -> OrderBookDeltas | None:
        """Apply one row operation; the price levels it changed as deltas (a clearing
        snapshot first after each (re)request)."""
        side_rows = self.rows[update.side]
        before = dict(side_rows)
        position = update.position
        if update.operation == 0:  # insert
            side_rows.insert(min(position, len(side_rows)), (update.price, update.size))
        elif update.operation == 1 and position < len(side_rows):  # update
            side_rows[position] = (update.price, update.size)
        elif update.operation == 2 and position < len(side_rows):  # delete
            del side_rows[position]
        else:
            return None
        after = dict(side_rows)
        changed = [
            (instrument.make_price(price), instrument.make_qty(after.get(price, Decimal(0))))
            for price in sorted(set(before) | set(after))
            if before.get(price) != after.get(price)
        ]
        self.sequence += 1
        now = time.time_ns()
        flags = int(RecordFlag.F_MBP)
        if not self.cleared:
            self.cleared = True
            flags |= int(RecordFlag.F_SNAPSHOT)
            levels: dict[int, list[tuple[Price, Quantity]]] = {0: [], 1: []}
            levels[update.side] = [(p, q) for p, q in changed if q.as_decimal() > 0]
            return OrderBookDeltas.from_levels(
                instrument.id, L2Levels(levels[1], levels[0], self.sequence, flags, now, now)
            )
        if not changed:
            return None
        bids = changed if update.side == 1 else []
        asks = changed if update.side == 0 else []
        return OrderBookDeltas.from_levels(
            instrument.id, L2Levels(bids, asks, self.sequence, flags, now, now)
        )


@attrs.define
class _Top:
    """Top of book of one subscription, as the ticks built it."""

    instrument: Instrument
    bid: Decimal | None = None
    ask: Decimal | None = None
    bid_size: Decimal | None = None
    ask_size: Decimal | None = None
    #: The size the last price tick carried, per side: TWS repeats it as a tickSize.
    echo: dict[str, Decimal | None] = attrs.field(factory=dict)


class InteractiveBrokersDataClient(DataClient):
    """Market data from TWS / IB Gateway (see the module docstring)."""

    def __init__(
        self,
        config: InteractiveBrokersConfig,
        *,
        instruments: InstrumentProvider | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, instruments=instruments, **kwargs)
        self.config: InteractiveBrokersConfig = config
        self.gateway = IbGateway(
            config,
            client_id=config.client_id + 1,
            name="ib-data",
            on_notice=self._on_notice,
            on_reconnected=self._on_reconnected,
        )
        if config.market_data_type != 1:
            self.gateway.set_market_data_type(config.market_data_type)
        self._runner = GatewayRunner(self.gateway, self.log)
        share = getattr(instruments, "share", None)
        if share is not None:
            share(self.gateway)  # the provider's lookups ride on this connection
        #: Historical pacing of this client's TWS session (see :func:`history_pacing`).
        self.history_pacing = history_pacing()

    # -- lifecycle ------------------------------------------------------------------------------

    async def connect(self) -> None:
        await self._runner.start()

    async def disconnect(self) -> None:
        await self._runner.stop()

    async def _on_reconnected(self) -> None:
        await self.emit(Reconnected(VENUE_ID, "tws-data", time.time_ns()))

    async def _on_notice(self, notice: GatewayNotice) -> None:
        await self.emit(notice)

    async def _prepare(self, instrument_id: InstrumentId) -> tuple[Instrument, Contract]:
        instrument = await self.ensure_instrument(instrument_id)
        await self.connect()
        return instrument, contract_of(instrument)

    # -- quotes ---------------------------------------------------------------------------------

    async def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """reqMktData: a QuoteTick on every bid/ask change once both sides are known."""
        instrument, contract = await self._prepare(instrument_id)
        top = _Top(instrument)

        async def on_message(fields: list[str]) -> None:
            quote = self._on_top(top, fields)
            if quote is not None:
                await self.emit(quote)

        await self.gateway.subscribe(
            f"quotes:{contract.con_id}",
            TopicSpec(
                subscribe=lambda req_id: req_mkt_data(req_id, contract),
                cancel=cancel_mkt_data,
                on_message=on_message,
                on_error=self._topic_error,
            ),
        )

    async def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        _, contract = await self._prepare(instrument_id)
        await self.gateway.unsubscribe(f"quotes:{contract.con_id}")

    def _on_top(self, top: _Top, fields: list[str]) -> QuoteTick | None:
        msg_id = fields[0]
        if msg_id == str(In.TICK_PRICE):
            tick = parse_tick_price(fields)
            if tick.price is None or tick.tick_type not in _BID_PRICE | _ASK_PRICE:
                return None
            if tick.tick_type in _BID_PRICE:
                top.bid, top.bid_size, top.echo["bid"] = tick.price, tick.size, tick.size
            else:
                top.ask, top.ask_size, top.echo["ask"] = tick.price, tick.size, tick.size
        elif msg_id == str(In.TICK_SIZE):
            size_tick = parse_tick_size(fields)
            side = (
                "bid"
                if size_tick.tick_type in _BID_SIZE
                else "ask"
                if size_tick.tick_type in _ASK_SIZE
                else None
            )
            if side is None or size_tick.size is None:
                return None
            # TWS follows each price tick with a size tick of the same size: not a change.
            if top.echo.pop(side, None) == size_tick.size:
                return None
            if side == "bid":
                top.bid_size = size_tick.size
            else:
                top.ask_size = size_tick.size
        else:
            return None
        if None in (top.bid, top.ask, top.bid_size, top.ask_size):
            return None
        inst = top.instrument
        now = time.time_ns()
        return QuoteTick(
            inst.id,
            inst.make_price(top.bid),  # type: ignore[arg-type]
            inst.make_price(top.ask),  # type: ignore[arg-type]
            inst.make_qty(top.bid_size),  # type: ignore[arg-type]
            inst.make_qty(top.ask_size),  # type: ignore[arg-type]
            now,
            now,
        )

    # -- depth --------------------------------------------------------------------------------

    async def subscribe_book_deltas(
        self, instrument_id: InstrumentId, depth: int | None = None
    ) -> None:
        """reqMktDepth (``depth`` rows a side, default ``depth_rows``; SMART depth when
        ``smart_depth``): TWS's position-based row operations (insert / update / delete at a
        row) become price-level deltas on a local L2 book. Every (re)request starts from an
        empty book: a clearing snapshot, then TWS's inserts."""
        instrument, contract = await self._prepare(instrument_id)
        rows = depth or self.config.depth_rows
        smart = self.config.smart_depth
        book = self.books[instrument.id] = OrderBook(instrument.id, BookType.L2_MBP)
        state = _Depth()

        def subscribe(req_id: int) -> bytes:
            state.rows = {0: [], 1: []}
            state.cleared = False
            return req_mkt_depth(req_id, contract, rows, smart_depth=smart)

        async def on_message(fields: list[str]) -> None:
            if fields[0] not in (str(In.MARKET_DEPTH), str(In.MARKET_DEPTH_L2)):
                return
            deltas = state.apply(instrument, parse_depth(fields))
            if deltas is not None:
                book.apply(deltas)
                await self.emit(deltas)

        await self.gateway.subscribe(
            f"book:{contract.con_id}",
            TopicSpec(
                subscribe=subscribe,
                cancel=lambda req_id: cancel_mkt_depth(req_id, smart_depth=smart),
                on_message=on_message,
                on_error=self._topic_error,
            ),
        )

    async def unsubscribe_book_deltas(self, instrument_id: InstrumentId) -> None:
        _, contract = await self._prepare(instrument_id)
        await self.gateway.unsubscribe(f"book:{contract.con_id}")

    # -- history ------------------------------------------------------------------------------

    async def request_bars(
        self,
        bar_type: BarType,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int | None = None,
    ) -> list[Bar]:
        """reqHistoricalData, paged backwards from ``end_ns`` in the longest duration IB
        allows for the bar size (:data:`HISTORY_PAGE_S`), each page paced by IB's historical
        rules in the core rate limiter (60 requests / 10 min, 6 per contract and data type in
        2 s, no identical request within 15 s). ``limit`` keeps the latest ``limit`` bars."""
        spec = bar_type.spec
        bar_size, step_s = ib_bar_size(spec.step, spec.aggregation)
        what = _WHAT_TO_SHOW.get(spec.price_type)
        if what is None:
            self._unsupported("request_bars", f"price type {spec.price_type}")
        instrument, contract = await self._prepare(bar_type.instrument_id)
        end = end_ns if end_ns is not None else time.time_ns()
        earliest = start_ns
        if limit is not None:
            floor = end - limit * step_s * _NS
            earliest = floor if earliest is None else max(earliest, floor)
        if earliest is None:
            earliest = end - 100 * step_s * _NS
        page_s = HISTORY_PAGE_S.get(bar_size, 86_400)
        bars: dict[int, Bar] = {}
        cursor = end
        while cursor > earliest:
            span_s = max(step_s, min(page_s, -(-(cursor - earliest) // _NS)))
            span_s = -(-span_s // step_s) * step_s
            duration = f"{span_s} S" if span_s <= 86_400 else f"{-(-span_s // 86_400)} D"
            ending = datetime.fromtimestamp(cursor / _NS, UTC).strftime("%Y%m%d-%H:%M:%S")
            payload = partial(
                req_historical_data,
                contract=contract,
                end=ending,
                duration=duration,
                bar_size=bar_size,
                what_to_show=what,
            )
            pacing, identical = self.history_pacing
            await pacing.acquire(["historical", f"{contract.con_id}:{what}"])
            await identical.acquire([f"{contract.con_id}:{what}:{ending}:{duration}:{bar_size}"])
            try:
                messages = await self.gateway.request(payload)
            except RateLimitError:
                # TWS refused for pacing: everything historical waits, then this page again.
                pacing.penalize("historical", self.config.history_pacing_wait)
                await pacing.acquire(["historical"])
                messages = await self.gateway.request(payload)
            page = [
                b
                for f in messages
                if f[0] == str(In.HISTORICAL_DATA)
                for b in parse_historical_data(f)[1]
            ]
            if not page:
                break
            oldest = cursor
            for row in page:
                opened = int(row.date) * _NS
                closed = opened + step_s * _NS
                oldest = min(oldest, opened)
                if opened < earliest or closed > end:
                    continue
                bars[closed] = Bar(
                    bar_type,
                    instrument.make_price(row.open),
                    instrument.make_price(row.high),
                    instrument.make_price(row.low),
                    instrument.make_price(row.close),
                    instrument.make_qty(row.volume, "ROUND_HALF_EVEN"),
                    closed,
                    time.time_ns(),
                )
            if oldest >= cursor:
                break
            cursor = oldest
        ordered = [bars[t] for t in sorted(bars)]
        return ordered[-limit:] if limit is not None else ordered

    # -- bars -----------------------------------------------------------------------------------

    async def subscribe_bars(self, bar_type: BarType) -> None:
        """reqRealTimeBars (5-second bars, the only size TWS streams) aggregated in the core
        :class:`~tradeport.clients.bars.BarBuilder` into ``bar_type``'s bars (seconds in
        multiples of 5, minutes, hours): each emitted once closed, stamped at its close."""
        spec = bar_type.spec
        unit_s = _LIVE_BAR_UNITS_S.get(spec.aggregation)
        if unit_s is None or (unit_s * spec.step) % REAL_TIME_BAR_S:
            self._unsupported(
                "subscribe_bars", f"{spec} (seconds in multiples of 5, minutes or hours)"
            )
        what = _WHAT_TO_SHOW.get(spec.price_type)
        if what is None:
            self._unsupported("subscribe_bars", f"price type {spec.price_type}")
        instrument, contract = await self._prepare(bar_type.instrument_id)
        builder = BarBuilder(bar_type, instrument, unit_s * spec.step * _NS, REAL_TIME_BAR_S * _NS)

        async def on_message(fields: list[str]) -> None:
            five = parse_real_time_bar(fields)
            closed = builder.add(
                five.time_s * _NS,
                five.open,
                five.high,
                five.low,
                five.close,
                five.volume,
                time.time_ns(),
            )
            for bar in closed:
                await self.emit(bar)

        await self.gateway.subscribe(
            f"bars:{bar_type}",
            TopicSpec(
                subscribe=lambda req_id: req_real_time_bars(req_id, contract, what),
                cancel=cancel_real_time_bars,
                on_message=on_message,
                on_error=self._topic_error,
            ),
        )

    async def unsubscribe_bars(self, bar_type: BarType) -> None:
        await self._prepare(bar_type.instrument_id)
        await self.gateway.unsubscribe(f"bars:{bar_type}")

    # -- trades ---------------------------------------------------------------------------------

    async def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """reqTickByTickData ``AllLast``: every print as a TradeTick.

        IB's prints carry neither an aggressor side nor a trade id, so the ticks have
        ``NO_AGGRESSOR`` and an id made of the print (:func:`print_trade_id`); the capability
        is therefore not declared (the conformance suite's SB2 needs both)."""
        instrument, contract = await self._prepare(instrument_id)
        repeats: dict[str, int] = {}

        async def on_message(fields: list[str]) -> None:
            tick = parse_tick_by_tick(fields)
            if tick is None:
                return
            base = print_trade_id(tick.time_s, tick.price, tick.size, tick.exchange)
            if repeats and not next(iter(repeats)).startswith(f"{tick.time_s}-"):
                repeats.clear()  # only prints of the same second can repeat an id
            repeats[base] = repeats.get(base, 0) + 1
            now = time.time_ns()
            await self.emit(
                TradeTick(
                    instrument.id,
                    instrument.make_price(tick.price),
                    instrument.make_qty(tick.size),
                    AggressorSide.NO_AGGRESSOR,
                    TradeId(
                        print_trade_id(
                            tick.time_s, tick.price, tick.size, tick.exchange, repeats[base]
                        )
                    ),
                    tick.time_s * 1_000_000_000,
                    now,
                )
            )

        await self.gateway.subscribe(
            f"trades:{contract.con_id}",
            TopicSpec(
                subscribe=lambda req_id: req_tick_by_tick(req_id, contract, "AllLast"),
                cancel=cancel_tick_by_tick,
                on_message=on_message,
                on_error=self._topic_error,
            ),
        )

    async def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        _, contract = await self._prepare(instrument_id)
        await self.gateway.unsubscribe(f"trades:{contract.con_id}")

    async def _topic_error(self, error: ErrorMessage) -> None:
        self.log.warning(
            "TWS refused a market data request: %s (code %d)", error.message, error.code
        )
