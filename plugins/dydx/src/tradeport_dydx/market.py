"""The exact conversions between human prices and sizes and the chain's integers.

A market's size unit is ``10^atomicResolution`` of a coin (a *base quantum*); orders must be
multiples of ``stepBaseQuantums``. Prices are in *subticks*: a subtick is
``10^quantumConversionExponent`` quote quantums (micro-USDC) per base quantum, so

    subticks = price * 10^(atomicResolution - quantumConversionExponent - QUOTE_ATOMIC_RESOLUTION)

and an order's subticks must be a multiple of ``subticksPerTick`` (official SDK,
``node/market.py``; docs "Orders: quantums and subticks"). The conversions are exact Decimal
arithmetic: a price or size that is not on the market's tick or step raises a ValidationError
naming it (the SDK rounds down silently; an order at a price the user did not ask for is worse).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
from tradeport.errors import ValidationError

from tradeport_dydx.constants import QUOTE_ATOMIC_RESOLUTION

__all__ = ["DydxMarket"]


def _scale(exponent: int) -> Decimal:
    return Decimal(1).scaleb(exponent)


@attrs.frozen
class DydxMarket:
    """The chain parameters of one perpetual market (from ``/v4/perpetualMarkets``)."""

    ticker: str
    clob_pair_id: int
    atomic_resolution: int
    quantum_conversion_exponent: int
    step_base_quantums: int
    subticks_per_tick: int

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> DydxMarket:
        """From a ``/v4/perpetualMarkets`` market record (``clobPairId`` is a string there)."""
        return cls(
            ticker=str(record["ticker"]),
            clob_pair_id=int(record["clobPairId"]),
            atomic_resolution=int(record["atomicResolution"]),
            quantum_conversion_exponent=int(record["quantumConversionExponent"]),
            step_base_quantums=int(record["stepBaseQuantums"]),
            subticks_per_tick=int(record["subticksPerTick"]),
        )

    @property
    def _price_exponent(self) -> int:
        return self.atomic_resolution - self.quantum_conversion_exponent - QUOTE_ATOMIC_RESOLUTION

    @property
    def step_size(self) -> Decimal:
        """The size increment in coins."""
        return (self.step_base_quantums * _scale(self.atomic_resolution)).normalize()

    @property
    def tick_size(self) -> Decimal:
        """The price increment in USD."""
        return (self.subticks_per_tick * _scale(-self._price_exponent)).normalize()

    def quantums(self, size: Decimal | str) -> int:
        """Base quantums of ``size`` coins; it must be a positive multiple of the step."""
        value = Decimal(size)
        raw = value.scaleb(-self.atomic_resolution)
        if value <= 0 or raw != raw.to_integral_value() or int(raw) % self.step_base_quantums:
            raise ValidationError(
                "quantity",
                str(size),
                f"must be a positive multiple of {self.step_size} on {self.ticker}",
            )
        return int(raw)

    def size(self, quantums: int) -> Decimal:
        """Coins of ``quantums`` base quantums."""
        return (Decimal(quantums).scaleb(self.atomic_resolution)).normalize()

    def subticks(self, price: Decimal | str) -> int:
        """Subticks of ``price``; it must be a positive multiple of the tick."""
        value = Decimal(price)
        raw = value.scaleb(self._price_exponent)
        if value <= 0 or raw != raw.to_integral_value() or int(raw) % self.subticks_per_tick:
            raise ValidationError(
                "price",
                str(price),
                f"must be a positive multiple of {self.tick_size} on {self.ticker}",
            )
        return int(raw)

    def price(self, subticks: int) -> Decimal:
        """USD price of ``subticks``."""
        return (Decimal(subticks).scaleb(-self._price_exponent)).normalize()
