"""DBN records -> tradeport objects. Records are encoded here with databento-dbn (the official
encoder), from documented values where the docs show a record."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import databento_dbn as dbn
import pytest
from tradeport.model.data import RecordFlag
from tradeport.model.enums import (
    AggressorSide,
    BookAction,
    BookType,
    MarketStatus,
    OptionKind,
    OrderSide,
    ProductType,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.model.numbers import Price
from tradeport_databento.data import MboBook
from tradeport_databento.decode import DbnStream
from tradeport_databento.parse import (
    RecordContext,
    fixed_to_decimal,
    parse_instrument,
    parse_instrument_status,
    parse_mbp10_deltas,
    parse_quote_tick,
    parse_statistic,
    parse_trade_tick,
    price_precision_of,
)

DATA = Path(__file__).parent / "test_data"
TS = 1_796_600_000_000_000_000


def _iso_ns(text: str) -> int:
    whole, _, frac = text.rstrip("Z").partition(".")
    base = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.UTC)
    return int(base.timestamp()) * 1_000_000_000 + int(frac.ljust(9, "0"))


def _decode(*records: object) -> list:
    stream = DbnStream(has_metadata=False)
    return stream.feed(b"".join(bytes(r) for r in records))


def _definition(**kw: object) -> object:
    base = dict(
        publisher_id=1,
        instrument_id=42,
        ts_event=TS,
        ts_recv=TS,
        min_price_increment=250_000_000,
        display_factor=1_000_000_000,
        raw_symbol="ESZ6",
        asset="ES",
        security_type="FUT",
        instrument_class=dbn.InstrumentClass.FUTURE,
        security_update_action=dbn.SecurityUpdateAction.ADD,
        expiration=TS + 10**15,
        activation=TS - 10**15,
        unit_of_measure_qty=50_000_000_000,
        currency="USD",
        exchange="XCME",
        min_lot_size_round_lot=1,
    )
    base.update(kw)
    (record,) = _decode(dbn.InstrumentDefMsg(**base))
    return record


@pytest.fixture
def es() -> RecordContext:
    return RecordContext(parse_instrument(_definition(), "XCME", TS))


def test_documented_trade_record() -> None:
    doc = json.loads((DATA / "xnys_trades_T.json").read_text())
    row = dict(zip(doc["columns"], doc["rows"][0], strict=True))
    record = dbn.TradeMsg(
        row["publisher_id"],
        row["instrument_id"],
        _iso_ns(row["ts_event"]),
        int(Decimal(row["price"]) * 10**9),
        row["size"],
        dbn.Action.TRADE,
        dbn.Side.NONE,
        row["depth"],
        _iso_ns(row["ts_recv"]),
        flags=row["flags"],
        ts_in_delta=row["ts_in_delta"],
        sequence=row["sequence"],
    )
    (decoded,) = _decode(record)
    equity = dbn.InstrumentDefMsg(
        19,
        15565,
        TS,
        TS,
        10_000_000,
        1_000_000_000,
        "T",
        "T",
        "STK",
        dbn.InstrumentClass.STOCK,
        dbn.SecurityUpdateAction.ADD,
        exchange="XNYS",
        currency="USD",
        min_lot_size_round_lot=100,
    )
    (definition,) = _decode(equity)
    ctx = RecordContext(parse_instrument(definition, "XNYS", TS))
    tick = parse_trade_tick(decoded, ctx, TS)
    assert tick.instrument_id == InstrumentId.from_str("T.XNYS")
    assert tick.price == Price("15.03") or tick.price.as_decimal() == Decimal("15.025")
    assert tick.price.as_decimal() == Decimal("15.025")  # exact: not rounded to the 0.01 tick
    assert tick.size.as_decimal() == 2 and tick.aggressor_side is AggressorSide.NO_AGGRESSOR
    assert str(tick.trade_id) == "11584" and tick.ts_event == _iso_ns(row["ts_event"])


def test_prices_keep_the_instrument_precision_exactly(es: RecordContext) -> None:
    assert price_precision_of(250_000_000) == 2 and price_precision_of(1) == 9
    assert es.price(5_000_250_000_000) == Price("5000.25")
    assert es.price(5_000_250_000_000).precision == 2
    odd = es.price(5_000_000_000_001)
    assert odd.as_decimal() == Decimal("5000.000000001") and odd.precision == 9
    assert fixed_to_decimal(dbn.UNDEF_PRICE) is None


def test_trade_and_quote(es: RecordContext) -> None:
    trade, quote, empty = _decode(
        dbn.TradeMsg(
            1,
            42,
            TS,
            5_000_250_000_000,
            3,
            dbn.Action.TRADE,
            dbn.Side.ASK,
            0,
            TS,
            flags=dbn.F_LAST,
            sequence=77,
        ),
        dbn.MBP1Msg(
            1,
            42,
            TS,
            5_000_000_000_000,
            4,
            dbn.Action.ADD,
            dbn.Side.BID,
            0,
            TS,
            levels=dbn.BidAskPair(5_000_000_000_000, 5_000_250_000_000, 4, 9, 1, 2),
        ),
        dbn.MBP1Msg(
            1,
            42,
            TS,
            dbn.UNDEF_PRICE,
            0,
            dbn.Action.CLEAR,
            dbn.Side.NONE,
            0,
            TS,
            levels=dbn.BidAskPair(),
        ),
    )
    tick = parse_trade_tick(trade, es, TS + 1)
    assert (tick.aggressor_side, str(tick.trade_id), tick.ts_init) == (
        AggressorSide.SELLER,
        "77",
        TS + 1,
    )
    q = parse_quote_tick(quote, es, TS)
    assert (str(q.bid_price), str(q.ask_price), str(q.bid_size), str(q.ask_size)) == (
        "5000.00",
        "5000.25",
        "4",
        "9",
    )
    assert parse_quote_tick(empty, es, TS) is None


def test_definitions_of_every_family() -> None:
    future = parse_instrument(_definition(), "XCME", TS)
    assert future.product_type is ProductType.FUTURE
    assert (str(future.id), str(future.price_increment), str(future.multiplier)) == (
        "ESZ6.XCME",
        "0.25",
        "50",
    )
    assert future.expiry_ns == TS + 10**15 and future.info["instrument_id"] == 42
    option = parse_instrument(
        _definition(
            raw_symbol="ESZ6 C6000",
            instrument_class=dbn.InstrumentClass.CALL,
            security_type="OOF",
            min_price_increment=50_000_000,
            strike_price=6_000_000_000_000,
            underlying="ESZ6",
            instrument_id=44,
        ),
        "XCME",
        TS,
    )
    assert option.product_type is ProductType.FUTURE_OPTION  # "OOF": an option on a future
    assert option.option_kind is OptionKind.CALL and str(option.underlying_id) == "ESZ6.XCME"
    assert (str(option.strike_price), str(option.price_increment)) == ("6000.00", "0.05")
    put = parse_instrument(
        _definition(
            raw_symbol="AAPL  261218P00200000",
            instrument_class=dbn.InstrumentClass.PUT,
            security_type="OPT",
            min_price_increment=10_000_000,
            strike_price=200_000_000_000,
            underlying="AAPL",
            exchange="OPRA",
        ),
        "OPRA",
        TS,
    )
    assert put.product_type is ProductType.OPTION and put.option_kind is OptionKind.PUT
    spread = parse_instrument(
        _definition(raw_symbol="ESZ6-ESH7", instrument_class=dbn.InstrumentClass.FUTURE_SPREAD),
        "XCME",
        TS,
    )
    assert spread.product_type is ProductType.FUTURE
    stock = parse_instrument(
        _definition(
            raw_symbol="AAPL",
            instrument_class=dbn.InstrumentClass.STOCK,
            min_price_increment=10_000_000,
            exchange="XNAS",
            security_type="STK",
        ),
        "XNAS",
        TS,
    )
    assert stock.product_type is ProductType.EQUITY and str(stock.id) == "AAPL.XNAS"
    with pytest.raises(ValueError, match="min_price_increment"):
        parse_instrument(_definition(min_price_increment=0), "XCME", TS)


def test_mbo_book_from_a_snapshot_with_size_zero_records(es: RecordContext) -> None:
    snap = dbn.F_SNAPSHOT
    records = _decode(
        dbn.MBOMsg(
            1,
            42,
            TS,
            0,
            dbn.UNDEF_PRICE,
            0,
            dbn.Action.CLEAR,
            dbn.Side.NONE,
            TS,
            flags=snap,
            sequence=5,
        ),
        dbn.MBOMsg(
            1,
            42,
            TS,
            11,
            5_000_000_000_000,
            3,
            dbn.Action.ADD,
            dbn.Side.BID,
            TS,
            flags=snap,
            sequence=5,
        ),
        # A size-0 snapshot record (no order behind it): changes nothing.
        dbn.MBOMsg(
            1,
            42,
            TS,
            0,
            4_999_750_000_000,
            0,
            dbn.Action.ADD,
            dbn.Side.BID,
            TS,
            flags=snap,
            sequence=5,
        ),
        dbn.MBOMsg(
            1,
            42,
            TS,
            12,
            5_000_000_000_000,
            2,
            dbn.Action.ADD,
            dbn.Side.BID,
            TS,
            flags=snap,
            sequence=5,
        ),
        dbn.MBOMsg(
            1,
            42,
            TS,
            13,
            5_000_500_000_000,
            4,
            dbn.Action.ADD,
            dbn.Side.ASK,
            TS,
            flags=snap | dbn.F_LAST,
            sequence=5,
        ),
    )
    book = MboBook(es)
    outputs = [book.on_record(r, TS) for r in records]
    assert outputs[:-1] == [None] * 4
    batch = outputs[-1]
    assert batch.deltas[0].action is BookAction.CLEAR and batch.is_snapshot
    assert book.book.book_type is BookType.L3_MBO and book.synced.is_set()
    assert [(str(lvl.price), str(lvl.size)) for lvl in book.book.bids()] == [("5000.00", "5")]
    # Partial cancel of 1 from order 11 -> UPDATE to 2; full cancel of 12 -> DELETE; trade: no-op.
    partial, full, trade = _decode(
        dbn.MBOMsg(
            1,
            42,
            TS,
            11,
            5_000_000_000_000,
            1,
            dbn.Action.CANCEL,
            dbn.Side.BID,
            TS,
            flags=0,
            sequence=6,
        ),
        dbn.MBOMsg(
            1,
            42,
            TS,
            12,
            5_000_000_000_000,
            2,
            dbn.Action.CANCEL,
            dbn.Side.BID,
            TS,
            flags=0,
            sequence=6,
        ),
        dbn.MBOMsg(
            1,
            42,
            TS,
            0,
            5_000_500_000_000,
            1,
            dbn.Action.TRADE,
            dbn.Side.BID,
            TS,
            flags=dbn.F_LAST,
            sequence=6,
        ),
    )
    assert book.on_record(partial, TS) is None and book.on_record(full, TS) is None
    deltas = book.on_record(trade, TS)
    assert [d.action for d in deltas.deltas] == [BookAction.UPDATE, BookAction.DELETE]
    assert deltas.deltas[0].order.size.as_decimal() == 2 and deltas.deltas[0].order.order_id == 11
    assert deltas.flags & RecordFlag.F_LAST
    assert [(str(lvl.price), str(lvl.size)) for lvl in book.book.bids()] == [("5000.00", "2")]
    # Modify moves the order: 13 to a better ask.
    (modify,) = _decode(
        dbn.MBOMsg(
            1,
            42,
            TS,
            13,
            5_000_250_000_000,
            4,
            dbn.Action.MODIFY,
            dbn.Side.ASK,
            TS,
            flags=dbn.F_LAST,
            sequence=7,
        ),
    )
    book.on_record(modify, TS)
    assert str(book.book.best_ask().price) == "5000.25"


def test_mbp10_is_a_top_of_book_snapshot(es: RecordContext) -> None:
    levels = [
        dbn.BidAskPair(
            5_000_000_000_000 - i * 250_000_000,
            5_000_250_000_000 + i * 250_000_000,
            i + 1,
            i + 2,
            1,
            1,
        )
        for i in range(3)
    ] + [dbn.BidAskPair() for _ in range(7)]
    (record,) = _decode(
        dbn.MBP10Msg(
            1,
            42,
            TS,
            5_000_000_000_000,
            1,
            dbn.Action.ADD,
            dbn.Side.BID,
            0,
            TS,
            flags=dbn.F_LAST,
            levels=levels,
        )
    )
    deltas = parse_mbp10_deltas(record, es, TS)
    assert deltas.is_snapshot
    from tradeport.book import OrderBook

    book = OrderBook(es.instrument_id, BookType.L2_MBP)
    book.apply_deltas(deltas)
    assert [(str(lv.price), str(lv.size)) for lv in book.bids()] == [
        ("5000.00", "1"),
        ("4999.75", "2"),
        ("4999.50", "3"),
    ]
    assert [str(lv.price) for lv in book.asks()] == ["5000.25", "5000.50", "5000.75"]


def test_status_and_statistics(es: RecordContext) -> None:
    status, stat, oi = _decode(
        dbn.StatusMsg(1, 42, TS, TS, action=dbn.StatusAction.HALT),
        dbn.StatMsg(
            1,
            42,
            TS,
            TS,
            TS - 1,
            5_012_500_000_000,
            dbn.UNDEF_STAT_QUANTITY,
            dbn.StatType.SETTLEMENT_PRICE,
            sequence=9,
        ),
        dbn.StatMsg(
            1,
            42,
            TS,
            TS,
            dbn.UNDEF_TIMESTAMP,
            dbn.UNDEF_PRICE,
            2_345_678,
            dbn.StatType.OPEN_INTEREST,
        ),
    )
    s = parse_instrument_status(status, es, TS)
    assert s.status is MarketStatus.HALTED and s.instrument_id == es.instrument_id
    settlement = parse_statistic(stat, es, TS)
    assert settlement.stat_type == "SETTLEMENT_PRICE" and settlement.price == Decimal("5012.5")
    assert settlement.quantity is None and settlement.ts_ref == TS - 1
    interest = parse_statistic(oi, es, TS)
    assert (interest.stat_type, interest.quantity, interest.price) == (
        "OPEN_INTEREST",
        2_345_678,
        None,
    )


def test_side_mapping_of_book_records() -> None:
    from tradeport_databento.enums import BOOK_SIDE

    assert BOOK_SIDE[dbn.Side.BID] is OrderSide.BUY and BOOK_SIDE[dbn.Side.ASK] is OrderSide.SELL


def test_bbo_and_imbalance(es: RecordContext) -> None:
    from tradeport_databento.parse import parse_imbalance

    bbo, imbalance = _decode(
        dbn.BBOMsg(
            dbn.RType.BBO_1S,
            1,
            42,
            TS,
            5_000_000_000_000,
            1,
            dbn.Side.BID,
            TS,
            levels=dbn.BidAskPair(5_000_000_000_000, 5_000_500_000_000, 7, 8, 1, 1),
        ),
        dbn.ImbalanceMsg(
            1,
            42,
            TS,
            TS,
            5_001_000_000_000,
            TS + 60,
            5_001_250_000_000,
            dbn.UNDEF_PRICE,
            1200,
            3400,
            "O",
            dbn.Side.ASK,
            "L",
        ),
    )
    quote = parse_quote_tick(bbo, es, TS)
    assert (str(quote.bid_price), str(quote.ask_price), str(quote.bid_size)) == (
        "5000.00",
        "5000.50",
        "7",
    )
    data = parse_imbalance(imbalance, es, TS)
    assert data.ref_price == Decimal("5001") and data.cont_book_clr_price == Decimal("5001.25")
    assert data.auct_interest_clr_price is None and data.side is OrderSide.SELL
    assert (data.paired_qty, data.total_imbalance_qty, data.auction_type) == (1200, 3400, "O")
