"""Indexer REST errors mapped onto the tradeport taxonomy.

The indexer answers a refused request with HTTP 4xx and ``{"errors": [{"msg": ..., "param":
..., "location": ...}]}`` (express-validator); 404 for an unknown market or address. HTTP 429
is its rate limit and 5xx are retryable: both are left to the core's HTTP mapping.
"""

from __future__ import annotations

import httpx
from tradeport.errors import RequestRejected, VenueError
from tradeport.net import json_codec

from tradeport_dydx.constants import VENUE_ID

__all__ = ["parse_error_response"]


def parse_error_response(response: httpx.Response) -> VenueError | None:
    """HttpClient ``error_parser``: a 4xx other than 429 with an ``errors`` list."""
    status = response.status_code
    if status < 400 or status >= 500 or status == 429 or not response.content:
        return None
    try:
        body = json_codec.loads(response.content)
    except (ValueError, TypeError):
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return None
    first = errors[0] if isinstance(errors[0], dict) else {"msg": str(errors[0])}
    message = str(first.get("msg", ""))
    param = first.get("param")
    return RequestRejected(
        f"indexer refused the request{f' ({param})' if param else ''}",
        venue=VENUE_ID,
        http_status=status,
        venue_code=str(param) if param else None,
        venue_message=message,
    )
