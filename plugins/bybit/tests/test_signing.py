"""Signing: the documented plaintexts byte for byte, HMACs recomputed from the algorithm."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from tradeport.errors import MissingCredentials, ValidationError
from tradeport.net.http import SignRequest
from tradeport.secrets import Secret
from tradeport_bybit.credential import (
    BybitSigner,
    rest_prehash,
    sign_rest,
    sign_ws_auth,
    ws_auth_message,
    ws_auth_prehash,
)

SECRET = "test-secret-123"


def _hmac(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def test_get_plaintext_matches_the_documented_example() -> None:
    # docs/v5/guide, "Authentication": GET example.
    assert (
        rest_prehash(
            1658384314791, "XXXXXXXXXX", 5000, "category=option&symbol=BTC-29JUL22-25000-C"
        )
        == "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C"
    )


def test_rest_signature_is_hex_hmac_sha256_of_the_plaintext() -> None:
    payload = "category=option&symbol=BTC-29JUL22-25000-C"
    expected = _hmac(SECRET, "1658384314791XXXXXXXXXX5000" + payload)
    got = sign_rest(Secret(SECRET), 1658384314791, "XXXXXXXXXX", 5000, payload)
    assert got == expected
    assert len(got) == 64 and got == got.lower()


def test_ws_auth_signs_get_realtime_plus_expires() -> None:
    assert ws_auth_prehash(1662350400000) == "GET/realtime1662350400000"
    message = ws_auth_message("key", Secret(SECRET), 1662350400000, req_id="10001")
    assert message == {
        "op": "auth",
        "args": ["key", 1662350400000, _hmac(SECRET, "GET/realtime1662350400000")],
        "req_id": "10001",
    }
    assert sign_ws_auth(SECRET, 1) != sign_ws_auth(SECRET + "x", 1)


def _request(method: str, query: str = "", body: bytes = b"") -> SignRequest:
    return SignRequest(
        method=method, path="/v5/order/create", query=(), query_string=query, body=body, headers={}
    )


def test_signer_signs_the_query_for_get_and_the_body_for_post() -> None:
    signer = BybitSigner(
        Secret("key"), Secret(SECRET), recv_window_ms=5000, clock_ms=lambda: 1672211928338
    )
    get = signer(_request("GET", "category=linear&symbol=BTCUSDT"))
    assert get.headers["X-BAPI-SIGN"] == _hmac(
        SECRET, "1672211928338key5000category=linear&symbol=BTCUSDT"
    )
    body = b'{"category":"spot","symbol":"BTCUSDT"}'
    post = signer(_request("POST", body=body))
    assert post.headers == {
        "X-BAPI-API-KEY": "key",
        "X-BAPI-TIMESTAMP": "1672211928338",
        "X-BAPI-SIGN": _hmac(SECRET, "1672211928338key5000" + body.decode()),
        "X-BAPI-RECV-WINDOW": "5000",
    }
    assert SECRET not in repr(signer)


def test_signer_signs_only_the_json_body_of_a_post_and_refuses_a_post_with_a_query() -> None:
    # Bybit signs "queryString | jsonBodyString": a POST's parameters are its JSON body, and
    # the docs define no signature over a query string added to a POST.
    signer = BybitSigner(
        Secret("key"), Secret(SECRET), recv_window_ms=5000, clock_ms=lambda: 1672211928338
    )
    body = b'{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"1"}'
    post = signer(_request("POST", body=body))
    assert post.headers["X-BAPI-SIGN"] == _hmac(SECRET, "1672211928338key5000" + body.decode())
    empty = signer(_request("POST"))
    assert empty.headers["X-BAPI-SIGN"] == _hmac(SECRET, "1672211928338key5000")
    with pytest.raises(ValidationError, match=r"query.*category=linear.*JSON body"):
        signer(_request("POST", "category=linear", body))
    with pytest.raises(ValidationError, match="query"):
        signer(_request("POST", "category=linear"))


def test_signer_without_credentials_refuses_before_sending() -> None:
    signer = BybitSigner(None, None, recv_window_ms=5000)
    with pytest.raises(MissingCredentials, match="BYBIT"):
        signer(_request("GET"))
