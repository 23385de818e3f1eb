"""GenericJsonProtocol against the message shapes of the venues' documentation.

Payloads are the documented examples (connection ids shortened): Binance "Live subscribing /
unsubscribing to streams", Bybit v5 "Connect" (subscription response, ping/pong), OKX v5
"WebSocket" (login, subscribe, error), BitMEX "WebSocket API" (subscribe, error).
"""

from __future__ import annotations

import pytest
from tradeport.net import (
    PRESENT,
    REQUEST_ID,
    TOPICS,
    Classified,
    GenericJsonProtocol,
    MessageKind,
    SubscriptionAction,
)
from tradeport.net.ws_protocol import RoutedFrame
from tradeport.net.ws_subscriptions import SubscriptionBook, SubscriptionStatus


def binance() -> GenericJsonProtocol:
    return GenericJsonProtocol(
        subscribe={"method": "SUBSCRIBE", "params": TOPICS, "id": REQUEST_ID},
        unsubscribe={"method": "UNSUBSCRIBE", "params": TOPICS, "id": REQUEST_ID},
        reply_id_key="id",
        batch_size=2,
    )


def bybit() -> GenericJsonProtocol:
    return GenericJsonProtocol(
        subscribe={"op": "subscribe", "args": TOPICS, "req_id": REQUEST_ID},
        unsubscribe={"op": "unsubscribe", "args": TOPICS, "req_id": REQUEST_ID},
        reply_id_key="req_id",
        string_ids=True,
        text_ping={"op": "ping"},
        ping_interval=20,
        pong={"op": "ping", "ret_msg": "pong"},
        login=lambda: {"op": "auth", "args": ["key", 1662350400000, "sig"]},
        login_ok={"op": "auth", "success": True},
        login_refused={"op": "auth", "success": False},
    )


def okx() -> GenericJsonProtocol:
    return GenericJsonProtocol(
        subscribe={"op": "subscribe", "args": TOPICS},
        unsubscribe={"op": "unsubscribe", "args": TOPICS},
        reply_id_key=None,
        ack={"event": "subscribe"},
        unsubscribe_ack={"event": "unsubscribe"},
        ack_topics=lambda m: f"{m['arg']['channel']}:{m['arg']['instId']}",
        errors=[{"event": "error"}],
        text_ping="ping",
        pong="pong",
        login_ok={"event": "login", "code": "0"},
        login_refused={"event": "error", "code": "60009"},
    )


def bitmex() -> GenericJsonProtocol:
    return GenericJsonProtocol(
        subscribe={"op": "subscribe", "args": TOPICS},
        unsubscribe={"op": "unsubscribe", "args": TOPICS},
        reply_id_key=None,
        ack={"success": True, "subscribe": PRESENT},
        unsubscribe_ack={"success": True, "unsubscribe": PRESENT},
        ack_topics=lambda m: m.get("subscribe") or m.get("unsubscribe") or m["request"]["args"],
        errors=[{"status": 400}],
        server_pings={"ping": "pong"},
    )


def test_binance_requests_are_batched_with_ids() -> None:
    requests = binance().subscribe_messages(["a@trade", "b@trade", "c@trade"])
    assert [r.payload for r in requests] == [
        {"method": "SUBSCRIBE", "params": ["a@trade", "b@trade"], "id": 1},
        {"method": "SUBSCRIBE", "params": ["c@trade"], "id": 2},
    ]
    assert [(r.topics, r.request_id) for r in requests] == [
        (("a@trade", "b@trade"), 1),
        (("c@trade",), 2),
    ]


def test_binance_replies_are_correlated_by_id() -> None:
    protocol = binance()
    assert protocol.classify({"result": None, "id": 1}) == Classified(MessageKind.ACK, request_id=1)
    refusal = protocol.classify(
        {"error": {"code": 2, "msg": "Invalid request: unknown variable"}, "id": 3}
    )
    assert (refusal.kind, refusal.request_id, refusal.code) == (MessageKind.REFUSAL, 3, 2)
    assert refusal.message == "Invalid request: unknown variable"
    trade = {"e": "trade", "E": 1672515782136, "s": "BNBBTC", "t": 12345, "p": "0.001"}
    assert protocol.classify(trade).kind is MessageKind.DATA


def test_bybit_ack_refusal_pong_and_login() -> None:
    protocol = bybit()
    (request,) = protocol.subscribe_messages(["orderbook.50.BTCUSDT"])
    assert request.payload == {"op": "subscribe", "args": ["orderbook.50.BTCUSDT"], "req_id": "1"}
    ok = {
        "success": True,
        "ret_msg": "subscribe",
        "conn_id": "2324d924",
        "req_id": "1",
        "op": "subscribe",
    }
    assert protocol.classify(ok) == Classified(MessageKind.ACK, request_id="1")
    failed = {
        "success": False,
        "ret_msg": "",
        "conn_id": "2324d924",
        "req_id": "1",
        "op": "subscribe",
    }
    assert protocol.classify(failed).kind is MessageKind.REFUSAL
    pong = {"success": True, "ret_msg": "pong", "conn_id": "0970e817", "op": "ping"}
    assert protocol.classify(pong).kind is MessageKind.PONG
    assert protocol.text_ping() == {"op": "ping"}
    auth_ok = {"success": True, "ret_msg": "", "op": "auth", "conn_id": "cejreaspqfh3sjdnldmg-p"}
    assert protocol.classify(auth_ok).kind is MessageKind.LOGIN_OK
    auth_bad = {"success": False, "ret_msg": "error sign!", "op": "auth", "conn_id": "ce"}
    refused = protocol.classify(auth_bad)
    assert (refused.kind, refused.message) == (MessageKind.LOGIN_REFUSED, "error sign!")


def test_okx_login_topic_acks_and_errors() -> None:
    protocol = okx()
    assert protocol.classify({"event": "login", "code": "0", "msg": "", "connId": "a4d3ae55"}) == (
        Classified(MessageKind.LOGIN_OK)
    )
    ack = protocol.classify(
        {"event": "subscribe", "arg": {"channel": "tickers", "instId": "LTC-USDT"}, "connId": "a4"}
    )
    assert ack == Classified(
        MessageKind.ACK, ("tickers:LTC-USDT",), action=SubscriptionAction.SUBSCRIBE
    )
    error = protocol.classify(
        {
            "event": "error",
            "code": "60012",
            "msg": 'Invalid request: {"op": "subscribe"}',
            "connId": "a4",
        }
    )
    # OKX errors do not say which subscription failed: a venue error, not a refusal.
    assert (error.kind, error.code) == (MessageKind.ERROR, "60012")
    assert protocol.classify_raw("pong") == Classified(MessageKind.PONG)
    assert protocol.classify_raw('{"arg":{"channel":"books"}}') is None


def test_bitmex_acks_errors_and_server_text_ping() -> None:
    protocol = bitmex()
    ack = protocol.classify(
        {
            "success": True,
            "subscribe": "trade:XBTUSD",
            "request": {"op": "subscribe", "args": ["trade:XBTUSD"]},
        }
    )
    assert (ack.kind, ack.topics, ack.action) == (
        MessageKind.ACK,
        ("trade:XBTUSD",),
        SubscriptionAction.SUBSCRIBE,
    )
    unsub = protocol.classify({"success": True, "unsubscribe": "trade:XBTUSD", "request": {}})
    assert unsub.action is SubscriptionAction.UNSUBSCRIBE
    error = protocol.classify(
        {
            "status": 400,
            "error": "Unknown table: foo",
            "meta": {},
            "request": {"op": "subscribe", "args": ["foo"]},
        }
    )
    assert (error.kind, error.topics, error.message) == (
        MessageKind.REFUSAL,
        ("foo",),
        "Unknown table: foo",
    )
    ping = protocol.classify_raw("ping")
    assert ping is not None
    assert (ping.kind, ping.reply) == (MessageKind.PING, "pong")


def test_encode_passes_text_through_and_dumps_json_compactly() -> None:
    protocol = okx()
    assert protocol.encode("ping") == "ping"
    assert protocol.encode({"op": "subscribe", "args": ["a"]}) == '{"op":"subscribe","args":["a"]}'


@pytest.mark.parametrize("reply_kind", [MessageKind.ACK, MessageKind.REFUSAL])
def test_subscription_book_moves_only_pending_topics(reply_kind) -> None:
    book = SubscriptionBook("TEST")
    book.want(["a", "b"], {})
    assert book.take_unsent(1) == ["a", "b"]
    assert book.take_unsent(1) == []  # sent once per connection
    (request,) = binance().subscribe_messages(["a", "b"])
    book.mark_sent([request], acked=False)
    book.drop(["b"], 1)  # unsubscribed before the ack arrived
    assert book.on_reply(Classified(reply_kind, request_id=request.request_id))
    expected = (
        SubscriptionStatus.ACTIVE if reply_kind is MessageKind.ACK else SubscriptionStatus.REFUSED
    )
    assert book.snapshot() == {"a": expected, "b": SubscriptionStatus.UNSUBSCRIBED}
    assert not book.on_reply(Classified(MessageKind.ACK, request_id=999))  # unknown request
    book.on_disconnect()
    replay = (
        SubscriptionStatus.PENDING if reply_kind is MessageKind.ACK else SubscriptionStatus.REFUSED
    )
    assert book.status("a") is replay
    assert book.take_unsent(2) == (["a"] if reply_kind is MessageKind.ACK else [])


def test_routed_frames_keep_the_payload_undecoded_and_replies_stay_dicts() -> None:
    # Binance "Websocket Market Streams": combined streams wrap each payload as
    # {"stream":"<streamName>","data":<rawPayload>}; the payload is the documented trade event.
    protocol = GenericJsonProtocol(reply_id_key="id", route_by=("stream", "data"))
    payload = (
        b'{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100",'
        b'"T":1672515782136,"m":true,"M":true}'
    )
    frame = protocol.decode(b'{"stream":"bnbbtc@trade","data":' + payload + b"}")
    assert isinstance(frame, RoutedFrame)
    assert frame.route == "bnbbtc@trade" and bytes(frame.payload) == payload
    assert protocol.classify(frame).kind is MessageKind.DATA
    # Key order does not matter, and str frames decode like bytes.
    swapped = protocol.decode('{"data":[1,2],"stream":"x"}')
    assert swapped.route == "x" and bytes(swapped.payload) == b"[1,2]"
    # Replies have no route: they decode to dicts and classify as before.
    ack = protocol.decode(b'{"result":null,"id":1}')
    assert ack == {"result": None, "id": 1}
    assert protocol.classify(ack) == Classified(MessageKind.ACK, request_id=1)
    # A route key that is no string, a frame without payload, or a non-object: plain JSON.
    assert protocol.decode(b'{"stream":5,"data":1}') == {"stream": 5, "data": 1}
    assert protocol.decode(b'{"stream":"x"}') == {"stream": "x"}
    assert protocol.decode(b"[1,2]") == [1, 2]


def test_routed_frame_decoder_fails_on_malformed_json() -> None:
    protocol = GenericJsonProtocol(route_by=("topic", "data"))
    with pytest.raises(ValueError, match=r"(?i)json|truncated|malformed"):
        protocol.decode(b'{"topic":"orderbook.1.BTCUSDT","data":')
