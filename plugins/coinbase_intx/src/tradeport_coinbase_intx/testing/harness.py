"""The mock Coinbase INTX venue and its conformance harness.

:class:`CoinbaseIntxHarness` speaks the venue's wire protocol on loopback, on top of the
:class:`~tradeport_conformance.simulated.SimulatedExchange`:

* REST (``/api/v1``): instruments, portfolios and their balances, positions and fills, orders
  (create, list open, get, modify, cancel, cancel all), every private request signed as the
  venue checks it (CB-ACCESS-* headers, base64 HMAC with the decoded secret, a timestamp within
  5 s);
* the market-data WebSocket: SUBSCRIBE / UNSUBSCRIBE (signature verified when the auth fields
  are given), SUBSCRIPTIONS snapshots as acks, LEVEL1, LEVEL2 (snapshot on subscribe, then
  updates), MATCH, RISK, FUNDING, CANDLES_ONE_MINUTE, INSTRUMENTS, a ``sequence`` per topic and
  connection; optionally the venue's 3 s subscribe deadline (:attr:`enforce_subscribe_deadline`);
* the FIX drop copy (:class:`~.fix_venue.DropCopyGateway`): a TLS acceptor on loopback with a
  certificate made at start, checking the signed Logon, sending every order event of the
  exchange as an ExecutionReport with sequence numbers; :meth:`skip_next_execution_report`
  makes it skip one number so the client must send a ResendRequest.

Shipped in the wheel so ``tradeport conformance coinbase_intx`` works wherever the plugin is.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import anyio
from tradeport.model.enums import AggressorSide, OrderSide, OrderType, ProductType, TimeInForce
from tradeport.model.identifiers import InstrumentId
from tradeport.net import json_codec
from tradeport.testing import Request, Response
from tradeport_conformance.harness import Credentials, ProtocolFeatures, RecordedRequest
from tradeport_conformance.mock import MockVenue, StreamConnection
from tradeport_conformance.simulated import (
    BookUpdated,
    IdStyle,
    ImmediateTrigger,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderTriggered,
    PostOnlyCross,
    PublicTrade,
    ReduceOnlyExcess,
    SimEvent,
    SimInstrument,
    SimulatedExchange,
)

from tradeport_coinbase_intx.constants import (
    HEADER_API_KEY,
    HEADER_PASSPHRASE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    REST_TIMESTAMP_TOLERANCE_S,
    VENUE_ID,
    VENUE_NAME,
    WS_SUBSCRIBE_DEADLINE_S,
    WS_TIMESTAMP_TOLERANCE_S,
)
from tradeport_coinbase_intx.credential import rest_payload, sign, ws_payload
from tradeport_coinbase_intx.fix.messages import EXEC_TYPE_TRADE, execution_report_fields
from tradeport_coinbase_intx.testing.fix_venue import DropCopyGateway
from tradeport_coinbase_intx.testing.render import (
    REJECT_MESSAGES,
    fmt,
    render_balance,
    render_fill,
    render_instrument,
    render_order,
    render_position,
    rfc3339,
)

__all__ = ["CoinbaseIntxHarness"]

SPOT_SYMBOL: Final = "BTC-USDC"
PERP_SYMBOL: Final = "BTC-PERP"
PORTFOLIO: Final = "8f2e3b1d-9a4c-4f67-b523-2c91ae85d7e9"
_TYPES: Final = {
    "LIMIT": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "STOP": OrderType.STOP_MARKET,
    "STOP_LIMIT": OrderType.STOP_LIMIT,
}
_TIFS: Final = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "GTT": TimeInForce.GTD,
}
_CHANNELS: Final = (
    "LEVEL1",
    "LEVEL2",
    "MATCH",
    "RISK",
    "FUNDING",
    "INSTRUMENTS",
    "CANDLES_ONE_MINUTE",
)
_STATES: Final = {
    "OPEN": "trading",
    "HALTED": "halt",
    "PAUSED": "paused",
    "CLOSED": "offline",
    "PRE_OPEN": "halt",
}

Handler = Callable[[Request], Awaitable[Response]]


class _BadRequest(Exception):
    """A request the venue refuses with 400."""


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


def _ns(text: str) -> int:
    from tradeport_coinbase_intx.intx_parse import rfc3339_ns

    return rfc3339_ns(text)


class CoinbaseIntxHarness(MockVenue):
    """The mock Coinbase INTX venue plus the controls and observations of the VenueHarness."""

    venue = VENUE_NAME
    features = ProtocolFeatures(
        server_control_ping=True,
        text_ping=False,
        stream_login=True,  # the FIX Logon, acknowledged by the venue's Logon
        timestamp_window=True,
        book_sequence=True,
        book_checksum=False,
        subscription_refusal=False,
        close_codes=True,
        venue_rate_limit_code=False,
        # The venue keeps a UUID: tradeport ids are sent as their UUID form (uuid5 for ids that
        # are no UUID), so the venue's rows do not carry tradeport's id verbatim.
        client_order_ids=False,
        exact_relisting=True,
        # The FIX Logon's SendingTime, checked within 30 s of the venue's clock (RC1, RC9).
        login_stamps=True,
        login_clock=True,
        private_hold=True,
    )
    #: A Logon's SendingTime is accepted within 30 s of the venue's clock either way.
    login_validity_ms = WS_TIMESTAMP_TOLERANCE_S * 1000
    stream_paths = ("/",)
    server_ping_interval = 0.5

    API_KEY: Final = "intx-mock-key-5c1e"
    API_SECRET: Final = base64.b64encode(b"intx-mock-secret-7d41c2e9b83f").decode()
    WRONG_SECRET: Final = base64.b64encode(b"intx-wrong-secret-19e6cc70").decode()
    PASSPHRASE: Final = "intx-mock-passphrase"
    SKEW_MS: Final = -60_000

    def __init__(self) -> None:
        self._outbox: deque[SimEvent] = deque()
        self._malformed_instrument = False
        self._suppress_book_events = 0
        self._exec_ids = itertools.count(1)
        self._wake: anyio.Event | None = None
        self._flush_lock: anyio.Lock | None = None
        #: Enforce the venue's rule: a connection that has not subscribed within 3 s is closed.
        self.enforce_subscribe_deadline = False
        self.deadline_closes = 0
        self.gateway = DropCopyGateway(
            {self.API_KEY: (self.API_SECRET, self.PASSPHRASE)}, clock_ms=self.login_clock_ms
        )
        #: ExecutionReports withheld by hold_private_events (None: not holding).
        self._reports_held: list[Any] | None = None
        super().__init__()
        self.exchange.subscribe(self._on_exchange_event)

    # -- state ---------------------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        """BTC-PERP and two spot pairs in USDC, funded balances."""
        now = time.time_ns()
        exchange = SimulatedExchange(
            seed=11,
            start_time_ns=now,
            post_only_cross=PostOnlyCross.REJECT,
            reduce_only_excess=ReduceOnlyExcess.REJECT,
            immediate_trigger=ImmediateTrigger.TRIGGER,
            id_style=IdStyle.NUMERIC,
        )
        for symbol, base, tick, lot in (
            (SPOT_SYMBOL, "BTC", "0.01", "0.001"),
            ("ETH-USDC", "ETH", "0.01", "0.01"),
        ):
            exchange.add_instrument(
                SimInstrument(
                    symbol=symbol,
                    product_type=ProductType.SPOT,
                    base_asset=base,
                    quote_asset="USDC",
                    tick_size=Decimal(tick),
                    lot_size=Decimal(lot),
                    min_qty=Decimal(lot),
                    max_qty=Decimal("1000"),
                    min_notional=Decimal("5"),
                    maker_fee=Decimal("0"),
                    taker_fee=Decimal("0"),
                )
            )
        exchange.add_instrument(
            SimInstrument(
                symbol=PERP_SYMBOL,
                product_type=ProductType.PERPETUAL,
                base_asset="BTC",
                quote_asset="USDC",
                settle_asset="USDC",
                tick_size=Decimal("0.1"),
                lot_size=Decimal("0.001"),
                min_qty=Decimal("0.001"),
                max_qty=Decimal("1000"),
                min_notional=Decimal("5"),
                maker_fee=Decimal("0"),
                taker_fee=Decimal("0"),
                initial_margin_rate=Decimal("0.1"),
            )
        )
        for asset, amount in (("USDC", "1000000"), ("BTC", "100"), ("ETH", "1000")):
            exchange.set_balance(asset, Decimal(amount))
        return exchange

    def _instrument(self, symbol: str) -> SimInstrument | None:
        return self.exchange.instrument(symbol)

    def _on_exchange_event(self, event: SimEvent) -> None:
        self._outbox.append(event)
        if self._wake is not None:
            self._wake.set()

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> CoinbaseIntxHarness:
        await super().__aenter__()
        await self.gateway.__aenter__()
        self._wake = anyio.Event()
        self._flush_lock = anyio.Lock()
        assert self._task_group is not None
        self._task_group.start_soon(self._pump)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.gateway.__aexit__(None, None, None)
        await super().__aexit__(*exc)

    async def _pump(self) -> None:
        while True:
            assert self._wake is not None
            await self._wake.wait()
            self._wake = anyio.Event()
            await self._flush()

    async def _flush(self) -> None:
        assert self._flush_lock is not None, "start the mock venue first (async with)"
        async with self._flush_lock:
            while self._outbox:
                await self._push(self._outbox.popleft())

    async def push_account_events(self) -> None:
        """Send every queued exchange event now."""
        await self._flush()

    # -- what the clients are given ------------------------------------------------------------

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        """A config dict pointing every client at this mock venue (REST, WebSocket, FIX)."""
        config: dict[str, Any] = {
            "base_url_http": self.http_url,
            "base_url_ws": self.ws_url,
            "fix_address": self.gateway.address,
            "fix_ca": self.gateway.ca_pem,
            "ws_connect_timeout": 3.0,
        }
        if credentials in ("valid", "skewed"):
            config.update(
                api_key=self.API_KEY, api_secret=self.API_SECRET, api_passphrase=self.PASSPHRASE
            )
        elif credentials == "invalid":
            config.update(
                api_key=self.API_KEY, api_secret=self.WRONG_SECRET, api_passphrase=self.PASSPHRASE
            )
        if credentials == "skewed":
            config["clock_offset_ms"] = self.SKEW_MS
        config.update(overrides)
        return config

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        """BTC-USDC (spot) and BTC-PERP (perpetual)."""
        symbol = {ProductType.SPOT: SPOT_SYMBOL, ProductType.PERPETUAL: PERP_SYMBOL}.get(product)
        return InstrumentId.of(symbol, VENUE_ID) if symbol else None

    @property
    def secrets(self) -> Sequence[str]:
        return (self.API_KEY, self.API_SECRET, self.WRONG_SECRET, self.PASSPHRASE)

    # -- HTTP: authentication ------------------------------------------------------------------

    def verify_signature(self, request: Request) -> bool:
        """CB-ACCESS-SIGN recomputed as the venue does (path without the query)."""
        timestamp = request.header(HEADER_TIMESTAMP)
        signature = request.header(HEADER_SIGNATURE)
        if (
            request.header(HEADER_API_KEY) != self.API_KEY
            or request.header(HEADER_PASSPHRASE) != self.PASSPHRASE
            or not timestamp
            or not timestamp.isdigit()
            or not signature
        ):
            return False
        expected = sign(
            self.API_SECRET,
            rest_payload(int(timestamp), request.method, request.path, request.body),
        )
        return hmac.compare_digest(expected, signature)

    def signature_failure_response(self, request: Request) -> Response:
        return self.error_response(401, message="Unauthorized: invalid signature")

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        """``{"message": ...}`` (the Coinbase convention); 429 with ``Retry-After``."""
        body: dict[str, Any] = {
            "message": message or {429: "Server allows 40 requests per second"}.get(status, "error")
        }
        if venue_code is not None:
            body["code"] = str(venue_code)
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        return Response.json(body, status=status, headers=headers)

    # -- HTTP: routes --------------------------------------------------------------------------

    def setup_routes(self) -> None:
        """The endpoints, with ``{id}`` and ``{p}`` path templates."""
        self.route("GET", "/api/v1/instruments", self._guarded(self._get_instruments))
        private: dict[tuple[str, str], Handler] = {
            ("GET", "/api/v1/portfolios"): self._get_portfolios,
            ("GET", "/api/v1/portfolios/{p}/balances"): self._get_balances,
            ("GET", "/api/v1/portfolios/{p}/positions"): self._get_positions,
            ("GET", "/api/v1/portfolios/{p}/fills"): self._get_fills,
            ("POST", "/api/v1/orders"): self._post_order,
            ("GET", "/api/v1/orders"): self._get_open_orders,
            ("DELETE", "/api/v1/orders"): self._delete_orders,
            ("GET", "/api/v1/orders/{id}"): self._get_order,
            ("PUT", "/api/v1/orders/{id}"): self._put_order,
            ("DELETE", "/api/v1/orders/{id}"): self._delete_order,
        }
        for (method, path), handler in private.items():
            self.route(method, path, self._guarded(self._in_window(handler)), signed=True)

    @staticmethod
    def _template(path: str) -> str:
        parts = path.split("/")
        if len(parts) == 5 and path.startswith("/api/v1/orders/"):
            return "/api/v1/orders/{id}"
        if len(parts) == 6 and path.startswith("/api/v1/portfolios/"):
            return f"/api/v1/portfolios/{{p}}/{parts[5]}"
        return path

    async def _dispatch(self, request: Request) -> Response:
        # The base class looks routes up by exact path: give it the template.
        template = self._template(request.path)
        route = self._routes.get((request.method.upper(), template))
        if route is None or template == request.path:
            return await super()._dispatch(request)
        self._routes[(request.method.upper(), request.path)] = route
        try:
            return await super()._dispatch(request)
        finally:
            self._routes.pop((request.method.upper(), request.path), None)

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except _BadRequest as exc:
                return self.error_response(400, message=str(exc))

        return guarded

    def _in_window(self, handler: Handler) -> Handler:
        async def checked(request: Request) -> Response:
            skew = abs(time.time() - int(request.header(HEADER_TIMESTAMP) or 0))
            if skew > REST_TIMESTAMP_TOLERANCE_S:
                return self.error_response(
                    401, message=f"request timestamp expired ({skew:.0f}s off)"
                )
            return await handler(request)

        return checked

    @staticmethod
    def _path_part(request: Request, index: int) -> str:
        return request.path.split("/")[index]

    def _portfolio_of(self, request: Request, value: str | None) -> None:
        if value not in (PORTFOLIO, None):
            raise _BadRequest(f"unknown portfolio {value!r}")

    def _order_json(self, order: Any) -> dict[str, Any]:
        return render_order(order, self._instrument(order.symbol), PORTFOLIO)

    def _refusal(self, reason: Any, message: str) -> Response:
        status, text = REJECT_MESSAGES.get(reason, (400, message or "order rejected"))
        code = (
            "ORDER_NOT_FOUND"
            if status == 404
            else ("POST_ONLY_WOULD_CROSS" if "post only" in text else None)
        )
        return self.error_response(status, venue_code=code, message=message or text)

    @staticmethod
    def _json_body(request: Request) -> dict[str, Any]:
        try:
            body = request.json()
        except ValueError:
            raise _BadRequest("the body is not JSON") from None
        if not isinstance(body, dict):
            raise _BadRequest("the body must be a JSON object")
        return body

    async def _get_instruments(self, request: Request) -> Response:
        now = self.exchange.now()
        records: list[Any] = [render_instrument(i, now) for i in self.exchange.instruments()]
        if self._malformed_instrument:
            broken = render_instrument(self.exchange.instruments()[0], now)
            broken.update(symbol="BROKEN-USDC", quote_increment="not-a-number")
            records.append(broken)
        return Response.json(records)

    async def _get_portfolios(self, request: Request) -> Response:
        return Response.json(
            [
                {
                    "portfolio_id": "9mnk39ap-5-23",
                    "portfolio_uuid": PORTFOLIO,
                    "name": "mock",
                    "maker_fee_rate": "0",
                    "taker_fee_rate": "0",
                    "trading_lock": False,
                    "is_default": True,
                }
            ]
        )

    async def _get_balances(self, request: Request) -> Response:
        self._portfolio_of(request, self._path_part(request, 4))
        return Response.json([render_balance(b) for b in self.exchange.balances()])

    async def _get_positions(self, request: Request) -> Response:
        self._portfolio_of(request, self._path_part(request, 4))
        positions = self.exchange.positions(None, include_flat=False)
        return Response.json([render_position(p, self._instrument(p.symbol)) for p in positions])

    def _page(self, request: Request, records: list[dict[str, Any]]) -> Response:
        limit = int(request.param("result_limit") or 100)
        offset = int(request.param("result_offset") or 0)
        return Response.json(
            {
                "pagination": {"result_limit": limit, "result_offset": offset},
                "results": records[offset : offset + limit],
            }
        )

    async def _get_fills(self, request: Request) -> Response:
        self._portfolio_of(request, self._path_part(request, 4))
        order_id = request.param("order_id")
        client_id = request.param("client_order_id")
        since = request.param("time_from")
        records = []
        for fill in self.exchange.fills(None, venue_order_id=order_id or None):
            if client_id and fill.client_order_id != client_id:
                continue
            if since and fill.ts < _ns(since):
                continue
            records.append(render_fill(fill, self._instrument(fill.symbol), PORTFOLIO))
        return self._page(request, records)

    async def _post_order(self, request: Request) -> Response:
        body = self._json_body(request)
        self._portfolio_of(request, body.get("portfolio"))
        try:
            side = OrderSide(body["side"])
            kind = body["type"]
            tif = _TIFS[body.get("tif", "GTC")]
        except (KeyError, ValueError) as exc:
            raise _BadRequest(f"missing or unknown field: {exc}") from None
        if kind == "TAKE_PROFIT_STOP_LOSS":
            order_type = OrderType.STOP_LIMIT
            price = _decimal(body.get("stop_limit_price"), "stop_limit_price")
        else:
            order_type = _TYPES.get(kind)  # type: ignore[assignment]
            if order_type is None:
                raise _BadRequest(f"unknown type {kind!r}")
            price = _decimal(
                body.get("stop_limit_price" if kind == "STOP_LIMIT" else "price"), "price"
            )
        size = _decimal(body.get("size"), "size")
        if size is None:
            raise _BadRequest("size is required")
        expire = body.get("expire_time")
        if tif is TimeInForce.GTD and not expire:
            raise _BadRequest("expire_time is required for GTT")
        result = self.exchange.submit(
            str(body.get("instrument", "")),
            side,
            order_type,
            size,
            price=price,
            trigger_price=_decimal(body.get("stop_price"), "stop_price"),
            time_in_force=tif,
            expire_time_ns=_ns(expire) if expire else None,
            post_only=bool(body.get("post_only", False)),
            reduce_only=bool(body.get("close_only", False)),
            client_order_id=body.get("client_order_id") or None,
        )
        if not result.ok:
            return self._refusal(result.reason, result.message)
        return Response.json(self._order_json(result.order))

    def _find(self, ref: str) -> Any:
        return self.exchange.order(ref) or self.exchange.order(None, client_order_id=ref)

    async def _get_order(self, request: Request) -> Response:
        self._portfolio_of(request, request.param("portfolio"))
        order = self._find(self._path_part(request, 4))
        if order is None:
            return self.error_response(404, venue_code="ORDER_NOT_FOUND", message="order not found")
        return Response.json(self._order_json(order))

    async def _get_open_orders(self, request: Request) -> Response:
        self._portfolio_of(request, request.param("portfolio"))
        orders = self.exchange.open_orders(request.param("instrument") or None)
        return self._page(request, [self._order_json(o) for o in orders])

    async def _put_order(self, request: Request) -> Response:
        body = self._json_body(request)
        self._portfolio_of(request, body.get("portfolio"))
        order = self._find(self._path_part(request, 4))
        if order is None:
            return self.error_response(404, venue_code="ORDER_NOT_FOUND", message="order not found")
        result = self.exchange.amend(
            order.venue_order_id,
            quantity=_decimal(body.get("size"), "size"),
            price=_decimal(body.get("price"), "price"),
            trigger_price=_decimal(body.get("stop_price"), "stop_price"),
        )
        if not result.ok:
            return self._refusal(result.reason, result.message)
        return Response.json(self._order_json(result.order))

    async def _delete_order(self, request: Request) -> Response:
        self._portfolio_of(request, request.param("portfolio"))
        order = self._find(self._path_part(request, 4))
        if order is None:
            return self.error_response(404, venue_code="ORDER_NOT_FOUND", message="order not found")
        result = self.exchange.cancel(order.venue_order_id)
        if not result.ok:
            return self._refusal(result.reason, result.message)
        return Response.json(self._order_json(result.order))

    async def _delete_orders(self, request: Request) -> Response:
        self._portfolio_of(request, request.param("portfolio"))
        symbol = request.param("instrument") or None
        symbols = [symbol] if symbol else [i.symbol for i in self.exchange.instruments()]
        records = []
        for name in symbols:
            batch = self.exchange.cancel_all(name)
            records += [self._order_json(r.order) for r in batch.results if r.ok and r.order]
        return Response.json(records)

    # -- the WebSocket -------------------------------------------------------------------------

    async def serve_stream(self, conn: StreamConnection) -> None:
        """SUBSCRIBE / UNSUBSCRIBE until the connection closes (and the 3 s deadline)."""
        conn.state["seq"] = {}
        async with anyio.create_task_group() as group:
            if self.enforce_subscribe_deadline:
                group.start_soon(self._deadline, conn)
            async for raw in conn.ws:
                try:
                    message = json_codec.loads(raw)
                except ValueError:
                    await conn.send_json({"type": "REJECT", "reason": "message is not JSON"})
                    continue
                kind = message.get("type") if isinstance(message, dict) else None
                if kind in ("SUBSCRIBE", "UNSUBSCRIBE"):
                    await self._subscription(conn, kind, message)
                else:
                    await conn.send_json({"type": "REJECT", "reason": f"unknown type {kind!r}"})
            group.cancel_scope.cancel()

    async def _deadline(self, conn: StreamConnection) -> None:
        await anyio.sleep(WS_SUBSCRIBE_DEADLINE_S)
        if not conn.state.get("subscribed"):
            self.deadline_closes += 1
            await conn.ws.close(1008, "no subscription within 3 seconds")

    def _auth_problem(self, message: dict[str, Any]) -> str | None:
        if "signature" not in message and "key" not in message:
            return None  # an unauthenticated subscription to public data
        key, passphrase, stamp = (
            message.get("key"),
            message.get("passphrase"),
            str(message.get("time", "")),
        )
        if key != self.API_KEY or passphrase != self.PASSPHRASE or not stamp.isdigit():
            return "authentication failed"
        if abs(time.time() - int(stamp)) > WS_TIMESTAMP_TOLERANCE_S:
            return "time is more than 30 seconds off"
        expected = sign(self.API_SECRET, ws_payload(stamp, key, passphrase))
        if not hmac.compare_digest(expected, str(message.get("signature"))):
            return "authentication failed"
        return None

    async def _subscription(
        self, conn: StreamConnection, kind: str, message: dict[str, Any]
    ) -> None:
        problem = self._auth_problem(message)
        if problem is not None:
            self.record_login(False)
            await conn.send_json({"type": "REJECT", "reason": problem, "channel": "SUBSCRIPTIONS"})
            return
        if "signature" in message:
            conn.authenticated = True
        channels = [c for c in message.get("channels") or () if c in _CHANNELS]
        products = [p for p in message.get("product_ids") or () if self._instrument(p) is not None]
        topics = {f"{c}:{p}" for c in channels for p in products}
        if kind == "SUBSCRIBE":
            conn.state["subscribed"] = True
            self.record_subscribe_message()
            new = topics - conn.topics
            conn.topics.update(topics)
        else:
            new = set()
            conn.topics.difference_update(topics)
        self.server.notify()
        await conn.send_json(self._subscriptions_message(conn))
        for topic in sorted(new):
            channel, _, product = topic.partition(":")
            if channel == "LEVEL2":
                await self._send_book_snapshot(conn, product)

    def _subscriptions_message(self, conn: StreamConnection) -> dict[str, Any]:
        by_channel: dict[str, list[str]] = {}
        for topic in sorted(conn.topics):
            channel, _, product = topic.partition(":")
            by_channel.setdefault(channel, []).append(product)
        return {
            "channels": [{"name": c, "product_ids": p} for c, p in by_channel.items()],
            "authenticated": conn.authenticated,
            "channel": "SUBSCRIPTIONS",
            "type": "SNAPSHOT",
            "time": rfc3339(time.time_ns()),
        }

    def _next_seq(self, conn: StreamConnection, topic: str, *, restart: bool = False) -> int:
        seqs = conn.state.setdefault("seq", {})
        seq = 0 if restart or topic not in seqs else seqs[topic] + 1
        seqs[topic] = seq
        return seq

    async def _send(self, topic: str, body: dict[str, Any], *, snapshot: bool = False) -> int:
        channel, _, product = topic.partition(":")
        sent = 0
        for conn in list(self.streams):
            if topic in conn.topics:
                message = {
                    "channel": channel,
                    "type": "SNAPSHOT" if snapshot else "UPDATE",
                    "product_id": product,
                    "sequence": self._next_seq(conn, topic),
                    "time": rfc3339(time.time_ns()),
                    **body,
                }
                await conn.send_json(message)
                sent += 1
        return sent

    def _levels(self, levels: Any, instrument: SimInstrument) -> list[list[str | None]]:
        return [[fmt(p, instrument.tick_size), fmt(s, instrument.lot_size)] for p, s in levels]

    async def _send_book_snapshot(self, conn: StreamConnection, symbol: str) -> None:
        book = self.exchange.book(symbol)
        instrument = self._instrument(symbol)
        assert instrument is not None
        topic = f"LEVEL2:{symbol}"
        await conn.send_json(
            {
                "channel": "LEVEL2",
                "type": "SNAPSHOT",
                "product_id": symbol,
                "sequence": self._next_seq(conn, topic),
                "time": rfc3339(time.time_ns()),
                "bids": self._levels(book.bids, instrument),
                "asks": self._levels(book.asks, instrument),
            }
        )

    # -- pushing exchange events ---------------------------------------------------------------

    async def _push(self, event: SimEvent) -> None:
        if isinstance(event, PublicTrade):
            instrument = self._instrument(event.symbol)
            assert instrument is not None
            await self._send(
                f"MATCH:{event.symbol}",
                {
                    "match_id": event.trade_id,
                    "trade_price": fmt(event.price, instrument.tick_size),
                    "trade_qty": fmt(event.quantity, instrument.lot_size),
                    "aggressor_side": "BUY"
                    if event.aggressor_side is AggressorSide.BUYER
                    else "SELL",
                },
            )
        elif isinstance(event, BookUpdated):
            await self._push_book(event)
        elif isinstance(event, OrderEvent):
            await self._push_execution_report(event)

    async def _push_book(self, event: BookUpdated) -> None:
        instrument = self._instrument(event.symbol)
        assert instrument is not None
        topic = f"LEVEL2:{event.symbol}"
        if self._suppress_book_events:  # a lost message: numbered, never sent
            self._suppress_book_events -= 1
            for conn in list(self.streams):
                if topic in conn.topics:
                    self._next_seq(conn, topic)
            return
        if event.is_snapshot:
            await self._send(
                topic,
                {
                    "bids": self._levels(event.bids, instrument),
                    "asks": self._levels(event.asks, instrument),
                },
                snapshot=True,
            )
            return
        changes = [["BUY", *level] for level in self._levels(event.bids, instrument)]
        changes += [["SELL", *level] for level in self._levels(event.asks, instrument)]
        await self._send(topic, {"changes": changes})

    async def _push_execution_report(self, event: OrderEvent) -> None:
        order = event.order
        instrument = self._instrument(order.symbol)
        exec_type = {
            OrderAccepted: "0",
            OrderCanceled: "4",
            OrderExpired: "C",
            OrderAmended: "5",
            OrderTriggered: "L",
            OrderFilled: EXEC_TYPE_TRADE,
        }.get(type(event))
        if exec_type is None:  # rejections are answered on REST only
            return
        fill_fields: dict[str, Any] = {}
        exec_id = f"x{next(self._exec_ids)}"
        if isinstance(event, OrderFilled):
            fill = event.fill
            exec_id = fill.trade_id
            fill_fields = {
                "last_qty": fill.quantity,
                "last_px": fill.price,
                "commission": fill.commission,
                "commission_asset": fill.commission_asset or "USDC",
                "taker": fill.liquidity_side.value == "TAKER",
            }
        fields = execution_report_fields(
            exec_id=exec_id,
            exec_type=exec_type,
            order_id=order.venue_order_id,
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            side=order.side,
            order_type=order.order_type,
            time_in_force=order.time_in_force,
            status=order.status,
            quantity=order.quantity,
            filled=order.filled_qty,
            price=order.price,
            trigger_price=order.trigger_price,
            avg_price=order.avg_px,
            ts_ns=order.ts_updated or self.exchange.now(),
            text=order.cancel_cause.value.lower() if order.cancel_cause else None,
            **fill_fields,
        )
        if instrument is not None and fill_fields:
            fields = [
                (t, fmt(v, instrument.lot_size) if t in (32, 38, 14) else v) for t, v in fields
            ]
        if self._reports_held is not None:
            self._reports_held.append(fields)
            return
        await self.gateway.acceptor.publish("8", fields)

    async def hold_private_events(self, hold: bool = True) -> None:
        """Withhold (or release, in order, to the FIX sessions logged on then) the drop
        copy's ExecutionReports, the venue's private messages."""
        if hold:
            if self._reports_held is None:
                self._reports_held = []
            return
        held, self._reports_held = self._reports_held or [], None
        for fields in held:
            await self.gateway.acceptor.publish("8", fields)

    @property
    def login_stamps(self) -> Sequence[int]:
        """The SendingTime of every accepted FIX Logon (UNIX ms)."""
        return self.gateway.logon_stamps

    # -- controls: FIX -------------------------------------------------------------------------

    def skip_next_execution_report(self, count: int = 1) -> None:
        """Number the next ``count`` ExecutionReports without sending them: the client sees a
        sequence gap and must send a ResendRequest."""
        self.gateway.acceptor.skip_next(count)

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
        """A LEVEL1 message."""
        instrument = self._sim_instrument(instrument_id)
        tick, lot = instrument.tick_size, instrument.lot_size
        await self._send(
            f"LEVEL1:{instrument.symbol}",
            {
                "bid_price": fmt(bid, tick),
                "bid_qty": fmt(bid_size, lot),
                "ask_price": fmt(ask, tick),
                "ask_qty": fmt(ask_size, lot),
            },
        )

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        """A trade prints at the exchange (own resting orders it reaches fill) and is sent."""
        events = self.exchange.trade(
            self._sim_instrument(instrument_id).symbol, price, size, aggressor
        )
        await self._flush()
        return next(e.trade_id for e in events if isinstance(e, PublicTrade))

    async def set_book(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[tuple[Decimal, Decimal]],
        asks: Sequence[tuple[Decimal, Decimal]],
    ) -> None:
        """Replace the book; subscribers get a LEVEL2 snapshot."""
        self.exchange.set_book(self._sim_instrument(instrument_id).symbol, bids, asks)
        await self._flush()

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        """Change one level and send the LEVEL2 update."""
        self.exchange.update_level(self._sim_instrument(instrument_id).symbol, side, price, size)
        await self._flush()

    async def publish_book_gap(self, instrument_id: InstrumentId) -> None:
        """Change the book twice but send only the second update: a sequence gap."""
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
        """A CANDLES_ONE_MINUTE message for the minute starting at ``ts_ms``."""
        instrument = self._sim_instrument(instrument_id)
        tick = instrument.tick_size
        start = rfc3339(ts_ms * 1_000_000)
        await self._send(
            f"CANDLES_ONE_MINUTE:{instrument.symbol}",
            {
                "granularity": "ONE_MINUTE",
                "candles": [
                    {
                        "start": start,
                        "open": fmt(open, tick),
                        "high": fmt(high, tick),
                        "low": fmt(low, tick),
                        "close": fmt(close, tick),
                        "volume": fmt(volume, instrument.lot_size),
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
        """Move mark and index at the exchange; send RISK and FUNDING."""
        instrument = self._sim_instrument(instrument_id)
        symbol = instrument.symbol
        self.exchange.set_mark_price(symbol, mark)
        self.exchange.set_index_price(symbol, index)
        await self._flush()
        await self._send(
            f"RISK:{symbol}",
            {
                "mark_price": fmt(mark, instrument.tick_size),
                "index_price": fmt(index, instrument.tick_size),
                "settlement_price": fmt(mark, instrument.tick_size),
            },
        )
        await self._send(
            f"FUNDING:{symbol}", {"funding_rate": fmt(funding_rate), "is_final": False}
        )

    async def publish_instrument_status(self, instrument_id: InstrumentId, status: str) -> None:
        """An INSTRUMENTS message with the trading state."""
        instrument = self._sim_instrument(instrument_id)
        await self._send(
            f"INSTRUMENTS:{instrument.symbol}",
            {
                "instrument_type": "PERP"
                if instrument.product_type is ProductType.PERPETUAL
                else "SPOT",
                "base_asset_name": instrument.base_asset,
                "quote_asset_name": instrument.quote_asset,
                "base_increment": fmt(instrument.lot_size.normalize()),
                "quote_increment": fmt(instrument.tick_size.normalize()),
                "trading_state": _STATES.get(status.upper(), status.lower()),
            },
        )

    # -- faults and observations across WebSocket and FIX ---------------------------------------

    async def drop_connections(self, mode: Any) -> None:
        """Drop the WebSocket connections (through the proxy), then the FIX sessions.

        The FIX drop waits (at most 5 s) for the WebSocket to come back first, so the first
        Reconnected a client publishes is the market data's and the second the drop copy's."""
        had_ws = bool(self.streams)
        before = self.server.ws_connections
        await super().drop_connections(mode)
        if had_ws:
            with anyio.move_on_after(5):
                await self.wait_until(
                    lambda: self.server.ws_connections > before and bool(self.streams)
                )
        await self.gateway.server.drop_all(mode)

    @property
    def tcp_connections(self) -> int:
        return super().tcp_connections + self.gateway.server.connections

    @property
    def logins(self) -> int:
        """FIX Logons accepted (the private session's login)."""
        return self.gateway.acceptor.logons

    @property
    def login_failures(self) -> int:
        return len(self.gateway.acceptor.refused_logons) + self._login_failures

    def add_malformed_instrument(self) -> None:
        """List one instrument record the plugin cannot parse (a bad tick size)."""
        self._malformed_instrument = True

    def history_page_size(self) -> int | None:
        return None

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        return []
