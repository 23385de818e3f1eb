"""The CoinbaseIntx instrument provider: loads spot pairs and perpetuals from the REST API."""

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
from tradeport_coinbase_intx.config import PRODUCT_TYPES, CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import VENUE_ID
from tradeport_coinbase_intx.enums import VENUE_PRODUCT_TYPE
from tradeport_coinbase_intx.http.client import CoinbaseIntxHttpClient
from tradeport_coinbase_intx.http.models import InstrumentRecord
from tradeport_coinbase_intx.http.parse import parse_instrument
from tradeport_coinbase_intx.symbology import venue_symbol

__all__ = ["FILTER_KEYS", "CoinbaseIntxInstrumentProvider"]

#: Filters ``load_all`` / ``load_ids`` understand: ``{"products": ["SPOT", "PERPETUAL"]}``
#: (ProductType values), applied by the venue (its ``type`` parameter).
FILTER_KEYS = frozenset({"products"})
# Below this many ids, asking the venue symbol by symbol is cheaper than listing everything.
_PER_SYMBOL_LIMIT = 5


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
        wanted = list(self.config.product_types)
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
        chosen = {VENUE_PRODUCT_TYPE.get(p) for p in products}
        return [t for t in wanted if t in chosen]

    def _parse_all(self, records: Iterable[InstrumentRecord]) -> list[Instrument]:
        ts_init = time.time_ns()
        level = logging.WARNING if self.config.warn_on_skipped_instruments else logging.DEBUG
        out = []
        for record in records:
            try:
                out.append(parse_instrument(record, ts_init))
            except (KeyError, TypeError, ValueError) as exc:  # ValidationError is a ValueError
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
        """Every instrument of the configured (and filtered) product types."""
        types = self._venue_types(filters)
        if set(types) == set(PRODUCT_TYPES):  # everything: one request
            return self._parse_all(await self.http.http_get_instruments())
        records: list[InstrumentRecord] = []
        async with self.http.session():
            for venue_type in types:
                records.extend(await self.http.http_get_instruments(venue_type))
        return self._parse_all(records)

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """The instruments named (symbol by symbol for a few, else from the full list)."""
        if len(ids) > _PER_SYMBOL_LIMIT:
            return await super().fetch_ids(ids, filters)
        types = set(self._venue_types(filters))
        records: list[InstrumentRecord] = []
        async with self.http.session():
            for instrument_id in ids:
                found = await self.http.http_get_instruments(symbol=venue_symbol(instrument_id))
                records.extend(r for r in found if r.get("type") in types)
        return self._parse_all(records)
