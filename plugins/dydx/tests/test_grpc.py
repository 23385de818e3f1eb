"""The gRPC broadcast transport against the mock node's gRPC services, over real sockets:
the same outcomes as the REST gateway (indexer-confirmed acceptance, sequence recovery, a
definitive refusal with its code, an unknown account), on asyncio and trio."""

from __future__ import annotations

from typing import Any

import pytest
import tradeport
from tradeport.model.enums import OrderSide, ProductType
from tradeport.model.events import OrderAccepted, OrderRejected
from tradeport.model.orders import Order
from tradeport_conformance.suite.helpers import next_matching
from tradeport_dydx.chain.node import AccountNotFound
from tradeport_dydx.testing import DydxHarness

pytest.importorskip("grpc")
pytestmark = pytest.mark.anyio


def _for(order: Order, *kinds: type) -> Any:
    return lambda e: isinstance(e, kinds) and e.client_order_id == order.client_order_id


async def test_orders_travel_over_grpc() -> None:
    async with DydxHarness() as harness:
        url = await harness.start_grpc()
        config = harness.client_config(node_transport="grpc", node_grpc_url=url)
        async with tradeport.open_venue("dydx", config) as venue:
            iid = harness.instrument_id(ProductType.PERPETUAL)
            await venue.instruments.load_all()
            inst = venue.instruments.get(iid)

            def buy(price: str, qty: str = "0.001") -> Order:
                return Order.limit(
                    instrument_id=iid,
                    side=OrderSide.BUY,
                    quantity=inst.make_qty(qty),
                    price=inst.make_price(price),
                )

            first = buy("900")
            await venue.execution.submit_order(first)
            outcome = await next_matching(venue, _for(first, OrderAccepted, OrderRejected))
            assert isinstance(outcome, OrderAccepted), outcome
            # Another user of the wallet moves the sequence on: resynced over gRPC, once.
            harness.validator.accounts[harness.address].sequence += 1
            second = buy("901")
            await venue.execution.submit_order(second)
            outcome = await next_matching(venue, _for(second, OrderAccepted, OrderRejected))
            assert isinstance(outcome, OrderAccepted), outcome
            assert venue.execution.sender.sequence_resyncs == 1
            # The chain's refusal, with its code.
            huge = buy("900", "1000")
            await venue.execution.submit_order(huge)
            refused = await next_matching(venue, _for(huge, OrderAccepted, OrderRejected))
            assert isinstance(refused, OrderRejected) and refused.reason.startswith("clob:3007")
        # Nothing went through the REST gateway: every node call was gRPC.
        assert not any(r.path.startswith("/cosmos/") for r in harness.requests)
        assert harness.grpc_node.calls["BroadcastTx"] >= 4
        assert harness.grpc_node.calls["Account"] >= 2


async def test_an_unknown_account_is_not_found_over_grpc() -> None:
    from tradeport_dydx.chain.grpc_node import GrpcNodeClient

    async with DydxHarness() as harness:
        node = GrpcNodeClient(await harness.start_grpc())
        try:
            with pytest.raises(AccountNotFound):
                await node.account("dydx1" + "q" * 38)
            info = await node.account(harness.address)
            assert info.account_number == 7 and info.public_key is not None
            assert await node.latest_height() >= harness.validator.height - 1
        finally:
            await node.aclose()
