"""Hyperliquid signing: wallet signatures over EIP-712 typed data, and nonces.

Hyperliquid has no API key: every ``/exchange`` request carries a secp256k1 signature of the
master wallet or of an approved agent ("API wallet"). Two schemes (official Python SDK,
``hyperliquid/utils/signing.py``; docs "Exchange endpoint" and "Nonces and API wallets"):

* **L1 actions** (order, cancel, modify, scheduleCancel, ...): the action is serialised with
  msgpack (dict insertion order matters), followed by the nonce (8 bytes big endian), then
  ``0x00`` without a vault or ``0x01`` + the 20 vault address bytes, then optionally ``0x00`` +
  ``expiresAfter`` (8 bytes). Its keccak-256 is the ``connectionId`` of a "phantom agent"
  ``{"source": "a" (mainnet) | "b" (testnet), "connectionId": hash}``, signed as EIP-712
  ``Agent(string source,bytes32 connectionId)`` in the domain ``Exchange`` / ``1`` / chain 1337.
* **User-signed actions** (usdSend, withdraw3, approveAgent, ...): the action itself (with
  ``hyperliquidChain`` and ``signatureChainId``) is the EIP-712 message of
  ``HyperliquidTransaction:<Name>`` in the domain ``HyperliquidSignTransaction`` / ``1`` /
  ``int(signatureChainId, 16)``.

Signatures travel as ``{"r": "0x..", "s": "0x..", "v": 27|28}`` with ``r`` and ``s`` as minimal
hex (no zero padding), exactly as the SDK writes them. Everything here is pure except the
nonce sources (the core's :class:`~tradeport.net.nonce.NonceSource`, one per signer), which read
the clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import msgpack
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from tradeport.errors import ConfigError
from tradeport.net.nonce import NonceSource
from tradeport.secrets import Secret

__all__ = [
    "ZERO_ADDRESS",
    "SIGNATURE_CHAIN_ID",
    "USER_SIGNED_TYPES",
    "action_hash",
    "phantom_agent",
    "l1_typed_data",
    "user_signed_typed_data",
    "sign_typed_data",
    "sign_l1_action",
    "sign_user_signed_action",
    "recover_l1_signer",
    "recover_user_signed_signer",
    "Wallet",
    "nonce_source_for",
]

ZERO_ADDRESS: Final = "0x0000000000000000000000000000000000000000"
#: The chain id user-signed actions are signed on (the SDK's; any chain id is accepted, the
#: ``hyperliquidChain`` field is what prevents replays across environments).
SIGNATURE_CHAIN_ID: Final = "0x66eee"

_DOMAIN_TYPE: Final = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]

#: EIP-712 field lists of the user-signed actions the plugin can sign (primary type names
#: without the ``HyperliquidTransaction:`` prefix).
USER_SIGNED_TYPES: Final[Mapping[str, Sequence[Mapping[str, str]]]] = {
    "UsdSend": (
        {"name": "hyperliquidChain", "type": "string"},
        {"name": "destination", "type": "string"},
        {"name": "amount", "type": "string"},
        {"name": "time", "type": "uint64"},
    ),
    "Withdraw": (
        {"name": "hyperliquidChain", "type": "string"},
        {"name": "destination", "type": "string"},
        {"name": "amount", "type": "string"},
        {"name": "time", "type": "uint64"},
    ),
    "SpotSend": (
        {"name": "hyperliquidChain", "type": "string"},
        {"name": "destination", "type": "string"},
        {"name": "token", "type": "string"},
        {"name": "amount", "type": "string"},
        {"name": "time", "type": "uint64"},
    ),
    "ApproveAgent": (
        {"name": "hyperliquidChain", "type": "string"},
        {"name": "agentAddress", "type": "address"},
        {"name": "agentName", "type": "string"},
        {"name": "nonce", "type": "uint64"},
    ),
}


def _address_bytes(address: str) -> bytes:
    text = address[2:] if address.startswith(("0x", "0X")) else address
    raw = bytes.fromhex(text)
    if len(raw) != 20:
        raise ConfigError(f"vault_address: {address!r} is not a 20-byte address", field="vault")
    return raw


def action_hash(
    action: Any, vault_address: str | None, nonce: int, expires_after: int | None = None
) -> bytes:
    """keccak-256 of ``msgpack(action) || nonce || vault flag [|| vault] [|| 0 || expires]``."""
    data = msgpack.packb(action)
    data += nonce.to_bytes(8, "big")
    if vault_address is None:
        data += b"\x00"
    else:
        data += b"\x01" + _address_bytes(vault_address)
    if expires_after is not None:
        data += b"\x00" + expires_after.to_bytes(8, "big")
    return bytes(keccak(data))


def phantom_agent(connection_id: bytes, mainnet: bool) -> dict[str, Any]:
    """The message an L1 action is signed as: source ``a`` on mainnet, ``b`` on testnet."""
    return {"source": "a" if mainnet else "b", "connectionId": connection_id}


def l1_typed_data(connection_id: bytes, mainnet: bool) -> dict[str, Any]:
    """The full EIP-712 document of an L1 action's phantom agent."""
    return {
        "domain": {
            "chainId": 1337,
            "name": "Exchange",
            "verifyingContract": ZERO_ADDRESS,
            "version": "1",
        },
        "types": {
            "Agent": [
                {"name": "source", "type": "string"},
                {"name": "connectionId", "type": "bytes32"},
            ],
            "EIP712Domain": _DOMAIN_TYPE,
        },
        "primaryType": "Agent",
        "message": phantom_agent(connection_id, mainnet),
    }


def user_signed_typed_data(primary_type: str, action: Mapping[str, Any]) -> dict[str, Any]:
    """The full EIP-712 document of a user-signed action (``primary_type`` without prefix)."""
    fields = USER_SIGNED_TYPES.get(primary_type)
    if fields is None:
        raise ConfigError(
            f"user-signed action {primary_type!r} is not one of {sorted(USER_SIGNED_TYPES)}",
            field="primary_type",
        )
    name = f"HyperliquidTransaction:{primary_type}"
    return {
        "domain": {
            "name": "HyperliquidSignTransaction",
            "version": "1",
            "chainId": int(action["signatureChainId"], 16),
            "verifyingContract": ZERO_ADDRESS,
        },
        "types": {name: [dict(f) for f in fields], "EIP712Domain": _DOMAIN_TYPE},
        "primaryType": name,
        "message": dict(action),
    }


def sign_typed_data(private_key: str | Secret, document: Mapping[str, Any]) -> dict[str, Any]:
    """``{"r", "s", "v"}`` of ``document`` signed with ``private_key``."""
    key = private_key.reveal() if isinstance(private_key, Secret) else private_key
    signed = Account.sign_message(encode_typed_data(full_message=dict(document)), key)
    return {"r": hex(signed.r), "s": hex(signed.s), "v": signed.v}


def sign_l1_action(
    private_key: str | Secret,
    action: Any,
    vault_address: str | None,
    nonce: int,
    mainnet: bool,
    expires_after: int | None = None,
) -> dict[str, Any]:
    """The signature of an L1 action (see the module docstring)."""
    connection_id = action_hash(action, vault_address, nonce, expires_after)
    return sign_typed_data(private_key, l1_typed_data(connection_id, mainnet))


def sign_user_signed_action(
    private_key: str | Secret, primary_type: str, action: dict[str, Any], mainnet: bool
) -> dict[str, Any]:
    """Sign a user-signed action; sets its ``signatureChainId`` and ``hyperliquidChain``
    (the wire action must carry both, as signed)."""
    action["signatureChainId"] = SIGNATURE_CHAIN_ID
    action["hyperliquidChain"] = "Mainnet" if mainnet else "Testnet"
    return sign_typed_data(private_key, user_signed_typed_data(primary_type, action))


def _vrs(signature: Mapping[str, Any]) -> tuple[int, int, int]:
    return int(signature["v"]), int(str(signature["r"]), 16), int(str(signature["s"]), 16)


def recover_l1_signer(
    action: Any,
    signature: Mapping[str, Any],
    vault_address: str | None,
    nonce: int,
    mainnet: bool,
    expires_after: int | None = None,
) -> str:
    """The address that signed an L1 action (what the venue does with every request).

    A signature over different bytes recovers a different, random address: that is how a
    wrong wire format shows up at the venue ("User or API Wallet 0x... does not exist").
    """
    connection_id = action_hash(action, vault_address, nonce, expires_after)
    document = encode_typed_data(full_message=l1_typed_data(connection_id, mainnet))
    return str(Account.recover_message(document, vrs=_vrs(signature)))


def recover_user_signed_signer(
    primary_type: str, action: Mapping[str, Any], signature: Mapping[str, Any]
) -> str:
    """The address that signed a user-signed action."""
    document = encode_typed_data(full_message=user_signed_typed_data(primary_type, action))
    return str(Account.recover_message(document, vrs=_vrs(signature)))


class Wallet:
    """The signing key and the addresses it acts for.

    :param private_key: the key that signs (the master wallet's, or an approved agent's).
    :param account_address: the master account queries and user streams are about; defaults
        to the key's own address (agent wallets hold no funds: it must be set for them).
    :param vault_address: a vault or subaccount the L1 actions trade for (None: the account).
    """

    __slots__ = ("_key", "account_address", "signer", "vault_address")

    def __init__(
        self,
        private_key: Secret,
        account_address: str | None = None,
        vault_address: str | None = None,
    ) -> None:
        try:
            signer = Account.from_key(private_key.reveal()).address
        except (ValueError, TypeError, AttributeError):
            # Never echo the key material in the message.
            raise ConfigError(
                "api_secret: not a valid secp256k1 private key (64 hex digits)",
                field="api_secret",
            ) from None
        self._key = private_key
        #: The address that signs (checksummed).
        self.signer: str = signer
        self.account_address: str = (account_address or signer).lower()
        self.vault_address: str | None = vault_address.lower() if vault_address else None

    def __repr__(self) -> str:
        return f"Wallet(signer={self.signer!r}, account_address={self.account_address!r})"

    @property
    def is_agent(self) -> bool:
        """Whether the key is an agent of another account."""
        return self.signer.lower() != self.account_address

    @property
    def user(self) -> str:
        """The address queries and user streams use: the vault when trading for one, else the
        account (never the agent: agents hold no state, issues #3667 / #4010 of nautilus)."""
        return self.vault_address or self.account_address

    def sign_l1(
        self, action: Any, nonce: int, mainnet: bool, expires_after: int | None = None
    ) -> dict[str, Any]:
        """Sign an L1 action for this wallet's vault (if any)."""
        return sign_l1_action(self._key, action, self.vault_address, nonce, mainnet, expires_after)

    def sign_user_action(
        self, primary_type: str, action: dict[str, Any], mainnet: bool
    ) -> dict[str, Any]:
        """Sign a user-signed action (only the master wallet may: agents cannot move funds)."""
        return sign_user_signed_action(self._key, primary_type, action, mainnet)


_SOURCES: dict[str, NonceSource] = {}
_SOURCES_LOCK = threading.Lock()


def nonce_source_for(signer: str, clock_ns: Callable[[], int] | None = None) -> NonceSource:
    """The process-wide nonce source of ``signer`` (the core's
    :class:`~tradeport.net.nonce.NonceSource` in milliseconds): every client signing with the
    same key shares it, so their nonces never collide, across concurrent submits and
    reconnects. The venue keeps the 100 highest nonces per signer; a new one must be unique,
    above the smallest of those, and within (T - 2 days, T + 1 day) of its clock. One agent
    wallet per process is the venue's advice; this keeps several clients in one process safe
    too. ``clock_ns`` only applies when the source is created."""
    key = signer.lower()
    with _SOURCES_LOCK:
        source = _SOURCES.get(key)
        if source is None:
            source = _SOURCES[key] = NonceSource("ms", clock_ns=clock_ns or time.time_ns)
        return source
