"""Batch place and batch amend against the Bybit mock venue on real loopback sockets.

``submit_orders`` / ``modify_orders`` go over ``/v5/order/create-batch`` and
``/v5/order/amend-batch``; each order's own item in the answer decides its event, once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from tradeport.clients.base import OrderChange
from tradeport.config import load_config
from tradeport.errors import RequestRejected
from tradeport.model.enums import OrderSide, ProductType
from tradeport.model.events import (
    OrderAccepted,
    OrderModifyRejected,
    OrderRejected,
    OrderSubmitted,
    OrderUpdated,
)
from tradeport.model.instruments import Instrument
from tradeport.model.orders import Order
from tradeport_bybit.config import BybitConfig
from tradeport_bybit.constants import CAPABILITIES, batch_max_orders
from tradeport_bybit.execution import BybitExecutionClient
from tradeport_bybit.providers import BybitInstrumentProvider
from tradeport_bybit.symbology import category_and_symbol
from tradeport_bybit.testing import BybitHarness

pytestmark = pytest.mark.anyio

TIMEOUT = 10
DATA = Path(__file__).parent / "test_data"


class Sink:
    """Collects published events; ``wait_for`` blocks until enough of a kind arrived."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._changed = anyio.Event()

    async def send(self, item: Any) -> None:
        self.events.append(item)
        self._changed.set()
        self._changed = anyio.Event()

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    async def wait_count(self, kind: type, count: int) -> list[Any]:
        with anyio.fail_after(TIMEOUT):
            while len(self.of(kind)) < count:
                await self._changed.wait()
        return self.of(kind)


class Session:
    """A provider and a connected execution client on the harness."""

    def __init__(self, harness: BybitHarness) -> None:
        self.harness = harness
        self.sink = Sink()
        config = load_config(BybitConfig, harness.client_config("valid"))
        self.provider = BybitInstrumentProvider(config)
        self.execution = BybitExecutionClient(config, instruments=self.provider, events=self.sink)

    def perpetual(self) -> Instrument:
        iid = self.harness.instrument_id(ProductType.PERPETUAL)
        assert iid is not None
        return self.provider.get(iid)

    def batch_bodies(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.harness.requests if r.path == path]


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    async with BybitHarness() as harness:
        s = Session(harness)
        await s.provider.load_all()
        with anyio.fail_after(TIMEOUT):
            await s.execution.connect()
        try:
            yield s
        finally:
            await s.execution.disconnect()
            await s.provider.disconnect()


def _limit(inst: Instrument, price: str, **options: Any) -> Order:
    return Order.limit(
        inst.id, OrderSide.BUY, inst.make_qty("1"), inst.make_price(price), **options
    )


def test_batch_capabilities_declared() -> None:
    assert CAPABILITIES.batch_submit and CAPABILITIES.batch_modify
    # Bybit's documented limits (Batch Place / Batch Amend Order).
    assert [batch_max_orders(c) for c in ("spot", "linear", "inverse", "option")] == [
        10,
        10,
        10,
        20,
    ]


def test_documented_batch_answer_is_two_parallel_lists() -> None:
    envelope = json.loads((DATA / "rest_order_create_batch.json").read_text())
    results = envelope["result"]["list"]
    infos = envelope["retExtInfo"]["list"]
    assert len(results) == len(infos) == 2
    assert [r["orderLinkId"] for r in results] == ["spot-btc-03", "spot-atom-03"]
    assert [i["code"] for i in infos] == [0, 0]


async def test_batch_of_three_with_one_rejected(session: Session) -> None:
    inst = session.perpetual()
    good_a = _limit(inst, "90")
    refused = _limit(inst, "91", reduce_only=True)  # no position: the venue refuses it
    good_b = _limit(inst, "92")
    await session.execution.submit_orders([good_a, refused, good_b])

    accepted = await session.sink.wait_count(OrderAccepted, 2)
    rejected = await session.sink.wait_count(OrderRejected, 1)
    await session.harness.push_account_events()  # stream updates race the REST answer
    assert {e.client_order_id for e in accepted} == {good_a.client_order_id, good_b.client_order_id}
    assert [e.client_order_id for e in rejected] == [refused.client_order_id]
    assert rejected[0].reason.startswith("110017")
    assert len(session.sink.of(OrderAccepted)) == 2
    assert len(session.sink.of(OrderRejected)) == 1
    submitted = [e.client_order_id for e in session.sink.of(OrderSubmitted)]
    assert submitted == [good_a.client_order_id, refused.client_order_id, good_b.client_order_id]
    assert all(e.venue_order_id is not None for e in accepted)

    (body,) = session.batch_bodies("/v5/order/create-batch")
    assert body["category"] == "linear"
    assert [item["orderLinkId"] for item in body["request"]] == [
        good_a.client_order_id.value,
        refused.client_order_id.value,
        good_b.client_order_id.value,
    ]
    assert session.batch_bodies("/v5/order/create") == []  # one request, not three
    assert sorted(o.client_order_id for o in session.harness.exchange.open_orders()) == sorted(
        [good_a.client_order_id.value, good_b.client_order_id.value]
    )


async def test_amend_batch_with_one_refused(session: Session) -> None:
    inst = session.perpetual()
    orders = [_limit(inst, "90"), _limit(inst, "91"), _limit(inst, "92")]
    await session.execution.submit_orders(orders)
    accepted = await session.sink.wait_count(OrderAccepted, 3)
    by_coid = {e.client_order_id: e.venue_order_id for e in accepted}
    partly = orders[1]
    session.harness.exchange.fill(str(by_coid[partly.client_order_id]), quantity=Decimal("0.4"))
    await session.harness.push_account_events()

    changes = [
        OrderChange(instrument_id=inst.id, client_order_id=orders[0].client_order_id, price="89.5"),
        # Below the filled 0.4: the venue refuses this one (110063).
        OrderChange(instrument_id=inst.id, client_order_id=partly.client_order_id, quantity="0.2"),
        OrderChange(instrument_id=inst.id, client_order_id=orders[2].client_order_id, price="88"),
    ]
    await session.execution.modify_orders(changes)

    refused = await session.sink.wait_count(OrderModifyRejected, 1)
    assert [e.client_order_id for e in refused] == [partly.client_order_id]
    assert refused[0].reason.startswith("110063")
    updated = [
        e
        for e in session.sink.of(OrderUpdated)
        if e.client_order_id in (orders[0].client_order_id, orders[2].client_order_id)
        and e.price in (inst.make_price("89.5"), inst.make_price("88"))
    ]
    assert {(e.client_order_id, e.price) for e in updated} == {
        (orders[0].client_order_id, inst.make_price("89.5")),
        (orders[2].client_order_id, inst.make_price("88")),
    }
    assert len(updated) == 2  # each amend reported once
    assert not any(
        isinstance(e, OrderUpdated) and e.client_order_id == partly.client_order_id
        for e in session.sink.events
    )
    prices = {o.client_order_id: o.price for o in session.harness.exchange.open_orders()}
    assert prices[orders[0].client_order_id.value] == Decimal("89.5")
    assert prices[orders[2].client_order_id.value] == Decimal("88")
    assert prices[partly.client_order_id.value] == Decimal("91")
    (body,) = session.batch_bodies("/v5/order/amend-batch")
    assert [item.get("qty") for item in body["request"]] == [None, "0.2", None]


async def test_batch_larger_than_the_limit_is_split(session: Session) -> None:
    inst = session.perpetual()
    limit = batch_max_orders("linear")
    orders = [_limit(inst, str(80 + i)) for i in range(limit + 2)]
    await session.execution.submit_orders(orders)
    accepted = await session.sink.wait_count(OrderAccepted, len(orders))
    assert {e.client_order_id for e in accepted} == {o.client_order_id for o in orders}
    assert not session.sink.of(OrderRejected)
    bodies = session.batch_bodies("/v5/order/create-batch")
    assert [len(b["request"]) for b in bodies] == [limit, 2]
    sent = [item["orderLinkId"] for b in bodies for item in b["request"]]
    assert sent == [o.client_order_id.value for o in orders]

    changes = [
        OrderChange(instrument_id=inst.id, client_order_id=o.client_order_id, price="70")
        for o in orders
    ]
    await session.execution.modify_orders(changes)
    amended = [b["request"] for b in session.batch_bodies("/v5/order/amend-batch")]
    assert [len(r) for r in amended] == [limit, 2]
    await session.sink.wait_count(OrderUpdated, len(orders))
    assert not session.sink.of(OrderModifyRejected)
    assert {o.price for o in session.harness.exchange.open_orders()} == {Decimal("70")}


async def test_mock_venue_refuses_a_batch_over_the_limit(session: Session) -> None:
    # What makes the split necessary: the venue refuses the whole over-size request.
    inst = session.perpetual()
    _, symbol = category_and_symbol(inst.id)
    item = {"symbol": symbol, "side": "Buy", "orderType": "Limit", "qty": "1", "price": "90"}
    with pytest.raises(RequestRejected) as refused:
        await session.execution.http.http_batch_place_orders(
            "linear", [item] * (batch_max_orders("linear") + 1)
        )
    assert refused.value.venue_code == 10001
    assert session.harness.exchange.open_orders() == []
