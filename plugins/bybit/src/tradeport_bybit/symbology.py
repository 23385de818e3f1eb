"""Instrument ids for Bybit: ``{symbol}-{CATEGORY}.BYBIT``.

Bybit reuses symbols across categories (``BTCUSDT`` is a spot pair and a linear perpetual), so
the id carries the category as a suffix, both ways: ``BTCUSDT-LINEAR.BYBIT`` <-> (``linear``,
``BTCUSDT``). Ids are cached per (category, symbol): the stream parsers look one up per message.
"""

from __future__ import annotations

from functools import lru_cache

from tradeport.errors import ValidationError
from tradeport.model.identifiers import InstrumentId, Symbol, Venue

from tradeport_bybit.constants import VENUE_ID
from tradeport_bybit.enums import CATEGORY_SUFFIX, SUFFIX_CATEGORY, BybitCategory

__all__ = ["instrument_id_for", "category_and_symbol", "BYBIT_VENUE"]

BYBIT_VENUE = Venue(VENUE_ID)


@lru_cache(maxsize=16_384)
def instrument_id_for(category: BybitCategory | str, symbol: str) -> InstrumentId:
    """The instrument id of ``symbol`` in ``category``."""
    suffix = CATEGORY_SUFFIX[BybitCategory(category)]
    return InstrumentId(Symbol(symbol + suffix), BYBIT_VENUE)


@lru_cache(maxsize=16_384)
def category_and_symbol(instrument_id: InstrumentId) -> tuple[BybitCategory, str]:
    """The (category, venue symbol) of a Bybit instrument id."""
    value = instrument_id.symbol.value
    head, dash, tail = value.rpartition("-")
    category = SUFFIX_CATEGORY.get(f"-{tail}") if dash else None
    if category is None or not head or instrument_id.venue != BYBIT_VENUE:
        raise ValidationError(
            "instrument_id",
            str(instrument_id),
            "is not a Bybit id (SYMBOL-SPOT|-LINEAR|-INVERSE|-OPTION.BYBIT)",
        )
    return category, head
