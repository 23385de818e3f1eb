"""BinanceInstrumentProvider: exchangeInfo for the configured account type, parsed into spot
pairs, perpetuals (``-PERP``) and dated futures. Records that cannot be parsed are skipped with
a warning (``log_instrument_warnings=False`` silences it); the rest load."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from tradeport.clients.base import InstrumentProvider
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_binance.capabilities import CAPABILITIES
from tradeport_binance.config import BinanceConfig
from tradeport_binance.constants import VENUE_ID
from tradeport_binance.enums import BinanceAccountType
from tradeport_binance.http.client import BinanceHttpClient
from tradeport_binance.http.parse import parse_exchange_info
from tradeport_binance.symbology import native_symbol

__all__ = ["BinanceInstrumentProvider"]


class BinanceInstrumentProvider(InstrumentProvider):
    """Loads Binance instruments for one account type.

    Filters: ``{"status": "TRADING"}`` keeps symbols in that status (default: all),
    ``{"quote": "USDT"}`` one quote asset; ``products`` and ``symbols`` are applied by the core
    (InstrumentProvider.load_all) for every venue.
    """

    def __init__(
        self, config: BinanceConfig, *, http: BinanceHttpClient | None = None, **kwargs: Any
    ) -> None:
        super().__init__(VENUE_ID, config, capabilities=CAPABILITIES, **kwargs)
        self.http = http or BinanceHttpClient(config)
        self._owns_http = http is None
        #: (symbol, reason) of the records skipped by the last load.
        self.skipped: list[tuple[str, str]] = []
        self._by_native: dict[str, Instrument] = {}

    async def disconnect(self) -> None:
        """Close the REST pool when this provider created it."""
        if self._owns_http:
            await self.http.aclose()

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """``GET exchangeInfo`` and parse every symbol (skipping, with a warning, bad ones)."""
        payload = await self.http.http_exchange_info()
        account = self.config.account_type
        instruments, skipped = parse_exchange_info(
            payload,
            futures=account.is_futures,
            coin_margined=account is BinanceAccountType.COIN_FUTURE,
            ts_init=time.time_ns(),
        )
        self.skipped = skipped
        if skipped and self.config.log_instrument_warnings:
            for symbol, reason in skipped:
                self.log.warning("skipped Binance instrument %s: %s", symbol, reason)
        return [i for i in instruments if _wanted(i, filters)]

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """Fetch all, keep the requested ids (Binance's per-symbol query refuses unknown ones)."""
        wanted = set(ids)
        return [i for i in await self.fetch_all(filters) if i.id in wanted]

    def add(self, instrument: Instrument) -> None:
        """Keep the instrument by id and by native symbol (the streams' key)."""
        super().add(instrument)
        self._by_native[instrument.raw_symbol.value] = instrument

    def by_native(self, symbol: str) -> Instrument | None:
        """The loaded instrument with Binance symbol ``symbol`` (``BTCUSDT``), or None."""
        return self._by_native.get(symbol)

    @staticmethod
    def native(instrument_id: InstrumentId) -> str:
        """The Binance symbol of an instrument id."""
        return native_symbol(instrument_id)


def _wanted(instrument: Instrument, filters: Mapping[str, Any] | None) -> bool:
    if not filters:
        return True
    status = filters.get("status")
    if (
        status is not None
        and instrument.info.get("status", instrument.info.get("contractStatus")) != status
    ):
        return False
    quote = filters.get("quote")
    return quote is None or instrument.quote_currency == quote
