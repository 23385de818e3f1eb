"""The Polymarket error envelope and its mapping to tradeport's error taxonomy.

Every CLOB error answers ``{"error": "<message>"}`` with an HTTP status (docs.polymarket.com
resources/error-codes): 401 ``Unauthorized/Invalid api key`` (or ``Invalid L1 Request
headers``), 429 ``Too Many Requests``, 503 when trading is disabled or cancel-only, 400 / 404
for a refused request. There are no numeric codes: the message is the venue's code.
"""

from __future__ import annotations

from typing import Any, Final

import httpx
from tradeport.errors import (
    AuthenticationError,
    RateLimitError,
    RequestRejected,
    ServerError,
    VenueError,
)
from tradeport.net import json_codec
from tradeport.net.http_errors import parse_retry_after

__all__ = ["error_message", "is_killed", "is_not_found", "is_post_only_refusal", "parse_error"]

#: Words of the venue's post-only refusal ("invalid post-only order: order crosses book").
_POST_ONLY: Final = ("post-only", "post only")


def error_message(body: Any) -> str | None:
    """The venue's message from a decoded body (``error`` or ``errorMsg``), or None."""
    if isinstance(body, dict):
        for key in ("error", "errorMsg"):
            value = body.get(key)
            if value:
                return str(value)
    return None


def is_post_only_refusal(message: str | None) -> bool:
    """Whether a refusal is the post-only order crossing the book."""
    return bool(message) and any(word in message.lower() for word in _POST_ONLY)  # type: ignore[union-attr]


#: The venue's answers to a FOK / FAK order that found nothing (enough) to match.
_KILLED: Final = ("fully filled or killed", "no orders found to match")


def is_killed(message: str | None) -> bool:
    """Whether a refusal is a FOK/FAK order its time in force killed (a valid order that
    did not match: reported as canceled, not rejected)."""
    return bool(message) and any(text in message.lower() for text in _KILLED)  # type: ignore[union-attr]


def is_not_found(error: VenueError) -> bool:
    """Whether the venue said the order (or book) does not exist."""
    message = (error.venue_message or "").lower()
    return error.http_status == 404 or "not found" in message or "does not exist" in message


def parse_error(response: httpx.Response) -> VenueError | None:
    """The typed error for a failed response, or None for a success."""
    status = response.status_code
    if status < 400:
        return None
    try:
        body = json_codec.loads(response.content) if response.content else None
    except ValueError:
        body = None  # a Cloudflare page: the status still says enough
    message = error_message(body)
    kw: dict[str, Any] = {
        "http_status": status,
        "venue_code": str(status),
        "venue_message": message,
    }
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if status == 429:
        return RateLimitError("rate limited", retry_after=retry_after, **kw)
    if status == 401:
        return AuthenticationError("credentials refused", **kw)
    if status >= 500:
        error = ServerError("venue server error", **kw)
        error.retry_after = retry_after  # type: ignore[attr-defined]
        return error
    return RequestRejected("request rejected", **kw)
