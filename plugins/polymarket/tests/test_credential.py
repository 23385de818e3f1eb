"""Signing reproduced with Polymarket's own vectors.

* L1 ClobAuth and L2 HMAC: py-clob-client-v2 ``tests/signing/test_eip712.py`` and
  ``tests/signing/test_hmac.py`` (identical in py-clob-client).
* Orders: py-clob-client-v2 ``tests/order_utils/test_exchange_order_builder_v2.py`` (the
  POLY_1271 signature), and ``test_data/sdk_order_vectors.json``: hashes and signatures the
  official ``ExchangeOrderBuilderV2`` of py-clob-client-v2 1.2.1 produced for the same fixed
  order under every signature type, side and exchange (SOURCES.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tradeport.errors import MissingCredentials, ValidationError
from tradeport.secrets import Secret
from tradeport_polymarket.constants import AMOY, CTF_EXCHANGE_V2
from tradeport_polymarket.credential import (
    ApiCredentials,
    OrderFields,
    PolymarketCredential,
    SignatureType,
    l2_signature,
    make_signer,
    order_hash,
    recover_clob_auth,
    recover_order_signer,
    sign_clob_auth,
    sign_order,
)

DATA = Path(__file__).parent / "test_data"
#: The publicly known key of local Ethereum dev chains, used by every SDK test.
KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"

SDK_POLY_1271 = (
    "0xa3a093c83b6c20c83355c16ce94c92e6e9fcbdeb840618cc74f6c57a42ad145b"
    "2b98db73d2c73cbf1f2b6af288566ae81960ddbc3a13921027358a8bff3be6ff1c"
    "a440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148"
    "d23d42d3ad94e65d78258cecaf8dcbaddac0f73dc085040f2c12bb595dd83804"
    "4f726465722875696e743235362073616c742c61646472657373206d616b65722c"
    "61646472657373207369676e65722c75696e7432353620746f6b656e49642c75"
    "696e74323536206d616b6572416d6f756e742c75696e743235362074616b6572"
    "416d6f756e742c75696e743820736964652c75696e7438207369676e61747572"
    "65547970652c75696e743235362074696d657374616d702c6279746573333220"
    "6d657461646174612c62797465733332206275696c6465722900ba"
)


def test_l1_clob_auth_reproduces_the_sdk_vector() -> None:
    signature = sign_clob_auth(KEY, AMOY, 10000000, 23)
    assert signature == (
        "0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d526036"
        "6425f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b"
    )
    assert recover_clob_auth(signature, ADDRESS, AMOY, 10000000, 23) == ADDRESS
    assert recover_clob_auth(signature, ADDRESS, AMOY, 10000001, 23) != ADDRESS


def test_l2_hmac_reproduces_the_sdk_vector() -> None:
    secret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    signature = l2_signature(secret, "1000000", "test-sign", "/orders", '{"hash": "0x123"}')
    assert signature == "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc="
    # The SDK omits an empty body, and the signature is URL-safe base64 (no + or /).
    assert l2_signature(secret, "1000000", "GET", "/orders") == l2_signature(
        secret, "1000000", "GET", "/orders", ""
    )


def _vector_order(signature_type: SignatureType, side: int, maker: str, signer: str) -> OrderFields:
    return OrderFields(
        salt=479249096354,
        maker=maker,
        signer=signer,
        token_id=1234,
        maker_amount=100000000,
        taker_amount=50000000,
        side=side,
        signature_type=signature_type,
        timestamp=1710000000000,
    )


def test_deposit_wallet_order_reproduces_the_sdk_vector() -> None:
    wallet = "0x1111111111111111111111111111111111111111"
    order = _vector_order(SignatureType.POLY_1271, 0, wallet, wallet)
    exchange = CTF_EXCHANGE_V2[AMOY][0]
    signature = sign_order(order, KEY, AMOY, exchange, "2")
    assert signature == SDK_POLY_1271
    # The mock venue recovers the wallet's owner from the envelope.
    assert recover_order_signer(order, signature, AMOY, exchange, "2") == ADDRESS
    other = _vector_order(SignatureType.POLY_1271, 1, wallet, wallet)
    with pytest.raises(ValueError, match="does not wrap"):
        recover_order_signer(other, signature, AMOY, exchange, "2")


def _sdk_vectors() -> list[dict[str, str]]:
    return json.loads((DATA / "sdk_order_vectors.json").read_text())["vectors"]


@pytest.mark.parametrize(
    "vector", _sdk_vectors(), ids=lambda v: f"{v['exchange']}-{v['type']}-{v['side']}"
)
def test_order_signatures_reproduce_the_sdk(vector: dict[str, str]) -> None:
    signature_type = SignatureType[vector["type"]]
    order = _vector_order(signature_type, int(vector["side"]), vector["maker"], vector["signer"])
    regular, neg_risk = CTF_EXCHANGE_V2[AMOY]
    exchange = neg_risk if vector["exchange"] == "negrisk" else regular
    assert order_hash(order, AMOY, exchange, "2") == vector["hash"]
    signature = sign_order(order, KEY, AMOY, exchange, "2")
    assert signature == vector["signature"]
    assert recover_order_signer(order, signature, AMOY, exchange, "2") == ADDRESS


def test_an_eoa_order_must_be_signed_by_its_signer() -> None:
    order = _vector_order(
        SignatureType.EOA, 0, ADDRESS, "0x1111111111111111111111111111111111111111"
    )
    with pytest.raises(ValidationError, match="signer"):
        sign_order(order, KEY, AMOY, CTF_EXCHANGE_V2[AMOY][0], "2")


def test_credential_headers_and_repr_hide_secrets() -> None:
    api = ApiCredentials(
        Secret("key-1"), Secret("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), Secret("pass-1")
    )
    credential = PolymarketCredential(
        private_key=Secret(KEY), api=api, chain_id=AMOY, clock=lambda: 1000000.5
    )
    headers = credential.l2_headers("test-sign", "/orders", b'{"hash": "0x123"}')
    assert headers["POLY_SIGNATURE"] == "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc="
    assert headers["POLY_ADDRESS"] == ADDRESS
    assert headers["POLY_API_KEY"] == "key-1" and headers["POLY_PASSPHRASE"] == "pass-1"
    l1 = PolymarketCredential(
        private_key=Secret(KEY), api=None, chain_id=AMOY, clock=lambda: 10000000
    )
    assert l1.l1_headers(23)["POLY_SIGNATURE"].startswith("0xf62319a9")
    for text in (repr(credential), repr(api)):
        assert KEY not in text and "pass-1" not in text and "AAAA" not in text


def test_proxy_and_safe_need_a_funder_and_sign_with_the_eoa() -> None:
    with pytest.raises(ValidationError, match="funder"):
        PolymarketCredential(
            private_key=Secret(KEY),
            api=None,
            chain_id=AMOY,
            signature_type=SignatureType.POLY_GNOSIS_SAFE,
        )
    safe = "0xaFB8270A801862270FebB3763505b136491e557b"
    credential = PolymarketCredential(
        private_key=Secret(KEY),
        api=None,
        chain_id=AMOY,
        signature_type=SignatureType.POLY_GNOSIS_SAFE,
        funder=safe,
    )
    assert credential.funder == safe and credential.order_signer_address() == ADDRESS
    wallet = PolymarketCredential(
        private_key=Secret(KEY),
        api=None,
        chain_id=AMOY,
        signature_type=SignatureType.POLY_1271,
        funder="0x1111111111111111111111111111111111111111",
    )
    assert wallet.order_signer_address() == "0x1111111111111111111111111111111111111111"


def test_signer_without_credentials_refuses_before_sending() -> None:
    from tradeport.net import SignRequest

    request = SignRequest(
        method="GET", path="/data/orders", query=(), query_string="", body=b"", headers={}
    )
    with pytest.raises(MissingCredentials):
        make_signer(None)(request)


def test_config_names_the_field_and_value_it_refuses() -> None:
    from tradeport_polymarket.config import PolymarketConfig

    assert PolymarketConfig(signature_type="POLY_1271").signature_type is SignatureType.POLY_1271
    assert PolymarketConfig(signature_type=2).signature_type is SignatureType.POLY_GNOSIS_SAFE
    with pytest.raises(ValidationError, match="signature_type"):
        PolymarketConfig(signature_type="WALLET")
    with pytest.raises(ValidationError, match="amount_rounding"):
        PolymarketConfig(amount_rounding="float")
    assert PolymarketConfig(testnet=True).chain == 80002 and PolymarketConfig().chain == 137
    assert KEY not in repr(PolymarketConfig(private_key=KEY))
