"""BitMEX execution client: orders over REST, order state from the private stream.

Commands go over REST (``POST/PUT/DELETE /order``, ``DELETE /order/all``); BitMEX answers with
the order record, and the private tables ``order`` and ``execution`` stream every change. The
plugin parses each record into an OrderStatusReport or a FillReport and feeds the core
:class:`~tradeport.clients.orders.OrderTracker`, which publishes each order event exactly once
(fills keyed by ``trdMatchID``), whichever path brings it first. What stays here is BitMEX's:
the ``order`` table pushes updates as the order key and the changed columns only, so they are
merged into the order's last full row before parsing; ``triggered`` gives ``ts_triggered``; a
post-only cancel (``text`` naming ParticipateDoNotInitiate) is a post-only rejection.

Outcomes: a rejection is published only on definitive evidence (an ``ordStatus`` of Rejected,
or a 4xx refusal). A timeout, transport error, 5xx or rate limit leaves the order in flight and
it is resolved by querying ``GET /order`` with its client order id. After a reconnection of the
private stream, recent orders and fills are fetched again so nothing missed is lost (the
tracker drops what was already seen).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import anyio
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import ExecutionClient, Reconnected
from tradeport.clients.orders import OrderTracker
from tradeport.errors import (
    RequestRejected,
    TradeportError,
    ValidationError,
    VenueError,
)
from tradeport.model.enums import OrderStatus
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

from tradeport_bitmex.config import BitmexConfig
from tradeport_bitmex.conversions import parse_timestamp_ns
from tradeport_bitmex.http.client import BitmexHttpClient
from tradeport_bitmex.http.parse import (
    instrument_id_of,
    parse_account_state,
    parse_fill_report,
    parse_order_status_report,
    parse_position_status_report,
)
from tradeport_bitmex.http.query import (
    Params,
    amend_form,
    cancel_form,
    filter_json,
    history_query,
    order_form,
)
from tradeport_bitmex.websocket.client import bitmex_ws_client

__all__ = ["PRIVATE_TOPICS", "BitmexExecutionClient"]

PRIVATE_TOPICS = ["order", "execution", "position", "margin", "wallet"]
#: Keys BitMEX's private tables use (update rows carry only keys and changed fields).
_TABLE_KEYS = {
    "position": ("account", "symbol"),
    "margin": ("account", "currency"),
    "wallet": ("account", "currency"),
}
_POST_ONLY_MARKERS = ("ParticipateDoNotInitiate", "post-only", "Post-only")
#: Recent orders and fills fetched again after a reconnection.
_RECOVERY_COUNT = 200


class BitmexExecutionClient(ExecutionClient):
    """Trading on BitMEX (see the module docstring)."""

    def __init__(
        self,
        venue: str,
        config: BitmexConfig,
        *,
        http: BitmexHttpClient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(venue, config, **kwargs)
        self._own_http = http is None
        self.http = http or BitmexHttpClient(config)
        self.stream = bitmex_ws_client(
            config,
            self._on_message,
            name="bitmex-private",
            signer=self.http.signer,
            on_reconnected=self._on_reconnected,
        )
        self._tasks = BackgroundTasks(self.log, "bitmex-execution")
        #: Order events exactly once, whatever path BitMEX reports on (core tracker). Orders
        #: with a clOrdID placed elsewhere (web page, another session) are adopted, as before.
        #: An ordStatus=Rejected row of an order already accepted closes it as OrderCanceled:
        #: OrderRejected means "the submission was refused" (never after OrderAccepted), the
        #: rule the tracker applies for every venue; the venue's text is logged.
        self.tracker = OrderTracker(adopt_external=True, post_only_rejection=_is_post_only_text)
        #: Last full row of each open tracked order, to complete BitMEX's update rows.
        self._order_rows: dict[str, dict[str, Any]] = {}
        #: The tracker is fed, and its events published, by one task at a time.
        self._lock = anyio.Lock()
        self._rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {
            table: {} for table in _TABLE_KEYS
        }

    # -- lifecycle ------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the private stream (login with ``authKeyExpires``) and subscribe the account
        tables. Without credentials nothing is opened (private calls then raise
        MissingCredentials before any request)."""
        if not self.http.has_credentials:
            self.log.info("no credentials: the private stream is not opened")
            return
        if self._tasks.is_open:
            return
        await self._tasks.open()
        try:
            await self._tasks.start_stream(self.stream)
        except BaseException:
            self.authenticated = False
            await self._tasks.close()
            raise
        # start_stream() returns only after BitMEX acknowledged authKeyExpires; a fatal error
        # later is logged and kept in stream_error, never raised into the caller.
        self.authenticated = self.stream.is_authenticated
        await self.stream.subscribe(PRIVATE_TOPICS)

    @property
    def stream_error(self) -> TradeportError | None:
        """The fatal error that stopped the stream after its first connection, if one did."""
        return self._tasks.stream_error

    async def disconnect(self) -> None:
        """Close the stream and the REST client."""
        self.authenticated = False
        self.stream.close()
        await self._tasks.close()
        if self._own_http:
            await self.http.aclose()

    @property
    def has_credentials(self) -> bool:
        """Credentials as the HTTP client resolved them (config or environment)."""
        return bool(self.http.has_credentials)

    def _instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        return self.instruments.find(instrument_id) if self.instruments is not None else None

    async def _load_instrument(self, instrument_id: InstrumentId) -> Instrument:
        if self.instruments is None:
            raise ValidationError("instruments", None, "the execution client needs a provider")
        found = self.instruments.find(instrument_id)
        return found if found is not None else await self.instruments.load(instrument_id)

    async def _apply(self, make: Callable[..., list[AnyOrderEvent]], *args: Any, **kw: Any) -> None:
        """Feed the tracker (``make(*args, **kw)``) and publish its events, under the lock."""
        async with self._lock:
            for event in make(*args, **kw):
                await self.emit(event)

    # -- commands -------------------------------------------------------------------------------

    async def submit_order(self, order: Order) -> None:
        """``POST /order``; events follow (accepted, rejected, fills...)."""
        self.require_credentials("submit_order")
        form = order_form(order)  # invalid combinations raise before anything is sent
        self.tracker.track(order)
        now = time.time_ns()
        await self.emit(
            OrderSubmitted(
                instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
                ts_event=now,
                ts_init=now,
            )
        )
        try:
            row = await self.http.http_post_order(form)
        except RequestRejected as error:
            reason = error.venue_message or str(error)
            due_post_only = _is_post_only_text(error.venue_message)
            await self._apply(
                self.tracker.rejected, order.client_order_id, reason, due_post_only=due_post_only
            )
            return
        except VenueError as error:
            # Ambiguous (timeout, 5xx, rate limit): in flight until a query says otherwise.
            self.log.warning(
                "submit %s: outcome unknown (%s); querying", order.client_order_id, error
            )
            await self._resolve(order.instrument_id, order.client_order_id)
            return
        await self._on_order_row(row)

    async def _resolve(self, instrument_id: InstrumentId, client_order_id: ClientOrderId) -> None:
        """Look an in-flight order up by client order id and apply what the venue says."""
        try:
            rows = await self.http.http_get_order(
                [
                    ("symbol", instrument_id.symbol.value),
                    ("filter", filter_json({"clOrdID": client_order_id.value})),
                ]
            )
        except TradeportError as error:
            self.log.warning("could not resolve %s yet: %s", client_order_id, error)
            return
        for row in rows:
            await self._on_order_row(row, reconciliation=True)

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
        """``PUT /order`` (by ``orderID`` or ``origClOrdID``)."""
        self.require_credentials("modify_order")
        form = amend_form(
            order_id=venue_order_id.value if venue_order_id else None,
            orig_cl_ord_id=client_order_id.value if client_order_id else None,
            quantity=quantity,
            price=price,
            trigger_price=trigger_price,
        )
        try:
            row = await self.http.http_put_order(form)
        except RequestRejected as error:
            cid = self._client_id_of(client_order_id, venue_order_id)
            if cid is not None:
                await self.emit(
                    OrderModifyRejected(
                        instrument_id=instrument_id,
                        client_order_id=cid,
                        venue_order_id=venue_order_id,
                        reason=error.venue_message or str(error),
                        ts_event=time.time_ns(),
                        ts_init=time.time_ns(),
                    )
                )
            return
        await self._on_order_row(row)  # the amended row: OrderUpdated unless already published

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """``DELETE /order`` for one order."""
        self.require_credentials("cancel_order")
        form = cancel_form(
            [venue_order_id.value] if venue_order_id else [],
            [client_order_id.value] if client_order_id and not venue_order_id else [],
        )
        await self._cancel(instrument_id, form, [(client_order_id, venue_order_id)])

    async def batch_cancel_orders(
        self, instrument_id: InstrumentId, client_order_ids: Sequence[ClientOrderId]
    ) -> None:
        """``DELETE /order`` with several ``clOrdID``s at once."""
        self.require_credentials("batch_cancel_orders")
        ids = list(client_order_ids)
        await self._cancel(
            instrument_id, cancel_form([], [c.value for c in ids]), [(c, None) for c in ids]
        )

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """``DELETE /order/all`` for the instrument."""
        self.require_credentials("cancel_all_orders")
        rows = await self.http.http_delete_order_all([("symbol", instrument_id.symbol.value)])
        for row in rows:
            await self._on_order_row(row)

    async def _cancel(
        self,
        instrument_id: InstrumentId,
        form: list[Any],
        targets: list[tuple[ClientOrderId | None, VenueOrderId | None]],
    ) -> None:
        try:
            rows = await self.http.http_delete_order(form)
        except RequestRejected as error:
            for cid, vid in targets:
                await self._cancel_rejected(
                    instrument_id, cid, vid, error.venue_message or str(error)
                )
            return
        for row in rows:
            if row.get("error"):
                cid = ClientOrderId(row["clOrdID"]) if row.get("clOrdID") else None
                vid = VenueOrderId(row["orderID"]) if row.get("orderID") else None
                await self._cancel_rejected(instrument_id, cid, vid, str(row["error"]))
            else:
                await self._on_order_row(row)

    async def _cancel_rejected(
        self,
        instrument_id: InstrumentId,
        cid: ClientOrderId | None,
        vid: VenueOrderId | None,
        reason: str,
    ) -> None:
        cid = self._client_id_of(cid, vid)
        if cid is None:
            self.log.warning("cancel refused for an unknown order %s: %s", vid, reason)
            return
        now = time.time_ns()
        await self.emit(
            OrderCancelRejected(
                instrument_id=instrument_id,
                client_order_id=cid,
                venue_order_id=vid,
                reason=reason,
                ts_event=now,
                ts_init=now,
            )
        )

    def _client_id_of(
        self, client_order_id: ClientOrderId | None, venue_order_id: VenueOrderId | None
    ) -> ClientOrderId | None:
        tracked = self.tracker.find(client_order_id, venue_order_id)
        return client_order_id or (tracked.client_order_id if tracked is not None else None)

    # -- order and execution rows -> the tracker ------------------------------------------------

    def _full_order_row(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The row completed from the order's last full row (BitMEX's update rows carry only
        ``orderID`` and the changed columns); None when no full row of the order is known."""
        known = self._order_rows.get(row.get("orderID") or "")
        if known is None:
            merged = row
        elif row.get("timestamp") and _ts(row) < _ts(known):
            merged = {**row, **known}  # an older row (a late REST answer) only fills gaps
        else:
            merged = {**known, **row}
        if not (merged.get("orderID") and merged.get("symbol") and merged.get("ordStatus")):
            return None
        return merged

    async def _on_order_row(self, row: dict[str, Any], *, reconciliation: bool = False) -> None:
        """One order record (full, or an update with the key and changes) -> the tracker."""
        async with self._lock:
            full = self._full_order_row(row)
            if full is None:
                return
            instrument = self._instrument(instrument_id_of(full["symbol"]))
            if instrument is None:
                self.log.warning("order %s of an unloaded instrument", full["orderID"])
                return
            report = parse_order_status_report(full, instrument, time.time_ns())
            tracked = self.tracker.find(report.client_order_id, report.venue_order_id)
            rejected = report.order_status is OrderStatus.REJECTED
            if rejected and tracked is not None and tracked.accepted and not tracked.closed:
                # Published as OrderCanceled (see self.tracker), which has no reason: log it.
                self.log.warning(
                    "order %s rejected after acceptance (%s): canceled",
                    tracked.client_order_id,
                    report.cancel_reason,
                )
            events = self.tracker.on_order_report(report, reconciliation=reconciliation)
            tracked = self.tracker.find(report.client_order_id, report.venue_order_id)
            if tracked is None or tracked.closed:  # rows kept only for what can still change
                self._order_rows.pop(full["orderID"], None)
            else:
                self._order_rows[full["orderID"]] = full
            for event in events:
                await self.emit(event)

    async def _on_execution_row(self, row: dict[str, Any], *, reconciliation: bool = False) -> None:
        if row.get("execType") != "Trade":
            if row.get("ordStatus"):
                await self._on_order_row(row, reconciliation=reconciliation)
            return
        instrument = self._instrument(instrument_id_of(row.get("symbol") or "?"))
        if instrument is None or not row.get("execID"):
            return
        fill = parse_fill_report(row, instrument, time.time_ns())
        await self._apply(self.tracker.on_fill_report, fill, reconciliation=reconciliation)

    # -- the private stream ----------------------------------------------------------------------

    async def _on_message(self, message: Any) -> None:
        table = message.get("table") if isinstance(message, dict) else None
        rows = message.get("data") if isinstance(message, dict) else None
        if not isinstance(rows, list):
            self.log.warning("unhandled BitMEX message: %.200r", message)
            return
        try:
            if table == "order":
                for row in rows:
                    await self._on_order_row(row)
            elif table == "execution":
                for row in rows:
                    await self._on_execution_row(row)
            elif table == "position":
                await self._on_positions(message.get("action") or "", rows)
            elif table in ("margin", "wallet"):
                await self._on_balances(table, message.get("action") or "", rows)
            else:
                self.log.warning("unhandled BitMEX table %r", table)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            self.log.debug("event sink closed: %s message dropped", table)
        except (KeyError, ValueError, TypeError) as exc:
            self.log.warning("bad BitMEX %s message (%s: %s)", table, type(exc).__name__, exc)

    def _merge(self, table: str, action: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Keep full records of a keyed table; return the records the rows touched."""
        store = self._rows[table]
        keys = _TABLE_KEYS[table]
        if action == "partial":
            store.clear()
        touched = []
        for row in rows:
            key = tuple(row.get(k) for k in keys)
            if action == "delete":
                store.pop(key, None)
                continue
            record = store.setdefault(key, {})
            record.update(row)
            touched.append(record)
        return touched

    async def _on_positions(self, action: str, rows: list[dict[str, Any]]) -> None:
        ts_init = time.time_ns()
        for record in self._merge("position", action, rows):
            instrument = self._instrument(instrument_id_of(record.get("symbol") or "?"))
            if instrument is not None:
                await self.emit(parse_position_status_report(record, instrument, ts_init))

    async def _on_balances(self, table: str, action: str, rows: list[dict[str, Any]]) -> None:
        self._merge(table, action, rows)
        if not self._rows["margin"] and not self._rows["wallet"]:
            return
        await self.emit(
            parse_account_state(
                list(self._rows["margin"].values()),
                time.time_ns(),
                list(self._rows["wallet"].values()),
            )
        )

    async def _on_reconnected(self) -> None:
        self.authenticated = self.stream.is_authenticated
        await self.emit(Reconnected(self.venue, "private", time.time_ns()))
        await self.recover()

    async def recover(self) -> None:
        """Fetch recent orders and fills and apply what was missed (after a reconnection)."""
        try:
            orders = await self.http.http_get_order([("count", _RECOVERY_COUNT), ("reverse", True)])
            fills = await self.http.http_get_execution_trade_history(
                [("count", _RECOVERY_COUNT), ("reverse", True)]
            )
        except TradeportError as error:
            self.log.warning("recovery after reconnect failed: %s", error)
            return
        # Oldest first, so events keep the venue's order.
        for row in reversed(fills):
            await self._on_execution_row(
                {**row, "execType": row.get("execType") or "Trade"}, reconciliation=True
            )
        for row in reversed(orders):
            await self._on_order_row(row, reconciliation=True)

    # -- reports ----------------------------------------------------------------------------------

    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        """``GET /order`` filtered by ``orderID`` or ``clOrdID``."""
        self.require_credentials("order_status_report")
        if venue_order_id is None and client_order_id is None:
            raise ValidationError("order", None, "needs a venue order id or a client order id")
        instrument = await self._load_instrument(instrument_id)
        if venue_order_id is not None:
            condition = {"orderID": venue_order_id.value}
        else:
            assert client_order_id is not None  # checked above
            condition = {"clOrdID": client_order_id.value}
        rows = await self.http.http_get_order(
            [("symbol", instrument_id.symbol.value), ("filter", filter_json(condition))]
        )
        if not rows:
            return None
        return parse_order_status_report(rows[0], instrument, time.time_ns())

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """``GET /order`` (``filter={"open":true}`` when ``open_only``), paged."""
        self.require_credentials("order_status_reports")
        symbol = instrument_id.symbol.value if instrument_id else None

        async def fetch(offset: int, count: int) -> list[dict[str, Any]]:
            return await self.http.http_get_order(
                history_query(
                    symbol,
                    start_ns=start_ns,
                    end_ns=end_ns,
                    count=count,
                    start=offset or None,
                    conditions={"open": True} if open_only else None,
                )
            )

        return await self._parse_rows(await self.http.pages(fetch), parse_order_status_report)

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """``GET /execution/tradeHistory`` over [start, end], paged; one report per execID."""
        self.require_credentials("fill_reports")
        symbol = instrument_id.symbol.value if instrument_id else None

        async def fetch(offset: int, count: int) -> list[dict[str, Any]]:
            return await self.http.http_get_execution_trade_history(
                history_query(
                    symbol, start_ns=start_ns, end_ns=end_ns, count=count, start=offset or None
                )
            )

        rows, seen = [], set()
        for row in await self.http.pages(fetch):
            if row.get("execType", "Trade") == "Trade" and row.get("execID") not in seen:
                seen.add(row.get("execID"))
                rows.append(row)
        return await self._parse_rows(rows, parse_fill_report)

    async def _parse_rows(self, rows: list[dict[str, Any]], parse: Any) -> list[Any]:
        out = []
        ts_init = time.time_ns()
        for row in rows:
            iid = instrument_id_of(row["symbol"])
            instrument = self._instrument(iid) or await self._load_instrument(iid)
            out.append(parse(row, instrument, ts_init))
        return out

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        """``GET /position`` (flat positions included when BitMEX still lists them)."""
        self.require_credentials("position_status_reports")
        params: Params | None = (
            [("filter", filter_json({"symbol": instrument_id.symbol.value}))]
            if instrument_id
            else None
        )
        rows = await self.http.http_get_position(params)
        if instrument_id is not None:
            rows = [r for r in rows if r.get("symbol") == instrument_id.symbol.value]
        return await self._parse_rows(rows, parse_position_status_report)

    async def account_state(self) -> AccountState:
        """``GET /user/margin?currency=all`` and ``GET /user/wallet?currency=all``."""
        self.require_credentials("account_state")
        margins = await self.http.http_get_user_margin()
        wallets = await self.http.http_get_user_wallet()
        return parse_account_state(margins, time.time_ns(), wallets)


def _is_post_only_text(text: str | None) -> bool:
    return bool(text) and any(marker in text for marker in _POST_ONLY_MARKERS)  # type: ignore[operator]


def _ts(row: dict[str, Any]) -> int:
    return parse_timestamp_ns(row["timestamp"]) if row.get("timestamp") else 0
