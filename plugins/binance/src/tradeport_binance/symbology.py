"""Symbology: Binance native symbols <-> tradeport instrument ids.

Spot and dated futures keep the native symbol (``BTCUSDT.BINANCE``, ``BTCUSDT_240329.BINANCE``);
perpetuals get ``-PERP`` (``BTCUSDT-PERP.BINANCE``, COIN-M ``BTCUSD_PERP-PERP.BINANCE``)
because Binance uses ``BTCUSDT`` for both the spot pair and the USD-M perpetual.
"""

from __future__ import annotations

from tradeport.model.identifiers import InstrumentId, Symbol, Venue

from tradeport_binance.constants import PERP_SUFFIX, VENUE_ID

__all__ = ["instrument_id_for", "native_symbol", "is_perpetual_id"]

_VENUE = Venue(VENUE_ID)


def instrument_id_for(native: str, *, perpetual: bool) -> InstrumentId:
    """The instrument id of a native symbol (``-PERP`` appended for perpetuals)."""
    return InstrumentId(Symbol(native + PERP_SUFFIX if perpetual else native), _VENUE)


def native_symbol(instrument_id: InstrumentId) -> str:
    """The Binance symbol of an instrument id (``-PERP`` removed)."""
    value = instrument_id.symbol.value
    return value[: -len(PERP_SUFFIX)] if value.endswith(PERP_SUFFIX) else value


def is_perpetual_id(instrument_id: InstrumentId) -> bool:
    """Whether the id names a perpetual (by the ``-PERP`` suffix)."""
    return instrument_id.symbol.value.endswith(PERP_SUFFIX)
