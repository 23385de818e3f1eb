"""Hyperliquid instrument provider: perpetuals from ``meta``, spot pairs from ``spotMeta``."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from tradeport.clients.base import InstrumentProvider
from tradeport.errors import TradeportError, UnknownInstrument
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_hyperliquid.config import HyperliquidConfig
from tradeport_hyperliquid.constants import CAPABILITIES, VENUE_ID, hip3_asset_base
from tradeport_hyperliquid.http.client import HyperliquidHttpClient
from tradeport_hyperliquid.http.parse import parse_perp_instruments, parse_spot_instruments

__all__ = ["HyperliquidInstrumentProvider", "http_sharing", "instrument_for", "by_coin"]


class HyperliquidInstrumentProvider(InstrumentProvider):
    """Loads perpetuals (``meta`` of the main dex and of each HIP-3 dex in ``perp_dexs``) and
    spot pairs (``spotMeta``).

    Venue filters (optional): ``products`` (``["PERPETUAL"]``, ``["SPOT"]``) limits which
    request is made; ``products`` and ``symbols`` are also applied by the core's ``load_all``.
    A record that cannot be parsed is skipped with a warning (``warn_on_skipped_instruments``)
    and counted in :attr:`skipped`.
    """

    def __init__(
        self,
        config: HyperliquidConfig,
        *,
        http: HyperliquidHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, **kwargs)
        self._http = http
        self._owns_http = http is None
        self.skipped = 0

    @property
    def http(self) -> HyperliquidHttpClient:
        """The REST client (created on first use)."""
        if self._http is None:
            self._http = HyperliquidHttpClient(self.config)
        return self._http

    async def disconnect(self) -> None:
        """Close the REST client if this provider created it."""
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """Every listed perpetual and spot pair (as the ``products`` filter allows)."""
        products = {str(p).upper() for p in (filters or {}).get("products") or ()}
        ts = time.time_ns()
        out: list[Instrument] = []
        if not products or "PERPETUAL" in products:
            out.extend(await self._perps(("", *self.config.perp_dexs), ts))
        if not products or "SPOT" in products:
            spots, failed = parse_spot_instruments(await self.http.http_spot_meta(), ts)
            out.extend(spots)
            self._skip(failed, "spot")
        return out

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """The given instruments (the venue lists everything in one answer per dex and for
        spot); an id ``dex:COIN-PERP`` loads its HIP-3 dex even when ``perp_dexs`` omits it."""
        wanted = set(ids)
        ts = time.time_ns()
        perps = [i.symbol.value for i in wanted if i.symbol.value.endswith("-PERP")]
        out: list[Instrument] = []
        if perps:
            dexes = {p.partition(":")[0] if ":" in p else "" for p in perps}
            out.extend(await self._perps(sorted(dexes), ts))
        if len(perps) < len(wanted):
            spots, failed = parse_spot_instruments(await self.http.http_spot_meta(), ts)
            out.extend(spots)
            self._skip(failed, "spot")
        return [i for i in out if i.id in wanted]

    async def _perps(self, dexes: Sequence[str], ts: int) -> list[Instrument]:
        """The perpetuals of each dex (``""``: the main one), with their wire asset numbers."""
        indexes: dict[str, int] = {"": 0}
        if any(dexes):
            listed = await self.http.http_perp_dexs()
            indexes.update(
                {str(d["name"]): i for i, d in enumerate(listed or ()) if isinstance(d, Mapping)}
            )
        out: list[Instrument] = []
        for dex in dexes:
            if dex not in indexes:
                self.log.warning("perp dex %r is not listed by the venue (perpDexs)", dex)
                continue
            meta = await self.http.http_meta(dex)
            perps, failed = parse_perp_instruments(meta, ts, hip3_asset_base(indexes[dex]))
            out.extend(perps)
            self._skip(failed, f"perpetual ({dex or 'main'} dex)")
        return out

    def _skip(self, failed: list[tuple[Any, Exception]], family: str) -> None:
        for record, exc in failed:
            self.skipped += 1
            if self.config.warn_on_skipped_instruments:
                name = record.get("name") if isinstance(record, Mapping) else record
                self.log.warning(
                    "skipping %s instrument %r: %s: %s", family, name, type(exc).__name__, exc
                )


def http_sharing(
    provider: InstrumentProvider | None, config: HyperliquidConfig
) -> tuple[HyperliquidHttpClient, bool]:
    """A REST client for a data or execution client, and whether that client owns it (the
    provider's pool is shared when it has the same config)."""
    if isinstance(provider, HyperliquidInstrumentProvider) and provider.config == config:
        return provider.http, False
    return HyperliquidHttpClient(config), True


async def instrument_for(
    provider: InstrumentProvider | None, instrument_id: InstrumentId
) -> Instrument:
    """The loaded instrument, or load it (UnknownInstrument when the venue does not list it)."""
    if provider is None:
        raise TradeportError(f"{VENUE_ID}: clients need an instrument provider")
    found = provider.find(instrument_id)
    if found is not None:
        return found
    try:
        return await provider.load(instrument_id)
    except UnknownInstrument:
        raise
    except KeyError:
        raise UnknownInstrument(VENUE_ID, instrument_id, "the venue does not list it") from None


def by_coin(provider: InstrumentProvider | None) -> dict[str, Instrument]:
    """The loaded instruments by their wire coin (``BTC``, ``PURR/USDC``, ``@107``)."""
    if provider is None:
        return {}
    return {str(i.info.get("coin")): i for i in provider.list_all()}
