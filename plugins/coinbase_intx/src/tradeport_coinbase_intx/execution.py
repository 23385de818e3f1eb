"""The Coinbase INTX execution client: REST commands, FIX drop-copy events, reconciliation.

* Commands go over REST (``/api/v1/orders``): limit, market, stop, stop-limit,
  take-profit/stop-loss, GTC/IOC/FOK/GTT, post-only, close-only, STP mode, modify, cancel,
  cancel all. Client order ids are UUIDs at the venue: tradeport ids that are UUIDs go as they
  are, others as their UUID5 (:func:`~tradeport_coinbase_intx.http.query.venue_client_order_id`),
  mapped back on every report.
* Order events come from the FIX drop-copy session (``order_events="fix"``, the default, see
  :mod:`.fix`): every ExecutionReport goes through the core's OrderTracker, so each event and
  fill is published once although the REST answer, the drop copy (with resends after a gap)
  and reconciliation queries all report it. After a reconnect (a new FIX session at sequence
  1) a Reconnected is published and every open order is queried over REST, with its fills, so
  what happened while away is published (once).
* Without a FIX session (``order_events="poll"``) open orders are polled over REST every
  ``poll_interval`` seconds (declared in the capabilities notes).
* A rejection event only on the venue's definitive answer (HTTP 4xx); a timeout, transport
  error, 5xx or 429 on submit leaves the order in flight, resolved by querying it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import anyio
import attrs
from tradeport.clients import EventSink, ExecutionClient, InstrumentProvider, Reconnected
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.orders import OrderTracker
from tradeport.errors import RequestRejected, TradeportError, ValidationError, VenueError
from tradeport.model.events import (
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
from tradeport.net import FixMessage, StreamSession

from tradeport_coinbase_intx.capabilities import CAPABILITIES
from tradeport_coinbase_intx.config import CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import VENUE_ID
from tradeport_coinbase_intx.fix.messages import parse_execution_report
from tradeport_coinbase_intx.fix.session import make_drop_copy_session
from tradeport_coinbase_intx.http.client import CoinbaseIntxHttpClient
from tradeport_coinbase_intx.http.errors import POST_ONLY_CODE
from tradeport_coinbase_intx.http.parse import (
    ACCOUNT,
    parse_account_state,
    parse_fill_report,
    parse_order_status_report,
    parse_position_status_report,
)
from tradeport_coinbase_intx.http.query import (
    modify_body,
    order_body,
    rfc3339,
    venue_client_order_id,
)
from tradeport_coinbase_intx.symbology import instrument_id_of, venue_symbol

__all__ = ["CoinbaseIntxExecutionClient", "reason_of"]


def reason_of(error: VenueError) -> str:
    """The venue's reason for a refusal: ``CODE: message``."""
    parts = [str(p) for p in (error.venue_code, error.venue_message) if p]
    return ": ".join(parts) or str(error)


def _not_found(error: RequestRejected) -> bool:
    return error.http_status == 404


class CoinbaseIntxExecutionClient(ExecutionClient):
    """Trades one Coinbase INTX portfolio (see the module docstring)."""

    credentials_hint = (
        "set api_key, api_secret and api_passphrase, or COINBASE_INTX_API_KEY, "
        "COINBASE_INTX_API_SECRET and COINBASE_INTX_API_PASSPHRASE"
    )

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
        self.tracker = OrderTracker(ACCOUNT, adopt_external=True)
        self._tasks = BackgroundTasks(self.log, f"{VENUE_ID} execution client")
        self._drop_copy: StreamSession | None = None
        self._apply_lock: anyio.Lock | None = None
        #: Venue client order id (a UUID) -> tradeport's.
        self._client_ids: dict[str, ClientOrderId] = {}
        self.account_id = ACCOUNT

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.venue}, authenticated={self.authenticated})"

    # -- lifecycle -----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open REST; with credentials, log on the drop-copy session (or start polling)."""
        if self._tasks.is_open:
            return
        await self.http.open()
        await self._tasks.open()
        credential = self.http.credential
        if credential is None:
            self.log.info("%s: no credentials; order events are off", VENUE_ID)
            return
        try:
            if self.config.order_events == "fix":
                self._drop_copy, _ = make_drop_copy_session(
                    self.config, credential, self._on_fix, on_reconnected=self._on_reconnected
                )
                await self._tasks.start_stream(self._drop_copy)  # type: ignore[arg-type]
            else:
                await self.http.portfolio()  # refuses bad credentials now
                self._tasks.start_soon(self._poll, name="order polling")
            self.authenticated = True
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.disconnect()
            raise

    async def disconnect(self) -> None:
        """Log out of the drop copy, stop polling, close REST."""
        self.authenticated = False
        session = self._drop_copy
        if session is not None:
            try:
                with anyio.move_on_after(1):
                    await session.send_json(session.protocol.logout())  # type: ignore[attr-defined]
            except TradeportError:
                pass
            session.close()
        await self._tasks.close()
        self._drop_copy = None
        await self.http.aclose()

    @property
    def has_credentials(self) -> bool:
        """Key, secret and passphrase are set."""
        return self.http.credential is not None

    def _instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        return self.instruments.find(instrument_id) if self.instruments is not None else None

    def _lock(self) -> anyio.Lock:
        if self._apply_lock is None:
            self._apply_lock = anyio.Lock()
        return self._apply_lock

    def _ours(self, client_order_id: ClientOrderId | None) -> ClientOrderId | None:
        if client_order_id is None:
            return None
        return self._client_ids.get(client_order_id.value, client_order_id)

    # -- applying venue reports ----------------------------------------------------------------

    async def _apply_report(
        self, report: OrderStatusReport, fills: Sequence[FillReport] = (), *, fetch: bool = True
    ) -> None:
        async with self._lock():
            report = attrs.evolve(report, client_order_id=self._ours(report.client_order_id))
            fills = [attrs.evolve(f, client_order_id=report.client_order_id) for f in fills]
            if fetch and not fills and self.tracker.missing_fill_qty(report):
                try:
                    records = await self.http.fills(order_id=report.venue_order_id.value)
                    instrument = self._instrument(report.instrument_id)
                    ts_init = time.time_ns()
                    fills = [
                        attrs.evolve(
                            parse_fill_report(r, instrument, ts_init),
                            client_order_id=report.client_order_id,
                        )
                        for r in records
                    ]
                except TradeportError as exc:
                    self.log.warning(
                        "%s: fills of %s not fetched: %s", VENUE_ID, report.venue_order_id, exc
                    )
            fills = sorted(fills, key=lambda f: f.ts_event)
            await self.emit_all(self.tracker.on_order_report(report, fills))

    async def _apply_record(self, record: dict[str, Any]) -> None:
        instrument = self._instrument(instrument_id_of(record["symbol"]))
        await self._apply_report(parse_order_status_report(record, instrument, time.time_ns()))

    async def _on_fix(self, message: FixMessage) -> None:
        if message.msg_type != "8":
            return
        instrument = self._instrument(instrument_id_of(message[55]))
        report, fill = parse_execution_report(message, instrument, time.time_ns())
        await self._apply_report(report, [fill] if fill is not None else [], fetch=False)

    async def _on_reconnected(self) -> None:
        await self.emit(Reconnected(VENUE_ID, "drop copy", time.time_ns()))
        await self._reconcile_open()

    async def _reconcile_open(self) -> None:
        """Query every order still open here; fills missed while away are fetched with it."""
        for tracked in self.tracker.open_orders():
            ref = (
                tracked.venue_order_id.value
                if tracked.venue_order_id is not None
                else venue_client_order_id(tracked.client_order_id.value)
            )
            try:
                record = await self.http.http_get_order(ref, await self.http.portfolio())
            except TradeportError as exc:
                self.log.warning(
                    "%s: order %s not reconciled: %s", VENUE_ID, tracked.client_order_id, exc
                )
                continue
            await self._apply_record(record)

    async def _poll(self) -> None:
        """``order_events="poll"``: query what is open here, and new open orders, on a timer."""
        while True:
            await anyio.sleep(self.config.poll_interval)
            try:
                for record in await self.http.open_orders():
                    await self._apply_record(record)
                await self._reconcile_open()
            except TradeportError as exc:
                self.log.warning("%s: order poll failed: %s", VENUE_ID, exc)

    # -- commands ------------------------------------------------------------------------------

    def _check_supported(self, order: Order) -> None:
        if not self.capabilities.supports_order(order.order_type, order.time_in_force):
            self._unsupported("submit_order", f"{order.order_type}/{order.time_in_force}")
        unsupported = [
            name
            for name, used in (
                ("display_qty", order.display_qty is not None),
                ("quote_quantity", order.quote_quantity),
                ("position_side", order.position_side is not None),
            )
            if used
        ]
        if unsupported:
            self._unsupported("submit_order", f"{', '.join(unsupported)} not offered by the venue")

    async def submit_order(
        self, order: Order, *, stp_mode: str | None = None, take_profit_price: Any = None
    ) -> None:
        """Submit one order: OrderSubmitted, then the venue's outcome as events.

        ``stp_mode`` (NONE, AGGRESSING, RESTING, BOTH, DECREMENT) sets self-trade prevention;
        ``take_profit_price`` with a stop-limit order sends the venue's
        TAKE_PROFIT_STOP_LOSS (take profit at that price, stop loss at the stop-limit)."""
        self.require_credentials("submit_order")
        self._check_supported(order)
        body = order_body(
            order,
            venue_symbol(order.instrument_id),
            await self.http.portfolio(),
            stp_mode=stp_mode,
            take_profit_price=take_profit_price,
        )
        self._client_ids[body["client_order_id"]] = order.client_order_id
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
            record = await self.http.http_post_order(body)
        except RequestRejected as exc:
            await self.emit_all(
                self.tracker.rejected(
                    order.client_order_id,
                    reason_of(exc),
                    due_post_only=exc.venue_code == POST_ONLY_CODE,
                )
            )
            return
        except VenueError as exc:
            self.log.warning(
                "%s: outcome of order %s unknown (%s); resolving it by query",
                VENUE_ID,
                order.client_order_id,
                exc,
            )
            self._tasks.start_soon(self._resolve, body["client_order_id"], name="resolve order")
            return
        await self._apply_record(record)

    async def _resolve(self, venue_client_id: str) -> None:
        delay = self.config.http_retry_delay
        for _ in range(self.config.resolve_attempts):
            await anyio.sleep(delay)
            delay *= 2
            try:
                record = await self.http.http_get_order(
                    venue_client_id, await self.http.portfolio()
                )
            except RequestRejected as exc:
                if not _not_found(exc):
                    raise
                continue
            except VenueError:
                continue
            await self._apply_record(record)
            return
        self.log.warning(
            "%s: order %s unknown to the venue after %d queries",
            VENUE_ID,
            venue_client_id,
            self.config.resolve_attempts,
        )

    def _venue_ref(
        self, client_order_id: ClientOrderId | None, venue_order_id: VenueOrderId | None
    ) -> tuple[str, ClientOrderId]:
        tracked = self.tracker.find(client_order_id, venue_order_id)
        client_id = client_order_id or (tracked.client_order_id if tracked else None)
        if client_id is None:
            raise ValidationError(
                "client_order_id", None, f"is needed for order {venue_order_id} (not tracked)"
            )
        venue_id = venue_order_id or (tracked.venue_order_id if tracked else None)
        return (venue_id.value if venue_id else venue_client_order_id(client_id.value)), client_id

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
        """Modify size, price or stop price: OrderUpdated, or OrderModifyRejected."""
        self.require_credentials("modify_order")
        ref, client_id = self._venue_ref(client_order_id, venue_order_id)
        body = modify_body(
            await self.http.portfolio(),
            venue_client_order_id(client_id.value),
            quantity,
            price,
            trigger_price,
        )
        try:
            record = await self.http.http_put_order(ref, body)
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
        await self._apply_record(record)

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """Cancel one order: OrderCanceled, or OrderCancelRejected with the venue's reason."""
        self.require_credentials("cancel_order")
        ref, client_id = self._venue_ref(client_order_id, venue_order_id)
        try:
            record = await self.http.http_delete_order(ref, await self.http.portfolio())
        except RequestRejected as exc:
            now = time.time_ns()
            await self.emit(
                OrderCancelRejected(
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
        await self._apply_record(record)

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """Cancel every open order of an instrument: one OrderCanceled each."""
        self.require_credentials("cancel_all_orders")
        records = await self.http.http_delete_orders(
            await self.http.portfolio(), venue_symbol(instrument_id)
        )
        for record in records:
            await self._apply_record(record)

    # -- reports -------------------------------------------------------------------------------

    def _report(self, record: dict[str, Any], ts_init: int) -> OrderStatusReport:
        report = parse_order_status_report(
            record, self._instrument(instrument_id_of(record["symbol"])), ts_init
        )
        return attrs.evolve(report, client_order_id=self._ours(report.client_order_id))

    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        """The venue's view of one order (by either id), or None when it does not know it."""
        self.require_credentials("order_status_report")
        if venue_order_id is not None:
            ref = venue_order_id.value
        elif client_order_id is not None:
            ref = venue_client_order_id(client_order_id.value)
        else:
            raise ValidationError("client_order_id", None, "give client_order_id or venue_order_id")
        try:
            record = await self.http.http_get_order(ref, await self.http.portfolio())
        except RequestRejected as exc:
            if _not_found(exc):
                return None
            raise
        return self._report(record, time.time_ns())

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """Open orders (the venue lists open orders only)."""
        self.require_credentials("order_status_reports")
        records = await self.http.open_orders(
            venue_symbol(instrument_id) if instrument_id else None
        )
        ts_init = time.time_ns()
        return [self._report(r, ts_init) for r in records]

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """Fills of the portfolio since ``start_ns`` (the lookback), every page."""
        self.require_credentials("fill_reports")
        records = await self.http.fills(time_from=rfc3339(start_ns) if start_ns else None)
        ts_init = time.time_ns()
        out = []
        for record in records:
            fill = parse_fill_report(
                record, self._instrument(instrument_id_of(record["symbol"])), ts_init
            )
            if instrument_id is not None and fill.instrument_id != instrument_id:
                continue
            if end_ns is not None and fill.ts_event > end_ns:
                continue
            out.append(attrs.evolve(fill, client_order_id=self._ours(fill.client_order_id)))
        return out

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        """Positions of the portfolio."""
        self.require_credentials("position_status_reports")
        records = await self.http.http_get_positions(await self.http.portfolio())
        ts_init = time.time_ns()
        reports = [
            parse_position_status_report(
                r, self._instrument(instrument_id_of(r["symbol"])), ts_init
            )
            for r in records
        ]
        return [r for r in reports if instrument_id is None or r.instrument_id == instrument_id]

    async def account_state(self) -> AccountState:
        """Every balance of the portfolio."""
        self.require_credentials("account_state")
        return parse_account_state(
            await self.http.http_get_balances(await self.http.portfolio()), time.time_ns()
        )
