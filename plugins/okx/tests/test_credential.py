"""Signing: recomputed from OKX's documented algorithm (the docs give no fixed example)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime

import pytest
from tradeport.errors import MissingCredentials
from tradeport.net.http import SignRequest, encode_query
from tradeport.secrets import Secret
from tradeport_okx.credential import (
    OkxSigner,
    iso_timestamp,
    prehash,
    rest_headers,
    sign,
    ws_login_message,
)

SECRET = "22582BD0CFF14C41EDBF1AB98506286D"


def reference_sign(secret: str, message: str) -> str:
    """Base64(HMAC-SHA256(secret, message)), written independently of the plugin."""
    return base64.b64encode(
        hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    ).decode()


def test_prehash_is_timestamp_method_path_body() -> None:
    assert (
        prehash("2020-12-08T09:08:57.715Z", "get", "/api/v5/account/balance?ccy=BTC")
        == "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC"
    )
    body = '{"instId":"BTC-USDT","lever":"5","mgnMode":"isolated"}'
    assert prehash("2020-12-08T09:08:57.715Z", "POST", "/api/v5/account/set-leverage", body) == (
        "2020-12-08T09:08:57.715ZPOST/api/v5/account/set-leverage" + body
    )


def test_sign_matches_reference_hmac() -> None:
    message = "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC"
    assert sign(SECRET, message) == reference_sign(SECRET, message)
    # A different secret gives a different signature.
    assert sign(SECRET + "x", message) != sign(SECRET, message)


def test_iso_timestamp_has_milliseconds_and_z() -> None:
    stamp = iso_timestamp(1607418537.715)
    assert stamp == "2020-12-08T09:08:57.715Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", iso_timestamp())
    parsed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert parsed.timestamp() == pytest.approx(1607418537.715)


def test_rest_headers() -> None:
    headers = rest_headers("key", SECRET, "pass", "2020-12-08T09:08:57.715Z", "GET", "/x?a=1")
    assert headers == {
        "OK-ACCESS-KEY": "key",
        "OK-ACCESS-SIGN": reference_sign(SECRET, "2020-12-08T09:08:57.715ZGET/x?a=1"),
        "OK-ACCESS-TIMESTAMP": "2020-12-08T09:08:57.715Z",
        "OK-ACCESS-PASSPHRASE": "pass",
    }


def _request(
    method: str, path: str, query: tuple[tuple[str, str], ...], body: bytes
) -> SignRequest:
    return SignRequest(
        method=method,
        path=path,
        query=query,
        query_string=encode_query(query),
        body=body,
        headers={},
    )


def test_signer_signs_query_and_body_as_sent() -> None:
    signer = OkxSigner(Secret("key"), Secret(SECRET), Secret("pass"))
    get = _request("GET", "/api/v5/trade/order", (("instId", "BTC-USDT"), ("ordId", "1")), b"")
    headers = dict(signer(get).headers)
    expected = reference_sign(
        SECRET, headers["OK-ACCESS-TIMESTAMP"] + "GET/api/v5/trade/order?instId=BTC-USDT&ordId=1"
    )
    assert headers["OK-ACCESS-SIGN"] == expected
    assert headers["OK-ACCESS-KEY"] == "key"
    assert headers["OK-ACCESS-PASSPHRASE"] == "pass"

    body = b'{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","sz":"1"}'
    post = _request("POST", "/api/v5/trade/order", (), body)
    headers = dict(signer(post).headers)
    assert headers["OK-ACCESS-SIGN"] == reference_sign(
        SECRET, headers["OK-ACCESS-TIMESTAMP"] + "POST/api/v5/trade/order" + body.decode()
    )


def test_signer_clock_is_injectable_and_signs_the_documented_request() -> None:
    # OKX's REST authentication example: timestamp 2020-12-08T09:08:57.715Z, GET of
    # /api/v5/account/balance?ccy=BTC; the clock decides the timestamp and nothing else does.
    signer = OkxSigner(Secret("key"), Secret(SECRET), Secret("pass"), clock=lambda: 1607418537.715)
    request = _request("GET", "/api/v5/account/balance", (("ccy", "BTC"),), b"")
    headers = dict(signer(request).headers)
    assert headers["OK-ACCESS-TIMESTAMP"] == "2020-12-08T09:08:57.715Z"
    assert headers["OK-ACCESS-SIGN"] == reference_sign(
        SECRET, "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC"
    )
    assert dict(signer(request).headers) == headers  # same clock, same signature
    login = signer.login_message()["args"][0]
    assert login["timestamp"] == "1607418537"
    assert login["sign"] == reference_sign(SECRET, "1607418537GET/users/self/verify")
    skewed = OkxSigner(
        Secret("key"), Secret(SECRET), Secret("pass"), clock=lambda: 1607418537.715, clock_offset=-1
    )
    assert skewed(request).headers["OK-ACCESS-TIMESTAMP"] == "2020-12-08T09:08:56.715Z"


def test_signer_clock_offset_moves_the_timestamp() -> None:
    signer = OkxSigner(Secret("key"), Secret(SECRET), Secret("pass"), clock_offset=-3600)
    headers = dict(signer(_request("GET", "/api/v5/account/balance", (), b"")).headers)
    stamp = datetime.strptime(headers["OK-ACCESS-TIMESTAMP"], "%Y-%m-%dT%H:%M:%S.%fZ")
    skew = datetime.now(UTC).replace(tzinfo=None) - stamp
    assert 3590 < skew.total_seconds() < 3610


@pytest.mark.parametrize("missing", ["key", "secret", "passphrase"])
def test_signer_without_credentials_refuses_before_sending(missing: str) -> None:
    parts = {"key": Secret("k"), "secret": Secret("s"), "passphrase": Secret("p")}
    parts[missing] = None  # type: ignore[assignment]
    signer = OkxSigner(parts["key"], parts["secret"], parts["passphrase"])
    with pytest.raises(MissingCredentials, match="okx"):
        signer(_request("GET", "/api/v5/account/balance", (), b""))


def test_ws_login_message() -> None:
    message = ws_login_message("key", SECRET, "pass", 1538054050.9)
    assert message["op"] == "login"
    (arg,) = message["args"]
    assert arg["apiKey"] == "key"
    assert arg["passphrase"] == "pass"
    assert arg["timestamp"] == "1538054050"  # Unix seconds
    assert arg["sign"] == reference_sign(SECRET, "1538054050GET/users/self/verify")


def test_signer_never_shows_the_secret() -> None:
    signer = OkxSigner(Secret("key"), Secret(SECRET), Secret("pass"))
    assert SECRET not in repr(signer.__dict__)
