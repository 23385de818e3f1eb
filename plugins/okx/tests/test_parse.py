"""Parsers on OKX's documented payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from okx_payloads import load
from tradeport.model.data import BarType, RecordFlag
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
from tradeport.model.instruments import DatedFuture, OptionContract, Perpetual, SpotPair
from tradeport.model.numbers import Money, Price, Quantity
from tradeport_okx.http.parse import (
    bar_close_ns,
    parse_account_state,
    parse_bar,
    parse_fill_report,
    parse_funding_rate,
    parse_instrument,
    parse_mark_price,
    parse_order_status_report,
    parse_position_status_report,
    parse_quote_from_ticker,
    parse_trade_tick,
)
from tradeport_okx.symbology import inst_family_of, inst_type_of
from tradeport_okx.websocket.parse import parse_book_batch, parse_quote_from_book

TS = 1_700_000_000_000_000_000


def spot_record() -> dict[str, Any]:
    return dict(load("http_get_instruments_spot.json")["data"][0])


def derived(**fields: str) -> dict[str, Any]:
    """The documented SPOT record with derivative fields set as the Get instruments
    "Response Parameters" table describes them (the docs give only a SPOT example)."""
    record = spot_record()
    record.update(baseCcy="", quoteCcy="", lever="", **fields)
    return record


SWAP = derived(
    instType="SWAP",
    instId="BTC-USDT-SWAP",
    instFamily="BTC-USDT",
    uly="BTC-USDT",
    settleCcy="USDT",
    ctVal="0.01",
    ctMult="1",
    ctValCcy="BTC",
    ctType="linear",
    tickSz="0.1",
    lotSz="0.01",
    minSz="0.01",
)
FUTURE = derived(
    instType="FUTURES",
    instId="BTC-USD-250328",
    instFamily="BTC-USD",
    uly="BTC-USD",
    settleCcy="BTC",
    ctVal="100",
    ctMult="1",
    ctValCcy="USD",
    ctType="inverse",
    expTime="1743148800000",
    alias="quarter",
    tickSz="0.1",
    lotSz="1",
    minSz="1",
)
OPTION = derived(
    instType="OPTION",
    instId="BTC-USD-250328-50000-C",
    instFamily="BTC-USD",
    uly="BTC-USD",
    settleCcy="BTC",
    ctVal="0.01",
    ctMult="1",
    ctValCcy="BTC",
    optType="C",
    stk="50000",
    expTime="1743148800000",
    tickSz="0.0005",
    lotSz="1",
    minSz="1",
)


def test_spot_instrument() -> None:
    instrument = parse_instrument(spot_record(), TS)
    assert isinstance(instrument, SpotPair)
    assert instrument.id == InstrumentId.from_str("BTC-USDT.OKX")
    assert instrument.base_currency == "BTC"
    assert instrument.quote_currency == "USDT"
    assert instrument.price_increment == Price.from_str("0.1")
    assert instrument.price_precision == 1
    assert instrument.size_increment == Quantity.from_str("0.00000001")
    assert instrument.size_precision == 8
    assert instrument.min_quantity == Quantity.from_str("0.00001000")
    assert instrument.max_quantity == Quantity.from_str("9999999999")
    assert instrument.ts_event == 1606468572000 * 1_000_000
    assert instrument.info["instType"] == "SPOT"


def test_margin_record_is_a_spot_pair() -> None:
    instrument = parse_instrument(dict(spot_record(), instType="MARGIN"), TS)
    assert isinstance(instrument, SpotPair)
    assert instrument.info["instType"] == "MARGIN"


def test_swap_instrument() -> None:
    instrument = parse_instrument(SWAP, TS)
    assert isinstance(instrument, Perpetual)
    assert str(instrument.id) == "BTC-USDT-SWAP.OKX"
    assert (instrument.base_currency, instrument.quote_currency) == ("BTC", "USDT")
    assert instrument.settle_currency == "USDT"
    assert not instrument.is_inverse
    assert instrument.multiplier == Quantity.from_str("0.01")  # ctVal * ctMult
    assert instrument.lot_size == Quantity.from_str("0.01")


def test_future_instrument() -> None:
    instrument = parse_instrument(FUTURE, TS)
    assert isinstance(instrument, DatedFuture)
    assert instrument.is_inverse
    assert instrument.underlying == "BTC-USD"
    assert instrument.expiry_ns == 1743148800000 * 1_000_000
    assert instrument.multiplier == Quantity.from_int(100)
    assert instrument.settle_currency == "BTC"


def test_option_instrument() -> None:
    instrument = parse_instrument(OPTION, TS)
    assert isinstance(instrument, OptionContract)
    assert instrument.option_kind is OptionKind.CALL
    assert instrument.strike_price == Price.from_str("50000")
    assert instrument.price_precision == 4
    assert instrument.expiry_ns == 1743148800000 * 1_000_000


def test_symbology_round_trip() -> None:
    for record in (spot_record(), SWAP, FUTURE, OPTION):
        instrument = parse_instrument(record, TS)
        assert instrument.id.symbol.value == record["instId"]
        expected = record["instType"]
        assert inst_type_of(record["instId"]).value == expected
    assert inst_family_of("BTC-USD-250328-50000-C") == "BTC-USD"


def test_quote_from_ticker() -> None:
    swap = parse_instrument(
        dict(SWAP, instId="BTC-USD-SWAP", tickSz="0.01", lotSz="1", minSz="1"), TS
    )
    record = load("http_get_tickers.json")["data"][1]
    quote = parse_quote_from_ticker(record, swap, TS)
    assert quote is not None
    assert quote.bid_price == Price.from_str("8888.88")
    assert quote.ask_price == Price.from_str("9999.99")
    assert quote.bid_size == Quantity.from_int(5)
    assert quote.ask_size == Quantity.from_int(11)
    assert quote.ts_event == 1597026383085 * 1_000_000
    assert parse_quote_from_ticker(dict(record, bidPx=""), swap, TS) is None


def test_trade_ticks() -> None:
    spot = parse_instrument(spot_record(), TS)
    first, second = load("http_get_trades.json")["data"]
    tick = parse_trade_tick(first, spot, TS)
    assert tick.price == Price.from_str("29963.2")
    assert tick.size == Quantity.from_str("0.00001000")
    assert tick.size.precision == 8
    assert tick.aggressor_side is AggressorSide.SELLER
    assert tick.trade_id.value == "242720720"
    assert tick.ts_event == 1654161646974 * 1_000_000
    assert parse_trade_tick(dict(second, side="buy"), spot, TS).aggressor_side is (
        AggressorSide.BUYER
    )


def test_bars() -> None:
    spot = parse_instrument(dict(spot_record(), tickSz="0.001"), TS)
    bar_type = BarType.from_str("BTC-USDT.OKX-1-MINUTE-LAST-EXTERNAL")
    row = load("http_get_candles.json")["data"][1]
    bar = parse_bar(row, bar_type, spot, TS)
    assert (bar.open, bar.high, bar.low, bar.close) == (
        Price.from_str("3.731"),
        Price.from_str("3.799"),
        Price.from_str("3.494"),
        Price.from_str("3.720"),
    )
    assert bar.volume == Quantity.from_int(24912403)
    # OKX's ts is the candle's open; tradeport stamps a bar at its close, one minute later.
    assert bar.ts_event == (1597026383085 + 60_000) * 1_000_000


def test_book_snapshot_and_update_batches() -> None:
    spot = parse_instrument(dict(spot_record(), tickSz="0.01", lotSz="1", minSz="1"), TS)
    snap = load("ws_books_snapshot.json")
    batch = parse_book_batch(snap["data"][0], spot, snap["action"], TS)
    assert batch.deltas is not None and batch.deltas.is_snapshot
    assert batch.last_sequence == 123456
    assert batch.previous_sequence is None
    assert batch.checksum == -855196043
    deltas = batch.deltas.deltas
    assert deltas[0].action is BookAction.CLEAR
    assert len(deltas) == 1 + 8 + 8
    assert deltas[-1].flags & RecordFlag.F_LAST
    assert all(d.flags & RecordFlag.F_SNAPSHOT for d in deltas)
    bid = deltas[1]
    assert bid.order is not None and bid.order.side is OrderSide.BUY
    assert bid.order.price == Price.from_str("8476.97")

    update = load("ws_books_update.json")
    batch = parse_book_batch(update["data"][0], spot, update["action"], TS)
    assert batch.previous_sequence == 123456
    assert batch.last_sequence == 123457
    assert batch.deltas is not None and not batch.deltas.is_snapshot
    assert {d.action for d in batch.deltas.deltas} == {BookAction.UPDATE}
    deleting = dict(update["data"][0], asks=[["8476.98", "0", "0", "0"]], bids=[])
    batch = parse_book_batch(deleting, spot, "update", TS)
    assert batch.deltas is not None
    assert batch.deltas.deltas[0].action is BookAction.DELETE
    keepalive = dict(update["data"][0], asks=[], bids=[], prevSeqId=123457, seqId=123457)
    batch = parse_book_batch(keepalive, spot, "update", TS)
    assert batch.deltas is None
    assert batch.previous_sequence == batch.last_sequence == 123457


def test_quote_from_bbo_tbt() -> None:
    swap = parse_instrument(
        dict(SWAP, instId="BCH-USDT-SWAP", tickSz="0.01", lotSz="1", minSz="1"), TS
    )
    record = load("ws_bbo_tbt.json")["data"][0]
    quote = parse_quote_from_book(record, swap, TS)
    assert quote is not None
    assert (quote.bid_price, quote.ask_price) == (
        Price.from_str("111.05"),
        Price.from_str("111.06"),
    )
    assert (quote.bid_size, quote.ask_size) == (Quantity.from_int(57745), Quantity.from_int(55154))


def test_funding_rate_and_mark_price() -> None:
    swap = parse_instrument(SWAP, TS)
    record = load("http_get_funding_rate.json")["data"][0]
    funding = parse_funding_rate(record, swap.id, TS)
    assert funding.rate == Decimal("0.0000182221218054")
    assert funding.next_funding_ns == 1743609600000 * 1_000_000
    assert funding.interval_ns == 8 * 3600 * 1_000_000_000
    mark = parse_mark_price(load("http_get_mark_price.json")["data"][0], swap, TS)
    assert mark.value == Price.from_str("200.0")
    assert mark.value.precision == 1


def test_spot_market_order_sized_in_quote_reports_the_base_quantity() -> None:
    # The documented order push as a filled market buy of 100 USDT (tgtCcy quote_ccy): OKX's
    # sz is then the quote amount while accFillSz is in the base currency (Place order and
    # Order channel parameter tables), so the report's quantity is what filled.
    spot = parse_instrument(spot_record(), TS)
    record = dict(
        load("ws_orders.json")["data"][0],
        ordType="market",
        px="",
        tgtCcy="quote_ccy",
        sz="100",
        accFillSz="0.0011",
        avgPx="90909.09",
        state="filled",
    )
    report = parse_order_status_report(record, spot, TS)
    assert report.quantity == report.filled_qty == Quantity.from_str("0.0011")
    assert report.order_status is OrderStatus.FILLED
    # No tgtCcy: OKX's default for a spot market buy is the quote currency, for a sell base.
    assert parse_order_status_report(
        dict(record, tgtCcy=""), spot, TS
    ).quantity == Quantity.from_str("0.0011")
    sell = dict(record, tgtCcy="", side="sell", sz="0.0011")
    assert parse_order_status_report(sell, spot, TS).quantity == Quantity.from_str("0.0011")
    base = dict(record, tgtCcy="base_ccy", sz="0.002", state="partially_filled")
    assert parse_order_status_report(base, spot, TS).quantity == Quantity.from_str("0.002")


def test_order_status_report() -> None:
    spot = parse_instrument(spot_record(), TS)
    record = load("ws_orders.json")["data"][0]
    report = parse_order_status_report(record, spot, TS, AccountId("OKX-1"))
    assert report.venue_order_id.value == "312269865356374016"
    assert report.client_order_id is not None and report.client_order_id.value == "b15"
    assert report.order_side is OrderSide.BUY
    assert report.order_type is OrderType.LIMIT
    assert report.time_in_force is TimeInForce.GTC
    assert report.order_status is OrderStatus.ACCEPTED
    assert report.price == Price.from_str("8200")
    assert report.quantity == Quantity.from_str("0.001")
    assert report.filled_qty == Quantity.from_int(0)
    post_only = parse_order_status_report(dict(record, ordType="post_only"), spot, TS)
    assert post_only.post_only
    ioc = parse_order_status_report(dict(record, ordType="ioc", state="canceled"), spot, TS)
    assert ioc.time_in_force is TimeInForce.IOC
    assert ioc.order_status is OrderStatus.CANCELED
    partial = parse_order_status_report(
        dict(record, state="partially_filled", accFillSz="0.0005"), spot, TS
    )
    assert partial.order_status is OrderStatus.PARTIALLY_FILLED
    assert partial.filled_qty == Quantity.from_str("0.0005")


def test_fill_report() -> None:
    spot = parse_instrument(dict(spot_record(), tickSz="1"), TS)
    record = load("http_get_fills.json")["data"][0]
    fill = parse_fill_report(record, spot, TS)
    assert fill.trade_id.value == "744876980"
    assert fill.venue_order_id.value == "680800019749904384"
    assert fill.client_order_id is None  # "" is missing
    assert fill.last_px == Price.from_str("51858")
    assert fill.last_qty == Quantity.from_str("0.00192834")
    assert fill.liquidity_side is LiquiditySide.TAKER
    # OKX's negative fee is a charge: a positive commission here.
    assert fill.commission == Money("0.00000192834", "BTC")
    assert fill.ts_event == 1708587373362 * 1_000_000


def test_position_report() -> None:
    swap = parse_instrument(SWAP, TS)
    record = load("ws_positions.json")["data"][0]
    report = parse_position_status_report(record, swap, TS)
    assert report.position_side is PositionSide.LONG
    assert report.quantity == Quantity.from_int(1)
    assert report.avg_px_open == Decimal("2566.31")
    assert report.unrealized_pnl == Money("0.00009786", "USDT")
    assert report.venue_position_id is not None
    short = parse_position_status_report(dict(record, posSide="net", pos="-2"), swap, TS)
    assert short.position_side is PositionSide.SHORT
    assert short.quantity == Quantity.from_int(2)
    flat = parse_position_status_report(dict(record, pos="0"), swap, TS)
    assert flat.position_side is PositionSide.FLAT


def test_account_state() -> None:
    record = load("ws_account.json")["data"][0]
    state = parse_account_state(record, AccountId("OKX-1"), TS)
    (balance,) = state.balances
    assert balance.currency == "BTC"
    assert balance.total == Money("1.23", "BTC")
    assert balance.free == Money("1.23", "BTC")
    assert balance.locked == Money("0", "BTC")


@pytest.mark.parametrize("record", [SWAP, FUTURE, OPTION])
def test_derivative_info_keeps_contract_fields(record: dict[str, Any]) -> None:
    instrument = parse_instrument(record, TS)
    assert instrument.info["ctVal"] == record["ctVal"]
    assert instrument.info["instFamily"] == record["instFamily"]


@pytest.mark.parametrize(
    ("spec", "open_utc", "close_utc"),
    [
        ("1-MINUTE-LAST", "2025-05-12T23:54:00", "2025-05-12T23:55:00"),
        ("4-HOUR-LAST", "2025-05-12T20:00:00", "2025-05-13T00:00:00"),
        ("1-WEEK-LAST", "2025-05-12T00:00:00", "2025-05-19T00:00:00"),
        ("1-MONTH-LAST", "2024-02-01T00:00:00", "2024-03-01T00:00:00"),  # 29 days (leap year)
        ("3-MONTH-LAST", "2024-11-01T00:00:00", "2025-02-01T00:00:00"),  # over the year end
    ],
)
def test_bar_close_is_the_open_plus_one_interval(spec: str, open_utc: str, close_utc: str) -> None:
    bar_type = BarType.from_str(f"BTC-USDT.OKX-{spec}-EXTERNAL")

    def ms_of(text: str) -> int:
        return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * 1000

    assert bar_close_ns(ms_of(open_utc), bar_type) == ms_of(close_utc) * 1_000_000
