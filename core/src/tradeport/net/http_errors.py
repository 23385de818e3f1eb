"""Mapping of HTTP outcomes to the tradeport error taxonomy.

* 429 / 418 -> :class:`~tradeport.errors.RateLimitError` (with ``retry_after`` from the header)
* 401 / 403 -> :class:`~tradeport.errors.AuthenticationError`
* 5xx       -> :class:`~tradeport.errors.ServerError` (``retry_after`` set from the header too)
* other 4xx -> :class:`~tradeport.errors.RequestRejected`
* httpx timeouts -> :class:`~tradeport.errors.RequestTimeout`; other httpx transport failures ->
  :class:`~tradeport.errors.NetworkError`

The venue's own error code and message are lifted from the common JSON body shapes (Binance
``code``/``msg``, Bybit ``retCode``/``retMsg``, OKX ``code``/``msg``, BitMEX ``error.message``);
a venue ``error_parser`` can refine the result further.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx

from tradeport.errors import (
    AuthenticationError,
    NetworkError,
    RateLimitError,
    RequestRejected,
    RequestTimeout,
    ServerError,
    VenueError,
)
from tradeport.net import json_codec

__all__ = [
    "error_for_response",
    "error_for_exception",
    "extract_venue_error",
    "is_connect_failure",
    "parse_retry_after",
]

_CODE_KEYS = ("code", "retCode", "ret_code", "errorCode", "error_code")
_MESSAGE_KEYS = ("msg", "message", "retMsg", "ret_msg", "errorMessage", "error_message")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def _first(mapping: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = mapping.get(key)
        if value is not None and value != "":
            return value
    return None


def extract_venue_error(body: Any) -> tuple[str | int | None, str | None]:
    """The venue's (code, message) from a decoded JSON body, as far as common shapes tell."""
    if not isinstance(body, dict):
        return None, None
    code = _first(body, _CODE_KEYS)
    message = _first(body, _MESSAGE_KEYS)
    error = body.get("error")
    if isinstance(error, dict):
        code = code if code is not None else _first(error, _CODE_KEYS)
        message = message or _first(error, _MESSAGE_KEYS)
    elif isinstance(error, str) and error and message is None:
        message = error
    if code is not None and not isinstance(code, (str, int)):
        code = str(code)
    return code, None if message is None else str(message)


def _decoded_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json_codec.loads(response.content)
    except (ValueError, TypeError):
        return None


def error_for_response(
    response: httpx.Response, *, venue: str | None, endpoint: str
) -> VenueError | None:
    """The typed error for a non-success status, or None for 1xx-3xx."""
    status = response.status_code
    if status < 400:
        return None
    code, message = extract_venue_error(_decoded_body(response))
    if message is None and response.content and len(response.content) <= 300:
        # A short non-JSON body (an HTML error page is long) still says something useful.
        message = response.text.strip() or None
    kw: dict[str, Any] = {
        "venue": venue,
        "endpoint": endpoint,
        "http_status": status,
        "venue_code": code,
        "venue_message": message,
    }
    if status in (429, 418):
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        what = "IP banned (HTTP 418)" if status == 418 else "rate limited"
        return RateLimitError(what, retry_after=retry_after, **kw)
    if status in (401, 403):
        return AuthenticationError("credentials refused", **kw)
    if status >= 500:
        # A 503 may say when to come back (RFC 9110); the retry loop reads it like a 429's.
        return ServerError(
            "venue server error",
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            **kw,
        )
    return RequestRejected("request rejected", **kw)


def is_connect_failure(exc: BaseException) -> bool:
    """Whether the request provably never reached the venue (safe to retry even a write)."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def error_for_exception(exc: httpx.HTTPError, *, venue: str | None, endpoint: str) -> NetworkError:
    """The typed error for an httpx failure below HTTP (no response)."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connect",
            httpx.PoolTimeout: "connection pool",
            httpx.WriteTimeout: "write",
        }.get(type(exc), "read")
        return RequestTimeout(
            f"no answer in time ({phase}; {detail})", venue=venue, endpoint=endpoint
        )
    return NetworkError(f"network failure ({detail})", venue=venue, endpoint=endpoint)
