"""REST over a real loopback server: signatures as sent, the error envelope, rate-limit
headers, 429 Retry-After, 503 overloaded, and the instrument provider."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from tradeport.errors import (
    AuthenticationError,
    ClockSkewError,
    MissingCredentials,
    RateLimitError,
    RequestRejected,
    RequestTimeout,
    ServerError,
)
from tradeport.model.enums import ProductType
from tradeport.net import RetryPolicy
from tradeport.testing import LoopbackServer, Request, Response
from tradeport.testing.recorded import require_recorded
from tradeport_bitmex.config import BitmexConfig
from tradeport_bitmex.credential import sign
from tradeport_bitmex.http.client import BitmexHttpClient
from tradeport_bitmex.providers import BitmexInstrumentProvider

pytestmark = pytest.mark.anyio

KEY, SECRET = "LAqUlngMIQkIUjXMUreyu3qn", "chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO"
FAST_RETRY = RetryPolicy(initial=0.01, max=0.05, max_attempts=3)

Handler = Callable[[Request], Awaitable[Response]]


def _config(server: LoopbackServer, **overrides: Any) -> BitmexConfig:
    settings: dict[str, Any] = {
        "api_key": KEY,
        "api_secret": SECRET,
        "base_url_http": server.http_url,
    }
    settings.update(overrides)
    return BitmexConfig(**settings)


def _signature_ok(request: Request) -> bool:
    expires = request.header("api-expires")
    assert expires is not None
    expected = sign(SECRET, request.method, request.target, int(expires), request.body)
    return request.header("api-signature") == expected


async def test_signed_get_verifies_like_bitmex() -> None:
    seen: list[Request] = []

    async def handle(request: Request) -> Response:
        seen.append(request)
        return Response.json(
            [],
            headers={
                "x-ratelimit-limit": "120",
                "x-ratelimit-remaining": "100",
                "x-ratelimit-reset": str(int(time.time()) + 60),
            },
        )

    async with LoopbackServer(http=handle) as server:
        client = BitmexHttpClient(_config(server))
        try:
            await client.http_get_order([("symbol", "XBTUSD"), ("filter", '{"open":true}')])
            # The venue said 20 of 120 were used this minute (other processes included).
            assert client.rate_limiter.used("global") >= 20
        finally:
            await client.aclose()
    (request,) = seen
    assert request.path == "/api/v1/order"
    assert request.raw_query == "symbol=XBTUSD&filter=%7B%22open%22%3Atrue%7D"
    assert request.header("api-key") == KEY
    assert _signature_ok(request)


async def test_form_body_is_signed_and_exact() -> None:
    seen: list[Request] = []

    async def handle(request: Request) -> Response:
        seen.append(request)
        return Response.json({"orderID": "x"})

    async with LoopbackServer(http=handle) as server:
        client = BitmexHttpClient(_config(server))
        try:
            await client.http_post_order(
                [("symbol", "XBTUSD"), ("price", "98000.5"), ("orderQty", "100")]
            )
        finally:
            await client.aclose()
    (request,) = seen
    assert request.body == b"symbol=XBTUSD&price=98000.5&orderQty=100"
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    assert _signature_ok(request)


async def test_missing_credentials_send_nothing() -> None:
    async def handle(request: Request) -> Response:
        raise AssertionError("no request may leave without credentials")

    async with LoopbackServer(http=handle) as server:
        client = BitmexHttpClient(_config(server, api_key=None, api_secret=None))
        try:
            with pytest.raises(MissingCredentials):
                await client.http_get_position()
        finally:
            await client.aclose()
        assert server.http_requests == 0


@pytest.mark.parametrize(
    ("status", "body", "error_type"),
    [
        # The error envelope documented at www.bitmex.com/app/restAPIMessages, with the text
        # BitMEX gives a key it does not know.
        (401, {"error": {"message": "Invalid API Key.", "name": "HTTPError"}}, AuthenticationError),
        (
            401,
            {
                "error": {
                    "message": "This request has expired - `expires` is in the past. "
                    "Current time: 1518064239",
                    "name": "HTTPError",
                }
            },
            ClockSkewError,
        ),
        (400, {"error": {"message": "Invalid ordStatus", "name": "HTTPError"}}, RequestRejected),
    ],
)
async def test_error_envelope(status: int, body: dict[str, Any], error_type: type) -> None:
    async def handle(request: Request) -> Response:
        return Response.json(body, status=status)

    async with LoopbackServer(http=handle) as server:
        client = BitmexHttpClient(_config(server), retry=FAST_RETRY)
        try:
            with pytest.raises(error_type) as caught:
                await client.http_get_order([])
        finally:
            await client.aclose()
        assert server.http_requests == 1  # 4xx is never retried
    assert caught.value.venue_message == body["error"]["message"]
    assert caught.value.http_status == status
    assert SECRET not in str(caught.value)


async def test_429_waits_retry_after_then_succeeds() -> None:
    calls: list[float] = []

    async def handle(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Response.json(
                {
                    "error": {
                        "message": "Rate limit exceeded, retry in 1 seconds.",
                        "name": "RateLimitError",
                    }
                },
                status=429,
                headers={"Retry-After": "0.2"},
            )
        return Response.json([])

    async with LoopbackServer(http=handle) as server:
        client = BitmexHttpClient(_config(server), retry=FAST_RETRY)
        try:
            assert await client.http_get_trade([("symbol", "XBTUSD")]) == []
        finally:
            await client.aclose()
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 0.19


async def test_429_exhausted_is_a_typed_rate_limit_error() -> None:
    async def handle(request: Request) -> Response:
        return Response.json(
            {"error": {"message": "Rate limit exceeded", "name": "HTTPError"}},
            status=429,
            headers={"Retry-After": "0.01"},
        )

    async with LoopbackServer(http=handle) as server:
        client = BitmexHttpClient(_config(server), retry=FAST_RETRY)
        try:
            with pytest.raises(RateLimitError):
                await client.http_get_trade([])
        finally:
            await client.aclose()
        assert server.http_requests == 3


async def test_503_overloaded_order_is_sent_again_but_500_is_not() -> None:
    answers = [503, 200]
    got: list[int] = []

    async def handle(request: Request) -> Response:
        status = answers.pop(0) if answers else 500
        got.append(status)
        if status == 200:
            return Response.json({"orderID": "abc", "ordStatus": "New"})
        message = (
            "The system is currently overloaded. Please try again later."
            if status == 503
            else "Internal error"
        )
        return Response.json({"error": {"message": message, "name": "HTTPError"}}, status=status)

    async with LoopbackServer(http=handle) as server:
        client = BitmexHttpClient(_config(server), retry=FAST_RETRY)
        try:
            assert (await client.http_post_order([("symbol", "XBTUSD")]))["orderID"] == "abc"
            # A 500 on a write is ambiguous (maybe executed): raised at once, never re-sent.
            with pytest.raises(ServerError):
                await client.http_post_order([("symbol", "XBTUSD")])
        finally:
            await client.aclose()
    assert got == [503, 200, 500]


async def test_provider_loads_instruments() -> None:
    # The recorded XBTUSD record (BitMEX publishes no instrument record with values).
    recorded = require_recorded("bitmex", __file__)
    records = [recorded.load("nautilus/http_get_instrument_xbtusd.json")]
    index = {**records[0], "symbol": ".BXBT", "typ": "MRCXXX"}

    async def handle(request: Request) -> Response:
        assert request.path == "/api/v1/instrument/active"
        return Response.json([*records, index])

    async with LoopbackServer(http=handle) as server:
        provider = BitmexInstrumentProvider(
            "bitmex", _config(server, api_key=None, api_secret=None)
        )
        async with provider:
            loaded = await provider.load_all()
            assert [str(i.id) for i in loaded] == ["XBTUSD.BITMEX"]
            assert provider.find(loaded[0].id) is loaded[0]
            assert await provider.load_all({"products": [ProductType.SPOT]}) == []


async def test_timeout_is_typed() -> None:
    async def handle(request: Request) -> Response:
        await anyio.sleep_forever()  # a venue that never answers
        return Response.json([])

    async with LoopbackServer(http=handle) as server:
        client = BitmexHttpClient(_config(server, http_timeout=0.2), retry=RetryPolicy.never())
        try:
            with pytest.raises(RequestTimeout):
                await client.http_get_trade([])
        finally:
            await client.aclose()
