"""The Coinbase INTX instrument provider: perpetuals and spot from ``GET /api/v1/instruments``."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tradeport.clients import EventSink, InstrumentProvider
from tradeport.errors import ValidationError
from tradeport.model.enums import ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_coinbase_intx.capabilities import CAPABILITIES
from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import VENUE_ID
from tradeport_coinbase_intx.http.client import CoinbaseIntxHttpClient
from tradeport_coinbase_intx.intx_parse import parse_instrument

__all__ = ["FILTER_KEYS", "CoinbaseIntxInstrumentProvider"]

#: Filters ``load_all`` / ``load_ids`` understand: ``{"products": ["SPOT", "PERPETUAL"]}``
#: (ProductType values), applied to the venue's one list.
FILTER_KEYS = frozenset({"products"})
#: Product families -> the venue's ``type``.
_VENUE_TYPE = {ProductType.SPOT: "SPOT", ProductType.PERPETUAL: "PERP"}
_CONFIG_TYPE = {"spot": "SPOT", "perpetual": "PERP"}


class CoinbaseIntxInstrumentProvider(InstrumentProvider):
    """Loads CoinbaseIntx instruments; unparseable venue records are skipped with a warning."""

    def __init__(self, config: CoinbaseIntxConfig, *, events: EventSink | None = None) -> None:
        super().__init__(VENUE_ID, config, capabilities=CAPABILITIES, events=events)
        self.config: CoinbaseIntxConfig = config
        self.http = CoinbaseIntxHttpClient(config)

    async def connect(self) -> None:
        """Keep a REST connection pool open (loading also works without connecting)."""
        await self.http.open()

    async def disconnect(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    def _venue_types(self, filters: Mapping[str, Any] | None) -> list[str]:
        wanted = [_CONFIG_TYPE[t] for t in self.config.product_types]
        if not filters:
            return wanted
        unknown = set(filters) - FILTER_KEYS
        if unknown:
            raise ValidationError(
                "filters", sorted(unknown), f"are not understood (known: {', '.join(FILTER_KEYS)})"
            )
        try:
            products = [ProductType(p) for p in filters.get("products", ())]
        except ValueError as exc:
            raise ValidationError("filters.products", filters["products"], str(exc)) from None
        chosen = {_VENUE_TYPE.get(p) for p in products}
        return [t for t in wanted if t in chosen]

    def _parse_all(self, records: Iterable[dict[str, Any]]) -> list[Instrument]:
        ts_init = time.time_ns()
        level = logging.WARNING if self.config.warn_on_skipped_instruments else logging.DEBUG
        out = []
        for record in records:
            try:
                out.append(parse_instrument(record, ts_init))
            except (KeyError, TypeError, ValueError, ArithmeticError) as exc:  # bad numbers too
                symbol = record.get("symbol", "?") if isinstance(record, dict) else "?"
                self.log.log(
                    level,
                    "%s: skipping instrument %s: %s: %s",
                    VENUE_ID,
                    symbol,
                    type(exc).__name__,
                    exc,
                )
        return out

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """Every instrument of the configured (and filtered) product types (one request)."""
        types = set(self._venue_types(filters))
        records = await self.http.http_get_instruments()
        return self._parse_all(
            r for r in records if not isinstance(r, dict) or r.get("type") in types
        )

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """The instruments named, from the one list."""
        wanted = set(ids)
        return [i for i in await self.fetch_all(filters) if i.id in wanted]
