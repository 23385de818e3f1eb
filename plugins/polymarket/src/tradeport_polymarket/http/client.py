"""The Polymarket REST client: the CLOB, and the Data API for positions and public trades.

Two layers, each in its own section:

* ``http_*`` methods mirror the venue's endpoints one to one (venue parameters in, decoded
  payloads out);
* domain methods above them follow the CLOB's cursors (``next_cursor`` from ``MA==`` until
  ``LTE=``) and the Data API's offsets.

Signing (L2 on every private call, L1 on the API-key endpoints), rate limits, retries with
backoff and the typed errors come from :class:`tradeport.net.HttpClient`. Writes that may place
an order are never retried (``retry=False``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from tradeport.errors import MissingCredentials
from tradeport.net import HttpClient, Quota, RateLimiter, RetryPolicy, SignRequest, SignResult
from tradeport.net.http import Params
from tradeport.secrets import Secret

from tradeport_polymarket.config import PolymarketConfig
from tradeport_polymarket.constants import END_CURSOR, INITIAL_CURSOR, VENUE_ID
from tradeport_polymarket.credential import ApiCredentials, PolymarketCredential, make_signer
from tradeport_polymarket.http.errors import parse_error
from tradeport_polymarket.http.query import page_params
from tradeport_polymarket.urls import data_base_url, http_base_url

__all__ = ["RATE_LIMITS", "PolymarketHttpClient", "credential_of"]

#: Documented budgets (docs.polymarket.com api-reference/rate-limits, sliding 10 s windows):
#: CLOB general 9 000, ``POST /order`` 3 500 burst, API-key endpoints 100; the Data API 1 000.
RATE_LIMITS = {
    "global": Quota(9000, 10.0),
    "orders": Quota(3500, 10.0),
    "auth": Quota(100, 10.0),
    "data": Quota(1000, 10.0),
}
_ORDERS = ("global", "orders")
_AUTH = ("global", "auth")
#: Most records the Data API returns per page.
DATA_PAGE_LIMIT = 500


def credential_of(config: PolymarketConfig) -> PolymarketCredential | None:
    """The credential a config describes (None when it has neither key nor API credentials)."""
    api = None
    if config.has_credentials:
        assert config.api_key and config.api_secret and config.api_passphrase
        api = ApiCredentials(config.api_key, config.api_secret, config.api_passphrase)
    if api is None and config.private_key is None:
        return None
    return PolymarketCredential(
        private_key=config.private_key,
        api=api,
        chain_id=config.chain,
        signature_type=config.signature_type,
        funder=config.funder,
        clock_offset_s=config.clock_offset_s,
    )


class PolymarketHttpClient:
    """REST access to Polymarket for one config (see the module docstring)."""

    def __init__(self, config: PolymarketConfig) -> None:
        self.config = config
        self.credential = credential_of(config)
        self.rate_limiter = RateLimiter(RATE_LIMITS)
        self._http: HttpClient | None = None
        self._data: HttpClient | None = None
        self._persistent = False
        self._leases = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({http_base_url(self.config)!r})"

    # -- lifecycle -----------------------------------------------------------------------------

    def _new(self, base_url: str, signer: Any) -> HttpClient:
        config = self.config
        return HttpClient(
            base_url,
            venue=VENUE_ID,
            headers={"Accept": "application/json"},
            timeout=config.http_timeout,
            signer=signer,
            rate_limiter=self.rate_limiter,
            retry=RetryPolicy(
                initial=config.http_retry_delay, max_attempts=config.http_max_attempts
            ),
            error_parser=parse_error,
            secrets=self.credential.secrets if self.credential is not None else (),
        )

    def _signer(self, request: SignRequest) -> SignResult:
        if request.path.startswith("/auth/") and request.path != "/auth/api-keys":
            # Creating or deriving API keys is L1: signed by the wallet key itself.
            if self.credential is None or not self.credential.can_sign_orders:
                raise MissingCredentials(VENUE_ID, request.path, "set private_key")
            return SignResult(headers=self.credential.l1_headers(self._l1_nonce))
        return make_signer(self.credential)(request)

    _l1_nonce = 0

    async def open(self) -> None:
        """Keep the connection pools open until :meth:`aclose`."""
        self._persistent = True

    async def aclose(self) -> None:
        """Close the connection pools opened by :meth:`open`."""
        self._persistent = False
        if self._leases == 0:
            await self._close_pools()

    async def _close_pools(self) -> None:
        pools = [p for p in (self._http, self._data) if p is not None]
        self._http = self._data = None
        with anyio.CancelScope(shield=True):
            for pool in pools:
                await pool.aclose()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[PolymarketHttpClient]:
        """The open pools, or short-lived ones shared by nested and concurrent calls."""
        self._leases += 1
        try:
            yield self
        finally:
            self._leases -= 1
            if self._leases == 0 and not self._persistent:
                await self._close_pools()

    def _clob(self) -> HttpClient:
        if self._http is None:
            self._http = self._new(http_base_url(self.config), self._signer)
        return self._http

    def _data_api(self) -> HttpClient:
        if self._data is None:
            self._data = self._new(data_base_url(self.config), None)
        return self._data

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        signed: bool = False,
        keys: tuple[str, ...] = ("global",),
        retry: bool = True,
        data_api: bool = False,
    ) -> Any:
        async with self.session():
            http = self._data_api() if data_api else self._clob()
            response = await http.request(
                method, path, params=params, json=json, signed=signed, rate_keys=keys, retry=retry
            )
            return http._json_of(response)

    # -- endpoints: public ---------------------------------------------------------------------

    async def http_get_time(self) -> int:
        """``GET /time``: the venue's clock, UNIX seconds."""
        return int(await self._call("GET", "/time"))

    async def http_get_markets(self, cursor: str = INITIAL_CURSOR) -> dict[str, Any]:
        """``GET /markets``: one page ``{"data": [...], "next_cursor", "limit", "count"}``."""
        result: dict[str, Any] = await self._call("GET", "/markets", params=page_params(cursor))
        return result

    async def http_get_market(self, condition_id: str) -> dict[str, Any]:
        """``GET /markets/{condition_id}``: one market."""
        result: dict[str, Any] = await self._call("GET", f"/markets/{condition_id}")
        return result

    async def http_get_book(self, token_id: str) -> dict[str, Any]:
        """``GET /book?token_id=``: the book summary (with its ``hash``)."""
        result: dict[str, Any] = await self._call("GET", "/book", params=[("token_id", token_id)])
        return result

    async def http_get_prices_history(
        self, token_id: str, start_s: int | None, end_s: int | None, fidelity: int
    ) -> dict[str, Any]:
        """``GET /prices-history``: ``{"history": [{"t": s, "p": price}]}`` (``fidelity``
        minutes per point)."""
        params = [
            ("market", token_id),
            ("startTs", start_s),
            ("endTs", end_s),
            ("fidelity", fidelity),
        ]
        result: dict[str, Any] = await self._call("GET", "/prices-history", params=params)
        return result

    async def http_get_data_trades(
        self, condition_id: str, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """Data API ``GET /trades?market=&limit=&offset=``: public trades, newest first."""
        params: Params = [("market", condition_id), ("limit", limit), ("offset", offset)]
        result: list[dict[str, Any]] = await self._call(
            "GET", "/trades", params=params, keys=("data",), data_api=True
        )
        return result

    async def http_get_positions(self, user: str) -> list[dict[str, Any]]:
        """Data API ``GET /positions?user=``: the funder's outcome token positions."""
        result: list[dict[str, Any]] = await self._call(
            "GET",
            "/positions",
            params=[("user", user), ("sizeThreshold", 0)],
            keys=("data",),
            data_api=True,
        )
        return result

    # -- endpoints: API keys (L1) ----------------------------------------------------------------

    async def http_post_api_key(self, nonce: int = 0) -> ApiCredentials:
        """``POST /auth/api-key`` (L1): create API credentials for the key's address."""
        self._l1_nonce = nonce
        body = await self._call("POST", "/auth/api-key", signed=True, keys=_AUTH, retry=False)
        return _api_credentials(body)

    async def http_get_derive_api_key(self, nonce: int = 0) -> ApiCredentials:
        """``GET /auth/derive-api-key`` (L1): the API credentials already issued for a nonce."""
        self._l1_nonce = nonce
        return _api_credentials(
            await self._call("GET", "/auth/derive-api-key", signed=True, keys=_AUTH)
        )

    async def http_get_api_keys(self) -> dict[str, Any]:
        """``GET /auth/api-keys`` (L2): the API keys of the address (checks the credentials)."""
        result: dict[str, Any] = await self._call("GET", "/auth/api-keys", signed=True, keys=_AUTH)
        return result

    # -- endpoints: trading (L2) -------------------------------------------------------------------

    async def http_post_order(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /order``: ``{"success", "errorMsg", "orderID", "status", ...}``. Never retried
        after it may have reached the venue."""
        result: dict[str, Any] = await self._call(
            "POST", "/order", json=body, signed=True, keys=_ORDERS, retry=False
        )
        return result

    async def http_post_orders(self, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``POST /orders``: up to 15 orders, one answer each, in order."""
        result: list[dict[str, Any]] = await self._call(
            "POST", "/orders", json=bodies, signed=True, keys=_ORDERS, retry=False
        )
        return result

    async def http_delete_order(self, order_id: str) -> dict[str, Any]:
        """``DELETE /order``: ``{"canceled": [...], "not_canceled": {id: reason}}``."""
        result: dict[str, Any] = await self._call(
            "DELETE", "/order", json={"orderID": order_id}, signed=True, keys=_ORDERS
        )
        return result

    async def http_delete_orders(self, order_ids: list[str]) -> dict[str, Any]:
        """``DELETE /orders``: several orders by id."""
        result: dict[str, Any] = await self._call(
            "DELETE", "/orders", json=order_ids, signed=True, keys=_ORDERS
        )
        return result

    async def http_delete_cancel_all(self) -> dict[str, Any]:
        """``DELETE /cancel-all``: every open order of the account."""
        result: dict[str, Any] = await self._call(
            "DELETE", "/cancel-all", signed=True, keys=_ORDERS
        )
        return result

    async def http_delete_cancel_market_orders(
        self, market: str | None = None, asset_id: str | None = None
    ) -> dict[str, Any]:
        """``DELETE /cancel-market-orders``: the open orders of a market (or one token)."""
        body = {k: v for k, v in (("market", market), ("asset_id", asset_id)) if v}
        result: dict[str, Any] = await self._call(
            "DELETE", "/cancel-market-orders", json=body, signed=True, keys=_ORDERS
        )
        return result

    async def http_post_heartbeat(self, heartbeat_id: str = "") -> dict[str, Any]:
        """``POST /v1/heartbeats``: keep the dead-man switch from cancelling every order."""
        result: dict[str, Any] = await self._call(
            "POST", "/v1/heartbeats", json={"heartbeat_id": heartbeat_id}, signed=True, keys=_ORDERS
        )
        return result

    # -- endpoints: account (L2) ---------------------------------------------------------------------

    async def http_get_order(self, order_id: str) -> dict[str, Any] | None:
        """``GET /data/order/{id}``: one order (``null`` when the venue does not know it)."""
        result: dict[str, Any] | None = await self._call(
            "GET", f"/data/order/{order_id}", signed=True
        )
        return result or None

    async def http_get_orders(
        self, cursor: str, market: str | None = None, asset_id: str | None = None
    ) -> dict[str, Any]:
        """``GET /data/orders``: one page of open orders."""
        result: dict[str, Any] = await self._call(
            "GET",
            "/data/orders",
            params=page_params(cursor, market=market, asset_id=asset_id),
            signed=True,
        )
        return result

    async def http_get_trades(
        self,
        cursor: str,
        asset_id: str | None = None,
        after_s: int | None = None,
        before_s: int | None = None,
    ) -> dict[str, Any]:
        """``GET /data/trades``: one page of the account's trades (``after``/``before`` in s)."""
        params = page_params(cursor, asset_id=asset_id, after=after_s, before=before_s)
        result: dict[str, Any] = await self._call("GET", "/data/trades", params=params, signed=True)
        return result

    async def http_get_balance_allowance(
        self, asset_type: str, token_id: str | None = None
    ) -> dict[str, Any]:
        """``GET /balance-allowance``: ``{"balance": base units, "allowances": {...}}``."""
        params = [
            ("asset_type", asset_type),
            ("token_id", token_id),
            ("signature_type", int(self.config.signature_type)),
        ]
        result: dict[str, Any] = await self._call(
            "GET", "/balance-allowance", params=params, signed=True
        )
        return result

    async def http_get_balance_allowance_update(
        self, asset_type: str, token_id: str | None = None
    ) -> dict[str, Any]:
        """``GET /balance-allowance/update``: refresh the venue's cached balance (after a
        deposit; works around "not enough balance / allowance")."""
        params = [
            ("asset_type", asset_type),
            ("token_id", token_id),
            ("signature_type", int(self.config.signature_type)),
        ]
        result: dict[str, Any] = await self._call(
            "GET", "/balance-allowance/update", params=params, signed=True
        )
        return result

    # -- domain methods ------------------------------------------------------------------------

    async def cursor_pages(self, fetch: Any) -> list[dict[str, Any]]:
        """Every record of a cursor-paged endpoint: ``fetch(cursor)`` until ``LTE=``."""
        records: list[dict[str, Any]] = []
        cursor = INITIAL_CURSOR
        async with self.session():
            while cursor != END_CURSOR:
                page = await fetch(cursor)
                records.extend(page.get("data") or [])
                following = page.get("next_cursor") or END_CURSOR
                if following == cursor:  # a venue that repeats the cursor: stop, never loop
                    break
                cursor = following
        return records

    async def markets(self) -> list[dict[str, Any]]:
        """Every CLOB market, every page."""
        return await self.cursor_pages(self.http_get_markets)

    async def open_orders(self, asset_id: str | None = None) -> list[dict[str, Any]]:
        """Every open order (of one token), every page."""
        return await self.cursor_pages(lambda c: self.http_get_orders(c, asset_id=asset_id))

    async def trades(
        self, asset_id: str | None, after_s: int | None, before_s: int | None
    ) -> list[dict[str, Any]]:
        """The account's trades in a window, every page."""
        return await self.cursor_pages(
            lambda c: self.http_get_trades(c, asset_id, after_s, before_s)
        )

    async def public_trades(self, condition_id: str, limit: int | None) -> list[dict[str, Any]]:
        """Public trades of a market, newest first, following the offsets to ``limit``."""
        records: list[dict[str, Any]] = []
        async with self.session():
            while limit is None or len(records) < limit:
                size = (
                    DATA_PAGE_LIMIT if limit is None else min(DATA_PAGE_LIMIT, limit - len(records))
                )
                page = await self.http_get_data_trades(condition_id, size, len(records))
                records.extend(page)
                if len(page) < size:
                    break
        return records


def _api_credentials(body: Any) -> ApiCredentials:
    return ApiCredentials(
        api_key=Secret(str(body["apiKey"])),
        secret=Secret(str(body["secret"])),
        passphrase=Secret(str(body["passphrase"])),
    )
