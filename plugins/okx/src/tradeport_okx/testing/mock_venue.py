"""The OKX mock venue: OKX's REST and WebSocket protocol on a SimulatedExchange, on loopback.

REST: ``{"code","msg","data"}`` envelopes, ``OK-ACCESS-*`` signatures checked like OKX (HMAC over
``timestamp + METHOD + path?query + body``, 30 s timestamp window, code 50102 when outside),
per-order ``sCode``/``sMsg``, rate limits as HTTP 429 or code 50011.

WebSocket (``/ws/v5/public``, ``/ws/v5/private``, ``/ws/v5/business``): text ``ping``/``pong``,
``op: login`` checked like OKX (60009 / 60006 on failure), ``subscribe``/``unsubscribe`` acked
with the echoed ``id`` and ``arg``, refusals as ``event: error``, books as a snapshot then
updates with ``seqId``/``prevSeqId`` and the CRC32 checksum, and a connection closed after
``idle_close`` seconds (30 s, like OKX) without a message from the client.
"""

from __future__ import annotations

import time
from collections import deque
from decimal import Decimal
from typing import Any

import anyio
from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    OrderType,
    ProductType,
    TimeInForce,
    TrailingOffsetType,
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
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderTriggered,
    PositionChanged,
    PostOnlyCross,
    PublicTrade,
    RejectReason,
    SimEvent,
    SimInstrument,
    SimulatedExchange,
)

from tradeport_okx.constants import VENUE
from tradeport_okx.credential import prehash, sign
from tradeport_okx.testing.render import (
    INST_TYPE,
    balance_record,
    fill_record,
    instrument_record,
    levels,
    ms,
    num,
    okx_ord_id,
    order_record,
    position_record,
    sim_ord_id,
)
from tradeport_okx.websocket.checksum import book_checksum
from tradeport_okx.websocket.messages import PRIVATE_CHANNELS, topic_for

__all__ = ["OkxHarness", "REJECT_CODES"]

D = Decimal

#: SimulatedExchange reasons -> OKX sCode and sMsg (OKX error code list).
REJECT_CODES: dict[RejectReason, tuple[str, str]] = {
    RejectReason.UNKNOWN_INSTRUMENT: ("51001", "Instrument ID does not exist."),
    RejectReason.INVALID_QUANTITY: ("51000", "Parameter sz error"),
    RejectReason.INVALID_QUANTITY_INCREMENT: (
        "51121",
        "Order quantity must be a multiple of the lot size.",
    ),
    RejectReason.MIN_QUANTITY: (
        "51020",
        "Your order should meet or exceed the minimum order amount.",
    ),
    RejectReason.MAX_QUANTITY: ("51202", "Market order amount exceeds the maximum amount."),
    RejectReason.INVALID_PRICE: ("51000", "Parameter px error"),
    RejectReason.INVALID_PRICE_INCREMENT: ("51000", "Parameter px error"),
    RejectReason.INVALID_TRIGGER_PRICE: ("51000", "Parameter triggerPx error"),
    RejectReason.MIN_NOTIONAL: (
        "51020",
        "Your order should meet or exceed the minimum order amount.",
    ),
    RejectReason.INVALID_EXPIRE_TIME: ("51000", "Parameter expTime error"),
    RejectReason.UNSUPPORTED_ORDER_TYPE: ("51000", "Parameter ordType error"),
    RejectReason.UNSUPPORTED_TIME_IN_FORCE: ("51000", "Parameter ordType error"),
    RejectReason.INVALID_ORDER: ("51000", "Parameter error"),
    RejectReason.INVALID_POSITION_SIDE: ("51000", "Parameter posSide error"),
    RejectReason.INSUFFICIENT_BALANCE: ("51008", "Order failed. Insufficient balance."),
    RejectReason.WOULD_CROSS: ("51000", "Parameter ordType error"),
    RejectReason.WOULD_TRIGGER_IMMEDIATELY: ("51000", "Parameter triggerPx error"),
    RejectReason.REDUCE_ONLY_VIOLATION: (
        "51169",
        "Order failed because you don't have any positions in this direction for this "
        "contract to reduce or close.",
    ),
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: ("51016", "Duplicated clOrdId"),
    RejectReason.NO_LIQUIDITY: ("51008", "Order failed. Insufficient liquidity."),
    RejectReason.UNKNOWN_ORDER: ("51603", "Order does not exist"),
    RejectReason.ORDER_NOT_OPEN: (
        "51400",
        "Cancellation failed as the order has been filled, canceled or does not exist.",
    ),
    RejectReason.QUANTITY_BELOW_FILLED: ("51503", "Order modification failed."),
    RejectReason.VENUE_REJECTED: (
        "51010",
        "Operation is not supported under the current account mode.",
    ),
}
_AMEND_NOT_OPEN = (
    "51503",
    "Order modification failed as the order has been filled, canceled or does not exist.",
)

_ORD_TYPES: dict[str, tuple[OrderType, TimeInForce, bool]] = {
    "market": (OrderType.MARKET, TimeInForce.GTC, False),
    "optimal_limit_ioc": (OrderType.MARKET, TimeInForce.IOC, False),
    "limit": (OrderType.LIMIT, TimeInForce.GTC, False),
    "post_only": (OrderType.LIMIT, TimeInForce.GTC, True),
    "ioc": (OrderType.LIMIT, TimeInForce.IOC, False),
    "fok": (OrderType.LIMIT, TimeInForce.FOK, False),
}
_TRIGGER_TYPES = {
    "last": TriggerType.LAST_PRICE,
    "mark": TriggerType.MARK_PRICE,
    "index": TriggerType.INDEX_PRICE,
}
_STATUS_TO_STATE = {
    "HALTED": "suspend",
    "SUSPENDED": "suspend",
    "OPEN": "live",
    "PRE_OPEN": "preopen",
    "CLOSED": "expired",
}
_BOOK_CHANNELS = ("books", "books-l2-tbt", "books50-l2-tbt")
_TIMESTAMP_WINDOW_S = 30.0
_NS_PER_MINUTE = 60_000_000_000


def _ok(data: Any, code: str = "0", msg: str = "") -> Response:
    return Response.json({"code": code, "msg": msg, "data": data})


def _error(code: str, msg: str, status: int = 200) -> Response:
    return Response.json({"code": code, "msg": msg, "data": []}, status=status)


class OkxHarness(MockVenue):
    """OKX mock venue and conformance harness (see the module docstring).

    :param idle_close: seconds without a client message before the server closes (OKX: 30).
    :param page_size: most records a history request returns (OKX: 100).
    """

    venue = "okx"
    features = ProtocolFeatures(
        server_control_ping=False,
        text_ping=True,
        stream_login=True,
        timestamp_window=True,
        server_time=True,  # /api/v5/public/time
        book_sequence=True,
        book_checksum=True,
        subscription_refusal=True,
        close_codes=True,
        venue_rate_limit_code=True,
        login_stamps=True,
        login_clock=True,
        private_hold=True,
        book_faults=True,
        exact_relisting=True,
    )
    stream_paths = ("/ws/v5/public", "/ws/v5/private", "/ws/v5/business")
    #: A login's timestamp is accepted within 30 s of the venue's clock either way.
    login_validity_ms = int(_TIMESTAMP_WINDOW_S * 1000)
    #: 50001 "service temporarily unavailable", 50004 "endpoint request timeout" and 50013
    #: "systems are busy" in a 200 answer: the order's outcome is unknown.
    unknown_outcome_codes = ("50001", "50004", "50013")

    API_KEY = "tp-okx-key-5f1c2e9a"
    API_SECRET = "tp-okx-secret-9a7e4b2c1d"
    PASSPHRASE = "tp-okx-pass-31d0"

    def __init__(self, *, idle_close: float = 30.0, page_size: int = 100) -> None:
        self.idle_close = idle_close
        self.page_size = page_size
        self._pending: deque[SimEvent] = deque()
        self._book_seq: dict[str, int] = {}
        self._published: dict[str, tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]] = {}
        self._bars: dict[str, list[list[str]]] = {}
        self._history_trades: dict[str, list[dict[str, str]]] = {}
        self._states: dict[str, str] = {}
        self._malformed = False
        self._conn_ids = 0
        self._flush_lock: anyio.Lock | None = None
        self.checksum_corruptions = 0
        super().__init__()
        self.exchange.subscribe(self._pending.append)

    # -- setup ------------------------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        """BTC-USDT (spot), BTC-USDT-SWAP, BTC-USDT-301227 (future), BTC-USD-301227-50000-C."""
        sim = SimulatedExchange(seed=5, clock=time.time_ns, post_only_cross=PostOnlyCross.CANCEL)
        sim.add_instrument(
            SimInstrument(
                symbol="BTC-USDT",
                product_type=ProductType.SPOT,
                base_asset="BTC",
                quote_asset="USDT",
                tick_size=D("0.1"),
                lot_size=D("0.00000001"),
                min_qty=D("0.00001"),
                maker_fee=D("0.0008"),
                taker_fee=D("0.001"),
                meta={"listTime": "1606468572000"},
            )
        )
        sim.add_instrument(
            SimInstrument(
                symbol="BTC-USDT-SWAP",
                product_type=ProductType.PERPETUAL,
                base_asset="BTC",
                quote_asset="USDT",
                settle_asset="USDT",
                tick_size=D("0.1"),
                lot_size=D("0.01"),
                min_qty=D("0.01"),
                multiplier=D("0.01"),
                maker_fee=D("0.0002"),
                taker_fee=D("0.0005"),
                fee_in_quote=True,
                meta={"instFamily": "BTC-USDT", "ctValCcy": "BTC", "listTime": "1611916828000"},
            )
        )
        sim.add_instrument(
            SimInstrument(
                symbol="BTC-USDT-301227",
                product_type=ProductType.FUTURE,
                base_asset="BTC",
                quote_asset="USDT",
                settle_asset="USDT",
                tick_size=D("0.1"),
                lot_size=D("1"),
                min_qty=D("1"),
                multiplier=D("0.01"),
                fee_in_quote=True,
                meta={
                    "instFamily": "BTC-USDT",
                    "ctValCcy": "BTC",
                    "alias": "quarter",
                    "expTime": "1924588800000",
                    "listTime": "1700000000000",
                },
            )
        )
        sim.add_instrument(
            SimInstrument(
                symbol="BTC-USD-301227-50000-C",
                product_type=ProductType.OPTION,
                base_asset="BTC",
                quote_asset="USD",
                settle_asset="BTC",
                tick_size=D("0.0005"),
                lot_size=D("1"),
                min_qty=D("1"),
                multiplier=D("0.01"),
                meta={
                    "instFamily": "BTC-USD",
                    "ctValCcy": "BTC",
                    "optType": "C",
                    "stk": "50000",
                    "expTime": "1924588800000",
                    "listTime": "1700000000000",
                },
            )
        )
        sim.set_balance("USDT", D("1000000"))
        sim.set_balance("BTC", D("100"))
        return sim

    def setup_routes(self) -> None:
        """OKX v5 endpoints the plugin uses."""
        r = self.route
        r("GET", "/api/v5/public/time", self._time)
        r("GET", "/api/v5/public/instruments", self._instruments)
        r("GET", "/api/v5/public/mark-price", self._mark_price)
        r("GET", "/api/v5/market/books", self._books)
        r("GET", "/api/v5/market/candles", self._candles)
        r("GET", "/api/v5/market/history-candles", self._candles)
        r("GET", "/api/v5/market/trades", self._trades)
        r("GET", "/api/v5/market/history-trades", self._trades)
        r("POST", "/api/v5/trade/order", self._place_order, signed=True)
        r("POST", "/api/v5/trade/batch-orders", self._place_batch, signed=True)
        r("POST", "/api/v5/trade/order-algo", self._place_algo, signed=True)
        r("POST", "/api/v5/trade/amend-order", self._amend, signed=True)
        r("POST", "/api/v5/trade/cancel-order", self._cancel, signed=True)
        r("POST", "/api/v5/trade/cancel-batch-orders", self._cancel_batch, signed=True)
        r("POST", "/api/v5/trade/cancel-algos", self._cancel_algos, signed=True)
        r("GET", "/api/v5/trade/order", self._get_order, signed=True)
        r("GET", "/api/v5/trade/orders-pending", self._orders_pending, signed=True)
        r("GET", "/api/v5/trade/orders-history", self._orders_history, signed=True)
        r("GET", "/api/v5/trade/fills", self._fills, signed=True)
        r("GET", "/api/v5/account/balance", self._balance, signed=True)
        r("GET", "/api/v5/account/positions", self._positions, signed=True)

    async def __aenter__(self) -> OkxHarness:
        self._flush_lock = anyio.Lock()
        await super().__aenter__()
        return self

    # -- what the clients are given -----------------------------------------------------------------

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        """A config dict pointing at this mock venue (see VenueHarness.client_config)."""
        config: dict[str, Any] = {
            "base_url_http": self.http_url,
            "base_url_ws": f"{self.ws_url}/ws/v5",
            "option_families": ["BTC-USD"],
            # Below the suite's shortest idle timeout, so an idle but healthy feed stays up.
            "ws_heartbeat_interval": 1.0,
            "reconnect_delay_initial": 0.1,
            "reconnect_delay_max": 1.0,
            "http_retry_delay": 0.05,
        }
        if credentials in ("valid", "invalid", "skewed"):
            config.update(
                api_key=self.API_KEY,
                api_secret=self.API_SECRET if credentials != "invalid" else "not-the-secret",
                api_passphrase=self.PASSPHRASE,
            )
        if credentials == "skewed":
            config["clock_offset"] = -10 * _TIMESTAMP_WINDOW_S
        config.update(overrides)
        return config

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        """The seeded instrument of ``product``."""
        for inst in self.exchange.instruments():
            if inst.product_type is product:
                return InstrumentId.of(inst.symbol, VENUE)
        return None

    @property
    def secrets(self) -> list[str]:
        """Every credential handed out."""
        return [self.API_KEY, self.API_SECRET, self.PASSPHRASE]

    # -- signatures and errors ----------------------------------------------------------------------

    def _timestamp_ok(self, timestamp: str | None) -> bool:
        if not timestamp:
            return False
        try:
            when = time.mktime(time.strptime(timestamp[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        except ValueError:
            return False
        return abs(time.time() - when) <= _TIMESTAMP_WINDOW_S

    def venue_order_id(self, sim_venue_order_id: str) -> str:
        """OKX's 18-digit ``ordId`` of an exchange order id (see ``render.okx_ord_id``)."""
        return okx_ord_id(sim_venue_order_id)

    def replay_key(self, request: Request) -> str | None:
        """A signed request is its timestamp and signature (a retry must sign afresh)."""
        return f"{request.header('ok-access-timestamp')}:{request.header('ok-access-sign')}"

    def verify_signature(self, request: Request) -> bool:
        """OKX's check: key, passphrase, timestamp window, then the HMAC."""
        timestamp = request.header("ok-access-timestamp") or ""
        if request.header("ok-access-key") != self.API_KEY:
            return False
        if request.header("ok-access-passphrase") != self.PASSPHRASE:
            return False
        if not self._timestamp_ok(timestamp):
            return False
        expected = sign(
            self.API_SECRET, prehash(timestamp, request.method, request.target, request.body)
        )
        return request.header("ok-access-sign") == expected

    def signature_failure_response(self, request: Request) -> Response:
        """The OKX code for what failed (HTTP 401, like OKX)."""
        if not request.header("ok-access-key"):
            return _error("50103", "Request header OK-ACCESS-KEY cannot be empty.", 401)
        if request.header("ok-access-key") != self.API_KEY:
            return _error("50111", "Invalid OK-ACCESS-KEY.", 401)
        if request.header("ok-access-passphrase") != self.PASSPHRASE:
            return _error("50105", "Invalid OK-ACCESS-PASSPHRASE.", 401)
        if not self._timestamp_ok(request.header("ok-access-timestamp")):
            return _error("50102", "Timestamp request expired.", 401)
        return _error("50113", "Invalid Sign.", 401)

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        """OKX's envelope for an HTTP error."""
        default = {429: "50011", 401: "50113", 404: "50000"}.get(status)
        if default is None:
            default = "50001" if status >= 500 else "51000"
        code = str(venue_code) if venue_code is not None else default
        text = message or ("Rate limit reached." if code == "50011" else "error")
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        return Response.json({"code": code, "msg": text, "data": []}, status, headers)

    async def fail_next_with_rate_limit_code(self, count: int) -> None:
        """OKX's own rate-limit code 50011 in an HTTP 200 envelope for the next ``count``
        requests (failures injected earlier and not used up are dropped: these come next)."""
        self._failures.clear()
        self.fail_next_requests(count, 200, venue_code="50011")

    # -- REST: public -------------------------------------------------------------------------------

    async def _time(self, request: Request) -> Response:
        return _ok([{"ts": str(time.time_ns() // 1_000_000)}])

    def _inst(self, inst_id: str | None) -> SimInstrument | None:
        return self.exchange.instrument(inst_id) if inst_id else None

    async def _instruments(self, request: Request) -> Response:
        inst_type = request.param("instType")
        if not inst_type:
            return _error("50014", "Parameter instType can not be empty.", 400)
        family = request.param("instFamily")
        inst_id = request.param("instId")
        if inst_type == "OPTION" and not family and not inst_id:
            return _error("50014", "Parameter instFamily can not be empty.", 400)
        out = []
        for inst in self.exchange.instruments():
            okx_type = INST_TYPE[inst.product_type]
            if okx_type != inst_type and not (inst_type == "MARGIN" and okx_type == "SPOT"):
                continue
            if inst_id and inst.symbol != inst_id:
                continue
            record = instrument_record(inst, self._states.get(inst.symbol, "live"))
            if family and record["instFamily"] != family:
                continue
            if inst_type == "MARGIN":
                record = dict(record, instType="MARGIN", lever="10")
            out.append(record)
        if self._malformed and inst_type == "SPOT" and not inst_id:
            out.append(
                dict(
                    instrument_record(self.exchange.instrument("BTC-USDT")),  # type: ignore[arg-type]
                    instId="BROKEN-REC",
                    tickSz="not-a-number",
                )
            )
        return _ok(out)

    def add_malformed_instrument(self) -> None:
        """The SPOT listing gets one record with an unparseable tick size."""
        self._malformed = True

    async def _mark_price(self, request: Request) -> Response:
        out = []
        for inst in self.exchange.instruments():
            if request.param("instId") and inst.symbol != request.param("instId"):
                continue
            mark = self.exchange.mark_price(inst.symbol)
            if mark is not None:
                out.append(
                    {
                        "instType": INST_TYPE[inst.product_type],
                        "instId": inst.symbol,
                        "markPx": num(mark),
                        "ts": str(time.time_ns() // 1_000_000),
                    }
                )
        return _ok(out)

    async def _books(self, request: Request) -> Response:
        inst = self._inst(request.param("instId"))
        if inst is None:
            return _error("51001", "Instrument ID does not exist.")
        depth = int(request.param("sz") or "1")
        snap = self.exchange.book(inst.symbol, min(depth, 400))
        return _ok(
            [
                {
                    "asks": levels(snap.asks),
                    "bids": levels(snap.bids),
                    "ts": str(time.time_ns() // 1_000_000),
                }
            ]
        )

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        """One-minute bars and trades ending now (newest first, as OKX returns them)."""
        symbol = instrument_id.symbol.value
        now = self.exchange.now()
        last_open = (now // _NS_PER_MINUTE - 1) * _NS_PER_MINUTE
        rows = []
        for i in range(bars):
            ts = last_open - i * _NS_PER_MINUTE
            px = num(D(1000) + D(i % 7))
            rows.append([ms(ts), px, px, px, px, "1", px, px, "1"])
        self._bars[symbol] = rows
        out = []
        for i in range(trades):
            ts = now - (i + 1) * 1_000_000_000
            out.append(
                {
                    "instId": symbol,
                    "side": "buy" if i % 2 else "sell",
                    "sz": "1",
                    "source": "0",
                    "px": "1000",
                    "tradeId": str(5_000_000 + trades - i),
                    "ts": ms(ts),
                }
            )
        self._history_trades[symbol] = out

    def history_page_size(self) -> int:
        """Records per history page."""
        return self.page_size

    async def _candles(self, request: Request) -> Response:
        rows = self._bars.get(request.param("instId") or "", [])
        if (request.param("bar") or "1m") != "1m":
            rows = []
        after, before = request.param("after"), request.param("before")
        limit = min(int(request.param("limit") or "100"), self.page_size)
        picked = [
            row
            for row in rows
            if (after is None or int(row[0]) < int(after))
            and (before is None or int(row[0]) > int(before))
        ]
        if before is not None and after is None:
            picked = picked[-limit:]  # the newest records just after ``before``
        return _ok(picked[:limit])

    async def _trades(self, request: Request) -> Response:
        rows = self._history_trades.get(request.param("instId") or "", [])
        by_time = request.param("type") == "2"
        key = "ts" if by_time else "tradeId"
        after, before = request.param("after"), request.param("before")
        limit = min(int(request.param("limit") or "100"), self.page_size)
        picked = [
            row
            for row in rows
            if (after is None or int(row[key]) < int(after))
            and (before is None or int(row["tradeId"]) > int(before))
        ]
        return _ok(picked[:limit])

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        """Names, units and limits OKX documents for its history endpoints."""
        allowed = {
            "/api/v5/market/candles": ({"instId", "bar", "after", "before", "limit"}, 300),
            "/api/v5/market/history-candles": ({"instId", "bar", "after", "before", "limit"}, 100),
            "/api/v5/market/history-trades": ({"instId", "type", "after", "before", "limit"}, 100),
        }
        if request.path not in allowed:
            return []
        names, max_limit = allowed[request.path]
        params = dict(request.query)
        problems = [f"{request.path}: unknown parameter {k!r}" for k in params if k not in names]
        if "instId" not in params:
            problems.append(f"{request.path}: instId is missing")
        if "limit" in params and not (
            params["limit"].isdigit() and 0 < int(params["limit"]) <= max_limit
        ):
            problems.append(f"{request.path}: limit {params['limit']!r} outside 1..{max_limit}")
        for key in ("after", "before"):
            value = params.get(key)
            if value is not None and not (value.isdigit() and len(value) == 13):
                problems.append(f"{request.path}: {key} {value!r} is not Unix milliseconds")
        if "bar" in params and params["bar"] not in {
            "1s",
            "1m",
            "3m",
            "5m",
            "15m",
            "30m",
            "1H",
            "2H",
            "4H",
            "6Hutc",
            "12Hutc",
            "1Dutc",
        }:
            problems.append(f"{request.path}: bar {params['bar']!r} is not an OKX bar size")
        return problems

    # -- REST: trading ------------------------------------------------------------------------------

    def _reject_item(self, reason: RejectReason | None, message: str, **ids: str) -> dict[str, Any]:
        code, text = REJECT_CODES.get(reason, ("51000", message)) if reason else ("51000", message)
        return {
            **ids,
            "tag": "",
            "ts": str(time.time_ns() // 1_000_000),
            "sCode": code,
            "sMsg": text,
        }

    def _ok_item(self, **ids: str) -> dict[str, Any]:
        return {
            **ids,
            "tag": "",
            "ts": str(time.time_ns() // 1_000_000),
            "sCode": "0",
            "sMsg": "Order placed",
        }

    def _td_mode_problem(self, inst: SimInstrument, td_mode: str | None) -> str | None:
        if td_mode not in ("cash", "cross", "isolated", "spot_isolated"):
            return "Parameter tdMode error"
        if inst.product_type is not ProductType.SPOT and td_mode == "cash":
            return "Parameter tdMode error"
        return None

    async def _submit_one(self, body: dict[str, Any]) -> dict[str, Any]:
        cl = str(body.get("clOrdId", ""))
        inst = self._inst(body.get("instId"))
        if inst is None:
            return self._reject_item(RejectReason.UNKNOWN_INSTRUMENT, "", ordId="", clOrdId=cl)
        problem = self._td_mode_problem(inst, body.get("tdMode"))
        ord_type = str(body.get("ordType", ""))
        if problem is None and ord_type not in _ORD_TYPES:
            problem = "Parameter ordType error"
        if problem is not None:
            return {
                "ordId": "",
                "clOrdId": cl,
                "tag": "",
                "ts": "",
                "sCode": "51000",
                "sMsg": problem,
            }
        order_type, tif, post_only = _ORD_TYPES[ord_type]
        size = D(str(body["sz"]))
        quantity: Decimal | None = size
        quote_quantity: Decimal | None = None
        tgt = body.get("tgtCcy", "")
        spot_market = order_type is OrderType.MARKET and inst.product_type is ProductType.SPOT
        if spot_market and tgt != "base_ccy":
            # OKX: spot market orders are sized in quote currency by default.
            quantity, quote_quantity = None, size
        result = self.exchange.submit(
            inst.symbol,
            OrderSide.BUY if body.get("side") == "buy" else OrderSide.SELL,
            order_type,
            quantity,
            price=D(str(body["px"])) if body.get("px") not in (None, "") else None,
            time_in_force=tif,
            post_only=post_only,
            reduce_only=body.get("reduceOnly") in (True, "true"),
            client_order_id=cl or None,
            quote_quantity=quote_quantity,
            meta={"ordType": ord_type, "tdMode": body.get("tdMode"), "tgtCcy": tgt},
        )
        if not result.ok:
            return self._reject_item(result.reason, result.message, ordId="", clOrdId=cl)
        assert result.order is not None
        return self._ok_item(ordId=okx_ord_id(result.order.venue_order_id), clOrdId=cl)

    def _envelope(self, items: list[dict[str, Any]]) -> Response:
        failed = sum(1 for i in items if i["sCode"] != "0")
        if failed == 0:
            return _ok(items)
        code = "1" if failed == len(items) else "2"
        return _ok(items, code, "All operations failed" if code == "1" else "")

    async def _place_order(self, request: Request) -> Response:
        item = await self._submit_one(request.json())
        await self._flush()
        return self._envelope([item])

    async def _place_batch(self, request: Request) -> Response:
        items = [await self._submit_one(body) for body in request.json()]
        await self._flush()
        return self._envelope(items)

    async def _place_algo(self, request: Request) -> Response:
        body = request.json()
        cl = str(body.get("algoClOrdId", ""))
        inst = self._inst(body.get("instId"))
        if inst is None:
            item = self._reject_item(
                RejectReason.UNKNOWN_INSTRUMENT, "", algoId="", clOrdId="", algoClOrdId=cl
            )
            return self._envelope([item])
        if body.get("ordType") == "move_order_stop":
            return await self._place_trailing(body, inst, cl)
        if body.get("ordType") not in ("trigger", "conditional"):
            return self._envelope(
                [
                    {
                        "algoId": "",
                        "clOrdId": "",
                        "algoClOrdId": cl,
                        "sCode": "51000",
                        "sMsg": "Parameter ordType error",
                    }
                ]
            )
        order_px = str(body.get("orderPx", "-1"))
        market = order_px == "-1"
        result = self.exchange.submit(
            inst.symbol,
            OrderSide.BUY if body.get("side") == "buy" else OrderSide.SELL,
            OrderType.STOP_MARKET if market else OrderType.STOP_LIMIT,
            D(str(body["sz"])),
            price=None if market else D(order_px),
            trigger_price=D(str(body["triggerPx"])),
            trigger_type=_TRIGGER_TYPES.get(
                body.get("triggerPxType", "last"), TriggerType.LAST_PRICE
            ),
            reduce_only=body.get("reduceOnly") in (True, "true"),
            client_order_id=cl or None,
            meta={"algo": True, "ordType": "trigger", "tdMode": body.get("tdMode")},
        )
        await self._flush()
        if not result.ok:
            return self._envelope(
                [
                    self._reject_item(
                        result.reason, result.message, algoId="", clOrdId="", algoClOrdId=cl
                    )
                ]
            )
        assert result.order is not None
        return self._envelope(
            [
                self._ok_item(
                    algoId=okx_ord_id(result.order.venue_order_id), clOrdId="", algoClOrdId=cl
                )
            ]
        )

    async def _place_trailing(self, body: dict[str, Any], inst: SimInstrument, cl: str) -> Response:
        """``move_order_stop``: ``callbackRatio`` or ``callbackSpread``, optional ``activePx``."""
        ratio, spread = body.get("callbackRatio"), body.get("callbackSpread")
        if bool(ratio) == bool(spread):
            return self._envelope(
                [
                    {
                        "algoId": "",
                        "clOrdId": "",
                        "algoClOrdId": cl,
                        "sCode": "51000",
                        "sMsg": "Either parameter callbackRatio or callbackSpread is required",
                    }
                ]
            )
        if ratio:
            offset, offset_type = D(str(ratio)) * 10_000, TrailingOffsetType.BASIS_POINTS
        else:
            offset, offset_type = D(str(spread)), TrailingOffsetType.PRICE
        result = self.exchange.submit(
            inst.symbol,
            OrderSide.BUY if body.get("side") == "buy" else OrderSide.SELL,
            OrderType.TRAILING_STOP_MARKET,
            D(str(body["sz"])),
            trailing_offset=offset,
            trailing_offset_type=offset_type,
            activation_price=D(str(body["activePx"])) if body.get("activePx") else None,
            reduce_only=body.get("reduceOnly") in (True, "true"),
            client_order_id=cl or None,
            meta={"algo": True, "ordType": "move_order_stop", "tdMode": body.get("tdMode")},
        )
        await self._flush()
        if not result.ok:
            return self._envelope(
                [
                    self._reject_item(
                        result.reason, result.message, algoId="", clOrdId="", algoClOrdId=cl
                    )
                ]
            )
        assert result.order is not None
        return self._envelope(
            [
                self._ok_item(
                    algoId=okx_ord_id(result.order.venue_order_id), clOrdId="", algoClOrdId=cl
                )
            ]
        )

    def _ref(self, body: dict[str, Any]) -> tuple[str | None, str | None]:
        return (sim_ord_id(body.get("ordId") or None), body.get("clOrdId") or None)

    async def _amend(self, request: Request) -> Response:
        body = request.json()
        ord_id, cl = self._ref(body)
        result = self.exchange.amend(
            ord_id,
            client_order_id=None if ord_id else cl,
            quantity=D(str(body["newSz"])) if body.get("newSz") else None,
            price=D(str(body["newPx"])) if body.get("newPx") else None,
        )
        await self._flush()
        ids = {"ordId": body.get("ordId") or "", "clOrdId": cl or "", "reqId": ""}
        if not result.ok:
            if result.reason in (RejectReason.ORDER_NOT_OPEN, RejectReason.UNKNOWN_ORDER):
                code, text = _AMEND_NOT_OPEN
                return self._envelope([{**ids, "ts": "", "sCode": code, "sMsg": text}])
            return self._envelope([self._reject_item(result.reason, result.message, **ids)])
        assert result.order is not None
        return self._envelope(
            [self._ok_item(**dict(ids, ordId=okx_ord_id(result.order.venue_order_id)))]
        )

    async def _cancel_one(self, body: dict[str, Any]) -> dict[str, Any]:
        ord_id, cl = self._ref(body)
        result = self.exchange.cancel(ord_id, client_order_id=None if ord_id else cl)
        ids = {
            "ordId": body.get("ordId")
            or (okx_ord_id(result.order.venue_order_id) if result.order else ""),
            "clOrdId": cl or ((result.order.client_order_id or "") if result.order else ""),
        }
        if not result.ok:
            reason = result.reason
            if reason is RejectReason.UNKNOWN_ORDER:
                return self._reject_item(reason, result.message, **ids)
            return self._reject_item(RejectReason.ORDER_NOT_OPEN, result.message, **ids)
        return self._ok_item(**ids)

    async def _cancel(self, request: Request) -> Response:
        item = await self._cancel_one(request.json())
        await self._flush()
        return self._envelope([item])

    async def _cancel_batch(self, request: Request) -> Response:
        items = [await self._cancel_one(body) for body in request.json()]
        await self._flush()
        return self._envelope(items)

    async def _cancel_algos(self, request: Request) -> Response:
        items = []
        for body in request.json():
            result = self.exchange.cancel(sim_ord_id(body.get("algoId")))
            if result.ok:
                items.append({"algoId": body.get("algoId"), "sCode": "0", "sMsg": ""})
            else:
                code, text = REJECT_CODES[RejectReason.ORDER_NOT_OPEN]
                items.append({"algoId": body.get("algoId"), "sCode": code, "sMsg": text})
        await self._flush()
        return self._envelope(items)

    def _record(self, order: Any) -> dict[str, Any]:
        inst = self.exchange.instrument(order.symbol)
        return order_record(order, inst)  # type: ignore[arg-type]

    async def _get_order(self, request: Request) -> Response:
        ord_id, cl = sim_ord_id(request.param("ordId")), request.param("clOrdId")
        order = self.exchange.order(ord_id, client_order_id=None if ord_id else cl)
        if order is None or not self._visible(order):
            return _error("51603", "Order does not exist")
        return _ok([self._record(order)])

    def _visible(self, order: Any) -> bool:
        # Untriggered algo orders are not regular orders at OKX.
        return not order.meta.get("algo") or order.ts_triggered is not None

    async def _orders_pending(self, request: Request) -> Response:
        inst_id = request.param("instId")
        orders = [o for o in self.exchange.open_orders(inst_id) if self._visible(o)]
        orders.sort(key=lambda o: o.ts_created, reverse=True)
        return _ok([self._record(o) for o in orders])

    async def _orders_history(self, request: Request) -> Response:
        inst_type = request.param("instType")
        if not inst_type:
            return _error("50014", "Parameter instType can not be empty.", 400)
        orders = [
            o
            for o in self.exchange.closed_orders(request.param("instId"))
            if INST_TYPE[self.exchange.instrument(o.symbol).product_type] == inst_type  # type: ignore[union-attr]
            and self._visible(o)
        ]
        orders.sort(key=lambda o: o.ts_updated, reverse=True)
        return _ok([self._record(o) for o in orders[:100]])

    async def _fills(self, request: Request) -> Response:
        begin, end = request.param("begin"), request.param("end")
        fills = self.exchange.fills(
            request.param("instId"),
            start_ns=int(begin) * 1_000_000 if begin else None,
            end_ns=int(end) * 1_000_000 if end else None,
            venue_order_id=sim_ord_id(request.param("ordId")),
        )
        fills = sorted(fills, key=lambda f: f.ts, reverse=True)[:100]
        out = []
        for fill in fills:
            order = self.exchange.order(fill.venue_order_id)
            algo = bool(order and order.meta.get("algo"))
            out.append(fill_record(fill, self.exchange.instrument(fill.symbol), algo))  # type: ignore[arg-type]
        return _ok(out)

    async def _balance(self, request: Request) -> Response:
        return _ok([balance_record(self.exchange.balances(), self.exchange.now())])

    async def _positions(self, request: Request) -> Response:
        out = []
        for position in self.exchange.positions():
            if position.quantity == 0:
                continue
            if request.param("instId") and position.symbol != request.param("instId"):
                continue
            out.append(position_record(position, self.exchange.instrument(position.symbol)))  # type: ignore[arg-type]
        return _ok(out)

    # -- WebSocket ----------------------------------------------------------------------------------

    async def serve_stream(self, conn: StreamConnection) -> None:
        """OKX's stream protocol on one connection (see the module docstring)."""
        await conn.ws.accept()
        self._conn_ids += 1
        conn.state["connId"] = f"{self._conn_ids:08x}"
        while True:
            message: str | bytes | None = None
            with anyio.move_on_after(self.idle_close):
                message = await conn.ws.receive()
            if message is None:
                # OKX closes a connection that stays silent for 30 s.
                await conn.ws.close(4004, "No data received in 30s.")
                return
            if message == "ping":
                self.record_text_ping()
                await conn.send_text("pong")
                continue
            await self._on_request(conn, message)

    async def _on_request(self, conn: StreamConnection, raw: str | bytes) -> None:
        conn_id = conn.state["connId"]
        try:
            request = json_codec.loads(raw)
            op = request["op"]
        except (ValueError, KeyError, TypeError):
            await conn.send_json(
                {
                    "event": "error",
                    "code": "60012",
                    "msg": f"Invalid request: {raw!s:.100}",
                    "connId": conn_id,
                }
            )
            return
        rid = request.get("id")
        base = {"id": rid} if rid else {}
        if op == "login":
            await self._login(conn, request, base)
            return
        if op not in ("subscribe", "unsubscribe"):
            await conn.send_json(
                {
                    **base,
                    "event": "error",
                    "code": "60012",
                    "msg": "Invalid request",
                    "connId": conn_id,
                }
            )
            return
        if op == "subscribe":
            self.record_subscribe_message()
        for arg in request.get("args", []):
            problem = self._subscription_problem(conn, arg)
            if problem is not None:
                code, text = problem
                await conn.send_json(
                    {**base, "event": "error", "code": code, "msg": text, "connId": conn_id}
                )
                continue
            topic = topic_for(arg)
            if op == "subscribe":
                conn.topics.add(topic)
                await conn.send_json({**base, "event": "subscribe", "arg": arg, "connId": conn_id})
                await self._initial_push(conn, arg)
            else:
                conn.topics.discard(topic)
                await conn.send_json(
                    {**base, "event": "unsubscribe", "arg": arg, "connId": conn_id}
                )
            self.server.notify()

    async def _login(
        self, conn: StreamConnection, request: dict[str, Any], base: dict[str, Any]
    ) -> None:
        conn_id = conn.state["connId"]
        try:
            (arg,) = request["args"]
            timestamp = str(arg["timestamp"])
            fresh = abs(self.login_clock_ms() / 1000 - float(timestamp)) <= _TIMESTAMP_WINDOW_S
            good = (
                arg["apiKey"] == self.API_KEY
                and arg["passphrase"] == self.PASSPHRASE
                and arg["sign"]
                == sign(self.API_SECRET, prehash(timestamp, "GET", "/users/self/verify"))
            )
        except (KeyError, TypeError, ValueError):
            fresh = good = False
        if good and fresh:
            conn.authenticated = True
            self.record_login(True, stamp_ms=int(float(timestamp) * 1000))
            await conn.send_json(
                {**base, "event": "login", "code": "0", "msg": "", "connId": conn_id}
            )
            return
        self.record_login(False)
        code, text = ("60006", "Timestamp request expired") if good else ("60009", "Login failed.")
        await conn.send_json(
            {**base, "event": "error", "code": code, "msg": text, "connId": conn_id}
        )

    def _subscription_problem(self, conn: StreamConnection, arg: Any) -> tuple[str, str] | None:
        if not isinstance(arg, dict) or "channel" not in arg:
            return ("60012", f"Invalid request: {arg}")
        channel = arg["channel"]
        path = conn.path.rsplit("/", 1)[-1]
        if channel in PRIVATE_CHANNELS:
            if path != "private":
                return ("60018", f"Wrong URL or channel:{channel} doesn't exist.")
            if not conn.authenticated:
                return ("60011", "Please log in")
            return None
        if channel in ("books-l2-tbt", "books50-l2-tbt") and not conn.authenticated:
            return ("60011", "Please log in")  # OKX: tick-by-tick books need a login
        business = channel.startswith(("candle", "mark-price-candle", "index-candle"))
        if business != (path == "business"):
            return ("60018", f"Wrong URL or channel:{channel} doesn't exist.")
        if channel == "instruments":
            return (
                None
                if arg.get("instType") in ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION")
                else ("60018", "Wrong instType")
            )
        if channel == "index-tickers":
            return None
        if self._inst(arg.get("instId")) is None:
            return (
                "60018",
                f"Wrong URL or channel:{channel},instId:{arg.get('instId')} "
                "doesn't exist. Please use the correct URL, channel and parameters "
                "referring to API document.",
            )
        return None

    async def _initial_push(self, conn: StreamConnection, arg: dict[str, Any]) -> None:
        channel = arg["channel"]
        if channel in _BOOK_CHANNELS or channel == "books5":
            symbol = arg["instId"]
            bids, asks = self._publish_state(symbol)
            if channel == "books5":
                await conn.send_json(self._books5_message(symbol, bids, asks))
                return

            async def snapshot() -> None:
                bids, asks = self._publish_state(symbol)
                seq = self._book_seq.setdefault(symbol, 1000)
                await conn.send_json(
                    self._book_message(channel, symbol, "snapshot", bids, asks, -1, seq, bids, asks)
                )

            if not self.snapshot_deferred(symbol, snapshot):
                await snapshot()

    # -- books ------------------------------------------------------------------------------------

    def _current(self, symbol: str) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
        snap = self.exchange.book(symbol, 400)
        return ({D(p): D(s) for p, s in snap.bids}, {D(p): D(s) for p, s in snap.asks})

    def _publish_state(
        self, symbol: str
    ) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        bids, asks = self._current(symbol)
        self._published[symbol] = (bids, asks)
        return (sorted(bids.items(), reverse=True), sorted(asks.items()))

    def _book_message(
        self,
        channel: str,
        symbol: str,
        action: str,
        bids: list[tuple[Decimal, Decimal]],
        asks: list[tuple[Decimal, Decimal]],
        prev: int,
        seq: int,
        full_bids: list[tuple[Decimal, Decimal]],
        full_asks: list[tuple[Decimal, Decimal]],
        checksum_delta: int = 0,
    ) -> dict[str, Any]:
        checksum = book_checksum(
            [(num(p), num(s)) for p, s in full_bids[:25]],
            [(num(p), num(s)) for p, s in full_asks[:25]],
        )
        return {
            "arg": {"channel": channel, "instId": symbol},
            "action": action,
            "data": [
                {
                    "asks": levels(asks),
                    "bids": levels(bids),
                    "ts": str(time.time_ns() // 1_000_000),
                    "checksum": checksum + checksum_delta,
                    "prevSeqId": prev,
                    "seqId": seq,
                }
            ],
        }

    def _books5_message(
        self, symbol: str, bids: list[tuple[Decimal, Decimal]], asks: list[tuple[Decimal, Decimal]]
    ) -> dict[str, Any]:
        return {
            "arg": {"channel": "books5", "instId": symbol},
            "data": [
                {
                    "asks": levels(asks[:5]),
                    "bids": levels(bids[:5]),
                    "instId": symbol,
                    "ts": str(time.time_ns() // 1_000_000),
                    "seqId": self._book_seq.get(symbol, 1000),
                }
            ],
        }

    async def _push_book_change(
        self, symbol: str, *, gap: bool = False, corrupt: bool = False
    ) -> None:
        old_bids, old_asks = self._published.get(symbol, ({}, {}))
        new_bids, new_asks = self._current(symbol)

        def diff(
            old: dict[Decimal, Decimal], new: dict[Decimal, Decimal]
        ) -> list[tuple[Decimal, Decimal]]:
            changed = [(p, s) for p, s in new.items() if old.get(p) != s]
            changed += [(p, D(0)) for p in old if p not in new]
            return changed

        bid_changes = sorted(diff(old_bids, new_bids), reverse=True)
        ask_changes = sorted(diff(old_asks, new_asks))
        if not bid_changes and not ask_changes and not gap and not corrupt:
            return
        self._published[symbol] = (new_bids, new_asks)
        prev = self._book_seq.setdefault(symbol, 1000)
        seq = prev + (2 if gap else 1)
        if gap:
            prev += 1  # the message that would have linked them is "lost"
        self._book_seq[symbol] = seq
        full_bids, full_asks = sorted(new_bids.items(), reverse=True), sorted(new_asks.items())
        await self.send_book_update(
            symbol,
            [
                (
                    f"{channel}:{symbol}",
                    self._book_message(
                        channel,
                        symbol,
                        "update",
                        bid_changes,
                        ask_changes,
                        prev,
                        seq,
                        full_bids,
                        full_asks,
                        1 if corrupt else 0,
                    ),
                )
                for channel in _BOOK_CHANNELS
            ],
        )
        await self.broadcast(f"books5:{symbol}", self._books5_message(symbol, full_bids, full_asks))

    async def set_book(self, instrument_id: InstrumentId, bids: Any, asks: Any) -> None:
        """Replace the venue's book; subscribers get the change as an update."""
        self.exchange.set_book(instrument_id.symbol.value, bids, asks)
        await self._flush()

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        """Change one level and stream it."""
        self.exchange.update_level(instrument_id.symbol.value, side, price, size)
        await self._flush()

    async def publish_book_gap(self, instrument_id: InstrumentId) -> None:
        """Stream an update whose ``prevSeqId`` skips one ``seqId`` (a lost message)."""
        await self._flush()
        await self._push_book_change(instrument_id.symbol.value, gap=True)

    async def publish_book_bad_checksum(self, instrument_id: InstrumentId) -> None:
        """The contract's name for :meth:`publish_book_corrupt_checksum` (RC4)."""
        await self.publish_book_corrupt_checksum(instrument_id)

    async def publish_book_corrupt_checksum(self, instrument_id: InstrumentId) -> None:
        """Stream a continuous update whose checksum is wrong (a corrupted message)."""
        await self._flush()
        self.checksum_corruptions += 1
        await self._push_book_change(instrument_id.symbol.value, corrupt=True)

    # -- market data controls -----------------------------------------------------------------------

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        """``bbo-tbt`` and ``tickers`` pushes (the venue's book is not changed)."""
        symbol = instrument_id.symbol.value
        now = str(time.time_ns() // 1_000_000)
        await self.broadcast(
            f"bbo-tbt:{symbol}",
            {
                "arg": {"channel": "bbo-tbt", "instId": symbol},
                "data": [
                    {
                        "asks": levels([(ask, ask_size)]),
                        "bids": levels([(bid, bid_size)]),
                        "ts": now,
                        "seqId": self._book_seq.get(symbol, 1000),
                    }
                ],
            },
        )
        inst = self.exchange.instrument(symbol)
        await self.broadcast(
            f"tickers:{symbol}",
            {
                "arg": {"channel": "tickers", "instId": symbol},
                "data": [
                    {
                        "instType": INST_TYPE[inst.product_type] if inst else "SPOT",
                        "instId": symbol,
                        "last": num(bid),
                        "lastSz": "0",
                        "askPx": num(ask),
                        "askSz": num(ask_size),
                        "bidPx": num(bid),
                        "bidSz": num(bid_size),
                        "open24h": num(bid),
                        "high24h": num(ask),
                        "low24h": num(bid),
                        "volCcy24h": "0",
                        "vol24h": "0",
                        "sodUtc0": num(bid),
                        "sodUtc8": num(bid),
                        "ts": now,
                    }
                ],
            },
        )

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        """A public trade (it may fill resting orders, as at OKX)."""
        events = self.exchange.trade(instrument_id.symbol.value, price, size, aggressor)
        trade_id = next(e.trade_id for e in events if isinstance(e, PublicTrade))
        await self._flush()
        return trade_id

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
        """A 1-minute candle on ``candle1m``: ``confirm`` 1 when closed, 0 while forming."""
        symbol = instrument_id.symbol.value
        await self.broadcast(
            f"candle1m:{symbol}",
            {
                "arg": {"channel": "candle1m", "instId": symbol},
                "data": [
                    [
                        str(ts_ms),
                        num(open),
                        num(high),
                        num(low),
                        num(close),
                        num(volume),
                        num(volume * close),
                        num(volume * close),
                        "1" if closed else "0",
                    ]
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
        """``mark-price``, ``index-tickers`` (of the family) and ``funding-rate`` pushes."""
        symbol = instrument_id.symbol.value
        self.exchange.set_mark_price(symbol, mark)
        self.exchange.set_index_price(symbol, index)
        await self._flush()
        now = str(time.time_ns() // 1_000_000)
        inst = self.exchange.instrument(symbol)
        inst_type = INST_TYPE[inst.product_type] if inst else "SWAP"
        await self.broadcast(
            f"mark-price:{symbol}",
            {
                "arg": {"channel": "mark-price", "instId": symbol},
                "data": [{"instType": inst_type, "instId": symbol, "markPx": num(mark), "ts": now}],
            },
        )
        family = "-".join(symbol.split("-")[:2])
        await self.broadcast(
            f"index-tickers:{family}",
            {
                "arg": {"channel": "index-tickers", "instId": family},
                "data": [
                    {
                        "instId": family,
                        "idxPx": num(index),
                        "open24h": num(index),
                        "high24h": num(index),
                        "low24h": num(index),
                        "sodUtc0": num(index),
                        "sodUtc8": num(index),
                        "ts": now,
                    }
                ],
            },
        )
        await self.broadcast(
            f"funding-rate:{symbol}",
            {
                "arg": {"channel": "funding-rate", "instId": symbol},
                "data": [
                    {
                        "formulaType": "noRate",
                        "fundingRate": num(funding_rate),
                        "fundingTime": str(next_funding_ms),
                        "nextFundingTime": str(next_funding_ms + 8 * 3_600_000),
                        "instId": symbol,
                        "instType": "SWAP",
                        "method": "current_period",
                        "maxFundingRate": "0.00375",
                        "minFundingRate": "-0.00375",
                        "premium": "0",
                        "settState": "settled",
                        "settFundingRate": "0",
                        "impactValue": "",
                        "interestRate": "",
                        "nextFundingRate": "",
                        "ts": now,
                    }
                ],
            },
        )

    async def publish_instrument_status(self, instrument_id: InstrumentId, status: str) -> None:
        """An ``instruments`` push with the OKX ``state`` for ``status`` (HALTED: suspend)."""
        symbol = instrument_id.symbol.value
        inst = self.exchange.instrument(symbol)
        if inst is None:
            return
        state = _STATUS_TO_STATE.get(status, "live")
        self._states[symbol] = state
        inst_type = INST_TYPE[inst.product_type]
        await self.broadcast(
            f"instruments:instType={inst_type}",
            {
                "arg": {"channel": "instruments", "instType": inst_type},
                "data": [instrument_record(inst, state)],
            },
        )

    # -- private pushes -------------------------------------------------------------------------------

    async def push_account_events(self) -> None:
        """Deliver queued exchange events now."""
        await self._flush()

    async def _flush(self) -> None:
        """Turn queued exchange events into OKX pushes, in order."""
        assert self._flush_lock is not None
        async with self._flush_lock:
            books: dict[str, None] = {}
            while self._pending:
                event = self._pending.popleft()
                if isinstance(event, BookUpdated):
                    books[event.symbol] = None
                elif isinstance(event, PublicTrade):
                    await self._push_trade(event)
                elif isinstance(
                    event,
                    (
                        OrderAccepted,
                        OrderCanceled,
                        OrderExpired,
                        OrderAmended,
                        OrderTriggered,
                        OrderFilled,
                    ),
                ):
                    await self._push_order(event)
                elif isinstance(event, BalanceChanged):
                    await self._push_private(
                        "account",
                        {"channel": "account"},
                        [balance_record([event.balance], event.ts)],
                    )
                elif isinstance(event, PositionChanged):
                    inst = self.exchange.instrument(event.position.symbol)
                    if inst is not None:
                        await self._push_private(
                            "positions",
                            {"channel": "positions", "instType": "ANY"},
                            [position_record(event.position, inst)],
                        )
            for symbol in books:
                await self._push_book_change(symbol)

    async def _push_trade(self, event: PublicTrade) -> None:
        side = "sell" if event.aggressor_side is AggressorSide.SELLER else "buy"
        await self.broadcast(
            f"trades:{event.symbol}",
            {
                "arg": {"channel": "trades", "instId": event.symbol},
                "data": [
                    {
                        "instId": event.symbol,
                        "tradeId": event.trade_id,
                        "px": num(event.price),
                        "sz": num(event.quantity),
                        "side": side,
                        "ts": ms(event.ts),
                        "count": "1",
                        "source": "0",
                    }
                ],
            },
        )

    async def _push_order(self, event: Any) -> None:
        order = event.order
        if order.meta.get("algo") and order.ts_triggered is None:
            return  # untriggered algo orders live on the orders-algo channel, not here
        inst = self.exchange.instrument(order.symbol)
        if inst is None:
            return
        fill = event.fill if isinstance(event, OrderFilled) else None
        record = order_record(order, inst, fill)
        if isinstance(event, OrderAmended):
            record["amendResult"] = "0"
        await self._push_private("orders", {"channel": "orders", "instType": "ANY"}, [record])

    async def _push_private(
        self, channel: str, arg: dict[str, Any], data: list[dict[str, Any]]
    ) -> None:
        await self.send_private(
            lambda conn: any(t.split(":", 1)[0] == channel for t in conn.topics),
            {"arg": arg, "data": data},
        )
