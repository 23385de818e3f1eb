"""Binance error responses mapped onto the tradeport error taxonomy, and used-weight headers.

Binance answers errors as ``{"code": -1021, "msg": "..."}`` with HTTP 4xx (5xx for its own
failures). The codes that change what a caller should do get their own type:

* -1021 (timestamp outside recvWindow) -> :class:`ClockSkewError` naming the fix;
* -1022 / -2014 / -2015 (signature, key format, key or permissions) -> AuthenticationError;
* -1003 (too many requests) and HTTP 429 / 418 -> RateLimitError with ``Retry-After``;
* -1125 (listenKey does not exist) -> RequestRejected, code kept (the user stream recreates it);
* everything else 4xx -> RequestRejected with the venue code and message.
"""

from __future__ import annotations

from collections.abc import Callable

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
from tradeport.net.ratelimit import RateLimiter

from tradeport_binance.constants import USED_WEIGHT_HEADER_PREFIX, VENUE_ID

__all__ = [
    "parse_binance_error",
    "error_from_code",
    "interval_seconds",
    "weight_feeder",
    "CODE_CLOCK_SKEW",
    "CODE_UNKNOWN_ORDER",
    "CODE_LISTEN_KEY_MISSING",
]

CODE_CLOCK_SKEW = -1021
CODE_TOO_MANY_REQUESTS = -1003
CODE_BAD_SIGNATURE = -1022
CODE_BAD_KEY_FORMAT = -2014
CODE_REJECTED_KEY = -2015
CODE_UNKNOWN_ORDER = -2011
CODE_ORDER_NOT_FOUND = -2013
CODE_LISTEN_KEY_MISSING = -1125
_AUTH_CODES = frozenset({CODE_BAD_SIGNATURE, CODE_BAD_KEY_FORMAT, CODE_REJECTED_KEY})
_UNITS = {"S": 1, "M": 60, "H": 3600, "D": 86400}


#: -1006 UNEXPECTED_RESP and -1007 TIMEOUT: Binance says the execution status is unknown.
_UNKNOWN_OUTCOME_CODES = frozenset({-1006, -1007})


def error_from_code(
    code: int | None,
    message: str | None,
    *,
    http_status: int | None = None,
    retry_after: float | None = None,
) -> VenueError | None:
    """The typed error for a Binance code (None when the code needs no special type)."""
    kw: dict[str, object] = {
        "venue": VENUE_ID,
        "http_status": http_status,
        "venue_code": code,
        "venue_message": message,
    }
    if http_status in (429, 418) or code == CODE_TOO_MANY_REQUESTS:
        what = "IP banned (HTTP 418)" if http_status == 418 else "rate limited"
        return RateLimitError(what, retry_after=retry_after, **kw)
    if code == CODE_CLOCK_SKEW:
        return ClockSkewError(
            "request timestamp outside recvWindow: the local clock is off from Binance's; sync "
            "the clock (NTP), or set clock_offset_ms / a larger recv_window_ms",
            **kw,  # type: ignore[arg-type]
        )
    if code in _AUTH_CODES:
        return AuthenticationError("credentials refused", **kw)  # type: ignore[arg-type]
    if code in _UNKNOWN_OUTCOME_CODES or http_status == 408:
        # "Send status unknown; execution status unknown": the order may exist. Retryable
        # server trouble, never a rejection (resolved by query).
        return ServerError("execution status unknown", **kw)  # type: ignore[arg-type]
    return None


def parse_binance_error(response: httpx.Response) -> VenueError | None:
    """HttpClient ``error_parser``: type Binance's error bodies (2xx bodies are never errors)."""
    status = response.status_code
    if status < 400:
        return None
    code: int | None = None
    message: str | None = None
    try:
        body = json_codec.loads(response.content) if response.content else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        raw_code = body.get("code")
        code = raw_code if isinstance(raw_code, int) else None
        raw_msg = body.get("msg")
        message = raw_msg if isinstance(raw_msg, str) else None
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    error = error_from_code(code, message, http_status=status, retry_after=retry_after)
    if error is None and 400 <= status < 500 and status not in (401, 403):
        error = RequestRejected(
            "request rejected",
            venue=VENUE_ID,
            http_status=status,
            venue_code=code,
            venue_message=message,
        )
    return error  # None: the core's generic mapping (401/403, 5xx) applies


def interval_seconds(suffix: str) -> float | None:
    """``1M`` -> 60.0, ``10S`` -> 10.0 (the interval part of X-MBX-* headers)."""
    suffix = suffix.upper()
    if len(suffix) < 2 or suffix[-1] not in _UNITS or not suffix[:-1].isdigit():
        return None
    return float(int(suffix[:-1]) * _UNITS[suffix[-1]])


def weight_feeder(limiter: RateLimiter, key: str = "global") -> Callable[[httpx.Response], None]:
    """HttpClient ``on_response``: adopt ``X-MBX-USED-WEIGHT-<n><unit>`` into ``limiter``."""
    prefix_len = len(USED_WEIGHT_HEADER_PREFIX)

    def feed(response: httpx.Response) -> None:
        for name, value in response.headers.items():
            lower = name.lower()
            if not lower.startswith(USED_WEIGHT_HEADER_PREFIX) or not value.isdigit():
                continue
            period = interval_seconds(lower[prefix_len:])
            if period is not None:
                limiter.update_used(key, int(value), period=period)

    return feed
