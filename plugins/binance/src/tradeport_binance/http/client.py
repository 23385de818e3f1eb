"""BinanceHttpClient: one ``http_*`` method per Binance REST endpoint, on the core HttpClient.

The ``http_*`` methods take Binance's parameter names, return decoded JSON and do nothing else;
the domain-level work (building parameters from orders, parsing) is in the clients above them.
Paths come from :func:`tradeport_binance.urls.endpoints_for`, so the same method serves spot,
margin, USD-M and COIN-M. Weights follow the documented request weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tradeport.errors import ConfigError, UnsupportedOperation
from tradeport.net import json_codec
from tradeport.net.backoff import RetryPolicy
from tradeport.net.http import HttpClient, Params
from tradeport.net.ratelimit import Quota, RateLimiter
from tradeport.net.server_time import ServerClock

from tradeport_binance.config import BinanceConfig, resolve_credentials
from tradeport_binance.constants import VENUE_ID
from tradeport_binance.credential import BinanceSigner
from tradeport_binance.enums import BinanceAccountType
from tradeport_binance.errors import parse_binance_error, weight_feeder
from tradeport_binance.urls import MARGIN_LISTEN_KEY_RETIRED, BinanceEndpoints, endpoints_for

__all__ = ["BinanceHttpClient", "default_rate_limiter"]

#: Binance's documented request-weight limits per minute (spot 6000, USD-M 2400, COIN-M 2400).
_WEIGHT_PER_MINUTE = {
    BinanceAccountType.SPOT: 6000,
    BinanceAccountType.MARGIN: 6000,
    BinanceAccountType.ISOLATED_MARGIN: 6000,
    BinanceAccountType.USDT_FUTURE: 2400,
    BinanceAccountType.COIN_FUTURE: 2400,
}


def default_rate_limiter(account_type: BinanceAccountType) -> RateLimiter:
    """A limiter holding Binance's per-minute weight (key ``global``), fed by used-weight headers."""
    return RateLimiter({"global": Quota(_WEIGHT_PER_MINUTE[account_type], 60.0)})


class BinanceHttpClient:
    """Binance REST for one account type.

    :param config: the venue config (URL, credentials, receive window, key type).
    :param clock: milliseconds since the epoch for request timestamps (tests skew it).
    """

    def __init__(self, config: BinanceConfig, *, clock: Any = None, environ: Any = None) -> None:
        self.config = config
        self.account_type = config.account_type
        self.paths: BinanceEndpoints = endpoints_for(config.account_type)
        api_key, api_secret = resolve_credentials(config, environ)
        signer_kw: dict[str, Any] = {}
        if clock is not None:
            signer_kw["clock"] = clock
        else:
            offset = config.clock_offset_ms
            if offset:
                from tradeport_binance.credential import _now_ms

                signer_kw["clock"] = lambda: _now_ms() + offset
        #: The venue's clock (``time_sync``): the signer stamps requests with it.
        self.server_clock: ServerClock | None = None
        if config.time_sync:
            from tradeport_binance.credential import _now_ms

            local_ms = signer_kw.get("clock", _now_ms)
            self.server_clock = ServerClock(
                self._server_time_ns,
                local_ns=lambda: local_ms() * 1_000_000,
                interval=config.time_sync_interval,
                venue=VENUE_ID,
            )
            signer_kw["clock"] = self.server_clock.now_ms
        self.signer = BinanceSigner(
            api_key,
            api_secret,
            key_type=config.key_type,
            recv_window_ms=config.recv_window_ms,
            **signer_kw,
        )
        self.rate_limiter = default_rate_limiter(config.account_type)
        self.http = HttpClient(
            config.http_url,
            venue=VENUE_ID,
            timeout=config.http_timeout,
            signer=self.signer,
            rate_limiter=self.rate_limiter,
            retry=RetryPolicy(
                initial=config.http_retry_delay, max_attempts=config.http_max_attempts
            ),
            error_parser=parse_binance_error,
            on_response=weight_feeder(self.rate_limiter),
            secrets=(api_key, api_secret),
            server_clock=self.server_clock,
        )

    @property
    def has_credentials(self) -> bool:
        """Whether signed endpoints can be called."""
        return self.signer.has_credentials

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    def _futures_only(self, operation: str) -> None:
        if not self.account_type.is_futures:
            raise UnsupportedOperation(
                VENUE_ID, operation, f"not offered for {self.account_type} accounts"
            )

    def _margin(
        self, params: list[tuple[str, Any]], symbol: str | None = None
    ) -> list[tuple[str, Any]]:
        if self.account_type is BinanceAccountType.ISOLATED_MARGIN:
            params.append(("isIsolated", "TRUE"))
        return params

    async def _get(
        self, path: str, params: Params | None = None, *, signed: bool = False, weight: int = 1
    ) -> Any:
        return await self.http.get_json(path, params=params, signed=signed, weight=weight)

    # -- general / market data -------------------------------------------------------------------

    async def http_ping(self) -> Any:
        """``GET /api/v3/ping`` (``/fapi/v1/ping``)."""
        return await self._get(self.paths.ping)

    async def http_time(self) -> Any:
        """``GET /api/v3/time``: ``{"serverTime": ms}``."""
        return await self._get(self.paths.time)

    async def _server_time_ns(self) -> int:
        """The venue's clock from ``http_time``, UNIX ns (for :class:`ServerClock`)."""
        reply = await self.http_time()
        return int(reply["serverTime"]) * 1_000_000

    async def http_exchange_info(self, symbol: str | None = None) -> Any:
        """``GET /api/v3/exchangeInfo`` (weight 20; futures 1)."""
        params = [("symbol", symbol)] if symbol else None
        return await self._get(
            self.paths.exchange_info, params, weight=20 if not self.account_type.is_futures else 1
        )

    async def http_depth(self, symbol: str, limit: int | None = None) -> Any:
        """``GET /api/v3/depth``: ``lastUpdateId``, ``bids``, ``asks``."""
        weight = (
            1 if not limit or limit <= 100 else 5 if limit <= 500 else 10 if limit <= 1000 else 50
        )
        return await self._get(
            self.paths.depth, [("symbol", symbol), ("limit", limit)], weight=weight
        )

    async def http_trades(self, symbol: str, limit: int | None = None) -> Any:
        """``GET /api/v3/trades``: recent trades."""
        return await self._get(self.paths.trades, [("symbol", symbol), ("limit", limit)])

    async def http_agg_trades(
        self,
        symbol: str,
        *,
        from_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> Any:
        """``GET /api/v3/aggTrades`` (``startTime``/``endTime`` in ms, at most 1 hour apart)."""
        return await self._get(
            self.paths.agg_trades,
            [
                ("symbol", symbol),
                ("fromId", from_id),
                ("startTime", start_time),
                ("endTime", end_time),
                ("limit", limit),
            ],
        )

    async def http_klines(
        self,
        symbol: str,
        interval: str,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> Any:
        """``GET /api/v3/klines`` (max 1000 rows per call)."""
        return await self._get(
            self.paths.klines,
            [
                ("symbol", symbol),
                ("interval", interval),
                ("startTime", start_time),
                ("endTime", end_time),
                ("limit", limit),
            ],
        )

    async def http_ticker_24hr(self, symbol: str | None = None) -> Any:
        """``GET /api/v3/ticker/24hr``."""
        return await self._get(
            self.paths.ticker_24hr, [("symbol", symbol)], weight=1 if symbol else 40
        )

    async def http_book_ticker(self, symbol: str | None = None) -> Any:
        """``GET /api/v3/ticker/bookTicker``."""
        return await self._get(
            self.paths.book_ticker, [("symbol", symbol)], weight=1 if symbol else 2
        )

    async def http_premium_index(self, symbol: str | None = None) -> Any:
        """``GET /fapi/v1/premiumIndex``: mark, index, funding (futures)."""
        self._futures_only("premium index")
        assert self.paths.premium_index is not None
        return await self._get(self.paths.premium_index, [("symbol", symbol)])

    # -- orders ----------------------------------------------------------------------------------

    async def http_new_order(self, params: Sequence[tuple[str, Any]]) -> Any:
        """``POST /api/v3/order`` (margin ``/sapi/v1/margin/order``, futures ``/fapi/v1/order``).

        Not retried after it may have reached Binance: a lost answer is resolved by querying.
        """
        return await self.http.post_json(
            self.paths.order, params=self._margin(list(params)), signed=True, retry=False
        )

    async def http_modify_order(self, params: Sequence[tuple[str, Any]]) -> Any:
        """``PUT /fapi/v1/order`` (futures only: price and quantity of a LIMIT order)."""
        self._futures_only("modify_order")
        return await self.http.put_json(
            self.paths.order, params=list(params), signed=True, retry=False
        )

    async def http_query_order(
        self,
        symbol: str,
        *,
        order_id: int | str | None = None,
        orig_client_order_id: str | None = None,
    ) -> Any:
        """``GET /api/v3/order`` by ``orderId`` or ``origClientOrderId``."""
        params = self._margin(
            [("symbol", symbol), ("orderId", order_id), ("origClientOrderId", orig_client_order_id)]
        )
        return await self._get(self.paths.order, params, signed=True, weight=4)

    async def http_cancel_order(
        self,
        symbol: str,
        *,
        order_id: int | str | None = None,
        orig_client_order_id: str | None = None,
    ) -> Any:
        """``DELETE /api/v3/order``."""
        params = self._margin(
            [("symbol", symbol), ("orderId", order_id), ("origClientOrderId", orig_client_order_id)]
        )
        return await self.http.delete_json(self.paths.order, params=params, signed=True)

    async def http_cancel_open_orders(self, symbol: str) -> Any:
        """``DELETE /api/v3/openOrders`` (futures ``/fapi/v1/allOpenOrders``)."""
        path = self.paths.open_orders
        if self.account_type.is_futures:
            path = path.replace("openOrders", "allOpenOrders")
        return await self.http.delete_json(
            path, params=self._margin([("symbol", symbol)]), signed=True
        )

    async def http_batch_cancel(
        self,
        symbol: str,
        *,
        order_ids: Sequence[int] | None = None,
        orig_client_order_ids: Sequence[str] | None = None,
    ) -> Any:
        """``DELETE /fapi/v1/batchOrders`` (futures; up to 10 ids, JSON lists in the query)."""
        self._futures_only("batch_cancel_orders")
        assert self.paths.batch_orders is not None
        params: list[tuple[str, Any]] = [("symbol", symbol)]
        if order_ids:
            params.append(("orderIdList", json_codec.dumps(list(order_ids))))
        if orig_client_order_ids:
            params.append(("origClientOrderIdList", json_codec.dumps(list(orig_client_order_ids))))
        return await self.http.delete_json(self.paths.batch_orders, params=params, signed=True)

    async def http_new_oco(self, params: Sequence[tuple[str, Any]]) -> Any:
        """``POST /api/v3/order/oco`` (spot / margin order lists)."""
        if self.paths.order_list is None:
            raise UnsupportedOperation(
                VENUE_ID, "submit_order_list", f"no order lists for {self.account_type}"
            )
        return await self.http.post_json(
            self.paths.order_list, params=self._margin(list(params)), signed=True, retry=False
        )

    async def http_open_orders(self, symbol: str | None = None) -> Any:
        """``GET /api/v3/openOrders`` (weight 6, 80 without symbol)."""
        return await self._get(
            self.paths.open_orders,
            self._margin([("symbol", symbol)]),
            signed=True,
            weight=6 if symbol else 80,
        )

    async def http_all_orders(
        self,
        symbol: str,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> Any:
        """``GET /api/v3/allOrders``."""
        return await self._get(
            self.paths.all_orders,
            self._margin(
                [
                    ("symbol", symbol),
                    ("startTime", start_time),
                    ("endTime", end_time),
                    ("limit", limit),
                ]
            ),
            signed=True,
            weight=20,
        )

    async def http_my_trades(
        self,
        symbol: str,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        from_id: int | None = None,
        limit: int | None = None,
        order_id: int | None = None,
    ) -> Any:
        """``GET /api/v3/myTrades`` (futures ``/fapi/v1/userTrades``)."""
        return await self._get(
            self.paths.my_trades,
            self._margin(
                [
                    ("symbol", symbol),
                    ("orderId", order_id),
                    ("startTime", start_time),
                    ("endTime", end_time),
                    ("fromId", from_id),
                    ("limit", limit),
                ]
            ),
            signed=True,
            weight=20,
        )

    async def http_account(self) -> Any:
        """``GET /api/v3/account`` (futures ``/fapi/v2/account``, margin
        ``/sapi/v1/margin/account``; isolated margin ``/sapi/v1/margin/isolated/account`` for
        the configured pair: ``symbols=<isolated_symbol>``)."""
        params: list[tuple[str, Any]] | None = None
        if self.account_type is BinanceAccountType.ISOLATED_MARGIN:
            params = [("symbols", self.config.isolated_symbol)]
        return await self._get(self.paths.account, params, signed=True, weight=20)

    async def http_position_risk(self, symbol: str | None = None) -> Any:
        """``GET /fapi/v2/positionRisk`` (futures)."""
        self._futures_only("position_status_reports")
        assert self.paths.position_risk is not None
        return await self._get(
            self.paths.position_risk, [("symbol", symbol)], signed=True, weight=5
        )

    # -- user data stream (USER_STREAM: keyed, not signed) ---------------------------------------

    def _listen_key_path(self) -> str:
        path = self.paths.listen_key
        if path is None:
            raise UnsupportedOperation(
                VENUE_ID,
                "listenKey",
                f"Binance retired the margin listenKey endpoints on {MARGIN_LISTEN_KEY_RETIRED}; "
                "margin user data uses a listenToken (http_create_listen_token)",
            )
        return path

    async def http_create_listen_key(self) -> Any:
        """``POST /api/v3/userDataStream`` (futures ``listenKey``): ``{"listenKey": ...}``."""
        return await self.http.post_json(
            self._listen_key_path(), headers=self.signer.key_headers("create listenKey")
        )

    async def http_keepalive_listen_key(self, listen_key: str) -> Any:
        """``PUT /api/v3/userDataStream`` (extends the key by 60 minutes)."""
        return await self.http.put_json(
            self._listen_key_path(),
            params=[("listenKey", listen_key)],
            headers=self.signer.key_headers("keepalive listenKey"),
        )

    async def http_delete_listen_key(self, listen_key: str) -> Any:
        """``DELETE /api/v3/userDataStream``."""
        return await self.http.delete_json(
            self._listen_key_path(),
            params=[("listenKey", listen_key)],
            headers=self.signer.key_headers("close listenKey"),
        )

    async def http_create_listen_token(self, validity_ms: int | None = None) -> Any:
        """``POST /sapi/v1/userListenToken`` (margin, USER_STREAM): ``{"token": ...,
        "expirationTime": ms}``; isolated accounts send ``isIsolated=true`` and their symbol.
        ``validity_ms``: Binance's default and maximum is 24 hours."""
        path = self.paths.listen_token
        if path is None:
            raise UnsupportedOperation(
                VENUE_ID, "listenToken", f"margin accounts only, not {self.account_type}"
            )
        params: list[tuple[str, Any]] = []
        if self.account_type is BinanceAccountType.ISOLATED_MARGIN:
            if not self.config.isolated_symbol:
                raise ConfigError(
                    "an isolated margin account needs isolated_symbol (its pair, e.g. BTCUSDT)",
                    field="isolated_symbol",
                )
            params += [("symbol", self.config.isolated_symbol), ("isIsolated", "true")]
        if validity_ms is not None:
            params.append(("validity", validity_ms))
        return await self.http.post_json(
            path, params=params, headers=self.signer.key_headers("create listenToken")
        )
