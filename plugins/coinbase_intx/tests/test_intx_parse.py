"""Parsers against the documentation examples and recorded payloads (test_data/SOURCES.md)."""

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


def test_recorded_btc_perp() -> None:
    instrument = parse_instrument(load("rest_instrument_btc_perp.json"), 1)
    assert instrument.id == BTC_PERP
    assert (instrument.price_precision, instrument.size_precision) == (1, 4)
    assert instrument.margin_init == Decimal("0.1")
    assert instrument.quote_currency == "USDC"
    status = parse_instrument_status(load("rest_instrument_btc_perp.json"), 5)
    assert status.status is MarketStatus.OPEN
    assert status.ts_event == 5


def test_instruments_channel_is_an_instrument_status() -> None:
    status = parse_instrument_status(load("ws_instruments_doc.json"), 1)
    assert status.instrument_id == BTC_PERP
    assert status.status is MarketStatus.OPEN
    assert status.ts_event == rfc3339_ns("2023-05-10T14:58:47.000Z")


def test_level1_quote() -> None:
    quote = parse_level1(load("ws_level1.json"), None, 1)
    assert quote is not None
    assert (str(quote.bid_price), str(quote.bid_size)) == ("84368.5", "2.608")
    assert (str(quote.ask_price), str(quote.ask_size)) == ("84368.6", "2.9453")
    assert quote.ts_event == 1741993539533000000


def test_match_has_the_aggressor_side() -> None:
    trade = parse_match(load("ws_match.json"), None, 1)
    assert trade.aggressor_side is AggressorSide.BUYER
    assert trade.trade_id.value == "423596942694547460"
    assert (str(trade.price), str(trade.size)) == ("84374", "0.0213")


def test_level2_snapshot_then_update() -> None:
    snapshot = parse_book(load("ws_level2_snapshot.json"), None, 1)
    assert snapshot is not None
    actions = [d.action for d in snapshot.deltas]
    assert actions == [BookAction.CLEAR] + [BookAction.ADD] * 6
    assert all(d.flags & RecordFlag.F_SNAPSHOT for d in snapshot.deltas)
    assert snapshot.deltas[-1].flags & RecordFlag.F_LAST
    assert [d.order.side for d in snapshot.deltas[1:]] == [OrderSide.BUY] * 3 + [OrderSide.SELL] * 3
    update = parse_book(load("ws_level2_update.json"), None, 1)
    assert update is not None
    assert [d.action for d in update.deltas] == [BookAction.DELETE, BookAction.UPDATE]
    assert {d.sequence for d in update.deltas} == {1}


def test_candles_are_stamped_at_their_close() -> None:
    bar_type = BarType(
        InstrumentId.from_str("ETH-PERP.COINBASE_INTX"),
        BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST),
    )
    (bar,) = parse_candles(load("ws_candles.json"), bar_type, None, 1)
    assert bar.ts_event == rfc3339_ns("2025-03-14T23:15:00Z")
    assert (str(bar.open), str(bar.low), str(bar.volume)) == ("1921.71", "1919.87", "11.2803")


def test_numbers_keep_their_digits() -> None:
    assert decimal_text(0.000001) == "0.000001"
    assert decimal_text(20001.75) == "20001.75"
    assert decimal_text("84323.6") == "84323.6"
