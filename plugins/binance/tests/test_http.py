"""REST against a real loopback server: error mapping, weights, signing on the wire, provider."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from binance_payloads import load
from tradeport.errors import (
    AuthenticationError,
    ClockSkewError,
    MissingCredentials,
    RateLimitError,
    RequestRejected,
)
from tradeport.secrets import Secret
from tradeport.testing import LoopbackServer, Request, Response
from tradeport_binance.config import BinanceConfig
from tradeport_binance.credential import hmac_signature
from tradeport_binance.enums import BinanceAccountType
from tradeport_binance.http.client import BinanceHttpClient
from tradeport_binance.providers import BinanceInstrumentProvider

pytestmark = pytest.mark.anyio

SECRET = "s3cr3t-value-never-printed"


def config(server: LoopbackServer, **kw: Any) -> BinanceConfig:
    return BinanceConfig(
        base_url_http=server.http_url,
        api_key=Secret("key"),
        api_secret=Secret(SECRET),
        http_max_attempts=2,
        **kw,
    )


async def serve(handler: Callable[[Request], Response]) -> LoopbackServer:
    async def http(request: Request) -> Response:
        return handler(request)

    return LoopbackServer(http=http)


async def test_clock_skew_code_is_a_clock_skew_error() -> None:
    async with await serve(
        lambda r: Response.json(
            {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}, 400
        )
    ) as server:
        client = BinanceHttpClient(config(server))
        with pytest.raises(ClockSkewError, match="clock") as info:
            await client.http_account()
        assert info.value.venue_code == -1021
        await client.aclose()


async def test_signature_rejection_is_authentication_error_and_not_retried() -> None:
    calls: list[Request] = []

    def handler(r: Request) -> Response:
        calls.append(r)
        return Response.json(
            {"code": -1022, "msg": "Signature for this request is not valid."}, 400
        )

    async with await serve(handler) as server:
        client = BinanceHttpClient(config(server))
        with pytest.raises(AuthenticationError):
            await client.http_account()
        assert len(calls) == 1
        await client.aclose()


async def test_429_honours_retry_after_then_succeeds_and_418_fails_typed() -> None:
    answers = [
        Response.json({"code": -1003, "msg": "Too many requests"}, 429, {"Retry-After": "0"}),
        Response.json({"serverTime": 1}),
    ]

    async with await serve(lambda r: answers.pop(0)) as server:
        client = BinanceHttpClient(config(server))
        assert await client.http_time() == {"serverTime": 1}
        await client.aclose()

    async with await serve(
        lambda r: Response.json({"code": -1003, "msg": "banned"}, 418, {"Retry-After": "7200"})
    ) as server:
        client = BinanceHttpClient(config(server))
        with pytest.raises(RateLimitError) as info:
            await client.http_time()
        assert info.value.http_status == 418 and info.value.retry_after == 7200
        await client.aclose()


async def test_used_weight_headers_feed_the_rate_limiter() -> None:
    async with await serve(
        lambda r: Response.json({}, headers={"X-MBX-USED-WEIGHT-1M": "1234"})
    ) as server:
        client = BinanceHttpClient(config(server))
        await client.http_ping()
        assert client.rate_limiter.used("global") >= 1234
        await client.aclose()


async def test_other_4xx_carries_code_and_message() -> None:
    async with await serve(lambda r: Response.json(load("spot_error.json"), 400)) as server:
        client = BinanceHttpClient(config(server))
        with pytest.raises(RequestRejected) as info:
            await client.http_depth("NOPE")
        assert info.value.venue_code == -1121 and info.value.venue_message == "Invalid symbol."
        await client.aclose()


async def test_signed_request_on_the_wire_verifies_with_the_secret() -> None:
    seen: list[Request] = []

    def handler(r: Request) -> Response:
        seen.append(r)
        return Response.json(load("spot_query_order.json"))

    async with await serve(handler) as server:
        client = BinanceHttpClient(config(server), clock=lambda: 1499827319559)
        await client.http_query_order("LTCBTC", orig_client_order_id="myOrder1")
        await client.aclose()
    (request,) = seen
    payload, _, signature = request.raw_query.rpartition("&signature=")
    assert (
        payload
        == "symbol=LTCBTC&origClientOrderId=myOrder1&recvWindow=5000&timestamp=1499827319559"
    )
    assert signature == hmac_signature(SECRET, payload)
    assert request.header("x-mbx-apikey") == "key"


async def test_private_call_without_credentials_never_leaves() -> None:
    seen: list[Request] = []
    async with await serve(lambda r: seen.append(r) or Response.json({})) as server:
        client = BinanceHttpClient(BinanceConfig(base_url_http=server.http_url), environ={})
        with pytest.raises(MissingCredentials):
            await client.http_account()
        with pytest.raises(MissingCredentials):
            await client.http_create_listen_key()
        await client.aclose()
    assert seen == []


async def test_provider_skips_bad_records_with_a_warning_that_can_be_silenced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    payload = load("futures_exchange_info.json")
    payload["symbols"].insert(0, dict(payload["symbols"][0], symbol="BROKENUSDT", filters=[]))
    async with await serve(lambda r: Response.json(payload)) as server:
        for warn in (True, False):
            caplog.clear()
            cfg = BinanceConfig(
                base_url_http=server.http_url,
                account_type=BinanceAccountType.USDT_FUTURE,
                log_instrument_warnings=warn,
            )
            provider = BinanceInstrumentProvider(cfg)
            with caplog.at_level(logging.WARNING):
                loaded = await provider.load_all()
            await provider.disconnect()
            assert [str(i.id) for i in loaded] == ["BLZUSDT-PERP.BINANCE"]
            assert provider.by_native("BLZUSDT") is loaded[0]
            assert provider.skipped[0][0] == "BROKENUSDT"
            warned = any("BROKENUSDT" in rec.getMessage() for rec in caplog.records)
            assert warned is warn


async def test_listen_token_request_of_an_isolated_margin_account() -> None:
    # POST /sapi/v1/userListenToken is USER_STREAM: the API key header, no signature.
    seen: list[Request] = []

    def handler(r: Request) -> Response:
        seen.append(r)
        return Response.json(load("margin_listen_token.json"))

    async with await serve(handler) as server:
        client = BinanceHttpClient(
            config(
                server,
                account_type=BinanceAccountType.ISOLATED_MARGIN,
                isolated_symbol="BNBUSDT",
            )
        )
        payload = await client.http_create_listen_token(validity_ms=3_600_000)
        await client.aclose()
    (request,) = seen
    assert (request.method, request.path) == ("POST", "/sapi/v1/userListenToken")
    assert request.raw_query == "symbol=BNBUSDT&isIsolated=true&validity=3600000"
    assert request.header("x-mbx-apikey") == "key"
    assert payload["token"].startswith("6xXxePXw") and payload["expirationTime"] == 1758792204196
