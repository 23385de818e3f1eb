"""HttpClient against a real loopback HTTP server: exact signed queries, retries, typed errors,
rate limits, cancellation and redaction."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

import anyio
import httpx
import pytest
from tradeport.errors import (
    AuthenticationError,
    ClockSkewError,
    ConfigError,
    MissingCredentials,
    NetworkError,
    RateLimitError,
    RequestRejected,
    RequestTimeout,
    ServerError,
    TradeportError,
    VenueError,
)
from tradeport.net import HttpClient, Quota, RateLimiter, RetryPolicy, SignRequest, SignResult
from tradeport.secrets import Secret
from tradeport.testing import AbortConnection, LoopbackServer, Request, Response

pytestmark = pytest.mark.anyio

FAST_RETRY = RetryPolicy(max_attempts=3, initial=0.02, max=0.1, jitter=0.2)
API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
API_SECRET = Secret("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")


class ScriptedVenue:
    """Answers requests from a script of responses (the last one repeats)."""

    def __init__(self, *responses: Response | type[AbortConnection] | AbortConnection) -> None:
        self.responses = list(responses)
        self.requests: list[Request] = []

    async def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        step = self.responses[min(len(self.requests), len(self.responses)) - 1]
        if isinstance(step, AbortConnection):
            raise step
        assert isinstance(step, Response)
        return step


def binance_signer(request: SignRequest) -> SignResult:
    """Binance-style: timestamp appended, HMAC-SHA256 over the exact query string + body."""
    extra = [("timestamp", 1499827319559), ("recvWindow", 5000)]
    payload = request.query_with(extra) + request.body.decode()
    signature = hmac.new(API_SECRET.reveal().encode(), payload.encode(), hashlib.sha256).hexdigest()
    return SignResult(headers={"X-MBX-APIKEY": API_KEY}, params=[*extra, ("signature", signature)])


async def test_signed_query_is_sent_exactly_as_signed() -> None:
    venue = ScriptedVenue(Response.json({"orderId": 1}))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, venue="BINANCE", signer=binance_signer) as http,
    ):
        params = [("symbol", "BTCUSDT"), ("side", "BUY"), ("price", "0.1"), ("note", "a b,c/d")]
        assert await http.post_json("/api/v3/order", params=params, signed=True) == {"orderId": 1}
    (request,) = venue.requests
    # Order kept, every reserved character percent-encoded, signer's parameters appended.
    query, _, signature = request.raw_query.rpartition("&signature=")
    assert query == (
        "symbol=BTCUSDT&side=BUY&price=0.1&note=a%20b%2Cc%2Fd&timestamp=1499827319559&recvWindow=5000"
    )
    # The venue verifies the signature over the raw query string it received.
    expected = hmac.new(API_SECRET.reveal().encode(), query.encode(), hashlib.sha256).hexdigest()
    assert signature == expected
    assert request.header("x-mbx-apikey") == API_KEY


async def test_signed_json_body_is_signed_as_sent() -> None:
    seen: list[SignRequest] = []

    def signer(request: SignRequest) -> SignResult:
        seen.append(request)
        return SignResult(headers={"X-SIGN": hashlib.sha256(request.body).hexdigest()})

    venue = ScriptedVenue(Response.json({"retCode": 0}))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, signer=signer) as http,
    ):
        await http.post_json(
            "/v5/order/create", json={"symbol": "BTCUSDT", "qty": "0.5"}, signed=True
        )
    (request,) = venue.requests
    assert request.body == b'{"symbol":"BTCUSDT","qty":"0.5"}' == seen[0].body
    assert request.header("x-sign") == hashlib.sha256(request.body).hexdigest()
    assert request.header("content-type") == "application/json"


async def test_missing_credentials_stop_the_request_before_it_leaves() -> None:
    def signer(request: SignRequest) -> SignResult:
        raise MissingCredentials("BINANCE", "GET /api/v3/account")

    venue = ScriptedVenue(Response.json({}))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, signer=signer) as http,
    ):
        with pytest.raises(MissingCredentials):
            await http.get_json("/api/v3/account", signed=True)
    assert server.connections == 0


async def test_429_then_success_honours_retry_after() -> None:
    venue = ScriptedVenue(
        Response.json({"code": -1003, "msg": "Too many requests"}, 429, {"Retry-After": "0.3"}),
        Response.json({"ok": True}),
    )
    limiter = RateLimiter({"global": Quota.per_second(100)})
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, rate_limiter=limiter, retry=FAST_RETRY) as http,
    ):
        started = time.monotonic()
        assert await http.get_json("/api/v3/time") == {"ok": True}
        elapsed = time.monotonic() - started
    assert len(venue.requests) == 2
    assert elapsed >= 0.25  # Retry-After (0.3 s) beat the 0.02 s backoff
    assert http.counters.retries == 1


async def test_429_retry_after_beyond_the_policy_fails_at_once() -> None:
    venue = ScriptedVenue(
        Response.json({"code": -1003, "msg": "banned"}, 418, {"Retry-After": "600"})
    )
    async with LoopbackServer(http=venue) as server, HttpClient(server.http_url) as http:
        with pytest.raises(RateLimitError) as limited:
            await http.get_json("/api/v3/time")
    assert limited.value.retry_after == 600
    assert limited.value.http_status == 418
    assert limited.value.retryable
    assert len(venue.requests) == 1


async def test_5xx_is_retried_until_success() -> None:
    venue = ScriptedVenue(
        Response.text("overloaded", 503), Response.text("oops", 502), Response.json([1, 2])
    )
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, retry=FAST_RETRY) as http,
    ):
        assert await http.get_json("/api/v1/instrument") == [1, 2]
    assert len(venue.requests) == 3


async def test_exhausted_retries_raise_the_last_typed_error() -> None:
    venue = ScriptedVenue(Response.json({"error": {"message": "The system is overloaded"}}, 503))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, venue="BITMEX", retry=FAST_RETRY) as http,
    ):
        with pytest.raises(ServerError) as failed:
            await http.get_json("/api/v1/order")
    error = failed.value
    assert (error.http_status, error.venue, error.endpoint) == (503, "BITMEX", "GET /api/v1/order")
    assert error.venue_message == "The system is overloaded"
    assert error.retryable
    assert len(venue.requests) == 3


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, RequestRejected),
        (404, RequestRejected),
        (401, AuthenticationError),
        (403, AuthenticationError),
    ],
)
async def test_other_4xx_are_not_retried(status, error_type) -> None:
    venue = ScriptedVenue(
        Response.json({"code": -1102, "msg": "Mandatory parameter missing"}, status)
    )
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, venue="BINANCE", retry=FAST_RETRY) as http,
    ):
        with pytest.raises(error_type) as rejected:
            await http.get_json("/api/v3/order")
    assert len(venue.requests) == 1
    assert rejected.value.venue_code == -1102
    assert rejected.value.venue_message == "Mandatory parameter missing"
    assert not rejected.value.retryable


async def test_venue_error_parser_refines_errors_even_on_http_200() -> None:
    def bybit_or_binance(response: httpx.Response) -> VenueError | None:
        body = response.json()
        if body.get("retCode") == 10006:
            return RateLimitError("too many visits", venue_code=10006, venue_message=body["retMsg"])
        if body.get("code") == -1021:
            return ClockSkewError("clock skew", venue_code=-1021, venue_message=body["msg"])
        return None

    venue = ScriptedVenue(
        Response.json({"retCode": 10006, "retMsg": "Too many visits!"}),  # HTTP 200
        Response.json({"retCode": 0, "result": {}}),
        Response.json({"code": -1021, "msg": "Timestamp outside recvWindow."}, 400),
    )
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(
            server.http_url, venue="X", error_parser=bybit_or_binance, retry=FAST_RETRY
        ) as http,
    ):
        assert await http.get_json("/v5/market/time") == {"retCode": 0, "result": {}}
        with pytest.raises(ClockSkewError) as skew:
            await http.get_json("/api/v3/order")
    assert (skew.value.http_status, skew.value.endpoint, skew.value.venue) == (
        400,
        "GET /api/v3/order",
        "X",
    )
    assert len(venue.requests) == 3


@pytest.mark.parametrize("mode", ["rst", "fin"])
async def test_dropped_connections_are_network_errors_and_retried(mode) -> None:
    venue = ScriptedVenue(AbortConnection(mode), Response.json({"ok": 1}))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, retry=FAST_RETRY) as http,
    ):
        assert await http.get_json("/ping") == {"ok": 1}
    assert len(venue.requests) == 2


async def test_network_errors_never_leak_httpx_exceptions() -> None:
    venue = ScriptedVenue(AbortConnection("rst"))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, venue="V", retry=FAST_RETRY) as http,
    ):
        with pytest.raises(NetworkError) as failed:
            await http.get_json("/ping")
    assert isinstance(failed.value.__cause__, httpx.HTTPError)  # kept as the cause, not raised
    assert failed.value.endpoint == "GET /ping"
    assert len(venue.requests) == 3


async def test_timeout_is_a_request_timeout() -> None:
    never = anyio.Event()

    async def hung(request: Request) -> Response:
        await never.wait()
        raise AssertionError("unreachable")

    async with (
        LoopbackServer(http=hung) as server,
        HttpClient(server.http_url, timeout=0.2, retry=RetryPolicy.never()) as http,
    ):
        with pytest.raises(RequestTimeout):
            await http.get_json("/slow")


async def test_writes_without_retry_are_sent_once_but_connect_failures_are_retried() -> None:
    venue = ScriptedVenue(Response.text("gateway timeout", 504))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, retry=FAST_RETRY) as http,
    ):
        with pytest.raises(ServerError):
            await http.post_json("/api/v3/order", params=[("symbol", "BTCUSDT")], retry=False)
    assert len(venue.requests) == 1  # the order may be live: never sent twice

    # Nothing listens on a closed port: the request never left, so even a write is retried.
    async with LoopbackServer() as closed:
        port = closed.port
    attempts = RetryPolicy(max_attempts=2, initial=0.01, max=0.01)
    async with HttpClient(f"http://127.0.0.1:{port}", retry=attempts) as http:
        with pytest.raises(NetworkError):
            await http.post_json("/api/v3/order", retry=False)
    assert http.counters.attempts == 2


async def test_retries_are_cancellable() -> None:
    venue = ScriptedVenue(Response.text("busy", 503, {"Retry-After": "30"}))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, retry=RetryPolicy(max_attempts=5)) as http,
    ):
        started = time.monotonic()
        with anyio.move_on_after(0.3) as scope:
            await http.get_json("/busy")
        assert scope.cancelled_caught
        assert time.monotonic() - started < 5
    assert len(venue.requests) == 1


async def test_rate_limiter_is_fed_and_penalised_by_the_venue() -> None:
    limiter = RateLimiter({"global": Quota.per_minute(1200)})

    def used_weight(response: httpx.Response) -> None:
        used = response.headers.get("x-mbx-used-weight-1m")
        if used is not None:
            limiter.update_used("global", int(used), period=60)

    venue = ScriptedVenue(Response.json({}, headers={"X-MBX-USED-WEIGHT-1M": "1100"}))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, rate_limiter=limiter, on_response=used_weight) as http,
    ):
        await http.get_json("/api/v3/depth", weight=5)
    assert limiter.used("global") == 1100  # the venue's count (other users of the IP) wins


async def test_float_parameters_are_refused() -> None:
    async with LoopbackServer(http=ScriptedVenue(Response.json({}))) as server:
        async with HttpClient(server.http_url) as http:
            with pytest.raises(ConfigError, match="price"):
                await http.get_json("/x", params={"price": 0.1})
        with pytest.raises(TradeportError, match="closed"):
            await http.get_json("/x")
    assert server.http_requests == 0


async def test_debug_logs_redact_every_secret(caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="tradeport.net.http")
    venue = ScriptedVenue(
        Response.text("busy", 503),
        Response.json(
            {"listenKey": "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"}
        ),
    )
    passphrase = Secret("my-okx-passphrase")
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(
            server.http_url,
            signer=binance_signer,
            headers={"OK-ACCESS-PASSPHRASE": passphrase.reveal()},
            secrets=[API_SECRET, passphrase],
            retry=FAST_RETRY,
        ) as http,
    ):
        await http.post_json(
            "/api/v3/userDataStream", json={"apiKey": API_KEY, "note": "x"}, signed=True
        )
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "/api/v3/userDataStream" in text  # requests and responses were logged
    assert "503" in text
    signature = venue.requests[0].param("signature")
    assert signature
    for secret in (API_KEY, API_SECRET.reveal(), passphrase.reveal(), signature, "pqia91ma19a5s6"):
        assert secret not in text


async def test_stream_reads_the_body_as_it_arrives_after_retries() -> None:
    body = bytes(range(256)) * 4096  # 1 MiB
    venue = ScriptedVenue(
        Response.json({"detail": "busy"}, status=503),
        Response(status=200, headers={"Content-Type": "application/octet-stream"}, body=body),
    )
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, retry=FAST_RETRY) as http,
    ):
        chunks: list[bytes] = []
        async with http.stream("POST", "/data", data=[("a", "1")]) as response:
            assert response.status_code == 200
            async for chunk in response.aiter_bytes(65536):
                chunks.append(chunk)
        assert b"".join(chunks) == body and max(map(len, chunks)) <= 65536
        assert len(venue.requests) == 2 and venue.requests[-1].body == b"a=1"
        venue.responses = [Response.json({"detail": "no such thing"}, status=404)]
        with pytest.raises(RequestRejected) as err:
            async with http.stream("GET", "/missing"):
                pass
        assert err.value.http_status == 404


@pytest.mark.parametrize("mode", ["fin", "rst"])
async def test_a_body_cut_off_mid_way_is_a_network_error(mode) -> None:
    # AbortConnection(partial=...): the head and 1000 body bytes, then the drop.
    body = bytes(range(256)) * 64
    partial = Response(status=200, headers={"Content-Type": "application/octet-stream"}, body=body)
    venue = ScriptedVenue(AbortConnection(mode, partial=partial, body_bytes=1000))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, retry=FAST_RETRY) as http,
    ):
        received = bytearray()

        async def download() -> None:
            async with http.stream("GET", "/data") as response:
                assert response.status_code == 200
                async for chunk in response.aiter_bytes():
                    received.extend(chunk)

        with pytest.raises(NetworkError):
            await download()
        assert bytes(received) == body[: len(received)] and len(received) <= 1000
        assert len(venue.requests) == 1  # a failure after the head is not retried
