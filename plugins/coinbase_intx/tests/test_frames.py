"""The raw-frame parser the plugin offers replay providers, found through the core: each
documented stream frame gives what the data client publishes live (the same parse functions),
stamped with the given arrival time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tradeport.errors import ValidationError
from tradeport.frames import FrameParsers
from tradeport.model.data import OrderBookDeltas, QuoteTick, TradeTick
from tradeport.plugins import load_plugins

from tradeport_coinbase_intx.http.parse import parse_instrument

DATA = Path(__file__).resolve().parent / "test_data"
TS = 1_700_000_001_000_000_000


def frame(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture
def parser():
    records = json.loads((DATA / "instruments.json").read_text())["instruments"]
    instruments = [parse_instrument(record, TS) for record in records]
    return FrameParsers.from_registry(load_plugins()).create("coinbase_intx", instruments)


def test_stream_frames_give_the_live_events(parser) -> None:
    (trade,) = parser.parse(frame("ws_trades.json"), TS)
    assert isinstance(trade, TradeTick)
    assert trade.ts_init == TS
    assert (str(trade.price), trade.trade_id.value) == ("1000.10", "181234560")
    (quote,) = parser.parse(frame("ws_quotes.json"), TS)
    assert isinstance(quote, QuoteTick)
    assert str(quote.bid_price) == "999.90"
    (deltas,) = parser.parse(frame("ws_book_delta.json"), TS)
    assert isinstance(deltas, OrderBookDeltas)
    assert deltas.sequence == 43
    assert len(parser.parse(frame("ws_mark.json"), TS)) == 3


def test_replies_give_nothing_and_bad_frames_are_refused(parser) -> None:
    assert parser.parse(b'{"op":"pong"}', TS) == []
    with pytest.raises(ValidationError, match="not JSON"):
        parser.parse(b"{oops", TS)
    with pytest.raises(ValidationError, match="topic"):
        parser.parse(b'{"topic":"liquidations.BTC-USDT","data":{}}', TS)
