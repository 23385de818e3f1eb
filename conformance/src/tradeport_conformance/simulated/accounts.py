"""Account state: balances with locks, and derivative positions with netting.

Balances keep ``total`` and ``locked``; ``free`` is derived, so ``total == free + locked`` holds by
construction. Positions keep a signed quantity, the average entry price, cumulative realized PnL and
the initial margin they lock in the settlement asset.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeport.model.enums import PositionSide

from tradeport_conformance.simulated.records import (
    ZERO,
    SimBalance,
    SimInstrument,
    SimPosition,
    round_quotient,
)

PositionKey = tuple[str, PositionSide | None]
"""(symbol, hedge-mode leg or None in netting mode)."""


@dataclass(slots=True)
class _BalanceState:
    total: Decimal
    locked: Decimal


class Ledger:
    """Balances per asset. Remembers which assets changed since the last ``take_changed``."""

    __slots__ = ("_balances", "_changed")

    def __init__(self) -> None:
        self._balances: dict[str, _BalanceState] = {}
        self._changed: dict[str, None] = {}  # a dict, not a set: iteration order must be stable

    def _state(self, asset: str) -> _BalanceState:
        state = self._balances.get(asset)
        if state is None:
            state = self._balances[asset] = _BalanceState(ZERO, ZERO)
        return state

    def free(self, asset: str) -> Decimal:
        """What can still be locked or spent."""
        state = self._balances.get(asset)
        return ZERO if state is None else state.total - state.locked

    def set_total(self, asset: str, total: Decimal) -> None:
        """Set the total; it may not drop below what is locked."""
        state = self._state(asset)
        if total < state.locked:
            raise ValueError(f"{asset}: total {total} is below the locked {state.locked}")
        state.total = total
        self._changed[asset] = None

    def add(self, asset: str, amount: Decimal) -> None:
        """Credit (positive) or debit (negative) the total."""
        if amount:
            self._state(asset).total += amount
            self._changed[asset] = None

    def lock(self, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from free to locked (negative amounts unlock)."""
        if amount:
            self._state(asset).locked += amount
            self._changed[asset] = None

    def snapshot(self, asset: str) -> SimBalance:
        """The balance of ``asset`` now (zero when it was never touched)."""
        state = self._balances.get(asset)
        if state is None:
            return SimBalance(asset, ZERO, ZERO, ZERO)
        return SimBalance(asset, state.total, state.total - state.locked, state.locked)

    def assets(self) -> list[str]:
        """Every asset with a balance record, in first-touched order."""
        return list(self._balances)

    def take_changed(self) -> list[str]:
        """Assets changed since the previous call, in first-changed order."""
        changed = list(self._changed)
        self._changed.clear()
        return changed


@dataclass(slots=True)
class PositionState:
    """Mutable position of one instrument (and hedge leg): ``quantity`` is signed."""

    symbol: str
    position_side: PositionSide | None
    quantity: Decimal = ZERO
    avg_entry_price: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    margin: Decimal = ZERO
    ts_opened: int | None = None
    ts_updated: int = 0

    def apply(
        self, instrument: SimInstrument, signed_qty: Decimal, price: Decimal, ts: int
    ) -> Decimal:
        """Net a fill of ``signed_qty`` (positive buys) at ``price`` into the position.

        Returns the PnL realized by the part that closed existing exposure. Adding to a position
        averages the entry price (harmonically for inverse contracts, whose value is 1/price); a
        fill larger than the position flips it, the excess opening at ``price``.
        """
        held = self.quantity
        realized = ZERO
        if held == 0 or (held > 0) == (signed_qty > 0):
            size = abs(held)
            add = abs(signed_qty)
            if not size:
                self.avg_entry_price = price
            elif instrument.is_inverse:
                average = (size + add) / (size / self.avg_entry_price + add / price)
                self.avg_entry_price = round_quotient(average)
            else:
                average = (size * self.avg_entry_price + add * price) / (size + add)
                self.avg_entry_price = round_quotient(average)
            if held == 0:
                self.ts_opened = ts
        else:
            closing = min(abs(held), abs(signed_qty))
            realized = instrument.pnl(self.avg_entry_price, price, closing, long=held > 0)
            remaining = held + signed_qty
            if remaining == 0:
                self.avg_entry_price = ZERO
                self.ts_opened = None
            elif (remaining > 0) != (held > 0):  # flipped: the excess opens at the fill price
                self.avg_entry_price = price
                self.ts_opened = ts
        self.quantity = held + signed_qty
        self.realized_pnl += realized
        self.ts_updated = ts
        return realized

    def required_margin(self, instrument: SimInstrument) -> Decimal:
        """Initial margin for the position at its entry price."""
        if self.quantity == 0:
            return ZERO
        value = instrument.settle_value(abs(self.quantity), self.avg_entry_price)
        return value * instrument.initial_margin_rate

    def snapshot(self, instrument: SimInstrument, mark: Decimal | None) -> SimPosition:
        """An immutable record; unrealized PnL is valued at ``mark`` (zero when unknown)."""
        quantity = self.quantity
        if quantity > 0:
            side = PositionSide.LONG
        elif quantity < 0:
            side = PositionSide.SHORT
        else:
            side = PositionSide.FLAT
        unrealized = ZERO
        if quantity and mark is not None:
            unrealized = instrument.pnl(
                self.avg_entry_price, mark, abs(quantity), long=quantity > 0
            )
        return SimPosition(
            symbol=self.symbol,
            position_side=self.position_side,
            side=side,
            quantity=abs(quantity),
            avg_entry_price=self.avg_entry_price,
            realized_pnl=self.realized_pnl,
            unrealized_pnl=unrealized,
            margin=self.margin,
            settle_asset=instrument.settlement_asset,
            ts_opened=self.ts_opened,
            ts_updated=self.ts_updated,
        )
