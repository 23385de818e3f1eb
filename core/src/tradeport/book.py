"""Order books and their synchronisation with a venue.

:class:`OrderBook` keeps a local L1/L2/L3 book up to date from :class:`OrderBookDelta` /
:class:`OrderBookDeltas`. Each side is a dict from an integer price key to its level plus a
sorted list of keys maintained with :mod:`bisect` (C-level int compares), so applying a
delta costs a dict operation and, only when a level appears or disappears, one insort.

:class:`BookSynchronizer` is the venue-neutral snapshot + buffered-delta procedure: deltas are
buffered while a snapshot is fetched, batches not newer than the snapshot are dropped, the
first applied batch must continue the snapshot and each later one the batch before it (rules
supplied by the venue as a :class:`SequencePolicy`), a gap or a failed checksum triggers a
resync. Venues without sequence numbers (Kraken, Polymarket's book hash) use
:class:`ChecksumOnly`: continuity is the venue's checksum after each message. ``max_depth``
truncates the book to the depth a venue maintains (levels that fall out of it get no delete).
:func:`crc32` and :func:`sha1_hex` are the hashes venue checksums are made of. It uses anyio
only, so it runs on asyncio and trio.
"""

from __future__ import annotations

import decimal
import hashlib
import logging
import zlib
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import anyio
import anyio.lowlevel
import attrs

from tradeport.errors import ValidationError
from tradeport.model.data import (
    BookOrder,
    OrderBookDelta,
    OrderBookDeltaColumns,
    OrderBookDeltas,
    RecordFlag,
)
from tradeport.model.enums import BookAction, BookType, OrderSide
from tradeport.model.identifiers import InstrumentId
from tradeport.model.numbers import MAX_PRECISION, Price, Quantity

__all__ = [
    "BookLevel",
    "OrderBook",
    "DeltaBatch",
    "SequencePolicy",
    "ContiguousRange",
    "LinkedPrevious",
    "BookSyncStats",
    "BookSynchronizer",
    "ChecksumOnly",
    "TimestampOrdered",
    "crc32",
    "plain_decimal",
    "sha1_hex",
]

log = logging.getLogger(__name__)

# Typed as Any: the slot bases declare no attributes for mypy (see tradeport.model.data).
_new: Any = object.__new__
_POW10 = tuple(10**i for i in range(MAX_PRECISION + 1))
# Halving a sum of two exact prices terminates; this precision keeps it from rounding.
_EXACT = decimal.Context(prec=100)
_ADD = BookAction.ADD
_UPDATE = BookAction.UPDATE
_DELETE = BookAction.DELETE
_CLEAR = BookAction.CLEAR
_BUY = OrderSide.BUY
_F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_F_LAST = int(RecordFlag.F_LAST)


class BookLevel(NamedTuple):
    """One price level: the price and the total size resting there."""

    price: Price
    size: Quantity


def _key(price: Price) -> int:
    """An int that orders prices exactly whatever their precision."""
    return price.raw * _POW10[MAX_PRECISION - price.precision]


LevelLike = tuple[Any, Any]


class OrderBook:
    """A local order book for one instrument.

    ``book_type`` L2_MBP keeps one size per price (an UPDATE or ADD sets the level's size,
    size 0 deletes it); L3_MBO keeps individual orders by ``order_id`` (levels aggregate them,
    in arrival order); L1_MBP keeps only the top level of each side. A batch flagged
    ``F_SNAPSHOT`` replaces the whole book.

    ``sequence`` and ``ts_last`` are those of the last applied delta; ``update_count`` counts
    applied deltas.
    """

    __slots__ = (
        "_ask_keys",
        "_asks",
        "_bid_keys",
        "_bids",
        "_orders",
        "book_type",
        "instrument_id",
        "sequence",
        "ts_last",
        "update_count",
    )

    def __init__(self, instrument_id: InstrumentId, book_type: BookType = BookType.L2_MBP) -> None:
        """An empty book; ``book_type`` is L2_MBP (by price), L3_MBO (by order) or L1_MBP."""
        if not isinstance(instrument_id, InstrumentId):
            raise ValidationError("instrument_id", instrument_id, "must be an InstrumentId")
        if not isinstance(book_type, BookType):
            raise ValidationError("book_type", book_type, "must be a BookType")
        self.instrument_id = instrument_id
        self.book_type = book_type
        self.sequence = 0
        self.ts_last = 0
        self.update_count = 0
        # L1/L2: key -> (price, size). L3: key -> {order_id: BookOrder} (arrival order).
        self._bids: dict[int, Any] = {}
        self._asks: dict[int, Any] = {}
        # Ascending keys; the best bid is the last one, the best ask the first.
        self._bid_keys: list[int] = []
        self._ask_keys: list[int] = []
        # L3 only: order_id -> (is_bid, key).
        self._orders: dict[int | str, tuple[bool, int]] = {}

    # -- applying -------------------------------------------------------------------------------

    def apply(self, data: OrderBookDelta | OrderBookDeltas | OrderBookDeltaColumns) -> None:
        """Apply one delta, a batch or a columnar run of batches."""
        if isinstance(data, OrderBookDeltas):
            self.apply_deltas(data)
        elif isinstance(data, OrderBookDeltaColumns):
            self.apply_columns(data)
        else:
            self.apply_delta(data)

    def apply_deltas(self, deltas: OrderBookDeltas) -> None:
        """Apply a batch; a snapshot batch (``F_SNAPSHOT``) first clears the book."""
        self._check_instrument(deltas.instrument_id)
        levels = deltas.levels
        if levels is not None and self.book_type is BookType.L2_MBP:
            # A parser's batch whose delta objects were never built: apply its levels.
            if levels.flags & _F_SNAPSHOT:
                self.clear()
            self._apply_l2_levels(self._bids, self._bid_keys, levels.bids)
            self._apply_l2_levels(self._asks, self._ask_keys, levels.asks)
            self.sequence = levels.sequence
            self.ts_last = levels.ts_event
            self.update_count += levels.count
            return
        items = deltas.deltas
        if items[0].flags & _F_SNAPSHOT:
            self.clear()
        if self.book_type is BookType.L2_MBP:
            self._apply_l2(items)
        else:
            apply_one = self._apply_l3 if self.book_type is BookType.L3_MBO else self._apply_l1
            for delta in items:
                apply_one(delta)
        last = items[-1]
        self.sequence = last.sequence
        self.ts_last = last.ts_event
        self.update_count += len(items)

    def apply_columns(self, columns: OrderBookDeltaColumns) -> None:
        """Apply a columnar run of events, the same as applying each of its ``events()``
        in turn; an L3 book reads the columns directly and builds only the orders it keeps
        (no delta or batch objects)."""
        self._check_instrument(columns.instrument_id)
        if self.book_type is not BookType.L3_MBO:
            for batch in columns.events():
                self.apply_deltas(batch)
            return
        # The hot loop: _apply_l3 over the columns, locals on purpose.
        sides = columns.SIDES
        buy = sides.index(_BUY)
        scale = _POW10[MAX_PRECISION - columns.price_precision]
        size_precision = columns.size_precision
        prices, build_price = columns.price_builder()
        sizes: dict[int, Quantity] = {}
        orders, remove = self._orders, self._remove_order
        bids, asks, bid_keys, ask_keys = self._bids, self._asks, self._bid_keys, self._ask_keys
        clear_code = columns.ACTIONS.index(_CLEAR)
        delete_code = columns.ACTIONS.index(_DELETE)
        trusted_order = BookOrder.trusted
        event_start = True
        for code, side, raw_price, raw_size, order_id, flags in zip(
            *columns.as_lists("actions", "sides", "prices", "sizes", "order_ids", "flags"),
            strict=True,
        ):
            if event_start and flags & _F_SNAPSHOT:
                self.clear()  # a snapshot event replaces the book, as in apply_deltas
            event_start = bool(flags & _F_LAST)
            if code == clear_code:
                self.clear()
                continue
            known = orders.get(order_id)
            if code == delete_code or not raw_size:
                if known is not None:
                    remove(order_id, *known)
                continue
            is_bid = side == buy
            key = raw_price * scale
            price = prices.get(raw_price) or build_price(raw_price)
            size = sizes.get(raw_size)
            if size is None:
                size = sizes[raw_size] = Quantity.from_raw(raw_size, size_precision)
            order = trusted_order(sides[side], price, size, order_id)
            if known is not None:
                if known == (is_bid, key):
                    (bids if is_bid else asks)[key][order_id] = order  # keeps queue position
                    continue
                remove(order_id, *known)
            levels, keys = (bids, bid_keys) if is_bid else (asks, ask_keys)
            level = levels.get(key)
            if level is None:
                level = levels[key] = {}
                insort(keys, key)
            level[order_id] = order
            orders[order_id] = (is_bid, key)
        self.sequence = columns.sequence
        self.ts_last = columns.ts_event
        self.update_count += len(columns)

    def apply_delta(self, delta: OrderBookDelta) -> None:
        """Apply a single delta."""
        self._check_instrument(delta.instrument_id)
        if self.book_type is BookType.L2_MBP:
            self._apply_l2((delta,))
        elif self.book_type is BookType.L3_MBO:
            self._apply_l3(delta)
        else:
            self._apply_l1(delta)
        self.sequence = delta.sequence
        self.ts_last = delta.ts_event
        self.update_count += 1

    def _check_instrument(self, instrument_id: InstrumentId) -> None:
        if instrument_id is not self.instrument_id and instrument_id != self.instrument_id:
            raise ValidationError(
                "instrument_id",
                str(instrument_id),
                f"does not match this book's {self.instrument_id}",
            )

    def _apply_l2(self, items: Sequence[OrderBookDelta]) -> None:
        # The hot loop: locals and inlined key computation on purpose.
        bids, asks, bid_keys, ask_keys = self._bids, self._asks, self._bid_keys, self._ask_keys
        pow10 = _POW10
        max_precision = MAX_PRECISION
        for delta in items:
            action = delta.action
            if action is _CLEAR:
                self.clear()
                continue
            order = delta.order
            price = order.price  # type: ignore[union-attr]
            key = price.raw * pow10[max_precision - price.precision]
            if order.side is _BUY:  # type: ignore[union-attr]
                levels, keys = bids, bid_keys
            else:
                levels, keys = asks, ask_keys
            size = order.size  # type: ignore[union-attr]
            if action is _DELETE or not size.raw:
                if levels.pop(key, None) is not None:
                    del keys[bisect_left(keys, key)]
            else:
                if key not in levels:
                    insort(keys, key)
                levels[key] = (price, size)  # a plain tuple: cheaper than BookLevel here

    @staticmethod
    def _apply_l2_levels(
        book_levels: dict[int, Any], keys: list[int], levels: list[tuple[Price, Quantity]]
    ) -> None:
        # _apply_l2 for one side of parsed levels: size 0 deletes, any other size sets.
        pow10 = _POW10
        max_precision = MAX_PRECISION
        for level in levels:
            price = level[0]
            key = price.raw * pow10[max_precision - price.precision]
            if level[1].raw:
                if key not in book_levels:
                    insort(keys, key)
                book_levels[key] = level  # the same (price, size) tuple _apply_l2 stores
            elif book_levels.pop(key, None) is not None:
                del keys[bisect_left(keys, key)]

    def _apply_l1(self, delta: OrderBookDelta) -> None:
        if delta.action is _CLEAR:
            self.clear()
            return
        order = delta.order
        assert order is not None  # guaranteed by OrderBookDelta for non-CLEAR actions
        if order.side is _BUY:
            levels, keys = self._bids, self._bid_keys
        else:
            levels, keys = self._asks, self._ask_keys
        levels.clear()
        keys.clear()
        if delta.action is not _DELETE and order.size.raw:
            key = _key(order.price)
            levels[key] = (order.price, order.size)
            keys.append(key)

    def _apply_l3(self, delta: OrderBookDelta) -> None:
        action = delta.action
        if action is _CLEAR:
            self.clear()
            return
        order = delta.order
        assert order is not None  # guaranteed by OrderBookDelta for non-CLEAR actions
        known = self._orders.get(order.order_id)
        if action is _DELETE or not order.size.raw:
            if known is not None:
                self._remove_order(order.order_id, *known)
            return
        is_bid = order.side is _BUY
        key = _key(order.price)
        if known is not None:
            if known == (is_bid, key):
                # Same level: replace in place, keeping queue position.
                (self._bids if is_bid else self._asks)[key][order.order_id] = order
                return
            self._remove_order(order.order_id, *known)
        levels, keys = (self._bids, self._bid_keys) if is_bid else (self._asks, self._ask_keys)
        level = levels.get(key)
        if level is None:
            level = levels[key] = {}
            insort(keys, key)
        level[order.order_id] = order
        self._orders[order.order_id] = (is_bid, key)

    def _remove_order(self, order_id: int | str, is_bid: bool, key: int) -> None:
        levels, keys = (self._bids, self._bid_keys) if is_bid else (self._asks, self._ask_keys)
        level = levels[key]
        del level[order_id]
        del self._orders[order_id]
        if not level:
            del levels[key]
            del keys[bisect_left(keys, key)]

    def clear(self) -> None:
        """Remove every level and order (sequence and timestamps are kept)."""
        self._bids.clear()
        self._asks.clear()
        self._bid_keys.clear()
        self._ask_keys.clear()
        self._orders.clear()

    def truncate(self, depth: int) -> int:
        """Keep the best ``depth`` levels of each side; returns how many levels were removed.

        For venues that maintain a book of a fixed depth and send no delete for a level that
        falls out of it (Kraken: "truncate your book to the subscribed depth").
        """
        if depth < 0:
            raise ValidationError("depth", depth, "must not be negative")
        removed = 0
        bid_keys, ask_keys = self._bid_keys, self._ask_keys
        if len(bid_keys) > depth:  # best bid is the last key: drop from the front
            cut = len(bid_keys) - depth
            for key in bid_keys[:cut]:
                self._drop_level(self._bids, key, True)
            del bid_keys[:cut]
            removed += cut
        if len(ask_keys) > depth:  # best ask is the first key: drop from the back
            for key in ask_keys[depth:]:
                self._drop_level(self._asks, key, False)
            removed += len(ask_keys) - depth
            del ask_keys[depth:]
        return removed

    def _drop_level(self, levels: dict[int, Any], key: int, is_bid: bool) -> None:
        level = levels.pop(key)
        if self.book_type is BookType.L3_MBO:
            for order_id in level:
                self._orders.pop(order_id, None)

    # -- queries ----------------------------------------------------------------------------------

    def _level(self, levels: dict[int, Any], key: int) -> BookLevel:
        level = levels[key]
        if self.book_type is not BookType.L3_MBO:
            return BookLevel(*level)
        orders = iter(level.values())
        first = next(orders)
        size = first.size
        for order in orders:
            size = size + order.size
        return BookLevel(first.price, size)

    def best_bid(self) -> BookLevel | None:
        """The highest bid level, or None if there are no bids."""
        return self._level(self._bids, self._bid_keys[-1]) if self._bid_keys else None

    def best_ask(self) -> BookLevel | None:
        """The lowest ask level, or None if there are no asks."""
        return self._level(self._asks, self._ask_keys[0]) if self._ask_keys else None

    def bids(self, depth: int | None = None) -> list[BookLevel]:
        """Bid levels, best (highest) first, at most ``depth`` of them."""
        keys = self._bid_keys
        chosen = keys[::-1] if depth is None else keys[: -depth - 1 : -1] if depth > 0 else []
        return [self._level(self._bids, key) for key in chosen]

    def asks(self, depth: int | None = None) -> list[BookLevel]:
        """Ask levels, best (lowest) first, at most ``depth`` of them."""
        keys = self._ask_keys
        chosen = keys if depth is None else keys[: max(depth, 0)]
        return [self._level(self._asks, key) for key in chosen]

    def depth(self, n: int) -> tuple[list[BookLevel], list[BookLevel]]:
        """The top ``n`` levels of each side: ``(bids, asks)``."""
        return self.bids(n), self.asks(n)

    @property
    def bid_count(self) -> int:
        """Number of bid price levels."""
        return len(self._bid_keys)

    @property
    def ask_count(self) -> int:
        """Number of ask price levels."""
        return len(self._ask_keys)

    def orders(self, side: OrderSide, price: Price) -> list[BookOrder]:
        """The individual orders at one level, in arrival order (L3 books only)."""
        if self.book_type is not BookType.L3_MBO:
            raise ValidationError(
                "book_type", self.book_type, "has no individual orders (use L3_MBO)"
            )
        levels = self._bids if side is _BUY else self._asks
        return list(levels.get(_key(price), {}).values())

    def spread(self) -> Price | None:
        """Best ask minus best bid (negative when crossed), or None if a side is empty."""
        bid, ask = self.best_bid(), self.best_ask()
        if bid is None or ask is None:
            return None
        return ask.price - bid.price

    def midpoint(self) -> Decimal | None:
        """Exact mid price, or None if a side is empty."""
        bid, ask = self.best_bid(), self.best_ask()
        if bid is None or ask is None:
            return None
        return _EXACT.divide(_EXACT.add(bid.price.as_decimal(), ask.price.as_decimal()), 2)

    def is_crossed(self) -> bool:
        """Whether the best bid is at or above the best ask."""
        if not self._bid_keys or not self._ask_keys:
            return False
        return self._bid_keys[-1] >= self._ask_keys[0]

    # -- snapshots and comparison ----------------------------------------------------------

    def as_snapshot_deltas(self, ts_init: int | None = None) -> OrderBookDeltas:
        """The whole book as a snapshot batch: CLEAR then one ADD per level (or order on L3),
        all flagged ``F_SNAPSHOT``, the last also ``F_LAST``."""
        ts_event = self.ts_last
        ts = ts_event if ts_init is None else ts_init
        seq = self.sequence
        iid = self.instrument_id
        orders: list[BookOrder] = []
        for side, levels, keys in (
            (OrderSide.BUY, self._bids, reversed(self._bid_keys)),
            (OrderSide.SELL, self._asks, self._ask_keys),
        ):
            for key in keys:
                if self.book_type is BookType.L3_MBO:
                    orders.extend(levels[key].values())
                else:
                    price, size = levels[key]
                    orders.append(BookOrder(side, price, size, 0))
        deltas = [OrderBookDelta(iid, _CLEAR, None, _F_SNAPSHOT, seq, ts_event, ts)]
        deltas.extend(
            OrderBookDelta(iid, _ADD, order, _F_SNAPSHOT, seq, ts_event, ts) for order in orders
        )
        last = deltas[-1]
        deltas[-1] = attrs.evolve(last, flags=last.flags | _F_LAST)
        return OrderBookDeltas(iid, tuple(deltas))

    def compare(self, bids: Iterable[LevelLike], asks: Iterable[LevelLike]) -> list[str]:
        """Differences between this book and expected levels, best first on each side.

        Levels are ``(price, size)`` pairs of Price/Quantity, Decimal, int or str. Returns a
        list of human-readable mismatches; empty when the book matches exactly.
        """
        problems: list[str] = []
        for name, mine, expected in (("bid", self.bids(), bids), ("ask", self.asks(), asks)):
            want = [(_as_decimal(p), _as_decimal(s)) for p, s in expected]
            have = [(level.price.as_decimal(), level.size.as_decimal()) for level in mine]
            for index in range(max(len(want), len(have))):
                w = want[index] if index < len(want) else None
                h = have[index] if index < len(have) else None
                if w != h:
                    problems.append(f"{name}[{index}]: expected {_show(w)}, book has {_show(h)}")
        return problems

    def matches(self, bids: Iterable[LevelLike], asks: Iterable[LevelLike]) -> bool:
        """Whether the book holds exactly these levels (see :meth:`compare`)."""
        return not self.compare(bids, asks)

    def render(self, depth: int = 5) -> str:
        """A small text ladder (asks above bids) for logs and the CLI."""
        lines = [f"{self.instrument_id} {self.book_type} seq={self.sequence}"]
        lines.extend(f"  ask {lvl.price} x {lvl.size}" for lvl in reversed(self.asks(depth)))
        lines.extend(f"  bid {lvl.price} x {lvl.size}" for lvl in self.bids(depth))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"OrderBook({self.instrument_id}, {self.book_type}, bids={self.bid_count}, "
            f"asks={self.ask_count}, sequence={self.sequence})"
        )


def _as_decimal(value: object) -> Decimal:
    if isinstance(value, (Price, Quantity)):
        return value.as_decimal()
    if isinstance(value, (Decimal, int, str)) and not isinstance(value, bool):
        return Decimal(value)
    raise ValidationError("level", value, "must be a Price, Quantity, Decimal, int or str")


def _show(level: tuple[Decimal, Decimal] | None) -> str:
    return "nothing" if level is None else f"{level[0]} x {level[1]}"


# -- synchronisation ----------------------------------------------------------------------


class _DeltaBatchSlots:
    """Storage of :class:`DeltaBatch`, for :meth:`DeltaBatch.trusted` (the same slot-base
    trick as the hot model types: see the note in tradeport.model.data)."""

    __slots__ = (
        "__weakref__",
        "checksum",
        "deltas",
        "first_sequence",
        "last_sequence",
        "previous_sequence",
    )


@attrs.frozen
class DeltaBatch(_DeltaBatchSlots):
    """One venue message of book deltas with the sequence numbers that chain messages.

    ``first_sequence`` / ``last_sequence`` are the first and last update ids the message
    covers (Binance ``U`` / ``u``; a venue with one id per message uses it for both).
    ``previous_sequence`` is the venue's link to the message before (Binance futures ``pu``,
    OKX ``prevSeqId``). ``checksum`` is the venue's book checksum after this message (OKX).
    ``deltas`` is None for a message that advances the sequence without changing the book (an
    empty depth update): pass it on anyway, or the next message looks like a gap.
    """

    deltas: OrderBookDeltas | None
    first_sequence: int
    last_sequence: int
    previous_sequence: int | None = None
    checksum: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.first_sequence > self.last_sequence:
            raise ValidationError(
                "first_sequence",
                self.first_sequence,
                f"is after last_sequence {self.last_sequence}",
            )

    @staticmethod
    def trusted(
        deltas: OrderBookDeltas | None,
        first_sequence: int,
        last_sequence: int,
        previous_sequence: int | None = None,
        checksum: int | None = None,
    ) -> DeltaBatch:
        """Same as the constructor without its check, for stream parsers (one batch per book
        message; about five times cheaper). Callers must pass ``first_sequence <=
        last_sequence`` (the constructor raises otherwise)."""
        obj = _new(_DeltaBatchSlots)
        obj.deltas = deltas
        obj.first_sequence = first_sequence
        obj.last_sequence = last_sequence
        obj.previous_sequence = previous_sequence
        obj.checksum = checksum
        obj.__class__ = DeltaBatch
        return obj  # type: ignore[return-value]

    @classmethod
    def single(
        cls,
        deltas: OrderBookDeltas,
        previous_sequence: int | None = None,
        checksum: int | None = None,
    ) -> DeltaBatch:
        """A batch whose only sequence number is that of its (non-empty) deltas."""
        return cls(deltas, deltas.sequence, deltas.sequence, previous_sequence, checksum)


class SequencePolicy(Protocol):
    """How a venue's update ids chain (supplied by the venue plugin)."""

    def is_stale(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Whether ``batch`` adds nothing after ``last_sequence`` (drop it)."""
        ...

    def starts_after_snapshot(self, snapshot_sequence: int, batch: DeltaBatch) -> bool:
        """Whether ``batch`` (not stale) continues the snapshot with no gap."""
        ...

    def continues(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Whether ``batch`` (not stale) continues the previously applied batch."""
        ...


@attrs.frozen
class ContiguousRange:
    """Update ids increase by one per change; a message covers ``[first, last]``.

    Binance spot: drop events with ``u <= lastUpdateId``; the first applied has
    ``U <= lastUpdateId + 1 <= u``; afterwards each ``U`` must be at most the previous
    ``u + 1`` (``U == u + 1`` normally), anything above is a gap.
    """

    def is_stale(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Stale when the batch ends at or before ``last_sequence``."""
        return batch.last_sequence <= last_sequence

    def starts_after_snapshot(self, snapshot_sequence: int, batch: DeltaBatch) -> bool:
        """The batch must cover ``snapshot_sequence + 1``."""
        return batch.first_sequence <= snapshot_sequence + 1

    def continues(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """The batch must start no later than ``last_sequence + 1``."""
        return batch.first_sequence <= last_sequence + 1


@attrs.frozen
class LinkedPrevious:
    """Each message names the last id of the message before it.

    Binance futures: the first applied has ``U <= lastUpdateId <= u``, then each ``pu`` must
    equal the previous ``u``. OKX: each ``prevSeqId`` must equal the previous ``seqId`` (the
    snapshot's ``seqId`` for the first update).
    """

    def is_stale(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Stale when the batch ends at or before ``last_sequence``."""
        return batch.last_sequence <= last_sequence

    def starts_after_snapshot(self, snapshot_sequence: int, batch: DeltaBatch) -> bool:
        """Linked to the snapshot, or straddling it."""
        return (
            batch.previous_sequence == snapshot_sequence
            or batch.first_sequence <= snapshot_sequence
        )

    def continues(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Linked to the previously applied batch."""
        return batch.previous_sequence == last_sequence


@attrs.frozen
class TimestampOrdered:
    """No sequence numbers, but a venue timestamp that never goes back: batches carry it (ms or
    ns, as the venue stamps) as their sequence and never reveal a gap; a checksum is what
    catches a lost message (pair it with a ``checksum`` check).

    Polymarket: a ``price_change`` sets a level's absolute size, so a batch of the snapshot's own
    timestamp applied again changes nothing; stale therefore means *strictly older* than what the
    book reached, and every batch not stale continues the book.
    """

    def is_stale(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Strictly older than the book."""
        return batch.last_sequence < last_sequence

    def starts_after_snapshot(self, snapshot_sequence: int, batch: DeltaBatch) -> bool:
        """Anything not stale continues a snapshot."""
        return True

    def continues(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Anything not stale continues (the checksum checks it)."""
        return True


@attrs.frozen
class ChecksumOnly:
    """No sequence numbers: continuity is the venue's checksum after each message.

    For Kraken (CRC32 of the top 10 levels), Polymarket (a SHA-1 book hash) and OKX once its
    sequence fields are gone. Every batch continues the book; the synchronizer requires a
    ``checksum`` check and resyncs when a batch's checksum does not match. Batches carry
    sequence 0 (``DeltaBatch(deltas, 0, 0, checksum=...)``). With a REST ``fetch_snapshot``,
    batches buffered before the snapshot cannot be placed relative to it and are dropped
    (the next checksum tells whether the snapshot already had them).
    """

    #: Read by the synchronizer: no sequence to order buffered batches by.
    sequenced = False

    def is_stale(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Never stale: there is no sequence to compare."""
        return False

    def starts_after_snapshot(self, snapshot_sequence: int, batch: DeltaBatch) -> bool:
        """Always: the checksum after the batch is the check."""
        return True

    def continues(self, last_sequence: int, batch: DeltaBatch) -> bool:
        """Always: the checksum after the batch is the check."""
        return True


def crc32(data: str | bytes, *, signed: bool = False) -> int:
    """CRC-32 (IEEE, zlib's) of ``data`` (str as UTF-8): unsigned (Kraken), or as a signed
    32-bit integer with ``signed=True`` (OKX, Bitfinex).

    >>> crc32("123456789"), crc32("123456789", signed=True)
    (3421780262, -873187034)
    """
    value = zlib.crc32(data.encode() if isinstance(data, str) else data)
    return value - (1 << 32) if signed and value >= (1 << 31) else value


def sha1_hex(data: str | bytes) -> str:
    """SHA-1 of ``data`` (str as UTF-8), lowercase hex (Polymarket's book ``hash``).

    >>> sha1_hex("abc")
    'a9993e364706816aba3e25717850c26c9cd0d89d'
    """
    return hashlib.sha1(data.encode() if isinstance(data, str) else data).hexdigest()


def plain_decimal(value: object) -> str:
    """A price or size as plain decimal text without trailing zeros (``"3366"``, ``"0.5"``),
    the form most checksum strings use (OKX)."""
    text = str(value)
    if "E" in text or "e" in text:
        text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@attrs.define
class BookSyncStats:
    """Counters of a :class:`BookSynchronizer`."""

    #: Snapshots applied.
    snapshots: int = 0
    #: Batches applied after a snapshot.
    applied: int = 0
    #: Times a synced book was lost (gap, checksum failure, reset) and had to be rebuilt.
    resyncs: int = 0
    #: Sequence gaps found (between batches, or between a snapshot and the first batch).
    gaps: int = 0
    #: Batches dropped because they were not newer than the book.
    dropped_stale: int = 0
    #: Checksum mismatches.
    checksum_failures: int = 0
    #: Snapshot fetches that raised.
    fetch_errors: int = 0
    #: Buffered batches discarded because the buffer was full.
    buffer_overflows: int = 0


SnapshotFetcher = Callable[[], Awaitable[OrderBookDeltas]]
DeltasCallback = Callable[[OrderBookDeltas], Awaitable[None]]
ResyncCallback = Callable[[str], Awaitable[None]]
ChecksumCheck = Callable[[OrderBook, int], bool]


class BookSynchronizer:
    """Keeps an :class:`OrderBook` in step with a venue: snapshot plus buffered deltas.

    The venue plugin feeds every stream message as a :class:`DeltaBatch` to :meth:`push` and
    runs :meth:`run` in its task group. While unsynced, batches are buffered and :meth:`run`
    fetches a snapshot through ``fetch_snapshot`` (an async callable returning the snapshot as
    OrderBookDeltas whose ``sequence`` is the snapshot's update id); the fetch starts once the
    first batch is buffered, as Binance prescribes. Then stale batches are dropped, the first
    must continue the snapshot and each later one the batch before it, per ``policy``. On a gap
    or a checksum failure the book is marked unsynced, ``on_resync`` is awaited with the
    reason, and a new snapshot is fetched.

    Venues that send the snapshot on the stream (OKX, Bybit, Kraken) pass
    ``fetch_snapshot=None``: a pushed batch flagged ``F_SNAPSHOT`` is the snapshot, and
    ``on_resync`` asks the venue for a new one. ``on_resync`` is awaited on the task that
    called :meth:`push`, which is usually the stream's reading task: it must not wait for
    anything that task reads (a subscription ack). Request the fresh snapshot with
    :meth:`StreamSession.resubscribe <tradeport.net.StreamSession.resubscribe>`, which only
    sends (unsubscribe, then subscribe) and returns; the acks and the new snapshot are read
    afterwards as usual. Never ``await session.subscribe(...)`` / ``unsubscribe(...)`` there:
    they wait for acks and would stall the stream until ``ack_timeout``.

    Applied snapshots and batches are handed to ``on_deltas`` in order. ``checksum`` is called
    with the book and the venue's checksum after each batch that carries one. ``max_depth``
    truncates the book to that many levels per side after every snapshot and batch (before
    the checksum is checked).
    """

    def __init__(
        self,
        book: OrderBook,
        fetch_snapshot: SnapshotFetcher | None,
        policy: SequencePolicy,
        *,
        on_deltas: DeltasCallback | None = None,
        on_resync: ResyncCallback | None = None,
        checksum: ChecksumCheck | None = None,
        max_buffered: int = 10_000,
        retry_delay: float = 0.5,
        max_retry_delay: float = 10.0,
        max_depth: int | None = None,
    ) -> None:
        """See the class docstring. ``retry_delay`` (doubling up to ``max_retry_delay``) is
        the pause before refetching after a failed fetch or a snapshot that did not connect
        to the buffered batches; ``max_buffered`` bounds the buffer (the oldest batch is
        discarded when full)."""
        if max_buffered < 1:
            raise ValidationError("max_buffered", max_buffered, "must be at least 1")
        if max_depth is not None and max_depth < 1:
            raise ValidationError("max_depth", max_depth, "must be at least 1")
        if checksum is None and not getattr(policy, "sequenced", True):
            raise ValidationError(
                "checksum", None, "is required by a policy without sequence numbers (ChecksumOnly)"
            )
        self.book = book
        self.max_depth = max_depth
        self.policy = policy
        self.stats = BookSyncStats()
        self._fetch = fetch_snapshot
        self._on_deltas = on_deltas
        self._on_resync = on_resync
        self._checksum = checksum
        self._max_buffered = max_buffered
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._buffer: deque[DeltaBatch] = deque()
        # WAITING: no usable book, buffering. DRAINING: snapshot applied, replaying the
        # buffer (new batches still buffer). LIVE: batches apply as they come.
        self._state = _WAITING
        self._awaiting_first = False  # no batch applied since the snapshot yet
        self._last_sequence = 0
        # Bumped by reset() and by every snapshot: work started before a bump is stale.
        self._generation = 0
        self._wake = anyio.Event()
        self._live_event = anyio.Event()

    @property
    def synced(self) -> bool:
        """Whether the book currently reflects the venue's."""
        return self._state is _LIVE

    @property
    def buffered(self) -> int:
        """Number of batches waiting for a snapshot."""
        return len(self._buffer)

    @property
    def last_sequence(self) -> int:
        """The sequence the book has reached (snapshot or last applied batch)."""
        return self._last_sequence

    async def wait_synced(self) -> None:
        """Return once the book is synced (immediately if it is)."""
        while self._state is not _LIVE:
            await self._live_event.wait()

    async def push(self, batch: DeltaBatch) -> None:
        """Feed one stream message: a snapshot replaces the book, other batches apply when
        synced and are buffered otherwise."""
        if batch.deltas is not None and batch.deltas.is_snapshot:
            await self._install_snapshot(batch.deltas, batch.last_sequence, batch.checksum)
        elif self._state is _LIVE:
            await self._apply_checked(batch)
        else:
            self._buffer_batch(batch)

    def reset(self) -> None:
        """Forget the book's continuity (call on reconnect): the buffer is cleared and a new
        snapshot is fetched once deltas arrive. Counted as a resync if a snapshot was in use."""
        if self._state is not _WAITING:
            self.stats.resyncs += 1
        self._generation += 1
        self._buffer.clear()
        self._set_waiting()

    async def run(self) -> None:
        """Fetch snapshots whenever the book needs one; run it in the plugin's task group.

        Returns at once when there is no ``fetch_snapshot`` (the snapshot comes on the
        stream). Fetch errors are logged, counted and retried with backoff.
        """
        if self._fetch is None:
            return
        attempts = 0
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            if self._state is not _WAITING or not self._buffer:
                continue
            generation = self._generation
            try:
                snapshot = await self._fetch()
            except Exception as exc:  # any venue or network failure: count, log, retry
                self.stats.fetch_errors += 1
                log.warning("%s: snapshot fetch failed: %s", self.book.instrument_id, exc)
                attempts += 1
                await self._pause(attempts)
                self._wake.set()
                continue
            if generation != self._generation:
                # reset() or a stream snapshot happened meanwhile: this one may be older.
                self._wake.set()
                continue
            await self._install_snapshot(snapshot, snapshot.sequence, None)
            if self._state is _WAITING:
                # The snapshot did not connect to the buffered batches; try again shortly.
                attempts += 1
                await self._pause(attempts)
            else:
                attempts = 0

    # -- internals --------------------------------------------------------------------------------

    async def _pause(self, attempts: int) -> None:
        delay = min(self._retry_delay * 2 ** (attempts - 1), self._max_retry_delay)
        if delay > 0:
            await anyio.sleep(delay)
        else:
            # Still yield: a fetch that answers without awaiting must not starve other tasks.
            await anyio.lowlevel.checkpoint()

    def _buffer_batch(self, batch: DeltaBatch) -> None:
        if len(self._buffer) >= self._max_buffered:
            # Dropping the oldest is safe: a gap it leaves is caught by the continuity check.
            self._buffer.popleft()
            self.stats.buffer_overflows += 1
        self._buffer.append(batch)
        if self._state is _WAITING:
            self._wake.set()

    def _set_waiting(self) -> None:
        self._state = _WAITING
        self._awaiting_first = False
        if self._live_event.is_set():
            self._live_event = anyio.Event()
        if self._buffer:
            self._wake.set()

    async def _install_snapshot(
        self, snapshot: OrderBookDeltas, sequence: int, checksum: int | None
    ) -> None:
        """Replace the book with ``snapshot``, then replay the buffer and go live."""
        self._generation += 1
        generation = self._generation
        self.book.clear()
        self.book.apply_deltas(snapshot)
        if self.max_depth is not None:
            self.book.truncate(self.max_depth)
        if not getattr(self.policy, "sequenced", True):
            # No sequence to place buffered batches against the snapshot: it is the truth.
            self.stats.dropped_stale += len(self._buffer)
            self._buffer.clear()
        self.stats.snapshots += 1
        self._last_sequence = sequence
        self._awaiting_first = True
        self._state = _DRAINING
        if self._on_deltas is not None:
            await self._on_deltas(snapshot)
        if checksum is not None and not self._checksum_ok(checksum):
            await self._lose_sync("checksum mismatch on snapshot", gap=False)
            return
        # Batches pushed while on_deltas is awaited land in the buffer and are replayed here
        # too, so order is kept; going live happens with the buffer empty.
        while self._buffer:
            if generation != self._generation or self._state is not _DRAINING:
                return
            if not await self._apply_checked(self._buffer.popleft()):
                return
        if generation == self._generation and self._state is _DRAINING:
            self._state = _LIVE
            self._live_event.set()

    async def _apply_checked(self, batch: DeltaBatch) -> bool:
        """Apply ``batch`` if it continues the book; drop it if stale; resync on a gap.

        Returns False when sync was lost (a gapped batch is kept for the next snapshot).
        """
        policy = self.policy
        last = self._last_sequence
        if policy.is_stale(last, batch):
            self.stats.dropped_stale += 1
            return True
        if self._awaiting_first:
            connected = policy.starts_after_snapshot(last, batch)
        else:
            connected = policy.continues(last, batch)
        if not connected:
            self._buffer.appendleft(batch)
            after = "the snapshot" if self._awaiting_first else "the previous batch"
            await self._lose_sync(
                f"sequence gap: batch {batch.first_sequence}..{batch.last_sequence} "
                f"(previous {batch.previous_sequence}) does not continue {after} at {last}"
            )
            return False
        if batch.deltas is not None:
            self.book.apply_deltas(batch.deltas)
            if self.max_depth is not None:
                self.book.truncate(self.max_depth)
        self._last_sequence = batch.last_sequence
        self._awaiting_first = False
        self.stats.applied += 1
        if self._on_deltas is not None and batch.deltas is not None:
            await self._on_deltas(batch.deltas)
        if batch.checksum is not None and not self._checksum_ok(batch.checksum):
            await self._lose_sync(f"checksum mismatch after batch {batch.last_sequence}", gap=False)
            return False
        return True

    def _checksum_ok(self, checksum: int) -> bool:
        if self._checksum is None or self._checksum(self.book, checksum):
            return True
        self.stats.checksum_failures += 1
        return False

    async def _lose_sync(self, reason: str, gap: bool = True) -> None:
        if gap:
            self.stats.gaps += 1
        self.stats.resyncs += 1
        log.warning("%s: book out of sync (%s); resyncing", self.book.instrument_id, reason)
        self._set_waiting()
        self._wake.set()
        if self._on_resync is not None:
            await self._on_resync(reason)


class _SyncState:
    """A named state of the synchronizer (identity-compared)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_WAITING = _SyncState("WAITING")
_DRAINING = _SyncState("DRAINING")
_LIVE = _SyncState("LIVE")
