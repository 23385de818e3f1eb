"""Signing: BitMEX's documented examples (https://www.bitmex.com/app/apiKeysUsage) reproduce
exactly through the plugin's signing code, and the HttpClient hook signs what it sends."""

from __future__ import annotations

import pytest
from tradeport.errors import MissingCredentials
from tradeport.net.http import SignRequest, encode_query
from tradeport_bitmex.credential import (
    BitmexSigner,
    auth_key_expires_message,
    sign,
    signature_path,
)

# The documented example key pair (apiKeysUsage, "Full sample calculation").
API_KEY = "LAqUlngMIQkIUjXMUreyu3qn"
API_SECRET = "chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO"
POST_BODY = (
    '{"symbol":"XBTM15","price":219.0,"clOrdID":"mm_bitmex_1a/oemUeQ4CAJZgP3fjHsA","orderQty":98}'
)


@pytest.mark.parametrize(
    ("verb", "path", "expires", "data", "expected"),
    [
        # "Simple GET"
        (
            "GET",
            "/api/v1/instrument",
            1518064236,
            "",
            "c7682d435d0cfe87c16098df34ef2eb5a549d4c5a3c2b1f0f77b8af73423bf00",
        ),
        # "GET with complex querystring (value is URL-encoded)"
        (
            "GET",
            "/api/v1/instrument?filter=%7B%22symbol%22%3A+%22XBTM15%22%7D",
            1518064237,
            "",
            "e2f422547eecb5b3cb29ade2127e21b858b235b386bfa45e1c1756eb3383919f",
        ),
        # "POST"
        (
            "POST",
            "/api/v1/order",
            1518064238,
            POST_BODY,
            "1749cd2ccae4aa49048ae09f0b95110cee706e0944e6a14ad0b3a8cb45bd336b",
        ),
    ],
)
def test_documented_signatures(
    verb: str, path: str, expires: int, data: str, expected: str
) -> None:
    assert sign(API_SECRET, verb, path, expires, data) == expected
    assert sign(API_SECRET, verb, path, expires, data.encode()) == expected


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


def test_signer_reproduces_documented_post() -> None:
    signer = BitmexSigner(
        API_KEY, API_SECRET, prefix="/api/v1", expires_after=2, clock=lambda: 1518064236.4
    )
    result = signer(_request("POST", "/order", (), POST_BODY.encode()))
    assert result.headers == {
        "api-expires": "1518064238",
        "api-key": API_KEY,
        "api-signature": "1749cd2ccae4aa49048ae09f0b95110cee706e0944e6a14ad0b3a8cb45bd336b",
    }
    assert result.params == ()


def test_signer_covers_prefix_and_query_as_sent() -> None:
    signer = BitmexSigner(
        API_KEY, API_SECRET, prefix="/api/v1", expires_after=0, clock=lambda: 1518064237
    )
    query = (("filter", '{"symbol":"XBTM15"}'),)
    result = signer(_request("GET", "/instrument", query, b""))
    path = signature_path("/api/v1", "/instrument", encode_query(query))
    assert path == "/api/v1/instrument?filter=%7B%22symbol%22%3A%22XBTM15%22%7D"
    assert result.headers["api-signature"] == sign(API_SECRET, "GET", path, 1518064237)


def test_signer_without_credentials_refuses_before_sending() -> None:
    with pytest.raises(MissingCredentials, match="BITMEX"):
        BitmexSigner(None, None)(_request("GET", "/order", (), b""))


def test_ws_auth_key_expires_signs_get_realtime() -> None:
    message = auth_key_expires_message(API_KEY, API_SECRET, 1518064236)
    assert message["op"] == "authKeyExpires"
    assert message["args"][:2] == [API_KEY, 1518064236]
    assert message["args"][2] == sign(API_SECRET, "GET", "/realtime", 1518064236)
    assert len(message["args"][2]) == 64
