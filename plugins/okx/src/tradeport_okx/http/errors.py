"""OKX error envelopes -> the tradeport error taxonomy.

Every OKX REST answer is ``{"code": "0", "msg": "", "data": [...]}``; ``code != "0"`` is an
error, often with HTTP 200. Order endpoints report each item's own ``sCode``/``sMsg`` inside
``data`` (with envelope ``code`` 1 = all failed, 2 = some failed): those envelopes are passed on
to the caller, which turns each item into its own outcome.
"""

from __future__ import annotations

from typing import Any

import httpx
from tradeport.errors import (
    AuthenticationError,
    ClockSkewError,
    OrderRejected,
    RateLimitError,
    RequestRejected,
    ServerError,
    VenueError,
)
from tradeport.net import json_codec
from tradeport.net.http_errors import parse_retry_after

from tradeport_okx.constants import (
    AUTH_CODES,
    BATCH_PARTIAL_CODES,
    CODE_OK,
    RATE_LIMIT_CODES,
    TIMESTAMP_CODES,
    VENUE_NAME,
)

__all__ = ["error_for_code", "parse_error_response", "order_item_error", "SERVER_BUSY_CODES"]

#: 50001 "Service temporarily unavailable", 50004 "Endpoint request timeout", 50013 "Systems
#: are busy", 50026 "System error": the venue failed; the outcome of a write is unknown.
SERVER_BUSY_CODES = frozenset({"50001", "50004", "50013", "50026"})


def error_for_code(
    code: str,
    message: str | None,
    *,
    http_status: int | None = None,
    endpoint: str | None = None,
    retry_after: float | None = None,
) -> VenueError:
    """The typed error for an OKX ``code`` (envelope or WS event)."""
    kw: dict[str, Any] = {
        "venue": VENUE_NAME,
        "endpoint": endpoint,
        "http_status": http_status,
        "venue_code": code,
        "venue_message": message or None,
    }
    if code in RATE_LIMIT_CODES:
        return RateLimitError("rate limited", retry_after=retry_after, **kw)
    if code in TIMESTAMP_CODES:
        return ClockSkewError("request timestamp outside the venue's window (clock skew)", **kw)
    if code in AUTH_CODES:
        return AuthenticationError("credentials refused", **kw)
    if code in SERVER_BUSY_CODES:
        return ServerError("venue server error", **kw)
    return RequestRejected("request rejected", **kw)


def order_item_error(item: dict[str, Any], *, endpoint: str | None = None) -> VenueError:
    """The error of one failed order item (``sCode``/``sMsg``): a definitive rejection unless
    the code says the venue was busy or rate limited."""
    code = str(item.get("sCode", ""))
    message = item.get("sMsg") or None
    if code in RATE_LIMIT_CODES or code in SERVER_BUSY_CODES:
        return error_for_code(code, message, endpoint=endpoint)
    return OrderRejected(
        "order rejected",
        venue=VENUE_NAME,
        endpoint=endpoint,
        venue_code=code,
        venue_message=message,
    )


def _has_item_codes(data: Any) -> bool:
    return (
        isinstance(data, list)
        and bool(data)
        and all(isinstance(item, dict) and "sCode" in item for item in data)
    )


def parse_error_response(response: httpx.Response) -> VenueError | None:
    """The HttpClient ``error_parser``: None for success, item-level envelopes and responses the
    core maps better itself (429 with ``Retry-After``, 5xx without an OKX code)."""
    status = response.status_code
    try:
        body = json_codec.loads(response.content) if response.content else None
    except (ValueError, TypeError):
        return None  # not JSON: the core maps the status
    if not isinstance(body, dict) or "code" not in body:
        return None
    code = str(body.get("code"))
    if code == CODE_OK:
        return None
    if code in BATCH_PARTIAL_CODES and _has_item_codes(body.get("data")):
        return None  # per-item outcomes: the caller reads sCode/sMsg
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if status >= 500 and code not in RATE_LIMIT_CODES:
        return ServerError(
            "venue server error",
            venue=VENUE_NAME,
            http_status=status,
            venue_code=code,
            venue_message=body.get("msg") or None,
        )
    return error_for_code(code, body.get("msg"), http_status=status, retry_after=retry_after)
