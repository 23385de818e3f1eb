"""Signers that rewrite the body, on real HTTP against a loopback venue.

The Kraken-style signer follows Kraken's documented algorithm (API-Sign = base64
HMAC-SHA512(base64-decoded secret, URI path + SHA256(nonce + POST data)), nonce inside the form
body) and is checked against the example on https://docs.kraken.com/api/docs/guides/spot-rest-auth
(nonce 1616492376594, ``ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import anyio
import anyio.lowlevel
import pytest
from tradeport.net import HttpClient, NonceSource, RetryPolicy, SignRequest, SignResult, json_codec
from tradeport.testing import LoopbackServer, Request, Response

pytestmark = pytest.mark.anyio

# Kraken's documented example key, nonce, order and signature.
DOC_SECRET = (
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
)
DOC_NONCE = 1616492376594
DOC_ORDER = [
    ("ordertype", "limit"),
    ("pair", "XBTUSD"),
    ("price", "37500"),
    ("type", "buy"),
    ("volume", "1.25"),
]
DOC_SIGNATURE = (
    "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
)
PATH = "/0/private/AddOrder"


def kraken_signature(secret_b64: str, path: str, nonce: str, post_data: bytes) -> str:
    digest = hashlib.sha256(nonce.encode() + post_data).digest()
    mac = hmac.new(base64.b64decode(secret_b64), path.encode() + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


def kraken_signer(
    nonces: NonceSource, signed: list[tuple[int, int, str]] | None = None
) -> Callable[[SignRequest], SignResult]:
    """Nonce first in the form body, then the order's fields; signature over that body."""

    def sign(request: SignRequest) -> SignResult:
        nonce = nonces.next()
        body = request.form_with([("nonce", nonce)], first=True)
        signature = kraken_signature(DOC_SECRET, request.path, str(nonce), body)
        if signed is not None:
            signed.append((request.attempt, nonce, signature))
        return SignResult(
            headers={"API-Key": "key", "API-Sign": signature},
            body=body,
            content_type="application/x-www-form-urlencoded",
        )

    return sign


class KrakenLikeVenue:
    """Verifies every signature the way Kraken does; answers 503 to the first ``fail_first``."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, request: Request) -> Response:
        form = dict(parse_qsl(request.body.decode()))
        good = kraken_signature(DOC_SECRET, request.path, form["nonce"], request.body)
        record = {
            "nonce": int(form["nonce"]),
            "signature": request.header("API-Sign"),
            "valid": request.header("API-Sign") == good,
            "content_type": request.header("Content-Type"),
            "body": request.body,
        }
        self.seen.append(record)
        if not record["valid"]:
            return Response.json({"error": ["EAPI:Invalid signature"]}, status=200)
        if len(self.seen) <= self.fail_first:
            return Response.json({"error": ["EService:Unavailable"]}, status=503)
        return Response.json({"error": [], "result": {"txid": [f"T-{form['nonce']}"]}})


def fixed_clock(ms: int) -> Callable[[], int]:
    return lambda: ms * 1_000_000


async def test_kraken_documented_example_over_http() -> None:
    venue = KrakenLikeVenue()
    nonces = NonceSource("ms", clock_ns=fixed_clock(DOC_NONCE))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, signer=kraken_signer(nonces)) as http,
    ):
        reply = await http.post_json(PATH, data=DOC_ORDER, signed=True, retry=False)
    assert reply["result"]["txid"] == [f"T-{DOC_NONCE}"]
    (seen,) = venue.seen
    assert (
        seen["body"]
        == b"nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
    )
    assert seen["signature"] == DOC_SIGNATURE
    assert seen["content_type"] == "application/x-www-form-urlencoded"


async def test_503_once_is_retried_with_a_new_nonce_and_signature() -> None:
    venue = KrakenLikeVenue(fail_first=1)
    signed: list[tuple[int, int, str]] = []
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(
            server.http_url,
            signer=kraken_signer(NonceSource("ms"), signed),
            retry=RetryPolicy(max_attempts=3, initial=0.01, jitter=0),
        ) as http,
    ):
        reply = await http.post_json(PATH, data=DOC_ORDER, signed=True)
    first, second = venue.seen
    assert first["valid"] and second["valid"]  # the venue verified both
    assert second["nonce"] > first["nonce"]
    assert second["signature"] != first["signature"]
    assert [attempt for attempt, _, _ in signed] == [1, 2]  # the signer ran per attempt
    assert reply["result"]["txid"] == [f"T-{second['nonce']}"]


async def test_ten_concurrent_signed_requests_get_ten_increasing_nonces() -> None:
    venue = KrakenLikeVenue()
    signed: list[tuple[int, int, str]] = []
    # A stopped clock: every request is signed in "the same millisecond".
    nonces = NonceSource("ms", clock_ns=fixed_clock(DOC_NONCE))
    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, signer=kraken_signer(nonces, signed)) as http,
        anyio.create_task_group() as group,
    ):
        for _ in range(10):
            group.start_soon(lambda: http.post_json(PATH, data=DOC_ORDER, signed=True))
    in_signing_order = [nonce for _, nonce, _ in signed]
    assert in_signing_order == sorted(set(in_signing_order))  # strictly increasing
    assert len(in_signing_order) == 10
    assert sorted(seen["nonce"] for seen in venue.seen) == in_signing_order
    assert all(seen["valid"] for seen in venue.seen)


async def test_a_new_client_with_the_same_signer_continues_even_if_the_clock_steps_back() -> None:
    venue = KrakenLikeVenue()
    clock = [DOC_NONCE + 1000]
    nonces = NonceSource("ms", clock_ns=lambda: clock[0] * 1_000_000)
    signer = kraken_signer(nonces)
    async with LoopbackServer(http=venue) as server:
        for step_back in (0, 500):  # a reconnect: a new client, the same signer
            clock[0] -= step_back
            async with HttpClient(server.http_url, signer=signer) as http:
                await http.post_json(PATH, data=DOC_ORDER, signed=True)
    assert [seen["nonce"] for seen in venue.seen] == [DOC_NONCE + 1000, DOC_NONCE + 1001]


async def test_async_non_hmac_signer_rewrites_a_json_body() -> None:
    ed25519 = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ed25519")
    key = ed25519.Ed25519PrivateKey.generate()
    public = key.public_key()
    nonces = NonceSource("ms")

    async def sign(request: SignRequest) -> SignResult:
        await anyio.lowlevel.checkpoint()  # e.g. a remote or hardware signer
        nonce = nonces.next()
        unsigned = request.json_with({"nonce": nonce})
        signature = key.sign(unsigned).hex()
        return SignResult(body=request.json_with({"nonce": nonce, "signature": signature}))

    bodies: list[dict[str, Any]] = []

    async def venue(request: Request) -> Response:
        body = request.json()
        signature = bytes.fromhex(body.pop("signature"))
        public.verify(signature, json_codec.dumps_bytes(body))  # raises when invalid
        bodies.append(body)
        return Response.json({"status": "ok"}, status=503 if len(bodies) == 1 else 200)

    async with (
        LoopbackServer(http=venue) as server,
        HttpClient(server.http_url, signer=sign, retry=RetryPolicy(initial=0.01, jitter=0)) as http,
    ):
        reply = await http.post_json("/exchange", json={"action": {"type": "order"}}, signed=True)
    assert reply == {"status": "ok"}
    assert bodies[0]["action"] == {"type": "order"}
    assert bodies[1]["nonce"] > bodies[0]["nonce"]


def test_nonce_source_is_strictly_increasing_across_threads() -> None:
    nonces = NonceSource("ms", clock_ns=fixed_clock(5))
    values: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        mine = [nonces.next() for _ in range(500)]
        with lock:
            values.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(values) == list(range(5, 5 + 4000))
    nonces.observe(10_000)
    assert nonces.next() == 10_001
    with pytest.raises(ValueError, match="unit"):
        NonceSource("minutes")  # type: ignore[arg-type]
