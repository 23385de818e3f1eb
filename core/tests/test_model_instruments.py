"""Instruments: common validation, product families, precision helpers, the raw record aside."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

import attrs
import pytest
from tradeport.errors import ValidationError
from tradeport.model import (
    BettingMarket,
    DatedFuture,
    Equity,
    InstrumentId,
    Money,
    OptionContract,
    OptionKind,
    Perpetual,
    Price,
    ProductType,
    Quantity,
    SpotPair,
    Symbol,
)

RAW = {"symbol": "BTCUSDT", "status": "TRADING", "filters": [{"filterType": "PRICE_FILTER"}]}


def spot(**overrides: Any) -> SpotPair:
    fields: dict[str, Any] = {
        "id": InstrumentId.from_str("BTCUSDT.BINANCE"),
        "raw_symbol": Symbol("BTCUSDT"),
        "base_currency": "BTC",
        "quote_currency": "USDT",
        "price_precision": 2,
        "size_precision": 5,
        "price_increment": Price.from_str("0.01"),
        "size_increment": Quantity.from_str("0.00001"),
        "min_quantity": Quantity.from_str("0.00001"),
        "max_quantity": Quantity.from_str("9000"),
        "min_notional": Money("5", "USDT"),
        "min_price": Price.from_str("0.01"),
        "max_price": Price.from_str("1000000"),
        "maker_fee": Decimal("0.001"),
        "taker_fee": Decimal("0.001"),
        "ts_event": 1,
        "ts_init": 2,
        "info": RAW,
    }
    fields.update(overrides)
    return SpotPair(**fields)


def test_spot_pair_fields_and_product_type() -> None:
    pair = spot()
    assert pair.product_type is ProductType.SPOT
    assert pair.venue == "BINANCE"
    assert pair.multiplier == Quantity.from_int(1)
    assert pair.lot_size is None
    assert pair.info["status"] == "TRADING"


def test_raw_record_is_kept_aside_from_eq_hash_and_repr() -> None:
    a = spot(info={"a": 1})
    b = spot(info={"completely": "different"})
    assert a == b
    assert hash(a) == hash(b)
    assert "completely" not in repr(b)
    assert "info" not in repr(b)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price_increment": Price.from_str("0.010")}, "price_increment"),
        ({"size_increment": Quantity.from_str("0.0001")}, "size_increment"),
        ({"price_increment": Price.from_str("0.00")}, "price_increment"),
        ({"price_increment": Quantity.from_str("0.01")}, "price_increment"),
        ({"price_precision": -1}, "price_precision"),
        ({"price_precision": 19}, "price_precision"),
        ({"size_precision": "5"}, "size_precision"),
        ({"multiplier": Quantity.from_int(0)}, "multiplier"),
        ({"lot_size": Quantity.from_int(0)}, "lot_size"),
        ({"min_quantity": Quantity.from_str("10000")}, "min_quantity"),
        ({"max_price": Price.from_str("0.001")}, "min_price"),
        ({"max_notional": Money("1", "USDT")}, "min_notional"),
        ({"max_notional": Money("100", "USD")}, "max_notional"),
        ({"maker_fee": Decimal("NaN")}, "maker_fee"),
        ({"taker_fee": 0.001}, "taker_fee"),
        ({"quote_currency": ""}, "quote_currency"),
        ({"base_currency": "B TC"}, "base_currency"),
        ({"ts_event": -1}, "ts_event"),
        ({"id": "BTCUSDT.BINANCE"}, "id"),
        ({"raw_symbol": "BTCUSDT"}, "raw_symbol"),
        ({"info": None}, "info"),
    ],
)
def test_inconsistent_instruments_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        spot(**overrides)
    assert info.value.field == field


def test_make_price_and_qty_use_the_instrument_precision() -> None:
    pair = spot()
    assert str(pair.make_price("100")) == "100.00"
    assert str(pair.make_price("0.01000000")) == "0.01"
    assert str(pair.make_qty(Decimal("1.5"))) == "1.50000"
    with pytest.raises(ValidationError, match="cannot be represented with 2 decimal places"):
        pair.make_price("100.001")
    assert str(pair.make_price("100.005", rounding=decimal.ROUND_HALF_EVEN)) == "100.00"
    assert str(pair.make_qty("0.123456", rounding=decimal.ROUND_DOWN)) == "0.12345"


def _common(symbol: str, venue: str = "TEST") -> dict[str, Any]:
    return {
        "id": InstrumentId.of(symbol, venue),
        "raw_symbol": Symbol(symbol),
        "quote_currency": "USD",
        "price_precision": 1,
        "size_precision": 0,
        "price_increment": Price.from_str("0.5"),
        "size_increment": Quantity.from_str("1"),
        "ts_event": 0,
        "ts_init": 0,
    }


def test_every_family_builds_with_its_product_type() -> None:
    built = [
        Perpetual(**_common("XBTUSD"), base_currency="BTC", settle_currency="BTC", is_inverse=True),
        DatedFuture(
            **_common("ESZ5"),
            underlying="ES",
            settle_currency="USD",
            activation_ns=1,
            expiry_ns=2,
            multiplier=Quantity.from_int(50),
        ),
        OptionContract(
            **_common("BTC-27DEC24-100000-C"),
            underlying="BTC",
            option_kind=OptionKind.CALL,
            strike_price=Price.from_str("100000"),
            activation_ns=1,
            expiry_ns=2,
            settle_currency="BTC",
        ),
        BettingMarket(
            **_common("1.123-456-0.0", "BETFAIR"),
            event_type_id="7",
            event_type_name="Horse Racing",
            event_id="31",
            event_name="Ascot",
            market_id="1.123",
            market_name="Win",
            market_type="WIN",
            selection_id="456",
            selection_name="Fast Horse",
            handicap=Decimal("0.0"),
        ),
        Equity(**_common("AAPL", "NASDAQ"), isin="US0378331005", lot_size=Quantity.from_int(1)),
    ]
    assert [type(i).product_type for i in built] == [
        ProductType.PERPETUAL,
        ProductType.FUTURE,
        ProductType.OPTION,
        ProductType.BETTING,
        ProductType.EQUITY,
    ]
    perp = built[0]
    assert isinstance(perp, Perpetual)
    assert perp.is_inverse
    assert attrs.evolve(perp, is_inverse=False) != perp


def test_family_specific_validation() -> None:
    with pytest.raises(ValidationError, match="activation_ns"):
        DatedFuture(
            **_common("ESZ5"), underlying="ES", settle_currency="USD", activation_ns=3, expiry_ns=2
        )
    with pytest.raises(ValidationError, match="strike_price"):
        OptionContract(
            **_common("X"),
            underlying="BTC",
            option_kind=OptionKind.PUT,
            strike_price=Decimal("1"),  # type: ignore[arg-type]
            activation_ns=0,
            expiry_ns=1,
        )
    with pytest.raises(ValidationError, match="isin"):
        Equity(**_common("AAPL"), isin="US037")
    with pytest.raises(ValidationError, match="is_inverse"):
        Perpetual(**_common("X"), base_currency="BTC", settle_currency="USD", is_inverse="no")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="selection_id"):
        BettingMarket(
            **_common("M"),
            event_type_id="7",
            event_type_name="x",
            event_id="1",
            event_name="x",
            market_id="1.1",
            market_name="x",
            market_type="WIN",
            selection_id="",
            selection_name="x",
        )
    with pytest.raises(TypeError):
        SpotPair(**_common("X"))  # base_currency is required
