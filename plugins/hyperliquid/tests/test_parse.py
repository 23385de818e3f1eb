"""Parsers against the documented payloads (test_data/SOURCES.md names each page)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from tradeport.model.data import BarType, FundingRateUpdate, IndexPriceUpdate, MarkPriceUpdate
from tradeport.model.enums import (
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    ProductType,
    TimeInForce,
)
from tradeport.model.identifiers import AccountId, ClientOrderId
from tradeport_hyperliquid.http.parse import (
    parse_account_state,
    parse_asset_ctx,
    parse_bar,
    parse_book,
    parse_fill_report,
    parse_funding_history,
    parse_order_status_report,
    parse_perp_instruments,
    parse_position_status_reports,
    parse_quote_tick,
    parse_spot_instruments,
    parse_trade_tick,
)
from tradeport_hyperliquid.http.query import check_price, round_price, slippage_price
from tradeport_hyperliquid.symbology import client_order_id_of, cloid_of
from tradeport_hyperliquid.websocket.parse import order_updates, topic_of_message, user_fills

DATA = Path(__file__).parent / "test_data"
ACCOUNT = AccountId("HYPERLIQUID-test")
TS = 1_700_000_000_000_000_000


def load(name: str):
    return json.loads((DATA / name).read_text())


@pytest.fixture(scope="module")
def perps():
    perps, failed = parse_perp_instruments(load("meta.json"), TS)
    assert not failed
    return {i.raw_symbol.value: i for i in perps}


@pytest.fixture(scope="module")
def spots():
    spots, failed = parse_spot_instruments(load("spot_meta.json"), TS)
    assert not failed
    return {i.raw_symbol.value: i for i in spots}


def test_perps_asset_index_precision_leverage(perps) -> None:
    # LOOM is delisted: skipped, but the assets after it keep their index.
    assert sorted(perps) == ["BTC", "ETH", "HPOS"]
    btc = perps["BTC"]
    assert str(btc.id) == "BTC-PERP.HYPERLIQUID" and btc.product_type is ProductType.PERPETUAL
    assert btc.info["asset"] == 0 and perps["HPOS"].info["asset"] == 2
    # 6 - szDecimals price decimals, szDecimals size decimals.
    assert (btc.price_precision, btc.size_precision) == (1, 5)
    assert btc.price_increment.as_decimal() == Decimal("0.1")
    assert btc.size_increment.as_decimal() == Decimal("0.00001")
    assert btc.margin_init == Decimal("0.02")  # 1 / maxLeverage 50
    assert btc.info["marginTable"]["marginTiers"][0]["maxLeverage"] == 50
    assert perps["HPOS"].price_precision == 6


def test_spot_pairs_asset_and_names(spots) -> None:
    purr, hfun = spots["PURR/USDC"], spots["@1"]
    assert str(purr.id) == "PURR-USDC.HYPERLIQUID" and str(hfun.id) == "HFUN-USDC.HYPERLIQUID"
    assert purr.info["asset"] == 10_000 and hfun.info["asset"] == 10_001
    # 8 - szDecimals of the base token.
    assert (purr.price_precision, purr.size_precision) == (8, 0)
    assert (hfun.price_precision, hfun.size_precision) == (6, 2)
    assert hfun.base_currency == "HFUN" and hfun.quote_currency == "USDC"


def test_malformed_records_are_reported_not_raised() -> None:
    meta = {"universe": [{"name": "BTC", "szDecimals": 5, "maxLeverage": 50}, {"name": "X"}]}
    parsed, failed = parse_perp_instruments(meta, TS)
    assert [i.raw_symbol.value for i in parsed] == ["BTC"] and len(failed) == 1


def test_price_rules(perps, spots) -> None:
    btc, purr = perps["BTC"], spots["PURR/USDC"]
    check_price(btc, Decimal("113377"))  # integers always pass
    check_price(btc, Decimal("1234.5"))
    with pytest.raises(ValueError, match="significant"):
        check_price(btc, Decimal("11337.5"))
    with pytest.raises(ValueError, match="decimals"):
        check_price(btc, Decimal("1.25"))
    check_price(purr, Decimal("0.12345"))
    with pytest.raises(ValueError, match="significant"):
        check_price(purr, Decimal("0.123456"))
    assert round_price(btc, Decimal("12345.67"), up=True) == Decimal("12346")
    assert round_price(btc, Decimal("1670.123"), up=False) == Decimal("1670.1")
    assert slippage_price(btc, Decimal("1000"), OrderSide.BUY, Decimal("0.05")) == Decimal("1050")
    assert slippage_price(btc, Decimal("1000"), OrderSide.SELL, Decimal("0.05")) == Decimal("950")


def test_cloid_mapping_both_ways() -> None:
    generated = ClientOrderId.generate()
    assert client_order_id_of(cloid_of(generated)) == generated
    assert cloid_of("my-order-1") == "0xff0a6d792d6f726465722d3100000000"
    assert client_order_id_of("0xff0a6d792d6f726465722d3100000000") == ClientOrderId("my-order-1")
    assert cloid_of("0x" + "AB" * 16) == "0x" + "ab" * 16
    long_id = "an-id-that-is-much-too-long-for-sixteen-bytes"
    assert len(cloid_of(long_id)) == 34 and client_order_id_of(cloid_of(long_id)) != long_id


def test_book_is_a_whole_snapshot(perps) -> None:
    deltas = parse_book(load("l2_book.json"), perps["BTC"], TS)
    assert deltas.is_snapshot and deltas.sequence == 1754450974231
    levels = [
        (d.order.side, d.order.price.as_decimal(), d.order.size.as_decimal())
        for d in deltas.deltas
        if d.order
    ]
    assert (OrderSide.BUY, Decimal("113377.0"), Decimal("7.6699")) in levels
    assert (OrderSide.SELL, Decimal("113398.0"), Decimal("0.00089")) in levels


def test_candle_and_funding(perps) -> None:
    btc = perps["BTC"]
    bar_type = BarType.from_str("BTC-PERP.HYPERLIQUID-15-MINUTE-LAST-EXTERNAL")
    bar = parse_bar(load("candle_snapshot.json")[0], bar_type, btc, TS)
    assert bar.close.as_decimal() == Decimal("29258.0") and bar.volume.as_decimal() == Decimal(
        "0.98639"
    )
    assert bar.ts_event == 1681924500000 * 1_000_000  # the candle's close
    (rate,) = parse_funding_history(load("funding_history.json"), perps["ETH"], TS)
    assert rate.rate == Decimal("-0.00022196") and rate.ts_event == 1683849600076 * 1_000_000
    assert rate.interval_ns == 3_600 * 10**9


def test_ws_market_messages(perps) -> None:
    messages = load("ws_messages.json")
    sol = parse_perp_instruments(
        {"universe": [{"name": "SOL", "szDecimals": 2, "maxLeverage": 20}]}, TS
    )[0][0]
    (trade,) = [parse_trade_tick(t, sol, TS) for t in messages["trades"]["data"]]
    assert trade.aggressor_side is AggressorSide.BUYER and str(trade.trade_id) == "293353986402527"
    quote = parse_quote_tick(messages["bbo"]["data"], sol, TS)
    assert quote is not None and quote.bid_price.as_decimal() == Decimal("167.4")
    updates = parse_asset_ctx(messages["active_asset_ctx"]["data"]["ctx"], sol, TS, TS)
    by_type = {type(u): u for u in updates}
    assert by_type[MarkPriceUpdate].value.as_decimal() == Decimal("14.3161")
    assert by_type[IndexPriceUpdate].value.as_decimal() == Decimal("14.32")  # the oracle price
    assert by_type[FundingRateUpdate].rate == Decimal("0.0000125")
    assert topic_of_message(messages["candle"]) == "candle:SOL:1m"
    assert topic_of_message(messages["trades"]) == "trades:SOL"
    # The first userFills message is a snapshot: nothing to re-emit.
    assert list(user_fills(messages["user_fills_snapshot"])) == []


def test_order_reports(perps) -> None:
    btc = perps["BTC"]
    (record,) = load("frontend_open_orders.json")
    report = parse_order_status_report(record, btc, ACCOUNT, ts_init=TS)
    assert report.venue_order_id.value == "91490942" and report.order_side is OrderSide.SELL
    assert report.order_status is OrderStatus.ACCEPTED and report.order_type is OrderType.LIMIT
    assert report.price.as_decimal() == Decimal("29792.0") and report.client_order_id is None
    wrapped = load("order_status.json")["order"]
    eth = perps["ETH"]
    done = parse_order_status_report(wrapped["order"], eth, ACCOUNT, status=wrapped["status"])
    assert done.order_status is OrderStatus.FILLED and done.filled_qty.as_decimal() == Decimal(
        "0.0076"
    )
    assert done.order_type is OrderType.MARKET and done.time_in_force is TimeInForce.IOC
    assert done.reduce_only
    (update,) = order_updates(load("ws_messages.json")["order_updates"])
    partial = parse_order_status_report(update["order"], btc, ACCOUNT, status=update["status"])
    assert partial.order_status is OrderStatus.PARTIALLY_FILLED
    assert partial.filled_qty.as_decimal() == Decimal("3.0")
    assert partial.client_order_id == ClientOrderId("my-order-1")


def test_fill_positions_balances(perps) -> None:
    avax = parse_perp_instruments(
        {"universe": [{"name": "AVAX", "szDecimals": 2, "maxLeverage": 20}]}, TS
    )[0][0]
    fill = parse_fill_report(load("user_fills.json")[0], avax, ACCOUNT, TS)
    assert fill.trade_id.value == "118906512037719" and fill.liquidity_side is LiquiditySide.MAKER
    assert fill.last_px.as_decimal() == Decimal("18.435") and fill.commission.currency == "USDC"
    (position,) = parse_position_status_reports(
        load("clearinghouse_state.json"), {"ETH": perps["ETH"]}, ACCOUNT
    )
    assert (
        position.position_side is PositionSide.LONG
        and position.quantity.as_decimal() == Decimal("0.0335")
    )
    assert position.avg_px_open == Decimal("2986.3")
    state = parse_account_state(
        load("spot_clearinghouse_state.json"), load("clearinghouse_state.json"), ACCOUNT, TS
    )
    balances = {b.total.currency: b for b in state.balances}
    assert balances["USDC"].total.amount == Decimal("14.625485")
    assert balances["PURR"].free.amount == Decimal("2000")
    assert state.margins[0].initial.amount == Decimal("4.967826")


def test_hip3_dex_assets_and_names() -> None:
    # Docs, "Asset IDs": test:ABC on testnet has perp_dex_index 1, index_in_meta 0 -> 110000.
    meta = {"universe": [{"name": "test:ABC", "szDecimals": 2, "maxLeverage": 10}]}
    (abc,), failed = parse_perp_instruments(meta, TS, asset_base=100_000 + 1 * 10_000)
    assert not failed
    assert abc.info["asset"] == 110_000 and abc.info["coin"] == "test:ABC"
    assert abc.info["dex"] == "test" and abc.base_currency == "ABC"
    assert str(abc.id) == "test:ABC-PERP.HYPERLIQUID"
