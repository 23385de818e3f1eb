"""Bybit instrument provider: ``/v5/market/instruments-info`` per category, cursor-paginated."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from tradeport.clients.base import InstrumentProvider
from tradeport.errors import TradeportError
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_bybit.config import BybitConfig
from tradeport_bybit.constants import CAPABILITIES, VENUE_ID
from tradeport_bybit.enums import BybitCategory
from tradeport_bybit.http.client import BybitHttpClient
from tradeport_bybit.http.parse import parse_instrument
from tradeport_bybit.symbology import category_and_symbol

__all__ = ["BybitInstrumentProvider", "http_sharing", "instrument_for"]

#: Page size for instruments-info (the venue's maximum).
PAGE_LIMIT = 1000
#: A safety stop against a venue that keeps handing out cursors.
MAX_PAGES = 100


class BybitInstrumentProvider(InstrumentProvider):
    """Loads spot pairs, perpetuals, futures and options of the configured categories.

    Venue filters (all optional): ``categories`` (list of ``spot``/``linear``/``inverse``/
    ``option``), ``base_coin``, ``status`` (venue values, default ``Trading``); ``products``
    and ``symbols`` are applied by the core's ``load_all``.
    A record that cannot be parsed is skipped with a warning (``warn_on_skipped_instruments``)
    and counted in :attr:`skipped`.
    """

    def __init__(
        self, config: BybitConfig, *, http: BybitHttpClient | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, **kwargs)
        self._http = http
        self._owns_http = http is None
        self.skipped = 0

    @property
    def http(self) -> BybitHttpClient:
        """The REST client (created on first use)."""
        if self._http is None:
            self._http = BybitHttpClient(self.config)
        return self._http

    async def disconnect(self) -> None:
        """Close the REST client if this provider created it."""
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """Every instrument of the wanted categories, all pages."""
        filters = filters or {}
        categories = [BybitCategory(c) for c in filters.get("categories", self.config.categories)]
        out: list[Instrument] = []
        for category in categories:
            out.extend(
                await self.fetch_category(
                    category, base_coin=filters.get("base_coin"), status=filters.get("status")
                )
            )
        return out

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """The given instruments, one query per id (``symbol=`` narrows the venue's answer)."""
        out = []
        for iid in ids:
            category, symbol = category_and_symbol(iid)
            out.extend(await self.fetch_category(category, symbol=symbol))
        return out

    async def fetch_category(
        self,
        category: BybitCategory,
        *,
        symbol: str | None = None,
        base_coin: str | None = None,
        status: str | None = None,
    ) -> list[Instrument]:
        """One category, following ``nextPageCursor`` until it is empty."""
        out: list[Instrument] = []
        cursor: str | None = None
        # Spot ignores limit/cursor (docs: "Spot does not support pagination").
        paged = category is not BybitCategory.SPOT
        for _ in range(MAX_PAGES):
            result = await self.http.http_get_instruments_info(
                category.value,
                symbol=symbol,
                status=status,
                base_coin=base_coin,
                limit=PAGE_LIMIT if paged else None,
                cursor=cursor,
            )
            out.extend(self.parse_page(result, category))
            cursor = result.get("nextPageCursor") or None
            if not paged or cursor is None:
                break
        return out

    def parse_page(
        self, result: Mapping[str, Any], category: BybitCategory, ts_ns: int | None = None
    ) -> list[Instrument]:
        """Parse one page's ``list``; unparseable records are skipped (and counted)."""
        ts = ts_ns if ts_ns is not None else time.time_ns()
        out = []
        for record in result.get("list", ()):
            try:
                out.append(parse_instrument(record, category, ts))
            except (KeyError, ValueError, TypeError, IndexError) as exc:
                self.skipped += 1
                if self.config.warn_on_skipped_instruments:
                    self.log.warning(
                        "skipping %s instrument %r: %s: %s",
                        category.value,
                        record.get("symbol"),
                        type(exc).__name__,
                        exc,
                    )
        return out


def http_sharing(
    provider: InstrumentProvider | None, config: BybitConfig
) -> tuple[BybitHttpClient, bool]:
    """A REST client for a data or execution client, and whether that client owns it.

    The provider's connection pool is shared only when it signs with the same config.
    """
    if isinstance(provider, BybitInstrumentProvider) and provider.config == config:
        return provider.http, False
    return BybitHttpClient(config), True


async def instrument_for(
    provider: InstrumentProvider | None, instrument_id: InstrumentId
) -> Instrument:
    """The loaded instrument, or load it (KeyError when the venue does not list it)."""
    if provider is None:
        raise TradeportError(f"{VENUE_ID}: clients need an instrument provider")
    found = provider.find(instrument_id)
    return found if found is not None else await provider.load(instrument_id)
