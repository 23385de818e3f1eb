"""The Interactive Brokers instrument provider: contracts are looked up, never listed.

``resolve`` (and ``ensure``, which subscriptions and orders await) asks TWS with
``reqContractDetails`` for the contract an id or query names: one answer is the instrument,
several are an :class:`~tradeport.errors.AmbiguousInstrument` holding every candidate, none
(error 200, "No security definition has been found") an
:class:`~tradeport.errors.UnknownInstrument`. ``load_all`` resolves the configured
``load_instruments``; ``search`` is ``reqMatchingSymbols``; ``option_chain`` is
``reqSecDefOptParams``.

In a session the provider looks contracts up over the data client's connection while it is
up; connected on its own (``connect()`` without a data client) it keeps its own API connection
(client id ``client_id + 2``); otherwise each lookup opens one for its duration.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import anyio
import attrs
from tradeport.clients.base import InstrumentProvider
from tradeport.clients.resolution import InstrumentQuery, matches
from tradeport.errors import UnknownInstrument, VenueError
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Instrument

from tradeport_interactive_brokers.config import InteractiveBrokersConfig
from tradeport_interactive_brokers.constants import (
    CAPABILITIES,
    NO_SECURITY_DEFINITION,
    VENUE_ID,
    In,
)
from tradeport_interactive_brokers.contract import Contract, ContractDetails
from tradeport_interactive_brokers.gateway.client import GatewayRunner, IbGateway
from tradeport_interactive_brokers.messages import (
    req_contract_details,
    req_matching_symbols,
    req_sec_def_opt_params,
)
from tradeport_interactive_brokers.parse import (
    OptionChain,
    SymbolSample,
    parse_bond_contract_data,
    parse_contract_data,
    parse_option_chain,
    parse_symbol_samples,
)
from tradeport_interactive_brokers.symbology import (
    UnmappableContract,
    contract_for,
    instrument_from_details,
)
from tradeport_interactive_brokers.wire import ProtocolError

__all__ = ["InteractiveBrokersInstrumentProvider", "contract_from_params"]

#: The messages reqContractDetails answers with: bonds come as BOND_CONTRACT_DATA.
_CONTRACT_PARSERS = {
    str(In.CONTRACT_DATA): parse_contract_data,
    str(In.BOND_CONTRACT_DATA): parse_bond_contract_data,
}

#: The IB contract fields a query's ``params`` may set (TWS API names).
_PARAM_FIELDS = {
    "conId": "con_id",
    "symbol": "symbol",
    "secType": "sec_type",
    "lastTradeDateOrContractMonth": "last_trade_date",
    "strike": "strike",
    "right": "right",
    "multiplier": "multiplier",
    "exchange": "exchange",
    "primaryExchange": "primary_exchange",
    "currency": "currency",
    "localSymbol": "local_symbol",
    "tradingClass": "trading_class",
    "includeExpired": "include_expired",
    "secIdType": "sec_id_type",
    "secId": "sec_id",
}


def contract_from_params(params: Mapping[str, Any], base: Contract | None = None) -> Contract:
    """A contract from TWS API field names (``{"secType": "FOP", "conId": 12087792}``)."""
    values: dict[str, Any] = {}
    for key, value in params.items():
        name = _PARAM_FIELDS.get(key)
        if name is None:
            raise VenueError(
                f"unknown contract field {key!r} (one of {', '.join(_PARAM_FIELDS)})",
                venue=VENUE_ID,
            )
        if name == "con_id":
            value = int(value)
        elif name == "strike":
            value = Decimal(str(value))
        elif name == "include_expired":
            value = bool(value)
        else:
            value = str(value)
        values[name] = value
    return Contract(**values) if base is None else attrs.evolve(base, **values)


class InteractiveBrokersInstrumentProvider(InstrumentProvider):
    """Contract lookups through TWS (see the module docstring)."""

    def __init__(self, config: InteractiveBrokersConfig, **kwargs: Any) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, **kwargs)
        self.config: InteractiveBrokersConfig = config
        self.scheme = config.symbology
        self._runner: GatewayRunner | None = None
        self._shared: IbGateway | None = None
        self._lookup_lock = anyio.Lock()
        #: Contract details by conId, for every instrument resolved so far.
        self.details: dict[int, ContractDetails] = {}

    # -- connection -----------------------------------------------------------------------------

    def _new_gateway(self) -> IbGateway:
        return IbGateway(self.config, client_id=self.config.client_id + 2, name="ib-instruments")

    def share(self, gateway: IbGateway) -> None:
        """Look contracts up over ``gateway`` (the data client's connection) while it is up,
        instead of a connection of the provider's own: one connection fewer per session."""
        self._shared = gateway

    async def connect(self) -> None:
        if self._runner is not None or self._shared is not None:
            return  # a shared connection is connected by its owner
        runner = GatewayRunner(self._new_gateway(), self.log)
        await runner.start()
        self._runner = runner

    async def disconnect(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.stop()

    @asynccontextmanager
    async def gateway(self) -> AsyncIterator[IbGateway]:
        """The provider's connection, the shared one while it is up, or else a connection for
        the duration of the block (one at a time: they share the provider's client id)."""
        if self._runner is not None:
            yield self._runner.gateway
            return
        if self._shared is not None and self._shared.connected:
            yield self._shared
            return
        async with self._lookup_lock, self._new_gateway() as gateway:
            yield gateway

    # -- lookups --------------------------------------------------------------------------------

    async def contract_details(self, contract: Contract) -> list[ContractDetails]:
        """``reqContractDetails``: every contract the description matches ([] for error 200).
        A row that does not parse is skipped with a warning (the others are kept)."""
        async with self.gateway() as gateway:
            try:
                messages = await gateway.request(
                    lambda req_id: req_contract_details(req_id, contract, gateway.server_version)
                )
            except VenueError as exc:
                if exc.venue_code == NO_SECURITY_DEFINITION:
                    return []
                raise
        found = []
        for fields in messages:
            parser = _CONTRACT_PARSERS.get(fields[0])
            if parser is None:
                continue
            try:
                _, details = parser(fields)
            except ProtocolError as exc:
                if self.config.warn_on_skipped_instruments:
                    self.log.warning("skipped a contract row that does not parse: %s", exc)
                continue
            found.append(details)
        return found

    def _to_instruments(self, found: Sequence[ContractDetails]) -> list[Instrument]:
        now = time.time_ns()
        instruments = []
        for details in found:
            try:
                instrument = instrument_from_details(details, scheme=self.scheme, ts_init=now)
            except UnmappableContract as exc:
                if self.config.warn_on_skipped_instruments:
                    self.log.warning("skipped contract: %s", exc)
                continue
            self.details[details.contract.con_id] = details
            instruments.append(instrument)
        return instruments

    def _contract_for_query(self, query: InstrumentQuery) -> Contract:
        if query.symbol is not None:
            target: InstrumentId | str = (
                InstrumentId.from_str(f"{query.symbol}.{query.venue}")
                if query.venue
                else query.symbol
            )
            base: Contract | None = contract_for(target, self.scheme)
        else:
            base = None
        if query.currency is not None and base is not None and not base.currency:
            base = attrs.evolve(base, currency=query.currency)
        if query.params:
            return contract_from_params(query.params, base)
        if base is None:
            raise UnknownInstrument(VENUE_ID, query, "a lookup needs a symbol or contract params")
        return base

    async def fetch_candidates(self, query: InstrumentQuery) -> list[Instrument]:
        contract = self._contract_for_query(query)
        found = self._to_instruments(await self.contract_details(contract))
        if query.params:
            return found  # the venue matched the contract fields; nothing to compare here
        return [i for i in found if matches(query, i)]

    async def fetch_all(self, filters: Mapping[str, Any] | None = None) -> list[Instrument]:
        """The configured ``load_instruments`` (and ``filters["instruments"]``), each with every
        contract it matches. IB cannot list all of its contracts."""
        wanted = list(self.config.load_instruments)
        wanted += [str(x) for x in (filters or {}).get("instruments", ())]
        if not wanted:
            self.log.warning(
                "load_all: nothing to load (set load_instruments: IB contracts are looked up, "
                "never listed)"
            )
        out: dict[InstrumentId, Instrument] = {}
        for text in wanted:
            query = InstrumentQuery.of(text)
            for instrument in await self.fetch_candidates(query):
                out[instrument.id] = instrument
        return list(out.values())

    async def fetch_ids(
        self, ids: Sequence[InstrumentId], filters: Mapping[str, Any] | None = None
    ) -> list[Instrument]:
        out = []
        for iid in ids:
            found = self._to_instruments(
                await self.contract_details(contract_for(iid, self.scheme))
            )
            out += [i for i in found if i.id == iid]
        return out

    async def search(self, pattern: str) -> list[SymbolSample]:
        """``reqMatchingSymbols``: contracts whose symbol or name matches ``pattern``."""
        async with self.gateway() as gateway:
            messages = await gateway.request(lambda req_id: req_matching_symbols(req_id, pattern))
            version = gateway.server_version
        return [s for fields in messages for s in parse_symbol_samples(fields, version)[1]]

    async def option_chain(
        self, underlying: InstrumentId, fut_fop_exchange: str = ""
    ) -> list[OptionChain]:
        """``reqSecDefOptParams``: the expirations and strikes of the options on
        ``underlying`` (resolved first), one row per exchange and trading class."""
        instrument = await self.ensure(underlying)
        con_id = int(instrument.info["con_id"])
        details = self.details[con_id]
        async with self.gateway() as gateway:
            messages = await gateway.request(
                lambda req_id: req_sec_def_opt_params(
                    req_id,
                    details.contract.symbol,
                    fut_fop_exchange,
                    details.contract.sec_type,
                    con_id,
                )
            )
        return [
            parse_option_chain(fields)
            for fields in messages
            if fields[0] == str(In.SECURITY_DEFINITION_OPTION_PARAMETER)
        ]

    def contract_of(self, instrument: Instrument) -> Contract:
        """The resolved contract of an instrument (by conId: orders and data name it exactly)."""
        con_id = int(instrument.info["con_id"])
        details = self.details.get(con_id)
        if details is not None:
            return Contract(con_id=con_id, exchange=details.contract.exchange or "SMART")
        return Contract(con_id=con_id, exchange=str(instrument.info.get("exchange") or "SMART"))
