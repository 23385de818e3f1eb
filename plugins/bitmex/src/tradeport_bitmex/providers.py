"""BitMEX instrument provider: ``GET /instrument/active`` parsed to Perpetual, DatedFuture
and SpotPair instruments."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from tradeport.clients.base import InstrumentProvider
from tradeport.model.instruments import Instrument

from tradeport_bitmex.config import BitmexConfig
from tradeport_bitmex.http.client import BitmexHttpClient
from tradeport_bitmex.http.parse import UnsupportedInstrument, parse_instrument

__all__ = ["BitmexInstrumentProvider", "parse_instruments"]

log = logging.getLogger("tradeport.bitmex.instruments")


def parse_instruments(
    records: Iterable[dict[str, Any]], ts_init: int, *, warn: bool = True
) -> list[Instrument]:
    """Parse instrument records, skipping indices quietly and bad records with a warning."""
    out: list[Instrument] = []
    for record in records:
        try:
            out.append(parse_instrument(record, ts_init))
        except UnsupportedInstrument as exc:
            log.debug("skipped %s", exc)
        except (KeyError, ValueError, TypeError) as exc:
            if warn:
                log.warning(
                    "skipped instrument %r: %s: %s",
                    record.get("symbol") if isinstance(record, dict) else record,
                    type(exc).__name__,
                    exc,
                )
    return out


def _matches(instrument: Instrument, filters: Mapping[str, Any]) -> bool:
    """BitMEX's own filters: ``quote_currency``, ``settle_currency`` (``products`` and
    ``symbols`` are applied by the core for every venue)."""
    quote = filters.get("quote_currency")
    if quote is not None and instrument.quote_currency != quote:
        return False
    settle = filters.get("settle_currency")
    return settle is None or getattr(instrument, "settle_currency", None) == settle


class BitmexInstrumentProvider(InstrumentProvider):
    """Loads BitMEX instruments (perpetuals, dated futures, spot pairs).

    ``filters`` keys: ``quote_currency``, ``settle_currency``; the core applies ``products``
    (ProductType values) and ``symbols`` (native symbols) for every venue.
    """

    def __init__(
        self,
        venue: str,
        config: BitmexConfig,
        *,
        http: BitmexHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(venue, config, **kwargs)
        self._own_http = http is None
        self.http = http or BitmexHttpClient(config)

    async def disconnect(self) -> None:
        """Close the REST client this provider created."""
        if self._own_http:
            await self.http.aclose()

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """Every active instrument that passes ``filters``."""
        records = await self.http.http_get_instrument_active()
        instruments = parse_instruments(
            records, time.time_ns(), warn=self.config.warn_on_skipped_instruments
        )
        if filters:
            instruments = [i for i in instruments if _matches(i, filters)]
        return instruments
