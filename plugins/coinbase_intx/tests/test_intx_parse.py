"""Parsers against the documentation examples (test_data/SOURCES.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradeport.model.data import BarSpecification, BarType, RecordFlag
from tradeport.model.enums import (
    AggressorSide,
    BarAggregation,
    BookAction,
    MarketStatus,
    OrderSide,
    PriceType,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Perpetual

from tradeport_coinbase_intx.intx_parse import (
    decimal_text,
    parse_book,
    parse_candles,
    parse_instrument,
    parse_instrument_status,
    parse_level1,
    parse_match,
    rfc3339_ns,
)

DATA = Path(__file__).parent / "test_data"
BTC_PERP = InstrumentId.from_str("BTC-PERP.COINBASE_INTX")


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def test_documented_instrument_with_json_numbers() -> None:
    (record,) = load("rest_list_instruments_doc.json")
    instrument = parse_instrument(record, 1)
    assert isinstance(instrument, Perpetual)
    assert instrument.id == InstrumentId.from_str("BTC-USDC.COINBASE_INTX")
    assert str(instrument.price_increment) == "0.01"
    assert str(instrument.size_increment) == "0.000001"
    assert str(instrument.min_quantity) == "0.0001"
    assert instrument.min_notional is not None
    assert instrument.min_notional.as_decimal() == Decimal(10)
    assert instrument.ts_event == rfc3339_ns("2023-11-07T05:31:56Z")


def test_documented_instrument_margin_and_status() -> None:
    (record,) = load("rest_list_instruments_doc.json")
    instrument = parse_instrument(record, 1)
    assert instrument.margin_init == Decimal("0.1")  # base_imf
    assert instrument.quote_currency == "USDC"
    status = parse_instrument_status(record, 5)
    assert status.status is MarketStatus.OPEN  # trading_state TRADING
    assert status.ts_event == 5
    halted = parse_instrument_status({**record, "trading_state": "PAUSED"}, 5)
    assert halted.status is not MarketStatus.OPEN


def test_instruments_channel_is_an_instrument_status() -> None:
    status = parse_instrument_status(load("ws_instruments_doc.json"), 1)
    assert status.instrument_id == BTC_PERP
    assert status.status is MarketStatus.OPEN
    assert status.ts_event == rfc3339_ns("2023-05-10T14:58:47.000Z")


def test_level1_quote() -> None:
    quote = parse_level1(load("ws_level1_doc.json"), None, 1)
    assert quote is not None
    assert (str(quote.bid_price), str(quote.bid_size)) == ("28787.8", "0.466")
    assert (str(quote.ask_price), str(quote.ask_size)) == ("28788.8", "1.566")
    assert quote.ts_event == rfc3339_ns("2023-05-10T14:58:47.547Z") == 1683730727547000000


def test_match_has_the_aggressor_side() -> None:
    trade = parse_match(load("ws_match_doc.json"), None, 1)
    assert trade.aggressor_side is AggressorSide.BUYER
    assert trade.trade_id.value == "177101110052388865"
    assert (str(trade.price), str(trade.size)) == ("28833.1", "0.006")
    sell = parse_match({**load("ws_match_doc.json"), "aggressor_side": "SELL"}, None, 1)
    assert sell.aggressor_side is AggressorSide.SELLER


def test_level2_snapshot_then_update() -> None:
    snapshot = parse_book(load("ws_level2_snapshot_doc.json"), None, 1)
    assert snapshot is not None
    actions = [d.action for d in snapshot.deltas]
    assert actions == [BookAction.CLEAR] + [BookAction.ADD] * 6
    assert all(d.flags & RecordFlag.F_SNAPSHOT for d in snapshot.deltas)
    assert snapshot.deltas[-1].flags & RecordFlag.F_LAST
    assert [d.order.side for d in snapshot.deltas[1:]] == [OrderSide.BUY] * 3 + [OrderSide.SELL] * 3
    assert (str(snapshot.deltas[1].order.price), str(snapshot.deltas[1].order.size)) == (
        "29100",
        "0.02",
    )
    update = parse_book(load("ws_level2_update_doc.json"), None, 1)
    assert update is not None
    assert [(d.action, str(d.order.price), str(d.order.size)) for d in update.deltas] == [
        (BookAction.UPDATE, "28787.7", "6")
    ]
    assert {d.sequence for d in update.deltas} == {1}
    # "A size of "0" indicates the price level can be removed."
    removal = {**load("ws_level2_update_doc.json"), "changes": [["BUY", "28787.7", "0"]]}
    removed = parse_book(removal, None, 1)
    assert removed is not None
    assert [d.action for d in removed.deltas] == [BookAction.DELETE]


def test_candle_update_is_a_bar_stamped_at_its_close() -> None:
    bar_type = BarType(
        BTC_PERP,
        BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST),
    )
    # The documented update carries its candle at the top level (no ``candles`` list).
    (bar,) = parse_candles(load("ws_candles_doc.json"), bar_type, None, 1)
    assert bar.ts_event == rfc3339_ns("2024-04-30T16:13:00.000Z")
    assert (str(bar.open), str(bar.high), str(bar.low), str(bar.close)) == (
        "0.13275",
        "0.13311",
        "0.13275",
        "0.13298",
    )
    assert bar.volume.as_decimal() == Decimal("351262")
    # A snapshot lists its candles.
    message = load("ws_candles_doc.json")
    candle = {k: message[k] for k in ("start", "open", "high", "low", "close", "volume")}
    snapshot = {**message, "type": "SNAPSHOT", "candles": [candle, candle]}
    for key in candle:
        snapshot.pop(key)
    assert parse_candles(snapshot, bar_type, None, 1) == [bar, bar]


def test_numbers_keep_their_digits() -> None:
    assert decimal_text(0.000001) == "0.000001"
    assert decimal_text(20001.75) == "20001.75"
    assert decimal_text("84323.6") == "84323.6"
