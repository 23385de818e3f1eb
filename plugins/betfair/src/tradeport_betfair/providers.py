"""Betfair instrument provider: every runner of the markets ``listMarketCatalogue`` returns.

``load_all`` asks for the config's event types and market types (``event_type_ids``,
``market_types``; default horse racing WIN and MATCH_ODDS markets), at most ``max_markets``
markets. Venue filters (optional): ``market_ids``, ``event_type_ids``, ``market_types``,
``competition_ids``, ``event_ids``, ``text_query``, ``in_play_only``. ``navigation()`` returns
the navigation menu (the whole tree of event types, competitions, events and markets).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from tradeport.clients.base import InstrumentProvider
from tradeport.errors import UnknownInstrument, ValidationError
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_betfair.config import BetfairConfig
from tradeport_betfair.constants import CAPABILITIES, VENUE_ID
from tradeport_betfair.http.client import BetfairHttpClient
from tradeport_betfair.http.parse import parse_market_catalogue
from tradeport_betfair.symbology import parse_runner_symbol

__all__ = ["BetfairInstrumentProvider", "http_sharing", "MARKET_PROJECTION"]

#: Everything a BettingMarket is made of.
MARKET_PROJECTION = [
    "EVENT_TYPE",
    "COMPETITION",
    "EVENT",
    "MARKET_START_TIME",
    "MARKET_DESCRIPTION",
    "RUNNER_DESCRIPTION",
]

_FILTER_KEYS = {
    "market_ids": "marketIds",
    "event_type_ids": "eventTypeIds",
    "market_types": "marketTypeCodes",
    "competition_ids": "competitionIds",
    "event_ids": "eventIds",
    "text_query": "textQuery",
    "in_play_only": "inPlayOnly",
}


class BetfairInstrumentProvider(InstrumentProvider):
    """Loads runners from ``listMarketCatalogue`` (see the module docstring)."""

    def __init__(
        self, config: BetfairConfig, *, http: BetfairHttpClient | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, **kwargs)
        self._http = http
        self._owns_http = http is None
        self.skipped = 0

    @property
    def http(self) -> BetfairHttpClient:
        """The REST client (created on first use)."""
        if self._http is None:
            self._http = BetfairHttpClient(self.config)
        return self._http

    async def disconnect(self) -> None:
        """Close the REST client if this provider created it."""
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    def market_filter(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The MarketFilter of a load: the config's defaults, then the venue filters given."""
        config = self.config
        wire: dict[str, Any] = {
            "eventTypeIds": list(config.event_type_ids),
            "marketTypeCodes": list(config.market_types),
        }
        for key, name in _FILTER_KEYS.items():
            value = (filters or {}).get(key)
            if value is not None:
                wire[name] = value if isinstance(value, (bool, str)) else [str(v) for v in value]
        if "marketIds" in wire:  # asked for by id: whatever their type
            wire.pop("eventTypeIds", None)
            wire.pop("marketTypeCodes", None)
        return wire

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """Every runner of the markets the filter selects."""
        records = await self.http.http_list_market_catalogue(
            self.market_filter(filters),
            max_results=self.config.max_markets,
            projection=MARKET_PROJECTION,
        )
        ts = time.time_ns()
        out: list[Instrument] = []
        for record in records or ():
            runners, failed = parse_market_catalogue(record, self.config.currency, ts)
            out.extend(runners)
            for runner, exc in failed:
                self.skipped += 1
                if self.config.warn_on_skipped_instruments:
                    self.log.warning(
                        "skipping runner %r of market %s: %s: %s",
                        runner.get("runnerName") if isinstance(runner, Mapping) else runner,
                        record.get("marketId"),
                        type(exc).__name__,
                        exc,
                    )
        return out

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """The given runners (their markets are asked for by id)."""
        wanted = set(ids)
        markets = sorted({parse_runner_symbol(i.symbol.value)[0] for i in wanted})
        found = await self.fetch_all({**(filters or {}), "market_ids": markets})
        return [i for i in found if i.id in wanted]

    async def ensure(self, instrument_id: InstrumentId) -> Instrument:
        """The runner, loaded already or asked for by its market id (UnknownInstrument for an
        id that is not a Betfair runner, or that the venue does not list)."""
        found = self.find(instrument_id)
        if found is not None:
            return found
        try:
            parse_runner_symbol(instrument_id.symbol.value)
        except ValidationError:
            raise UnknownInstrument(VENUE_ID, instrument_id, "not a Betfair runner id") from None
        return await self.load(instrument_id)

    async def navigation(self) -> Any:
        """The navigation menu tree (``menu.json``), as the venue sends it."""
        return await self.http.http_navigation_menu()


def http_sharing(
    provider: InstrumentProvider | None, config: BetfairConfig
) -> tuple[BetfairHttpClient, bool]:
    """A REST client for a data or execution client, and whether that client owns it (the
    provider's client, and so its session token, is shared when it has the same config)."""
    if isinstance(provider, BetfairInstrumentProvider) and provider.config == config:
        return provider.http, False
    return BetfairHttpClient(config), True
