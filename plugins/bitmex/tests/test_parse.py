"""Parsers against BitMEX's documented payloads (tests/test_data, see SOURCES.md).

BitMEX publishes no instrument record, trade insert, orderBook10 row or position row with
values: those are read from the recorded real payloads beside the repository
(../shared/venue-payloads/bitmex, never copied here); the tests needing them skip when that
folder is absent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tradeport.book import OrderBook
from tradeport.model.enums import (
    AggressorSide,
    BookAction,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PegPriceType,
    PositionSide,
    ProductType,
    TimeInForce,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import DatedFuture, Instrument, Perpetual, SpotPair
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.testing.recorded import missing_reason, recorded_payloads
from tradeport_bitmex.conversions import minor_to_money, parse_timestamp_ns
from tradeport_bitmex.http.parse import (
    UnsupportedInstrument,
    parse_account_state,
    parse_fill_report,
    parse_instrument,
    parse_order_status_report,
    parse_peg,
    parse_position_status_report,
)
from tradeport_bitmex.providers import parse_instruments
from tradeport_bitmex.websocket.parse import (
    OrderBookL2State,
    parse_book10_snapshot,
    parse_index_price,
    parse_instrument_funding_rate,
    parse_mark_price,
    parse_quote_tick,
    parse_trade_tick,
)

TS = 1_700_000_000_000_000_000
TEST_DATA = Path(__file__).parent / "test_data"
RECORDED = recorded_payloads("bitmex", __file__)


def recorded(name: str) -> Any:
    """A recorded real payload (../shared/venue-payloads/bitmex); skips the test when absent."""
    if RECORDED is None:
        pytest.skip(missing_reason("bitmex"))
    return RECORDED.load(name)


def xbtusd_record() -> dict[str, Any]:
    """The recorded XBTUSD instrument record (a ``GET /instrument`` row)."""
    return dict(recorded("nautilus/http_get_instrument_xbtusd.json"))


def load(name: str) -> Any:
    """A documented payload from tests/test_data (SOURCES.md names its page)."""
    return json.loads((TEST_DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def xbtusd() -> Instrument:
    return parse_instrument(xbtusd_record(), TS)


def _variant(**changes: object) -> dict[str, object]:
    """The recorded XBTUSD record with fields changed (to reach other product families)."""
    record = xbtusd_record()
    record.update(changes)
    return record


def test_inverse_perpetual(xbtusd: Instrument) -> None:
    assert isinstance(xbtusd, Perpetual)
    assert xbtusd.id == InstrumentId.from_str("XBTUSD.BITMEX")
    assert xbtusd.is_inverse
    assert (xbtusd.base_currency, xbtusd.quote_currency, xbtusd.settle_currency) == (
        "XBT",
        "USD",
        "XBT",
    )
    assert xbtusd.price_increment == Price.from_str("0.1")
    assert xbtusd.price_precision == 1
    assert xbtusd.size_increment == Quantity.from_int(100)
    # multiplier -100000000 XBt: one contract is worth 1 USD, i.e. 1e8 satoshi / price.
    assert xbtusd.multiplier == Quantity.from_int(1)
    assert xbtusd.max_quantity == Quantity.from_int(10_000_000)
    assert xbtusd.max_price == Price.from_str("1000000.0")
    assert (xbtusd.maker_fee, xbtusd.taker_fee) == (Decimal("0.0005"), Decimal("0.0005"))
    assert (xbtusd.margin_init, xbtusd.margin_maint) == (Decimal("0.01"), Decimal("0.005"))
    assert xbtusd.ts_event == parse_timestamp_ns("2024-11-24T23:33:19.034Z")
    assert xbtusd.info["symbol"] == "XBTUSD"


def test_quanto_multiplier_in_satoshis() -> None:
    quanto = parse_instrument(
        _variant(
            symbol="ETHUSD",
            underlying="ETH",
            multiplier=100,
            isQuanto=True,
            isInverse=False,
            tickSize=0.05,
            lotSize=1,
        ),
        TS,
    )
    assert isinstance(quanto, Perpetual)
    assert not quanto.is_inverse
    assert quanto.settle_currency == "XBT"
    assert quanto.multiplier == Quantity.from_str("0.000001")  # 100 XBt per index point
    assert quanto.price_precision == 2


def test_dated_future_and_spot() -> None:
    future = parse_instrument(
        _variant(symbol="XBTZ24", typ="FFCCSX", expiry="2024-12-27T12:00:00.000Z"), TS
    )
    assert isinstance(future, DatedFuture)
    assert future.expiry_ns == parse_timestamp_ns("2024-12-27T12:00:00.000Z")
    assert future.activation_ns == parse_timestamp_ns("2016-05-13T12:00:00.000Z")
    assert future.product_type is ProductType.FUTURE
    spot = parse_instrument(
        _variant(
            symbol="XBT_USDT",
            typ="IFXXXP",
            quoteCurrency="USDT",
            settlCurrency="USDt",
            multiplier=1,
            underlyingToPositionMultiplier=1000000,
        ),
        TS,
    )
    assert isinstance(spot, SpotPair)
    assert spot.base_currency == "XBT"
    assert spot.quote_currency == "USDT"
    assert spot.multiplier == Quantity.from_str("0.000001")


def test_index_skipped_quietly_and_bad_record_with_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(UnsupportedInstrument):
        parse_instrument(_variant(symbol=".BXBT", typ="MRCXXX"), TS)
    records = [_variant(symbol=".BXBT", typ="MRCXXX"), _variant(tickSize=None), _variant()]
    with caplog.at_level("WARNING"):
        parsed = parse_instruments(records, TS)
    assert [i.raw_symbol.value for i in parsed] == ["XBTUSD"]
    assert "missing tickSize" in caplog.text
    assert ".BXBT" not in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        parse_instruments(records, TS, warn=False)
    assert caplog.text == ""


def test_quote_tick(xbtusd: Instrument) -> None:
    message = load("ws_quote.json")
    assert (message["table"], message["action"]) == ("quote", "insert")
    row = message["data"][0]
    quote = parse_quote_tick(row, xbtusd, TS)
    assert quote is not None
    assert quote.instrument_id == xbtusd.id
    assert (str(quote.bid_price), str(quote.ask_price)) == ("2443.2", "2447.4")
    assert (quote.bid_size, quote.ask_size) == (Quantity.from_int(62), Quantity.from_int(40))
    assert quote.ts_event == parse_timestamp_ns("2017-05-25T19:43:27.493Z")
    assert parse_quote_tick({**row, "bidPrice": None}, xbtusd, TS) is None


def test_trade_ticks(xbtusd: Instrument) -> None:
    partial = load("ws_trade_partial.json")
    assert partial["action"] == "partial"
    trade = parse_trade_tick(partial["data"][0], xbtusd, TS)
    assert trade.price == Price.from_str("11584.0")
    assert trade.size == Quantity.from_int(8)
    assert trade.aggressor_side is AggressorSide.SELLER
    assert trade.trade_id.value == "27f4fd76-6413-9b93-4faa-b2fd03d84581"
    insert = parse_trade_tick(recorded("nautilus/ws_trade.json"), xbtusd, TS)
    assert (str(insert.price), insert.size) == ("98570.9", Quantity.from_int(100))
    assert insert.aggressor_side is AggressorSide.SELLER
    assert insert.trade_id.value == "00000000-006d-1000-0000-000e8737d536"
    assert insert.ts_event == parse_timestamp_ns("2024-11-24T08:15:38.704Z")


def test_order_book_l2_partial_insert_update_delete(xbtusd: Instrument) -> None:
    state = OrderBookL2State(xbtusd)
    book = OrderBook(xbtusd.id)
    insert = load("ws_orderbook_l2_insert.json")
    # Rows before the partial are dropped.
    assert state.apply("insert", insert["data"], TS) is None
    # BitMEX publishes no orderBookL2 partial with rows: an empty one (the shape of its own
    # empty order partial) starts the book, then BitMEX's insert / update / delete example of
    # one bid level at 26902 (id 8797309800).
    snapshot = state.apply("partial", [], TS)
    assert snapshot is not None and snapshot.is_snapshot
    assert [d.action for d in snapshot.deltas] == [BookAction.CLEAR]
    book.apply(snapshot)
    assert book.best_bid() is None and book.best_ask() is None
    for name, size in (
        ("ws_orderbook_l2_insert.json", 32800),
        ("ws_orderbook_l2_update.json", 42800),
    ):
        message = load(name)
        deltas = state.apply(message["action"], message["data"], TS)
        assert deltas is not None and not deltas.is_snapshot
        assert deltas.deltas[-1].ts_event == parse_timestamp_ns(message["data"][0]["timestamp"])
        book.apply(deltas)
        assert book.best_bid().price == Price.from_str("26902.0")
        assert book.best_bid().size == Quantity.from_int(size)
    assert book.best_ask() is None
    delete = load("ws_orderbook_l2_delete.json")
    deltas = state.apply("delete", delete["data"], TS)
    assert deltas is not None and deltas.deltas[0].action is BookAction.DELETE
    assert deltas.deltas[0].order.price == Price.from_str("26902.0")
    book.apply(deltas)
    assert book.best_bid() is None
    # A partial holding the documented row: it replaces the book's state.
    snapshot = state.apply("partial", insert["data"], TS)
    assert snapshot is not None and snapshot.is_snapshot and len(snapshot.deltas) == 2
    # Before April 2023 BitMEX sent updates/deletes without a price (the blog post cited in
    # SOURCES.md): a level is then found by its id in the state of the current partial.
    row = insert["data"][0]
    by_id = state.apply("delete", [{k: v for k, v in row.items() if k != "price"}], TS)
    assert by_id is not None and by_id.deltas[0].action is BookAction.DELETE
    assert by_id.deltas[0].order.price == Price.from_str("26902.0")
    state.reset()
    assert state.apply("update", load("ws_orderbook_l2_update.json")["data"], TS) is None


def test_order_book_10_snapshot(xbtusd: Instrument) -> None:
    # Each orderBook10 row is a whole top-10 snapshot: a later row replaces every level.
    row = recorded("nautilus/ws_orderbook_10.json")
    book = OrderBook(xbtusd.id)
    deltas = parse_book10_snapshot(row, xbtusd, TS)
    book.apply(deltas)
    assert deltas.is_snapshot
    assert (book.bid_count, book.ask_count) == (10, 10)
    assert book.best_bid().price == Price.from_str("98490.3")
    assert book.best_ask().price == Price.from_str("98490.4")
    assert book.best_ask().size == Quantity.from_int(17600)
    thinner = {**row, "bids": row["bids"][1:], "asks": row["asks"][:3]}
    book.apply(parse_book10_snapshot(thinner, xbtusd, TS))
    assert (book.bid_count, book.ask_count) == (9, 3)
    assert book.best_bid().price == Price.from_str("98485.4")


def test_mark_and_index_of_an_instrument_row(xbtusd: Instrument) -> None:
    record = xbtusd_record()
    mark = parse_mark_price(record, xbtusd, TS)
    assert mark is not None and mark.value == Price.from_str("97849.8")  # tick 0.1, half-even
    index = parse_index_price(record, xbtusd, TS)
    assert index is not None and index.value == Price.from_str("97843.8")  # 97843.77
    assert index.ts_event == parse_timestamp_ns("2024-11-24T23:33:19.034Z")
    # An instrument update carrying only the mark price has no index price.
    mark_only = {k: record[k] for k in ("symbol", "markPrice", "fairPrice", "timestamp")}
    assert parse_index_price(mark_only, xbtusd, TS) is None
    from_instrument = parse_instrument_funding_rate(record, xbtusd.id, TS)
    assert from_instrument is not None
    assert from_instrument.rate == Decimal("0.00011")
    assert from_instrument.next_funding_ns == parse_timestamp_ns("2024-11-25T04:00:00.000Z")


def test_pegged_order_record(xbtusd: Instrument) -> None:
    # No published record of a Pegged order exists; this is the documented order row with the
    # peg fields set as POST /order documents them (ordType Pegged, pegPriceType, pegOffsetValue)
    # and the derived price BitMEX reports in ``price``.
    row = {
        **load("ws_order.json")["data"][0],
        "ordType": "Pegged",
        "pegPriceType": "PrimaryPeg",
        "pegOffsetValue": -0.5,
        "price": 11390,
    }
    report = parse_order_status_report(row, xbtusd, TS)
    assert (report.order_type, report.price) == (OrderType.PEGGED, Price.from_str("11390.0"))
    assert report.trailing_offset is None and report.trigger_price is None
    assert (report.peg_price_type, report.peg_offset) == (
        PegPriceType.PRIMARY,
        Price.from_str("-0.5"),
    )
    assert parse_peg(row) == (PegPriceType.PRIMARY, Decimal("-0.5"))
    no_offset = parse_order_status_report({**row, "pegOffsetValue": None}, xbtusd, TS)
    assert (no_offset.peg_price_type, no_offset.peg_offset) == (PegPriceType.PRIMARY, None)
    assert parse_peg({**row, "pegPriceType": "MarketPeg", "pegOffsetValue": None}) == (
        PegPriceType.MARKET,
        None,
    )
    # The documented (non-pegged) rows carry "" / null peg fields: no peg.
    assert parse_peg(load("ws_order.json")["data"][0]) == (None, None)
    plain = parse_order_status_report(load("ws_order.json")["data"][0], xbtusd, TS)
    assert (plain.peg_price_type, plain.peg_offset) == (None, None)
    trailing = {**row, "ordType": "Stop", "pegPriceType": "TrailingStopPeg", "stopPx": 11000}
    assert parse_peg(trailing) == (None, None)
    trailing_report = parse_order_status_report(trailing, xbtusd, TS)
    assert trailing_report.order_type is OrderType.TRAILING_STOP_MARKET
    # Its pegOffsetValue is the trailing offset, not a peg.
    assert (trailing_report.peg_offset, trailing_report.trailing_offset) == (None, Decimal("0.5"))
    stop_limit = parse_order_status_report({**trailing, "ordType": "StopLimit"}, xbtusd, TS)
    assert stop_limit.order_type is OrderType.TRAILING_STOP_LIMIT
    assert (stop_limit.price, stop_limit.peg_price_type) == (Price.from_str("11390.0"), None)


def test_order_status_report(xbtusd: Instrument) -> None:
    message = load("ws_order.json")
    assert (message["table"], message["action"]) == ("order", "insert")
    row = message["data"][0]
    report = parse_order_status_report(row, xbtusd, TS)
    assert report.venue_order_id.value == "ff4dde97-542f-45b2-b8f8-b150b544cd6a"
    assert report.client_order_id is None  # "" is missing
    assert (report.order_side, report.order_type, report.time_in_force) == (
        OrderSide.BUY,
        OrderType.LIMIT,
        TimeInForce.GTC,
    )
    assert report.order_status is OrderStatus.ACCEPTED
    assert report.price == Price.from_str("11390.5")
    assert (report.quantity, report.filled_qty) == (Quantity.from_int(1), Quantity.from_int(0))
    assert report.avg_px is None and report.trigger_price is None  # JSON nulls
    assert report.display_qty is None
    assert report.account_id is not None and report.account_id.value == "BITMEX-22"
    assert report.ts_accepted == parse_timestamp_ns("2020-10-12T18:11:54.184Z")
    assert not report.post_only and not report.reduce_only
    # The clOrdID of apiKeysUsage's POST /order example, on the same record.
    named = parse_order_status_report(
        {**row, "clOrdID": "mm_bitmex_1a/oemUeQ4CAJZgP3fjHsA"}, xbtusd, TS
    )
    assert named.client_order_id is not None
    assert named.client_order_id.value == "mm_bitmex_1a/oemUeQ4CAJZgP3fjHsA"


def test_order_status_report_from_new_execution() -> None:
    # BitMEX's own execution record of a new market order on the linear XBTUSDT contract.
    record = load("execution_new_order_record.json")
    xbtusdt = parse_instrument(
        _variant(symbol="XBTUSDT", quoteCurrency="USDT", settlCurrency="USDt", isInverse=False),
        TS,
    )
    report = parse_order_status_report(record, xbtusdt, TS)
    assert report.venue_order_id.value == "f0d90296-d9ed-4ad5-891e-64fd37080174"
    assert report.client_order_id is None  # no clOrdID in the record
    assert (report.order_side, report.order_type, report.time_in_force) == (
        OrderSide.BUY,
        OrderType.MARKET,
        TimeInForce.IOC,
    )
    assert report.order_status is OrderStatus.ACCEPTED
    assert report.price is None  # a market order has no limit price
    assert (report.quantity, report.filled_qty) == (Quantity.from_int(100), Quantity.from_int(0))
    assert report.account_id is not None and report.account_id.value == "BITMEX-418378"
    assert report.ts_accepted == parse_timestamp_ns("2026-05-26T03:06:45.296Z")
    assert report.ts_last == parse_timestamp_ns("2026-05-26T03:06:45.297Z")
    assert report.cancel_reason is None


def test_fill_report_commission_in_satoshis(xbtusd: Instrument) -> None:
    # BitMEX publishes no Trade execution with values: BitMEX's own New execution record
    # with the fields a Trade execution fills in (the execution table's lastQty, lastPx,
    # lastLiquidityInd, execComm, trdMatchID), on the inverse XBTUSD settled in XBt.
    record = {
        **load("execution_new_order_record.json"),
        "symbol": "XBTUSD",
        "currency": "USD",
        "settlCurrency": "XBt",
        "execType": "Trade",
        "side": "Sell",
        "lastQty": 100,
        "lastPx": 98950.0,
        "lastLiquidityInd": "AddedLiquidity",
        "execComm": 76,
        "trdMatchID": "00000000-006d-1000-0000-00013d33d811",
    }
    fill = parse_fill_report(record, xbtusd, TS)
    assert fill.trade_id.value == "00000000-006d-1000-0000-00013d33d811"
    assert fill.order_side is OrderSide.SELL
    assert (fill.last_qty, fill.last_px) == (Quantity.from_int(100), Price.from_str("98950.0"))
    assert fill.commission == Money("0.00000076", "XBT")  # 76 satoshis
    assert fill.liquidity_side is LiquiditySide.MAKER
    taker = parse_fill_report({**record, "lastLiquidityInd": "RemovedLiquidity"}, xbtusd, TS)
    assert taker.liquidity_side is LiquiditySide.TAKER


def test_position_report() -> None:
    # ccxt's recorded LTCUSDT position (../shared/venue-payloads/bitmex).
    (row,) = recorded("ccxt_static.json")["fetchPositions fetch linear position"]
    ltcusdt = parse_instrument(recorded("fixtures.json")["LTCUSDT"], TS)
    report = parse_position_status_report(row, ltcusdt, TS)
    assert report.position_side is PositionSide.LONG
    assert report.quantity == Quantity.from_int(1000)
    assert report.avg_px_open == Decimal("86.65")
    assert report.unrealized_pnl == Money("0.006500", "USDT")
    flat = parse_position_status_report({**row, "currentQty": 0}, ltcusdt, TS)
    assert flat.position_side is PositionSide.FLAT and not flat.quantity
    short = parse_position_status_report({**row, "currentQty": -1000}, ltcusdt, TS)
    assert short.position_side is PositionSide.SHORT and short.quantity == Quantity.from_int(1000)


def test_account_state_from_margin_and_wallet() -> None:
    # BitMEX publishes no margin or wallet row with values: rows of the fields the margin
    # and wallet tables define (amounts in XBt satoshis), with values chosen here.
    margin = {
        "account": 22,
        "currency": "XBt",
        "walletBalance": 100_000_000,
        "marginBalance": 100_010_000,
        "availableMargin": 99_990_000,
        "initMargin": 5_000,
        "maintMargin": 15_000,
        "timestamp": "2024-11-25T10:35:00.789Z",
    }
    wallet = {"account": 22, "currency": "XBt", "amount": 100_000_000}
    state = parse_account_state([margin], TS, [wallet])
    balance = state.balance("XBT")
    assert balance is not None
    assert balance.total == Money("1.00010000", "XBT")  # marginBalance
    assert balance.free == Money("0.99990000", "XBT")  # availableMargin
    assert balance.locked == Money("0.00020000", "XBT")
    assert state.margins[0].initial == Money("0.00005000", "XBT")
    assert state.margins[0].maintenance == Money("0.00015000", "XBT")
    assert len(state.balances) == 1  # the wallet's XBt is the same currency
    assert minor_to_money(100005180, "XBt") == Money("1.00005180", "XBT")


def test_memoized_quote_and_trade_equal_the_checked_construction(xbtusd: Instrument) -> None:
    """The hot paths memoize by the JSON number (the second parse is a memo hit) and build
    with trusted constructors: the result is what the checked constructors build."""
    from tradeport.model.data import QuoteTick, TradeTick
    from tradeport.model.identifiers import TradeId
    from tradeport_bitmex.conversions import price_of, qty_of

    row = load("ws_quote.json")["data"][0]
    expected = QuoteTick(
        xbtusd.id,
        price_of(xbtusd, row["bidPrice"]),
        price_of(xbtusd, row["askPrice"]),
        qty_of(xbtusd, row["bidSize"]),
        qty_of(xbtusd, row["askSize"]),
        parse_timestamp_ns(row["timestamp"]),
        TS,
    )
    for _ in range(2):
        quote = parse_quote_tick(row, xbtusd, TS)
        assert type(quote) is QuoteTick and quote == expected and hash(quote) == hash(expected)
    # Float noise is rounded to the tick as before, also when the memo already holds 2443.2.
    noisy = parse_quote_tick({**row, "bidPrice": 2443.2000000000003}, xbtusd, TS)
    assert noisy is not None and noisy.bid_price == Price.from_str("2443.2")
    trade_row = recorded("nautilus/ws_trade.json")
    expected_trade = TradeTick(
        xbtusd.id,
        price_of(xbtusd, trade_row["price"]),
        qty_of(xbtusd, trade_row["size"]),
        AggressorSide.SELLER,
        TradeId(trade_row["trdMatchID"]),
        parse_timestamp_ns(trade_row["timestamp"]),
        TS,
    )
    for _ in range(2):
        trade = parse_trade_tick(trade_row, xbtusd, TS)
        assert type(trade) is TradeTick and trade == expected_trade


def test_unhashable_number_takes_the_checked_path(xbtusd: Instrument) -> None:
    row = load("ws_quote.json")["data"][0]
    with pytest.raises(ValueError, match="not a number"):
        parse_quote_tick({**row, "bidSize": {"size": 1}}, xbtusd, TS)
    trade_row = recorded("nautilus/ws_trade.json")
    with pytest.raises(ValueError, match="not a number"):
        parse_trade_tick({**trade_row, "size": [12]}, xbtusd, TS)


def test_book_rows_keep_their_own_timestamps(xbtusd: Instrument) -> None:
    state = OrderBookL2State(xbtusd)
    state.apply("partial", [], TS)
    row = load("ws_orderbook_l2_insert.json")["data"][0]
    later = {**row, "id": row["id"] + 1, "price": 26901.5, "timestamp": "2023-04-04T10:00:01.250Z"}
    undated = {k: v for k, v in row.items() if k != "timestamp"}
    undated.update(id=row["id"] + 2, price=26901.0)
    deltas = state.apply("insert", [row, later, undated], TS)
    assert deltas is not None
    assert [d.ts_event for d in deltas.deltas] == [
        parse_timestamp_ns(row["timestamp"]),
        parse_timestamp_ns("2023-04-04T10:00:01.250Z"),
        TS,
    ]
    assert [str(d.order.price) for d in deltas.deltas] == ["26902.0", "26901.5", "26901.0"]


@pytest.mark.parametrize(
    "text",
    [
        "2024-11-24T08:26:22.356Z",
        "2024-11-24T08:26:59.999Z",
        "2024-11-24T08:26:00.000Z",
        "2024-11-24T08:27:00.001Z",
        "2024-11-24T08:26:22.356+00:00",
        "2024-11-24T08:26:22Z",
    ],
)
def test_timestamp_fast_path_equals_the_datetime_parse(text: str) -> None:
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(text).astimezone(UTC)
    expected = int(moment.timestamp()) * 10**9 + moment.microsecond * 1000
    parse_timestamp_ns("2024-11-24T08:26:10.000Z")  # the minute is known: the fast path
    assert parse_timestamp_ns(text) == parse_timestamp_ns(text) == expected


@pytest.mark.parametrize(
    "text", ["2024-11-24T08:26:60.000Z", "2024-11-24T08:26:2x.356Z", "2024-11-24T08:26:+1.356Z"]
)
def test_timestamp_fast_path_refuses_what_the_datetime_parse_refuses(text: str) -> None:
    parse_timestamp_ns("2024-11-24T08:26:10.000Z")
    with pytest.raises(ValueError):
        parse_timestamp_ns(text)


def test_timestamp_minute_cache_only_learns_bitmex_shape() -> None:
    from tradeport_bitmex.conversions import _MINUTES

    parse_timestamp_ns("2024-11-24 08:26:22.356Z")  # valid ISO, not BitMEX's shape
    assert "2024-11-24 08:26:" not in _MINUTES
    assert parse_timestamp_ns("2024-11-24 08:26:23.356Z") == parse_timestamp_ns(
        "2024-11-24T08:26:23.356Z"
    )
