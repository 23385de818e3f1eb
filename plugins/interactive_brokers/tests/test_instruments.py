"""Contract lookups through the mock gateway: resolution into the core model, symbology both
ways, ambiguity with candidates, unknown contracts, skipped rows, option chains' inputs."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from tradeport.clients.resolution import InstrumentQuery
from tradeport.errors import AmbiguousInstrument, UnknownInstrument
from tradeport.model.enums import OptionKind, ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import (
    Bond,
    Cfd,
    DatedFuture,
    Equity,
    FutureOption,
    FxPair,
    OptionContract,
    SpotPair,
)
from tradeport_interactive_brokers.constants import Out
from tradeport_interactive_brokers.parse import parse_bond_contract_data
from tradeport_interactive_brokers.providers import InteractiveBrokersInstrumentProvider
from tradeport_interactive_brokers.symbology import contract_for, instrument_id_for
from tradeport_interactive_brokers.testing.listings import (
    AAPL,
    AAPL_CALL,
    ES,
    EURUSD,
    SAP_IBIS,
    SPX,
    US_TREASURY,
)
from tradeport_interactive_brokers.wire import ProtocolError

pytestmark = pytest.mark.anyio


def _provider(env: Any, **overrides: Any) -> InteractiveBrokersInstrumentProvider:
    return InteractiveBrokersInstrumentProvider(env.config(**overrides))


async def test_resolve_each_family_with_contract_facts(env: Any) -> None:
    provider = _provider(env)
    aapl = await provider.resolve("AAPL.NASDAQ")
    assert isinstance(aapl, Equity) and aapl.id == InstrumentId.from_str("AAPL.NASDAQ")
    assert aapl.price_increment.as_decimal() == Decimal("0.01") and aapl.isin == "US0378331005"
    assert aapl.info["con_id"] == 265598 and aapl.info["time_zone_id"] == "US/Eastern"
    assert aapl.info["trading_hours"].startswith("20261208:0930-20261208:1600")
    assert aapl.info["price_magnifier"] == 1

    es = await provider.resolve("ESZ6.CME")
    assert isinstance(es, DatedFuture) and es.multiplier.as_decimal() == 50
    assert es.price_increment.as_decimal() == Decimal("0.25") and es.underlying == "ES"
    assert es.expiry_ns == 1797604200 * 10**9  # 2026-12-18 08:30 US/Central

    call = await provider.resolve("AAPL261218C00200000.SMART")
    assert isinstance(call, OptionContract) and call.option_kind is OptionKind.CALL
    assert call.strike_price.as_decimal() == 200 and call.multiplier.as_decimal() == 100

    fx = await provider.resolve("EUR.USD.IDEALPRO")
    assert isinstance(fx, FxPair) and (fx.base_currency, fx.quote_currency) == ("EUR", "USD")
    assert fx.price_increment.as_decimal() == Decimal("0.00005")

    index = await provider.resolve("^SPX.CBOE")
    assert index.product_type is ProductType.INDEX
    assert provider.find(InstrumentId.from_str("^SPX.CBOE")) is index


async def test_ambiguous_symbol_lists_candidates_not_a_guess(env: Any) -> None:
    provider = _provider(env)
    with pytest.raises(AmbiguousInstrument) as err:
        await provider.resolve("SAP")
    assert sorted(str(c.id) for c in err.value.candidates) == ["SAP.IBIS", "SAP.NYSE"]
    assert provider.find(InstrumentId.from_str("SAP.IBIS")) is None, (
        "a candidate was kept as a guess"
    )
    # Naming the exchange (or the currency) picks one.
    assert (await provider.resolve("SAP.IBIS")).info["con_id"] == SAP_IBIS.con_id
    assert (
        await provider.resolve(InstrumentQuery(symbol="SAP", currency="USD"))
    ).id.venue.value == "NYSE"


async def test_unknown_contract_is_typed_error_200(env: Any) -> None:
    provider = _provider(env)
    with pytest.raises(UnknownInstrument):
        await provider.resolve("NOPE.NASDAQ")


async def test_params_query_by_con_id(env: Any) -> None:
    provider = _provider(env)
    found = await provider.resolve(InstrumentQuery(params={"conId": ES.con_id}))
    assert found.id == InstrumentId.from_str("ESZ6.CME")


async def test_load_all_resolves_configured_instruments_and_skips_bad_rows(
    env: Any, caplog: Any
) -> None:
    provider = _provider(env, load_instruments=("AAPL.NASDAQ", "ESZ6.CME", "SAP"))
    env.mock.malformed_contract = True
    with caplog.at_level(logging.WARNING):
        loaded = await provider.load_all()
    assert sorted(str(i.id) for i in loaded) == ["AAPL.NASDAQ", "ESZ6.CME", "SAP.IBIS", "SAP.NYSE"]
    assert "does not parse" in caplog.text


async def test_connected_provider_keeps_one_connection(env: Any) -> None:
    provider = _provider(env)
    await provider.connect()
    try:
        await provider.resolve("AAPL.NASDAQ")
        await provider.resolve("ESZ6.CME")
        assert env.mock.handshakes == 1 and [c.client_id for c in env.mock.clients] == [3]
    finally:
        await provider.disconnect()
    await env.until(lambda: not env.mock.clients, "the connection closed on disconnect")


async def test_search_matching_symbols(env: Any) -> None:
    samples = await _provider(env).search("SA")
    assert sorted(s.primary_exchange for s in samples) == ["IBIS", "NYSE"]
    assert {s.description for s in samples} == {"SAP SE"}


@pytest.mark.parametrize(
    ("contract", "simplified", "raw"),
    [
        (AAPL, "AAPL.NASDAQ", "AAPL=STK.NASDAQ"),
        (ES, "ESZ6.CME", "ESZ6=FUT.CME"),
        (AAPL_CALL, "AAPL261218C00200000.SMART", "AAPL261218C00200000=OPT.SMART"),
        (EURUSD, "EUR.USD.IDEALPRO", "EUR.USD=CASH.IDEALPRO"),
        (SPX, "^SPX.CBOE", "SPX=IND.CBOE"),
    ],
)
async def test_symbology_both_ways(env: Any, contract: Any, simplified: str, raw: str) -> None:
    for scheme, text in (("simplified", simplified), ("raw", raw)):
        iid = instrument_id_for(contract, scheme)
        assert str(iid) == text
        wanted = contract_for(iid, scheme)
        assert env.mock.find(wanted) == [env.mock.listings[contract.con_id]], (scheme, wanted)
        resolved = await _provider(env, symbology=scheme).resolve(iid)
        assert resolved.id == iid


async def test_more_families_and_the_option_chain(env: Any) -> None:
    provider = _provider(env)
    fop = await provider.resolve("ESDEC265000C.CME")
    assert isinstance(fop, FutureOption) and fop.underlying_id == InstrumentId.from_str("ES.CME")
    assert fop.strike_price.as_decimal() == 5000 and fop.multiplier.as_decimal() == 50
    cfd = await provider.resolve("IBUS30=CFD.SMART")
    assert isinstance(cfd, Cfd) and cfd.underlying == "DJI"
    btc = await provider.resolve("BTC/USD.PAXOS")
    assert isinstance(btc, SpotPair) and btc.base_currency == "BTC"
    assert btc.size_increment.as_decimal() == Decimal("0.0001")
    chain = await provider.option_chain(InstrumentId.from_str("AAPL.NASDAQ"))
    assert {row.exchange for row in chain} == {"SMART", "CBOE", "AMEX"}
    assert all(row.expirations == ("20261218",) and row.strikes == (Decimal(200),) for row in chain)
    assert all(row.multiplier == "100" and row.under_con_id == AAPL.con_id for row in chain)
    es_chain = await provider.option_chain(InstrumentId.from_str("ESZ6.CME"), "CME")
    assert [(r.exchange, r.trading_class) for r in es_chain] == [("CME", "ES")]


# A BOND_CONTRACT_DATA message in the server-version 164+ layout (ib_async's decoder order):
# IB's "Basic Contracts" Treasury (CUSIP 912828C57 on SMART in USD), two secIds.
BOND_MESSAGE = [
    "18", "7", "912828C57", "BOND", "912828C57", "2.25", "20210331 16:00 US/Eastern",
    "20140331", "AAA", "GOVT", "FIXED", "0", "0", "0", "T 2 1/4 03/31/21", "SMART", "USD",
    "UST", "UST", "147554578", "0.0001", "LMT,MKT", "SMART", "", "", "0", "", "United States "
    "Treasury", "", "", "2", "ISIN", "US912828C574", "CUSIP", "912828C57", "-1", "26", "1000",
    "1000", "1000",
]  # fmt: skip


def test_bond_contract_data_fields() -> None:
    req_id, details = parse_bond_contract_data(BOND_MESSAGE)
    contract = details.contract
    assert req_id == 7
    assert (contract.con_id, contract.sec_type, contract.exchange) == (147554578, "BOND", "SMART")
    assert (contract.sec_id_type, contract.sec_id) == ("ISIN", "US912828C574")
    assert (contract.last_trade_date, details.last_trade_time, details.time_zone_id) == (
        "20210331",
        "16:00",
        "US/Eastern",
    )
    assert (details.cusip, details.coupon, details.issue_date) == (
        "912828C57",
        Decimal("2.25"),
        "20140331",
    )
    assert (details.bond_type, details.coupon_type, details.ratings) == ("GOVT", "FIXED", "AAA")
    assert details.min_tick == Decimal("0.0001") and details.order_types == ("LMT", "MKT")
    assert details.long_name == "United States Treasury" and details.market_rule_ids == "26"
    assert (details.min_size, details.size_increment) == (Decimal(1000), Decimal(1000))
    with pytest.raises(ProtocolError, match="bondContractData"):
        parse_bond_contract_data(BOND_MESSAGE[:-2])  # the size rules missing


async def test_bond_lookup_by_isin_and_by_cusip(env: Any) -> None:
    """TWS answers a bond lookup with BOND_CONTRACT_DATA (18): resolved into the core Bond."""
    provider = _provider(env)
    bond = await provider.resolve("US912828C574=BOND.SMART")
    assert isinstance(bond, Bond) and bond.product_type is ProductType.BOND
    assert bond.id == InstrumentId.from_str("US912828C574=BOND.SMART")
    assert (bond.isin, bond.cusip, bond.coupon_rate) == (
        "US912828C574",
        "912828C57",
        Decimal("0.0225"),
    )
    assert bond.maturity_ns == 1617148800 * 10**9  # 2021-03-31 UTC
    assert bond.issue_ns == 1396224000 * 10**9  # 2014-03-31 UTC
    assert bond.face_value.as_decimal() == 100 and str(bond.face_value.currency) == "USD"
    assert bond.price_increment.as_decimal() == Decimal("0.0001")
    assert bond.size_increment.as_decimal() == 1000 and bond.issuer == "United States Treasury"
    assert bond.info["con_id"] == US_TREASURY.con_id
    answered = [f[0] for _, f in env.mock.received_log if f[0] == str(Out.REQ_CONTRACT_DATA)]
    assert answered, "no reqContractDetails was sent"
    # By the CUSIP as the symbol (IB's documented bond lookup): the same bond.
    again = await _provider(env).resolve(
        InstrumentQuery(symbol="912828C57", params={"secType": "BOND", "exchange": "SMART"})
    )
    assert again.id == bond.id
