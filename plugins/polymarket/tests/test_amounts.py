"""Order amounts per tick size, exactly as the official client computes them.

Vectors: py-clob-client-v2 ``tests/order_builder/test_builder.py`` (the fixed cases below) and
``test_data/sdk_amount_vectors.json`` (962 cases the official ``OrderBuilder`` of
py-clob-client-v2 1.2.1 computed over a random grid of sizes and prices, every tick size,
both sides, limit and market; SOURCES.md).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from tradeport.errors import ValidationError
from tradeport.model.enums import OrderSide
from tradeport_polymarket.http.query import limit_amounts, market_amounts, rounding_of

DATA = Path(__file__).parent / "test_data"
SIDES = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}


@pytest.mark.parametrize(
    ("tick", "price", "size", "buy"),
    [
        # test_build_order_buy_0_1 / _sell_0_1, _0_01, _0_001, _0_0001, _precision
        ("0.1", "0.5", "100", (50000000, 100000000)),
        ("0.01", "0.56", "21.04", (11782400, 21040000)),
        ("0.001", "0.056", "21.04", (1178240, 21040000)),
        ("0.0001", "0.0056", "21.04", (117824, 21040000)),
        ("0.01", "0.82", "20.0", (16400000, 20000000)),
    ],
)
def test_limit_amounts_of_the_sdk_builder_tests(
    tick: str, price: str, size: str, buy: tuple[int, int]
) -> None:
    assert limit_amounts(OrderSide.BUY, Decimal(size), Decimal(price), tick) == buy
    assert limit_amounts(OrderSide.SELL, Decimal(size), Decimal(price), tick) == (buy[1], buy[0])


def test_the_sdk_grid_reproduces_exactly() -> None:
    rows = json.loads((DATA / "sdk_amount_vectors.json").read_text())["rows"]
    assert len(rows) > 900
    for kind, side, tick, given, price, maker, taker in rows:
        compute = limit_amounts if kind == "limit" else market_amounts
        got = compute(SIDES[side], Decimal(given), Decimal(price), tick)
        assert got == (maker, taker), (kind, side, tick, given, price)


def test_exact_mode_differs_only_where_the_sdk_float_arithmetic_drifts() -> None:
    # The SDK rounds 148.39 shares down to 148.38 (148.39 * 100 is 14838.999... in binary).
    assert limit_amounts(OrderSide.BUY, Decimal("148.39"), Decimal("0.3"), "0.1") == (
        44514000,
        148380000,
    )
    assert limit_amounts(OrderSide.BUY, Decimal("148.39"), Decimal("0.3"), "0.1", mode="exact") == (
        44517000,
        148390000,
    )
    rows = json.loads((DATA / "sdk_amount_vectors.json").read_text())["rows"]
    same = sum(
        (limit_amounts if k == "limit" else market_amounts)(
            SIDES[s], Decimal(g), Decimal(p), t, mode="exact"
        )
        == (m, tk)
        for k, s, t, g, p, m, tk in rows
    )
    assert same / len(rows) > 0.9


def test_market_buy_amount_is_collateral_and_sell_is_shares() -> None:
    # BUY 10 pUSD at a worst price 0.5: maker 10 pUSD, taker 20 shares.
    assert market_amounts(OrderSide.BUY, Decimal("10"), Decimal("0.5"), "0.01") == (
        10_000_000,
        20_000_000,
    )
    # SELL 20 shares at 0.5: maker 20 shares, taker 10 pUSD.
    assert market_amounts(OrderSide.SELL, Decimal("20"), Decimal("0.5"), "0.01") == (
        20_000_000,
        10_000_000,
    )


def test_unknown_tick_sizes_are_refused_naming_the_value() -> None:
    assert rounding_of("0.010") == (2, 2, 4)
    with pytest.raises(ValidationError, match=r"0\.05"):
        rounding_of("0.05")
