"""Exact price/size <-> subticks/quantums conversions, both ways, on the documented markets
(the BTC-USD and ETH-USD records of the indexer WebSocket documentation's ``v4_markets``
example, see test_data/SOURCES.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from tradeport.errors import ValidationError
from tradeport_dydx.http.parse import parse_perpetual_market
from tradeport_dydx.market import DydxMarket

DATA = Path(__file__).parent / "test_data"
MARKETS = json.loads((DATA / "perpetual_markets.json").read_text())["markets"]


def market(ticker: str) -> DydxMarket:
    return DydxMarket.from_record(MARKETS[ticker])


@pytest.mark.parametrize("ticker", sorted(MARKETS))
def test_tick_and_step_derive_from_the_chain_parameters(ticker: str) -> None:
    m = market(ticker)
    assert m.tick_size == Decimal(MARKETS[ticker]["tickSize"])
    assert m.step_size == Decimal(MARKETS[ticker]["stepSize"])


def test_sdk_formula_values() -> None:
    # BTC-USD: atomicResolution -10, qce -8 -> subticks = price * 10^(-10 + 8 + 6) = price * 1e4.
    btc = market("BTC-USD")
    assert btc.subticks("27752") == 277_520_000
    assert btc.quantums("0.000000001") == 10  # one step (stepBaseQuantums)
    assert btc.quantums("1") == 10_000_000_000
    # ETH-USD: atomicResolution -9, qce -9 -> subticks = price * 10^(-9 + 9 + 6) = price * 1e6.
    eth = market("ETH-USD")
    assert eth.subticks("1808.2") == 1_808_200_000
    assert eth.quantums("0.000001") == 1_000


@pytest.mark.parametrize(
    ("ticker", "price", "size"),
    [
        ("BTC-USD", "27752", "0.0037"),
        ("ETH-USD", "1808.21", "1.234567"),
        ("ETH-USD", "1808.2", "44027.853711"),
    ],
)
def test_round_trip_both_ways(ticker: str, price: str, size: str) -> None:
    m = market(ticker)
    assert m.price(m.subticks(price)) == Decimal(price)
    assert m.size(m.quantums(size)) == Decimal(size)
    subticks, quantums = m.subticks(price), m.quantums(size)
    assert m.subticks(m.price(subticks)) == subticks
    assert m.quantums(m.size(quantums)) == quantums


@pytest.mark.parametrize(
    ("ticker", "price", "size", "field"),
    [
        ("BTC-USD", "27752.5", "0.001", "price"),  # off the $1 tick
        ("ETH-USD", "1808.205", "0.001", "price"),  # off the $0.01 tick
        ("BTC-USD", "27752", "0.0000000015", "quantity"),  # off the 1e-9 step
        ("ETH-USD", "1808.2", "0.0000005", "quantity"),  # off the 1e-6 step
        ("BTC-USD", "0", "0.001", "price"),
        ("BTC-USD", "1", "-0.000000001", "quantity"),
    ],
)
def test_off_grid_values_are_refused_naming_the_field(
    ticker: str, price: str, size: str, field: str
) -> None:
    m = market(ticker)
    convert = m.subticks if field == "price" else m.quantums
    with pytest.raises(ValidationError, match=field):
        convert(price if field == "price" else size)


def test_instrument_carries_the_market() -> None:
    inst = parse_perpetual_market(MARKETS["ETH-USD"], 1)
    assert str(inst.id) == "ETH-USD.DYDX"
    assert inst.price_increment.as_decimal() == Decimal("0.01")
    assert inst.size_increment.as_decimal() == Decimal("0.000001")
    assert (inst.price_precision, inst.size_precision) == (2, 6)
    assert inst.margin_init == Decimal("0.05") and inst.margin_maint == Decimal("0.03")
    assert inst.info["market"].clob_pair_id == 1


def test_inconsistent_record_is_refused() -> None:
    record = {**MARKETS["BTC-USD"], "tickSize": "0.5"}
    with pytest.raises(ValueError, match="disagree"):
        parse_perpetual_market(record, 1)
