"""Hyperliquid execution client: signed actions over REST ``/exchange``, order and fill events
from the user stream, reconciliation reports from ``/info``.

Outcomes follow the core's rule (a rejection only on definitive evidence):

* an accepted action answers ``{"status": "ok", "response": {"type": "order", "data":
  {"statuses": [...]}}}`` with one status per order, in order: ``{"resting": {"oid"}}`` or
  ``{"filled": {...}}`` accepts that order; ``{"error": "..."}`` rejects that order alone (an
  IOC that found nothing to match is canceled, not rejected: the venue did take it);
* an envelope error (``{"status": "err"}``), a timeout, a 5xx or a rate limit leaves the orders
  in flight: a background ``orderStatus`` query by cloid resolves each one. After an envelope
  error, an order the venue says it does not know is rejected with the envelope's message
  (now definitive); after a transport fault it is only logged (it may still arrive).

Order events come once each through the core OrderTracker, whatever path reports them (the
``/exchange`` answer, ``orderUpdates``, ``userFills``, queries after a reconnect). The first
``userFills`` message of every subscription is a snapshot of past fills: it is never re-emitted
(the reconciliation after a reconnect recovers missed fills over ``userFillsByTime``).

Queries and user streams use the account address (``account_address``, or the vault when one is
set), never the agent's. Every connection of the user stream first checks, over the socket,
that the signing key is the account or an approved agent of it (``userRole``): a key the venue
does not know makes ``connect()`` raise AuthenticationError instead of failing order by order.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

import anyio
import attrs
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import ExecutionClient, InstrumentProvider, OrderChange, Reconnected
from tradeport.clients.in_flight import InFlightOrders
from tradeport.clients.orders import OrderTracker, TrackedOrder
from tradeport.errors import (
    AuthenticationError,
    ClockSkewError,
    RequestRejected,
    RequestTimeout,
    TradeportError,
    TransportError,
    ValidationError,
    VenueError,
)
from tradeport.model.enums import OrderType
from tradeport.model.events import (
    OrderCancelRejected,
    OrderModifyRejected,
    OrderSubmitted,
)
from tradeport.model.identifiers import AccountId, ClientOrderId, InstrumentId, VenueOrderId
from tradeport.model.instruments import Instrument
from tradeport.model.orders import Order
from tradeport.model.reports import (
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)
from tradeport.net.ws_client import WebSocketClient

from tradeport_hyperliquid.config import HyperliquidConfig
from tradeport_hyperliquid.constants import CAPABILITIES, VENUE_ID
from tradeport_hyperliquid.datatypes import parse_funding_payment
from tradeport_hyperliquid.http.client import CREDENTIALS_HINT, HyperliquidHttpClient
from tradeport_hyperliquid.http.errors import error_for_message
from tradeport_hyperliquid.http.parse import (
    MS,
    parse_account_state,
    parse_fill_report,
    parse_order_status_report,
    parse_position_status_reports,
)
from tradeport_hyperliquid.http.query import (
    check_price,
    float_to_wire,
    ns_to_ms,
    order_to_wire,
    slippage_price,
)
from tradeport_hyperliquid.providers import by_coin, http_sharing, instrument_for
from tradeport_hyperliquid.symbology import cloid_of
from tradeport_hyperliquid.urls import ws_url
from tradeport_hyperliquid.websocket.client import user_stream
from tradeport_hyperliquid.websocket.parse import order_updates, user_fills

__all__ = ["HyperliquidExecutionClient", "FILLS_PER_REQUEST"]

#: Fills one ``userFillsByTime`` answer holds at most (docs: 2000).
FILLS_PER_REQUEST = 2000
#: Default lookback of fill reports without a start.
_DEFAULT_FILL_LOOKBACK_MS = 24 * 3_600_000
#: The venue's answer to an IOC that found nothing to match (docs: order error strings).
_IOC_NO_MATCH = "could not immediately match"
_POST_ONLY_MARKERS = ("post only", "alo")


def _reason(error: VenueError) -> str:
    return str(error.venue_message or error)


class HyperliquidExecutionClient(ExecutionClient):
    """Orders and reports for one Hyperliquid account (see the module docstring)."""

    credentials_hint = CREDENTIALS_HINT

    def __init__(
        self,
        config: HyperliquidConfig,
        *,
        instruments: InstrumentProvider | None = None,
        http: HyperliquidHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, instruments=instruments, **kwargs)
        self._http = http
        self._owns_http = http is None
        account = (config.vault_address or config.account_address or "").lower()
        self.account_id = AccountId(f"{VENUE_ID}-{account[:10] or 'wallet'}")
        #: Order events exactly once, whatever path the venue reports on (core tracker).
        self.tracker = OrderTracker(
            self.account_id,
            post_only_rejection=lambda reason: (
                reason is not None and any(m in reason.lower() for m in _POST_ONLY_MARKERS)
            ),
        )
        #: cloid -> the client order id it stands for (hashed ids cannot be decoded).
        self._cloids: dict[str, ClientOrderId] = {}
        #: client order id -> the last wire order sent (modify re-sends the whole order).
        self._wires: dict[ClientOrderId, dict[str, Any]] = {}
        self._stream: WebSocketClient | None = None
        self._tasks = BackgroundTasks(self.log, "hyperliquid-execution")
        self.in_flight = InFlightOrders(self, self.tracker, self._tasks, fills_of=self._order_fills)
        #: ``post`` requests in flight on the user stream: id -> (answered, answer).
        self._posts: dict[int, tuple[anyio.Event, list[Any]]] = {}
        self._post_ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"HyperliquidExecutionClient(account_id={self.account_id.value!r})"

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def http(self) -> HyperliquidHttpClient:
        """The REST client (shared with the provider when it has the same config)."""
        if self._http is None:
            self._http, self._owns_http = http_sharing(self.instruments, self.config)
        return self._http

    @property
    def stream(self) -> WebSocketClient | None:
        """The user stream, if connected."""
        return self._stream

    #: authenticated also requires this stream alive (ExecutionClient.private_stream).
    private_stream = stream

    async def connect(self) -> None:
        """Open the user stream: the credential check, then ``orderUpdates``, ``userFills``,
        ``userEvents`` and ``userFundings`` (as HyperliquidFundingPayment) of the account.
        Without a key nothing is opened (reports then raise MissingCredentials). Raises
        AuthenticationError when the venue does not know the key as the account or an agent
        of it."""
        if self._tasks.is_open:
            return
        await self._tasks.open()
        if not self.has_credentials:
            return
        wallet = self.http.wallet
        assert wallet is not None
        url = ws_url(self.config.testnet, self.config.base_url_ws)
        stream = user_stream(
            url,
            self._on_message,
            self.config,
            signer=wallet.signer,
            account=wallet.account_address,
            on_reconnected=self._on_reconnected,
        )
        try:
            await self._tasks.start_stream(stream)
        except BaseException:
            await self.disconnect()
            raise
        self._stream = stream
        self.authenticated = stream.is_authenticated
        if self.config.order_transport == "ws":
            self.http.action_sender = self._post_action
        user = wallet.user
        await stream.subscribe(
            [
                f"orderUpdates:{user}",
                f"userFills:{user}",
                f"userEvents:{user}",
                f"userFundings:{user}",
            ]
        )

    async def disconnect(self) -> None:
        """Close the stream and the REST client."""
        if self._http is not None and self._http.action_sender == self._post_action:
            self._http.action_sender = None
        if self._stream is not None:
            self._stream.close()
        self._stream = None
        self.authenticated = False
        await self._tasks.close()
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    async def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        return await instrument_for(self.instruments, instrument_id)

    def _base(self, tracked: TrackedOrder) -> dict[str, Any]:
        now = time.time_ns()
        return {
            "instrument_id": tracked.instrument_id,
            "client_order_id": tracked.client_order_id,
            "venue_order_id": tracked.venue_order_id,
            "account_id": self.account_id,
            "ts_event": now,
            "ts_init": now,
        }

    def _own(self, report: Any) -> Any:
        """A report with the client order id this client gave (hashed cloids map back)."""
        coid = report.client_order_id
        if coid is None:
            return report
        original = self._cloids.get(cloid_of(coid))
        if original is not None and original != coid:
            return attrs.evolve(report, client_order_id=original)
        return report

    # -- commands -----------------------------------------------------------------------------------

    async def _market_price(self, order: Order, instrument: Instrument) -> Decimal | None:
        """The slippage-bounded IOC price of a MARKET order, from ``allMids``."""
        if order.order_type is not OrderType.MARKET:
            return None
        mids = await self.http.http_all_mids()
        mid = mids.get(str(instrument.info["coin"])) if isinstance(mids, dict) else None
        if mid is None:
            raise ValidationError("instrument_id", str(instrument.id), "has no mid price now")
        return slippage_price(instrument, Decimal(mid), order.side, self.config.market_slippage)

    async def _prepare(self, order: Order) -> tuple[TrackedOrder, dict[str, Any] | None]:
        """Track ``order`` and build its wire order; None (after an OrderRejected) when it
        cannot be sent at all (bad price for the venue's rules, unsupported type)."""
        instrument = await self._instrument(order.instrument_id)
        tracked = self.tracker.track(order)
        try:
            market = await self._market_price(order, instrument)
            wire = order_to_wire(
                order, instrument, market_price=market, slippage=self.config.market_slippage
            )
        except ValidationError as error:
            await self.emit_all(self.tracker.rejected(order.client_order_id, str(error)))
            return tracked, None
        self._cloids[wire["c"]] = order.client_order_id
        self._wires[order.client_order_id] = wire
        return tracked, wire

    async def submit_order(self, order: Order) -> None:
        """An ``order`` action with one order (see the module docstring for outcomes)."""
        await self.submit_orders([order])

    async def submit_orders(self, orders: Sequence[Order]) -> None:
        """One ``order`` action for all of them; each order's own status decides its event."""
        self.require_credentials("submit_orders")
        prepared: list[tuple[TrackedOrder, dict[str, Any]]] = []
        for order in orders:
            tracked, wire = await self._prepare(order)
            if wire is not None:
                prepared.append((tracked, wire))
        if not prepared:
            return
        for tracked, _ in prepared:
            await self.emit(OrderSubmitted(**self._base(tracked)))
        try:
            answer = await self.http.http_order([wire for _, wire in prepared])
        except (RequestRejected, AuthenticationError, ClockSkewError) as error:
            # The venue refused the whole action: each order is resolved by asking for it now
            # (one the venue does not know is then rejected with the venue's message).
            self.log.warning("order action refused (%s); resolving by query", error)
            for tracked, _ in prepared:
                await self.in_flight.resolve_refused(tracked, _reason(error))
            return
        except VenueError as error:
            self.log.warning("order action outcome unknown (%s); resolving by query", error)
            for tracked, _ in prepared:
                self.in_flight.resolve_later(tracked)
            return
        statuses = _statuses(answer)
        for index, (tracked, _) in enumerate(prepared):
            status = statuses[index] if index < len(statuses) else None
            await self._on_order_status(tracked, status)

    async def _on_order_status(self, tracked: TrackedOrder, status: Any) -> None:
        coid = tracked.client_order_id
        if isinstance(status, Mapping) and "error" in status:
            reason = str(status["error"])
            if _IOC_NO_MATCH in reason.lower():
                await self.emit_all(self.tracker.canceled(coid))
                return
            due_post_only = any(m in reason.lower() for m in _POST_ONLY_MARKERS)
            await self.emit_all(self.tracker.rejected(coid, reason, due_post_only=due_post_only))
            return
        oid = _oid_of(status)
        if oid is None:
            # Answered without this order's outcome (or "waitingForTrigger"): ask the venue.
            self.in_flight.resolve_later(tracked)
            return
        await self.emit_all(self.tracker.accepted(coid, VenueOrderId(oid)))

    async def _order_fills(self, report: OrderStatusReport) -> list[FillReport]:
        """The fills of one order (from the account's recent fills; Hyperliquid has no
        per-order fills query)."""
        fills = await self.fill_reports(
            report.instrument_id, start_ns=report.ts_accepted - 60 * 10**9
        )
        return [f for f in fills if f.venue_order_id == report.venue_order_id]

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
        """A ``batchModify`` of one order (see :meth:`modify_orders`)."""
        await self.modify_orders(
            [
                OrderChange(
                    instrument_id=instrument_id,
                    client_order_id=client_order_id,
                    venue_order_id=venue_order_id,
                    quantity=quantity,
                    price=price,
                    trigger_price=trigger_price,
                )
            ]
        )

    async def modify_orders(self, changes: Sequence[OrderChange]) -> None:
        """One ``batchModify``: each order is re-sent whole with the new values (the venue
        replaces it; the oid it answers is indexed, as the venue may give the modified order
        a new one). Per-order errors are OrderModifyRejected."""
        self.require_credentials("modify_orders")
        items: list[tuple[TrackedOrder, OrderChange, int | str, dict[str, Any]]] = []
        for change in changes:
            tracked = self.tracker.find_or_adopt(
                change.instrument_id, change.client_order_id, change.venue_order_id
            )
            wire = await self._wire_for(change, tracked)
            if wire is None:
                await self.emit(
                    OrderModifyRejected(
                        **self._base(tracked), reason="order not known at the venue"
                    )
                )
                continue
            try:
                new = await self._changed_wire(change, wire)
            except ValidationError as error:
                await self.emit(OrderModifyRejected(**self._base(tracked), reason=str(error)))
                continue
            oid: int | str = (
                int(change.venue_order_id.value) if change.venue_order_id else str(new["c"])
            )
            items.append((tracked, change, oid, new))
        if not items:
            return
        try:
            answer = await self.http.http_batch_modify([(oid, wire) for _, _, oid, wire in items])
        except (RequestRejected, AuthenticationError, ClockSkewError) as error:
            for tracked, _, _, _ in items:
                await self.emit(OrderModifyRejected(**self._base(tracked), reason=_reason(error)))
            return
        statuses = _statuses(answer)
        for index, (tracked, change, _, wire) in enumerate(items):
            status = statuses[index] if index < len(statuses) else None
            if isinstance(status, Mapping) and "error" in status:
                await self.emit(
                    OrderModifyRejected(**self._base(tracked), reason=str(status["error"]))
                )
                continue
            self._wires[tracked.client_order_id] = wire
            events = self.tracker.modified(
                tracked.client_order_id,
                quantity=change.quantity,
                price=change.price,
                trigger_price=change.trigger_price,
            )
            # The venue may give the modified order a new oid: index it.
            new_oid = _oid_of(status)
            if new_oid is not None:
                events += self.tracker.accepted(tracked.client_order_id, VenueOrderId(new_oid))
            await self.emit_all(events)

    async def _wire_for(self, change: OrderChange, tracked: TrackedOrder) -> dict[str, Any] | None:
        """The wire order last sent for ``tracked``, else rebuilt from the venue's record."""
        wire = self._wires.get(tracked.client_order_id)
        if wire is not None:
            return dict(wire)
        report = await self.order_status_report(
            change.instrument_id, change.client_order_id, change.venue_order_id
        )
        if report is None or not report.order_status.is_open:
            return None
        instrument = await self._instrument(change.instrument_id)
        order = Order(
            client_order_id=report.client_order_id or tracked.client_order_id,
            instrument_id=instrument.id,
            side=report.order_side,
            order_type=report.order_type,
            quantity=report.quantity,
            price=report.price,
            trigger_price=report.trigger_price,
            time_in_force=report.time_in_force,
            post_only=report.post_only,
            reduce_only=report.reduce_only,
        )
        return order_to_wire(order, instrument, slippage=self.config.market_slippage)

    async def _changed_wire(self, change: OrderChange, wire: dict[str, Any]) -> dict[str, Any]:
        instrument = await self._instrument(change.instrument_id)
        new = dict(wire)
        if change.price is not None:
            check_price(instrument, change.price.as_decimal())
            new["p"] = float_to_wire(change.price.as_decimal())
        if change.quantity is not None:
            new["s"] = float_to_wire(change.quantity.as_decimal())
        if change.trigger_price is not None and "trigger" in new["t"]:
            check_price(instrument, change.trigger_price.as_decimal(), "trigger_price")
            trigger = dict(new["t"]["trigger"])
            trigger["triggerPx"] = float_to_wire(change.trigger_price.as_decimal())
            new["t"] = {"trigger": trigger}
        return new

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """``cancel`` by oid (or ``cancelByCloid``); OrderCanceled once, OrderCancelRejected
        with the venue's reason when it refuses."""
        self.require_credentials("cancel_order")
        instrument = await self._instrument(instrument_id)
        tracked = self.tracker.find_or_adopt(instrument_id, client_order_id, venue_order_id)
        asset = int(instrument.info["asset"])
        void = venue_order_id or tracked.venue_order_id
        try:
            if void is not None:
                answer = await self.http.http_cancel([(asset, int(void.value))])
            else:
                answer = await self.http.http_cancel_by_cloid(
                    [(asset, cloid_of(tracked.client_order_id))]
                )
        except (RequestRejected, AuthenticationError, ClockSkewError) as error:
            await self.emit(OrderCancelRejected(**self._base(tracked), reason=_reason(error)))
            return
        await self._on_cancel_status(tracked, (_statuses(answer) or [None])[0])

    async def _on_cancel_status(self, tracked: TrackedOrder, status: Any) -> None:
        if status == "success":
            await self.emit_all(self.tracker.canceled(tracked.client_order_id))
        elif isinstance(status, Mapping) and "error" in status:
            await self.emit(OrderCancelRejected(**self._base(tracked), reason=str(status["error"])))
        else:
            self.log.warning("cancel of %s: no outcome in the answer", tracked.client_order_id)

    async def batch_cancel_orders(
        self, instrument_id: InstrumentId, client_order_ids: Sequence[ClientOrderId]
    ) -> None:
        """One ``cancelByCloid`` for all of them; each status decides its order's event."""
        self.require_credentials("batch_cancel_orders")
        instrument = await self._instrument(instrument_id)
        asset = int(instrument.info["asset"])
        tracked = [
            self.tracker.find_or_adopt(instrument_id, coid, None) for coid in client_order_ids
        ]
        answer = await self.http.http_cancel_by_cloid(
            [(asset, cloid_of(t.client_order_id)) for t in tracked]
        )
        statuses = _statuses(answer)
        for index, item in enumerate(tracked):
            await self._on_cancel_status(item, statuses[index] if index < len(statuses) else None)

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """Every open order of the instrument (from ``frontendOpenOrders``) in one ``cancel``."""
        self.require_credentials("cancel_all_orders")
        instrument = await self._instrument(instrument_id)
        reports = await self.order_status_reports(instrument_id)
        if not reports:
            return
        asset = int(instrument.info["asset"])
        answer = await self.http.http_cancel(
            [(asset, int(r.venue_order_id.value)) for r in reports]
        )
        statuses = _statuses(answer)
        for index, report in enumerate(reports):
            tracked = self.tracker.find_or_adopt(
                instrument_id, report.client_order_id, report.venue_order_id
            )
            await self._on_cancel_status(
                tracked, statuses[index] if index < len(statuses) else None
            )

    async def schedule_cancel(self, at_ns: int | None) -> None:
        """The dead-man switch (``scheduleCancel``): the venue cancels every open order at
        ``at_ns`` (at least 5 s ahead) unless called again; None unsets it."""
        self.require_credentials("schedule_cancel")
        await self.http.http_schedule_cancel(ns_to_ms(at_ns) if at_ns is not None else None)

    # -- user stream ----------------------------------------------------------------------------------

    async def _post_action(self, body: dict[str, Any]) -> Any:
        """Send a signed action over the user stream's ``post`` channel and wait for its answer
        (``{"type": "action", "payload": <the /exchange answer>}``). No answer within
        ``http_timeout`` is a RequestTimeout: the outcome is unknown, as for REST."""
        stream = self._stream
        if stream is None:
            raise TransportError("the user stream is not connected", venue=VENUE_ID)
        request_id = next(self._post_ids)
        answered, answer = anyio.Event(), cast(list[Any], [])
        self._posts[request_id] = (answered, answer)
        try:
            await stream.send_json(
                {"method": "post", "id": request_id, "request": {"type": "action", "payload": body}}
            )
            with anyio.move_on_after(self.config.http_timeout) as scope:
                await answered.wait()
        finally:
            self._posts.pop(request_id, None)
        if scope.cancelled_caught:
            raise RequestTimeout(
                f"no answer to post {request_id} within {self.config.http_timeout}s",
                venue=VENUE_ID,
            )
        response = answer[0] if isinstance(answer[0], Mapping) else {}
        payload = response.get("payload")
        if response.get("type") == "action" and isinstance(payload, Mapping):
            if payload.get("status") == "err":
                raise error_for_message(str(payload.get("response") or ""))
            return payload
        raise RequestRejected(
            "post refused", venue=VENUE_ID, venue_code="error", venue_message=str(payload)
        )

    async def _on_message(self, message: dict[str, Any]) -> None:
        channel = message.get("channel")
        if channel == "post":
            data = message.get("data") or {}
            pending = self._posts.get(data.get("id"))  # type: ignore[arg-type]
            if pending is not None:
                pending[1].append(data.get("response"))
                pending[0].set()
        elif channel == "orderUpdates":
            for item in order_updates(message):
                await self._on_order_update(item)
        elif channel == "userFills":
            for record in user_fills(message):
                await self._on_fill_record(record)
        elif channel == "userFundings":
            data = message.get("data") or {}
            if data.get("isSnapshot"):
                return  # past payments: the snapshot every subscription starts with
            coins = by_coin(self.instruments)
            now = time.time_ns()
            for record in data.get("fundings") or ():
                instrument = coins.get(str(record.get("coin")))
                if instrument is not None:
                    await self.emit(parse_funding_payment(record, instrument.id, now))
        elif channel == "userEvents":
            data = message.get("data") or {}
            for record in data.get("fills") or ():
                await self._on_fill_record(record)

    async def _on_order_update(self, item: Mapping[str, Any]) -> None:
        order = item.get("order") or {}
        instrument = by_coin(self.instruments).get(str(order.get("coin")))
        if instrument is None:
            self.log.warning("order update for unknown coin %r", order.get("coin"))
            return
        report = self._own(
            parse_order_status_report(
                order,
                instrument,
                self.account_id,
                status=str(item.get("status")),
                status_ms=int(item.get("statusTimestamp") or order["timestamp"]),
            )
        )
        if self.tracker.find(report.client_order_id, report.venue_order_id) is None:
            await self.emit(report)  # not ours: hand the report over for reconciliation
            return
        await self.emit_all(self.tracker.on_order_report(report))

    async def _on_fill_record(
        self, record: Mapping[str, Any], reconciliation: bool = False
    ) -> None:
        instrument = by_coin(self.instruments).get(str(record.get("coin")))
        if instrument is None:
            return
        await self._emit_fill(
            self._own(parse_fill_report(record, instrument, self.account_id)), reconciliation
        )

    async def _emit_fill(self, fill: FillReport, reconciliation: bool = False) -> None:
        # A fill of an order placed elsewhere is handed over as its report, once.
        await self.emit_all(self.tracker.on_any_fill_report(fill, reconciliation=reconciliation))

    async def _on_reconnected(self) -> None:
        await self.emit(Reconnected(VENUE_ID, "user", time.time_ns()))
        try:
            for fill in await self.fill_reports(start_ns=time.time_ns() - 3_600 * 10**9):
                await self._emit_fill(fill, reconciliation=True)
            for tracked in self.tracker.open_orders():
                report = await self.order_status_report(
                    tracked.instrument_id, tracked.client_order_id, tracked.venue_order_id
                )
                if report is not None:
                    await self.in_flight.apply_report(report)
        except TradeportError as error:
            self.log.warning("reconciliation after reconnect failed: %s", error)

    # -- reports --------------------------------------------------------------------------------------

    def _dexes(self, instrument_id: InstrumentId | None) -> list[str]:
        """The perp dexes a query must ask (``""`` is the main dex; HIP-3 dexes answer for
        their own coins only)."""
        if instrument_id is not None:
            instrument = self.instruments.find(instrument_id) if self.instruments else None
            return [str(instrument.info.get("dex", "")) if instrument is not None else ""]
        return ["", *self.config.perp_dexs]

    def _user(self, operation: str) -> str:
        self.require_credentials(operation)
        return self.http.require_user(operation)

    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        """``orderStatus`` by oid, else by cloid; None when the venue does not know it."""
        user = self._user("order_status_report")
        instrument = await self._instrument(instrument_id)
        if venue_order_id is not None:
            key: int | str = int(venue_order_id.value)
        elif client_order_id is not None:
            key = cloid_of(client_order_id)
        else:
            raise ValidationError("client_order_id", "None", "give a client or venue order id")
        answer = await self.http.http_order_status(user, key)
        if not isinstance(answer, Mapping) or answer.get("status") != "order":
            return None
        wrapped = answer.get("order") or {}
        return self._own(
            parse_order_status_report(
                wrapped["order"],
                instrument,
                self.account_id,
                status=str(wrapped.get("status") or "open"),
                status_ms=wrapped.get("statusTimestamp"),
            )
        )

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """Open orders from ``frontendOpenOrders`` (closed orders are not listed: query them one
        by one with :meth:`order_status_report`)."""
        user = self._user("order_status_reports")
        records: list[Any] = []
        for dex in self._dexes(instrument_id):
            records.extend(await self.http.http_frontend_open_orders(user, dex) or ())
        coins = by_coin(self.instruments)
        out = []
        seen: set[Any] = set()
        for record in records:
            if record.get("oid") in seen:  # spot orders come with every dex's answer
                continue
            seen.add(record.get("oid"))
            instrument = coins.get(str(record.get("coin")))
            if instrument is None or (instrument_id is not None and instrument.id != instrument_id):
                continue
            out.append(self._own(parse_order_status_report(record, instrument, self.account_id)))
        return out

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """Fills from ``userFillsByTime`` over the window (paged by time, 2000 per answer;
        the venue keeps the latest 10000), oldest first."""
        user = self._user("fill_reports")
        now_ms = time.time_ns() // MS
        start_ms = (
            ns_to_ms(start_ns) if start_ns is not None else now_ms - _DEFAULT_FILL_LOOKBACK_MS
        )
        end_ms = ns_to_ms(end_ns) if end_ns is not None else None
        coins = by_coin(self.instruments)
        seen: set[tuple[str, str]] = set()
        out: list[FillReport] = []
        for _ in range(10):
            page = await self.http.http_user_fills_by_time(user, start_ms, end_ms)
            if not isinstance(page, list) or not page:
                break
            for record in page:
                instrument = coins.get(str(record.get("coin")))
                if instrument is None or (
                    instrument_id is not None and instrument.id != instrument_id
                ):
                    continue
                fill = self._own(parse_fill_report(record, instrument, self.account_id))
                key = (fill.venue_order_id.value, fill.trade_id.value)
                if key not in seen:
                    seen.add(key)
                    out.append(fill)
            if len(page) < FILLS_PER_REQUEST:
                break
            start_ms = max(int(r["time"]) for r in page) + 1
        out.sort(key=lambda f: f.ts_event)
        return out

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        """Perp positions from ``clearinghouseState`` (spot holds balances, not positions)."""
        user = self._user("position_status_reports")
        reports = []
        for dex in self._dexes(instrument_id):
            state = await self.http.http_clearinghouse_state(user, dex)
            reports += parse_position_status_reports(
                state or {}, by_coin(self.instruments), self.account_id
            )
        return [r for r in reports if instrument_id is None or r.instrument_id == instrument_id]

    async def account_state(self) -> AccountState:
        """Spot balances (``spotClearinghouseState``) and perp margin (``clearinghouseState``)."""
        user = self._user("account_state")
        spot = await self.http.http_spot_clearinghouse_state(user)
        perp = await self.http.http_clearinghouse_state(user)
        return parse_account_state(spot or {}, perp or {}, self.account_id, time.time_ns())


def _statuses(answer: Any) -> list[Any]:
    """``response.data.statuses`` of an ``{"status": "ok"}`` answer ([] otherwise)."""
    if not isinstance(answer, Mapping) or answer.get("status") != "ok":
        return []
    response = answer.get("response") or {}
    data = response.get("data") if isinstance(response, Mapping) else None
    statuses = data.get("statuses") if isinstance(data, Mapping) else None
    return list(statuses) if isinstance(statuses, list) else []


def _oid_of(status: Any) -> str | None:
    """The oid of a ``resting`` or ``filled`` status."""
    if not isinstance(status, Mapping):
        return None
    for key in ("resting", "filled"):
        inner = status.get(key)
        if isinstance(inner, Mapping) and inner.get("oid") is not None:
            return str(inner["oid"])
    return None
