"""BinanceExecutionClient: orders over REST, order and fill updates over the user data stream.

The user data stream is opened with a listenKey (``POST userDataStream`` / ``listenKey``), kept
alive on schedule (``PUT``), and recreated for every new connection: the stream URL is an async
callable, so a reconnect after a drop, a 24-hour close or a ``listenKeyExpired`` event always
starts with a fresh key. Margin accounts (whose listenKey endpoints Binance retired on
2026-02-20) get a listenToken instead (``POST /sapi/v1/userListenToken``) and subscribe with it
on the WebSocket API (``userDataStream.subscribe.listenToken``); the token is renewed on the
keepalive schedule (a new token, subscribed again on the same connection) and a fresh one is
made for every connection; ``eventStreamTerminated`` reconnects. After a reconnect the orders this client tracks are reconciled over REST
(fills and cancels that happened while disconnected are published, once).

Command outcomes: a rejection only on a definitive answer from Binance (a 4xx with a code);
a timeout, transport error, 5xx or rate limit leaves the order in flight and it is resolved by
querying it with its client order id.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Sequence
from typing import Any

import anyio
import attrs
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import ExecutionClient, Reconnected
from tradeport.errors import (
    RequestRejected,
    TradeportError,
    ValidationError,
    VenueError,
)
from tradeport.model.enums import OrderSide, OrderStatus, OrderType
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderRejected,
    OrderSubmitted,
    OrderUpdated,
)
from tradeport.model.identifiers import AccountId, ClientOrderId, InstrumentId, VenueOrderId
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Price
from tradeport.model.orders import Order, OrderList
from tradeport.model.reports import (
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)
from tradeport.net.ws_client import WebSocketClient

from tradeport_binance.capabilities import capabilities_for
from tradeport_binance.config import BinanceConfig
from tradeport_binance.constants import VENUE_ID
from tradeport_binance.errors import CODE_LISTEN_KEY_MISSING
from tradeport_binance.http.client import BinanceHttpClient
from tradeport_binance.http.parse import (
    parse_fill_report,
    parse_futures_account_state,
    parse_order_status_report,
    parse_position_status_report,
    parse_spot_account_state,
)
from tradeport_binance.http.query import modify_order_params, new_order_params, ns_to_ms, oco_params
from tradeport_binance.market_prices import LastMarketPrices
from tradeport_binance.symbology import native_symbol
from tradeport_binance.websocket.client import (
    RENEWAL_ID_PREFIX,
    margin_user_stream_client,
    user_stream_client,
)
from tradeport_binance.websocket.parse import (
    OrderEventFields,
    parse_account_update,
    parse_execution_report,
    parse_order_trade_update,
    parse_outbound_account_position,
)

__all__ = ["BinanceExecutionClient"]

_FINISHED = (OrderCanceled, OrderExpired, OrderRejected)


@attrs.define
class _Tracked:
    """What this client knows of one of its orders (to publish each venue fact once)."""

    instrument_id: InstrumentId
    side: OrderSide
    order_type: OrderType
    venue_order_id: VenueOrderId | None = None
    accepted: bool = False
    finished: bool = False
    trade_ids: set[str] = attrs.field(factory=set)


class BinanceExecutionClient(ExecutionClient):
    """Binance execution for one account (see the module docstring)."""

    def __init__(
        self,
        config: BinanceConfig,
        *,
        instruments: Any = None,
        http: BinanceHttpClient | None = None,
        last_prices: LastMarketPrices | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            VENUE_ID,
            config,
            instruments=instruments,
            capabilities=capabilities_for(config.account_type),
            **kwargs,
        )
        self.http = http or BinanceHttpClient(config)
        self._owns_http = http is None
        self.futures = config.account_type.is_futures
        self.account_id = AccountId(f"{VENUE_ID}-{config.account_type.value.upper()}")
        self._orders: dict[ClientOrderId, _Tracked] = {}
        self._ws: WebSocketClient | None = None
        #: The user data stream and the listenKey keepalive run here while connected.
        self._tasks = BackgroundTasks(self.log, "binance execution client")
        self._listen_key: str | None = None
        #: listenKeys created since start (each connection gets a fresh one).
        self.listen_keys_created = 0
        #: Margin accounts: user data by listenToken on the WebSocket API, not by listenKey.
        self.uses_listen_token = config.account_type.is_margin
        self._listen_token: str | None = None
        #: When the current listenToken expires (ms since the epoch, as Binance says).
        self.listen_token_expiration_ms: int | None = None
        #: listenTokens created since start (one per connection, one per renewal).
        self.listen_tokens_created = 0
        self._token_requests = itertools.count(1)
        #: Latest subscribed quote/trade per instrument, written by the session's data client
        #: (plugin.py shares one instance): trailing-stop activation prices, never REST.
        self.last_prices = last_prices if last_prices is not None else LastMarketPrices()

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def listen_key(self) -> str | None:
        """The listenKey of the current user data stream (None before connect)."""
        return self._listen_key

    @property
    def listen_token(self) -> str | None:
        """The listenToken of the current margin user data subscription (None otherwise)."""
        return self._listen_token

    @property
    def user_stream(self) -> WebSocketClient | None:
        """The user data stream connection (None without credentials or before connect)."""
        return self._ws

    async def connect(self) -> None:
        """Open the user data stream (when credentials are configured) and its keepalive."""
        if self._ws is not None or not self.http.has_credentials:
            return
        # A listenKey needs only the API key: check the secret (and the clock) with one signed
        # call first, so bad credentials fail connect() instead of every later command.
        await self.http.http_account()
        await self._tasks.open()
        if self.uses_listen_token:
            self._ws = margin_user_stream_client(
                self.config,
                self._margin_stream_url,
                self._on_user_message,
                self._subscribe_request,
                on_reconnected=self._on_reconnected,
            )
        else:
            self._ws = user_stream_client(
                self.config,
                self._user_stream_url,
                self._on_user_message,
                on_reconnected=self._on_reconnected,
            )
        try:
            await self._tasks.start_stream(self._ws)
        except BaseException:
            # A stream that never connected leaves nothing running behind.
            self._ws = None
            await self._tasks.close()
            raise
        # Binance authenticates the user stream by its listenKey: connected means logged in.
        self.authenticated = True
        self._tasks.start_soon(self._keepalive_loop, name="binance listenKey keepalive")

    async def disconnect(self) -> None:
        """Close the stream (deleting the listenKey) and the REST pool."""
        if self._ws is not None:
            self._ws.close()
        await self._tasks.close()
        self._ws = None
        self.authenticated = False
        self._listen_token = None  # nothing to close: it lapses on its own
        if self._listen_key is not None:
            with contextlib.suppress(TradeportError):
                await self.http.http_delete_listen_key(self._listen_key)
            self._listen_key = None
        if self._owns_http:
            await self.http.aclose()

    async def _user_stream_url(self) -> str:
        payload = await self.http.http_create_listen_key()
        self._listen_key = payload["listenKey"]
        self.listen_keys_created += 1
        return f"{self.config.ws_url}/ws/{self._listen_key}"

    async def _margin_stream_url(self) -> str:
        # Per connection: a fresh token, which the login request (_subscribe_request) uses.
        await self._new_listen_token()
        return self.config.ws_api_url

    async def _new_listen_token(self) -> str:
        payload = await self.http.http_create_listen_token()
        token: str = payload["token"]
        self._listen_token = token
        self.listen_token_expiration_ms = payload.get("expirationTime")
        self.listen_tokens_created += 1
        return token

    def _subscribe_request(self, request_id: str | None = None) -> dict[str, Any]:
        """``userDataStream.subscribe.listenToken`` with the current token."""
        return {
            "id": request_id or f"subscribe-{next(self._token_requests)}",
            "method": "userDataStream.subscribe.listenToken",
            "params": {"listenToken": self._listen_token},
        }

    async def _renew_listen_token(self) -> None:
        # Binance: get a new token before the current one expires and subscribe again with it
        # on the same connection; the subscription then lasts until the new expirationTime.
        ws = self._ws
        if ws is None:
            return
        try:
            await self._new_listen_token()
            await ws.send_json(
                self._subscribe_request(f"{RENEWAL_ID_PREFIX}{next(self._token_requests)}")
            )
        except TradeportError as error:
            self.log.warning("listenToken renewal failed: %s", error)

    async def _keepalive_loop(self) -> None:
        while True:
            await anyio.sleep(self.config.listen_key_keepalive_s)
            if self.uses_listen_token:
                await self._renew_listen_token()
                continue
            key = self._listen_key
            if key is None:
                continue
            try:
                await self.http.http_keepalive_listen_key(key)
            except RequestRejected as error:
                if error.venue_code == CODE_LISTEN_KEY_MISSING:
                    if key != self._listen_key:
                        continue  # already replaced (listenKeyExpired got there first)
                    self.log.warning("listenKey expired at Binance; reconnecting with a new one")
                    await self._restart_user_stream()
                else:
                    self.log.warning("listenKey keepalive failed: %s", error)
            except TradeportError as error:
                self.log.warning("listenKey keepalive failed: %s", error)

    async def _restart_user_stream(self) -> None:
        # A normal reconnect: the URL callable creates a fresh listenKey for the new connection.
        if self._ws is not None:
            await self._ws.reconnect_now("listenKey expired")

    async def _on_reconnected(self) -> None:
        await self.emit(Reconnected(self.venue, "user", time.time_ns()))
        await self._reconcile_tracked()

    # -- publishing (each venue fact once) --------------------------------------------------------

    async def _publish(self, event: OrderEvent | None) -> None:
        if event is None:
            return
        tracked = self._orders.get(event.client_order_id)
        if tracked is not None:
            if event.venue_order_id is not None:
                tracked.venue_order_id = event.venue_order_id
            if isinstance(event, OrderAccepted):
                if tracked.accepted or tracked.finished:
                    return
                tracked.accepted = True
            elif isinstance(event, OrderFilled):
                if event.trade_id.value in tracked.trade_ids:
                    return
                tracked.trade_ids.add(event.trade_id.value)
                if not tracked.accepted:
                    tracked.accepted = True
                    await self.emit(
                        OrderAccepted(
                            instrument_id=event.instrument_id,
                            client_order_id=event.client_order_id,
                            venue_order_id=event.venue_order_id,
                            account_id=event.account_id,
                            ts_event=event.ts_event,
                            ts_init=event.ts_init,
                        )
                    )
            elif isinstance(event, _FINISHED):
                if tracked.finished:
                    return
                tracked.finished = True
        await self.emit(event)

    def _by_native(self, symbol: str) -> Instrument | None:
        by_native = getattr(self.instruments, "by_native", None)
        return by_native(symbol) if by_native is not None else None

    async def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        provider = self.instruments
        if provider is None:
            raise ValidationError(
                "instruments", None, "a Binance execution client needs an instrument provider"
            )
        found = provider.find(instrument_id)
        return found if found is not None else await provider.load(instrument_id)

    credentials_hint = "set api_key/api_secret or the env vars"

    @property
    def has_credentials(self) -> bool:
        """Credentials as the HTTP client resolved them (config or environment)."""
        return bool(self.http.has_credentials)

    # -- user data stream ------------------------------------------------------------------------

    async def _on_user_message(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        if "subscriptionId" in message:
            # WebSocket API subscriptions (margin) wrap each event: {"subscriptionId", "event"}.
            message = message.get("event")
            if not isinstance(message, dict):
                return
        kind = message.get("e")
        now = time.time_ns()
        if kind == "executionReport":
            instrument = self._by_native(message["s"])
            if instrument is not None:
                await self._publish(
                    parse_execution_report(message, instrument, now, account_id=self.account_id)
                )
        elif kind == "ORDER_TRADE_UPDATE":
            instrument = self._by_native(message["o"]["s"])
            if instrument is not None:
                await self._publish(
                    parse_order_trade_update(message, instrument, now, account_id=self.account_id)
                )
        elif kind == "outboundAccountPosition":
            await self.emit(
                parse_outbound_account_position(
                    message, self.account_id, now, margin=self.config.account_type.is_margin
                )
            )
        elif kind == "ACCOUNT_UPDATE":
            state, positions = parse_account_update(message, self.account_id, now, self._by_native)
            await self.emit(state)
            for position in positions:
                await self.emit(position)
        elif kind == "listenKeyExpired":
            self.log.warning("Binance says the listenKey expired; reconnecting with a new one")
            await self._restart_user_stream()
        elif kind == "eventStreamTerminated":
            self.log.warning("Binance ended the listenToken subscription; reconnecting")
            await self._restart_user_stream()

    # -- commands --------------------------------------------------------------------------------

    async def submit_order(self, order: Order) -> None:
        """Submit one order; events: submitted, then accepted/rejected/filled as Binance says."""
        self.require_credentials("submit_order")
        instrument = await self._instrument(order.instrument_id)
        activation: Price | None = None
        if (
            order.order_type is OrderType.TRAILING_STOP_MARKET
            and order.trigger_price is None
            and order.activation_price is None
        ):
            # The guide's rule: no trigger price -> the latest subscribed quote, else trade
            # (None when neither: new_order_params refuses before anything is sent).
            activation = self.last_prices.activation_price(order.instrument_id, order.side)
        params = new_order_params(order, self.config.account_type, activation_price=activation)
        self._orders[order.client_order_id] = _Tracked(
            order.instrument_id, order.side, order.order_type
        )
        now = time.time_ns()
        await self.emit(
            OrderSubmitted(
                instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
                account_id=self.account_id,
                ts_event=now,
                ts_init=now,
            )
        )
        try:
            response = await self.http.http_new_order(params)
        except RequestRejected as error:
            await self._publish(
                OrderRejected(
                    instrument_id=order.instrument_id,
                    client_order_id=order.client_order_id,
                    account_id=self.account_id,
                    reason=_reason(error),
                    due_post_only=order.post_only and error.venue_code == -2010,
                    ts_event=time.time_ns(),
                    ts_init=time.time_ns(),
                )
            )
            return
        except VenueError as error:
            self.log.warning(
                "submit of %s has an unknown outcome (%s); resolving by query",
                order.client_order_id,
                error,
            )
            await self._resolve(order.instrument_id, order.client_order_id)
            return
        await self._publish_report(
            parse_order_status_report(
                response,
                instrument,
                time.time_ns(),
                futures=self.futures,
                account_id=self.account_id,
            )
        )

    async def _publish_report(self, report: OrderStatusReport) -> None:
        """Publish what a REST order answer proves (accepted / canceled / expired / rejected)."""
        if report.client_order_id is None:
            return
        base: OrderEventFields = {
            "instrument_id": report.instrument_id,
            "client_order_id": report.client_order_id,
            "venue_order_id": report.venue_order_id,
            "account_id": self.account_id,
            "ts_event": report.ts_last,
            "ts_init": report.ts_init,
        }
        status = report.order_status
        if status is OrderStatus.REJECTED:
            await self._publish(OrderRejected(reason="REJECTED", **base))
            return
        await self._publish(OrderAccepted(**base))
        if status is OrderStatus.CANCELED:
            await self._publish(OrderCanceled(**base))
        elif status is OrderStatus.EXPIRED:
            await self._publish(OrderExpired(**base))

    async def _resolve(
        self, instrument_id: InstrumentId, client_order_id: ClientOrderId
    ) -> OrderStatusReport | None:
        """Query an order by client id and publish what it shows (fills included)."""
        try:
            report = await self.order_status_report(instrument_id, client_order_id=client_order_id)
        except TradeportError as error:
            self.log.warning("could not resolve %s: %s", client_order_id, error)
            return None
        if report is None:
            self.log.warning(
                "%s is unknown to Binance (never placed, or not visible yet)", client_order_id
            )
            return None
        await self._publish_report(report)
        if report.filled_qty:
            await self._publish_fills(report)
        return report

    async def _publish_fills(self, report: OrderStatusReport) -> None:
        instrument = await self._instrument(report.instrument_id)
        rows = await self.http.http_my_trades(
            instrument.raw_symbol.value, order_id=int(report.venue_order_id.value)
        )
        tracked = self._orders.get(report.client_order_id) if report.client_order_id else None
        for row in rows:
            fill = parse_fill_report(row, instrument, time.time_ns(), account_id=self.account_id)
            assert report.client_order_id is not None
            await self._publish(
                OrderFilled(
                    instrument_id=fill.instrument_id,
                    client_order_id=report.client_order_id,
                    venue_order_id=fill.venue_order_id,
                    account_id=self.account_id,
                    reconciliation=True,
                    trade_id=fill.trade_id,
                    order_side=fill.order_side,
                    order_type=tracked.order_type if tracked else report.order_type,
                    last_qty=fill.last_qty,
                    last_px=fill.last_px,
                    commission=fill.commission,
                    liquidity_side=fill.liquidity_side,
                    position_id=fill.venue_position_id,
                    ts_event=fill.ts_event,
                    ts_init=fill.ts_init,
                )
            )

    async def _reconcile_tracked(self) -> None:
        for client_order_id, tracked in list(self._orders.items()):
            if not tracked.finished:
                await self._resolve(tracked.instrument_id, client_order_id)

    async def modify_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
        *,
        quantity: Any = None,
        price: Any = None,
        trigger_price: Any = None,
    ) -> None:
        """Futures LIMIT orders: new price and quantity (``PUT /fapi/v1/order``)."""
        if not self.futures:
            self._unsupported(
                "modify_order", "Binance spot cannot amend price (cancel and replace)"
            )
        if trigger_price is not None:
            self._unsupported("modify_order", "Binance cannot amend trigger prices")
        self.require_credentials("modify_order")
        instrument = await self._instrument(instrument_id)
        current = await self.order_status_report(instrument_id, client_order_id, venue_order_id)
        now = time.time_ns()
        cid = client_order_id or (current.client_order_id if current else None)
        if current is None or cid is None:
            if cid is not None:
                await self.emit(
                    OrderModifyRejected(
                        instrument_id=instrument_id,
                        client_order_id=cid,
                        venue_order_id=venue_order_id,
                        account_id=self.account_id,
                        reason="order not found",
                        ts_event=now,
                        ts_init=now,
                    )
                )
            return
        new_qty = instrument.make_qty(str(quantity)) if quantity is not None else current.quantity
        new_price = instrument.make_price(str(price)) if price is not None else current.price
        params = modify_order_params(
            native_symbol(instrument_id),
            "BUY" if current.order_side is OrderSide.BUY else "SELL",
            order_id=current.venue_order_id.value,
            client_order_id=None,
            quantity=str(new_qty),
            price=str(new_price),
        )
        try:
            response = await self.http.http_modify_order(params)
        except RequestRejected as error:
            await self.emit(
                OrderModifyRejected(
                    instrument_id=instrument_id,
                    client_order_id=cid,
                    venue_order_id=current.venue_order_id,
                    account_id=self.account_id,
                    reason=_reason(error),
                    ts_event=now,
                    ts_init=time.time_ns(),
                )
            )
            return
        report = parse_order_status_report(response, instrument, time.time_ns(), futures=True)
        await self.emit(
            OrderUpdated(
                instrument_id=instrument_id,
                client_order_id=cid,
                venue_order_id=report.venue_order_id,
                account_id=self.account_id,
                quantity=report.quantity,
                price=report.price,
                ts_event=report.ts_last,
                ts_init=report.ts_init,
            )
        )

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """Cancel one order; cancel-rejected with Binance's reason when it refuses."""
        self.require_credentials("cancel_order")
        instrument = await self._instrument(instrument_id)
        try:
            response = await self.http.http_cancel_order(
                instrument.raw_symbol.value,
                order_id=venue_order_id.value if venue_order_id else None,
                orig_client_order_id=client_order_id.value if client_order_id else None,
            )
        except RequestRejected as error:
            if client_order_id is not None:
                now = time.time_ns()
                await self.emit(
                    OrderCancelRejected(
                        instrument_id=instrument_id,
                        client_order_id=client_order_id,
                        venue_order_id=venue_order_id,
                        account_id=self.account_id,
                        reason=_reason(error),
                        ts_event=now,
                        ts_init=now,
                    )
                )
            return
        await self._publish_canceled(response, instrument)

    async def _publish_canceled(self, record: dict[str, Any], instrument: Instrument) -> None:
        cid = record.get("origClientOrderId") or record.get("clientOrderId")
        if not cid:
            return
        now = time.time_ns()
        await self._publish(
            OrderCanceled(
                instrument_id=instrument.id,
                client_order_id=ClientOrderId(cid),
                venue_order_id=VenueOrderId(str(record["orderId"])),
                account_id=self.account_id,
                ts_event=now,
                ts_init=now,
            )
        )

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """Cancel every open order of an instrument."""
        self.require_credentials("cancel_all_orders")
        instrument = await self._instrument(instrument_id)
        response = await self.http.http_cancel_open_orders(instrument.raw_symbol.value)
        if isinstance(response, list):
            for record in response:
                if "orderId" in record:
                    await self._publish_canceled(record, instrument)
        else:
            # Futures answer {"code": 200, "msg": "..."}: the stream reports each cancel; fill
            # the gap for orders this client tracks.
            for cid, tracked in list(self._orders.items()):
                if tracked.instrument_id == instrument_id and not tracked.finished:
                    await self._resolve(instrument_id, cid)

    async def batch_cancel_orders(
        self, instrument_id: InstrumentId, client_order_ids: Sequence[ClientOrderId]
    ) -> None:
        """Futures batch cancel (10 per request); each refusal is a cancel-rejected."""
        if not self.futures:
            self._unsupported("batch_cancel_orders", "futures only")
        self.require_credentials("batch_cancel_orders")
        instrument = await self._instrument(instrument_id)
        ids = list(client_order_ids)
        for start in range(0, len(ids), 10):
            chunk = ids[start : start + 10]
            response = await self.http.http_batch_cancel(
                instrument.raw_symbol.value, orig_client_order_ids=[c.value for c in chunk]
            )
            for cid, record in zip(chunk, response, strict=False):
                if "code" in record and "orderId" not in record:
                    now = time.time_ns()
                    await self.emit(
                        OrderCancelRejected(
                            instrument_id=instrument_id,
                            client_order_id=cid,
                            account_id=self.account_id,
                            reason=f"{record.get('code')}: {record.get('msg')}",
                            ts_event=now,
                            ts_init=now,
                        )
                    )
                else:
                    await self._publish_canceled(record, instrument)

    async def submit_order_list(self, order_list: OrderList) -> None:
        """Spot/margin OCO: a LIMIT leg and a STOP leg (see http.query.oco_params)."""
        if self.futures:
            self._unsupported("submit_order_list", "Binance futures have no order lists")
        self.require_credentials("submit_order_list")
        instrument = await self._instrument(order_list.instrument_id)
        params = oco_params(order_list)
        now = time.time_ns()
        for order in order_list.orders:
            self._orders[order.client_order_id] = _Tracked(
                order.instrument_id, order.side, order.order_type
            )
            await self.emit(
                OrderSubmitted(
                    instrument_id=order.instrument_id,
                    client_order_id=order.client_order_id,
                    account_id=self.account_id,
                    ts_event=now,
                    ts_init=now,
                )
            )
        try:
            response = await self.http.http_new_oco(params)
        except RequestRejected as error:
            for order in order_list.orders:
                await self._publish(
                    OrderRejected(
                        instrument_id=order.instrument_id,
                        client_order_id=order.client_order_id,
                        account_id=self.account_id,
                        reason=_reason(error),
                        ts_event=time.time_ns(),
                        ts_init=time.time_ns(),
                    )
                )
            return
        except VenueError:
            for order in order_list.orders:
                await self._resolve(order.instrument_id, order.client_order_id)
            return
        for record in response.get("orderReports", ()):
            await self._publish_report(
                parse_order_status_report(
                    record, instrument, time.time_ns(), account_id=self.account_id
                )
            )

    # -- reports ---------------------------------------------------------------------------------

    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        """One order by client or venue id; None when Binance does not know it."""
        self.require_credentials("order_status_report")
        instrument = await self._instrument(instrument_id)
        try:
            record = await self.http.http_query_order(
                instrument.raw_symbol.value,
                order_id=venue_order_id.value if venue_order_id else None,
                orig_client_order_id=client_order_id.value if client_order_id else None,
            )
        except RequestRejected as error:
            if error.venue_code in (-2013, -2011):
                return None
            raise
        return parse_order_status_report(
            record, instrument, time.time_ns(), futures=self.futures, account_id=self.account_id
        )

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """Open orders (all symbols or one), or every order of one instrument in a time range."""
        self.require_credentials("order_status_reports")
        now = time.time_ns()
        if open_only or instrument_id is None:
            symbol = native_symbol(instrument_id) if instrument_id else None
            rows = await self.http.http_open_orders(symbol)
        else:
            rows = await self.http.http_all_orders(
                native_symbol(instrument_id),
                start_time=ns_to_ms(start_ns),
                end_time=ns_to_ms(end_ns),
            )
        out = []
        for row in rows:
            instrument = self._by_native(row["symbol"])
            if instrument is None:
                continue
            out.append(
                parse_order_status_report(
                    row, instrument, now, futures=self.futures, account_id=self.account_id
                )
            )
        return out

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """Trades over a window; Binance needs a symbol, so without one every instrument with
        an open or tracked order is asked."""
        self.require_credentials("fill_reports")
        if instrument_id is not None:
            ids = {instrument_id}
        else:
            ids = {t.instrument_id for t in self._orders.values()}
            ids |= {r.instrument_id for r in await self.order_status_reports()}
        out: list[FillReport] = []
        for iid in sorted(ids, key=str):
            instrument = await self._instrument(iid)
            rows = await self.http.http_my_trades(
                instrument.raw_symbol.value,
                start_time=ns_to_ms(start_ns),
                end_time=ns_to_ms(end_ns),
            )
            now = time.time_ns()
            out.extend(
                parse_fill_report(r, instrument, now, account_id=self.account_id) for r in rows
            )
        return out

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        """Futures positions (``positionRisk``); spot accounts hold balances, not positions."""
        if not self.futures:
            self._unsupported(
                "position_status_reports", "spot and margin accounts have no positions"
            )
        self.require_credentials("position_status_reports")
        rows = await self.http.http_position_risk(
            native_symbol(instrument_id) if instrument_id else None
        )
        now = time.time_ns()
        out = []
        for row in rows:
            instrument = self._by_native(row["symbol"])
            if instrument is not None:
                out.append(
                    parse_position_status_report(row, instrument, now, account_id=self.account_id)
                )
        return out

    async def account_state(self) -> AccountState:
        """Balances from ``GET account``."""
        self.require_credentials("account_state")
        payload = await self.http.http_account()
        now = time.time_ns()
        if self.futures:
            return parse_futures_account_state(payload, self.account_id, now)
        return parse_spot_account_state(
            payload, self.account_id, now, margin=self.config.account_type.is_margin
        )


def _reason(error: VenueError) -> str:
    if error.venue_code is not None:
        return f"{error.venue_code}: {error.venue_message or error}"
    return str(error)
