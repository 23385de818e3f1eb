"""BitMEX REST client: ``http_*`` methods mirror BitMEX endpoints one to one.

Each ``http_*`` method sends one request and returns the decoded JSON; parsing to domain
objects happens in the clients above (provider, data, execution). Signing, rate limits, retries
and the error taxonomy come from :class:`tradeport.net.HttpClient`; this module adds BitMEX's
signature, its error envelope and rate-limit headers, and the "503 overloaded" rule: BitMEX
guarantees such a request was not executed, so even an order is sent again.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import anyio
from tradeport.errors import ServerError
from tradeport.net import HttpClient, Quota, RateLimiter, RetryPolicy, json_codec

from tradeport_bitmex.config import BitmexConfig
from tradeport_bitmex.constants import MAX_PAGE_COUNT, VENUE_ID
from tradeport_bitmex.credential import BitmexSigner
from tradeport_bitmex.http.errors import is_not_executed, parse_error, rate_limit_feeder
from tradeport_bitmex.http.query import Params
from tradeport_bitmex.urls import http_base_url

__all__ = ["BitmexHttpClient"]

_ORDER_KEYS = ("global", "orders")
_GLOBAL = ("global",)


class BitmexHttpClient:
    """REST access to BitMEX (live, testnet, or any base URL from the config).

    :param clock: UNIX seconds now, for ``api-expires`` (``config.clock_offset`` is added).
    """

    def __init__(
        self,
        config: BitmexConfig,
        *,
        clock: Callable[[], float] = time.time,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.config = config
        self.base_url = http_base_url(config)
        offset = config.clock_offset
        self.signer = BitmexSigner(
            config.api_key,
            config.api_secret,
            prefix=urlsplit(self.base_url).path.rstrip("/"),
            expires_after=config.expires_after,
            clock=(lambda: clock() + offset) if offset else clock,
        )
        self.rate_limiter = RateLimiter(
            {
                "global": Quota.per_minute(config.requests_per_minute),
                "orders": Quota.per_second(config.order_requests_per_second),
            }
        )
        self.http = HttpClient(
            self.base_url,
            venue=VENUE_ID,
            headers={"Accept": "application/json"},
            timeout=config.http_timeout,
            signer=self.signer,
            rate_limiter=self.rate_limiter,
            retry=retry
            or RetryPolicy(initial=config.http_retry_delay, max_attempts=config.http_max_attempts),
            error_parser=parse_error,
            on_response=rate_limit_feeder(self.rate_limiter),
            secrets=(config.api_key, config.api_secret),
            # Prices and sizes are JSON numbers: decoded as the exact Decimal printed, never
            # through a float.
            exact_numbers=True,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    @property
    def has_credentials(self) -> bool:
        """Whether private endpoints can be called."""
        return self.signer.has_credentials

    async def _write(self, method: str, path: str, form: Params) -> Any:
        """A non-idempotent request: never retried on an ambiguous failure, but sent again
        when BitMEX answers 503 overloaded (documented as not executed)."""
        attempts = max(self.config.overloaded_attempts, 1)
        for attempt in range(1, attempts + 1):
            try:
                response = await self.http.request(
                    method, path, data=form, signed=True, rate_keys=_ORDER_KEYS, retry=False
                )
                return json_codec.loads(response.content)
            except ServerError as error:
                if not is_not_executed(error) or attempt == attempts:
                    raise
                await anyio.sleep(getattr(error, "retry_after", None) or 0.5)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    async def pages(
        fetch: Callable[[int, int], Awaitable[list[dict[str, Any]]]],
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Rows of consecutive pages (``start`` offsets of ``count`` rows, BitMEX's paging)
        until a short page or ``limit`` rows."""
        rows: list[dict[str, Any]] = []
        while limit is None or len(rows) < limit:
            count = MAX_PAGE_COUNT if limit is None else min(MAX_PAGE_COUNT, limit - len(rows))
            page = await fetch(len(rows), count)
            rows.extend(page)
            if len(page) < count:
                break
        return rows

    # -- public endpoints -------------------------------------------------------------------------

    async def http_get_instrument_active(self) -> list[dict[str, Any]]:
        """``GET /instrument/active``: every open instrument (perpetuals, futures, spot)."""
        return await self.http.get_json("/instrument/active", rate_keys=_GLOBAL)  # type: ignore[no-any-return]

    async def http_get_instrument(self, params: Params) -> list[dict[str, Any]]:
        """``GET /instrument`` with ``symbol``/``filter``/paging parameters."""
        return await self.http.get_json("/instrument", params=params)  # type: ignore[no-any-return]

    async def http_get_trade(self, params: Params) -> list[dict[str, Any]]:
        """``GET /trade``: historical trades (``startTime``/``endTime``/``count``/``start``)."""
        return await self.http.get_json("/trade", params=params)  # type: ignore[no-any-return]

    async def http_get_trade_bucketed(self, params: Params) -> list[dict[str, Any]]:
        """``GET /trade/bucketed``: OHLCV bins (``binSize`` 1m, 5m, 1h, 1d)."""
        return await self.http.get_json("/trade/bucketed", params=params)  # type: ignore[no-any-return]

    async def http_get_orderbook_l2(self, symbol: str, depth: int = 0) -> list[dict[str, Any]]:
        """``GET /orderBook/L2``: the current book (``depth`` 0 is the full book)."""
        return await self.http.get_json(  # type: ignore[no-any-return]
            "/orderBook/L2", params=[("symbol", symbol), ("depth", depth)]
        )

    # -- private endpoints ------------------------------------------------------------------------

    async def http_get_order(self, params: Params) -> list[dict[str, Any]]:
        """``GET /order``: orders (``filter={"open":true}`` for open ones)."""
        return await self.http.get_json("/order", params=params, signed=True)  # type: ignore[no-any-return]

    async def http_post_order(self, form: Params) -> dict[str, Any]:
        """``POST /order``: place one order."""
        return await self._write("POST", "/order", form)  # type: ignore[no-any-return]

    async def http_put_order(self, form: Params) -> dict[str, Any]:
        """``PUT /order``: amend an order (quantity, price, stop price)."""
        return await self._write("PUT", "/order", form)  # type: ignore[no-any-return]

    async def http_delete_order(self, form: Params) -> list[dict[str, Any]]:
        """``DELETE /order``: cancel one or many orders by ``orderID`` / ``clOrdID``."""
        return await self._write("DELETE", "/order", form)  # type: ignore[no-any-return]

    async def http_delete_order_all(self, form: Params) -> list[dict[str, Any]]:
        """``DELETE /order/all``: cancel every open order (of a ``symbol``)."""
        return await self._write("DELETE", "/order/all", form)  # type: ignore[no-any-return]

    async def http_get_execution_trade_history(self, params: Params) -> list[dict[str, Any]]:
        """``GET /execution/tradeHistory``: the account's fills."""
        return await self.http.get_json(  # type: ignore[no-any-return]
            "/execution/tradeHistory", params=params, signed=True
        )

    async def http_get_position(self, params: Params | None = None) -> list[dict[str, Any]]:
        """``GET /position``: open (and recently closed) positions."""
        return await self.http.get_json("/position", params=params, signed=True)  # type: ignore[no-any-return]

    async def http_get_user_margin(self, currency: str = "all") -> list[dict[str, Any]]:
        """``GET /user/margin?currency=all``: margin per currency (amounts in minor units)."""
        result = await self.http.get_json(
            "/user/margin", params=[("currency", currency)], signed=True
        )
        return result if isinstance(result, list) else [result]

    async def http_get_user_wallet(self, currency: str = "all") -> list[dict[str, Any]]:
        """``GET /user/wallet?currency=all``: wallet balances (amounts in minor units)."""
        result = await self.http.get_json(
            "/user/wallet", params=[("currency", currency)], signed=True
        )
        return result if isinstance(result, list) else [result]
