"""Hyperliquid's error answers mapped onto the tradeport error taxonomy.

``/exchange`` answers HTTP 200 with ``{"status": "err", "response": "<message>"}`` when it
refuses a whole action (a signature from an unknown signer, a bad nonce, a malformed action);
per-order errors of an accepted action are strings inside ``response.data.statuses`` and are
not errors of the request (the execution client turns them into per-order outcomes). HTTP 429
is the rate limit; 5xx are retryable; other 4xx carry the body text.

* "User or API Wallet ... does not exist" (the recovered signer is unknown) -> AuthenticationError;
* nonce refusals -> ClockSkewError (the nonce is a millisecond timestamp checked against the
  venue's window, and against the signer's recent nonces);
* any other ``err`` -> RequestRejected (never retried).
"""

from __future__ import annotations

from typing import Any

import httpx
from tradeport.errors import AuthenticationError, ClockSkewError, RequestRejected, VenueError
from tradeport.net import json_codec

from tradeport_hyperliquid.constants import VENUE_ID

__all__ = ["error_for_message", "parse_error_response"]

_AUTH_MARKERS = ("does not exist", "not authorized", "invalid signature", "must deposit")
_NONCE_MARKERS = ("nonce",)


def error_for_message(message: str, *, http_status: int | None = None) -> VenueError:
    """The typed error for an ``{"status": "err"}`` message."""
    kw: dict[str, Any] = {
        "venue": VENUE_ID,
        "http_status": http_status,
        "venue_code": "err",
        "venue_message": message,
    }
    lowered = message.lower()
    if any(m in lowered for m in _AUTH_MARKERS):
        return AuthenticationError("signer refused", **kw)
    if any(m in lowered for m in _NONCE_MARKERS):
        return ClockSkewError("nonce refused (outside the window or already used)", **kw)
    return RequestRejected("action rejected", **kw)


def parse_error_response(response: httpx.Response) -> VenueError | None:
    """HttpClient ``error_parser``: the error an ``{"status": "err"}`` body carries, or None.

    Non-JSON bodies and plain HTTP errors are left to the core's HTTP mapping (429, 5xx, 4xx).
    """
    content = response.content
    if not content or b'"err"' not in content:
        return None
    try:
        body = json_codec.loads(content)
    except (ValueError, TypeError):
        return None
    if not isinstance(body, dict) or body.get("status") != "err":
        return None
    return error_for_message(str(body.get("response") or ""), http_status=response.status_code)
