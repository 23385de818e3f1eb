"""The indexer WebSocket protocol and parsers on the documented payloads."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tradeport.model.enums import AggressorSide, BookAction
from tradeport.model.identifiers import InstrumentId
from tradeport.net.ws_protocol import MessageKind, SubscriptionAction
from tradeport_dydx.http.parse import book_deltas, iso_to_ns, parse_trade_tick
from tradeport_dydx.websocket.messages import DydxIndexerProtocol

MESSAGES = json.loads((Path(__file__).parent / "test_data" / "ws_messages.json").read_text())
BTC = InstrumentId.from_str("BTC-USD.DYDX")
# The documentation gives no example of these three; they are built here on the envelope the
# documented messages share (type / connection_id / message_id / channel / id / contents), with
# the batch carrying a list of the documented update's contents.
BATCH = {
    **MESSAGES["orderbook_update"],
    "type": "channel_batch_data",
    "contents": [MESSAGES["orderbook_update"]["contents"], {"asks": [["28195", "0"]]}],
}
UNSUBSCRIBED = {
    "type": "unsubscribed",
    "connection_id": MESSAGES["trades_update"]["connection_id"],
    "message_id": 5,
    "channel": "v4_trades",
    "id": "BTC-USD",
}
ERROR = {
    "type": "error",
    "message": "Invalid subscribe message: channel is not a valid channel",
    "connection_id": MESSAGES["connected"]["connection_id"],
    "message_id": 6,
}


def test_subscribe_messages() -> None:
    protocol = DydxIndexerProtocol()
    book, trades = protocol.subscribe_messages(["v4_orderbook:BTC-USD", "v4_trades:BTC-USD"])
    assert book.payload == {
        "type": "subscribe",
        "channel": "v4_orderbook",
        "id": "BTC-USD",
        "batched": True,
    }
    assert trades.payload == {"type": "subscribe", "channel": "v4_trades", "id": "BTC-USD"}
    (un,) = protocol.unsubscribe_messages(["v4_trades:BTC-USD"])
    assert un.payload == {"type": "unsubscribe", "channel": "v4_trades", "id": "BTC-USD"}


def test_classification() -> None:
    protocol = DydxIndexerProtocol()
    assert protocol.classify(MESSAGES["connected"]).kind is MessageKind.IGNORE
    protocol.subscribe_messages(["v4_orderbook:BTC-USD"])
    ack = protocol.classify(MESSAGES["orderbook_subscribed"])
    assert (ack.kind, ack.topics, ack.action, ack.carries_data) == (
        MessageKind.ACK,
        ("v4_orderbook:BTC-USD",),
        SubscriptionAction.SUBSCRIBE,
        True,
    )
    assert protocol.classify(MESSAGES["orderbook_update"]).kind is MessageKind.DATA
    assert protocol.classify(BATCH).kind is MessageKind.DATA
    assert protocol.classify(MESSAGES["trades_update"]).kind is MessageKind.DATA
    un = protocol.classify(UNSUBSCRIBED)
    assert (un.kind, un.topics, un.action) == (
        MessageKind.ACK,
        ("v4_trades:BTC-USD",),
        SubscriptionAction.UNSUBSCRIBE,
    )


def test_error_refuses_the_oldest_waiting_subscribe() -> None:
    protocol = DydxIndexerProtocol()
    protocol.subscribe_messages(["v4_nope:BTC-USD", "v4_trades:BTC-USD"])
    refusal = protocol.classify({**ERROR, "message_id": 1})
    assert (refusal.kind, refusal.topics) == (MessageKind.REFUSAL, ("v4_nope:BTC-USD",))
    assert "not a valid channel" in (refusal.message or "")
    # Nothing waits any more: a later error is a plain venue error.
    protocol.classify(
        {"type": "subscribed", "channel": "v4_trades", "id": "BTC-USD", "message_id": 2}
    )
    assert protocol.classify({**ERROR, "message_id": 3}).kind is MessageKind.ERROR


def test_message_id_gap_is_reported() -> None:
    gaps: list[tuple[int, int]] = []
    protocol = DydxIndexerProtocol(on_gap=lambda expected, got: gaps.append((expected, got)))
    # One connection's ids run 0, 1, 2, ...: the documented messages renumbered as one stream.
    for message_id, name in enumerate(("connected", "orderbook_subscribed", "orderbook_update")):
        protocol.classify({**MESSAGES[name], "message_id": message_id})
    assert gaps == []
    protocol.classify({**MESSAGES["trades_update"], "message_id": 4})  # 3 was lost
    assert gaps == [(3, 4)] and protocol.gaps == 1


def test_book_snapshot_and_update() -> None:
    contents = MESSAGES["orderbook_subscribed"]["contents"]
    snap = book_deltas(contents, BTC, None, snapshot=True, sequence=1, ts_event=5, ts_init=6)
    assert snap is not None and snap.is_snapshot
    assert snap.deltas[0].action is BookAction.CLEAR
    assert len(snap.deltas) == 1 + len(contents["bids"]) + len(contents["asks"]) == 18
    levels = [(str(d.order.price), str(d.order.size)) for d in snap.deltas if d.order]
    assert ("28194", "4.764826096") in levels and ("28195", "3.219612343") in levels
    update = book_deltas(
        MESSAGES["orderbook_update"]["contents"],
        BTC,
        None,
        snapshot=False,
        sequence=2,
        ts_event=5,
        ts_init=6,
    )
    assert update is not None and not update.is_snapshot
    actions = [(d.action, str(d.order.price), str(d.order.size)) for d in update.deltas if d.order]
    assert actions == [(BookAction.UPDATE, "27773", "1.986168516")]
    # A level's size "0" removes it.
    removal = book_deltas(
        {"bids": [["27773", "0"]]}, BTC, None, snapshot=False, sequence=3, ts_event=5, ts_init=6
    )
    assert removal is not None
    assert [(d.action, str(d.order.price)) for d in removal.deltas if d.order] == [
        (BookAction.DELETE, "27773")
    ]


def test_trade_tick() -> None:
    record = MESSAGES["trades_update"]["contents"]["trades"][0]
    tick = parse_trade_tick(record, BTC, None, 7)
    assert tick.aggressor_side is AggressorSide.BUYER
    assert str(tick.trade_id) == "8ee6d90d-272d-5edd-bf0f-2e4d6ae3d3b7"
    assert tick.price.as_decimal() == Decimal("27839")
    assert tick.size.as_decimal() == Decimal("0.000100431")
    assert tick.ts_event == iso_to_ns("2023-04-04T00:29:19.353Z") == 1680568159353000000
    sell = parse_trade_tick(MESSAGES["trades_update"]["contents"]["trades"][2], BTC, None, 7)
    assert sell.aggressor_side is AggressorSide.SELLER


def test_candle_is_a_bar_stamped_at_its_close() -> None:
    from tradeport.model.data import BarType
    from tradeport_dydx.candles import parse_candle, resolution_of

    bar_type = BarType.from_str("BTC-USD.DYDX-1-MINUTE-LAST-EXTERNAL")
    assert resolution_of(bar_type) == "1MIN"
    assert resolution_of(BarType.from_str("BTC-USD.DYDX-4-HOUR-LAST-EXTERNAL")) == "4HOURS"
    # No documented candle with values exists: the fields of the Indexer API's
    # CandleResponseObject, with values chosen by this test.
    candle = {
        "startedAt": "2023-04-04T00:29:00.000Z",
        "ticker": "BTC-USD",
        "resolution": "1MIN",
        "low": "27837",
        "high": "27848",
        "open": "27840",
        "close": "27839",
        "baseTokenVolume": "0.5",
        "usdVolume": "13920",
        "trades": 7,
        "startingOpenInterest": "1891.473716288",
    }
    bar = parse_candle(candle, bar_type, None, 1)
    assert bar.ts_event == iso_to_ns("2023-04-04T00:30:00.000Z")
    assert (str(bar.open), str(bar.high), str(bar.low), str(bar.close), str(bar.volume)) == (
        "27840",
        "27848",
        "27837",
        "27839",
        "0.5",
    )


def test_unknown_resolution_names_the_bar_type() -> None:
    import pytest
    from tradeport.errors import ValidationError
    from tradeport.model.data import BarType
    from tradeport_dydx.candles import resolution_of

    with pytest.raises(ValidationError, match="bar_type"):
        resolution_of(BarType.from_str("BTC-USD.DYDX-2-MINUTE-LAST-EXTERNAL"))


def test_markets_channel_has_no_id() -> None:
    protocol = DydxIndexerProtocol()
    (request,) = protocol.subscribe_messages(["v4_markets:"])
    assert request.payload == {"type": "subscribe", "channel": "v4_markets"}
    ack = protocol.classify(
        {"type": "subscribed", "channel": "v4_markets", "message_id": 1, "contents": {}}
    )
    assert ack.kind is MessageKind.ACK and ack.topics == ("v4_markets:",) and not ack.carries_data
