"""BitMEX REST errors and rate-limit headers mapped onto tradeport's taxonomy.

BitMEX answers errors with ``{"error": {"message": "...", "name": "HTTPError"}}``
(https://www.bitmex.com/app/restAPI, "Errors"). Beyond the core's status mapping:

* 401 "This request has expired - `expires` is in the past" -> ClockSkewError;
* 429 -> RateLimitError, waiting ``Retry-After`` or else until ``x-ratelimit-reset``;
* 503 "The system is currently overloaded" -> ServerError marked :data:`NOT_EXECUTED`: BitMEX
  guarantees the request was not executed, so even an order may be sent again.

``x-ratelimit-limit`` / ``-remaining`` / ``-reset`` (per minute) and ``x-ratelimit-remaining-1s``
feed the rate limiter so that other processes' usage is respected.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from tradeport.errors import ClockSkewError, RateLimitError, ServerError, VenueError
from tradeport.net.http_errors import error_for_response, parse_retry_after
from tradeport.net.ratelimit import RateLimiter

from tradeport_bitmex.constants import VENUE_ID

__all__ = ["NOT_EXECUTED", "parse_error", "rate_limit_feeder", "is_not_executed"]

#: Attribute set on errors for which BitMEX guarantees nothing was executed.
# CORE-CANDIDATE: a ``VenueError.not_executed`` flag that HttpClient honours for retry=False
# writes would replace this attribute and the retry loop in BitmexHttpClient._write.
NOT_EXECUTED = "not_executed"

_EXPIRED_MARKERS = ("request has expired", "expires` is in the past", "expires is in the past")


def is_not_executed(error: BaseException) -> bool:
    """Whether BitMEX said the request was not executed (503 overloaded)."""
    return bool(getattr(error, NOT_EXECUTED, False))


def parse_error(response: httpx.Response) -> VenueError | None:
    """The typed error for a BitMEX response, or None for a success."""
    if response.status_code < 400:
        return None
    request = response.request
    endpoint = f"{request.method} {request.url.path}"
    error = error_for_response(response, venue=VENUE_ID, endpoint=endpoint)
    if error is None:  # pragma: no cover - status >= 400 always maps
        return None
    message = (error.venue_message or "").lower()
    if response.status_code == 401 and any(m in message for m in _EXPIRED_MARKERS):
        return ClockSkewError(
            "request expired: the local clock is behind the venue's (api-expires in the past)",
            venue=VENUE_ID,
            endpoint=endpoint,
            http_status=401,
            venue_code=error.venue_code,
            venue_message=error.venue_message,
        )
    if isinstance(error, RateLimitError) and error.retry_after is None:
        reset = response.headers.get("x-ratelimit-reset")
        if reset is not None and reset.strip().isdigit():
            error.retry_after = max(int(reset) - time.time(), 0.0)
    if response.status_code == 503 and isinstance(error, ServerError):
        setattr(error, NOT_EXECUTED, True)
        if getattr(error, "retry_after", None) is None:
            # BitMEX's documented advice: retry after 500 ms.
            error.retry_after = 0.5  # type: ignore[attr-defined]
    return error


def rate_limit_feeder(
    limiter: RateLimiter, key: str = "global"
) -> Callable[[httpx.Response], None]:
    """An ``on_response`` hook adopting BitMEX's count of requests used this minute/second."""

    def feed(response: httpx.Response) -> None:
        headers = response.headers
        limit, remaining = headers.get("x-ratelimit-limit"), headers.get("x-ratelimit-remaining")
        if limit and remaining and limit.isdigit() and remaining.isdigit():
            limiter.update_used(key, int(limit) - int(remaining), period=60.0)
        per_second = headers.get("x-ratelimit-remaining-1s")
        if per_second is not None and per_second.isdigit() and int(per_second) == 0:
            # The one-second budget is spent: hold order requests until the second is over.
            limiter.penalize("orders", 1.0)
        retry_after = parse_retry_after(headers.get("retry-after"))
        if response.status_code == 429 and retry_after:
            limiter.penalize(key, retry_after)

    return feed
