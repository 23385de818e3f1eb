"""The OKX WebSocket protocol: requests, acks, refusals, login replies, text heartbeat."""

from __future__ import annotations

from okx_payloads import load
from tradeport.net.ws_protocol import MessageKind, SubscriptionAction
from tradeport_okx.websocket.messages import arg_for, topic_for
from tradeport_okx.websocket.protocol import OkxWsProtocol


def test_topics_round_trip() -> None:
    for arg in (
        {"channel": "books", "instId": "BTC-USDT"},
        {"channel": "orders", "instType": "ANY"},
        {"channel": "candle1m", "instId": "BTC-USDT-SWAP"},
        {"channel": "account"},
    ):
        assert arg_for(topic_for(arg)) == arg
    assert topic_for({"channel": "books", "instId": "BTC-USDT"}) == "books:BTC-USDT"


def test_one_request_per_topic_with_an_id() -> None:
    protocol = OkxWsProtocol()
    requests = protocol.subscribe_messages(["books:BTC-USDT", "trades:BTC-USDT"])
    assert [r.payload for r in requests] == [
        {"id": "1", "op": "subscribe", "args": [{"channel": "books", "instId": "BTC-USDT"}]},
        {"id": "2", "op": "subscribe", "args": [{"channel": "trades", "instId": "BTC-USDT"}]},
    ]
    assert [r.request_id for r in requests] == ["1", "2"]
    (unsub,) = protocol.unsubscribe_messages(["books:BTC-USDT"])
    assert unsub.payload["op"] == "unsubscribe"


def test_documented_ack_and_failure() -> None:
    protocol = OkxWsProtocol()
    ack = protocol.classify(load("ws_subscribe_books_ack.json"))
    assert ack.kind is MessageKind.ACK
    assert ack.request_id == "1512"
    assert ack.topics == ("books:BTC-USDT",)
    assert ack.action is SubscriptionAction.SUBSCRIBE
    refusal = protocol.classify(load("ws_subscribe_error.json"))
    assert refusal.kind is MessageKind.REFUSAL
    assert refusal.request_id == "1512"
    assert refusal.code == "60012"


def test_login_replies() -> None:
    protocol = OkxWsProtocol(login=lambda: {"op": "login", "args": []})
    assert protocol.login_message() == {"op": "login", "args": []}
    ok = protocol.classify({"event": "login", "code": "0", "msg": "", "connId": "a4d3ae55"})
    assert ok.kind is MessageKind.LOGIN_OK
    protocol.login_message()
    refused = protocol.classify(
        {"event": "error", "code": "60009", "msg": "Login failed.", "connId": "a4d3ae55"}
    )
    assert refused.kind is MessageKind.LOGIN_REFUSED
    assert refused.code == "60009"
    # Without a pending login, an error event is a plain venue error.
    assert protocol.classify({"event": "error", "code": "60012", "msg": "x"}).kind is (
        MessageKind.ERROR
    )


def test_text_heartbeat_and_data() -> None:
    protocol = OkxWsProtocol()
    assert protocol.text_ping() == "ping"
    assert protocol.classify_raw("pong") is not None
    assert protocol.classify_raw('{"arg":{}}') is None
    assert protocol.classify(load("ws_books_snapshot.json")).kind is MessageKind.DATA
    assert protocol.is_private("orders:instType=ANY")
    assert not protocol.is_private("books:BTC-USDT")
