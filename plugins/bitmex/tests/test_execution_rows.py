"""What the BitMEX execution client adds to the core OrderTracker, row by row (no sockets):
update rows completed from the order's last full row, ``triggered``, post-only cancels,
``ordStatus=Rejected`` before and after acceptance, orders placed elsewhere. Under asyncio and
trio. The base rows are the documented ``order`` / ``execution`` records of test_data; the
XBTUSD instrument is the recorded one of ../shared/venue-payloads/bitmex (BitMEX publishes no
instrument record with values): the module skips when that folder is absent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tradeport.model.enums import OrderSide
from tradeport.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from tradeport.model.identifiers import ClientOrderId, InstrumentId
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order
from tradeport.testing.recorded import require_recorded
from tradeport_bitmex.config import BitmexConfig
from tradeport_bitmex.conversions import parse_timestamp_ns
from tradeport_bitmex.execution import BitmexExecutionClient
from tradeport_bitmex.http.parse import parse_instrument
from tradeport_bitmex.providers import BitmexInstrumentProvider

pytestmark = pytest.mark.anyio

XBTUSD = InstrumentId.from_str("XBTUSD.BITMEX")
OID = "ff4dde97-542f-45b2-b8f8-b150b544cd6a"
T0, T1, T2, T3 = (f"2020-10-12T18:11:5{n}.184Z" for n in (4, 5, 6, 7))
TEST_DATA = Path(__file__).parent / "test_data"
RECORDED = require_recorded("bitmex", __file__)


def load(name: str) -> Any:
    return json.loads((TEST_DATA / name).read_text(encoding="utf-8"))


class Sink:
    def __init__(self) -> None:
        self.items: list[Any] = []

    async def send(self, item: Any) -> None:
        self.items.append(item)

    def take(self) -> list[Any]:
        """The events published since the last take()."""
        items, self.items = self.items, []
        return items


@asynccontextmanager
async def client() -> AsyncIterator[tuple[BitmexExecutionClient, Sink]]:
    sink = Sink()
    config = BitmexConfig()
    provider = BitmexInstrumentProvider("bitmex", config, events=sink)
    provider.add(parse_instrument(RECORDED.load("nautilus/http_get_instrument_xbtusd.json"), 0))
    execution = BitmexExecutionClient("bitmex", config, instruments=provider, events=sink)
    try:
        yield execution, sink
    finally:
        await execution.disconnect()
        await provider.disconnect()


def trade_execution() -> dict[str, Any]:
    """BitMEX's own ``execution`` record (a New execution) with the fields a Trade execution
    fills in: BitMEX publishes no Trade execution with values."""
    record = dict(load("execution_new_order_record.json"))
    record.update(
        symbol="XBTUSD",
        currency="USD",
        settlCurrency="XBt",
        execType="Trade",
        ordStatus="PartiallyFilled",
        lastQty=100,
        lastLiquidityInd="AddedLiquidity",
        execComm=76,
        trdMatchID="00000000-006d-1000-0000-00013d33d811",
    )
    return record


def full_row(cid: str = "mine-1", **changes: Any) -> dict[str, Any]:
    """The documented ``order`` insert row (a 200-contract buy at 11390.5), ours by clOrdID."""
    row = dict(load("ws_order.json")["data"][0])
    row.update(clOrdID=cid, orderQty=200, leavesQty=200, timestamp=T0)
    row.update(changes)
    return row


async def push(execution: BitmexExecutionClient, table: str, action: str, *rows: Any) -> None:
    await execution._on_message({"table": table, "action": action, "data": list(rows)})


def limit(cid: str = "mine-1", **kw: Any) -> Order:
    return Order.limit(
        XBTUSD,
        OrderSide.BUY,
        Quantity.from_int(200),
        Price.from_str("11390.5"),
        client_order_id=ClientOrderId(cid),
        **kw,
    )


def kinds(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


async def test_update_rows_are_completed_from_the_last_full_row() -> None:
    async with client() as (execution, sink):
        execution.tracker.track(limit())
        await push(execution, "order", "insert", full_row())
        assert kinds(sink.take()) == ["OrderAccepted"]
        # BitMEX's update row: the key and what changed (no symbol, side, clOrdID, status).
        await push(execution, "order", "update", {"orderID": OID, "price": 11391, "timestamp": T1})
        (updated,) = sink.take()
        assert isinstance(updated, OrderUpdated)
        assert (updated.price, updated.quantity) == (Price.from_str("11391.0"), Quantity(200))
        assert updated.client_order_id == ClientOrderId("mine-1")
        assert updated.ts_event == parse_timestamp_ns(T1)
        cancel = {"orderID": OID, "ordStatus": "Canceled", "leavesQty": 0, "timestamp": T2}
        await push(execution, "order", "update", cancel)
        assert kinds(sink.take()) == ["OrderCanceled"]
        assert execution._order_rows == {}  # rows are kept only while the order can change
        await push(execution, "order", "update", {"orderID": OID, "price": 1, "timestamp": T3})
        assert sink.take() == []


async def test_an_update_row_of_an_order_never_seen_in_full_is_ignored() -> None:
    async with client() as (execution, sink):
        await push(execution, "order", "update", {"orderID": OID, "price": 11391, "timestamp": T1})
        assert sink.take() == [] and execution._order_rows == {}


async def test_a_late_rest_answer_does_not_roll_a_merged_row_back() -> None:
    async with client() as (execution, sink):
        execution.tracker.track(limit())
        await push(execution, "order", "insert", full_row())
        await push(execution, "order", "update", {"orderID": OID, "price": 11391, "timestamp": T2})
        sink.take()
        await execution._on_order_row(full_row(timestamp=T1))  # older: the REST answer, late
        assert sink.take() == []
        await push(execution, "order", "update", {"orderID": OID, "orderQty": 300, "timestamp": T3})
        (updated,) = sink.take()
        assert isinstance(updated, OrderUpdated)
        assert (updated.price, updated.quantity) == (Price.from_str("11391.0"), Quantity(300))


async def test_triggered_column_publishes_the_trigger_once() -> None:
    async with client() as (execution, sink):
        order = Order.stop_limit(
            XBTUSD,
            OrderSide.BUY,
            Quantity.from_int(200),
            Price.from_str("11400.0"),
            Price.from_str("11395.0"),
            client_order_id=ClientOrderId("stop-1"),
        )
        execution.tracker.track(order)
        row = full_row("stop-1", ordType="StopLimit", price=11400, stopPx=11395)
        await push(execution, "order", "insert", row)
        assert kinds(sink.take()) == ["OrderAccepted"]
        # Triggered and partly filled in one update: the status alone does not say "triggered".
        change = {"orderID": OID, "triggered": "StopOrderTriggered", "ordStatus": "PartiallyFilled"}
        await push(execution, "order", "update", {**change, "cumQty": 100, "timestamp": T1})
        (triggered,) = sink.take()
        assert isinstance(triggered, OrderTriggered)
        assert triggered.ts_event == parse_timestamp_ns(T1)
        fill = trade_execution()
        fill.update(orderID=OID, clOrdID="stop-1", side="Buy", lastPx=11400)
        await push(execution, "execution", "insert", fill)
        await push(execution, "execution", "insert", fill)  # a repeat
        assert kinds(sink.take()) == ["OrderFilled"]
        await push(execution, "order", "update", {"orderID": OID, "cumQty": 100, "timestamp": T2})
        assert sink.take() == []


async def test_post_only_cancel_before_acceptance_is_a_post_only_rejection() -> None:
    async with client() as (execution, sink):
        execution.tracker.track(limit(post_only=True))
        text = "Canceled: Order had execInst of ParticipateDoNotInitiate\nSubmitted via API."
        row = full_row(execInst="ParticipateDoNotInitiate", ordStatus="Canceled", text=text)
        await execution._on_order_row(row)  # the POST /order answer
        await push(execution, "order", "insert", row)
        (rejected,) = sink.take()
        assert isinstance(rejected, OrderRejected) and rejected.due_post_only
        assert "ParticipateDoNotInitiate" in rejected.reason


async def test_rejected_row_before_and_after_acceptance() -> None:
    async with client() as (execution, sink):
        execution.tracker.track(limit())
        reason = "Account has insufficient Available Balance"
        await execution._on_order_row(
            full_row(ordStatus="Rejected", ordRejReason=reason, text="Submitted via API.")
        )
        (rejected,) = sink.take()
        assert isinstance(rejected, OrderRejected) and rejected.reason == reason
        assert not rejected.due_post_only
        # Already accepted: OrderRejected would follow OrderAccepted; the order is canceled.
        execution.tracker.track(limit("mine-2"))
        other = "aaaaaaaa-542f-45b2-b8f8-b150b544cd6a"
        await push(execution, "order", "insert", full_row("mine-2", orderID=other))
        rejected_late = {"orderID": other, "ordStatus": "Rejected", "timestamp": T1}
        await push(execution, "order", "update", {**rejected_late, "ordRejReason": reason})
        assert kinds(sink.take()) == ["OrderAccepted", "OrderCanceled"]


async def test_orders_placed_elsewhere_are_adopted_by_client_order_id() -> None:
    async with client() as (execution, sink):
        await push(execution, "order", "insert", full_row("from-the-web-page"))
        (accepted,) = sink.take()
        assert isinstance(accepted, OrderAccepted)
        assert accepted.client_order_id == ClientOrderId("from-the-web-page")
        fill = trade_execution()
        fill.update(orderID=OID, clOrdID="from-the-web-page", side="Buy", lastPx=11390.5)
        await push(execution, "execution", "insert", fill)
        (filled,) = sink.take()
        assert isinstance(filled, OrderFilled) and filled.last_qty == Quantity(100)
        cancel = {"orderID": OID, "ordStatus": "Canceled", "cumQty": 100, "timestamp": T1}
        await push(execution, "order", "update", cancel)
        assert [type(e) for e in sink.take()] == [OrderCanceled]
        # Without a clOrdID (no id to put on events): ignored, and nothing is kept for it.
        anonymous = full_row("", orderID="bbbbbbbb-542f-45b2-b8f8-b150b544cd6a")
        await push(execution, "order", "insert", anonymous)
        assert sink.take() == [] and execution._order_rows == {}


def test_documented_rows_are_what_these_tests_assume() -> None:
    row = full_row()
    assert (row["orderID"], row["symbol"], row["ordStatus"]) == (OID, "XBTUSD", "New")
    assert Decimal(str(row["price"])) == Decimal("11390.5")
