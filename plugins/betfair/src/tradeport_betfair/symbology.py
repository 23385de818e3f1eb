"""Instrument ids of Betfair runners: ``MARKETID-SELECTIONID`` plus ``-HANDICAP`` when it is
not zero (``1.180737206-39980.BETFAIR``, ``1.2-47972--1.5.BETFAIR`` for handicap -1.5)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from tradeport.errors import ValidationError
from tradeport.model.identifiers import InstrumentId, Symbol, Venue

from tradeport_betfair.constants import VENUE_ID

__all__ = ["runner_symbol", "runner_id", "parse_runner_symbol", "handicap_text"]


def handicap_text(handicap: Decimal) -> str:
    """The handicap as Betfair writes it (``0.0``, ``-1.5``)."""
    value = handicap.normalize()
    text = format(value, "f")
    return text if "." in text else text + ".0"


def runner_symbol(market_id: str, selection_id: int | str, handicap: Decimal = Decimal(0)) -> str:
    """The symbol of one runner."""
    base = f"{market_id}-{int(selection_id)}"
    return base if not handicap else f"{base}-{handicap_text(Decimal(handicap))}"


def runner_id(
    market_id: str, selection_id: int | str, handicap: Decimal = Decimal(0)
) -> InstrumentId:
    """The instrument id of one runner."""
    return InstrumentId(Symbol(runner_symbol(market_id, selection_id, handicap)), Venue(VENUE_ID))


def parse_runner_symbol(symbol: str) -> tuple[str, int, Decimal]:
    """``(market_id, selection_id, handicap)`` of a runner symbol (ValidationError if not one)."""
    market_id, sep, rest = symbol.partition("-")
    selection, _, handicap = rest.partition("-")
    try:
        if not sep or not market_id or not selection.isdigit():
            raise ValueError
        return market_id, int(selection), Decimal(handicap) if handicap else Decimal(0)
    except (ValueError, InvalidOperation):
        raise ValidationError(
            "symbol", symbol, "is not MARKETID-SELECTIONID[-HANDICAP] (1.180737206-39980)"
        ) from None
