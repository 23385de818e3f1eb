"""The venue-neutral simulated exchange that every mock venue drives.

See the package docstring for a walk-through. In short: mock venues translate wire requests into
the commands here (``submit``, ``amend``, ``cancel``, ``cancel_all``, ``cancel_many``), render
the returned :class:`SimResult` as the venue's response, and push the events delivered to their
listener on the venue's user data stream. Tests drive the market and the venue through the
controls (``set_book``, ``trade``, ``set_last_price``, ``fill``, ``reject_next``, ``expire``,
``advance_time``, ``seed_*``).
"""

from __future__ import annotations

import heapq
import random
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from tradeport.model.enums import (
    AggressorSide,
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
    PegPriceType,
    PositionSide,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)

from tradeport_conformance.simulated.accounts import Ledger, PositionKey, PositionState
from tradeport_conformance.simulated.book import (
    L2Book,
    PriceLadder,
    crosses,
    plan_quote_take,
    plan_take,
)
from tradeport_conformance.simulated.events import (
    AmendRejected,
    BalanceChanged,
    BookLevel,
    BookUpdated,
    CancelRejected,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    PositionChanged,
    PublicTrade,
    SimEvent,
    SimResult,
)
from tradeport_conformance.simulated.records import (
    LIMIT_ORDER_TYPES,
    ONE,
    TRAILING_ORDER_TYPES,
    ZERO,
    CancelCause,
    IdStyle,
    ImmediateTrigger,
    PostOnlyCross,
    ReduceOnlyExcess,
    RejectReason,
    SimBalance,
    SimFill,
    SimInstrument,
    SimOrder,
    SimPosition,
    round_quotient,
    round_to_increment,
)
from tradeport_conformance.simulated.validation import (
    IMMEDIATE_TIF,
    Problem,
    check_order,
    check_position_side,
    check_price,
    check_quantity,
)

NS_PER_DAY = 86_400 * 1_000_000_000
BASIS_POINTS = Decimal(10_000)

Listener = Callable[[SimEvent], None]
"""Receives every event, synchronously, after the call that produced it has finished."""

# Conditional types that trigger when the price comes towards them (take-profit style), the others
# trigger when the price moves through them (stop style).
_IF_TOUCHED_TYPES = frozenset({OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED})

# (ok, order snapshot, reason, message) of one command, before its events are collected.
_Outcome = tuple[bool, SimOrder | None, RejectReason | None, str]


class SimOperation(StrEnum):
    """Commands `reject_next` can make fail."""

    SUBMIT = "SUBMIT"
    AMEND = "AMEND"
    CANCEL = "CANCEL"


class OrderRef(NamedTuple):
    """Names an order by venue order id or client order id (the venue id wins when both are set)."""

    venue_order_id: str | None = None
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Outcome of a call that handles several orders (``cancel_all``, ``cancel_many``).

    ``results`` has one entry per order, in order, each holding that order's own events;
    ``events`` holds everything the call produced (balance changes included), in order.
    """

    results: tuple[SimResult, ...]
    events: tuple[SimEvent, ...]


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """The external book of one instrument, best levels first."""

    symbol: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    sequence: int


@dataclass(slots=True)
class _Working:
    """Exchange-side bookkeeping of one open order."""

    order: SimOrder
    instrument: SimInstrument
    position_key: PositionKey | None  # None for cash instruments
    reducing: bool  # reduce-only, explicitly or as a hedge-mode closing order
    # Funds: the last `lock_units` of the order's leaves quantity are backed by `lock_rate` each
    # of `lock_asset`; a fill releases the part of the lock its quantity consumed.
    lock_asset: str = ""
    lock_rate: Decimal = ZERO
    lock_units: Decimal = ZERO
    resting: bool = False  # in the own-order ladder (a working limit order)
    trail_extreme: Decimal | None = None  # best price seen since a trailing stop activated


@dataclass(slots=True)
class _OwnBook:
    """The account's resting limit orders of one instrument, in price-time priority."""

    bids: PriceLadder[dict[str, _Working]] = field(
        default_factory=lambda: PriceLadder(is_bid_side=True)
    )
    asks: PriceLadder[dict[str, _Working]] = field(
        default_factory=lambda: PriceLadder(is_bid_side=False)
    )

    def side(self, side: OrderSide) -> PriceLadder[dict[str, _Working]]:
        return self.bids if side is OrderSide.BUY else self.asks


@dataclass(slots=True)
class _BookChange:
    """Levels of one external book touched during the current call."""

    snapshot: bool = False
    bids: dict[Decimal, None] = field(default_factory=dict)
    asks: dict[Decimal, None] = field(default_factory=dict)


class SimulatedExchange:
    """In-memory exchange state: instruments, L2 books, one account, orders, matching, positions.

    Synchronous, no I/O, deterministic: ids come from counters and a RNG seeded with ``seed``;
    time comes from ``clock`` (a callable returning UNIX ns) or, without one, from a manual clock
    that starts at ``start_time_ns`` and moves only through :meth:`advance_time`.

    Venue-specific behaviours are options: ``post_only_cross`` (reject or cancel a crossing
    post-only order), ``reduce_only_excess`` (reject or clamp a reduce-only order larger than the
    position), ``immediate_trigger`` (trigger or reject a stop whose condition already holds),
    ``id_style`` (numeric or UUID ids), ``position_mode`` (NETTING, or HEDGING with LONG/SHORT
    legs), ``match_resting_on_book_cross`` (resting orders fill when the external book moves
    through them), ``history_limit`` (closed orders and fills kept for queries).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Callable[[], int] | None = None,
        start_time_ns: int = 0,
        position_mode: OmsType = OmsType.NETTING,
        post_only_cross: PostOnlyCross = PostOnlyCross.REJECT,
        reduce_only_excess: ReduceOnlyExcess = ReduceOnlyExcess.REJECT,
        immediate_trigger: ImmediateTrigger = ImmediateTrigger.TRIGGER,
        id_style: IdStyle = IdStyle.NUMERIC,
        match_resting_on_book_cross: bool = True,
        history_limit: int = 100_000,
    ) -> None:
        self.position_mode = position_mode
        self.post_only_cross = post_only_cross
        self.reduce_only_excess = reduce_only_excess
        self.immediate_trigger = immediate_trigger
        self.id_style = id_style
        self.match_resting_on_book_cross = match_resting_on_book_cross
        self.history_limit = history_limit

        self._clock = clock
        #: Added to the injected clock by advance_time(ts).
        self._clock_offset = 0
        self._manual_time = start_time_ns
        self._rng = random.Random(seed)
        # Numeric ids start at a seed-dependent base so two seeds do not produce the same ids.
        self._order_number = self._rng.randrange(10**9, 2 * 10**9)
        self._trade_number = self._rng.randrange(10**8, 2 * 10**8)
        self._seq = 0

        self._instruments: dict[str, SimInstrument] = {}
        self._books: dict[str, L2Book] = {}
        self._own_books: dict[str, _OwnBook] = {}
        self._last: dict[str, Decimal] = {}
        self._mark: dict[str, Decimal] = {}
        self._index: dict[str, Decimal] = {}

        self._open: dict[str, _Working] = {}
        self._open_by_client_id: dict[str, str] = {}
        self._closed: dict[str, SimOrder] = {}
        self._closed_by_client_id: dict[str, str] = {}
        self._conditional: dict[str, dict[str, _Working]] = {}  # symbol -> untriggered orders
        self._pegged: dict[str, dict[str, _Working]] = {}  # symbol -> open PEGGED orders
        self._reducing: dict[PositionKey, dict[str, _Working]] = {}
        self._expiries: list[tuple[int, int, str]] = []  # heap of (expire ns, seq, order id)
        self._expiry_seq = 0

        self._ledger = Ledger()
        self._positions: dict[PositionKey, PositionState] = {}
        self._fills: deque[SimFill] = deque(maxlen=history_limit)

        self._listeners: list[Listener] = []
        self._outbox: deque[SimEvent] = deque()
        self._dispatching = False
        self._pending_rejects: dict[SimOperation, deque[Problem]] = {
            op: deque() for op in SimOperation
        }

        # State of the call in progress.
        self._in_call = False
        self._ts = start_time_ns
        self._events: list[SimEvent] = []
        self._changed_positions: dict[PositionKey, None] = {}
        self._book_changes: dict[str, _BookChange] = {}

    # ------------------------------------------------------------------------------------------
    # Time, ids, listeners
    # ------------------------------------------------------------------------------------------

    @property
    def _hedging(self) -> bool:
        return self.position_mode is OmsType.HEDGING

    def now(self) -> int:
        """The current time in UNIX nanoseconds (from the injected or the manual clock)."""
        if self._clock is not None:
            return self._clock() + self._clock_offset
        return self._manual_time

    def advance_time(self, ts: int | None = None) -> tuple[SimEvent, ...]:
        """Move the manual clock to ``ts`` and expire every GTD/DAY order due by then.

        With an injected clock, ``ts`` in the future moves an offset added to ``clock()`` (a ``ts``
        not after ``now()`` changes nothing); without ``ts`` it processes what is due now.
        Every other call also processes due expiries first, so this is only needed to make
        expiries happen when nothing else is going on.
        """
        if self._clock is None:
            if ts is None:
                raise ValueError("advance_time needs ts when no clock was injected")
            if ts < self._manual_time:
                raise ValueError(f"time cannot go backwards ({ts} < {self._manual_time})")
            self._manual_time = ts
        elif ts is not None:
            # Mock venues inject the wall clock; tests still need to jump ahead (GTD expiry):
            # keep an offset so time moves forward and never back.
            ahead = ts - self.now()
            if ahead > 0:
                self._clock_offset += ahead
        self._begin()
        return self._finish()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Deliver every future event to ``listener``; returns a function that unsubscribes it.

        Events are delivered after the producing call has finished (so a listener may call the
        exchange), in order, event by event to each listener. If listeners raise, every listener
        still gets every event, then the error is raised from the call.
        """
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _next_id(self, trade: bool) -> str:
        if self.id_style is IdStyle.UUID:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        if trade:
            self._trade_number += 1
            return str(self._trade_number)
        self._order_number += 1
        return str(self._order_number)

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _begin(self) -> None:
        if self._in_call:
            raise RuntimeError("SimulatedExchange is not re-entrant; call it from listeners only")
        self._in_call = True
        now = self.now()
        if self._expiries and self._expiries[0][0] <= now:
            self._expire_due(now)
        self._ts = now

    def _catch_up(self) -> None:
        """Expire what is due before answering a query: an injected clock moves on its own."""
        if self._expiries and not self._in_call and self._expiries[0][0] <= self.now():
            self._begin()
            self._finish()

    def _finish(self) -> tuple[SimEvent, ...]:
        """Close the call: append balance/position/book events, deliver everything."""
        try:
            result = self._collect()
        finally:
            self._in_call = False
            self._events.clear()
        # Delivered after the call is closed, so listeners may call the exchange.
        if self._listeners and result:
            self._dispatch(result)
        return result

    def _collect(self) -> tuple[SimEvent, ...]:
        ts = self._ts
        ledger = self._ledger
        events = self._events
        for asset in ledger.take_changed():
            events.append(BalanceChanged(self._next_seq(), ts, ledger.snapshot(asset)))
        for key in self._changed_positions:
            events.append(PositionChanged(self._next_seq(), ts, self._position_snapshot(key)))
        self._changed_positions.clear()
        for symbol, change in self._book_changes.items():
            events.append(self._book_event(symbol, change))
        self._book_changes.clear()
        return tuple(events)

    def _dispatch(self, events: tuple[SimEvent, ...]) -> None:
        if self._dispatching:
            # A listener called the exchange: the outer loop below delivers these after the
            # events that caused them, so every listener sees one global order.
            self._outbox.extend(events)
            return
        self._dispatching = True
        errors: list[Exception] = []
        outbox = self._outbox
        try:
            for event in events:
                self._deliver(event, errors)
            while outbox:
                self._deliver(outbox.popleft(), errors)
        finally:
            self._dispatching = False
            outbox.clear()
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ExceptionGroup("SimulatedExchange listeners failed", errors)

    def _deliver(self, event: SimEvent, errors: list[Exception]) -> None:
        for listener in tuple(self._listeners):
            try:
                listener(event)
            except Exception as exc:  # every listener still gets every event
                errors.append(exc)

    def _book_event(self, symbol: str, change: _BookChange) -> BookUpdated:
        book = self._books[symbol]
        book.sequence += 1
        if change.snapshot:
            bids, asks = book.depth()
            return BookUpdated(
                self._next_seq(), self._ts, symbol, tuple(bids), tuple(asks), True, book.sequence
            )
        bid_sizes = [(price, book.bids.get(price) or ZERO) for price in change.bids]
        ask_sizes = [(price, book.asks.get(price) or ZERO) for price in change.asks]
        # Deltas best first like the snapshot, removed levels included (size 0).
        bid_sizes.sort(key=lambda level: level[0], reverse=True)
        ask_sizes.sort(key=lambda level: level[0])
        return BookUpdated(
            self._next_seq(),
            self._ts,
            symbol,
            tuple(bid_sizes),
            tuple(ask_sizes),
            False,
            book.sequence,
        )

    def _result(
        self,
        ok: bool,
        order: SimOrder | None,
        reason: RejectReason | None = None,
        message: str = "",
    ) -> _Outcome:
        return ok, order, reason, message

    def _run(self, action: Callable[[], _Outcome]) -> SimResult:
        self._begin()
        try:
            ok, order, reason, message = action()
        finally:
            events = self._finish()
        return SimResult(ok, order, reason, message, events)

    # ------------------------------------------------------------------------------------------
    # Instruments, balances, positions (set-up controls)
    # ------------------------------------------------------------------------------------------

    def add_instrument(self, instrument: SimInstrument) -> None:
        """Make ``instrument`` tradable, with an empty book (replaces one of the same symbol)."""
        self._instruments[instrument.symbol] = instrument
        self._books.setdefault(instrument.symbol, L2Book(instrument.symbol))
        self._own_books.setdefault(instrument.symbol, _OwnBook())

    def set_balance(self, asset: str, total: Decimal) -> tuple[SimEvent, ...]:
        """Set the total balance of ``asset`` (locked funds stay locked)."""
        self._begin()
        try:
            self._ledger.set_total(asset, total)
        finally:
            events = self._finish()
        return events

    def seed_position(
        self,
        symbol: str,
        side: PositionSide,
        quantity: Decimal,
        entry_price: Decimal,
        *,
        position_side: PositionSide | None = None,
    ) -> tuple[SimEvent, ...]:
        """Set a derivative position as if it had been opened earlier; its margin gets locked.

        ``side`` is LONG, SHORT or FLAT; ``position_side`` names the hedge-mode leg.
        """
        instrument = self._require_instrument(symbol)
        if not instrument.uses_margin:
            raise ValueError(f"{symbol} is a cash instrument: seed balances instead")
        problem = check_position_side(instrument, position_side, self._hedging)
        if problem is not None:
            raise ValueError(problem[1])
        if quantity < 0 or (side is not PositionSide.FLAT and (quantity == 0 or entry_price <= 0)):
            raise ValueError("a LONG/SHORT position needs a positive quantity and entry price")
        if position_side is not None and side not in (position_side, PositionSide.FLAT):
            raise ValueError(f"the {position_side} leg cannot hold a {side} position")
        self._begin()
        try:
            key = (symbol, position_side)
            state = self._position_state(key)
            state.quantity = (
                ZERO
                if side is PositionSide.FLAT
                else (quantity if side is PositionSide.LONG else -quantity)
            )
            state.avg_entry_price = ZERO if side is PositionSide.FLAT else entry_price
            state.ts_opened = None if side is PositionSide.FLAT else self._ts
            state.ts_updated = self._ts
            self._relock_position_margin(state, instrument)
            self._changed_positions[key] = None
            self._cancel_stale_reducing(key)
        finally:
            events = self._finish()
        return events

    # ------------------------------------------------------------------------------------------
    # Market controls: books, prices, trades
    # ------------------------------------------------------------------------------------------

    def set_book(
        self,
        symbol: str,
        bids: Iterable[tuple[Decimal, Decimal]],
        asks: Iterable[tuple[Decimal, Decimal]],
    ) -> tuple[SimEvent, ...]:
        """Replace the external book of ``symbol`` ((price, size) levels, any order).

        Resting orders the new book crosses fill (when ``match_resting_on_book_cross``), and
        BID_ASK-triggered orders are checked.
        """
        self._require_instrument(symbol)
        self._begin()
        try:
            self._books[symbol].replace(bids, asks)
            self._book_changes[symbol] = _BookChange(snapshot=True)
            self._after_market_move(symbol, book_moved=True)
        finally:
            events = self._finish()
        return events

    def update_level(
        self, symbol: str, side: OrderSide, price: Decimal, size: Decimal
    ) -> tuple[SimEvent, ...]:
        """Set one external book level (BUY = bid side, SELL = ask side); size 0 removes it."""
        self._require_instrument(symbol)
        self._begin()
        try:
            self._books[symbol].set_level(side, price, size)
            self._note_level(symbol, side, price)
            self._after_market_move(symbol, book_moved=True)
        finally:
            events = self._finish()
        return events

    def set_last_price(self, symbol: str, price: Decimal) -> tuple[SimEvent, ...]:
        """Set the last traded price; LAST_PRICE (and DEFAULT) triggers are checked."""
        return self._set_reference(self._last, symbol, price)

    def set_mark_price(self, symbol: str, price: Decimal) -> tuple[SimEvent, ...]:
        """Set the mark price; MARK_PRICE triggers are checked, unrealized PnL uses it."""
        return self._set_reference(self._mark, symbol, price)

    def set_index_price(self, symbol: str, price: Decimal) -> tuple[SimEvent, ...]:
        """Set the index price; INDEX_PRICE triggers are checked."""
        return self._set_reference(self._index, symbol, price)

    def _set_reference(
        self, prices: dict[str, Decimal], symbol: str, price: Decimal
    ) -> tuple[SimEvent, ...]:
        self._require_instrument(symbol)
        if price <= 0:
            raise ValueError(f"{symbol}: price must be positive, got {price}")
        self._begin()
        try:
            prices[symbol] = price
            if prices is self._last:
                self._repeg(symbol)
            self._check_triggers(symbol)
        finally:
            events = self._finish()
        return events

    def trade(
        self, symbol: str, price: Decimal, quantity: Decimal, aggressor_side: AggressorSide
    ) -> tuple[SimEvent, ...]:
        """An external trade prints: resting orders it reaches fill as makers, last price moves.

        A SELLER-aggressed trade at ``price`` fills the account's bids at ``price`` or higher (at
        their own limit prices, best first, up to ``quantity`` in total); BUYER fills asks at
        ``price`` or lower; NO_AGGRESSOR fills both sides. The external book is not changed.
        """
        self._require_instrument(symbol)
        if price <= 0 or quantity <= 0:
            raise ValueError("trade price and quantity must be positive")
        self._begin()
        try:
            self._events.append(
                PublicTrade(
                    self._next_seq(),
                    self._ts,
                    symbol,
                    self._next_id(trade=True),
                    price,
                    quantity,
                    aggressor_side,
                )
            )
            remaining = quantity
            own = self._own_books[symbol]
            if aggressor_side is not AggressorSide.BUYER:
                remaining = self._fill_resting_against(own.bids, True, price, remaining)
            if aggressor_side is not AggressorSide.SELLER:
                self._fill_resting_against(own.asks, False, price, remaining)
            self._last[symbol] = price
            self._repeg(symbol)
            self._check_triggers(symbol)
        finally:
            events = self._finish()
        return events

    def _fill_resting_against(
        self,
        ladder: PriceLadder[dict[str, _Working]],
        is_buy: bool,
        price: Decimal,
        budget: Decimal,
    ) -> Decimal:
        """Fill resting orders of one side reached by a trade at ``price``; returns budget left."""
        for level_price, level in ladder.items():
            if budget <= 0 or not crosses(is_buy, price, level_price):
                break
            for working in list(level.values()):
                if budget <= 0:
                    break
                quantity = min(budget, self._fillable(working))
                if quantity > 0:
                    self._fill(working, quantity, level_price, LiquiditySide.MAKER)
                    budget -= quantity
                self._cancel_if_nothing_to_reduce(working)
        return budget

    def _after_market_move(self, symbol: str, book_moved: bool) -> None:
        if book_moved:
            self._repeg(symbol)
        if book_moved and self.match_resting_on_book_cross:
            self._cross_resting(symbol)
        self._check_triggers(symbol)

    def _peg_price(self, order: SimOrder, instrument: SimInstrument) -> Decimal | None:
        """The price a PEGGED order should rest at now (None without a reference price)."""
        book = self._books[order.symbol]
        bid, ask = book.bids.best_price(), book.asks.best_price()
        is_buy = order.side is OrderSide.BUY
        kind = order.peg_price_type
        reference: Decimal | None
        if kind is PegPriceType.PRIMARY:
            reference = bid if is_buy else ask
        elif kind is PegPriceType.MARKET:
            reference = ask if is_buy else bid
        elif kind is PegPriceType.MID:
            reference = None if bid is None or ask is None else (bid + ask) / 2
        else:
            reference = self._last.get(order.symbol)
        if reference is None:
            return None
        raw = reference + (order.peg_offset or ZERO)
        # Round away from the market (a buy down, a sell up): the peg never pays more than asked.
        tick = instrument.tick_size
        steps = (raw / tick).to_integral_value(ROUND_FLOOR if is_buy else ROUND_CEILING)
        price = steps * tick
        return price if price > 0 else None

    def _repeg(self, symbol: str) -> None:
        """Move every resting PEGGED order of ``symbol`` to its reference's new price."""
        pegged = self._pegged.get(symbol)
        if not pegged:
            return
        for working in list(pegged.values()):
            order = working.order
            if not working.resting or not order.is_open:
                continue
            price = self._peg_price(order, working.instrument)
            if price is None or price == order.price:
                continue  # no reference any more: the order keeps its last price
            previous = order.copy()
            self._release_funds(working)
            self._unrest(working, previous.price)
            order.price = price
            if self._lock_funds(working) is not None:
                order.price = previous.price
                self._cancel_working(working, CancelCause.INSUFFICIENT_BALANCE)
                continue
            order.ts_updated = self._ts
            self._events.append(OrderAmended(self._next_seq(), self._ts, order.copy(), previous))
            self._work(working)  # rests again at the new price, or takes if it now crosses

    def _cross_resting(self, symbol: str) -> None:
        """Fill resting orders the external book now crosses, as makers at their own price."""
        own = self._own_books[symbol]
        book = self._books[symbol]
        for own_ladder, market, is_buy in (
            (own.bids, book.asks, True),
            (own.asks, book.bids, False),
        ):
            for level_price, level in own_ladder.items():
                best = market.best_price()
                if best is None or not crosses(is_buy, best, level_price):
                    break
                for working in list(level.values()):
                    self._take_from(working, market, is_buy, level_price, LiquiditySide.MAKER)

    def _note_level(self, symbol: str, side: OrderSide, price: Decimal) -> None:
        change = self._book_changes.get(symbol)
        if change is None:
            change = self._book_changes[symbol] = _BookChange()
        if not change.snapshot:
            (change.bids if side is OrderSide.BUY else change.asks)[price] = None

    # ------------------------------------------------------------------------------------------
    # Venue controls
    # ------------------------------------------------------------------------------------------

    def reject_next(
        self,
        reason: RejectReason = RejectReason.VENUE_REJECTED,
        message: str = "",
        *,
        count: int = 1,
        operation: SimOperation = SimOperation.SUBMIT,
    ) -> None:
        """Make the next ``count`` submits (or amends, or cancels) fail with ``reason``."""
        queue = self._pending_rejects[operation]
        for _ in range(count):
            queue.append((reason, message or f"rejected by the venue ({reason})"))

    def fill(
        self,
        venue_order_id: str | None = None,
        *,
        client_order_id: str | None = None,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        liquidity: LiquiditySide = LiquiditySide.MAKER,
    ) -> SimResult:
        """Fill a resting order now, fully (default) or ``quantity`` of it, at its limit price
        or at ``price`` (which must be at or better than the limit).

        Returns a failed result (UNKNOWN_ORDER / ORDER_NOT_OPEN) for orders that cannot fill;
        raises ValueError for a quantity or price the order could not have filled at.
        """

        def action() -> _Outcome:
            working, problem = self._find_open(venue_order_id, client_order_id)
            if working is None:
                assert problem is not None
                return self._result(False, problem[2], problem[0], problem[1])
            order = working.order
            if not working.resting:
                raise ValueError(f"order {order.venue_order_id} is not a resting limit order")
            fill_qty = order.leaves_qty if quantity is None else quantity
            if fill_qty <= 0 or fill_qty > order.leaves_qty:
                raise ValueError(
                    f"fill quantity must be in (0, {order.leaves_qty}], got {fill_qty}"
                )
            assert order.price is not None  # resting orders are limit orders
            fill_price = order.price if price is None else price
            if not crosses(order.side is OrderSide.BUY, fill_price, order.price):
                raise ValueError(f"price {fill_price} is worse than the limit {order.price}")
            fill_qty = min(fill_qty, self._fillable(working))
            if fill_qty > 0:
                fill = self._fill(working, fill_qty, fill_price, liquidity)
                aggressor = (
                    AggressorSide.SELLER if order.side is OrderSide.BUY else AggressorSide.BUYER
                )
                self._print(order.symbol, fill, aggressor)
            self._cancel_if_nothing_to_reduce(working)
            return self._result(True, order.copy())

        return self._run(action)

    def expire(
        self, venue_order_id: str | None = None, *, client_order_id: str | None = None
    ) -> SimResult:
        """Expire an open order now, as the venue would at its expiry time."""

        def action() -> _Outcome:
            working, problem = self._find_open(venue_order_id, client_order_id)
            if working is None:
                assert problem is not None
                return self._result(False, problem[2], problem[0], problem[1])
            self._expire_working(working)
            return self._result(True, working.order.copy())

        return self._run(action)

    # ------------------------------------------------------------------------------------------
    # Order commands
    # ------------------------------------------------------------------------------------------

    def submit(
        self,
        symbol: str,
        side: OrderSide,
        order_type: OrderType,
        quantity: Decimal | None = None,
        *,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        client_order_id: str | None = None,
        position_side: PositionSide | None = None,
        quote_quantity: Decimal | None = None,
        trailing_offset: Decimal | None = None,
        trailing_offset_type: TrailingOffsetType = TrailingOffsetType.PRICE,
        activation_price: Decimal | None = None,
        limit_offset: Decimal | None = None,
        peg_price_type: PegPriceType | None = None,
        peg_offset: Decimal | None = None,
        meta: dict[str, Any] | None = None,
        venue_order_id: str | None = None,
    ) -> SimResult:
        """Submit an order; it is validated, accepted or rejected, then matched, rested or armed.

        - ``quantity`` in base units (contracts for derivatives); market orders may give
          ``quote_quantity`` instead (spend/receive that much quote; spot only).
        - ``price`` for LIMIT, STOP_LIMIT and LIMIT_IF_TOUCHED; ``trigger_price`` for stop and
          if-touched orders; trailing stops take ``trailing_offset`` (+ type) and optionally
          ``activation_price``, and the venue computes their trigger price. While it trails,
          every move of the trigger is an ``OrderAmended`` event (``previous`` holds the old
          trigger), so mock venues can push the new trigger price.
        - TRAILING_STOP_LIMIT takes a fixed ``price``, or instead a ``limit_offset`` (same units
          as the trailing offset, non-negative): when it triggers, its limit price becomes the
          trigger price minus (sell) or plus (buy) the offset, rounded to the tick away from the
          trigger, and it works as a limit order from then on.
        - PEGGED orders take ``peg_price_type`` and optionally ``peg_offset`` (signed, in price
          units) and no price: the exchange prices them at the reference (PRIMARY: own side's
          best external price, MARKET: the opposite side's, MID, LAST) plus the offset, rounded
          to the tick away from the market, then works them like limit orders. When the
          reference moves, a resting pegged order is re-priced (an ``OrderAmended`` event) and
          fills as a taker if its new price crosses. Without a reference it is rejected.
        - ``time_in_force`` GTC, IOC, FOK, GTD (with ``expire_time_ns``) or DAY (expires at the
          next UTC midnight). Market orders never rest.
        - ``position_side`` is required in hedge mode (LONG/SHORT leg) and refused otherwise.
        - ``meta`` is kept on the order untouched (venue-specific fields for the mock venue).
        - ``venue_order_id``: the id the venue gives the order when the client decides it (a
          signed order's hash on Polymarket); by default a new one in the ``id_style``.
        """
        order = SimOrder(
            venue_order_id=venue_order_id or "",
            client_order_id=client_order_id,
            symbol=symbol,
            side=side,
            order_type=order_type,
            quantity=ZERO if quantity is None else quantity,
            price=price,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            post_only=post_only,
            reduce_only=reduce_only,
            position_side=position_side,
            quote_quantity=quote_quantity,
            trailing_offset=trailing_offset,
            trailing_offset_type=trailing_offset_type,
            activation_price=activation_price,
            limit_offset=limit_offset,
            peg_price_type=peg_price_type,
            peg_offset=peg_offset,
            meta={} if meta is None else meta,
        )
        return self._run(lambda: self._submit(order, quantity_given=quantity is not None))

    def seed_order(
        self,
        symbol: str,
        side: OrderSide,
        order_type: OrderType,
        quantity: Decimal,
        *,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        client_order_id: str | None = None,
        position_side: PositionSide | None = None,
        filled_qty: Decimal = ZERO,
        avg_px: Decimal | None = None,
        meta: dict[str, Any] | None = None,
    ) -> SimOrder:
        """Place an open order as if it had been submitted earlier (for reconciliation tests).

        The order is validated and its funds are locked, but it never matches or triggers on
        placement; ``filled_qty``/``avg_px`` make it partially filled. Emits OrderAccepted.
        Raises ValueError if the order would be rejected.
        """
        if order_type in (OrderType.MARKET, OrderType.PEGGED) or order_type in TRAILING_ORDER_TYPES:
            raise ValueError(f"cannot seed a {order_type} order")
        order = SimOrder(
            venue_order_id="",
            client_order_id=client_order_id,
            symbol=symbol,
            side=side,
            order_type=order_type,
            quantity=quantity,
            price=price,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            post_only=post_only,
            reduce_only=reduce_only,
            position_side=position_side,
            meta={} if meta is None else meta,
        )
        if not 0 <= filled_qty < quantity:
            raise ValueError("filled_qty must be at least 0 and below quantity")
        if filled_qty and avg_px is None:
            raise ValueError("a partially filled order needs avg_px")

        def action() -> _Outcome:
            instrument = self._instruments.get(symbol)
            problem = (
                (RejectReason.UNKNOWN_INSTRUMENT, symbol)
                if instrument is None
                else check_order(order, instrument, now=self._ts, hedging=self._hedging)
            )
            if (
                problem is None
                and client_order_id is not None
                and client_order_id in self._open_by_client_id
            ):
                problem = (RejectReason.DUPLICATE_CLIENT_ORDER_ID, client_order_id)
            if problem is not None:
                raise ValueError(f"cannot seed order: {problem[0]} ({problem[1]})")
            assert instrument is not None
            reducing, key, problem = self._position_rules(order, instrument)
            if problem is not None:
                raise ValueError(f"cannot seed order: {problem[0]} ({problem[1]})")
            if filled_qty:
                order.filled_qty = filled_qty
                assert avg_px is not None
                order.avg_px = avg_px
                order.filled_quote = filled_qty * avg_px
            working = _Working(order, instrument, key, reducing)
            problem = self._lock_funds(working)
            if problem is not None:
                raise ValueError(f"cannot seed order: {problem[0]} ({problem[1]})")
            self._accept(working)
            if order.is_conditional:
                self._conditional.setdefault(symbol, {})[order.venue_order_id] = working
            else:
                self._rest(working)
            return self._result(True, order.copy())

        result = self._run(action)
        assert result.order is not None
        return result.order

    def amend(
        self,
        venue_order_id: str | None = None,
        *,
        client_order_id: str | None = None,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
    ) -> SimResult:
        """Change an open order's total quantity, limit price or trigger price.

        Refused (AmendRejected) for unknown or finished orders, a quantity not above the filled
        quantity, bad increments, insufficient funds, a post-only price that would cross, or a
        field the order type does not have. A new price that crosses the book matches at once;
        a price change or a quantity increase loses time priority.
        """
        return self._run(
            lambda: self._amend(venue_order_id, client_order_id, quantity, price, trigger_price)
        )

    def cancel(
        self,
        venue_order_id: str | None = None,
        *,
        client_order_id: str | None = None,
        cause: CancelCause = CancelCause.CLIENT,
    ) -> SimResult:
        """Cancel an open order. ``cause=CancelCause.VENUE`` models a venue-initiated cancel.

        Refused (CancelRejected: UNKNOWN_ORDER or ORDER_NOT_OPEN) for unknown or finished orders.
        """
        return self._run(lambda: self._cancel(venue_order_id, client_order_id, cause))

    def cancel_all(
        self, symbol: str | None = None, *, side: OrderSide | None = None
    ) -> BatchResult:
        """Cancel every open order (of ``symbol`` and ``side`` when given), oldest first."""
        refs = [
            OrderRef(order_id)
            for order_id, working in self._open.items()
            if (symbol is None or working.order.symbol == symbol)
            and (side is None or working.order.side is side)
        ]
        return self.cancel_many(refs)

    def cancel_many(self, refs: Sequence[OrderRef | str]) -> BatchResult:
        """Cancel several orders (``str`` refs are venue order ids); one result per ref."""
        self._begin()
        outcomes: list[tuple[_Outcome, int, int]] = []
        try:
            for ref in refs:
                ref = OrderRef(ref) if isinstance(ref, str) else ref
                start = len(self._events)
                outcome = self._cancel(ref.venue_order_id, ref.client_order_id, CancelCause.CLIENT)
                outcomes.append((outcome, start, len(self._events)))
        finally:
            events = self._finish()
        results = tuple(
            SimResult(ok, order, reason, message, events[start:end])
            for (ok, order, reason, message), start, end in outcomes
        )
        return BatchResult(results, events)

    # ------------------------------------------------------------------------------------------
    # Queries
    # ------------------------------------------------------------------------------------------

    def instrument(self, symbol: str) -> SimInstrument | None:
        """The instrument of ``symbol``, or None."""
        return self._instruments.get(symbol)

    def instruments(self) -> list[SimInstrument]:
        """Every instrument, in the order they were added."""
        return list(self._instruments.values())

    def book(self, symbol: str, depth: int | None = None) -> BookSnapshot:
        """The external book of ``symbol`` (``depth`` levels per side when given)."""
        book = self._books[self._require_instrument(symbol).symbol]
        bids, asks = book.depth(depth)
        return BookSnapshot(symbol, tuple(bids), tuple(asks), book.sequence)

    def last_price(self, symbol: str) -> Decimal | None:
        """The last traded price, if one was set or traded."""
        return self._last.get(symbol)

    def mark_price(self, symbol: str) -> Decimal | None:
        """The mark price, if one was set."""
        return self._mark.get(symbol)

    def index_price(self, symbol: str) -> Decimal | None:
        """The index price, if one was set."""
        return self._index.get(symbol)

    def order(
        self, venue_order_id: str | None = None, *, client_order_id: str | None = None
    ) -> SimOrder | None:
        """An open or recently closed order by venue id or client id (the open one wins)."""
        self._catch_up()
        working, problem = self._find_open(venue_order_id, client_order_id)
        if working is not None:
            return working.order.copy()
        assert problem is not None
        return problem[2]

    def open_orders(self, symbol: str | None = None) -> list[SimOrder]:
        """Open orders (of ``symbol`` when given), oldest first."""
        self._catch_up()
        return [
            w.order.copy()
            for w in self._open.values()
            if symbol is None or w.order.symbol == symbol
        ]

    def closed_orders(self, symbol: str | None = None) -> list[SimOrder]:
        """Recently finished orders (up to ``history_limit``), in the order they finished."""
        self._catch_up()
        return [
            order.copy()
            for order in self._closed.values()
            if symbol is None or order.symbol == symbol
        ]

    def fills(
        self,
        symbol: str | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
        venue_order_id: str | None = None,
    ) -> list[SimFill]:
        """Fills (up to ``history_limit``) with ``start_ns <= ts <= end_ns``, oldest first."""
        return [
            fill
            for fill in self._fills
            if (symbol is None or fill.symbol == symbol)
            and (start_ns is None or fill.ts >= start_ns)
            and (end_ns is None or fill.ts <= end_ns)
            and (venue_order_id is None or fill.venue_order_id == venue_order_id)
        ]

    def position(self, symbol: str, position_side: PositionSide | None = None) -> SimPosition:
        """The position of ``symbol`` (hedge leg ``position_side``); FLAT if there never was one."""
        self._require_instrument(symbol)
        return self._position_snapshot((symbol, position_side))

    def positions(
        self, symbol: str | None = None, *, include_flat: bool = False
    ) -> list[SimPosition]:
        """Positions (of ``symbol`` when given), in the order they were first opened."""
        snapshots = [
            self._position_snapshot(key)
            for key in self._positions
            if symbol is None or key[0] == symbol
        ]
        return [p for p in snapshots if include_flat or p.side is not PositionSide.FLAT]

    def balance(self, asset: str) -> SimBalance:
        """The balance of ``asset`` (zero if never touched)."""
        self._catch_up()
        return self._ledger.snapshot(asset)

    def balances(self) -> list[SimBalance]:
        """Every balance that was ever touched."""
        self._catch_up()
        return [self._ledger.snapshot(asset) for asset in self._ledger.assets()]

    # ------------------------------------------------------------------------------------------
    # Submission
    # ------------------------------------------------------------------------------------------

    def _submit(self, order: SimOrder, quantity_given: bool) -> _Outcome:
        pending = self._pending_rejects[SimOperation.SUBMIT]
        if pending:
            return self._reject(order, *pending.popleft())
        instrument = self._instruments.get(order.symbol)
        if instrument is None:
            return self._reject(
                order, RejectReason.UNKNOWN_INSTRUMENT, f"unknown instrument {order.symbol}"
            )
        if order.quote_quantity is not None and quantity_given:
            return self._reject(
                order, RejectReason.INVALID_ORDER, "give quantity or quote_quantity, not both"
            )
        if order.order_type is OrderType.PEGGED:
            if order.price is not None:
                return self._reject(
                    order, RejectReason.INVALID_ORDER, "a pegged order takes no price"
                )
            if order.peg_price_type is not None:
                order.price = self._peg_price(order, instrument)
                if order.price is None:
                    return self._reject(
                        order,
                        RejectReason.INVALID_ORDER,
                        f"no {order.peg_price_type} reference price to peg to",
                    )
        problem = check_order(order, instrument, now=self._ts, hedging=self._hedging)
        if problem is not None:
            return self._reject(order, *problem)
        client_id = order.client_order_id
        if client_id is not None and client_id in self._open_by_client_id:
            return self._reject(
                order,
                RejectReason.DUPLICATE_CLIENT_ORDER_ID,
                f"client order id {client_id} is in use",
            )
        reducing, key, problem = self._position_rules(order, instrument)
        if problem is not None:
            return self._reject(order, *problem)
        working = _Working(order, instrument, key, reducing)

        if order.order_type is OrderType.MARKET:
            return self._submit_market(working)

        cancel_for_crossing = False
        if order.post_only and order.order_type is OrderType.LIMIT and self._would_take(order):
            if self.post_only_cross is PostOnlyCross.REJECT:
                return self._reject(
                    order, RejectReason.WOULD_CROSS, "post-only order would take liquidity"
                )
            cancel_for_crossing = True
        trigger_now = False
        if order.is_conditional:
            problem = (
                self._arm_trailing(working) if order.order_type in TRAILING_ORDER_TYPES else None
            )
            if problem is not None:
                return self._reject(order, *problem)
            if self._condition_met(working):
                if self.immediate_trigger is ImmediateTrigger.REJECT:
                    return self._reject(
                        order,
                        RejectReason.WOULD_TRIGGER_IMMEDIATELY,
                        "order would trigger immediately",
                    )
                trigger_now = True
        problem = self._lock_funds(working)
        if problem is not None:
            return self._reject(order, *problem)
        self._accept(working)
        if order.order_type is OrderType.PEGGED:
            self._pegged.setdefault(order.symbol, {})[order.venue_order_id] = working
        if cancel_for_crossing:
            self._cancel_working(working, CancelCause.POST_ONLY_WOULD_CROSS)
        elif order.is_conditional:
            self._conditional.setdefault(order.symbol, {})[order.venue_order_id] = working
            if trigger_now:
                self._trigger(working)
        else:
            self._work(working)
        return self._result(True, order.copy())

    def _submit_market(self, working: _Working) -> _Outcome:
        order = working.order
        instrument = working.instrument
        ladder = self._books[order.symbol].side(
            OrderSide.SELL if order.side is OrderSide.BUY else OrderSide.BUY
        )
        if order.quote_quantity is not None:
            plan = plan_quote_take(ladder, order.quote_quantity, instrument.lot_size)
            order.quantity = sum((quantity for _, quantity in plan), ZERO)
            if not plan:
                reason = RejectReason.NO_LIQUIDITY if not len(ladder) else RejectReason.MIN_QUANTITY
                return self._reject(order, reason, "quote quantity buys no whole lot")
            if order.quantity < instrument.min_qty:
                return self._reject(
                    order,
                    RejectReason.MIN_QUANTITY,
                    f"quantity {order.quantity} < {instrument.min_qty}",
                )
        else:
            plan = plan_take(ladder, order.side is OrderSide.BUY, None, order.quantity)
        if plan and instrument.min_notional:
            planned = sum((quantity for _, quantity in plan), ZERO)
            vwap = sum((price * quantity for price, quantity in plan), ZERO) / planned
            if instrument.notional(order.quantity, vwap) < instrument.min_notional:
                return self._reject(
                    order, RejectReason.MIN_NOTIONAL, f"notional below {instrument.min_notional}"
                )
        if not self._can_afford(working, plan):
            return self._reject(order, RejectReason.INSUFFICIENT_BALANCE, "insufficient balance")
        self._accept(working)
        self._work(working)
        return self._result(True, order.copy())

    def _reject(self, order: SimOrder, reason: RejectReason, message: str) -> _Outcome:
        order.status = OrderStatus.REJECTED
        order.ts_created = order.ts_updated = self._ts
        snapshot = order.copy()
        self._events.append(OrderRejected(self._next_seq(), self._ts, snapshot, reason, message))
        return self._result(False, snapshot, reason, message)

    def _position_rules(
        self, order: SimOrder, instrument: SimInstrument
    ) -> tuple[bool, PositionKey | None, Problem | None]:
        """(reducing, position key, problem) of an order; may clamp a reduce-only quantity."""
        if not instrument.uses_margin:
            return False, None, None
        key = (order.symbol, order.position_side)
        if order.position_side is None:
            reducing = order.reduce_only
        else:  # hedge mode: selling the LONG leg or buying the SHORT leg closes it
            reducing = (order.position_side is PositionSide.LONG) is (order.side is OrderSide.SELL)
            if order.reduce_only and not reducing:
                opens = (RejectReason.REDUCE_ONLY_VIOLATION, "reduce-only order opens the leg")
                return True, key, opens
        if not reducing:
            return False, key, None
        order.quantity, problem = self._fit_to_position(
            key, order.side, order.filled_qty, order.quantity
        )
        return True, key, problem

    def _fit_to_position(
        self, key: PositionKey, side: OrderSide, filled: Decimal, quantity: Decimal
    ) -> tuple[Decimal, Problem | None]:
        """The quantity a reducing order may have (cut to the position in CLAMP mode), or why
        it may not have ``quantity``."""
        reducible = self._reducible(key, side)
        if reducible == 0:
            return quantity, (RejectReason.REDUCE_ONLY_VIOLATION, "no position to reduce")
        if quantity - filled <= reducible:
            return quantity, None
        if self.reduce_only_excess is ReduceOnlyExcess.REJECT:
            message = f"quantity exceeds the position {reducible}"
            return quantity, (RejectReason.REDUCE_ONLY_VIOLATION, message)
        return filled + reducible, None

    def _accept(self, working: _Working) -> None:
        order = working.order
        order.venue_order_id = order_id = order.venue_order_id or self._next_id(trade=False)
        order.status = OrderStatus.PARTIALLY_FILLED if order.filled_qty else OrderStatus.ACCEPTED
        order.ts_created = order.ts_updated = self._ts
        if order.time_in_force is TimeInForce.DAY:
            order.expire_time_ns = (self._ts // NS_PER_DAY + 1) * NS_PER_DAY
        self._open[order_id] = working
        if order.client_order_id is not None:
            self._open_by_client_id[order.client_order_id] = order_id
        if working.reducing:
            assert working.position_key is not None
            self._reducing.setdefault(working.position_key, {})[order_id] = working
        if order.expire_time_ns is not None and order.order_type is not OrderType.MARKET:
            self._expiry_seq += 1
            heapq.heappush(self._expiries, (order.expire_time_ns, self._expiry_seq, order_id))
        self._events.append(OrderAccepted(self._next_seq(), self._ts, order.copy()))

    # ------------------------------------------------------------------------------------------
    # Funds
    # ------------------------------------------------------------------------------------------

    def _lock_funds(self, working: _Working) -> Problem | None:
        """Lock what the order's leaves quantity needs; a problem if the free balance is short."""
        order = working.order
        instrument = working.instrument
        price: Decimal | None
        if order.order_type in LIMIT_ORDER_TYPES and order.price is not None:
            price = order.price
        else:
            price = (
                order.trigger_price if order.trigger_price is not None else order.activation_price
            )
            if price is not None and order.limit_offset is not None:
                # An untriggered trailing stop-limit: its limit price as if it triggered now.
                price = self._offset_limit_price(order, instrument, price)
        assert price is not None  # validated: every non-market order has one of them
        leaves = order.leaves_qty
        if instrument.uses_margin:
            asset = instrument.settlement_asset
            fee = max(instrument.maker_fee, instrument.taker_fee, ZERO)
            rate = instrument.settle_value(ONE, price) * (instrument.initial_margin_rate + fee)
            if working.reducing:
                units = ZERO
            elif self._hedging:
                units = leaves
            else:
                assert working.position_key is not None
                units = max(ZERO, leaves - self._reducible(working.position_key, order.side))
        elif order.side is OrderSide.BUY:
            asset = instrument.quote_asset
            rate = price * instrument.multiplier
            if instrument.fee_in_quote:
                rate *= ONE + max(instrument.maker_fee, instrument.taker_fee, ZERO)
            units = leaves
        else:
            asset, rate, units = instrument.base_asset, ONE, leaves
        needed = rate * units
        if needed > self._ledger.free(asset):
            return (
                RejectReason.INSUFFICIENT_BALANCE,
                f"needs {needed} {asset}, free {self._ledger.free(asset)}",
            )
        self._ledger.lock(asset, needed)
        working.lock_asset, working.lock_rate, working.lock_units = asset, rate, units
        return None

    def _release_funds(self, working: _Working) -> None:
        if working.lock_units:
            self._ledger.lock(working.lock_asset, -working.lock_rate * working.lock_units)
            working.lock_units = ZERO

    def _can_afford(self, working: _Working, plan: list[tuple[Decimal, Decimal]]) -> bool:
        """Whether the free balance pays for executing ``plan`` (market orders lock nothing)."""
        order = working.order
        instrument = working.instrument
        ledger = self._ledger
        if instrument.uses_margin:
            if working.reducing:
                return True
            assert working.position_key is not None
            reducible = ZERO if self._hedging else self._reducible(working.position_key, order.side)
            rate = instrument.initial_margin_rate + max(instrument.taker_fee, ZERO)
            needed = ZERO
            for price, quantity in plan:
                closing = min(quantity, reducible)
                reducible -= closing
                needed += instrument.settle_value(quantity - closing, price) * rate
            return needed <= ledger.free(instrument.settlement_asset)
        if order.side is OrderSide.SELL:
            return order.leaves_qty <= ledger.free(instrument.base_asset)
        cost = sum((price * quantity for price, quantity in plan), ZERO) * instrument.multiplier
        if instrument.fee_in_quote:
            cost *= ONE + max(instrument.taker_fee, ZERO)
        return cost <= ledger.free(instrument.quote_asset)

    def _relock_position_margin(self, state: PositionState, instrument: SimInstrument) -> None:
        margin = state.required_margin(instrument)
        self._ledger.lock(instrument.settlement_asset, margin - state.margin)
        state.margin = margin

    # ------------------------------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------------------------------

    def _would_take(self, order: SimOrder) -> bool:
        """Whether a limit order would trade with the external book right now."""
        is_buy = order.side is OrderSide.BUY
        book = self._books[order.symbol]
        best = (book.asks if is_buy else book.bids).best_price()
        return best is not None and crosses(is_buy, best, order.price)

    def _work(self, working: _Working) -> None:
        """Match an accepted (or triggered) order as taker, then rest what is left of a limit
        order or cancel it per time in force; market orders never rest."""
        order = working.order
        is_buy = order.side is OrderSide.BUY
        limit = order.price if order.order_type in LIMIT_ORDER_TYPES else None
        market = self._books[order.symbol].side(OrderSide.SELL if is_buy else OrderSide.BUY)
        if order.time_in_force is TimeInForce.FOK:
            plan = plan_take(market, is_buy, limit, order.leaves_qty)
            if sum((quantity for _, quantity in plan), ZERO) < order.leaves_qty:
                self._cancel_working(working, CancelCause.FOK_NOT_FILLED)
                return
        self._take_from(working, market, is_buy, limit, LiquiditySide.TAKER)
        if not order.is_open:
            return
        if limit is None or order.time_in_force in IMMEDIATE_TIF:
            self._cancel_working(working, CancelCause.UNFILLED_REMAINDER)
        else:
            self._rest(working)

    def _take_from(
        self,
        working: _Working,
        market: PriceLadder[Decimal],
        is_buy: bool,
        limit: Decimal | None,
        liquidity: LiquiditySide,
    ) -> None:
        """Fill ``working`` against external levels up to ``limit``, consuming them.

        Takers fill at the level price and print a public trade; makers (resting orders the book
        moved through) fill at their own limit price.
        """
        order = working.order
        symbol = order.symbol
        book_side = OrderSide.SELL if is_buy else OrderSide.BUY
        # The aggressor is the taker: this order, or the book side that moved through it.
        buyer_aggressed = is_buy is (liquidity is LiquiditySide.TAKER)
        aggressor = AggressorSide.BUYER if buyer_aggressed else AggressorSide.SELLER
        while order.is_open:
            best = market.best_price()
            if best is None or not crosses(is_buy, best, limit):
                break
            size = market.get(best)
            assert size is not None
            quantity = min(self._fillable(working), size)
            if quantity <= 0:
                break
            if size == quantity:
                market.remove(best)
            else:
                market.set(best, size - quantity)
            self._note_level(symbol, book_side, best)
            price = best if liquidity is LiquiditySide.TAKER or limit is None else limit
            fill = self._fill(working, quantity, price, liquidity)
            self._print(symbol, fill, aggressor)
        self._cancel_if_nothing_to_reduce(working)

    def _print(self, symbol: str, fill: SimFill, aggressor: AggressorSide) -> None:
        self._events.append(
            PublicTrade(
                self._next_seq(),
                self._ts,
                symbol,
                fill.trade_id,
                fill.price,
                fill.quantity,
                aggressor,
            )
        )

    def _rest(self, working: _Working) -> None:
        order = working.order
        assert order.price is not None
        ladder = self._own_books[order.symbol].side(order.side)
        level = ladder.get(order.price)
        if level is None:
            ladder.set(order.price, {order.venue_order_id: working})
        else:
            level[order.venue_order_id] = working
        working.resting = True

    def _unrest(self, working: _Working, price: Decimal | None = None) -> None:
        """Take a resting order out of the ladder (from level ``price`` if it moved since)."""
        order = working.order
        price = order.price if price is None else price
        assert price is not None
        ladder = self._own_books[order.symbol].side(order.side)
        level = ladder.get(price)
        assert level is not None
        del level[order.venue_order_id]
        if not level:
            ladder.remove(price)
        working.resting = False

    def _fill(
        self, working: _Working, quantity: Decimal, price: Decimal, liquidity: LiquiditySide
    ) -> SimFill:
        """Book one execution: funds, balances or position, the order, the fill and its event."""
        order = working.order
        instrument = working.instrument
        ledger = self._ledger
        ts = self._ts
        # The last `lock_units` of the leaves are funded; this fill consumes leaves from the front.
        released = quantity - (order.quantity - order.filled_qty - working.lock_units)
        if released > 0:
            ledger.lock(working.lock_asset, -released * working.lock_rate)
            working.lock_units -= released
        rate = instrument.maker_fee if liquidity is LiquiditySide.MAKER else instrument.taker_fee
        realized: Decimal | None = None
        if instrument.uses_margin:
            asset = instrument.settlement_asset
            commission = instrument.fee(instrument.settle_value(quantity, price), rate)
            key = working.position_key
            assert key is not None
            state = self._position_state(key)
            realized = state.apply(
                instrument, quantity if order.side is OrderSide.BUY else -quantity, price, ts
            )
            self._relock_position_margin(state, instrument)
            ledger.add(asset, realized - commission)
            self._changed_positions[key] = None
        else:
            notional = quantity * price * instrument.multiplier
            base, quote = instrument.base_asset, instrument.quote_asset
            if order.side is OrderSide.SELL:
                asset = quote
                commission = instrument.fee(notional, rate)
                ledger.add(base, -quantity)
                ledger.add(quote, notional - commission)
            elif instrument.fee_in_quote:
                asset = quote
                commission = instrument.fee(notional, rate)
                ledger.add(quote, -notional - commission)
                ledger.add(base, quantity)
            else:  # spot venues take the buy commission from what was bought
                asset = base
                commission = instrument.fee(quantity, rate)
                ledger.add(quote, -notional)
                ledger.add(base, quantity - commission)
        order.filled_qty += quantity
        order.filled_quote += quantity * price
        order.avg_px = round_quotient(order.filled_quote / order.filled_qty)
        order.commission += commission
        order.commission_asset = asset
        order.status = (
            OrderStatus.FILLED
            if order.filled_qty == order.quantity
            else OrderStatus.PARTIALLY_FILLED
        )
        order.ts_updated = ts
        fill = SimFill(
            trade_id=self._next_id(trade=True),
            venue_order_id=order.venue_order_id,
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            side=order.side,
            price=price,
            quantity=quantity,
            quote_quantity=quantity * price,
            commission=commission,
            commission_asset=asset,
            liquidity_side=liquidity,
            ts=ts,
            realized_pnl=realized,
            position_side=order.position_side,
        )
        self._fills.append(fill)
        self._events.append(OrderFilled(self._next_seq(), ts, order.copy(), fill))
        if order.status is OrderStatus.FILLED:
            self._close(working)
        if working.position_key is not None:
            self._cancel_stale_reducing(working.position_key)
        return fill

    # ------------------------------------------------------------------------------------------
    # Positions and reduce-only
    # ------------------------------------------------------------------------------------------

    def _position_state(self, key: PositionKey) -> PositionState:
        state = self._positions.get(key)
        if state is None:
            state = self._positions[key] = PositionState(key[0], key[1])
        return state

    def _position_snapshot(self, key: PositionKey) -> SimPosition:
        instrument = self._instruments[key[0]]
        state = self._positions.get(key) or PositionState(key[0], key[1], ts_updated=self._ts)
        mark = self._mark.get(key[0]) or self._last.get(key[0])
        return state.snapshot(instrument, mark)

    def _reducible(self, key: PositionKey, side: OrderSide) -> Decimal:
        """How much an order of ``side`` can reduce the position ``key``."""
        state = self._positions.get(key)
        if state is None:
            return ZERO
        held = state.quantity
        if side is OrderSide.BUY:
            return -held if held < 0 else ZERO
        return held if held > 0 else ZERO

    def _fillable(self, working: _Working) -> Decimal:
        leaves = working.order.quantity - working.order.filled_qty
        if not working.reducing:
            return leaves
        assert working.position_key is not None
        return min(leaves, self._reducible(working.position_key, working.order.side))

    def _cancel_if_nothing_to_reduce(self, working: _Working) -> None:
        if working.reducing and working.order.is_open and self._fillable(working) == 0:
            self._cancel_working(working, CancelCause.REDUCE_ONLY)

    def _cancel_stale_reducing(self, key: PositionKey) -> None:
        """Cancel reduce-only orders left with nothing to reduce after the position changed."""
        orders = self._reducing.get(key)
        if orders:
            for working in list(orders.values()):
                self._cancel_if_nothing_to_reduce(working)

    # ------------------------------------------------------------------------------------------
    # Conditional orders
    # ------------------------------------------------------------------------------------------

    def _reference_price(
        self, symbol: str, trigger_type: TriggerType, side: OrderSide
    ) -> Decimal | None:
        if trigger_type is TriggerType.MARK_PRICE:
            return self._mark.get(symbol)
        if trigger_type is TriggerType.INDEX_PRICE:
            return self._index.get(symbol)
        if trigger_type is TriggerType.BID_ASK:
            book = self._books[symbol]
            return (book.asks if side is OrderSide.BUY else book.bids).best_price()
        return self._last.get(symbol)

    def _condition_met(self, working: _Working) -> bool:
        order = working.order
        if order.trigger_price is None:  # a trailing stop not activated yet
            return False
        reference = self._reference_price(order.symbol, order.trigger_type, order.side)
        if reference is None:
            return False
        # Stops fire when the price moves through the trigger, if-touched when it comes to it.
        rising = (order.side is OrderSide.BUY) is (order.order_type not in _IF_TOUCHED_TYPES)
        return reference >= order.trigger_price if rising else reference <= order.trigger_price

    def _arm_trailing(self, working: _Working) -> Problem | None:
        order = working.order
        reference = self._reference_price(order.symbol, order.trigger_type, order.side)
        if reference is None and order.activation_price is None:
            return (
                RejectReason.INVALID_TRIGGER_PRICE,
                "no reference price to trail from; give an activation price",
            )
        if reference is not None:
            self._trail(working, reference)
        return None

    def _trail(self, working: _Working, reference: Decimal) -> bool:
        """Move a trailing stop's trigger with the best price seen since activation; whether
        the trigger price changed."""
        order = working.order
        is_sell = order.side is OrderSide.SELL
        extreme = working.trail_extreme
        if extreme is None:
            activation = order.activation_price
            if activation is not None and (
                reference < activation if is_sell else reference > activation
            ):
                return False
            extreme = reference
        else:
            extreme = max(extreme, reference) if is_sell else min(extreme, reference)
        working.trail_extreme = extreme
        offset = order.trailing_offset
        assert offset is not None
        if order.trailing_offset_type is TrailingOffsetType.BASIS_POINTS:
            offset = extreme * offset / BASIS_POINTS
        tick = working.instrument.tick_size
        before = order.trigger_price
        if is_sell:
            order.trigger_price = round_to_increment(extreme - offset, tick, ROUND_FLOOR)
        else:
            order.trigger_price = round_to_increment(extreme + offset, tick, ROUND_CEILING)
        return order.trigger_price != before

    def _offset_limit_price(
        self, order: SimOrder, instrument: SimInstrument, trigger: Decimal
    ) -> Decimal:
        """A trailing stop-limit's limit price: ``limit_offset`` beyond ``trigger`` (below it
        for a sell, above for a buy), a whole number of ticks and never below one tick."""
        offset = order.limit_offset
        assert offset is not None
        if order.trailing_offset_type is TrailingOffsetType.BASIS_POINTS:
            offset = trigger * offset / BASIS_POINTS
        tick = instrument.tick_size
        if order.side is OrderSide.SELL:
            price = round_to_increment(trigger - offset, tick, ROUND_FLOOR)
        else:
            price = round_to_increment(trigger + offset, tick, ROUND_CEILING)
        return max(price, tick)

    def _check_triggers(self, symbol: str) -> None:
        pending = self._conditional.get(symbol)
        if not pending:
            return
        for order_id, working in list(pending.items()):
            if order_id not in pending:  # finished by an earlier trigger's effects
                continue
            order = working.order
            if order.order_type in TRAILING_ORDER_TYPES:
                reference = self._reference_price(symbol, order.trigger_type, order.side)
                if reference is not None:
                    before, ts_before = order.trigger_price, order.ts_updated
                    if self._trail(working, reference):
                        previous = order.copy()
                        previous.trigger_price, previous.ts_updated = before, ts_before
                        order.ts_updated = self._ts
                        self._events.append(
                            OrderAmended(self._next_seq(), self._ts, order.copy(), previous)
                        )
            if self._condition_met(working):
                self._trigger(working)

    def _trigger(self, working: _Working) -> None:
        order = working.order
        del self._conditional[order.symbol][order.venue_order_id]
        order.status = OrderStatus.TRIGGERED
        order.ts_triggered = order.ts_updated = self._ts
        funded = True
        if order.limit_offset is not None and order.price is None:
            # A trailing stop-limit gets its limit price now; the estimate locked so far gives
            # way to the lock at that price.
            assert order.trigger_price is not None
            self._release_funds(working)
            order.price = self._offset_limit_price(order, working.instrument, order.trigger_price)
            funded = self._lock_funds(working) is None
        self._events.append(OrderTriggered(self._next_seq(), self._ts, order.copy()))
        if working.reducing and self._fillable(working) == 0:
            self._cancel_working(working, CancelCause.REDUCE_ONLY)
        elif not funded:
            self._cancel_working(working, CancelCause.INSUFFICIENT_BALANCE)
        elif order.order_type in LIMIT_ORDER_TYPES:
            if order.post_only and self._would_take(order):
                self._cancel_working(working, CancelCause.POST_ONLY_WOULD_CROSS)
            else:
                self._work(working)  # funds were locked at the limit price on submission
        else:
            # Market execution: the estimate locked at the trigger price gives way to the real cost.
            self._release_funds(working)
            is_buy = order.side is OrderSide.BUY
            market = self._books[order.symbol].side(OrderSide.SELL if is_buy else OrderSide.BUY)
            if self._can_afford(working, plan_take(market, is_buy, None, self._fillable(working))):
                self._work(working)
            else:
                self._cancel_working(working, CancelCause.INSUFFICIENT_BALANCE)

    # ------------------------------------------------------------------------------------------
    # Finishing orders
    # ------------------------------------------------------------------------------------------

    def _close(self, working: _Working) -> None:
        """Remove a finished order from the open structures and keep it in the history."""
        order = working.order
        order_id = order.venue_order_id
        del self._open[order_id]
        client_id = order.client_order_id
        if client_id is not None:
            if self._open_by_client_id.get(client_id) == order_id:
                del self._open_by_client_id[client_id]
            self._closed_by_client_id[client_id] = order_id
        if working.resting:
            self._unrest(working)
        pending = self._conditional.get(order.symbol)
        if pending is not None:
            pending.pop(order_id, None)
        pegged = self._pegged.get(order.symbol)
        if pegged is not None:
            pegged.pop(order_id, None)
        if working.reducing:
            assert working.position_key is not None
            self._reducing[working.position_key].pop(order_id, None)
        self._release_funds(working)
        self._closed[order_id] = order
        if len(self._closed) > self.history_limit:
            oldest_id = next(iter(self._closed))
            oldest = self._closed.pop(oldest_id)
            if (
                oldest.client_order_id is not None
                and self._closed_by_client_id.get(oldest.client_order_id) == oldest_id
            ):
                del self._closed_by_client_id[oldest.client_order_id]

    def _cancel_working(self, working: _Working, cause: CancelCause) -> None:
        order = working.order
        order.status = OrderStatus.CANCELED
        order.cancel_cause = cause
        order.ts_updated = self._ts
        self._close(working)
        self._events.append(OrderCanceled(self._next_seq(), self._ts, order.copy(), cause))

    def _expire_working(self, working: _Working) -> None:
        order = working.order
        order.status = OrderStatus.EXPIRED
        order.ts_updated = self._ts
        self._close(working)
        self._events.append(OrderExpired(self._next_seq(), self._ts, order.copy()))

    def _expire_due(self, now: int) -> None:
        heap = self._expiries
        while heap and heap[0][0] <= now:
            expire_ns, _, order_id = heapq.heappop(heap)
            working = self._open.get(order_id)
            if working is None:  # finished before it expired
                continue
            self._ts = expire_ns  # the event happened at the expiry time, not when we noticed
            self._expire_working(working)

    # ------------------------------------------------------------------------------------------
    # Amend and cancel
    # ------------------------------------------------------------------------------------------

    def _find_open(
        self, venue_order_id: str | None, client_order_id: str | None
    ) -> tuple[_Working | None, tuple[RejectReason, str, SimOrder | None] | None]:
        """The open order named, or why there is none (with the finished order if known)."""
        if venue_order_id is None and client_order_id is None:
            raise ValueError("name the order by venue_order_id or client_order_id")
        if venue_order_id is not None:
            working = self._open.get(venue_order_id)
            closed = self._closed.get(venue_order_id)
        else:
            assert client_order_id is not None
            open_id = self._open_by_client_id.get(client_order_id)
            working = None if open_id is None else self._open[open_id]
            closed_id = self._closed_by_client_id.get(client_order_id)
            closed = None if closed_id is None else self._closed.get(closed_id)
        if working is not None:
            return working, None
        if closed is not None:
            return None, (RejectReason.ORDER_NOT_OPEN, f"order is {closed.status}", closed.copy())
        return None, (RejectReason.UNKNOWN_ORDER, "unknown order", None)

    def _cancel(
        self, venue_order_id: str | None, client_order_id: str | None, cause: CancelCause
    ) -> _Outcome:
        pending = self._pending_rejects[SimOperation.CANCEL]
        working, problem = self._find_open(venue_order_id, client_order_id)
        if working is not None and pending:
            reason, message = pending.popleft()
            problem = (reason, message, working.order.copy())
        if problem is not None:
            reason, message, known = problem
            self._events.append(
                CancelRejected(
                    self._next_seq(),
                    self._ts,
                    venue_order_id,
                    client_order_id,
                    reason,
                    message,
                    known,
                )
            )
            return self._result(False, known, reason, message)
        assert working is not None
        self._cancel_working(working, cause)
        return self._result(True, working.order.copy())

    def _amend(
        self,
        venue_order_id: str | None,
        client_order_id: str | None,
        quantity: Decimal | None,
        price: Decimal | None,
        trigger_price: Decimal | None,
    ) -> _Outcome:
        working, found = self._find_open(venue_order_id, client_order_id)
        if working is None:
            assert found is not None
            return self._amend_rejected(
                venue_order_id, client_order_id, found[0], found[1], found[2]
            )
        order = working.order
        problem = self._amend_problem(working, quantity, price, trigger_price)
        if problem is None and self._pending_rejects[SimOperation.AMEND]:
            problem = self._pending_rejects[SimOperation.AMEND].popleft()
        if problem is not None:
            return self._amend_rejected(venue_order_id, client_order_id, *problem, order.copy())

        previous = order.copy()
        if working.reducing and quantity is not None:
            assert working.position_key is not None
            quantity, problem = self._fit_to_position(
                working.position_key, order.side, order.filled_qty, quantity
            )
            if problem is not None:
                return self._amend_rejected(venue_order_id, client_order_id, *problem, previous)
        # Swap the funds: release the old lock, lock for the new terms, restore on failure.
        old_lock = (working.lock_asset, working.lock_rate, working.lock_units)
        self._release_funds(working)
        if quantity is not None:
            order.quantity = quantity
        if price is not None:
            order.price = price
        if trigger_price is not None:
            order.trigger_price = trigger_price
        funds_problem = self._lock_funds(working)
        if funds_problem is not None:
            order.quantity, order.price, order.trigger_price = (
                previous.quantity,
                previous.price,
                previous.trigger_price,
            )
            working.lock_asset, working.lock_rate, working.lock_units = old_lock
            self._ledger.lock(working.lock_asset, working.lock_rate * working.lock_units)
            return self._amend_rejected(venue_order_id, client_order_id, *funds_problem, previous)
        order.ts_updated = self._ts
        self._events.append(OrderAmended(self._next_seq(), self._ts, order.copy(), previous))
        if working.resting:
            # Only a smaller quantity keeps the order's place in the queue; otherwise it
            # re-enters last at its (new) price, and matches first if that price crosses.
            if order.price != previous.price or order.quantity > previous.quantity:
                self._unrest(working, previous.price)
                self._work(working)
        elif order.venue_order_id in self._conditional.get(
            order.symbol, {}
        ) and self._condition_met(working):
            self._trigger(working)
        return self._result(True, order.copy())

    def _amend_problem(
        self,
        working: _Working,
        quantity: Decimal | None,
        price: Decimal | None,
        trigger_price: Decimal | None,
    ) -> Problem | None:
        order = working.order
        instrument = working.instrument
        untriggered = order.venue_order_id in self._conditional.get(order.symbol, {})
        if quantity is None and price is None and trigger_price is None:
            return RejectReason.INVALID_ORDER, "nothing to amend"
        if price is not None:
            if order.order_type is OrderType.PEGGED:
                return RejectReason.INVALID_ORDER, "a pegged order is priced by its peg"
            if order.order_type not in LIMIT_ORDER_TYPES:
                return RejectReason.INVALID_ORDER, f"{order.order_type} orders have no price"
            if order.price is None:
                return (
                    RejectReason.INVALID_ORDER,
                    "a trailing stop-limit's price follows its trigger (limit offset)",
                )
            problem = check_price(price, instrument, RejectReason.INVALID_PRICE)
            if problem is not None:
                return problem
        if trigger_price is not None:
            if not untriggered or order.order_type in TRAILING_ORDER_TYPES:
                return (
                    RejectReason.INVALID_ORDER,
                    "only an untriggered stop's trigger price can change",
                )
            problem = check_price(trigger_price, instrument, RejectReason.INVALID_TRIGGER_PRICE)
            if problem is not None:
                return problem
        if quantity is not None:
            if quantity <= order.filled_qty:
                return (
                    RejectReason.QUANTITY_BELOW_FILLED,
                    f"quantity must exceed the filled {order.filled_qty}",
                )
            problem = check_quantity(quantity, instrument)
            if problem is not None:
                return problem
        new_quantity = order.quantity if quantity is None else quantity
        new_price = order.price if price is None else price
        reference = (
            new_price
            if order.order_type in LIMIT_ORDER_TYPES
            else (trigger_price or order.trigger_price)
        )
        if (
            reference is not None
            and instrument.min_notional
            and instrument.notional(new_quantity, reference) < instrument.min_notional
        ):
            return RejectReason.MIN_NOTIONAL, f"notional below {instrument.min_notional}"
        if order.post_only and working.resting and price is not None:
            probe = order.copy()
            probe.price = price
            if self._would_take(probe):
                return RejectReason.WOULD_CROSS, "post-only order would take liquidity"
        if (
            untriggered
            and trigger_price is not None
            and self.immediate_trigger is ImmediateTrigger.REJECT
        ):
            probe_working = _Working(
                order.copy(), instrument, working.position_key, working.reducing
            )
            probe_working.order.trigger_price = trigger_price
            if self._condition_met(probe_working):
                return RejectReason.WOULD_TRIGGER_IMMEDIATELY, "order would trigger immediately"
        return None

    def _amend_rejected(
        self,
        venue_order_id: str | None,
        client_order_id: str | None,
        reason: RejectReason,
        message: str,
        order: SimOrder | None,
    ) -> _Outcome:
        self._events.append(
            AmendRejected(
                self._next_seq(), self._ts, venue_order_id, client_order_id, reason, message, order
            )
        )
        return self._result(False, order, reason, message)

    def _require_instrument(self, symbol: str) -> SimInstrument:
        instrument = self._instruments.get(symbol)
        if instrument is None:
            raise ValueError(f"unknown instrument {symbol}")
        return instrument
