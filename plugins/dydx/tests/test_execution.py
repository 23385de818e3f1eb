"""The execution client against the mock chain and indexer, over real sockets.

What the issue asks beyond the shared suite: a broadcast accepted into the mempool is not an
acceptance (the indexer's report is); a short-term order that reaches its good-til-block
unfilled ends as expired, whether the indexer says so or says nothing; a sequence mismatch is
recovered without a false rejection; a definitive chain error is a rejection with its code.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import anyio
import pytest
import tradeport
from tradeport.errors import VenueError
from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    OrderStatus,
    PositionSide,
    ProductType,
    TimeInForce,
)
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)
from tradeport.model.orders import Order
from tradeport.model.reports import AccountState, PositionStatusReport
from tradeport_conformance.suite.helpers import next_matching
from tradeport_dydx.chain.keys import DydxKey
from tradeport_dydx.chain.proto import (
    CONDITION_STOP_LOSS,
    ORDER_FLAGS_CONDITIONAL,
    TIF_IOC,
    MsgBatchCancel,
)
from tradeport_dydx.orders import SHORT_TERM_TAG, client_id_of
from tradeport_dydx.testing import DydxHarness

pytestmark = pytest.mark.anyio


async def _limit(venue: Any, harness: DydxHarness, price: str, *tags: str) -> Order:
    iid = harness.instrument_id(ProductType.PERPETUAL)
    assert iid is not None
    await venue.instruments.load_all()
    inst = venue.instruments.get(iid)
    return Order.limit(
        instrument_id=iid,
        side=OrderSide.BUY,
        quantity=inst.make_qty("0.001"),
        price=inst.make_price(price),
        tags=tags,
    )


def _published_so_far(venue: Any) -> list[Any]:
    """Every event already published and not read yet (without waiting), kept for later reads."""
    events: list[Any] = []
    while True:
        try:
            events.append(venue._receive.receive_nowait())
        except anyio.WouldBlock:
            break
    backlog = getattr(venue, "_conformance_backlog", None)
    if backlog is None:
        backlog = venue._conformance_backlog = []
    backlog.extend(events)
    return list(backlog)


def _for(order: Order, *kinds: type) -> Any:
    return lambda e: isinstance(e, kinds) and e.client_order_id == order.client_order_id


@pytest.mark.parametrize("silent", [False, True], ids=["indexer-reports", "indexer-silent"])
async def test_a_short_term_order_past_its_good_til_block_is_expired(silent: bool) -> None:
    async with DydxHarness() as harness:
        harness.silent_expiry = silent
        config = harness.client_config(short_term_blocks=5, expiry_poll_interval=0.1)
        async with tradeport.open_venue("dydx", config) as venue:
            order = await _limit(venue, harness, "900", SHORT_TERM_TAG)
            await venue.execution.submit_order(order)
            accepted = await next_matching(venue, _for(order, OrderAccepted, OrderRejected))
            assert isinstance(accepted, OrderAccepted)
            seen: list[Any] = []
            outcome = await next_matching(
                venue,
                _for(order, OrderExpired, OrderCanceled, OrderRejected, OrderFilled),
                seen=seen,
                what="the order's end",
            )
            assert isinstance(outcome, OrderExpired), outcome
            sim = harness.exchange.order(str(accepted.venue_order_id))
            assert sim is not None and sim.status is OrderStatus.EXPIRED
            # Silent: only the client's own watch of the height could tell.
            assert (venue.execution.expired_by_height == 1) is silent


async def test_a_broadcast_is_not_an_acceptance_until_the_indexer_reports() -> None:
    async with (
        DydxHarness() as harness,
        tradeport.open_venue("dydx", harness.client_config()) as venue,
    ):
        order = await _limit(venue, harness, "900")
        await harness.hold_inclusion()
        await venue.execution.submit_order(order)  # the node took it into its mempool
        vid = harness.validator.accepted[-1][1].order.order_id
        assert harness.exchange.open_orders("BTC-USD"), "the venue has the order"
        for _ in range(5):  # blocks pass; the indexer reports nothing yet
            await harness.validator.next_block()
        early = _published_so_far(venue)
        assert not any(isinstance(e, OrderAccepted) for e in early), early
        await harness.hold_inclusion(False)
        accepted = await next_matching(venue, _for(order, OrderAccepted, OrderRejected))
        assert isinstance(accepted, OrderAccepted)
        assert vid.client_id == harness.validator.accepted[-1][1].order.order_id.client_id


async def test_a_sequence_mismatch_is_recovered_without_a_rejection() -> None:
    async with (
        DydxHarness() as harness,
        tradeport.open_venue("dydx", harness.client_config()) as venue,
    ):
        first = await _limit(venue, harness, "900")
        await venue.execution.submit_order(first)
        assert isinstance(
            await next_matching(venue, _for(first, OrderAccepted, OrderRejected)),
            OrderAccepted,
        )
        # Another user of the wallet sends a stateful transaction meanwhile.
        harness.validator.accounts[harness.address].sequence += 1
        second = await _limit(venue, harness, "901")
        await venue.execution.submit_order(second)
        outcome = await next_matching(venue, _for(second, OrderAccepted, OrderRejected))
        assert isinstance(outcome, OrderAccepted), outcome
        assert venue.execution.sender.sequence_resyncs == 1


async def test_a_chain_refusal_is_a_rejection_naming_its_code() -> None:
    async with (
        DydxHarness() as harness,
        tradeport.open_venue("dydx", harness.client_config()) as venue,
    ):
        iid = harness.instrument_id(ProductType.PERPETUAL)
        await venue.instruments.load_all()
        inst = venue.instruments.get(iid)
        # Far more than the subaccount's collateral can margin: clob 3007.
        order = Order.limit(
            instrument_id=iid,
            side=OrderSide.BUY,
            quantity=inst.make_qty("1000"),
            price=inst.make_price("900"),
        )
        await venue.execution.submit_order(order)
        with anyio.fail_after(15):
            rejected = await next_matching(venue, _for(order, OrderAccepted, OrderRejected))
        assert isinstance(rejected, OrderRejected)
        assert rejected.reason.startswith("clob:3007")


async def test_a_stop_market_is_a_conditional_order_that_triggers_and_fills() -> None:
    async with (
        DydxHarness() as harness,
        tradeport.open_venue("dydx", harness.client_config()) as venue,
    ):
        iid = harness.instrument_id(ProductType.PERPETUAL)
        await venue.instruments.load_all()
        inst = venue.instruments.get(iid)
        await harness.set_book(
            iid, bids=[(Decimal(990), Decimal(1))], asks=[(Decimal(1010), Decimal(1))]
        )
        order = Order.stop_market(
            instrument_id=iid,
            side=OrderSide.SELL,
            quantity=inst.make_qty("0.001"),
            trigger_price=inst.make_price("980"),
        )
        await venue.execution.submit_order(order)
        accepted = await next_matching(venue, _for(order, OrderAccepted, OrderRejected))
        assert isinstance(accepted, OrderAccepted)
        sent = harness.validator.accepted[-1][1].order
        market = harness.market_of("BTC-USD")
        # Conditional (flags 32), STOP_LOSS on the trigger, IOC at the trigger less 5 %.
        assert sent.order_id.order_flags == ORDER_FLAGS_CONDITIONAL
        assert sent.condition_type == CONDITION_STOP_LOSS
        assert sent.conditional_order_trigger_subticks == market.subticks("980")
        assert sent.time_in_force == TIF_IOC
        assert sent.subticks == market.subticks("931")
        assert sent.good_til_block_time is not None and sent.good_til_block is None
        report = await venue.execution.order_status_report(iid, order.client_order_id)
        assert report is not None and report.order_status is OrderStatus.ACCEPTED
        assert report.trigger_price == inst.make_price("980") and report.ts_triggered is None
        # A trade at the trigger: the chain triggers the order, which sells into the bid.
        harness.exchange.trade("BTC-USD", Decimal(980), Decimal("0.001"), AggressorSide.SELLER)
        await harness.push_account_events()
        filled = await next_matching(venue, _for(order, OrderFilled), what="the stop's fill")
        assert filled.last_px.as_decimal() == Decimal(990)


@pytest.mark.parametrize("registered", [True, False], ids=["registered", "unknown-id"])
async def test_an_api_trading_key_signs_through_its_authenticator(registered: bool) -> None:
    async with DydxHarness() as harness:
        trader = DydxKey.from_hex("22" * 32)
        authenticator = harness.validator.add_authenticator(harness.address, trader.public_key)
        config = harness.client_config(
            "none",
            private_key="22" * 32,
            address=harness.address,
            authenticator_ids=[authenticator if registered else authenticator + 1],
        )
        async with tradeport.open_venue("dydx", config) as venue:
            order = await _limit(venue, harness, "900")
            await venue.execution.submit_order(order)
            outcome = await next_matching(venue, _for(order, OrderAccepted, OrderRejected))
            if registered:
                assert isinstance(outcome, OrderAccepted), outcome
                sent = harness.validator.accepted[-1][1].order
                assert sent.order_id.subaccount_id.owner == harness.address
            else:
                assert isinstance(outcome, OrderRejected)
                assert outcome.reason.startswith("accountplus:1")


async def test_reduce_only_is_taken_on_ioc_orders_and_refused_on_resting_ones() -> None:
    async with (
        DydxHarness() as harness,
        tradeport.open_venue("dydx", harness.client_config()) as venue,
    ):
        iid = harness.instrument_id(ProductType.PERPETUAL)
        await venue.instruments.load_all()
        inst = venue.instruments.get(iid)
        harness.exchange.seed_position("BTC-USD", PositionSide.LONG, Decimal("0.002"), Decimal(950))
        await harness.set_book(
            iid, bids=[(Decimal(990), Decimal(1))], asks=[(Decimal(1010), Decimal(1))]
        )
        resting = Order.limit(
            instrument_id=iid,
            side=OrderSide.SELL,
            quantity=inst.make_qty("0.001"),
            price=inst.make_price("1005"),
            reduce_only=True,
        )
        await venue.execution.submit_order(resting)
        refused = await next_matching(venue, _for(resting, OrderAccepted, OrderRejected))
        assert isinstance(refused, OrderRejected) and refused.reason.startswith("clob:9003")
        closing = Order.limit(
            instrument_id=iid,
            side=OrderSide.SELL,
            quantity=inst.make_qty("0.002"),
            price=inst.make_price("990"),
            time_in_force=TimeInForce.IOC,
            reduce_only=True,
        )
        await venue.execution.submit_order(closing)
        filled = await next_matching(venue, _for(closing, OrderFilled, OrderRejected))
        assert isinstance(filled, OrderFilled)
        assert harness.validator.accepted[-1][1].order.reduce_only
        await harness.push_account_events()
        assert harness.exchange.position("BTC-USD").quantity == 0


async def test_short_term_orders_are_canceled_in_one_batch_cancel() -> None:
    async with (
        DydxHarness() as harness,
        tradeport.open_venue("dydx", harness.client_config()) as venue,
    ):
        orders = [await _limit(venue, harness, price, SHORT_TERM_TAG) for price in ("900", "901")]
        for order in orders:
            await venue.execution.submit_order(order)
            accepted = await next_matching(venue, _for(order, OrderAccepted, OrderRejected))
            assert isinstance(accepted, OrderAccepted)
        sent = len(harness.validator.accepted)
        await venue.execution.batch_cancel_orders(
            orders[0].instrument_id, [o.client_order_id for o in orders]
        )
        (batch,) = [m for url, m in harness.validator.accepted[sent:]]
        assert isinstance(batch, MsgBatchCancel)
        assert sorted(batch.short_term_cancels[0].client_ids) == sorted(
            client_id_of(o.client_order_id) for o in orders
        )
        for order in orders:
            canceled = await next_matching(venue, _for(order, OrderCanceled, OrderExpired))
            assert isinstance(canceled, OrderCanceled)
        assert not harness.exchange.open_orders("BTC-USD")


async def test_an_order_the_node_gave_no_height_for_is_not_sent_nor_left_in_flight() -> None:
    async with (
        DydxHarness() as harness,
        tradeport.open_venue("dydx", harness.client_config()) as venue,
    ):
        order = await _limit(venue, harness, "900", SHORT_TERM_TAG)
        sent = len(harness.validator.accepted)
        harness.fail_next_requests(10, 503, path="/cosmos/base/tendermint/v1beta1/blocks/latest")
        with pytest.raises(VenueError):
            await venue.execution.submit_order(order)
        assert venue.execution.tracker.find(order.client_order_id) is None
        assert len(harness.validator.accepted) == sent
        assert not any(r.path == "/cosmos/tx/v1beta1/txs" for r in harness.requests), (
            "a transaction was broadcast"
        )


async def test_the_subaccount_stream_reports_positions_and_transfers() -> None:
    async with (
        DydxHarness() as harness,
        tradeport.open_venue("dydx", harness.client_config()) as venue,
    ):
        iid = harness.instrument_id(ProductType.PERPETUAL)
        await venue.instruments.load_all()
        inst = venue.instruments.get(iid)
        await harness.set_book(
            iid, bids=[(Decimal(990), Decimal(1))], asks=[(Decimal(1010), Decimal(1))]
        )
        order = Order.limit(
            instrument_id=iid,
            side=OrderSide.BUY,
            quantity=inst.make_qty("0.002"),
            price=inst.make_price("1010"),
            time_in_force=TimeInForce.IOC,
        )
        await venue.execution.submit_order(order)
        position = await next_matching(
            venue,
            lambda e: isinstance(e, PositionStatusReport) and e.instrument_id == iid,
            what="the position from v4_subaccounts",
        )
        assert position.position_side is PositionSide.LONG
        assert position.quantity.as_decimal() == Decimal("0.002")
        assert position.avg_px_open == Decimal(1010)
        before = harness.exchange.balance("USDC").total
        await harness.transfer_in(Decimal("250"))
        state = await next_matching(
            venue, lambda e: isinstance(e, AccountState), what="the account after a transfer"
        )
        assert state.balances[0].total.as_decimal() == before + 250
