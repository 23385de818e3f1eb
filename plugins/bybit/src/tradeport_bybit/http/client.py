"""Bybit v5 REST client: ``http_*`` methods mirror the venue's endpoints one to one.

Each ``http_*`` method sends one request and returns the envelope's ``result`` (errors in the
``retCode`` envelope are raised by the error parser, see :mod:`tradeport_bybit.http.errors`).
Writes are sent with ``retry=False``: a timeout or 5xx on an order command leaves its outcome
unknown, and repeating it could double an order (the execution client resolves it by query).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tradeport.net.backoff import RetryPolicy
from tradeport.net.http import HttpClient, Params
from tradeport.net.ratelimit import RateLimiter
from tradeport.net.server_time import ServerClock

from tradeport_bybit.config import BybitConfig
from tradeport_bybit.constants import VENUE_ID
from tradeport_bybit.credential import BybitSigner, now_ms
from tradeport_bybit.http.errors import parse_error_response
from tradeport_bybit.urls import http_base_url

__all__ = ["BybitHttpClient"]

Json = dict[str, Any]


class BybitHttpClient:
    """The v5 REST endpoints the plugin uses.

    :param config: the venue config (base URL, credentials, receive window, clock offset).
    :param retry: retry policy for idempotent requests (tests shorten it).
    :param clock_ms: the clock used for signatures (before ``config.clock_offset_ms``).
    """

    def __init__(
        self,
        config: BybitConfig,
        *,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        clock_ms: Callable[[], int] = now_ms,
    ) -> None:
        self.config = config
        offset = config.clock_offset_ms
        local_ms = (lambda: clock_ms() + offset) if offset else clock_ms
        signing_ms = local_ms
        #: The venue's clock (``time_sync``): the signer stamps requests with it.
        self.server_clock: ServerClock | None = None
        if config.time_sync:
            self.server_clock = ServerClock(
                self._server_time_ns,
                local_ns=lambda: local_ms() * 1_000_000,
                interval=config.time_sync_interval,
                venue=VENUE_ID,
            )
            signing_ms = self.server_clock.now_ms
        self.signer = BybitSigner(
            config.api_key,
            config.api_secret,
            recv_window_ms=config.recv_window_ms,
            clock_ms=signing_ms,
            venue=VENUE_ID,
        )
        self.http = HttpClient(
            http_base_url(config.testnet, config.demo, config.base_url_http),
            venue=VENUE_ID,
            headers={"Content-Type": "application/json"},
            timeout=config.http_timeout,
            signer=self.signer,
            rate_limiter=rate_limiter,
            retry=retry
            or RetryPolicy(initial=config.http_retry_delay, max_attempts=config.http_max_attempts),
            error_parser=parse_error_response,
            secrets=(config.api_key, config.api_secret),
            server_clock=self.server_clock,
        )

    async def _server_time_ns(self) -> int:
        """``GET /v5/market/time`` -> ``timeNano``, UNIX ns (for :class:`ServerClock`)."""
        return int((await self.http_get_server_time())["timeNano"])

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    @staticmethod
    def _result(envelope: Any) -> Json:
        result = envelope.get("result") if isinstance(envelope, dict) else None
        return result if isinstance(result, dict) else {}

    async def _get(self, path: str, params: Params, *, signed: bool = False) -> Json:
        return self._result(await self.http.get_json(path, params=params, signed=signed))

    async def _post(self, path: str, body: Mapping[str, Any]) -> Json:
        # Order commands are not idempotent: only provable connect failures are retried.
        return self._result(
            await self.http.post_json(path, json=dict(body), signed=True, retry=False)
        )

    # -- market (public) ------------------------------------------------------------------------

    async def http_get_server_time(self) -> Json:
        """``GET /v5/market/time``."""
        return await self._get("/v5/market/time", ())

    async def http_get_instruments_info(
        self,
        category: str,
        *,
        symbol: str | None = None,
        status: str | None = None,
        base_coin: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Json:
        """``GET /v5/market/instruments-info`` (one page; ``nextPageCursor`` for the next)."""
        return await self._get(
            "/v5/market/instruments-info",
            [
                ("category", category),
                ("symbol", symbol),
                ("status", status),
                ("baseCoin", base_coin),
                ("limit", limit),
                ("cursor", cursor or None),
            ],
        )

    async def http_get_orderbook(
        self, category: str, symbol: str, limit: int | None = None
    ) -> Json:
        """``GET /v5/market/orderbook``."""
        return await self._get(
            "/v5/market/orderbook", [("category", category), ("symbol", symbol), ("limit", limit)]
        )

    async def http_get_kline(
        self,
        category: str,
        symbol: str,
        interval: str,
        *,
        start: int | None = None,
        end: int | None = None,
        limit: int | None = None,
    ) -> Json:
        """``GET /v5/market/kline`` (newest first, at most ``limit`` <= 1000 rows)."""
        return await self._get(
            "/v5/market/kline",
            [
                ("category", category),
                ("symbol", symbol),
                ("interval", interval),
                ("start", start),
                ("end", end),
                ("limit", limit),
            ],
        )

    async def http_get_recent_trades(
        self, category: str, symbol: str, limit: int | None = None
    ) -> Json:
        """``GET /v5/market/recent-trade``."""
        return await self._get(
            "/v5/market/recent-trade",
            [("category", category), ("symbol", symbol), ("limit", limit)],
        )

    async def http_get_tickers(self, category: str, symbol: str | None = None) -> Json:
        """``GET /v5/market/tickers``."""
        return await self._get("/v5/market/tickers", [("category", category), ("symbol", symbol)])

    # -- trade (signed) ---------------------------------------------------------------------------

    async def http_place_order(self, body: Mapping[str, Any]) -> Json:
        """``POST /v5/order/create``; result ``{"orderId", "orderLinkId"}``."""
        return await self._post("/v5/order/create", body)

    async def http_amend_order(self, body: Mapping[str, Any]) -> Json:
        """``POST /v5/order/amend``."""
        return await self._post("/v5/order/amend", body)

    async def http_cancel_order(self, body: Mapping[str, Any]) -> Json:
        """``POST /v5/order/cancel``."""
        return await self._post("/v5/order/cancel", body)

    async def http_cancel_all_orders(self, category: str, symbol: str | None = None) -> Json:
        """``POST /v5/order/cancel-all``."""
        body: Json = {"category": category}
        if symbol is not None:
            body["symbol"] = symbol
        return await self._post("/v5/order/cancel-all", body)

    async def _post_batch(self, path: str, category: str, requests: list[Json]) -> Json:
        # Batch answers carry per-item outcomes in retExtInfo: keep the whole envelope.
        envelope = await self.http.post_json(
            path, json={"category": category, "request": requests}, signed=True, retry=False
        )
        return envelope if isinstance(envelope, dict) else {}

    async def http_batch_place_orders(self, category: str, requests: list[Json]) -> Json:
        """``POST /v5/order/create-batch``; the whole envelope (``result`` + ``retExtInfo``)."""
        return await self._post_batch("/v5/order/create-batch", category, requests)

    async def http_batch_amend_orders(self, category: str, requests: list[Json]) -> Json:
        """``POST /v5/order/amend-batch``; the whole envelope (``result`` + ``retExtInfo``)."""
        return await self._post_batch("/v5/order/amend-batch", category, requests)

    async def http_batch_cancel_orders(self, category: str, requests: list[Json]) -> Json:
        """``POST /v5/order/cancel-batch``; the whole envelope (``result`` + ``retExtInfo``)."""
        return await self._post_batch("/v5/order/cancel-batch", category, requests)

    async def http_get_open_orders(
        self,
        category: str,
        *,
        symbol: str | None = None,
        settle_coin: str | None = None,
        order_id: str | None = None,
        order_link_id: str | None = None,
        open_only: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Json:
        """``GET /v5/order/realtime`` (open and recently closed orders)."""
        return await self._get(
            "/v5/order/realtime",
            [
                ("category", category),
                ("symbol", symbol),
                ("settleCoin", settle_coin),
                ("orderId", order_id),
                ("orderLinkId", order_link_id),
                ("openOnly", open_only),
                ("limit", limit),
                ("cursor", cursor or None),
            ],
            signed=True,
        )

    async def http_get_order_history(
        self,
        category: str,
        *,
        symbol: str | None = None,
        order_id: str | None = None,
        order_link_id: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Json:
        """``GET /v5/order/history``."""
        return await self._get(
            "/v5/order/history",
            [
                ("category", category),
                ("symbol", symbol),
                ("orderId", order_id),
                ("orderLinkId", order_link_id),
                ("startTime", start_time),
                ("endTime", end_time),
                ("limit", limit),
                ("cursor", cursor or None),
            ],
            signed=True,
        )

    async def http_get_executions(
        self,
        category: str,
        *,
        symbol: str | None = None,
        order_id: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Json:
        """``GET /v5/execution/list``."""
        return await self._get(
            "/v5/execution/list",
            [
                ("category", category),
                ("symbol", symbol),
                ("orderId", order_id),
                ("startTime", start_time),
                ("endTime", end_time),
                ("limit", limit),
                ("cursor", cursor or None),
            ],
            signed=True,
        )

    async def http_get_positions(
        self,
        category: str,
        *,
        symbol: str | None = None,
        settle_coin: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Json:
        """``GET /v5/position/list``."""
        return await self._get(
            "/v5/position/list",
            [
                ("category", category),
                ("symbol", symbol),
                ("settleCoin", settle_coin),
                ("limit", limit),
                ("cursor", cursor or None),
            ],
            signed=True,
        )

    async def http_get_wallet_balance(self, account_type: str, coin: str | None = None) -> Json:
        """``GET /v5/account/wallet-balance``."""
        return await self._get(
            "/v5/account/wallet-balance",
            [("accountType", account_type), ("coin", coin)],
            signed=True,
        )
