"""Polymarket authentication and order signing: pure functions plus a small credential holder.

Three signatures, all reproduced with the official SDK's vectors (tests/test_credential.py):

* **L1** (``POST /auth/api-key``, ``GET /auth/derive-api-key``): an EIP-712 signature of
  ``ClobAuth(address address,string timestamp,uint256 nonce,string message)`` in the domain
  ``{name: "ClobAuthDomain", version: "1", chainId}`` (no verifying contract), sent as the
  headers ``POLY_ADDRESS``, ``POLY_SIGNATURE``, ``POLY_TIMESTAMP`` (UNIX seconds) and
  ``POLY_NONCE``. The venue answers the API credentials (key, secret, passphrase).
* **L2** (every trading and account call): ``POLY_SIGNATURE`` is the URL-safe base64 of
  ``HMAC-SHA256(urlsafe_b64decode(secret), timestamp + METHOD + path + body)``; ``path`` has no
  query string and ``body`` is the JSON text exactly as sent (nothing when empty), with
  ``POLY_ADDRESS``, ``POLY_TIMESTAMP``, ``POLY_API_KEY`` and ``POLY_PASSPHRASE``.
* **Orders**: an EIP-712 ``Order`` in the exchange's domain ``{name: "Polymarket CTF
  Exchange", version, chainId, verifyingContract}``. The domain version and the contracts are
  a property of the market (:class:`ExchangeProtocol`): CLOB V2 markets sign for the CTF
  Exchange V2 (version "2", a regular and a neg-risk contract). Signature types: EOA (0),
  POLY_PROXY (1), POLY_GNOSIS_SAFE (2) sign the typed data with the EOA; POLY_1271 (3, the
  deposit wallet) signs an ERC-7739 ``TypedDataSign`` envelope whose signature carries the
  exchange's domain separator, the order's struct hash and the order type string.

Every EIP-712 computation is an ``eth-account`` call (``encode_typed_data``, ``sign_message``,
``recover_message``); nothing here hashes typed data by hand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import Any, Final

import attrs
from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils import keccak, to_checksum_address
from tradeport.errors import MissingCredentials, ValidationError
from tradeport.net import SignRequest, SignResult
from tradeport.secrets import Secret

from tradeport_polymarket.constants import (
    HEADER_ADDRESS,
    HEADER_API_KEY,
    HEADER_NONCE,
    HEADER_PASSPHRASE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    VENUE_ID,
)

__all__ = [
    "CLOB_AUTH_MESSAGE",
    "ORDER_TYPE_STRING",
    "ApiCredentials",
    "ExchangeProtocol",
    "OrderFields",
    "PolymarketCredential",
    "SignatureType",
    "clob_auth_message",
    "l2_signature",
    "make_signer",
    "order_hash",
    "order_message",
    "recover_clob_auth",
    "recover_order_signer",
    "sign_clob_auth",
    "sign_order",
]

CLOB_AUTH_MESSAGE: Final = "This message attests that I control the given wallet"
_CLOB_AUTH_TYPES: Final = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
    ],
    "ClobAuth": [
        {"name": "address", "type": "address"},
        {"name": "timestamp", "type": "string"},
        {"name": "nonce", "type": "uint256"},
        {"name": "message", "type": "string"},
    ],
}

_EXCHANGE_DOMAIN_NAME: Final = "Polymarket CTF Exchange"
_DOMAIN_FIELDS: Final = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_ORDER_FIELDS: Final = [
    {"name": "salt", "type": "uint256"},
    {"name": "maker", "type": "address"},
    {"name": "signer", "type": "address"},
    {"name": "tokenId", "type": "uint256"},
    {"name": "makerAmount", "type": "uint256"},
    {"name": "takerAmount", "type": "uint256"},
    {"name": "side", "type": "uint8"},
    {"name": "signatureType", "type": "uint8"},
    {"name": "timestamp", "type": "uint256"},
    {"name": "metadata", "type": "bytes32"},
    {"name": "builder", "type": "bytes32"},
]
#: The EIP-712 type string of the V2 order (the deposit wallet signature carries it).
ORDER_TYPE_STRING: Final = (
    "Order(" + ",".join(f"{f['type']} {f['name']}" for f in _ORDER_FIELDS) + ")"
)
#: ERC-7739 nested typed data: the deposit wallet validates the order inside this envelope.
_TYPED_DATA_SIGN_FIELDS: Final = [
    {"name": "contents", "type": "Order"},
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
    {"name": "salt", "type": "bytes32"},
]
_DEPOSIT_WALLET_NAME: Final = "DepositWallet"
_DEPOSIT_WALLET_VERSION: Final = "1"
ZERO_BYTES32: Final = "0x" + "00" * 32
_INNER_SIGNATURE_BYTES: Final = 65


class SignatureType(IntEnum):
    """Who signs an order for whom (``signatureType`` of the order)."""

    #: The EOA trades its own funds: maker = signer = the EOA.
    EOA = 0
    #: A Polymarket proxy wallet (email / Magic login) owned by the EOA: maker = the proxy.
    POLY_PROXY = 1
    #: A Gnosis Safe owned by the EOA (browser wallet login): maker = the Safe.
    POLY_GNOSIS_SAFE = 2
    #: A deposit wallet (ERC-1271 smart account): maker = signer = the wallet; the EOA's
    #: signature is wrapped in an ERC-7739 envelope the wallet verifies.
    POLY_1271 = 3


@attrs.frozen(kw_only=True)
class ExchangeProtocol:
    """The exchange contracts and EIP-712 domain version orders of a market are signed for.

    A property of the market: Polymarket rolls new exchange versions out market by market, so
    each instrument records its protocol (``info["exchange_protocol"]``) and the signer looks
    the domain up here. ``contracts`` maps a chain id to ``(regular, neg_risk)`` exchange
    addresses.
    """

    name: str
    domain_version: str
    contracts: Mapping[int, tuple[str, str]]

    def exchange(self, chain_id: int, neg_risk: bool) -> str:
        """The verifying contract for a market on ``chain_id`` (neg-risk or regular)."""
        pair = self.contracts.get(chain_id)
        if pair is None:
            raise ValidationError(
                "chain_id",
                chain_id,
                f"has no {self.name} exchange contracts (known: "
                f"{', '.join(str(c) for c in self.contracts) or 'none'})",
            )
        return pair[1] if neg_risk else pair[0]


@attrs.frozen(kw_only=True)
class OrderFields:
    """The signed fields of a V2 order (names as the venue's ``Order`` struct, snake_case).

    Amounts are integers in 6-decimal base units; ``side`` is 0 (BUY) or 1 (SELL).
    ``expiration`` travels with the order but is not signed in V2.
    """

    salt: int
    maker: str
    signer: str
    token_id: int
    maker_amount: int
    taker_amount: int
    side: int
    signature_type: SignatureType
    timestamp: int
    metadata: str = ZERO_BYTES32
    builder: str = ZERO_BYTES32
    expiration: int = 0


@attrs.frozen(repr=False)
class ApiCredentials:
    """The L2 credentials the venue issues for an address: key, secret and passphrase."""

    api_key: Secret
    secret: Secret
    passphrase: Secret

    def __repr__(self) -> str:
        return f"ApiCredentials(api_key={self.api_key!r})"


# -- L1: ClobAuth -------------------------------------------------------------------------------


def clob_auth_message(address: str, chain_id: int, timestamp: int, nonce: int) -> SignableMessage:
    """The EIP-712 ``ClobAuth`` message an address signs to create or derive API keys."""
    return encode_typed_data(
        full_message={
            "types": _CLOB_AUTH_TYPES,
            "primaryType": "ClobAuth",
            "domain": {"name": "ClobAuthDomain", "version": "1", "chainId": chain_id},
            "message": {
                "address": to_checksum_address(address),
                "timestamp": str(timestamp),
                "nonce": nonce,
                "message": CLOB_AUTH_MESSAGE,
            },
        }
    )


def sign_clob_auth(private_key: str, chain_id: int, timestamp: int, nonce: int) -> str:
    """The L1 ``POLY_SIGNATURE``: 0x-prefixed hex of the 65-byte signature."""
    account = Account.from_key(private_key)
    signed = Account.sign_message(
        clob_auth_message(account.address, chain_id, timestamp, nonce), private_key
    )
    return _hex(signed.signature)


def recover_clob_auth(
    signature: str, address: str, chain_id: int, timestamp: int, nonce: int
) -> str:
    """The address that made an L1 signature (the venue checks it equals ``POLY_ADDRESS``)."""
    message = clob_auth_message(address, chain_id, timestamp, nonce)
    return str(Account.recover_message(message, signature=signature))


# -- L2: HMAC -----------------------------------------------------------------------------------


def l2_signature(secret: str, timestamp: int | str, method: str, path: str, body: str = "") -> str:
    """URL-safe base64 HMAC-SHA256 of ``timestamp + method + path + body`` keyed with the
    URL-safe base64-decoded secret (``body`` only when non-empty)."""
    key = base64.urlsafe_b64decode(secret)
    message = f"{timestamp}{method}{path}{body}"
    digest = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


# -- orders -------------------------------------------------------------------------------------


def _bytes32(value: str) -> bytes:
    raw = bytes.fromhex(value.removeprefix("0x").zfill(64))
    if len(raw) != 32:
        raise ValidationError("bytes32", value, "must be at most 32 bytes of hex")
    return raw


def _order_struct(order: OrderFields) -> dict[str, Any]:
    return {
        "salt": order.salt,
        "maker": to_checksum_address(order.maker),
        "signer": to_checksum_address(order.signer),
        "tokenId": order.token_id,
        "makerAmount": order.maker_amount,
        "takerAmount": order.taker_amount,
        "side": order.side,
        "signatureType": int(order.signature_type),
        "timestamp": order.timestamp,
        "metadata": _bytes32(order.metadata),
        "builder": _bytes32(order.builder),
    }


def _exchange_domain(chain_id: int, exchange: str, domain_version: str) -> dict[str, Any]:
    return {
        "name": _EXCHANGE_DOMAIN_NAME,
        "version": domain_version,
        "chainId": chain_id,
        "verifyingContract": to_checksum_address(exchange),
    }


def order_message(
    order: OrderFields, chain_id: int, exchange: str, domain_version: str
) -> SignableMessage:
    """The EIP-712 ``Order`` message: ``header`` is the exchange's domain separator and
    ``body`` the order's struct hash."""
    return encode_typed_data(
        full_message={
            "types": {"EIP712Domain": _DOMAIN_FIELDS, "Order": _ORDER_FIELDS},
            "primaryType": "Order",
            "domain": _exchange_domain(chain_id, exchange, domain_version),
            "message": _order_struct(order),
        }
    )


def _typed_data_sign_message(
    order: OrderFields, chain_id: int, exchange: str, domain_version: str
) -> SignableMessage:
    """The ERC-7739 envelope a deposit wallet's owner signs: the order nested as ``contents``
    in the app (exchange) domain, bound to the wallet (``verifyingContract`` = the signer)."""
    return encode_typed_data(
        full_message={
            "types": {
                "EIP712Domain": _DOMAIN_FIELDS,
                "TypedDataSign": _TYPED_DATA_SIGN_FIELDS,
                "Order": _ORDER_FIELDS,
            },
            "primaryType": "TypedDataSign",
            "domain": _exchange_domain(chain_id, exchange, domain_version),
            "message": {
                "contents": _order_struct(order),
                "name": _DEPOSIT_WALLET_NAME,
                "version": _DEPOSIT_WALLET_VERSION,
                "chainId": chain_id,
                "verifyingContract": to_checksum_address(order.signer),
                "salt": _bytes32(ZERO_BYTES32),
            },
        }
    )


def order_hash(order: OrderFields, chain_id: int, exchange: str, domain_version: str) -> str:
    """The EIP-712 digest of an order (0x hex): what the exchange identifies it by."""
    message = order_message(order, chain_id, exchange, domain_version)
    return _hex(keccak(b"\x19" + message.version + message.header + message.body))


def sign_order(
    order: OrderFields, private_key: str, chain_id: int, exchange: str, domain_version: str
) -> str:
    """The order's ``signature`` (0x hex) for its signature type."""
    if order.signature_type is SignatureType.POLY_1271:
        envelope = _typed_data_sign_message(order, chain_id, exchange, domain_version)
        inner = Account.sign_message(envelope, private_key).signature
        contents = order_message(order, chain_id, exchange, domain_version)
        type_string = ORDER_TYPE_STRING.encode("ascii")
        composite = (
            bytes(inner)
            + contents.header
            + contents.body
            + type_string
            + len(type_string).to_bytes(2, "big")
        )
        return _hex(composite)
    signer = Account.from_key(private_key).address
    if to_checksum_address(order.signer) != signer:
        raise ValidationError(
            "signer", order.signer, f"is not the address of the signing key ({signer})"
        )
    message = order_message(order, chain_id, exchange, domain_version)
    return _hex(Account.sign_message(message, private_key).signature)


def recover_order_signer(
    order: OrderFields, signature: str, chain_id: int, exchange: str, domain_version: str
) -> str:
    """The EOA that signed an order (for a deposit wallet order: the wallet's owner).

    Raises ValueError when a deposit wallet signature does not carry this order's domain
    separator, struct hash and type string.
    """
    raw = bytes.fromhex(signature.removeprefix("0x"))
    if order.signature_type is not SignatureType.POLY_1271:
        message = order_message(order, chain_id, exchange, domain_version)
        return str(Account.recover_message(message, signature=raw))
    contents = order_message(order, chain_id, exchange, domain_version)
    type_string = ORDER_TYPE_STRING.encode("ascii")
    expected_tail = (
        contents.header + contents.body + type_string + len(type_string).to_bytes(2, "big")
    )
    if len(raw) != _INNER_SIGNATURE_BYTES + len(expected_tail) or raw[65:] != expected_tail:
        raise ValueError("deposit wallet signature does not wrap this order")
    envelope = _typed_data_sign_message(order, chain_id, exchange, domain_version)
    return str(Account.recover_message(envelope, signature=raw[:_INNER_SIGNATURE_BYTES]))


def _hex(raw: bytes) -> str:
    return "0x" + bytes(raw).hex()


# -- the credential holder ----------------------------------------------------------------------


class PolymarketCredential:
    """The signing key (L1, orders), the API credentials (L2) and the clock. Never prints
    its values.

    ``address`` is the EOA of the private key (``POLY_ADDRESS`` and the order ``signer``);
    ``funder`` the wallet that holds the funds (the order ``maker``: a proxy, a Safe or a
    deposit wallet; the EOA itself for EOA orders).
    """

    def __init__(
        self,
        *,
        private_key: Secret | None,
        api: ApiCredentials | None,
        chain_id: int,
        signature_type: SignatureType = SignatureType.EOA,
        funder: str | None = None,
        address: str | None = None,
        clock_offset_s: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._private_key = private_key
        self.api = api
        self.chain_id = chain_id
        self.signature_type = signature_type
        derived = Account.from_key(private_key.reveal()).address if private_key else None
        if address is not None and derived is not None and to_checksum_address(address) != derived:
            raise ValidationError("address", address, f"is not the private key's address {derived}")
        chosen = address or derived
        self.address: str | None = to_checksum_address(chosen) if chosen else None
        self.funder = to_checksum_address(funder) if funder else self.address
        if signature_type is not SignatureType.EOA and funder is None:
            raise ValidationError(
                "funder", None, f"is required for signature type {signature_type.name}"
            )
        self.clock_offset_s = clock_offset_s
        self._clock = clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}(address={self.address!r}, funder={self.funder!r})"

    @property
    def secrets(self) -> tuple[Secret, ...]:
        """Every secret value, for log redaction."""
        values: list[Secret] = [] if self._private_key is None else [self._private_key]
        if self.api is not None:
            values += [self.api.api_key, self.api.secret, self.api.passphrase]
        return tuple(values)

    @property
    def can_sign_orders(self) -> bool:
        """Whether a private key is configured (orders and L1 need one)."""
        return self._private_key is not None

    def timestamp(self) -> int:
        """The signing timestamp in UNIX seconds, the configured offset added."""
        return int(self._clock()) + self.clock_offset_s

    def _key(self, what: str) -> str:
        if self._private_key is None:
            raise MissingCredentials(VENUE_ID, what, "set private_key (POLYMARKET_PRIVATE_KEY)")
        return self._private_key.reveal()

    def l1_headers(self, nonce: int = 0) -> dict[str, str]:
        """The L1 headers, signed now."""
        key = self._key("L1 authentication")
        assert self.address is not None
        timestamp = self.timestamp()
        return {
            HEADER_ADDRESS: self.address,
            HEADER_SIGNATURE: sign_clob_auth(key, self.chain_id, timestamp, nonce),
            HEADER_TIMESTAMP: str(timestamp),
            HEADER_NONCE: str(nonce),
        }

    def l2_headers(self, method: str, path: str, body: bytes | str = b"") -> dict[str, str]:
        """The L2 headers for one request, signed now."""
        if self.api is None or self.address is None:
            raise MissingCredentials(
                VENUE_ID,
                f"{method} {path}",
                "set api_key, api_secret, api_passphrase and private_key (or address)",
            )
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        timestamp = self.timestamp()
        return {
            HEADER_ADDRESS: self.address,
            HEADER_SIGNATURE: l2_signature(self.api.secret.reveal(), timestamp, method, path, text),
            HEADER_TIMESTAMP: str(timestamp),
            HEADER_API_KEY: self.api.api_key.reveal(),
            HEADER_PASSPHRASE: self.api.passphrase.reveal(),
        }

    def ws_auth(self) -> dict[str, str]:
        """The ``auth`` object of the user channel subscription."""
        if self.api is None:
            raise MissingCredentials(VENUE_ID, "user channel", "set the API credentials")
        return {
            "apiKey": self.api.api_key.reveal(),
            "secret": self.api.secret.reveal(),
            "passphrase": self.api.passphrase.reveal(),
        }

    def order_signer_address(self) -> str:
        """The order's ``signer``: the EOA, or the deposit wallet itself for POLY_1271."""
        if self.signature_type is SignatureType.POLY_1271:
            assert self.funder is not None
            return self.funder
        assert self.address is not None
        return self.address

    def sign_order(self, order: OrderFields, exchange: str, domain_version: str) -> str:
        """The signature of ``order`` for ``exchange`` (see :func:`sign_order`)."""
        return sign_order(
            order, self._key("order signing"), self.chain_id, exchange, domain_version
        )


def make_signer(credential: PolymarketCredential | None) -> Callable[[SignRequest], SignResult]:
    """The HttpClient signing hook (L2); without credentials it refuses before sending."""

    def signer(request: SignRequest) -> SignResult:
        if credential is None:
            raise MissingCredentials(
                VENUE_ID,
                f"{request.method} {request.path}",
                "set api_key, api_secret, api_passphrase and private_key",
            )
        return SignResult(headers=credential.l2_headers(request.method, request.path, request.body))

    return signer
