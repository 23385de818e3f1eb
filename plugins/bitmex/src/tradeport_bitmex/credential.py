"""BitMEX request signing: pure functions, tested with BitMEX's documented examples.

``api-signature = hex(HMAC_SHA256(apiSecret, verb + path + expires + data))`` where ``path``
is the full request path including ``/api/v1`` and the query string exactly as sent, ``expires``
is the ``api-expires`` header (UNIX seconds) and ``data`` the raw body
(https://www.bitmex.com/app/apiKeysUsage). The WebSocket ``authKeyExpires`` command signs
``GET/realtime`` + expires the same way (https://www.bitmex.com/app/wsAPI#Authentication).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from tradeport.errors import MissingCredentials
from tradeport.net.http import SignRequest, SignResult
from tradeport.secrets import Secret

from tradeport_bitmex.constants import API_PREFIX, DEFAULT_EXPIRES_AFTER, VENUE_ID, WS_PATH

__all__ = [
    "BitmexSigner",
    "auth_key_expires_message",
    "sign",
    "signature_path",
]


def sign(secret: str, verb: str, path: str, expires: int, data: str | bytes = "") -> str:
    """The hex HMAC-SHA256 BitMEX expects in ``api-signature``.

    :param path: path plus ``?query`` exactly as sent (``/api/v1/instrument?filter=...``).
    :param data: the raw request body (empty for GET).
    """
    body = data if isinstance(data, bytes) else data.encode()
    message = f"{verb.upper()}{path}{expires}".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_path(prefix: str, path: str, query_string: str) -> str:
    """The signed path: the base URL's path prefix, the request path and ``?query``."""
    full = f"{prefix}{path}"
    return f"{full}?{query_string}" if query_string else full


def auth_key_expires_message(api_key: str, secret: str, expires: int) -> dict[str, Any]:
    """The WebSocket login: ``{"op": "authKeyExpires", "args": [key, expires, signature]}``."""
    return {
        "op": "authKeyExpires",
        "args": [api_key, expires, sign(secret, "GET", WS_PATH, expires)],
    }


def _reveal(value: Secret | str | None) -> str | None:
    if value is None:
        return None
    return value.reveal() if isinstance(value, Secret) else value


class BitmexSigner:
    """The HttpClient signing hook: adds ``api-expires``, ``api-key`` and ``api-signature``.

    :param prefix: the path of the base URL (``/api/v1``), which BitMEX's signature covers.
    :param clock: UNIX seconds now (tests and clock-offset correction inject it).
    """

    def __init__(
        self,
        api_key: Secret | str | None,
        api_secret: Secret | str | None,
        *,
        prefix: str = API_PREFIX,
        expires_after: int = DEFAULT_EXPIRES_AFTER,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._api_key = api_key
        self._api_secret = api_secret
        self.prefix = prefix
        self.expires_after = expires_after
        self.clock = clock

    @property
    def has_credentials(self) -> bool:
        """Whether both key and secret are present."""
        return bool(_reveal(self._api_key)) and bool(_reveal(self._api_secret))

    def expires(self) -> int:
        """``api-expires`` for a request signed now."""
        return int(self.clock()) + self.expires_after

    def __call__(self, request: SignRequest) -> SignResult:
        """Sign one HTTP attempt (raises MissingCredentials before anything is sent)."""
        key, secret = _reveal(self._api_key), _reveal(self._api_secret)
        if not key or not secret:
            raise MissingCredentials(VENUE_ID, f"{request.method} {request.path}")
        expires = self.expires()
        path = signature_path(self.prefix, request.path, request.query_string)
        return SignResult(
            headers={
                "api-expires": str(expires),
                "api-key": key,
                "api-signature": sign(secret, request.method, path, expires, request.body),
            }
        )

    def ws_login(self) -> dict[str, Any]:
        """A fresh ``authKeyExpires`` message for a new WebSocket connection."""
        key, secret = _reveal(self._api_key), _reveal(self._api_secret)
        if not key or not secret:
            raise MissingCredentials(VENUE_ID, "authKeyExpires")
        return auth_key_expires_message(key, secret, self.expires())
