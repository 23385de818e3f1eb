"""The stream protocol: topics both ways, reply classification, the user credential check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tradeport.net.ws_protocol import MessageKind
from tradeport_hyperliquid.websocket.messages import (
    HyperliquidWsProtocol,
    UserCheck,
    subscription_of,
    topic_of,
)

MESSAGES = json.loads((Path(__file__).parent / "test_data" / "ws_messages.json").read_text())
MASTER = "0x0000000000000000000000000000000000000001"
AGENT = "0x00000000000000000000000000000000000000aa"


@pytest.mark.parametrize(
    "subscription",
    [
        {"type": "l2Book", "coin": "BTC"},
        {"type": "candle", "coin": "@1", "interval": "1m"},
        {"type": "userFills", "user": MASTER},
        {"type": "allMids"},
    ],
)
def test_topics_round_trip(subscription: dict) -> None:
    assert subscription_of(topic_of(subscription)) == subscription


def test_requests_and_heartbeat() -> None:
    protocol = HyperliquidWsProtocol()
    (request,) = protocol.subscribe_messages(["trades:SOL"])
    assert request.payload == {
        "method": "subscribe",
        "subscription": {"type": "trades", "coin": "SOL"},
    }
    assert protocol.text_ping() == {"method": "ping"}
    assert protocol.is_private(f"orderUpdates:{MASTER}") and not protocol.is_private("bbo:BTC")


def test_classify_replies() -> None:
    protocol = HyperliquidWsProtocol()
    ack = protocol.classify(MESSAGES["subscription_response"])
    assert ack.kind is MessageKind.ACK and ack.topics == ("trades:SOL",)
    assert protocol.classify(MESSAGES["pong"]).kind is MessageKind.PONG
    assert protocol.classify(MESSAGES["trades"]).kind is MessageKind.DATA
    error = protocol.classify({"channel": "error", "data": "Invalid subscription"})
    assert error.kind is MessageKind.ERROR


def test_user_check_over_post() -> None:
    check = UserCheck(AGENT, MASTER, 7)
    protocol = HyperliquidWsProtocol(check=check)
    assert protocol.login_message()["request"]["payload"] == {"type": "userRole", "user": AGENT}
    assert protocol.classify(MESSAGES["post_user_role"]).kind is MessageKind.LOGIN_OK
    assert check.verdict({"role": "missing"}) is not None
    assert "agent of" in (check.verdict({"role": "agent", "data": {"user": "0x" + "9" * 40}}) or "")
    assert UserCheck(MASTER, MASTER, 1).verdict({"role": "user"}) is None
    # Answers to the handler's own post requests (actions) are data for it.
    other_id = {"channel": "post", "data": {"id": 99, "response": {"type": "action"}}}
    assert protocol.classify(other_id).kind is MessageKind.DATA
