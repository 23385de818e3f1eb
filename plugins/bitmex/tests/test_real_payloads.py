"""Every recorded real BitMEX payload through the matching parser
(../shared/venue-payloads/bitmex).

The payloads are live captures by third parties (ccxt's static responses, with BitMEX's numbers
written as strings; nautilus_trader's captures; SOURCES.md there names each origin). The
expected values were worked out by hand from the records and BitMEX's API documentation (sizes
in contracts, or for spot in units of 1/underlyingToPositionMultiplier of the base; money in
minor units: XBt satoshis, USDt millionths), not taken from the parser's output. Where a record
carries BitMEX's own conversion (``homeNotional``, ``execCost``, ``markValue``), the parsed
value is checked against it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tradeport.model.data import BarType
from tradeport.model.enums import (
    AggressorSide,
    BookAction,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from tradeport.model.instruments import Instrument, Perpetual, SpotPair
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.testing.recorded import require_recorded
from tradeport_bitmex.conversions import parse_timestamp_ns
from tradeport_bitmex.http.parse import (
    parse_fill_report,
    parse_instrument,
    parse_order_status_report,
    parse_position_status_report,
)
from tradeport_bitmex.websocket.parse import (
    parse_bar,
    parse_book10_snapshot,
    parse_funding_rate,
    parse_instrument_funding_rate,
    parse_mark_price,
    parse_quote_tick,
    parse_trade_tick,
)

RECORDED = require_recorded("bitmex", __file__)

TS = 1_700_000_000_000_000_000
CCXT: dict[str, Any] = RECORDED.load("ccxt_static.json")
FIXTURES: dict[str, Any] = RECORDED.load("fixtures.json")
HOUR_NS = 3_600_000_000_000


def D(text: str) -> Decimal:
    return Decimal(text)


def ns(iso: str) -> int:
    return parse_timestamp_ns(iso)


def spot_xbt_usdt() -> Instrument:
    """XBT_USDT from its real instrument record (ccxt's fetchTicker capture)."""
    (record,) = CCXT["fetchTicker fetchTicker"]
    return parse_instrument(record, TS)


def fixture(symbol: str) -> Instrument:
    return parse_instrument(FIXTURES[symbol], TS)


def base_amount(instrument: Instrument, qty: Quantity) -> Decimal:
    """What a size is worth in the base currency (contracts times the contract size)."""
    return qty.as_decimal() * instrument.multiplier.as_decimal()


# -- ccxt captures -------------------------------------------------------------------------------


def check_spot_instrument(entry: list[dict[str, Any]]) -> None:
    inst = spot_xbt_usdt()
    assert isinstance(inst, SpotPair)
    assert (inst.base_currency, inst.quote_currency) == ("XBT", "USDT")
    # multiplier "1" and settlCurrency "": one unit is 1/underlyingToPositionMultiplier XBT.
    assert inst.multiplier == Quantity("0.00000001")
    assert inst.price_increment == Price("0.5") and inst.size_increment == Quantity("10000")
    assert inst.maker_fee == D("-0.00025") and inst.taker_fee == D("0.00075")
    mark = parse_mark_price(entry[0], inst, TS)
    assert mark is not None and mark.value == Price("67186.5")
    assert mark.ts_event == ns("2024-03-08T16:49:18.099Z")


def check_spot_public_trade(entry: list[dict[str, Any]]) -> None:
    inst = spot_xbt_usdt()
    tick = parse_trade_tick(entry[0], inst, TS)
    assert tick.size == Quantity("4570000") and tick.price == Price("73208.0")
    assert tick.aggressor_side is AggressorSide.SELLER
    assert tick.trade_id.value == "00000000-006d-1000-0000-0005844b3282"
    assert tick.ts_event == ns("2024-03-13T10:57:14.383Z")
    # 4,570,000 units are 0.0457 XBT (BitMEX's homeNotional), not 4.57 million XBT.
    assert base_amount(inst, tick.size) == D("0.0457") == D(entry[0]["homeNotional"])


def check_spot_hourly_bins(entry: list[dict[str, Any]]) -> None:
    inst = spot_xbt_usdt()
    bar_type = BarType.from_str("XBT_USDT.BITMEX-1-HOUR-LAST-EXTERNAL")
    bars = [parse_bar(row, bar_type, inst, TS) for row in entry]
    assert all(bar is not None for bar in bars)
    newest, older = bars
    assert newest is not None and older is not None
    # BitMEX stamps a bin with its close; each bin opens at the previous bin's close, which
    # lies outside the bin's own high/low here. The bars are kept exactly as sent.
    assert newest.ts_event == ns("2024-03-08T17:00:00.000Z")
    assert older.ts_event == newest.ts_event - HOUR_NS
    assert (newest.open, newest.high, newest.low, newest.close) == (
        Price("68358.0"),
        Price("67186.5"),
        Price("67186.5"),
        Price("67186.5"),
    )
    assert newest.open == older.close and not newest.is_within_range
    assert (older.open, older.low) == (Price("68195.0"), Price("68358.0"))
    assert not older.is_within_range  # open 68195 below low 68358
    assert base_amount(inst, newest.volume) == D("0.0001")  # homeNotional
    assert base_amount(inst, older.volume) == D("0.0003")


def check_spot_market_order(entry: list[dict[str, Any]]) -> None:
    inst = spot_xbt_usdt()
    report = parse_order_status_report(entry[0], inst, TS)
    assert report.order_status is OrderStatus.FILLED and report.order_side is OrderSide.SELL
    assert report.order_type is OrderType.MARKET and report.time_in_force is TimeInForce.IOC
    assert report.quantity == report.filled_qty == Quantity("10000")
    assert base_amount(inst, report.quantity) == D("0.0001")  # XBT
    assert report.avg_px == D("30557") and report.price is None
    assert report.client_order_id is None  # clOrdID ""
    assert report.account_id is not None and report.account_id.value == "BITMEX-395724"
    assert report.ts_last == ns("2023-06-26T13:59:13.344Z")


def check_spot_limit_if_touched(entry: list[dict[str, Any]]) -> None:
    report = parse_order_status_report(entry[0], spot_xbt_usdt(), TS)
    assert report.order_type is OrderType.LIMIT_IF_TOUCHED
    assert report.order_status is OrderStatus.ACCEPTED  # New
    assert report.price == Price("36000.0") and report.trigger_price == Price("36944.0")
    assert report.quantity == Quantity("10000") and report.filled_qty == 0
    assert report.avg_px is None and report.time_in_force is TimeInForce.GTC


def check_linear_market_order(entry: list[dict[str, Any]]) -> None:
    inst = fixture("XBTUSDT")
    report = parse_order_status_report(entry[0], inst, TS)
    assert report.order_status is OrderStatus.FILLED and report.order_side is OrderSide.BUY
    assert report.quantity == Quantity("1000") and report.avg_px == D("20933")
    assert base_amount(inst, report.quantity) == D("0.001")  # 1 contract = 0.000001 XBT


def check_linear_fill(entry: list[dict[str, Any]]) -> None:
    inst = fixture("XBTUSDT")
    (record,) = entry
    fill = parse_fill_report(record, inst, TS)
    assert fill.last_qty == Quantity("1000") and fill.last_px == Price("20933.0")
    assert fill.liquidity_side is LiquiditySide.TAKER  # RemovedLiquidity
    assert fill.trade_id.value == "1b8956e3-246e-3f12-e868-156cc056e82e"
    # execComm is in USDt (millionths): 15699 = 0.015699 USDT, the taker fee 0.075% of the
    # 20.933 USDT execCost (20933000 USDt).
    assert fill.commission == Money("0.015699", "USDT")
    assert D("20.933") * D("0.00075") == D("0.01569975")
    assert base_amount(inst, fill.last_qty) == D(record["homeNotional"])
    assert fill.ts_event == ns("2022-06-20T11:50:52.376Z")


def check_funding_history(entry: list[dict[str, Any]]) -> None:
    inst = fixture("XBTUSDT")
    rates = [parse_funding_rate(row, inst.id, TS) for row in entry]
    assert [r.rate for r in rates] == [D("0.00375"), D("0.00375")]
    assert [r.ts_event for r in rates] == [
        ns("2024-03-08T12:00:00.000Z"),
        ns("2024-03-08T04:00:00.000Z"),
    ]
    assert all(r.interval_ns == 8 * HOUR_NS for r in rates)  # 2000-01-01T08:00 = 8 hours


def check_linear_position(entry: list[dict[str, Any]]) -> None:
    inst = fixture("LTCUSDT")
    (record,) = entry
    report = parse_position_status_report(record, inst, TS)
    assert report.position_side is PositionSide.LONG and report.quantity == Quantity("1000")
    assert report.avg_px_open == D("86.65")
    # unrealisedPnl 6500 USDt = markValue 8671500 - unrealisedCost 8665000 = 0.0065 USDT.
    assert report.unrealized_pnl == Money("0.006500", "USDT")
    assert base_amount(inst, report.quantity) == D("0.1")  # homeNotional (LTC)
    assert report.ts_last == ns("2024-03-08T16:45:47.215Z")


CCXT_CHECKS = {
    "fetchClosedOrders Spot market order": check_spot_market_order,
    "fetchOpenOrders Spot open order with triggerPrice": check_spot_limit_if_touched,
    "fetchOrder Swap market order": check_linear_market_order,
    "fetchMyTrades fetch swap trades": check_linear_fill,
    "fetchFundingRateHistory fetch funding rate history": check_funding_history,
    "fetchPositions fetch linear position": check_linear_position,
    "fetchOHLCV spot ohlcv": check_spot_hourly_bins,
    "fetchTicker fetchTicker": check_spot_instrument,
    "fetchTrades public spot trades": check_spot_public_trade,
}


@pytest.mark.parametrize("name", sorted(CCXT_CHECKS))
def test_ccxt_capture(name: str) -> None:
    CCXT_CHECKS[name](CCXT[name])


def test_spot_multiplier_comes_from_underlying_to_position_multiplier() -> None:
    """Issue 13 bug 2: XBT_USDT's real record has multiplier 1 and no settlCurrency."""
    (record,) = CCXT["fetchTicker fetchTicker"]
    assert record["multiplier"] == "1" and "settlCurrency" not in record  # as BitMEX sent it
    inst = spot_xbt_usdt()
    trade = parse_trade_tick(CCXT["fetchTrades public spot trades"][0], inst, TS)
    assert base_amount(inst, trade.size) == D("0.0457")


def test_hourly_bins_whose_open_is_outside_high_low_are_kept() -> None:
    """Issue 13 bug 3: the real 1-hour bins parse (nothing dropped), as BitMEX sent them."""
    bar_type = BarType.from_str("XBT_USDT.BITMEX-1-HOUR-LAST-EXTERNAL")
    rows = CCXT["fetchOHLCV spot ohlcv"]
    bars = [parse_bar(row, bar_type, spot_xbt_usdt(), TS) for row in rows]
    assert [bar.open for bar in bars if bar is not None] == [Price("68358.0"), Price("68195.0")]


# -- nautilus_trader captures ---------------------------------------------------------------------


def xbtusd() -> Instrument:
    return parse_instrument(RECORDED.load("nautilus/http_get_instrument_xbtusd.json"), TS)


def test_nautilus_inverse_perpetual() -> None:
    record = RECORDED.load("nautilus/http_get_instrument_xbtusd.json")
    inst = xbtusd()
    assert isinstance(inst, Perpetual) and inst.is_inverse
    assert (inst.base_currency, inst.quote_currency, inst.settle_currency) == ("XBT", "USD", "XBT")
    # multiplier -100000000 XBt: one contract is 1 USD.
    assert inst.multiplier == Quantity("1")
    assert inst.price_increment == Price("0.1") and inst.size_increment == Quantity("100")
    funding = parse_instrument_funding_rate(record, inst.id, TS)
    assert funding is not None and funding.rate == D("0.00011")
    assert funding.next_funding_ns == ns("2024-11-25T04:00:00.000Z")
    assert funding.interval_ns == 8 * HOUR_NS
    mark = parse_mark_price(record, inst, TS)
    assert mark is not None and mark.value == Price("97849.8")  # 97849.76 at tick 0.1


def test_nautilus_book10() -> None:
    row = RECORDED.load("nautilus/ws_orderbook_10.json")
    deltas = parse_book10_snapshot(row, xbtusd(), TS)
    assert deltas.is_snapshot and deltas.deltas[0].action is BookAction.CLEAR
    levels = [(d.order.side, d.order.price, d.order.size) for d in deltas.deltas if d.order]
    assert len(levels) == 20
    assert levels[0] == (OrderSide.BUY, Price("98490.3"), Quantity("22400"))
    assert (OrderSide.SELL, Price("98490.4"), Quantity("17600")) in levels
    assert deltas.ts_event == ns("2024-11-24T08:19:13.513Z")


def test_nautilus_quote() -> None:
    row = RECORDED.load("nautilus/ws_quote.json")
    quote = parse_quote_tick(row, fixture("BCHUSDT"), TS)
    assert quote is not None
    assert (quote.bid_price, quote.ask_price) == (Price("487.55"), Price("488.25"))
    assert (quote.bid_size, quote.ask_size) == (Quantity("103000"), Quantity("50000"))
    assert quote.ts_event == ns("2024-11-22T22:44:25.085Z")


def test_nautilus_inverse_trade() -> None:
    row = RECORDED.load("nautilus/ws_trade.json")
    tick = parse_trade_tick(row, xbtusd(), TS)
    assert tick.size == Quantity("100") and tick.price == Price("98570.9")
    assert tick.aggressor_side is AggressorSide.SELLER
    # 100 one-dollar contracts (foreignNotional 100 USD) are 100 / price XBT (homeNotional).
    assert abs(D(100) / tick.price.as_decimal() - D("0.0010145")) < D("0.0000001")


NAUTILUS_TESTS = {
    "nautilus/http_get_instrument_xbtusd.json": test_nautilus_inverse_perpetual,
    "nautilus/ws_orderbook_10.json": test_nautilus_book10,
    "nautilus/ws_quote.json": test_nautilus_quote,
    "nautilus/ws_trade.json": test_nautilus_inverse_trade,
}


def test_every_recorded_payload_is_checked() -> None:
    """A payload added to the folder without a check here fails this test."""
    assert RECORDED.entries("ccxt_static.json") == set(CCXT_CHECKS)
    assert RECORDED.files() == {"ccxt_static.json", "fixtures.json", *NAUTILUS_TESTS}
