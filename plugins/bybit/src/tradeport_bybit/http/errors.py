"""Bybit's ``retCode`` envelope mapped onto the tradeport error taxonomy.

Bybit answers most failures with HTTP 200 and ``{"retCode": n, "retMsg": "..."}``, so the
HttpClient's ``error_parser`` looks at every response:

* 10006 / 10018 (rate limits) -> RateLimitError (retryable, even on HTTP 200);
* 10002 (outside the receive window) -> ClockSkewError;
* 10003 / 10004 / 10005 / 10007 / 10010 -> AuthenticationError (fatal);
* 10016 (internal error) and 10000 (server timeout) -> ServerError (retryable; an order's
  outcome is unknown, resolved by query, never a rejection);
* every other non-zero code (10001 parameter errors, 110xxx order errors) -> RequestRejected,
  never retried.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from tradeport.errors import (
    AuthenticationError,
    ClockSkewError,
    RateLimitError,
    RequestRejected,
    ServerError,
    VenueError,
)
from tradeport.net import json_codec
from tradeport.net.http_errors import parse_retry_after

from tradeport_bybit.constants import VENUE_ID, BybitErrorCode

__all__ = ["error_for_ret_code", "parse_error_response"]

_AUTH = frozenset(
    {
        BybitErrorCode.INVALID_API_KEY,
        BybitErrorCode.INVALID_SIGN,
        BybitErrorCode.PERMISSION_DENIED,
        BybitErrorCode.NOT_LOGGED_IN,
        10010,
    }
)
_RATE = frozenset({BybitErrorCode.RATE_LIMIT, BybitErrorCode.IP_RATE_LIMIT})


def error_for_ret_code(
    code: int, message: str, *, http_status: int | None = None, retry_after: float | None = None
) -> VenueError | None:
    """The typed error for a ``retCode`` (None for 0)."""
    if code == BybitErrorCode.OK:
        return None
    kw: dict[str, Any] = {
        "venue": VENUE_ID,
        "http_status": http_status,
        "venue_code": code,
        "venue_message": message,
    }
    if code in _RATE:
        return RateLimitError("rate limited", retry_after=retry_after, **kw)
    if code == BybitErrorCode.RECV_WINDOW:
        return ClockSkewError("request timestamp outside the receive window (clock skew)", **kw)
    if code in _AUTH:
        return AuthenticationError("credentials refused", **kw)
    if code in (BybitErrorCode.INTERNAL_ERROR, BybitErrorCode.SERVER_TIMEOUT):
        # The outcome is unknown (the order may exist): retryable, never a rejection.
        return ServerError("venue internal error or timeout", **kw)
    return RequestRejected("request rejected", **kw)


def _rate_limit_reset(response: httpx.Response) -> float | None:
    """Seconds until the limit resets, from ``X-Bapi-Limit-Reset-Timestamp`` (ms), if sent."""
    reset = response.headers.get("x-bapi-limit-reset-timestamp")
    if reset is None:
        return parse_retry_after(response.headers.get("retry-after"))
    try:
        seconds = int(reset) / 1000 - time.time()
    except ValueError:
        return None
    # A reset in the past (clock skew) or far ahead is no usable hint.
    return seconds if 0 < seconds < 60 else None


def parse_error_response(response: httpx.Response) -> VenueError | None:
    """HttpClient ``error_parser``: the error a Bybit response carries, or None.

    Non-JSON bodies and HTTP errors without a ``retCode`` are left to the core's HTTP mapping.
    """
    content = response.content
    if not content or b"retCode" not in content:
        return None
    try:
        body = json_codec.loads(content)
    except (ValueError, TypeError):
        return None
    if not isinstance(body, dict):
        return None
    code = body.get("retCode")
    if not isinstance(code, int):
        return None
    message = str(body.get("retMsg") or "")
    retry_after = _rate_limit_reset(response) if code in _RATE else None
    return error_for_ret_code(
        code, message, http_status=response.status_code, retry_after=retry_after
    )
