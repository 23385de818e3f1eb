"""dYdX keys and addresses.

A key comes from a BIP-39 mnemonic (BIP-44 path ``m/44'/118'/0'/0/0``, the Cosmos coin type) or
from a raw 32-byte secp256k1 key. The address is ``bech32("dydx", RIPEMD160(SHA256(compressed
public key)))``. Signatures are 64-byte ``r || s`` over SHA-256 of the signed bytes, with a low
``s`` (Cosmos rejects high-s signatures).
"""

from __future__ import annotations

import hashlib
from typing import Final

import bech32
import coincurve
from tradeport.errors import ValidationError

__all__ = [
    "ADDRESS_PREFIX",
    "COSMOS_COIN_TYPE",
    "MAX_SUBACCOUNT_NUMBER",
    "DydxKey",
    "address_of_public_key",
    "check_subaccount_number",
    "verify_signature",
]

ADDRESS_PREFIX: Final = "dydx"
#: SLIP-44 coin type of Cosmos chains; dYdX derives keys like every Cosmos wallet.
COSMOS_COIN_TYPE: Final = 118
#: Parent subaccounts are 0..127; isolated-margin child subaccounts go up to 128 000.
MAX_SUBACCOUNT_NUMBER: Final = 128_000
_GROUP_ORDER: Final = int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16)


def _ripemd160(data: bytes) -> bytes:
    try:
        return hashlib.new("ripemd160", data).digest()
    except ValueError:  # OpenSSL 3 without the legacy provider: bip-utils ships one
        from bip_utils.utils.misc import CryptoUtils

        return bytes(CryptoUtils.Ripemd160(data))


def address_of_public_key(public_key: bytes, prefix: str = ADDRESS_PREFIX) -> str:
    """The bech32 account address of a 33-byte compressed secp256k1 public key."""
    if len(public_key) != 33:
        raise ValidationError("public_key", public_key.hex(), "must be 33 bytes (compressed)")
    digest = _ripemd160(hashlib.sha256(public_key).digest())
    words = bech32.convertbits(digest, 8, 5)
    assert words is not None
    return bech32.bech32_encode(prefix, words)


def check_subaccount_number(number: int) -> int:
    """``number`` if it is a valid subaccount number, else a ValidationError naming it."""
    if (
        not isinstance(number, int)
        or isinstance(number, bool)
        or not 0 <= number < MAX_SUBACCOUNT_NUMBER
    ):
        raise ValidationError(
            "subaccount_number", number, f"must be an integer in 0..{MAX_SUBACCOUNT_NUMBER - 1}"
        )
    return number


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (64-byte r||s, low s) signs SHA-256(``message``) for ``public_key``."""
    if len(signature) != 64:
        return False
    s = int.from_bytes(signature[32:], "big")
    if s > _GROUP_ORDER // 2:
        return False  # Cosmos refuses malleable (high-s) signatures
    try:
        der = coincurve.ecdsa.cdata_to_der(coincurve.ecdsa.deserialize_compact(signature))
        return coincurve.PublicKey(public_key).verify(der, message)
    except (ValueError, TypeError):
        return False


class DydxKey:
    """A secp256k1 signing key with its dYdX address. The private part never prints."""

    __slots__ = ("_key", "address", "public_key")

    def __init__(self, private_key: bytes, prefix: str = ADDRESS_PREFIX) -> None:
        if len(private_key) != 32:
            raise ValidationError("private_key", "<redacted>", "must be 32 bytes")
        try:
            self._key = coincurve.PrivateKey(private_key)
        except ValueError as exc:
            raise ValidationError(
                "private_key", "<redacted>", f"is not a valid key: {exc}"
            ) from None
        #: 33-byte compressed public key.
        self.public_key: bytes = self._key.public_key.format(compressed=True)
        #: ``dydx1...``
        self.address: str = address_of_public_key(self.public_key, prefix)

    @classmethod
    def from_hex(cls, private_key_hex: str, prefix: str = ADDRESS_PREFIX) -> DydxKey:
        """From a hex private key (``0x`` optional)."""
        text = private_key_hex.removeprefix("0x")
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise ValidationError("private_key", "<redacted>", "is not hex") from None
        return cls(raw, prefix)

    @classmethod
    def from_mnemonic(
        cls, mnemonic: str, *, account: int = 0, index: int = 0, prefix: str = ADDRESS_PREFIX
    ) -> DydxKey:
        """From a BIP-39 mnemonic, path ``m/44'/118'/account'/0/index``."""
        from bip_utils import (
            Bip39MnemonicValidator,
            Bip39SeedGenerator,
            Bip44,
            Bip44Changes,
            Bip44Coins,
        )

        words = " ".join(mnemonic.split())
        if not Bip39MnemonicValidator().IsValid(words):
            raise ValidationError("mnemonic", "<redacted>", "is not a valid BIP-39 mnemonic")
        seed = Bip39SeedGenerator(words).Generate()
        node = (
            Bip44.FromSeed(seed, Bip44Coins.COSMOS)
            .Purpose()
            .Coin()
            .Account(account)
            .Change(Bip44Changes.CHAIN_EXT)
            .AddressIndex(index)
        )
        return cls(bytes(node.PrivateKey().Raw().ToBytes()), prefix)

    def sign(self, message: bytes) -> bytes:
        """64-byte ``r || s`` (low s) over SHA-256(``message``); deterministic (RFC 6979)."""
        compact = self._key.sign_recoverable(message)[:64]
        r, s = compact[:32], int.from_bytes(compact[32:], "big")
        if s > _GROUP_ORDER // 2:
            s = _GROUP_ORDER - s
        return r + s.to_bytes(32, "big")

    def __repr__(self) -> str:
        return f"DydxKey(address={self.address!r})"
