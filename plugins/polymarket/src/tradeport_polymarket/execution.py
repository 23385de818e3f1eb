"""The Polymarket execution client: signed orders over REST, the user channel, reconciliation.

* Orders are EIP-712 signed here (``credential.py``) for the exchange of the market (regular
  or neg-risk, of the market's protocol version) and sent to ``POST /order`` (``POST /orders``
  for up to 15). Their venue id is the order's EIP-712 hash, known before sending: an order
  whose submission had no clear answer is resolved with ``GET /data/order/{hash}``.
* Limit orders GTC, GTD (post-only allowed), FOK and FAK (IOC); market orders FOK or FAK,
  in the venue's units: a BUY spends a pUSD amount (``quote_quantity=True``), a SELL sells
  shares, at a worst price walked from the book as the official client does. Amounts are
  rounded per tick size as the official client rounds them (``http/query.py``). No modify:
  cancel and replace is the caller's choice.
* Fills settle later: a trade is MATCHED, then MINED and CONFIRMED (or RETRYING, FAILED).
  Each state of a trade becomes a FillReport with its settlement state; the core's
  OrderTracker publishes the fill once (provisional), then one OrderFillConfirmed or one
  OrderFillReversed that takes back exactly what the fill added, however often and in
  whichever order the stream and the queries report it.
* The heartbeat dead-man switch (``heartbeat_interval``) posts ``/v1/heartbeats``; while it
  is on and heartbeats stop, the venue cancels every open order.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

import anyio
from tradeport.clients import EventSink, ExecutionClient, InstrumentProvider, Reconnected
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.orders import OrderTracker
from tradeport.errors import (
    MissingCredentials,
    RequestRejected,
    TradeportError,
    UnsupportedOperation,
    ValidationError,
    VenueError,
)
from tradeport.model.enums import OrderSide, OrderStatus, OrderType, SettlementStatus, TimeInForce
from tradeport.model.events import OrderCancelRejected, OrderSubmitted
from tradeport.model.identifiers import ClientOrderId, InstrumentId, VenueOrderId
from tradeport.model.instruments import BinaryOutcome
from tradeport.model.orders import Order
from tradeport.model.reports import (
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)
from tradeport.net import WebSocketClient

from tradeport_polymarket.capabilities import CAPABILITIES
from tradeport_polymarket.config import PolymarketConfig
from tradeport_polymarket.constants import CTF_EXCHANGE_V2, MAX_BATCH_ORDERS, VENUE_ID
from tradeport_polymarket.credential import (
    ExchangeProtocol,
    OrderFields,
    PolymarketCredential,
    order_hash,
)
from tradeport_polymarket.enums import SIDE_CODE, VENUE_ORDER_SIDE, VENUE_TIME_IN_FORCE
from tradeport_polymarket.http.client import PolymarketHttpClient
from tradeport_polymarket.http.errors import is_killed, is_not_found, is_post_only_refusal
from tradeport_polymarket.http.parse import (
    ACCOUNT,
    EXCHANGE_V2,
    GTD_THRESHOLD_S,
    NS_PER_S,
    collateral_balance,
    parse_account_state,
    parse_fill_reports,
    parse_order_status_report,
    parse_position_status_report,
)
from tradeport_polymarket.http.query import limit_amounts, market_amounts
from tradeport_polymarket.symbology import instrument_id_of, venue_symbol
from tradeport_polymarket.urls import USER_PATH
from tradeport_polymarket.websocket.client import make_stream_client, round_trip
from tradeport_polymarket.websocket.protocol import ALL_MARKETS, UserChannelProtocol

__all__ = ["PROTOCOLS", "PolymarketExecutionClient"]

#: Exchange protocols by the key instruments carry (``info["exchange_protocol"]``). CLOB V2
#: markets sign for the CTF Exchange V2, domain version "2" (verified with the SDK vectors).
PROTOCOLS: Final = {
    EXCHANGE_V2: ExchangeProtocol(
        name="CTF Exchange V2", domain_version="2", contracts=CTF_EXCHANGE_V2
    ),
}
_ZERO32: Final = "0x" + "00" * 32


class PolymarketExecutionClient(ExecutionClient):
    """Trades on Polymarket (see the module docstring)."""

    credentials_hint = (
        "set api_key, api_secret, api_passphrase and private_key (POLYMARKET_API_KEY, "
        "POLYMARKET_API_SECRET, POLYMARKET_API_PASSPHRASE, POLYMARKET_PRIVATE_KEY)"
    )

    def __init__(
        self,
        config: PolymarketConfig,
        *,
        instruments: InstrumentProvider | None = None,
        events: EventSink | None = None,
    ) -> None:
        super().__init__(
            VENUE_ID, config, instruments=instruments, capabilities=CAPABILITIES, events=events
        )
        self.config: PolymarketConfig = config
        self.http = PolymarketHttpClient(config)
        self.tracker = OrderTracker()
        self._tasks = BackgroundTasks(self.log, f"{VENUE_ID} execution client")
        self._stream: WebSocketClient | None = None
        self._lock_obj: anyio.Lock | None = None
        #: order hash -> client order id, and back (the venue has no client order ids).
        self._client_ids: dict[str, ClientOrderId] = {}
        self._hashes: dict[ClientOrderId, str] = {}
        self._submitted_s: dict[str, int] = {}
        #: GTD orders sent here: order hash -> expiry (ns). The user channel reports an
        #: expired order as a CANCELLATION; its time says it expired.
        self._expiries: dict[str, int] = {}
        #: Trades published as provisional fills, not settled yet: trade id -> (token, match
        #: time in s). A reconnect queries them, so a settlement that happened while away
        #: (confirmed or failed) is published once.
        self._unsettled: dict[str, tuple[str, int]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.venue})"

    def _lock(self) -> anyio.Lock:
        if self._lock_obj is None:
            self._lock_obj = anyio.Lock()
        return self._lock_obj

    @property
    def credential(self) -> PolymarketCredential:
        """The credential (MissingCredentials when the config has none)."""
        if self.http.credential is None or self.http.credential.api is None:
            raise MissingCredentials(VENUE_ID, "trading", self.credentials_hint)
        return self.http.credential

    # -- lifecycle -----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Check the API credentials (``GET /auth/api-keys``: refused ones raise
        AuthenticationError, never retried), then open the user channel for every market."""
        if self._stream is not None:
            return
        await self.http.open()
        await self._tasks.open()
        if not self.has_credentials:
            return
        try:
            await self.http.http_get_api_keys()
            self._stream = make_stream_client(
                self.config,
                USER_PATH,
                UserChannelProtocol(self.credential),
                self._on_message,
                name=f"{VENUE_ID} user channel",
                on_reconnected=self._on_reconnected,
            )
            await self._tasks.start_stream(self._stream)
            await self._stream.subscribe([ALL_MARKETS])
            # No acknowledgement: the PONG after it proves the venue read the credentials.
            await round_trip(self._stream, self.config.ws_connect_timeout)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.disconnect()
            raise
        self.authenticated = True
        if self.config.heartbeat_interval:
            self._tasks.start_soon(self._heartbeats, name="heartbeats")

    async def disconnect(self) -> None:
        """Close the user channel, the heartbeats and the REST pool."""
        if self._stream is not None:
            self._stream.close()
        await self._tasks.close()
        self._stream = None
        self.authenticated = False
        await self.http.aclose()

    async def _heartbeats(self) -> None:
        assert self.config.heartbeat_interval
        heartbeat_id = ""
        while True:
            try:
                reply = await self.http.http_post_heartbeat(heartbeat_id)
                heartbeat_id = str(reply.get("heartbeat_id") or "")
            except TradeportError as exc:
                self.log.warning("%s: heartbeat failed (open orders at risk): %s", VENUE_ID, exc)
            await anyio.sleep(self.config.heartbeat_interval)

    # -- instruments ---------------------------------------------------------------------------

    async def _instrument(self, instrument_id: InstrumentId) -> BinaryOutcome:
        found = self.instruments.find(instrument_id) if self.instruments is not None else None
        if found is None and self.instruments is not None:
            found = await self.instruments.load(instrument_id)
        if not isinstance(found, BinaryOutcome):
            raise ValidationError(
                "instrument_id", str(instrument_id), "is not a loaded outcome token"
            )
        return found

    def _known(self, token: str) -> BinaryOutcome | None:
        found = self.instruments.find(instrument_id_of(token)) if self.instruments else None
        return found if isinstance(found, BinaryOutcome) else None

    # -- order building ------------------------------------------------------------------------

    def _check_supported(self, order: Order) -> None:
        if not self.capabilities.supports_order(order.order_type, order.time_in_force):
            self._unsupported("submit_order", f"{order.order_type}/{order.time_in_force}")
        if order.reduce_only:
            self._unsupported("submit_order", "reduce_only is not offered by the venue")
        if order.display_qty is not None:
            self._unsupported("submit_order", "display_qty is not offered by the venue")
        if order.post_only and order.time_in_force not in (TimeInForce.GTC, TimeInForce.GTD):
            raise ValidationError("post_only", True, "is only for GTC and GTD orders at Polymarket")

    async def _market_price(self, instrument: BinaryOutcome, order: Order) -> Decimal:
        """The worst price of a market order, walked from the book like the official client
        (``calculate_buy_market_price`` / ``..._sell_...``): the level where the cumulated
        notional (a BUY of a pUSD amount) or size (a SELL, or a BUY of a number of shares)
        reaches the amount; FOK without enough liquidity is refused, FAK takes the deepest
        level."""
        if order.price is not None:
            return order.price.as_decimal()
        book = await self.http.http_get_book(instrument.token_id)
        buy = order.side is OrderSide.BUY
        levels = book.get("asks" if buy else "bids") or []
        if not levels:
            raise RequestRejected(
                "no match: the book is empty", venue=VENUE_ID, venue_message="no match"
            )
        amount = order.quantity.as_decimal()
        by_notional = buy and order.quote_quantity
        total = Decimal(0)
        for level in reversed(levels):  # the venue lists the best level last
            price, size = Decimal(level["price"]), Decimal(level["size"])
            total += size * price if by_notional else size
            if total >= amount:
                return price
        if order.time_in_force is TimeInForce.FOK:
            raise RequestRejected(
                "no match: not enough liquidity for a FOK order",
                venue=VENUE_ID,
                venue_message="no match",
            )
        return Decimal(levels[0]["price"])

    async def _build(self, order: Order) -> tuple[dict[str, Any], str]:
        """The ``POST /order`` body of ``order`` and its order hash (the venue order id)."""
        credential = self.credential
        if not credential.can_sign_orders:
            raise MissingCredentials(VENUE_ID, "submit_order", "set private_key to sign orders")
        instrument = await self._instrument(order.instrument_id)
        tick = instrument.price_increment.as_decimal()
        mode = self.config.amount_rounding
        if order.order_type is OrderType.MARKET:
            if order.side is OrderSide.SELL and order.quote_quantity:
                raise ValidationError("quote_quantity", True, "a market SELL sells shares")
            price = await self._market_price(instrument, order)
            amount = order.quantity.as_decimal()
            if order.side is OrderSide.BUY and not order.quote_quantity:
                # The venue's market BUY spends a pUSD amount: N shares cost at most N times
                # the worst price the book needs for them.
                amount = amount * price
            maker, taker = market_amounts(order.side, amount, price, tick, mode=mode)
        else:
            assert order.price is not None
            price = order.price.as_decimal()
            if not instrument.is_valid_price(order.price):
                raise RequestRejected(
                    f"invalid price {price}: not on the tick {tick} between 0 and 1",
                    venue=VENUE_ID,
                    venue_message=f"invalid price, min tick size {tick}",
                )
            maker, taker = limit_amounts(
                order.side, order.quantity.as_decimal(), price, tick, mode=mode
            )
        protocol = PROTOCOLS.get(str(instrument.info.get("exchange_protocol", EXCHANGE_V2)))
        if protocol is None:
            raise UnsupportedOperation(
                VENUE_ID,
                "submit_order",
                f"the market's exchange protocol {instrument.info.get('exchange_protocol')!r} "
                "is not supported by this plugin version",
            )
        exchange = protocol.exchange(credential.chain_id, bool(instrument.info.get("neg_risk")))
        expiration = 0
        if order.time_in_force is TimeInForce.GTD:
            assert order.expire_time_ns is not None
            expiration = order.expire_time_ns // NS_PER_S + GTD_THRESHOLD_S
        fields = OrderFields(
            salt=int(random.random() * time.time_ns() // 1_000_000),
            maker=credential.funder or "",
            signer=credential.order_signer_address(),
            token_id=int(instrument.token_id),
            maker_amount=maker,
            taker_amount=taker,
            side=SIDE_CODE[order.side],
            signature_type=credential.signature_type,
            timestamp=time.time_ns() // 1_000_000,
            metadata=_ZERO32,
            builder=self.config.builder_code or _ZERO32,
            expiration=expiration,
        )
        signature = credential.sign_order(fields, exchange, protocol.domain_version)
        digest = order_hash(fields, credential.chain_id, exchange, protocol.domain_version)
        tif = VENUE_TIME_IN_FORCE[order.time_in_force]
        body = {
            "order": {
                "salt": fields.salt,
                "maker": fields.maker,
                "signer": fields.signer,
                "tokenId": instrument.token_id,
                "makerAmount": str(maker),
                "takerAmount": str(taker),
                "side": VENUE_ORDER_SIDE[order.side],
                "expiration": str(expiration),
                "signatureType": int(fields.signature_type),
                "timestamp": str(fields.timestamp),
                "metadata": fields.metadata,
                "builder": fields.builder,
                "signature": signature,
            },
            "owner": credential.api.api_key.reveal() if credential.api else "",
            "orderType": tif,
            "deferExec": False,
            "postOnly": bool(order.post_only),
        }
        return body, digest

    # -- events --------------------------------------------------------------------------------

    def _remember(self, client_order_id: ClientOrderId, digest: str) -> None:
        self._client_ids[digest] = client_order_id
        self._hashes[client_order_id] = digest
        self._submitted_s[digest] = int(time.time())

    def _owns(self, order_id: str, owner: Any) -> bool:
        if order_id in self._client_ids:
            return True
        api = self.http.credential.api if self.http.credential else None
        return api is not None and owner is not None and owner == api.api_key.reveal()

    def _with_client_id(self, report: OrderStatusReport) -> OrderStatusReport:
        import attrs

        client_id = (
            self._client_ids.get(report.venue_order_id.value) if report.venue_order_id else None
        )
        return attrs.evolve(report, client_order_id=client_id) if client_id else report

    def _fill_with_client_id(self, fill: FillReport) -> FillReport:
        import attrs

        client_id = self._client_ids.get(fill.venue_order_id.value)
        return attrs.evolve(fill, client_order_id=client_id) if client_id else fill

    def _order_row(self, record: dict[str, Any]) -> OrderStatusReport:
        import attrs

        instrument = self._known(str(record["asset_id"]))
        report = self._with_client_id(parse_order_status_report(record, instrument, time.time_ns()))
        expiry = self._expiries.get(str(record["id"]))
        if (
            report.order_status is OrderStatus.CANCELED
            and expiry is not None
            and report.ts_last >= expiry // NS_PER_S * NS_PER_S  # the venue counts seconds
        ):
            report = attrs.evolve(
                report, order_status=OrderStatus.EXPIRED, time_in_force=TimeInForce.GTD
            )
        return report

    def _fills(self, record: dict[str, Any]) -> list[FillReport]:
        tokens = {str(record.get("asset_id"))} | {
            str(m.get("asset_id")) for m in record.get("maker_orders") or []
        }
        instruments = {t: self._known(t) for t in tokens}
        return [
            self._fill_with_client_id(f)
            for f in parse_fill_reports(record, self._owns, instruments, time.time_ns())
        ]

    async def _apply_order(self, record: dict[str, Any], *, reconciliation: bool = False) -> None:
        async with self._lock():
            report = self._order_row(record)
            fills: list[FillReport] = []
            if self.tracker.missing_fill_qty(report):
                fills = await self._fills_of(
                    report.venue_order_id.value if report.venue_order_id else "",
                    str(record["asset_id"]),
                )
                for fill in fills:
                    self._note_settlement(fill)
            events = self.tracker.on_order_report(report, fills, reconciliation=reconciliation)
            await self.emit_all(events)

    async def _apply_trade(self, record: dict[str, Any], *, reconciliation: bool = False) -> None:
        async with self._lock():
            for fill in self._fills(record):
                self._note_settlement(fill)
                await self.emit_all(
                    self.tracker.on_fill_report(fill, reconciliation=reconciliation)
                )

    def _note_settlement(self, fill: FillReport) -> None:
        trade_id = fill.trade_id.value
        if fill.settlement is SettlementStatus.PROVISIONAL:
            self._unsettled.setdefault(
                trade_id, (fill.instrument_id.symbol.value, fill.ts_event // NS_PER_S)
            )
        else:
            self._unsettled.pop(trade_id, None)

    async def _fills_of(self, order_id: str, asset_id: str) -> list[FillReport]:
        """The fills of one order, from the account's trades of its token since it was sent."""
        since = self._submitted_s.get(order_id)
        try:
            trades = await self.http.trades(asset_id, since - 60 if since else None, None)
        except TradeportError as exc:  # the stream or a later query brings them
            self.log.warning("%s: fills of order %s not fetched: %s", VENUE_ID, order_id, exc)
            return []
        fills = [f for t in trades for f in self._fills(t) if f.venue_order_id.value == order_id]
        return sorted(fills, key=lambda f: f.ts_event)

    async def _on_message(self, message: Any) -> None:
        for event in message if isinstance(message, list) else [message]:
            if not isinstance(event, dict):
                continue
            kind = event.get("event_type")
            if kind == "order":
                await self._apply_order(_order_event_row(event))
            elif kind == "trade":
                await self._apply_trade(event)

    async def _on_reconnected(self) -> None:
        if self._stream is not None:
            try:
                await round_trip(self._stream, self.config.ws_connect_timeout)
            except TimeoutError:
                self.log.warning("%s: no PONG after re-authenticating the user channel", VENUE_ID)
        # What happened while away is published first: the signal then means "caught up".
        await self._reconcile_open()
        await self.emit(Reconnected(VENUE_ID, "user", time.time_ns()))

    async def _reconcile_unsettled(self) -> None:
        """Query the trades still unsettled here: a confirmation or a failure that happened
        while away is published once (the tracker drops what it has seen)."""
        tokens: dict[str, int] = {}
        for token, since in self._unsettled.values():
            tokens[token] = min(since, tokens.get(token, since))
        for token, since in tokens.items():
            try:
                trades = await self.http.trades(token, since - 60, None)
            except TradeportError as exc:
                self.log.warning("%s: trades of %s not reconciled: %s", VENUE_ID, token, exc)
                continue
            wanted = set(self._unsettled)
            for record in trades:
                if str(record["id"]) in wanted:
                    await self._apply_trade(record, reconciliation=True)

    async def _reconcile_open(self) -> None:
        """Query every order still open here: what happened while away is published once."""
        for tracked in self.tracker.open_orders():
            digest = self._hashes.get(tracked.client_order_id)
            if digest is None:
                continue
            try:
                record = await self.http.http_get_order(digest)
            except TradeportError as exc:
                self.log.warning(
                    "%s: order %s not reconciled: %s", VENUE_ID, tracked.client_order_id, exc
                )
                continue
            if record is not None:
                await self._apply_order(record, reconciliation=True)
                async with self._lock():
                    for fill in await self._fills_of(digest, str(record["asset_id"])):
                        self._note_settlement(fill)
                        await self.emit_all(self.tracker.on_fill_report(fill, reconciliation=True))
        await self._reconcile_unsettled()

    # -- commands ------------------------------------------------------------------------------

    async def _submitted(self, order: Order) -> None:
        self.tracker.track(order)
        now = time.time_ns()
        await self.emit(
            OrderSubmitted(
                instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
                account_id=ACCOUNT,
                ts_event=now,
                ts_init=now,
            )
        )

    async def _answered(self, order: Order, digest: str, reply: dict[str, Any]) -> None:
        """The venue's answer to one order (``success``/``errorMsg``/``orderID``/``status``)."""
        if not reply.get("success", False) or reply.get("errorMsg"):
            await self._refused(order, digest, str(reply.get("errorMsg") or "refused by the venue"))
            return
        venue_id = str(reply.get("orderID") or digest)
        if venue_id != digest:  # the venue names the order by its own hash: trust it
            self._remember(order.client_order_id, venue_id)
        async with self._lock():
            await self.emit_all(
                self.tracker.accepted(order.client_order_id, VenueOrderId(venue_id))
            )
        if str(reply.get("status", "")).lower() != "live":
            # Matched (or killed) at once: the row and the trades say how much.
            await self._query_and_apply(venue_id)

    async def _refused(self, order: Order, digest: str, reason: str) -> None:
        """The venue's error for an order: a FOK/FAK it killed is canceled (a valid order its
        time in force ended), anything else rejected."""
        async with self._lock():
            if is_killed(reason) and order.time_in_force in (TimeInForce.FOK, TimeInForce.IOC):
                await self.emit_all(
                    self.tracker.canceled(order.client_order_id, VenueOrderId(digest))
                )
                return
            await self.emit_all(
                self.tracker.rejected(
                    order.client_order_id, reason, due_post_only=is_post_only_refusal(reason)
                )
            )

    async def _query_and_apply(self, digest: str) -> None:
        try:
            record = await self.http.http_get_order(digest)
        except TradeportError as exc:
            self.log.warning("%s: order %s not queried: %s", VENUE_ID, digest, exc)
            return
        if record is not None:
            await self._apply_order(record)

    async def submit_order(self, order: Order) -> None:
        """Sign and submit one order: OrderSubmitted, then the venue's outcome as events."""
        self.require_credentials("submit_order")
        self._check_supported(order)
        await self._submitted(order)
        try:
            body, digest = await self._build(order)
        except RequestRejected as exc:  # refused before sending, as the venue would
            await self.emit_all(self.tracker.rejected(order.client_order_id, _reason(exc)))
            return
        self._remember(order.client_order_id, digest)
        if order.time_in_force is TimeInForce.GTD and order.expire_time_ns is not None:
            self._expiries[digest] = order.expire_time_ns
        try:
            reply = await self.http.http_post_order(body)
        except RequestRejected as exc:  # the venue's definitive no (HTTP 400)
            await self._refused(order, digest, _reason(exc))
            return
        except VenueError as exc:  # timeout, 5xx, 429, network: the order may be live
            self.log.warning(
                "%s: outcome of order %s unknown (%s); resolving it by query",
                VENUE_ID,
                order.client_order_id,
                exc,
            )
            if self._tasks.is_open:
                self._tasks.start_soon(
                    self._resolve, digest, name=f"resolve {order.client_order_id}"
                )
            return
        await self._answered(order, digest, reply)

    async def submit_orders(self, orders: Sequence[Order]) -> None:
        """Several orders in ``POST /orders`` (15 per request): one outcome each."""
        self.require_credentials("submit_orders")
        for start in range(0, len(orders), MAX_BATCH_ORDERS):
            chunk = list(orders[start : start + MAX_BATCH_ORDERS])
            built: list[tuple[Order, dict[str, Any], str]] = []
            for order in chunk:
                self._check_supported(order)
                await self._submitted(order)
                try:
                    body, digest = await self._build(order)
                except RequestRejected as exc:
                    await self.emit_all(self.tracker.rejected(order.client_order_id, _reason(exc)))
                    continue
                self._remember(order.client_order_id, digest)
                built.append((order, body, digest))
            if not built:
                continue
            try:
                replies = await self.http.http_post_orders([b for _, b, _ in built])
            except RequestRejected as exc:
                for order, _, digest in built:
                    await self._refused(order, digest, _reason(exc))
                continue
            except VenueError as exc:
                self.log.warning(
                    "%s: outcome of a batch unknown (%s); resolving by query", VENUE_ID, exc
                )
                for _, _, digest in built:
                    if self._tasks.is_open:
                        self._tasks.start_soon(self._resolve, digest, name=f"resolve {digest[:10]}")
                continue
            for (order, _, digest), reply in zip(built, replies, strict=False):
                await self._answered(order, digest, reply)

    async def _resolve(self, digest: str) -> None:
        """Query an order whose submission had no clear answer until the venue knows it."""
        delay = self.config.http_retry_delay
        for _ in range(self.config.resolve_attempts):
            await anyio.sleep(delay)
            delay *= 2
            try:
                record = await self.http.http_get_order(digest)
            except VenueError:
                continue
            if record is not None:
                await self._apply_order(record)
                return
        self.log.warning(
            "%s: order %s is unknown to the venue after %d queries; it was probably never placed",
            VENUE_ID,
            digest,
            self.config.resolve_attempts,
        )

    def _digest_of(
        self, client_order_id: ClientOrderId | None, venue_order_id: VenueOrderId | None
    ) -> tuple[ClientOrderId | None, str]:
        if venue_order_id is not None:
            return client_order_id or self._client_ids.get(
                venue_order_id.value
            ), venue_order_id.value
        if client_order_id is not None and client_order_id in self._hashes:
            return client_order_id, self._hashes[client_order_id]
        raise ValidationError(
            "venue_order_id", None, f"is needed for order {client_order_id} (not submitted here)"
        )

    async def _cancel_rejected(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None,
        venue_order_id: VenueOrderId | None,
        reason: str,
    ) -> None:
        if client_order_id is None and venue_order_id is not None:
            client_order_id = self._client_ids.get(venue_order_id.value)
        if client_order_id is None:
            self.log.warning("%s: cancel of %s refused: %s", VENUE_ID, venue_order_id, reason)
            return
        now = time.time_ns()
        await self.emit(
            OrderCancelRejected(
                instrument_id=instrument_id,
                client_order_id=client_order_id,
                venue_order_id=venue_order_id,
                account_id=ACCOUNT,
                reason=reason,
                ts_event=now,
                ts_init=now,
            )
        )

    async def _apply_cancel_reply(self, reply: dict[str, Any]) -> None:
        """``{"canceled": [ids], "not_canceled": {id: reason}}``."""
        for order_id in reply.get("canceled") or []:
            async with self._lock():
                await self.emit_all(
                    self.tracker.canceled(venue_order_id=VenueOrderId(str(order_id)))
                )
        for order_id, reason in (reply.get("not_canceled") or {}).items():
            venue_id = VenueOrderId(str(order_id))
            tracked = self.tracker.find(venue_order_id=venue_id)
            if tracked is None:
                self.log.warning("%s: cancel of %s refused: %s", VENUE_ID, order_id, reason)
                continue
            await self._cancel_rejected(
                tracked.instrument_id, tracked.client_order_id, venue_id, str(reason)
            )

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """Cancel one order: OrderCanceled, or OrderCancelRejected with the venue's reason."""
        self.require_credentials("cancel_order")
        client_id, digest = self._digest_of(client_order_id, venue_order_id)
        try:
            reply = await self.http.http_delete_order(digest)
        except RequestRejected as exc:
            await self._cancel_rejected(
                instrument_id, client_id, VenueOrderId(digest), _reason(exc)
            )
            return
        await self._apply_cancel_reply(reply)

    async def batch_cancel_orders(
        self, instrument_id: InstrumentId, client_order_ids: Sequence[ClientOrderId]
    ) -> None:
        """``DELETE /orders``: OrderCanceled or OrderCancelRejected each."""
        self.require_credentials("batch_cancel_orders")
        digests = []
        for client_id in client_order_ids:
            digest = self._hashes.get(client_id)
            if digest is None:
                await self._cancel_rejected(instrument_id, client_id, None, "unknown order")
            else:
                digests.append(digest)
        if digests:
            await self._apply_cancel_reply(await self.http.http_delete_orders(digests))

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """Cancel every open order of one outcome token (``DELETE /cancel-market-orders``
        with its ``asset_id``)."""
        self.require_credentials("cancel_all_orders")
        reply = await self.http.http_delete_cancel_market_orders(
            asset_id=venue_symbol(instrument_id)
        )
        await self._apply_cancel_reply(reply)

    async def cancel_market_orders(self, condition_id: str) -> None:
        """Cancel every open order of a market (both outcomes)."""
        self.require_credentials("cancel_market_orders")
        await self._apply_cancel_reply(
            await self.http.http_delete_cancel_market_orders(market=condition_id)
        )

    async def cancel_every_order(self) -> None:
        """``DELETE /cancel-all``: every open order of the account."""
        self.require_credentials("cancel_every_order")
        await self._apply_cancel_reply(await self.http.http_delete_cancel_all())

    # -- reports -------------------------------------------------------------------------------

    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        """The venue's view of one order (by either id), or None when it does not know it."""
        self.require_credentials("order_status_report")
        try:
            _, digest = self._digest_of(client_order_id, venue_order_id)
        except ValidationError:
            return None
        try:
            record = await self.http.http_get_order(digest)
        except RequestRejected as exc:
            if is_not_found(exc):
                return None
            raise
        return self._order_row(record) if record else None

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """Open orders (every page of ``GET /data/orders``). The venue lists no closed orders;
        with ``open_only=False`` the orders submitted here are queried one by one too."""
        self.require_credentials("order_status_reports")
        token = venue_symbol(instrument_id) if instrument_id is not None else None
        records = await self.http.open_orders(token)
        reports = [self._order_row(r) for r in records]
        if not open_only:
            seen = {r.venue_order_id for r in reports}
            for digest, _ in list(self._client_ids.items()):
                if VenueOrderId(digest) in seen:
                    continue
                record = await self.http.http_get_order(digest)
                if record and (token is None or str(record["asset_id"]) == token):
                    reports.append(self._order_row(record))
        return reports

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """Our fills of trades in the window (every page of ``GET /data/trades``), each with
        its settlement state; without a start the last ``trades_lookback_s``."""
        self.require_credentials("fill_reports")
        token = venue_symbol(instrument_id) if instrument_id is not None else None
        after = (
            start_ns // NS_PER_S
            if start_ns is not None
            else int(time.time()) - self.config.trades_lookback_s
        )
        before = -(-end_ns // NS_PER_S) if end_ns is not None else None
        trades = await self.http.trades(token, after, before)
        fills = [f for t in trades for f in self._fills(t)]
        if token is not None:
            fills = [f for f in fills if f.instrument_id.symbol.value == token]
        return sorted(fills, key=lambda f: f.ts_event)

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        """Outcome token holdings of the funder (Data API ``/positions``): LONG or FLAT."""
        self.require_credentials("position_status_reports")
        funder = self.credential.funder
        assert funder is not None
        records = await self.http.http_get_positions(funder)
        ts_init = time.time_ns()
        reports = [
            parse_position_status_report(r, self._known(str(r["asset"])), ts_init) for r in records
        ]
        if instrument_id is not None:
            reports = [r for r in reports if r.instrument_id == instrument_id]
        return reports

    async def account_state(self) -> AccountState:
        """pUSD (``GET /balance-allowance?asset_type=COLLATERAL``; the part open BUY orders
        hold back is computed from them) and the outcome tokens held."""
        self.require_credentials("account_state")
        async with self.http.session():
            collateral = collateral_balance(
                await self.http.http_get_balance_allowance("COLLATERAL")
            )
            orders = await self.http.open_orders()
            positions = await self.http.http_get_positions(self.credential.funder or "")
        locked = sum(
            (
                (Decimal(str(o["original_size"])) - Decimal(str(o.get("size_matched") or 0)))
                * Decimal(str(o["price"]))
                for o in orders
                if str(o["side"]).upper() == "BUY"
            ),
            Decimal(0),
        )
        tokens = [
            (str(p["asset"]), Decimal(str(p["size"]))) for p in positions if Decimal(str(p["size"]))
        ]
        return parse_account_state(collateral, locked, tokens, time.time_ns())


def _reason(exc: VenueError) -> str:
    return exc.venue_message or str(exc)


def _order_event_row(event: dict[str, Any]) -> dict[str, Any]:
    """A user-channel ``order`` event as an order row: ``type`` CANCELLATION is CANCELED;
    otherwise its ``status`` (LIVE when absent; MATCHED once fully matched)."""
    row = dict(event)
    kind = str(event.get("type") or "").upper()
    if kind == "CANCELLATION":
        row["status"] = "CANCELED"
    elif not event.get("status"):
        matched = Decimal(str(event.get("size_matched") or 0))
        row["status"] = "MATCHED" if matched >= Decimal(str(event["original_size"])) else "LIVE"
    return row
