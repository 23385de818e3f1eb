"""dYdX symbology: every market is a perpetual named by its indexer ticker (``BTC-USD``), so
instrument ids keep it unchanged: ``BTC-USD.DYDX``."""

from __future__ import annotations

from tradeport.errors import ValidationError
from tradeport.model.identifiers import InstrumentId

from tradeport_dydx.constants import VENUE_ID

__all__ = ["instrument_id_of", "ticker_of"]


def instrument_id_of(ticker: str) -> InstrumentId:
    """``BTC-USD`` -> ``BTC-USD.DYDX``."""
    return InstrumentId.from_str(f"{ticker}.{VENUE_ID}")


def ticker_of(instrument_id: InstrumentId) -> str:
    """``BTC-USD.DYDX`` -> ``BTC-USD`` (a ValidationError for another venue's id)."""
    if str(instrument_id.venue) != VENUE_ID:
        raise ValidationError(
            "instrument_id", str(instrument_id), f"is not a {VENUE_ID} instrument"
        )
    return str(instrument_id.symbol)
