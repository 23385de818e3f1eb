"""The raw-frame parser OKX offers replay providers: found through the core, and equal, push by
push, to what the data client's routes publish for OKX's documented pushes (the same parse
functions, with the recorded arrival time as ``ts_init``)."""

from __future__ import annotations

import json

import pytest
from okx_payloads import load
from test_parse import SWAP, spot_record
from tradeport.errors import UnknownInstrument, ValidationError
from tradeport.frames import FrameParsers, UnknownFrameParser
from tradeport.plugins import load_plugins
from tradeport_okx.http.parse import parse_instrument
from tradeport_okx.websocket.parse import parse_book_deltas, parse_quote_from_book

TS = 1_700_000_000_000_000_000


def _parsers() -> FrameParsers:
    return FrameParsers.from_registry(load_plugins())


def test_the_offer_is_found_through_the_core() -> None:
    assert {"trades", "bbo-tbt", "books", "books-l2-tbt", "mark-price"} <= set(
        _parsers().spec("okx").channels
    )
    with pytest.raises(UnknownFrameParser, match="candle1m"):
        _parsers().create("okx", [], channels=["candle1m"])


def test_pushes_give_what_the_live_routes_publish() -> None:
    spot = parse_instrument(dict(spot_record(), tickSz="0.01", lotSz="1", minSz="1"), TS)
    swap = parse_instrument(dict(SWAP, instId="BCH-USDT-SWAP", tickSz="0.01", lotSz="1",
                                 minSz="1"), TS)  # fmt: skip
    assert spot is not None and swap is not None
    parser = _parsers().create("okx", [spot, swap])
    snapshot, update = load("ws_books_snapshot.json"), load("ws_books_update.json")
    assert parser.parse(json.dumps(snapshot), TS) == [
        parse_book_deltas(snapshot["data"][0], spot, True, TS)
    ]
    (deltas,) = parser.parse(json.dumps(update).encode(), TS + 1)
    assert deltas == parse_book_deltas(update["data"][0], spot, False, TS + 1)
    assert not deltas.is_snapshot
    bbo = load("ws_bbo_tbt.json")
    assert parser.parse(json.dumps(bbo), TS) == [parse_quote_from_book(bbo["data"][0], swap, TS)]
    assert parser.parse(json.dumps(load("ws_subscribe_books_ack.json")), TS) == []
    assert parser.parse(json.dumps(load("ws_subscribe_error.json")), TS) == []


def test_unknown_instruments_channels_and_garbage() -> None:
    parser = _parsers().create("okx", [])
    with pytest.raises(UnknownInstrument):
        parser.parse(json.dumps(load("ws_bbo_tbt.json")), TS)
    with pytest.raises(ValidationError, match="channel"):
        parser.parse(json.dumps({"arg": {"channel": "candle1m"}, "data": []}), TS)
    with pytest.raises(ValidationError, match="frame"):
        parser.parse(b"{nope", TS)
