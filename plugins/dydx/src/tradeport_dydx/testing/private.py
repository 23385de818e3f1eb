"""The mock's private half: orders from the validator stub into the SimulatedExchange, and
their state out through the indexer (REST and the ``v4_subaccounts`` channel).

CheckTx (the validator stub's ``on_message``) places each MsgPlaceOrder on the exchange at
once: a refusal there refuses the transaction with the chain's code (``clob`` 4 quantums, 6
subticks, 2003 post-only would cross, 2001 reduce-only, 3007 collateralization; 3006 for a
stateful cancel of an order that is not open; a short-term cancel is always taken). The indexer learns of what happened at the next block:
exchange events are queued and sent, one ``channel_data`` message per block, as the
indexer's order and fill records (shapes: v4-chain ``websocket-message-types.ts``,
``FillFromDatabase`` spread into stream fills by ender's ``kafka-helper.ts``; REST: comlink's
``api-documentation.md``). Short-term orders expire when the height passes their
good-til-block (removal ``ORDER_REMOVAL_REASON_INDEXER_EXPIRED``; ``silent_expiry`` sends
nothing, as when the indexer misses it), stateful ones at their good-til-block-time
(``ORDER_REMOVAL_REASON_EXPIRED``). ``hold_private_events`` keeps the indexer from reporting
(the chain has not included the transactions yet): held orders are not listed on REST either.
"""

from __future__ import annotations

import time
import zlib
from decimal import Decimal
from typing import Any, Final

from tradeport.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from tradeport.testing import Request, Response
from tradeport_conformance.mock import StreamConnection
from tradeport_conformance.simulated import (
    CancelCause,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    PositionChanged,
    RejectReason,
    SimEvent,
    SimOrder,
)

from tradeport_dydx.chain import proto
from tradeport_dydx.http.parse import ns_to_iso
from tradeport_dydx.market import DydxMarket
from tradeport_dydx.orders import order_uuid, subaccount_uuid

__all__ = ["SubaccountIndexer", "REFUSAL_CODES"]

#: SimulatedExchange reasons -> the chain's (codespace, code) (x/clob/types/errors.go).
REFUSAL_CODES: Final = {
    RejectReason.INVALID_QUANTITY: 4,
    RejectReason.INVALID_QUANTITY_INCREMENT: 4,
    RejectReason.MIN_QUANTITY: 4,
    RejectReason.INVALID_PRICE: 6,
    RejectReason.INVALID_PRICE_INCREMENT: 6,
    RejectReason.WOULD_CROSS: 2003,
    RejectReason.REDUCE_ONLY_VIOLATION: 2001,
    RejectReason.INSUFFICIENT_BALANCE: 3007,
}
_REMOVAL: Final = {
    CancelCause.CLIENT: "ORDER_REMOVAL_REASON_USER_CANCELED",
    CancelCause.VENUE: "ORDER_REMOVAL_REASON_INTERNAL_ERROR",
    CancelCause.UNFILLED_REMAINDER: "ORDER_REMOVAL_REASON_IMMEDIATE_OR_CANCEL_WOULD_REST_ON_BOOK",
    CancelCause.POST_ONLY_WOULD_CROSS: "ORDER_REMOVAL_REASON_POST_ONLY_WOULD_CROSS_MAKER_ORDER",
    CancelCause.REDUCE_ONLY: "ORDER_REMOVAL_REASON_REDUCE_ONLY_RESIZE",
    CancelCause.INSUFFICIENT_BALANCE: "ORDER_REMOVAL_REASON_UNDERCOLLATERALIZED",
}


#: The chain's conditions -> the SimulatedExchange's conditional limit types.
_CONDITION_TYPES: Final = {  # (limit, IOC)
    proto.CONDITION_STOP_LOSS: (OrderType.STOP_LIMIT, OrderType.STOP_MARKET),
    proto.CONDITION_TAKE_PROFIT: (OrderType.LIMIT_IF_TOUCHED, OrderType.MARKET_IF_TOUCHED),
}


def _indexer_type(order: proto.Order) -> str:
    """The indexer's order ``type`` (protocolConditionTypeToOrderType and the IOC variants)."""
    ioc = order.time_in_force == proto.TIF_IOC
    if order.condition_type == proto.CONDITION_STOP_LOSS:
        return "STOP_MARKET" if ioc else "STOP_LIMIT"
    if order.condition_type == proto.CONDITION_TAKE_PROFIT:
        return "TAKE_PROFIT_MARKET" if ioc else "TAKE_PROFIT"
    return "LIMIT"


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


class SubaccountIndexer:
    """Mixin of :class:`~tradeport_dydx.testing.harness.DydxHarness` (see the module docs)."""

    # Provided by the harness.
    exchange: Any
    validator: Any
    streams: Any
    server: Any
    address: str
    subaccount_number: int = 0

    def _init_private(self) -> None:
        #: venue order id -> chain facts of the order (client id, flags, clob, good-tils).
        self._chain_orders: dict[str, dict[str, Any]] = {}
        self._queued: list[SimEvent] = []
        self._pending_events = 0
        self._held_ids: set[str] | None = None
        self._fill_heights: dict[str, int] = {}
        self._transfers: list[dict[str, Any]] = []
        #: Send nothing when a short-term order expires (the client must notice by itself).
        self.silent_expiry = False

    # -- markets ---------------------------------------------------------------------------------

    def market_of(self, ticker: str) -> DydxMarket:
        raise NotImplementedError

    def ticker_of_clob(self, clob_pair_id: int) -> str | None:
        raise NotImplementedError

    # -- CheckTx ----------------------------------------------------------------------------------

    def check_message(self, type_url: str, message: Any) -> tuple[str, int, str] | None:
        """The validator's CheckTx hook (see the module docstring)."""
        if type_url == proto.MSG_PLACE_ORDER:
            return self._place(message.order)
        if type_url == proto.MSG_BATCH_CANCEL:
            # Short-term cancels by client id; like single short-term cancels, always taken.
            for batch in message.short_term_cancels:
                for client_id in batch.client_ids:
                    vid = order_uuid(
                        message.subaccount_id,
                        client_id,
                        batch.clob_pair_id,
                        proto.ORDER_FLAGS_SHORT_TERM,
                    )
                    self.exchange.cancel(vid)
            return None
        if type_url == proto.MSG_CANCEL_ORDER:
            vid = order_uuid(
                message.order_id.subaccount_id,
                message.order_id.client_id,
                message.order_id.clob_pair_id,
                message.order_id.order_flags,
            )
            result = self.exchange.cancel(vid)
            # A short-term cancel of an order not in the book is kept by the memclob until its
            # good-til-block (it blocks a later placement): accepted. A stateful one is not.
            stateful = message.order_id.order_flags != proto.ORDER_FLAGS_SHORT_TERM
            if not result.ok and stateful:
                return ("clob", 3006, f"Stateful order does not exist: {vid}")
        return None

    def _place(self, order: proto.Order) -> tuple[str, int, str] | None:
        oid = order.order_id
        ticker = self.ticker_of_clob(oid.clob_pair_id)
        if ticker is None:
            return ("clob", 12, f"MsgPlaceOrder is invalid: clob pair {oid.clob_pair_id}")
        market = self.market_of(ticker)
        vid = order_uuid(oid.subaccount_id, oid.client_id, oid.clob_pair_id, oid.order_flags)
        if order.subticks % market.subticks_per_tick:
            return ("clob", 6, f"Invalid order subticks: {order.subticks}")
        if not order.quantums or order.quantums % market.step_base_quantums:
            return ("clob", 4, f"Invalid order quantums: {order.quantums}")
        short = oid.order_flags == proto.ORDER_FLAGS_SHORT_TERM
        ioc = order.time_in_force == proto.TIF_IOC
        if order.reduce_only and not ioc:
            return ("clob", 9003, "Reduce-only is currently disabled for non-IOC orders")
        conditional = oid.order_flags == proto.ORDER_FLAGS_CONDITIONAL
        tif = TimeInForce.IOC if ioc and not conditional else TimeInForce.GTC
        expire = None
        if not short and order.good_til_block_time and tif is not TimeInForce.IOC:
            tif, expire = TimeInForce.GTD, order.good_til_block_time * 1_000_000_000
        # A conditional order waits for its trigger until its good-til-block-time, then works
        # as a limit order at its subticks; the IOC (market) variants execute at once (the
        # exchange sweeps the book: their worst price is not modelled).
        order_type, trigger = OrderType.LIMIT, None
        price: Decimal | None = market.price(order.subticks)
        if conditional:
            if order.condition_type not in _CONDITION_TYPES:
                return ("clob", 12, f"MsgPlaceOrder is invalid: condition {order.condition_type}")
            if not order.conditional_order_trigger_subticks:
                return ("clob", 12, "MsgPlaceOrder is invalid: no trigger subticks")
            order_type = _CONDITION_TYPES[order.condition_type][ioc]
            trigger = market.price(order.conditional_order_trigger_subticks)
            if ioc:
                price = None
        self._chain_orders[vid] = {
            "clientId": oid.client_id,
            "orderFlags": oid.order_flags,
            "clobPairId": oid.clob_pair_id,
            "goodTilBlock": order.good_til_block if short else None,
            "goodTilBlockTime": order.good_til_block_time if not short else None,
            "createdAtHeight": self.validator.height + 1,
            "short": short,
            "type": _indexer_type(order),
            "price": market.price(order.subticks),
        }
        if self._held_ids is not None:
            self._held_ids.add(vid)
        self._register_order_route(vid)
        result = self.exchange.submit(
            ticker,
            OrderSide.BUY if order.side == proto.SIDE_BUY else OrderSide.SELL,
            order_type,
            market.size(order.quantums),
            price=price,
            trigger_price=trigger,
            time_in_force=tif,
            expire_time_ns=expire,
            post_only=order.time_in_force == proto.TIF_POST_ONLY,
            reduce_only=order.reduce_only,
            client_order_id=str(oid.client_id),
            venue_order_id=vid,
        )
        if not result.ok:
            del self._chain_orders[vid]
            code = REFUSAL_CODES.get(result.reason, 12)
            return ("clob", code, f"{result.reason}: {result.message}")
        return None

    def on_new_block(self, height: int) -> None:
        """Expire short-term orders past their good-til-block; stateful ones past their time."""
        for order in self.exchange.open_orders():
            facts = self._chain_orders.get(order.venue_order_id)
            if facts is not None and facts["short"] and facts["goodTilBlock"] < height:
                self.exchange.expire(order.venue_order_id)
        self.exchange.advance_time()

    # -- rendering --------------------------------------------------------------------------------

    def _facts(self, order: SimOrder) -> dict[str, Any]:
        facts = self._chain_orders.get(order.venue_order_id)
        if facts is None:  # an order seeded at the venue (placed elsewhere): a long-term one
            coid = order.client_order_id or order.venue_order_id
            client_id = (
                int(coid) if coid.isdigit() and int(coid) < 1 << 32 else zlib.crc32(coid.encode())
            )
            market = self.market_of(order.symbol)
            facts = self._chain_orders[order.venue_order_id] = {
                "clientId": client_id,
                "orderFlags": proto.ORDER_FLAGS_LONG_TERM,
                "clobPairId": market.clob_pair_id,
                "goodTilBlock": None,
                "goodTilBlockTime": int(time.time()) + 28 * 86400,
                "createdAtHeight": self.validator.height,
                "short": False,
            }
            self._register_order_route(order.venue_order_id)
        return facts

    def render_order(self, order: SimOrder, *, removal: str | None = None) -> dict[str, Any]:
        """The indexer's order record of ``order``."""
        facts = self._facts(order)
        status = {
            OrderStatus.FILLED: "FILLED",
            OrderStatus.CANCELED: "CANCELED",
            OrderStatus.EXPIRED: "CANCELED",
            OrderStatus.REJECTED: "ERROR",
        }.get(order.status, "OPEN")
        conditional = facts["orderFlags"] == proto.ORDER_FLAGS_CONDITIONAL
        if conditional and status == "OPEN" and order.ts_triggered is None:
            status = "UNTRIGGERED"
        record: dict[str, Any] = {
            "id": order.venue_order_id,
            "subaccountId": subaccount_uuid(self.address, self.subaccount_number),
            "clientId": str(facts["clientId"]),
            "clobPairId": str(facts["clobPairId"]),
            "side": order.side.value,
            "size": _text(order.quantity),
            "totalFilled": _text(order.filled_qty),
            "price": _text(facts.get("price") or order.price or Decimal(0)),
            "type": facts.get("type", "LIMIT"),
            "status": status,
            "timeInForce": "IOC" if order.time_in_force is TimeInForce.IOC else "GTT",
            "postOnly": order.post_only,
            "reduceOnly": order.reduce_only,
            "orderFlags": str(facts["orderFlags"]),
            "clientMetadata": "0",
            "updatedAt": ns_to_iso(order.ts_updated or time.time_ns()),
            "updatedAtHeight": str(self.validator.height),
            "ticker": order.symbol,
            "subaccountNumber": self.subaccount_number,
        }
        if order.trigger_price is not None:
            record["triggerPrice"] = _text(order.trigger_price)
        if facts["goodTilBlock"] is not None:
            record["goodTilBlock"] = str(facts["goodTilBlock"])
        else:
            record["goodTilBlockTime"] = ns_to_iso(facts["goodTilBlockTime"] * 1_000_000_000)
            record["createdAtHeight"] = str(facts["createdAtHeight"])
            record["createdAt"] = ns_to_iso(order.ts_created or time.time_ns())
        if removal is not None:
            record["removalReason"] = removal
        return record

    def render_fill(self, fill: Any, *, rest: bool) -> dict[str, Any]:
        """The indexer's fill record (``rest``: the REST shape with ``market``)."""
        market = self.market_of(fill.symbol)
        height = self._fill_heights.setdefault(fill.trade_id, self.validator.height)
        record: dict[str, Any] = {
            "id": fill.trade_id,
            "side": fill.side.value,
            "liquidity": "MAKER" if fill.liquidity_side is LiquiditySide.MAKER else "TAKER",
            "type": "LIMIT",
            "price": _text(fill.price),
            "size": _text(fill.quantity),
            "fee": _text(fill.commission),
            "affiliateRevShare": "0",
            "createdAt": ns_to_iso(fill.ts),
            "createdAtHeight": str(height),
            "orderId": fill.venue_order_id,
            "clientMetadata": "0",
        }
        if rest:
            record.update(
                market=fill.symbol, marketType="PERPETUAL", subaccountNumber=self.subaccount_number
            )
        else:
            record.update(
                subaccountId=subaccount_uuid(self.address, self.subaccount_number),
                clobPairId=str(market.clob_pair_id),
                quoteAmount=_text(fill.price * fill.quantity),
                eventId=f"{int(fill.trade_id) if fill.trade_id.isdigit() else 0:040x}",
                transactionHash=f"{zlib.crc32(fill.trade_id.encode()):064X}",
                ticker=fill.symbol,
            )
        return record

    def render_position(self, position: Any) -> dict[str, Any]:
        """The indexer's perpetual position record (``size`` signed)."""
        short = position.side is PositionSide.SHORT
        size = -position.quantity if short else position.quantity
        return {
            "market": position.symbol,
            "status": "OPEN" if position.quantity else "CLOSED",
            "side": "SHORT" if short else "LONG",
            "size": _text(size),
            "maxSize": _text(size),
            "entryPrice": _text(position.avg_entry_price),
            "realizedPnl": _text(position.realized_pnl),
            "createdAt": ns_to_iso(position.ts_opened or position.ts_updated),
            "createdAtHeight": str(self.validator.height),
            "sumOpen": _text(position.quantity),
            "sumClose": "0",
            "netFunding": "0",
            "unrealizedPnl": _text(position.unrealized_pnl),
            "subaccountNumber": self.subaccount_number,
        }

    def render_subaccount(self) -> dict[str, Any]:
        """``SubaccountResponseObject``: equity and free collateral from the USDC balance."""
        balance = self.exchange.balance("USDC")
        positions = {
            p.symbol: self.render_position(p) for p in self.exchange.positions() if p.quantity
        }
        return {
            "address": self.address,
            "subaccountNumber": self.subaccount_number,
            "equity": _text(balance.total),
            "freeCollateral": _text(balance.free),
            "openPerpetualPositions": positions,
            "assetPositions": {
                "USDC": {
                    "symbol": "USDC",
                    "side": "LONG",
                    "size": _text(balance.total),
                    "assetId": "0",
                    "subaccountNumber": self.subaccount_number,
                }
            },
            "marginEnabled": True,
            "updatedAtHeight": str(self.validator.height),
            "latestProcessedBlockHeight": str(self.validator.height),
        }

    # -- REST -------------------------------------------------------------------------------------

    def install_private_routes(self, route: Any) -> None:
        route("GET", "/v4/orders", self._orders_route)
        route("GET", "/v4/fills", self._fills_route)
        route("GET", "/v4/perpetualPositions", self._positions_route)
        route(
            "GET",
            f"/v4/addresses/{self.address}/subaccountNumber/{self.subaccount_number}",
            self._subaccount_route,
        )
        self._route = route

    def _register_order_route(self, vid: str) -> None:
        self._route("GET", f"/v4/orders/{vid}", self._order_route)

    def _visible(self, order: SimOrder) -> bool:
        return self._held_ids is None or order.venue_order_id not in self._held_ids

    def _mine(self, request: Request) -> bool:
        return request.param("address") == self.address and request.param("subaccountNumber") in (
            str(self.subaccount_number),
            None,
        )

    async def _order_route(self, request: Request) -> Response:
        vid = request.path.rsplit("/", 1)[1]
        order = self.exchange.order(vid)
        if order is None or not self._visible(order):
            return Response.json({"errors": [{"msg": f"No order with id {vid}"}]}, status=404)
        return Response.json(self.render_order(order))

    async def _orders_route(self, request: Request) -> Response:
        if not self._mine(request):
            return Response.json([])
        ticker, status = request.param("ticker"), request.param("status")
        orders = self.exchange.open_orders() + self.exchange.closed_orders()
        records = [
            self.render_order(o)
            for o in orders
            if self._visible(o) and (ticker is None or o.symbol == ticker)
        ]
        if status is not None:
            records = [r for r in records if r["status"] in status.split(",")]
        limit = int(request.param("limit") or 100)
        return Response.json(records[:limit])

    async def _fills_route(self, request: Request) -> Response:
        if not self._mine(request):
            return Response.json({"fills": []})
        market, before = request.param("market"), request.param("createdBeforeOrAt")
        fills = [
            self.render_fill(f, rest=True)
            for f in sorted(self.exchange.fills(), key=lambda f: f.ts, reverse=True)
            if (market is None or f.symbol == market)
            and (self._held_ids is None or f.venue_order_id not in self._held_ids)
        ]
        if before is not None:
            fills = [f for f in fills if f["createdAt"] <= before]
        limit = int(request.param("limit") or 100)
        return Response.json(
            {"pageSize": limit, "totalResults": len(fills), "offset": 0, "fills": fills[:limit]}
        )

    async def _positions_route(self, request: Request) -> Response:
        if not self._mine(request):
            return Response.json({"positions": []})
        wanted = request.param("status") or "OPEN"
        positions = [
            self.render_position(p)
            for p in self.exchange.positions()
            if ("OPEN" if p.quantity else "CLOSED") in wanted.split(",")
        ]
        return Response.json({"positions": positions})

    async def _subaccount_route(self, request: Request) -> Response:
        return Response.json({"subaccount": self.render_subaccount()})

    # -- the channel ------------------------------------------------------------------------------

    @property
    def subaccount_channel_id(self) -> str:
        return f"{self.address}/{self.subaccount_number}"

    def subscribed_contents(self) -> dict[str, Any]:
        """What ``subscribed`` to ``v4_subaccounts`` carries: the subaccount, its open orders
        and the height (socks ``getInitialResponseForSubaccountSubscription``)."""
        return {
            "subaccount": self.render_subaccount(),
            "orders": [
                self.render_order(o) for o in self.exchange.open_orders() if self._visible(o)
            ],
            "blockHeight": str(self.validator.height),
        }

    def on_sim_event(self, event: SimEvent) -> None:
        """Exchange listener: queue what the indexer will report at the next block."""
        if isinstance(event, (OrderEvent, PositionChanged)) and not isinstance(
            event, OrderRejected
        ):
            self._queued.append(event)
            self._pending_events += 1

    def _contents_of(self, events: list[SimEvent]) -> dict[str, Any]:
        orders: list[dict[str, Any]] = []
        fills: list[dict[str, Any]] = []
        positions: list[dict[str, Any]] = []
        for event in events:
            if isinstance(event, PositionChanged):
                positions.append(
                    {
                        **self.render_position(event.position),
                        "address": self.address,
                        "positionId": f"{self.address}-{event.position.symbol}",
                    }
                )
                continue
            assert isinstance(event, OrderEvent)
            order = event.order
            removal = None
            if order.status is OrderStatus.EXPIRED:
                facts = self._facts(order)
                if facts["short"] and self.silent_expiry:
                    continue
                removal = (
                    "ORDER_REMOVAL_REASON_INDEXER_EXPIRED"
                    if facts["short"]
                    else "ORDER_REMOVAL_REASON_EXPIRED"
                )
            elif order.status is OrderStatus.CANCELED:
                removal = _REMOVAL.get(order.cancel_cause or CancelCause.CLIENT)
            orders.append(self.render_order(order, removal=removal))
            if isinstance(event, OrderFilled):
                fills.append(self.render_fill(event.fill, rest=False))
        contents: dict[str, Any] = {"blockHeight": str(self.validator.height)}
        if orders:
            contents["orders"] = orders
        if fills:
            contents["fills"] = fills
        if positions:
            contents["perpetualPositions"] = positions
        return contents

    async def run_indexer(self) -> None:
        """At every block, report the queued exchange events (unless held)."""
        while True:
            await self.validator.next_block()
            if self._held_ids is not None or not (self._queued or self._transfers):
                continue
            events, self._queued = self._queued, []
            transfers, self._transfers = self._transfers, []
            contents = self._contents_of(events)
            for transfer in transfers:
                # One message per transfer: the channel's ``transfers`` is a single record.
                balance = self.exchange.balance("USDC")
                await self._send_subaccount(
                    {
                        "transfers": transfer,
                        "assetPositions": [
                            {
                                "address": self.address,
                                "subaccountNumber": self.subaccount_number,
                                "positionId": f"{self.address}-USDC",
                                "assetId": "0",
                                "symbol": "USDC",
                                "side": "LONG",
                                "size": _text(balance.total),
                            }
                        ],
                        "blockHeight": str(self.validator.height),
                    }
                )
            if len(contents) > 1:
                await self._send_subaccount(contents)
            self._pending_events -= len(events) + len(transfers)
            self.server.notify()

    async def _send_subaccount(self, contents: dict[str, Any]) -> None:
        topic = f"v4_subaccounts:{self.subaccount_channel_id}"
        payload = {
            "type": "channel_data",
            "channel": "v4_subaccounts",
            "id": self.subaccount_channel_id,
            "version": "3.0.0",
            "contents": contents,
        }
        # Through send_private (hold_private_events); numbered for the connection it reaches
        # when sent. The channel is subscribed by address, without a login.
        await self.send_private(  # type: ignore[attr-defined]
            lambda conn: topic in conn.topics,
            lambda conn: self.numbered(conn, payload),
            logged_in=False,
        )

    async def send_indexer(self, conn: StreamConnection, payload: dict[str, Any]) -> None:
        raise NotImplementedError

    def numbered(self, conn: StreamConnection, payload: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    async def push_account_events(self) -> None:
        """Return once every exchange event so far has been reported by the indexer."""
        if self._held_ids is not None:
            return
        await self.wait_until(lambda: self._pending_events == 0, what="indexer reports sent")  # type: ignore[attr-defined]

    async def transfer_in(self, amount: Decimal, sender: str = "dydx1" + "d" * 38) -> None:
        """A USDC transfer into the subaccount (a deposit from ``sender``): the balance moves
        and the indexer reports the transfer and the asset position at the next block."""
        balance = self.exchange.balance("USDC")
        self.exchange.set_balance("USDC", balance.total + amount)
        now = time.time_ns()
        self._transfers.append(
            {
                "sender": {"address": sender},
                "recipient": {"address": self.address, "subaccountNumber": self.subaccount_number},
                "symbol": "USDC",
                "size": _text(amount),
                "type": "DEPOSIT",
                "transactionHash": f"{now:064X}",
                "createdAt": ns_to_iso(now),
                "createdAtHeight": str(self.validator.height),
            }
        )
        self._pending_events += 1

    async def wait_blocks(self, count: int = 1) -> None:
        """Return once the chain has committed ``count`` more blocks."""
        for _ in range(count):
            await self.validator.next_block()

    def expiring_order(self, order: Any) -> Any:
        """A GTC limit made a short-term order: it rests until its good-til-block (the
        client's ``short_term_blocks``, 20 blocks = 2 s here) and expires there."""
        import attrs

        from tradeport_dydx.orders import SHORT_TERM_TAG

        return attrs.evolve(order, tags=(*order.tags, SHORT_TERM_TAG))

    async def hold_inclusion(self, hold: bool = True) -> None:
        """Hold the indexer: nothing placed from now on is reported (stream or REST) until
        the release, as when transactions wait in the mempool."""
        if hold:
            if self._held_ids is None:
                self._held_ids = set()
            return
        self._held_ids = None
        self.server.notify()
