"""The Coinbase INTX REST client.

``http_*`` methods mirror the venue's endpoints (docs: REST API reference) one to one; the
domain methods above them resolve the portfolio and follow the offset pagination
(``result_limit`` / ``result_offset``, answers ``{"pagination": {...}, "results": [...]}``).

Signing (see credential.py), the rate limit (40 requests per second per key, waited for),
retries with backoff for 429/5xx/network errors, never for other 4xx, and typed errors come
from :class:`tradeport.net.HttpClient`. Submissions are never retried (a retry could place
the order twice); their unclear outcomes are resolved by querying the client order id.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Final, cast

from tradeport.errors import MissingCredentials
from tradeport.net import HttpClient, HttpPool, Quota, RateLimiter, RetryPolicy
from tradeport.net.http import Params

from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import VENUE_ID
from tradeport_coinbase_intx.credential import CoinbaseIntxCredential, make_signer
from tradeport_coinbase_intx.http.errors import parse_error
from tradeport_coinbase_intx.urls import http_base_url

__all__ = ["RATE_LIMITS", "CoinbaseIntxHttpClient"]

#: Docs (Rate limits overview): 40 requests per second per API key.
RATE_LIMITS: Final = {"global": Quota.per_second(40)}
#: Page size of the paginated endpoints.
PAGE_LIMIT: Final = 100

Record = dict[str, Any]


class CoinbaseIntxHttpClient:
    """REST access to Coinbase INTX for one config (see the module docstring)."""

    def __init__(self, config: CoinbaseIntxConfig) -> None:
        self.config = config
        self.credential: CoinbaseIntxCredential | None = None
        if config.has_credentials:
            assert config.api_key
            assert config.api_secret
            assert config.api_passphrase
            self.credential = CoinbaseIntxCredential(
                config.api_key,
                config.api_secret,
                config.api_passphrase,
                clock_offset_ms=config.clock_offset_ms,
            )
        self.rate_limiter = RateLimiter(RATE_LIMITS)
        self._portfolio: str | None = config.portfolio
        self._pool = HttpPool(self._new_http)

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
        """Keep one connection pool open until :meth:`aclose`."""
        await self._pool.open()

    async def aclose(self) -> None:
        """Close the pool opened by :meth:`open`."""
        await self._pool.aclose()

    def session(self) -> AbstractAsyncContextManager[HttpClient]:
        """The open pool, or a short-lived one shared by nested and concurrent calls."""
        return self._pool.session()

    async def _get(self, path: str, params: Params | None = None, *, signed: bool = False) -> Any:
        async with self.session() as http:
            return await http.get_json(path, params=params, signed=signed, rate_keys=("global",))

    # -- public --------------------------------------------------------------------------------

    async def http_get_instruments(self) -> list[Record]:
        """``GET /api/v1/instruments``: every instrument (a JSON array)."""
        return cast(list[Record], await self._get("/api/v1/instruments"))

    # -- portfolios ----------------------------------------------------------------------------

    async def http_get_portfolios(self) -> list[Record]:
        """``GET /api/v1/portfolios``."""
        return cast(list[Record], await self._get("/api/v1/portfolios", signed=True))

    async def portfolio(self) -> str:
        """The configured portfolio, else the default (or first) one the key has."""
        if self._portfolio is None:
            if self.credential is None:
                raise MissingCredentials(
                    VENUE_ID, "portfolio", "set api_key, api_secret, api_passphrase"
                )
            portfolios = await self.http_get_portfolios()
            chosen = next((p for p in portfolios if p.get("is_default")), None) or portfolios[0]
            self._portfolio = str(chosen["portfolio_uuid"])
        return self._portfolio

    async def http_get_balances(self, portfolio: str) -> list[Record]:
        """``GET /api/v1/portfolios/{portfolio}/balances``."""
        return cast(
            list[Record], await self._get(f"/api/v1/portfolios/{portfolio}/balances", signed=True)
        )

    async def http_get_positions(self, portfolio: str) -> list[Record]:
        """``GET /api/v1/portfolios/{portfolio}/positions``."""
        return cast(
            list[Record], await self._get(f"/api/v1/portfolios/{portfolio}/positions", signed=True)
        )

    async def http_get_fills(self, portfolio: str, params: Params) -> Record:
        """``GET /api/v1/portfolios/{portfolio}/fills`` (one page)."""
        return cast(
            Record, await self._get(f"/api/v1/portfolios/{portfolio}/fills", params, signed=True)
        )

    # -- orders --------------------------------------------------------------------------------

    async def http_post_order(self, body: Record) -> Record:
        """``POST /api/v1/orders`` (never retried)."""
        async with self.session() as http:
            return cast(
                Record,
                await http.post_json(
                    "/api/v1/orders", json=body, signed=True, rate_keys=("global",), retry=False
                ),
            )

    async def http_put_order(self, order_id: str, body: Record) -> Record:
        """``PUT /api/v1/orders/{id}``: modify size, price or stop price."""
        async with self.session() as http:
            return cast(
                Record,
                await http.put_json(
                    f"/api/v1/orders/{order_id}",
                    json=body,
                    signed=True,
                    rate_keys=("global",),
                    retry=False,
                ),
            )

    async def http_delete_order(self, order_id: str, portfolio: str) -> Record:
        """``DELETE /api/v1/orders/{id}?portfolio=`` (idempotent, so retried)."""
        async with self.session() as http:
            return cast(
                Record,
                await http.delete_json(
                    f"/api/v1/orders/{order_id}",
                    params=[("portfolio", portfolio)],
                    signed=True,
                    rate_keys=("global",),
                ),
            )

    async def http_delete_orders(self, portfolio: str, instrument: str | None) -> list[Record]:
        """``DELETE /api/v1/orders?portfolio=&instrument=``: cancel all."""
        async with self.session() as http:
            reply = await http.delete_json(
                "/api/v1/orders",
                params=[("portfolio", portfolio), ("instrument", instrument)],
                signed=True,
                rate_keys=("global",),
            )
        return cast(list[Record], reply)

    async def http_get_order(self, order_id: str, portfolio: str) -> Record:
        """``GET /api/v1/orders/{id}?portfolio=`` (the id or the client order id)."""
        return cast(
            Record,
            await self._get(f"/api/v1/orders/{order_id}", [("portfolio", portfolio)], signed=True),
        )

    async def http_get_open_orders(self, params: Params) -> Record:
        """``GET /api/v1/orders`` (open orders, one page)."""
        return cast(Record, await self._get("/api/v1/orders", params, signed=True))

    # -- pagination ----------------------------------------------------------------------------

    async def _pages(
        self, fetch: Any, params: list[tuple[str, Any]], limit: int | None
    ) -> list[Record]:
        records: list[Record] = []
        offset = 0
        async with self.session():
            while True:
                page = await fetch(
                    [*params, ("result_limit", PAGE_LIMIT), ("result_offset", offset)]
                )
                results = page.get("results") or []
                records.extend(results)
                offset += len(results)
                if len(results) < PAGE_LIMIT or (limit is not None and len(records) >= limit):
                    return records[:limit] if limit is not None else records

    async def open_orders(self, instrument: str | None = None) -> list[Record]:
        """Every open order of the portfolio (every page)."""
        portfolio = await self.portfolio()
        return await self._pages(
            self.http_get_open_orders, [("portfolio", portfolio), ("instrument", instrument)], None
        )

    async def fills(
        self,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        time_from: str | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """Fills of the portfolio (of one order, or since ``time_from``), every page."""
        portfolio = await self.portfolio()
        return await self._pages(
            lambda params: self.http_get_fills(portfolio, params),
            [
                ("order_id", order_id),
                ("client_order_id", client_order_id),
                ("time_from", time_from),
            ],
            limit,
        )
