"""A loopback TWS / IB Gateway: the TWS API socket on a SimulatedExchange.

It speaks what a client sees from a real Gateway at the pinned server versions: the ``API\\0``
version handshake, START_API (one connection per client id; a second one with the same id gets
error 326 and is closed), nextValidId and managedAccounts, the farm status notices, and then:

* contract lookups: reqContractDetails (rows + end, error 200 when nothing matches),
  reqMatchingSymbols;
* market data: reqMktData (bid/ask price and size ticks, last price/size), reqTickByTickData
  (AllLast), reqMktDepth (L2 rows), reqMarketDataType, cancels;
* orders: placeOrder (a live order id modifies), cancelOrder, reqGlobalCancel, with openOrder /
  orderStatus / execDetails + commissionReport pushed as the exchange changes them;
* reconciliation: reqOpenOrders / reqAllOpenOrders, reqExecutions, reqPositions,
  reqAccountSummary, reqCompletedOrders;
* heartbeat answers (reqCurrentTime) and, on demand, the 1100 / 1101 / 1102 notices.

The contract database (:class:`Listing`) maps conIds to contract details and to the exchange's
symbol; :func:`listing_for` builds one from a :class:`SimInstrument`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import anyio
import attrs
from tradeport.model.enums import OrderSide, OrderType, TimeInForce, TrailingOffsetType
from tradeport.testing import ServerStream, StreamServer
from tradeport_conformance.harness import RecordedRequest
from tradeport_conformance.simulated import SimulatedExchange
from tradeport_conformance.simulated import events as sim_events
from tradeport_conformance.simulated.records import SimInstrument, SimOrder

from tradeport_interactive_brokers.constants import Out
from tradeport_interactive_brokers.contract import Contract, ContractDetails
from tradeport_interactive_brokers.testing import render
from tradeport_interactive_brokers.wire import FRAMING, as_decimal, as_int, decode_fields

__all__ = ["MockGateway", "Listing", "listing_for", "FARM_NOTICES"]

log = logging.getLogger("tradeport.interactive_brokers.mock")

#: What a Gateway says right after START_API (TWS API "Message Codes": 2104, 2106, 2158).
FARM_NOTICES = (
    (2104, "Market data farm connection is OK:usfarm"),
    (2106, "HMDS data farm connection is OK:ushmds"),
    (2158, "Sec-def data farm connection is OK:secdefnj"),
)
NOTICE_TEXT = {
    1100: "Connectivity between IB and Trader Workstation has been lost.",
    1101: "Connectivity between IB and Trader Workstation has been restored - data lost.",
    1102: "Connectivity between IB and Trader Workstation has been restored - data maintained.",
    2107: "HMDS data farm connection is inactive but should be available upon demand.ushmds",
    2108: "Market data farm connection is inactive but should be available upon demand.usfarm",
}
_ORDER_TYPES = {
    "LMT": OrderType.LIMIT,
    "MKT": OrderType.MARKET,
    "STP": OrderType.STOP_MARKET,
    "STP LMT": OrderType.STOP_LIMIT,
    "MIT": OrderType.MARKET_IF_TOUCHED,
    "LIT": OrderType.LIMIT_IF_TOUCHED,
    "TRAIL": OrderType.TRAILING_STOP_MARKET,
    "MOC": OrderType.MARKET,
    "LOC": OrderType.LIMIT,
}
#: Order types that execute in the closing auction (TIF DAY), and the TIF of the opening one.
_ON_CLOSE = frozenset({"MOC", "LOC"})
_ON_OPEN_TIF = "OPG"
_TIFS = {
    "DAY": TimeInForce.DAY,
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "GTD": TimeInForce.GTD,
    _ON_OPEN_TIF: TimeInForce.IOC,  # worked in the opening auction only (see _auction_of)
}
_NS = 1_000_000_000
#: TWS serves at most one day of one-minute bars per request ("Time length exceed max").
_MAX_1MIN_DURATION_S = 86_400


def _auction_of(ib_type: str, ib_tif: str) -> str | None:
    """Which auction an order works in: ``"close"`` (MOC/LOC), ``"open"`` (TIF OPG) or None."""
    if ib_type in _ON_CLOSE:
        return "close"
    return "open" if ib_tif == _ON_OPEN_TIF else None


@attrs.define
class Listing:
    """One contract the mock gateway knows, and the exchange symbol it trades as (None: a
    contract that can be looked up but has no market in the simulation)."""

    details: ContractDetails
    sim_symbol: str | None


def listing_for(
    instrument: SimInstrument,
    contract: Contract,
    **details: Any,
) -> Listing:
    """A listing whose min tick, size increment and minimum size are the instrument's."""
    return Listing(
        ContractDetails(
            contract=contract,
            min_tick=instrument.tick_size,
            size_increment=instrument.lot_size,
            min_size=instrument.min_qty or None,
            suggested_size_increment=instrument.lot_size,
            **details,
        ),
        instrument.symbol,
    )


@attrs.define(eq=False)
class _Client:
    stream: ServerStream
    client_id: int
    server_version: int
    market_data: dict[int, int] = attrs.field(factory=dict)  # reqId -> conId (reqMktData)
    ticks: dict[int, int] = attrs.field(factory=dict)  # reqId -> conId (tick-by-tick)
    #: reqId -> conId (reqRealTimeBars).
    real_time_bars: dict[int, int] = attrs.field(factory=dict)
    depth: dict[int, int] = attrs.field(factory=dict)  # reqId -> conId (reqMktDepth)
    #: The rows each depth request has been sent, per side (1 bid, 0 ask): what TWS's
    #: position-based updates apply to.
    depth_rows: dict[int, dict[int, list[tuple[Decimal, Decimal]]]] = attrs.field(factory=dict)
    depth_size: dict[int, int] = attrs.field(factory=dict)
    market_data_type: int = 1
    received: list[list[str]] = attrs.field(factory=list)


def _contract_from(fields: Sequence[str], start: int) -> Contract:
    f = fields[start : start + 12]
    return Contract(
        con_id=as_int(f[0]),
        symbol=f[1],
        sec_type=f[2],
        last_trade_date=f[3],
        strike=as_decimal(f[4]) or None,
        right=f[5],
        multiplier=f[6],
        exchange=f[7],
        primary_exchange=f[8],
        currency=f[9],
        local_symbol=f[10],
        trading_class=f[11],
    )


def _status_of(order: SimOrder) -> str:
    name = order.status.value
    if name in ("FILLED",):
        return "Filled"
    if name in ("CANCELED", "EXPIRED"):
        return "Cancelled"
    if name == "REJECTED":
        return "Inactive"
    return "Submitted"


_AMENDABLE_TRIGGER = frozenset({"STP", "STP LMT", "MIT", "LIT"})


class MockGateway:
    """The loopback gateway (see the module docstring)."""

    def __init__(
        self,
        exchange: SimulatedExchange,
        *,
        server_version: int = 178,
        accounts: Sequence[str] = ("DU1234567", "DU7654321"),
        first_order_id: int = 1,
    ) -> None:
        self.exchange = exchange
        self.server_version = server_version
        self.accounts = list(accounts)
        self.first_order_id = first_order_id
        self.listings: dict[int, Listing] = {}
        self.server = StreamServer(self._serve, framing=FRAMING)
        self._outbox: list[sim_events.SimEvent] = []
        self._wake = anyio.Event()
        exchange.subscribe(self._on_sim_event)
        self.clients: list[_Client] = []
        #: Every connection that got past START_API, open or not.
        self.all_clients: list[_Client] = []
        #: START_APIs accepted / refused (client id in use) since start.
        self.handshakes = 0
        self.refused_handshakes = 0
        #: The next order id nextValidId reports, per client id (ids increase per client id).
        self.next_ids: dict[int, int] = {}
        #: sim venue order id -> (client id, order id), and back.
        self.orders: dict[str, tuple[int, int]] = {}
        self._by_ib_id: dict[tuple[int, int], str] = {}
        self.commission_currency = "USD"
        self.malformed_contract = False
        #: Symbols whose trading session is closed, and the orders TWS holds for the open.
        self.closed_sessions: set[str] = set()
        self.held: dict[str, dict[str, Any]] = {}
        #: Orders placed with transmit=False, per client id, waiting for one with transmit=True.
        self.untransmitted: dict[int, list[Any]] = {}
        self._next_perm = 8_000_000_000
        #: One-minute bars reqHistoricalData serves, per symbol: (open time s, o, h, l, c, v).
        self.history_bars: dict[
            str, list[tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]]
        ] = {}
        #: Answer the next N historical requests with a pacing violation (error 162).
        self.pacing_violations = 0
        #: Every reqHistoricalData, as the harness's request log.
        self.history_requests: list[RecordedRequest] = []
        #: Every message received after START_API, in arrival order: (client id, fields).
        self.received_log: list[tuple[int, list[str]]] = []
        #: Send each commission report before its execution (TWS does not promise an order).
        self.commission_first = False
        #: Client ids TWS treats as taken (another application holds them): refused with 326.
        self.reserved_client_ids: set[int] = set()

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, task_group: anyio.abc.TaskGroup) -> None:
        await self.server.start(task_group)
        task_group.start_soon(self._pump_events)

    def stop(self) -> None:
        self.server.stop()

    @property
    def port(self) -> int:
        return self.server.port

    def add_listing(self, listing: Listing) -> None:
        self.listings[listing.details.contract.con_id] = listing

    def listing_of_symbol(self, sim_symbol: str) -> Listing | None:
        for listing in self.listings.values():
            if listing.sim_symbol == sim_symbol:
                return listing
        return None

    # -- the connection -------------------------------------------------------------------------

    async def _serve(self, stream: ServerStream) -> None:
        prefix = await stream.receive_exactly(4)
        if prefix != b"API\0":
            return  # not the TWS API: TWS closes the socket
        wanted = (await stream.receive()).decode()
        low, _, high = wanted.split(" ")[0].removeprefix("v").partition("..")
        # TWS answers with the highest version both sides speak, or its own when the client's
        # range is above it (the client then gives up: "TWS/gateway version must be >= ...").
        version = min(int(high or low), self.server_version)
        await stream.send(
            render.hello(version, time.strftime("%Y%m%d %H:%M:%S UTC", time.gmtime()))
        )
        start = decode_fields(await stream.receive())
        if start[0] != str(Out.START_API):
            return
        client_id = int(start[2])
        if client_id in self.reserved_client_ids or any(
            c.client_id == client_id for c in self.clients
        ):
            self.refused_handshakes += 1
            await stream.send(
                render.error(
                    -1,
                    326,
                    "Unable to connect as the client id is already in use. Retry with a unique "
                    "client id.",
                )
            )
            return
        client = _Client(stream, client_id, version)
        self.clients.append(client)
        self.all_clients.append(client)
        self.handshakes += 1
        try:
            await stream.send(
                render.next_valid_id(self.next_ids.get(client_id, self.first_order_id))
            )
            await stream.send(render.managed_accounts(self.accounts))
            for code, text in FARM_NOTICES:
                await stream.send(render.error(-1, code, text))
            self.server.notify()
            async for raw in stream:
                fields = decode_fields(raw)
                client.received.append(fields)
                self.received_log.append((client.client_id, fields))
                try:
                    await self._dispatch(client, fields)
                except Exception:  # a mock bug: logged, the connection lives on
                    log.exception("mock gateway: message %s failed", fields[:3])
                self.server.notify()
        finally:
            self.clients.remove(client)
            self.server.notify()

    async def _dispatch(self, client: _Client, f: list[str]) -> None:
        msg = int(f[0])
        stream = client.stream
        if msg == Out.REQ_CURRENT_TIME:
            await stream.send(render.current_time(int(time.time())))
        elif msg == Out.REQ_IDS:
            await stream.send(
                render.next_valid_id(self.next_ids.get(client.client_id, self.first_order_id))
            )
        elif msg == Out.REQ_CONTRACT_DATA:
            await self._contract_details(client, f)
        elif msg == Out.REQ_MATCHING_SYMBOLS:
            pattern = f[2].upper()
            found = [
                listing.details
                for listing in self.listings.values()
                if listing.details.contract.symbol.upper().startswith(pattern)
            ]
            await stream.send(render.symbol_samples(int(f[1]), found, client.server_version))
        elif msg == Out.REQ_SEC_DEF_OPT_PARAMS:
            await self._option_parameters(client, int(f[1]), int(f[5] or 0))
        elif msg == Out.REQ_MARKET_DATA_TYPE:
            client.market_data_type = int(f[2])
        elif msg == Out.REQ_MKT_DATA:
            await self._market_data(client, int(f[2]), _contract_from(f, 3))
        elif msg == Out.CANCEL_MKT_DATA:
            client.market_data.pop(int(f[2]), None)
        elif msg == Out.REQ_TICK_BY_TICK:
            listing = await self._listing_or_error(client, int(f[1]), _contract_from(f, 2))
            if listing is not None:
                client.ticks[int(f[1])] = listing.details.contract.con_id
        elif msg == Out.CANCEL_TICK_BY_TICK:
            client.ticks.pop(int(f[1]), None)
        elif msg == Out.REQ_REAL_TIME_BARS:
            listing = await self._listing_or_error(client, int(f[2]), _contract_from(f, 3))
            if listing is not None:
                client.real_time_bars[int(f[2])] = listing.details.contract.con_id
        elif msg == Out.CANCEL_REAL_TIME_BARS:
            client.real_time_bars.pop(int(f[2]), None)
        elif msg == Out.REQ_HISTORICAL_DATA:
            await self._historical(client, f)
        elif msg == Out.REQ_MKT_DEPTH:
            await self._depth(client, int(f[2]), int(f[15]), _contract_from(f, 3))
        elif msg == Out.CANCEL_MKT_DEPTH:
            client.depth.pop(int(f[2]), None)
            client.depth_rows.pop(int(f[2]), None)
        else:
            await self._dispatch_orders(client, msg, f)

    async def _dispatch_orders(self, client: _Client, msg: int, f: list[str]) -> None:
        """Order entry and reconciliation."""
        stream = client.stream
        if msg == Out.PLACE_ORDER:
            await self._place(client, f)
        elif msg == Out.CANCEL_ORDER:
            order_id = int(f[2])
            venue_id = self._by_ib_id.get((client.client_id, order_id))
            if venue_id is not None and venue_id in self.held:
                placement = self.held.pop(venue_id)
                await stream.send(
                    render.order_status(
                        order_id,
                        "Cancelled",
                        Decimal(0),
                        placement["quantity"],
                        Decimal(0),
                        int(venue_id),
                        Decimal(0),
                        client.client_id,
                    )
                )
                return
            if venue_id is None or self.exchange.order(venue_id) is None:
                await stream.send(
                    render.error(
                        order_id,
                        10147,
                        f"OrderId {order_id} that needs to be cancelled is not found.",
                    )
                )
                return
            self.exchange.cancel(venue_id)
        elif msg == Out.REQ_GLOBAL_CANCEL:
            self.exchange.cancel_all()
        elif msg in (Out.REQ_OPEN_ORDERS, Out.REQ_ALL_OPEN_ORDERS):
            for order in self.exchange.open_orders():
                key = self.orders.get(order.venue_order_id)
                if msg == Out.REQ_OPEN_ORDERS and (key is None or key[0] != client.client_id):
                    continue
                await self._send_order_state(client, order)
            for perm in list(self.held):
                if msg == Out.REQ_ALL_OPEN_ORDERS or self.orders[perm][0] == client.client_id:
                    await self._send_held_state(client, perm)  # PreSubmitted, held by TWS
            await stream.send(render.open_order_end())
        elif msg == Out.REQ_COMPLETED_ORDERS:
            for order in self.exchange.closed_orders():
                listing = self.listing_of_symbol(order.symbol)
                if listing is None or not order.venue_order_id:
                    continue
                status = _status_of(order)
                cause = "Expired" if order.status.value == "EXPIRED" else status
                await stream.send(
                    render.completed_order(
                        contract=order.meta.get("contract", listing.details.contract),
                        action="BUY" if order.side is OrderSide.BUY else "SELL",
                        quantity=order.quantity,
                        order_type=order.meta.get("type", "LMT"),
                        lmt_price=order.price,
                        aux_price=order.trigger_price,
                        tif=order.meta.get("tif", order.time_in_force.value),
                        account=order.meta.get("account", self.accounts[0]),
                        order_ref=order.client_order_id or "",
                        perm_id=int(order.venue_order_id),
                        filled=order.filled_qty,
                        status=status,
                        completed_time=time.strftime(
                            "%Y%m%d %H:%M:%S", time.gmtime(order.ts_updated / _NS)
                        ),
                        completed_status=cause,
                        server_version=client.server_version,
                    )
                )
            await stream.send(render.completed_orders_end())
        elif msg == Out.REQ_EXECUTIONS:
            req_id = int(f[2])
            for fill in self.exchange.fills():
                await self._send_fill(client, req_id, fill)
            await stream.send(render.execution_end(req_id))
        elif msg == Out.REQ_POSITIONS:
            for listing in self.listings.values():
                quantity, avg = self._holding(listing)
                if quantity:
                    await stream.send(
                        render.position(self.accounts[0], listing.details.contract, quantity, avg)
                    )
            await stream.send(render.position_end())
        elif msg == Out.REQ_ACCOUNT_SUMMARY:
            req_id = int(f[2])
            account = self.accounts[0]
            for balance in self.exchange.balances():
                if balance.asset not in ("USD", "EUR"):
                    continue
                for tag, value in (
                    ("NetLiquidation", balance.total),
                    ("TotalCashValue", balance.total),
                    ("AvailableFunds", balance.free),
                ):
                    await stream.send(
                        render.account_summary(
                            req_id, account, tag, format(value, "f"), balance.asset
                        )
                    )
            await stream.send(render.account_summary_end(req_id))
        else:
            log.debug("mock gateway: unhandled message %s", f[:3])

    def _holding(self, listing: Listing) -> tuple[Decimal, Decimal]:
        """(quantity, average cost) the account holds of a listing."""
        symbol = listing.sim_symbol
        instrument = self.exchange.instrument(symbol) if symbol is not None else None
        if instrument is None:
            return Decimal(0), Decimal(0)
        if instrument.uses_margin:
            positions = self.exchange.positions(symbol)
            if not positions:
                return Decimal(0), Decimal(0)
            position = positions[0]
            signed = position.quantity if position.side.value != "SHORT" else -position.quantity
            return signed, position.avg_entry_price
        balance = self.exchange.balance(instrument.base_asset)
        return balance.total, Decimal(0)

    async def _place(self, client: _Client, f: list[str]) -> None:
        order_id = int(f[1])
        contract = _contract_from(f, 2)
        base = 43 if client.server_version < 177 else 42  # modelCode
        fields: dict[str, Any] = {
            "action": f[16],
            "quantity": Decimal(f[17]),
            "type": f[18],
            "lmt": as_decimal(f[19]),
            "aux": as_decimal(f[20]),
            "tif": f[21],
            "account": f[23],
            "order_ref": f[26],
            "outside_rth": f[33] == "1",
            "gtd": f[38],
            "trail_stop": as_decimal(f[base + 26]),
            "trailing_percent": as_decimal(f[base + 27]),
        }
        if (
            order_id < self.next_ids.get(client.client_id, self.first_order_id)
            and (
                client.client_id,
                order_id,
            )
            not in self._by_ib_id
        ):
            await client.stream.send(render.error(order_id, 103, "Duplicate order id"))
            return
        existing = self._by_ib_id.get((client.client_id, order_id))
        if existing is not None and not any(
            o.venue_order_id == existing for o in self.exchange.open_orders()
        ):
            # The id of a finished order cannot be placed again.
            await client.stream.send(render.error(order_id, 103, "Duplicate order id"))
            return
        if existing is not None:
            # The same order id again: a modification of the live order.
            self.exchange.amend(
                existing,
                quantity=fields["quantity"],
                price=fields["lmt"],
                trigger_price=fields["aux"] if fields["type"] in _AMENDABLE_TRIGGER else None,
            )
            return
        listing = next(iter(self.find(contract)), None)
        if listing is None or listing.sim_symbol is None:
            await client.stream.send(
                render.error(order_id, 200, "No security definition has been found for the request")
            )
            return
        self.next_ids[client.client_id] = max(
            self.next_ids.get(client.client_id, self.first_order_id), order_id + 1
        )
        kind = _ORDER_TYPES.get(fields["type"])
        tif = _TIFS.get(fields["tif"])
        if kind is None or tif is None:
            await client.stream.send(
                render.error(
                    order_id,
                    387,
                    f"Unsupported order type or time in force: {fields['type']} {fields['tif']}",
                )
            )
            return
        expire_ns = None
        if tif is TimeInForce.GTD and fields["gtd"]:
            expire_ns = (
                int(
                    time.mktime(time.strptime(fields["gtd"].replace(" UTC", ""), "%Y%m%d %H:%M:%S"))
                    - time.timezone
                )
                * _NS
            )
        price = (
            fields["lmt"]
            if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED)
            else None
        )
        trigger = (
            fields["aux"]
            if kind not in (OrderType.LIMIT, OrderType.MARKET, OrderType.TRAILING_STOP_MARKET)
            else None
        )
        trailing: dict[str, Any] = {}
        if kind is OrderType.TRAILING_STOP_MARKET:
            # TRAIL: auxPrice is the trailing amount, or trailingPercent a percentage.
            if fields["trailing_percent"] is not None:
                trailing = {
                    "trailing_offset": fields["trailing_percent"] * 100,
                    "trailing_offset_type": TrailingOffsetType.BASIS_POINTS,
                }
            else:
                trailing = {
                    "trailing_offset": fields["aux"],
                    "trailing_offset_type": TrailingOffsetType.PRICE,
                }
        auction = _auction_of(fields["type"], fields["tif"])
        if auction == "close":
            tif = TimeInForce.IOC  # the closing auction fills it or TWS cancels the rest
        meta = {
            "auction": auction,
            "ib": (client.client_id, order_id),
            "account": fields["account"] or self.accounts[0],
            "type": fields["type"],
            "tif": fields["tif"],
            "outside_rth": fields["outside_rth"],
            "contract": listing.details.contract,
        }
        placement = {
            "symbol": listing.sim_symbol,
            "side": OrderSide.BUY if fields["action"] == "BUY" else OrderSide.SELL,
            "order_type": kind,
            "quantity": fields["quantity"],
            "price": price,
            "trigger_price": trigger,
            "time_in_force": tif,
            "expire_time_ns": expire_ns,
            "client_order_id": fields["order_ref"] or None,
            "meta": meta,
            **trailing,
        }
        parent_id = int(f[28] or 0)
        meta["oca"] = f[22] or (f"bracket-{client.client_id}-{parent_id}" if parent_id else None)
        meta["parent"] = (client.client_id, parent_id) if parent_id else None
        entry = (order_id, placement, fields, listing)
        if f[27] == "0":
            # transmit=False: TWS keeps the order until an order with transmit=True follows.
            self.untransmitted.setdefault(client.client_id, []).append(entry)
            return
        for waiting in [*self.untransmitted.pop(client.client_id, []), entry]:
            await self._activate(client, *waiting)

    async def _activate(
        self,
        client: _Client,
        order_id: int,
        placement: dict[str, Any],
        fields: dict[str, Any],
        listing: Listing,
    ) -> None:
        """A transmitted order works now, or is held: until its session opens, or until its
        parent (a bracket's entry) is filled."""
        parent = placement["meta"]["parent"]
        if placement["meta"]["auction"] is not None:
            # On the open / on the close: TWS keeps it until the auction (see set_session).
            await self._hold(client, order_id, placement, fields, listing)
            return
        if parent is not None and not self._filled(parent):
            await self._hold(client, order_id, placement, fields, listing)
            return
        if listing.sim_symbol in self.closed_sessions and not fields["outside_rth"]:
            # Outside regular hours only outsideRth orders work.
            await self._hold(client, order_id, placement, fields, listing)
            return
        self._submit(placement)

    def _filled(self, ib_id: tuple[int, int]) -> bool:
        venue_id = self._by_ib_id.get(ib_id)
        order = self.exchange.order(venue_id) if venue_id is not None else None
        return order is not None and order.status.value == "FILLED"

    def _submit(self, placement: dict[str, Any], venue_order_id: str | None = None) -> None:
        args = dict(placement)
        self.exchange.submit(
            args.pop("symbol"),
            args.pop("side"),
            args.pop("order_type"),
            args.pop("quantity"),
            venue_order_id=venue_order_id,
            **args,
        )

    # -- trading sessions -----------------------------------------------------------------------

    async def _hold(
        self,
        client: _Client,
        order_id: int,
        placement: dict[str, Any],
        fields: dict[str, Any],
        listing: Listing,
    ) -> None:
        """Outside the session TWS keeps the order (PreSubmitted) until the session opens."""
        self._next_perm += 1
        perm = str(self._next_perm)
        placement["meta"]["wire"] = (order_id, fields, listing)
        self.held[perm] = placement
        self.orders[perm] = (client.client_id, order_id)
        self._by_ib_id[(client.client_id, order_id)] = perm
        await self._send_held_state(client, perm)

    async def _send_held_state(self, client: _Client, perm: str) -> None:
        """openOrder and orderStatus of an order TWS holds (PreSubmitted)."""
        placement = self.held[perm]
        order_id, fields, listing = placement["meta"]["wire"]
        owner = self.orders[perm][0]
        await client.stream.send(
            render.open_order(
                order_id=order_id,
                contract=listing.details.contract,
                action=fields["action"],
                quantity=fields["quantity"],
                order_type=fields["type"],
                lmt_price=fields["lmt"],
                aux_price=fields["aux"],
                tif=fields["tif"],
                account=fields["account"] or self.accounts[0],
                order_ref=fields["order_ref"],
                outside_rth=fields["outside_rth"],
                client_id=owner,
                perm_id=int(perm),
                status="PreSubmitted",
                server_version=client.server_version,
            )
        )
        await client.stream.send(
            render.order_status(
                order_id,
                "PreSubmitted",
                Decimal(0),
                fields["quantity"],
                Decimal(0),
                int(perm),
                Decimal(0),
                owner,
            )
        )

    def _release_children(self, parent: tuple[int, int]) -> None:
        for perm, placement in list(self.held.items()):
            if (
                placement["meta"]["parent"] == parent
                and placement["symbol"] not in self.closed_sessions
            ):
                del self.held[perm]
                self._submit(placement, venue_order_id=perm)

    def _cancel_oca_members(self, order: SimOrder) -> None:
        """One of an OCA group filled: TWS cancels the others (ocaType 1)."""
        group = order.meta.get("oca")
        if not group:
            return
        for other in self.exchange.open_orders(order.symbol):
            if other.venue_order_id != order.venue_order_id and other.meta.get("oca") == group:
                self.exchange.cancel(other.venue_order_id)
        for perm, placement in list(self.held.items()):
            if placement["meta"].get("oca") == group and placement["meta"]["parent"] is None:
                del self.held[perm]

    def set_session(self, sim_symbol: str, open: bool) -> None:
        """Open or close a symbol's regular trading session: closing works the closing auction
        (MOC/LOC) and expires resting DAY orders (TWS cancels them at the close) except
        ``outsideRth`` ones, which keep working, as new ones do, after hours; opening submits
        the orders held meanwhile and the opening auction's (OPG)."""
        if open:
            self.closed_sessions.discard(sim_symbol)
            for perm, placement in list(self.held.items()):
                parent = placement["meta"]["parent"]
                if (
                    placement["symbol"] == sim_symbol
                    and placement["meta"]["auction"] != "close"
                    and (parent is None or self._filled(parent))
                ):
                    # Held orders and the opening auction's (OPG: IOC at the open).
                    del self.held[perm]
                    self._submit(placement, venue_order_id=perm)
            return
        # The closing auction first (MOC/LOC fill at the close, unfilled rest canceled),
        # then the session ends.
        for perm, placement in list(self.held.items()):
            if placement["symbol"] == sim_symbol and placement["meta"]["auction"] == "close":
                del self.held[perm]
                self._submit(placement, venue_order_id=perm)
        self.closed_sessions.add(sim_symbol)
        for order in self.exchange.open_orders(sim_symbol):
            if order.time_in_force is TimeInForce.DAY and not order.meta.get("outside_rth"):
                # outsideRth DAY orders keep working in the after-hours session.
                self.exchange.expire(order.venue_order_id)

    # -- order events ---------------------------------------------------------------------------

    def _on_sim_event(self, event: sim_events.SimEvent) -> None:
        order = getattr(event, "order", None)
        if isinstance(event, sim_events.OrderEvent) and order is not None and order.venue_order_id:
            ib = order.meta.get("ib")
            if ib is not None and order.venue_order_id not in self.orders:
                self.orders[order.venue_order_id] = ib
                self._by_ib_id[ib] = order.venue_order_id
        self._outbox.append(event)
        self._wake.set()
        if isinstance(event, sim_events.OrderFilled) and event.order.status.value == "FILLED":
            ib = event.order.meta.get("ib")
            if ib is not None:
                self._release_children(ib)
            self._cancel_oca_members(event.order)

    async def _pump_events(self) -> None:
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            while self._outbox:
                event = self._outbox.pop(0)
                try:
                    await self._deliver(event)
                except Exception:  # a closed connection must not stop the pump
                    log.exception("mock gateway: %s not delivered", type(event).__name__)

    def _owner(self, order: SimOrder | None) -> tuple[int | None, int]:
        ib = order.meta.get("ib") if order is not None else None
        return (ib[0], ib[1]) if ib is not None else (None, 0)

    async def _deliver(self, event: sim_events.SimEvent) -> None:
        if isinstance(event, sim_events.BookUpdated):
            await self._on_book(event.symbol)
            return
        order = getattr(event, "order", None)
        client_id, order_id = self._owner(order)
        if client_id is None:
            return  # placed elsewhere: reported by reqAllOpenOrders only
        for client in self.clients_for(client_id):
            stream = client.stream
            if isinstance(event, sim_events.OrderRejected):
                await stream.send(
                    render.error(
                        order_id,
                        201,
                        f"Order rejected - reason:{event.message or event.reason.value}",
                    )
                )
            elif isinstance(event, sim_events.OrderFilled):
                await self._send_fill(client, -1, event.fill)
                await self._send_order_state(client, event.order)
            elif isinstance(event, (sim_events.OrderCanceled, sim_events.OrderExpired)):
                await self._send_order_state(client, event.order)
                await stream.send(render.error(order_id, 202, "Order Canceled - reason:"))
            elif isinstance(event, (sim_events.OrderAccepted, sim_events.OrderAmended)):
                await self._send_order_state(client, event.order)
            elif isinstance(event, sim_events.AmendRejected):
                await stream.send(
                    render.error(order_id, 201, f"Order rejected - reason:{event.message}")
                )
            elif isinstance(event, sim_events.CancelRejected):
                await stream.send(
                    render.error(
                        order_id,
                        161,
                        f"Cancel attempted when order is not in a cancellable state: {event.message}",
                    )
                )

    async def _send_order_state(self, client: _Client, order: SimOrder) -> None:
        """openOrder then orderStatus, as TWS sends them for every change."""
        _, order_id = self._owner(order)
        listing = self.listing_of_symbol(order.symbol)
        assert listing is not None
        contract = order.meta.get("contract", listing.details.contract)
        status = _status_of(order)
        ib_type = order.meta.get("type") or {v: k for k, v in _ORDER_TYPES.items()}.get(
            order.order_type, "LMT"
        )
        ib_tif = order.meta.get("tif") or order.time_in_force.value
        lmt = order.price
        aux = order.trigger_price
        perm_id = int(order.venue_order_id)
        await client.stream.send(
            render.open_order(
                order_id=order_id,
                contract=contract,
                action="BUY" if order.side is OrderSide.BUY else "SELL",
                quantity=order.quantity,
                order_type=ib_type,
                lmt_price=lmt,
                aux_price=aux,
                tif=ib_tif,
                account=order.meta.get("account", self.accounts[0]),
                order_ref=order.client_order_id or "",
                outside_rth=order.meta.get("outside_rth", False),
                client_id=self._owner(order)[0] or 0,
                perm_id=perm_id,
                status=status,
                server_version=client.server_version,
            )
        )
        await client.stream.send(
            render.order_status(
                order_id,
                status,
                order.filled_qty,
                order.quantity - order.filled_qty,
                order.avg_px or Decimal(0),
                perm_id,
                order.avg_px or Decimal(0),
                self._owner(order)[0] or 0,
            )
        )

    async def _send_fill(self, client: _Client, req_id: int, fill: Any) -> None:
        """execDetails then its commissionReport (joined by the execution id)."""
        order = self.exchange.order(fill.venue_order_id)
        client_id, order_id = self._owner(order)
        listing = self.listing_of_symbol(fill.symbol)
        assert listing is not None
        when = time.strftime("%Y%m%d %H:%M:%S", time.gmtime(fill.ts / _NS)) + " UTC"
        commission = render.commission_report(fill.trade_id, fill.commission, fill.commission_asset)
        if self.commission_first:
            await client.stream.send(commission)
        await client.stream.send(
            render.execution(
                req_id=req_id,
                order_id=order_id,
                contract=listing.details.contract,
                exec_id=fill.trade_id,
                time=when,
                account=order.meta.get("account", self.accounts[0])
                if order is not None
                else self.accounts[0],
                exchange=listing.details.contract.primary_exchange
                or listing.details.contract.exchange,
                side="BOT" if fill.side is OrderSide.BUY else "SLD",
                shares=fill.quantity,
                price=fill.price,
                perm_id=int(fill.venue_order_id),
                client_id=client_id or 0,
                cum_qty=order.filled_qty if order is not None else fill.quantity,
                avg_price=(order.avg_px if order is not None and order.avg_px else fill.price),
                order_ref=fill.client_order_id or "",
                last_liquidity=1 if fill.liquidity_side.value == "MAKER" else 2,
                server_version=client.server_version,
            )
        )
        if not self.commission_first:
            await client.stream.send(commission)

    # -- contracts ------------------------------------------------------------------------------

    def find(self, wanted: Contract) -> list[Listing]:
        """The listings a contract description matches (what IB's lookup does, for the fields
        the plugin sends)."""
        if wanted.con_id:
            listing = self.listings.get(wanted.con_id)
            return [listing] if listing is not None else []
        found = []
        for listing in self.listings.values():
            c = listing.details.contract
            checks = (
                (wanted.sec_type, c.sec_type),
                (wanted.symbol, c.symbol),
                (wanted.local_symbol.replace(" ", ""), c.local_symbol.replace(" ", "")),
                (wanted.currency, c.currency),
                (wanted.primary_exchange, c.primary_exchange),
                (
                    wanted.sec_id,
                    next((v for k, v in listing.details.sec_ids if k == wanted.sec_id_type), ""),
                ),
            )
            if any(want and want != have for want, have in checks):
                continue
            if (
                wanted.exchange
                and wanted.exchange not in (c.exchange, "SMART")
                and wanted.exchange not in listing.details.valid_exchanges
            ):
                continue
            found.append(listing)
        return found

    async def _contract_details(self, client: _Client, f: list[str]) -> None:
        req_id = int(f[2])
        wanted = _contract_from(f, 3)
        found = self.find(wanted)
        if not found:
            await client.stream.send(
                render.error(req_id, 200, "No security definition has been found for the request")
            )
            return
        for listing in found:
            # TWS answers bond lookups with their own message (BOND_CONTRACT_DATA).
            as_message = (
                render.bond_contract_data
                if listing.details.contract.sec_type == "BOND"
                else render.contract_data
            )
            await client.stream.send(as_message(req_id, listing.details))
        if self.malformed_contract:
            # A row whose minTick is not a number: the client must skip it and keep the rest.
            fields = decode_fields(render.contract_data(req_id, found[0].details))
            fields[13] = "not-a-tick"  # minTick
            await client.stream.send(render.encode_fields(*fields))
        await client.stream.send(render.contract_data_end(req_id))

    async def _listing_or_error(
        self, client: _Client, req_id: int, wanted: Contract
    ) -> Listing | None:
        found = [x for x in self.find(wanted) if x.sim_symbol is not None]
        if len(found) == 1:
            return found[0]
        text = (
            "The contract description specified is ambiguous."
            if found
            else "No security definition has been found for the request"
        )
        await client.stream.send(render.error(req_id, 200, text))
        return None

    async def _option_parameters(self, client: _Client, req_id: int, under_con_id: int) -> None:
        """reqSecDefOptParams: per exchange and trading class, the expirations and strikes of
        the options on ``under_con_id``."""
        chains: dict[tuple[str, str, str], tuple[set[str], set[Decimal]]] = {}
        for listing in self.listings.values():
            d = listing.details
            c = d.contract
            if d.under_con_id != under_con_id or c.sec_type not in ("OPT", "FOP"):
                continue
            for exchange in d.valid_exchanges or (c.exchange,):
                expirations, strikes = chains.setdefault(
                    (exchange, c.trading_class, c.multiplier), (set(), set())
                )
                expirations.add(c.last_trade_date)
                if c.strike is not None:
                    strikes.add(c.strike)
        for (exchange, trading_class, multiplier), (expirations, strikes) in sorted(chains.items()):
            await client.stream.send(
                render.option_parameters(
                    req_id,
                    exchange,
                    under_con_id,
                    trading_class,
                    multiplier,
                    sorted(expirations),
                    sorted(strikes),
                )
            )
        await client.stream.send(render.option_parameters_end(req_id))

    # -- market data ----------------------------------------------------------------------------

    def _tick_offset(self, client: _Client) -> int:
        """Delayed data (types 3/4) arrives on the delayed tick types (66-71)."""
        return 0 if client.market_data_type in (1, 2) else 1

    async def _market_data(self, client: _Client, req_id: int, wanted: Contract) -> None:
        listing = await self._listing_or_error(client, req_id, wanted)
        if listing is None:
            return
        client.market_data[req_id] = listing.details.contract.con_id
        if client.market_data_type in (3, 4):
            await client.stream.send(render.market_data_type(req_id, client.market_data_type))

    async def wait_for_subscriber(self, kind: str, con_id: int, timeout: float = 5.0) -> bool:
        """Wait (bounded) until a connection has requested ``kind`` (``quotes``, ``trades``,
        ``book``) of ``con_id``: a client's request may still be in flight when a test
        publishes right after subscribing. False when none arrived in time."""
        wanted = f"{kind}:{con_id}"
        with anyio.move_on_after(timeout):
            await self.server.wait_until(
                lambda: any(wanted in subs for subs in self.market_data_subscriptions)
            )
            return True
        return False

    async def publish_quote(
        self, con_id: int, bid: Decimal, ask: Decimal, bid_size: Decimal, ask_size: Decimal
    ) -> int:
        """Send bid/ask price ticks (1, 2; delayed 66, 67) with their sizes, then size ticks
        (0, 3; delayed 69, 70), as TWS does; returns how many subscriptions got them."""
        await self.wait_for_subscriber("quotes", con_id, timeout=1.0)
        sent = 0
        for client in list(self.clients):
            for req_id, subscribed in list(client.market_data.items()):
                if subscribed != con_id:
                    continue
                delayed = self._tick_offset(client)
                bid_t, ask_t = (66, 67) if delayed else (1, 2)
                bid_s, ask_s = (69, 70) if delayed else (0, 3)
                await client.stream.send(render.tick_price(req_id, bid_t, bid, bid_size))
                await client.stream.send(render.tick_size(req_id, bid_s, bid_size))
                await client.stream.send(render.tick_price(req_id, ask_t, ask, ask_size))
                await client.stream.send(render.tick_size(req_id, ask_s, ask_size))
                sent += 1
        return sent

    async def publish_last(self, con_id: int, price: Decimal, size: Decimal, exchange: str) -> int:
        """A trade print: tick-by-tick AllLast, and last price / size ticks (4, 5); returns
        the print's time (UNIX seconds)."""
        await self.wait_for_subscriber("trades", con_id, timeout=1.0)
        now = int(time.time())
        for client in list(self.clients):
            for req_id, subscribed in list(client.ticks.items()):
                if subscribed == con_id:
                    await client.stream.send(
                        render.tick_by_tick_last(req_id, now, price, size, exchange)
                    )
            for req_id, subscribed in list(client.market_data.items()):
                if subscribed == con_id:
                    await client.stream.send(render.tick_price(req_id, 4, price, size))
                    await client.stream.send(render.tick_size(req_id, 5, size))
        return now

    async def publish_real_time_bars(
        self, con_id: int, bars: list[tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]]
    ) -> None:
        """5-second bars (open time s, o, h, l, c, volume) to every reqRealTimeBars of
        ``con_id``, in the order given."""
        await self.wait_for_subscriber("bars", con_id, timeout=1.0)
        for client in list(self.clients):
            for req_id, subscribed in list(client.real_time_bars.items()):
                if subscribed == con_id:
                    for bar in bars:
                        await client.stream.send(render.real_time_bar(req_id, *bar))

    async def _depth(self, client: _Client, req_id: int, rows: int, wanted: Contract) -> None:
        listing = await self._listing_or_error(client, req_id, wanted)
        if listing is None or listing.sim_symbol is None:
            return
        client.depth[req_id] = listing.details.contract.con_id
        client.depth_rows[req_id] = {1: [], 0: []}
        client.depth_size[req_id] = rows
        await self._send_depth(client, req_id, listing.sim_symbol)

    async def _send_depth(self, client: _Client, req_id: int, sim_symbol: str) -> None:
        """Bring a depth request's rows to the book: updates where a row changed, inserts
        past the old end, deletes from the end (TWS's position-based operations)."""
        rows = client.depth_size[req_id]
        book = self.exchange.book(sim_symbol, depth=rows)
        sent = client.depth_rows[req_id]
        for side, levels in ((1, list(book.bids)), (0, list(book.asks))):
            old = sent[side]
            new = [(Decimal(p), Decimal(q)) for p, q in levels]
            for position in range(max(len(old), len(new))):
                if position < len(old) and position < len(new):
                    if old[position] != new[position]:
                        price, size = new[position]
                        await client.stream.send(
                            render.market_depth_l2(
                                req_id, position, 1, side, price, size, smart=False
                            )
                        )
                elif position >= len(old):
                    price, size = new[position]
                    await client.stream.send(
                        render.market_depth_l2(req_id, position, 0, side, price, size, smart=False)
                    )
            for position in range(len(old) - 1, len(new) - 1, -1):
                price, size = old[position]
                await client.stream.send(
                    render.market_depth_l2(
                        req_id, position, 2, side, price, Decimal(0), smart=False
                    )
                )
            sent[side] = new

    async def _on_book(self, sim_symbol: str) -> None:
        listing = self.listing_of_symbol(sim_symbol)
        if listing is None:
            return
        con_id = listing.details.contract.con_id
        for client in list(self.clients):
            for req_id, subscribed in list(client.depth.items()):
                if subscribed == con_id:
                    await self._send_depth(client, req_id, sim_symbol)

    # -- history --------------------------------------------------------------------------------

    async def _historical(self, client: _Client, f: list[str]) -> None:
        req_id = int(f[1])
        names = (
            "endDateTime",
            "barSizeSetting",
            "durationStr",
            "useRTH",
            "whatToShow",
            "formatDate",
            "keepUpToDate",
            "chartOptions",
        )
        self.history_requests.append(
            RecordedRequest(
                "TWS", "reqHistoricalData", tuple(zip(names, f[15:23], strict=True)), {}, b""
            )
        )
        listing = await self._listing_or_error(client, req_id, _contract_from(f, 2))
        if listing is None or listing.sim_symbol is None:
            return
        if self.pacing_violations > 0:
            self.pacing_violations -= 1
            await client.stream.send(
                render.error(
                    req_id,
                    162,
                    "Historical Market Data Service error message:Historical data request pacing violation",
                )
            )
            return
        end_text, bar_size, duration = f[15], f[16], f[17]
        amount, _, unit = duration.partition(" ")
        seconds = int(amount) * {"S": 1, "D": 86_400, "W": 604_800}.get(unit, 0)
        if bar_size != "1 min" or not 0 < seconds <= _MAX_1MIN_DURATION_S:
            await client.stream.send(
                render.error(
                    req_id,
                    162,
                    "Historical Market Data Service error message:Time length exceed max.",
                )
            )
            return
        end_s = int(datetime.strptime(end_text, "%Y%m%d-%H:%M:%S").replace(tzinfo=UTC).timestamp())
        rows = [
            b
            for b in self.history_bars.get(listing.sim_symbol, ())
            if end_s - seconds <= b[0] and b[0] + 60 <= end_s
        ]
        stamp = time.strftime("%Y%m%d %H:%M:%S", time.gmtime(end_s - seconds))
        await client.stream.send(
            render.historical_data(
                req_id, stamp, time.strftime("%Y%m%d %H:%M:%S", time.gmtime(end_s)), rows
            )
        )

    # -- notices --------------------------------------------------------------------------------

    async def send_notice(self, code: int, text: str | None = None) -> None:
        """A connectivity / farm notice (1100, 1101, 1102, 2104 ...) to every client."""
        message = text or NOTICE_TEXT.get(code, f"notice {code}")
        for client in list(self.clients):
            await client.stream.send(render.error(-1, code, message))

    def clients_for(self, client_id: int | None) -> list[_Client]:
        """The connections of ``client_id`` (None: every connection)."""
        return [c for c in self.clients if client_id is None or c.client_id == client_id]

    @property
    def market_data_subscriptions(self) -> list[set[str]]:
        """Per connection, its market data requests as ``kind:conId``."""
        return [
            {f"quotes:{c}" for c in client.market_data.values()}
            | {f"trades:{c}" for c in client.ticks.values()}
            | {f"book:{c}" for c in client.depth.values()}
            | {f"bars:{c}" for c in client.real_time_bars.values()}
            for client in self.clients
        ]
