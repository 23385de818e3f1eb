"""The Polymarket instrument provider: every CLOB market as its outcome tokens.

``GET /markets`` (cursor-paged) lists every market with its condition id, question, tokens
(token id and outcome name each), tick size, minimum order size, neg-risk flag, end date and,
once closed, the winner. Each token becomes a :class:`~tradeport.model.instruments.
BinaryOutcome`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from tradeport.clients import EventSink, InstrumentProvider
from tradeport.errors import ValidationError
from tradeport.model.instruments import Instrument

from tradeport_polymarket.capabilities import CAPABILITIES
from tradeport_polymarket.config import PolymarketConfig
from tradeport_polymarket.constants import VENUE_ID
from tradeport_polymarket.http.client import PolymarketHttpClient
from tradeport_polymarket.http.parse import is_tradable, parse_instruments

__all__ = ["FILTER_KEYS", "PolymarketInstrumentProvider"]

#: Filters ``load_all`` understands: ``{"products": ["BINARY_OUTCOME"]}`` (the only family),
#: ``{"tradable": True}`` (active markets accepting orders only).
FILTER_KEYS = frozenset({"products", "tradable"})


class PolymarketInstrumentProvider(InstrumentProvider):
    """Loads Polymarket outcome tokens; unparseable markets are skipped with a warning."""

    def __init__(self, config: PolymarketConfig, *, events: EventSink | None = None) -> None:
        super().__init__(VENUE_ID, config, capabilities=CAPABILITIES, events=events)
        self.config: PolymarketConfig = config
        self.http = PolymarketHttpClient(config)

    async def connect(self) -> None:
        """Keep a REST connection pool open (loading also works without connecting)."""
        await self.http.open()

    async def disconnect(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    def _check_filters(self, filters: Mapping[str, Any] | None) -> bool:
        if not filters:
            return False
        unknown = set(filters) - FILTER_KEYS
        if unknown:
            raise ValidationError(
                "filters",
                sorted(unknown),
                f"are not understood (known: {', '.join(sorted(FILTER_KEYS))})",
            )
        products = set(filters.get("products") or ["BINARY_OUTCOME"])
        if products - {"BINARY_OUTCOME"}:
            raise ValidationError(
                "filters.products", sorted(products), "Polymarket lists BINARY_OUTCOME only"
            )
        return bool(filters.get("tradable"))

    def _parse_all(
        self, records: Iterable[dict[str, Any]], tradable_only: bool
    ) -> list[Instrument]:
        ts_init = time.time_ns()
        level = logging.WARNING if self.config.warn_on_skipped_instruments else logging.DEBUG
        out: list[Instrument] = []
        for record in records:
            if tradable_only and not is_tradable(record):
                continue
            try:
                out.extend(parse_instruments(record, ts_init))
            except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
                condition = record.get("condition_id", "?") if isinstance(record, dict) else "?"
                self.log.log(
                    level,
                    "%s: skipping market %s: %s: %s",
                    VENUE_ID,
                    condition,
                    type(exc).__name__,
                    exc,
                )
        return out

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """Every outcome token of every market (every page)."""
        tradable_only = self._check_filters(filters)
        return self._parse_all(await self.http.markets(), tradable_only)
