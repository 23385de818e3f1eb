"""HttpClient: venue REST on top of ``httpx.AsyncClient``.

What it adds to httpx:

* an exact, ordered query string, built once and signed as sent (Binance signs the literal query
  string, so the bytes the signer sees are the bytes on the wire);
* a per-request signing hook, run again for every attempt so timestamps and nonces stay fresh;
  it may add headers and query parameters or rewrite the body (nonces inside a signed body),
  and may be async (remote or hardware signers);
* keyed rate limiting that waits for capacity, and venue back-pressure (429 / 418 with
  ``Retry-After`` blocks the request's keys for everyone);
* retries with exponential backoff and jitter for network errors, timeouts, 5xx and rate limits,
  never for other 4xx; bounded attempts; cancellable through the caller's cancel scope;
* one error taxonomy: everything raised is a :class:`~tradeport.errors.TradeportError`;
* debug logging of requests and responses with every secret redacted.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import anyio
import attrs
import httpx

from tradeport.errors import (
    ClockSkewError,
    ConfigError,
    NetworkError,
    TradeportError,
    VenueError,
)
from tradeport.net import json_codec
from tradeport.net.backoff import RetryPolicy
from tradeport.net.http_errors import (
    error_for_exception,
    error_for_response,
    is_connect_failure,
)
from tradeport.net.ratelimit import RateLimiter
from tradeport.net.redaction import Redactor
from tradeport.net.server_time import ServerClock
from tradeport.secrets import Secret

__all__ = [
    "HttpClient",
    "StreamedResponse",
    "ParamValue",
    "Params",
    "SignRequest",
    "SignResult",
    "Signer",
    "encode_query",
    "normalize_params",
]

logger = logging.getLogger("tradeport.net.http")

#: A query or form value. Floats are refused: prices and sizes travel as exact decimals.
ParamValue = str | int | Decimal | bool | None
#: Query / form parameters, in order. Pairs whose value is None are dropped.
Params = Sequence[tuple[str, ParamValue]] | Mapping[str, ParamValue]

# RFC 3986 unreserved characters; everything else is percent-encoded, so httpx has nothing left
# to normalise and the wire bytes equal the signed bytes.
_UNRESERVED = "-_.~"


def _param_text(name: str, value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise ConfigError(
            f"parameter {name!r}: float {value!r} is not exact; pass a Decimal or str", field=name
        )
    return str(value)


def normalize_params(params: Params | None) -> tuple[tuple[str, str], ...]:
    """Ordered (name, text) pairs: booleans as ``true``/``false``, None values dropped."""
    if not params:
        return ()
    items = params.items() if isinstance(params, Mapping) else params
    return tuple((name, _param_text(name, value)) for name, value in items if value is not None)


def encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Percent-encode ``pairs`` into a query string, in order.

    ``encode_query(a + b) == encode_query(a) + "&" + encode_query(b)``, which lets a signer
    compute a signature over the caller's parameters plus its own (timestamp, recvWindow).
    """
    return "&".join(
        f"{quote(name, safe=_UNRESERVED)}={quote(value, safe=_UNRESERVED)}" for name, value in pairs
    )


@attrs.frozen(kw_only=True)
class SignRequest:
    """What a signer sees: the request exactly as it will be sent, before signing.

    ``query_string`` and ``body`` are the final encoded bytes/text; ``path`` excludes the query.
    ``json`` / ``form`` are the caller's body before encoding (the object given as ``json=``,
    the normalised pairs given as ``data=``), for signers that rebuild the body with a nonce
    or a signature inside it; ``content_type`` is the body's. ``attempt`` counts from 1: the
    signer runs again for every attempt, so each gets a fresh timestamp, nonce and signature.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    query_string: str
    body: bytes
    headers: Mapping[str, str]
    json: Any = None
    form: tuple[tuple[str, str], ...] | None = None
    content_type: str | None = None
    attempt: int = 1

    def query_with(self, extra: Params) -> str:
        """The query string with ``extra`` appended, encoded exactly as it will be sent."""
        return encode_query((*self.query, *normalize_params(extra)))

    def form_with(self, extra: Params, *, first: bool = False) -> bytes:
        """The form body (``data=``) with ``extra`` appended (or put ``first``), encoded
        exactly as it will be sent (Kraken signs ``nonce=...&...``)."""
        own, more = self.form or (), normalize_params(extra)
        return encode_query((*more, *own) if first else (*own, *more)).encode()

    def json_with(self, extra: Mapping[str, Any]) -> bytes:
        """The JSON body (``json=``, an object) with ``extra``'s keys added, compact."""
        base = self.json if isinstance(self.json, Mapping) else {}
        return json_codec.dumps_bytes({**base, **extra})


@attrs.frozen(kw_only=True)
class SignResult:
    """What a signer adds: headers, parameters appended to the query in order, and
    optionally a new ``body`` (with its ``content_type``, else the request's) that replaces
    the request's body for this attempt."""

    headers: Mapping[str, str] = attrs.field(factory=dict)
    params: Sequence[tuple[str, ParamValue]] = ()
    body: bytes | None = None
    content_type: str | None = None


#: Signs one request (sync, or async for remote / hardware signers). May raise
#: MissingCredentials (or any TradeportError) to stop it leaving.
Signer = Callable[[SignRequest], SignResult | Awaitable[SignResult]]


@attrs.frozen
class _Body:
    """A request body as encoded, with what it was encoded from."""

    content: bytes
    content_type: str | None
    json: Any = None
    form: tuple[tuple[str, str], ...] | None = None


#: Turns a venue response into a typed error (or None when the response is fine / not an error).
ErrorParser = Callable[[httpx.Response], VenueError | None]


def _set_header(headers: dict[str, str], name: str, value: str) -> None:
    """Set ``name`` case-insensitively (one Content-Type, whatever case the caller used)."""
    for key in [k for k in headers if k.lower() == name.lower()]:
        del headers[key]
    headers[name] = value


def _retry_after(error: VenueError) -> float | None:
    """Seconds the venue asked us to wait (429/418, and 503 with ``Retry-After``)."""
    value = getattr(error, "retry_after", None)
    return float(value) if isinstance(value, (int, float)) else None


@attrs.define
class HttpCounters:
    """Running totals of one HttpClient."""

    #: Requests handed to httpx (every attempt counts).
    attempts: int = 0
    #: Attempts that were retries.
    retries: int = 0
    #: Requests that ended in an error after all attempts.
    failures: int = 0


class HttpClient:
    """Venue REST client on ``httpx.AsyncClient``.

    :param base_url: scheme, host and optional path prefix; request paths are appended to it.
    :param venue: venue name carried by every error.
    :param headers: default headers for every request.
    :param timeout: seconds (or an ``httpx.Timeout``) per attempt.
    :param signer: called for every attempt of a ``signed=True`` request.
    :param rate_limiter: waited on before every attempt.
    :param retry: the default retry policy.
    :param error_parser: venue-specific error recognition, called on every response (also 2xx:
        some venues report errors with HTTP 200). Its error is raised as is, after ``venue``,
        ``endpoint`` and ``http_status`` are filled in where it left them empty.
    :param on_response: called with every response first (e.g. to feed used-weight headers to the
        rate limiter).
    :param secrets: values to redact from every log line.
    :param client: an existing ``httpx.AsyncClient`` to use (not closed by :meth:`aclose`).
    :param exact_numbers: decode JSON bodies (``get_json`` ...) with JSON numbers that have a
        fraction as exact ``Decimal`` (:func:`~tradeport.net.json_codec.loads_exact`), for
        venues that send prices as JSON numbers.
    :param server_clock: the venue's clock for signed requests (the signer stamps with it):
        measured before a signed request when stale, and re-measured once, with one retry, when
        a signed request is refused with a :class:`~tradeport.errors.ClockSkewError`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        venue: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout = 10.0,
        signer: Signer | None = None,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        error_parser: ErrorParser | None = None,
        on_response: Callable[[httpx.Response], None] | None = None,
        secrets: Iterable[str | Secret | None] = (),
        client: httpx.AsyncClient | None = None,
        server_clock: ServerClock | None = None,
        exact_numbers: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.exact_numbers = exact_numbers
        self.server_clock = server_clock
        self.venue = venue
        self.signer = signer
        self.rate_limiter = rate_limiter
        self.retry = retry or RetryPolicy()
        self.error_parser = error_parser
        self.on_response = on_response
        self.redactor = Redactor(secrets)
        self.counters = HttpCounters()
        self._default_headers = dict(headers or {})
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self._closed = False

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (when this client created it)."""
        self._closed = True
        if self._owns_client:
            await self._client.aclose()

    # -- public request API -------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Params | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        signed: bool = False,
        rate_keys: Sequence[str] = ("global",),
        weight: int = 1,
        retry: bool = True,
        retry_policy: RetryPolicy | None = None,
        _stream: bool = False,
    ) -> httpx.Response:
        """Send one request with signing, rate limiting and retries; return a success response.

        ``params`` go to the query string in the given order; the body is one of ``json``,
        ``data`` (form-encoded with the same encoder as the query) or raw ``content``.
        ``retry=False`` is for non-idempotent writes: then only failures that provably happened
        before the request reached the venue (connection refused, connect timeout) are retried.
        Raises a :class:`~tradeport.errors.TradeportError`; after the last attempt, the last
        typed error.
        """
        if self._closed:
            raise TradeportError("HttpClient is closed")
        method = method.upper()
        endpoint = f"{method} {path}"
        query = normalize_params(params)
        body = self._encode_body(json, data, content)
        policy = retry_policy or self.retry
        clock = self.server_clock if signed else None
        skew_retried = False
        attempt = 0
        while True:
            attempt += 1
            if clock is not None:
                await clock.ensure_fresh()
            try:
                return await self._attempt(
                    method,
                    path,
                    endpoint,
                    query,
                    body,
                    headers,
                    signed,
                    rate_keys,
                    weight,
                    attempt,
                    _stream,
                )
            except ClockSkewError as err:
                if clock is None or skew_retried:
                    self.counters.failures += 1
                    raise
                # The venue's clock moved (or was never measured): measure it, retry once.
                skew_retried = True
                logger.warning(
                    "%s: %s refused for clock skew; re-measuring the server time",
                    self.venue or "http",
                    endpoint,
                )
                try:
                    await clock.measure()
                except TradeportError:
                    self.counters.failures += 1
                    raise err from None
                self.counters.retries += 1
            except VenueError as err:
                delay = self._retry_delay(err, attempt, policy, retry)
                if delay is None:
                    self.counters.failures += 1
                    raise
                self.counters.retries += 1
                logger.warning(
                    "%s: retrying %s in %.3fs (attempt %d failed: %s)",
                    self.venue or "http",
                    endpoint,
                    delay,
                    attempt,
                    self.redactor.text(str(err)),
                )
                await anyio.sleep(delay)

    @asynccontextmanager
    async def stream(
        self, method: str, path: str, **kwargs: Any
    ) -> AsyncIterator[StreamedResponse]:
        """Like :meth:`request`, but the success response's body is not read: iterate it with
        ``response.aiter_bytes()`` inside the ``async with`` (large downloads in bounded
        memory). Signing, rate limits, retries and typed errors apply up to the response
        head (an error response is read whole, it is small); a failure while the body streams
        is raised as a :class:`~tradeport.errors.NetworkError` and not retried.
        """
        response = await self.request(method, path, _stream=True, **kwargs)
        endpoint = f"{method.upper()} {path}"
        try:
            yield StreamedResponse(response, self.venue, endpoint)
        finally:
            await response.aclose()

    async def get_json(self, path: str, **kwargs: Any) -> Any:
        """``GET`` and decode the JSON body (see :meth:`request` for the keywords)."""
        return self._json_of(await self.request("GET", path, **kwargs))

    async def post_json(self, path: str, **kwargs: Any) -> Any:
        """``POST`` and decode the JSON body (see :meth:`request` for the keywords)."""
        return self._json_of(await self.request("POST", path, **kwargs))

    async def put_json(self, path: str, **kwargs: Any) -> Any:
        """``PUT`` and decode the JSON body (see :meth:`request` for the keywords)."""
        return self._json_of(await self.request("PUT", path, **kwargs))

    async def delete_json(self, path: str, **kwargs: Any) -> Any:
        """``DELETE`` and decode the JSON body (see :meth:`request` for the keywords)."""
        return self._json_of(await self.request("DELETE", path, **kwargs))

    # -- internals ------------------------------------------------------------------------------

    @staticmethod
    def _encode_body(json: Any, data: Params | None, content: bytes | None) -> _Body:
        given = sum(x is not None for x in (json, data, content))
        if given > 1:
            raise ConfigError("pass at most one of json, data and content", field="body")
        if json is not None:
            return _Body(json_codec.dumps_bytes(json), "application/json", json=json)
        if data is not None:
            form = normalize_params(data)
            return _Body(
                encode_query(form).encode(), "application/x-www-form-urlencoded", form=form
            )
        return _Body(content or b"", None)

    def _json_of(self, response: httpx.Response) -> Any:
        try:
            if self.exact_numbers:
                return json_codec.loads_exact(response.content)
            return json_codec.loads(response.content)
        except (ValueError, TypeError) as exc:
            raise VenueError(
                "response body is not JSON",
                venue=self.venue,
                endpoint=f"{response.request.method} {response.request.url.path}",
                http_status=response.status_code,
                retryable=False,
            ) from exc

    def _retry_delay(
        self, err: VenueError, attempt: int, policy: RetryPolicy, retry: bool
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if not err.retryable or not policy.allows(attempt + 1):
            return None
        if not retry and not is_connect_failure(err.__cause__ or err):
            return None
        delay = policy.delay(attempt)
        retry_after = _retry_after(err)
        if retry_after is not None:
            if retry_after > policy.max_retry_after:
                return None
            delay = max(delay, retry_after)
        return delay

    async def _attempt(
        self,
        method: str,
        path: str,
        endpoint: str,
        query: tuple[tuple[str, str], ...],
        request_body: _Body,
        extra_headers: Mapping[str, str] | None,
        signed: bool,
        rate_keys: Sequence[str],
        weight: int,
        attempt: int,
        stream: bool = False,
    ) -> httpx.Response:
        headers = {**self._default_headers, **(extra_headers or {})}
        body, content_type = request_body.content, request_body.content_type
        if content_type and body:
            headers.setdefault("Content-Type", content_type)
        if signed:
            if self.signer is None:
                raise ConfigError(f"{endpoint} is signed but the HttpClient has no signer")
            # Signed again on every attempt: timestamps and nonces must be fresh.
            signed_result = self.signer(
                SignRequest(
                    method=method,
                    path=path,
                    query=query,
                    query_string=encode_query(query),
                    body=body,
                    headers=dict(headers),
                    json=request_body.json,
                    form=request_body.form,
                    content_type=content_type,
                    attempt=attempt,
                )
            )
            result = await signed_result if inspect.isawaitable(signed_result) else signed_result
            headers.update(result.headers)
            query = (*query, *normalize_params(result.params))
            if result.body is not None:
                body = result.body
                content_type = result.content_type or content_type
                if content_type and body:
                    _set_header(headers, "Content-Type", content_type)
        query_string = encode_query(query)
        if self.rate_limiter is not None:
            await self.rate_limiter.acquire(rate_keys, weight)
        url = httpx.URL(self.base_url + path)
        if query_string:
            url = url.copy_with(query=query_string.encode("ascii"))
        request = self._client.build_request(method, url, headers=headers, content=body)
        debug = logger.isEnabledFor(logging.DEBUG)
        if debug:
            self._log_request(request, query, body)
        self.counters.attempts += 1
        started = time.perf_counter()
        try:
            response = await self._client.send(request, stream=stream)
            if stream and response.status_code >= 300:
                await response.aread()  # an error body: small, and the parsers read it
        except httpx.HTTPError as exc:
            raise error_for_exception(exc, venue=self.venue, endpoint=endpoint) from exc
        except OSError as exc:  # below httpx's own mapping (rare, but never leak it)
            raise NetworkError(
                f"network failure ({exc!r})", venue=self.venue, endpoint=endpoint
            ) from exc
        if debug:
            self._log_response(response, time.perf_counter() - started)
        if self.on_response is not None:
            self.on_response(response)
        error = self.error_parser(response) if self.error_parser is not None else None
        if error is None:
            error = error_for_response(response, venue=self.venue, endpoint=endpoint)
        else:
            error.venue = error.venue or self.venue
            error.endpoint = error.endpoint or endpoint
            error.http_status = error.http_status or response.status_code
        if error is None:
            return response
        if stream:
            await response.aclose()
        retry_after = _retry_after(error)
        if retry_after and self.rate_limiter is not None:
            # The venue said stop: hold every caller of these keys, not only this request.
            for key in rate_keys:
                self.rate_limiter.penalize(key, retry_after)
        raise error

    def _log_request(
        self, request: httpx.Request, query: Sequence[tuple[str, str]], body: bytes
    ) -> None:
        redact = self.redactor
        logger.debug(
            "%s -> %s %s%s headers=%s body=%s",
            self.venue or "http",
            request.method,
            request.url.path,
            f"?{redact.query(query)}" if query else "",
            redact.pairs(request.headers.items()),
            redact.body(body[:2000].decode("utf-8", "replace")) if body else "",
        )

    def _log_response(self, response: httpx.Response, elapsed: float) -> None:
        logger.debug(
            "%s <- %d %s %s in %.1fms headers=%s body=%s",
            self.venue or "http",
            response.status_code,
            response.request.method,
            response.request.url.path,
            elapsed * 1000,
            self.redactor.pairs(response.headers.items()),
            # A streamed success response is not read here (its body is the caller's).
            self.redactor.body(
                response.content[:2000].decode("utf-8", "replace")
                if hasattr(response, "_content")
                else "<streamed>"
            ),
        )


class StreamedResponse:
    """A success response whose body has not been read (see :meth:`HttpClient.stream`)."""

    __slots__ = ("_endpoint", "_venue", "response")

    def __init__(self, response: httpx.Response, venue: str | None, endpoint: str) -> None:
        self.response = response
        self._venue = venue
        self._endpoint = endpoint

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body as it arrives; transport failures are tradeport errors."""
        try:
            async for chunk in self.response.aiter_bytes(chunk_size):
                yield chunk
        except httpx.HTTPError as exc:
            raise error_for_exception(exc, venue=self._venue, endpoint=self._endpoint) from exc
