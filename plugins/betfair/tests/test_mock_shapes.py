"""The mock venue speaks Betfair's shapes: its answers carry the fields of the recorded real
answers in test_data (keys compared, values are the mock's own)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from betfair_helpers import session
from tradeport.model.enums import OrderSide, OrderType, TimeInForce
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order
from tradeport_betfair.http.client import decode
from tradeport_betfair.symbology import runner_id
from tradeport_betfair.testing import BetfairHarness
from tradeport_betfair.testing.render import stream_order

pytestmark = pytest.mark.anyio
DATA = Path(__file__).parent / "test_data"
DOBBIN = runner_id("1.180737206", 39980)


def recorded(name: str) -> Any:
    return decode((DATA / f"{name}.json").read_bytes())


async def test_rpc_answers_have_the_recorded_fields() -> None:
    async with BetfairHarness() as harness, session(harness) as venue:
        await venue.instruments.load_all()
        http = venue.execution.http
        order = Order.limit(
            instrument_id=DOBBIN,
            side=OrderSide.BUY,
            quantity=Quantity.from_str("10"),
            price=Price.from_str("2.58"),
            time_in_force=TimeInForce.PERSIST,
        )
        place = await http.http_place_orders(
            {
                "marketId": "1.180737206",
                "instructions": [
                    {
                        "selectionId": 39980,
                        "handicap": Decimal(0),
                        "side": "LAY",
                        "orderType": OrderType.LIMIT.value,
                        "limitOrder": {
                            "size": Decimal(10),
                            "price": Decimal("2.58"),
                            "persistenceType": "PERSIST",
                        },
                        "customerOrderRef": str(order.client_order_id),
                    }
                ],
            }
        )
        real = recorded("place_orders_success")["result"]
        assert set(real) - {"customerRef"} <= set(place)
        assert set(real["instructionReports"][0]) <= set(place["instructionReports"][0])
        current = await http.http_list_current_orders(
            {"betIds": [place["instructionReports"][0]["betId"]]}
        )
        real_row = recorded("list_current_orders")["result"]["currentOrders"][0]
        assert set(real_row) <= set(current["currentOrders"][0])
        cancel = await http.http_cancel_orders(
            {
                "marketId": "1.180737206",
                "instructions": [{"betId": place["instructionReports"][0]["betId"]}],
            }
        )
        real_cancel = recorded("cancel_orders_success")["result"]
        assert set(real_cancel) - {"customerRef"} <= set(cancel)
        assert set(real_cancel["instructionReports"][0]) <= set(cancel["instructionReports"][0])
        funds = await http.http_get_account_funds()
        assert set(recorded("get_account_funds_with_exposure")["result"]) <= set(funds)
        beat = await http.http_heartbeat(10)
        assert set(recorded("heartbeat_success")["result"]) <= set(beat)


def test_order_stream_rows_have_the_recorded_fields() -> None:
    from tradeport_conformance.simulated import SimOrder

    real = recorded("ocm_filled")["oc"][0]["orc"][0]["uo"][0]
    order = SimOrder(
        venue_order_id="1",
        client_order_id="ref",
        symbol="1.2-3",
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal(10),
        price=Decimal("1.1"),
        filled_qty=Decimal(10),
        avg_px=Decimal("1.1"),
    )
    from tradeport.model.enums import OrderStatus

    order.status = OrderStatus.FILLED
    mine = stream_order(order, TimeInForce.PERSIST, False, "BetfairTestStrategy-001")
    assert set(real) - {"avp"} <= set(mine)
