"""Instrument ids from venue symbols and back.

Coinbase INTX native symbols are unique across products (the perpetual is ``BTC-PERP``, the
spot pair ``BTC-USDC``), so an id is the native symbol plus the venue: ``BTC-PERP.COINBASE_INTX``.
A venue whose products share symbols adds a suffix here (Binance: ``BTCUSDT-PERP.BINANCE``),
and only here.
"""

from __future__ import annotations

from functools import lru_cache

from tradeport.model.identifiers import InstrumentId, Symbol, Venue

from tradeport_coinbase_intx.constants import VENUE_ID

__all__ = ["instrument_id_of", "venue_symbol"]

_VENUE = Venue(VENUE_ID)


@lru_cache(maxsize=4096)
def instrument_id_of(symbol: str) -> InstrumentId:
    """The instrument id of a venue symbol (cached: parsers call this per message)."""
    return InstrumentId(Symbol(symbol), _VENUE)


def venue_symbol(instrument_id: InstrumentId) -> str:
    """The venue symbol of an instrument id."""
    return instrument_id.symbol.value
