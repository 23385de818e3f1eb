"""OKX request signing (pure functions, no I/O).

REST (docs: "REST Authentication"): ``OK-ACCESS-SIGN`` is the base64 HMAC-SHA256, keyed by the
secret, of ``timestamp + METHOD + requestPath + body`` where ``timestamp`` is the
``OK-ACCESS-TIMESTAMP`` header (ISO-8601 UTC with milliseconds, ``2020-12-08T09:08:57.715Z``),
``requestPath`` includes the query string (``/api/v5/account/balance?ccy=BTC``) and ``body`` is
the JSON body (empty for GET).

WebSocket login (docs: "WebSocket Login"): the same HMAC over
``timestamp + "GET" + "/users/self/verify"`` where ``timestamp`` is Unix seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tradeport.errors import MissingCredentials
from tradeport.net.http import SignRequest, SignResult
from tradeport.secrets import Secret

from tradeport_okx.constants import (
    HEADER_KEY,
    HEADER_PASSPHRASE,
    HEADER_SIGN,
    HEADER_TIMESTAMP,
    VENUE_NAME,
    WS_LOGIN_PATH,
)

__all__ = [
    "iso_timestamp",
    "prehash",
    "sign",
    "rest_headers",
    "ws_login_args",
    "ws_login_message",
    "OkxSigner",
]


def iso_timestamp(epoch_seconds: float | None = None) -> str:
    """``2020-12-08T09:08:57.715Z``: UTC, millisecond precision (the REST timestamp)."""
    now = time.time() if epoch_seconds is None else epoch_seconds
    millis = int(now * 1000)
    moment = datetime.fromtimestamp(millis // 1000, tz=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{millis % 1000:03d}Z"


def prehash(timestamp: str, method: str, request_path: str, body: str | bytes = "") -> str:
    """The string OKX signs: ``timestamp + METHOD + requestPath + body``."""
    text = body.decode() if isinstance(body, bytes) else body
    return f"{timestamp}{method.upper()}{request_path}{text}"


def sign(secret: str, message: str) -> str:
    """Base64 of the HMAC-SHA256 of ``message`` keyed by ``secret``."""
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def rest_headers(
    api_key: str,
    secret: str,
    passphrase: str,
    timestamp: str,
    method: str,
    request_path: str,
    body: str | bytes = "",
) -> dict[str, str]:
    """The four ``OK-ACCESS-*`` headers of a signed REST request."""
    return {
        HEADER_KEY: api_key,
        HEADER_SIGN: sign(secret, prehash(timestamp, method, request_path, body)),
        HEADER_TIMESTAMP: timestamp,
        HEADER_PASSPHRASE: passphrase,
    }


def ws_login_args(api_key: str, secret: str, passphrase: str, timestamp: str) -> dict[str, str]:
    """One ``args`` item of the WebSocket login (``timestamp`` in Unix seconds)."""
    return {
        "apiKey": api_key,
        "passphrase": passphrase,
        "timestamp": timestamp,
        "sign": sign(secret, prehash(timestamp, "GET", WS_LOGIN_PATH)),
    }


def ws_login_message(
    api_key: str, secret: str, passphrase: str, epoch_seconds: float | None = None
) -> dict[str, Any]:
    """``{"op": "login", "args": [...]}`` signed for ``epoch_seconds`` (default: now)."""
    now = time.time() if epoch_seconds is None else epoch_seconds
    return {"op": "login", "args": [ws_login_args(api_key, secret, passphrase, str(int(now)))]}


class OkxSigner:
    """The :class:`tradeport.net.HttpClient` signer for OKX private endpoints.

    Raises :class:`MissingCredentials` before anything is sent when a credential is missing.

    :param clock: UNIX seconds now (tests inject a fixed or skewed one).
    :param clock_offset: seconds added to ``clock`` (a known offset from the venue's clock).
    """

    def __init__(
        self,
        api_key: Secret | None,
        api_secret: Secret | None,
        passphrase: Secret | None,
        *,
        clock: Callable[[], float] = time.time,
        clock_offset: float = 0.0,
    ) -> None:
        self._key = api_key
        self._secret = api_secret
        self._passphrase = passphrase
        self.clock = clock
        self.clock_offset = clock_offset

    def now(self) -> float:
        """The signing clock: ``clock() + clock_offset`` in UNIX seconds."""
        return self.clock() + self.clock_offset

    @property
    def has_credentials(self) -> bool:
        """Whether key, secret and passphrase are all set."""
        return bool(self._key) and bool(self._secret) and bool(self._passphrase)

    def require(self, operation: str) -> None:
        """Raise MissingCredentials naming ``operation`` when a credential is missing."""
        if not self.has_credentials:
            raise MissingCredentials(
                VENUE_NAME, operation, "set api_key, api_secret and api_passphrase"
            )

    def __call__(self, request: SignRequest) -> SignResult:
        """Sign one request attempt (fresh timestamp every time)."""
        self.require(f"{request.method} {request.path}")
        assert self._key and self._secret and self._passphrase  # checked by require()
        path = request.path + (f"?{request.query_string}" if request.query_string else "")
        timestamp = iso_timestamp(self.now())
        headers = rest_headers(
            self._key.reveal(),
            self._secret.reveal(),
            self._passphrase.reveal(),
            timestamp,
            request.method,
            path,
            request.body,
        )
        return SignResult(headers=headers)

    def login_message(self) -> dict[str, Any]:
        """A freshly signed WebSocket login message."""
        self.require("websocket login")
        assert self._key and self._secret and self._passphrase
        return ws_login_message(
            self._key.reveal(),
            self._secret.reveal(),
            self._passphrase.reveal(),
            self.now(),
        )
