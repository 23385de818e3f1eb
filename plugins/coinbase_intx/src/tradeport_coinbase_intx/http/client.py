"""The CoinbaseIntx REST client.

Two layers, each in its own section:

* ``http_*`` methods mirror the venue's endpoints one to one: venue parameters in, decoded
  venue payloads (:mod:`tradeport_coinbase_intx.http.models`) out;
* domain methods above them (``instruments``, ``book_snapshot``, ``trades``, ``bars``,
  ``fills`` ...) build the venue parameters, follow the pagination and return records ready for
  the parsers.

Signing, rate limits, retries with backoff (429 honouring ``Retry-After``, 5xx, network errors)
and the typed errors come from :class:`tradeport.net.HttpClient`. A client that was not opened
(``open()``) still works: each call then uses a short-lived connection pool, closed afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

import anyio
from tradeport.net import HttpClient, Quota, RateLimiter, RetryPolicy
from tradeport.net.http import Params

from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import MAX_PAGE_LIMIT, VENUE_ID
from tradeport_coinbase_intx.credential import CoinbaseIntxCredential, make_signer
from tradeport_coinbase_intx.http.errors import parse_error
from tradeport_coinbase_intx.http.models import (
    BalanceRecord,
    BarRecord,
    BatchCancelResult,
    BookRecord,
    FillRecord,
    InstrumentRecord,
    OrderRecord,
    PositionRecord,
    TradeRecord,
)
from tradeport_coinbase_intx.http.query import (
    book_query,
    history_query,
    instruments_query,
    order_ref_query,
)
from tradeport_coinbase_intx.urls import http_base_url

__all__ = ["RATE_LIMITS", "CoinbaseIntxHttpClient"]

#: The venue's request budgets per API key: 20 requests per second in total, of which at most
#: 10 per second on order endpoints. The limiter waits for capacity instead of failing.
RATE_LIMITS = {"global": Quota.per_second(20), "orders": Quota.per_second(10)}
_ORDERS = ("global", "orders")

Page = dict[str, Any]


class CoinbaseIntxHttpClient:
    """REST access to CoinbaseIntx for one config (see the module docstring)."""

    def __init__(self, config: CoinbaseIntxConfig) -> None:
        self.config = config
        self.credential: CoinbaseIntxCredential | None = None
        if config.has_credentials:
            assert config.api_key is not None
            assert config.api_secret is not None
            self.credential = CoinbaseIntxCredential(
                config.api_key,
                config.api_secret,
                recv_window_ms=config.recv_window_ms,
                clock_offset_ms=config.clock_offset_ms,
            )
        # One limiter for every connection pool this client opens: the budget is per key.
        self.rate_limiter = RateLimiter(RATE_LIMITS)
        self._http: HttpClient | None = None
        self._persistent = False
        self._leases = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({http_base_url(self.config)!r})"

    # -- lifecycle -----------------------------------------------------------------------------

    def _new_http(self) -> HttpClient:
        config = self.config
        return HttpClient(
            http_base_url(config),
            venue=VENUE_ID,
            headers={"Accept": "application/json"},
            timeout=config.http_timeout,
            signer=make_signer(self.credential),
            rate_limiter=self.rate_limiter,
            retry=RetryPolicy(
                initial=config.http_retry_delay, max_attempts=config.http_max_attempts
            ),
            error_parser=parse_error,
            secrets=self.credential.secrets if self.credential is not None else (),
        )

    async def open(self) -> None:
        """Keep one connection pool open until :meth:`aclose` (clients call it in connect)."""
        if not self._persistent:
            if self._http is None:
                self._http = self._new_http()
            self._persistent = True

    async def aclose(self) -> None:
        """Close the connection pool opened by :meth:`open`."""
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

    async def _get(
        self,
        path: str,
        params: Params | None = None,
        *,
        signed: bool = False,
        keys: tuple[str, ...] = ("global",),
    ) -> Any:
        async with self.session() as http:
            return await http.get_json(path, params=params, signed=signed, rate_keys=keys)

    # -- endpoints: public ---------------------------------------------------------------------

    async def http_get_time(self) -> int:
        """``GET /api/v1/time``: the venue's clock, ms."""
        body = await self._get("/api/v1/time")
        return int(body["server_time"])

    async def http_get_instruments(
        self, product_type: str | None = None, symbol: str | None = None
    ) -> list[InstrumentRecord]:
        """``GET /api/v1/instruments``."""
        body = await self._get("/api/v1/instruments", instruments_query(product_type, symbol))
        return cast(list[InstrumentRecord], body["instruments"])

    async def http_get_book(self, symbol: str, depth: int | None = None) -> BookRecord:
        """``GET /api/v1/book``."""
        return cast(BookRecord, await self._get("/api/v1/book", book_query(symbol, depth)))

    async def http_get_trades(
        self, symbol: str, start_ms: int | None, end_ms: int | None, limit: int
    ) -> Page:
        """``GET /api/v1/trades``: ``{"trades": [...], "next_start": ms | null}``."""
        return cast(
            Page, await self._get("/api/v1/trades", history_query(symbol, start_ms, end_ms, limit))
        )

    async def http_get_bars(
        self, symbol: str, interval: str, start_ms: int | None, end_ms: int | None, limit: int
    ) -> Page:
        """``GET /api/v1/bars``: ``{"bars": [...], "next_start": ms | null}``."""
        return cast(
            Page,
            await self._get(
                "/api/v1/bars", history_query(symbol, start_ms, end_ms, limit, interval=interval)
            ),
        )

    # -- endpoints: private (signed) -----------------------------------------------------------

    async def http_get_balances(self) -> list[BalanceRecord]:
        """``GET /api/v1/balances``."""
        body = await self._get("/api/v1/balances", signed=True)
        return cast(list[BalanceRecord], body["balances"])

    async def http_get_positions(self, symbol: str | None = None) -> list[PositionRecord]:
        """``GET /api/v1/positions``."""
        body = await self._get("/api/v1/positions", [("symbol", symbol)], signed=True)
        return cast(list[PositionRecord], body["positions"])

    async def http_post_order(self, body: dict[str, Any]) -> OrderRecord:
        """``POST /api/v1/orders``: submit. Never retried after it may have reached the venue
        (a retry could place the order twice); the caller resolves unclear outcomes by query."""
        async with self.session() as http:
            reply = await http.post_json(
                "/api/v1/orders", json=body, signed=True, rate_keys=_ORDERS, retry=False
            )
        return cast(OrderRecord, reply["order"])

    async def http_put_order(self, body: dict[str, Any]) -> OrderRecord:
        """``PUT /api/v1/orders``: amend quantity, price or trigger price."""
        async with self.session() as http:
            reply = await http.put_json(
                "/api/v1/orders", json=body, signed=True, rate_keys=_ORDERS, retry=False
            )
        return cast(OrderRecord, reply["order"])

    async def http_delete_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> OrderRecord:
        """``DELETE /api/v1/orders``: cancel one order (idempotent, so retried)."""
        async with self.session() as http:
            reply = await http.delete_json(
                "/api/v1/orders",
                params=order_ref_query(symbol, order_id, client_order_id),
                signed=True,
                rate_keys=_ORDERS,
            )
        return cast(OrderRecord, reply["order"])

    async def http_delete_all_orders(self, symbol: str) -> list[OrderRecord]:
        """``DELETE /api/v1/orders/all``: cancel every open order of a symbol."""
        async with self.session() as http:
            reply = await http.delete_json(
                "/api/v1/orders/all", params=[("symbol", symbol)], signed=True, rate_keys=_ORDERS
            )
        return cast(list[OrderRecord], reply["orders"])

    async def http_post_cancel_batch(
        self, symbol: str, client_order_ids: list[str]
    ) -> list[BatchCancelResult]:
        """``POST /api/v1/orders/cancel-batch``: cancel up to 20 orders by client order id."""
        async with self.session() as http:
            reply = await http.post_json(
                "/api/v1/orders/cancel-batch",
                json={"symbol": symbol, "client_order_ids": client_order_ids},
                signed=True,
                rate_keys=_ORDERS,
            )
        return cast(list[BatchCancelResult], reply["results"])

    async def http_get_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> OrderRecord:
        """``GET /api/v1/orders``: one open or recently closed order (404 ORDER_NOT_FOUND)."""
        body = await self._get(
            "/api/v1/orders", order_ref_query(symbol, order_id, client_order_id), signed=True
        )
        return cast(OrderRecord, body["order"])

    async def http_get_open_orders(self, symbol: str | None = None) -> list[OrderRecord]:
        """``GET /api/v1/orders/open``."""
        body = await self._get("/api/v1/orders/open", [("symbol", symbol)], signed=True)
        return cast(list[OrderRecord], body["orders"])

    async def http_get_order_history(
        self, symbol: str | None, start_ms: int | None, end_ms: int | None, limit: int
    ) -> Page:
        """``GET /api/v1/orders/history``: closed orders, ``{"orders": [...], "next_start"}``."""
        return cast(
            Page,
            await self._get(
                "/api/v1/orders/history",
                history_query(symbol, start_ms, end_ms, limit),
                signed=True,
            ),
        )

    async def http_get_fills(
        self,
        symbol: str | None,
        start_ms: int | None,
        end_ms: int | None,
        limit: int,
        order_id: str | None = None,
    ) -> Page:
        """``GET /api/v1/fills``: ``{"fills": [...], "next_start": ms | null}``."""
        return cast(
            Page,
            await self._get(
                "/api/v1/fills",
                history_query(symbol, start_ms, end_ms, limit, order_id=order_id),
                signed=True,
            ),
        )

    # -- domain methods ------------------------------------------------------------------------

    async def paginate(
        self,
        fetch: Callable[[int | None, int], Awaitable[Page]],
        key: str,
        start_ms: int | None,
        limit: int | None,
    ) -> list[Any]:
        """Follow ``next_start`` from ``start_ms`` until the range or ``limit`` is exhausted.

        ``fetch(start_ms, page_limit)`` asks for one page. Without ``start_ms`` the venue
        answers only the most recent records, so there is one request.
        """
        records: list[Any] = []
        start = start_ms
        async with self.session():  # one connection pool for every page
            while True:
                wanted = (
                    MAX_PAGE_LIMIT if limit is None else min(limit - len(records), MAX_PAGE_LIMIT)
                )
                page = await fetch(start, wanted)
                records.extend(page[key])
                start = page.get("next_start")
                if (
                    start is None
                    or start_ms is None
                    or (limit is not None and len(records) >= limit)
                ):
                    return records

    async def trades(
        self, symbol: str, start_ms: int | None, end_ms: int | None, limit: int | None
    ) -> list[TradeRecord]:
        """Public trades over a range, oldest first, every page."""
        return await self.paginate(
            lambda start, size: self.http_get_trades(symbol, start, end_ms, size),
            "trades",
            start_ms,
            limit,
        )

    async def bars(
        self,
        symbol: str,
        interval: str,
        start_ms: int | None,
        end_ms: int | None,
        limit: int | None,
    ) -> list[BarRecord]:
        """Bars over a range, oldest first, every page."""
        return await self.paginate(
            lambda start, size: self.http_get_bars(symbol, interval, start, end_ms, size),
            "bars",
            start_ms,
            limit,
        )

    async def fills(
        self,
        symbol: str | None,
        start_ms: int | None,
        end_ms: int | None,
        limit: int | None = None,
        order_id: str | None = None,
    ) -> list[FillRecord]:
        """Own fills over a range (or of one order), oldest first, every page."""
        return await self.paginate(
            lambda start, size: self.http_get_fills(symbol, start, end_ms, size, order_id),
            "fills",
            start_ms,
            limit,
        )

    async def order_history(
        self, symbol: str | None, start_ms: int | None, end_ms: int | None
    ) -> list[OrderRecord]:
        """Closed orders over a range, every page."""
        return await self.paginate(
            lambda start, size: self.http_get_order_history(symbol, start, end_ms, size),
            "orders",
            start_ms,
            None,
        )
