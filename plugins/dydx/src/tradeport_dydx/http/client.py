"""The dYdX indexer REST client (reads only; no authentication).

``http_*`` methods mirror the indexer's endpoints (``/v4/perpetualMarkets``,
``/v4/orderbooks/perpetualMarket/{ticker}``, ``/v4/trades/perpetualMarket/{ticker}``); the
retries with backoff (429 honouring ``Retry-After``, 5xx, network errors) and the typed errors
come from :class:`tradeport.net.HttpClient`. A client that was not opened still works: each
call then uses a short-lived connection pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from tradeport.net import HttpClient, Quota, RateLimiter, RetryPolicy

from tradeport_dydx.config import DydxConfig
from tradeport_dydx.constants import VENUE_ID
from tradeport_dydx.http.errors import parse_error_response
from tradeport_dydx.urls import indexer_http_url

__all__ = ["DydxIndexerClient", "MAX_TRADES_LIMIT", "MAX_CANDLES_LIMIT"]

#: Largest ``limit`` of the trades endpoint (indexer default and maximum: 100).
MAX_TRADES_LIMIT = 100
#: Largest ``limit`` asked of the candles endpoint per page.
MAX_CANDLES_LIMIT = 100
#: The indexer's public rate limit is per IP; stay well inside it.
RATE_LIMITS = {"global": Quota.per_second(10)}


class DydxIndexerClient:
    """REST access to the indexer for one config."""

    def __init__(self, config: DydxConfig) -> None:
        self.config = config
        self.rate_limiter = RateLimiter(RATE_LIMITS)
        self._http: HttpClient | None = None
        self._persistent = False
        self._leases = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({indexer_http_url(self.config)!r})"

    def _new_http(self) -> HttpClient:
        config = self.config
        return HttpClient(
            indexer_http_url(config),
            venue=VENUE_ID,
            headers={"Accept": "application/json"},
            timeout=config.http_timeout,
            rate_limiter=self.rate_limiter,
            retry=RetryPolicy(
                initial=config.http_retry_delay, max_attempts=config.http_max_attempts
            ),
            error_parser=parse_error_response,
        )

    async def open(self) -> None:
        """Keep one connection pool open until :meth:`aclose`."""
        if not self._persistent:
            if self._http is None:
                self._http = self._new_http()
            self._persistent = True

    async def aclose(self) -> None:
        """Close the pool opened by :meth:`open`."""
        self._persistent = False
        if self._http is not None and self._leases == 0:
            http, self._http = self._http, None
            await http.aclose()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[HttpClient]:
        """The open pool, or a short-lived one shared by nested and concurrent calls."""
        if self._http is None:
            self._http = self._new_http()
        http = self._http
        self._leases += 1
        try:
            yield http
        finally:
            self._leases -= 1
            if self._leases == 0 and not self._persistent and self._http is http:
                self._http = None
                with anyio.CancelScope(shield=True):
                    await http.aclose()

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        async with self.session() as http:
            return await http.get_json(path, params=params)

    async def http_get_perpetual_markets(self, ticker: str | None = None) -> dict[str, Any]:
        """``GET /v4/perpetualMarkets[?ticker=]`` -> ``{"markets": {ticker: record}}``."""
        return await self._get("/v4/perpetualMarkets", {"ticker": ticker} if ticker else None)

    async def http_get_orderbook(self, ticker: str) -> dict[str, Any]:
        """``GET /v4/orderbooks/perpetualMarket/{ticker}`` -> ``{"bids", "asks"}``."""
        return await self._get(f"/v4/orderbooks/perpetualMarket/{ticker}")

    async def http_get_trades(
        self,
        ticker: str,
        *,
        limit: int | None = None,
        created_before_or_at: str | None = None,
    ) -> dict[str, Any]:
        """``GET /v4/trades/perpetualMarket/{ticker}`` -> ``{"trades": [...]}``, newest first."""
        params: dict[str, Any] = {}
        if limit is not None:
            params["limit"] = limit
        if created_before_or_at is not None:
            params["createdBeforeOrAt"] = created_before_or_at
        return await self._get(f"/v4/trades/perpetualMarket/{ticker}", params or None)

    async def http_get_candles(
        self,
        ticker: str,
        resolution: str,
        *,
        limit: int | None = None,
        from_iso: str | None = None,
        to_iso: str | None = None,
    ) -> dict[str, Any]:
        """``GET /v4/candles/perpetualMarkets/{ticker}?resolution=&limit=&fromISO=&toISO=`` ->
        ``{"candles": [...]}``, newest first."""
        params: dict[str, Any] = {"resolution": resolution}
        if limit is not None:
            params["limit"] = limit
        if from_iso is not None:
            params["fromISO"] = from_iso
        if to_iso is not None:
            params["toISO"] = to_iso
        return await self._get(f"/v4/candles/perpetualMarkets/{ticker}", params)

    # -- private reads (the indexer serves any address: no signature) ------------------------

    async def http_get_orders(
        self,
        address: str,
        subaccount_number: int,
        *,
        ticker: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """``GET /v4/orders?address=&subaccountNumber=[&ticker=&status=&limit=]`` -> a list of
        order records (newest first)."""
        params: dict[str, Any] = {"address": address, "subaccountNumber": subaccount_number}
        if ticker is not None:
            params["ticker"] = ticker
        if status is not None:
            params["status"] = status
        if limit is not None:
            params["limit"] = limit
        return await self._get("/v4/orders", params)  # type: ignore[no-any-return]

    async def http_get_order(self, order_id: str) -> dict[str, Any] | None:
        """``GET /v4/orders/{orderId}``; None when the indexer does not know it (HTTP 404)."""
        from tradeport.errors import RequestRejected

        try:
            return await self._get(f"/v4/orders/{order_id}")  # type: ignore[no-any-return]
        except RequestRejected as exc:
            if exc.http_status == 404:
                return None
            raise

    async def http_get_fills(
        self,
        address: str,
        subaccount_number: int,
        *,
        market: str | None = None,
        limit: int | None = None,
        created_before_or_at: str | None = None,
    ) -> dict[str, Any]:
        """``GET /v4/fills?address=&subaccountNumber=[&market=&marketType=PERPETUAL&limit=
        &createdBeforeOrAt=]`` -> ``{"fills": [...]}``, newest first."""
        params: dict[str, Any] = {"address": address, "subaccountNumber": subaccount_number}
        if market is not None:
            params["market"] = market
            params["marketType"] = "PERPETUAL"
        if limit is not None:
            params["limit"] = limit
        if created_before_or_at is not None:
            params["createdBeforeOrAt"] = created_before_or_at
        return await self._get("/v4/fills", params)  # type: ignore[no-any-return]

    async def http_get_perpetual_positions(
        self, address: str, subaccount_number: int, *, status: str = "OPEN"
    ) -> dict[str, Any]:
        """``GET /v4/perpetualPositions?address=&subaccountNumber=&status=`` ->
        ``{"positions": [...]}``."""
        return await self._get(  # type: ignore[no-any-return]
            "/v4/perpetualPositions",
            {"address": address, "subaccountNumber": subaccount_number, "status": status},
        )

    async def http_get_subaccount(self, address: str, subaccount_number: int) -> dict[str, Any]:
        """``GET /v4/addresses/{address}/subaccountNumber/{n}`` -> ``{"subaccount": {...}}``."""
        return await self._get(  # type: ignore[no-any-return]
            f"/v4/addresses/{address}/subaccountNumber/{subaccount_number}"
        )
