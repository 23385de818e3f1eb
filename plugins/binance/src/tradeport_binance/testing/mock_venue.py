"""A Binance mock venue on the shared MockVenue and the SimulatedExchange.

It speaks Binance's wire protocol on loopback: REST paths and payloads (``/api/v3/*`` for spot,
``/fapi/v1/*`` for USD-M, ``/dapi/v1/*`` for COIN-M, ``/sapi/v1/margin/*`` for cross and
isolated margin orders), HMAC signature and ``recvWindow`` checks with Binance's error codes
(-1022, -2015, -1021), the listenKey life cycle (create, keepalive, expiry on demand), the
combined market stream (``/stream`` with SUBSCRIBE/UNSUBSCRIBE acks by id and refusals) and the
user data stream (``/ws/<listenKey>``: executionReport / ORDER_TRADE_UPDATE, account updates),
the margin user data of today (a listenToken from ``POST /sapi/v1/userListenToken``,
subscribed on the WebSocket API ``/ws-api/v3`` with ``userDataStream.subscribe.listenToken``,
events wrapped as ``{"subscriptionId", "event"}``, ``eventStreamTerminated`` on expiry),
server control pings, and the 24-hour connection limit on demand (:meth:`expire_connections`).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from decimal import Decimal
from typing import Any, Literal

from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    OrderStatus,
    OrderType,
    ProductType,
    TimeInForce,
    TrailingOffsetType,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.testing import Request, Response
from tradeport_conformance.harness import Credentials, ProtocolFeatures
from tradeport_conformance.mock import MockVenue, StreamConnection
from tradeport_conformance.simulated import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    PostOnlyCross,
    RejectReason,
    SimInstrument,
    SimOrder,
    SimulatedExchange,
)

from tradeport_binance.capabilities import (
    COINM_CAPABILITIES,
    SPOT_CAPABILITIES,
    USDM_CAPABILITIES,
)
from tradeport_binance.symbology import instrument_id_for

__all__ = [
    "BinanceHarness",
    "BinanceFuturesHarness",
    "BinanceCoinFuturesHarness",
    "BinanceMarginHarness",
    "BinanceIsolatedMarginHarness",
]

#: Path of Binance's WebSocket API (``wss://ws-api.binance.com:443/ws-api/v3``).
WS_API_PATH = "/ws-api/v3"
#: A listenToken lives 24 hours at most (and by default).
LISTEN_TOKEN_MAX_VALIDITY_MS = 24 * 3600 * 1000
#: A listenKey closes 60 minutes after its creation or last keepalive (User Data Streams).
LISTEN_KEY_VALIDITY_MS = 60 * 60 * 1000

API_KEY = "mock-binance-api-key"
API_SECRET = "mock-binance-api-secret-0123456789"
WRONG_SECRET = "wrong-secret-for-the-mock"
_REJECT_CODES = {
    RejectReason.INSUFFICIENT_BALANCE: -2010,
    RejectReason.INVALID_PRICE_INCREMENT: -1013,
    RejectReason.INVALID_QUANTITY_INCREMENT: -1013,
}
_SPOT_TYPES = {
    "LIMIT": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "STOP_LOSS": OrderType.STOP_MARKET,
    "STOP_LOSS_LIMIT": OrderType.STOP_LIMIT,
    "TAKE_PROFIT": OrderType.MARKET_IF_TOUCHED,
    "TAKE_PROFIT_LIMIT": OrderType.LIMIT_IF_TOUCHED,
    "LIMIT_MAKER": OrderType.LIMIT,
}
_FUT_TYPES = {
    "LIMIT": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "STOP_MARKET": OrderType.STOP_MARKET,
    "STOP": OrderType.STOP_LIMIT,
    "TAKE_PROFIT_MARKET": OrderType.MARKET_IF_TOUCHED,
    "TAKE_PROFIT": OrderType.LIMIT_IF_TOUCHED,
    "TRAILING_STOP_MARKET": OrderType.TRAILING_STOP_MARKET,
}
#: COIN-M's timeInForce values (Binance's COIN-M "Common Definition": no GTD).
_COINM_TIFS = ("GTC", "IOC", "FOK", "GTX")
_STATUS = {
    OrderStatus.ACCEPTED: "NEW",
    OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELED: "CANCELED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.REJECTED: "REJECTED",
    OrderStatus.SUBMITTED: "NEW",
    OrderStatus.TRIGGERED: "NEW",
}


def _d(value: Decimal | None) -> str:
    return "0" if value is None else format(value, "f")


class BinanceHarness(MockVenue):
    """Spot Binance on loopback (see the module docstring)."""

    venue = "binance"
    account_type = "spot"
    stream_paths: tuple[str, ...] = ("/stream",)
    server_ping_interval = 0.5
    features = ProtocolFeatures(
        server_control_ping=True,
        stream_token=True,
        timestamp_window=True,
        server_time=True,  # /api/v3/time, /fapi/v1/time, /dapi/v1/time
        book_sequence=True,
        subscription_refusal=True,
        close_codes=True,
        book_faults=True,
        exact_relisting=True,
        # listenKeys and listenTokens expire on the venue's login clock (RC9); the login
        # presents a credential issued earlier, so it carries no stamp of its own.
        login_clock=True,
        private_hold=True,
    )
    #: The longest validity of a user-data credential (a listenToken's 24 h; a listenKey's is
    #: 60 min): moving the login clock past it expires every one issued until then.
    login_validity_ms = LISTEN_TOKEN_MAX_VALIDITY_MS
    #: -1007 "timeout waiting for response from backend server; send status unknown" (HTTP
    #: 408) and -1006 "unexpected response from the message bus; execution status unknown".
    unknown_outcome_codes = ((408, -1007), (500, -1006))
    symbol = "BTCUSDT"
    #: The dated USD-M contract the futures harness lists too (quarterly, December 2026).
    dated_symbol = "BTCUSDT_261225"
    capabilities = SPOT_CAPABILITIES

    @property
    def futures(self) -> bool:
        return self.account_type in ("usdt_future", "coin_future")

    @property
    def margin(self) -> bool:
        """Cross or isolated margin: spot market data, ``/sapi/v1/margin`` orders."""
        return self.account_type in ("margin", "isolated_margin")

    @property
    def isolated(self) -> bool:
        """Isolated margin: every account request says ``isIsolated=TRUE``."""
        return self.account_type == "isolated_margin"

    @property
    def order_prefix(self) -> str:
        """Where orders live: the market data prefix, or ``/sapi/v1/margin`` for margin."""
        return "/sapi/v1/margin" if self.margin else self.prefix

    @property
    def coin_margined(self) -> bool:
        """COIN-M: inverse contracts, quantities in contracts, ``/dapi`` paths."""
        return self.account_type == "coin_future"

    @property
    def prefix(self) -> str:
        if self.coin_margined:
            return "/dapi/v1"
        return "/fapi/v1" if self.futures else "/api/v3"

    @property
    def account_path(self) -> str:
        """``GET account``: spot ``/api/v3``, USD-M ``/fapi/v2``, COIN-M ``/dapi/v1``, margin
        ``/sapi/v1/margin/account`` (cross) or ``/sapi/v1/margin/isolated/account``."""
        if self.margin:
            return (
                "/sapi/v1/margin/isolated/account" if self.isolated else "/sapi/v1/margin/account"
            )
        if self.coin_margined:
            return "/dapi/v1/account"
        return "/fapi/v2/account" if self.futures else "/api/v3/account"

    @property
    def listen_key_path(self) -> str:
        """Where listenKeys are created, kept alive and closed."""
        if self.futures:
            return f"{self.prefix}/listenKey"
        return "/api/v3/userDataStream"

    # -- setup -----------------------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        sim = SimulatedExchange(seed=7, clock=time.time_ns, post_only_cross=PostOnlyCross.REJECT)
        product = ProductType.PERPETUAL if self.account_type != "spot" else ProductType.SPOT
        sim.add_instrument(
            SimInstrument(
                symbol=self.symbol,
                product_type=product,
                base_asset="BTC",
                quote_asset="USDT",
                settle_asset="USDT" if product is ProductType.PERPETUAL else None,
                tick_size=Decimal("0.01"),
                lot_size=Decimal("0.001"),
                min_qty=Decimal("0.01"),
                min_notional=Decimal("5"),
                maker_fee=Decimal("0.001"),
                taker_fee=Decimal("0.001"),
            )
        )
        if self.futures:
            sim.add_instrument(
                SimInstrument(
                    symbol=self.dated_symbol,
                    product_type=ProductType.FUTURE,
                    base_asset="BTC",
                    quote_asset="USDT",
                    settle_asset="USDT",
                    tick_size=Decimal("0.1"),
                    lot_size=Decimal("0.001"),
                    min_qty=Decimal("0.001"),
                    min_notional=Decimal("5"),
                    maker_fee=Decimal("0.0002"),
                    taker_fee=Decimal("0.0004"),
                )
            )
            sim.set_book(
                self.dated_symbol,
                bids=[(Decimal("999.0"), Decimal("1"))],
                asks=[(Decimal("1001.0"), Decimal("1"))],
            )
        sim.set_balance("USDT", Decimal("100000"))
        sim.set_balance("BTC", Decimal("10"))
        sim.set_book(
            self.symbol,
            # Around the suite's default mid (1000 ticks of the instrument's tick away from 0).
            bids=[(Decimal("999.00"), Decimal("1"))],
            asks=[(Decimal("1001.00"), Decimal("1"))],
        )
        return sim

    def setup_routes(self) -> None:
        #: listenKey -> when it closes (login clock ms) unless kept alive; 0 once expired.
        self._listen_keys: dict[str, int] = {}
        self._key_ids = itertools.count(1)
        self._malformed = False
        self._book_seq = 1000
        self._history_bars: list[list[Any]] = []
        self._history_trades: list[dict[str, Any]] = []
        self._user_events_connected = False
        p = self.prefix
        for path, handler in (
            (f"{p}/ping", self._ping),
            (f"{p}/time", self._time),
            (f"{p}/exchangeInfo", self._exchange_info),
            (f"{p}/depth", self._depth),
            (f"{p}/klines", self._klines),
            (f"{p}/aggTrades", self._agg_trades),
            (f"{p}/trades", self._trades),
            (f"{p}/ticker/bookTicker", self._book_ticker),
        ):
            self.route("GET", path, handler)
        o = self.order_prefix
        self.route("POST", f"{o}/order", self._new_order, signed=True)
        self.route("GET", f"{o}/order", self._query_order, signed=True)
        self.route("DELETE", f"{o}/order", self._cancel_order, signed=True)
        self.route("GET", f"{o}/openOrders", self._open_orders, signed=True)
        self.route("GET", f"{o}/allOrders", self._all_orders, signed=True)
        self.route(
            "DELETE",
            f"{o}/{'allOpenOrders' if self.futures else 'openOrders'}",
            self._cancel_all,
            signed=True,
        )
        self.route(
            "GET",
            f"{o}/{'userTrades' if self.futures else 'myTrades'}",
            self._my_trades,
            signed=True,
        )
        self.route("GET", self.account_path, self._account, signed=True)
        if self.isolated:
            # The same user's cross margin account exists too, empty.
            self.route("GET", "/sapi/v1/margin/account", self._empty_cross_account, signed=True)
        if not self.futures:
            self.route("POST", f"{o}/order/oco", self._new_oco, signed=True)
        if self.futures:
            risk = "/dapi/v1/positionRisk" if self.coin_margined else "/fapi/v2/positionRisk"
            self.route("GET", risk, self._position_risk, signed=True)
            self.route("PUT", f"{p}/order", self._modify_order, signed=True)
            self.route("DELETE", f"{p}/batchOrders", self._batch_cancel, signed=True)
        if self.margin:
            # Binance retired the margin listenKey endpoints (2026-02-20): listenTokens only.
            self.route("POST", "/sapi/v1/userListenToken", self._create_listen_token)
        else:
            lk = self.listen_key_path
            self.route("POST", lk, self._create_listen_key)
            self.route("PUT", lk, self._keepalive_listen_key)
            self.route("DELETE", lk, self._delete_listen_key)
        #: listenToken -> (account it opens, expiration ms).
        self._listen_tokens: dict[str, tuple[str, int]] = {}
        self._subscription_ids = itertools.count(0)
        self._unsubscribe = self.exchange.subscribe(self._on_sim_event)
        self._pending_events: list[Any] = []
        #: OCO legs: venue order id -> the other leg's venue order id.
        self._oco_peer: dict[str, str] = {}
        self._list_ids = itertools.count(1)

    def route(self, method: str, path: str, handler: Any, *, signed: bool = False) -> None:
        """Serve a route; afterwards, stream what the request made the exchange do."""

        async def then_push(request: Request) -> Response:
            # Binance streams account events as they happen: whatever a request made the
            # exchange do (accept, fill, cancel) goes out on the user data streams right away.
            response = await handler(request)
            await self.push_account_events()
            return response

        super().route(method, path, then_push, signed=signed)

    # -- harness contract ------------------------------------------------------------------------

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        cfg: dict[str, Any] = {
            "account_type": self.account_type,
            "base_url_http": self.http_url,
            "base_url_ws": self.ws_url,
            "ws_ping_interval": 1.0,
            "ws_idle_timeout": 5.0,
            "reconnect_delay_initial": 0.05,
            "reconnect_delay_max": 0.5,
            "ws_ack_timeout": 5.0,
            "http_max_attempts": 3,
            "book_resync_delay": 0.05,
            "http_timeout": 5.0,
        }
        if credentials in ("valid", "skewed"):
            cfg.update(api_key=API_KEY, api_secret=API_SECRET)
        elif credentials == "invalid":
            cfg.update(api_key=API_KEY, api_secret=WRONG_SECRET)
        if credentials == "skewed":
            cfg["clock_offset_ms"] = -120_000
        if self.margin:
            cfg["base_url_ws_api"] = f"{self.ws_url}{WS_API_PATH}"
        if self.isolated:
            cfg["isolated_symbol"] = self.symbol
        cfg.update(overrides)
        return cfg

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        if self.futures and product is ProductType.FUTURE:
            return instrument_id_for(self.dated_symbol, perpetual=False)
        mine = ProductType.PERPETUAL if self.futures else ProductType.SPOT
        return instrument_id_for(self.symbol, perpetual=self.futures) if product is mine else None

    @property
    def secrets(self) -> list[str]:
        return [API_SECRET, WRONG_SECRET]

    def history_page_size(self) -> int:
        return 1000

    # -- signatures (Binance's rules) -------------------------------------------------------------

    def replay_key(self, request: Request) -> str | None:
        """A signed request is its signature, which covers its ``timestamp``."""
        return request.raw_query.rpartition("&signature=")[2] or None

    def verify_signature(self, request: Request) -> bool:
        if self._timestamp_error(request) is not None:
            return False  # answered with -1021 by signature_failure_response
        if request.header("x-mbx-apikey") != API_KEY:
            return False
        query, _, signature = request.raw_query.rpartition("&signature=")
        payload = query + request.body.decode()
        expected = hmac.new(API_SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature.lower())

    def signature_failure_response(self, request: Request) -> Response:
        if (error := self._timestamp_error(request)) is not None:
            return error  # Binance checks the receive window before the signature
        if request.header("x-mbx-apikey") != API_KEY:
            return self.error_response(
                401, venue_code=-2015, message="Invalid API-key, IP, or permissions for action."
            )
        return self.error_response(
            400, venue_code=-1022, message="Signature for this request is not valid."
        )

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        # Binance sends whole seconds; tests ask for fractions, which must survive.
        headers = {"Retry-After": format(retry_after, "g")} if retry_after is not None else None
        code = venue_code if venue_code is not None else {429: -1003, 418: -1003}.get(status, -1000)
        return Response.json({"code": code, "msg": message or "error"}, status, headers)

    def _timestamp_error(self, request: Request) -> Response | None:
        ts, window = request.param("timestamp"), request.param("recvWindow") or "5000"
        now = time.time_ns() // 1_000_000
        if ts is None or not (int(ts) < now + 1000 and now - int(ts) <= int(window)):
            return self.error_response(
                400,
                venue_code=-1021,
                message="Timestamp for this request is outside of the recvWindow.",
            )
        return None

    # -- public REST -----------------------------------------------------------------------------

    async def _ping(self, request: Request) -> Response:
        return Response.json({})

    async def _time(self, request: Request) -> Response:
        return Response.json({"serverTime": time.time_ns() // 1_000_000})

    def _symbol_record(self, sim: SimInstrument) -> dict[str, Any]:
        tick, step = _d(sim.tick_size), _d(sim.lot_size)
        filters = [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": tick,
                "maxPrice": "1000000.00",
                "tickSize": tick,
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": _d(sim.min_qty or sim.lot_size),
                "maxQty": "9000",
                "stepSize": step,
            },
        ]
        if self.coin_margined:
            return self._coinm_symbol_record(sim, filters)
        if self.futures:
            filters.append({"filterType": "MIN_NOTIONAL", "notional": _d(sim.min_notional)})
            dated = sim.product_type is ProductType.FUTURE
            return {
                "symbol": sim.symbol,
                "pair": sim.symbol.partition("_")[0],
                "contractType": "CURRENT_QUARTER" if dated else "PERPETUAL",
                # 2026-12-25 08:00 UTC for the quarterly, Binance's far date for perpetuals.
                "deliveryDate": 1798185600000 if dated else 4133404800000,
                "onboardDate": 1569398400000,
                "status": "TRADING",
                "maintMarginPercent": "2.5000",
                "requiredMarginPercent": "5.0000",
                "baseAsset": sim.base_asset,
                "quoteAsset": sim.quote_asset,
                "marginAsset": sim.quote_asset,
                "pricePrecision": -sim.tick_size.as_tuple().exponent,
                "quantityPrecision": 5,
                "filters": filters,
                "orderTypes": list(_FUT_TYPES),
                "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
            }
        filters.append(
            {
                "filterType": "NOTIONAL",
                "minNotional": _d(sim.min_notional),
                "maxNotional": "9000000",
            }
        )
        return {
            "symbol": sim.symbol,
            "status": "TRADING",
            "baseAsset": sim.base_asset,
            "quoteAsset": sim.quote_asset,
            "orderTypes": list(_SPOT_TYPES),
            "filters": filters,
            "permissions": [],
            "permissionSets": [["SPOT"]],
        }

    def _coinm_symbol_record(
        self, sim: SimInstrument, filters: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """A ``GET /dapi/v1/exchangeInfo`` symbol: the shape of Binance's COIN-M Exchange
        Information example (``contractStatus``, ``contractSize``, ``marginAsset``; no
        notional filter; no GTD)."""
        dated = sim.product_type is ProductType.FUTURE
        return {
            "symbol": sim.symbol,
            "pair": sim.symbol.partition("_")[0],
            "contractType": "CURRENT_QUARTER" if dated else "PERPETUAL",
            "deliveryDate": 1798185600000 if dated else 4133404800000,
            "onboardDate": 1569398400000,
            "contractStatus": "TRADING",
            "contractSize": int(sim.multiplier),
            "marginAsset": sim.settle_asset,
            "maintMarginPercent": "2.5000",
            "requiredMarginPercent": "5.0000",
            "baseAsset": sim.base_asset,
            "quoteAsset": sim.quote_asset,
            "pricePrecision": -sim.tick_size.as_tuple().exponent,
            "quantityPrecision": 0,
            "baseAssetPrecision": 8,
            "quotePrecision": 8,
            "equalQtyPrecision": 4,
            "triggerProtect": "0.0500",
            "underlyingType": "COIN",
            "underlyingSubType": [],
            "filters": filters,
            "orderTypes": list(_FUT_TYPES),
            "timeInForce": list(_COINM_TIFS),
        }

    def add_malformed_instrument(self) -> None:
        """Serve one symbol record without filters (the client must skip it and load the rest)."""
        self._malformed = True

    async def _exchange_info(self, request: Request) -> Response:
        symbols = [self._symbol_record(i) for i in self.exchange.instruments()]
        if self._malformed:
            symbols.insert(
                0,
                {
                    "symbol": "BROKENUSDT",
                    "status": "TRADING",
                    "baseAsset": "BROKEN",
                    "quoteAsset": "USDT",
                    "filters": [],
                },
            )
        return Response.json(
            {
                "timezone": "UTC",
                "serverTime": time.time_ns() // 1_000_000,
                "rateLimits": [],
                "exchangeFilters": [],
                "symbols": symbols,
            }
        )

    async def _depth(self, request: Request) -> Response:
        await self.snapshot_released(request.param("symbol") or self.symbol)
        book = self.exchange.book(request.param("symbol") or self.symbol)
        body: dict[str, Any] = {
            "lastUpdateId": self._book_seq,
            "bids": [[_d(price), _d(size)] for price, size in book.bids],
            "asks": [[_d(price), _d(size)] for price, size in book.asks],
        }
        if self.futures:
            body.update(E=time.time_ns() // 1_000_000, T=time.time_ns() // 1_000_000)
        return Response.json(body)

    async def _book_ticker(self, request: Request) -> Response:
        book = self.exchange.book(self.symbol, 1)
        return Response.json(
            {
                "symbol": self.symbol,
                "bidPrice": _d(book.bids[0][0]),
                "bidQty": _d(book.bids[0][1]),
                "askPrice": _d(book.asks[0][0]),
                "askQty": _d(book.asks[0][1]),
            }
        )

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        """One-minute klines ending now and aggregated trades over the last hour."""
        now_ms = self.exchange.now() // 1_000_000
        start = (now_ms // 60_000 - bars) * 60_000
        # Sizes on the instrument's lot: COIN-M trades whole contracts.
        volume, trade_qty = ("1", "1") if self.coin_margined else ("1.00000", "0.01000")
        self._history_bars = [
            [
                start + i * 60_000,
                "100.00",
                "101.00",
                "99.00",
                "100.50",
                volume,
                start + (i + 1) * 60_000 - 1,
                "100.50",
                10,
                "0.50000",
                "50.25",
                "0",
            ]
            for i in range(bars)
        ]
        self._history_trades = [
            {
                "a": 1000 + i,
                "p": "100.00",
                "q": trade_qty,
                "f": 5000 + i,
                "l": 5000 + i,
                "T": now_ms - 3_000_000 + i,
                "m": bool(i % 2),
                "M": True,
            }
            for i in range(trades)
        ]

    def check_history_request(self, recorded: Any) -> list[str]:
        """Binance's parameter rules for klines / aggTrades."""
        problems = []
        params = dict(recorded.query)
        if recorded.path.endswith("/klines"):
            if "interval" not in params or "symbol" not in params:
                problems.append("klines without symbol/interval")
            if int(params.get("limit", "500")) > 1000:
                problems.append("klines limit above 1000")
            for key in ("startTime", "endTime"):
                if key in params and len(params[key]) != 13:
                    problems.append(f"{key} is not in milliseconds: {params[key]}")
        return problems

    async def _klines(self, request: Request) -> Response:
        start = int(request.param("startTime") or 0)
        end = int(request.param("endTime") or 10**15)
        limit = min(int(request.param("limit") or 500), 1000)
        rows = [r for r in self._history_bars if start <= r[0] <= end][:limit]
        return Response.json(rows)

    async def _agg_trades(self, request: Request) -> Response:
        limit = min(int(request.param("limit") or 500), 1000)
        if request.param("fromId") is not None:
            rows = [t for t in self._history_trades if t["a"] >= int(request.param("fromId") or 0)]
        else:
            start = int(request.param("startTime") or 0)
            end = int(request.param("endTime") or 10**15)
            if request.param("startTime") and request.param("endTime") and end - start > 3_600_000:
                return self.error_response(
                    400,
                    venue_code=-1127,
                    message="More than 1 hours between startTime and endTime.",
                )
            rows = [t for t in self._history_trades if start <= t["T"] <= end]
        return Response.json(rows[:limit])

    async def _trades(self, request: Request) -> Response:
        return Response.json(
            [
                {
                    "id": t["a"],
                    "price": t["p"],
                    "qty": t["q"],
                    "quoteQty": "1",
                    "time": t["T"],
                    "isBuyerMaker": t["m"],
                    "isBestMatch": True,
                }
                for t in self._history_trades[-500:]
            ]
        )

    # -- private REST ----------------------------------------------------------------------------

    def _other_account(self, request: Request) -> bool:
        """Margin: whether a request addresses another account than this harness's. The
        isolated harness holds one isolated BTCUSDT account and no cross margin; the cross
        harness no isolated account. ``isIsolated`` ("TRUE"/"FALSE", default FALSE) picks
        the account on Binance, so a request without it reaches the cross account."""
        if not self.margin:
            return False
        asks_isolated = (request.param("isIsolated") or "FALSE").upper() == "TRUE"
        if asks_isolated != self.isolated:
            return True
        return self.isolated and request.param("symbol") not in (None, self.symbol)

    def _order_json(self, order: SimOrder) -> dict[str, Any]:
        types = {
            v: k
            for k, v in (_FUT_TYPES if self.futures else _SPOT_TYPES).items()
            if k != "LIMIT_MAKER"
        }
        binance_type = (
            "LIMIT_MAKER"
            if order.post_only and not self.futures
            else types.get(order.order_type, "LIMIT")
        )
        tif = "GTX" if order.post_only and self.futures else order.time_in_force.value
        body = {
            "symbol": order.symbol,
            "orderId": int(order.venue_order_id),
            "orderListId": -1,
            "clientOrderId": order.client_order_id or f"web_{order.venue_order_id}",
            "price": _d(order.price),
            "origQty": _d(order.quantity),
            "executedQty": _d(order.filled_qty),
            "cummulativeQuoteQty": _d(order.filled_quote),
            "status": _STATUS.get(order.status, "NEW"),
            "timeInForce": tif,
            "type": binance_type,
            "side": order.side.value,
            "stopPrice": _d(order.trigger_price),
            "time": order.ts_created // 1_000_000,
            "updateTime": order.ts_updated // 1_000_000,
            "transactTime": order.ts_updated // 1_000_000,
            "isWorking": order.status.is_open,
        }
        if self.margin:
            body["isIsolated"] = self.isolated
        if self.futures:
            body.update(
                avgPrice=_d(order.avg_px),
                reduceOnly=order.reduce_only,
                positionSide=order.position_side.value if order.position_side else "BOTH",
            )
            if order.trailing_offset is not None:
                # Binance's trailing-stop fields: activatePrice, priceRate (callbackRate %).
                body.update(
                    activatePrice=_d(order.activation_price),
                    priceRate=_d(order.trailing_offset / 100),
                )
        return body

    async def _new_order(self, request: Request) -> Response:
        if (error := self._timestamp_error(request)) is not None:
            return error
        if self._other_account(request):
            # Nothing to trade with in the account the request names.
            return self.error_response(
                400,
                venue_code=-2010,
                message="Account has insufficient balance for requested action.",
            )
        q = dict(request.query)
        kind = q.get("type", "")
        types = _FUT_TYPES if self.futures else _SPOT_TYPES
        if kind not in types:
            return self.error_response(400, venue_code=-1116, message="Invalid orderType.")
        trailing: dict[str, Any] = {}
        if kind == "TRAILING_STOP_MARKET":
            # Binance: callbackRate is mandatory (a percentage, 1 = 1%); activationPrice
            # defaults to the latest price (the simulated exchange's reference price).
            if not q.get("callbackRate"):
                return self.error_response(
                    400,
                    venue_code=-1102,
                    message="Mandatory parameter 'callbackRate' was not sent, was empty/null, "
                    "or malformed.",
                )
            trailing = {
                "trailing_offset": Decimal(q["callbackRate"]) * 100,
                "trailing_offset_type": TrailingOffsetType.BASIS_POINTS,
                "activation_price": (
                    Decimal(q["activationPrice"]) if q.get("activationPrice") else None
                ),
            }
        tif_text = q.get("timeInForce") or "GTC"
        if self.coin_margined and tif_text not in _COINM_TIFS:
            return self.error_response(400, venue_code=-1115, message="Invalid timeInForce.")
        post_only = kind == "LIMIT_MAKER" or tif_text == "GTX"
        tif = TimeInForce.GTC if tif_text == "GTX" else TimeInForce(tif_text)
        result = self.exchange.submit(
            q.get("symbol", ""),
            OrderSide(q.get("side", "BUY")),
            types[kind],
            Decimal(q["quantity"]) if "quantity" in q else None,
            price=Decimal(q["price"]) if "price" in q else None,
            trigger_price=Decimal(q["stopPrice"]) if "stopPrice" in q else None,
            time_in_force=tif,
            expire_time_ns=int(q["goodTillDate"]) * 1_000_000 if "goodTillDate" in q else None,
            post_only=post_only,
            reduce_only=q.get("reduceOnly") == "true",
            client_order_id=q.get("newClientOrderId"),
            **trailing,
        )
        if not result.ok:
            code = _REJECT_CODES.get(result.reason, -2010)  # type: ignore[arg-type]
            if result.reason is RejectReason.UNKNOWN_INSTRUMENT:
                code = -1121
            return self.error_response(
                400, venue_code=code, message=result.message or str(result.reason)
            )
        assert result.order is not None
        return Response.json(self._order_json(result.order))

    async def _new_oco(self, request: Request) -> Response:
        """``POST /api/v3/order/oco``: a LIMIT_MAKER leg and a STOP_LOSS(_LIMIT) leg; when one
        fills, Binance cancels the other."""
        q = dict(request.query)
        symbol, side = q.get("symbol", ""), OrderSide(q.get("side", "BUY"))
        quantity = Decimal(q["quantity"])
        limit = self.exchange.submit(
            symbol,
            side,
            OrderType.LIMIT,
            quantity,
            price=Decimal(q["price"]),
            post_only=True,
            client_order_id=q.get("limitClientOrderId"),
        )
        if not limit.ok:
            return self.error_response(400, venue_code=-2010, message=limit.message or "rejected")
        stop_limit = "stopLimitPrice" in q
        stop = self.exchange.submit(
            symbol,
            side,
            OrderType.STOP_LIMIT if stop_limit else OrderType.STOP_MARKET,
            quantity,
            price=Decimal(q["stopLimitPrice"]) if stop_limit else None,
            trigger_price=Decimal(q["stopPrice"]),
            time_in_force=TimeInForce(q.get("stopLimitTimeInForce") or "GTC"),
            client_order_id=q.get("stopClientOrderId"),
        )
        assert limit.order is not None
        if not stop.ok or stop.order is None:
            self.exchange.cancel(limit.order.venue_order_id)
            return self.error_response(400, venue_code=-2010, message=stop.message or "rejected")
        legs = (stop.order, limit.order)
        self._oco_peer[limit.order.venue_order_id] = stop.order.venue_order_id
        self._oco_peer[stop.order.venue_order_id] = limit.order.venue_order_id
        list_id = next(self._list_ids)
        reports = []
        for leg in legs:
            body = self._order_json(leg)
            body["orderListId"] = list_id
            reports.append(body)
        now = time.time_ns() // 1_000_000
        return Response.json(
            {
                "orderListId": list_id,
                "contingencyType": "OCO",
                "listStatusType": "EXEC_STARTED",
                "listOrderStatus": "EXECUTING",
                "listClientOrderId": q.get("listClientOrderId") or f"list{list_id}",
                "transactionTime": now,
                "symbol": symbol,
                "orders": [
                    {"symbol": symbol, "orderId": r["orderId"], "clientOrderId": r["clientOrderId"]}
                    for r in reports
                ],
                "orderReports": reports,
            }
        )

    def _find(self, request: Request) -> SimOrder | None:
        order_id, client_id = request.param("orderId"), request.param("origClientOrderId")
        return (
            self.exchange.order(venue_order_id=order_id, client_order_id=client_id)
            if (order_id or client_id)
            else None
        )

    async def _query_order(self, request: Request) -> Response:
        if (error := self._timestamp_error(request)) is not None:
            return error
        order = None if self._other_account(request) else self._find(request)
        if order is None:
            return self.error_response(400, venue_code=-2013, message="Order does not exist.")
        return Response.json(self._order_json(order))

    async def _cancel_order(self, request: Request) -> Response:
        if (error := self._timestamp_error(request)) is not None:
            return error
        order = None if self._other_account(request) else self._find(request)
        if order is None:
            return self.error_response(400, venue_code=-2011, message="Unknown order sent.")
        result = self.exchange.cancel(order.venue_order_id)
        if not result.ok:
            return self.error_response(400, venue_code=-2011, message="Unknown order sent.")
        body = self._order_json(result.order or order)
        body["origClientOrderId"] = order.client_order_id
        return Response.json(body)

    async def _modify_order(self, request: Request) -> Response:
        order = self._find(request)
        if order is None:
            return self.error_response(400, venue_code=-2013, message="Order does not exist.")
        result = self.exchange.amend(
            order.venue_order_id,
            quantity=Decimal(request.param("quantity") or "0"),
            price=Decimal(request.param("price") or "0"),
        )
        if not result.ok:
            return self.error_response(
                400, venue_code=-5027, message=result.message or "No need to modify the order."
            )
        return Response.json(self._order_json(result.order or order))

    async def _cancel_all(self, request: Request) -> Response:
        if self._other_account(request):
            return self.error_response(400, venue_code=-2011, message="Unknown order sent.")
        symbol = request.param("symbol") or self.symbol
        orders = self.exchange.open_orders(symbol)
        self.exchange.cancel_all(symbol)
        if self.futures:
            return Response.json(
                {"code": 200, "msg": "The operation of cancel all open order is done."}
            )
        out = []
        for order in orders:
            body = self._order_json(
                self.exchange.order(venue_order_id=order.venue_order_id) or order
            )
            body["origClientOrderId"] = order.client_order_id
            out.append(body)
        return Response.json(out)

    async def _batch_cancel(self, request: Request) -> Response:
        ids = json.loads(request.param("origClientOrderIdList") or "[]")
        out: list[dict[str, Any]] = []
        for cid in ids:
            order = self.exchange.order(client_order_id=cid)
            result = self.exchange.cancel(order.venue_order_id) if order is not None else None
            if result is None or not result.ok:
                out.append({"code": -2011, "msg": "Unknown order sent."})
            else:
                out.append(self._order_json(result.order or order))  # type: ignore[arg-type]
        return Response.json(out)

    async def _open_orders(self, request: Request) -> Response:
        if self._other_account(request):
            return Response.json([])
        return Response.json(
            [self._order_json(o) for o in self.exchange.open_orders(request.param("symbol"))]
        )

    async def _all_orders(self, request: Request) -> Response:
        """``GET allOrders``: open and finished orders of one symbol, by order id."""
        if self._other_account(request):
            return Response.json([])
        symbol = request.param("symbol") or self.symbol
        start = int(request.param("startTime") or 0)
        end = int(request.param("endTime") or 10**15)
        orders = self.exchange.closed_orders(symbol) + self.exchange.open_orders(symbol)
        rows = [
            self._order_json(o)
            for o in sorted(orders, key=lambda o: int(o.venue_order_id))
            if start <= o.ts_created // 1_000_000 <= end
        ]
        return Response.json(rows)

    async def _my_trades(self, request: Request) -> Response:
        if self._other_account(request):
            return Response.json([])
        order_id = request.param("orderId")
        rows = []
        for fill in self.exchange.fills(request.param("symbol") or self.symbol):
            if order_id is not None and fill.venue_order_id != order_id:
                continue
            row = {
                "symbol": fill.symbol,
                "id": int(fill.trade_id) if fill.trade_id.isdigit() else fill.trade_id,
                "orderId": int(fill.venue_order_id),
                "price": _d(fill.price),
                "qty": _d(fill.quantity),
                "commission": _d(fill.commission),
                "commissionAsset": fill.commission_asset,
                "time": fill.ts // 1_000_000,
            }
            if self.futures:
                row.update(
                    side=fill.side.value,
                    maker=fill.liquidity_side.value == "MAKER",
                    positionSide="BOTH",
                )
            else:
                row.update(
                    isBuyer=fill.side is OrderSide.BUY, isMaker=fill.liquidity_side.value == "MAKER"
                )
            if self.margin:
                row["isIsolated"] = self.isolated
            rows.append(row)
        return Response.json(rows)

    async def _account(self, request: Request) -> Response:
        balances = self.exchange.balances()
        if self.isolated:
            return Response.json(self._isolated_account(balances))
        if self.margin:
            return Response.json(
                {
                    "created": True,
                    "borrowEnabled": True,
                    "tradeEnabled": True,
                    "transferEnabled": True,
                    "marginLevel": "999",
                    "userAssets": [
                        {
                            "asset": b.asset,
                            "borrowed": "0",
                            "free": _d(b.free),
                            "interest": "0",
                            "locked": _d(b.locked),
                            "netAsset": _d(b.total),
                        }
                        for b in balances
                    ],
                }
            )
        if self.futures:
            return Response.json(
                {
                    "assets": [
                        {
                            "asset": b.asset,
                            "walletBalance": _d(b.total),
                            "availableBalance": _d(b.free),
                        }
                        for b in balances
                    ]
                }
            )
        return Response.json(
            {
                "balances": [
                    {"asset": b.asset, "free": _d(b.free), "locked": _d(b.locked)} for b in balances
                ]
            }
        )

    async def _empty_cross_account(self, request: Request) -> Response:
        return Response.json({"created": True, "tradeEnabled": True, "userAssets": []})

    def _isolated_account(self, balances: Any) -> dict[str, Any]:
        """``GET /sapi/v1/margin/isolated/account``: one pair, base and quote asset records."""
        by_asset = {b.asset: b for b in balances}

        def asset(name: str) -> dict[str, Any]:
            b = by_asset.get(name)
            free, locked = (b.free, b.locked) if b is not None else (Decimal(0), Decimal(0))
            return {
                "asset": name,
                "borrowEnabled": True,
                "borrowed": "0",
                "free": _d(free),
                "interest": "0",
                "locked": _d(locked),
                "netAsset": _d(free + locked),
                "repayEnabled": True,
                "totalAsset": _d(free + locked),
            }

        return {
            "assets": [
                {
                    "baseAsset": asset("BTC"),
                    "quoteAsset": asset("USDT"),
                    "symbol": self.symbol,
                    "isolatedCreated": True,
                    "enabled": True,
                    "marginLevel": "999",
                    "marginRatio": "10",
                    "tradeEnabled": True,
                }
            ]
        }

    async def _position_risk(self, request: Request) -> Response:
        return Response.json(
            [
                {
                    "symbol": p.symbol,
                    "positionAmt": _d(p.quantity if p.side.value != "SHORT" else -p.quantity),
                    "entryPrice": _d(p.avg_entry_price),
                    "unRealizedProfit": "0",
                    "positionSide": "BOTH",
                    "updateTime": 0,
                }
                for p in self.exchange.positions()
            ]
        )

    # -- listenKey -------------------------------------------------------------------------------

    async def _create_listen_key(self, request: Request) -> Response:
        if request.header("x-mbx-apikey") != API_KEY:
            self.record_login(False)
            return self.error_response(
                401, venue_code=-2015, message="Invalid API-key, IP, or permissions for action."
            )
        key = f"mockListenKey{next(self._key_ids):04d}"
        self._listen_keys[key] = self.login_clock_ms() + LISTEN_KEY_VALIDITY_MS
        self.server.route_websocket(f"/ws/{key}", self._serve_ws)
        return Response.json({"listenKey": key})

    async def _keepalive_listen_key(self, request: Request) -> Response:
        key = request.param("listenKey") or ""
        if not self._listen_key_live(key):
            return self.error_response(
                400, venue_code=-1125, message="This listenKey does not exist."
            )
        self._listen_keys[key] = self.login_clock_ms() + LISTEN_KEY_VALIDITY_MS
        return Response.json({})

    def _listen_key_live(self, key: str) -> bool:
        return self._listen_keys.get(key, 0) > self.login_clock_ms()

    async def _delete_listen_key(self, request: Request) -> Response:
        self._listen_keys.pop(request.param("listenKey") or "", None)
        return Response.json({})

    # -- listenToken (margin) ------------------------------------------------------------------

    @property
    def _account_key(self) -> str:
        return f"isolated:{self.symbol}" if self.isolated else "cross"

    async def _create_listen_token(self, request: Request) -> Response:
        """``POST /sapi/v1/userListenToken`` (USER_STREAM: the API key, no signature):
        ``{"token", "expirationTime"}``; ``isIsolated=true`` needs ``symbol``."""
        if request.header("x-mbx-apikey") != API_KEY:
            self.record_login(False)
            return self.error_response(
                401, venue_code=-2015, message="Invalid API-key, IP, or permissions for action."
            )
        isolated = (request.param("isIsolated") or "false").lower() == "true"
        symbol = request.param("symbol")
        if isolated and not symbol:
            return self.error_response(
                400,
                venue_code=-1102,
                message="Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
            )
        validity = min(
            int(request.param("validity") or LISTEN_TOKEN_MAX_VALIDITY_MS),
            LISTEN_TOKEN_MAX_VALIDITY_MS,
        )
        expiration = self.login_clock_ms() + validity
        token = f"mockListenToken{next(self._key_ids):04d}"
        self._listen_tokens[token] = (f"isolated:{symbol}" if isolated else "cross", expiration)
        return Response.json({"token": token, "expirationTime": expiration})

    async def _serve_ws_api(self, conn: StreamConnection) -> None:
        """The WebSocket API, as far as user data goes: ``userDataStream.subscribe.listenToken``
        (also a renewal when the connection is already subscribed)."""
        ws = conn.ws
        await ws.accept()
        async for raw in ws:
            msg = json.loads(raw)
            rid, method = msg.get("id"), msg.get("method")
            if method != "userDataStream.subscribe.listenToken":
                await conn.send_json(
                    {"id": rid, "status": 400, "error": {"code": -1020, "msg": "unsupported"}}
                )
                continue
            token = (msg.get("params") or {}).get("listenToken")
            account, expiration = self._listen_tokens.get(str(token), ("", 0))
            if expiration <= self.login_clock_ms():
                if not conn.authenticated:
                    self.record_login(False)
                await conn.send_json(
                    {
                        "id": rid,
                        "status": 400,
                        "error": {"code": -1209, "msg": "Invalid listenToken."},
                    }
                )
                continue
            if not conn.authenticated:
                conn.state["subscription_id"] = next(self._subscription_ids)
                conn.authenticated = True
                self.record_login(True)
            conn.state.update(listen_token=token, account=account, expiration=expiration)
            await conn.send_json(
                {
                    "id": rid,
                    "status": 200,
                    "result": {
                        "subscriptionId": conn.state["subscription_id"],
                        "expirationTime": expiration,
                    },
                    "rateLimits": [
                        {
                            "rateLimitType": "REQUEST_WEIGHT",
                            "interval": "MINUTE",
                            "intervalNum": 1,
                            "limit": 6000,
                            "count": 2,
                        }
                    ],
                }
            )

    @property
    def listen_token_subscriptions(self) -> list[dict[str, Any]]:
        """The live WebSocket API subscriptions: token, account, expiration (for tests)."""
        return [
            {k: c.state[k] for k in ("listen_token", "account", "expiration")}
            for c in self.streams
            if c.path == WS_API_PATH and c.authenticated
        ]

    async def _deliver_user_event(self, payload: dict[str, Any]) -> None:
        """One account event to every user data subscriber of this account: raw on
        listenKey streams, wrapped ``{"subscriptionId", "event"}`` on the WebSocket API (the
        id of the subscription it reaches: a withheld event released after a reconnect goes
        to the new one)."""
        account = self._account_key
        await self.send_private(lambda conn: conn.path != WS_API_PATH, payload)
        await self.send_private(
            lambda conn: conn.path == WS_API_PATH and conn.state.get("account") == account,
            lambda conn: {"subscriptionId": conn.state["subscription_id"], "event": payload},
        )

    async def expire_listen_keys(self) -> None:
        """Expire every listenKey (``listenKeyExpired`` on their streams, keepalives refused)
        and every listenToken subscription (``eventStreamTerminated``, as when a token is not
        renewed in time)."""
        for conn in list(self.streams):
            token = conn.state.get("listen_token")
            if token and conn.authenticated:
                self._listen_tokens.pop(token, None)
                conn.authenticated = False
                await conn.send_json(
                    {
                        "subscriptionId": conn.state["subscription_id"],
                        "event": {"e": "eventStreamTerminated", "E": time.time_ns() // 1_000_000},
                    }
                )
        for conn in list(self.streams):
            key = conn.state.get("listen_key")
            if key:
                self._listen_keys[key] = 0
                await conn.send_json(
                    {"e": "listenKeyExpired", "E": time.time_ns() // 1_000_000, "listenKey": key}
                )

    #: Close frame of the 24-hour limit. Binance's WebSocket Streams pages say only "a single
    #: connection is only valid for 24 hours; expect to be disconnected at the 24 hour mark"
    #: (no close code). Users report a server close frame 1001 "going away" after long-lived
    #: connections (sammchardy/python-binance issues 1589 and 1608), RFC 6455's code for a
    #: server ending a connection, so the mock sends that.
    connection_limit_close: tuple[int, str] = (1001, "going away")

    async def expire_connections(self) -> None:
        """The 24-hour limit, now: Binance ends every stream connection, market data and user
        data alike, with a server close frame (:attr:`connection_limit_close`); listenKeys stay
        valid (they expire on their own schedule, see :meth:`expire_listen_keys`)."""
        code, reason = self.connection_limit_close
        await self.close_with_code(code, reason)

    # -- streams ---------------------------------------------------------------------------------

    async def serve_stream(self, conn: StreamConnection) -> None:
        ws = conn.ws
        if conn.path == WS_API_PATH:
            await self._serve_ws_api(conn)
            return
        if conn.path.startswith("/ws/"):
            key = conn.path[len("/ws/") :]
            if not self._listen_key_live(key):
                await ws.reject(400)
                return
            await ws.accept()
            conn.state["listen_key"] = key
            conn.authenticated = True
            self.record_login(True)
            async for _ in ws:
                pass  # the user data stream takes no requests
            return
        await ws.accept()
        async for raw in ws:
            self.record_subscribe_message()
            try:
                msg = json.loads(raw)
            except ValueError:
                await conn.send_json(
                    {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}
                )
                continue
            method, rid, params = msg.get("method"), msg.get("id"), msg.get("params") or []
            if method == "SUBSCRIBE":
                bad = [p for p in params if not self._valid_stream(p)]
                if bad:
                    await conn.send_json(
                        {"code": 2, "msg": f"Invalid request: unknown stream {bad[0]}", "id": rid}
                    )
                    continue
                conn.topics.update(params)
                await conn.send_json({"result": None, "id": rid})
            elif method == "UNSUBSCRIBE":
                conn.topics.difference_update(params)
                await conn.send_json({"result": None, "id": rid})
            else:
                await conn.send_json(
                    {"code": 2, "msg": "Invalid request: unknown method", "id": rid}
                )

    def _valid_stream(self, stream: str) -> bool:
        symbol, _, channel = stream.partition("@")
        known = {i.symbol.lower() for i in self.exchange.instruments()}
        return symbol in known and channel.split("_")[0].split("@")[0] in (
            "trade",
            "aggTrade",
            "bookTicker",
            "depth",
            "kline",
            "markPrice",
            "ticker",
        )

    def sim_symbol(self, instrument_id: InstrumentId) -> str:
        """One symbol per harness (spot ``BTCUSDT``, or the perpetual of the futures ones)."""
        return self.symbol

    def _stream(self, channel: str) -> str:
        return f"{self.symbol.lower()}@{channel}"

    async def _send(self, channel_prefix: str, payload: dict[str, Any]) -> None:
        for conn in list(self.streams):
            for topic in list(conn.topics):
                if topic.partition("@")[2].startswith(channel_prefix):
                    await conn.send_json({"stream": topic, "data": payload})

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        now = time.time_ns() // 1_000_000
        data = {
            "u": self._book_seq,
            "s": self.symbol,
            "b": _d(bid),
            "B": _d(bid_size),
            "a": _d(ask),
            "A": _d(ask_size),
        }
        if self.futures:
            data = {"e": "bookTicker", "E": now, "T": now, **data}
        await self._send("bookTicker", data)

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        events = self.exchange.trade(self.symbol, price, size, aggressor)
        trade_id = next(
            (e.trade_id for e in events if hasattr(e, "trade_id")), str(next(self._key_ids))
        )
        now = time.time_ns() // 1_000_000
        tid = int(trade_id) if str(trade_id).isdigit() else abs(hash(trade_id)) % 10**9
        buyer_maker = aggressor is AggressorSide.SELLER
        await self._send(
            "trade",
            {
                "e": "trade",
                "E": now,
                "s": self.symbol,
                "t": tid,
                "p": _d(price),
                "q": _d(size),
                "T": now,
                "m": buyer_maker,
                "M": True,
            },
        )
        await self._send(
            "aggTrade",
            {
                "e": "aggTrade",
                "E": now,
                "s": self.symbol,
                "a": tid,
                "p": _d(price),
                "q": _d(size),
                "f": tid,
                "l": tid,
                "T": now,
                "m": buyer_maker,
                "M": True,
            },
        )
        await self.push_account_events()
        return str(tid)

    async def set_book(self, instrument_id: InstrumentId, bids: Any, asks: Any) -> None:
        self.exchange.set_book(self.symbol, bids=list(bids), asks=list(asks))
        self._book_seq += 1

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        self.exchange.update_level(self.symbol, side, price, size)
        first = self._book_seq + 1
        self._book_seq = first
        await self._depth_update(first, side, price, size)

    async def _depth_update(
        self,
        first: int,
        side: OrderSide,
        price: Decimal,
        size: Decimal,
        previous: int | None = None,
    ) -> None:
        level = [[_d(price), _d(size)]]
        data: dict[str, Any] = {
            "e": "depthUpdate",
            "E": time.time_ns() // 1_000_000,
            "s": self.symbol,
            "U": first,
            "u": first,
            "b": level if side is OrderSide.BUY else [],
            "a": level if side is OrderSide.SELL else [],
        }
        if self.futures:
            data["pu"] = first - 1 if previous is None else previous
            data["T"] = data["E"]
        topics = {
            t for c in self.streams for t in c.topics if t.partition("@")[2].startswith("depth")
        }
        await self.send_book_update(
            self.symbol, [(t, {"stream": t, "data": data}) for t in sorted(topics)]
        )

    async def publish_book_gap(self, instrument_id: InstrumentId) -> None:
        self._book_seq += 5  # four updates "lost"
        book = self.exchange.book(self.symbol, 1)
        await self._depth_update(
            self._book_seq,
            OrderSide.BUY,
            book.bids[0][0],
            book.bids[0][1],
            previous=self._book_seq - 3,
        )

    async def publish_bar(
        self,
        instrument_id: InstrumentId,
        open: Decimal,
        high: Decimal,
        low: Decimal,
        close: Decimal,
        volume: Decimal,
        ts_ms: int,
        *,
        closed: bool = True,
    ) -> None:
        await self._send(
            "kline_1m",
            {
                "e": "kline",
                "E": ts_ms + 60_000,
                "s": self.symbol,
                "k": {
                    "t": ts_ms,
                    "T": ts_ms + 59_999,
                    "s": self.symbol,
                    "i": "1m",
                    "f": 1,
                    "L": 2,
                    "o": _d(open),
                    "c": _d(close),
                    "h": _d(high),
                    "l": _d(low),
                    "v": _d(volume),
                    "n": 2,
                    "x": closed,
                    "q": "0",
                    "V": "0",
                    "Q": "0",
                    "B": "0",
                },
            },
        )

    async def publish_mark_price(
        self,
        instrument_id: InstrumentId,
        mark: Decimal,
        index: Decimal,
        funding_rate: Decimal,
        next_funding_ms: int,
    ) -> None:
        await self._send(
            "markPrice",
            {
                "e": "markPriceUpdate",
                "E": time.time_ns() // 1_000_000,
                "s": self.symbol,
                "p": _d(mark),
                "i": _d(index),
                "P": _d(mark),
                "r": _d(funding_rate),
                "T": next_funding_ms,
            },
        )

    # -- private events --------------------------------------------------------------------------

    def _on_sim_event(self, event: Any) -> None:
        self._pending_events.append(event)
        if isinstance(event, (OrderFilled, OrderCanceled, OrderExpired)):
            # One OCO leg done: the other is canceled (listeners may call the exchange).
            peer = self._oco_peer.pop(event.order.venue_order_id, None)
            if peer is not None:
                self._oco_peer.pop(peer, None)
                self.exchange.cancel(peer)

    async def push_account_events(self) -> None:
        events, self._pending_events = self._pending_events, []
        for event in events:
            payload = self._user_payload(event)
            if payload is not None:
                await self._deliver_user_event(payload)

    def _user_payload(self, event: Any) -> dict[str, Any] | None:
        # Binance answers a refused order in the REST reply only; no stream event for it.
        if not isinstance(event, (OrderAccepted, OrderFilled, OrderCanceled, OrderExpired)):
            return None
        order: SimOrder = event.order
        now = time.time_ns() // 1_000_000
        execution = {
            OrderAccepted: "NEW",
            OrderFilled: "TRADE",
            OrderCanceled: "CANCELED",
            OrderExpired: "EXPIRED",
        }[type(event)]
        fill = event.fill if isinstance(event, OrderFilled) else None
        body = self._order_json(order)
        if self.futures:
            o = {
                "s": order.symbol,
                "c": body["clientOrderId"],
                "S": order.side.value,
                "o": body["type"],
                "f": body["timeInForce"],
                "q": body["origQty"],
                "p": body["price"],
                "ap": _d(order.avg_px),
                "sp": body["stopPrice"],
                "x": execution,
                "X": body["status"],
                "i": body["orderId"],
                "l": _d(fill.quantity) if fill else "0",
                "z": body["executedQty"],
                "L": _d(fill.price) if fill else "0",
                "n": _d(fill.commission) if fill else "0",
                "N": fill.commission_asset if fill else "USDT",
                "T": now,
                "t": int(fill.trade_id) if fill and fill.trade_id.isdigit() else 0,
                "m": bool(fill and fill.liquidity_side.value == "MAKER"),
                "R": order.reduce_only,
                "ot": body["type"],
                "ps": "BOTH",
                "rp": "0",
            }
            return {"e": "ORDER_TRADE_UPDATE", "E": now, "T": now, "o": o}
        return {
            "e": "executionReport",
            "E": now,
            "s": order.symbol,
            "c": body["clientOrderId"],
            "S": order.side.value,
            "o": body["type"],
            "f": body["timeInForce"],
            "q": body["origQty"],
            "p": body["price"],
            "P": body["stopPrice"],
            "F": "0",
            "g": -1,
            "C": "",
            "x": execution,
            "X": body["status"],
            "r": "NONE",
            "i": body["orderId"],
            "l": _d(fill.quantity) if fill else "0",
            "z": body["executedQty"],
            "L": _d(fill.price) if fill else "0",
            "n": _d(fill.commission) if fill else "0",
            "N": fill.commission_asset if fill else None,
            "T": now,
            "t": int(fill.trade_id) if fill and fill.trade_id.isdigit() else -1,
            "I": 1,
            "w": order.status.is_open,
            "m": bool(fill and fill.liquidity_side.value == "MAKER"),
            "M": False,
            "O": now,
            "Z": body["cummulativeQuoteQty"],
            "Y": "0",
            "Q": "0",
        }

    async def drop_connections(self, mode: Literal["fin", "rst"]) -> None:
        await super().drop_connections(mode)


class BinanceFuturesHarness(BinanceHarness):
    """USD-M futures Binance on loopback (``BTCUSDT-PERP.BINANCE``)."""

    account_type = "usdt_future"
    capabilities = USDM_CAPABILITIES


class BinanceCoinFuturesHarness(BinanceHarness):
    """COIN-M futures Binance on loopback (``BTCUSD_PERP-PERP.BINANCE``, ``/dapi`` paths,
    ``dstream``-style streams).

    As on Binance: inverse contracts margined and settled in BTC, quantities in whole
    contracts of ``contractSize`` = 100 USD, prices in USD, no GTD.
    """

    account_type = "coin_future"
    capabilities = COINM_CAPABILITIES
    symbol = "BTCUSD_PERP"
    dated_symbol = "BTCUSD_261225"
    #: USD per contract (Binance's ``contractSize`` for BTCUSD contracts).
    contract_size = Decimal(100)

    def build_exchange(self) -> SimulatedExchange:
        sim = SimulatedExchange(seed=7, clock=time.time_ns, post_only_cross=PostOnlyCross.REJECT)
        for symbol, product in (
            (self.symbol, ProductType.PERPETUAL),
            (self.dated_symbol, ProductType.FUTURE),
        ):
            sim.add_instrument(
                SimInstrument(
                    symbol=symbol,
                    product_type=product,
                    base_asset="BTC",
                    quote_asset="USD",
                    settle_asset="BTC",
                    tick_size=Decimal("0.1"),
                    lot_size=Decimal("1"),
                    min_qty=Decimal("1"),
                    maker_fee=Decimal("0.0001"),
                    taker_fee=Decimal("0.0005"),
                    multiplier=self.contract_size,
                    is_inverse=True,
                )
            )
            sim.set_book(
                symbol,
                bids=[(Decimal("999.0"), Decimal("1000"))],
                asks=[(Decimal("1001.0"), Decimal("1000"))],
            )
        sim.set_balance("BTC", Decimal("100"))
        return sim


class BinanceMarginHarness(BinanceHarness):
    """Cross margin Binance on loopback: spot market data, ``/sapi/v1/margin`` orders, user
    data by listenToken on the WebSocket API (``/ws-api/v3``)."""

    account_type = "margin"
    stream_paths = ("/stream", WS_API_PATH)
    capabilities = SPOT_CAPABILITIES


class BinanceIsolatedMarginHarness(BinanceMarginHarness):
    """Isolated margin Binance on loopback: one isolated ``BTCUSDT`` account; every account
    request must say ``isIsolated=TRUE`` (without it Binance addresses the cross account,
    which this harness does not hold: orders are refused, queries find nothing)."""

    account_type = "isolated_margin"
