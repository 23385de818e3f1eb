"""Instruments from Tardis' instruments metadata API, with the venue plugins' ids.

``GET /v1/instruments/{exchange}`` for each of ``TardisConfig.exchanges`` (an active pro or
business subscription; without a key the provider says so before any request). Spot pairs and
perpetuals are modelled; a record that cannot be parsed is skipped with a warning
(``warn_on_skipped_instruments``), the rest load.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from tradeport.clients.base import InstrumentProvider
from tradeport.errors import ValidationError
from tradeport.model.instruments import Instrument

from tradeport_tardis.capabilities import CAPABILITIES
from tradeport_tardis.config import TardisConfig
from tradeport_tardis.constants import VENUE_ID
from tradeport_tardis.http.client import TardisHttpClient
from tradeport_tardis.parse import parse_instrument

__all__ = ["TardisInstrumentProvider"]

log = logging.getLogger("tradeport.tardis.instruments")


class TardisInstrumentProvider(InstrumentProvider):
    """Loads the configured exchanges' instruments (see the module docstring)."""

    def __init__(self, config: TardisConfig, **kwargs: Any) -> None:
        super().__init__(VENUE_ID, config, capabilities=CAPABILITIES, **kwargs)
        self.config: TardisConfig = config
        self.http = TardisHttpClient(config)

    async def disconnect(self) -> None:
        await self.http.aclose()

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        now = time.time_ns()
        out: list[Instrument] = []
        for exchange in self.config.exchanges:
            for record in await self.http.http_get_instruments(exchange):
                try:
                    instrument = parse_instrument(record, now)
                except (KeyError, TypeError, ValueError, ValidationError) as exc:
                    if self.config.warn_on_skipped_instruments:
                        log.warning(
                            "tardis: skipped %s instrument %r: %s: %s",
                            exchange,
                            record.get("id") if isinstance(record, dict) else record,
                            type(exc).__name__,
                            exc,
                        )
                    continue
                if instrument is not None:
                    out.append(instrument)
        return out
