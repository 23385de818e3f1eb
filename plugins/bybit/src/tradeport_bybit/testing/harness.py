"""The Bybit mock venue: Bybit's v5 REST and stream protocol on the SimulatedExchange.

Speaks what the real venue does on the wire: the ``retCode`` envelope (HTTP 200 with a code
for venue errors), ``X-BAPI-*`` signature and receive-window checks (10004 / 10002),
``10006`` rate limits, cursor pagination, public streams per category
(``/v5/public/{spot,linear,inverse,option}``) with ``{"op":"ping"}`` pongs, subscribe acks and
refusals, book snapshots on subscribe then deltas with a contiguous ``u``, and the private
stream (``/v5/private``) with ``auth`` and the ``order`` / ``execution`` / ``position`` /
``wallet`` topics fed by the exchange's events.
"""

from __future__ import annotations

import hmac
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Final

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    OrderType,
    PositionSide,
    ProductType,
    TimeInForce,
    TriggerType,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.net import json_codec
from tradeport.testing import Request, Response
from tradeport_conformance.harness import Credentials, ProtocolFeatures, RecordedRequest
from tradeport_conformance.mock import MockVenue, StreamConnection
from tradeport_conformance.simulated import (
    BalanceChanged,
    BookUpdated,
    IdStyle,
    OrderEvent,
    OrderFilled,
    OrderRef,
    OrderRejected,
    PositionChanged,
    PostOnlyCross,
    PublicTrade,
    RejectReason,
    SimEvent,
    SimInstrument,
    SimulatedExchange,
)

from tradeport_bybit.constants import BATCH_MAX_ORDERS
from tradeport_bybit.credential import sign_rest, sign_ws_auth
from tradeport_bybit.symbology import category_and_symbol, instrument_id_for
from tradeport_bybit.testing.render import (
    category_of,
    ms,
    render_execution,
    render_instrument,
    render_order,
    render_position,
    render_wallet,
    text,
)

__all__ = ["BybitHarness", "API_KEY", "API_SECRET"]

API_KEY: Final = "mock-bybit-key-7f3a"
API_SECRET: Final = "mock-bybit-secret-c91d2e"
WRONG_SECRET: Final = "wrong-bybit-secret-0000"
RECV_WINDOW_MS: Final = 5000
#: Bybit's kline page limit (docs: limit [1, 1000]).
KLINE_MAX: Final = 1000
_MINUTE_MS: Final = 60_000

_REJECT_CODES: Final = {
    RejectReason.INSUFFICIENT_BALANCE: (110007, "ab not enough for new order"),
    RejectReason.REDUCE_ONLY_VIOLATION: (
        110017,
        "current position is zero, cannot fix reduce-only order qty",
    ),
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: (110072, "OrderLinkedID is duplicate"),
    RejectReason.UNKNOWN_ORDER: (110001, "order not exists or too late to cancel"),
    RejectReason.ORDER_NOT_OPEN: (110001, "order not exists or too late to cancel"),
    RejectReason.QUANTITY_BELOW_FILLED: (110063, "qty must be greater than filled qty"),
}
_SIDES: Final = {"Buy": OrderSide.BUY, "Sell": OrderSide.SELL}


def _batch_info(outcome: dict[str, Any] | tuple[int, str]) -> dict[str, Any]:
    """One ``retExtInfo.list`` item of a batch answer."""
    if isinstance(outcome, dict):
        return {"code": 0, "msg": "OK"}
    code, message = outcome
    return {"code": code, "msg": message}


_TIF: Final = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "PostOnly": TimeInForce.GTC,
}
_TRIGGER_BY: Final = {
    "LastPrice": TriggerType.LAST_PRICE,
    "MarkPrice": TriggerType.MARK_PRICE,
    "IndexPrice": TriggerType.INDEX_PRICE,
}
_BOOK_DEPTHS: Final = {
    "spot": {1, 50, 200, 1000},
    "linear": {1, 50, 200, 1000},
    "inverse": {1, 50, 200, 1000},
    "option": {25, 100},
}
_KLINE_INTERVALS: Final = {
    "1",
    "3",
    "5",
    "15",
    "30",
    "60",
    "120",
    "240",
    "360",
    "720",
    "D",
    "W",
    "M",
}
_PRIVATE_TOPICS: Final = {"order", "execution", "position", "wallet"}

Handler = Callable[[Request], Awaitable[Response]]


class BybitHarness(MockVenue):
    """Bybit's mock venue and the conformance controls (see the module docstring)."""

    venue = "bybit"
    features = ProtocolFeatures(
        server_control_ping=False,
        text_ping=True,
        stream_login=True,
        timestamp_window=True,
        server_time=True,  # /v5/market/time
        book_sequence=True,
        subscription_refusal=True,
        close_codes=True,
        venue_rate_limit_code=True,
        login_stamps=True,
        login_clock=True,
        private_hold=True,
        book_faults=True,
        exact_relisting=True,
    )
    stream_paths: ClassVar[Sequence[str]] = (
        "/v5/public/spot",
        "/v5/public/linear",
        "/v5/public/inverse",
        "/v5/public/option",
        "/v5/private",
    )
    #: 10016 "server error" and 10000 "server timeout" in a 200 answer: the outcome is unknown.
    unknown_outcome_codes: ClassVar[Sequence[str | int]] = (10016, 10000)
    #: Largest instruments-info page (the venue's maximum is 1000; tests lower it).
    instruments_page_size: int = 1000

    def __init__(self) -> None:
        self._bars: dict[str, list[tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]]] = {}
        self._trades: dict[str, list[dict[str, Any]]] = {}
        self._sent_u: dict[str, int] = {}
        self._quote_u: dict[str, int] = {}
        self._u_offset: dict[str, int] = {}
        self._malformed = False
        self._launch_ms = ms(time.time_ns()) - 86_400_000
        self._pending = 0
        send: MemoryObjectSendStream[SimEvent]
        send, self._events_in = anyio.create_memory_object_stream(max_buffer_size=math.inf)
        self._events_out = send
        super().__init__()
        self.exchange.subscribe(self._on_sim_event)

    # -- exchange ---------------------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        """BTCUSDT spot, ETHUSDT linear perpetual, ETHUSDT-26MAR27 linear future, BTCUSD
        inverse perpetual, one USDT option."""
        sim = SimulatedExchange(
            seed=7, clock=time.time_ns, post_only_cross=PostOnlyCross.CANCEL, id_style=IdStyle.UUID
        )
        sim.add_instrument(
            SimInstrument(
                symbol="BTCUSDT",
                product_type=ProductType.SPOT,
                base_asset="BTC",
                quote_asset="USDT",
                tick_size=Decimal("0.01"),
                lot_size=Decimal("0.001"),
                min_qty=Decimal("0.001"),
                min_notional=Decimal("5"),
                maker_fee=Decimal("0.001"),
                taker_fee=Decimal("0.001"),
                meta={"category": "spot"},
            )
        )
        sim.add_instrument(
            SimInstrument(
                symbol="ETHUSDT",
                product_type=ProductType.PERPETUAL,
                base_asset="ETH",
                quote_asset="USDT",
                tick_size=Decimal("0.01"),
                lot_size=Decimal("0.01"),
                min_qty=Decimal("0.01"),
                min_notional=Decimal("5"),
                maker_fee=Decimal("0.0002"),
                taker_fee=Decimal("0.00055"),
                meta={"category": "linear"},
            )
        )
        sim.add_instrument(
            SimInstrument(
                symbol="ETHUSDT-26MAR27",
                product_type=ProductType.FUTURE,
                base_asset="ETH",
                quote_asset="USDT",
                tick_size=Decimal("0.01"),
                lot_size=Decimal("0.01"),
                min_qty=Decimal("0.01"),
                min_notional=Decimal("5"),
                maker_fee=Decimal("0.0002"),
                taker_fee=Decimal("0.00055"),
                meta={"category": "linear", "delivery_ms": 1806048000000},
            )
        )
        sim.add_instrument(
            SimInstrument(
                symbol="BTCUSD",
                product_type=ProductType.PERPETUAL,
                base_asset="BTC",
                quote_asset="USD",
                tick_size=Decimal("0.5"),
                lot_size=Decimal("1"),
                min_qty=Decimal("1"),
                is_inverse=True,
                maker_fee=Decimal("0.0002"),
                taker_fee=Decimal("0.00055"),
                meta={"category": "inverse"},
            )
        )
        sim.add_instrument(
            SimInstrument(
                symbol="BTC-26MAR27-70000-P-USDT",
                product_type=ProductType.OPTION,
                base_asset="BTC",
                quote_asset="USDT",
                tick_size=Decimal("5"),
                lot_size=Decimal("0.01"),
                min_qty=Decimal("0.01"),
                maker_fee=Decimal("0.0002"),
                taker_fee=Decimal("0.0003"),
                meta={"category": "option", "options_type": "Put", "delivery_ms": 1806048000000},
            )
        )
        for asset, amount in (
            ("USDT", "1000000"),
            ("BTC", "100"),
            ("ETH", "1000"),
            ("USDC", "100000"),
        ):
            sim.set_balance(asset, Decimal(amount))
        return sim

    def _sim(self, category: str, symbol: str) -> SimInstrument | None:
        inst = self.exchange.instrument(symbol)
        if inst is None or category_of(inst) != category:
            return None
        return inst

    def sim_symbol(self, instrument_id: InstrumentId) -> str:
        """The exchange symbol of a Bybit instrument id (``-PERP`` and friends removed)."""
        return self._sim_of(instrument_id).symbol

    def _sim_of(self, instrument_id: InstrumentId) -> SimInstrument:
        category, symbol = category_and_symbol(instrument_id)
        inst = self._sim(category.value, symbol)
        if inst is None:
            raise KeyError(f"the mock venue does not list {instrument_id}")
        return inst

    # -- what the clients are given -------------------------------------------------------------

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        """Config pointing at this mock venue (all four categories)."""
        config: dict[str, Any] = {
            "base_url_http": self.http_url,
            "base_url_ws": self.ws_url,
            "base_url_ws_private": self.ws_url,
            "categories": ["spot", "linear", "inverse", "option"],
            "reconnect_delay_initial": 0.05,
            "reconnect_delay_max": 1.0,
            "http_retry_delay": 0.05,
        }
        if credentials in ("valid", "skewed"):
            config.update(api_key=API_KEY, api_secret=API_SECRET)
        elif credentials == "invalid":
            config.update(api_key=API_KEY, api_secret=WRONG_SECRET)
        if credentials == "skewed":
            config["clock_offset_ms"] = -(RECV_WINDOW_MS + 30_000)
        config.update(overrides)
        return config

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        """The seeded instrument of ``product``."""
        symbol = {
            ProductType.SPOT: ("spot", "BTCUSDT"),
            ProductType.PERPETUAL: ("linear", "ETHUSDT"),
            ProductType.FUTURE: ("linear", "ETHUSDT-26MAR27"),
            ProductType.OPTION: ("option", "BTC-26MAR27-70000-P-USDT"),
        }.get(product)
        return instrument_id_for(*symbol) if symbol else None

    @property
    def secrets(self) -> Sequence[str]:
        """Every credential value handed out (the API key is secret too)."""
        return (API_KEY, API_SECRET, WRONG_SECRET)

    # -- envelopes and signatures -----------------------------------------------------------------

    @staticmethod
    def envelope(
        result: Any, code: int = 0, message: str = "OK", ext: Any = None
    ) -> dict[str, Any]:
        """Bybit's response envelope."""
        return {
            "retCode": code,
            "retMsg": message,
            "result": result,
            "retExtInfo": ext if ext is not None else {},
            "time": ms(time.time_ns()),
        }

    def ok(self, result: Any, ext: Any = None) -> Response:
        """A successful answer."""
        return Response.json(self.envelope(result, ext=ext))

    def fail(self, code: int, message: str, status: int = 200) -> Response:
        """A venue error: HTTP 200 (or ``status``) with the ``retCode``."""
        return Response.json(self.envelope({}, code, message), status=status)

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        """HTTP errors as Bybit sends them; with a code, the retCode envelope."""
        headers = {}
        if retry_after is not None:
            # Bybit's limit headers: when the window resets (ms), plus a standard Retry-After.
            headers["Retry-After"] = str(retry_after)
            headers["X-Bapi-Limit-Reset-Timestamp"] = str(
                ms(time.time_ns()) + int(retry_after * 1000)
            )
        if venue_code is not None:
            return Response.json(
                self.envelope({}, int(venue_code), message or "error"),
                status=status,
                headers=headers,
            )
        if status == 400:
            return Response.json(
                self.envelope({}, 10001, message or "params error"), status=400, headers=headers
            )
        return Response.text(message or "error", status=status, headers=headers)

    def signature_failure_response(self, request: Request) -> Response:
        """Bybit answers a bad signature with HTTP 200 and retCode 10004."""
        if request.header("x-bapi-api-key") != API_KEY:
            return self.fail(10003, "API key is invalid.")
        return self.fail(10004, "error sign! origin_string[...]")

    def replay_key(self, request: Request) -> str | None:
        """A signed request is its timestamp and signature (a retry must sign afresh)."""
        return f"{request.header('x-bapi-timestamp')}:{request.header('x-bapi-sign')}"

    def verify_signature(self, request: Request) -> bool:
        """``X-BAPI-SIGN`` = hex HMAC(secret, timestamp + key + recv_window + payload)."""
        key = request.header("x-bapi-api-key")
        timestamp = request.header("x-bapi-timestamp")
        signature = request.header("x-bapi-sign")
        window = request.header("x-bapi-recv-window") or ""
        if key != API_KEY or not timestamp or not signature:
            return False
        payload = request.raw_query if request.method == "GET" else request.body.decode()
        expected = sign_rest(API_SECRET, timestamp, key, window, payload)
        return hmac.compare_digest(expected, signature)

    def _signed(self, handler: Handler) -> Handler:
        """The receive-window check Bybit runs after the signature (retCode 10002)."""

        async def checked(request: Request) -> Response:
            now = ms(time.time_ns())
            try:
                stamp = int(request.header("x-bapi-timestamp") or "0")
                window = int(request.header("x-bapi-recv-window") or RECV_WINDOW_MS)
            except ValueError:
                return self.fail(10001, "params error: timestamp")
            if not now - window <= stamp < now + 1000:
                return self.fail(
                    10002,
                    "invalid request, please check your server timestamp or recv_window param",
                )
            return await handler(request)

        return checked

    # -- routes -----------------------------------------------------------------------------------

    def setup_routes(self) -> None:
        """Every endpoint the plugin uses."""
        self.route("GET", "/v5/market/time", self._time)
        self.route("GET", "/v5/market/instruments-info", self._instruments)
        self.route("GET", "/v5/market/orderbook", self._orderbook)
        self.route("GET", "/v5/market/kline", self._kline)
        self.route("GET", "/v5/market/recent-trade", self._recent_trades)
        for path, handler in (
            ("/v5/order/create", self._create),
            ("/v5/order/amend", self._amend),
            ("/v5/order/create-batch", self._create_batch),
            ("/v5/order/amend-batch", self._amend_batch),
            ("/v5/order/cancel", self._cancel),
            ("/v5/order/cancel-all", self._cancel_all),
            ("/v5/order/cancel-batch", self._cancel_batch),
        ):
            self.route("POST", path, self._signed(handler), signed=True)
        for path, handler in (
            ("/v5/order/realtime", self._realtime),
            ("/v5/order/history", self._history),
            ("/v5/execution/list", self._executions),
            ("/v5/position/list", self._positions),
            ("/v5/account/wallet-balance", self._wallet),
        ):
            self.route("GET", path, self._signed(handler), signed=True)

    async def _time(self, request: Request) -> Response:
        now = time.time_ns()
        return self.ok({"timeSecond": str(now // 10**9), "timeNano": str(now)})

    async def _instruments(self, request: Request) -> Response:
        category = request.param("category")
        if category not in _BOOK_DEPTHS:
            return self.fail(10001, "params error: category")
        symbol = request.param("symbol")
        records = [
            render_instrument(i, self._launch_ms)
            for i in self.exchange.instruments()
            if category_of(i) == category and (symbol is None or i.symbol == symbol)
        ]
        if self._malformed and symbol is None and records:
            broken = dict(records[0])
            broken["symbol"] = "BROKEN" + broken["symbol"]
            del broken["priceFilter"]
            records.insert(0, broken)
        if category == "spot":  # docs: spot does not paginate
            return self.ok({"category": category, "list": records})
        limit = min(int(request.param("limit") or 500), 1000, self.instruments_page_size)
        start = int(request.param("cursor") or 0)
        page = records[start : start + limit]
        cursor = str(start + limit) if start + limit < len(records) else ""
        return self.ok({"category": category, "list": page, "nextPageCursor": cursor})

    def _book_u(self, symbol: str, sequence: int) -> int:
        return sequence + self._u_offset.get(symbol, 0)

    async def _orderbook(self, request: Request) -> Response:
        inst = self._sim(request.param("category") or "", request.param("symbol") or "")
        if inst is None:
            return self.fail(10001, "params error: symbol invalid")
        book = self.exchange.book(inst.symbol, int(request.param("limit") or 25))
        return self.ok(
            {
                "s": inst.symbol,
                "b": [[text(p), text(q)] for p, q in book.bids],
                "a": [[text(p), text(q)] for p, q in book.asks],
                "ts": ms(time.time_ns()),
                "u": self._book_u(inst.symbol, book.sequence),
            }
        )

    async def _kline(self, request: Request) -> Response:
        inst = self._sim(request.param("category") or "", request.param("symbol") or "")
        if inst is None:
            return self.fail(10001, "params error: symbol invalid")
        if request.param("interval") not in _KLINE_INTERVALS:
            return self.fail(10001, "params error: interval invalid")
        limit = int(request.param("limit") or 200)
        if not 1 <= limit <= KLINE_MAX:
            return self.fail(10001, "params error: limit")
        start = int(request.param("start") or 0)
        end = int(request.param("end") or 2**62)
        rows = [b for b in self._bars.get(inst.symbol, []) if start <= b[0] <= end]
        rows.sort(key=lambda b: b[0], reverse=True)  # newest first, as Bybit answers
        return self.ok(
            {
                "symbol": inst.symbol,
                "category": category_of(inst),
                "list": [
                    [str(b[0]), *(text(v) for v in b[1:]), text(b[5] * b[4])] for b in rows[:limit]
                ],
            }
        )

    async def _recent_trades(self, request: Request) -> Response:
        inst = self._sim(request.param("category") or "", request.param("symbol") or "")
        if inst is None:
            return self.fail(10001, "params error: symbol invalid")
        limit = min(int(request.param("limit") or 500), 1000)
        trades = sorted(
            self._trades.get(inst.symbol, []), key=lambda t: int(t["time"]), reverse=True
        )
        return self.ok({"category": category_of(inst), "list": trades[:limit]})

    # -- trading ----------------------------------------------------------------------------------

    @staticmethod
    def _refusal_code(reason: RejectReason | None, message: str) -> tuple[int, str]:
        if reason is None:
            return 10001, message
        return _REJECT_CODES.get(reason, (10001, f"params error: {message or reason}"))

    def _refusal(self, reason: RejectReason | None, message: str) -> Response:
        return self.fail(*self._refusal_code(reason, message))

    def _answer(self, outcome: dict[str, Any] | tuple[int, str]) -> Response:
        return self.ok(outcome) if isinstance(outcome, dict) else self.fail(*outcome)

    async def _create(self, request: Request) -> Response:
        body = request.json()
        return self._answer(self._create_one(body.get("category", ""), body))

    async def _create_batch(self, request: Request) -> Response:
        body = request.json()
        category = body.get("category", "")
        items = body.get("request") or []
        refused = self._batch_refusal(category, items)
        if refused is not None:
            return refused
        results, infos = [], []
        for item in items:
            outcome = self._create_one(category, item)
            placed = outcome if isinstance(outcome, dict) else None
            results.append(
                {
                    "category": category,
                    "symbol": item.get("symbol", ""),
                    "orderId": placed["orderId"] if placed else "",
                    "orderLinkId": item.get("orderLinkId", ""),
                    "createAt": str(ms(time.time_ns())) if placed else "",
                }
            )
            infos.append(_batch_info(outcome))
        return self.ok({"list": results}, ext={"list": infos})

    def _batch_refusal(self, category: str, items: Sequence[Any]) -> Response | None:
        """A whole batch request refused: unknown category, empty, or over the size limit."""
        if category not in BATCH_MAX_ORDERS:
            return self.fail(10001, "params error: category invalid")
        if not items or len(items) > BATCH_MAX_ORDERS[category]:
            return self.fail(
                10001, f"params error: request must hold 1 to {BATCH_MAX_ORDERS[category]} orders"
            )
        return None

    def _create_one(self, category: str, body: dict[str, Any]) -> dict[str, Any] | tuple[int, str]:
        """Place one order (``/v5/order/create`` body, or one batch item of ``category``)."""
        inst = self._sim(category, body.get("symbol", ""))
        if inst is None:
            return 10001, "params error: symbol invalid"
        venue_type = body.get("orderType")
        side = _SIDES.get(body.get("side", ""))
        if venue_type not in ("Market", "Limit") or side is None:
            return 10001, "params error: side or orderType invalid"
        trigger = body.get("triggerPrice")
        market = venue_type == "Market"
        if trigger:
            direction = int(body.get("triggerDirection") or 1)
            buy = side is OrderSide.BUY
            stop = (direction == 1) == buy or category_of(inst) == "spot"
            order_type = {
                (True, True): OrderType.STOP_MARKET,
                (True, False): OrderType.STOP_LIMIT,
                (False, True): OrderType.MARKET_IF_TOUCHED,
                (False, False): OrderType.LIMIT_IF_TOUCHED,
            }[(stop, market)]
        else:
            order_type = OrderType.MARKET if market else OrderType.LIMIT
        tif_text = body.get("timeInForce") or ("IOC" if market else "GTC")
        if tif_text not in _TIF:
            return 10001, "params error: timeInForce invalid"
        idx = int(body.get("positionIdx") or 0)
        position_side = {1: PositionSide.LONG, 2: PositionSide.SHORT}.get(idx)
        try:
            result = self.exchange.submit(
                inst.symbol,
                side,
                order_type,
                Decimal(body["qty"]),
                price=Decimal(body["price"]) if body.get("price") and not market else None,
                trigger_price=Decimal(trigger) if trigger else None,
                trigger_type=_TRIGGER_BY.get(body.get("triggerBy", ""), TriggerType.DEFAULT),
                time_in_force=_TIF[tif_text] if not market else TimeInForce.IOC,
                post_only=tif_text == "PostOnly",
                reduce_only=bool(body.get("reduceOnly")),
                client_order_id=body.get("orderLinkId") or None,
                position_side=position_side,
            )
        except (ValueError, ArithmeticError, KeyError) as exc:
            return 10001, f"params error: {exc}"
        if not result.ok or result.order is None:
            return self._refusal_code(result.reason, result.message)
        return {
            "orderId": result.order.venue_order_id,
            "orderLinkId": result.order.client_order_id or "",
        }

    def _ref(self, body: dict[str, Any]) -> tuple[str | None, str | None]:
        return body.get("orderId") or None, body.get("orderLinkId") or None

    async def _amend(self, request: Request) -> Response:
        return self._answer(self._amend_one(request.json()))

    async def _amend_batch(self, request: Request) -> Response:
        body = request.json()
        category = body.get("category", "")
        items = body.get("request") or []
        refused = self._batch_refusal(category, items)
        if refused is not None:
            return refused
        results, infos = [], []
        for item in items:
            outcome = self._amend_one(item)
            amended = outcome if isinstance(outcome, dict) else item
            results.append(
                {
                    "category": category,
                    "symbol": item.get("symbol", ""),
                    "orderId": amended.get("orderId", ""),
                    "orderLinkId": amended.get("orderLinkId", ""),
                }
            )
            infos.append(_batch_info(outcome))
        return self.ok({"list": results}, ext={"list": infos})

    def _amend_one(self, body: dict[str, Any]) -> dict[str, Any] | tuple[int, str]:
        """Amend one order (``/v5/order/amend`` body, or one batch item)."""
        void, coid = self._ref(body)
        try:
            result = self.exchange.amend(
                void,
                client_order_id=coid,
                quantity=Decimal(body["qty"]) if body.get("qty") else None,
                price=Decimal(body["price"]) if body.get("price") else None,
                trigger_price=Decimal(body["triggerPrice"]) if body.get("triggerPrice") else None,
            )
        except ArithmeticError as exc:
            return 10001, f"params error: {exc}"
        if not result.ok or result.order is None:
            return self._refusal_code(result.reason, result.message)
        return {
            "orderId": result.order.venue_order_id,
            "orderLinkId": result.order.client_order_id or "",
        }

    async def _cancel(self, request: Request) -> Response:
        body = request.json()
        void, coid = self._ref(body)
        result = self.exchange.cancel(void, client_order_id=coid)
        if not result.ok or result.order is None:
            return self._refusal(result.reason, result.message)
        return self.ok(
            {
                "orderId": result.order.venue_order_id,
                "orderLinkId": result.order.client_order_id or "",
            }
        )

    async def _cancel_all(self, request: Request) -> Response:
        body = request.json()
        symbol = body.get("symbol")
        if symbol is not None and self._sim(body.get("category", ""), symbol) is None:
            return self.fail(10001, "params error: symbol invalid")
        batch = self.exchange.cancel_all(symbol)
        items = [
            {"orderId": r.order.venue_order_id, "orderLinkId": r.order.client_order_id or ""}
            for r in batch.results
            if r.ok and r.order is not None
        ]
        return self.ok({"list": items, "success": "1"})

    async def _cancel_batch(self, request: Request) -> Response:
        body = request.json()
        refs = [
            OrderRef(item.get("orderId") or None, item.get("orderLinkId") or None)
            for item in body.get("request") or []
        ]
        batch = self.exchange.cancel_many(refs)
        items, infos = [], []
        for ref, result in zip(refs, batch.results, strict=True):
            order = result.order
            items.append(
                {
                    "category": body.get("category"),
                    "symbol": order.symbol if order else "",
                    "orderId": order.venue_order_id if order else (ref.venue_order_id or ""),
                    "orderLinkId": ref.client_order_id or "",
                }
            )
            if result.ok:
                infos.append({"code": 0, "msg": "OK"})
            else:
                code, message = _REJECT_CODES.get(result.reason, (10001, result.message))
                infos.append({"code": code, "msg": message})
        return self.ok({"list": items}, ext={"list": infos})

    # -- account queries --------------------------------------------------------------------------

    def _page(
        self, items: list[dict[str, Any]], request: Request, default: int, maximum: int
    ) -> dict[str, Any]:
        limit = min(int(request.param("limit") or default), maximum)
        start = int(request.param("cursor") or 0)
        cursor = str(start + limit) if start + limit < len(items) else ""
        return {"list": items[start : start + limit], "nextPageCursor": cursor}

    def _in_category(self, category: str, symbol: str | None) -> list[SimInstrument]:
        return [
            i
            for i in self.exchange.instruments()
            if category_of(i) == category and (symbol is None or i.symbol == symbol)
        ]

    async def _realtime(self, request: Request) -> Response:
        category = request.param("category") or ""
        void, coid = request.param("orderId"), request.param("orderLinkId")
        if void or coid:
            order = self.exchange.order(void, client_order_id=coid)
            orders = [order] if order is not None else []
        else:
            symbols = {i.symbol for i in self._in_category(category, request.param("symbol"))}
            orders = [o for o in self.exchange.open_orders() if o.symbol in symbols]
        records = [
            render_order(o, self.exchange.instrument(o.symbol))
            for o in orders
            if category_of(self.exchange.instrument(o.symbol)) == category
        ]
        return self.ok({"category": category, **self._page(records, request, 20, 50)})

    async def _history(self, request: Request) -> Response:
        category = request.param("category") or ""
        void, coid = request.param("orderId"), request.param("orderLinkId")
        symbols = {i.symbol for i in self._in_category(category, request.param("symbol"))}
        orders = [
            o
            for o in self.exchange.closed_orders()
            if o.symbol in symbols
            and (void is None or o.venue_order_id == void)
            and (coid is None or o.client_order_id == coid)
        ]
        orders.sort(key=lambda o: o.ts_updated, reverse=True)
        records = [render_order(o, self.exchange.instrument(o.symbol)) for o in orders]
        return self.ok({"category": category, **self._page(records, request, 20, 50)})

    async def _executions(self, request: Request) -> Response:
        category = request.param("category") or ""
        start = request.param("startTime")
        end = request.param("endTime")
        symbols = {i.symbol for i in self._in_category(category, request.param("symbol"))}
        fills = [
            f
            for f in self.exchange.fills(
                start_ns=int(start) * 1_000_000 if start else None,
                end_ns=int(end) * 1_000_000 + 999_999 if end else None,
            )
            if f.symbol in symbols
        ]
        fills.sort(key=lambda f: f.ts, reverse=True)
        records = [
            render_execution(
                f,
                self.exchange.order(f.venue_order_id),
                self.exchange.instrument(f.symbol),
                with_fee_currency=True,
            )
            for f in fills
        ]
        return self.ok({"category": category, **self._page(records, request, 50, 100)})

    async def _positions(self, request: Request) -> Response:
        category = request.param("category") or ""
        settle = request.param("settleCoin")
        instruments = {
            i.symbol: i
            for i in self._in_category(category, request.param("symbol"))
            if settle is None or i.settlement_asset == settle
        }
        records = [
            render_position(p, instruments[p.symbol], self.exchange.mark_price(p.symbol), rest=True)
            for p in self.exchange.positions()
            if p.symbol in instruments
        ]
        return self.ok({"category": category, **self._page(records, request, 20, 200)})

    async def _wallet(self, request: Request) -> Response:
        return self.ok({"list": [render_wallet(self.exchange.balances())]})

    # -- streams ----------------------------------------------------------------------------------

    async def serve_stream(self, conn: StreamConnection) -> None:
        """One stream connection: pings, subscriptions, auth (private)."""
        conn.state["id"] = uuid.uuid4().hex
        private = conn.path == "/v5/private"
        category = conn.path.rsplit("/", 1)[-1]
        while True:
            raw = await conn.ws.receive()
            try:
                message = json_codec.loads(raw)
            except (ValueError, TypeError):
                continue
            if not isinstance(message, dict):
                continue
            op = message.get("op")
            req_id = str(message.get("req_id") or "")
            if op == "ping":
                self.record_text_ping()
                if private:
                    await conn.send_json(
                        {
                            "req_id": req_id,
                            "op": "pong",
                            "args": [str(ms(time.time_ns()))],
                            "conn_id": conn.state["id"],
                        }
                    )
                else:
                    await conn.send_json(
                        {
                            "success": True,
                            "ret_msg": "pong",
                            "conn_id": conn.state["id"],
                            "req_id": req_id,
                            "op": "ping",
                        }
                    )
            elif op == "auth" and private:
                await self._auth(conn, message.get("args") or [], req_id)
            elif op == "subscribe":
                self.record_subscribe_message()
                await self._subscribe(conn, message.get("args") or [], req_id, category, private)
            elif op == "unsubscribe":
                for topic in message.get("args") or []:
                    conn.topics.discard(topic)
                self.server.notify()
                await conn.send_json(
                    {
                        "success": True,
                        "ret_msg": "",
                        "op": "unsubscribe",
                        "req_id": req_id,
                        "conn_id": conn.state["id"],
                    }
                )

    async def _auth(self, conn: StreamConnection, args: list[Any], req_id: str) -> None:
        ok = False
        if len(args) == 3 and args[0] == API_KEY and isinstance(args[1], int):
            expires = args[1]
            ok = expires > self.login_clock_ms() and hmac.compare_digest(
                sign_ws_auth(API_SECRET, expires), str(args[2])
            )
        conn.authenticated = ok
        reply = {
            "success": ok,
            "ret_msg": "" if ok else "Invalid apikey or signature",
            "op": "auth",
            "conn_id": conn.state["id"],
        }
        if req_id:
            reply["req_id"] = req_id
        await conn.send_json(reply)
        self.record_login(ok, stamp_ms=args[1] if ok else None)

    def _topic_ok(self, topic: str, category: str) -> bool:
        parts = topic.split(".")
        if len(parts) == 2 and parts[0] in ("publicTrade", "tickers"):
            return self._sim(category, parts[1]) is not None
        if len(parts) == 3 and parts[0] == "orderbook":
            return (
                parts[1].isdigit()
                and int(parts[1]) in _BOOK_DEPTHS[category]
                and self._sim(category, parts[2]) is not None
            )
        if len(parts) == 3 and parts[0] == "kline":
            return parts[1] in _KLINE_INTERVALS and self._sim(category, parts[2]) is not None
        return False

    async def _subscribe(
        self, conn: StreamConnection, topics: list[str], req_id: str, category: str, private: bool
    ) -> None:
        if private:
            bad = [t for t in topics if t.split(".", 1)[0] not in _PRIVATE_TOPICS]
            if not conn.authenticated:
                bad = topics
        else:
            bad = [t for t in topics if not self._topic_ok(t, category)]
        if bad:
            await conn.send_json(
                {
                    "success": False,
                    "ret_msg": f"error:handler not found,topic:{bad[0]}",
                    "conn_id": conn.state["id"],
                    "req_id": req_id,
                    "op": "subscribe",
                }
            )
            return
        conn.topics.update(topics)
        self.server.notify()
        await conn.send_json(
            {
                "success": True,
                "ret_msg": "",
                "conn_id": conn.state["id"],
                "req_id": req_id,
                "op": "subscribe",
            }
        )
        for topic in topics:
            if topic.startswith("orderbook."):

                async def snapshot(topic: str = topic) -> None:
                    await conn.send_json(self._book_message(topic, snapshot=True))

                if not self.snapshot_deferred(topic.rsplit(".", 1)[-1], snapshot):
                    await snapshot()

    def _book_message(
        self,
        topic: str,
        *,
        snapshot: bool,
        bids: Any = None,
        asks: Any = None,
        u: int | None = None,
    ) -> dict[str, Any]:
        _, depth, symbol = topic.split(".")
        if snapshot:
            book = self.exchange.book(symbol, int(depth))
            bids = [[text(p), text(q)] for p, q in book.bids]
            asks = [[text(p), text(q)] for p, q in book.asks]
            u = self._book_u(symbol, book.sequence)
        return {
            "topic": topic,
            "type": "snapshot" if snapshot else "delta",
            "ts": ms(time.time_ns()),
            "data": {"s": symbol, "b": bids or [], "a": asks or [], "u": u, "seq": u},
            "cts": ms(time.time_ns()),
        }

    def _subscribers(self, prefix: str) -> set[str]:
        return {t for c in self.streams for t in c.topics if t.startswith(prefix)}

    # -- exchange events -> streams ---------------------------------------------------------------

    def _on_sim_event(self, event: SimEvent) -> None:
        # Listeners are synchronous; the pump task sends in order.
        self._pending += 1
        self._events_out.send_nowait(event)

    async def __aenter__(self) -> BybitHarness:
        await super().__aenter__()
        assert self._task_group is not None
        self._task_group.start_soon(self._pump, self._events_in)
        self._task_group.start_soon(self._recheck)
        return self

    async def _recheck(self) -> None:
        # The suite's wait_until predicates often read *client* state (a local book), which
        # changes without any server event; re-check them periodically, as the harness
        # contract's own wait_until does for observations without an event of their own.
        while True:
            await anyio.sleep(0.02)
            self.server.notify()

    async def _pump(self, events: MemoryObjectReceiveStream[SimEvent]) -> None:
        async for event in events:
            try:
                await self._deliver(event)
            finally:
                self._pending -= 1
                self.server.notify()

    async def push_account_events(self) -> None:
        """Return once every exchange event so far has been sent on the streams."""
        await self.wait_until(lambda: self._pending == 0, what="exchange events delivered")

    async def _deliver(self, event: SimEvent) -> None:
        now = ms(time.time_ns())
        if isinstance(event, BookUpdated):
            await self._deliver_book(event)
        elif isinstance(event, PublicTrade):
            await self.broadcast(
                f"publicTrade.{event.symbol}",
                {
                    "topic": f"publicTrade.{event.symbol}",
                    "type": "snapshot",
                    "ts": now,
                    "data": [
                        {
                            "T": ms(event.ts),
                            "s": event.symbol,
                            "S": "Buy" if event.aggressor_side is AggressorSide.BUYER else "Sell",
                            "v": text(event.quantity),
                            "p": text(event.price),
                            "L": "PlusTick",
                            "i": event.trade_id,
                            "BT": False,
                        }
                    ],
                },
            )
        elif isinstance(event, OrderRejected):
            return  # a refused create is answered over REST; Bybit pushes nothing for it
        elif isinstance(event, OrderEvent):
            inst = self.exchange.instrument(event.order.symbol)
            await self._private(
                "order",
                {"topic": "order", "creationTime": now, "data": [render_order(event.order, inst)]},
            )
            if isinstance(event, OrderFilled):
                await self._private(
                    "execution",
                    {
                        "topic": "execution",
                        "creationTime": now,
                        "data": [
                            render_execution(event.fill, event.order, inst, with_fee_currency=False)
                        ],
                    },
                )
        elif isinstance(event, PositionChanged):
            inst = self.exchange.instrument(event.position.symbol)
            await self._private(
                "position",
                {
                    "topic": "position",
                    "creationTime": now,
                    "data": [
                        render_position(
                            event.position, inst, self.exchange.mark_price(inst.symbol), rest=False
                        )
                    ],
                },
            )
        elif isinstance(event, BalanceChanged):
            await self._private(
                "wallet",
                {
                    "topic": "wallet",
                    "creationTime": now,
                    "data": [render_wallet(self.exchange.balances())],
                },
            )

    async def _private(self, topic: str, payload: dict[str, Any]) -> None:
        payload["id"] = uuid.uuid4().hex
        await self.send_private(lambda conn: topic in conn.topics, payload)

    async def _deliver_book(self, event: BookUpdated) -> None:
        symbol = event.symbol
        u = self._book_u(symbol, event.sequence)
        update: list[tuple[str, Any]] = []
        for topic in self._subscribers("orderbook."):
            if topic.rsplit(".", 1)[-1] != symbol:
                continue
            depth = int(topic.split(".")[1])
            if event.is_snapshot:
                message = self._book_message(topic, snapshot=True)
            else:
                message = self._book_message(
                    topic,
                    snapshot=False,
                    u=u,
                    bids=[[text(p), text(q)] for p, q in event.bids],
                    asks=[[text(p), text(q)] for p, q in event.asks],
                )
                if depth == 1:
                    # Level 1 streams always carry the current top of book.
                    message = self._book_message(topic, snapshot=True)
            if event.is_snapshot:
                await self.broadcast(topic, message)
            else:
                update.append((topic, message))
        if update:
            await self.send_book_update(symbol, update)

    # -- controls: market data --------------------------------------------------------------------

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        """An ``orderbook.1`` snapshot with this top of book."""
        symbol = self._sim_of(instrument_id).symbol
        topic = f"orderbook.1.{symbol}"
        u = self._quote_u[topic] = self._quote_u.get(topic, 0) + 1
        await self.broadcast(
            topic,
            {
                "topic": topic,
                "type": "snapshot",
                "ts": ms(time.time_ns()),
                "data": {
                    "s": symbol,
                    "b": [[text(bid), text(bid_size)]],
                    "a": [[text(ask), text(ask_size)]],
                    "u": u,
                    "seq": u,
                },
            },
        )

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        """A public trade (the exchange fills resting orders it reaches)."""
        symbol = self._sim_of(instrument_id).symbol
        events = self.exchange.trade(symbol, price, size, aggressor)
        trade = next(e for e in events if isinstance(e, PublicTrade))
        self._trades.setdefault(symbol, []).append(
            {
                "execId": trade.trade_id,
                "symbol": symbol,
                "price": text(price),
                "size": text(size),
                "side": "Buy" if aggressor is AggressorSide.BUYER else "Sell",
                "time": str(ms(trade.ts)),
                "isBlockTrade": False,
            }
        )
        await self.push_account_events()
        return trade.trade_id

    async def set_book(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[tuple[Decimal, Decimal]],
        asks: Sequence[tuple[Decimal, Decimal]],
    ) -> None:
        """Replace the venue's book (subscribers get a snapshot)."""
        self.exchange.set_book(self._sim_of(instrument_id).symbol, bids=bids, asks=asks)
        await self.push_account_events()

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        """One level changes; subscribers get a delta with the next ``u``."""
        self.exchange.update_level(self._sim_of(instrument_id).symbol, side, price, size)
        await self.push_account_events()

    async def publish_book_gap(self, instrument_id: InstrumentId) -> None:
        """The next book message skips an update id (as if one were lost)."""
        symbol = self._sim_of(instrument_id).symbol
        self._u_offset[symbol] = self._u_offset.get(symbol, 0) + 1
        book = self.exchange.book(symbol)
        u = self._book_u(symbol, book.sequence) + 1
        self._u_offset[symbol] += 1
        for topic in self._subscribers("orderbook."):
            if topic.rsplit(".", 1)[-1] == symbol:
                await self.broadcast(
                    topic, self._book_message(topic, snapshot=False, u=u, bids=[], asks=[])
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
        """A one-minute candle on ``kline.1.{symbol}`` (``confirm`` false while forming)."""
        symbol = self._sim_of(instrument_id).symbol
        topic = f"kline.1.{symbol}"
        await self.broadcast(
            topic,
            {
                "topic": topic,
                "type": "snapshot",
                "ts": ms(time.time_ns()),
                "data": [
                    {
                        "start": ts_ms,
                        "end": ts_ms + _MINUTE_MS - 1,
                        "interval": "1",
                        "open": text(open),
                        "close": text(close),
                        "high": text(high),
                        "low": text(low),
                        "volume": text(volume),
                        "turnover": text(volume * close),
                        "confirm": closed,
                        "timestamp": ts_ms,
                    }
                ],
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
        """A ``tickers`` snapshot with mark, index and funding."""
        inst = self._sim_of(instrument_id)
        self.exchange.set_mark_price(inst.symbol, mark)
        self.exchange.set_index_price(inst.symbol, index)
        topic = f"tickers.{inst.symbol}"
        await self.broadcast(
            topic,
            {
                "topic": topic,
                "type": "snapshot",
                "cs": 1,
                "ts": ms(time.time_ns()),
                "data": {
                    "symbol": inst.symbol,
                    "markPrice": text(mark),
                    "indexPrice": text(index),
                    "fundingRate": text(funding_rate),
                    "nextFundingTime": str(next_funding_ms),
                },
            },
        )

    # -- controls: faults and history --------------------------------------------------------------

    async def fail_next_with_rate_limit_code(self, count: int) -> None:
        """The next ``count`` requests get HTTP 200 with retCode 10006."""
        self.fail_next_requests(count, 200, venue_code=10006)

    def add_malformed_instrument(self) -> None:
        """The instrument listing gains a record without ``priceFilter``."""
        self._malformed = True

    def history_page_size(self) -> int:
        """Bybit's kline page limit."""
        return KLINE_MAX

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        """One-minute bars and trades ending now."""
        symbol = self._sim_of(instrument_id).symbol
        now_ms = ms(self.exchange.now())
        last_start = (now_ms // _MINUTE_MS - 1) * _MINUTE_MS
        price = Decimal("1000")
        self._bars[symbol] = [
            (last_start - i * _MINUTE_MS, price, price + 1, price - 1, price, Decimal(1))
            for i in range(bars)
        ]
        self._trades[symbol] = [
            {
                "execId": uuid.UUID(int=i).hex,
                "symbol": symbol,
                "price": text(price),
                "size": "1",
                "side": "Buy",
                "time": str(now_ms - i * 100),
                "isBlockTrade": False,
            }
            for i in range(trades)
        ]

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        """Bybit's kline parameters: names, millisecond times, limit in [1, 1000]."""
        if request.path != "/v5/market/kline":
            return []
        params = dict(request.query)
        problems = []
        allowed = {"category", "symbol", "interval", "start", "end", "limit"}
        problems += [f"unknown parameter {k!r}" for k in params if k not in allowed]
        problems += [
            f"missing {k!r}" for k in ("category", "symbol", "interval") if k not in params
        ]
        for key in ("start", "end"):
            if key in params and len(params[key]) != 13:
                problems.append(f"{key}={params[key]} is not in milliseconds")
        if "limit" in params and not 1 <= int(params["limit"]) <= KLINE_MAX:
            problems.append(f"limit={params['limit']} outside [1, {KLINE_MAX}]")
        if params.get("interval") not in _KLINE_INTERVALS:
            problems.append(f"interval={params.get('interval')} is not a Bybit interval")
        return problems
