"""Every recorded real Binance payload through the matching parser
(../shared/venue-payloads/binance).

The payloads are live captures by third parties (ccxt's static responses, which write some
JSON integers as strings; nautilus_trader's captures, one of them hand-written; SOURCES.md there
names each origin). The expected values were worked out by hand from the records and Binance's
documentation (spot sizes in the base asset, USD-M in the base asset, COIN-M in contracts of
``contractSize`` USD settled in the margin coin; kline close time is the bar's last
millisecond), not taken from the parser's output. Where a record carries a redundant figure
(``cummulativeQuoteQty``, ``quoteQty``, ``markPrice``), the parsed value is checked against it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from binance_payloads import load
from tradeport.model.data import BarType
from tradeport.model.enums import (
    AccountType,
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    TrailingOffsetType,
)
from tradeport.model.events import OrderFilled
from tradeport.model.identifiers import AccountId
from tradeport.model.instruments import DatedFuture, Instrument, Perpetual
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.testing.recorded import require_recorded
from tradeport_binance.http.parse import (
    parse_agg_trade_tick_rest,
    parse_book_snapshot,
    parse_exchange_info,
    parse_fill_report,
    parse_futures_account_state,
    parse_futures_instrument,
    parse_kline,
    parse_order_status_report,
    parse_position_status_report,
    parse_spot_account_state,
    parse_spot_instrument,
    parse_ticker_24h,
)
from tradeport_binance.websocket.parse import (
    StreamParser,
    parse_account_update,
    parse_execution_report,
    parse_order_trade_update,
)
from tradeport_binance.websocket.payloads import (
    decode_agg_trade,
    decode_book_ticker,
    decode_depth_update,
    decode_trade,
)

RECORDED = require_recorded("binance", __file__)

MS = 1_000_000
TS = 1_700_000_000_000_000_000
ACCOUNT = AccountId("BINANCE-001")
CCXT: dict[str, Any] = RECORDED.load("ccxt_static.json")
FIXTURES: dict[str, Any] = RECORDED.load("fixtures.json")


def D(text: str) -> Decimal:
    return Decimal(text)


def _exchange_info(name: str, *, futures: bool) -> dict[str, Instrument]:
    instruments, skipped = parse_exchange_info(
        RECORDED.load(f"nautilus/{name}"), futures=futures, ts_init=TS
    )
    assert skipped == []
    return {i.raw_symbol.value: i for i in instruments}


SPOT = _exchange_info("http_spot_market_exchange_info.json", futures=False)
USDM = _exchange_info("http_futures_market_exchange_info.json", futures=True)


def as_listed_then(
    instrument: Instrument, *, tick: str | None = None, step: str | None = None
) -> Instrument:
    """``instrument`` with the tick or step Binance listed when an older or newer capture was
    made (a stream payload's decimals show it; the captured exchangeInfo is from another date)."""
    record = dict(instrument.info)
    filters = []
    for f in record["filters"]:
        if f["filterType"] == "PRICE_FILTER" and tick is not None:
            f = {**f, "tickSize": tick}
        if f["filterType"] == "LOT_SIZE" and step is not None:
            f = {**f, "stepSize": step}
        filters.append(f)
    record["filters"] = filters
    if isinstance(instrument, (Perpetual, DatedFuture)):
        return parse_futures_instrument(record, TS)
    return parse_spot_instrument(record, TS)


def fixture(kind: str, symbol: str) -> Instrument:
    """An instrument of a ccxt capture (fixtures.json: the rules Binance lists for it)."""
    (record,) = [r for r in FIXTURES[kind] if r["symbol"] == symbol]
    if kind == "spot":
        return parse_spot_instrument(record, TS)
    return parse_futures_instrument(record, TS, coin_margined=kind == "coinm")


def stream_data(name: str) -> bytes:
    """The ``data`` of a combined-stream frame, as the wire carries it."""
    return json.dumps(RECORDED.load(f"nautilus/{name}")["data"]).encode()


# -- ccxt captures -------------------------------------------------------------------------------


def check_spot_new_iceberg(entry: dict[str, Any]) -> None:
    report = parse_order_status_report(entry, fixture("spot", "SOLUSDT"), TS)
    assert report.order_status is OrderStatus.ACCEPTED and report.order_type is OrderType.LIMIT
    assert report.order_side is OrderSide.BUY and report.time_in_force is TimeInForce.GTC
    assert report.quantity == Quantity("0.050") and report.filled_qty == 0
    assert report.price == Price("241.00") and report.avg_px is None
    assert report.display_qty == Quantity("0.030")  # icebergQty: the visible part
    assert report.venue_order_id.value == "9780331417" and report.order_list_id is None
    assert report.ts_accepted == report.ts_last == 1737635557417 * MS  # transactTime


def check_usdm_new_limit(entry: list[dict[str, Any]]) -> None:
    (record,) = entry
    report = parse_order_status_report(record, USDM["BTCUSDT"], TS, futures=True)
    assert report.order_status is OrderStatus.ACCEPTED and report.order_side is OrderSide.SELL
    assert report.quantity == Quantity("0.200") and report.price == Price("110001.0")
    assert report.expire_time_ns is None and report.venue_position_id is None  # BOTH
    assert report.ts_last == 1739781831932 * MS


def check_spot_market_filled(entry: dict[str, Any]) -> None:
    report = parse_order_status_report(entry, fixture("spot", "LTCUSDT"), TS)
    assert report.order_status is OrderStatus.FILLED and report.order_type is OrderType.MARKET
    assert report.quantity == report.filled_qty == Quantity("0.100")
    # cummulativeQuoteQty 9.08 USDT over 0.1 LTC.
    assert report.avg_px == D("90.8") and report.price is None
    assert report.ts_accepted == 1679571174472 * MS


def check_spot_open_limit_maker(entry: list[dict[str, Any]]) -> None:
    (record,) = entry
    report = parse_order_status_report(record, fixture("spot", "LTCUSDT"), TS)
    assert report.order_type is OrderType.LIMIT and report.post_only  # LIMIT_MAKER
    assert report.price == Price("50.00") and report.quantity == Quantity("0.200")
    assert report.trigger_price is None  # stopPrice 0


def check_usdm_open_gtx(entry: dict[str, Any]) -> None:
    report = parse_order_status_report(entry, fixture("usdm", "LTCUSDT"), TS, futures=True)
    assert report.post_only and report.time_in_force is TimeInForce.GTC  # GTX
    assert report.quantity == Quantity("0.200") and report.price == Price("50.00")
    assert report.order_status is OrderStatus.ACCEPTED
    assert report.ts_accepted == 1707907323983 * MS and report.ts_last == 1707907323991 * MS


def check_usdm_position(entry: list[dict[str, Any]]) -> None:
    (record,) = entry
    report = parse_position_status_report(record, USDM["BTCUSDT"], TS)
    assert report.position_side is PositionSide.LONG and report.quantity == Quantity("0.009")
    assert report.avg_px_open == D("67445.9")
    # unRealizedProfit in USDT: 0.009 x (markPrice - entryPrice).
    assert report.unrealized_pnl == Money("0.51106678", "USDT")
    assert abs(D("0.009") * (D("67502.68519858") - D("67445.9")) - D("0.51106678")) < D("1e-8")


def check_coinm_positions(entry: list[dict[str, Any]]) -> None:
    perp, flat = entry
    inst = fixture("coinm", "BTCUSD_PERP")
    report = parse_position_status_report(perp, inst, TS)
    assert report.position_side is PositionSide.SHORT and report.quantity == Quantity("3")
    # COIN-M PnL is in the margin coin: 3 contracts x 100 USD x (1/mark - 1/entry) BTC.
    assert report.unrealized_pnl == Money("0.00004318", "BTC")
    pnl = 3 * 100 * (1 / D("68234.2") - 1 / D("68911.00000037"))
    assert abs(pnl - D("0.00004318")) < D("1e-8")
    empty = parse_position_status_report(flat, fixture("coinm", "BCHUSD_241227"), TS)
    assert empty.position_side is PositionSide.FLAT and empty.unrealized_pnl == Money(0, "BCH")
    assert empty.avg_px_open is None


def check_spot_fill(entry: list[dict[str, Any]]) -> None:
    (record,) = entry
    fill = parse_fill_report(record, fixture("spot", "LTCUSDT"), TS)
    assert fill.order_side is OrderSide.SELL and fill.liquidity_side is LiquiditySide.TAKER
    assert fill.last_qty == Quantity("0.200") and fill.last_px == Price("69.63")
    assert fill.commission == Money("0.013926", "USDT")  # 0.1% of quoteQty 13.926
    assert fill.trade_id.value == "309520010" and fill.ts_event == 1698138992358 * MS


def check_usdm_fill(entry: list[dict[str, Any]]) -> None:
    (record,) = entry
    fill = parse_fill_report(record, USDM["BTCUSDT"], TS)
    assert fill.order_side is OrderSide.BUY and fill.liquidity_side is LiquiditySide.TAKER
    assert fill.last_qty == Quantity("0.010") and fill.last_px == Price("36567.1")
    assert fill.commission == Money("0.1462684", "USDT")  # 0.04% of quoteQty 365.671
    assert D("365.671") * D("0.0004") == fill.commission.as_decimal()


def check_spot_balance(entry: dict[str, Any]) -> None:
    state = parse_spot_account_state(entry, ACCOUNT, TS)
    assert state.account_type is AccountType.CASH
    totals = {b.total.currency: b.total.as_decimal() for b in state.balances}
    assert totals == {"LTC": D("0.919741"), "ETH": D("0.02229833")}  # zero BTC dropped
    assert state.ts_event == 1701856395927 * MS


def check_usdm_balance(entry: dict[str, Any]) -> None:
    state = parse_futures_account_state(entry, ACCOUNT, TS)
    (usdt,) = state.balances
    assert usdt.total == usdt.free == Money("31.022612", "USDT")


def check_usdm_account(entry: dict[str, Any]) -> None:
    state = parse_futures_account_state(entry, ACCOUNT, TS)
    by_ccy = {b.total.currency: b for b in state.balances}
    assert set(by_ccy) == {"USDT", "USDC"}  # zero wallets dropped
    # Multi-asset margin: availableBalance is shared, so it can exceed one asset's wallet.
    assert by_ccy["USDT"].total == by_ccy["USDT"].free == Money("3.72964781", "USDT")
    assert by_ccy["USDC"].free == Money("18.65830123", "USDC")
    assert by_ccy["USDC"].locked == Money("3.34169877", "USDC")


def _check_klines(rows: list[list[Any]], instrument: Instrument, spec: str) -> list[Any]:
    bar_type = BarType.from_str(f"{instrument.id}-{spec}-EXTERNAL")
    bars = [parse_kline(row, bar_type, instrument, TS) for row in rows]
    # Binance's close time is the bar's last millisecond: tradeport stamps close + 1 ms.
    assert [b.ts_event for b in bars] == [(int(row[6]) + 1) * MS for row in rows]
    return bars


def check_spot_klines(entry: list[list[Any]]) -> None:
    bars = _check_klines(entry, SPOT["BTCUSDT"], "1-HOUR-LAST")
    assert bars[0].ts_event == 1706634000000 * MS  # open 1706630400000 + 1 h
    assert (bars[0].open, bars[0].close, bars[0].volume) == (
        Price("43519.34"),
        Price("43488.71"),
        Quantity("20.55495"),
    )
    assert bars[0].count == 3743 and bars[0].quote_volume == D("891428.42858070")


def check_usdm_klines(entry: list[list[Any]]) -> None:
    bars = _check_klines(entry, USDM["BTCUSDT"], "1-MINUTE-LAST")
    assert bars[0].ts_event == 1712738520000 * MS  # open 1712738460000 + 1 min
    assert bars[1].low == Price("70459.4") and bars[1].volume == Quantity("0.120")


def check_spot_book(entry: dict[str, Any]) -> None:
    deltas = parse_book_snapshot(entry, SPOT["BTCUSDT"], TS)
    assert deltas.sequence == 25445101 and deltas.ts_event == TS  # spot sends no time
    levels = [(d.order.side, d.order.price, d.order.size) for d in deltas.deltas if d.order]
    assert (OrderSide.BUY, Price("42574.30"), Quantity("0.01070")) in levels
    assert (OrderSide.SELL, Price("42574.31"), Quantity("0.00870")) in levels


def check_usdm_book(entry: dict[str, Any]) -> None:
    deltas = parse_book_snapshot(entry, USDM["BTCUSDT"], TS)
    assert deltas.sequence == 35263532345 and deltas.ts_event == 1706803917264 * MS
    assert len([d for d in deltas.deltas if d.order]) == 10


def check_portfolio_margin_order(entry: list[dict[str, Any]]) -> None:
    (record,) = entry
    report = parse_order_status_report(record, USDM["BTCUSDT"], TS, futures=True)
    assert report.order_status is OrderStatus.FILLED and report.order_type is OrderType.MARKET
    assert report.avg_px == D("47279.4") and report.filled_qty == Quantity("0.010")
    assert report.venue_position_id is not None and report.venue_position_id.value == "LONG"


def check_spot_canceled(entry: list[dict[str, Any]]) -> None:
    (record,) = entry
    report = parse_order_status_report(record, fixture("spot", "LTCUSDT"), TS)
    assert report.order_status is OrderStatus.CANCELED and report.filled_qty == 0
    assert report.ts_accepted == 1701856395927 * MS and report.ts_last == 1706883268013 * MS


def check_spot_agg_trade(entry: list[dict[str, Any]]) -> None:
    (record,) = entry
    tick = parse_agg_trade_tick_rest(record, SPOT["BTCUSDT"], TS)
    assert tick.aggressor_side is AggressorSide.BUYER  # m false: the buyer took
    assert tick.price == Price("73238.70") and tick.size == Quantity("0.00109")
    assert tick.trade_id.value == "2913537567" and tick.ts_event == 1710327661939 * MS


def check_spot_ticker(entry: dict[str, Any]) -> None:
    ticker = parse_ticker_24h(entry, SPOT["BTCUSDT"].id, TS)
    assert ticker.last_price == D("73369.84") and ticker.open_price == D("72181.09")
    assert ticker.last_price - ticker.open_price == ticker.price_change  # 1188.75
    assert ticker.count == 3187938 and ticker.ts_event == 1710328245391 * MS


CCXT_CHECKS = {
    "createOrder spot +selfTradePrevention +iceberg": check_spot_new_iceberg,
    "createOrders create swap orders": check_usdm_new_limit,
    "fetchOrder Fetch spot closed order": check_spot_market_filled,
    "fetchOpenOrders Fetch spot open orders": check_spot_open_limit_maker,
    "fetchOpenOrder swap open order": check_usdm_open_gtx,
    "fetchPositions Fetch linear positions without symbols": check_usdm_position,
    "fetchPositions inverse positions": check_coinm_positions,
    "fetchMyTrades Spot private trade": check_spot_fill,
    "fetchMyTrades Swap private trade": check_usdm_fill,
    "fetchBalance Spot balance": check_spot_balance,
    "fetchBalance Linear swap balance": check_usdm_balance,
    "fetchPositions Fetch linear positions using account endnpoint": check_usdm_account,
    "fetchOHLCV Spot OHLCV with since and limit": check_spot_klines,
    "fetchOHLCV swap ohlcv": check_usdm_klines,
    "fetchOrderBook spot orderbook": check_spot_book,
    "fetchOrderBook swap orderbook": check_usdm_book,
    "fetchOrders fetch portfolio margin orders": check_portfolio_margin_order,
    "fetchOrders fetch spot orders": check_spot_canceled,
    "fetchTrades public spot trades": check_spot_agg_trade,
    "fetchTicker public spot ticker": check_spot_ticker,
}


@pytest.mark.parametrize("name", sorted(CCXT_CHECKS))
def test_ccxt_capture(name: str) -> None:
    CCXT_CHECKS[name](CCXT[name])


def test_coin_margined_unrealized_pnl_is_in_the_margin_coin() -> None:
    """Issue 13 bug 5: COIN-M PnL is BTC (the margin coin), not USD (the quote), in the
    position report and in the ACCOUNT_UPDATE parser (Binance's documented COIN-M example)."""
    perp = CCXT["fetchPositions inverse positions"][0]
    report = parse_position_status_report(perp, fixture("coinm", "BTCUSD_PERP"), TS)
    assert report.unrealized_pnl is not None and report.unrealized_pnl.currency == "BTC"
    quarterly = parse_futures_instrument(
        {
            **FIXTURES["coinm"][0],
            "symbol": "BTCUSD_200925",
            "contractType": "CURRENT_QUARTER",
            "deliveryDate": 1601020800000,
        },
        TS,
        coin_margined=True,
    )
    assert isinstance(quarterly, DatedFuture)
    _, positions = parse_account_update(
        load("coinm_account_update.json"), ACCOUNT, TS, {"BTCUSD_200925": quarterly}.get
    )
    assert [(p.position_side, p.unrealized_pnl) for p in positions] == [
        (PositionSide.FLAT, Money("0", "BTC")),
        (PositionSide.LONG, Money("2850.21200000", "BTC")),
        (PositionSide.SHORT, Money("-1423.15600000", "BTC")),
    ]


# -- nautilus_trader captures ---------------------------------------------------------------------


def test_exchange_info_instruments() -> None:
    assert set(SPOT) == {"BTCUSDT", "ETHUSDT"}
    assert set(USDM) == {"BTCUSDT", "ETHUSDT", "BTCUSDT_220325"}
    perp = USDM["BTCUSDT"]
    assert isinstance(perp, Perpetual) and not perp.is_inverse
    assert str(perp.id) == "BTCUSDT-PERP.BINANCE" and perp.settle_currency == "USDT"
    assert perp.multiplier == Quantity("1")  # USD-M sizes are in the base asset
    assert perp.price_increment == Price("0.10") and perp.size_increment == Quantity("0.001")
    quarter = USDM["BTCUSDT_220325"]
    assert isinstance(quarter, DatedFuture) and quarter.expiry_ns > 0
    spot = SPOT["BTCUSDT"]
    assert spot.price_increment == Price("0.01") and spot.size_increment == Quantity("0.00001")


def test_coinm_fixture_contract_size() -> None:
    inst = fixture("coinm", "BTCUSD_PERP")
    assert isinstance(inst, Perpetual) and inst.is_inverse
    assert inst.multiplier == Quantity("100") and inst.settle_currency == "BTC"


def test_futures_trailing_stop_order() -> None:
    (record,) = RECORDED.load("nautilus/http_futures_account_orders.json")
    report = parse_order_status_report(record, USDM["BTCUSDT"], TS, futures=True)
    assert report.order_type is OrderType.TRAILING_STOP_MARKET
    assert report.trigger_price == Price("9300.0") and report.price is None
    # priceRate 0.3 (%) = 30 basis points.
    assert report.trailing_offset == D("30") and (
        report.trailing_offset_type is TrailingOffsetType.BASIS_POINTS
    )
    assert report.venue_position_id is not None and report.venue_position_id.value == "SHORT"


def test_futures_account_trades() -> None:
    fills = [
        parse_fill_report(r, USDM["ETHUSDT"], TS)
        for r in RECORDED.load("nautilus/http_futures_account_trades.json")
    ]
    assert [(f.order_side, f.last_px, f.commission) for f in fills] == [
        (OrderSide.SELL, Price("2778.35"), Money("0.00555670", "USDT")),
        (OrderSide.BUY, Price("2779.00"), Money("0.00555800", "USDT")),
    ]
    # 0.04% of quoteQty 13.89175 and 13.895.
    assert D("13.89175") * D("0.0004") == D("0.0055567")


def test_futures_depth_update() -> None:
    # The capture (2019) quotes BTCUSDT to 0.01; the 2022 exchangeInfo lists tick 0.10.
    btc = as_listed_then(USDM["BTCUSDT"], tick="0.01")
    batch = StreamParser({"BTCUSDT": btc}.get, clock=lambda: TS).parse_depth_batch(
        decode_depth_update(json.dumps(RECORDED.load("nautilus/ws_futures_depth_update.json")))
    )
    assert (batch.previous_sequence, batch.last_sequence) == (390497794, 390497878)
    assert batch.deltas is not None and len(batch.deltas.deltas) == 10
    assert batch.deltas.ts_event == 1571889248277 * MS


def test_futures_liquidation_fill() -> None:
    msg = json.loads(stream_data("ws_futures_order_update_liquidation.json"))
    event = parse_order_trade_update(msg, USDM["BTCUSDT"], TS)
    assert isinstance(event, OrderFilled)
    assert event.last_qty == Quantity("0.100") and event.last_px == Price("50000.0")
    assert event.commission == Money("5.00000000", "USDT")
    assert event.order_side is OrderSide.SELL and event.order_type is OrderType.MARKET
    assert event.position_id is not None and event.position_id.value == "LONG"
    assert event.ts_event == 1759347763167 * MS


def test_spot_execution_report_binance_us() -> None:
    msg = json.loads(stream_data("ws_spot_execution_report_binance_us.json"))
    event = parse_execution_report(msg, fixture("spot", "BTCUSD"), TS)
    assert isinstance(event, OrderFilled)
    assert event.last_qty == Quantity("0.00042") and event.last_px == Price("117290.77")
    # 0.1% of the 49.2621234 USD traded (Z), in USD (N).
    assert event.commission == Money("0.00492621", "USD")
    assert event.liquidity_side is LiquiditySide.TAKER and event.trade_id.value == "88685053"


def _spot_parser() -> StreamParser:
    return StreamParser(SPOT.get, clock=lambda: TS)


def test_spot_agg_trade_stream() -> None:
    # The capture (2023) sizes ETHUSDT to 0.00001; the 2021 exchangeInfo lists step 0.0001.
    eth = as_listed_then(SPOT["ETHUSDT"], step="0.00001")
    tick = StreamParser({"ETHUSDT": eth}.get, clock=lambda: TS).parse_agg_trade_tick(
        decode_agg_trade(stream_data("ws_spot_agg_trade.json"))
    )
    assert tick.price == Price("1632.46") and tick.size == Quantity("0.34305")
    assert tick.aggressor_side is AggressorSide.BUYER and tick.trade_id.value == "226532"
    assert tick.ts_event == 1675759520847 * MS


def test_spot_book_ticker_stream() -> None:
    quote = _spot_parser().parse_quote_tick(
        decode_book_ticker(stream_data("ws_spot_ticker_book.json"))
    )
    assert (quote.bid_price, quote.bid_size) == (Price("4507.24"), Quantity("2.3595"))
    assert (quote.ask_price, quote.ask_size) == (Price("4507.25"), Quantity("2.8457"))
    assert quote.ts_event == 1646199228121 * MS  # T, the transaction time


def test_spot_trade_stream() -> None:
    tick = _spot_parser().parse_trade_tick(decode_trade(stream_data("ws_spot_trade.json")))
    assert tick.aggressor_side is AggressorSide.SELLER  # m true: the buyer was the maker
    assert tick.price == Price("4149.74") and tick.size == Quantity("0.4387")
    assert tick.trade_id.value == "705291099" and tick.ts_event == 1639351062243 * MS


NAUTILUS_TESTS = {
    "nautilus/http_futures_account_orders.json": test_futures_trailing_stop_order,
    "nautilus/http_futures_account_trades.json": test_futures_account_trades,
    "nautilus/http_futures_market_exchange_info.json": test_exchange_info_instruments,
    "nautilus/http_spot_market_exchange_info.json": test_exchange_info_instruments,
    "nautilus/ws_futures_depth_update.json": test_futures_depth_update,
    "nautilus/ws_futures_order_update_liquidation.json": test_futures_liquidation_fill,
    "nautilus/ws_spot_agg_trade.json": test_spot_agg_trade_stream,
    "nautilus/ws_spot_execution_report_binance_us.json": test_spot_execution_report_binance_us,
    "nautilus/ws_spot_ticker_book.json": test_spot_book_ticker_stream,
    "nautilus/ws_spot_trade.json": test_spot_trade_stream,
}


def test_every_recorded_payload_is_checked() -> None:
    """A payload added to the folder without a check here fails this test."""
    assert RECORDED.entries("ccxt_static.json") == set(CCXT_CHECKS)
    assert RECORDED.files() == {"ccxt_static.json", "fixtures.json", *NAUTILUS_TESTS}
