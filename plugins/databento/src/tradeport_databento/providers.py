"""Databento instrument provider: definitions from the historical API.

``load_all`` asks ``timeseries.get_range`` for the ``definition`` schema of the configured
symbols (``ALL_SYMBOLS`` by default, or parent symbols such as ``ES.FUT``) from UTC midnight, and
parses each definition into an instrument of its family with exact increments. A definition
seen several times (updates during the day) keeps its latest state. A record that cannot be
parsed is skipped with a warning (``warn_on_skipped_instruments``) and counted in
:attr:`skipped`. ``resolve(query)`` (the core's) finds one instrument by asking Databento for
definitions (:meth:`DatabentoInstrumentProvider.fetch_candidates`); ``resolve_symbology``
answers symbology questions through the ``symbology.resolve`` endpoint.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import databento_dbn as dbn
from tradeport.clients.base import InstrumentProvider
from tradeport.errors import RequestRejected
from tradeport.model.enums import ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_databento.config import DatabentoConfig
from tradeport_databento.constants import CAPABILITIES, VENUE_ID
from tradeport_databento.http.client import DatabentoHttpClient
from tradeport_databento.parse import parse_instrument
from tradeport_databento.symbology import SymbolMap, databento_symbol, dataset_venue, stype_of

if TYPE_CHECKING:
    from tradeport.clients.resolution import InstrumentQuery

__all__ = ["DatabentoInstrumentProvider", "utc_midnight_ns", "http_sharing"]


def utc_midnight_ns(now_ns: int | None = None) -> int:
    """UTC midnight of the day of ``now_ns`` (default: today), in UNIX ns."""
    now = (now_ns if now_ns is not None else time.time_ns()) // 1_000_000_000
    return (now - now % 86_400) * 1_000_000_000


class DatabentoInstrumentProvider(InstrumentProvider):
    """Definitions of the dataset's instruments (see the module docstring).

    Venue filters (optional): ``symbols`` (Databento symbols, raw or parent), ``stype_in``,
    ``start_ns`` (definitions from then on); ``products`` and ``symbols`` of tradeport ids are
    applied by the core's ``load_all``.
    """

    def __init__(
        self, config: DatabentoConfig, *, http: DatabentoHttpClient | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, **kwargs)
        self._http = http
        self._owns_http = http is None
        self.skipped = 0
        #: instrument_id <-> raw symbol of every definition seen (shared with the data client).
        self.symbol_map = SymbolMap(config.dataset)

    def __repr__(self) -> str:
        return f"DatabentoInstrumentProvider(dataset={self.config.dataset!r}, loaded={len(self)})"

    @property
    def http(self) -> DatabentoHttpClient:
        if self._http is None:
            self._http = DatabentoHttpClient(self.config)
        return self._http

    async def disconnect(self) -> None:
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        filters = filters or {}
        symbols = list(filters.get("databento_symbols") or self.config.symbols)
        stype_in = str(filters.get("stype_in") or self._stype_for(symbols))
        start = int(
            filters.get("start_ns") or self.config.definitions_start_ns or utc_midnight_ns()
        )
        return await self.fetch_definitions(symbols, stype_in, start)

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        """Definitions of the given ids' symbols (raw, parent or continuous by their shape)."""
        out: list[Instrument] = []
        by_stype: dict[str, list[str]] = {}
        for iid in ids:
            stype, symbol = databento_symbol(iid)
            by_stype.setdefault(stype, []).append(symbol)
        start = int(
            (filters or {}).get("start_ns") or self.config.definitions_start_ns or utc_midnight_ns()
        )
        for stype, symbols in by_stype.items():
            out.extend(await self.fetch_definitions(symbols, stype, start))
        wanted = {str(i) for i in ids}
        exact = [i for i in out if str(i.id) in wanted]
        return exact or out

    @staticmethod
    def _stype_for(symbols: Sequence[str]) -> str:
        from tradeport_databento.symbology import stype_of

        kinds = {stype_of(s) for s in symbols if s != "ALL_SYMBOLS"}
        return kinds.pop() if len(kinds) == 1 else "raw_symbol"

    async def fetch_definitions(
        self, symbols: Sequence[str], stype_in: str, start_ns: int
    ) -> list[Instrument]:
        """Stream the definition records of ``symbols`` and parse them (latest state wins)."""
        latest: dict[int, Any] = {}
        async for batch in self.http.stream_range(
            "definition", symbols, start_ns, stype_in=stype_in
        ):
            for record in batch:
                if record.__class__ is dbn.InstrumentDefMsg:
                    latest[int(record.instrument_id)] = record
        ts = time.time_ns()
        out = []
        default_venue = dataset_venue(self.config.dataset)
        for record in latest.values():
            if record.security_update_action == dbn.SecurityUpdateAction.DELETE:
                continue
            try:
                venue = str(record.exchange or "") or default_venue
                instrument = parse_instrument(record, venue, ts)
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                self.skipped += 1
                if self.config.warn_on_skipped_instruments:
                    self.log.warning(
                        "skipping definition %r (instrument_id %s): %s: %s",
                        getattr(record, "raw_symbol", "?"),
                        getattr(record, "instrument_id", "?"),
                        type(exc).__name__,
                        exc,
                    )
                continue
            self.symbol_map.on_definition(record)
            out.append(instrument)
        return out

    async def fetch_candidates(self, query: InstrumentQuery) -> list[Instrument]:
        """Instruments matching ``query``, asked of Databento: a raw symbol's definition, a
        parent's (``ES.FUT``) or continuous symbol's (``ES.c.0``) instruments, or a root
        (``ES``) as its futures and options parents; then the query's other fields filter."""
        from tradeport.clients.resolution import matches

        symbol = query.symbol
        if symbol is None:
            return await super().fetch_candidates(query)
        stype = stype_of(symbol)
        if (
            stype == "raw_symbol"
            and symbol.isalpha()
            and len(symbol) <= 3
            and (query.product_type in (ProductType.FUTURE, ProductType.OPTION))
        ):
            suffix = ".FUT" if query.product_type is ProductType.FUTURE else ".OPT"
            symbol, stype = symbol + suffix, "parent"
        start = self.config.definitions_start_ns or utc_midnight_ns()
        try:
            found = await self.fetch_definitions([symbol], stype, start)
        except RequestRejected as exc:
            if exc.http_status in (404, 422):  # Databento: no such symbol (nothing resolved)
                return []
            raise
        if stype == "raw_symbol" and query.symbol == symbol:
            return [i for i in found if matches(query, i)]
        # A parent or continuous symbol (or a root) names its instruments: match the rest.
        rest = {
            f.name: getattr(query, f.name)
            for f in attrs.fields(type(query))
            if f.name not in ("symbol", "params") and getattr(query, f.name) is not None
        }
        if not rest:
            return found
        narrowed = attrs.evolve(query, symbol=None)
        return [i for i in found if matches(narrowed, i)]

    async def resolve_symbology(
        self,
        symbols: Sequence[str],
        stype_in: str = "raw_symbol",
        stype_out: str = "instrument_id",
        date: datetime.date | None = None,
    ) -> dict[str, Any]:
        """``symbology.resolve``: what ``symbols`` (in ``stype_in``) are in ``stype_out`` on
        ``date`` (default today, UTC). A partial resolution is warned, naming the symbols."""
        day = date or datetime.datetime.now(datetime.UTC).date()
        return await self.http.resolve(
            symbols,
            stype_in,
            stype_out,
            day.isoformat(),
            (day + datetime.timedelta(days=1)).isoformat(),
        )


def http_sharing(
    provider: InstrumentProvider | None, config: DatabentoConfig
) -> tuple[DatabentoHttpClient, bool]:
    """A historical client for the data client, and whether the data client owns it."""
    if isinstance(provider, DatabentoInstrumentProvider) and provider.config == config:
        return provider.http, False
    return DatabentoHttpClient(config), True
