"""Price ladders: the external L2 book of an instrument and the account's own resting orders.

The external book is synthetic liquidity that tests and mock venues set; marketable orders take
from it. The account's resting orders are kept apart, in price-time priority, and fill when an
injected trade or a book move crosses them.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from decimal import ROUND_FLOOR, Decimal
from typing import Generic, TypeVar

from tradeport.model.enums import OrderSide

from tradeport_conformance.simulated.records import round_to_increment

V = TypeVar("V")


class PriceLadder(Generic[V]):
    """The price levels of one book side, each holding a value, iterated best first.

    Keys are kept sorted with the best level at the end of the list, so reading or removing the
    best level (the common case while matching) costs O(1).
    """

    __slots__ = ("_bids", "_keys", "_values")

    def __init__(self, is_bid_side: bool) -> None:
        self._bids = is_bid_side
        # Best last: bids ascending by price, asks ascending by negated price.
        self._keys: list[Decimal] = []
        self._values: dict[Decimal, V] = {}

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, price: Decimal) -> bool:
        return price in self._values

    def __getitem__(self, price: Decimal) -> V:
        return self._values[price]

    def get(self, price: Decimal) -> V | None:
        """The value at ``price``, or None."""
        return self._values.get(price)

    def set(self, price: Decimal, value: V) -> None:
        """Set the value at ``price``, creating the level if needed."""
        if price not in self._values:
            insort(self._keys, price if self._bids else -price)
        self._values[price] = value

    def remove(self, price: Decimal) -> None:
        """Remove the level at ``price`` (which must exist)."""
        del self._values[price]
        key = price if self._bids else -price
        if self._keys[-1] == key:
            self._keys.pop()
        else:
            del self._keys[bisect_left(self._keys, key)]

    def clear(self) -> None:
        """Remove every level."""
        self._keys.clear()
        self._values.clear()

    def best_price(self) -> Decimal | None:
        """The best price (highest bid, lowest ask), or None when the side is empty."""
        if not self._keys:
            return None
        key = self._keys[-1]
        return key if self._bids else -key

    def prices(self) -> Iterator[Decimal]:
        """Prices best first. Do not change the ladder while iterating."""
        if self._bids:
            return reversed(self._keys)
        return (-key for key in reversed(self._keys))

    def items(self) -> list[tuple[Decimal, V]]:
        """(price, value) pairs best first, as a list (safe to change the ladder meanwhile)."""
        values = self._values
        return [(price, values[price]) for price in self.prices()]


class L2Book:
    """An external market-by-price book: sizes per price on each side, plus a sequence number
    that increases by one per published update."""

    __slots__ = ("asks", "bids", "sequence", "symbol")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids: PriceLadder[Decimal] = PriceLadder(is_bid_side=True)
        self.asks: PriceLadder[Decimal] = PriceLadder(is_bid_side=False)
        self.sequence = 0

    def side(self, side: OrderSide) -> PriceLadder[Decimal]:
        """The ladder of ``side``: BUY is the bid side, SELL the ask side."""
        return self.bids if side is OrderSide.BUY else self.asks

    def replace(
        self, bids: Iterable[tuple[Decimal, Decimal]], asks: Iterable[tuple[Decimal, Decimal]]
    ) -> None:
        """Replace both sides; levels with size 0 are skipped."""
        for ladder, levels in ((self.bids, bids), (self.asks, asks)):
            ladder.clear()
            for price, size in levels:
                if size < 0 or price <= 0:
                    raise ValueError(f"{self.symbol}: bad level ({price}, {size})")
                if size:
                    ladder.set(price, size)

    def set_level(self, side: OrderSide, price: Decimal, size: Decimal) -> None:
        """Set one level's size; size 0 removes it."""
        if size < 0 or price <= 0:
            raise ValueError(f"{self.symbol}: bad level ({price}, {size})")
        ladder = self.side(side)
        if size:
            ladder.set(price, size)
        elif price in ladder:
            ladder.remove(price)

    def depth(
        self, levels: int | None = None
    ) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """(bids, asks) best first, each cut to ``levels`` when given."""
        bids = self.bids.items()
        asks = self.asks.items()
        if levels is not None:
            return bids[:levels], asks[:levels]
        return bids, asks


def crosses(is_buy: bool, market_price: Decimal, limit: Decimal | None) -> bool:
    """Whether a buy (sell) limited at ``limit`` trades with liquidity at ``market_price``."""
    if limit is None:
        return True
    return market_price <= limit if is_buy else market_price >= limit


def plan_take(
    ladder: PriceLadder[Decimal], is_buy: bool, limit: Decimal | None, quantity: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """The (price, quantity) pieces taking ``quantity`` from ``ladder`` would fill."""
    plan: list[tuple[Decimal, Decimal]] = []
    remaining = quantity
    for price in ladder.prices():  # lazily: a deep book is walked only as far as needed
        if remaining <= 0 or not crosses(is_buy, price, limit):
            break
        take = min(ladder[price], remaining)
        plan.append((price, take))
        remaining -= take
    return plan


def plan_quote_take(
    ladder: PriceLadder[Decimal], amount: Decimal, lot: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """Pieces spending (or raising) at most ``amount`` of quote, in whole lots."""
    plan: list[tuple[Decimal, Decimal]] = []
    remaining = amount
    for price in ladder.prices():
        size = ladder[price]
        take = min(size, round_to_increment(remaining / price, lot, ROUND_FLOOR))
        if take <= 0:
            break
        plan.append((price, take))
        remaining -= take * price
        if take < size:
            break
    return plan
