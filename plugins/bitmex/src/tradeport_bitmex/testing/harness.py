"""BitMEX mock venue: BitMEX's REST and realtime protocol on the SimulatedExchange.

REST under ``/api/v1`` with BitMEX's signature check (``api-expires`` must be in the future),
its error envelope and ``x-ratelimit-*`` headers; the realtime stream at ``/realtime`` with the
welcome banner, per-topic acks echoing ``subscribe``, refusals with ``status``/``error``,
``authKeyExpires``, text ``ping``/``pong``, server control pings, and tables sent as ``partial``
then ``insert``/``update``/``delete``.

Exchange events are queued by a listener and delivered by :meth:`BitmexHarness.flush` (called
after every REST command, every control, and by ``push_account_events``).
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    OrderType,
    PegPriceType,
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
    IdStyle,
    OrderAmended,
    OrderEvent,
    OrderFilled,
    PositionChanged,
    PostOnlyCross,
    PublicTrade,
    RejectReason,
    SimEvent,
    SimInstrument,
    SimulatedExchange,
)
from tradeport_conformance.simulated import (
    OrderAccepted as SimOrderAccepted,
)

from tradeport_bitmex.credential import sign
from tradeport_bitmex.testing.render import (
    MINOR,
    execution_row,
    instrument_record,
    iso,
    margin_row,
    num,
    order_row,
    order_update_row,
    position_row,
    wallet_row,
)

__all__ = ["BitmexHarness"]

API = "/api/v1"
VALID_KEY = "mock-bitmex-key-0001"
VALID_SECRET = "mock-bitmex-secret-0001-do-not-leak"
WRONG_SECRET = "mock-bitmex-wrong-secret-0002"
PAGE = 1000
PRIVATE = {"order", "execution", "position", "margin", "wallet"}
PUBLIC = {
    "quote",
    "trade",
    "orderBookL2",
    "orderBookL2_25",
    "orderBook10",
    "instrument",
    "funding",
    "tradeBin1m",
    "tradeBin5m",
    "tradeBin1h",
    "tradeBin1d",
}
_ORD_TYPES = {
    "Market": OrderType.MARKET,
    "Limit": OrderType.LIMIT,
    "Stop": OrderType.STOP_MARKET,
    "StopLimit": OrderType.STOP_LIMIT,
    "MarketIfTouched": OrderType.MARKET_IF_TOUCHED,
    "LimitIfTouched": OrderType.LIMIT_IF_TOUCHED,
    "Pegged": OrderType.PEGGED,
}
#: ``pegPriceType`` of a ``Pegged`` order.
_PEGS = {"PrimaryPeg": PegPriceType.PRIMARY, "MarketPeg": PegPriceType.MARKET}
#: ``pegPriceType`` that makes a Stop (StopLimit) order a trailing stop (stop-limit); its
#: ``pegOffsetValue`` is signed.
TRAILING_STOP_PEG = "TrailingStopPeg"
#: Stop order types that trail with TrailingStopPeg, as the SimulatedExchange's trailing types.
_TRAILING = {
    OrderType.STOP_MARKET: OrderType.TRAILING_STOP_MARKET,
    OrderType.STOP_LIMIT: OrderType.TRAILING_STOP_LIMIT,
}
_TIFS = {
    "GoodTillCancel": TimeInForce.GTC,
    "ImmediateOrCancel": TimeInForce.IOC,
    "FillOrKill": TimeInForce.FOK,
    "Day": TimeInForce.DAY,
}
_TRIGGERS = {
    "MarkPrice": TriggerType.MARK_PRICE,
    "IndexPrice": TriggerType.INDEX_PRICE,
    "LastPrice": TriggerType.LAST_PRICE,
}
_REJECT_TEXT = {
    RejectReason.UNKNOWN_INSTRUMENT: "Invalid symbol",
    RejectReason.INSUFFICIENT_BALANCE: "Account has insufficient Available Balance",
    RejectReason.INVALID_PRICE_INCREMENT: "Invalid price tickSize",
    RejectReason.INVALID_QUANTITY_INCREMENT: "Order quantity must be a multiple of lot size",
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: "Duplicate clOrdID",
    RejectReason.UNKNOWN_ORDER: "Not Found",
    RejectReason.ORDER_NOT_OPEN: "Invalid ordStatus",
    RejectReason.REDUCE_ONLY_VIOLATION: "ReduceOnly order would increase position",
}
_BINS = {"1m": 60, "5m": 300, "1h": 3600, "1d": 86400}
_HISTORY_PARAMS = {
    "/trade": {"symbol", "filter", "columns", "count", "start", "reverse", "startTime", "endTime"},
    "/trade/bucketed": {
        "binSize",
        "partial",
        "symbol",
        "filter",
        "columns",
        "count",
        "start",
        "reverse",
        "startTime",
        "endTime",
    },
}


def _d(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _form(request: Request) -> dict[str, Any]:
    """The request's parameters: query, then a form or JSON body (BitMEX accepts both)."""
    params: dict[str, Any] = dict(request.query)
    if request.body:
        content_type = request.header("content-type") or ""
        if "json" in content_type:
            params.update(json_codec.loads_exact(request.body))  # numbers as printed
        else:
            params.update(parse_qsl(request.body.decode(), keep_blank_values=True))
    return params


def _ids(value: Any) -> list[str]:
    """``orderID`` / ``clOrdID``: one id, a comma list, or a JSON array."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value)
    if text.startswith("["):
        return [str(v) for v in json_codec.loads(text)]
    return [part for part in text.split(",") if part]


def _time_ns(text: str | None) -> int | None:
    if not text:
        return None
    from datetime import datetime

    moment = datetime.fromisoformat(text)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


class BitmexHarness(MockVenue):
    """The BitMEX mock venue and its controls (see the module docstring)."""

    venue = "bitmex"
    features = ProtocolFeatures(
        server_control_ping=True,
        text_ping=True,
        stream_login=True,
        timestamp_window=True,
        book_sequence=False,
        book_checksum=False,
        subscription_refusal=True,
        close_codes=True,
        venue_rate_limit_code=False,
        login_stamps=True,
        login_clock=True,
        private_hold=True,
        # Instruments are listed from the exchange as exact JSON numbers (the client decodes
        # them exactly): the value scenarios re-list with a 1e-12 tick.
        exact_relisting=True,
    )
    stream_paths = ("/realtime",)
    server_ping_interval = 1.0

    def __init__(self) -> None:
        self._pending: list[SimEvent] = []
        self._quotes: dict[str, dict[str, Any]] = {}
        self._dynamic: dict[str, dict[str, Any]] = {}
        self._mirror: dict[str, dict[tuple[str, Decimal], Decimal]] = {}
        self._extra_instruments: list[dict[str, Any]] = []
        self._history_trades: dict[str, list[dict[str, Any]]] = {}
        self._history_bars: dict[str, list[dict[str, Any]]] = {}
        self._exec_ids = 0
        super().__init__()
        self.exchange.subscribe(self._pending.append)

    # -- the exchange ---------------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        sim = SimulatedExchange(
            seed=11,
            clock=time.time_ns,
            post_only_cross=PostOnlyCross.CANCEL,
            id_style=IdStyle.UUID,
        )
        fee = Decimal("0.0005")
        sim.add_instrument(
            SimInstrument(
                symbol="XBTUSD",
                product_type=ProductType.PERPETUAL,
                base_asset="XBT",
                quote_asset="USD",
                tick_size=Decimal("0.5"),
                lot_size=Decimal(100),
                min_qty=Decimal(100),
                maker_fee=fee,
                taker_fee=fee,
                is_inverse=True,
                settle_asset="XBT",
                meta={"multiplier": -100000000, "positionCurrency": "USD"},
            )
        )
        sim.add_instrument(
            SimInstrument(
                symbol="XBTZ26",
                product_type=ProductType.FUTURE,
                base_asset="XBT",
                quote_asset="USD",
                tick_size=Decimal("0.5"),
                lot_size=Decimal(100),
                min_qty=Decimal(100),
                maker_fee=fee,
                taker_fee=fee,
                is_inverse=True,
                settle_asset="XBT",
                meta={
                    "multiplier": -100000000,
                    "expiry": "2026-12-25T12:00:00.000Z",
                    "listing": "2026-06-26T12:00:00.000Z",
                },
            )
        )
        sim.add_instrument(
            SimInstrument(
                symbol="XBT_USDT",
                product_type=ProductType.SPOT,
                base_asset="XBT",
                quote_asset="USDT",
                tick_size=Decimal("0.5"),
                lot_size=Decimal("0.0001"),
                min_qty=Decimal("0.0001"),
                maker_fee=fee,
                taker_fee=fee,
                fee_in_quote=True,
            )
        )
        sim.set_balance("XBT", Decimal(100))
        sim.set_balance("USDT", Decimal(1_000_000))
        return sim

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        symbol = {
            ProductType.PERPETUAL: "XBTUSD",
            ProductType.FUTURE: "XBTZ26",
            ProductType.SPOT: "XBT_USDT",
        }.get(product)
        return InstrumentId.from_str(f"{symbol}.BITMEX") if symbol else None

    # -- what clients get -----------------------------------------------------------------------

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        config: dict[str, Any] = {
            "base_url_http": self.http_url,
            "base_url_ws": self.ws_url,
            "control_ping_interval": None,  # the server pings; keep client traffic minimal
            "reconnect_delay_initial": 0.05,
            "reconnect_delay_max": 0.5,
            "ack_timeout": 5.0,
            "http_retry_delay": 0.05,
        }
        if credentials in ("valid", "skewed"):
            config.update(api_key=VALID_KEY, api_secret=VALID_SECRET)
        elif credentials == "invalid":
            config.update(api_key=VALID_KEY, api_secret=WRONG_SECRET)
        if credentials == "skewed":
            config["clock_offset"] = -3600.0  # api-expires an hour in the past
        config.update(overrides)
        return config

    @property
    def secrets(self) -> list[str]:
        return [VALID_KEY, VALID_SECRET, WRONG_SECRET]

    def venue_amount(self, asset: str, amount: Decimal) -> Decimal:
        """BitMEX reports amounts in whole minor units (satoshis, micro-USDT)."""
        unit = MINOR.get(asset)
        if unit is None:
            return amount
        return Decimal(int((amount * unit[1]).to_integral_value())) / unit[1]

    # -- HTTP -------------------------------------------------------------------------------------

    def setup_routes(self) -> None:
        r = self.route
        r("GET", f"{API}/instrument/active", self._instrument_active)
        r("GET", f"{API}/instrument", self._instrument_active)
        r("GET", f"{API}/trade", self._trade)
        r("GET", f"{API}/trade/bucketed", self._trade_bucketed)
        r("GET", f"{API}/orderBook/L2", self._orderbook_l2)
        r("GET", f"{API}/order", self._get_order, signed=True)
        r("POST", f"{API}/order", self._post_order, signed=True)
        r("PUT", f"{API}/order", self._put_order, signed=True)
        r("DELETE", f"{API}/order", self._delete_order, signed=True)
        r("DELETE", f"{API}/order/all", self._delete_order_all, signed=True)
        r("GET", f"{API}/execution/tradeHistory", self._trade_history, signed=True)
        r("GET", f"{API}/position", self._position, signed=True)
        r("GET", f"{API}/user/margin", self._margin, signed=True)
        r("GET", f"{API}/user/wallet", self._wallet, signed=True)

    def verify_signature(self, request: Request) -> bool:
        key, expires = request.header("api-key"), request.header("api-expires")
        signature = request.header("api-signature")
        if key != VALID_KEY or not expires or not expires.isdigit() or signature is None:
            return False
        if int(expires) < time.time():
            return False
        expected = sign(VALID_SECRET, request.method, request.target, int(expires), request.body)
        return signature == expected

    def signature_failure_response(self, request: Request) -> Response:
        expires = request.header("api-expires") or ""
        if request.header("api-key") != VALID_KEY:
            return self.error_response(401, message="Invalid API Key.")
        if expires.isdigit() and int(expires) < time.time():
            return self.error_response(
                401,
                message=f"This request has expired - `expires` is in the past. "
                f"Current time: {int(time.time())}",
            )
        return self.error_response(401, message="Signature not valid.")

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        name = "RateLimitError" if status == 429 else "HTTPError"
        return Response.json(
            {"error": {"message": message or "error", "name": name}}, status=status, headers=headers
        )

    def _ok(self, payload: Any) -> Response:
        return Response.json(
            payload,
            headers={
                "x-ratelimit-limit": "120",
                "x-ratelimit-remaining": "119",
                "x-ratelimit-reset": str(int(time.time()) + 60),
                "x-ratelimit-remaining-1s": "9",
            },
        )

    def _instrument_records(self) -> list[dict[str, Any]]:
        now = self.exchange.now()
        return [instrument_record(i, now) for i in self.exchange.instruments()]

    async def _instrument_active(self, request: Request) -> Response:
        return self._ok([*self._instrument_records(), *self._extra_instruments])

    def add_malformed_instrument(self) -> None:
        """A record that cannot be parsed (no tickSize) next to the good ones."""
        self._extra_instruments.append(
            {
                "symbol": "BADXBT",
                "typ": "FFWCSX",
                "lotSize": 1,
                "timestamp": iso(self.exchange.now()),
            }
        )

    def _page(self, rows: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
        if params.get("reverse") in ("true", True):
            rows = list(reversed(rows))
        start = int(params.get("start") or 0)
        count = min(int(params.get("count") or 100), PAGE)
        return rows[start : start + count]

    def _in_range(self, rows: list[dict[str, Any]], params: dict[str, Any]) -> list[dict[str, Any]]:
        start, end = _time_ns(params.get("startTime")), _time_ns(params.get("endTime"))
        out = []
        for row in rows:
            ts = _time_ns(row["timestamp"]) or 0
            if (start is None or ts >= start) and (end is None or ts <= end):
                out.append(row)
        return out

    async def _trade(self, request: Request) -> Response:
        params = _form(request)
        rows = self._history_trades.get(params.get("symbol") or "", [])
        return self._ok(self._page(self._in_range(rows, params), params))

    async def _trade_bucketed(self, request: Request) -> Response:
        params = _form(request)
        if params.get("binSize") not in _BINS:
            return self.error_response(400, message="binSize must be one of 1m, 5m, 1h, 1d")
        rows = self._history_bars.get(params.get("symbol") or "", [])
        return self._ok(self._page(self._in_range(rows, params), params))

    def history_page_size(self) -> int:
        """BitMEX's largest page (``count``)."""
        return PAGE

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        """Past 1-minute bins and trades (oldest first), ending now."""
        symbol = instrument_id.symbol.value
        now = self.exchange.now()
        minute = 60 * 10**9
        last_close = now // minute * minute
        bar_rows = []
        for i in range(bars):
            close_ts = last_close - (bars - 1 - i) * minute
            bar_rows.append(
                {
                    "timestamp": iso(close_ts),
                    "symbol": symbol,
                    "open": 1000,
                    "high": 1001,
                    "low": 999,
                    "close": 1000.5,
                    "trades": 3,
                    "volume": 300,
                    "vwap": 1000.2,
                    "lastSize": 100,
                    "turnover": 0,
                    "homeNotional": 0.3,
                    "foreignNotional": 300,
                }
            )
        self._history_bars[symbol] = bar_rows
        trade_rows = []
        for i in range(trades):
            ts = now - (trades - i) * 10**9
            trade_rows.append(
                {
                    "timestamp": iso(ts),
                    "symbol": symbol,
                    "side": "Buy" if i % 2 else "Sell",
                    "size": 100,
                    "price": 1000,
                    "tickDirection": "ZeroPlusTick",
                    "trdMatchID": f"00000000-0000-0000-0000-{i:012d}",
                    "grossValue": 0,
                    "homeNotional": 0.1,
                    "foreignNotional": 100,
                }
            )
        self._history_trades[symbol] = trade_rows

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        """Problems with a history request: unknown parameters, count above 1000, bad times."""
        path = request.path.removeprefix(API)
        allowed = _HISTORY_PARAMS.get(path)
        if allowed is None:
            return []
        problems = []
        for name, value in request.query:
            if name not in allowed:
                problems.append(f"{path}: unknown parameter {name!r}")
            if name == "count" and not 1 <= int(value) <= PAGE:
                problems.append(f"{path}: count {value} outside 1..{PAGE}")
            if name in ("startTime", "endTime") and not value.endswith("Z"):
                problems.append(f"{path}: {name} {value!r} is not ISO-8601 UTC")
        if path == "/trade/bucketed" and dict(request.query).get("binSize") not in _BINS:
            problems.append("/trade/bucketed: binSize missing or invalid")
        return problems

    def _book_rows(self, symbol: str, depth: int | None = None) -> list[dict[str, Any]]:
        book = self.exchange.book(symbol, depth)
        sim = self.exchange.instrument(symbol)
        rows = []
        ts = iso(self.exchange.now())
        for side, levels in (("Sell", reversed(book.asks)), ("Buy", book.bids)):
            for price, size in levels:
                rows.append(
                    {
                        "symbol": symbol,
                        "id": self._level_id(sim, price),
                        "side": side,
                        "size": num(size),
                        "price": num(price),
                        "timestamp": ts,
                        "transactTime": ts,
                    }
                )
        return rows

    @staticmethod
    def _level_id(sim: Any, price: Decimal) -> int:
        # BitMEX derives level ids from the price; any injective map serves the protocol.
        return 8_800_000_000 - int(price / sim.tick_size)

    async def _orderbook_l2(self, request: Request) -> Response:
        params = _form(request)
        symbol = params.get("symbol") or ""
        if self.exchange.instrument(symbol) is None:
            return self.error_response(400, message="Invalid symbol")
        depth = int(params.get("depth") or 0) or None
        return self._ok(self._book_rows(symbol, depth))

    # -- orders -----------------------------------------------------------------------------------

    def _orders(self, symbol: str | None) -> list[Any]:
        return [*self.exchange.closed_orders(symbol), *self.exchange.open_orders(symbol)]

    async def _get_order(self, request: Request) -> Response:
        params = _form(request)
        symbol = params.get("symbol") or None
        conditions = json_codec.loads(params["filter"]) if params.get("filter") else {}
        orders = (
            self.exchange.open_orders(symbol) if conditions.get("open") else self._orders(symbol)
        )
        if "clOrdID" in conditions:
            orders = [o for o in orders if o.client_order_id == conditions["clOrdID"]]
        if "orderID" in conditions:
            orders = [o for o in orders if o.venue_order_id == conditions["orderID"]]
        orders.sort(key=lambda o: o.ts_created)
        rows = self._in_range([order_row(o) for o in orders], params)
        return self._ok(self._page(rows, params))

    async def _post_order(self, request: Request) -> Response:
        p = _form(request)
        symbol = p.get("symbol") or ""
        if self.exchange.instrument(symbol) is None:
            return self.error_response(400, message="Invalid symbol")
        ord_type = _ORD_TYPES.get(p.get("ordType") or "Limit")
        side = OrderSide.BUY if p.get("side") == "Buy" else OrderSide.SELL
        peg_text = p.get("pegPriceType") or None
        peg_fields: dict[str, Any] = {}
        if peg_text == TRAILING_STOP_PEG and ord_type in _TRAILING:
            trailing = self._trailing_fields(side, p)
            if isinstance(trailing, str):
                return self.error_response(400, message=trailing)
            if ord_type is OrderType.STOP_LIMIT and p.get("price") in (None, ""):
                # POST /order: StopLimit orders "Specify an orderQty, stopPx, and price"; with
                # TrailingStopPeg the peg replaces stopPx, the limit price stays fixed.
                return self.error_response(
                    400, message="Invalid price: a StopLimit order needs a limit price"
                )
            ord_type, peg_fields = _TRAILING[ord_type], trailing
        elif ord_type is None or (peg_text is not None and ord_type is not OrderType.PEGGED):
            # TrailingStopPeg on MarketIfTouched/LimitIfTouched is real BitMEX too, but the
            # SimulatedExchange trails stops only, so the mock refuses it rather than fake it.
            return self.error_response(400, message=f"Unsupported ordType {p.get('ordType')}")
        elif ord_type is OrderType.PEGGED:
            peg = _PEGS.get(peg_text or "")
            if peg is None:
                return self.error_response(400, message=f"Invalid pegPriceType {peg_text}")
            peg_fields = {"peg_price_type": peg, "peg_offset": _d(p.get("pegOffsetValue"))}
        flags = {f for f in (p.get("execInst") or "").split(",") if f}
        trigger = next((_TRIGGERS[f] for f in flags if f in _TRIGGERS), TriggerType.DEFAULT)
        tif_text = p.get("timeInForce") or (
            "ImmediateOrCancel" if ord_type is OrderType.MARKET else "GoodTillCancel"
        )
        tif = _TIFS.get(tif_text)
        if tif is None:
            return self.error_response(400, message=f"Invalid timeInForce {tif_text}")
        result = self.exchange.submit(
            symbol,
            side,
            ord_type,
            _d(p.get("orderQty")),
            price=_d(p.get("price")),
            trigger_price=_d(p.get("stopPx")),
            trigger_type=trigger,
            time_in_force=tif,
            post_only="ParticipateDoNotInitiate" in flags,
            reduce_only=bool(flags & {"ReduceOnly", "Close"}),
            client_order_id=p.get("clOrdID") or None,
            **peg_fields,
        )
        await self.flush()
        if not result.ok:
            return self.error_response(
                400, message=_REJECT_TEXT.get(result.reason, result.message or str(result.reason))
            )  # type: ignore[arg-type]
        assert result.order is not None
        return self._ok(order_row(result.order))

    @staticmethod
    def _trailing_fields(side: OrderSide, p: dict[str, Any]) -> dict[str, Any] | str:
        """A ``Stop``/``StopLimit`` + ``TrailingStopPeg`` form as the SimulatedExchange's
        trailing stop (stop-limit, with its fixed ``price``).

        BitMEX trails by a price offset whose sign says the direction: negative (below the
        market) for a sell stop, positive for a buy stop. The venue computes ``stopPx`` from
        the market, so the mock refuses one sent alongside. Returns the ``submit`` keywords,
        or the error text.
        """
        offset = _d(p.get("pegOffsetValue"))
        if offset is None or offset == 0:
            return "Invalid pegOffsetValue: a TrailingStopPeg order needs a non-zero offset"
        if (offset < 0) is not (side is OrderSide.SELL):
            return "Invalid pegOffsetValue: use a negative offset for stop-sell orders"
        if p.get("stopPx") not in (None, ""):
            return "Invalid stopPx: a TrailingStopPeg order's stopPx is set by the venue"
        return {"trailing_offset": abs(offset), "trailing_offset_type": TrailingOffsetType.PRICE}

    async def _put_order(self, request: Request) -> Response:
        p = _form(request)
        result = self.exchange.amend(
            p.get("orderID") or None,
            client_order_id=p.get("origClOrdID") or None,
            quantity=_d(p.get("orderQty")),
            price=_d(p.get("price")),
            trigger_price=_d(p.get("stopPx")),
        )
        await self.flush()
        if not result.ok:
            return self.error_response(
                400, message=_REJECT_TEXT.get(result.reason, result.message or "Invalid amend")
            )  # type: ignore[arg-type]
        assert result.order is not None
        return self._ok(order_row(result.order))

    async def _delete_order(self, request: Request) -> Response:
        p = _form(request)
        refs = [("orderID", i) for i in _ids(p.get("orderID"))]
        refs += [("clOrdID", i) for i in _ids(p.get("clOrdID"))]
        if not refs:
            return self.error_response(400, message="Must specify orderID or clOrdID")
        rows = []
        for kind, value in refs:
            result = (
                self.exchange.cancel(value)
                if kind == "orderID"
                else self.exchange.cancel(client_order_id=value)
            )
            if result.ok and result.order is not None:
                rows.append(order_row(result.order))
                continue
            existing = (
                self.exchange.order(value)
                if kind == "orderID"
                else self.exchange.order(client_order_id=value)
            )
            row: dict[str, Any] = order_row(existing) if existing else {kind: value}
            row["error"] = (
                f"Unable to cancel order due to existing state: {row.get('ordStatus')}"
                if existing
                else "Not Found"
            )
            rows.append(row)
        await self.flush()
        return self._ok(rows)

    async def _delete_order_all(self, request: Request) -> Response:
        p = _form(request)
        batch = self.exchange.cancel_all(p.get("symbol") or None)
        await self.flush()
        return self._ok([order_row(r.order) for r in batch.results if r.order is not None])

    async def _trade_history(self, request: Request) -> Response:
        params = _form(request)
        fills = self.exchange.fills(params.get("symbol") or None)
        rows = [
            execution_row(f, self.exchange.order(f.venue_order_id), self._exec_id(f)) for f in fills
        ]
        return self._ok(self._page(self._in_range(rows, params), params))

    def _exec_id(self, fill: Any) -> str:
        # One execution per fill: derived from the trade id so REST and stream agree.
        return f"exec-{fill.trade_id}"

    async def _position(self, request: Request) -> Response:
        return self._ok([position_row(p) for p in self.exchange.positions(include_flat=True)])

    async def _margin(self, request: Request) -> Response:
        now = self.exchange.now()
        return self._ok([margin_row(b, now) for b in self.exchange.balances() if b.asset in MINOR])

    async def _wallet(self, request: Request) -> Response:
        now = self.exchange.now()
        return self._ok([wallet_row(b, now) for b in self.exchange.balances() if b.asset in MINOR])

    # -- the realtime stream ----------------------------------------------------------------------

    async def serve_stream(self, conn: StreamConnection) -> None:
        await conn.ws.accept()
        await conn.send_json(
            {
                "info": "Welcome to the BitMEX Realtime API.",
                "version": "2020-10-09T21:10:34.000Z",
                "timestamp": iso(self.exchange.now()),
                "docs": "https://www.bitmex.com/app/wsAPI",
                "limit": {"remaining": 39},
            }
        )
        async for raw in conn.ws:
            if raw == "ping":
                self.record_text_ping()
                await conn.send_text("pong")
                continue
            try:
                message = json_codec.loads(raw)
                op = message.get("op")
            except (ValueError, TypeError, AttributeError):
                await conn.send_json(
                    {"status": 400, "error": "Unable to parse request.", "meta": {}}
                )
                continue
            args = message.get("args")
            args = [args] if isinstance(args, (str, int)) else list(args or [])
            if op == "subscribe":
                self.record_subscribe_message()
                for topic in args:
                    await self._subscribe(conn, str(topic), message)
            elif op == "unsubscribe":
                for topic in args:
                    conn.topics.discard(str(topic))
                    await conn.send_json(
                        {"success": True, "unsubscribe": topic, "request": message}
                    )
                self.server.notify()
            elif op == "authKeyExpires":
                await self._login(conn, args, message)
            else:
                await conn.send_json(
                    {
                        "status": 400,
                        "error": f"Unknown or unsupported op {op}",
                        "meta": {},
                        "request": message,
                    }
                )

    async def _login(self, conn: StreamConnection, args: list[Any], message: Any) -> None:
        ok = (
            len(args) == 3
            and args[0] == VALID_KEY
            and isinstance(args[1], int)
            and args[1] * 1000 >= self.login_clock_ms()
            and args[2] == sign(VALID_SECRET, "GET", "/realtime", args[1])
        )
        self.record_login(ok, stamp_ms=args[1] * 1000 if ok else None)
        if ok:
            conn.authenticated = True
            await conn.send_json({"success": True, "request": message})
        else:
            await conn.send_json(
                {"status": 401, "error": "Signature not valid.", "meta": {}, "request": message}
            )

    async def _subscribe(self, conn: StreamConnection, topic: str, message: Any) -> None:
        table, _, symbol = topic.partition(":")
        refusal = None
        if table not in PUBLIC and table not in PRIVATE:
            refusal = (400, f"Unknown table: {table}")
        elif table in PRIVATE and not conn.authenticated:
            refusal = (
                401,
                "User requested an account-locked subscription but no authorization was provided.",
            )
        elif symbol and self.exchange.instrument(symbol) is None:
            refusal = (400, f"Unknown or expired symbol: {symbol}")
        if refusal is not None:
            # BitMEX echoes the client's whole request (every topic of the batch) and names the
            # refused one in the error text (as third-party captures of its replies show).
            await conn.send_json(
                {"status": refusal[0], "error": refusal[1], "meta": {}, "request": message}
            )
            return
        conn.topics.add(topic)
        self.server.notify()
        await conn.send_json({"success": True, "subscribe": topic, "request": message})
        await conn.send_json(
            {
                "table": table,
                "action": "partial",
                "keys": [],
                "filter": {"symbol": symbol} if symbol else {},
                "data": self._partial_rows(table, symbol),
            }
        )

    def _partial_rows(self, table: str, symbol: str) -> list[dict[str, Any]]:
        now = self.exchange.now()
        if table == "quote":
            return [self._quotes[symbol]] if symbol in self._quotes else []
        if table in ("orderBookL2", "orderBookL2_25"):
            return self._book_rows(symbol, 25 if table == "orderBookL2_25" else None)
        if table == "orderBook10":
            return [self._book10(symbol)]
        if table == "instrument":
            sim = self.exchange.instrument(symbol)
            return [{**instrument_record(sim, now), **self._dynamic.get(symbol, {})}] if sim else []
        if table == "order":
            return [order_row(o) for o in self.exchange.open_orders()]
        if table == "position":
            return [position_row(p) for p in self.exchange.positions()]
        if table == "margin":
            return [margin_row(b, now) for b in self.exchange.balances() if b.asset in MINOR]
        if table == "wallet":
            return [wallet_row(b, now) for b in self.exchange.balances() if b.asset in MINOR]
        return []

    def _book10(self, symbol: str) -> dict[str, Any]:
        book = self.exchange.book(symbol, 10)
        return {
            "symbol": symbol,
            "bids": [[num(p), num(s)] for p, s in book.bids],
            "asks": [[num(p), num(s)] for p, s in book.asks],
            "timestamp": iso(self.exchange.now()),
        }

    async def _to_topic(self, topic: str, payload: Any) -> None:
        await self.broadcast(topic, payload)

    async def _private(self, table: str, action: str, rows: list[dict[str, Any]]) -> None:
        payload = {"table": table, "action": action, "data": rows}
        await self.send_private(lambda conn: table in conn.topics, payload)

    # -- delivering exchange events ------------------------------------------------------------

    async def flush(self) -> None:
        """Deliver queued exchange events on the stream, in order."""
        while self._pending:
            event = self._pending.pop(0)
            await self._deliver(event)

    async def push_account_events(self) -> None:
        await self.flush()

    async def _deliver(self, event: SimEvent) -> None:
        if isinstance(event, OrderFilled):
            fill = event.fill
            await self._private(
                "execution", "insert", [execution_row(fill, event.order, self._exec_id(fill))]
            )
            await self._private("order", "update", [order_row(event.order, event.ts)])
        elif isinstance(event, OrderAmended) and _trail_moved(event):
            # The venue moved a trailing stop: BitMEX pushes the changed stopPx in an update.
            await self._private(
                "order", "update", [order_update_row(event.previous, event.order, event.ts)]
            )
        elif isinstance(event, OrderEvent):
            action = "insert" if isinstance(event, SimOrderAccepted) else "update"
            await self._private("order", action, [order_row(event.order, event.ts)])
        elif isinstance(event, PublicTrade):
            await self._to_topic(
                f"trade:{event.symbol}",
                {
                    "table": "trade",
                    "action": "insert",
                    "data": [
                        {
                            "timestamp": iso(event.ts),
                            "symbol": event.symbol,
                            "side": "Buy"
                            if event.aggressor_side is AggressorSide.BUYER
                            else "Sell",
                            "size": num(event.quantity),
                            "price": num(event.price),
                            "tickDirection": "PlusTick",
                            "trdMatchID": event.trade_id,
                            "grossValue": 0,
                            "homeNotional": 0,
                            "foreignNotional": 0,
                        }
                    ],
                },
            )
        elif isinstance(event, BookUpdated):
            await self._book_event(event)
        elif isinstance(event, PositionChanged):
            await self._private("position", "update", [position_row(event.position)])
        elif isinstance(event, BalanceChanged):
            balance = event.balance
            if balance.asset in MINOR:
                # BitMEX keeps a margin record per margin currency (XBt and USDt).
                await self._private("margin", "update", [margin_row(balance, event.ts)])
                await self._private("wallet", "update", [wallet_row(balance, event.ts)])

    async def _book_event(self, event: BookUpdated) -> None:
        symbol = event.symbol
        sim = self.exchange.instrument(symbol)
        mirror = self._mirror.setdefault(symbol, {})
        if event.is_snapshot:
            new = {("Buy", p): s for p, s in event.bids}
            new.update({("Sell", p): s for p, s in event.asks})
            changes = [(k, Decimal(0)) for k in mirror if k not in new]
            changes += [(k, s) for k, s in new.items() if mirror.get(k) != s]
        else:
            changes = [(("Buy", p), s) for p, s in event.bids]
            changes += [(("Sell", p), s) for p, s in event.asks]
        inserts, updates, deletes = [], [], []
        ts = iso(event.ts)
        for (side, price), size in changes:
            row = {
                "symbol": symbol,
                "id": self._level_id(sim, price),
                "side": side,
                "timestamp": ts,
                "transactTime": ts,
            }
            if not size:
                if (side, price) in mirror:
                    del mirror[(side, price)]
                    deletes.append(row)
            elif (side, price) in mirror:
                mirror[(side, price)] = size
                updates.append({**row, "size": num(size), "price": num(price)})
            else:
                mirror[(side, price)] = size
                inserts.append({**row, "size": num(size), "price": num(price)})
        for table in ("orderBookL2", "orderBookL2_25"):
            topic = f"{table}:{symbol}"
            for action, rows in (("delete", deletes), ("update", updates), ("insert", inserts)):
                if rows:
                    await self._to_topic(topic, {"table": table, "action": action, "data": rows})
        await self._to_topic(
            f"orderBook10:{symbol}",
            {"table": "orderBook10", "action": "update", "data": [self._book10(symbol)]},
        )

    # -- controls: market data ------------------------------------------------------------------

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        symbol = instrument_id.symbol.value
        row = {
            "timestamp": iso(self.exchange.now()),
            "symbol": symbol,
            "bidSize": num(bid_size),
            "bidPrice": num(bid),
            "askPrice": num(ask),
            "askSize": num(ask_size),
        }
        self._quotes[symbol] = row
        await self._to_topic(
            f"quote:{symbol}", {"table": "quote", "action": "insert", "data": [row]}
        )

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        events = self.exchange.trade(instrument_id.symbol.value, price, size, aggressor)
        await self.flush()
        trade = next(e for e in events if isinstance(e, PublicTrade))
        return trade.trade_id

    async def set_book(self, instrument_id: InstrumentId, bids: Any, asks: Any) -> None:
        self.exchange.set_book(instrument_id.symbol.value, bids, asks)
        await self.flush()

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        self.exchange.update_level(instrument_id.symbol.value, side, price, size)
        await self.flush()

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
        """A ``tradeBin1m`` row. BitMEX publishes a bin only once it has closed, stamped with
        its end (the minute after ``ts_ms``), so a forming candle sends nothing."""
        if not closed:
            return
        symbol = instrument_id.symbol.value
        row = {
            "timestamp": iso((ts_ms + 60_000) * 1_000_000),
            "symbol": symbol,
            "open": num(open),
            "high": num(high),
            "low": num(low),
            "close": num(close),
            "trades": 1,
            "volume": num(volume),
            "vwap": num(close),
            "lastSize": num(volume),
            "turnover": 0,
            "homeNotional": 0,
            "foreignNotional": 0,
        }
        await self._to_topic(
            f"tradeBin1m:{symbol}", {"table": "tradeBin1m", "action": "insert", "data": [row]}
        )

    async def publish_mark_price(
        self,
        instrument_id: InstrumentId,
        mark: Decimal,
        index: Decimal,
        funding_rate: Decimal,
        next_funding_ms: int,
    ) -> None:
        symbol = instrument_id.symbol.value
        self.exchange.set_mark_price(symbol, mark)
        self.exchange.set_index_price(symbol, index)
        self._pending.clear()  # price marks produce no stream messages of their own here
        row = {
            "symbol": symbol,
            "markPrice": num(mark),
            "fairPrice": num(mark),
            "indicativeSettlePrice": num(index),
            "fundingRate": num(funding_rate),
            "fundingTimestamp": iso(next_funding_ms * 1_000_000),
            "fundingInterval": "2000-01-01T08:00:00.000Z",
            "timestamp": iso(self.exchange.now()),
        }
        self._dynamic.setdefault(symbol, {}).update(row)
        await self._to_topic(
            f"instrument:{symbol}", {"table": "instrument", "action": "update", "data": [row]}
        )


def _trail_moved(event: OrderAmended) -> bool:
    """Whether the exchange moved a trailing stop's trigger (not a client amend: BitMEX lets
    no one amend a TrailingStopPeg's stopPx, and the mock answers amends with whole rows)."""
    order, previous = event.order, event.previous
    return (
        order.order_type in _TRAILING.values()
        and order.trigger_price != previous.trigger_price
        and (order.quantity, order.price) == (previous.quantity, previous.price)
    )
