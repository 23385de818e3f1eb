"""The mock Polymarket venue and its conformance harness.

:class:`PolymarketHarness` speaks Polymarket's wire protocol on loopback, on top of the
:class:`~tradeport_conformance.simulated.SimulatedExchange`:

* the CLOB REST API: markets, books (with the venue's ``hash``), L1 (``ClobAuth`` signature
  recovery) on the API-key endpoints, L2 (URL-safe HMAC) on every trading and account call,
  ``POST /order`` with EIP-712 signature recovery for the market's exchange (regular or
  neg-risk) and every signature type, cancels, cursor-paged ``/data/orders`` and
  ``/data/trades``, balances, heartbeats; the Data API's ``/positions`` and ``/trades``;
* the market channel (``book`` on subscribe, ``price_change`` with the book hash after each
  change, ``last_trade_price``, market events) and the user channel (``order`` and ``trade``
  events), both with the text ``PING``/``PONG``;
* the settlement of trades: each fill is a trade MATCHED at once, then MINED and CONFIRMED
  (``settlement="auto"``), or held MATCHED until :meth:`confirm_trade` or :meth:`fail_trade`
  (``settlement="manual"``). A failed trade gives back exactly the balances it moved.

Shipped in the wheel so ``tradeport conformance polymarket`` works wherever the plugin is.
"""

from __future__ import annotations

import base64
import hmac
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, ClassVar, Final

import anyio
from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    OrderStatus,
    OrderType,
    ProductType,
    TimeInForce,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.net import json_codec
from tradeport.testing import Request, Response
from tradeport_conformance.harness import Credentials, ProtocolFeatures, RecordedRequest
from tradeport_conformance.mock import MockVenue, StreamConnection
from tradeport_conformance.simulated import (
    BookUpdated,
    CancelCause,
    IdStyle,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    PostOnlyCross,
    PublicTrade,
    SimEvent,
    SimInstrument,
    SimulatedExchange,
)

from tradeport_polymarket.constants import (
    AMOY,
    COLLATERAL,
    CTF_EXCHANGE_V2,
    END_CURSOR,
    HEADER_ADDRESS,
    HEADER_API_KEY,
    HEADER_NONCE,
    HEADER_PASSPHRASE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    INITIAL_CURSOR,
    MAX_BATCH_ORDERS,
    VENUE_ID,
    VENUE_NAME,
)
from tradeport_polymarket.credential import (
    OrderFields,
    SignatureType,
    l2_signature,
    order_hash,
    recover_clob_auth,
    recover_order_signer,
)
from tradeport_polymarket.testing.render import (
    REJECT_MESSAGES,
    fmt_price,
    fmt_size,
    render_book,
    render_market,
    render_order,
)
from tradeport_polymarket.urls import MARKET_PATH, USER_PATH
from tradeport_polymarket.websocket.parse import last_trade_id

__all__ = ["PolymarketHarness"]

NS_PER_S: Final = 1_000_000_000
UNITS: Final = Decimal(1_000_000)
#: The publicly known key of local Ethereum dev chains (also the SDK tests' key).
PRIVATE_KEY: Final = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ADDRESS: Final = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#: The outcome tokens of the docs' examples (market 0xbd31dc8a...): YES and NO.
YES_TOKEN: Final = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
NO_TOKEN: Final = "52114319501245915516055106046884209969926127482827954674443846427813813222426"
CONDITION_ID: Final = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"
#: A neg-risk market (its orders are signed for the neg-risk exchange).
NEG_RISK_CONDITION_ID: Final = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"
NEG_RISK_YES: Final = (
    "65818619657568813474341868652308942079804919287380422192892211131408793125422"
)
NEG_RISK_NO: Final = (
    "114122071509644379678018727908709560226618148003371446110114509806601493071694"
)
_ORDER_TYPES: Final = {
    "GTC": TimeInForce.GTC,
    "GTD": TimeInForce.GTD,
    "FOK": TimeInForce.FOK,
    "FAK": TimeInForce.IOC,
}
_IMMEDIATE: Final = frozenset({"FOK", "FAK"})
#: The venue expires a GTD order this long before its ``expiration``.
_GTD_THRESHOLD_S: Final = 60

Handler = Callable[[Request], Awaitable[Response]]


class _BadRequest(Exception):
    """A request the venue refuses with 400 and an ``error`` text."""


def _cursor(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor or cursor == INITIAL_CURSOR:
        return 0
    try:
        return int(base64.b64decode(cursor).decode())
    except ValueError:
        raise _BadRequest(f"invalid next_cursor {cursor!r}") from None


class PolymarketHarness(MockVenue):
    """The mock Polymarket venue plus the controls and observations of the VenueHarness."""

    venue = VENUE_NAME
    features = ProtocolFeatures(
        server_control_ping=False,
        text_ping=True,
        stream_login=False,
        timestamp_window=False,
        book_sequence=False,
        book_checksum=True,
        subscription_refusal=False,
        close_codes=True,
        venue_rate_limit_code=False,
        client_order_ids=False,
        instrument_topics=True,
        # Open-order rows carry no average fill price.
        order_avg_px=False,
        private_hold=True,
    )
    absent_features: ClassVar[Mapping[str, str]] = {
        "login_clock": (
            "Polymarket's user channel login carries the L2 API key, secret and passphrase, "
            "with no timestamp or expiry: nothing about it expires"
        ),
    }
    stream_paths = (MARKET_PATH, USER_PATH)

    API_KEY: Final = "7d41c2e9-1b7c-4c9e-9a55-2f3b8d0e6a11"
    API_SECRET: Final = base64.urlsafe_b64encode(b"polymarket-mock-secret-0123456789").decode()
    WRONG_SECRET: Final = base64.urlsafe_b64encode(b"polymarket-wrong-secret-987654321").decode()
    PASSPHRASE: Final = "b83f0a51c9d24e7f8a6b3c5d1e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f"
    #: Records per page of the paged endpoints (small, so clients must follow cursors).
    PAGE_SIZE: Final = 3
    DATA_PAGE_SIZE: Final = 20

    def __init__(self, *, settlement: str = "auto", heartbeat_timeout: float | None = None) -> None:
        self.settlement = settlement
        #: expiring_order started the venue's wall clock (CH4).
        self._clock_running = False
        #: Seconds without a heartbeat, once they started, before every open order is
        #: canceled (the dead-man switch); None: the mock only counts heartbeats.
        self.heartbeat_timeout = heartbeat_timeout
        self._last_heartbeat: float | None = None
        self.dead_man_cancels = 0
        self._outbox: deque[tuple[SimEvent, Any]] = deque()
        self._last_trade: dict[str, str] = {}
        self._public_trades: dict[str, list[dict[str, Any]]] = {}
        #: Our trades by id: the record (as ``/data/trades`` lists it) and its balance moves.
        self.trades: dict[str, dict[str, Any]] = {}
        self._trade_moves: dict[str, list[tuple[str, Decimal]]] = {}
        self._failed_qty: dict[str, Decimal] = {}
        self._closed_by_failure: set[str] = set()
        #: Orders the venue answered with an error (a killed FOK): never on the user channel.
        self._refused: set[str] = set()
        self.heartbeats = 0
        self._malformed_market = False
        self._suppress_book = 0
        self._corrupt_next_hash = False
        self._wake: anyio.Event | None = None
        self._flush_lock: anyio.Lock | None = None
        super().__init__()
        self.exchange.subscribe(self._on_exchange_event)

    # -- the venue's state ---------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        """Two markets (a regular one and a neg-risk one), two tokens each, funded."""
        exchange = SimulatedExchange(
            seed=11,
            start_time_ns=time.time_ns(),
            post_only_cross=PostOnlyCross.REJECT,
            id_style=IdStyle.UUID,
        )
        end = "2027-11-05T00:00:00Z"
        for condition, tokens, neg_risk, question, slug in (
            (
                CONDITION_ID,
                ((YES_TOKEN, "Yes"), (NO_TOKEN, "No")),
                False,
                "Will the mock venue pass the conformance suite?",
                "mock-venue-passes",
            ),
            (
                NEG_RISK_CONDITION_ID,
                ((NEG_RISK_YES, "Yes"), (NEG_RISK_NO, "No")),
                True,
                "Which candidate wins the mock election? (A)",
                "mock-election-a",
            ),
        ):
            for token, outcome in tokens:
                exchange.add_instrument(
                    SimInstrument(
                        symbol=token,
                        product_type=ProductType.BINARY_OUTCOME,
                        base_asset=token,
                        quote_asset=COLLATERAL,
                        tick_size=Decimal("0.01"),
                        lot_size=Decimal("0.01"),
                        min_qty=Decimal("5"),
                        # The operator charges fees at match time in collateral (V2).
                        fee_in_quote=True,
                        meta={
                            "condition_id": condition,
                            "outcome": outcome,
                            "neg_risk": neg_risk,
                            "question": question,
                            "slug": slug,
                            "end_date_iso": end,
                        },
                    )
                )
        exchange.set_balance(COLLATERAL, Decimal("1000000"))
        return exchange

    def _instrument(self, token: str) -> SimInstrument | None:
        return self.exchange.instrument(token)

    def _markets(self) -> dict[str, list[SimInstrument]]:
        markets: dict[str, list[SimInstrument]] = {}
        for instrument in self.exchange.instruments():
            markets.setdefault(instrument.meta["condition_id"], []).append(instrument)
        return markets

    def _now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def _summary(self, token: str) -> dict[str, Any]:
        instrument = self._instrument(token)
        assert instrument is not None
        book = self.exchange.book(token)
        return render_book(
            instrument, book.bids, book.asks, self._now_ms(), self._last_trade.get(token, "")
        )

    def _on_exchange_event(self, event: SimEvent) -> None:
        """Listener, called at the end of every exchange call: what the book hash and the
        last trade price are right after the event is fixed here, before later calls."""
        extra: Any = None
        if isinstance(event, PublicTrade):
            instrument = self._instrument(event.symbol)
            assert instrument is not None
            message = {
                "asset_id": event.symbol,
                "event_type": "last_trade_price",
                "fee_rate_bps": "0",
                "market": instrument.meta["condition_id"],
                "price": fmt_price(event.price, instrument.tick_size),
                "side": "BUY" if event.aggressor_side is AggressorSide.BUYER else "SELL",
                "size": fmt_size(event.quantity),
                "timestamp": str(self._now_ms()),
                "transaction_hash": "0x" + uuid.uuid5(uuid.NAMESPACE_OID, event.trade_id).hex * 2,
            }
            self._last_trade[event.symbol] = message["price"]
            self._public_trades.setdefault(event.symbol, []).append(
                self._data_trade(instrument, message, last_trade_id(message))
            )
            extra = message
        elif isinstance(event, BookUpdated):
            extra = self._summary(event.symbol)
        elif isinstance(event, OrderFilled):
            extra = self._record_trade(event)
        self._outbox.append((event, extra))
        if self._wake is not None:
            self._wake.set()

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> PolymarketHarness:
        await super().__aenter__()
        self._wake = anyio.Event()
        self._flush_lock = anyio.Lock()
        assert self._task_group is not None
        self._task_group.start_soon(self._pump)
        return self

    async def _dead_man_switch(self, timeout: float) -> None:
        """Once heartbeats started: when none came for ``timeout`` s, cancel every open order
        (and wait for the next heartbeat to arm it again)."""
        while True:
            await anyio.sleep(timeout / 4)
            last = self._last_heartbeat
            if last is not None and anyio.current_time() - last > timeout:
                self._last_heartbeat = None
                self.dead_man_cancels += 1
                self._cancel_ids(self._open_digests())
                await self._flush()
                return

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
                event, extra = self._outbox.popleft()
                await self._push(event, extra)

    async def push_account_events(self) -> None:
        """Send every queued exchange event now."""
        await self._flush()

    # -- what the clients are given ------------------------------------------------------------

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        """A config dict pointing the clients at this mock venue (Amoy, EOA wallet)."""
        config: dict[str, Any] = {
            "base_url_http": self.http_url,
            "base_url_data": self.http_url,
            "base_url_ws": self.ws_url,
            "chain_id": AMOY,
            "ws_connect_timeout": 3.0,
        }
        if credentials in ("valid", "skewed", "invalid"):
            config.update(
                api_key=self.API_KEY,
                api_secret=self.API_SECRET if credentials != "invalid" else self.WRONG_SECRET,
                api_passphrase=self.PASSPHRASE,
                private_key=PRIVATE_KEY,
            )
        config.update(overrides)
        return config

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        """The YES token of the regular market."""
        if product is ProductType.BINARY_OUTCOME:
            return InstrumentId.of(YES_TOKEN, VENUE_ID)
        return None

    @property
    def secrets(self) -> Sequence[str]:
        """Every credential value handed out."""
        return (self.API_KEY, self.API_SECRET, self.WRONG_SECRET, self.PASSPHRASE, PRIVATE_KEY)

    # -- HTTP: authentication ------------------------------------------------------------------

    def _l1_ok(self, request: Request) -> bool:
        address = request.header(HEADER_ADDRESS) or ""
        signature = request.header(HEADER_SIGNATURE) or ""
        timestamp, nonce = request.header(HEADER_TIMESTAMP), request.header(HEADER_NONCE) or "0"
        if not (address and signature and timestamp and timestamp.isdigit() and nonce.isdigit()):
            return False
        try:
            signer = recover_clob_auth(signature, address, AMOY, int(timestamp), int(nonce))
        except Exception:
            return False
        return signer.lower() == address.lower()

    def verify_signature(self, request: Request) -> bool:
        """L1 on the API-key endpoints, L2 everywhere else, exactly as the venue checks."""
        if request.path in ("/auth/api-key", "/auth/derive-api-key"):
            return self._l1_ok(request)
        key = request.header(HEADER_API_KEY)
        timestamp = request.header(HEADER_TIMESTAMP)
        signature = request.header(HEADER_SIGNATURE)
        if key != self.API_KEY or not timestamp or not timestamp.isdigit() or not signature:
            return False
        if request.header(HEADER_PASSPHRASE) != self.PASSPHRASE:
            return False
        if (request.header(HEADER_ADDRESS) or "").lower() != ADDRESS.lower():
            return False
        body = request.body.decode("utf-8") if request.body else ""
        expected = l2_signature(self.API_SECRET, timestamp, request.method, request.path, body)
        return hmac.compare_digest(expected, signature)

    def signature_failure_response(self, request: Request) -> Response:
        """401 ``Unauthorized/Invalid api key`` (``Invalid L1 Request headers`` for L1)."""
        if request.path in ("/auth/api-key", "/auth/derive-api-key"):
            return self.error_response(401, message="Invalid L1 Request headers")
        return self.error_response(401, message="Unauthorized/Invalid api key")

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        """``{"error": "<message>"}`` with the status; 429 carries ``Retry-After``."""
        text = message or {429: "Too Many Requests", 404: "Not Found"}.get(status, "error")
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        return Response.json({"error": text}, status=status, headers=headers)

    # -- HTTP: routes --------------------------------------------------------------------------

    def setup_routes(self) -> None:
        """Every endpoint the plugin uses (CLOB and Data API on one host)."""
        public: dict[tuple[str, str], Handler] = {
            ("GET", "/time"): self._get_time,
            ("GET", "/markets"): self._get_markets,
            ("GET", "/book"): self._get_book,
            ("GET", "/prices-history"): self._get_prices_history,
            ("GET", "/trades"): self._get_public_trades,
            ("GET", "/positions"): self._get_positions,
        }
        for condition in self._markets():
            public[("GET", f"/markets/{condition}")] = self._market_handler(condition)
        private: dict[tuple[str, str], Handler] = {
            ("POST", "/auth/api-key"): self._post_api_key,
            ("GET", "/auth/derive-api-key"): self._post_api_key,
            ("GET", "/auth/api-keys"): self._get_api_keys,
            ("POST", "/order"): self._post_order,
            ("POST", "/orders"): self._post_orders,
            ("DELETE", "/order"): self._delete_order,
            ("DELETE", "/orders"): self._delete_orders,
            ("DELETE", "/cancel-all"): self._delete_all,
            ("DELETE", "/cancel-market-orders"): self._delete_market,
            ("POST", "/v1/heartbeats"): self._post_heartbeat,
            ("GET", "/data/orders"): self._get_orders,
            ("GET", "/data/trades"): self._get_trades,
            ("GET", "/balance-allowance"): self._get_balance,
            ("GET", "/balance-allowance/update"): self._get_balance,
        }
        for (method, path), handler in public.items():
            self.route(method, path, self._guarded(handler))
        for (method, path), handler in private.items():
            self.route(method, path, self._guarded(handler), signed=True)

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except _BadRequest as exc:
                return self.error_response(400, message=str(exc))

        return guarded

    @staticmethod
    def _json(request: Request) -> Any:
        try:
            return request.json()
        except ValueError:
            raise _BadRequest("Invalid payload") from None

    def _page(self, records: list[dict[str, Any]], request: Request, size: int) -> Response:
        start = _offset(request.param("next_cursor"))
        chunk = records[start : start + size]
        following = start + size
        return Response.json(
            {
                "limit": size,
                "count": len(chunk),
                "next_cursor": _cursor(following) if following < len(records) else END_CURSOR,
                "data": chunk,
            }
        )

    async def _get_time(self, request: Request) -> Response:
        return Response.json(int(time.time()))

    async def _get_markets(self, request: Request) -> Response:
        records = [render_market(tokens) for tokens in self._markets().values()]
        if self._malformed_market:
            records.append(
                {"condition_id": "0xbroken", "minimum_tick_size": "not-a-number", "tokens": []}
            )
        return self._page(records, request, self.PAGE_SIZE)

    def _market_handler(self, condition: str) -> Handler:
        async def handler(request: Request) -> Response:
            return Response.json(render_market(self._markets()[condition]))

        return handler

    async def _get_book(self, request: Request) -> Response:
        token = request.param("token_id") or ""
        if self._instrument(token) is None:
            if not token:
                raise _BadRequest("Invalid token id")
            return self.error_response(
                404, message="No orderbook exists for the requested token id"
            )
        return Response.json(self._summary(token))

    async def _get_prices_history(self, request: Request) -> Response:
        """The last trade price per ``fidelity`` minutes between ``startTs`` and ``endTs`` (s)."""
        token = request.param("market") or ""
        try:
            fidelity = int(request.param("fidelity") or 1)
            start = int(request.param("startTs") or 0)
            end = int(request.param("endTs") or 2**40)
        except ValueError:
            raise _BadRequest("startTs, endTs and fidelity are integers") from None
        buckets: dict[int, float] = {}
        for trade in sorted(self._public_trades.get(token, []), key=lambda t: t["timestamp"]):
            if start <= trade["timestamp"] <= end:
                bucket = trade["timestamp"] // (60 * fidelity) * 60 * fidelity
                buckets[bucket] = float(trade["price"])
        return Response.json({"history": [{"t": t, "p": p} for t, p in sorted(buckets.items())]})

    # -- HTTP: API keys ------------------------------------------------------------------------

    async def _post_api_key(self, request: Request) -> Response:
        if (request.header(HEADER_ADDRESS) or "").lower() != ADDRESS.lower():
            return self.error_response(401, message="Invalid L1 Request headers")
        return Response.json(
            {"apiKey": self.API_KEY, "secret": self.API_SECRET, "passphrase": self.PASSPHRASE}
        )

    async def _get_api_keys(self, request: Request) -> Response:
        return Response.json({"apiKeys": [self.API_KEY]})

    async def _post_heartbeat(self, request: Request) -> Response:
        self.heartbeats += 1
        if self._last_heartbeat is None and self.heartbeat_timeout is not None:
            assert self._task_group is not None
            self._task_group.start_soon(self._dead_man_switch, self.heartbeat_timeout)
        self._last_heartbeat = anyio.current_time()
        self.server.notify()
        return Response.json({"heartbeat_id": str(uuid.uuid4())})

    # -- HTTP: orders --------------------------------------------------------------------------

    def _order_from(self, payload: Any) -> tuple[dict[str, Any], str]:
        """Check one signed order as the venue does; (the answer, the order hash)."""
        if not isinstance(payload, dict) or not isinstance(payload.get("order"), dict):
            raise _BadRequest("Invalid payload")
        if payload.get("owner") != self.API_KEY:
            return {
                "success": False,
                "errorMsg": "the order owner has to be the owner of the API KEY",
            }, ""
        raw = payload["order"]
        token = str(raw.get("tokenId", ""))
        instrument = self._instrument(token)
        if instrument is None:
            return {"success": False, "errorMsg": "Invalid token id"}, ""
        try:
            side = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}[raw["side"]]
            fields = OrderFields(
                salt=int(raw["salt"]),
                maker=str(raw["maker"]),
                signer=str(raw["signer"]),
                token_id=int(token),
                maker_amount=int(raw["makerAmount"]),
                taker_amount=int(raw["takerAmount"]),
                side=0 if side is OrderSide.BUY else 1,
                signature_type=SignatureType(int(raw["signatureType"])),
                timestamp=int(raw["timestamp"]),
                metadata=str(raw["metadata"]),
                builder=str(raw["builder"]),
                expiration=int(raw.get("expiration") or 0),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise _BadRequest(f"Invalid order payload: {exc}") from None
        exchange = CTF_EXCHANGE_V2[AMOY][1 if instrument.meta.get("neg_risk") else 0]
        try:
            signer = recover_order_signer(fields, str(raw["signature"]), AMOY, exchange, "2")
        except Exception:
            signer = ""
        if signer.lower() != ADDRESS.lower():
            return {"success": False, "errorMsg": "invalid signature"}, ""
        if fields.signature_type is SignatureType.EOA and fields.maker.lower() != ADDRESS.lower():
            return {
                "success": False,
                "errorMsg": "maker address not allowed, please use the deposit wallet flow",
            }, ""
        digest = order_hash(fields, AMOY, exchange, "2")
        order_type = str(payload.get("orderType", "GTC"))
        tif = _ORDER_TYPES.get(order_type)
        if tif is None:
            raise _BadRequest(f"invalid order type {order_type!r}")
        post_only = bool(payload.get("postOnly", False))
        if post_only and order_type in _IMMEDIATE:
            return {
                "success": False,
                "errorMsg": "invalid post-only order: post-only orders are GTC or GTD only",
            }, ""
        shares = (
            Decimal(fields.taker_amount if side is OrderSide.BUY else fields.maker_amount) / UNITS
        )
        collateral = (
            Decimal(fields.maker_amount if side is OrderSide.BUY else fields.taker_amount) / UNITS
        )
        if not shares or not collateral:
            return {"success": False, "errorMsg": "invalid order amounts"}, ""
        ratio = collateral / shares
        price = ratio.quantize(instrument.tick_size, rounding=ROUND_HALF_EVEN)
        if order_type not in _IMMEDIATE and price != ratio:
            return {"success": False, "errorMsg": REJECT_MESSAGES_INVALID_TICK}, ""
        if not Decimal(0) < price < Decimal(1):
            return {"success": False, "errorMsg": "invalid price"}, ""
        expire_ns = None
        if tif is TimeInForce.GTD:
            if fields.expiration <= self.exchange.now() // NS_PER_S + _GTD_THRESHOLD_S:
                return {"success": False, "errorMsg": "invalid expiration"}, ""
            expire_ns = (fields.expiration - _GTD_THRESHOLD_S) * NS_PER_S
        if self.exchange.order(digest) is not None:
            return {"success": False, "errorMsg": "order already exists", "orderID": digest}, digest
        result = self.exchange.submit(
            token,
            side,
            OrderType.LIMIT,
            shares,
            price=price,
            time_in_force=tif,
            expire_time_ns=expire_ns,
            post_only=post_only,
            venue_order_id=digest,
            meta={"order_type": order_type, "expiration": fields.expiration, "maker": fields.maker},
        )
        if not result.ok:
            assert result.reason is not None
            return {
                "success": False,
                "errorMsg": REJECT_MESSAGES.get(result.reason, result.message),
                "orderID": "",
            }, ""
        order = result.order
        assert order is not None
        if order.status is OrderStatus.CANCELED and not order.filled_qty:
            if order.cancel_cause is CancelCause.FOK_NOT_FILLED or order_type == "FOK":
                text = "order couldn't be fully filled. FOK orders are fully filled or killed."
            else:
                text = "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found."
            self._refused.add(digest)
            return {"success": False, "errorMsg": text, "orderID": digest}, digest
        status = (
            "live"
            if order.status in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)
            and not order.filled_qty
            else "matched"
        )
        if order.status is OrderStatus.ACCEPTED and not order.filled_qty:
            status = "live"
        self.route(
            "GET", f"/data/order/{digest}", self._guarded(self._order_handler(digest)), signed=True
        )
        trade_ids = [t for t, r in self.trades.items() if digest in _order_ids(r)]
        return {
            "success": True,
            "errorMsg": "",
            "orderID": digest,
            "status": status,
            "makingAmount": "",
            "takingAmount": "",
            "transactionsHashes": [],
            "tradeIDs": trade_ids,
        }, digest

    async def _post_order(self, request: Request) -> Response:
        answer, _ = self._order_from(self._json(request))
        await self._flush()
        if not answer["success"]:
            return self.error_response(400, message=answer["errorMsg"])
        return Response.json(answer)

    async def _post_orders(self, request: Request) -> Response:
        payloads = self._json(request)
        if not isinstance(payloads, list) or not 1 <= len(payloads) <= MAX_BATCH_ORDERS:
            raise _BadRequest(f"Invalid payload: 1 to {MAX_BATCH_ORDERS} orders")
        answers = [self._order_from(p)[0] for p in payloads]
        await self._flush()
        return Response.json(answers)

    def _row(self, digest: str) -> dict[str, Any] | None:
        order = self.exchange.order(digest)
        if order is None:
            return None
        instrument = self._instrument(order.symbol)
        assert instrument is not None
        failed = self._failed_qty.get(digest, Decimal(0))
        status = "CANCELED" if digest in self._closed_by_failure else None
        return render_order(
            order,
            instrument,
            self.API_KEY,
            order.meta.get("maker", ADDRESS),
            matched=order.filled_qty - failed,
            status=status,
        )

    def _order_handler(self, digest: str) -> Handler:
        async def handler(request: Request) -> Response:
            return Response.json(self._row(digest))

        return handler

    def _cancel_ids(self, ids: list[str]) -> dict[str, Any]:
        canceled: list[str] = []
        not_canceled: dict[str, str] = {}
        for digest in ids:
            order = self.exchange.order(digest)
            if order is None:
                not_canceled[digest] = "order not found"
                continue
            result = self.exchange.cancel(digest)
            if result.ok:
                canceled.append(digest)
            else:
                not_canceled[digest] = "order can't be canceled: already matched or canceled"
        return {"canceled": canceled, "not_canceled": not_canceled}

    async def _delete_order(self, request: Request) -> Response:
        body = self._json(request)
        if not isinstance(body, dict) or not body.get("orderID"):
            raise _BadRequest("Invalid payload")
        answer = self._cancel_ids([str(body["orderID"])])
        await self._flush()
        return Response.json(answer)

    async def _delete_orders(self, request: Request) -> Response:
        body = self._json(request)
        if not isinstance(body, list):
            raise _BadRequest("Invalid payload")
        answer = self._cancel_ids([str(b) for b in body])
        await self._flush()
        return Response.json(answer)

    def _open_digests(self, market: str | None = None, asset: str | None = None) -> list[str]:
        out = []
        for order in self.exchange.open_orders():
            instrument = self._instrument(order.symbol)
            if instrument is None:
                continue
            if market and instrument.meta["condition_id"] != market:
                continue
            if asset and order.symbol != asset:
                continue
            out.append(order.venue_order_id)
        return out

    async def _delete_all(self, request: Request) -> Response:
        answer = self._cancel_ids(self._open_digests())
        await self._flush()
        return Response.json(answer)

    async def _delete_market(self, request: Request) -> Response:
        body = self._json(request) if request.body else {}
        answer = self._cancel_ids(self._open_digests(body.get("market"), body.get("asset_id")))
        await self._flush()
        return Response.json(answer)

    async def _get_orders(self, request: Request) -> Response:
        rows = [
            self._row(d)
            for d in self._open_digests(request.param("market"), request.param("asset_id"))
        ]
        return self._page([r for r in rows if r is not None], request, self.PAGE_SIZE)

    async def _get_trades(self, request: Request) -> Response:
        asset = request.param("asset_id")
        after = request.param("after")
        before = request.param("before")
        records = [
            r
            for r in self.trades.values()
            if (
                asset is None
                or r["asset_id"] == asset
                or any(m["asset_id"] == asset for m in r["maker_orders"])
            )
            and (after is None or int(r["match_time"]) >= int(after))
            and (before is None or int(r["match_time"]) <= int(before))
        ]
        return self._page(records, request, self.PAGE_SIZE)

    async def _get_balance(self, request: Request) -> Response:
        kind = request.param("asset_type")
        if kind == "COLLATERAL":
            total = self.exchange.balance(COLLATERAL).total
        elif kind == "CONDITIONAL":
            total = self.exchange.balance(request.param("token_id") or "").total
        else:
            raise _BadRequest("invalid asset_type")
        return Response.json(
            {
                "balance": str(int(total * UNITS)),
                "allowances": {a: "max" for pair in CTF_EXCHANGE_V2[AMOY] for a in [pair]},
            }
        )

    async def _get_positions(self, request: Request) -> Response:
        if (request.param("user") or "").lower() != ADDRESS.lower():
            return Response.json([])
        out = []
        for instrument in self.exchange.instruments():
            balance = self.exchange.balance(instrument.symbol).total
            out.append(
                {
                    "proxyWallet": ADDRESS,
                    "asset": instrument.symbol,
                    "conditionId": instrument.meta["condition_id"],
                    "size": float(balance),
                    "avgPrice": 0.5,
                    "outcome": instrument.meta["outcome"],
                }
            )
        return Response.json(out)

    def _data_trade(
        self, instrument: SimInstrument, message: dict[str, Any], trade_id: str
    ) -> dict[str, Any]:
        return {
            "proxyWallet": "0x" + "ab" * 20,
            "side": message["side"],
            "asset": instrument.symbol,
            "conditionId": instrument.meta["condition_id"],
            "size": message["size"],
            "price": message["price"],
            "timestamp": int(message["timestamp"]) // 1000,
            "outcome": instrument.meta["outcome"],
            "transactionHash": trade_id,
        }

    async def _get_public_trades(self, request: Request) -> Response:
        market = request.param("market")
        try:
            limit = int(request.param("limit") or 100)
            offset = int(request.param("offset") or 0)
        except ValueError:
            raise _BadRequest("limit and offset are integers") from None
        records = [
            t
            for token, trades in self._public_trades.items()
            for t in trades
            if market is None or t["conditionId"] == market
        ]
        records.sort(key=lambda t: t["timestamp"], reverse=True)
        return Response.json(records[offset : offset + min(limit, self.DATA_PAGE_SIZE)])

    # -- trades and their settlement -------------------------------------------------------------

    def _record_trade(self, event: OrderFilled) -> dict[str, Any]:
        fill = event.fill
        order = event.order
        instrument = self._instrument(fill.symbol)
        assert instrument is not None
        ours = {
            "order_id": order.venue_order_id,
            "owner": self.API_KEY,
            "maker_address": order.meta.get("maker", ADDRESS),
            "matched_amount": fmt_size(fill.quantity),
            "price": fmt_price(fill.price, instrument.tick_size),
            "fee_rate_bps": "0",
            "asset_id": fill.symbol,
            "outcome": instrument.meta["outcome"],
            "side": "BUY" if fill.side is OrderSide.BUY else "SELL",
        }
        now_s = str(self.exchange.now() // NS_PER_S)
        other_side = "SELL" if fill.side is OrderSide.BUY else "BUY"
        record: dict[str, Any] = {
            "id": fill.trade_id,
            "market": instrument.meta["condition_id"],
            "asset_id": fill.symbol,
            "size": fmt_size(fill.quantity),
            "fee_rate_bps": "0",
            "price": fmt_price(fill.price, instrument.tick_size),
            "status": "MATCHED",
            "match_time": now_s,
            "last_update": now_s,
            "outcome": instrument.meta["outcome"],
            "bucket_index": 0,
            "owner": self.API_KEY,
            "transaction_hash": "",
        }
        from tradeport.model.enums import LiquiditySide

        if fill.liquidity_side is LiquiditySide.TAKER:
            record.update(
                side="BUY" if fill.side is OrderSide.BUY else "SELL",
                taker_order_id=order.venue_order_id,
                trader_side="TAKER",
                maker_address=ours["maker_address"],
                maker_orders=[
                    {
                        "order_id": "0x" + uuid.uuid5(uuid.NAMESPACE_OID, fill.trade_id).hex * 2,
                        "owner": str(uuid.uuid5(uuid.NAMESPACE_URL, "counterparty")),
                        "maker_address": "0x" + "cd" * 20,
                        "matched_amount": ours["matched_amount"],
                        "price": ours["price"],
                        "fee_rate_bps": "0",
                        "asset_id": fill.symbol,
                        "outcome": ours["outcome"],
                        "side": other_side,
                    }
                ],
            )
        else:
            record.update(
                side=other_side,
                taker_order_id="0x" + uuid.uuid5(uuid.NAMESPACE_DNS, fill.trade_id).hex * 2,
                trader_side="MAKER",
                maker_address="0x" + "cd" * 20,
                maker_orders=[ours],
            )
            record["owner"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "counterparty"))
        self.trades[fill.trade_id] = record
        notional = fill.quantity * fill.price
        sign = Decimal(1) if fill.side is OrderSide.BUY else Decimal(-1)
        # What the fill moved: undone exactly by a failed settlement.
        self._trade_moves[fill.trade_id] = [
            (
                COLLATERAL,
                -sign * notional - fill.commission
                if fill.commission_asset == COLLATERAL
                else -sign * notional,
            ),
            (fill.symbol, sign * fill.quantity),
        ]
        return dict(record)

    def _trade_event(self, record: dict[str, Any]) -> dict[str, Any]:
        event = dict(record)
        event["event_type"] = "trade"
        event["type"] = "TRADE"
        event["timestamp"] = record["last_update"]
        event["matchtime"] = record["match_time"]
        return event

    async def _settle(self, trade_id: str, status: str) -> None:
        record = self.trades[trade_id]
        record["status"] = status
        record["last_update"] = str(self.exchange.now() // NS_PER_S)
        if status == "CONFIRMED":
            record["transaction_hash"] = "0x" + uuid.uuid5(uuid.NAMESPACE_OID, trade_id).hex * 2
        await self._to_user(self._trade_event(record), record["market"])

    async def confirm_trade(self, trade_id: str) -> None:
        """Settle a MATCHED trade: MINED, then CONFIRMED (each pushed on the user channel)."""
        await self._flush()
        await self._settle(trade_id, "MINED")
        await self._settle(trade_id, "CONFIRMED")

    async def fail_trade(self, trade_id: str) -> None:
        """The trade's transaction fails: RETRYING, then FAILED; the balances it moved are
        given back exactly, and an order it had completed is closed (its remainder is not
        re-posted)."""
        await self._flush()
        record = self.trades[trade_id]
        if record["status"] in ("CONFIRMED", "FAILED"):
            raise ValueError(f"trade {trade_id} is already {record['status']}")
        for asset, moved in self._trade_moves[trade_id]:
            self.exchange.set_balance(asset, self.exchange.balance(asset).total - moved)
        for order_id in _order_ids(record):
            order = self.exchange.order(order_id)
            if order is None:
                continue
            qty = (
                Decimal(
                    next(
                        m["matched_amount"]
                        for m in record["maker_orders"]
                        if m["order_id"] == order_id
                    )
                )
                if record.get("trader_side") == "MAKER"
                else Decimal(record["size"])
            )
            self._failed_qty[order_id] = self._failed_qty.get(order_id, Decimal(0)) + qty
            if (
                order.status is not OrderStatus.ACCEPTED
                and order.status is not OrderStatus.PARTIALLY_FILLED
            ):
                self._closed_by_failure.add(order_id)
        await self._settle(trade_id, "RETRYING")
        await self._settle(trade_id, "FAILED")
        for order_id in _order_ids(record):
            row = self._row(order_id)
            if row is not None:
                await self._to_user(self._order_event(row, "UPDATE"), record["market"])

    # -- the suite's expiry control (CH4) ------------------------------------------------------

    def expiring_order(self, order: Any) -> Any:
        """``order`` as a GTD order the venue expires on its own clock 2 s from now (the
        venue's time then follows the wall clock, so the expiry happens unasked)."""
        import attrs
        from tradeport.model.enums import TimeInForce as Tif

        if not self._clock_running:
            assert self._task_group is not None, "start the mock venue first (async with)"
            self._clock_running = True
            self._task_group.start_soon(self._venue_clock)
        return attrs.evolve(
            order, time_in_force=Tif.GTD, expire_time_ns=self.exchange.now() + 2 * NS_PER_S
        )

    async def _venue_clock(self) -> None:
        """Move the venue's clock with the wall clock (GTD orders then expire when due)."""
        while True:
            await anyio.sleep(0.05)
            now = time.time_ns()
            if now > self.exchange.now():
                self.exchange.advance_time(now)

    # -- the suite's settlement controls (CH3) -----------------------------------------------

    async def hold_settlement(self, hold: bool = True) -> None:
        """Trades matched from now on stay MATCHED until :meth:`confirm_fill` or
        :meth:`revert_fill` (``settlement="manual"``); ``hold=False`` settles them at once."""
        await self._flush()
        self.settlement = "manual" if hold else "auto"

    async def confirm_fill(self, trade_id: str) -> None:
        """The suite's name for :meth:`confirm_trade`."""
        await self.confirm_trade(trade_id)

    async def revert_fill(self, trade_id: str) -> None:
        """The suite's name for :meth:`fail_trade`."""
        await self.fail_trade(trade_id)

    def pending_trades(self) -> list[str]:
        """Trades still MATCHED (or MINED): what the settlement controls act on."""
        return [
            t for t, r in self.trades.items() if r["status"] in ("MATCHED", "MINED", "RETRYING")
        ]

    # -- streams -------------------------------------------------------------------------------

    async def serve_stream(self, conn: StreamConnection) -> None:
        """One channel connection: its subscriptions and the text PING, until it closes."""
        async for raw in conn.ws:
            text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
            if text == "PING":
                self.record_text_ping()
                await conn.send_text("PONG")
                continue
            try:
                message = json_codec.loads(text)
            except ValueError:
                await conn.send_text("INVALID OPERATION")
                continue
            if not isinstance(message, dict):
                await conn.send_text("INVALID OPERATION")
            elif conn.path == MARKET_PATH:
                await self._market_subscription(conn, message)
            else:
                await self._user_subscription(conn, message)

    async def _market_subscription(self, conn: StreamConnection, message: dict[str, Any]) -> None:
        assets = message.get("assets_ids")
        if not isinstance(assets, list):
            await conn.send_text("INVALID OPERATION")
            return
        first = not conn.state.get("subscribed")
        operation = message.get("operation")
        if first and message.get("type") != "market":
            await conn.send_text("INVALID OPERATION")
            return
        conn.state["subscribed"] = True
        if operation == "unsubscribe":
            conn.topics.difference_update(str(a) for a in assets)
            self.server.notify()
            return
        self.record_subscribe_message()
        fresh = [str(a) for a in assets if str(a) not in conn.topics and self._instrument(str(a))]
        conn.topics.update(str(a) for a in assets)
        self.server.notify()
        await self._flush()
        books = []
        for token in fresh:
            summary = self._summary(token)
            books.append({"event_type": "book", **summary})
        if books:
            await conn.send_json(books)

    async def _user_subscription(self, conn: StreamConnection, message: dict[str, Any]) -> None:
        markets = message.get("markets")
        if not isinstance(markets, list):
            await conn.send_text("INVALID OPERATION")
            return
        if not conn.authenticated:
            auth = message.get("auth") or {}
            ok = (
                message.get("type") == "user"
                and auth.get("apiKey") == self.API_KEY
                and auth.get("secret") == self.API_SECRET
                and auth.get("passphrase") == self.PASSPHRASE
            )
            self.record_login(ok)
            if not ok:
                await conn.ws.close(4001, "invalid credentials")
                return
            conn.authenticated = True
        topics = {str(m) for m in markets} or {"*"}
        if message.get("operation") == "unsubscribe":
            conn.topics.difference_update(topics)
        else:
            self.record_subscribe_message()
            conn.topics.update(topics)
        self.server.notify()

    async def _to_user(self, payload: Any, market: str) -> None:
        # Through send_private (logged-in user connections), so hold_private_events can
        # withhold it.
        await self.send_private(
            lambda conn: conn.path == USER_PATH and ("*" in conn.topics or market in conn.topics),
            payload,
        )

    def _order_event(self, row: dict[str, Any], kind: str) -> dict[str, Any]:
        return {
            "asset_id": row["asset_id"],
            "associate_trades": None,
            "event_type": "order",
            "id": row["id"],
            "market": row["market"],
            "order_owner": row["owner"],
            "original_size": row["original_size"],
            "outcome": row["outcome"],
            "owner": row["owner"],
            "price": row["price"],
            "side": row["side"],
            "size_matched": row["size_matched"],
            "status": row["status"],
            "created_at": str(row["created_at"]),
            "expiration": row["expiration"],
            "order_type": row["order_type"],
            "maker_address": row["maker_address"],
            "timestamp": str(self.exchange.now() // NS_PER_S),
            "type": kind,
        }

    async def _push(self, event: SimEvent, extra: Any) -> None:
        """One exchange event as the venue's channel message(s)."""
        if isinstance(event, PublicTrade):
            await self.broadcast(event.symbol, extra)
        elif isinstance(event, BookUpdated):
            if self._suppress_book:
                self._suppress_book -= 1
                return
            await self._push_book(event, extra)
        elif isinstance(event, OrderFilled):
            digest = event.order.venue_order_id
            await self._to_user(self._trade_event(extra), extra["market"])
            row = self._row(digest) if digest else None
            if row is not None:
                await self._to_user(self._order_event(row, "UPDATE"), row["market"])
            if self.settlement == "auto":
                await self._settle(event.fill.trade_id, "MINED")
                await self._settle(event.fill.trade_id, "CONFIRMED")
        elif isinstance(event, OrderEvent) and event.order.venue_order_id not in self._refused:
            kind = {
                OrderAccepted: "PLACEMENT",
                OrderCanceled: "CANCELLATION",
                OrderExpired: "CANCELLATION",
            }.get(type(event))
            row = self._row(event.order.venue_order_id)
            if kind is not None and row is not None:
                if kind == "PLACEMENT":
                    row["status"] = "LIVE"
                    row["size_matched"] = "0"
                await self._to_user(self._order_event(row, kind), row["market"])

    async def _push_book(self, event: BookUpdated, summary: dict[str, Any]) -> None:
        if event.is_snapshot:
            await self.broadcast(event.symbol, [{"event_type": "book", **summary}])
            return
        instrument = self._instrument(event.symbol)
        assert instrument is not None
        venue_hash = summary["hash"]
        if self._corrupt_next_hash:
            self._corrupt_next_hash = False
            venue_hash = "0" * 40
        best_bid = summary["bids"][-1]["price"] if summary["bids"] else "0"
        best_ask = summary["asks"][-1]["price"] if summary["asks"] else "1"
        changes = [
            {
                "asset_id": event.symbol,
                "price": fmt_price(price, instrument.tick_size),
                "size": fmt_size(size),
                "side": side,
                "hash": venue_hash,
                "best_bid": best_bid,
                "best_ask": best_ask,
            }
            for side, levels in (("BUY", event.bids), ("SELL", event.asks))
            for price, size in levels
        ]
        await self.broadcast(
            event.symbol,
            {
                "market": instrument.meta["condition_id"],
                "price_changes": changes,
                "timestamp": summary["timestamp"],
                "event_type": "price_change",
            },
        )

    # -- controls: market data -----------------------------------------------------------------

    def _token(self, instrument_id: InstrumentId) -> str:
        token = instrument_id.symbol.value
        if self._instrument(token) is None:
            raise KeyError(f"the mock venue lists no {instrument_id}")
        return token

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        """The top of the book becomes bid/ask (a ``book`` event): quotes are the book's top."""
        self.exchange.set_book(self._token(instrument_id), [(bid, bid_size)], [(ask, ask_size)])
        await self._flush()

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        """A trade prints (own resting orders it reaches fill) and ``last_trade_price`` is sent."""
        token = self._token(instrument_id)
        events = self.exchange.trade(token, price, size, aggressor)
        trade = next(e for e in events if isinstance(e, PublicTrade))
        message = (
            next(extra for e, extra in self._outbox if e is trade)
            if any(e is trade for e, _ in self._outbox)
            else None
        )
        await self._flush()
        if message is None:
            raise RuntimeError("the trade was not recorded")
        return last_trade_id(message)

    async def set_book(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[tuple[Decimal, Decimal]],
        asks: Sequence[tuple[Decimal, Decimal]],
    ) -> None:
        """Replace the book; subscribers get a ``book`` event."""
        self.exchange.set_book(self._token(instrument_id), bids, asks)
        await self._flush()

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        """Change one level: a ``price_change`` with the new book hash."""
        self.exchange.update_level(self._token(instrument_id), side, price, size)
        await self._flush()

    async def publish_book_bad_checksum(self, instrument_id: InstrumentId) -> None:
        """A ``price_change`` whose hash is not the book's (a corrupted message)."""
        token = self._token(instrument_id)
        book = self.exchange.book(token, 1)
        side, levels = (OrderSide.BUY, book.bids) if book.bids else (OrderSide.SELL, book.asks)
        instrument = self._instrument(token)
        assert instrument is not None
        price, size = levels[0] if levels else (Decimal("0.5"), Decimal(0))
        await self._flush()
        self._corrupt_next_hash = True
        self.exchange.update_level(token, side, price, size + instrument.lot_size)
        await self._flush()

    async def publish_book_gap(self, instrument_id: InstrumentId) -> None:
        """Change two levels but send only the second update: a lost message. (A lost change
        of the level sent next would heal itself: updates carry a level's absolute size.)
        The hash of the update sent no longer matches the client's book."""
        token = self._token(instrument_id)
        instrument = self._instrument(token)
        assert instrument is not None
        book = self.exchange.book(token, 1)
        lost = (
            (OrderSide.BUY, *book.bids[0])
            if book.bids
            else (OrderSide.BUY, Decimal("0.40"), Decimal(0))
        )
        sent = (
            (OrderSide.SELL, *book.asks[0])
            if book.asks
            else (OrderSide.SELL, Decimal("0.60"), Decimal(0))
        )
        await self._flush()
        self._suppress_book += 1
        self.exchange.update_level(token, lost[0], lost[1], lost[2] + instrument.lot_size)
        await self._flush()
        self.exchange.update_level(token, sent[0], sent[1], sent[2] + instrument.lot_size)
        await self._flush()

    async def resolve_market(self, condition_id: str, winning_token: str) -> None:
        """The market resolves: ``market_resolved`` to the subscribers of its assets."""
        tokens = [i for i in self.exchange.instruments() if i.meta["condition_id"] == condition_id]
        for instrument in tokens:
            instrument.meta["closed"] = True
            instrument.meta["winner"] = instrument.symbol == winning_token
        winner = next(i for i in tokens if i.symbol == winning_token)
        message = {
            "event_type": "market_resolved",
            "id": "1",
            "question": winner.meta["question"],
            "market": condition_id,
            "slug": winner.meta["slug"],
            "assets_ids": [i.symbol for i in tokens],
            "outcomes": [i.meta["outcome"] for i in tokens],
            "winning_asset_id": winning_token,
            "winning_outcome": winner.meta["outcome"],
            "timestamp": str(self._now_ms()),
        }
        for instrument in tokens:
            await self.broadcast(instrument.symbol, message)

    async def list_market(
        self, condition_id: str, question: str, tokens: Sequence[tuple[str, str]]
    ) -> None:
        """A new market is listed (``GET /markets/{id}`` serves it) and ``new_market`` goes to
        the subscribers of every asset, as the venue does with ``custom_feature_enabled``."""
        for token, outcome in tokens:
            self.exchange.add_instrument(
                SimInstrument(
                    symbol=token,
                    product_type=ProductType.BINARY_OUTCOME,
                    base_asset=token,
                    quote_asset=COLLATERAL,
                    tick_size=Decimal("0.01"),
                    lot_size=Decimal("0.01"),
                    min_qty=Decimal("5"),
                    fee_in_quote=True,
                    meta={
                        "condition_id": condition_id,
                        "outcome": outcome,
                        "neg_risk": False,
                        "question": question,
                        "slug": question.lower().replace(" ", "-").strip("?"),
                        "end_date_iso": "2027-12-31T00:00:00Z",
                    },
                )
            )
        self.route(
            "GET", f"/markets/{condition_id}", self._guarded(self._market_handler(condition_id))
        )
        message = {
            "event_type": "new_market",
            "id": "2",
            "question": question,
            "market": condition_id,
            "slug": question.lower().replace(" ", "-").strip("?"),
            "assets_ids": [t for t, _ in tokens],
            "outcomes": [o for _, o in tokens],
            "timestamp": str(self._now_ms()),
        }
        for conn in list(self.streams):
            if conn.path == MARKET_PATH and conn.topics:
                await conn.send_json(message)

    async def change_tick_size(self, instrument_id: InstrumentId, new_tick: Decimal) -> None:
        """Send ``tick_size_change`` for a token (the venue's minimum tick moves near 0 or 1).
        The simulated exchange keeps validating at the old tick: this announces only."""
        token = self._token(instrument_id)
        instrument = self._instrument(token)
        assert instrument is not None
        old = instrument.tick_size
        await self.broadcast(
            token,
            {
                "event_type": "tick_size_change",
                "asset_id": token,
                "market": instrument.meta["condition_id"],
                "old_tick_size": fmt_size(old),
                "new_tick_size": fmt_size(new_tick),
                "timestamp": str(self._now_ms()),
            },
        )

    # -- controls: history and instruments -----------------------------------------------------

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        """``trades`` public trades over the last minutes (one per second, newest now)."""
        token = self._token(instrument_id)
        instrument = self._instrument(token)
        assert instrument is not None
        now_s = self.exchange.now() // NS_PER_S
        history = self._public_trades.setdefault(token, [])
        for n in range(trades):
            message = {
                "asset_id": token,
                "timestamp": str((now_s - (trades - n)) * 1000),
                "price": fmt_price(
                    Decimal("0.40") + instrument.tick_size * (n % 11), instrument.tick_size
                ),
                "size": fmt_size(Decimal(5 + n % 5)),
                "side": "BUY" if n % 2 else "SELL",
            }
            history.append(self._data_trade(instrument, message, f"0x{n:064x}"))

    def history_page_size(self) -> int:
        """The Data API's page (``limit`` at most this)."""
        return self.DATA_PAGE_SIZE

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        """Problems with a Data API trades request: names, integer limit and offset."""
        if request.path != "/trades":
            return []
        params = dict(request.query)
        problems = [
            f"/trades: unknown parameter {n!r}"
            for n in params
            if n not in {"market", "limit", "offset", "user"}
        ]
        for name in ("limit", "offset"):
            if name in params and not params[name].isdigit():
                problems.append(f"/trades: {name}={params[name]} is not an integer")
        return problems

    def add_malformed_instrument(self) -> None:
        """List one market the plugin cannot parse (a bad tick size, no tokens)."""
        self._malformed_market = True


REJECT_MESSAGES_INVALID_TICK: Final = "invalid price, breaks minimum tick size rule"


def _order_ids(record: dict[str, Any]) -> list[str]:
    """Our order ids in a trade record (the taker's when we took, else our maker orders)."""
    if record.get("trader_side") == "TAKER":
        return [record["taker_order_id"]]
    return [m["order_id"] for m in record.get("maker_orders") or []]
