"""INTX REST errors and their mapping to tradeport's error taxonomy.

The INTX reference documents the status codes (400 invalid request, 401 credentials, 404, 429
with "Server allows ... requests per second", 5xx) but no error body schema; the parser reads
the documented Coinbase convention ``{"message": "..."}`` and also ``title`` / ``error`` /
``code`` keys when present. A 401 whose message names the timestamp is a clock-skew error
(the venue allows 5 s).
"""

from __future__ import annotations

from typing import Any, Final

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

__all__ = ["ORDER_NOT_FOUND", "POST_ONLY_CODE", "error_of", "parse_error"]

#: What the mock and the parser call an unknown order (HTTP 404).
ORDER_NOT_FOUND: Final = "ORDER_NOT_FOUND"
#: A post-only order that would take liquidity.
POST_ONLY_CODE: Final = "POST_ONLY_WOULD_CROSS"


def error_of(body: Any) -> tuple[str | None, str | None]:
    """(code, message) of a decoded error body."""
    if not isinstance(body, dict):
        return None, None
    message = body.get("message") or body.get("title") or body.get("error")
    code = body.get("code") or body.get("error_code")
    return (str(code) if code else None, str(message) if message else None)


def parse_error(response: httpx.Response) -> VenueError | None:
    """The typed error for a failed response, or None for a success."""
    status = response.status_code
    if status < 400:
        return None
    try:
        body = json_codec.loads(response.content) if response.content else None
    except ValueError:
        body = None
    code, message = error_of(body)
    kw: dict[str, Any] = {"http_status": status, "venue_code": code, "venue_message": message}
    if status == 429:
        return RateLimitError(
            "rate limited", retry_after=parse_retry_after(response.headers.get("retry-after")), **kw
        )
    if status in (401, 403):
        if message and "timestamp" in message.lower():
            return ClockSkewError(
                "request timestamp more than 5 s from the venue's clock (check the local "
                "clock, or set clock_offset_ms)",
                **kw,
            )
        return AuthenticationError("credentials refused", **kw)
    if status >= 500:
        return ServerError("venue server error", **kw)
    return RequestRejected(message or f"HTTP {status}", **kw)
