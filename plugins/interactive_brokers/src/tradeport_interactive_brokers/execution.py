"""The Interactive Brokers execution client: orders over the TWS API (client id ``client_id``).

* **Ids.** Order ids come from ``nextValidId`` and increase per client id (across reconnects
  too); the client order id travels as the order's ``orderRef``; the venue order id is IB's
  ``permId`` (stable across sessions and clients).
* **Commands.** ``placeOrder`` (the instrument is resolved first: an option's contract is looked
  up before the order is sent); modify re-places the *same* order id with the new values;
  ``cancelOrder``; ``reqGlobalCancel`` (:meth:`global_cancel`); ``cancel_all_orders`` cancels
  this client's open orders of one instrument.
* **Events.** ``openOrder`` / ``orderStatus`` drive accepted, updated, canceled; error 201 is a
  rejection (of a modify, once accepted); ``execDetails`` joined with ``commissionReport`` by
  execution id gives each fill exactly once with its commission (the core's OrderTracker).
* **Reconciliation.** ``reqAllOpenOrders`` (open orders of every client), ``reqExecutions``
  (today's fills), ``reqPositions``, ``reqAccountSummary`` (AccountState) for the account chosen
  in the config (default: the first managed account).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import anyio
import attrs
from tradeport.clients.base import ExecutionClient, InstrumentProvider, Reconnected
from tradeport.clients.orders import OrderTracker
from tradeport.clients.resolution import InstrumentQuery
from tradeport.errors import ConfigError, OrderRejected, UnknownInstrument, UnsupportedOperation
from tradeport.model.enums import (
    AccountType,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    TrailingOffsetType,
)
from tradeport.model.events import OrderCancelRejected, OrderModifyRejected
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    VenueOrderId,
)
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Money
from tradeport.model.orders import Order, OrderList
from tradeport.model.reports import (
    AccountBalance,
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)

from tradeport_interactive_brokers.config import InteractiveBrokersConfig
from tradeport_interactive_brokers.constants import (
    CANNOT_CANCEL,
    CAPABILITIES,
    ORDER_CANCELED,
    OUTSIDE_RTH_TAG,
    VENUE_ID,
    In,
)
from tradeport_interactive_brokers.contract import Contract
from tradeport_interactive_brokers.data import contract_of
from tradeport_interactive_brokers.gateway.client import GatewayRunner, IbGateway
from tradeport_interactive_brokers.messages import (
    OrderFields,
    cancel_order,
    place_order,
    req_account_summary,
    req_all_open_orders,
    req_completed_orders,
    req_executions,
    req_global_cancel,
    req_positions,
)
from tradeport_interactive_brokers.parse import (
    CommissionReport,
    CompletedOrder,
    ErrorMessage,
    Execution,
    OpenOrder,
    parse_account_summary,
    parse_commission_report,
    parse_completed_order,
    parse_execution,
    parse_open_order,
    parse_order_status,
    parse_position,
)
from tradeport_interactive_brokers.parse import (
    OrderStatus as IbOrderStatus,
)
from tradeport_interactive_brokers.wire import ProtocolError

__all__ = ["InteractiveBrokersExecutionClient", "order_fields", "IB_ORDER_TYPES"]

#: Core order type -> IB order type.
IB_ORDER_TYPES = {
    OrderType.MARKET: "MKT",
    OrderType.LIMIT: "LMT",
    OrderType.STOP_MARKET: "STP",
    OrderType.STOP_LIMIT: "STP LMT",
    OrderType.MARKET_IF_TOUCHED: "MIT",
    OrderType.LIMIT_IF_TOUCHED: "LIT",
    OrderType.TRAILING_STOP_MARKET: "TRAIL",
    OrderType.TRAILING_STOP_LIMIT: "TRAIL LIMIT",
}
_CORE_TYPES = {v: k for k, v in IB_ORDER_TYPES.items()}
#: IB's on-the-close order types: their core type (the time in force is AT_THE_CLOSE).
_ON_CLOSE_TYPES = {"MOC": OrderType.MARKET, "LOC": OrderType.LIMIT}
_TIFS = {
    TimeInForce.DAY: "DAY",
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
    TimeInForce.GTD: "GTD",
    TimeInForce.AT_THE_OPEN: "OPG",
}
_CORE_TIFS = {v: k for k, v in _TIFS.items()}
#: IB order statuses -> core statuses.
_STATUS = {
    "PendingSubmit": OrderStatus.SUBMITTED,
    "ApiPending": OrderStatus.SUBMITTED,
    "PreSubmitted": OrderStatus.ACCEPTED,
    "Submitted": OrderStatus.ACCEPTED,
    "PendingCancel": OrderStatus.PENDING_CANCEL,
    "ApiCancelled": OrderStatus.CANCELED,
    "Cancelled": OrderStatus.CANCELED,
    "Filled": OrderStatus.FILLED,
    "Inactive": OrderStatus.REJECTED,
}
_NS = 1_000_000_000


def order_fields(order: Order, account: str) -> OrderFields:
    """The IB order for a core order: type and time in force mapped, market/limit on the open
    as ``OPG`` and on the close as ``MOC`` / ``LOC``, trailing stops by amount or percent;
    the tag ``outsideRth`` (:data:`OUTSIDE_RTH_TAG`) lets it work outside regular hours."""
    tif = order.time_in_force
    ib_type = IB_ORDER_TYPES.get(order.order_type)
    if ib_type is None:
        raise UnsupportedOperation(VENUE_ID, f"order type {order.order_type}")
    if tif is TimeInForce.AT_THE_CLOSE:
        if order.order_type not in (OrderType.MARKET, OrderType.LIMIT):
            raise UnsupportedOperation(VENUE_ID, f"{order.order_type} at the close")
        ib_type, ib_tif = ("MOC" if order.order_type is OrderType.MARKET else "LOC"), "DAY"
    else:
        ib_tif = _TIFS.get(tif)  # type: ignore[assignment]
        if ib_tif is None:
            raise UnsupportedOperation(VENUE_ID, f"time in force {tif}")
    good_till = ""
    if tif is TimeInForce.GTD:
        if order.expire_time_ns is None:
            raise OrderRejected("GTD order without expire_time_ns", venue=VENUE_ID)
        good_till = datetime.fromtimestamp(order.expire_time_ns / _NS, UTC).strftime(
            "%Y%m%d %H:%M:%S UTC"
        )
    aux = order.trigger_price.as_decimal() if order.trigger_price is not None else None
    trailing_percent = None
    if order.order_type in (OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT):
        offset = order.trailing_offset
        if order.trailing_offset_type is TrailingOffsetType.BASIS_POINTS and offset is not None:
            trailing_percent, aux = offset / 100, None
        else:
            aux = offset
    return OrderFields(
        action="BUY" if order.side is OrderSide.BUY else "SELL",
        total_quantity=order.quantity.as_decimal(),
        order_type=ib_type,
        lmt_price=order.price.as_decimal() if order.price is not None else None,
        aux_price=aux,
        tif=ib_tif,
        account=account,
        order_ref=str(order.client_order_id),
        display_size=int(order.display_qty.as_decimal()) if order.display_qty is not None else None,
        good_till_date=good_till,
        outside_rth=OUTSIDE_RTH_TAG in order.tags,
        trailing_percent=trailing_percent,
        trail_stop_price=order.trigger_price.as_decimal()
        if order.order_type in (OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT)
        and order.trigger_price is not None
        else None,
    )


@attrs.define
class _Placed:
    """What the client knows of one order it placed."""

    order_id: int
    instrument: Instrument
    fields: OrderFields
    client_order_id: ClientOrderId
    perm_id: int = 0
    last_error: str = ""
    modifying: bool = False
    cancel_requested: bool = False
    order: Order | None = None


class InteractiveBrokersExecutionClient(ExecutionClient):
    """Orders, fills and reconciliation through TWS (see the module docstring)."""

    def __init__(
        self,
        config: InteractiveBrokersConfig,
        *,
        instruments: InstrumentProvider | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, instruments=instruments, **kwargs)
        self.config: InteractiveBrokersConfig = config
        self.gateway = IbGateway(
            config,
            client_id=config.client_id,
            name="ib-execution",
            on_reconnected=self._on_reconnected,
        )
        self.gateway.order_listener = self._on_order_message
        self.gateway.order_error_listener = self._on_order_error
        self.tracker = OrderTracker()
        self.account: str | None = config.account
        self._runner = GatewayRunner(self.gateway, self.log)
        self._placed: dict[int, _Placed] = {}
        self._by_client_id: dict[ClientOrderId, _Placed] = {}
        self._by_perm: dict[int, _Placed] = {}
        #: Executions waiting for their commission report, by execution id.
        self._executions: dict[str, Execution] = {}
        #: Every commission report seen (bounded), by execution id: joined with executions
        #: whichever comes first, and with executions asked for again.
        self._commission_log: OrderedDict[str, CommissionReport] = OrderedDict()
        self._lock = anyio.Lock()

    # -- lifecycle ------------------------------------------------------------------------------

    #: Told to the user when a read-only session is asked to trade.
    credentials_hint = "the session is read_only (InteractiveBrokersConfig.read_only)"

    async def connect(self) -> None:
        if self._runner.started or self.config.read_only:
            return  # a read-only session opens no execution connection
        await self._runner.start()
        accounts = self.gateway.accounts
        if self.account is None:
            self.account = accounts[0] if accounts else ""
        elif accounts and self.account not in accounts:
            await self.disconnect()
            raise ConfigError(
                f"InteractiveBrokersConfig.account: {self.account!r} is not a managed account "
                f"of this login ({', '.join(accounts)})",
                field="account",
            )
        self.tracker.account_id = AccountId(f"{VENUE_ID}-{self.account}")
        self.authenticated = True

    async def disconnect(self) -> None:
        await self._runner.stop()
        self.authenticated = False

    async def _on_reconnected(self) -> None:
        await self.emit(Reconnected(VENUE_ID, "tws-orders", time.time_ns()))
        # Queried on a task of its own: the answers are read by the connection's reader,
        # which is what runs this callback.
        self._runner.tasks.start_soon(self._recover, name="ib-execution-recover")

    async def _recover(self) -> None:
        """After a reconnect: the executions TWS made meanwhile (TWS does not push them
        again), each fill published once through the tracker."""
        try:
            fills = await self.fill_reports()
        except Exception as exc:  # logged: the next reconnect tries again
            self.log.warning("reconciliation after reconnect failed: %s", exc)
            return
        async with self._lock:
            for fill in fills:
                await self.emit_all(self.tracker.on_fill_report(fill, reconciliation=True))
        try:
            still_open = {r.venue_order_id for r in await self.order_status_reports()}
            completed = {r.venue_order_id: r for r in await self.completed_orders()}
        except Exception as exc:
            self.log.warning("open orders after reconnect failed: %s", exc)
            return
        async with self._lock:
            for tracked in self.tracker.open_orders():
                placed = self._by_client_id.get(tracked.client_order_id)
                if placed is None or not placed.perm_id or not tracked.accepted:
                    continue
                venue_id = VenueOrderId(str(placed.perm_id))
                if venue_id in still_open:
                    continue
                done = completed.get(venue_id)
                if done is not None and done.order_status is OrderStatus.FILLED:
                    continue  # its fills (reqExecutions, above) close it
                if done is not None and done.order_status is OrderStatus.EXPIRED:
                    await self.emit_all(self.tracker.on_order_report(done, reconciliation=True))
                    continue
                # It ended while the client was away and TWS's completed orders do not say
                # it filled: an unrequested end of a GTD or DAY order is its expiry (TWS
                # reports those as Cancelled too), anything else a cancel.
                if placed.fields.tif in ("GTD", "DAY") and not placed.cancel_requested:
                    status = IbOrderStatus(
                        placed.order_id,
                        "Cancelled",
                        tracked.filled_qty,
                        Decimal(0),
                        Decimal(0),
                        placed.perm_id,
                        0,
                        Decimal(0),
                        self.config.client_id,
                        "",
                    )
                    events = self.tracker.on_order_report(
                        self._expired(placed, venue_id, status), reconciliation=True
                    )
                else:
                    events = self.tracker.canceled(tracked.client_order_id, venue_id)
                await self.emit_all(events)

    async def _ready(self, operation: str = "execution") -> None:
        self.require_credentials(operation)
        if not self._runner.started:
            await self.connect()

    # -- commands -------------------------------------------------------------------------------

    async def submit_order(self, order: Order) -> None:
        await self._place_new(order)

    async def submit_order_list(self, order_list: OrderList) -> None:
        """The orders as one OCA group named by the list id (ocaType 1: when one fills, TWS
        cancels the others). A bracket (entry with exits that wait for it) is
        :meth:`submit_bracket`."""
        for order in order_list.orders:
            await self._place_new(order, oca_group=str(order_list.order_list_id), oca_type=1)

    async def submit_bracket(self, entry: Order, take_profit: Order, stop_loss: Order) -> None:
        """A bracket order as IB builds one: the entry, then the take-profit and the stop-loss
        as its children (``parentId``), sent with ``transmit`` false until the last one, so
        TWS activates the exits only when the entry fills and cancels one when the other fills."""
        parent_id = await self._place_new(entry, transmit=False)
        await self._place_new(take_profit, parent_id=parent_id, transmit=False)
        await self._place_new(stop_loss, parent_id=parent_id, transmit=True)

    async def _place_new(self, order: Order, **overrides: Any) -> int:
        self.require_credentials("submit_order")  # before the lookup: nothing leaves
        instrument = await self.ensure_instrument(order.instrument_id)
        await self._ready()
        fields = order_fields(order, self.account or "")
        if overrides:
            fields = attrs.evolve(fields, **overrides)
        order_id = self.gateway.next_order_id()
        placed = _Placed(order_id, instrument, fields, order.client_order_id, order=order)
        self._placed[order_id] = placed
        self._by_client_id[order.client_order_id] = placed
        self.tracker.track(order)
        await self.gateway.send(
            place_order(order_id, contract_of(instrument), fields, self.gateway.server_version)
        )
        return order_id

    def _find(
        self, client_order_id: ClientOrderId | None, venue_order_id: VenueOrderId | None
    ) -> _Placed | None:
        if client_order_id is not None and client_order_id in self._by_client_id:
            return self._by_client_id[client_order_id]
        if venue_order_id is not None:
            try:
                return self._by_perm.get(int(venue_order_id.value))
            except ValueError:
                return None
        return None

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
        """Re-place the same order id with the new quantity / price / trigger price."""
        await self._ready()
        placed = self._find(client_order_id, venue_order_id)
        if placed is None:
            await self._emit_modify_rejected(
                instrument_id, client_order_id, venue_order_id, "unknown order"
            )
            return
        changes: dict[str, Any] = {}
        if quantity is not None:
            changes["total_quantity"] = Decimal(
                str(getattr(quantity, "as_decimal", lambda: quantity)())
            )
        if price is not None:
            changes["lmt_price"] = Decimal(str(getattr(price, "as_decimal", lambda: price)()))
        if trigger_price is not None:
            changes["aux_price"] = Decimal(
                str(getattr(trigger_price, "as_decimal", lambda: trigger_price)())
            )
        placed.fields = attrs.evolve(placed.fields, **changes)
        placed.modifying = True
        await self.gateway.send(
            place_order(
                placed.order_id,
                contract_of(placed.instrument),
                placed.fields,
                self.gateway.server_version,
            )
        )

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        await self._ready()
        placed = self._find(client_order_id, venue_order_id)
        if placed is None:
            # TWS would answer 10147 for an id it does not know; an id this client never
            # used cannot even be named.
            await self.emit(
                OrderCancelRejected(
                    instrument_id=instrument_id,
                    client_order_id=client_order_id
                    or ClientOrderId(str(venue_order_id or "unknown")),
                    venue_order_id=venue_order_id,
                    reason="unknown order (not placed by this client)",
                    ts_event=time.time_ns(),
                    ts_init=time.time_ns(),
                )
            )
            return
        placed.cancel_requested = True
        await self.gateway.send(cancel_order(placed.order_id, self.gateway.server_version))

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """Cancel this client's open orders of ``instrument_id``."""
        await self._ready()
        for tracked in self.tracker.open_orders():
            if tracked.instrument_id != instrument_id:
                continue
            placed = self._by_client_id.get(tracked.client_order_id)
            if placed is not None:
                placed.cancel_requested = True
                await self.gateway.send(cancel_order(placed.order_id, self.gateway.server_version))

    async def global_cancel(self) -> None:
        """reqGlobalCancel: every open order of the account, from every client and TWS."""
        await self._ready()
        await self.gateway.send(req_global_cancel())

    async def _emit_modify_rejected(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None,
        venue_order_id: VenueOrderId | None,
        reason: str,
    ) -> None:
        now = time.time_ns()
        await self.emit(
            OrderModifyRejected(
                instrument_id=instrument_id,
                client_order_id=client_order_id or ClientOrderId(str(venue_order_id or "unknown")),
                venue_order_id=venue_order_id,
                reason=reason,
                ts_event=now,
                ts_init=now,
            )
        )

    # -- stream ---------------------------------------------------------------------------------

    async def _on_order_message(self, fields: list[str]) -> None:
        msg_id = fields[0]
        async with self._lock:
            if msg_id == str(In.OPEN_ORDER):
                await self._on_open_order(parse_open_order(fields, self.gateway.server_version))
            elif msg_id == str(In.ORDER_STATUS):
                await self._on_status(parse_order_status(fields))
            elif msg_id == str(In.EXECUTION_DATA):
                execution = parse_execution(fields)
                if execution.req_id != -1:
                    return  # an answer to reqExecutions: reconciliation reads it
                self._executions[execution.exec_id] = execution
                await self._join(execution.exec_id)
            elif msg_id == str(In.COMMISSION_REPORT):
                report = parse_commission_report(fields)
                self._commission_log[report.exec_id] = report
                if len(self._commission_log) > 100_000:
                    self._commission_log.popitem(last=False)
                await self._join(report.exec_id)

    def _placed_for(self, order_id: int, perm_id: int) -> _Placed | None:
        placed = self._placed.get(order_id) if order_id else None
        if placed is None and perm_id:
            placed = self._by_perm.get(perm_id)
        if placed is not None and perm_id and not placed.perm_id:
            placed.perm_id = perm_id
            self._by_perm[perm_id] = placed
        return placed

    async def _on_open_order(self, row: OpenOrder) -> None:
        placed = self._placed_for(row.order_id, row.perm_id)
        if placed is None or not row.perm_id:
            return
        instrument = placed.instrument
        if placed.modifying:
            placed.modifying = False
            await self.emit_all(
                self.tracker.modified(
                    placed.client_order_id,
                    VenueOrderId(str(row.perm_id)),
                    quantity=instrument.make_qty(row.total_quantity),
                    price=instrument.make_price(row.lmt_price)
                    if row.lmt_price is not None
                    else None,
                    trigger_price=instrument.make_price(row.aux_price)
                    if row.aux_price is not None and row.order_type not in ("LMT", "MKT")
                    else None,
                )
            )

    async def _on_status(self, status: IbOrderStatus) -> None:
        placed = self._placed_for(status.order_id, status.perm_id)
        if placed is None:
            return
        venue_id = VenueOrderId(str(status.perm_id)) if status.perm_id else None
        state = _STATUS.get(status.status)
        if state is OrderStatus.ACCEPTED:
            await self.emit_all(self.tracker.accepted(placed.client_order_id, venue_id))
        elif state is OrderStatus.FILLED and venue_id is not None and placed.order is not None:
            # Terminal: the tracker closes the order once the fills cover what TWS reports.
            await self.emit_all(
                self.tracker.on_order_report(
                    self._row(placed, venue_id, status, OrderStatus.FILLED)
                )
            )
        elif state is OrderStatus.CANCELED:
            if placed.fields.tif in ("GTD", "DAY") and not placed.cancel_requested and venue_id:
                # TWS cancels a GTD order itself at its good-till time and a DAY order at the
                # session close: a cancel this client did not ask for is their expiry.
                await self.emit_all(
                    self.tracker.on_order_report(self._expired(placed, venue_id, status))
                )
            else:
                await self.emit_all(self.tracker.canceled(placed.client_order_id, venue_id))
        elif state is OrderStatus.REJECTED:
            tracked = self.tracker.find(placed.client_order_id)
            if tracked is not None and tracked.accepted:
                await self.emit_all(self.tracker.canceled(placed.client_order_id, venue_id))
            else:
                await self.emit_all(
                    self.tracker.rejected(placed.client_order_id, placed.last_error or "Inactive")
                )

    def _expired(
        self, placed: _Placed, venue_id: VenueOrderId, status: IbOrderStatus
    ) -> OrderStatusReport:
        return self._row(placed, venue_id, status, OrderStatus.EXPIRED)

    def _row(
        self, placed: _Placed, venue_id: VenueOrderId, status: IbOrderStatus, state: OrderStatus
    ) -> OrderStatusReport:
        """An order row from what this client placed and TWS's latest orderStatus."""
        order = placed.order
        assert order is not None
        instrument = placed.instrument
        now = time.time_ns()
        return OrderStatusReport(
            account_id=self.tracker.account_id,
            instrument_id=instrument.id,
            client_order_id=placed.client_order_id,
            venue_order_id=venue_id,
            order_side=order.side,
            order_type=order.order_type,
            time_in_force=order.time_in_force,
            order_status=state,
            quantity=order.quantity,
            filled_qty=instrument.make_qty(status.filled),
            price=order.price,
            trigger_price=order.trigger_price,
            expire_time_ns=order.expire_time_ns,
            avg_px=status.avg_fill_price if status.filled else None,
            ts_accepted=now,
            ts_last=now,
            ts_init=now,
        )

    async def _on_order_error(self, error: ErrorMessage) -> None:
        placed = self._placed.get(error.req_id)
        if placed is None:
            self.log.warning("TWS error %d for %d: %s", error.code, error.req_id, error.message)
            return
        placed.last_error = error.message
        tracked = self.tracker.find(placed.client_order_id)
        instrument_id = placed.instrument.id
        venue_id = VenueOrderId(str(placed.perm_id)) if placed.perm_id else None
        if error.code == ORDER_CANCELED:
            return  # the orderStatus "Cancelled" carries the event
        if placed.modifying and error.code not in CANNOT_CANCEL and not 2000 <= error.code < 3000:
            placed.modifying = False
            await self._emit_modify_rejected(
                instrument_id, placed.client_order_id, venue_id, f"{error.message} ({error.code})"
            )
            return
        if error.code in CANNOT_CANCEL:
            now = time.time_ns()
            await self.emit(
                OrderCancelRejected(
                    instrument_id=instrument_id,
                    client_order_id=placed.client_order_id,
                    venue_order_id=venue_id,
                    reason=f"{error.message} ({error.code})",
                    ts_event=now,
                    ts_init=now,
                )
            )
            return
        if tracked is not None and tracked.accepted and not tracked.closed:
            if placed.modifying:
                placed.modifying = False
                await self._emit_modify_rejected(
                    instrument_id,
                    placed.client_order_id,
                    venue_id,
                    f"{error.message} ({error.code})",
                )
            else:
                self.log.warning(
                    "TWS error %d for order %d: %s", error.code, error.req_id, error.message
                )
            return
        if error.code >= 2000 and error.code < 3000:
            return  # warnings about an order (e.g. 2109 outside RTH) do not reject it
        async with self._lock:
            await self.emit_all(
                self.tracker.rejected(placed.client_order_id, f"{error.message} ({error.code})")
            )

    async def _join(self, exec_id: str) -> None:
        """A fill once both its execution and its commission are in (either order)."""
        execution = self._executions.get(exec_id)
        commission = self._commission_log.get(exec_id)
        if execution is None or commission is None:
            return
        del self._executions[exec_id]
        fill = await self._fill_report(execution, commission)
        if fill is not None:
            await self.emit_all(self.tracker.on_fill_report(fill))

    async def _fill_report(
        self, execution: Execution, commission: CommissionReport | None
    ) -> FillReport | None:
        placed = self._placed_for(execution.order_id, execution.perm_id)
        known = placed.instrument if placed is not None else None
        instrument = known or await self._instrument_of(execution.contract)
        if instrument is None:
            return None
        now = time.time_ns()
        currency = (
            commission.currency
            if commission is not None and commission.currency
            else instrument.quote_currency
        )
        amount = commission.commission if commission is not None else Decimal(0)
        return FillReport(
            account_id=self.tracker.account_id,
            instrument_id=instrument.id,
            venue_order_id=VenueOrderId(str(execution.perm_id)),
            client_order_id=ClientOrderId(execution.order_ref) if execution.order_ref else None,
            trade_id=TradeId(execution.exec_id),
            order_side=OrderSide.BUY if execution.side == "BOT" else OrderSide.SELL,
            last_qty=instrument.make_qty(execution.shares),
            last_px=instrument.make_price(execution.price),
            commission=Money(amount, currency),
            liquidity_side=LiquiditySide.MAKER
            if execution.last_liquidity == 1
            else LiquiditySide.TAKER
            if execution.last_liquidity == 2
            else LiquiditySide.NO_LIQUIDITY_SIDE,
            ts_event=_exec_time_ns(execution.time) or now,
            ts_init=now,
        )

    async def _instrument_of(self, contract: Contract) -> Instrument | None:
        if self.instruments is None or not contract.con_id:
            return None
        for instrument in self.instruments.list_all():
            if instrument.info.get("con_id") == contract.con_id:
                return instrument
        try:
            return await self.instruments.resolve(
                InstrumentQuery(params={"conId": contract.con_id})
            )
        except UnknownInstrument:
            return None

    # -- reconciliation -------------------------------------------------------------------------

    async def _open_order_rows(self) -> list[tuple[OpenOrder, IbOrderStatus | None]]:
        await self._ready()
        messages = await self.gateway.request(req_all_open_orders(), key="open_orders")
        rows: dict[int, OpenOrder] = {}
        statuses: dict[int, IbOrderStatus] = {}
        for fields in messages:
            if fields[0] == str(In.OPEN_ORDER):
                row = parse_open_order(fields, self.gateway.server_version)
                rows[row.perm_id] = row
            elif fields[0] == str(In.ORDER_STATUS):
                status = parse_order_status(fields)
                statuses[status.perm_id] = status
        return [(row, statuses.get(perm)) for perm, row in rows.items()]

    async def _status_report(
        self, row: OpenOrder, status: IbOrderStatus | None
    ) -> OrderStatusReport | None:
        instrument = await self._instrument_of(row.contract)
        if instrument is None:
            return None
        filled = status.filled if status is not None else Decimal(0)
        state = _STATUS.get(
            status.status if status is not None else "Submitted", OrderStatus.ACCEPTED
        )
        if state is OrderStatus.ACCEPTED and filled:
            state = OrderStatus.PARTIALLY_FILLED
        avg = status.avg_fill_price if status is not None and filled else None
        return self._report(row, instrument, state, filled, avg_px=avg)

    def _report(
        self,
        row: OpenOrder | CompletedOrder,
        instrument: Instrument,
        state: OrderStatus,
        filled: Decimal,
        *,
        avg_px: Decimal | None = None,
        cancel_reason: str | None = None,
        ts_last: int | None = None,
    ) -> OrderStatusReport:
        """An OrderStatusReport from an openOrder or completedOrder row."""
        now = time.time_ns()
        order_type = _CORE_TYPES.get(row.order_type) or _ON_CLOSE_TYPES.get(
            row.order_type, OrderType.LIMIT
        )
        tif = (
            TimeInForce.AT_THE_CLOSE
            if row.order_type in _ON_CLOSE_TYPES
            else _CORE_TIFS.get(row.tif, TimeInForce.DAY)
        )
        limit_priced = order_type not in (OrderType.MARKET, OrderType.STOP_MARKET)
        triggered = order_type not in (OrderType.MARKET, OrderType.LIMIT)
        return OrderStatusReport(
            account_id=AccountId(f"{VENUE_ID}-{row.account}")
            if row.account
            else self.tracker.account_id,
            instrument_id=instrument.id,
            client_order_id=ClientOrderId(row.order_ref) if row.order_ref else None,
            venue_order_id=VenueOrderId(str(row.perm_id)),
            order_side=OrderSide.BUY if row.action == "BUY" else OrderSide.SELL,
            order_type=order_type,
            time_in_force=tif,
            order_status=state,
            quantity=instrument.make_qty(row.total_quantity),
            filled_qty=instrument.make_qty(filled),
            price=instrument.make_price(row.lmt_price)
            if row.lmt_price is not None and limit_priced
            else None,
            trigger_price=instrument.make_price(row.aux_price)
            if row.aux_price is not None and triggered
            else None,
            avg_px=avg_px,
            cancel_reason=cancel_reason,
            ts_accepted=now,
            ts_last=ts_last or now,
            ts_init=now,
        )

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """The account's open orders (of every client and TWS itself: reqAllOpenOrders);
        with ``open_only=False`` also today's completed ones (reqCompletedOrders)."""
        reports = []
        for row, status in await self._open_order_rows():
            if self.account and row.account and row.account != self.account:
                continue
            report = await self._status_report(row, status)
            if report is not None and (
                instrument_id is None or report.instrument_id == instrument_id
            ):
                reports.append(report)
        if not open_only:
            reports += [
                r
                for r in await self.completed_orders()
                if instrument_id is None or r.instrument_id == instrument_id
            ]
        return reports

    async def completed_orders(self) -> list[OrderStatusReport]:
        """reqCompletedOrders: today's filled, cancelled and inactive orders of the account
        (of every client: ``apiOnly`` false)."""
        await self._ready()
        messages = await self.gateway.request(req_completed_orders(False), key="completed_orders")
        reports = []
        for fields in messages:
            if fields[0] != str(In.COMPLETED_ORDER):
                continue
            try:
                row = parse_completed_order(fields, self.gateway.server_version)
            except ProtocolError as exc:
                self.log.warning("skipped a completed order: %s", exc)
                continue
            if self.account and row.account and row.account != self.account:
                continue
            report = await self._completed_report(row)
            if report is not None:
                reports.append(report)
        return reports

    async def _completed_report(self, row: CompletedOrder) -> OrderStatusReport | None:
        instrument = await self._instrument_of(row.contract)
        if instrument is None:
            return None
        state = _STATUS.get(row.status, OrderStatus.CANCELED)
        expired = "expir" in row.completed_status.lower()
        if state is OrderStatus.CANCELED and row.tif in ("GTD", "DAY") and expired:
            state = OrderStatus.EXPIRED
        return self._report(
            row,
            instrument,
            state,
            row.filled_quantity,
            cancel_reason=row.completed_status or None,
            ts_last=_exec_time_ns(row.completed_time + " UTC"),
        )

    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        for report in await self.order_status_reports(instrument_id):
            if (client_order_id is not None and report.client_order_id == client_order_id) or (
                venue_order_id is not None and report.venue_order_id == venue_order_id
            ):
                return report
        return None

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """Today's executions (reqExecutions), each with its commission report."""
        await self._ready()
        messages = await self.gateway.request(
            lambda req_id: req_executions(req_id, account=self.account or "")
        )
        executions = [parse_execution(f) for f in messages if f[0] == str(In.EXECUTION_DATA)]
        reports = []
        for execution in executions:
            # TWS sends each execution's commission report right after it; one still missing
            # leaves the fill out (it is reported on the stream when the report comes).
            commission = self._commission_log.get(execution.exec_id)
            if commission is None:
                self.log.warning("execution %s has no commission report yet", execution.exec_id)
                continue
            fill = await self._fill_report(execution, commission)
            if fill is None:
                continue
            if instrument_id is not None and fill.instrument_id != instrument_id:
                continue
            # IB's execution times are whole seconds: the window is compared in seconds.
            second = fill.ts_event // _NS
            if start_ns is not None and second < start_ns // _NS:
                continue
            if end_ns is not None and second > end_ns // _NS:
                continue
            reports.append(fill)
        return reports

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        await self._ready()
        messages = await self.gateway.request(req_positions(), key="positions")
        reports = []
        now = time.time_ns()
        for fields in messages:
            if fields[0] != str(In.POSITION_DATA):
                continue
            row = parse_position(fields)
            if self.account and row.account != self.account:
                continue
            instrument = await self._instrument_of(row.contract)
            if instrument is None or (instrument_id is not None and instrument.id != instrument_id):
                continue
            side = (
                PositionSide.LONG
                if row.position > 0
                else PositionSide.SHORT
                if row.position < 0
                else PositionSide.FLAT
            )
            reports.append(
                PositionStatusReport(
                    account_id=self.tracker.account_id,
                    instrument_id=instrument.id,
                    position_side=side,
                    quantity=instrument.make_qty(abs(row.position)),
                    avg_px_open=row.avg_cost / (instrument.multiplier.as_decimal() or 1)
                    if row.avg_cost
                    else None,
                    ts_last=now,
                    ts_init=now,
                )
            )
        return reports

    async def account_state(self) -> AccountState:
        """reqAccountSummary for the configured account: per currency, total = TotalCashValue,
        free = AvailableFunds."""
        await self._ready()
        messages = await self.gateway.request(lambda req_id: req_account_summary(req_id))
        values: dict[tuple[str, str], Decimal] = {}
        for fields in messages:
            if fields[0] != str(In.ACCOUNT_SUMMARY):
                continue
            row = parse_account_summary(fields)
            if self.account and row.account != self.account:
                continue
            try:
                values[(row.tag, row.currency)] = Decimal(row.value)
            except ArithmeticError:
                continue
        balances = []
        for (tag, currency), total in sorted(values.items()):
            if tag != "TotalCashValue" or not currency:
                continue
            free = values.get(("AvailableFunds", currency), total)
            free = min(free, total)
            balances.append(
                AccountBalance(
                    total=Money(total, currency),
                    locked=Money(total - free, currency),
                    free=Money(free, currency),
                )
            )
        # Shares and coins held are positions at IB; the core's account view lists them per
        # symbol / coin (as spot venues do), so they come from reqPositions.
        # Open sell orders commit what they would sell (IB refuses to sell it twice).
        committed: dict[InstrumentId, Decimal] = {}
        for open_order in await self.order_status_reports():
            if open_order.order_side is OrderSide.SELL:
                left = open_order.quantity.as_decimal() - open_order.filled_qty.as_decimal()
                committed[open_order.instrument_id] = (
                    committed.get(open_order.instrument_id, Decimal(0)) + left
                )
        for report in await self.position_status_reports():
            instrument = self.instruments.find(report.instrument_id) if self.instruments else None
            if instrument is None or instrument.product_type.value not in ("EQUITY", "SPOT"):
                continue
            held = report.quantity.as_decimal() * (
                -1 if report.position_side is PositionSide.SHORT else 1
            )
            code = getattr(instrument, "base_currency", None) or str(instrument.raw_symbol)
            locked = min(
                max(committed.get(instrument.id, Decimal(0)), Decimal(0)), max(held, Decimal(0))
            )
            balances.append(
                AccountBalance(
                    total=Money(held, code),
                    locked=Money(locked, code),
                    free=Money(held - locked, code),
                )
            )
        now = time.time_ns()
        return AccountState(
            account_id=self.tracker.account_id or AccountId(f"{VENUE_ID}-{self.account}"),
            account_type=AccountType.MARGIN,
            balances=tuple(balances),
            ts_event=now,
            ts_init=now,
        )


def _exec_time_ns(text: str) -> int | None:
    """``20261208 14:30:00 UTC`` (or with a zone name / none) as UNIX ns; None when unreadable."""
    parts = text.split()
    if len(parts) < 2:
        return None
    try:
        moment = datetime.strptime(f"{parts[0]} {parts[1]}", "%Y%m%d %H:%M:%S")
    except ValueError:
        return None
    return int(moment.replace(tzinfo=UTC).timestamp()) * _NS
