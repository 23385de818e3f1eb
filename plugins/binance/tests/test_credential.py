"""Signing reproduces Binance's documented examples exactly (rest-api.md, SIGNED examples)."""

from __future__ import annotations

import base64

import pytest
from tradeport.errors import MissingCredentials
from tradeport.net.http import SignRequest, encode_query, normalize_params
from tradeport.secrets import Secret
from tradeport_binance.credential import (
    BinanceSigner,
    ed25519_signature,
    hmac_signature,
    load_ed25519_key,
    signature_payload,
)

DOC_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_QUERY = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
DOC_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
DOC_MIXED_SIGNATURE = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"


def test_hmac_example_1_and_2_request_body_or_query_string() -> None:
    assert hmac_signature(DOC_SECRET, DOC_QUERY) == DOC_SIGNATURE


def test_hmac_example_3_mixed_query_and_body_concatenates_without_separator() -> None:
    payload = signature_payload(
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
        b"quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
    )
    assert hmac_signature(DOC_SECRET, payload) == DOC_MIXED_SIGNATURE


def _request(params: list[tuple[str, str]], body: bytes = b"") -> SignRequest:
    query = normalize_params(params)
    return SignRequest(
        method="POST",
        path="/api/v3/order",
        query=query,
        query_string=encode_query(query),
        body=body,
        headers={},
    )


def test_signer_reproduces_the_documented_request_exactly() -> None:
    signer = BinanceSigner(Secret(DOC_KEY), Secret(DOC_SECRET), clock=lambda: 1499827319559)
    request = _request(
        [
            ("symbol", "LTCBTC"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "1"),
            ("price", "0.1"),
        ]
    )
    result = signer(request)
    assert list(result.params) == [
        ("recvWindow", 5000),
        ("timestamp", 1499827319559),
        ("signature", DOC_SIGNATURE),
    ]
    assert result.headers == {"X-MBX-APIKEY": DOC_KEY}
    # What goes on the wire is the documented query string plus the signature.
    wire = request.query_with(list(result.params))
    assert wire == f"{DOC_QUERY}&signature={DOC_SIGNATURE}"


def test_signer_without_credentials_refuses_before_anything_leaves() -> None:
    signer = BinanceSigner(None, None)
    with pytest.raises(MissingCredentials, match="needs API credentials"):
        signer(_request([("symbol", "BTCUSDT")]))


def test_signer_repr_never_shows_the_secret() -> None:
    signer = BinanceSigner(Secret(DOC_KEY), Secret(DOC_SECRET))
    assert DOC_SECRET not in repr(signer) and DOC_KEY not in repr(signer)


def _ed25519_pem() -> tuple[str, object]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, key.public_key()


def test_ed25519_signature_is_base64_and_verifies_with_the_public_key() -> None:
    pytest.importorskip("cryptography")
    pem, public = _ed25519_pem()
    # The documented payload (web-socket-api.md, SIGNED request example (Ed25519)).
    payload = (
        "apiKey=4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO&price=52000.00"
        "&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC"
        "&timestamp=1645423376532&type=LIMIT"
    )
    signature = ed25519_signature(load_ed25519_key(pem), payload)
    raw = base64.b64decode(signature)
    assert len(raw) == 64
    public.verify(raw, payload.encode())  # type: ignore[attr-defined]


def test_ed25519_signer_percent_encodes_the_base64_signature_on_the_wire() -> None:
    pytest.importorskip("cryptography")
    pem, public = _ed25519_pem()
    signer = BinanceSigner(Secret("key"), Secret(pem), key_type="ed25519", clock=lambda: 1)
    request = _request([("symbol", "BTCUSDT")])
    result = signer(request)
    signature = dict(result.params)["signature"]
    public.verify(base64.b64decode(signature), b"symbol=BTCUSDT&recvWindow=5000&timestamp=1")  # type: ignore[attr-defined]
    wire = request.query_with(list(result.params))
    assert "+" not in wire.split("signature=")[1] and "/" not in wire.split("signature=")[1]


def test_ed25519_rejects_non_pem_without_echoing_it() -> None:
    pytest.importorskip("cryptography")
    from tradeport.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        load_ed25519_key("not-a-key-SECRETVALUE")
    assert "SECRETVALUE" not in str(info.value)
