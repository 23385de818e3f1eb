"""Databento's historical error envelope -> tradeport errors.

Errors are HTTP statuses (docs: historical API, errors: 400, 401, 402, 403, 404, 409, 422,
429, 500, 503, 504) with a JSON body whose ``detail`` is a string (``{"detail": "Not
authenticated"}``) or an object with ``case`` and ``message``. The core maps the status to the
error type (401/403 -> AuthenticationError, 429 -> RateLimitError with Retry-After, 5xx ->
ServerError, other 4xx -> RequestRejected); this parser adds the venue's code and message.
"""

from __future__ import annotations

from typing import Any

import httpx
from tradeport.errors import VenueError
from tradeport.net import json_codec
from tradeport.net.http_errors import error_for_response

__all__ = ["parse_error_response", "detail_of"]


def detail_of(body: Any) -> tuple[str | None, str | None]:
    """(code, message) of a Databento error body."""
    if not isinstance(body, dict):
        return None, None
    detail = body.get("detail")
    if isinstance(detail, dict):
        code = detail.get("case")
        message = detail.get("message") or detail.get("detail")
        return (str(code) if code else None), (str(message) if message else None)
    if isinstance(detail, str) and detail:
        return None, detail
    return None, None


def parse_error_response(response: httpx.Response) -> VenueError | None:
    """The typed error of an error response, with Databento's detail (None on success; a
    success body is never read here: historical data is streamed)."""
    if response.status_code < 400:
        return None
    error = error_for_response(response, venue="DATABENTO", endpoint="")
    if error is None:
        return None
    try:
        body = json_codec.loads(response.content) if response.content else None
    except (ValueError, TypeError):
        body = None
    code, message = detail_of(body)
    if code is not None:
        error.venue_code = code
    if message is not None:
        error.venue_message = message
    if error.venue_code is None and error.venue_message is None:
        error.venue_message = response.reason_phrase or None
    return error
