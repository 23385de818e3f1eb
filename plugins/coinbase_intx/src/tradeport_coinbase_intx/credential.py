"""Signing for Coinbase International Exchange: REST, WebSocket subscribe and FIX logon.

All three are base64(HMAC-SHA256(key = base64-decoded API secret, message)); only the message
differs:

* REST (docs: REST API > Authentication): ``timestamp + METHOD + requestPath + body`` with the
  timestamp in integer UNIX **seconds** (within 5 s of the venue's clock), ``requestPath`` the
  path without the base URL and without the query string, the body empty for GET/DELETE.
  Headers ``CB-ACCESS-KEY``, ``CB-ACCESS-PASSPHRASE``, ``CB-ACCESS-TIMESTAMP``, ``CB-ACCESS-SIGN``.
* WebSocket (docs: WebSocket Feed > Authentication): carried on every SUBSCRIBE as ``time``
  (epoch seconds, within 30 s), ``key``, ``passphrase``, ``signature`` over
  ``time + key + "CBINTLMD" + passphrase`` (the doc's prehash example:
  ``1744594506glK4uG8QRmh3aqnJCBINTLMDpassphrase``).
* FIX logon (docs: FIX API > Admin Messages, Logon 35=A): ``Text`` (58) carries the signature
  over ``SendingTime(52) + api key(553) + TargetCompID(56) + passphrase(554)``.

Tested in tests/test_credential.py with the vector of VENUES-2.md and the documented prehash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from tradeport.errors import MissingCredentials, ValidationError
from tradeport.net import SignRequest, SignResult
from tradeport.secrets import Secret

from tradeport_coinbase_intx.constants import (
    HEADER_API_KEY,
    HEADER_PASSPHRASE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    VENUE_ID,
    WS_SESSION,
)

__all__ = [
    "CoinbaseIntxCredential",
    "decode_secret",
    "fix_logon_payload",
    "make_signer",
    "rest_payload",
    "sign",
    "ws_payload",
]


def decode_secret(secret: str) -> bytes:
    """The HMAC key: the API secret is base64; a value that is not is refused by name."""
    try:
        return base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError("coinbase_intx.api_secret", "<redacted>", "is not base64") from exc


def sign(secret: str, message: str) -> str:
    """base64(HMAC-SHA256(base64-decoded ``secret``, ``message``))."""
    digest = hmac.new(decode_secret(secret), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def rest_payload(timestamp_s: int, method: str, path: str, body: bytes | str = b"") -> str:
    """``timestamp + METHOD + requestPath + body``; ``path`` loses any query string."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return f"{timestamp_s}{method.upper()}{path.split('?', 1)[0]}{text}"


def ws_payload(timestamp_s: int | str, key: str, passphrase: str) -> str:
    """``time + key + "CBINTLMD" + passphrase`` (the subscribe signature)."""
    return f"{timestamp_s}{key}{WS_SESSION}{passphrase}"


def fix_logon_payload(sending_time: str, key: str, target_comp_id: str, passphrase: str) -> str:
    """``SendingTime + api key + TargetCompID + passphrase`` (the FIX logon signature)."""
    return f"{sending_time}{key}{target_comp_id}{passphrase}"


class CoinbaseIntxCredential:
    """An API key, secret and passphrase, and the clock they sign with. Never prints them."""

    def __init__(
        self,
        api_key: Secret,
        api_secret: Secret,
        passphrase: Secret,
        *,
        clock_offset_ms: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        decode_secret(api_secret.reveal())  # fail at configuration, not at the first request
        self._api_key = api_key
        self._api_secret = api_secret
        self._passphrase = passphrase
        self.clock_offset_ms = clock_offset_ms
        self._clock = clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_key={self._api_key!r})"

    @property
    def api_key(self) -> str:
        """The key (public: it is the FIX SenderCompID)."""
        return self._api_key.reveal()

    @property
    def secrets(self) -> tuple[Secret, Secret, Secret]:
        """Every value, for log redaction."""
        return self._api_key, self._api_secret, self._passphrase

    def now(self) -> float:
        """Epoch seconds of the signing clock (local clock plus the configured offset)."""
        return self._clock() + self.clock_offset_ms / 1000

    def rest_headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        """The four authentication headers for one request, signed now."""
        timestamp = int(self.now())
        payload = rest_payload(timestamp, method, path, body)
        return {
            HEADER_API_KEY: self._api_key.reveal(),
            HEADER_PASSPHRASE: self._passphrase.reveal(),
            HEADER_TIMESTAMP: str(timestamp),
            HEADER_SIGNATURE: sign(self._api_secret.reveal(), payload),
        }

    def ws_auth(self) -> dict[str, Any]:
        """The authentication fields every SUBSCRIBE carries, signed now."""
        timestamp = str(int(self.now()))
        key, passphrase = self._api_key.reveal(), self._passphrase.reveal()
        return {
            "time": timestamp,
            "key": key,
            "passphrase": passphrase,
            "signature": sign(self._api_secret.reveal(), ws_payload(timestamp, key, passphrase)),
        }

    def fix_logon_fields(self, sending_time: str, target_comp_id: str) -> list[tuple[int, str]]:
        """Username (553), Password (554) and the signed Text (58) of a FIX Logon."""
        key, passphrase = self._api_key.reveal(), self._passphrase.reveal()
        payload = fix_logon_payload(sending_time, key, target_comp_id, passphrase)
        return [(553, key), (554, passphrase), (58, sign(self._api_secret.reveal(), payload))]


def make_signer(credential: CoinbaseIntxCredential | None) -> Callable[[SignRequest], SignResult]:
    """The HttpClient signing hook; without a credential it refuses before anything is sent."""

    def signer(request: SignRequest) -> SignResult:
        if credential is None:
            raise MissingCredentials(
                VENUE_ID,
                f"{request.method} {request.path}",
                "set api_key, api_secret and api_passphrase, or COINBASE_INTX_API_KEY, "
                "COINBASE_INTX_API_SECRET and COINBASE_INTX_API_PASSPHRASE",
            )
        return SignResult(
            headers=credential.rest_headers(request.method, request.path, request.body)
        )

    return signer
