"""Signing: the REST vector of VENUES-2.md (nautilus unit test), the documented WebSocket
prehash, the FIX logon payload of the Admin Messages page, and refusals."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from tradeport.errors import MissingCredentials, ValidationError
from tradeport.net import SignRequest
from tradeport.secrets import Secret

from tradeport_coinbase_intx.credential import (
    CoinbaseIntxCredential,
    fix_logon_payload,
    make_signer,
    rest_payload,
    sign,
    ws_payload,
)

# VENUES-2.md, Coinbase International: key test_key_123, secret dGVzdF9zZWNyZXRfYmFzZTY0,
# ts 1641890400, GET /api/v1/fee-rate-tiers, no body.
VECTOR_SECRET = "dGVzdF9zZWNyZXRfYmFzZTY0"
VECTOR_SIGNATURE = "h/9tnYzD/nsEbH1sV7dkB5uJ3Vygr4TjmOOxJNQB8ts="


def _credential(now: float = 1641890400.0) -> CoinbaseIntxCredential:
    return CoinbaseIntxCredential(
        Secret("test_key_123"), Secret(VECTOR_SECRET), Secret("passphrase"), clock=lambda: now
    )


def test_rest_vector() -> None:
    payload = rest_payload(1641890400, "GET", "/api/v1/fee-rate-tiers")
    assert payload == "1641890400GET/api/v1/fee-rate-tiers"
    assert sign(VECTOR_SECRET, payload) == VECTOR_SIGNATURE


def test_rest_path_drops_the_query_and_signs_the_body() -> None:
    assert rest_payload(1, "get", "/api/v1/orders?instrument=BTC-PERP") == "1GET/api/v1/orders"
    body = b'{"size":"1"}'
    assert rest_payload(7, "POST", "/api/v1/orders", body) == '7POST/api/v1/orders{"size":"1"}'


def test_headers_carry_seconds_key_passphrase_and_the_vector_signature() -> None:
    headers = _credential().rest_headers("GET", "/api/v1/fee-rate-tiers", b"")
    assert headers == {
        "CB-ACCESS-KEY": "test_key_123",
        "CB-ACCESS-PASSPHRASE": "passphrase",
        "CB-ACCESS-TIMESTAMP": "1641890400",
        "CB-ACCESS-SIGN": VECTOR_SIGNATURE,
    }


def test_clock_offset_moves_the_timestamp() -> None:
    credential = CoinbaseIntxCredential(
        Secret("k"), Secret(VECTOR_SECRET), Secret("p"), clock_offset_ms=-3000, clock=lambda: 100.5
    )
    assert credential.rest_headers("GET", "/x", b"")["CB-ACCESS-TIMESTAMP"] == "97"


def test_ws_prehash_is_the_documented_one() -> None:
    # WebSocket Feed > Authentication: "1744594506glK4uG8QRmh3aqnJCBINTLMDpassphrase"
    assert ws_payload(1744594506, "glK4uG8QRmh3aqnJ", "passphrase") == (
        "1744594506glK4uG8QRmh3aqnJCBINTLMDpassphrase"
    )


def test_ws_auth_fields_are_signed_with_the_decoded_secret() -> None:
    auth = _credential(1744594506.9).ws_auth()
    assert auth["time"] == "1744594506"
    assert auth["key"] == "test_key_123"
    assert auth["passphrase"] == "passphrase"
    expected = hmac.new(
        base64.b64decode(VECTOR_SECRET),
        b"1744594506test_key_123CBINTLMDpassphrase",
        hashlib.sha256,
    ).digest()
    assert auth["signature"] == base64.b64encode(expected).decode()


def test_fix_logon_fields() -> None:
    fields = dict(_credential().fix_logon_fields("20250414-01:35:06.123", "CBINTLDC"))
    payload = fix_logon_payload("20250414-01:35:06.123", "test_key_123", "CBINTLDC", "passphrase")
    assert payload == "20250414-01:35:06.123test_key_123CBINTLDCpassphrase"
    assert fields == {553: "test_key_123", 554: "passphrase", 58: sign(VECTOR_SECRET, payload)}


def test_a_secret_that_is_not_base64_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="api_secret"):
        CoinbaseIntxCredential(Secret("k"), Secret("not base64!"), Secret("p"))


def test_repr_hides_the_values() -> None:
    text = repr(_credential())
    assert VECTOR_SECRET not in text
    assert "passphrase" not in text


def test_signer_without_credentials_refuses() -> None:
    request = SignRequest(
        method="GET", path="/api/v1/portfolios", query=(), query_string="", body=b"", headers={}
    )
    with pytest.raises(MissingCredentials, match="COINBASE_INTX_API_PASSPHRASE"):
        make_signer(None)(request)


def test_signer_signs_the_path_without_the_query() -> None:
    request = SignRequest(
        method="GET",
        path="/api/v1/fee-rate-tiers",
        query=(("a", "1"),),
        query_string="a=1",
        body=b"",
        headers={},
    )
    result = make_signer(_credential())(request)
    assert result.headers["CB-ACCESS-SIGN"] == VECTOR_SIGNATURE
