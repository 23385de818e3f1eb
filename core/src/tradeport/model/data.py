"""Market data: quotes, trades, bars, order book deltas, mark/index prices, funding rates,
instrument status and close, plus the :class:`CustomData` base for venue-specific data.

Every timestamp is an ``int`` of UNIX nanoseconds: ``ts_event`` when the venue says it happened,
``ts_init`` when tradeport built the object. Fields that must stay in milliseconds end in ``_ms``.

The high-volume types (QuoteTick, TradeTick, BookOrder, OrderBookDelta) do not type-check their
fields at construction: parsers build them from already-typed values millions of times, and the
static types plus :func:`tradeport.model.serialization.from_dict` (which validates everything)
guard the boundaries. They still refuse combinations that make no sense where that is cheap.

Bars come from venues, and a venue's real bar is never refused for breaking a textbook rule.
:class:`Bar` refuses only a bar that cannot describe any trades (a high below its low, which
means the parser misread the columns); an open or close outside ``[low, high]`` is kept and
logged as a warning (the first time per bar type; later ones at debug level):
BitMEX, for one, opens each bin at the previous bin's close, which can lie outside the bin's
own high and low. :attr:`Bar.is_within_range` tells such bars apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import IntFlag
from typing import Any, Self, TypeAlias

import attrs

from tradeport.errors import ValidationError
from tradeport.model.enums import (
    AggregationSource,
    AggressorSide,
    BarAggregation,
    BookAction,
    InstrumentCloseType,
    MarketStatus,
    OrderSide,
    PriceType,
    ResolutionResult,
)
from tradeport.model.identifiers import InstrumentId, TradeId
from tradeport.model.numbers import MAX_PRECISION as _MAX_PRECISION
from tradeport.model.numbers import Price, Quantity

__all__ = [
    "RecordFlag",
    "QuoteTick",
    "TradeTick",
    "BarSpecification",
    "BarType",
    "Bar",
    "BookOrder",
    "OrderBookDelta",
    "OrderBookDeltas",
    "L2Levels",
    "OrderBookDeltaColumns",
    "MarkPriceUpdate",
    "IndexPriceUpdate",
    "FundingRateUpdate",
    "InstrumentStatus",
    "InstrumentClose",
    "InstrumentResolved",
    "CustomData",
    "MarketData",
]


class RecordFlag(IntFlag):
    """Bit flags on order book deltas (the values match NautilusTrader and Databento)."""

    #: Last record of an event (a batch): consumers may act on the book now.
    F_LAST = 128
    #: Top-of-book record.
    F_TOB = 64
    #: Part of a snapshot: the batch replaces the book.
    F_SNAPSHOT = 32
    #: Market-by-price (aggregated level) record.
    F_MBP = 16


_F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)


# The hot types (QuoteTick, TradeTick, BookOrder, OrderBookDelta) have hand-written __init__s
# that store through the slot descriptors directly: 20-30% cheaper than attrs' frozen __init__
# (which goes through object.__setattr__ by name), measured in bench/bench_model.py. attrs
# still provides eq, hash, repr, immutability and the field list cattrs uses.
#
# Their slots live in a plain private base class (``_TradeTickSlots``...; attrs reuses
# inherited slots, so the layout is the same). That makes the ``trusted`` constructors
# possible: they fill a base instance with ordinary attribute stores (no frozen
# ``__setattr__`` in the way, about 10 ns each instead of about 45 through a descriptor
# call) and then set its ``__class__`` to the public class, which CPython allows because a
# subclass that adds no slots has the same layout. The result is an ordinary instance of the
# public class (frozen, hashable, picklable), built in well under half the time.

# Typed as Any: the slot bases declare no attributes for mypy (their stores are checked
# by the tests that compare trusted and checked constructions).
_new: Any = object.__new__


def _slot_setters(cls: type, *names: str) -> tuple[Any, ...]:
    """The slot descriptors' ``__set__`` of ``names``, bypassing the frozen ``__setattr__``."""
    return tuple(getattr(cls, name).__set__ for name in names)


class _QuoteTickSlots:
    """Storage of :class:`QuoteTick` (see the comment above)."""

    __slots__ = (
        "__weakref__",
        "ask_price",
        "ask_size",
        "bid_price",
        "bid_size",
        "instrument_id",
        "ts_event",
        "ts_init",
    )


class _TradeTickSlots:
    """Storage of :class:`TradeTick` (see the comment above)."""

    __slots__ = (
        "__weakref__",
        "aggressor_side",
        "instrument_id",
        "price",
        "size",
        "trade_id",
        "ts_event",
        "ts_init",
    )


class _BookOrderSlots:
    """Storage of :class:`BookOrder` (see the comment above)."""

    __slots__ = ("__weakref__", "order_id", "price", "side", "size")


class _OrderBookDeltaSlots:
    """Storage of :class:`OrderBookDelta` (see the comment above)."""

    __slots__ = (
        "__weakref__",
        "action",
        "flags",
        "instrument_id",
        "order",
        "sequence",
        "ts_event",
        "ts_init",
    )


@attrs.frozen(init=False)
class QuoteTick(_QuoteTickSlots):
    """Best bid and offer at a moment."""

    instrument_id: InstrumentId
    bid_price: Price
    ask_price: Price
    bid_size: Quantity
    ask_size: Quantity
    ts_event: int
    ts_init: int

    def __init__(
        self,
        instrument_id: InstrumentId,
        bid_price: Price,
        ask_price: Price,
        bid_size: Quantity,
        ask_size: Quantity,
        ts_event: int,
        ts_init: int,
    ) -> None:
        """Store the fields (typed by the caller; no per-field checks on this hot path)."""
        _QT_SET[0](self, instrument_id)
        _QT_SET[1](self, bid_price)
        _QT_SET[2](self, ask_price)
        _QT_SET[3](self, bid_size)
        _QT_SET[4](self, ask_size)
        _QT_SET[5](self, ts_event)
        _QT_SET[6](self, ts_init)

    @staticmethod
    def trusted(
        instrument_id: InstrumentId,
        bid_price: Price,
        ask_price: Price,
        bid_size: Quantity,
        ask_size: Quantity,
        ts_event: int,
        ts_init: int,
    ) -> QuoteTick:
        """Same as the constructor, about twice as fast, for parsers' hot paths.

        Callers must pass values of the declared types (nothing is checked; neither does the
        constructor, but this one also cannot build subclasses).
        """
        obj = _new(_QuoteTickSlots)
        obj.instrument_id = instrument_id
        obj.bid_price = bid_price
        obj.ask_price = ask_price
        obj.bid_size = bid_size
        obj.ask_size = ask_size
        obj.ts_event = ts_event
        obj.ts_init = ts_init
        obj.__class__ = QuoteTick  # same layout: see the note on the slot base classes
        return obj  # type: ignore[return-value]


_QT_SET = _slot_setters(QuoteTick, *(f.name for f in attrs.fields(QuoteTick)))


@attrs.frozen(init=False)
class TradeTick(_TradeTickSlots):
    """One trade printed by the venue; ``aggressor_side`` says who crossed the spread."""

    instrument_id: InstrumentId
    price: Price
    size: Quantity
    aggressor_side: AggressorSide
    trade_id: TradeId
    ts_event: int
    ts_init: int

    def __init__(
        self,
        instrument_id: InstrumentId,
        price: Price,
        size: Quantity,
        aggressor_side: AggressorSide,
        trade_id: TradeId,
        ts_event: int,
        ts_init: int,
    ) -> None:
        """Store the fields (typed by the caller; no per-field checks on this hot path)."""
        _TT_SET[0](self, instrument_id)
        _TT_SET[1](self, price)
        _TT_SET[2](self, size)
        _TT_SET[3](self, aggressor_side)
        _TT_SET[4](self, trade_id)
        _TT_SET[5](self, ts_event)
        _TT_SET[6](self, ts_init)

    @staticmethod
    def trusted(
        instrument_id: InstrumentId,
        price: Price,
        size: Quantity,
        aggressor_side: AggressorSide,
        trade_id: TradeId,
        ts_event: int,
        ts_init: int,
    ) -> TradeTick:
        """Same as the constructor, about twice as fast, for parsers' hot paths.

        Callers must pass values of the declared types (nothing is checked).
        """
        obj = _new(_TradeTickSlots)
        obj.instrument_id = instrument_id
        obj.price = price
        obj.size = size
        obj.aggressor_side = aggressor_side
        obj.trade_id = trade_id
        obj.ts_event = ts_event
        obj.ts_init = ts_init
        obj.__class__ = TradeTick  # same layout: see the note on the slot base classes
        return obj  # type: ignore[return-value]


_TT_SET = _slot_setters(TradeTick, *(f.name for f in attrs.fields(TradeTick)))


def _check_step(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value.__class__ is not int or value <= 0:
        raise ValidationError("step", value, "must be a positive int")


@attrs.frozen(order=False)
class BarSpecification:
    """How bars are aggregated: ``1-MINUTE-LAST`` is one-minute bars of last prices."""

    step: int = attrs.field(validator=_check_step)
    aggregation: BarAggregation
    price_type: PriceType

    @classmethod
    def from_str(cls, value: str) -> BarSpecification:
        """Parse ``"1-MINUTE-LAST"``."""
        parts = value.split("-") if value.__class__ is str else []
        if len(parts) != 3:
            raise ValidationError("BarSpecification", value, "is not 'STEP-AGGREGATION-PRICE_TYPE'")
        step, aggregation, price_type = parts
        if not (step.isascii() and step.isdigit()):
            raise ValidationError("BarSpecification.step", step, "must be a positive int")
        try:
            return cls(int(step), BarAggregation(aggregation), PriceType(price_type))
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError("BarSpecification", value, f"is not valid: {exc}") from None

    def __str__(self) -> str:
        return f"{self.step}-{self.aggregation.value}-{self.price_type.value}"


@attrs.frozen
class BarType:
    """An instrument plus a bar specification plus who aggregates
    (``BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL``)."""

    instrument_id: InstrumentId
    spec: BarSpecification
    aggregation_source: AggregationSource = AggregationSource.EXTERNAL

    @classmethod
    def from_str(cls, value: str) -> BarType:
        """Parse ``"BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"`` (split from the right, since
        symbols may contain dashes)."""
        parts = value.rsplit("-", 4) if value.__class__ is str else []
        if len(parts) != 5:
            raise ValidationError(
                "BarType", value, "is not 'INSTRUMENT_ID-STEP-AGGREGATION-PRICE_TYPE-SOURCE'"
            )
        instrument, step, aggregation, price_type, source = parts
        try:
            return cls(
                InstrumentId.from_str(instrument),
                BarSpecification.from_str(f"{step}-{aggregation}-{price_type}"),
                AggregationSource(source),
            )
        except ValueError as exc:
            raise ValidationError("BarType", value, f"is not valid: {exc}") from None

    def __str__(self) -> str:
        return f"{self.instrument_id}-{self.spec}-{self.aggregation_source.value}"


@attrs.frozen
class Bar:
    """An OHLCV bar; ``ts_event`` is the bar's close time (its open time plus one interval).

    Checked: ``high`` must not be below ``low`` (ValidationError naming ``high``). Only warned
    about: an ``open`` or ``close`` outside ``[low, high]``. Venues do send such bars (a BitMEX
    bin opens at the previous bin's close), so they are kept as the venue sent them and
    :attr:`is_within_range` is False; see the module docstring.
    """

    bar_type: BarType
    open: Price
    high: Price
    low: Price
    close: Price
    volume: Quantity
    ts_event: int
    ts_init: int

    def __attrs_post_init__(self) -> None:
        if self.high < self.low:
            raise ValidationError("high", str(self.high), f"is below low {self.low}")
        if not self.is_within_range:
            _warn_out_of_range(self)

    @property
    def is_within_range(self) -> bool:
        """Whether open and close both lie within ``[low, high]`` (the textbook bar)."""
        return self.low <= self.open <= self.high and self.low <= self.close <= self.high


_log = logging.getLogger(__name__)
#: Bar types whose out-of-range bar was logged at warning level (later ones go to debug).
_WARNED_BAR_TYPES: set[BarType] = set()


def _warn_out_of_range(bar: Bar) -> None:
    first = bar.bar_type not in _WARNED_BAR_TYPES
    _WARNED_BAR_TYPES.add(bar.bar_type)
    _log.log(
        logging.WARNING if first else logging.DEBUG,
        "bar %s at %d: open %s / close %s outside [low %s, high %s], kept as the venue sent it",
        bar.bar_type,
        bar.ts_event,
        bar.open,
        bar.close,
        bar.low,
        bar.high,
    )


@attrs.frozen(init=False)
class BookOrder(_BookOrderSlots):
    """One order (L3) or one aggregated price level (L2, ``order_id`` 0) in a book."""

    side: OrderSide
    price: Price
    size: Quantity
    order_id: int | str = 0

    def __init__(
        self, side: OrderSide, price: Price, size: Quantity, order_id: int | str = 0
    ) -> None:
        """Store the fields (typed by the caller; no per-field checks on this hot path)."""
        _BO_SET[0](self, side)
        _BO_SET[1](self, price)
        _BO_SET[2](self, size)
        _BO_SET[3](self, order_id)

    @staticmethod
    def trusted(
        side: OrderSide, price: Price, size: Quantity, order_id: int | str = 0
    ) -> BookOrder:
        """Same as the constructor, faster, for parsers' hot paths.

        Callers must pass values of the declared types (nothing is checked).
        """
        obj = _new(_BookOrderSlots)
        obj.side = side
        obj.price = price
        obj.size = size
        obj.order_id = order_id
        obj.__class__ = BookOrder  # same layout: see the note on the slot base classes
        return obj  # type: ignore[return-value]


_BO_SET = _slot_setters(BookOrder, *(f.name for f in attrs.fields(BookOrder)))


@attrs.frozen(init=False)
class OrderBookDelta(_OrderBookDeltaSlots):
    """One change to an order book: add, update or delete ``order``, or clear the book
    (``order`` is None only for CLEAR). ``sequence`` is the venue's update id where it has one.
    """

    instrument_id: InstrumentId
    action: BookAction
    order: BookOrder | None
    flags: int
    sequence: int
    ts_event: int
    ts_init: int

    def __init__(
        self,
        instrument_id: InstrumentId,
        action: BookAction,
        order: BookOrder | None,
        flags: int,
        sequence: int,
        ts_event: int,
        ts_init: int,
    ) -> None:
        """Store the fields; refuses an order on CLEAR and a missing one otherwise."""
        # One identity test on the hot path; CLEAR is the only action without an order.
        if (order is None) is not (action is _CLEAR):
            if order is None:
                raise ValidationError("order", None, f"is required for {action}")
            raise ValidationError("order", order, "must be None for CLEAR")
        _OBD_SET[0](self, instrument_id)
        _OBD_SET[1](self, action)
        _OBD_SET[2](self, order)
        _OBD_SET[3](self, flags)
        _OBD_SET[4](self, sequence)
        _OBD_SET[5](self, ts_event)
        _OBD_SET[6](self, ts_init)

    @staticmethod
    def trusted_level(
        instrument_id: InstrumentId,
        action: BookAction,
        side: OrderSide,
        price: Price,
        size: Quantity,
        flags: int,
        sequence: int,
        ts_event: int,
        ts_init: int,
    ) -> OrderBookDelta:
        """An ADD/UPDATE/DELETE of one aggregated (L2, ``order_id`` 0) level: the
        ``BookOrder`` and the delta in one call, several times cheaper than the constructors.

        For parsers' hot paths: callers must pass values of the declared types and an
        ``action`` other than CLEAR (nothing is checked).
        """
        order = _new(_BookOrderSlots)
        order.side = side
        order.price = price
        order.size = size
        order.order_id = 0
        order.__class__ = BookOrder  # same layout: see the note on the slot base classes
        obj = _new(_OrderBookDeltaSlots)
        obj.instrument_id = instrument_id
        obj.action = action
        obj.order = order
        obj.flags = flags
        obj.sequence = sequence
        obj.ts_event = ts_event
        obj.ts_init = ts_init
        obj.__class__ = OrderBookDelta
        return obj  # type: ignore[return-value]

    @staticmethod
    def trusted(
        instrument_id: InstrumentId,
        action: BookAction,
        order: BookOrder | None,
        flags: int,
        sequence: int,
        ts_event: int,
        ts_init: int,
    ) -> OrderBookDelta:
        """Same as the constructor without its check, for parsers' hot paths (L3 records, one
        delta per venue order event).

        Callers must pass values of the declared types and an order for every action but
        CLEAR (nothing is checked).
        """
        obj = _new(_OrderBookDeltaSlots)
        obj.instrument_id = instrument_id
        obj.action = action
        obj.order = order
        obj.flags = flags
        obj.sequence = sequence
        obj.ts_event = ts_event
        obj.ts_init = ts_init
        obj.__class__ = OrderBookDelta
        return obj  # type: ignore[return-value]

    @classmethod
    def clear(
        cls, instrument_id: InstrumentId, sequence: int, ts_event: int, ts_init: int, flags: int = 0
    ) -> OrderBookDelta:
        """A CLEAR delta (starts a snapshot)."""
        return cls(instrument_id, BookAction.CLEAR, None, flags, sequence, ts_event, ts_init)

    @property
    def is_snapshot(self) -> bool:
        """Whether this delta belongs to a snapshot."""
        return bool(self.flags & _F_SNAPSHOT)


_OBD_SET = _slot_setters(OrderBookDelta, *(f.name for f in attrs.fields(OrderBookDelta)))
_CLEAR = BookAction.CLEAR
_ADD = BookAction.ADD
_UPDATE = BookAction.UPDATE
_DELETE = BookAction.DELETE
_BUY = OrderSide.BUY
_SELL = OrderSide.SELL
_F_LAST = int(RecordFlag.F_LAST)


def _check_deltas(
    instance: OrderBookDeltas, attribute: attrs.Attribute[object], value: object
) -> None:
    if value.__class__ is not tuple or not value:
        raise ValidationError("deltas", value, "must be a non-empty tuple of OrderBookDelta")


class _OrderBookDeltasSlots:
    """Storage of :class:`OrderBookDeltas`: its two fields plus ``_levels``, the parsed
    levels of a batch whose delta objects are not built yet (see
    :meth:`OrderBookDeltas.from_levels`)."""

    __slots__ = ("__weakref__", "_levels", "deltas", "instrument_id")


@attrs.frozen
class OrderBookDeltas(_OrderBookDeltasSlots):
    """A batch of deltas for one instrument that belong to one venue event (one message).

    A batch whose first delta carries ``F_SNAPSHOT`` is a snapshot: it replaces the book.
    ``sequence``, ``flags``, ``ts_event`` and ``ts_init`` are those of the last delta.

    A batch made by :meth:`from_levels` (what stream parsers make) holds the parsed
    ``(price, size)`` levels and builds its :class:`OrderBookDelta` objects the first time
    ``deltas`` is read: a consumer that only applies batches to an :class:`OrderBook` never
    pays for them (two objects a level, most of a depth message's cost). Either way the
    batch is the same value: equal, hashed, printed and serialized alike.
    """

    instrument_id: InstrumentId
    deltas: tuple[OrderBookDelta, ...] = attrs.field(validator=_check_deltas)

    def __attrs_post_init__(self) -> None:
        iid = self.instrument_id
        for delta in self.deltas:
            if delta.instrument_id is not iid and delta.instrument_id != iid:
                raise ValidationError(
                    "deltas",
                    str(delta.instrument_id),
                    f"belongs to another instrument than {iid}",
                )

    @property
    def is_snapshot(self) -> bool:
        """Whether this batch replaces the book."""
        levels = self.levels
        if levels is not None:
            return bool(levels.flags & _F_SNAPSHOT)
        return bool(self.deltas[0].flags & _F_SNAPSHOT)

    @property
    def sequence(self) -> int:
        """The sequence of the last delta."""
        levels = self.levels
        return levels.sequence if levels is not None else self.deltas[-1].sequence

    @property
    def flags(self) -> int:
        """The flags of the last delta."""
        levels = self.levels
        if levels is not None:
            return levels.flags | _F_LAST
        return self.deltas[-1].flags

    @property
    def ts_event(self) -> int:
        """The event time of the last delta."""
        levels = self.levels
        return levels.ts_event if levels is not None else self.deltas[-1].ts_event

    @property
    def ts_init(self) -> int:
        """The init time of the last delta."""
        levels = self.levels
        return levels.ts_init if levels is not None else self.deltas[-1].ts_init

    @property
    def levels(self) -> L2Levels | None:
        """The parsed levels while the delta objects are not built yet, else None (for
        :class:`~tradeport.book.OrderBook`'s fast path; everyone else reads ``deltas``)."""
        try:
            return _levels_get(self)  # type: ignore[no-any-return]
        except AttributeError:
            return None

    def __len__(self) -> int:
        levels = self.levels
        if levels is not None:
            return levels.count
        return len(self.deltas)

    @classmethod
    def trusted(cls, instrument_id: InstrumentId, deltas: tuple[OrderBookDelta, ...]) -> Self:
        """Same as the constructor without its checks, for parsers that built ``deltas``
        themselves: callers must pass a non-empty tuple of deltas of ``instrument_id``."""
        obj = _new(cls)
        _instrument_id_set(obj, instrument_id)
        _deltas_set(obj, deltas)
        return obj  # type: ignore[return-value]

    @classmethod
    def from_levels(cls, instrument_id: InstrumentId, levels: L2Levels) -> Self:
        """A batch of aggregated (L2) levels whose delta objects are built when first read.

        For stream parsers (:meth:`tradeport.model.decoding.InstrumentDecoder.l2_deltas`):
        ``levels`` must hold at least one level, or be a snapshot (nothing is checked).
        """
        obj = _new(cls)
        _instrument_id_set(obj, instrument_id)
        _levels_set(obj, levels)
        return obj  # type: ignore[return-value]


class L2Levels:
    """One message of aggregated levels, parsed: ``bids`` and ``asks`` are lists of
    ``(Price, Quantity)``. In an update a zero size deletes the level and any other size sets
    it; a snapshot (``flags`` has F_SNAPSHOT) first clears the book and adds every level.
    ``flags`` are those of every delta but the last, which also carries F_LAST.

    The inside of an :meth:`OrderBookDeltas.from_levels` batch, not a value of its own (no
    equality; read-only by convention): a plain slots class because it is made once per depth
    message, where an attrs frozen __init__ would cost as much as decoding the levels.
    """

    __slots__ = ("asks", "bids", "flags", "sequence", "ts_event", "ts_init")

    def __init__(
        self,
        bids: list[tuple[Price, Quantity]],
        asks: list[tuple[Price, Quantity]],
        sequence: int,
        flags: int,
        ts_event: int,
        ts_init: int,
    ) -> None:
        self.bids = bids
        self.asks = asks
        self.sequence = sequence
        self.flags = flags
        self.ts_event = ts_event
        self.ts_init = ts_init

    def __repr__(self) -> str:
        return (
            f"L2Levels(bids={len(self.bids)}, asks={len(self.asks)}, "
            f"sequence={self.sequence}, flags={self.flags})"
        )

    @property
    def count(self) -> int:
        """How many deltas these levels make (a snapshot starts with CLEAR)."""
        return len(self.bids) + len(self.asks) + (1 if self.flags & _F_SNAPSHOT else 0)

    def build(self, instrument_id: InstrumentId) -> tuple[OrderBookDelta, ...]:
        """The OrderBookDelta objects of these levels, in order: bids, then asks; the last
        one carries F_LAST."""
        sequence, ts_event, ts_init = self.sequence, self.ts_event, self.ts_init
        flags = self.flags
        snapshot = bool(flags & _F_SNAPSHOT)
        deltas: list[OrderBookDelta] = []
        append = deltas.append
        if snapshot:
            append(OrderBookDelta.clear(instrument_id, sequence, ts_event, ts_init, flags))
        new, order_slots, delta_slots = _new, _BookOrderSlots, _OrderBookDeltaSlots
        for side, levels in ((_BUY, self.bids), (_SELL, self.asks)):
            for price, size in levels:
                # OrderBookDelta.trusted_level inlined: a call per level is a fifth of the cost.
                order = new(order_slots)
                order.side = side
                order.price = price
                order.size = size
                order.order_id = 0
                order.__class__ = BookOrder
                delta = new(delta_slots)
                delta.instrument_id = instrument_id
                delta.action = _ADD if snapshot else _UPDATE if size.raw else _DELETE
                delta.order = order
                delta.flags = flags
                delta.sequence = sequence
                delta.ts_event = ts_event
                delta.ts_init = ts_init
                delta.__class__ = OrderBookDelta
                append(delta)
        # Only the last delta ends the event; set once here instead of counting every level.
        _delta_flags_set(deltas[-1], flags | _F_LAST)
        return tuple(deltas)


_delta_flags_set = _OrderBookDeltaSlots.__dict__["flags"].__set__
_levels_get = _OrderBookDeltasSlots.__dict__["_levels"].__get__
_levels_set = _OrderBookDeltasSlots.__dict__["_levels"].__set__
_levels_del = _OrderBookDeltasSlots.__dict__["_levels"].__delete__
_instrument_id_set = _OrderBookDeltasSlots.__dict__["instrument_id"].__set__
_deltas_slot = _OrderBookDeltasSlots.__dict__["deltas"]
_deltas_get = _deltas_slot.__get__
_deltas_set = _deltas_slot.__set__


def _read_deltas(self: OrderBookDeltas) -> tuple[OrderBookDelta, ...]:
    try:
        return _deltas_get(self)  # type: ignore[no-any-return]
    except AttributeError:
        levels = _levels_get(self)  # AttributeError here too: the batch was never filled
        deltas = levels.build(self.instrument_id)
        _deltas_set(self, deltas)
        _levels_del(self)
        return deltas  # type: ignore[no-any-return]


def _column_list(column: Any) -> list[Any]:
    """A column as a list of Python ints (numpy arrays convert in C through ``tolist``)."""
    tolist = getattr(column, "tolist", None)
    return tolist() if tolist is not None else list(column)  # type: ignore[no-any-return]


_POW10 = tuple(10**i for i in range(_MAX_PRECISION + 1))
_DELTA_COLUMNS = (
    "actions",
    "sides",
    "prices",
    "sizes",
    "order_ids",
    "flags",
    "sequences",
    "ts_events",
    "ts_inits",
)


class OrderBookDeltaColumns:
    """Many consecutive events' deltas of one instrument, held as columns: what a columnar
    decoder (a binary feed read with array views, a Parquet or Arrow batch) makes without
    building a Python object per delta.

    The per-event :class:`OrderBookDeltas` and their :class:`OrderBookDelta` objects are built
    only when read (:meth:`events`, :meth:`deltas`, iteration), and
    :meth:`tradeport.book.OrderBook.apply_columns` applies the columns to a book directly; a
    consumer that only keeps a book never pays for the objects.

    Every column is a sequence of ints of the same length, one entry per delta (a list, an
    ``array.array``, a numpy array: anything with ``len`` that iterates or has ``tolist``):

    * ``actions``: codes of :attr:`ACTIONS` (0 ADD, 1 UPDATE, 2 DELETE, 3 CLEAR);
    * ``sides``: codes of :attr:`SIDES` (0 BUY, 1 SELL);
    * ``prices``: raw prices at ``price_precision`` (``Price.from_raw``); with
      ``instrument_price_precision`` (coarser) set, each price exact at that precision is
      built there (a feed in 1e-9 units: ``5000.25``, not ``5000.250000000``), any other at
      ``price_precision``: exact either way;
    * ``sizes``: raw sizes at ``size_precision`` (``Quantity.from_raw``);
    * ``order_ids``, ``flags``, ``sequences``, ``ts_events``, ``ts_inits``.

    A CLEAR's side, price, size and order id are ignored (its delta has no order). Events end
    at the deltas whose flags carry F_LAST, and the last delta of the columns must carry it:
    a batch never ends inside an event. The columns are read-only by convention.
    """

    __slots__ = (
        "_deltas",
        "actions",
        "flags",
        "instrument_id",
        "instrument_price_precision",
        "order_ids",
        "price_precision",
        "prices",
        "sequences",
        "sides",
        "size_precision",
        "sizes",
        "ts_events",
        "ts_inits",
    )

    instrument_id: InstrumentId
    actions: Any
    sides: Any
    prices: Any
    sizes: Any
    order_ids: Any
    flags: Any
    sequences: Any
    ts_events: Any
    ts_inits: Any
    price_precision: int
    size_precision: int
    instrument_price_precision: int | None
    _deltas: tuple[OrderBookDelta, ...]

    #: What the codes of ``actions`` mean.
    ACTIONS: tuple[BookAction, ...] = (
        BookAction.ADD,
        BookAction.UPDATE,
        BookAction.DELETE,
        BookAction.CLEAR,
    )
    #: What the codes of ``sides`` mean.
    SIDES: tuple[OrderSide, ...] = (OrderSide.BUY, OrderSide.SELL)

    def __init__(
        self,
        instrument_id: InstrumentId,
        *,
        actions: Any,
        sides: Any,
        prices: Any,
        sizes: Any,
        order_ids: Any,
        flags: Any,
        sequences: Any,
        ts_events: Any,
        ts_inits: Any,
        price_precision: int,
        size_precision: int,
        instrument_price_precision: int | None = None,
    ) -> None:
        """Store the columns after checking them (lengths, codes, the closing F_LAST);
        parsers that made the columns themselves use :meth:`trusted`."""
        columns = {
            "actions": actions,
            "sides": sides,
            "prices": prices,
            "sizes": sizes,
            "order_ids": order_ids,
            "flags": flags,
            "sequences": sequences,
            "ts_events": ts_events,
            "ts_inits": ts_inits,
        }
        count = len(actions)
        if not count:
            raise ValidationError("actions", [], "must hold at least one delta")
        for name, column in columns.items():
            if len(column) != count:
                raise ValidationError(
                    name, f"{len(column)} entries", f"must have as many as actions ({count})"
                )
        for name, codes in (("actions", actions), ("sides", sides)):
            valid = range(len(self.ACTIONS if name == "actions" else self.SIDES))
            for code in _column_list(codes):
                if code not in valid:
                    raise ValidationError(name, code, f"is not a code in {valid}")
        for name, precision in (
            ("price_precision", price_precision),
            ("size_precision", size_precision),
        ):
            if precision.__class__ is not int or not 0 <= precision <= _MAX_PRECISION:
                raise ValidationError(name, precision, f"must be an int in 0..{_MAX_PRECISION}")
        if instrument_price_precision is not None and (
            instrument_price_precision.__class__ is not int
            or not 0 <= instrument_price_precision <= price_precision
        ):
            raise ValidationError(
                "instrument_price_precision",
                instrument_price_precision,
                f"must be None or an int in 0..price_precision ({price_precision})",
            )
        if not int(flags[-1]) & _F_LAST:
            raise ValidationError("flags", int(flags[-1]), "of the last delta must carry F_LAST")
        self.instrument_id = instrument_id
        for name, column in columns.items():
            setattr(self, name, column)
        self.price_precision = price_precision
        self.size_precision = size_precision
        self.instrument_price_precision = instrument_price_precision

    @classmethod
    def trusted(cls, instrument_id: InstrumentId, **columns: Any) -> OrderBookDeltaColumns:
        """Same as the constructor (same keywords) without its checks, for parsers that made
        the columns themselves (nothing is checked: one pass over each column saved)."""
        obj: OrderBookDeltaColumns = _new(cls)
        obj.instrument_id = instrument_id
        obj.instrument_price_precision = None
        for name, value in columns.items():
            setattr(obj, name, value)
        return obj

    def __len__(self) -> int:
        return len(self.actions)

    def __repr__(self) -> str:
        return (
            f"OrderBookDeltaColumns({self.instrument_id}, {len(self)} deltas, "
            f"sequence={self.sequence}, ts_event={self.ts_event})"
        )

    @property
    def sequence(self) -> int:
        """The sequence of the last delta."""
        return int(self.sequences[-1])

    @property
    def ts_event(self) -> int:
        """The event time of the last delta."""
        return int(self.ts_events[-1])

    @property
    def ts_init(self) -> int:
        """The init time of the last delta."""
        return int(self.ts_inits[-1])

    def as_lists(self, *names: str) -> tuple[list[Any], ...]:
        """The named columns as lists of Python ints (for consumers' hot loops)."""
        return tuple(_column_list(getattr(self, name)) for name in names)

    def price_builder(self) -> tuple[dict[int, Price], Callable[[int], Price]]:
        """For consumers' hot loops: a cache of raw price -> Price (look there first) and
        the function that builds and caches a missing one (see ``prices``)."""
        precision, coarse = self.price_precision, self.instrument_price_precision
        cache: dict[int, Price] = {}
        divisor = _POW10[precision - coarse] if coarse is not None else 1

        def build(raw: int) -> Price:
            if divisor != 1 and not raw % divisor:
                price = Price.from_raw(raw // divisor, coarse)  # type: ignore[arg-type]
            else:
                price = Price.from_raw(raw, precision)
            cache[raw] = price
            return price

        return cache, build

    def deltas(self) -> tuple[OrderBookDelta, ...]:
        """Every delta as an :class:`OrderBookDelta`, in order (built on the first call)."""
        try:
            return self._deltas
        except AttributeError:
            pass
        iid = self.instrument_id
        actions, sides = self.ACTIONS, self.SIDES
        size_precision = self.size_precision
        prices, build_price = self.price_builder()
        sizes: dict[int, Quantity] = {}
        new, order_slots, delta_slots = _new, _BookOrderSlots, _OrderBookDeltaSlots
        clear = _CLEAR
        out: list[OrderBookDelta] = []
        append = out.append
        for code, side, raw_price, raw_size, order_id, flags, sequence, ts_event, ts_init in zip(
            *self.as_lists(*_DELTA_COLUMNS), strict=True
        ):
            action = actions[code]
            delta = new(delta_slots)
            if action is clear:
                delta.order = None
            else:
                # BookOrder.trusted inlined, with Price/Quantity memoized (they repeat).
                price = prices.get(raw_price) or build_price(raw_price)
                size = sizes.get(raw_size)
                if size is None:
                    size = sizes[raw_size] = Quantity.from_raw(raw_size, size_precision)
                order = new(order_slots)
                order.side = sides[side]
                order.price = price
                order.size = size
                order.order_id = order_id
                order.__class__ = BookOrder
                delta.order = order
            delta.instrument_id = iid
            delta.action = action
            delta.flags = flags
            delta.sequence = sequence
            delta.ts_event = ts_event
            delta.ts_init = ts_init
            delta.__class__ = OrderBookDelta
            append(delta)
        built = tuple(out)
        self._deltas = built
        return built

    def events(self) -> list[OrderBookDeltas]:
        """One :class:`OrderBookDeltas` per event (split after each F_LAST), in order."""
        deltas = self.deltas()
        iid = self.instrument_id
        out: list[OrderBookDeltas] = []
        start = 0
        for index, delta in enumerate(deltas):
            if delta.flags & _F_LAST:
                out.append(OrderBookDeltas.trusted(iid, deltas[start : index + 1]))
                start = index + 1
        if start < len(deltas):  # only a trusted batch can end inside an event
            out.append(OrderBookDeltas.trusted(iid, deltas[start:]))
        return out

    def __iter__(self) -> Iterator[OrderBookDeltas]:
        return iter(self.events())


# ``deltas`` reads through a property that builds the objects of a from_levels batch on first
# use. attrs' generated methods (eq, hash, repr, pickling) and cattrs read the attribute, so
# they see the built tuple; the frozen __setattr__ still refuses assignment, and the property's
# setter is what attrs' __init__ and unpickling store through (object.__setattr__).
OrderBookDeltas.deltas = property(_read_deltas, _deltas_set)  # type: ignore[assignment,method-assign]


@attrs.frozen
class MarkPriceUpdate:
    """The venue's mark price for a derivative."""

    instrument_id: InstrumentId
    value: Price
    ts_event: int
    ts_init: int


@attrs.frozen
class IndexPriceUpdate:
    """The venue's index (spot reference) price."""

    instrument_id: InstrumentId
    value: Price
    ts_event: int
    ts_init: int


@attrs.frozen
class FundingRateUpdate:
    """A perpetual's funding rate (``0.0001`` is 1 bp per interval).

    ``next_funding_ns`` is when the next funding happens; ``interval_ns`` the funding period
    (8 hours on most venues), both where the venue says so.
    """

    instrument_id: InstrumentId
    rate: Decimal
    ts_event: int
    ts_init: int
    next_funding_ns: int | None = None
    interval_ns: int | None = None


@attrs.frozen
class InstrumentStatus:
    """A change in an instrument's market status (open, halted, ...)."""

    instrument_id: InstrumentId
    status: MarketStatus
    ts_event: int
    ts_init: int
    reason: str | None = None


@attrs.frozen
class InstrumentClose:
    """The close (end of session) or settlement (contract expired) price of an instrument."""

    instrument_id: InstrumentId
    close_price: Price
    close_type: InstrumentCloseType
    ts_event: int
    ts_init: int


@attrs.frozen
class InstrumentResolved:
    """A betting selection or an outcome token resolved: its ``result`` and the ``payout`` per
    unit (1 for a winning binary token, 0 for a loser, 0.5 for a 50-50 resolution; for a
    betting runner the dead-heat adjusted fraction of a win, 1 when none)."""

    instrument_id: InstrumentId
    result: ResolutionResult
    payout: Decimal
    ts_event: int
    ts_init: int

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.result, ResolutionResult):
            raise ValidationError("result", self.result, "must be a ResolutionResult")
        payout = self.payout
        if not isinstance(payout, Decimal) or not payout.is_finite() or payout < 0:
            raise ValidationError("payout", payout, "must be a non-negative Decimal")


@attrs.frozen(kw_only=True)
class CustomData:
    """Base for venue-specific data a plugin publishes (a 24h ticker, an extended bar).

    Subclass it with ``@attrs.frozen(kw_only=True)`` and register the subclass with
    :func:`tradeport.model.serialization.register_type` so tagged streams can carry it.
    """

    ts_event: int
    ts_init: int


#: Any built-in market data object.
MarketData: TypeAlias = (
    QuoteTick
    | TradeTick
    | Bar
    | OrderBookDelta
    | OrderBookDeltas
    | MarkPriceUpdate
    | IndexPriceUpdate
    | FundingRateUpdate
    | InstrumentStatus
    | InstrumentClose
    | InstrumentResolved
    | CustomData
)
