"""OKX error envelopes map onto the tradeport taxonomy."""

from __future__ import annotations

import httpx
import pytest
from okx_payloads import load
from tradeport.errors import (
    AuthenticationError,
    ClockSkewError,
    OrderRejected,
    RateLimitError,
    RequestRejected,
    ServerError,
)
from tradeport_okx.http.errors import error_for_code, order_item_error, parse_error_response


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, json=body, headers=headers, request=httpx.Request("GET", "http://x/api")
    )


def test_success_envelope_is_not_an_error() -> None:
    assert parse_error_response(_response(200, load("http_get_tickers.json"))) is None


def test_rate_limit_code_50011() -> None:
    error = parse_error_response(
        _response(
            429, {"code": "50011", "msg": "Rate limit reached", "data": []}, {"Retry-After": "1"}
        )
    )
    assert isinstance(error, RateLimitError)
    assert error.retryable
    assert error.venue_code == "50011"
    assert error.retry_after == 1.0
    # Also when OKX signals it with HTTP 200.
    assert isinstance(
        parse_error_response(_response(200, {"code": "50011", "msg": "", "data": []})),
        RateLimitError,
    )


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("50102", ClockSkewError),
        ("50113", AuthenticationError),
        ("50111", AuthenticationError),
        ("50001", ServerError),
        ("51001", RequestRejected),
    ],
)
def test_codes(code: str, kind: type) -> None:
    error = error_for_code(code, "text", http_status=400)
    assert type(error) is kind
    assert error.venue_code == code
    assert error.venue_message == "text"


def test_item_level_failures_are_left_to_the_caller() -> None:
    body = load("http_place_order_error.json")
    assert parse_error_response(_response(200, body)) is None
    error = order_item_error(body["data"][0])
    assert isinstance(error, OrderRejected)
    assert error.venue_code == "51008"
    assert "Insufficient" in (error.venue_message or "")


def test_non_json_bodies_are_left_to_the_core() -> None:
    response = httpx.Response(
        502, text="<html>bad gateway</html>", request=httpx.Request("GET", "http://x/")
    )
    assert parse_error_response(response) is None
