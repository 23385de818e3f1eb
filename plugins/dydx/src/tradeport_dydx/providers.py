"""The dYdX instrument provider: perpetual markets from the indexer (``/v4/perpetualMarkets``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from tradeport.clients import EventSink, InstrumentProvider
from tradeport.errors import ValidationError
from tradeport.model.enums import ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_dydx.config import DydxConfig
from tradeport_dydx.constants import CAPABILITIES, VENUE_ID
from tradeport_dydx.http.client import DydxIndexerClient
from tradeport_dydx.http.parse import parse_perpetual_market

__all__ = ["DydxInstrumentProvider", "FILTER_KEYS"]

#: ``{"products": ["PERPETUAL"]}`` (every dYdX market is a perpetual) and ``{"status":
#: ["ACTIVE"]}`` (the indexer's market status).
FILTER_KEYS = frozenset({"products", "status"})


class DydxInstrumentProvider(InstrumentProvider):
    """Loads dYdX perpetuals; unparseable market records are skipped with a warning."""

    def __init__(self, config: DydxConfig, *, events: EventSink | None = None) -> None:
        super().__init__(VENUE_ID, config, capabilities=CAPABILITIES, events=events)
        self.config: DydxConfig = config
        self.http = DydxIndexerClient(config)

    async def connect(self) -> None:
        """Keep a REST connection pool open (loading also works without connecting)."""
        await self.http.open()

    async def disconnect(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    def _check_filters(self, filters: Mapping[str, Any] | None) -> tuple[bool, set[str] | None]:
        if not filters:
            return True, None
        unknown = set(filters) - FILTER_KEYS
        if unknown:
            raise ValidationError(
                "filters",
                sorted(unknown),
                f"are not understood (known: {', '.join(sorted(FILTER_KEYS))})",
            )
        wanted = True
        if "products" in filters:
            try:
                products = {ProductType(p) for p in filters["products"]}
            except ValueError as exc:
                raise ValidationError("filters.products", filters["products"], str(exc)) from None
            wanted = ProductType.PERPETUAL in products
        status = set(map(str, filters["status"])) if "status" in filters else None
        return wanted, status

    def _parse_all(self, markets: Mapping[str, Any], status: set[str] | None) -> list[Instrument]:
        ts_init = time.time_ns()
        level = logging.WARNING if self.config.warn_on_skipped_instruments else logging.DEBUG
        out: list[Instrument] = []
        for ticker, record in markets.items():
            try:
                if status is not None and record.get("status") not in status:
                    continue
                out.append(parse_perpetual_market(record, ts_init))
            except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
                self.log.log(
                    level,
                    "%s: skipping market %s: %s: %s",
                    VENUE_ID,
                    ticker,
                    type(exc).__name__,
                    exc,
                )
        return out

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """Every perpetual market (one request)."""
        wanted, status = self._check_filters(filters)
        if not wanted:
            return []
        body = await self.http.http_get_perpetual_markets()
        return self._parse_all(body.get("markets") or {}, status)

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """The markets named (from the full list: one request)."""
        wanted = set(ids)
        return [i for i in await self.fetch_all(filters) if i.id in wanted]
