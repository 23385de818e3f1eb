"""Every recorded real Bybit payload through the matching parser (../shared/venue-payloads/bybit).

The payloads are live captures by third parties (ccxt's static responses, nautilus_trader's
fixtures; SOURCES.md there names each origin). The expected values were worked out by hand from
the records and Bybit's v5 documentation (what each field means and in which unit), not taken
from the parser's output: where a record carries a redundant figure (``cumExecValue``,
``positionValue``, ``feeRate``), the test checks the parsed value against it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tradeport.model.data import BarType
from tradeport.model.enums import (
    AccountType,
    AggressorSide,
    BookAction,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from tradeport.model.identifiers import AccountId
from tradeport.model.instruments import Instrument, Perpetual, SpotPair
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.testing.recorded import require_recorded
from tradeport_bybit.http.parse import (
    parse_account_state,
    parse_bar,
    parse_book_snapshot,
    parse_fill_report,
    parse_instrument,
    parse_order_status_report,
    parse_position_status_report,
    parse_trade_tick,
)
from tradeport_bybit.websocket.parse import (
    parse_ws_book,
    parse_ws_quote,
    parse_ws_ticker,
    parse_ws_trades,
)

RECORDED = require_recorded("bybit", __file__)

MS = 1_000_000
TS = 1_700_000_000_000_000_000
ACCOUNT = AccountId("BYBIT-UNIFIED")
CCXT: dict[str, Any] = RECORDED.load("ccxt_static.json")
FIXTURES: dict[str, Any] = RECORDED.load("fixtures.json")


def fixture(category: str, symbol: str) -> Instrument:
    """The instrument of a ccxt capture (fixtures.json: tick, step and coins Bybit lists)."""
    (record,) = [r for r in FIXTURES[category] if r["symbol"] == symbol]
    return parse_instrument(record, category, TS)


def D(text: str) -> Decimal:
    return Decimal(text)


# -- ccxt captures: one check per entry ----------------------------------------------------------


def check_balance(entry: dict[str, Any]) -> None:
    state = parse_account_state(entry["result"]["list"][0], ACCOUNT, TS)
    assert state.account_type is AccountType.MARGIN  # UNIFIED
    by_ccy = {b.total.currency: b for b in state.balances}
    assert set(by_ccy) == {"USDC", "BTC", "ETH", "ADA", "XRP", "USDT", "LTC"}
    # total = walletBalance; locked = spot order lock ``locked`` + ``totalOrderIM``.
    usdt = by_ccy["USDT"]
    assert usdt.total == Money("3322.25896609", "USDT")
    assert usdt.locked == Money("42", "USDT")
    assert usdt.free == Money("3280.25896609", "USDT")
    assert by_ccy["BTC"].total == by_ccy["BTC"].free == Money("0.85581394", "BTC")
    assert by_ccy["XRP"].total == Money("40.05245888", "XRP")
    # Position margins only where there are positions: USDC, XRP, USDT.
    margins = {m.initial.currency: m for m in state.margins}
    assert set(margins) == {"USDC", "XRP", "USDT"}
    assert margins["USDT"].initial == Money("50.61831144", "USDT")
    assert margins["USDT"].maintenance == Money("7.00285644", "USDT")


def check_spot_buy_by_value_partly_filled(entry: dict[str, Any]) -> None:
    # marketUnit quoteCoin: qty "50" is USDT to spend; 0.001614 BTC filled, the rest cancelled.
    report = parse_order_status_report(entry, fixture("spot", "BTCUSDT"), ACCOUNT, TS)
    assert report.quantity == Quantity("0.001614")
    assert report.filled_qty == Quantity("0.001614")
    assert report.order_status is OrderStatus.CANCELED  # PartiallyFilledCanceled
    assert report.cancel_reason == "EC_CancelForNoFullFill"
    assert report.avg_px == D("30966.41")
    # In base units the fills agree with the venue's figures: cumExecValue / qty = avgPrice.
    assert abs(D("49.97980168") / report.filled_qty.as_decimal() - report.avg_px) < D("0.01")
    assert report.order_type is OrderType.MARKET and report.time_in_force is TimeInForce.IOC
    assert report.order_side is OrderSide.BUY and report.price is None
    assert report.client_order_id is not None
    assert report.client_order_id.value == "1609602210852247041"
    assert report.venue_order_id.value == "1609602210852247040"
    assert report.ts_accepted == 1706615536016 * MS and report.ts_last == 1706615536019 * MS


def check_spot_sell_filled(entry: dict[str, Any]) -> None:
    report = parse_order_status_report(entry, fixture("spot", "XRPUSDT"), ACCOUNT, TS)
    assert report.quantity == report.filled_qty == Quantity("123.00")  # baseCoin: XRP
    assert report.order_status is OrderStatus.FILLED and report.cancel_reason is None
    assert report.order_side is OrderSide.SELL and report.order_type is OrderType.MARKET
    assert report.avg_px == D("0.5351")
    assert report.avg_px * report.filled_qty.as_decimal() == D("65.817300")  # cumExecValue


def check_spot_open_limit(entry: dict[str, Any]) -> None:
    report = parse_order_status_report(entry, fixture("spot", "LTCUSDT"), ACCOUNT, TS)
    assert report.order_type is OrderType.LIMIT and report.order_status is OrderStatus.ACCEPTED
    assert report.quantity == Quantity("0.30000") and report.filled_qty == Quantity("0.00000")
    assert report.price == Price("50.00")
    assert report.price.as_decimal() * report.leaves_qty.as_decimal() == D("15")  # leavesValue
    assert report.trigger_price is None and report.avg_px is None
    assert report.time_in_force is TimeInForce.GTC and report.is_open


def check_spot_buy_by_value_filled(entry: dict[str, Any]) -> None:
    # The shape that exposed the bug: a 50 USDT market buy filled 0.000544 BTC, not 50 BTC.
    report = parse_order_status_report(entry, fixture("spot", "BTCUSDT"), ACCOUNT, TS)
    assert report.quantity == Quantity("0.000544")
    assert report.filled_qty == Quantity("0.000544")
    assert report.order_status is OrderStatus.FILLED and report.leaves_qty == 0
    assert report.avg_px == D("91760.9")
    assert report.avg_px * report.filled_qty.as_decimal() == D("49.9179296")  # cumExecValue


def check_linear_market_filled(entry: dict[str, Any]) -> None:
    report = parse_order_status_report(entry, fixture("linear", "LTCUSDT"), ACCOUNT, TS)
    assert report.quantity == report.filled_qty == Quantity("0.1")  # LTC (no marketUnit)
    assert report.order_status is OrderStatus.FILLED
    assert report.order_type is OrderType.MARKET
    assert report.price is None  # the 73.64 is Bybit's protection price of a market order
    assert report.avg_px == D("70.17") and report.client_order_id is None
    assert report.venue_position_id is None  # positionIdx 0: one-way mode


def check_linear_position_open(entry: dict[str, Any]) -> None:
    instrument = fixture("linear", "LTCUSDT")
    report = parse_position_status_report(entry, instrument, ACCOUNT, TS)
    assert report.position_side is PositionSide.LONG and report.quantity == Quantity("1.2")
    assert report.avg_px_open == D("64.59947917")
    # unrealisedPnl is in the settle coin: 1.2 * markPrice 71.1 - positionValue 77.519375.
    assert report.unrealized_pnl == Money("7.800625", "USDT")
    assert D("1.2") * D("71.1") - D("77.519375") == D("7.800625")
    assert report.ts_last == 1699948800031 * MS


def check_linear_position_flat(entry: dict[str, Any]) -> None:
    report = parse_position_status_report(entry, fixture("linear", "LTCUSDT"), ACCOUNT, TS)
    assert report.position_side is PositionSide.FLAT and report.quantity == 0
    assert report.avg_px_open is None and report.unrealized_pnl is None
    assert report.ts_last == 1701294996731 * MS


def check_spot_fill_buy_fee_in_base(entry: dict[str, Any]) -> None:
    fill = parse_fill_report(entry, fixture("spot", "BTCUSDT"), ACCOUNT, TS)
    assert fill is not None
    assert fill.last_qty == Quantity("0.000336") and fill.last_px == Price("29708.70")
    # No feeCurrency: a spot buy pays its fee in what it receives, BTC; feeRate 0.001 of qty.
    assert fill.commission == Money("0.000000336", "BTC")
    assert D("0.001") * D("0.000336") == fill.commission.as_decimal()
    assert fill.order_side is OrderSide.BUY and fill.liquidity_side is LiquiditySide.TAKER
    assert fill.trade_id.value == "2100000000047087120"
    assert fill.ts_event == 1699612608878 * MS


def check_funding_is_not_a_fill(entry: dict[str, Any]) -> None:
    assert parse_fill_report(entry, fixture("linear", "LTCUSDT"), ACCOUNT, TS) is None


def check_spot_fill_explicit_fee_currency(entry: dict[str, Any]) -> None:
    fill = parse_fill_report(entry, fixture("spot", "ETHUSDT"), ACCOUNT, TS)
    assert fill is not None
    assert fill.commission == Money("0.000001", "ETH")  # feeCurrency
    assert fill.last_qty == Quantity("0.001") and fill.last_px == Price("2453.65")
    assert fill.ts_event == 1710762303659 * MS


def check_linear_fill_fee_in_settle_coin(entry: dict[str, Any]) -> None:
    fill = parse_fill_report(entry, fixture("linear", "LTCUSDT"), ACCOUNT, TS)
    assert fill is not None
    # feeCurrency "" on derivatives: the settle coin; execValue 8.511 * feeRate 0.00055.
    assert fill.commission == Money("0.00468105", "USDT")
    assert D("8.511") * D("0.00055") == fill.commission.as_decimal()
    assert fill.last_px == Price("85.11") and fill.last_qty == Quantity("0.1")


def check_linear_hourly_klines(entry: dict[str, Any]) -> None:
    instrument = fixture("linear", "BTCUSDT")
    bar_type = BarType.from_str("BTCUSDT-PERP.BYBIT-1-HOUR-LAST-EXTERNAL")
    rows = entry["result"]["list"]
    bars = [parse_bar(row, bar_type, instrument, 3_600_000, TS) for row in rows]
    # ``start`` is the open; tradeport stamps the close: start + 1 h.
    assert [b.ts_event for b in bars] == [
        1706641200000 * MS,
        1706637600000 * MS,
        1706634000000 * MS,
    ]
    first = bars[0]
    assert (first.open, first.high, first.low, first.close) == (
        Price("43376.1"),
        Price("43474.1"),
        Price("43264.8"),
        Price("43352.8"),
    )
    assert first.volume == Quantity("1575.305")  # base coin (turnover is the quote)


def check_linear_book(entry: dict[str, Any]) -> None:
    deltas = parse_book_snapshot(entry["result"], fixture("linear", "BTCUSDT"), TS)
    assert deltas.is_snapshot and deltas.sequence == 342690
    assert deltas.ts_event == 1706803948569 * MS
    levels = [(d.order.side, d.order.price, d.order.size) for d in deltas.deltas if d.order]
    assert levels[0] == (OrderSide.BUY, Price("42544.7"), Quantity("172.404"))
    assert (OrderSide.SELL, Price("42548.0"), Quantity("108.998")) in levels
    assert len(levels) == 4


def check_spot_book(entry: dict[str, Any]) -> None:
    deltas = parse_book_snapshot(entry["result"], fixture("spot", "BTCUSDT"), TS)
    assert deltas.sequence == 4313234 and deltas.ts_event == 1706803989954 * MS
    levels = {(d.order.side, d.order.price): d.order.size for d in deltas.deltas if d.order}
    assert levels[(OrderSide.BUY, Price("29861.00"))] == Quantity("0.001010")
    assert levels[(OrderSide.SELL, Price("29971.81"))] == Quantity("0.001161")


def check_linear_public_trade(entry: dict[str, Any]) -> None:
    (record,) = entry["result"]["list"]
    tick = parse_trade_tick(record, fixture("linear", "BTCUSDT"), TS)
    assert tick.price == Price("51444.4") and tick.size == Quantity("0.972")
    assert tick.aggressor_side is AggressorSide.BUYER
    assert tick.trade_id.value == "9afd1288-b444-53f8-8e40-c2f99368ad22"
    assert tick.ts_event == 1707905515968 * MS


def check_linear_ticker(entry: dict[str, Any]) -> None:
    (record,) = entry["result"]["list"]
    # The REST ticker record has the fields of the stream's tickers snapshot.
    message = {"type": "snapshot", "ts": int(entry["time"]), "data": record}
    updates = parse_ws_ticker(message, fixture("linear", "BTCUSDT"), TS)
    by_kind = {type(u).__name__: u for u in updates}
    assert by_kind["MarkPriceUpdate"].value == Price("51444.40")
    assert by_kind["IndexPriceUpdate"].value == Price("51469.95")
    funding = by_kind["FundingRateUpdate"]
    assert funding.rate == D("-0.00046295")
    assert funding.next_funding_ns == 1707926400000 * MS
    assert funding.interval_ns == 8 * 3600 * 10**9  # fundingInterval 480 minutes
    assert funding.ts_event == 1707905549267 * MS


CCXT_CHECKS = {
    "fetchBalance balance after availableToWithdraw update": check_balance,
    "fetchOrder fetch spot buy closed order": check_spot_buy_by_value_partly_filled,
    "fetchOrder Spot sell closed order": check_spot_sell_filled,
    "fetchOpenOrder spot open order": check_spot_open_limit,
    "fetchClosedOrder fetchOrder created using the cost": check_spot_buy_by_value_filled,
    "fetchClosedOrder swap closed order": check_linear_market_filled,
    "fetchPositions Fetch linear position": check_linear_position_open,
    "fetchPosition linear position": check_linear_position_flat,
    "fetchMyTrades spot private trade": check_spot_fill_buy_fee_in_base,
    "fetchMyTrades Swap private trade": check_funding_is_not_a_fill,
    "fetchMyTrades spot trades without symbol": check_spot_fill_explicit_fee_currency,
    "fetchMyTrades swap trades without symbol": check_linear_fill_fee_in_settle_coin,
    "fetchOHLCV swap ohlcv with since and limit": check_linear_hourly_klines,
    "fetchOrderBook swap orderbook": check_linear_book,
    "fetchOrderBook Spot orderbook": check_spot_book,
    "fetchTrades swap public trade": check_linear_public_trade,
    "fetchTicker swap ticker": check_linear_ticker,
}


@pytest.mark.parametrize("name", sorted(CCXT_CHECKS))
def test_ccxt_capture(name: str) -> None:
    CCXT_CHECKS[name](CCXT[name])


def test_a_spot_buy_by_value_reports_its_quantity_in_the_base_coin() -> None:
    """Issue 13 bug 1: ``qty`` of a ``marketUnit=quoteCoin`` order is USDT, not BTC."""
    entry = CCXT["fetchClosedOrder fetchOrder created using the cost"]
    assert entry["marketUnit"] == "quoteCoin" and entry["qty"] == "50.00000000"
    report = parse_order_status_report(entry, fixture("spot", "BTCUSDT"), ACCOUNT, TS)
    assert report.quantity == Quantity("0.000544")  # the fills' BTC, not 50 BTC


# -- nautilus_trader captures ---------------------------------------------------------------------


def nautilus_list(name: str) -> list[dict[str, Any]]:
    return RECORDED.load(f"nautilus/{name}")["result"]["list"]  # type: ignore[union-attr]


def instrument_of(name: str, category: str, symbol: str) -> Instrument:
    (record,) = [r for r in nautilus_list(name) if r["symbol"] == symbol]
    return parse_instrument(record, category, TS)


def test_nautilus_inverse_instrument() -> None:
    inst = instrument_of("http_get_instruments_inverse.json", "inverse", "BTCUSD")
    assert isinstance(inst, Perpetual) and inst.is_inverse
    # Inverse contracts are 1 USD each, quoted in USD and settled in BTC.
    assert (inst.base_currency, inst.quote_currency, inst.settle_currency) == ("BTC", "USD", "BTC")
    assert inst.multiplier == Quantity("1")
    assert inst.price_increment == Price("0.5") and inst.size_increment == Quantity("1")
    assert inst.min_quantity == Quantity("1") and inst.max_quantity == Quantity("1000000")


def test_nautilus_linear_instruments() -> None:
    names = [r["symbol"] for r in nautilus_list("http_get_instruments_linear.json")]
    assert names == ["BTCUSDT", "ETHUSDT"]
    inst = instrument_of("http_get_instruments_linear.json", "linear", "BTCUSDT")
    assert isinstance(inst, Perpetual) and not inst.is_inverse
    assert str(inst.id) == "BTCUSDT-LINEAR.BYBIT"
    assert (inst.base_currency, inst.quote_currency, inst.settle_currency) == (
        "BTC",
        "USDT",
        "USDT",
    )
    assert inst.multiplier == Quantity("1")  # sizes are in BTC
    assert inst.price_increment == Price("0.5") and inst.size_increment == Quantity("0.001")
    assert inst.min_notional == Money("5", "USDT")
    eth = instrument_of("http_get_instruments_linear.json", "linear", "ETHUSDT")
    assert eth.base_currency == "ETH"  # type: ignore[attr-defined]


def test_nautilus_spot_instruments() -> None:
    inst = instrument_of("http_get_instruments_spot.json", "spot", "BTCUSDT")
    assert isinstance(inst, SpotPair)
    assert inst.price_increment == Price("0.1")
    assert inst.size_increment == Quantity("0.0001")  # basePrecision
    assert inst.min_quantity == Quantity("0.001") and inst.min_notional == Money("10", "USDT")
    eth = instrument_of("http_get_instruments_spot.json", "spot", "ETHUSDT")
    assert eth.price_increment == Price("0.01") and eth.size_increment == Quantity("0.00001")


def test_nautilus_execution_push() -> None:
    message = RECORDED.load("nautilus/ws_account_execution.json")
    (record,) = message["data"]
    inst = instrument_of("http_get_instruments_linear.json", "linear", "BTCUSDT")
    fill = parse_fill_report(record, inst, ACCOUNT, TS)
    assert fill is not None
    assert fill.order_side is OrderSide.SELL and fill.last_qty == Quantity("0.500")
    assert fill.last_px == Price("95900.1")
    # execValue 47950.05 * feeRate 0.00055, in the settle coin.
    assert fill.commission == Money("26.3725275", "USDT")
    assert D("47950.05") * D("0.00055") == fill.commission.as_decimal()
    assert fill.client_order_id is not None
    assert fill.client_order_id.value == "test-order-link-001"
    assert fill.ts_event == 1746270400353 * MS and fill.liquidity_side is LiquiditySide.TAKER


def test_nautilus_level1_delta() -> None:
    message = RECORDED.load("nautilus/ws_orderbook_delta.json")
    inst = instrument_of("http_get_instruments_linear.json", "linear", "BTCUSDT")
    deltas = parse_ws_book(message, inst, TS)
    assert deltas is not None and not deltas.is_snapshot and deltas.sequence == 123456790
    actions = [(d.action, d.order.side, d.order.price) for d in deltas.deltas if d.order]
    # Size "0" deletes the ask level; the bid is set to 0.400.
    assert (BookAction.DELETE, OrderSide.SELL, Price("27451.0")) in actions
    assert (BookAction.UPDATE, OrderSide.BUY, Price("27450.0")) in actions
    assert deltas.ts_event == 1709891679500 * MS
    # A level-1 message that empties a side gives no quote.
    assert parse_ws_quote(message, inst, TS) is None


def test_nautilus_public_trade() -> None:
    message = RECORDED.load("nautilus/ws_public_trade.json")
    inst = instrument_of("http_get_instruments_linear.json", "linear", "BTCUSDT")
    (tick,) = parse_ws_trades(message, inst, TS)
    assert tick.price == Price("27451.0") and tick.size == Quantity("0.010")
    assert tick.aggressor_side is AggressorSide.BUYER
    assert tick.trade_id.value == "9dc75fca-4bdd-4773-9f78-6f5d7ab2a110"
    assert tick.ts_event == 1709891679000 * MS


NAUTILUS_TESTS = {
    "nautilus/http_get_instruments_inverse.json": test_nautilus_inverse_instrument,
    "nautilus/http_get_instruments_linear.json": test_nautilus_linear_instruments,
    "nautilus/http_get_instruments_spot.json": test_nautilus_spot_instruments,
    "nautilus/ws_account_execution.json": test_nautilus_execution_push,
    "nautilus/ws_orderbook_delta.json": test_nautilus_level1_delta,
    "nautilus/ws_public_trade.json": test_nautilus_public_trade,
}


def test_every_recorded_payload_is_checked() -> None:
    """A payload added to the folder without a check here fails this test."""
    assert RECORDED.entries("ccxt_static.json") == set(CCXT_CHECKS)
    assert RECORDED.files() == {"ccxt_static.json", "fixtures.json", *NAUTILUS_TESTS}
