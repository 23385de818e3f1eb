"""Parsers on Polymarket's documented payloads (test_data/, SOURCES.md names each page)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tradeport.errors import ValidationError
from tradeport.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    ResolutionResult,
    SettlementStatus,
    TimeInForce,
)
from tradeport.model.identifiers import InstrumentId, Symbol
from tradeport.model.instruments import BinaryOutcome
from tradeport.model.numbers import Price, Quantity
from tradeport_polymarket.http.parse import (
    book_hash,
    parse_fill_reports,
    parse_instruments,
    parse_order_status_report,
    parse_time,
)
from tradeport_polymarket.symbology import instrument_id_of, token_id_of, venue_symbol
from tradeport_polymarket.websocket.parse import (
    last_hash,
    last_trade_id,
    parse_book_batch,
    parse_price_changes,
    parse_resolution,
    with_tick_size,
)

DATA = Path(__file__).parent / "test_data"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def token(token_id: str, tick: str = "0.01") -> BinaryOutcome:
    increment = Price.from_str(tick)
    return BinaryOutcome(
        id=instrument_id_of(token_id),
        raw_symbol=Symbol(token_id),
        quote_currency="pUSD",
        price_precision=increment.precision,
        size_precision=2,
        price_increment=increment,
        size_increment=Quantity.from_str("0.01"),
        ts_event=0,
        ts_init=0,
        condition_id="0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
        token_id=token_id,
        outcome="Yes",
    )


def test_book_hash_reproduces_the_sdk_vector() -> None:
    # The vector of py-clob-client-v2 tests/test_utilities.py
    # (test_generate_orderbook_summary_hash): its book and the hash it expects.
    book = {
        "market": "0xaabbcc",
        "asset_id": "100",
        "bids": [{"price": "0.3", "size": "100"}, {"price": "0.4", "size": "100"}],
        "asks": [{"price": "0.6", "size": "100"}, {"price": "0.7", "size": "100"}],
        "hash": "",
        "timestamp": "123456789",
        "min_order_size": "100",
        "neg_risk": False,
        "tick_size": "0.01",
        "last_trade_price": "0.5",
    }
    assert book_hash(book) == "0458ea5755c9f73d64a14636fa5c36ed460ec394"
    assert book_hash({**book, "timestamp": "123456790"}) != book_hash(book)


def test_book_event_is_a_snapshot_at_the_tick_precision() -> None:
    message = load("ws_book.json")
    instrument = token(message["asset_id"])
    batch = parse_book_batch(message, instrument, 1, None)
    deltas = batch.deltas
    assert deltas is not None and deltas.is_snapshot
    levels = {
        (d.order.side, str(d.order.price), str(d.order.size))
        for d in deltas.deltas
        if d.order is not None
    }
    assert (OrderSide.BUY, "0.50", "15.00") in levels and (
        OrderSide.SELL,
        "0.52",
        "25.00",
    ) in levels
    assert len(levels) == 6
    assert batch.last_sequence == 123456789000  # the venue timestamp orders the book
    assert deltas.ts_event == 123456789000 * 1_000_000


def test_price_change_entries_of_one_asset_update_its_book() -> None:
    message = load("ws_price_change.json")
    yes = token("71321045679252212594626385532706912750332728571942532289631379312455583992563")
    batch = parse_price_changes(message, yes, 1, 7)
    assert batch is not None and batch.checksum == 7
    [delta] = [d for d in batch.deltas.deltas if d.order is not None]  # type: ignore[union-attr]
    assert (delta.order.side, delta.order.price.as_decimal(), delta.order.size.as_decimal()) == (
        OrderSide.BUY,
        Decimal("0.5"),
        Decimal(200),
    )
    assert last_hash(message, yes.token_id) == "56621a121a47ed9333273e21c83b660cff37ae50"
    assert parse_price_changes(message, token("1"), 1, None) is None


def test_user_order_event_is_an_order_report() -> None:
    report = parse_order_status_report(load("ws_user_order.json"), None, 5)
    assert report.venue_order_id is not None
    assert report.venue_order_id.value.startswith("0xff354cd7")
    assert report.client_order_id is None  # the venue has no client order ids
    assert (report.order_side, report.order_status, report.time_in_force) == (
        OrderSide.SELL,
        OrderStatus.ACCEPTED,
        TimeInForce.GTD,
    )
    assert report.quantity.as_decimal() == 10 and report.price is not None
    assert report.price.as_decimal() == Decimal("0.57")
    assert report.expire_time_ns == 1234567 * 10**9
    assert report.ts_accepted == 1672290687 * 10**9


def test_user_trade_event_gives_our_maker_fill_provisionally() -> None:
    trade = load("ws_user_trade.json")
    ours = "9180014b-33c8-9240-a14b-bdca11c0a465"
    fills = parse_fill_reports(
        trade, lambda order_id, owner: owner == ours and order_id.startswith("0xff"), {}, 9
    )
    [fill] = fills
    assert str(fill.trade_id) == "28c4d2eb-bbea-40e7-a9f0-b2fdb56b2c2e"
    assert fill.venue_order_id.value.startswith("0xff354cd7")
    assert fill.liquidity_side is LiquiditySide.MAKER
    # The maker order sits on the other side of the BUY taker (the order event says SELL).
    assert fill.order_side is OrderSide.SELL
    assert (fill.last_qty.as_decimal(), fill.last_px.as_decimal()) == (Decimal(10), Decimal("0.57"))
    assert (fill.settlement, fill.settlement_detail) == (SettlementStatus.PROVISIONAL, "MATCHED")
    for status, settlement in (
        ("MINED", SettlementStatus.PROVISIONAL),
        ("CONFIRMED", SettlementStatus.FINAL),
        ("FAILED", SettlementStatus.REVERSED),
    ):
        [later] = parse_fill_reports(
            {**trade, "status": status}, lambda o, w: w == ours and o.startswith("0xff"), {}, 9
        )
        assert later.settlement is settlement and later.trade_id == fill.trade_id


def test_a_clob_market_is_two_outcome_tokens() -> None:
    market = {
        "condition_id": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
        "question": "Q?",
        "market_slug": "q",
        "minimum_order_size": 5,
        "minimum_tick_size": 0.001,
        "neg_risk": True,
        "end_date_iso": "2027-01-01T00:00:00Z",
        "active": True,
        "closed": True,
        "tokens": [
            {"token_id": "111", "outcome": "Yes", "winner": True},
            {"token_id": "222", "outcome": "No", "winner": False},
        ],
    }
    yes, no = parse_instruments(market, 1)
    assert (yes.outcome, no.outcome) == ("Yes", "No")
    assert yes.complement_token_id == "222" and no.complement_token_id == "111"
    assert str(yes.price_increment) == "0.001" and yes.price_precision == 3
    assert str(yes.min_price) == "0.001" and str(yes.max_price) == "0.999"
    assert yes.min_quantity is not None and yes.min_quantity.as_decimal() == 5
    assert yes.info["neg_risk"] is True and yes.info["exchange_protocol"] == "ctf-exchange-v2"
    assert (yes.resolution, no.resolution) == (ResolutionResult.WON, ResolutionResult.LOST)
    assert yes.expiry_ns == parse_time("2027-01-01T00:00:00Z")
    with pytest.raises(ValidationError):
        parse_instruments({**market, "minimum_tick_size": 1}, 1)


def test_tick_size_change_and_resolution_update_the_instrument() -> None:
    instrument = token("111")
    finer = with_tick_size(instrument, "0.001", 5)
    assert str(finer.price_increment) == "0.001" and str(finer.max_price) == "0.999"
    [won, lost] = parse_resolution(
        {
            "market": "0x1",
            "assets_ids": ["111", "222"],
            "winning_asset_id": "111",
            "timestamp": "1700000000000",
        },
        7,
    )
    assert (won.result, won.payout, lost.result, lost.payout) == (
        ResolutionResult.WON,
        1,
        ResolutionResult.LOST,
        0,
    )


def test_symbology_round_trips_and_accepts_the_condition_form() -> None:
    long_id = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
    iid = instrument_id_of(long_id)
    assert str(iid) == f"{long_id}.POLYMARKET" and venue_symbol(iid) == long_id
    assert InstrumentId.from_str(str(iid)) == iid
    assert token_id_of(f"0xbd31dc8a-{long_id}") == long_id
    with pytest.raises(ValidationError, match="token id"):
        token_id_of("BTC-USDT")


def test_a_trade_print_without_transaction_hash_has_a_stable_id() -> None:
    message = {
        "asset_id": "1",
        "timestamp": "1750428146322",
        "price": "0.456",
        "size": "219.217767",
        "side": "BUY",
    }
    assert last_trade_id(message) == last_trade_id(dict(message))
    assert last_trade_id({**message, "size": "1"}) != last_trade_id(message)
    assert last_trade_id({**message, "transaction_hash": "0xabc"}) == "0xabc"
