"""DBN records -> tradeport objects, pure functions named for what they make.

Prices are int64 fixed point in units of 1e-9 (``UNDEF_PRICE`` is null). A price is expressed
exactly at the instrument's precision when it fits, else at 9 decimals: nothing is rounded.
Sizes are whole numbers of contracts or shares. :class:`RecordContext` (one per instrument)
memoizes prices and sizes, which repeat, on the hot path.

:class:`MboColumns` is the columnar MBO parser: blocks of records
(:class:`~tradeport_databento.decode.DbnBlock`) become the core's
:class:`~tradeport.model.data.OrderBookDeltaColumns` with numpy, delta for delta what
:func:`parse_mbo_delta` and :class:`~tradeport_databento.data.MboBook` make record by record.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from itertools import repeat
from typing import Any

import attrs
import databento_dbn as dbn
import numpy as np
from tradeport.model.data import (
    Bar,
    BarType,
    BookOrder,
    CustomData,
    InstrumentStatus,
    L2Levels,
    OrderBookDelta,
    OrderBookDeltaColumns,
    OrderBookDeltas,
    QuoteTick,
    RecordFlag,
    TradeTick,
)
from tradeport.model.enums import BookAction, MarketStatus, OptionKind, OrderSide, ProductType
from tradeport.model.identifiers import InstrumentId, Symbol, TradeId, Venue
from tradeport.model.instruments import (
    DatedFuture,
    Equity,
    FutureOption,
    Instrument,
    OptionContract,
    SpotPair,
)
from tradeport.model.numbers import Price, Quantity

from tradeport_databento.constants import PRICE_DECIMALS, UNDEF_PRICE
from tradeport_databento.enums import (
    AGGRESSOR,
    BAR_STEP_NS,
    BOOK_SIDE,
    INSTRUMENT_CLASS_PRODUCT,
    STATUS,
)

__all__ = [
    "RecordContext",
    "fixed_to_decimal",
    "price_precision_of",
    "parse_trade_tick",
    "parse_quote_tick",
    "parse_mbo_delta",
    "parse_mbp10_deltas",
    "MboColumns",
    "parse_bar",
    "parse_instrument",
    "parse_instrument_status",
    "parse_statistic",
    "parse_imbalance",
    "DatabentoStatistic",
    "DatabentoImbalance",
]

_POW10 = [10**i for i in range(PRICE_DECIMALS + 1)]
_CACHE_LIMIT = 65_536
_F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_F_LAST = int(RecordFlag.F_LAST)
_F_MBP = int(RecordFlag.F_MBP)
_book_order = BookOrder.trusted
_delta = OrderBookDelta.trusted
_A_ADD, _A_MODIFY, _A_CANCEL, _A_CLEAR = (
    dbn.Action.ADD,
    dbn.Action.MODIFY,
    dbn.Action.CANCEL,
    dbn.Action.CLEAR,
)
_S_BID, _S_ASK = dbn.Side.BID, dbn.Side.ASK
_BUY, _SELL = OrderSide.BUY, OrderSide.SELL
_ADD, _UPDATE, _DELETE = BookAction.ADD, BookAction.UPDATE, BookAction.DELETE


def fixed_to_decimal(raw: int) -> Decimal | None:
    """A 1e-9 fixed-point price as an exact Decimal (None for ``UNDEF_PRICE``)."""
    if raw == UNDEF_PRICE:
        return None
    return Decimal(raw).scaleb(-PRICE_DECIMALS)


def price_precision_of(raw_increment: int) -> int:
    """Decimals of a 1e-9 fixed-point increment (``250000000`` -> 2 for ``0.25``)."""
    if raw_increment <= 0 or raw_increment == UNDEF_PRICE:
        return PRICE_DECIMALS
    precision = PRICE_DECIMALS
    while precision > 0 and raw_increment % 10 == 0:
        raw_increment //= 10
        precision -= 1
    return precision


class RecordContext:
    """What parsing needs about one instrument: its id and precisions, and memoized values."""

    __slots__ = (
        "_divisor",
        "_prices",
        "_size_scale",
        "_sizes",
        "instrument",
        "instrument_id",
        "price_precision",
        "size_precision",
    )

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.instrument_id = instrument.id
        self.price_precision = instrument.price_precision
        self.size_precision = instrument.size_precision
        self._divisor = _POW10[PRICE_DECIMALS - min(PRICE_DECIMALS, self.price_precision)]
        self._size_scale = _POW10[min(self.size_precision, PRICE_DECIMALS)]
        self._prices: dict[int, Price] = {}
        self._sizes: dict[int, Quantity] = {}

    def price(self, raw: int) -> Price:
        """The Price of a 1e-9 fixed-point value, at the instrument's precision if exact."""
        price = self._prices.get(raw)
        if price is None:
            whole, rest = divmod(raw, self._divisor)
            if rest:
                price = Price.from_raw(raw, PRICE_DECIMALS)
            else:
                price = Price.from_raw(whole, self.price_precision)
            if len(self._prices) >= _CACHE_LIMIT:
                self._prices.clear()
            self._prices[raw] = price
        return price

    def size(self, count: int) -> Quantity:
        """The Quantity of a whole-number size, at the instrument's size precision."""
        size = self._sizes.get(count)
        if size is None:
            size = Quantity.from_raw(count * self._size_scale, self.size_precision)
            if len(self._sizes) >= _CACHE_LIMIT:
                self._sizes.clear()
            self._sizes[count] = size
        return size


# -- trades, quotes -------------------------------------------------------------------------


def parse_trade_tick(record: Any, ctx: RecordContext, ts_init: int) -> TradeTick:
    """A TradeMsg (or a trade in TBBO/MBP-1) as a TradeTick; the trade id is the record's
    venue ``sequence`` (DBN has no trade id)."""
    return TradeTick.trusted(
        ctx.instrument_id,
        ctx.price(record.price),
        ctx.size(record.size),
        AGGRESSOR[record.side],
        TradeId(str(record.sequence)),
        record.ts_event,
        ts_init,
    )


def parse_quote_tick(record: Any, ctx: RecordContext, ts_init: int) -> QuoteTick | None:
    """The top level of an MBP-1 / BBO / TBBO record; None while a side is empty."""
    level = record.levels[0]
    bid, ask = level.bid_px, level.ask_px
    if bid == UNDEF_PRICE or ask == UNDEF_PRICE:
        return None
    return QuoteTick.trusted(
        ctx.instrument_id,
        ctx.price(bid),
        ctx.price(ask),
        ctx.size(level.bid_sz),
        ctx.size(level.ask_sz),
        record.ts_event,
        ts_init,
    )


# -- books ------------------------------------------------------------------------------------


def parse_mbo_delta(
    record: Any, ctx: RecordContext, ts_init: int, remaining: int | None = None
) -> OrderBookDelta | None:
    """One MBO record as an L3 delta; None for records that do not change the book (trade,
    fill, none, and size-0 snapshot placeholders).

    A cancel removes ``record.size`` from the order: pass the order's ``remaining`` size after
    it (the book knows it) to get an UPDATE; without it (or at 0) the cancel is a DELETE.
    Flags and sequence are the record's (F_LAST ends an event, F_SNAPSHOT marks a snapshot).
    """
    # Hot path: every attribute of a databento-dbn record is a Rust call (40-80 ns), so each
    # is read once, and enums are compared by identity (databento-dbn hands out singletons).
    action = record.action
    if action is _A_CLEAR:
        return OrderBookDelta.clear(
            ctx.instrument_id, record.sequence, record.ts_event, ts_init, record.flags
        )
    side = record.side
    if side is _S_BID:
        order_side = _BUY
    elif side is _S_ASK:
        order_side = _SELL
    else:
        return None
    if action is _A_ADD or action is _A_MODIFY:
        size = record.size
        if not size:
            return None  # a size-0 snapshot record (no order behind it)
        book_action = _ADD if action is _A_ADD else _UPDATE
    elif action is _A_CANCEL:
        if remaining:
            book_action, size = _UPDATE, remaining
        else:
            book_action, size = _DELETE, 0
    else:
        return None
    price = record.price
    if price == UNDEF_PRICE:
        return None
    order = _book_order(order_side, ctx.price(price), ctx.size(size), record.order_id)
    return _delta(
        ctx.instrument_id,
        book_action,
        order,
        record.flags,
        record.sequence,
        record.ts_event,
        ts_init,
    )


_CLEAR = BookAction.CLEAR
_ORD_ADD, _ORD_MODIFY, _ORD_CANCEL, _ORD_CLEAR = (ord(c) for c in "AMCR")
_ORD_BID, _ORD_ASK = ord("B"), ord("A")
_CODE_ADD, _CODE_UPDATE, _CODE_DELETE, _CODE_CLEAR = (
    OrderBookDeltaColumns.ACTIONS.index(action) for action in (_ADD, _UPDATE, _DELETE, _CLEAR)
)
_CODE_BUY, _CODE_SELL = (OrderBookDeltaColumns.SIDES.index(side) for side in (_BUY, _SELL))
_NO_CODE = 255
#: MBO action byte -> delta action code (a cancel is a DELETE until its remaining size says).
_ACTION_CODE = np.full(256, _NO_CODE, np.uint8)
for _byte, _code in (
    (_ORD_ADD, _CODE_ADD),
    (_ORD_MODIFY, _CODE_UPDATE),
    (_ORD_CANCEL, _CODE_DELETE),
    (_ORD_CLEAR, _CODE_CLEAR),
):
    _ACTION_CODE[_byte] = _code
#: MBO side byte -> on a side of the book / side code.
_ON_BOOK = np.zeros(256, bool)
_ON_BOOK[[_ORD_BID, _ORD_ASK]] = True
_SIDE_CODE = np.zeros(256, np.uint8)
_SIDE_CODE[_ORD_BID], _SIDE_CODE[_ORD_ASK] = _CODE_BUY, _CODE_SELL


class MboColumns:
    """MBO records of one instrument, block by block, as :class:`OrderBookDeltaColumns`:
    the deltas :func:`parse_mbo_delta` makes with each cancel's remaining size, flags moved
    as :class:`~tradeport_databento.data.MboBook` moves them, in columns (numpy, no object
    per record).

    ``sizes`` (order id -> resting size) carries the orders across blocks; a cancel of an
    order it does not know deletes it. The deltas of an event still open at the end of a
    block (no F_LAST yet) wait for the next block: a batch never ends inside an event.
    Prices stay in 1e-9 units; each is built at the instrument's precision where it is
    exact there, else at 9 decimals (see ``OrderBookDeltaColumns.instrument_price_precision``).
    """

    __slots__ = ("_held", "ctx", "open_event", "sizes")

    def __init__(self, ctx: RecordContext, sizes: dict[int, int] | None = None) -> None:
        self.ctx = ctx
        self.sizes: dict[int, int] = {} if sizes is None else sizes
        #: Whether the last record parsed left an event open (no F_LAST yet).
        self.open_event = False
        self._held: dict[str, Any] | None = None

    @property
    def pending(self) -> int:
        """Deltas held until their event's F_LAST arrives."""
        return 0 if self._held is None else len(self._held["actions"])

    def parse(
        self, records: np.ndarray[Any, Any], ts_init: int | None = None
    ) -> OrderBookDeltaColumns | None:
        """The deltas of the events ``records`` completes (None when it completes none that
        changes the book). ``ts_init`` stamps every delta; None stamps each with its record's
        ``ts_recv`` (a replay's clock)."""
        if not len(records):
            return None
        columns, close_held = self._columns(records, ts_init)
        held = self._held
        self._held = None
        if held is not None:
            if close_held:  # the event's last record changed nothing: its last delta ends it
                held["flags"][-1] |= _F_LAST
            columns = (
                held
                if columns is None
                else {name: np.concatenate((held[name], columns[name])) for name in columns}
            )
        self.open_event = not records["flags"][-1] & _F_LAST
        if columns is None:
            return None
        if self.open_event:
            ends = np.flatnonzero(columns["flags"] & _F_LAST)
            cut = int(ends[-1]) + 1 if len(ends) else 0
            if cut < len(columns["flags"]):
                self._held = {name: column[cut:] for name, column in columns.items()}
            if not cut:
                return None
            columns = {name: column[:cut] for name, column in columns.items()}
        ctx = self.ctx
        return OrderBookDeltaColumns.trusted(
            ctx.instrument_id,
            **columns,
            price_precision=PRICE_DECIMALS,
            size_precision=ctx.size_precision,
            instrument_price_precision=min(ctx.price_precision, PRICE_DECIMALS),
        )

    def _columns(
        self, records: np.ndarray[Any, Any], ts_init: int | None
    ) -> tuple[dict[str, Any] | None, bool]:
        """The delta columns of ``records`` (None if none changes the book), and whether the
        event left open by the previous block ended on a record that changes nothing."""
        # numpy's many array types: these are plain int arrays (masks where named so).
        codes: Any
        side: Any
        size: Any
        remaining: Any
        cancel: Any
        kept: Any
        action = records["action"].view(np.uint8)
        side = records["side"].view(np.uint8)
        size = records["size"].astype(np.int64)
        flags = records["flags"]
        # What parse_mbo_delta keeps: CLEAR; ADD/MODIFY with a size and CANCEL, on a side,
        # at a defined price. Byte lookup tables test every action and side at once.
        codes = np.take(_ACTION_CODE, action)
        remaining = self._remaining(codes, size, records["order_id"])
        is_clear = codes == _CODE_CLEAR
        cancel = codes == _CODE_DELETE
        keep = _ON_BOOK[side] & (codes != _NO_CODE) & (records["price"] != UNDEF_PRICE)
        keep &= (size > 0) | cancel
        keep |= is_clear
        close_held = False
        if not keep.all():
            kept = np.flatnonzero(keep)
            out_flags = flags[kept]
            # F_LAST belongs on the last delta of each event: when the record that ended an
            # event is dropped (a trade, a size-0 record), its last kept delta takes it.
            last = (flags & _F_LAST) != 0
            dropped = np.flatnonzero(last & ~keep)
            if len(dropped):
                ends = np.flatnonzero(last)
                at = np.searchsorted(ends, dropped)
                previous = np.where(at > 0, ends[at - 1], -1)
                before = np.searchsorted(kept, dropped) - 1
                if len(kept):
                    moved = (before >= 0) & (kept[np.maximum(before, 0)] > previous)
                    out_flags[before[moved]] |= _F_LAST
                # The first event began in the previous block; with no delta here, the
                # deltas held from there end it.
                close_held = bool(dropped[0] == ends[0] and before[0] < 0)
            if not len(kept):
                return None, close_held
            codes, size, remaining, side, cancel = (
                column[kept] for column in (codes, size, remaining, side, cancel)
            )
            flags = out_flags
        else:
            kept = slice(None)
            flags = flags.copy()  # held deltas' flags may be changed by the next block
        codes[cancel & (remaining > 0)] = _CODE_UPDATE  # a partial cancel updates the order
        sizes = np.where(cancel, np.maximum(remaining, 0), size)
        scale = self.ctx._size_scale
        return {
            "actions": codes,
            "sides": np.take(_SIDE_CODE, side),
            # 1e-9 units; each price is built at the tick's precision where exact there.
            "prices": records["price"][kept],
            "sizes": sizes * scale if scale != 1 else sizes,
            "order_ids": records["order_id"][kept],
            "flags": flags,
            "sequences": records["sequence"][kept],
            "ts_events": records["ts_event"][kept],
            "ts_inits": (
                records["ts_recv"][kept]
                if ts_init is None
                else np.full(len(codes), ts_init, np.int64)
            ),
        }, close_held

    def _remaining(
        self, codes: np.ndarray[Any, Any], size: np.ndarray[Any, Any], order_ids: Any
    ) -> np.ndarray[Any, Any]:
        """Each record's order size after it (a cancel's remaining size; 0 or less: gone),
        carrying :attr:`sizes` across, cleared at each CLEAR (``codes``: delta codes by
        action, a cancel as DELETE)."""
        remaining = np.zeros(len(codes), np.int64)
        clears = np.flatnonzero(codes == _CODE_CLEAR).tolist()
        start = 0
        for stop in [*clears, len(codes)]:
            if stop > start:
                window = slice(start, stop)
                self._track(codes[window], size[window], order_ids[window], remaining[window])
            if stop < len(codes):
                self.sizes.clear()
            start = stop + 1
        return remaining

    def _track(
        self,
        codes: np.ndarray[Any, Any],
        size: np.ndarray[Any, Any],
        order_ids: np.ndarray[Any, Any],
        out: np.ndarray[Any, Any],
    ) -> None:
        # Records grouped by order (a stable sort keeps each order's records in stream order);
        # within an order, an ADD or MODIFY sets the size and each CANCEL takes its size off,
        # so a cancel's remaining size is the last set size less the cancels since (a cumsum).
        sets = (codes <= _CODE_UPDATE) & (size > 0)
        rows = np.flatnonzero(sets | (codes == _CODE_DELETE))
        if not len(rows):
            return
        ids = order_ids[rows]
        by_order = np.argsort(ids, kind="stable")
        rows, ids = rows[by_order], ids[by_order]
        is_set, amount = sets[rows], size[rows]
        first = np.empty(len(ids), bool)
        first[0] = True
        np.not_equal(ids[1:], ids[:-1], out=first[1:])
        segment_start = first | is_set
        cancelled = np.where(is_set, 0, amount)
        total = np.cumsum(cancelled)
        starts = np.flatnonzero(segment_start)
        segment = np.cumsum(segment_start) - 1
        opens_with_set = is_set[starts]
        base = np.where(opens_with_set, amount[starts], 0)
        older = ~opens_with_set  # an order from an earlier block: its size is in self.sizes
        if older.any():
            get = self.sizes.get
            known = ids[starts[older]].tolist()
            base[older] = np.fromiter((get(i, 0) for i in known), np.int64, len(known))
        before = total[starts] - cancelled[starts]
        left = base[segment] - (total - before[segment])
        out[rows] = left
        # Carry each order's final size to the next block (a gone order is forgotten).
        final = np.empty(len(ids), bool)
        final[-1] = True
        np.not_equal(ids[1:], ids[:-1], out=final[:-1])
        final_ids, final_left = ids[final], left[final]
        alive = final_left > 0
        self.sizes.update(zip(final_ids[alive].tolist(), final_left[alive].tolist(), strict=True))
        gone = final_ids[~alive].tolist()
        deque(map(self.sizes.pop, gone, repeat(None, len(gone))), maxlen=0)  # pops, in C


def parse_mbp10_deltas(record: Any, ctx: RecordContext, ts_init: int) -> OrderBookDeltas:
    """An MBP-10 record as a snapshot of its (up to) ten levels per side: each record carries
    the whole top of book after the event, so the batch replaces the local book."""
    bids: list[tuple[Price, Quantity]] = []
    asks: list[tuple[Price, Quantity]] = []
    price, size = ctx.price, ctx.size
    for level in record.levels:
        if level.bid_px != UNDEF_PRICE and level.bid_sz:
            bids.append((price(level.bid_px), size(level.bid_sz)))
        if level.ask_px != UNDEF_PRICE and level.ask_sz:
            asks.append((price(level.ask_px), size(level.ask_sz)))
    return OrderBookDeltas.from_levels(
        ctx.instrument_id,
        L2Levels(bids, asks, record.sequence, _F_SNAPSHOT | _F_MBP, record.ts_event, ts_init),
    )


# -- bars -------------------------------------------------------------------------------------


def parse_bar(record: Any, bar_type: BarType, ctx: RecordContext, ts_init: int) -> Bar:
    """An OHLCV record; tradeport's ``ts_event`` is the bar's close (DBN's is its open)."""
    step = BAR_STEP_NS.get(record.rtype, 0)
    return Bar(
        bar_type,
        ctx.price(record.open),
        ctx.price(record.high),
        ctx.price(record.low),
        ctx.price(record.close),
        ctx.size(record.volume),
        record.ts_event + step,
        ts_init,
    )


# -- instruments ------------------------------------------------------------------------------


def _ts(value: int) -> int | None:
    return None if value in (dbn.UNDEF_TIMESTAMP, 0) else int(value)


def _fits(raw: int, precision: int) -> bool:
    return raw % _POW10[PRICE_DECIMALS - precision] == 0


def _info(record: Any) -> dict[str, Any]:
    keep = (
        "instrument_id",
        "raw_symbol",
        "asset",
        "security_type",
        "exchange",
        "group",
        "cfi",
        "currency",
        "underlying",
        "underlying_id",
        "contract_multiplier",
        "unit_of_measure",
        "unit_of_measure_qty",
        "min_price_increment",
        "display_factor",
        "market_depth",
        "match_algorithm",
        "leg_count",
        "publisher_id",
        "security_update_action",
    )
    out: dict[str, Any] = {}
    for name in keep:
        value = getattr(record, name, None)
        if value is not None:
            out[name] = value if isinstance(value, (int, str)) else str(value)
    return out


def parse_instrument(
    record: Any, venue: str, ts_init: int, *, symbol: str | None = None
) -> Instrument:
    """A definition record as an instrument of its family (futures and future spreads,
    options on futures (security type ``OOF``), other options and option/mixed spreads,
    stocks, FX and commodity spot), with exact
    increments from the 1e-9 fixed point. ``venue`` is the exchange MIC of the id
    (``ESZ6.XCME``); ``symbol`` overrides the raw symbol."""
    cls = record.instrument_class
    product = INSTRUMENT_CLASS_PRODUCT.get(cls)
    if product is None:
        raise ValueError(f"instrument_class {cls!r} is not loaded")
    raw_symbol = symbol or record.raw_symbol
    if not raw_symbol:
        raise ValueError("definition without raw_symbol")
    tick_raw = record.min_price_increment
    if tick_raw in (UNDEF_PRICE, 0) or tick_raw < 0:
        raise ValueError(f"min_price_increment {tick_raw!r} is not a price increment")
    precision = price_precision_of(tick_raw)
    tick = Price.from_raw(tick_raw // _POW10[PRICE_DECIMALS - precision], precision)
    lot = (
        record.min_lot_size_round_lot
        if record.min_lot_size_round_lot not in (0, 2**31 - 1, None)
        else 1
    )
    size_increment = Quantity.from_int(1)
    iid = InstrumentId(Symbol(raw_symbol), Venue(venue))
    currency = record.currency or "USD"
    multiplier_raw = record.unit_of_measure_qty
    multiplier = Quantity.from_int(1)
    if multiplier_raw not in (UNDEF_PRICE, 0) and product is not ProductType.EQUITY:
        value = fixed_to_decimal(multiplier_raw)
        if value is not None and value > 0:
            multiplier = Quantity.from_decimal(
                value.normalize() if value == value.to_integral() else value
            )
            if multiplier.precision < 0:  # normalize() of 1000 is 1E+3
                multiplier = Quantity.from_int(int(value))
    common: dict[str, Any] = {
        "id": iid,
        "raw_symbol": Symbol(raw_symbol),
        "quote_currency": currency,
        "price_precision": precision,
        "size_precision": 0,
        "price_increment": tick,
        "size_increment": size_increment,
        "multiplier": multiplier,
        "lot_size": Quantity.from_int(int(lot)),
        "min_price": _limit(record.low_limit_price, precision),
        "max_price": _limit(record.high_limit_price, precision),
        "ts_event": int(record.ts_recv if _ts(record.ts_recv) else record.ts_event),
        "ts_init": ts_init,
        "info": _info(record),
    }
    if product is ProductType.FUTURE:
        return DatedFuture(
            **common,
            underlying=record.asset or record.underlying or raw_symbol,
            settle_currency=record.settl_currency or currency,
            activation_ns=_ts(record.activation) or 0,
            expiry_ns=_ts(record.expiration) or 0,
        )
    if product is ProductType.OPTION:
        strike = record.strike_price
        kind = OptionKind.PUT if cls == dbn.InstrumentClass.PUT else OptionKind.CALL
        strike_price = (
            Price.from_raw(strike // _POW10[PRICE_DECIMALS - precision], precision)
            if strike != UNDEF_PRICE and _fits(strike, precision)
            else Price.from_raw(0 if strike == UNDEF_PRICE else strike, PRICE_DECIMALS)
        )
        option: dict[str, Any] = {
            **common,
            "underlying": record.underlying or record.asset or raw_symbol,
            "option_kind": kind,
            "strike_price": strike_price,
            "activation_ns": _ts(record.activation) or 0,
            "expiry_ns": _ts(record.expiration) or 0,
            "settle_currency": record.settl_currency or None,
        }
        if str(record.security_type) == "OOF" and record.underlying:
            # An option on a future (CME "OOF"): the underlying is a future of the same venue.
            return FutureOption(
                **option, underlying_id=InstrumentId(Symbol(record.underlying), Venue(venue))
            )
        return OptionContract(**option)
    if product is ProductType.EQUITY:
        common["multiplier"] = Quantity.from_int(1)
        return Equity(**common)
    return SpotPair(**common, base_currency=record.asset or raw_symbol)


def _limit(raw: int, precision: int) -> Price | None:
    if raw == UNDEF_PRICE or raw <= 0 or not _fits(raw, precision):
        return None
    return Price.from_raw(raw // _POW10[PRICE_DECIMALS - precision], precision)


# -- status, statistics, imbalance --------------------------------------------------------------


def parse_instrument_status(record: Any, ctx: RecordContext, ts_init: int) -> InstrumentStatus:
    """A StatusMsg as InstrumentStatus (the action says what the market does; the reason,
    when there is one, is kept as text)."""
    status = STATUS.get(record.action, MarketStatus.NOT_AVAILABLE)
    reason = record.reason
    text = None if reason is None or str(reason) in ("none", "0") else str(reason)
    return InstrumentStatus(ctx.instrument_id, status, record.ts_event, ts_init, text)


@attrs.frozen(kw_only=True)
class DatabentoStatistic(CustomData):
    """One statistics record (settlement, open interest, session high/low, ...).

    ``stat_type`` is Databento's StatType name (``SETTLEMENT_PRICE``, ``OPEN_INTEREST``...);
    ``price`` is set for price statistics, ``quantity`` for volume/interest ones.
    """

    instrument_id: InstrumentId
    stat_type: str
    price: Decimal | None
    quantity: int | None
    update_action: str
    sequence: int
    ts_ref: int | None


def parse_statistic(record: Any, ctx: RecordContext, ts_init: int) -> DatabentoStatistic:
    quantity = record.quantity
    undef_qty = getattr(dbn, "UNDEF_STAT_QUANTITY", None)
    return DatabentoStatistic(
        instrument_id=ctx.instrument_id,
        stat_type=record.stat_type.name,
        price=fixed_to_decimal(record.price),
        quantity=None if quantity == undef_qty else int(quantity),
        update_action=record.update_action.name,
        sequence=int(record.sequence),
        ts_ref=_ts(record.ts_ref),
        ts_event=record.ts_event,
        ts_init=ts_init,
    )


@attrs.frozen(kw_only=True)
class DatabentoImbalance(CustomData):
    """One auction imbalance record (equity opening/closing crosses)."""

    instrument_id: InstrumentId
    ref_price: Decimal | None
    cont_book_clr_price: Decimal | None
    auct_interest_clr_price: Decimal | None
    paired_qty: int
    total_imbalance_qty: int
    side: OrderSide | None
    auction_type: str
    significant_imbalance: str


def parse_imbalance(record: Any, ctx: RecordContext, ts_init: int) -> DatabentoImbalance:
    return DatabentoImbalance(
        instrument_id=ctx.instrument_id,
        ref_price=fixed_to_decimal(record.ref_price),
        cont_book_clr_price=fixed_to_decimal(record.cont_book_clr_price),
        auct_interest_clr_price=fixed_to_decimal(record.auct_interest_clr_price),
        paired_qty=int(record.paired_qty),
        total_imbalance_qty=int(record.total_imbalance_qty),
        side=BOOK_SIDE.get(record.side),
        auction_type=str(record.auction_type),
        significant_imbalance=str(record.significant_imbalance),
        ts_event=record.ts_event,
        ts_init=ts_init,
    )
