"""REST parsers against Bybit's documented response examples."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tradeport.model.data import BarType
from tradeport.model.enums import (
    AggressorSide,
    BookAction,
    LiquiditySide,
    OptionKind,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from tradeport.model.identifiers import AccountId, InstrumentId
from tradeport.model.instruments import OptionContract, Perpetual, SpotPair
from tradeport.model.numbers import Money, Price, Quantity
from tradeport_bybit.enums import BybitCategory
from tradeport_bybit.http.parse import (
    parse_account_state,
    parse_bar,
    parse_book_snapshot,
    parse_fill_report,
    parse_instrument,
    parse_order_status_report,
    parse_position_status_report,
    parse_trade_tick,
    precision_of,
)
from tradeport_bybit.symbology import category_and_symbol, instrument_id_for


def load(name: str) -> Any:
    """A documented payload from tests/test_data (see SOURCES.md)."""
    return json.loads((Path(__file__).parent / "test_data" / name).read_text(encoding="utf-8"))


TS = 1_700_000_000_000_000_000
ACCOUNT = AccountId("BYBIT-001")


def _first(name: str, category: str) -> object:
    return parse_instrument(load(name)["result"]["list"][0], category, TS)


def test_precision_of_steps() -> None:
    assert [precision_of(s) for s in ("0.10", "0.000001", "5", "1", "0.0001")] == [1, 6, 0, 0, 4]


def test_linear_perpetual() -> None:
    inst = _first("instruments_linear.json", "linear")
    assert isinstance(inst, Perpetual)
    assert str(inst.id) == "BTCUSDT-LINEAR.BYBIT"
    assert inst.raw_symbol.value == "BTCUSDT"
    assert (inst.price_precision, inst.size_precision) == (1, 3)
    assert inst.price_increment == Price("0.1")
    assert inst.size_increment == Quantity("0.001")
    assert inst.min_quantity == Quantity("0.001")
    assert inst.max_quantity == Quantity("1190")
    assert inst.min_price == Price("0.1") and inst.max_price == Price("1999999.8")
    assert inst.min_notional == Money("5", "USDT")
    assert (inst.base_currency, inst.quote_currency, inst.settle_currency) == (
        "BTC",
        "USDT",
        "USDT",
    )
    assert inst.is_inverse is False
    assert inst.info["fundingInterval"] == 480


def test_spot_pair() -> None:
    inst = _first("instruments_spot.json", "spot")
    assert isinstance(inst, SpotPair)
    assert str(inst.id) == "BTCUSDT-SPOT.BYBIT"
    assert (inst.price_precision, inst.size_precision) == (1, 6)
    assert inst.min_quantity == Quantity("0.000011")
    assert inst.min_notional == Money("5", "USDT")
    assert inst.max_notional == Money("8000000", "USDT")
    assert inst.base_currency == "BTC"


def test_option_contract() -> None:
    inst = _first("instruments_option.json", "option")
    assert isinstance(inst, OptionContract)
    assert str(inst.id) == "BTC-27MAR26-70000-P-USDT-OPTION.BYBIT"
    assert inst.option_kind is OptionKind.PUT
    assert inst.strike_price == Price("70000")
    assert inst.expiry_ns == 1774598400000 * 1_000_000
    assert inst.activation_ns == 1743669649256 * 1_000_000
    assert (inst.price_precision, inst.size_precision) == (0, 2)
    assert inst.settle_currency == "USDT"


def test_inverse_category_makes_inverse_contracts() -> None:
    record = load("instruments_linear.json")["result"]["list"][0]
    inst = parse_instrument(record, BybitCategory.INVERSE, TS)
    assert isinstance(inst, Perpetual) and inst.is_inverse
    assert str(inst.id) == "BTCUSDT-INVERSE.BYBIT"


def test_symbology_round_trip() -> None:
    iid = instrument_id_for("linear", "BTCUSDT")
    assert iid == InstrumentId.from_str("BTCUSDT-LINEAR.BYBIT")
    assert category_and_symbol(iid) == (BybitCategory.LINEAR, "BTCUSDT")
    option = InstrumentId.from_str("BTC-27MAR26-70000-P-USDT-OPTION.BYBIT")
    assert category_and_symbol(option) == (BybitCategory.OPTION, "BTC-27MAR26-70000-P-USDT")
    with pytest.raises(ValueError, match="not a Bybit id"):
        category_and_symbol(InstrumentId.from_str("BTCUSDT.BYBIT"))


@pytest.fixture
def spot() -> SpotPair:
    inst = _first("instruments_spot.json", "spot")
    assert isinstance(inst, SpotPair)
    return inst


def test_book_snapshot(spot: SpotPair) -> None:
    # The doc's orderbook example has 2-decimal prices; give the pair that precision.
    import attrs

    pair = attrs.evolve(spot, price_precision=2, price_increment=Price("0.01"))
    deltas = parse_book_snapshot(load("rest_orderbook.json")["result"], pair, TS)
    assert deltas.is_snapshot
    assert deltas.sequence == 5277055
    actions = [d.action for d in deltas.deltas]
    assert actions == [BookAction.CLEAR, BookAction.ADD, BookAction.ADD]
    bid, ask = deltas.deltas[1].order, deltas.deltas[2].order
    assert bid is not None and ask is not None
    assert (bid.side, bid.price, bid.size) == (
        OrderSide.BUY,
        Price("16638.27"),
        Quantity("0.305749"),
    )
    assert (ask.side, ask.price) == (OrderSide.SELL, Price("16638.64"))
    assert deltas.ts_event == 1672765737733 * 1_000_000


def test_recent_trade(spot: SpotPair) -> None:
    import attrs

    pair = attrs.evolve(spot, price_precision=2, price_increment=Price("0.01"))
    tick = parse_trade_tick(load("rest_recent_trade.json")["result"]["list"][0], pair, TS)
    assert tick.price == Price("16618.49")
    assert tick.size == Quantity("0.00012")
    assert tick.aggressor_side is AggressorSide.BUYER
    assert tick.trade_id.value == "2100000000007764263"
    assert tick.ts_event == 1672052955758 * 1_000_000


def test_kline_rows_newest_first() -> None:
    record = load("instruments_linear.json")["result"]["list"][0]
    inst = parse_instrument(record, "inverse", TS)
    bar_type = BarType.from_str("BTCUSDT-INVERSE.BYBIT-1-HOUR-LAST-EXTERNAL")
    rows = load("rest_kline.json")["result"]["list"]
    bars = [parse_bar(row, bar_type, inst, 3_600_000, TS) for row in rows]
    assert bars[0].open == Price("17071") and bars[0].close == Price("17055.5")
    assert bars[0].volume == Quantity("268611")
    assert bars[0].ts_event == (1670608800000 + 3_600_000) * 1_000_000
    assert bars[2].low == Price("16978")


def _linear(symbol: str, tick: str = "0.01", step: str = "0.01") -> Perpetual:
    record = dict(load("instruments_linear.json")["result"]["list"][0])
    record["symbol"] = symbol
    record["priceFilter"] = {**record["priceFilter"], "tickSize": tick}
    record["lotSizeFilter"] = {**record["lotSizeFilter"], "qtyStep": step}
    inst = parse_instrument(record, "linear", TS)
    assert isinstance(inst, Perpetual)
    return inst


def test_open_order_report() -> None:
    inst = _linear("ETHUSDT")
    record = load("rest_order_realtime.json")["result"]["list"][0]
    report = parse_order_status_report(record, inst, ACCOUNT, TS)
    assert report.venue_order_id.value == "fd4300ae-7847-404e-b947-b46980a4d140"
    assert report.client_order_id is not None and report.client_order_id.value == "test-000005"
    assert report.order_side is OrderSide.BUY
    assert report.order_type is OrderType.LIMIT
    assert report.time_in_force is TimeInForce.GTC
    assert report.order_status is OrderStatus.ACCEPTED
    assert report.quantity == Quantity("0.10") and report.filled_qty == Quantity("0")
    assert report.price == Price("1600.00")
    # "triggerPrice": "0.00" and "avgPrice": "0" mean "not set".
    assert report.trigger_price is None and report.avg_px is None
    assert report.trigger_type is None
    assert report.venue_position_id is not None  # positionIdx 1: a hedge-mode leg
    assert report.ts_accepted == 1684738540559 * 1_000_000
    assert report.ts_last == 1684738540561 * 1_000_000


def test_execution_fill_report() -> None:
    inst = _linear("ETHPERP", step="0.1")
    record = load("rest_execution_list.json")["result"]["list"][0]
    fill = parse_fill_report(record, inst, ACCOUNT, TS)
    assert fill is not None
    assert fill.trade_id.value == "e0cbe81d-0f18-5866-9415-cf319b5dab3b"
    assert fill.last_qty == Quantity("0.1") and fill.last_px == Price("1190.15")
    assert fill.commission == Money("0.071409", "USDT")
    assert fill.liquidity_side is LiquiditySide.TAKER
    assert fill.client_order_id is None
    assert parse_fill_report({**record, "execType": "Funding"}, inst) is None


def test_position_report_inverse() -> None:
    record = load("instruments_linear.json")["result"]["list"][0]
    inst = parse_instrument(
        {
            **record,
            "symbol": "BTCUSD",
            "settleCoin": "BTC",
            "lotSizeFilter": {**record["lotSizeFilter"], "qtyStep": "1"},
        },
        "inverse",
        TS,
    )
    pos = parse_position_status_report(
        load("rest_position_list.json")["result"]["list"][0], inst, ACCOUNT, TS
    )
    assert pos.position_side is PositionSide.SHORT
    assert pos.quantity == Quantity("300")
    assert pos.avg_px_open == Decimal("27464.50441675")
    assert pos.unrealized_pnl == Money("-0.00029413", "BTC")
    assert pos.signed_quantity == Decimal(-300)


def test_wallet_balance() -> None:
    record = load("rest_wallet_balance.json")["result"]["list"][0]
    state = parse_account_state(record, ACCOUNT, TS, TS)
    btc = state.balance("BTC")
    assert btc is not None
    assert btc.total == Money("0.805994", "BTC")
    assert btc.free == Money("0.805994", "BTC")
    assert btc.locked.amount == 0
