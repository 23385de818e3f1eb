"""Instrument ids of outcome tokens and back.

An outcome token's id is its token id (the ERC-1155 position id, a decimal of up to 78
digits), unique across every market: ``<token id>.POLYMARKET``. The market (condition id),
question and outcome name are on the instrument (:class:`~tradeport.model.instruments.
BinaryOutcome`), not in the id, because a token id alone is what every endpoint and stream
names. :func:`instrument_id_of` also accepts ``<condition id>-<token id>`` (the issue's
alternative form) and keeps only the token.
"""

from __future__ import annotations

from functools import lru_cache

from tradeport.errors import ValidationError
from tradeport.model.identifiers import InstrumentId, Symbol, Venue

from tradeport_polymarket.constants import VENUE_ID

__all__ = ["instrument_id_of", "token_id_of", "venue_symbol"]

_VENUE = Venue(VENUE_ID)


def token_id_of(symbol: str) -> str:
    """The token id in a symbol (``<token>`` or ``<condition>-<token>``); ValidationError
    when it is not a decimal token id."""
    token = symbol.rpartition("-")[2]
    if not token.isdigit() or len(token) > 78:
        raise ValidationError("symbol", symbol, "is not a Polymarket token id (decimal digits)")
    return token


@lru_cache(maxsize=8192)
def instrument_id_of(symbol: str) -> InstrumentId:
    """The instrument id of a token id (cached: parsers call this per message)."""
    return InstrumentId(Symbol(token_id_of(symbol)), _VENUE)


def venue_symbol(instrument_id: InstrumentId) -> str:
    """The token id of an instrument id."""
    return token_id_of(instrument_id.symbol.value)
