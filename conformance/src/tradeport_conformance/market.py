"""A simulated market that moves: a seeded random walk published through a harness's controls.

``tradeport stream VENUE --sandbox`` (and ``record``) start the plugin's own mock venue and
drive it with :class:`RandomWalkMarket`, so the commands show live-looking data on a machine
with no network. The driver is venue-neutral: it only calls the :class:`VenueHarness` controls
(``publish_quote``, ``publish_trade``, ``set_book`` / ``publish_book_update``, ``publish_bar``),
and every mock venue turns those into its own wire format.

The walk is reproducible: the same seed, instruments and number of steps publish the same
prices and sizes. Prices move on the instrument's tick, sizes on its lot, from a mid of 1000
(the suite's default mid, where the harnesses seed their books).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from tradeport.model.identifiers import InstrumentId
    from tradeport.model.instruments import Instrument

    from tradeport_conformance.harness import VenueHarness

__all__ = ["RandomWalkMarket", "MarketFeeds"]

START_MID = Decimal(1000)
BOOK_LEVELS = 5
MINUTE_MS = 60_000


class MarketFeeds:
    """Which instruments get which kind of update (instrument ids)."""

    def __init__(
        self,
        quotes: Sequence[InstrumentId] = (),
        trades: Sequence[InstrumentId] = (),
        books: Sequence[InstrumentId] = (),
        bars: Sequence[InstrumentId] = (),
    ) -> None:
        self.quotes = list(dict.fromkeys(quotes))
        self.trades = list(dict.fromkeys(trades))
        self.books = list(dict.fromkeys(books))
        self.bars = list(dict.fromkeys(bars))

    def instruments(self) -> list[InstrumentId]:
        return list(dict.fromkeys([*self.quotes, *self.trades, *self.books, *self.bars]))


class _Walk:
    """One instrument's state: mid and spread in ticks, the published book ladder."""

    def __init__(self, instrument: Instrument, rng: random.Random) -> None:
        self.instrument = instrument
        self.rng = rng
        self.tick = instrument.price_increment.as_decimal()
        self.lot = instrument.size_increment.as_decimal()
        minimum = instrument.min_quantity.as_decimal() if instrument.min_quantity else self.lot
        self.min_lots = max(1, int(minimum / self.lot) + (minimum % self.lot != 0))
        self.mid_ticks = int(START_MID / self.tick)
        self.spread_ticks = 2
        #: side -> {price: size} as last published (the book the venue holds).
        self.book: dict[str, dict[Decimal, Decimal]] = {"BUY": {}, "SELL": {}}
        self.bar_open: Decimal | None = None
        self.bar_high = self.bar_low = self.bar_close = Decimal(0)
        self.bar_volume = Decimal(0)

    def size(self) -> Decimal:
        return self.lot * self.rng.randint(self.min_lots, self.min_lots * 20)

    def step(self) -> None:
        self.mid_ticks = max(self.spread_ticks + 1, self.mid_ticks + self.rng.choice((-1, 0, 0, 1)))
        self.spread_ticks = self.rng.choice((2, 2, 2, 4))

    @property
    def bid(self) -> Decimal:
        return (self.mid_ticks - self.spread_ticks // 2) * self.tick

    @property
    def ask(self) -> Decimal:
        return (self.mid_ticks + self.spread_ticks // 2) * self.tick

    def ladder(self) -> dict[str, dict[Decimal, Decimal]]:
        """The book this step should show: BOOK_LEVELS levels a side, one tick apart.
        Sizes of levels that stay are kept most of the time, so updates stay small."""
        target: dict[str, dict[Decimal, Decimal]] = {"BUY": {}, "SELL": {}}
        for side, best, direction in (("BUY", self.bid, -1), ("SELL", self.ask, 1)):
            for level in range(BOOK_LEVELS):
                price = best + direction * level * self.tick
                old = self.book[side].get(price)
                keep = old is not None and self.rng.random() < 0.7
                target[side][price] = old if keep and old is not None else self.size()
        return target

    def trade_price(self, side: str) -> Decimal:
        return self.ask if side == "BUY" else self.bid

    def add_to_bar(self, price: Decimal, size: Decimal) -> None:
        if self.bar_open is None:
            self.bar_open = self.bar_high = self.bar_low = price
        self.bar_high = max(self.bar_high, price)
        self.bar_low = min(self.bar_low, price)
        self.bar_close = price
        self.bar_volume += size


class RandomWalkMarket:
    """Publishes a seeded random-walk market for ``feeds`` through ``harness``.

    :param harness: a started :class:`VenueHarness`.
    :param instruments: the loaded instruments (for tick and lot sizes), by id.
    :param feeds: which instruments get quotes, trades, book updates and bars.
    :param seed: the random seed (the same seed publishes the same market).
    :param interval: seconds between steps.
    :param bar_every: steps per published bar (bars are stamped one simulated minute apart).

    Controls the harness does not implement are turned off with a note in :attr:`unsupported`
    (for the caller to report), never retried.
    """

    def __init__(
        self,
        harness: VenueHarness,
        instruments: dict[InstrumentId, Instrument],
        feeds: MarketFeeds,
        *,
        seed: int = 1,
        interval: float = 0.1,
        bar_every: int = 10,
    ) -> None:
        self.harness = harness
        self.feeds = feeds
        self.rng = random.Random(seed)
        self.interval = interval
        self.bar_every = max(1, bar_every)
        self.walks = {iid: _Walk(instruments[iid], self.rng) for iid in feeds.instruments()}
        #: Steps published so far.
        self.steps = 0
        #: Kinds of update the harness cannot publish (``"book"``, ``"bars"``, ...), with why.
        self.unsupported: dict[str, str] = {}
        #: Called as ``on_unsupported(kind, why)`` the first time a control turns out missing.
        self.on_unsupported: Callable[[str, str], None] | None = None
        self._bar_ts_ms = (time.time_ns() // 1_000_000) // MINUTE_MS * MINUTE_MS

    async def prime(self) -> None:
        """Seed the books to subscribe to (call before subscribing, so snapshots match)."""
        for iid in self.feeds.books:
            walk = self.walks[iid]
            walk.book = walk.ladder()
            levels = {side: sorted(walk.book[side].items()) for side in walk.book}
            await self._call(
                "book",
                self.harness.set_book,
                iid,
                sorted(levels["BUY"], reverse=True),
                levels["SELL"],
            )

    async def run(self, steps: int | None = None) -> None:
        """Publish a step every ``interval`` seconds (``steps`` of them, or until cancelled)."""
        while steps is None or self.steps < steps:
            await self.step()
            await anyio.sleep(self.interval)

    async def step(self) -> None:
        """Move every instrument one step and publish what its feeds ask for."""
        self.steps += 1
        for iid, walk in self.walks.items():
            walk.step()
            if iid in self.feeds.quotes:
                await self._call(
                    "quotes",
                    self.harness.publish_quote,
                    iid,
                    walk.bid,
                    walk.ask,
                    walk.size(),
                    walk.size(),
                )
            if iid in self.feeds.trades or iid in self.feeds.bars:
                side = self.rng.choice(("BUY", "SELL"))
                price, size = walk.trade_price(side), walk.size()
                walk.add_to_bar(price, size)
                if iid in self.feeds.trades:
                    await self._publish_trade(iid, price, size, side)
            if iid in self.feeds.books:
                await self._publish_book(iid, walk)
            if iid in self.feeds.bars and self.steps % self.bar_every == 0:
                await self._publish_bar(iid, walk)
        if self.steps % self.bar_every == 0:
            self._bar_ts_ms += MINUTE_MS

    async def _publish_trade(
        self, iid: InstrumentId, price: Decimal, size: Decimal, side: str
    ) -> None:
        from tradeport.model.enums import AggressorSide

        aggressor = AggressorSide.BUYER if side == "BUY" else AggressorSide.SELLER
        await self._call("trades", self.harness.publish_trade, iid, price, size, aggressor)

    async def _publish_book(self, iid: InstrumentId, walk: _Walk) -> None:
        from tradeport.model.enums import OrderSide

        target = walk.ladder()
        for side_name, side in (("BUY", OrderSide.BUY), ("SELL", OrderSide.SELL)):
            old, new = walk.book[side_name], target[side_name]
            # Removals first, so the venue's book is never crossed in between.
            changes = [(p, Decimal(0)) for p in old if p not in new]
            changes += [(p, s) for p, s in new.items() if old.get(p) != s]
            for price, size in changes:
                if not await self._call(
                    "book", self.harness.publish_book_update, iid, side, price, size
                ):
                    return
        walk.book = target

    async def _publish_bar(self, iid: InstrumentId, walk: _Walk) -> None:
        if walk.bar_open is None:
            return
        await self._call(
            "bars",
            self.harness.publish_bar,
            iid,
            walk.bar_open,
            walk.bar_high,
            walk.bar_low,
            walk.bar_close,
            walk.bar_volume,
            self._bar_ts_ms,
        )
        walk.bar_open = None
        walk.bar_volume = Decimal(0)

    async def _call(self, kind: str, control: Any, *args: Any) -> bool:
        if kind in self.unsupported:
            return False
        try:
            await control(*args)
        except NotImplementedError as exc:
            why = f"the {self.harness.venue} mock venue has no {exc or kind} control"
            self.unsupported[kind] = why
            if self.on_unsupported is not None:
                self.on_unsupported(kind, why)
            return False
        return True
