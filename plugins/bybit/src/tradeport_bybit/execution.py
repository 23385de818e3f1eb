"""Bybit execution client: order commands over REST, order/fill/position/wallet events from
the private stream, reconciliation reports from REST.

Outcomes follow the core's rule: a rejection only on definitive evidence. A ``retCode`` refusal
of a create is an OrderRejected; a timeout, 5xx or rate limit leaves the order in flight and a
background query by ``orderLinkId`` resolves it. Events are de-duplicated per order (REST
answers and stream updates race) and fills per trade id (stream and REST recovery overlap).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import (
    ExecutionClient,
    InstrumentProvider,
    OrderChange,
    Reconnected,
)
from tradeport.clients.in_flight import InFlightOrders
from tradeport.clients.orders import OrderTracker, TrackedOrder
from tradeport.errors import (
    RequestRejected,
    TradeportError,
    ValidationError,
    VenueError,
)
from tradeport.model.events import (
    OrderCancelRejected,
    OrderModifyRejected,
    OrderSubmitted,
)
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    VenueOrderId,
)
from tradeport.model.instruments import Instrument
from tradeport.model.orders import Order
from tradeport.model.reports import (
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)
from tradeport.net.ws_client import WebSocketClient

from tradeport_bybit.config import BybitConfig
from tradeport_bybit.constants import CAPABILITIES, VENUE_ID, batch_max_orders
from tradeport_bybit.enums import BybitCategory
from tradeport_bybit.http.client import BybitHttpClient
from tradeport_bybit.http.parse import (
    parse_account_state,
    parse_fill_report,
    parse_order_status_report,
    parse_position_status_report,
)
from tradeport_bybit.http.query import (
    amend_order_body,
    cancel_order_body,
    ns_to_ms,
    place_order_body,
)
from tradeport_bybit.providers import http_sharing, instrument_for
from tradeport_bybit.symbology import category_and_symbol, instrument_id_for
from tradeport_bybit.urls import ws_private_url
from tradeport_bybit.websocket.client import private_stream
from tradeport_bybit.websocket.messages import PRIVATE_TOPICS

__all__ = ["BybitExecutionClient"]

#: Seconds between queries while resolving an order whose submit outcome is unknown.
#: Reject reasons of a post-only order that would have taken liquidity.
POST_ONLY_REASONS = frozenset({"EC_PostOnlyWillTakeLiquidity"})
#: How far before an order's acceptance its fills are looked for.
_FILL_LOOKBACK_NS = 60 * 10**9
_T = TypeVar("_T")


def _reason(error: VenueError) -> str:
    code = f"{error.venue_code} " if error.venue_code is not None else ""
    return f"{code}{error.venue_message or error}".strip()


def _chunks(items: Sequence[_T], size: int) -> list[Sequence[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _batch_lists(
    envelope: Mapping[str, Any],
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """``result.list`` and ``retExtInfo.list`` of a batch answer (same order as the request)."""
    results = (envelope.get("result") or {}).get("list") or []
    infos = (envelope.get("retExtInfo") or {}).get("list") or []
    return list(results), list(infos)


def _item_code(info: Mapping[str, Any]) -> int:
    try:
        return int(info.get("code", 0))
    except (TypeError, ValueError):
        return -1  # unreadable code: not a success


def _item_reason(info: Mapping[str, Any]) -> str:
    return f"{info.get('code')} {info.get('msg', '')}".strip()


class BybitExecutionClient(ExecutionClient):
    """Orders and reports for one Bybit account (see the module docstring)."""

    def __init__(
        self,
        config: BybitConfig,
        *,
        instruments: InstrumentProvider | None = None,
        http: BybitHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, instruments=instruments, **kwargs)
        self._http = http
        self._owns_http = http is None
        self.account_id = AccountId(f"{VENUE_ID}-{config.account_type}")
        #: Order events exactly once, whatever path the venue reports on (core tracker).
        self.tracker = OrderTracker(
            self.account_id, post_only_rejection=lambda reason: reason in POST_ONLY_REASONS
        )
        # Fills of orders placed elsewhere are handed over as reports: once each.
        self._stream: WebSocketClient | None = None
        self._tasks = BackgroundTasks(self.log, "bybit-execution")
        self.in_flight = InFlightOrders(self, self.tracker, self._tasks, fills_of=self._order_fills)
        self._last_message_ns = 0

    def __repr__(self) -> str:
        return f"BybitExecutionClient(account_id={self.account_id.value!r})"

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def http(self) -> BybitHttpClient:
        """The REST client (shared with the provider when it has one)."""
        if self._http is None:
            self._http, self._owns_http = http_sharing(self.instruments, self.config)
        return self._http

    @property
    def stream(self) -> WebSocketClient | None:
        """The private stream, if connected."""
        return self._stream

    #: authenticated also requires this stream alive (ExecutionClient.private_stream).
    private_stream = stream

    async def connect(self) -> None:
        """Open the private stream (login, then order/execution/position/wallet topics).

        Without credentials nothing is opened (REST reports then raise MissingCredentials).
        Raises AuthenticationError when the venue refuses the login.
        """
        if self._tasks.is_open:
            return
        await self._tasks.open()
        if not self.config.has_credentials:
            return
        url = ws_private_url(
            self.config.testnet,
            self.config.demo,
            self.config.base_url_ws_private or self.config.base_url_ws,
        )
        server_clock = self.http.server_clock
        if server_clock is not None:
            await server_clock.ensure_fresh()  # the login signs with the venue's clock too
        stream = private_stream(
            url,
            self._on_message,
            self.config,
            self._on_reconnected,
            clock_ms=server_clock.now_ms if server_clock is not None else None,
        )
        try:
            await self._tasks.start_stream(stream)
        except BaseException:
            await self.disconnect()
            raise
        self._stream = stream
        self.authenticated = stream.is_authenticated
        await stream.subscribe(PRIVATE_TOPICS)

    async def disconnect(self) -> None:
        """Close the stream and the REST client."""
        if self._stream is not None:
            self._stream.close()
        self._stream = None
        self.authenticated = False
        await self._tasks.close()
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    credentials_hint = "set BYBIT_API_KEY and BYBIT_API_SECRET"

    async def _instrument(self, instrument_id: InstrumentId) -> Instrument:
        return await instrument_for(self.instruments, instrument_id)

    def _known_instrument(self, category: str, symbol: str) -> Instrument | None:
        provider = self.instruments
        if provider is None:
            return None
        return provider.find(instrument_id_for(category, symbol))

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

    async def _accept(self, tracked: TrackedOrder, venue_order_id: str | None) -> None:
        venue_id = VenueOrderId(venue_order_id) if venue_order_id else None
        await self.emit_all(self.tracker.accepted(tracked.client_order_id, venue_id))

    # -- commands ---------------------------------------------------------------------------------

    async def _prepare(self, order: Order) -> tuple[TrackedOrder, dict[str, Any] | None]:
        """Track ``order`` and build its create body; None (after an OrderRejected) when Bybit
        could not accept it at all (not a Bybit id, unsupported type)."""
        tracked = self.tracker.track(order)
        try:
            body = place_order_body(order, hedge_mode=self.config.hedge_mode)
        except ValidationError as error:
            await self.emit_all(self.tracker.rejected(order.client_order_id, str(error)))
            return tracked, None
        return tracked, body

    async def _reject(self, tracked: TrackedOrder, reason: str) -> None:
        events = self.tracker.rejected(
            tracked.client_order_id, reason, due_post_only="PostOnly" in reason
        )
        await self.emit_all(events)

    async def submit_order(self, order: Order) -> None:
        """``POST /v5/order/create``: accepted on the venue's ack; refused codes reject."""
        self.require_credentials("submit_order")
        tracked, body = await self._prepare(order)
        if body is None:
            return
        await self.emit(OrderSubmitted(**self._base(tracked)))
        try:
            result = await self.http.http_place_order(body)
        except RequestRejected as error:
            await self._reject(tracked, _reason(error))
            return
        except VenueError as error:
            # Unknown outcome: never a rejection; resolve by asking the venue.
            self.log.warning(
                "submit %s outcome unknown (%s); resolving by query", order.client_order_id, error
            )
            self.in_flight.resolve_later(tracked)
            return
        await self._accept(tracked, result.get("orderId"))

    async def submit_orders(self, orders: Sequence[Order]) -> None:
        """``POST /v5/order/create-batch``, one request per category and per
        :data:`~tradeport_bybit.constants.BATCH_MAX_ORDERS` orders.

        Each order's own item decides its event: ``retExtInfo.list[i].code`` 0 accepts it (with
        ``result.list[i].orderId``), another code rejects it with that code and message. A
        refusal of the whole request rejects its orders; an unknown outcome (timeout, 5xx) is
        resolved by query, per order.
        """
        self.require_credentials("submit_orders")
        by_category: dict[BybitCategory, list[tuple[TrackedOrder, dict[str, Any]]]] = {}
        for order in orders:
            tracked, body = await self._prepare(order)
            if body is None:
                continue
            category = BybitCategory(body.pop("category"))
            by_category.setdefault(category, []).append((tracked, body))
        for category, items in by_category.items():
            for chunk in _chunks(items, batch_max_orders(category)):
                for tracked, _ in chunk:
                    await self.emit(OrderSubmitted(**self._base(tracked)))
                await self._place_batch(category, chunk)

    async def _place_batch(
        self, category: BybitCategory, chunk: Sequence[tuple[TrackedOrder, dict[str, Any]]]
    ) -> None:
        try:
            envelope = await self.http.http_batch_place_orders(
                category.value, [body for _, body in chunk]
            )
        except RequestRejected as error:
            for tracked, _ in chunk:
                await self._reject(tracked, _reason(error))
            return
        except VenueError as error:
            self.log.warning("batch submit outcome unknown (%s); resolving by query", error)
            for tracked, _ in chunk:
                self.in_flight.resolve_later(tracked)
            return
        results, infos = _batch_lists(envelope)
        for index, (tracked, _) in enumerate(chunk):
            info = infos[index] if index < len(infos) else None
            result = results[index] if index < len(results) else {}
            if info is None:
                # The venue answered without this order's item: its outcome is unknown.
                self.in_flight.resolve_later(tracked)
            elif _item_code(info) != 0:
                await self._reject(tracked, _item_reason(info))
            else:
                await self._accept(tracked, result.get("orderId"))

    async def _order_fills(self, report: OrderStatusReport) -> list[FillReport]:
        category, symbol = category_and_symbol(report.instrument_id)
        records = await self._paged(
            self.http.http_get_executions,
            category.value,
            symbol=symbol,
            order_id=report.venue_order_id.value,
            start_time=ns_to_ms(report.ts_accepted - _FILL_LOOKBACK_NS),
        )
        fills = self._parse_each(records, category, parse_fill_report)
        return sorted(fills, key=lambda f: f.ts_event)

    async def submit_order_list(self, order_list: Any) -> None:
        self._unsupported("submit_order_list", "Bybit v5 has no OCO/OTO order lists")

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
        """``POST /v5/order/amend``; OrderUpdated on success, OrderModifyRejected on refusal."""
        self.require_credentials("modify_order")
        change = OrderChange(
            instrument_id=instrument_id,
            client_order_id=client_order_id,
            venue_order_id=venue_order_id,
            quantity=quantity,
            price=price,
            trigger_price=trigger_price,
        )
        tracked, body = self._amend_request(change)
        try:
            await self.http.http_amend_order(body)
        except RequestRejected as error:
            await self.emit(OrderModifyRejected(**self._base(tracked), reason=_reason(error)))
            return
        await self._amended(tracked, change)

    def _amend_request(self, change: OrderChange) -> tuple[TrackedOrder, dict[str, Any]]:
        category, symbol = category_and_symbol(change.instrument_id)
        tracked = self.tracker.find_or_adopt(
            change.instrument_id, change.client_order_id, change.venue_order_id
        )
        body = amend_order_body(
            category,
            symbol,
            client_order_id=change.client_order_id.value if change.client_order_id else None,
            venue_order_id=change.venue_order_id.value if change.venue_order_id else None,
            qty=str(change.quantity) if change.quantity is not None else None,
            price=str(change.price) if change.price is not None else None,
            trigger_price=str(change.trigger_price) if change.trigger_price is not None else None,
        )
        return tracked, body

    async def _amended(self, tracked: TrackedOrder, change: OrderChange) -> None:
        """The venue accepted ``change``: OrderUpdated, unless the order stream (it races the
        answer) already reported the new values."""
        instrument = await self._instrument(change.instrument_id)
        qty, price, trigger = change.quantity, change.price, change.trigger_price
        events = self.tracker.modified(
            tracked.client_order_id,
            quantity=instrument.make_qty(str(qty)) if qty is not None else None,
            price=instrument.make_price(str(price)) if price is not None else None,
            trigger_price=instrument.make_price(str(trigger)) if trigger is not None else None,
        )
        await self.emit_all(events)

    async def modify_orders(self, changes: Sequence[OrderChange]) -> None:
        """``POST /v5/order/amend-batch``, one request per category and per
        :data:`~tradeport_bybit.constants.BATCH_MAX_ORDERS` changes.

        Each change's own item decides its event: code 0 is an OrderUpdated, another code an
        OrderModifyRejected with that code and message; a refusal of the whole request refuses
        each of its changes. Other errors propagate, as for :meth:`modify_order`.
        """
        self.require_credentials("modify_orders")
        by_category: dict[
            BybitCategory, list[tuple[TrackedOrder, OrderChange, dict[str, Any]]]
        ] = {}
        for change in changes:
            tracked, body = self._amend_request(change)
            category = BybitCategory(body.pop("category"))
            by_category.setdefault(category, []).append((tracked, change, body))
        for category, items in by_category.items():
            for chunk in _chunks(items, batch_max_orders(category)):
                await self._amend_batch(category, chunk)

    async def _amend_batch(
        self,
        category: BybitCategory,
        chunk: Sequence[tuple[TrackedOrder, OrderChange, dict[str, Any]]],
    ) -> None:
        try:
            envelope = await self.http.http_batch_amend_orders(
                category.value, [body for _, _, body in chunk]
            )
        except RequestRejected as error:
            for tracked, _, _ in chunk:
                await self.emit(OrderModifyRejected(**self._base(tracked), reason=_reason(error)))
            return
        _, infos = _batch_lists(envelope)
        for index, (tracked, change, _) in enumerate(chunk):
            info = infos[index] if index < len(infos) else None
            if info is None:
                # No item for this change: its outcome is unknown; the order stream tells.
                self.log.warning(
                    "amend of %s: no outcome in the batch answer", tracked.client_order_id
                )
            elif _item_code(info) != 0:
                await self.emit(
                    OrderModifyRejected(**self._base(tracked), reason=_item_reason(info))
                )
            else:
                await self._amended(tracked, change)

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """``POST /v5/order/cancel``; OrderCanceled once, OrderCancelRejected on refusal."""
        self.require_credentials("cancel_order")
        category, symbol = category_and_symbol(instrument_id)
        tracked = self.tracker.find_or_adopt(instrument_id, client_order_id, venue_order_id)
        body = cancel_order_body(
            category,
            symbol,
            client_order_id=client_order_id.value if client_order_id else None,
            venue_order_id=venue_order_id.value if venue_order_id else None,
        )
        try:
            await self.http.http_cancel_order(body)
        except RequestRejected as error:
            await self.emit(OrderCancelRejected(**self._base(tracked), reason=_reason(error)))
            return
        await self.emit_all(self.tracker.canceled(tracked.client_order_id))

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """``POST /v5/order/cancel-all`` for the instrument; each canceled order is reported."""
        self.require_credentials("cancel_all_orders")
        category, symbol = category_and_symbol(instrument_id)
        result = await self.http.http_cancel_all_orders(category.value, symbol)
        await self._canceled_list(instrument_id, result.get("list") or [])

    async def _canceled_list(
        self, instrument_id: InstrumentId, items: Sequence[Mapping[str, Any]]
    ) -> None:
        for item in items:
            coid = item.get("orderLinkId")
            void = item.get("orderId")
            venue_id = VenueOrderId(void) if void else None
            tracked = self.tracker.find_or_adopt(
                instrument_id, ClientOrderId(coid) if coid else None, venue_id
            )
            await self.emit_all(self.tracker.canceled(tracked.client_order_id, venue_id))

    async def batch_cancel_orders(
        self, instrument_id: InstrumentId, client_order_ids: Sequence[ClientOrderId]
    ) -> None:
        """``POST /v5/order/cancel-batch``; per-order outcomes from ``retExtInfo``."""
        self.require_credentials("batch_cancel_orders")
        category, symbol = category_and_symbol(instrument_id)
        requests = [{"symbol": symbol, "orderLinkId": c.value} for c in client_order_ids]
        envelope = await self.http.http_batch_cancel_orders(category.value, requests)
        results = (envelope.get("result") or {}).get("list") or []
        infos = (envelope.get("retExtInfo") or {}).get("list") or []
        for index, coid in enumerate(client_order_ids):
            tracked = self.tracker.find_or_adopt(instrument_id, coid, None)
            info = infos[index] if index < len(infos) else {"code": 0}
            if info.get("code", 0) != 0:
                reason = f"{info.get('code')} {info.get('msg', '')}".strip()
                await self.emit(OrderCancelRejected(**self._base(tracked), reason=reason))
                continue
            void = results[index].get("orderId") if index < len(results) else None
            venue_id = VenueOrderId(void) if void else None
            await self.emit_all(self.tracker.canceled(tracked.client_order_id, venue_id))

    # -- private stream ---------------------------------------------------------------------------

    async def _on_message(self, message: dict[str, Any]) -> None:
        topic = str(message.get("topic", ""))
        head = topic.split(".", 1)[0]
        self._last_message_ns = time.time_ns()
        for record in message.get("data") or []:
            if head == "order":
                await self._on_order(record)
            elif head == "execution":
                await self._on_execution(record)
            elif head == "position":
                await self._on_position(record)
            elif head == "wallet":
                ts = int(message.get("creationTime") or 0) * 1_000_000 or time.time_ns()
                await self.emit(parse_account_state(record, self.account_id, ts))

    async def _on_order(self, record: Mapping[str, Any]) -> None:
        instrument = self._known_instrument(record.get("category", ""), record["symbol"])
        if instrument is None:
            self.log.warning(
                "order update for unknown instrument %s %s",
                record.get("category"),
                record.get("symbol"),
            )
            return
        report = parse_order_status_report(record, instrument, self.account_id)
        if self.tracker.find(report.client_order_id, report.venue_order_id) is None:
            await self.emit(report)  # not ours: hand the report over for reconciliation
            return
        # Fills the row counts but the execution topic has not brought yet: the tracker
        # holds the terminal event until they come.
        await self.emit_all(self.tracker.on_order_report(report))

    async def _on_execution(self, record: Mapping[str, Any], reconciliation: bool = False) -> None:
        instrument = self._known_instrument(record.get("category", ""), record["symbol"])
        if instrument is None:
            return
        fill = parse_fill_report(record, instrument, self.account_id)
        if fill is not None:
            await self._emit_fill(fill, reconciliation)

    async def _emit_fill(self, fill: FillReport, reconciliation: bool = False) -> None:
        # A fill of an order placed elsewhere is handed over as its report, once.
        await self.emit_all(self.tracker.on_any_fill_report(fill, reconciliation=reconciliation))

    async def _on_position(self, record: Mapping[str, Any]) -> None:
        instrument = self._known_instrument(record.get("category", ""), record["symbol"])
        if instrument is not None:
            await self.emit(parse_position_status_report(record, instrument, self.account_id))

    async def _on_reconnected(self) -> None:
        await self.emit(Reconnected(VENUE_ID, "private", time.time_ns()))
        # Recover what happened while disconnected: fills (de-duplicated by trade id) and
        # the state of our open orders.
        try:
            for fill in await self.fill_reports(start_ns=time.time_ns() - 3_600 * 10**9):
                await self._emit_fill(fill, reconciliation=True)
            for tracked in self.tracker.open_orders():
                report = await self.order_status_report(
                    tracked.instrument_id, tracked.client_order_id
                )
                if report is not None:
                    await self.in_flight.apply_report(report)
        except TradeportError as error:
            self.log.warning("reconciliation after reconnect failed: %s", error)

    # -- reports ----------------------------------------------------------------------------------

    def _categories(
        self, instrument_id: InstrumentId | None
    ) -> list[tuple[BybitCategory, str | None]]:
        if instrument_id is not None:
            category, symbol = category_and_symbol(instrument_id)
            return [(category, symbol)]
        return [(c, None) for c in self.config.categories]

    def _settle_coins(self, category: BybitCategory) -> list[str | None]:
        """Linear/inverse queries without a symbol need a settle coin (venue rule)."""
        if category in (BybitCategory.SPOT, BybitCategory.OPTION) or self.instruments is None:
            return [None]
        coins = sorted(
            {
                i.settlement_currency
                for i in self.instruments.list_all()
                if category_and_symbol(i.id)[0] is category
            }
        )
        return list(coins) or [None]

    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        """One order by venue or client id: realtime first, then history."""
        self.require_credentials("order_status_report")
        category, symbol = category_and_symbol(instrument_id)
        instrument = await self._instrument(instrument_id)
        order_id = venue_order_id.value if venue_order_id else None
        order_link_id = client_order_id.value if client_order_id else None
        result = await self.http.http_get_open_orders(
            category.value, symbol=symbol, order_id=order_id, order_link_id=order_link_id
        )
        records = result.get("list") or []
        if not records:
            result = await self.http.http_get_order_history(
                category.value, symbol=symbol, order_id=order_id, order_link_id=order_link_id
            )
            records = result.get("list") or []
        if not records:
            return None
        return parse_order_status_report(records[0], instrument, self.account_id)

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """Open orders (``/v5/order/realtime``), plus history when ``open_only`` is False."""
        self.require_credentials("order_status_reports")
        out: list[OrderStatusReport] = []
        for category, symbol in self._categories(instrument_id):
            for settle in self._settle_coins(category) if symbol is None else [None]:
                records = await self._paged(
                    self.http.http_get_open_orders,
                    category.value,
                    symbol=symbol,
                    settle_coin=settle,
                    open_only=0,
                )
                if not open_only:
                    records += await self._paged(
                        self.http.http_get_order_history,
                        category.value,
                        symbol=symbol,
                        start_time=ns_to_ms(start_ns) if start_ns else None,
                        end_time=ns_to_ms(end_ns) if end_ns else None,
                    )
                out.extend(self._parse_each(records, category, parse_order_status_report))
        seen: set[str] = set()
        unique = []
        for report in out:
            if report.venue_order_id.value not in seen:
                seen.add(report.venue_order_id.value)
                unique.append(report)
        return unique

    async def _paged(self, endpoint: Any, category: str, **params: Any) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        cursor = None
        for _ in range(50):
            result = await endpoint(category, cursor=cursor, **params)
            records.extend(result.get("list") or [])
            cursor = result.get("nextPageCursor") or None
            if cursor is None or not result.get("list"):
                break
        return records

    def _parse_each(
        self, records: Sequence[Mapping[str, Any]], category: BybitCategory, parser: Any
    ) -> list[Any]:
        out = []
        for record in records:
            instrument = self._known_instrument(category.value, record["symbol"])
            if instrument is None:
                self.log.warning(
                    "report for unknown instrument %s %s", category.value, record["symbol"]
                )
                continue
            parsed = parser(record, instrument, self.account_id)
            if parsed is not None:
                out.append(parsed)
        return out

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """Trades from ``/v5/execution/list`` over the window, oldest first."""
        self.require_credentials("fill_reports")
        out: list[FillReport] = []
        for category, symbol in self._categories(instrument_id):
            records = await self._paged(
                self.http.http_get_executions,
                category.value,
                symbol=symbol,
                start_time=ns_to_ms(start_ns) if start_ns else None,
                end_time=ns_to_ms(end_ns) if end_ns else None,
            )
            out.extend(self._parse_each(records, category, parse_fill_report))
        out.sort(key=lambda f: f.ts_event)
        return out

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        """Derivative positions from ``/v5/position/list`` (spot has none)."""
        self.require_credentials("position_status_reports")
        out: list[PositionStatusReport] = []
        for category, symbol in self._categories(instrument_id):
            if category is BybitCategory.SPOT:
                continue
            for settle in self._settle_coins(category) if symbol is None else [None]:
                records = await self._paged(
                    self.http.http_get_positions, category.value, symbol=symbol, settle_coin=settle
                )
                out.extend(self._parse_each(records, category, parse_position_status_report))
        return out

    async def account_state(self) -> AccountState:
        """``/v5/account/wallet-balance`` for the configured account type."""
        self.require_credentials("account_state")
        result = await self.http.http_get_wallet_balance(self.config.account_type)
        records = result.get("list") or [{}]
        return parse_account_state(records[0], self.account_id, time.time_ns())
