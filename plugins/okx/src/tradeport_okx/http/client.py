"""OKX REST client: ``http_*`` methods mirror OKX v5 endpoints one to one and return the
envelope's ``data`` list. Domain-level operations live in the provider, data and execution
clients, which build parameters here and parse the records.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from tradeport.net.backoff import RetryPolicy
from tradeport.net.http import HttpClient
from tradeport.net.server_time import ServerClock

from tradeport_okx.config import OkxConfig
from tradeport_okx.constants import HEADER_SIMULATED, VENUE_NAME
from tradeport_okx.credential import OkxSigner
from tradeport_okx.http.errors import parse_error_response
from tradeport_okx.http.query import Pairs
from tradeport_okx.urls import rest_base_url

__all__ = ["OkxHttpClient"]


class OkxHttpClient:
    """Every OKX endpoint the plugin uses, one method each.

    Public endpoints never sign; private ones sign with :class:`OkxSigner` and raise
    :class:`~tradeport.errors.MissingCredentials` before sending when credentials are missing.
    Writes (orders) are not retried after they may have reached the venue.
    """

    def __init__(
        self,
        config: OkxConfig,
        *,
        http: HttpClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock`` is the local clock in UNIX seconds (tests set it ahead or behind)."""
        self.config = config
        self._closed = False
        #: The venue's clock (``time_sync``): the signer stamps REST and WS logins with it.
        self.server_clock: ServerClock | None = None
        signing_clock, offset = clock, config.clock_offset
        if config.time_sync:
            self.server_clock = ServerClock(
                self._server_time_ns,
                local_ns=lambda: int((clock() + offset) * 1e9),
                interval=config.time_sync_interval,
                venue=VENUE_NAME,
            )
            signing_clock, offset = self.server_clock.now_seconds, 0.0
        self.signer = OkxSigner(
            config.api_key,
            config.api_secret,
            config.api_passphrase,
            clock=signing_clock,
            clock_offset=offset,
        )
        headers = {"Content-Type": "application/json"}
        if config.is_demo:
            headers[HEADER_SIMULATED] = "1"
        self.http = http or HttpClient(
            rest_base_url(config.base_url_http),
            venue=VENUE_NAME,
            headers=headers,
            timeout=config.http_timeout,
            signer=self.signer,
            retry=RetryPolicy(
                initial=config.http_retry_delay, max_attempts=config.http_max_attempts
            ),
            error_parser=parse_error_response,
            secrets=(config.api_key, config.api_secret, config.api_passphrase),
            server_clock=self.server_clock,
        )

    async def aclose(self) -> None:
        """Close the connection pool (safe to call twice)."""
        if not self._closed:
            self._closed = True
            await self.http.aclose()

    async def _get(self, path: str, params: Pairs | None = None, *, signed: bool = False) -> Any:
        body = await self.http.get_json(path, params=params, signed=signed)
        return body.get("data", []) if isinstance(body, dict) else body

    async def _post(self, path: str, payload: Any, *, retry: bool = False) -> Any:
        body = await self.http.post_json(path, json=payload, signed=True, retry=retry)
        return body.get("data", []) if isinstance(body, dict) else body

    # -- public data ----------------------------------------------------------------------------

    async def http_get_instruments(
        self, inst_type: str, inst_family: str | None = None, inst_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/public/instruments``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/public/instruments",
            [("instType", inst_type), ("instFamily", inst_family), ("instId", inst_id)],
        )

    async def _server_time_ns(self) -> int:
        """``/api/v5/public/time`` -> ``ts`` (ms), UNIX ns (for :class:`ServerClock`)."""
        (record,) = await self.http_get_system_time()
        return int(record["ts"]) * 1_000_000

    async def http_get_system_time(self) -> list[dict[str, Any]]:
        """``GET /api/v5/public/time``."""
        return await self._get("/api/v5/public/time")  # type: ignore[no-any-return]

    async def http_get_mark_price(
        self, inst_type: str, inst_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/public/mark-price``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/public/mark-price", [("instType", inst_type), ("instId", inst_id)]
        )

    async def http_get_funding_rate(self, inst_id: str) -> list[dict[str, Any]]:
        """``GET /api/v5/public/funding-rate``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/public/funding-rate", [("instId", inst_id)]
        )

    # -- market data ----------------------------------------------------------------------------

    async def http_get_tickers(
        self, inst_type: str, inst_family: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/market/tickers``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/market/tickers", [("instType", inst_type), ("instFamily", inst_family)]
        )

    async def http_get_ticker(self, inst_id: str) -> list[dict[str, Any]]:
        """``GET /api/v5/market/ticker``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/market/ticker", [("instId", inst_id)]
        )

    async def http_get_index_tickers(self, inst_id: str) -> list[dict[str, Any]]:
        """``GET /api/v5/market/index-tickers``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/market/index-tickers", [("instId", inst_id)]
        )

    async def http_get_books(self, inst_id: str, sz: int | None = None) -> list[dict[str, Any]]:
        """``GET /api/v5/market/books`` (``sz`` levels per side, up to 400)."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/market/books", [("instId", inst_id), ("sz", sz)]
        )

    async def http_get_candles(self, params: Pairs) -> list[list[str]]:
        """``GET /api/v5/market/candles`` (see :func:`~tradeport_okx.http.query.candles_params`)."""
        return await self._get("/api/v5/market/candles", params)  # type: ignore[no-any-return]

    async def http_get_history_candles(self, params: Pairs) -> list[list[str]]:
        """``GET /api/v5/market/history-candles``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/market/history-candles", params
        )

    async def http_get_trades(self, inst_id: str, limit: int | None = None) -> list[dict[str, Any]]:
        """``GET /api/v5/market/trades`` (most recent, up to 500)."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/market/trades", [("instId", inst_id), ("limit", limit)]
        )

    async def http_get_history_trades(self, params: Pairs) -> list[dict[str, Any]]:
        """``GET /api/v5/market/history-trades``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/market/history-trades", params
        )

    # -- trade ----------------------------------------------------------------------------------

    async def http_place_order(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        """``POST /api/v5/trade/order``; items carry ``sCode``/``sMsg``."""
        return await self._post("/api/v5/trade/order", order)  # type: ignore[no-any-return]

    async def http_place_batch_orders(
        self, orders: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """``POST /api/v5/trade/batch-orders`` (up to 20)."""
        return await self._post(  # type: ignore[no-any-return]
            "/api/v5/trade/batch-orders", list(orders)
        )

    async def http_amend_order(self, amend: dict[str, Any]) -> list[dict[str, Any]]:
        """``POST /api/v5/trade/amend-order``."""
        return await self._post("/api/v5/trade/amend-order", amend)  # type: ignore[no-any-return]

    async def http_cancel_order(self, cancel: dict[str, Any]) -> list[dict[str, Any]]:
        """``POST /api/v5/trade/cancel-order``."""
        return await self._post(  # type: ignore[no-any-return]
            "/api/v5/trade/cancel-order", cancel, retry=True
        )

    async def http_cancel_batch_orders(
        self, cancels: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """``POST /api/v5/trade/cancel-batch-orders`` (up to 20)."""
        return await self._post(  # type: ignore[no-any-return]
            "/api/v5/trade/cancel-batch-orders", list(cancels), retry=True
        )

    async def http_mass_cancel(self, inst_type: str, inst_family: str) -> list[dict[str, Any]]:
        """``POST /api/v5/trade/mass-cancel`` (OKX offers it for OPTION only)."""
        return await self._post(  # type: ignore[no-any-return]
            "/api/v5/trade/mass-cancel", {"instType": inst_type, "instFamily": inst_family}
        )

    async def http_place_algo_order(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        """``POST /api/v5/trade/order-algo`` (conditional, trigger, move_order_stop...)."""
        return await self._post("/api/v5/trade/order-algo", order)  # type: ignore[no-any-return]

    async def http_cancel_algos(self, cancels: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """``POST /api/v5/trade/cancel-algos``."""
        return await self._post(  # type: ignore[no-any-return]
            "/api/v5/trade/cancel-algos", list(cancels), retry=True
        )

    async def http_get_order(
        self, inst_id: str, ord_id: str | None = None, cl_ord_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/trade/order`` (by ``ordId`` or ``clOrdId``)."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/trade/order",
            [("instId", inst_id), ("ordId", ord_id), ("clOrdId", cl_ord_id)],
            signed=True,
        )

    async def http_get_orders_pending(
        self, inst_type: str | None = None, inst_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/trade/orders-pending``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/trade/orders-pending",
            [("instType", inst_type), ("instId", inst_id)],
            signed=True,
        )

    async def http_get_orders_history(
        self,
        inst_type: str,
        inst_id: str | None = None,
        begin_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/trade/orders-history`` (last 7 days)."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/trade/orders-history",
            [("instType", inst_type), ("instId", inst_id), ("begin", begin_ms), ("end", end_ms)],
            signed=True,
        )

    async def http_get_algo_orders_pending(
        self, ord_type: str, inst_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/trade/orders-algo-pending``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/trade/orders-algo-pending",
            [("ordType", ord_type), ("instId", inst_id)],
            signed=True,
        )

    async def http_get_fills(
        self,
        inst_type: str | None = None,
        inst_id: str | None = None,
        ord_id: str | None = None,
        begin_ms: int | None = None,
        end_ms: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/trade/fills`` (last 3 days, newest first, up to 100)."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/trade/fills",
            [
                ("instType", inst_type),
                ("instId", inst_id),
                ("ordId", ord_id),
                ("begin", begin_ms),
                ("end", end_ms),
                ("limit", limit),
            ],
            signed=True,
        )

    # -- account --------------------------------------------------------------------------------

    async def http_get_balance(self, ccy: str | None = None) -> list[dict[str, Any]]:
        """``GET /api/v5/account/balance``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/account/balance", [("ccy", ccy)], signed=True
        )

    async def http_get_positions(
        self, inst_type: str | None = None, inst_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/v5/account/positions``."""
        return await self._get(  # type: ignore[no-any-return]
            "/api/v5/account/positions",
            [("instType", inst_type), ("instId", inst_id)],
            signed=True,
        )
