"""The raw-frame parser BitMEX offers replay providers: found through the core, and equal,
message by message, to what the data client's routes publish for BitMEX's documented messages
(the same parse functions and book state, with the recorded arrival time as ``ts_init``).
The XBTUSD instrument and the orderBook10 row are recorded real payloads read from
../shared/venue-payloads/bitmex (BitMEX publishes none); the test skips when it is absent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tradeport.errors import ValidationError
from tradeport.frames import FrameParsers
from tradeport.plugins import load_plugins
from tradeport.testing.recorded import require_recorded
from tradeport_bitmex.http.parse import parse_instrument
from tradeport_bitmex.websocket.parse import (
    OrderBookL2State,
    parse_book10_snapshot,
    parse_quote_tick,
)

TS = 1_700_000_000_000_000_000
TEST_DATA = Path(__file__).parent / "test_data"


def load(name: str) -> Any:
    """A documented payload from tests/test_data (SOURCES.md names its page)."""
    return json.loads((TEST_DATA / name).read_text(encoding="utf-8"))


def test_messages_give_what_the_live_routes_publish() -> None:
    recorded = require_recorded("bitmex", __file__)
    xbtusd = parse_instrument(recorded.load("nautilus/http_get_instrument_xbtusd.json"), TS)
    assert xbtusd is not None
    parser = FrameParsers.from_registry(load_plugins()).create("bitmex", [xbtusd])
    assert {"quote", "trade", "orderBookL2", "instrument"} <= set(
        FrameParsers.from_registry(load_plugins()).spec("bitmex").channels
    )
    quote = load("ws_quote.json")
    assert parser.parse(json.dumps(quote), TS) == [parse_quote_tick(quote["data"][0], xbtusd, TS)]
    # The book: rows before the partial are dropped, then a partial (BitMEX publishes none
    # with rows: the documented insert's row as a partial) and BitMEX's own insert / update /
    # delete example, exactly as the live client's state makes them.
    insert = load("ws_orderbook_l2_insert.json")
    partial = {**insert, "action": "partial"}
    messages = (insert, partial, insert, load("ws_orderbook_l2_update.json"),
                load("ws_orderbook_l2_delete.json"))  # fmt: skip
    live = OrderBookL2State(xbtusd)
    for number, message in enumerate(messages):
        name = message["action"]
        expected = live.apply(message["action"], message["data"], TS + number)
        assert parser.parse(json.dumps(message), TS + number) == (
            [expected] if expected is not None else []
        ), name
    book10 = {
        "table": "orderBook10",
        "action": "update",
        "data": [recorded.load("nautilus/ws_orderbook_10.json")],
    }
    assert parser.parse(json.dumps(book10), TS) == [
        parse_book10_snapshot(book10["data"][0], xbtusd, TS)
    ]
    assert parser.parse(json.dumps(load("ws_subscribe_ack.json")), TS) == []


def test_unknown_tables_and_garbage() -> None:
    parser = FrameParsers.from_registry(load_plugins()).create("bitmex", [])
    with pytest.raises(ValidationError, match="table"):
        parser.parse(json.dumps({"table": "liquidation", "action": "insert", "data": []}), TS)
    with pytest.raises(ValidationError, match="frame"):
        parser.parse(b"{nope", TS)
