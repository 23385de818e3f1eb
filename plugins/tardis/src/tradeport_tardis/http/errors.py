"""Tardis HTTP API errors -> tradeport errors.

The API answers errors with an HTTP status and a JSON body ``{"code": ..., "message": ...}``
or plain text; the official client (tardis-node ``src/handy.ts``) treats 400 (except a date
not in ISO 8601 format), 401, 403 and 404 as final, and retries 429 (waiting) and 5xx. The
core maps the status (401/403 -> AuthenticationError, 429 -> RateLimitError honouring
Retry-After, 5xx -> ServerError, other 4xx -> RequestRejected); this parser adds Tardis' code
and message so the error says what the API said.
"""

from __future__ import annotations

import httpx
from tradeport.errors import VenueError
from tradeport.net import json_codec
from tradeport.net.http_errors import error_for_response

from tradeport_tardis.constants import VENUE_ID

__all__ = ["parse_error_response"]


def parse_error_response(response: httpx.Response) -> VenueError | None:
    """The typed error of an error response (None on success: bodies are not read here)."""
    if response.status_code < 400:
        return None
    error = error_for_response(response, venue=VENUE_ID, endpoint="")
    if error is None:
        return None
    code: object = None
    message: object = None
    text = response.content.decode("utf-8", "replace").strip() if response.content else ""
    try:
        body = json_codec.loads(response.content) if response.content else None
    except (ValueError, TypeError):
        body = None
    if isinstance(body, dict):
        code, message = body.get("code"), body.get("message")
    elif text:
        message = text[:500]
    if code is not None:
        error.venue_code = str(code)
    error.venue_message = str(message) if message else (response.reason_phrase or None)
    return error
