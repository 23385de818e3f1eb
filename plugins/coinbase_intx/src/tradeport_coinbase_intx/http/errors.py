"""The CoinbaseIntx error envelope and its mapping to tradeport's error taxonomy.

Every failed request answers with an HTTP status of 400 or more and a body
``{"error": {"code": "...", "message": "..."}}``; HTTP 429 carries ``Retry-After`` (seconds).
:func:`parse_error` is the HttpClient's ``error_parser``: the network layer then retries what is
retryable (429, 5xx) and raises the rest as typed errors carrying the venue's code and message.
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

__all__ = [
    "AUTH_CODES",
    "CLOCK_SKEW_CODE",
    "ORDER_NOT_FOUND",
    "POST_ONLY_CODE",
    "RATE_LIMIT_CODE",
    "error_of",
    "parse_error",
]

#: Credentials refused: fatal, never retried.
AUTH_CODES: Final = frozenset({"INVALID_API_KEY", "INVALID_SIGNATURE", "MISSING_AUTH"})
#: The request timestamp fell outside the receive window.
CLOCK_SKEW_CODE: Final = "TIMESTAMP_OUT_OF_WINDOW"
#: HTTP 429.
RATE_LIMIT_CODE: Final = "RATE_LIMITED"
#: The order named does not exist (HTTP 404 on order endpoints).
ORDER_NOT_FOUND: Final = "ORDER_NOT_FOUND"
#: A post-only order would have taken liquidity.
POST_ONLY_CODE: Final = "POST_ONLY_WOULD_CROSS"


def error_of(body: Any) -> tuple[str | None, str | None]:
    """The venue's (code, message) from a decoded body, or (None, None)."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code, message = error.get("code"), error.get("message")
            return (str(code) if code else None, str(message) if message else None)
    return None, None


def parse_error(response: httpx.Response) -> VenueError | None:
    """The typed error for a failed response, or None for a success."""
    status = response.status_code
    if status < 400:
        return None
    try:
        body = json_codec.loads(response.content) if response.content else None
    except ValueError:
        body = None  # a proxy's HTML error page: the status still says enough
    code, message = error_of(body)
    kw: dict[str, Any] = {"http_status": status, "venue_code": code, "venue_message": message}
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if status == 429 or code == RATE_LIMIT_CODE:
        return RateLimitError("rate limited", retry_after=retry_after, **kw)
    if code == CLOCK_SKEW_CODE:
        return ClockSkewError(
            "request timestamp outside the venue's receive window (check the local clock)", **kw
        )
    if code in AUTH_CODES or status in (401, 403):
        return AuthenticationError("credentials refused", **kw)
    if status >= 500:
        error = ServerError("venue server error", **kw)
        error.retry_after = retry_after  # type: ignore[attr-defined]
        return error
    return RequestRejected("request rejected", **kw)
