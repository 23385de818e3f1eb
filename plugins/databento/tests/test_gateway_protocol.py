"""The control-line protocol, sans-IO: the documented messages byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tradeport.errors import AuthenticationError, TransportError, ValidationError
from tradeport_databento.constants import CONTROL_LINE_LIMIT
from tradeport_databento.gateway.protocol import (
    AuthOptions,
    Handshake,
    LineBuffer,
    auth_request,
    parse_fields,
    start_session,
    subscription_requests,
    unsubscribe_requests,
)

DOC = json.loads((Path(__file__).parent / "test_data" / "gateway_messages.json").read_text())
CHALLENGE = "j5pwMHz6vwXruJM4cOwQrQeQE0bImIzT"


def test_auth_request_carries_the_documented_fields() -> None:
    line = auth_request(CHALLENGE, DOC["api_key"], AuthOptions(dataset="GLBX.MDP3"))
    documented = parse_fields(DOC["auth_request"])
    ours = parse_fields(line)
    for key, value in documented.items():
        assert ours[key] == value, key
    assert ours["compression"] == "none" and "heartbeat_interval_s" not in ours
    assert line.endswith("\n") and line.count("\n") == 1


def test_auth_request_session_options() -> None:
    options = AuthOptions(
        dataset="XNAS.ITCH", ts_out=True, heartbeat_interval_s=15, slow_reader_behavior="skip"
    )
    fields = parse_fields(auth_request(CHALLENGE, DOC["api_key"], options))
    assert (fields["dataset"], fields["ts_out"]) == ("XNAS.ITCH", "1")
    assert (fields["heartbeat_interval_s"], fields["slow_reader_behavior"]) == ("15", "skip")


def test_handshake_answers_the_documented_exchange() -> None:
    handshake = Handshake(DOC["api_key"], AuthOptions(dataset="GLBX.MDP3"))
    assert handshake.feed(DOC["greeting"].encode()) == []
    assert handshake.version == "0.2.0"
    (reply,) = handshake.feed(DOC["challenge"].encode())
    assert parse_fields(reply)["auth"] == parse_fields(DOC["auth_request"])["auth"]
    # The success line and the first DBN bytes can arrive in one read.
    assert handshake.feed(DOC["auth_response"].encode() + b"DBN\x03") == []
    assert handshake.done and handshake.reply.session_id == "135567"
    assert handshake.rest() == b"DBN\x03"
    assert DOC["api_key"] not in repr(handshake)


def test_handshake_lines_split_across_reads() -> None:
    handshake = Handshake(DOC["api_key"], AuthOptions(dataset="GLBX.MDP3"))
    wire = (DOC["greeting"] + DOC["challenge"]).encode()
    out = []
    for i in range(len(wire)):
        out += handshake.feed(wire[i : i + 1])
    assert len(out) == 1 and out[0].startswith("auth=6d3c875b")


def test_refused_key_is_a_typed_authentication_error() -> None:
    handshake = Handshake(DOC["api_key"], AuthOptions(dataset="GLBX.MDP3"))
    handshake.feed((DOC["greeting"] + DOC["challenge"]).encode())
    with pytest.raises(AuthenticationError) as err:
        handshake.feed(b"success=0|error=Authentication failed.\n")
    assert err.value.retryable is False and "Authentication failed." in str(err.value)


def test_subscription_request_matches_the_documented_message() -> None:
    (line,) = subscription_requests(
        "trades", "raw_symbol", ["SPY", "QQQ"], start=1671717080706865759
    )
    documented = parse_fields(DOC["subscription_request"])
    ours = parse_fields(line)
    assert {k: ours[k] for k in documented} == documented
    assert ours["is_last"] == "1" and ours["snapshot"] == "0"


def test_subscriptions_are_chunked_by_500_with_is_last() -> None:
    symbols = [f"S{i}" for i in range(1201)]
    lines = subscription_requests("mbo", "raw_symbol", symbols, request_id=7)
    fields = [parse_fields(line) for line in lines]
    assert [len(f["symbols"].split(",")) for f in fields] == [500, 500, 201]
    assert [f["is_last"] for f in fields] == ["0", "0", "1"]
    assert {f["id"] for f in fields} == {"7"}
    assert [s for f in fields for s in f["symbols"].split(",")] == symbols
    assert all(len(line) <= CONTROL_LINE_LIMIT for line in lines)


def test_snapshot_only_for_mbo_and_not_with_start() -> None:
    (line,) = subscription_requests("mbo", "parent", ["ES.FUT"], snapshot=True)
    assert parse_fields(line)["snapshot"] == "1"
    with pytest.raises(ValidationError, match="snapshot"):
        subscription_requests("trades", "raw_symbol", ["ESZ6"], snapshot=True)
    with pytest.raises(ValidationError, match="start"):
        subscription_requests("mbo", "raw_symbol", ["ESZ6"], snapshot=True, start=0)


def test_unsubscribe_and_session_start() -> None:
    (line,) = unsubscribe_requests("mbp-1", "raw_symbol", ["ESZ6"])
    assert line.startswith("unsubscribe=")  # "Must be the first field"
    assert parse_fields(line)["symbols"] == "ESZ6"
    assert start_session() == "start_session=0\n"


def test_line_buffer_caps_control_lines() -> None:
    buffer = LineBuffer(limit=16)
    buffer.feed(b"x" * 17)
    with pytest.raises(TransportError, match="longer than 16"):
        buffer.next_line()
