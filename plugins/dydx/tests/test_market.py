"""Exact price/size <-> subticks/quantums conversions, both ways, on the recorded markets."""

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
    # BTC-USD: atomicResolution -10, qce -9 -> subticks = price * 10^(-10 + 9 + 6) = price * 1e5.
    btc = market("BTC-USD")
    assert btc.subticks("89919") == 8_991_900_000
    assert btc.quantums("0.0001") == 1_000_000  # one step
    assert btc.quantums("1") == 10_000_000_000
    # SOL-USD: atomicResolution -7 -> subticks = price * 10^(-7 + 9 + 6) = price * 1e8.
    sol = market("SOL-USD")
    assert sol.subticks("135.31") == 13_531_000_000
    assert sol.quantums("0.1") == 1_000_000


@pytest.mark.parametrize(
    ("ticker", "price", "size"),
    [
        ("BTC-USD", "89919", "0.0037"),
        ("ETH-USD", "3103.1", "1.234"),
        ("SOL-USD", "135.3", "41917.9"),
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
        ("BTC-USD", "89919.5", "0.001", "price"),  # off the $1 tick
        ("ETH-USD", "3103.05", "0.001", "price"),
        ("BTC-USD", "89919", "0.00015", "quantity"),  # off the 0.0001 step
        ("SOL-USD", "135.3", "0.05", "quantity"),
        ("BTC-USD", "0", "0.001", "price"),
        ("BTC-USD", "1", "-0.0001", "quantity"),
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
    assert inst.price_increment.as_decimal() == Decimal("0.1")
    assert inst.size_increment.as_decimal() == Decimal("0.001")
    assert (inst.price_precision, inst.size_precision) == (1, 3)
    assert inst.margin_init == Decimal("0.02") and inst.margin_maint == Decimal("0.012")
    assert inst.info["market"].clob_pair_id == 1


def test_inconsistent_record_is_refused() -> None:
    record = {**MARKETS["BTC-USD"], "tickSize": "0.5"}
    with pytest.raises(ValueError, match="disagree"):
        parse_perpetual_market(record, 1)
