"""Binance request signing: pure functions, plus the signer the HttpClient calls.

* HMAC-SHA256: ``signature`` is the hex HMAC of ``totalParams`` (the query string concatenated
  with the request body, no separator) keyed with the API secret.
* Ed25519: ``signature`` is the base64 Ed25519 signature of the same payload, made with the
  private key whose public half was registered with Binance (PEM, PKCS#8). Needs ``cryptography``.

The signed request carries ``recvWindow`` and ``timestamp`` (ms) and the key in ``X-MBX-APIKEY``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from tradeport.errors import ConfigError, MissingCredentials
from tradeport.net.http import SignRequest, SignResult
from tradeport.secrets import Secret

from tradeport_binance.constants import API_KEY_HEADER, VENUE_ID

__all__ = [
    "hmac_signature",
    "ed25519_signature",
    "load_ed25519_key",
    "signature_payload",
    "BinanceSigner",
]


def hmac_signature(secret: str, payload: str) -> str:
    """Hex HMAC-SHA256 of ``payload`` keyed with ``secret`` (Binance HMAC keys)."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def load_ed25519_key(private_key_pem: str) -> Any:
    """Load an Ed25519 private key from PEM text (what Binance's key generator writes)."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "Ed25519 keys need the 'cryptography' package (pip install tradeport-binance[ed25519])",
            field="key_type",
        ) from None
    try:
        key = load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError):
        # Never include the key material in the message.
        raise ConfigError("api_secret is not a PEM private key", field="api_secret") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError("api_secret is not an Ed25519 private key", field="api_secret")
    return key


def ed25519_signature(private_key: Any, payload: str) -> str:
    """Base64 Ed25519 signature of the UTF-8 bytes of ``payload``."""
    return base64.b64encode(private_key.sign(payload.encode())).decode("ascii")


def signature_payload(query_string: str, body: bytes) -> str:
    """Binance's ``totalParams``: the query string followed directly by the body."""
    return query_string + body.decode() if body else query_string


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class BinanceSigner:
    """Signs requests for the core HttpClient (``signer=BinanceSigner(...)``).

    :param api_key: the API key (sent in ``X-MBX-APIKEY``).
    :param api_secret: the HMAC secret, or the Ed25519 private key in PEM.
    :param key_type: ``hmac`` or ``ed25519``.
    :param recv_window_ms: the receive window sent with each request.
    :param clock: milliseconds since the epoch (tests move it to simulate skew).
    """

    def __init__(
        self,
        api_key: Secret | None,
        api_secret: Secret | None,
        *,
        key_type: str = "hmac",
        recv_window_ms: int = 5000,
        clock: Callable[[], int] = _now_ms,
    ) -> None:
        self._api_key = api_key
        self._api_secret = api_secret
        self.key_type = key_type
        self.recv_window_ms = recv_window_ms
        self.clock = clock
        self._ed25519: Any = None
        if key_type == "ed25519" and api_secret:
            self._ed25519 = load_ed25519_key(api_secret.reveal())

    @property
    def has_credentials(self) -> bool:
        """Whether both key and secret are set."""
        return bool(self._api_key) and bool(self._api_secret)

    def key_headers(self, operation: str) -> dict[str, str]:
        """The API key header alone (USER_STREAM endpoints are keyed but not signed)."""
        if not self._api_key:
            raise MissingCredentials(VENUE_ID, operation, "set api_key/api_secret or the env vars")
        return {API_KEY_HEADER: self._api_key.reveal()}

    def sign(self, payload: str) -> str:
        """The signature of ``payload`` with this signer's key."""
        if not self._api_secret:
            raise MissingCredentials(VENUE_ID, "signing", "no api_secret")
        if self._ed25519 is not None:
            return ed25519_signature(self._ed25519, payload)
        return hmac_signature(self._api_secret.reveal(), payload)

    def __call__(self, request: SignRequest) -> SignResult:
        """Add recvWindow, timestamp and signature; raises MissingCredentials before sending."""
        if not self.has_credentials:
            raise MissingCredentials(
                VENUE_ID,
                f"{request.method} {request.path}",
                "set api_key/api_secret or the env vars",
            )
        extra: list[tuple[str, str | int]] = [
            ("recvWindow", self.recv_window_ms),
            ("timestamp", self.clock()),
        ]
        payload = signature_payload(request.query_with(extra), request.body)
        extra.append(("signature", self.sign(payload)))
        return SignResult(headers=self.key_headers("signing"), params=extra)

    def __repr__(self) -> str:
        return f"BinanceSigner(key_type={self.key_type!r}, credentials={'set' if self.has_credentials else 'missing'})"
