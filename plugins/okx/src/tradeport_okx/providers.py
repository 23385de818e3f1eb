"""The OKX instrument provider: ``/api/v5/public/instruments`` per instrument type."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from tradeport.clients.base import InstrumentProvider
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_okx.config import OkxConfig
from tradeport_okx.constants import VENUE_NAME
from tradeport_okx.http.client import OkxHttpClient
from tradeport_okx.http.parse import parse_instrument
from tradeport_okx.symbology import inst_family_of, inst_type_of

__all__ = ["OkxInstrumentProvider"]


class OkxInstrumentProvider(InstrumentProvider):
    """Loads SPOT, MARGIN, SWAP, FUTURES and OPTION instruments.

    Filters (all optional): ``inst_types`` (overrides the config), ``inst_family`` (derivatives
    of one family), ``warn_unparseable`` (False silences the warning for records that cannot be
    parsed; they are skipped either way).
    """

    def __init__(
        self, config: OkxConfig, *, http: OkxHttpClient | None = None, **kwargs: Any
    ) -> None:
        super().__init__(VENUE_NAME, config, **kwargs)
        self.http = http or OkxHttpClient(config)
        self.skipped: list[str] = []

    async def disconnect(self) -> None:
        """Close the REST client."""
        await self.http.aclose()

    def _parse_all(
        self, records: Sequence[dict[str, Any]], warn: bool, ts_init: int
    ) -> list[Instrument]:
        out = []
        for record in records:
            try:
                out.append(parse_instrument(record, ts_init))
            except Exception as exc:  # one bad record must not stop the rest (IN5)
                self.skipped.append(str(record.get("instId")))
                if warn:
                    self.log.warning(
                        "skipping instrument %s: %s: %s",
                        record.get("instId"),
                        type(exc).__name__,
                        exc,
                    )
        return out

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """Every instrument of the configured (or filtered) instrument types."""
        filters = filters or {}
        config: OkxConfig = self.config
        inst_types = tuple(filters.get("inst_types", config.inst_types))
        family = filters.get("inst_family")
        warn = bool(filters.get("warn_unparseable", True))
        ts_init = time.time_ns()
        out: list[Instrument] = []
        for inst_type in inst_types:
            if inst_type == "OPTION":
                families = [family] if family else list(config.option_families)
                for fam in families:
                    records = await self.http.http_get_instruments("OPTION", inst_family=fam)
                    out.extend(self._parse_all(records, warn, ts_init))
                continue
            records = await self.http.http_get_instruments(
                inst_type, inst_family=family if inst_type in ("SWAP", "FUTURES") else None
            )
            out.extend(self._parse_all(records, warn, ts_init))
        return out

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """The given instruments, one ``instId`` request each (options by family)."""
        filters = filters or {}
        warn = bool(filters.get("warn_unparseable", True))
        ts_init = time.time_ns()
        out: list[Instrument] = []
        for iid in ids:
            inst_id = iid.symbol.value
            inst_type = inst_type_of(inst_id)
            family = inst_family_of(inst_id) if inst_type == "OPTION" else None
            records = await self.http.http_get_instruments(
                inst_type.value, inst_family=family, inst_id=inst_id
            )
            out.extend(self._parse_all(records, warn, ts_init))
        return out
