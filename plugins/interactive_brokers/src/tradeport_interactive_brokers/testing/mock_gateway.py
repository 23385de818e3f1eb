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
from decimal import Decimal
from typing import Any

import anyio
import attrs
from tradeport.model.enums import OrderType, TimeInForce
from tradeport.testing import ServerStream, StreamServer
from tradeport_conformance.simulated import SimulatedExchange
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
}
_TIFS = {
    "DAY": TimeInForce.DAY,
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "GTD": TimeInForce.GTD,
}
_NS = 1_000_000_000


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
            min_size=instrument.min_qty or instrument.lot_size,
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
    depth: dict[int, int] = attrs.field(factory=dict)  # reqId -> conId (reqMktDepth)
    market_data_type: int = 1
    received: list[list[str]] = attrs.field(factory=list)


@attrs.define(eq=False)
class _OrderKey:
    client_id: int
    order_id: int
    contract: Contract
    order_type: str
    tif: str
    account: str
    order_ref: str
    action: str


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
        self.clients: list[_Client] = []
        #: START_APIs accepted / refused (client id in use) since start.
        self.handshakes = 0
        self.refused_handshakes = 0
        #: The next order id nextValidId reports, per client id (ids increase per client id).
        self.next_ids: dict[int, int] = {}
        self.orders: dict[str, _OrderKey] = {}  # sim venue order id -> IB identity
        self._by_ib_id: dict[tuple[int, int], str] = {}
        self.commission_currency = "USD"
        self.malformed_contract = False

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, task_group: anyio.abc.TaskGroup) -> None:
        await self.server.start(task_group)

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
        if any(c.client_id == client_id for c in self.clients):
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
                await self._dispatch(client, fields)
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
        elif msg == Out.REQ_MKT_DEPTH:
            await self._depth(client, int(f[2]), _contract_from(f, 3))
        elif msg == Out.CANCEL_MKT_DEPTH:
            client.depth.pop(int(f[2]), None)
        else:
            await self._dispatch_orders(client, msg, f)

    async def _dispatch_orders(self, client: _Client, msg: int, f: list[str]) -> None:
        """Order entry and reconciliation (not served yet: logged)."""
        log.debug("mock gateway: unhandled message %s", f[:3])

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
            await client.stream.send(render.contract_data(req_id, listing.details))
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

    async def publish_quote(
        self, con_id: int, bid: Decimal, ask: Decimal, bid_size: Decimal, ask_size: Decimal
    ) -> int:
        """Send bid/ask price ticks (1, 2; delayed 66, 67) with their sizes, then size ticks
        (0, 3; delayed 69, 70), as TWS does; returns how many subscriptions got them."""
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
        """A trade print: tick-by-tick AllLast, and last price / size ticks (4, 5)."""
        sent = 0
        now = int(time.time())
        for client in list(self.clients):
            for req_id, subscribed in list(client.ticks.items()):
                if subscribed == con_id:
                    await client.stream.send(
                        render.tick_by_tick_last(req_id, now, price, size, exchange)
                    )
                    sent += 1
            for req_id, subscribed in list(client.market_data.items()):
                if subscribed == con_id:
                    await client.stream.send(render.tick_price(req_id, 4, price, size))
                    await client.stream.send(render.tick_size(req_id, 5, size))
        return sent

    async def _depth(self, client: _Client, req_id: int, wanted: Contract) -> None:
        listing = await self._listing_or_error(client, req_id, wanted)
        if listing is None or listing.sim_symbol is None:
            return
        client.depth[req_id] = listing.details.contract.con_id
        book = self.exchange.book(listing.sim_symbol)
        for side, levels in ((1, book.bids), (0, book.asks)):
            for position, (price, size) in enumerate(levels):
                await client.stream.send(
                    render.market_depth_l2(req_id, position, 0, side, price, size, smart=False)
                )

    async def publish_depth(
        self, con_id: int, position: int, operation: int, side: int, price: Decimal, size: Decimal
    ) -> None:
        for client in list(self.clients):
            for req_id, subscribed in list(client.depth.items()):
                if subscribed == con_id:
                    await client.stream.send(
                        render.market_depth_l2(
                            req_id, position, operation, side, price, size, smart=False
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
            for client in self.clients
        ]
