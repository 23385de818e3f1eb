"""The raw-frame parser Bybit offers replay providers: found through the core, and equal, frame
by frame, to what the data client's routes publish for Bybit's documented messages (the same
parse functions, with the recorded arrival time as ``ts_init``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from tradeport.errors import UnknownInstrument, ValidationError
from tradeport.frames import FrameParsers, UnknownFrameParser
from tradeport.model.data import OrderBookDeltas, QuoteTick
from tradeport.model.instruments import Perpetual
from tradeport.model.numbers import Price
from tradeport.plugins import load_plugins
from tradeport_bybit.http.parse import parse_instrument
from tradeport_bybit.websocket.parse import (
    TickerState,
    parse_ws_book,
    parse_ws_quote,
    parse_ws_ticker,
    parse_ws_trades,
)

TS = 1_700_000_000_000_000_000


def load(name: str) -> Any:
    """A documented payload from tests/test_data (see SOURCES.md)."""
    return json.loads((Path(__file__).parent / "test_data" / name).read_text(encoding="utf-8"))


@pytest.fixture
def btc() -> Perpetual:
    inst = parse_instrument(load("instruments_linear.json")["result"]["list"][0], "linear", TS)
    assert isinstance(inst, Perpetual)
    return attrs.evolve(inst, price_precision=2, price_increment=Price("0.01"))


def _parser(instruments: list[Any]) -> Any:
    return FrameParsers.from_registry(load_plugins()).create("bybit", instruments)


def test_the_offer_is_found_through_the_core() -> None:
    spec = FrameParsers.from_registry(load_plugins()).spec("bybit")
    assert set(spec.channels) == {"publicTrade", "orderbook", "tickers"}
    with pytest.raises(UnknownFrameParser, match="kline"):
        FrameParsers.from_registry(load_plugins()).create("bybit", [], channels=["kline"])


def test_frames_give_what_the_live_routes_publish(btc: Perpetual) -> None:
    parser = _parser([btc])
    trade = load("ws_public_trade.json")
    assert parser.parse(json.dumps(trade), TS) == parse_ws_trades(trade, btc, TS)
    book = load("ws_orderbook_snapshot.json")
    assert parser.parse(json.dumps(book).encode(), TS) == [parse_ws_book(book, btc, TS)]
    ticker = load("ws_ticker_linear.json")
    assert parser.parse(json.dumps(ticker), TS) == parse_ws_ticker(ticker, btc, TS, TickerState())
    # Level 1 (what subscribe_quotes streams): the quote, then the message's deltas.
    level1 = {**book, "topic": "orderbook.1.BTCUSDT"}
    quote, deltas = parser.parse(json.dumps(level1), TS + 1)
    assert isinstance(quote, QuoteTick) and quote == parse_ws_quote(level1, btc, TS + 1)
    assert isinstance(deltas, OrderBookDeltas) and deltas.is_snapshot and deltas.ts_init == TS + 1


def test_acks_unknown_symbols_and_garbage(btc: Perpetual) -> None:
    parser = _parser([btc])
    assert parser.parse(json.dumps(load("ws_subscribe_ack_spot.json")), TS) == []
    other = {**load("ws_public_trade.json"), "topic": "publicTrade.ETHUSDT"}
    with pytest.raises(UnknownInstrument, match="ETHUSDT"):
        parser.parse(json.dumps(other), TS)
    with pytest.raises(ValidationError, match="frame"):
        parser.parse(b"{not json", TS)
    with pytest.raises(ValidationError, match="topic"):
        parser.parse(
            json.dumps({**load("ws_public_trade.json"), "topic": "liquidation.BTCUSDT"}), TS
        )
