"""The OKX execution client: orders over REST, order/position/account updates over the
``private`` WebSocket (login with the passphrase-signed message), reconciliation from REST.

Outcome rules: an order is rejected only on the venue's definitive word (an item ``sCode`` or
an envelope code for the request); a timeout, network failure, 5xx or rate limit leaves it in
flight, and it is resolved by querying it by client order id.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import anyio
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import ExecutionClient, InstrumentProvider, Reconnected
from tradeport.clients.orders import OrderTracker, TrackedOrder
from tradeport.errors import (
    MissingCredentials,
    NetworkError,
    RateLimitError,
    RequestRejected,
    ServerError,
    TradeportError,
    ValidationError,
)
from tradeport.model.enums import (
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from tradeport.model.events import (
    AnyOrderEvent,
    OrderCancelRejected,
    OrderModifyRejected,
    OrderSubmitted,
)
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    Venue,
    VenueOrderId,
)
from tradeport.model.instruments import Instrument, SpotPair
from tradeport.model.orders import Order
from tradeport.model.reports import (
    AccountState,
    ExecutionMassStatus,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)
from tradeport.net.ws_client import WebSocketClient

from tradeport_okx.config import OkxConfig
from tradeport_okx.constants import MAX_BATCH_ORDERS, VENUE, VENUE_NAME
from tradeport_okx.enums import SIDE_TO_OKX, OkxInstType
from tradeport_okx.http.client import OkxHttpClient
from tradeport_okx.http.errors import order_item_error
from tradeport_okx.http.parse import (
    instrument_id_for,
    ms_to_ns,
    parse_account_state,
    parse_fill_report,
    parse_order_fill_report,
    parse_order_status_report,
    parse_position_status_report,
)
from tradeport_okx.http.query import ms
from tradeport_okx.providers import OkxInstrumentProvider
from tradeport_okx.symbology import inst_type_of
from tradeport_okx.websocket.client import make_ws_client

__all__ = ["OkxExecutionClient", "ACCOUNT_ID", "PRIVATE_TOPICS"]

#: The account id on every report and event (OKX has one trading account per API key).
ACCOUNT_ID = AccountId("OKX-001")
#: Private channels the client subscribes after login.
PRIVATE_TOPICS = ("orders:instType=ANY", "positions:instType=ANY", "account")
#: sCode of "order does not exist".
_NOT_FOUND = frozenset({"51603"})
_TRIGGER_PX_TYPE = {
    TriggerType.DEFAULT: "last",
    TriggerType.LAST_PRICE: "last",
    TriggerType.MARK_PRICE: "mark",
    TriggerType.INDEX_PRICE: "index",
}
_ALGO_TYPES = frozenset(
    {OrderType.STOP_MARKET, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP_MARKET}
)
_BASIS_POINTS_PER_UNIT = Decimal(10_000)
_AMBIGUOUS = (NetworkError, ServerError, RateLimitError)


class OkxExecutionClient(ExecutionClient):
    """Market, limit (GTC / IOC / FOK / post-only), stop-market and stop-limit (algo
    ``trigger`` orders), reduce-only, trade modes cash / cross / isolated; amend, cancel,
    batch cancel, cancel all; order, position and account streams; REST reconciliation."""

    def __init__(
        self,
        config: OkxConfig,
        *,
        instruments: InstrumentProvider | None = None,
        http: OkxHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(VENUE_NAME, config, instruments=instruments, **kwargs)
        # One REST pool per session: borrow the provider's (it closes it, last).
        shared = instruments.http if isinstance(instruments, OkxInstrumentProvider) else None
        self._owns_http = http is None and shared is None
        self.http = http or shared or OkxHttpClient(config)
        if self.instruments is None:
            self.instruments: InstrumentProvider | None = OkxInstrumentProvider(
                config, http=self.http
            )
        self.account_id = ACCOUNT_ID
        self._tasks = BackgroundTasks(self.log, f"{VENUE_NAME} execution client")
        self.private: WebSocketClient = make_ws_client(
            config,
            "private",
            self._on_message,
            login=self.http.signer.login_message,
            on_reconnected=self._on_reconnected,
        )
        #: Order events exactly once, whatever path the venue reports on (core tracker).
        self.tracker = OrderTracker(ACCOUNT_ID)
        #: ``algoId`` of our stop / trailing orders: cancelled through the algo endpoint
        #: until they trigger (OKX-only state, so it stays here, not in the tracker).
        self._algo_ids: dict[ClientOrderId, str] = {}
        self._stream_started = False

    # -- lifecycle --------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Log in on the private stream and subscribe orders, positions and account.

        Without credentials nothing is opened (every private call raises MissingCredentials).
        """
        await self._tasks.open()
        if not self.http.signer.has_credentials:
            self.log.warning("%s: no credentials; private stream not opened", VENUE_NAME)
            return
        if self.http.server_clock is not None:
            await self.http.server_clock.ensure_fresh()  # the login signs with the venue's clock
        try:
            await self._tasks.start_stream(self.private)  # returns once the login is acknowledged
        except BaseException:
            # A refused login leaves nothing running behind.
            await self._tasks.close()
            raise
        self._stream_started = True
        self.authenticated = self.private.is_authenticated
        await self.private.subscribe(PRIVATE_TOPICS)

    async def disconnect(self) -> None:
        """Close the private stream and the REST client."""
        self.authenticated = False
        self.private.close()
        await self._tasks.close()
        if self._owns_http:
            await self.http.aclose()

    async def _on_reconnected(self) -> None:
        self.authenticated = self.private.is_authenticated
        await self.emit(Reconnected(VENUE_NAME, "private", time.time_ns()))
        # Fills and cancels that happened while disconnected: query what is still open here.
        self._tasks.start_soon(self._reconcile_open_orders, name="okx reconcile open orders")

    async def _reconcile_open_orders(self) -> None:
        for tracked in self.tracker.open_orders():
            try:
                await self._refresh(tracked)
            except TradeportError as exc:
                self.log.warning(
                    "%s: reconciling %s failed: %s", VENUE_NAME, tracked.client_order_id, exc
                )

    async def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        assert self.instruments is not None
        found = self.instruments.find(instrument_id)
        if found is None:
            found = await self.instruments.load(instrument_id)
        return found

    def _td_mode(self, instrument_id: InstrumentId, instrument: Instrument | None) -> str:
        config: OkxConfig = self.config
        if instrument is None:
            spot = inst_type_of(instrument_id.symbol.value) is OkxInstType.SPOT
            return "cash" if spot else config.margin_mode
        if isinstance(instrument, SpotPair) and instrument.info.get("instType") != "MARGIN":
            return "cash"
        return config.margin_mode

    # -- commands ---------------------------------------------------------------------------------

    def _order_body(self, order: Order, instrument: Instrument | None) -> dict[str, Any]:
        td_mode = self._td_mode(order.instrument_id, instrument)
        body: dict[str, Any] = {
            "instId": order.instrument_id.symbol.value,
            "tdMode": td_mode,
            "clOrdId": order.client_order_id.value,
            "side": SIDE_TO_OKX[order.side],
            "sz": str(order.quantity),
        }
        tif = order.time_in_force
        if order.order_type is OrderType.MARKET:
            body["ordType"] = "market"
            if td_mode == "cash":
                # Spot market orders are sized in quote currency unless told otherwise.
                body["tgtCcy"] = "quote_ccy" if order.quote_quantity else "base_ccy"
        elif order.order_type is OrderType.LIMIT:
            if order.price is None:
                raise ValidationError("price", None, "is required for a limit order")
            if order.post_only:
                body["ordType"] = "post_only"
            elif tif is TimeInForce.IOC:
                body["ordType"] = "ioc"
            elif tif is TimeInForce.FOK:
                body["ordType"] = "fok"
            elif tif is TimeInForce.GTC:
                body["ordType"] = "limit"
            else:
                self._unsupported("submit_order", f"time in force {tif} for LIMIT")
            body["px"] = str(order.price)
        else:
            self._unsupported("submit_order", f"order type {order.order_type}")
        if order.reduce_only:
            body["reduceOnly"] = True
        return body

    def _trailing_body(self, order: Order, instrument: Instrument | None) -> dict[str, Any]:
        """``move_order_stop``: ``callbackRatio`` (basis points / 10 000) or
        ``callbackSpread`` (a price distance), optionally from ``activePx``."""
        if order.trailing_offset is None or order.trailing_offset <= 0:
            raise ValidationError("trailing_offset", order.trailing_offset, "must be positive")
        body: dict[str, Any] = {
            "instId": order.instrument_id.symbol.value,
            "tdMode": self._td_mode(order.instrument_id, instrument),
            "algoClOrdId": order.client_order_id.value,
            "side": SIDE_TO_OKX[order.side],
            "ordType": "move_order_stop",
            "sz": str(order.quantity),
        }
        if order.trailing_offset_type is TrailingOffsetType.PRICE:
            body["callbackSpread"] = format(order.trailing_offset, "f")
        else:
            ratio = (order.trailing_offset / _BASIS_POINTS_PER_UNIT).normalize()
            body["callbackRatio"] = format(ratio, "f")
        if order.activation_price is not None:
            body["activePx"] = str(order.activation_price)
        if order.reduce_only:
            body["reduceOnly"] = True
        return body

    def _algo_body(self, order: Order, instrument: Instrument | None) -> dict[str, Any]:
        if order.order_type is OrderType.TRAILING_STOP_MARKET:
            return self._trailing_body(order, instrument)
        if order.trigger_price is None:
            raise ValidationError("trigger_price", None, "is required for a stop order")
        if order.order_type is OrderType.STOP_LIMIT and order.price is None:
            raise ValidationError("price", None, "is required for a stop-limit order")
        body: dict[str, Any] = {
            "instId": order.instrument_id.symbol.value,
            "tdMode": self._td_mode(order.instrument_id, instrument),
            "algoClOrdId": order.client_order_id.value,
            "side": SIDE_TO_OKX[order.side],
            "ordType": "trigger",
            "sz": str(order.quantity),
            "triggerPx": str(order.trigger_price),
            "triggerPxType": _TRIGGER_PX_TYPE.get(
                order.trigger_type or TriggerType.DEFAULT, "last"
            ),
            # -1: execute at market once triggered.
            "orderPx": "-1" if order.order_type is OrderType.STOP_MARKET else str(order.price),
        }
        if order.reduce_only:
            body["reduceOnly"] = True
        return body

    def _event_kw(self, tracked: TrackedOrder) -> dict[str, Any]:
        now = time.time_ns()
        return {
            "instrument_id": tracked.instrument_id,
            "client_order_id": tracked.client_order_id,
            "venue_order_id": tracked.venue_order_id,
            "account_id": self.account_id,
            "ts_event": now,
            "ts_init": now,
        }

    async def _publish(self, events: Sequence[AnyOrderEvent]) -> None:
        for event in events:
            await self.emit(event)
            tracked = self.tracker.find(event.client_order_id)
            if tracked is None or tracked.closed:
                self._algo_ids.pop(event.client_order_id, None)  # bounded, like the tracker

    async def submit_order(self, order: Order) -> None:
        """Place the order (``/trade/order`` or, for stops, ``/trade/order-algo``)."""
        self.http.signer.require("submit_order")
        try:
            instrument: Instrument | None = await self._instrument(order.instrument_id)
        except KeyError:
            instrument = None  # sent anyway: the venue's rejection names the problem
        is_algo = order.order_type in _ALGO_TYPES
        body = (
            self._algo_body(order, instrument) if is_algo else self._order_body(order, instrument)
        )
        tracked = self.tracker.track(order)
        await self.emit(OrderSubmitted(**self._event_kw(tracked)))
        try:
            if is_algo:
                items = await self.http.http_place_algo_order(body)
            else:
                items = await self.http.http_place_order(body)
        except _AMBIGUOUS as exc:
            self.log.warning(
                "%s: outcome of %s unknown (%s); resolving by query",
                VENUE_NAME,
                order.client_order_id,
                exc,
            )
            self._tasks.start_soon(
                self._resolve_in_flight, tracked, name=f"okx resolve {tracked.client_order_id}"
            )
            return
        except RequestRejected as exc:
            await self._publish(self.tracker.rejected(order.client_order_id, _reason(exc)))
            return
        await self._on_submit_item(tracked, items[0] if items else {})

    async def _on_submit_item(self, tracked: TrackedOrder, item: dict[str, Any]) -> None:
        code = str(item.get("sCode", "0"))
        if code != "0":
            error = order_item_error(item)
            if isinstance(error, _AMBIGUOUS):
                self._tasks.start_soon(
                    self._resolve_in_flight, tracked, name=f"okx resolve {tracked.client_order_id}"
                )
                return
            await self._publish(self.tracker.rejected(tracked.client_order_id, _reason(error)))
            return
        venue_id = item.get("algoId") or item.get("ordId")
        if item.get("algoId"):
            self._algo_ids[tracked.client_order_id] = item["algoId"]
        events = self.tracker.accepted(
            tracked.client_order_id,
            VenueOrderId(venue_id) if venue_id else None,
            ts_event=ms_to_ns(item.get("ts")),
        )
        await self._publish(events)

    def _is_untriggered_algo(self, tracked: TrackedOrder) -> bool:
        return tracked.client_order_id in self._algo_ids and not tracked.triggered

    async def _resolve_in_flight(self, tracked: TrackedOrder) -> None:
        """Query an order whose submission outcome is unknown until the venue answers."""
        delay = 0.2
        for _ in range(6):
            try:
                await self._refresh(tracked)
                return
            except _AMBIGUOUS:
                await anyio.sleep(delay)
                delay *= 2
            except TradeportError as exc:
                self.log.warning(
                    "%s: cannot resolve %s: %s", VENUE_NAME, tracked.client_order_id, exc
                )
                return

    async def _refresh(self, tracked: TrackedOrder) -> None:
        """Bring a tracked order up to date from REST (state and missed fills)."""
        if self._is_untriggered_algo(tracked):
            return  # untriggered algo orders have no regular order yet
        record = await self._query_order(
            tracked.instrument_id.symbol.value, tracked.client_order_id.value, None
        )
        if record is None:
            return
        fills: list[dict[str, Any]] = []
        if record.get("ordId"):
            fills = await self.http.http_get_fills(
                inst_id=tracked.instrument_id.symbol.value, ord_id=record["ordId"]
            )
        await self._apply_order_record(record, fills, reconciliation=True)

    async def _query_order(
        self, inst_id: str, client_order_id: str | None, venue_order_id: str | None
    ) -> dict[str, Any] | None:
        try:
            records = await self.http.http_get_order(
                inst_id,
                ord_id=venue_order_id,
                cl_ord_id=None if venue_order_id else client_order_id,
            )
        except RequestRejected as exc:
            if str(exc.venue_code) in _NOT_FOUND:
                return None
            raise
        return records[0] if records else None

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
        """``/trade/amend-order`` (new size and/or price)."""
        self.http.signer.require("modify_order")
        instrument = await self._instrument(instrument_id)
        tracked = self.tracker.find(client_order_id, venue_order_id)
        body: dict[str, Any] = {"instId": instrument_id.symbol.value}
        body.update(self._ids(client_order_id, venue_order_id))
        if quantity is not None:
            body["newSz"] = str(quantity)
        if price is not None:
            body["newPx"] = str(price)
        if tracked is not None and tracked.client_order_id in self._algo_ids:
            await self.emit(
                OrderModifyRejected(
                    **self._event_kw(tracked), reason="amending algo orders is not supported"
                )
            )
            return
        try:
            items = await self.http.http_amend_order(body)
        except RequestRejected as exc:
            if tracked is not None:
                await self.emit(OrderModifyRejected(**self._event_kw(tracked), reason=_reason(exc)))
            return
        item = items[0] if items else {}
        if str(item.get("sCode", "0")) != "0":
            if tracked is not None:
                await self.emit(
                    OrderModifyRejected(
                        **self._event_kw(tracked), reason=_reason(order_item_error(item))
                    )
                )
            return
        if tracked is not None:
            # OrderUpdated unless the order stream has already told this change.
            events = self.tracker.modified(
                tracked.client_order_id,
                quantity=instrument.make_qty(str(quantity)) if quantity is not None else None,
                price=instrument.make_price(str(price)) if price is not None else None,
            )
            await self._publish(events)

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """``/trade/cancel-order`` (``/trade/cancel-algos`` for untriggered stops)."""
        self.http.signer.require("cancel_order")
        instrument = await self._instrument(instrument_id)
        tracked = self.tracker.find(client_order_id, venue_order_id)
        try:
            if tracked is not None and self._is_untriggered_algo(tracked):
                algo_id = self._algo_ids[tracked.client_order_id]
                items = await self.http.http_cancel_algos(
                    [{"instId": instrument_id.symbol.value, "algoId": algo_id}]
                )
            else:
                body = {"instId": instrument_id.symbol.value}
                body.update(self._ids(client_order_id, venue_order_id))
                items = await self.http.http_cancel_order(body)
        except RequestRejected as exc:
            await self._cancel_rejected(instrument, client_order_id, venue_order_id, _reason(exc))
            return
        await self._on_cancel_item(
            instrument, items[0] if items else {}, client_order_id, venue_order_id
        )

    async def _on_cancel_item(
        self,
        instrument: Instrument,
        item: dict[str, Any],
        client_order_id: ClientOrderId | None,
        venue_order_id: VenueOrderId | None,
    ) -> None:
        if str(item.get("sCode", "0")) != "0":
            await self._cancel_rejected(
                instrument, client_order_id, venue_order_id, _reason(order_item_error(item))
            )
            return
        cl = client_order_id or (ClientOrderId(item["clOrdId"]) if item.get("clOrdId") else None)
        await self._publish(self.tracker.canceled(cl, venue_order_id))

    async def _cancel_rejected(
        self,
        instrument: Instrument,
        client_order_id: ClientOrderId | None,
        venue_order_id: VenueOrderId | None,
        reason: str,
    ) -> None:
        tracked = self.tracker.find(client_order_id, venue_order_id)
        now = time.time_ns()
        cl = client_order_id or (tracked.client_order_id if tracked else None)
        if cl is None:
            self.log.warning(
                "%s: cancel rejected for an order without client id: %s", VENUE_NAME, reason
            )
            return
        await self.emit(
            OrderCancelRejected(
                instrument_id=instrument.id,
                client_order_id=cl,
                venue_order_id=venue_order_id or (tracked.venue_order_id if tracked else None),
                account_id=self.account_id,
                reason=reason,
                ts_event=now,
                ts_init=now,
            )
        )

    async def batch_cancel_orders(
        self, instrument_id: InstrumentId, client_order_ids: Sequence[ClientOrderId]
    ) -> None:
        """``/trade/cancel-batch-orders``, 20 per request."""
        self.http.signer.require("batch_cancel_orders")
        instrument = await self._instrument(instrument_id)
        inst_id = instrument_id.symbol.value
        ids = list(client_order_ids)
        for start in range(0, len(ids), MAX_BATCH_ORDERS):
            chunk = ids[start : start + MAX_BATCH_ORDERS]
            try:
                items = await self.http.http_cancel_batch_orders(
                    [{"instId": inst_id, "clOrdId": c.value} for c in chunk]
                )
            except RequestRejected as exc:
                for cl in chunk:
                    await self._cancel_rejected(instrument, cl, None, _reason(exc))
                continue
            for cl, item in zip(chunk, items, strict=False):
                await self._on_cancel_item(instrument, item, cl, None)

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """Cancel every open order of the instrument (pending orders, in batches of 20)."""
        self.http.signer.require("cancel_all_orders")
        instrument = await self._instrument(instrument_id)
        inst_id = instrument_id.symbol.value
        pending = await self.http.http_get_orders_pending(inst_id=inst_id)
        # OKX lists newest first; cancel in placement order so events come out in that order.
        pending = sorted(pending, key=lambda r: int(r.get("cTime") or 0))
        for start in range(0, len(pending), MAX_BATCH_ORDERS):
            chunk = pending[start : start + MAX_BATCH_ORDERS]
            items = await self.http.http_cancel_batch_orders(
                [{"instId": inst_id, "ordId": r["ordId"]} for r in chunk]
            )
            for record, item in zip(chunk, items, strict=False):
                cl = ClientOrderId(record["clOrdId"]) if record.get("clOrdId") else None
                await self._on_cancel_item(instrument, item, cl, VenueOrderId(record["ordId"]))
        for tracked in [
            t
            for t in self.tracker.open_orders()
            if t.instrument_id == instrument_id and self._is_untriggered_algo(t)
        ]:
            items = await self.http.http_cancel_algos(
                [{"instId": inst_id, "algoId": self._algo_ids[tracked.client_order_id]}]
            )
            if items and str(items[0].get("sCode", "0")) == "0":
                await self._publish(self.tracker.canceled(tracked.client_order_id))

    @staticmethod
    def _ids(
        client_order_id: ClientOrderId | None, venue_order_id: VenueOrderId | None
    ) -> dict[str, str]:
        if venue_order_id is not None:
            return {"ordId": venue_order_id.value}
        if client_order_id is not None:
            return {"clOrdId": client_order_id.value}
        raise ValidationError("client_order_id", None, "or venue_order_id is required")

    # -- private stream ---------------------------------------------------------------------------

    async def _on_message(self, message: Any) -> None:
        arg = message.get("arg")
        data = message.get("data")
        if not isinstance(arg, dict) or not isinstance(data, list):
            return
        channel = arg.get("channel")
        if channel == "orders":
            for record in data:
                await self._apply_order_record(record)
        elif channel == "positions":
            ts_init = time.time_ns()
            for record in data:
                instrument = self._find(record.get("instId"))
                if instrument is not None:
                    await self.emit(
                        parse_position_status_report(record, instrument, ts_init, self.account_id)
                    )
        elif channel == "account":
            ts_init = time.time_ns()
            for record in data:
                await self.emit(parse_account_state(record, self.account_id, ts_init))

    def _find(self, inst_id: str | None) -> Instrument | None:
        if not inst_id or self.instruments is None:
            return None
        return self.instruments.find(instrument_id_for(inst_id))

    async def _apply_order_record(
        self,
        record: dict[str, Any],
        fills: Sequence[dict[str, Any]] = (),
        reconciliation: bool = False,
    ) -> None:
        """One order update (stream push or REST record, with the order's fills fetched
        over REST if any) -> the events not emitted yet."""
        instrument = self._find(record.get("instId"))
        if instrument is None:
            return
        ts_init = time.time_ns()
        report = parse_order_status_report(record, instrument, ts_init, self.account_id)
        if self.tracker.find(report.client_order_id, report.venue_order_id) is None:
            return  # not ours (no client id, or placed elsewhere): reconciliation reports it
        fill_reports = [
            parse_fill_report(f, instrument, ts_init, self.account_id)
            for f in sorted(fills, key=lambda f: int(f.get("ts") or 0))
        ]
        pushed = parse_order_fill_report(record, instrument, ts_init, self.account_id)
        if pushed is not None:  # the fill this push announces
            fill_reports.append(pushed)
        events = self.tracker.on_order_report(report, fill_reports, reconciliation=reconciliation)
        await self._publish(events)

    # -- reports ----------------------------------------------------------------------------------

    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        """``/trade/order`` by venue or client order id; None when OKX does not know it."""
        self.http.signer.require("order_status_report")
        instrument = await self._instrument(instrument_id)
        record = await self._query_order(
            instrument_id.symbol.value,
            client_order_id.value if client_order_id else None,
            venue_order_id.value if venue_order_id else None,
        )
        if record is None:
            return None
        await self._apply_order_record(record, reconciliation=True)
        return parse_order_status_report(record, instrument, time.time_ns(), self.account_id)

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """Open orders (``/trade/orders-pending``), plus ``/trade/orders-history`` when
        ``open_only`` is False."""
        self.http.signer.require("order_status_reports")
        inst_id = instrument_id.symbol.value if instrument_id else None
        records = list(await self.http.http_get_orders_pending(inst_id=inst_id))
        if not open_only:
            config: OkxConfig = self.config
            types = [inst_type_of(inst_id).value] if inst_id else list(config.inst_types)
            for inst_type in types:
                records.extend(
                    await self.http.http_get_orders_history(
                        inst_type, inst_id, ms(start_ns), ms(end_ns)
                    )
                )
        return await self._order_reports(records)

    async def _order_reports(self, records: list[dict[str, Any]]) -> list[OrderStatusReport]:
        out: dict[str, OrderStatusReport] = {}
        ts_init = time.time_ns()
        for record in records:
            instrument = await self._instrument(instrument_id_for(record["instId"]))
            report = parse_order_status_report(record, instrument, ts_init, self.account_id)
            out[report.venue_order_id.value] = report
        return list(out.values())

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """``/trade/fills`` (last 3 days) in the window, oldest first, one per trade id."""
        self.http.signer.require("fill_reports")
        inst_id = instrument_id.symbol.value if instrument_id else None
        records = await self.http.http_get_fills(
            inst_id=inst_id, begin_ms=ms(start_ns), end_ms=ms(end_ns)
        )
        ts_init = time.time_ns()
        out: dict[tuple[str, str], FillReport] = {}
        for record in records:
            instrument = await self._instrument(instrument_id_for(record["instId"]))
            report = parse_fill_report(record, instrument, ts_init, self.account_id)
            out[(record["instId"], report.trade_id.value)] = report
        return sorted(out.values(), key=lambda f: f.ts_event)

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        """``/account/positions``."""
        self.http.signer.require("position_status_reports")
        inst_id = instrument_id.symbol.value if instrument_id else None
        records = await self.http.http_get_positions(inst_id=inst_id)
        ts_init = time.time_ns()
        out = []
        for record in records:
            instrument = await self._instrument(instrument_id_for(record["instId"]))
            out.append(parse_position_status_report(record, instrument, ts_init, self.account_id))
        return out

    async def account_state(self) -> AccountState:
        """``/account/balance``."""
        self.http.signer.require("account_state")
        records = await self.http.http_get_balance()
        if not records:
            raise MissingCredentials(VENUE_NAME, "account_state", "no account data returned")
        return parse_account_state(records[0], self.account_id, time.time_ns())

    async def mass_status(self, lookback_ns: int | None = None) -> ExecutionMassStatus:
        """Open orders, fills over the lookback and positions, in one snapshot."""
        start = time.time_ns() - lookback_ns if lookback_ns else None
        orders = await self.order_status_reports()
        fills = await self.fill_reports(start_ns=start)
        positions = await self.position_status_reports()
        return ExecutionMassStatus(
            venue=Venue(VENUE),
            account_id=self.account_id,
            order_reports=tuple(orders),
            fill_reports=tuple(fills),
            position_reports=tuple(positions),
            ts_init=time.time_ns(),
        )


def _reason(error: TradeportError) -> str:
    code = getattr(error, "venue_code", None)
    message = getattr(error, "venue_message", None) or str(error)
    return f"{code}: {message}" if code is not None else message
