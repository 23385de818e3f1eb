"""The CoinbaseIntx execution client: order commands, private streams, reconciliation reports.

Commands go over REST; their outcomes come back twice (the REST answer and the private
stream) and sometimes a third time (queries after a reconnect). The core's
:class:`~tradeport.clients.orders.OrderTracker` turns all of them into order events, each
published once: this client parses venue records into reports (``http/parse.py``) and feeds
the tracker; the rules (stale versions, fills before their order, amend echoes, held terminal
events) live in the core.

* ``connect()`` with credentials logs in the private stream (returns after the venue's ack; a
  refusal raises AuthenticationError and is never retried) and subscribes orders, fills,
  balances and positions. Without credentials it connects nothing private, and every private
  call raises MissingCredentials before a request leaves.
* A rejection event is published only on the venue's definitive answer (HTTP 4xx with its
  error code). A timeout, transport error, 5xx or rate limit on submit leaves the order in
  flight: it is resolved in the background by querying its client order id.
* After a reconnect (re-login and resubscription done) a Reconnected is published, then every
  open order is queried, so fills and cancels missed while away are published (once).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import anyio
from tradeport.clients import EventSink, ExecutionClient, InstrumentProvider, Reconnected
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.orders import OrderTracker
from tradeport.errors import (
    RequestRejected,
    TradeportError,
    ValidationError,
    VenueError,
)
from tradeport.model.events import (
    AnyOrderEvent,
    OrderCancelRejected,
    OrderModifyRejected,
    OrderSubmitted,
)
from tradeport.model.identifiers import ClientOrderId, InstrumentId, VenueOrderId
from tradeport.model.instruments import Instrument
from tradeport.model.orders import Order
from tradeport.model.reports import (
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)
from tradeport.net import WebSocketClient

from tradeport_coinbase_intx.capabilities import CAPABILITIES
from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import VENUE_ID
from tradeport_coinbase_intx.http.client import CoinbaseIntxHttpClient
from tradeport_coinbase_intx.http.errors import ORDER_NOT_FOUND, POST_ONLY_CODE
from tradeport_coinbase_intx.http.models import FillRecord, OrderRecord
from tradeport_coinbase_intx.http.parse import (
    ACCOUNT,
    parse_account_state,
    parse_fill_report,
    parse_order_status_report,
    parse_position_status_report,
)
from tradeport_coinbase_intx.http.query import amend_body, ms, order_body
from tradeport_coinbase_intx.symbology import instrument_id_of, venue_symbol
from tradeport_coinbase_intx.websocket.client import make_stream_client
from tradeport_coinbase_intx.websocket.topics import (
    BALANCES,
    FILLS,
    ORDERS,
    POSITIONS,
    PRIVATE_TOPICS,
)

__all__ = ["CoinbaseIntxExecutionClient", "reason_of"]


def reason_of(error: VenueError) -> str:
    """The venue's reason for a refusal, as events carry it: ``CODE: message``."""
    parts = [str(p) for p in (error.venue_code, error.venue_message) if p]
    return ": ".join(parts) or str(error)


def _is_not_found(error: RequestRejected) -> bool:
    return error.venue_code == ORDER_NOT_FOUND


class CoinbaseIntxExecutionClient(ExecutionClient):
    """Trades one CoinbaseIntx account (see the module docstring)."""

    def __init__(
        self,
        config: CoinbaseIntxConfig,
        *,
        instruments: InstrumentProvider | None = None,
        events: EventSink | None = None,
    ) -> None:
        super().__init__(
            VENUE_ID, config, instruments=instruments, capabilities=CAPABILITIES, events=events
        )
        self.config: CoinbaseIntxConfig = config
        self.http = CoinbaseIntxHttpClient(config)
        # Orders placed elsewhere (another session) are adopted when they carry a client id.
        self.tracker = OrderTracker(ACCOUNT, adopt_external=True)
        self._tasks = BackgroundTasks(self.log, f"{VENUE_ID} execution client")
        self._stream: WebSocketClient | None = None
        self._apply_lock: anyio.Lock | None = None
        #: Read by the core's mass_status().
        self.account_id = ACCOUNT

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.venue}, authenticated={self.authenticated})"

    # -- lifecycle -----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open REST; with credentials, log in the private stream and subscribe its topics."""
        if self._tasks.is_open:
            return
        await self.http.open()
        await self._tasks.open()
        if self.http.credential is None:
            self.log.info("%s: no credentials; private streams are off", VENUE_ID)
            return
        self._stream = make_stream_client(
            self.config,
            self._on_message,
            name=f"{VENUE_ID} private stream",
            credential=self.http.credential,
            on_reconnected=self._on_reconnected,
        )
        try:
            await self._tasks.start_stream(self._stream)  # returns after the login ack
            self.authenticated = True
            await self._stream.subscribe(PRIVATE_TOPICS)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.disconnect()
            raise

    async def disconnect(self) -> None:
        """Close the private stream and REST."""
        self.authenticated = False
        if self._stream is not None:
            self._stream.close()
        await self._tasks.close()
        self._stream = None
        await self.http.aclose()

    credentials_hint = "set api_key and api_secret, or COINBASE_INTX_API_KEY and COINBASE_INTX_API_SECRET"

    @property
    def has_credentials(self) -> bool:
        """Credentials as the HTTP client resolved them (config or environment)."""
        return bool(self.http.credential is not None)

    def _instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        return self.instruments.find(instrument_id) if self.instruments is not None else None

    def _lock(self) -> anyio.Lock:
        if self._apply_lock is None:  # made in the event loop, on first use
            self._apply_lock = anyio.Lock()
        return self._apply_lock

    async def _publish(self, events: Sequence[AnyOrderEvent]) -> None:
        for event in events:
            await self.emit(event)

    # -- applying venue records (REST answers, stream, queries) --------------------------------

    async def _apply_order(self, record: OrderRecord) -> None:
        """Publish what an order record tells, fetching the order's fills first when the record
        reports more filled than was published (so fills precede the terminal event)."""
        async with self._lock():
            instrument = self._instrument(instrument_id_of(record["symbol"]))
            ts_init = time.time_ns()
            report = parse_order_status_report(record, instrument, ts_init)
            fills: list[FillReport] = []
            if self.tracker.missing_fill_qty(report):
                try:
                    records = await self.http.fills(
                        record["symbol"], None, None, order_id=record["order_id"]
                    )
                    fills = [parse_fill_report(f, instrument, ts_init) for f in records]
                except TradeportError as exc:  # the stream or a later query will bring them
                    self.log.warning(
                        "%s: fills of order %s not fetched: %s", VENUE_ID, record["order_id"], exc
                    )
            fills.sort(key=lambda f: f.ts_event)
            # ``version`` is bumped by the venue on every change: a lower one is stale.
            events = self.tracker.on_order_report(
                report, fills, sequence=record.get("version") or None
            )
            await self._publish(events)

    async def _apply_fill(self, record: FillRecord) -> None:
        async with self._lock():
            instrument = self._instrument(instrument_id_of(record["symbol"]))
            fill = parse_fill_report(record, instrument, time.time_ns())
            await self._publish(self.tracker.on_fill_report(fill))

    async def _on_message(self, message: dict[str, Any]) -> None:
        topic, data = message["topic"], message["data"]
        if topic == ORDERS:
            for record in data:
                await self._apply_order(record)
        elif topic == FILLS:
            for record in data:
                await self._apply_fill(record)
        elif topic == BALANCES:
            await self.emit(parse_account_state(data, time.time_ns()))
        elif topic == POSITIONS:
            ts_init = time.time_ns()
            for record in data:
                instrument = self._instrument(instrument_id_of(record["symbol"]))
                await self.emit(parse_position_status_report(record, instrument, ts_init))
        else:
            self.log.debug("%s: message on an unknown private topic %s", VENUE_ID, topic)

    async def _on_reconnected(self) -> None:
        await self.emit(Reconnected(VENUE_ID, "private", time.time_ns()))
        # Whatever happened while away: query every order that was open.
        for tracked in self.tracker.open_orders():
            # In-flight orders have no venue id yet: they are looked up by client order id.
            venue_id = tracked.venue_order_id
            try:
                record = await self.http.http_get_order(
                    venue_symbol(tracked.instrument_id),
                    order_id=venue_id.value if venue_id is not None else None,
                    client_order_id=None if venue_id is not None else tracked.client_order_id.value,
                )
            except TradeportError as exc:
                self.log.warning(
                    "%s: order %s not reconciled: %s", VENUE_ID, tracked.client_order_id, exc
                )
                continue
            await self._apply_order(record)

    # -- commands ------------------------------------------------------------------------------

    def _check_supported(self, order: Order) -> None:
        caps = self.capabilities
        if not caps.supports_order(order.order_type, order.time_in_force):
            self._unsupported("submit_order", f"{order.order_type}/{order.time_in_force}")
        unsupported = [
            name
            for name, used in (
                ("display_qty", order.display_qty is not None),
                ("quote_quantity", order.quote_quantity),
                ("position_side", order.position_side is not None),
                ("trigger_type", order.trigger_type not in (None, "DEFAULT", "LAST_PRICE")),
            )
            if used
        ]
        if unsupported:
            self._unsupported("submit_order", f"{', '.join(unsupported)} not offered by the venue")

    async def submit_order(self, order: Order) -> None:
        """Submit one order: OrderSubmitted, then the venue's outcome as events."""
        self.require_credentials("submit_order")
        self._check_supported(order)
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
        try:
            record = await self.http.http_post_order(order_body(order))
        except RequestRejected as exc:  # the venue's definitive no
            events = self.tracker.rejected(
                order.client_order_id,
                reason_of(exc),
                due_post_only=exc.venue_code == POST_ONLY_CODE,
            )
            await self._publish(events)
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
                    self._resolve,
                    order.instrument_id,
                    order.client_order_id,
                    name=f"resolve order {order.client_order_id}",
                )
            return
        await self._apply_order(record)

    async def _resolve(self, instrument_id: InstrumentId, client_order_id: ClientOrderId) -> None:
        """Query an order whose submission had no clear answer until the venue knows it."""
        delay = self.config.http_retry_delay
        for _ in range(self.config.resolve_attempts):
            await anyio.sleep(delay)
            delay *= 2
            try:
                record = await self.http.http_get_order(
                    venue_symbol(instrument_id), client_order_id=client_order_id.value
                )
            except RequestRejected as exc:
                if not _is_not_found(exc):
                    raise
                continue  # not (yet) at the venue
            except VenueError:
                continue
            await self._apply_order(record)
            return
        self.log.warning(
            "%s: order %s is unknown to the venue after %d queries; it was probably never "
            "placed (query order_status_report(client_order_id=...) to check)",
            VENUE_ID,
            client_order_id,
            self.config.resolve_attempts,
        )

    def _client_id_for(
        self, client_order_id: ClientOrderId | None, venue_order_id: VenueOrderId | None
    ) -> ClientOrderId:
        if client_order_id is not None:
            return client_order_id
        tracked = self.tracker.find(venue_order_id=venue_order_id)
        if tracked is None:
            raise ValidationError(
                "client_order_id", None, f"is needed for order {venue_order_id} (not tracked)"
            )
        return tracked.client_order_id

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
        """Amend quantity, price or trigger price: OrderUpdated, or OrderModifyRejected."""
        self.require_credentials("modify_order")
        client_id = self._client_id_for(client_order_id, venue_order_id)
        body = amend_body(
            venue_symbol(instrument_id),
            venue_order_id.value if venue_order_id is not None else None,
            client_id.value,
            qty=quantity,
            price=price,
            trigger_price=trigger_price,
        )
        try:
            record = await self.http.http_put_order(body)
        except RequestRejected as exc:
            now = time.time_ns()
            await self.emit(
                OrderModifyRejected(
                    instrument_id=instrument_id,
                    client_order_id=client_id,
                    venue_order_id=venue_order_id,
                    account_id=ACCOUNT,
                    reason=reason_of(exc),
                    ts_event=now,
                    ts_init=now,
                )
            )
            return
        await self._apply_order(record)

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """Cancel one order: OrderCanceled, or OrderCancelRejected with the venue's reason."""
        self.require_credentials("cancel_order")
        client_id = self._client_id_for(client_order_id, venue_order_id)
        try:
            record = await self.http.http_delete_order(
                venue_symbol(instrument_id),
                order_id=venue_order_id.value if venue_order_id is not None else None,
                client_order_id=client_id.value,
            )
        except RequestRejected as exc:
            await self._cancel_rejected(instrument_id, client_id, venue_order_id, reason_of(exc))
            return
        await self._apply_order(record)

    async def _cancel_rejected(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId,
        venue_order_id: VenueOrderId | None,
        reason: str,
    ) -> None:
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

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """Cancel every open order of an instrument: one OrderCanceled each."""
        self.require_credentials("cancel_all_orders")
        for record in await self.http.http_delete_all_orders(venue_symbol(instrument_id)):
            await self._apply_order(record)

    async def batch_cancel_orders(
        self, instrument_id: InstrumentId, client_order_ids: Sequence[ClientOrderId]
    ) -> None:
        """Cancel several orders in one request: OrderCanceled or OrderCancelRejected each."""
        self.require_credentials("batch_cancel_orders")
        results = await self.http.http_post_cancel_batch(
            venue_symbol(instrument_id), [c.value for c in client_order_ids]
        )
        for result in results:
            order = result.get("order")
            if order is not None:
                await self._apply_order(order)
                continue
            error: dict[str, Any] = dict(result.get("error") or {})
            client_id = ClientOrderId(result["client_order_id"])
            tracked = self.tracker.find(client_id)
            reason = ": ".join(str(v) for v in (error.get("code"), error.get("message")) if v)
            await self._cancel_rejected(
                instrument_id,
                client_id,
                tracked.venue_order_id if tracked else None,
                reason or "refused by the venue",
            )

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
            record = await self.http.http_get_order(
                venue_symbol(instrument_id),
                order_id=venue_order_id.value if venue_order_id is not None else None,
                client_order_id=client_order_id.value if client_order_id is not None else None,
            )
        except RequestRejected as exc:
            if _is_not_found(exc):
                return None
            raise
        return parse_order_status_report(record, self._instrument(instrument_id), time.time_ns())

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """Open orders; with ``open_only=False`` also the orders closed in the window."""
        self.require_credentials("order_status_reports")
        symbol = venue_symbol(instrument_id) if instrument_id is not None else None
        async with self.http.session():
            records = await self.http.http_get_open_orders(symbol)
            if not open_only:
                records += await self.http.order_history(symbol, ms(start_ns), ms(end_ns))
        ts_init = time.time_ns()
        return [
            parse_order_status_report(r, self._instrument(instrument_id_of(r["symbol"])), ts_init)
            for r in records
        ]

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """Fills in the window (every page); without a start, the most recent ones."""
        self.require_credentials("fill_reports")
        symbol = venue_symbol(instrument_id) if instrument_id is not None else None
        records = await self.http.fills(symbol, ms(start_ns), ms(end_ns))
        ts_init = time.time_ns()
        return [
            parse_fill_report(r, self._instrument(instrument_id_of(r["symbol"])), ts_init)
            for r in records
        ]

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        """Perpetual positions (long, short, or flat)."""
        self.require_credentials("position_status_reports")
        symbol = venue_symbol(instrument_id) if instrument_id is not None else None
        records = await self.http.http_get_positions(symbol)
        ts_init = time.time_ns()
        return [
            parse_position_status_report(
                r, self._instrument(instrument_id_of(r["symbol"])), ts_init
            )
            for r in records
        ]

    async def account_state(self) -> AccountState:
        """Every balance of the account."""
        self.require_credentials("account_state")
        return parse_account_state(await self.http.http_get_balances(), time.time_ns())
