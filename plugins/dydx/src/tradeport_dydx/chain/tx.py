"""Cosmos transactions, signed in SIGN_MODE_DIRECT.

``TxBody{messages = 1 (Any), memo = 2}``, ``AuthInfo{signer_infos = 1, fee = 2}`` with
``SignerInfo{public_key = 1 (Any PubKey), mode_info = 2 {single = 1 {mode = 1}}, sequence = 3}``
and ``Fee{amount = 1, gas_limit = 2}``; the signature covers
``SignDoc{body_bytes = 1, auth_info_bytes = 2, chain_id = 3, account_number = 4}``; the node
receives ``TxRaw{body_bytes = 1, auth_info_bytes = 2, signatures = 3}``. Order placement pays
no fee (the SDK sends an empty amount and a gas limit of 1 000 000).

API trading keys (dYdX "permissioned keys", x/accountplus): another key may sign for an
account through an authenticator registered on it. The transaction then carries
``TxBody.non_critical_extension_options = 2047`` with one
``Any{/dydxprotocol.accountplus.TxExtension, TxExtension{selected_authenticators = 1
(repeated uint64, packed)}}``, the signing key's public key in the signer info, and the
account's number and sequence (official Python client ``node/builder.py``,
``examples/permissioned_keys_example.py``; ``proto/dydxprotocol/accountplus/tx.proto``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final, Protocol

import attrs

from tradeport_dydx.chain.keys import DydxKey, address_of_public_key, verify_signature
from tradeport_dydx.chain.proto import (
    PUBKEY_SECP256K1,
    SIGN_MODE_DIRECT,
    Any,
    DecodeError,
    decode_fields,
    encode_pubkey,
    field_bytes,
    field_varint,
    repeated,
    varint,
)

__all__ = [
    "DEFAULT_GAS_LIMIT",
    "ChainMessage",
    "SignedTx",
    "DecodedTx",
    "build_signed_tx",
    "decode_tx",
    "sign_doc_bytes",
    "tx_hash",
    "tx_extension_bytes",
    "TX_EXTENSION",
]

DEFAULT_GAS_LIMIT: Final = 1_000_000
TX_EXTENSION: Final = "/dydxprotocol.accountplus.TxExtension"
#: TxBody field of the non-critical extension options.
_NON_CRITICAL_EXTENSIONS: Final = 2047


class ChainMessage(Protocol):
    """A message that can travel in a TxBody (MsgPlaceOrder, MsgCancelOrder, ...)."""

    type_url: str

    def encode(self) -> bytes: ...


def tx_extension_bytes(authenticators: Sequence[int]) -> bytes:
    """``TxExtension{selected_authenticators}``: proto3 packs a repeated scalar."""
    packed = b"".join(varint(a) for a in authenticators)
    return field_bytes(1, packed) if packed else b""


def _body_bytes(
    messages: Sequence[ChainMessage], memo: str, authenticators: Sequence[int] = ()
) -> bytes:
    anys = [Any(m.type_url, m.encode()).encode() for m in messages]
    body = repeated(1, anys) + field_bytes(2, memo)
    if authenticators:
        extension = Any(TX_EXTENSION, tx_extension_bytes(authenticators)).encode()
        body += field_bytes(_NON_CRITICAL_EXTENSIONS, extension, always=True)
    return body


def _authenticators_of(body_fields: dict[int, list[int | bytes]]) -> tuple[int, ...]:
    out: list[int] = []
    for raw in _only_bytes(body_fields.get(_NON_CRITICAL_EXTENSIONS, []), "extension options"):
        option = Any.decode(raw)
        if option.type_url != TX_EXTENSION:
            continue
        for value in decode_fields(option.value).get(1, []):
            if isinstance(value, bytes):  # packed
                out.extend(_varints(value))
            else:
                out.append(value)
    return tuple(out)


def _varints(data: bytes) -> list[int]:
    values, current, shift = [], 0, 0
    for byte in data:
        current |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            values.append(current)
            current, shift = 0, 0
    if shift:
        raise DecodeError("truncated packed varints")
    return values


def _auth_info_bytes(public_key: bytes, sequence: int, gas_limit: int) -> bytes:
    mode_info = field_bytes(1, field_varint(1, SIGN_MODE_DIRECT), always=True)
    signer = (
        field_bytes(1, encode_pubkey(public_key), always=True)
        + field_bytes(2, mode_info, always=True)
        + field_varint(3, sequence)
    )
    fee = field_varint(2, gas_limit)
    return field_bytes(1, signer, always=True) + field_bytes(2, fee, always=True)


def sign_doc_bytes(body: bytes, auth_info: bytes, chain_id: str, account_number: int) -> bytes:
    """The bytes a SIGN_MODE_DIRECT signature covers."""
    return (
        field_bytes(1, body)
        + field_bytes(2, auth_info)
        + field_bytes(3, chain_id)
        + field_varint(4, account_number)
    )


def tx_hash(tx_bytes: bytes) -> str:
    """The transaction hash as nodes print it (upper-case hex SHA-256 of the TxRaw bytes)."""
    return hashlib.sha256(tx_bytes).hexdigest().upper()


@attrs.frozen
class SignedTx:
    """A transaction ready for broadcast."""

    tx_bytes: bytes
    sequence: int

    @property
    def hash(self) -> str:
        return tx_hash(self.tx_bytes)


def build_signed_tx(
    key: DydxKey,
    messages: Sequence[ChainMessage],
    *,
    chain_id: str,
    account_number: int,
    sequence: int,
    memo: str = "",
    gas_limit: int = DEFAULT_GAS_LIMIT,
    authenticators: Sequence[int] = (),
) -> SignedTx:
    """Encode ``messages`` in a TxBody, sign it with ``key`` and return the TxRaw bytes
    (``authenticators``: the ids an API trading key signs through; ``account_number`` and
    ``sequence`` are then the account's, not the key's)."""
    body = _body_bytes(messages, memo, authenticators)
    auth_info = _auth_info_bytes(key.public_key, sequence, gas_limit)
    signature = key.sign(sign_doc_bytes(body, auth_info, chain_id, account_number))
    raw = field_bytes(1, body) + field_bytes(2, auth_info) + field_bytes(3, signature, always=True)
    return SignedTx(raw, sequence)


@attrs.frozen
class DecodedTx:
    """What a validator reads from TxRaw bytes (see :func:`decode_tx`)."""

    messages: tuple[Any, ...]
    memo: str
    public_key: bytes
    signer: str
    sequence: int
    gas_limit: int
    body_bytes: bytes
    auth_info_bytes: bytes
    signature: bytes
    #: The authenticators the transaction selects (an API trading key signs through them).
    authenticators: tuple[int, ...] = ()

    def signature_valid(self, chain_id: str, account_number: int) -> bool:
        """Whether the signature covers this body and auth info for that chain and account."""
        doc = sign_doc_bytes(self.body_bytes, self.auth_info_bytes, chain_id, account_number)
        return verify_signature(self.public_key, doc, self.signature)


def _only_bytes(values: list[int | bytes], what: str) -> list[bytes]:
    out = [v for v in values if isinstance(v, bytes)]
    if len(out) != len(values):
        raise DecodeError(f"{what} is not length-delimited")
    return out


def decode_tx(tx_bytes: bytes, prefix: str = "dydx") -> DecodedTx:
    """Decode TxRaw bytes with one signer (DecodeError when they are not such a transaction)."""
    raw = decode_fields(tx_bytes)
    body_list = _only_bytes(raw.get(1, []), "body_bytes")
    auth_list = _only_bytes(raw.get(2, []), "auth_info_bytes")
    signatures = _only_bytes(raw.get(3, []), "signatures")
    if len(body_list) != 1 or len(auth_list) != 1 or len(signatures) != 1:
        raise DecodeError("a transaction needs one body, one auth info and one signature")
    body, auth = body_list[0], auth_list[0]
    body_fields = decode_fields(body)
    messages = tuple(Any.decode(m) for m in _only_bytes(body_fields.get(1, []), "messages"))
    memo_values = _only_bytes(body_fields.get(2, [b""]), "memo")
    auth_fields = decode_fields(auth)
    signers = _only_bytes(auth_fields.get(1, []), "signer_infos")
    if len(signers) != 1:
        raise DecodeError("exactly one signer is supported")
    signer = decode_fields(signers[0])
    pub_any = Any.decode(_only_bytes(signer.get(1, []), "public_key")[0])
    if pub_any.type_url != PUBKEY_SECP256K1:
        raise DecodeError(f"unsupported public key type {pub_any.type_url}")
    public_key = _only_bytes(decode_fields(pub_any.value).get(1, []), "key")[0]
    sequence = signer.get(3, [0])[-1]
    fee = decode_fields(_only_bytes(auth_fields.get(2, [b""]), "fee")[0])
    gas_limit = fee.get(2, [0])[-1]
    if not isinstance(sequence, int) or not isinstance(gas_limit, int):
        raise DecodeError("sequence and gas limit are numbers")
    return DecodedTx(
        messages=messages,
        memo=memo_values[-1].decode(),
        public_key=public_key,
        signer=address_of_public_key(public_key, prefix),
        sequence=sequence,
        gas_limit=gas_limit,
        body_bytes=body,
        auth_info_bytes=auth,
        signature=signatures[0],
        authenticators=_authenticators_of(body_fields),
    )
