"""The WebSocket protocol: signed subscribe messages, the documented SUBSCRIPTIONS ack,
sequence gaps per topic."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tradeport.net import MessageKind, SubscriptionAction
from tradeport.secrets import Secret

from tradeport_coinbase_intx.credential import CoinbaseIntxCredential, sign, ws_payload
from tradeport_coinbase_intx.websocket.protocol import CoinbaseIntxStreamProtocol

DATA = Path(__file__).parent / "test_data"
SECRET = base64.b64encode(b"ws-secret").decode()


def _protocol() -> CoinbaseIntxStreamProtocol:
    credential = CoinbaseIntxCredential(
        Secret("glK4uG8QRmh3aqnJ"), Secret(SECRET), Secret("passphrase"), clock=lambda: 1683730727.4
    )
    return CoinbaseIntxStreamProtocol(credential)


def test_subscribe_is_one_signed_message_per_channel() -> None:
    requests = _protocol().subscribe_messages(
        ["MATCH:BTC-PERP", "MATCH:ETH-PERP", "LEVEL2:BTC-PERP"]
    )
    assert [r.payload["channels"] for r in requests] == [["MATCH"], ["LEVEL2"]]
    match = requests[0].payload
    assert match["type"] == "SUBSCRIBE"
    assert match["product_ids"] == ["BTC-PERP", "ETH-PERP"]
    assert match["time"] == "1683730727"
    assert match["key"] == "glK4uG8QRmh3aqnJ"
    assert match["signature"] == sign(
        SECRET, ws_payload("1683730727", "glK4uG8QRmh3aqnJ", "passphrase")
    )
    assert requests[0].topics == ("MATCH:BTC-PERP", "MATCH:ETH-PERP")


def test_documented_subscriptions_snapshot_acks_its_topics() -> None:
    ack = json.loads((DATA / "ws_subscriptions_ack_doc.json").read_text())
    classified = _protocol().classify(ack)
    assert classified.kind is MessageKind.ACK
    assert classified.action is SubscriptionAction.SUBSCRIBE
    assert set(classified.topics) == {
        "MATCH:BTC-PERP",
        "MATCH:ETH-PERP",
        "INSTRUMENTS:BTC-PERP",
        "INSTRUMENTS:ETH-PERP",
    }


def test_unsubscription_is_acked_when_the_topic_is_no_longer_listed() -> None:
    protocol = _protocol()
    protocol.unsubscribe_messages(["MATCH:BTC-PERP"])
    ack = json.loads((DATA / "ws_subscriptions_ack_doc.json").read_text())
    ack["channels"][0]["product_ids"] = ["ETH-PERP"]
    classified = protocol.classify(ack)
    assert classified.action is SubscriptionAction.UNSUBSCRIBE
    assert classified.topics == ("MATCH:BTC-PERP",)


def test_data_messages_and_sequence_gaps() -> None:
    protocol = _protocol()
    snapshot = json.loads((DATA / "ws_level2_snapshot_doc.json").read_text())
    update = json.loads((DATA / "ws_level2_update_doc.json").read_text())
    assert protocol.classify(snapshot).kind is MessageKind.DATA
    assert protocol.check_sequence(snapshot)
    assert protocol.check_sequence(update)  # 0 then 1
    update["sequence"] = 5
    assert not protocol.check_sequence(update)  # 2..4 lost
    snapshot["sequence"] = 9
    assert protocol.check_sequence(snapshot)  # a fresh snapshot restarts
