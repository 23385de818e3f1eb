"""The dYdX execution client: orders as chain transactions, their state from the indexer.

Writes and reads travel different planes:

* **commands** are Cosmos transactions (MsgPlaceOrder, MsgCancelOrder) signed with the wallet
  and broadcast to the node's REST gateway (:class:`~tradeport_dydx.chain.sender.TxSender`:
  stateful orders serialized with the account sequence, code 32 resynced and retried once).
  A broadcast answered with code 0 only means the transaction entered the mempool: the order is
  **not** accepted then. A non-zero code is the chain's definitive refusal (OrderRejected /
  OrderCancelRejected naming ``codespace:code``). A transport error leaves the order in flight;
  it is resolved by asking the indexer (``GET /v4/orders/{id}``: the client knows the id, a
  UUID of the order id fields, before the indexer reports it).
* **state** comes from the indexer: the ``v4_subaccounts`` channel of the subaccount (order
  rows and fills through the tracker; positions as PositionStatusReports; a transfer or an
  asset position change as a fresh AccountState from the subaccount record), and REST for
  reconciliation. An order is accepted when the
  indexer first reports it; every event goes through the core OrderTracker, once.

Short-term orders (IOC, MARKET as a slippage-bounded IOC, and GTC limits tagged
``dydx:short_term``) carry a good-til-block ``short_term_blocks`` after the node's height. One
that passes its good-til-block unfilled ends as **expired**: from the indexer's removal
(``removalReason`` ``..._EXPIRED``), or, when the indexer says nothing, from the client's own
watch of the node height (``expiry_grace_blocks`` after the good-til-block it asks the indexer
once more and reports the order expired unless the indexer shows it filled or canceled).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import anyio
import attrs
from tradeport.clients.background import BackgroundTasks
from tradeport.clients.base import ExecutionClient, InstrumentProvider, Reconnected
from tradeport.clients.orders import OrderTracker, TrackedOrder
from tradeport.errors import AuthenticationError, TradeportError, ValidationError, VenueError
from tradeport.model.enums import OrderSide, OrderType
from tradeport.model.events import OrderCancelRejected, OrderSubmitted
from tradeport.model.identifiers import AccountId, ClientOrderId, InstrumentId, VenueOrderId
from tradeport.model.instruments import Instrument
from tradeport.model.orders import Order
from tradeport.model.reports import (
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)
from tradeport.net import WebSocketClient

from tradeport_dydx.chain import proto
from tradeport_dydx.chain.keys import DydxKey
from tradeport_dydx.chain.node import AccountNotFound, ChainNode, NodeClient
from tradeport_dydx.chain.sender import ChainRejected, TxSender
from tradeport_dydx.chain.wallet import key_of, short_term_good_til_block, subaccount_of
from tradeport_dydx.config import DydxConfig
from tradeport_dydx.constants import CAPABILITIES, VENUE_ID
from tradeport_dydx.http.client import DydxIndexerClient
from tradeport_dydx.http.parse import iso_to_ns, ns_to_iso
from tradeport_dydx.http.reports import (
    parse_account_state,
    parse_fill_report,
    parse_order_report,
    parse_position_report,
)
from tradeport_dydx.market import DydxMarket
from tradeport_dydx.orders import (
    MARKET_TYPES,
    chain_order,
    client_id_of,
    is_short_term,
    order_flags_of,
    order_uuid,
    slippage_price,
)
from tradeport_dydx.symbology import instrument_id_of, ticker_of
from tradeport_dydx.urls import chain_id, node_url
from tradeport_dydx.websocket.messages import (
    SUBACCOUNTS,
    DydxIndexerProtocol,
    indexer_stream,
    topic_of,
)

__all__ = ["DydxExecutionClient", "RESOLVE_DELAYS", "CREDENTIALS_HINT"]

#: Seconds between indexer queries for an order whose broadcast outcome is unknown.
RESOLVE_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)
CREDENTIALS_HINT = "set DYDX_MNEMONIC or DYDX_PRIVATE_KEY (mnemonic / private_key)"
#: Removal reasons of post-only orders that would have crossed (v4 OrderRemovalReason).
_POST_ONLY_MARKERS = ("POST_ONLY", "post-only")
_FILLS_LIMIT = 100


@attrs.define
class _Placed:
    """What the client keeps of an order it sent (cancels need the chain's order id)."""

    order_id: proto.OrderId
    venue_order_id: VenueOrderId
    good_til_block: int | None = None
    good_til_block_time: int | None = None
    cancel_requested: bool = False


class DydxExecutionClient(ExecutionClient):
    """Orders and reports for one dYdX subaccount (see the module docstring)."""

    credentials_hint = CREDENTIALS_HINT

    def __init__(
        self,
        config: DydxConfig,
        *,
        instruments: InstrumentProvider | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("capabilities", CAPABILITIES)
        super().__init__(VENUE_ID, config, instruments=instruments, **kwargs)
        self.config: DydxConfig = config
        self.http = DydxIndexerClient(config)
        self.node: ChainNode
        if config.node_transport == "grpc":
            from tradeport_dydx.chain.grpc_node import GrpcNodeClient

            assert config.node_grpc_url is not None
            self.node = GrpcNodeClient(config.node_grpc_url, timeout=config.http_timeout)
        else:
            self.node = NodeClient(
                node_url(config),
                timeout=config.http_timeout,
                retry_delay=config.http_retry_delay,
            )
        self._key: DydxKey | None = key_of(config) if self.has_credentials else None
        self._sender: TxSender | None = (
            TxSender(
                self._key,
                self.node,
                chain_id=chain_id(config),
                address=config.address,
                authenticators=config.authenticator_ids,
            )
            if self._key is not None
            else None
        )
        address = config.address or (self._key.address if self._key is not None else "wallet")
        self.account_id = AccountId(f"{VENUE_ID}-{address[:12]}-{config.subaccount_number}")
        self.tracker = OrderTracker(
            self.account_id,
            post_only_rejection=lambda reason: (
                reason is not None and any(m in reason for m in _POST_ONLY_MARKERS)
            ),
        )
        #: chain client id -> the client order id it stands for (hashed ids cannot be decoded).
        self._client_ids: dict[int, ClientOrderId] = {}
        self._placed: dict[ClientOrderId, _Placed] = {}
        self._by_venue_id: dict[str, ClientOrderId] = {}
        self._stream: WebSocketClient | None = None
        self._tasks = BackgroundTasks(self.log, f"{VENUE_ID} execution")
        #: Feeds the tracker one input at a time (stream, queries and commands interleave).
        self._lock = anyio.Lock()
        #: The latest block height the indexer or the node told of.
        self._height: int | None = None
        #: Short-term orders reported expired by the client's height watch (observation).
        self.expired_by_height = 0

    def __repr__(self) -> str:
        return f"DydxExecutionClient(account_id={self.account_id.value!r})"

    @property
    def has_credentials(self) -> bool:
        """A mnemonic or a private key is configured."""
        return self.config.mnemonic is not None or self.config.private_key is not None

    @property
    def subaccount(self) -> proto.SubaccountId:
        """The subaccount orders are placed for."""
        self.require_credentials("subaccount")
        assert self._key is not None
        return subaccount_of(self.config, self._key)

    @property
    def sender(self) -> TxSender:
        """The transaction sender (sequence handling; observations for tests)."""
        self.require_credentials("broadcast")
        assert self._sender is not None
        return self._sender

    # -- lifecycle ------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Check the wallet on chain, open the indexer pool and the ``v4_subaccounts`` stream
        of the subaccount, and start watching short-term expiries.

        The indexer has no login (it serves any address), so the check is the chain's: the
        account must exist and its public key, once known, must be the configured key's.
        AuthenticationError otherwise (a key the chain would refuse to sign for the account).
        """
        if self._tasks.is_open:
            return
        await self.http.open()
        await self._tasks.open()
        if not self.has_credentials:
            return
        config = self.config
        try:
            await self._check_wallet()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.disconnect()
            raise
        stream = indexer_stream(
            config,
            DydxIndexerProtocol(),
            self._on_message,
            name=f"{VENUE_ID} subaccount stream",
            on_reconnected=self._on_reconnected,
        )
        try:
            await self._tasks.start_stream(stream)
            self._stream = stream
            await stream.subscribe([self._topic])
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.disconnect()
            raise
        self.authenticated = True
        self._tasks.start_soon(self._watch_expiries, name="short-term expiries")

    async def _check_wallet(self) -> None:
        sender = self.sender
        await sender.sync_account()
        assert sender.account is not None and self._key is not None
        known = sender.account.public_key
        own = self._key.public_key
        if sender.authenticators:
            return  # an API trading key: the chain checks its authenticators on each order
        if (known is not None and known != own) or (
            known is None and sender.address != self._key.address
        ):
            raise AuthenticationError(
                f"the configured key is not the key of {sender.address} (for an API trading "
                "key of it, set authenticator_ids)",
                venue=VENUE_ID,
                venue_code="sdk:8",
            )

    async def disconnect(self) -> None:
        """Close the stream, the indexer pool and the node client."""
        if self._stream is not None:
            self._stream.close()
        self._stream = None
        self.authenticated = False
        await self._tasks.close()
        await self.http.aclose()
        await self.node.aclose()

    @property
    def _topic(self) -> str:
        sub = self.subaccount
        return topic_of(SUBACCOUNTS, f"{sub.owner}/{sub.number}")

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

    @staticmethod
    def _market(instrument: Instrument) -> DydxMarket:
        market = instrument.info.get("market")
        if not isinstance(market, DydxMarket):
            raise ValidationError("instrument_id", str(instrument.id), "is not a dYdX market")
        return market

    def _instrument_of(self, record: Mapping[str, Any]) -> Instrument | None:
        ticker = record.get("ticker") or record.get("market")
        if ticker is None or self.instruments is None:
            return None
        return self.instruments.find(instrument_id_of(str(ticker)))

    def _own_id(self, record: Mapping[str, Any]) -> ClientOrderId | None:
        """The client order id of an indexer order row (or of a fill's ``orderId``)."""
        known = self._by_venue_id.get(str(record.get("orderId") or record.get("id")))
        if known is not None:
            return known
        client_id = record.get("clientId")
        if client_id is None:
            return None
        mapped = self._client_ids.get(int(client_id))
        return mapped if mapped is not None else ClientOrderId(str(client_id))

    # -- commands -------------------------------------------------------------------------------

    async def _limit_price(self, order: Order, market: DydxMarket) -> Decimal:
        if order.order_type in MARKET_TYPES and order.order_type is not OrderType.MARKET:
            # A conditional market order executes IOC at its trigger moved by the slippage.
            if order.trigger_price is None:
                raise ValidationError(
                    "trigger_price", "None", f"a {order.order_type.value} needs one"
                )
            return slippage_price(
                market, order.side, order.trigger_price.as_decimal(), self.config.market_slippage
            )
        if order.order_type is not OrderType.MARKET:
            if order.price is None:
                raise ValidationError("price", "None", "a limit order needs a price")
            return order.price.as_decimal()
        book = await self.http.http_get_orderbook(market.ticker)
        levels = book.get("asks" if order.side is OrderSide.BUY else "bids") or []
        if not levels:
            raise ValidationError(
                "instrument_id", market.ticker, "has no opposite side to price a market order"
            )
        return slippage_price(
            market, order.side, Decimal(str(levels[0]["price"])), self.config.market_slippage
        )

    async def _good_til(self, order: Order) -> tuple[int | None, int | None]:
        if is_short_term(order):
            return await short_term_good_til_block(self.node, self.config.short_term_blocks), None
        if order.expire_time_ns is not None:
            seconds = -(-order.expire_time_ns // 1_000_000_000)
        else:
            seconds = int(time.time()) + int(self.config.gtc_lifetime)
        return None, seconds

    async def submit_order(self, order: Order) -> None:
        """Broadcast a MsgPlaceOrder (see the module docstring for outcomes)."""
        self.require_credentials("submit_order")
        instrument = await self.ensure_instrument(order.instrument_id)
        market = self._market(instrument)
        subaccount = self.subaccount
        client_id = client_id_of(order.client_order_id)
        flags = order_flags_of(order)
        venue_id = VenueOrderId(order_uuid(subaccount, client_id, market.clob_pair_id, flags))
        async with self._lock:
            tracked = self.tracker.track(order)
            known = self._client_ids.get(client_id)
            if known is not None and known != order.client_order_id:
                await self.emit_all(
                    self.tracker.rejected(
                        order.client_order_id,
                        f"client id {client_id} is already used by {known.value}",
                    )
                )
                return
        # The node and indexer reads happen outside the lock: the stream keeps flowing.
        try:
            price = await self._limit_price(order, market)
            gtb, gtbt = await self._good_til(order)
            message = chain_order(
                order,
                market,
                subaccount,
                client_id,
                price=price,
                good_til_block=gtb,
                good_til_block_time=gtbt,
            )
        except ValidationError as error:
            async with self._lock:
                await self.emit_all(self.tracker.rejected(order.client_order_id, str(error)))
            return
        except BaseException:
            # Nothing was sent (no height or book to build the order from): not in flight.
            self.tracker.forget(order.client_order_id)
            raise
        async with self._lock:
            self._client_ids[client_id] = order.client_order_id
            self._by_venue_id[venue_id.value] = order.client_order_id
            self._placed[order.client_order_id] = _Placed(message.order_id, venue_id, gtb, gtbt)
            await self.emit(OrderSubmitted(**self._base(tracked)))
        try:
            await self.sender.send([proto.MsgPlaceOrder(message)], stateful=gtb is None)
        except ChainRejected as error:
            async with self._lock:
                await self.emit_all(
                    self.tracker.rejected(
                        order.client_order_id,
                        f"{error.venue_code}: {error.venue_message}",
                        due_post_only="2003" in str(error.venue_code),
                    )
                )
        except AccountNotFound as error:
            async with self._lock:
                await self.emit_all(self.tracker.rejected(order.client_order_id, str(error)))
        except VenueError as error:
            self.log.warning("broadcast of %s: outcome unknown (%s)", order.client_order_id, error)
            self._resolve_later(tracked)
        else:
            if self._stream is None:
                # No subaccount stream to hear from the indexer: ask it until it knows the
                # order (a short-term one the indexer never reports stays in flight).
                await self._resolve(tracked)

    def _resolve_later(self, tracked: TrackedOrder) -> None:
        if self._tasks.is_open:
            self._tasks.start_soon(
                self._resolve, tracked, name=f"resolve {tracked.client_order_id.value}"
            )

    async def _resolve(self, tracked: TrackedOrder) -> None:
        """Ask the indexer for an order whose broadcast outcome is unknown until it knows it
        (a short-term one is settled by the expiry watch at its good-til-block)."""
        placed = self._placed.get(tracked.client_order_id)
        if placed is None:
            return
        for delay in RESOLVE_DELAYS:
            await anyio.sleep(delay)
            try:
                record = await self.http.http_get_order(placed.venue_order_id.value)
            except VenueError as error:
                self.log.info("resolving %s: %s", tracked.client_order_id, error)
                continue
            if record is not None:
                await self._apply_order_record(record, reconciliation=True)
                return
        self.log.warning("order %s not found at the indexer after a broadcast fault", tracked)

    async def cancel_order(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """Broadcast a MsgCancelOrder: OrderCanceled once the indexer reports the order
        canceled; OrderCancelRejected with the chain's code when it refuses."""
        self.require_credentials("cancel_order")
        await self.ensure_instrument(instrument_id)
        async with self._lock:
            tracked = self.tracker.find_or_adopt(instrument_id, client_order_id, venue_order_id)
        placed = self._placed.get(tracked.client_order_id)
        if placed is None:
            placed = await self._placed_from_indexer(tracked, venue_order_id)
            if placed is None:
                await self.emit(
                    OrderCancelRejected(
                        **self._base(tracked), reason="order not known at the indexer"
                    )
                )
                return
        try:
            if placed.order_id.order_flags == proto.ORDER_FLAGS_SHORT_TERM:
                gtb = await short_term_good_til_block(self.node, self.config.short_term_blocks)
                cancel = proto.MsgCancelOrder(placed.order_id, good_til_block=gtb)
            else:
                cancel = proto.MsgCancelOrder(
                    placed.order_id,
                    good_til_block_time=placed.good_til_block_time
                    or int(time.time()) + int(self.config.gtc_lifetime),
                )
            placed.cancel_requested = True
            await self.sender.send(
                [cancel], stateful=placed.order_id.order_flags != proto.ORDER_FLAGS_SHORT_TERM
            )
        except ChainRejected as error:
            placed.cancel_requested = False
            await self.emit(
                OrderCancelRejected(
                    **self._base(tracked), reason=f"{error.venue_code}: {error.venue_message}"
                )
            )
        except VenueError as error:
            self.log.warning("cancel of %s: outcome unknown (%s)", tracked.client_order_id, error)

    async def batch_cancel_orders(
        self, instrument_id: InstrumentId, client_order_ids: Sequence[ClientOrderId]
    ) -> None:
        """Short-term orders in one MsgBatchCancel (the chain batches only those); stateful
        ones with one MsgCancelOrder each. Outcomes as :meth:`cancel_order`."""
        self.require_credentials("batch_cancel_orders")
        instrument = await self.ensure_instrument(instrument_id)
        short: list[tuple[TrackedOrder, _Placed]] = []
        for coid in client_order_ids:
            placed = self._placed.get(coid)
            if placed is not None and placed.order_id.order_flags == proto.ORDER_FLAGS_SHORT_TERM:
                async with self._lock:
                    short.append((self.tracker.find_or_adopt(instrument_id, coid, None), placed))
            else:
                await self.cancel_order(instrument_id, coid, None)
        if short:
            await self._batch_cancel(self._market(instrument), short)

    async def _batch_cancel(
        self, market: DydxMarket, orders: Sequence[tuple[TrackedOrder, _Placed]]
    ) -> None:
        batch = proto.OrderBatch(
            market.clob_pair_id, tuple(p.order_id.client_id for _, p in orders)
        )
        try:
            gtb = await short_term_good_til_block(self.node, self.config.short_term_blocks)
            for _, placed in orders:
                placed.cancel_requested = True
            await self.sender.send(
                [proto.MsgBatchCancel(self.subaccount, (batch,), gtb)], stateful=False
            )
        except ChainRejected as error:
            for tracked, placed in orders:
                placed.cancel_requested = False
                await self.emit(
                    OrderCancelRejected(
                        **self._base(tracked), reason=f"{error.venue_code}: {error.venue_message}"
                    )
                )
        except VenueError as error:
            self.log.warning("batch cancel: outcome unknown (%s)", error)

    async def cancel_all_orders(self, instrument_id: InstrumentId) -> None:
        """Every open order of the instrument the indexer lists: short-term ones in one
        MsgBatchCancel, stateful ones one by one."""
        self.require_credentials("cancel_all_orders")
        instrument = await self.ensure_instrument(instrument_id)
        short: list[tuple[TrackedOrder, _Placed]] = []
        for report in await self.order_status_reports(instrument_id):
            async with self._lock:
                tracked = self.tracker.find_or_adopt(
                    instrument_id, report.client_order_id, report.venue_order_id
                )
            placed = self._placed.get(tracked.client_order_id)
            if placed is not None and placed.order_id.order_flags == proto.ORDER_FLAGS_SHORT_TERM:
                short.append((tracked, placed))
            else:
                await self.cancel_order(
                    instrument_id, tracked.client_order_id, report.venue_order_id
                )
        if short:
            await self._batch_cancel(self._market(instrument), short)

    async def _placed_from_indexer(
        self, tracked: TrackedOrder, venue_order_id: VenueOrderId | None
    ) -> _Placed | None:
        """The chain order id of an order this client did not send, from its indexer row."""
        vid = venue_order_id or tracked.venue_order_id
        if vid is None:
            return None
        record = await self.http.http_get_order(vid.value)
        if record is None:
            return None
        gtb = record.get("goodTilBlock")
        gtbt = record.get("goodTilBlockTime")
        placed = _Placed(
            proto.OrderId(
                self.subaccount,
                int(record["clientId"]),
                int(record["orderFlags"]),
                int(record["clobPairId"]),
            ),
            VenueOrderId(str(record["id"])),
            int(gtb) if gtb else None,
            iso_to_ns(str(gtbt)) // 1_000_000_000 if gtbt else None,
        )
        self._placed[tracked.client_order_id] = placed
        self._by_venue_id[placed.venue_order_id.value] = tracked.client_order_id
        return placed

    # -- the subaccount stream ----------------------------------------------------------------

    async def _on_message(self, message: dict[str, Any]) -> None:
        if message.get("channel") != SUBACCOUNTS:
            return
        contents = message.get("contents")
        batches = contents if isinstance(contents, list) else [contents]
        for batch in batches:
            if not isinstance(batch, Mapping):
                continue
            if batch.get("blockHeight"):
                self._height = max(self._height or 0, int(batch["blockHeight"]))
            for record in batch.get("orders") or ():
                await self._apply_order_record(record)
            for record in batch.get("fills") or ():
                await self._apply_fill_record(record)
            now = time.time_ns()
            for record in batch.get("perpetualPositions") or ():
                instrument = self._instrument_of(record)
                if instrument is not None:
                    await self.emit(parse_position_report(record, instrument, self.account_id, now))
            if batch.get("transfers") or batch.get("assetPositions"):
                # Collateral moved (a deposit, a withdrawal, a transfer between subaccounts):
                # the stream carries the asset position, not equity and free collateral; the
                # indexer's subaccount record does.
                try:
                    await self.emit(await self.account_state())
                except VenueError as error:
                    self.log.warning("account state after a transfer: %s", error)

    def _expired(self, record: Mapping[str, Any], height: int | None = None) -> bool:
        """A cancel that is the order's expiry: the client did not ask for it, and the order's
        good-til-block (short-term) or good-til-block-time has passed."""
        coid = self._own_id(record)
        placed = self._placed.get(coid) if coid is not None else None
        if placed is not None and placed.cancel_requested:
            return False
        gtb = record.get("goodTilBlock")
        height = height if height is not None else self._height
        if gtb and height is not None and int(gtb) < height:
            return True
        gtbt = record.get("goodTilBlockTime")
        if gtbt:
            return iso_to_ns(str(gtbt)) <= time.time_ns()
        return False

    async def _apply_order_record(
        self,
        record: Mapping[str, Any],
        *,
        reconciliation: bool = False,
        height: int | None = None,
    ) -> None:
        instrument = self._instrument_of(record)
        if instrument is None:
            self.log.warning("order row for unknown market %r", record.get("ticker"))
            return
        coid = self._own_id(record)
        report = parse_order_report(
            record, instrument, self.account_id, coid, expired=self._expired(record, height)
        )
        async with self._lock:
            if self.tracker.find(report.client_order_id, report.venue_order_id) is None:
                await self.emit(report)  # not this client's: handed over for reconciliation
                return
            fills: list[FillReport] = []
            if self.tracker.missing_fill_qty(report):
                fills = await self._order_fills(instrument, report.venue_order_id)
            await self.emit_all(
                self.tracker.on_order_report(report, fills, reconciliation=reconciliation)
            )

    async def _order_fills(
        self, instrument: Instrument, venue_order_id: VenueOrderId
    ) -> list[FillReport]:
        try:
            fills = await self.fill_reports(instrument.id)
        except VenueError as error:
            self.log.warning("fills of %s not fetched: %s", venue_order_id, error)
            return []
        return [f for f in fills if f.venue_order_id == venue_order_id]

    async def _apply_fill_record(
        self, record: Mapping[str, Any], *, reconciliation: bool = False
    ) -> None:
        instrument = self._instrument_of(record)
        if instrument is None:
            return
        fill = parse_fill_report(record, instrument, self.account_id, self._own_id(record))
        await self._emit_fill(fill, reconciliation)

    async def _emit_fill(self, fill: FillReport, reconciliation: bool) -> None:
        async with self._lock:
            # A fill of an order placed elsewhere is handed over as its report, once.
            await self.emit_all(
                self.tracker.on_any_fill_report(fill, reconciliation=reconciliation)
            )

    async def _on_reconnected(self) -> None:
        """Missed messages: fills over the last hour, then every open order's row."""
        await self.emit(Reconnected(VENUE_ID, "subaccount", time.time_ns()))
        try:
            for fill in await self.fill_reports(start_ns=time.time_ns() - 3_600 * 10**9):
                await self._emit_fill(fill, True)
            for tracked in self.tracker.open_orders():
                placed = self._placed.get(tracked.client_order_id)
                vid = placed.venue_order_id if placed else tracked.venue_order_id
                if vid is None:
                    continue
                record = await self.http.http_get_order(vid.value)
                if record is not None:
                    await self._apply_order_record(record, reconciliation=True)
        except TradeportError as error:
            self.log.warning("reconciliation after reconnect failed: %s", error)

    async def _watch_expiries(self) -> None:
        """Short-term orders past their good-til-block (plus a grace for the indexer's lag)
        are settled from the indexer's row, or reported expired when it has nothing final."""
        while True:
            await anyio.sleep(self.config.expiry_poll_interval)
            due = [
                (coid, placed)
                for coid, placed in self._placed.items()
                if placed.good_til_block is not None
                and (t := self.tracker.find(coid)) is not None
                and not t.closed
            ]
            if not due:
                continue
            try:
                height = await self.node.latest_height()
            except VenueError as error:
                self.log.info("expiry watch: no height (%s)", error)
                continue
            self._height = max(self._height or 0, height)
            for coid, placed in due:
                assert placed.good_til_block is not None
                if height < placed.good_til_block + self.config.expiry_grace_blocks:
                    continue
                try:
                    await self._settle_expired(coid, placed, height)
                except TradeportError as error:
                    self.log.info("expiry watch of %s: %s", coid, error)

    async def _settle_expired(self, coid: ClientOrderId, placed: _Placed, height: int) -> None:
        record = await self.http.http_get_order(placed.venue_order_id.value)
        tracked = self.tracker.find(coid)
        if tracked is None or tracked.closed:
            return
        if record is not None and str(record.get("status")) in ("FILLED",):
            await self._apply_order_record(record, reconciliation=True, height=height)
            return
        # Past its good-til-block a short-term order cannot be live: whatever the indexer's
        # last word (open, best-effort canceled, or nothing), it expired.
        instrument = await self.ensure_instrument(tracked.instrument_id)
        if record is None:
            record = self._row_of(tracked, placed)
        report = parse_order_report(
            {**record, "status": "CANCELED"}, instrument, self.account_id, coid, expired=True
        )
        self.expired_by_height += 1
        async with self._lock:
            await self.emit_all(self.tracker.on_order_report(report, reconciliation=True))

    @staticmethod
    def _row_of(tracked: TrackedOrder, placed: _Placed) -> dict[str, Any]:
        """The row the indexer would have for an order it never reported."""
        return {
            "id": placed.venue_order_id.value,
            "clientId": str(placed.order_id.client_id),
            "side": tracked.side.value if tracked.side is not None else "BUY",
            "size": str(tracked.quantity),
            "totalFilled": str(tracked.filled_qty),
            "price": str(tracked.price) if tracked.price is not None else "0",
            "type": "LIMIT",
            "timeInForce": "GTT",
            "orderFlags": str(placed.order_id.order_flags),
            "goodTilBlock": str(placed.good_til_block),
            "updatedAt": ns_to_iso(time.time_ns()),
        }

    # -- reports --------------------------------------------------------------------------------

    def _address(self, operation: str) -> tuple[str, int]:
        self.require_credentials(operation)
        sub = self.subaccount
        return sub.owner, sub.number

    async def order_status_report(
        self,
        instrument_id: InstrumentId,
        client_order_id: ClientOrderId | None = None,
        venue_order_id: VenueOrderId | None = None,
    ) -> OrderStatusReport | None:
        """``GET /v4/orders/{id}`` (the id is computed from the client order id when only that
        is given); None when the indexer does not know the order."""
        self._address("order_status_report")
        instrument = await self.ensure_instrument(instrument_id)
        if venue_order_id is None:
            if client_order_id is None:
                raise ValidationError("client_order_id", "None", "give a client or venue order id")
            placed = self._placed.get(client_order_id)
            if placed is not None:
                venue_order_id = placed.venue_order_id
            else:
                market = self._market(instrument)
                for flags in (proto.ORDER_FLAGS_LONG_TERM, proto.ORDER_FLAGS_SHORT_TERM):
                    vid = order_uuid(
                        self.subaccount, client_id_of(client_order_id), market.clob_pair_id, flags
                    )
                    record = await self.http.http_get_order(vid)
                    if record is not None:
                        return self._report(record, instrument)
                return None
        record = await self.http.http_get_order(venue_order_id.value)
        return self._report(record, instrument) if record is not None else None

    def _report(self, record: Mapping[str, Any], instrument: Instrument) -> OrderStatusReport:
        return parse_order_report(
            record, instrument, self.account_id, self._own_id(record), expired=self._expired(record)
        )

    async def order_status_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        open_only: bool = True,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderStatusReport]:
        """``GET /v4/orders`` of the subaccount (``status=OPEN`` when ``open_only``)."""
        address, number = self._address("order_status_reports")
        ticker = ticker_of(instrument_id) if instrument_id is not None else None
        records = await self.http.http_get_orders(
            address, number, ticker=ticker, status="OPEN" if open_only else None
        )
        out = []
        for record in records or ():
            instrument = self._instrument_of(record)
            if instrument is None:
                continue
            report = self._report(record, instrument)
            if start_ns is not None and report.ts_last < start_ns:
                continue
            if end_ns is not None and report.ts_last > end_ns:
                continue
            out.append(report)
        return out

    async def fill_reports(
        self,
        instrument_id: InstrumentId | None = None,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[FillReport]:
        """``GET /v4/fills`` paged backwards by ``createdBeforeOrAt``, oldest first."""
        address, number = self._address("fill_reports")
        market = ticker_of(instrument_id) if instrument_id is not None else None
        before = ns_to_iso(end_ns) if end_ns is not None else None
        seen: set[str] = set()
        out: list[FillReport] = []
        for _ in range(50):
            page = await self.http.http_get_fills(
                address, number, market=market, limit=_FILLS_LIMIT, created_before_or_at=before
            )
            records = page.get("fills") or []
            fresh = 0
            for record in records:
                if str(record["id"]) in seen:
                    continue
                seen.add(str(record["id"]))
                fresh += 1
                instrument = self._instrument_of(record)
                if instrument is None:
                    continue
                fill = parse_fill_report(record, instrument, self.account_id, self._own_id(record))
                # The indexer stamps fills in milliseconds: compare at that resolution.
                if start_ns is not None and fill.ts_event < start_ns // 1_000_000 * 1_000_000:
                    continue
                out.append(fill)
            if len(records) < _FILLS_LIMIT or not fresh:
                break
            oldest = str(records[-1]["createdAt"])
            if start_ns is not None and iso_to_ns(oldest) < start_ns:
                break
            before = oldest
        out.sort(key=lambda f: f.ts_event)
        return out

    async def position_status_reports(
        self, instrument_id: InstrumentId | None = None
    ) -> list[PositionStatusReport]:
        """``GET /v4/perpetualPositions?status=OPEN``."""
        address, number = self._address("position_status_reports")
        body = await self.http.http_get_perpetual_positions(address, number)
        now = time.time_ns()
        out = []
        for record in body.get("positions") or ():
            instrument = self._instrument_of(record)
            if instrument is None or (instrument_id is not None and instrument.id != instrument_id):
                continue
            out.append(parse_position_report(record, instrument, self.account_id, now))
        return out

    async def account_state(self) -> AccountState:
        """The subaccount's equity and free collateral (USDC)."""
        address, number = self._address("account_state")
        body = await self.http.http_get_subaccount(address, number)
        return parse_account_state(body.get("subaccount") or {}, self.account_id, time.time_ns())
