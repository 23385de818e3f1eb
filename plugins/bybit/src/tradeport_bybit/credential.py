"""Bybit request signing: pure functions plus the HttpClient signer.

REST (https://bybit-exchange.github.io/docs/v5/guide#authentication): the signature is the hex
HMAC-SHA256, keyed by the API secret, of ``timestamp + api_key + recv_window + payload`` where the
payload is the request's parameters: the query string for GET (as sent, unsorted) and the raw
JSON body for POST (``queryString | jsonBodyString``). Headers: ``X-BAPI-API-KEY``,
``X-BAPI-TIMESTAMP``, ``X-BAPI-SIGN``, ``X-BAPI-RECV-WINDOW``.

Bybit's POST endpoints take their parameters in the JSON body only (so does its official SDK);
the documents define no signature for a POST that also carries a query string, so the signer
refuses such a request before it is sent rather than sign only part of it.

WebSocket (https://bybit-exchange.github.io/docs/v5/ws/connect#authentication):
``{"op":"auth","args":[api_key, expires_ms, hex HMAC("GET/realtime" + expires_ms)]}``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from tradeport.errors import MissingCredentials, ValidationError
from tradeport.net.http import SignRequest, SignResult
from tradeport.secrets import Secret

__all__ = [
    "rest_prehash",
    "sign_rest",
    "ws_auth_prehash",
    "sign_ws_auth",
    "ws_auth_message",
    "BybitSigner",
    "HEADER_API_KEY",
    "HEADER_TIMESTAMP",
    "HEADER_SIGN",
    "HEADER_RECV_WINDOW",
]

HEADER_API_KEY = "X-BAPI-API-KEY"
HEADER_TIMESTAMP = "X-BAPI-TIMESTAMP"
HEADER_SIGN = "X-BAPI-SIGN"
HEADER_RECV_WINDOW = "X-BAPI-RECV-WINDOW"


def _reveal(value: str | Secret) -> str:
    return value.reveal() if isinstance(value, Secret) else value


def rest_prehash(
    timestamp_ms: int | str, api_key: str, recv_window_ms: int | str, payload: str
) -> str:
    """The string Bybit signs for REST: ``timestamp + api_key + recv_window + payload``."""
    return f"{timestamp_ms}{api_key}{recv_window_ms}{payload}"


def sign_rest(
    api_secret: str | Secret,
    timestamp_ms: int | str,
    api_key: str | Secret,
    recv_window_ms: int | str,
    payload: str,
) -> str:
    """Hex HMAC-SHA256 of :func:`rest_prehash`, keyed by the API secret."""
    message = rest_prehash(timestamp_ms, _reveal(api_key), recv_window_ms, payload)
    return hmac.new(_reveal(api_secret).encode(), message.encode(), hashlib.sha256).hexdigest()


def ws_auth_prehash(expires_ms: int) -> str:
    """The string Bybit signs for a stream login: ``"GET/realtime" + expires``."""
    return f"GET/realtime{expires_ms}"


def sign_ws_auth(api_secret: str | Secret, expires_ms: int) -> str:
    """Hex HMAC-SHA256 of :func:`ws_auth_prehash`."""
    message = ws_auth_prehash(expires_ms)
    return hmac.new(_reveal(api_secret).encode(), message.encode(), hashlib.sha256).hexdigest()


def ws_auth_message(
    api_key: str | Secret, api_secret: str | Secret, expires_ms: int, req_id: str | None = None
) -> dict[str, Any]:
    """The ``auth`` op for a private stream, valid until ``expires_ms``."""
    message: dict[str, Any] = {
        "op": "auth",
        "args": [_reveal(api_key), expires_ms, sign_ws_auth(api_secret, expires_ms)],
    }
    if req_id is not None:
        message["req_id"] = req_id
    return message


def now_ms() -> int:
    """The local clock in UNIX milliseconds."""
    return time.time_ns() // 1_000_000


class BybitSigner:
    """Signs HttpClient requests with the ``X-BAPI-*`` headers.

    :param clock_ms: the clock, in milliseconds (tests inject a skewed one).
    """

    def __init__(
        self,
        api_key: Secret | None,
        api_secret: Secret | None,
        *,
        recv_window_ms: int,
        clock_ms: Callable[[], int] = now_ms,
        venue: str = "BYBIT",
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.recv_window_ms = recv_window_ms
        self.clock_ms = clock_ms
        self.venue = venue

    def __repr__(self) -> str:
        return f"BybitSigner(recv_window_ms={self.recv_window_ms})"

    def __call__(self, request: SignRequest) -> SignResult:
        """Headers for one attempt (a fresh timestamp each time)."""
        if not self.api_key or not self.api_secret:
            raise MissingCredentials(
                self.venue,
                f"{request.method} {request.path}",
                "set BYBIT_API_KEY and BYBIT_API_SECRET",
            )
        timestamp = self.clock_ms()
        # GET signs the query string as sent; POST the JSON body bytes as sent.
        if request.method == "GET":
            payload = request.query_string
        elif request.query_string:
            raise ValidationError(
                "query",
                request.query_string,
                f"cannot be signed on a Bybit {request.method} {request.path}: its parameters "
                "go in the JSON body, which is what Bybit signs",
            )
        else:
            payload = request.body.decode()
        signature = sign_rest(
            self.api_secret, timestamp, self.api_key, self.recv_window_ms, payload
        )
        return SignResult(
            headers={
                HEADER_API_KEY: self.api_key.reveal(),
                HEADER_TIMESTAMP: str(timestamp),
                HEADER_SIGN: signature,
                HEADER_RECV_WINDOW: str(self.recv_window_ms),
            }
        )
