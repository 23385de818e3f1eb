"""retCode mapping: rate limits retried even on HTTP 200, parameter errors never retried."""

from __future__ import annotations

import httpx
import pytest
from tradeport.errors import (
    AuthenticationError,
    ClockSkewError,
    RateLimitError,
    RequestRejected,
    ServerError,
)
from tradeport_bybit.http.errors import parse_error_response


def _response(body: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=body, request=httpx.Request("GET", "https://x/v5/order/realtime")
    )


@pytest.mark.parametrize(
    ("code", "kind", "retryable"),
    [
        (10006, RateLimitError, True),
        (10018, RateLimitError, True),
        (10002, ClockSkewError, False),
        (10003, AuthenticationError, False),
        (10004, AuthenticationError, False),
        (10016, ServerError, True),
        (10001, RequestRejected, False),
        (110001, RequestRejected, False),
        (110007, RequestRejected, False),
    ],
)
def test_ret_codes_map_to_typed_errors(code: int, kind: type, retryable: bool) -> None:
    error = parse_error_response(
        _response(b'{"retCode":%d,"retMsg":"boom","result":{},"time":1}' % code)
    )
    assert type(error) is kind
    assert error is not None
    assert error.retryable is retryable
    assert error.venue_code == code
    assert error.venue_message == "boom"
    assert error.http_status == 200


def test_ok_envelope_and_foreign_bodies_are_not_errors() -> None:
    assert parse_error_response(_response(b'{"retCode":0,"retMsg":"OK","result":{}}')) is None
    assert parse_error_response(_response(b"<html>bad gateway</html>", 502)) is None
    assert parse_error_response(_response(b"")) is None
