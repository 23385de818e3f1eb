"""CRAM and HTTP Basic with Databento's documented example (message flows: authentication)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tradeport_databento.credential import basic_auth_header, cram_response

DOC = json.loads((Path(__file__).parent / "test_data" / "gateway_messages.json").read_text())


def test_cram_response_is_the_documented_one() -> None:
    challenge = DOC["challenge"].removeprefix("cram=").rstrip("\n")
    response = cram_response(challenge, DOC["api_key"])
    assert response == f"{DOC['hashed']}-mNUM6"
    # The bucket id is the key's last five characters.
    assert response.rpartition("-")[2] == DOC["api_key"][-5:]


def test_cram_response_depends_on_challenge_and_key() -> None:
    a = cram_response("challenge-a", DOC["api_key"])
    assert a != cram_response("challenge-b", DOC["api_key"])
    assert a != cram_response("challenge-a", DOC["api_key"][:-1] + "7")
    assert DOC["api_key"] not in a


def test_basic_auth_is_the_key_with_an_empty_password() -> None:
    header = basic_auth_header("db-KEY")
    scheme, _, value = header.partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(value) == b"db-KEY:"
