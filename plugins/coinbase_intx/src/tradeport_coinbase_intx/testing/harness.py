"""The mock CoinbaseIntx venue and its conformance harness.

:class:`CoinbaseIntxHarness` speaks the venue's real wire protocol on loopback: the REST endpoints
with signature and receive-window checks, the error envelope, 429 with ``Retry-After``, the
stream with login, subscriptions, acks and refusals, text and control pings, public topics and
private topics. It keeps no trading state of its own: requests become calls on the
:class:`~tradeport_conformance.simulated.SimulatedExchange`, whose events become stream
messages. The base class :class:`~tradeport_conformance.mock.MockVenue` brings the loopback
server, the fault proxy (FIN/RST drops, black hole, refused connections), request recording and
the observations the suite reads.

Shipped in the wheel (``tradeport_coinbase_intx.testing``) so ``tradeport conformance coinbase_intx`` works
wherever the plugin is installed; imported only by the conformance hook.
"""

from __future__ import annotations

import hmac
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import anyio
from tradeport.model.enums import AggressorSide, OrderSide, ProductType, TimeInForce
from tradeport.model.identifiers import InstrumentId
from tradeport.net import json_codec
from tradeport.testing import Request, Response
from tradeport_conformance.harness import Credentials, ProtocolFeatures, RecordedRequest
from tradeport_conformance.mock import MockVenue, StreamConnection
from tradeport_conformance.simulated import (
    BalanceChanged,
    BookUpdated,
    IdStyle,
    ImmediateTrigger,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRef,
    OrderTriggered,
    PositionChanged,
    PostOnlyCross,
    PublicTrade,
    ReduceOnlyExcess,
    SimEvent,
    SimInstrument,
    SimulatedExchange,
)

from tradeport_coinbase_intx.constants import (
    HEADER_API_KEY,
    HEADER_RECV_WINDOW,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    MAX_BOOK_DEPTH,
    MAX_PAGE_LIMIT,
    MAX_RECV_WINDOW_MS,
    MAX_TOPICS_PER_REQUEST,
    VENUE_ID,
    VENUE_NAME,
)
from tradeport_coinbase_intx.credential import sign, signature_payload
from tradeport_coinbase_intx.enums import (
    BAR_INTERVALS,
    ORDER_SIDE,
    ORDER_TYPE,
    TIME_IN_FORCE,
    VENUE_ORDER_TYPE,
)
from tradeport_coinbase_intx.testing.render import (
    REJECT_CODES,
    fmt,
    ms,
    render_balance,
    render_book,
    render_fill,
    render_instrument,
    render_levels,
    render_order,
    render_position,
)
from tradeport_coinbase_intx.urls import STREAM_PATH
from tradeport_coinbase_intx.websocket.topics import BARS, BOOK, MARK, PRIVATE_TOPICS, QUOTES, TRADES

__all__ = ["CoinbaseIntxHarness"]

NS_PER_MS: Final = 1_000_000
MINUTE_MS: Final = 60_000
_DEFAULT_RECV_WINDOW: Final = 5_000
_PUBLIC_CHANNELS: Final = (QUOTES, TRADES, BOOK, BARS, MARK)
_HISTORY_PARAMS: Final = {
    "/api/v1/bars": ({"symbol", "interval", "start", "end", "limit"}, {"symbol", "interval"}),
    "/api/v1/trades": ({"symbol", "start", "end", "limit"}, {"symbol"}),
}

SPOT_SYMBOL: Final = "BTC-USDT"
PERP_SYMBOL: Final = "BTC-USDT-PERP"

Handler = Callable[[Request], Awaitable[Response]]


class _BadRequest(Exception):
    """A request the venue refuses with 400 INVALID_PARAMETER."""


def _param(request: Request, name: str, *, required: bool = False) -> str | None:
    value = request.param(name)
    if value in (None, "") and required:
        raise _BadRequest(f"{name} is required")
    return value or None


def _int_param(request: Request, name: str) -> int | None:
    value = _param(request, name)
    if value is None:
        return None
    if not value.isdigit():
        raise _BadRequest(f"{name} must be an integer, got {value!r}")
    return int(value)


def _decimal(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _BadRequest(f"{name} is not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise _BadRequest(f"{name} is not a finite number: {value!r}")
    return number


def _page(
    records: list[dict[str, Any]], key: str, start: int | None, end: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of ``records`` (sorted by ``key``) and the start of the next page.

    With ``start``: the oldest ``limit`` records from it; a page never ends inside one
    millisecond, so ``next_start`` is exact. Without: the most recent ``limit`` up to ``end``.
    """
    chosen = [
        r for r in records if (start is None or r[key] >= start) and (end is None or r[key] <= end)
    ]
    if start is None:
        return chosen[-limit:], None
    if len(chosen) <= limit:
        return chosen, None
    cut = limit
    while cut > 0 and chosen[cut][key] == chosen[cut - 1][key]:
        cut -= 1
    if cut == 0:  # one millisecond holds more than a page: return it whole
        cut = limit
        while cut < len(chosen) and chosen[cut][key] == chosen[cut - 1][key]:
            cut += 1
    page = chosen[:cut]
    return page, (chosen[cut][key] if cut < len(chosen) else None)


class CoinbaseIntxHarness(MockVenue):
    """The mock CoinbaseIntx venue plus the controls and observations of the VenueHarness."""

    venue = VENUE_NAME
    features = ProtocolFeatures(
        server_control_ping=True,
        text_ping=True,
        stream_login=True,
        timestamp_window=True,
        book_sequence=True,
        book_checksum=False,
        subscription_refusal=True,
        close_codes=True,
        venue_rate_limit_code=False,
    )
    stream_paths = (STREAM_PATH,)
    #: The real venue pings every 20 s; the mock pings often so tests see pongs quickly.
    server_ping_interval = 0.5

    API_KEY: Final = "coinbase_intx-test-key-7d41c2e9"
    API_SECRET: Final = "coinbase_intx-test-secret-b83f0a51"
    WRONG_SECRET: Final = "coinbase_intx-wrong-secret-19e6cc70"
    #: Client clock offset of the "skewed" credentials: twice the venue's largest window.
    SKEW_MS: Final = -2 * MAX_RECV_WINDOW_MS

    def __init__(self) -> None:
        # Set before the base class builds the exchange and routes.
        self._outbox: deque[tuple[SimEvent, int]] = deque()
        self._versions: dict[str, int] = {}
        self._trades: dict[str, list[dict[str, Any]]] = {}
        self._bars: dict[str, list[dict[str, Any]]] = {}
        self._malformed_instrument = False
        self._suppress_book_events = 0
        self._trade_counter = 0
        self._wake: anyio.Event | None = None
        self._flush_lock: anyio.Lock | None = None
        super().__init__()
        self.exchange.subscribe(self._on_exchange_event)

    # -- the venue's state ---------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        """Two spot pairs and a perpetual, funded balances, the venue's order rules."""
        now = time.time_ns()
        exchange = SimulatedExchange(
            seed=7,
            start_time_ns=now,
            post_only_cross=PostOnlyCross.REJECT,
            reduce_only_excess=ReduceOnlyExcess.REJECT,
            immediate_trigger=ImmediateTrigger.TRIGGER,
            id_style=IdStyle.NUMERIC,
        )
        listed = {"listed_at": now // NS_PER_MS - 86_400_000}
        for symbol, base, tick, lot in (
            (SPOT_SYMBOL, "BTC", "0.01", "0.001"),
            ("ETH-USDT", "ETH", "0.01", "0.01"),
        ):
            exchange.add_instrument(
                SimInstrument(
                    symbol=symbol,
                    product_type=ProductType.SPOT,
                    base_asset=base,
                    quote_asset="USDT",
                    tick_size=Decimal(tick),
                    lot_size=Decimal(lot),
                    min_qty=Decimal(lot),
                    max_qty=Decimal("1000"),
                    min_notional=Decimal("5"),
                    maker_fee=Decimal("0.0002"),
                    taker_fee=Decimal("0.0005"),
                    meta=dict(listed),
                )
            )
        exchange.add_instrument(
            SimInstrument(
                symbol=PERP_SYMBOL,
                product_type=ProductType.PERPETUAL,
                base_asset="BTC",
                quote_asset="USDT",
                settle_asset="USDT",
                tick_size=Decimal("0.1"),
                lot_size=Decimal("0.001"),
                min_qty=Decimal("0.001"),
                max_qty=Decimal("1000"),
                min_notional=Decimal("5"),
                maker_fee=Decimal("0.0002"),
                taker_fee=Decimal("0.0005"),
                initial_margin_rate=Decimal("0.1"),
                meta={**listed, "maintenance_margin": Decimal("0.05")},
            )
        )
        for asset, amount in (("USDT", "1000000"), ("BTC", "100"), ("ETH", "1000")):
            exchange.set_balance(asset, Decimal(amount))
        return exchange

    def _instrument(self, symbol: str) -> SimInstrument | None:
        return self.exchange.instrument(symbol)

    def _now_ms(self) -> int:
        return ms(self.exchange.now()) or 0

    def _version(self, order_id: str) -> int:
        return self._versions.get(order_id, 0)

    def _on_exchange_event(self, event: SimEvent) -> None:
        """Listener: called synchronously at the end of every exchange call."""
        version = 0
        if isinstance(event, OrderEvent) and event.order.venue_order_id:
            order_id = event.order.venue_order_id
            version = self._versions[order_id] = self._versions.get(order_id, 0) + 1
        if isinstance(event, PublicTrade):
            self._trades.setdefault(event.symbol, []).append(self._trade_record(event))
        self._outbox.append((event, version))
        if self._wake is not None:
            self._wake.set()

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> CoinbaseIntxHarness:
        await super().__aenter__()
        self._wake = anyio.Event()
        self._flush_lock = anyio.Lock()
        assert self._task_group is not None
        self._task_group.start_soon(self._pump)
        return self

    async def _pump(self) -> None:
        """Push exchange events on the streams as they happen."""
        while True:
            assert self._wake is not None
            await self._wake.wait()
            self._wake = anyio.Event()
            await self._flush()

    async def _flush(self) -> None:
        assert self._flush_lock is not None, "start the mock venue first (async with)"
        async with self._flush_lock:
            while self._outbox:
                event, version = self._outbox.popleft()
                await self._push(event, version)

    async def push_account_events(self) -> None:
        """Send every queued exchange event now."""
        await self._flush()

    # -- what the clients are given ------------------------------------------------------------

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        """A config dict pointing the clients at this mock venue."""
        config: dict[str, Any] = {
            "base_url_http": self.http_url,
            "base_url_ws": self.ws_url,
            # Loopback connects in milliseconds; a black-holed attempt should fail fast.
            "ws_connect_timeout": 3.0,
        }
        if credentials in ("valid", "skewed"):
            config.update(api_key=self.API_KEY, api_secret=self.API_SECRET)
        elif credentials == "invalid":
            config.update(api_key=self.API_KEY, api_secret=self.WRONG_SECRET)
        if credentials == "skewed":
            config["clock_offset_ms"] = self.SKEW_MS
        config.update(overrides)
        return config

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        """BTC-USDT (spot) and BTC-USDT-PERP (perpetual)."""
        symbol = {ProductType.SPOT: SPOT_SYMBOL, ProductType.PERPETUAL: PERP_SYMBOL}.get(product)
        return InstrumentId.of(symbol, VENUE_ID) if symbol else None

    @property
    def secrets(self) -> Sequence[str]:
        """Every credential value handed out."""
        return (self.API_KEY, self.API_SECRET, self.WRONG_SECRET)

    # -- HTTP: authentication ------------------------------------------------------------------

    def _secret_for(self, key: str | None) -> str | None:
        return self.API_SECRET if key == self.API_KEY else None

    def verify_signature(self, request: Request) -> bool:
        """Recompute the signature exactly as the venue does (see credential.py)."""
        secret = self._secret_for(request.header(HEADER_API_KEY))
        timestamp = request.header(HEADER_TIMESTAMP)
        signature = request.header(HEADER_SIGNATURE)
        if secret is None or not timestamp or not timestamp.isdigit() or not signature:
            return False
        payload = signature_payload(
            int(timestamp), request.method, request.path, request.raw_query, request.body
        )
        return hmac.compare_digest(sign(secret, payload), signature)

    def signature_failure_response(self, request: Request) -> Response:
        """401 with the precise code: missing headers, unknown key, or a wrong signature."""
        if not request.header(HEADER_API_KEY) or not request.header(HEADER_SIGNATURE):
            return self.error_response(
                401, venue_code="MISSING_AUTH", message="authentication headers missing"
            )
        if self._secret_for(request.header(HEADER_API_KEY)) is None:
            return self.error_response(401, venue_code="INVALID_API_KEY", message="unknown API key")
        return self.error_response(
            401, venue_code="INVALID_SIGNATURE", message="signature mismatch"
        )

    def _window_error(self, timestamp: Any, recv_window: Any) -> str | None:
        """Why a request timestamp is outside the receive window, or None when inside."""
        try:
            ts, window = int(timestamp), int(recv_window or _DEFAULT_RECV_WINDOW)
        except (TypeError, ValueError):
            return "timestamp and recv_window must be integers"
        window = min(window, MAX_RECV_WINDOW_MS)
        skew = int(time.time() * 1000) - ts
        if abs(skew) > window:
            return f"timestamp is {skew} ms off the server clock (receive window {window} ms)"
        return None

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        """``{"error": {"code", "message"}}`` with the status; 429 carries ``Retry-After``."""
        code = venue_code or {
            401: "INVALID_SIGNATURE",
            404: "NOT_FOUND",
            429: "RATE_LIMITED",
            503: "SERVICE_UNAVAILABLE",
        }.get(status, "INTERNAL_ERROR" if status >= 500 else "INVALID_PARAMETER")
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        return Response.json(
            {"error": {"code": str(code), "message": message or str(code).lower()}},
            status=status,
            headers=headers,
        )

    # -- HTTP: routes --------------------------------------------------------------------------

    def setup_routes(self) -> None:
        """Every endpoint of the venue (README, "The CoinbaseIntx API")."""
        public: dict[tuple[str, str], Handler] = {
            ("GET", "/api/v1/time"): self._get_time,
            ("GET", "/api/v1/instruments"): self._get_instruments,
            ("GET", "/api/v1/book"): self._get_book,
            ("GET", "/api/v1/trades"): self._get_trades,
            ("GET", "/api/v1/bars"): self._get_bars,
        }
        private: dict[tuple[str, str], Handler] = {
            ("GET", "/api/v1/balances"): self._get_balances,
            ("GET", "/api/v1/positions"): self._get_positions,
            ("POST", "/api/v1/orders"): self._post_order,
            ("PUT", "/api/v1/orders"): self._put_order,
            ("DELETE", "/api/v1/orders"): self._delete_order,
            ("DELETE", "/api/v1/orders/all"): self._delete_all_orders,
            ("POST", "/api/v1/orders/cancel-batch"): self._post_cancel_batch,
            ("GET", "/api/v1/orders"): self._get_order,
            ("GET", "/api/v1/orders/open"): self._get_open_orders,
            ("GET", "/api/v1/orders/history"): self._get_order_history,
            ("GET", "/api/v1/fills"): self._get_fills,
        }
        for (method, path), handler in public.items():
            self.route(method, path, self._guarded(handler))
        for (method, path), handler in private.items():
            self.route(method, path, self._guarded(self._in_window(handler)), signed=True)

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except _BadRequest as exc:
                return self.error_response(400, venue_code="INVALID_PARAMETER", message=str(exc))

        return guarded

    def _in_window(self, handler: Handler) -> Handler:
        async def checked(request: Request) -> Response:
            problem = self._window_error(
                request.header(HEADER_TIMESTAMP), request.header(HEADER_RECV_WINDOW)
            )
            if problem is not None:
                return self.error_response(
                    401, venue_code="TIMESTAMP_OUT_OF_WINDOW", message=problem
                )
            return await handler(request)

        return checked

    def _symbol(self, request: Request, value: str | None = None) -> SimInstrument:
        symbol = value or _param(request, "symbol", required=True)
        instrument = self._instrument(symbol or "")
        if instrument is None:
            raise _BadRequest(f"unknown symbol {symbol!r}")
        return instrument

    def _limit(self, request: Request) -> int:
        limit = _int_param(request, "limit")
        if limit is None:
            return 100
        if not 1 <= limit <= MAX_PAGE_LIMIT:
            raise _BadRequest(f"limit must be from 1 to {MAX_PAGE_LIMIT}")
        return limit

    def _order_json(self, order: Any, event: str | None = None) -> dict[str, Any]:
        return render_order(
            order, self._instrument(order.symbol), self._version(order.venue_order_id), event
        )

    def _refusal(self, reason: Any, message: str) -> Response:
        status, code = REJECT_CODES[reason]
        return self.error_response(status, venue_code=code, message=message)

    async def _get_time(self, request: Request) -> Response:
        return Response.json({"server_time": int(time.time() * 1000)})

    async def _get_instruments(self, request: Request) -> Response:
        wanted_type, wanted_symbol = _param(request, "type"), _param(request, "symbol")
        records = [render_instrument(i) for i in self.exchange.instruments()]
        if self._malformed_instrument:
            records.append(
                {
                    "symbol": "BROKEN-USDT",
                    "type": "spot",
                    "base": "BROKEN",
                    "quote": "USDT",
                    "tick_size": "not-a-number",
                    "status": "trading",
                }
            )
        records = [
            r
            for r in records
            if (wanted_type is None or r["type"] == wanted_type)
            and (wanted_symbol is None or r["symbol"] == wanted_symbol)
        ]
        return Response.json({"instruments": records})

    async def _get_book(self, request: Request) -> Response:
        instrument = self._symbol(request)
        depth = _int_param(request, "depth") or 50
        if not 1 <= depth <= MAX_BOOK_DEPTH:
            raise _BadRequest(f"depth must be from 1 to {MAX_BOOK_DEPTH}")
        book = self.exchange.book(instrument.symbol, depth)
        return Response.json(render_book(book, instrument, self._now_ms()))

    async def _get_trades(self, request: Request) -> Response:
        instrument = self._symbol(request)
        page, next_start = _page(
            self._trades.get(instrument.symbol, []),
            "ts",
            _int_param(request, "start"),
            _int_param(request, "end"),
            self._limit(request),
        )
        return Response.json({"trades": page, "next_start": next_start})

    async def _get_bars(self, request: Request) -> Response:
        instrument = self._symbol(request)
        interval = _param(request, "interval", required=True)
        if interval not in BAR_INTERVALS:
            raise _BadRequest(f"unknown interval {interval!r}")
        bars = self._bars.get(f"{interval}.{instrument.symbol}", [])
        page, next_start = _page(
            bars,
            "open_time",
            _int_param(request, "start"),
            _int_param(request, "end"),
            self._limit(request),
        )
        return Response.json({"bars": page, "next_start": next_start})

    async def _get_balances(self, request: Request) -> Response:
        now = self._now_ms()
        return Response.json(
            {"balances": [render_balance(b, now) for b in self.exchange.balances()]}
        )

    async def _get_positions(self, request: Request) -> Response:
        symbol = _param(request, "symbol")
        positions = self.exchange.positions(symbol, include_flat=True)
        return Response.json(
            {"positions": [render_position(p, self._instrument(p.symbol)) for p in positions]}
        )

    async def _post_order(self, request: Request) -> Response:
        body = self._json_body(request)
        try:
            side = ORDER_SIDE[body["side"]]
            order_type = ORDER_TYPE[body["type"]]
            tif = TIME_IN_FORCE[body.get("time_in_force", "gtc")]
        except KeyError as exc:
            raise _BadRequest(f"missing or unknown field: {exc}") from None
        quantity = _decimal(body.get("qty"), "qty")
        if quantity is None:
            raise _BadRequest("qty is required")
        expire = body.get("expire_time")
        if tif is TimeInForce.GTD and not isinstance(expire, int):
            raise _BadRequest("expire_time (ms) is required for gtd")
        result = self.exchange.submit(
            str(body.get("symbol", "")),
            side,
            order_type,
            quantity,
            price=_decimal(body.get("price"), "price"),
            trigger_price=_decimal(body.get("trigger_price"), "trigger_price"),
            time_in_force=tif,
            expire_time_ns=expire * NS_PER_MS if isinstance(expire, int) else None,
            post_only=bool(body.get("post_only", False)),
            reduce_only=bool(body.get("reduce_only", False)),
            client_order_id=body.get("client_order_id") or None,
        )
        if not result.ok:
            return self._refusal(result.reason, result.message)
        return Response.json({"order": self._order_json(result.order)})

    async def _put_order(self, request: Request) -> Response:
        body = self._json_body(request)
        self._symbol(request, str(body.get("symbol", "")))
        result = self.exchange.amend(
            body.get("order_id"),
            client_order_id=body.get("client_order_id"),
            quantity=_decimal(body.get("qty"), "qty"),
            price=_decimal(body.get("price"), "price"),
            trigger_price=_decimal(body.get("trigger_price"), "trigger_price"),
        )
        if not result.ok:
            return self._refusal(result.reason, result.message)
        return Response.json({"order": self._order_json(result.order)})

    def _order_ref(self, request: Request) -> tuple[str | None, str | None]:
        order_id, client_id = _param(request, "order_id"), _param(request, "client_order_id")
        if order_id is None and client_id is None:
            raise _BadRequest("order_id or client_order_id is required")
        return order_id, client_id

    async def _delete_order(self, request: Request) -> Response:
        self._symbol(request)
        order_id, client_id = self._order_ref(request)
        result = self.exchange.cancel(order_id, client_order_id=client_id)
        if not result.ok:
            return self._refusal(result.reason, result.message)
        return Response.json({"order": self._order_json(result.order)})

    async def _delete_all_orders(self, request: Request) -> Response:
        instrument = self._symbol(request)
        batch = self.exchange.cancel_all(instrument.symbol)
        orders = [self._order_json(r.order) for r in batch.results if r.ok and r.order]
        return Response.json({"orders": orders})

    async def _post_cancel_batch(self, request: Request) -> Response:
        body = self._json_body(request)
        self._symbol(request, str(body.get("symbol", "")))
        client_ids = body.get("client_order_ids")
        if not isinstance(client_ids, list) or not 1 <= len(client_ids) <= 20:
            raise _BadRequest("client_order_ids must list 1 to 20 ids")
        batch = self.exchange.cancel_many([OrderRef(client_order_id=str(c)) for c in client_ids])
        results: list[dict[str, Any]] = []
        for client_id, result in zip(client_ids, batch.results, strict=True):
            if result.ok and result.order is not None:
                results.append(
                    {"client_order_id": client_id, "order": self._order_json(result.order)}
                )
            else:
                _, code = REJECT_CODES[result.reason] if result.reason else (400, "ORDER_REJECTED")
                results.append(
                    {
                        "client_order_id": client_id,
                        "error": {"code": code, "message": result.message},
                    }
                )
        return Response.json({"results": results})

    async def _get_order(self, request: Request) -> Response:
        self._symbol(request)
        order_id, client_id = self._order_ref(request)
        order = self.exchange.order(order_id, client_order_id=client_id)
        if order is None:
            return self.error_response(404, venue_code="ORDER_NOT_FOUND", message="unknown order")
        return Response.json({"order": self._order_json(order)})

    async def _get_open_orders(self, request: Request) -> Response:
        symbol = _param(request, "symbol")
        orders = self.exchange.open_orders(symbol)
        return Response.json({"orders": [self._order_json(o) for o in orders]})

    async def _get_order_history(self, request: Request) -> Response:
        symbol = _param(request, "symbol")
        records = sorted(
            (self._order_json(o) for o in self.exchange.closed_orders(symbol)),
            key=lambda r: r["updated_at"],
        )
        page, next_start = _page(
            records,
            "updated_at",
            _int_param(request, "start"),
            _int_param(request, "end"),
            self._limit(request),
        )
        return Response.json({"orders": page, "next_start": next_start})

    async def _get_fills(self, request: Request) -> Response:
        symbol, order_id = _param(request, "symbol"), _param(request, "order_id")
        records = []
        for fill in self.exchange.fills(symbol, venue_order_id=order_id):
            order = self.exchange.order(fill.venue_order_id)
            order_type = VENUE_ORDER_TYPE[order.order_type] if order is not None else "limit"
            records.append(render_fill(fill, order_type, self._instrument(fill.symbol)))
        page, next_start = _page(
            records,
            "ts",
            _int_param(request, "start"),
            _int_param(request, "end"),
            self._limit(request),
        )
        return Response.json({"fills": page, "next_start": next_start})

    @staticmethod
    def _json_body(request: Request) -> dict[str, Any]:
        try:
            body = request.json()
        except ValueError:
            raise _BadRequest("the body is not JSON") from None
        if not isinstance(body, dict):
            raise _BadRequest("the body must be a JSON object")
        return body

    # -- the stream ----------------------------------------------------------------------------

    async def serve_stream(self, conn: StreamConnection) -> None:
        """One stream connection: login, subscriptions, pings, until it closes."""
        async for raw in conn.ws:
            try:
                message = json_codec.loads(raw)
            except ValueError:
                await self._stream_error(conn, "INVALID_JSON", "message is not JSON")
                continue
            op = message.get("op") if isinstance(message, dict) else None
            if op == "ping":
                self.record_text_ping()
                await conn.send_json({"op": "pong", "ts": int(time.time() * 1000)})
            elif op == "login":
                await self._login(conn, message)
            elif op in ("subscribe", "unsubscribe"):
                await self._subscription(conn, op, message)
            else:
                await self._stream_error(conn, "UNKNOWN_OP", f"unknown op {op!r}")

    async def _stream_error(self, conn: StreamConnection, code: str, text: str) -> None:
        await conn.send_json({"op": "error", "error": {"code": code, "message": text}})

    async def _login(self, conn: StreamConnection, message: dict[str, Any]) -> None:
        request_id = message.get("id")
        secret = self._secret_for(message.get("key"))
        timestamp = message.get("timestamp")
        problem: tuple[str, str] | None = None
        if secret is None:
            problem = ("INVALID_API_KEY", "unknown API key")
        elif not isinstance(timestamp, int) or not hmac.compare_digest(
            sign(secret, signature_payload(timestamp, "GET", STREAM_PATH)),
            str(message.get("signature", "")),
        ):
            problem = ("INVALID_SIGNATURE", "signature mismatch")
        else:
            window = self._window_error(timestamp, message.get("recv_window"))
            if window is not None:
                problem = ("TIMESTAMP_OUT_OF_WINDOW", window)
        self.record_login(problem is None)
        if problem is not None:
            await conn.send_json(
                {
                    "op": "login",
                    "id": request_id,
                    "success": False,
                    "error": {"code": problem[0], "message": problem[1]},
                }
            )
            return
        conn.authenticated = True
        await conn.send_json({"op": "login", "id": request_id, "success": True})

    def _topic_problem(self, conn: StreamConnection, topic: Any) -> str | None:
        if not isinstance(topic, str):
            return f"topic {topic!r} is not a string"
        if topic in PRIVATE_TOPICS:
            return None if conn.authenticated else f"{topic} needs a login"
        channel, _, rest = topic.partition(".")
        if channel == BARS:
            interval, _, symbol = rest.partition(".")
            if interval not in BAR_INTERVALS:
                return f"unknown bar interval in {topic}"
        else:
            symbol = rest
        instrument = self._instrument(symbol)
        if channel not in _PUBLIC_CHANNELS or instrument is None:
            return f"unknown topic {topic}"
        if channel == MARK and instrument.product_type is not ProductType.PERPETUAL:
            return f"{symbol} has no mark price"
        return None

    async def _subscription(self, conn: StreamConnection, op: str, message: dict[str, Any]) -> None:
        request_id = message.get("id")
        topics = message.get("topics")
        problem: tuple[str, str] | None = None
        if not isinstance(topics, list) or not topics:
            problem = ("INVALID_PARAMETER", "topics must be a non-empty list")
        elif len(topics) > MAX_TOPICS_PER_REQUEST:
            problem = ("TOO_MANY_TOPICS", f"at most {MAX_TOPICS_PER_REQUEST} topics per request")
        elif op == "subscribe":
            for topic in topics:
                text = self._topic_problem(conn, topic)
                if text is not None:
                    code = "NOT_LOGGED_IN" if topic in PRIVATE_TOPICS else "UNKNOWN_TOPIC"
                    problem = (code, text)
                    break
        if problem is not None:  # the whole request is refused: nothing changes
            await conn.send_json(
                {
                    "op": op,
                    "id": request_id,
                    "success": False,
                    "error": {"code": problem[0], "message": problem[1]},
                }
            )
            return
        assert isinstance(topics, list)
        if op == "unsubscribe":
            conn.topics.difference_update(topics)
            self.server.notify()
            await conn.send_json({"op": op, "id": request_id, "success": True})
            return
        self.record_subscribe_message()
        conn.topics.update(topics)
        self.server.notify()
        await conn.send_json({"op": op, "id": request_id, "success": True})
        for topic in topics:  # every book subscription starts with a snapshot
            channel, _, symbol = topic.partition(".")
            if channel == BOOK:
                await conn.send_json(self._book_message(symbol, snapshot=True))

    def _book_message(self, symbol: str, *, snapshot: bool) -> dict[str, Any]:
        book = self.exchange.book(symbol)
        instrument = self._instrument(symbol)
        assert instrument is not None
        return {
            "topic": f"{BOOK}.{symbol}",
            "type": "snapshot" if snapshot else "delta",
            "ts": self._now_ms(),
            "data": {
                "sequence": book.sequence,
                "prev_sequence": book.sequence - 1,
                "bids": render_levels(book.bids, instrument),
                "asks": render_levels(book.asks, instrument),
            },
        }

    # -- pushing exchange events ---------------------------------------------------------------

    async def _push(self, event: SimEvent, version: int) -> None:
        """One exchange event as the venue's stream message(s)."""
        ts = ms(event.ts)
        if isinstance(event, PublicTrade):
            await self.broadcast(
                f"{TRADES}.{event.symbol}",
                {
                    "topic": f"{TRADES}.{event.symbol}",
                    "ts": ts,
                    "data": [self._trade_record(event)],
                },
            )
        elif isinstance(event, BookUpdated):
            if self._suppress_book_events:  # a lost message (publish_book_gap)
                self._suppress_book_events -= 1
                return
            instrument = self._instrument(event.symbol)
            assert instrument is not None
            await self.broadcast(
                f"{BOOK}.{event.symbol}",
                {
                    "topic": f"{BOOK}.{event.symbol}",
                    "type": "snapshot" if event.is_snapshot else "delta",
                    "ts": ts,
                    "data": {
                        "sequence": event.sequence,
                        "prev_sequence": event.sequence - 1,
                        "bids": render_levels(event.bids, instrument),
                        "asks": render_levels(event.asks, instrument),
                    },
                },
            )
        elif isinstance(event, BalanceChanged):
            await self._private("balances", [render_balance(event.balance, ts or 0)], ts)
        elif isinstance(event, PositionChanged):
            position = event.position
            record = render_position(position, self._instrument(position.symbol))
            await self._private("positions", [record], ts)
        elif isinstance(event, OrderFilled):
            order = event.order
            instrument = self._instrument(order.symbol)
            fill = render_fill(event.fill, VENUE_ORDER_TYPE[order.order_type], instrument)
            await self._private("fills", [fill], ts)
            record = render_order(order, instrument, version, order.status.value.lower())
            await self._private("orders", [record], ts)
        elif isinstance(event, OrderEvent):
            name = _ORDER_EVENT_NAMES.get(type(event))
            if name is not None:  # rejections are answered on REST only
                record = render_order(
                    event.order, self._instrument(event.order.symbol), version, name
                )
                await self._private("orders", [record], ts)

    async def _private(self, topic: str, data: list[dict[str, Any]], ts: int | None) -> None:
        message = {"topic": topic, "ts": ts, "data": data}
        for conn in list(self.streams):
            if conn.authenticated and topic in conn.topics:
                await conn.send_json(message)

    def _trade_record(self, event: PublicTrade) -> dict[str, Any]:
        instrument = self._instrument(event.symbol)
        tick = instrument.tick_size if instrument else None
        lot = instrument.lot_size if instrument else None
        return {
            "trade_id": event.trade_id,
            "price": fmt(event.price, tick),
            "size": fmt(event.quantity, lot),
            "side": "buy" if event.aggressor_side is AggressorSide.BUYER else "sell",
            "ts": ms(event.ts),
        }

    # -- controls: market data -----------------------------------------------------------------

    def _sim_instrument(self, instrument_id: InstrumentId) -> SimInstrument:
        instrument = self._instrument(instrument_id.symbol.value)
        if instrument is None:
            raise KeyError(f"the mock venue lists no {instrument_id}")
        return instrument

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        """Send a ``quotes.<symbol>`` message."""
        instrument = self._sim_instrument(instrument_id)
        tick, lot = instrument.tick_size, instrument.lot_size
        symbol = instrument.symbol
        await self.broadcast(
            f"{QUOTES}.{symbol}",
            {
                "topic": f"{QUOTES}.{symbol}",
                "ts": self._now_ms(),
                "data": {
                    "bid": fmt(bid, tick),
                    "bid_size": fmt(bid_size, lot),
                    "ask": fmt(ask, tick),
                    "ask_size": fmt(ask_size, lot),
                },
            },
        )

    async def publish_trade(
        self,
        instrument_id: InstrumentId,
        price: Decimal,
        size: Decimal,
        aggressor: AggressorSide,
    ) -> str:
        """A trade prints at the exchange (own resting orders it reaches fill) and is sent."""
        symbol = self._sim_instrument(instrument_id).symbol
        events = self.exchange.trade(symbol, price, size, aggressor)
        await self._flush()
        return next(e.trade_id for e in events if isinstance(e, PublicTrade))

    async def set_book(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[tuple[Decimal, Decimal]],
        asks: Sequence[tuple[Decimal, Decimal]],
    ) -> None:
        """Replace the book; subscribers get the venue's mid-stream snapshot."""
        self.exchange.set_book(self._sim_instrument(instrument_id).symbol, bids, asks)
        await self._flush()

    async def publish_book_update(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        price: Decimal,
        size: Decimal,
    ) -> None:
        """Change one level and send the delta."""
        self.exchange.update_level(self._sim_instrument(instrument_id).symbol, side, price, size)
        await self._flush()

    async def publish_book_gap(self, instrument_id: InstrumentId) -> None:
        """Change the book twice but send only the second delta: a lost message."""
        instrument = self._sim_instrument(instrument_id)
        book = self.exchange.book(instrument.symbol, 1)
        side, levels = (OrderSide.BUY, book.bids) if book.bids else (OrderSide.SELL, book.asks)
        price, size = levels[0] if levels else (instrument.tick_size * 100, Decimal(0))
        await self._flush()
        self._suppress_book_events += 1
        self.exchange.update_level(instrument.symbol, side, price, size + instrument.lot_size)
        self.exchange.update_level(instrument.symbol, side, price, size + 2 * instrument.lot_size)
        await self._flush()

    async def publish_bar(
        self,
        instrument_id: InstrumentId,
        open: Decimal,
        high: Decimal,
        low: Decimal,
        close: Decimal,
        volume: Decimal,
        ts_ms: int,
    ) -> None:
        """Send a closed one-minute bar (and keep it for ``GET /api/v1/bars``)."""
        instrument = self._sim_instrument(instrument_id)
        record = self._bar_record(instrument, open, high, low, close, volume, ts_ms)
        self._store_bar(instrument.symbol, record)
        topic = f"{BARS}.1m.{instrument.symbol}"
        await self.broadcast(topic, {"topic": topic, "ts": ts_ms + MINUTE_MS, "data": record})

    async def publish_mark_price(
        self,
        instrument_id: InstrumentId,
        mark: Decimal,
        index: Decimal,
        funding_rate: Decimal,
        next_funding_ms: int,
    ) -> None:
        """Move mark and index at the exchange (their triggers fire) and send ``mark.<symbol>``."""
        instrument = self._sim_instrument(instrument_id)
        symbol = instrument.symbol
        self.exchange.set_mark_price(symbol, mark)
        self.exchange.set_index_price(symbol, index)
        await self._flush()
        await self.broadcast(
            f"{MARK}.{symbol}",
            {
                "topic": f"{MARK}.{symbol}",
                "ts": self._now_ms(),
                "data": {
                    "mark_price": fmt(mark, instrument.tick_size),
                    "index_price": fmt(index, instrument.tick_size),
                    "funding_rate": fmt(funding_rate),
                    "next_funding_time": next_funding_ms,
                },
            },
        )

    # -- controls: history and instruments -----------------------------------------------------

    @staticmethod
    def _bar_record(
        instrument: SimInstrument,
        open: Decimal,
        high: Decimal,
        low: Decimal,
        close: Decimal,
        volume: Decimal,
        open_ms: int,
    ) -> dict[str, Any]:
        tick, lot = instrument.tick_size, instrument.lot_size
        return {
            "open_time": open_ms,
            "close_time": open_ms + MINUTE_MS,
            "open": fmt(open, tick),
            "high": fmt(high, tick),
            "low": fmt(low, tick),
            "close": fmt(close, tick),
            "volume": fmt(volume, lot),
            "closed": True,
        }

    def _store_bar(self, symbol: str, record: dict[str, Any]) -> None:
        bars = self._bars.setdefault(f"1m.{symbol}", [])
        bars[:] = [b for b in bars if b["open_time"] != record["open_time"]] + [record]
        bars.sort(key=lambda b: b["open_time"])

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        """``bars`` one-minute bars closing by now and ``trades`` trades over the last minutes."""
        instrument = self._sim_instrument(instrument_id)
        now = self._now_ms()
        last_close = now // MINUTE_MS * MINUTE_MS
        price = instrument.tick_size * 100_000
        for n in range(bars):
            open_ms = last_close - (bars - n) * MINUTE_MS
            o = price + instrument.tick_size * (n % 7)
            c = price + instrument.tick_size * ((n + 3) % 7)
            record = self._bar_record(
                instrument,
                o,
                max(o, c) + instrument.tick_size,
                min(o, c) - instrument.tick_size,
                c,
                instrument.lot_size * (n + 1),
                open_ms,
            )
            self._store_bar(instrument.symbol, record)
        history = self._trades.setdefault(instrument.symbol, [])
        for n in range(trades):
            self._trade_counter += 1
            history.append(
                {
                    "trade_id": f"h{self._trade_counter}",
                    "price": fmt(price + instrument.tick_size * (n % 11), instrument.tick_size),
                    "size": fmt(instrument.lot_size * (1 + n % 5), instrument.lot_size),
                    "side": "buy" if n % 2 else "sell",
                    "ts": now - (trades - n) * 100,
                }
            )
        history.sort(key=lambda t: t["ts"])

    def history_page_size(self) -> int:
        """The venue's largest page (``limit`` at most this)."""
        return MAX_PAGE_LIMIT

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        """Problems with a trades/bars request: unknown or missing names, ms units, limits."""
        spec = _HISTORY_PARAMS.get(request.path)
        if spec is None:
            return []
        allowed, required = spec
        params = dict(request.query)
        problems = [f"{request.path}: unknown parameter {n!r}" for n in params if n not in allowed]
        problems += [f"{request.path}: missing {n!r}" for n in sorted(required - set(params))]
        for name in ("start", "end"):
            value = params.get(name)
            if value is not None and not (value.isdigit() and len(value) == 13):
                problems.append(f"{request.path}: {name}={value} is not in milliseconds")
        limit = params.get("limit")
        if limit is not None and not (limit.isdigit() and 1 <= int(limit) <= MAX_PAGE_LIMIT):
            problems.append(f"{request.path}: limit={limit} outside 1..{MAX_PAGE_LIMIT}")
        if "interval" in params and params["interval"] not in BAR_INTERVALS:
            problems.append(f"{request.path}: unknown interval {params['interval']!r}")
        return problems

    def add_malformed_instrument(self) -> None:
        """List one instrument record the plugin cannot parse (a bad tick size)."""
        self._malformed_instrument = True


_ORDER_EVENT_NAMES: Final[dict[type, str]] = {
    OrderAccepted: "new",
    OrderTriggered: "triggered",
    OrderAmended: "amended",
    OrderCanceled: "canceled",
    OrderExpired: "expired",
}
