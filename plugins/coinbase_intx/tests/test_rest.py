"""REST payloads (documented and recorded) into reports, and the order bodies the client sends."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tradeport.errors import ValidationError
from tradeport.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order

from tradeport_coinbase_intx.http.parse import (
    parse_account_state,
    parse_fill_report,
    parse_order_status_report,
    parse_position_status_report,
)
from tradeport_coinbase_intx.http.query import modify_body, order_body, venue_client_order_id

DATA = Path(__file__).parent / "test_data"
BTC_PERP = InstrumentId.from_str("BTC-PERP.COINBASE_INTX")


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def test_create_order_answer() -> None:
    # No documented example of an order record was found: a record of the fields the order
    # endpoints return (order_id, client_order_id, side, symbol, type, price, size, tif,
    # order_status, exec_qty, leaves_qty, avg_price), with values chosen here.
    record = {
        "order_id": "1y5pwkm4-1-0",
        "client_order_id": "mine-1",
        "side": "SELL",
        "symbol": "BTC-PERP",
        "type": "LIMIT",
        "price": "29100",
        "size": "0.02",
        "tif": "GTC",
        "event_type": "NEW",
        "order_status": "WORKING",
        "leaves_qty": "0.02",
        "exec_qty": "0",
        "avg_price": "0",
        "post_only": False,
        "close_only": False,
    }
    report = parse_order_status_report(record, None, 1)
    assert report.order_status is OrderStatus.ACCEPTED
    assert report.venue_order_id.value == "1y5pwkm4-1-0"
    assert report.client_order_id is not None
    assert report.client_order_id.value == "mine-1"
    assert (report.order_side, report.order_type) == (OrderSide.SELL, OrderType.LIMIT)
    assert report.instrument_id == BTC_PERP
    assert str(report.price) == "29100"
    assert str(report.quantity) == "0.02"
    assert report.filled_qty.as_decimal() == 0


def test_documented_fill_uses_the_exec_id_as_trade_id() -> None:
    (record,) = load("rest_portfolio_fills_doc.json")["results"]
    fill = parse_fill_report(record, None, 1)
    assert fill.trade_id.value == "224040873497739740"
    assert fill.instrument_id == BTC_PERP
    assert str(fill.last_px) == "31011.75"
    assert str(fill.last_qty) == "0.2"
    assert fill.commission.as_decimal() == Decimal("75.53")
    assert fill.liquidity_side is LiquiditySide.NO_LIQUIDITY_SIDE


def test_documented_position_and_balance() -> None:
    # The documentation prints these numbers as JSON numbers.
    position = parse_position_status_report(load("rest_portfolio_position_doc.json"), None, 1)
    assert position.instrument_id == BTC_PERP
    assert position.position_side is PositionSide.LONG
    assert str(position.quantity) == "1.75"
    assert position.avg_px_open == Decimal("31011.75")
    short = {**load("rest_portfolio_position_doc.json"), "net_size": -1.75}
    assert parse_position_status_report(short, None, 1).position_side is PositionSide.SHORT
    # List portfolio balances returns a list of the records Get balance documents.
    state = parse_account_state([load("rest_portfolio_balance_doc.json")], 1)
    (balance,) = state.balances
    assert str(balance.total.currency) == "BTC"
    assert balance.total.as_decimal() == Decimal("1.75")
    assert balance.locked.as_decimal() == Decimal("0.5")  # hold
    assert balance.free.as_decimal() == Decimal("1.25")


def _order(**kw: Any) -> Order:
    return Order.limit(
        instrument_id=BTC_PERP,
        side=OrderSide.BUY,
        quantity=Quantity.from_str("0.01"),
        price=Price.from_str("50000.5"),
        **kw,
    )


def test_limit_body_is_the_documented_shape() -> None:
    order = _order(post_only=True, reduce_only=True)
    body = order_body(order, "BTC-PERP", "pf-1", stp_mode="BOTH")
    assert body == {
        "client_order_id": str(uuid.UUID(order.client_order_id.value)),
        "side": "BUY",
        "size": "0.01",
        "tif": "GTC",
        "instrument": "BTC-PERP",
        "type": "LIMIT",
        "portfolio": "pf-1",
        "price": "50000.5",
        "post_only": True,
        "close_only": True,
        "stp_mode": "BOTH",
    }


def test_gtd_is_gtt_with_an_rfc3339_expiry() -> None:
    order = _order(time_in_force=TimeInForce.GTD, expire_time_ns=1_700_000_000_123_000_000)
    body = order_body(order, "BTC-PERP", None)
    assert body["tif"] == "GTT"
    assert body["expire_time"] == "2023-11-14T22:13:20.123Z"


def test_stop_limit_and_take_profit_stop_loss() -> None:
    stop = Order.stop_limit(
        instrument_id=BTC_PERP,
        side=OrderSide.SELL,
        quantity=Quantity.from_str("1"),
        price=Price.from_str("49000"),
        trigger_price=Price.from_str("49500"),
    )
    body = order_body(stop, "BTC-PERP", None)
    assert (body["type"], body["stop_price"], body["stop_limit_price"]) == (
        "STOP_LIMIT",
        "49500",
        "49000",
    )
    tpsl = order_body(stop, "BTC-PERP", None, take_profit_price=Decimal("52000"))
    assert tpsl["type"] == "TAKE_PROFIT_STOP_LOSS"
    assert (tpsl["price"], tpsl["stop_price"], tpsl["stop_limit_price"]) == (
        "52000",
        "49500",
        "49000",
    )


def test_unknown_stp_mode_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="stp_mode"):
        order_body(_order(), "BTC-PERP", None, stp_mode="SOMETIMES")


def test_client_order_ids_become_stable_uuids() -> None:
    text = "5f0a1f7e-1b1b-4c1e-9a57-8d6a3c0b7a11"
    assert venue_client_order_id(text) == text
    mapped = venue_client_order_id("my-order-1")
    assert uuid.UUID(mapped).version == 5
    assert mapped == venue_client_order_id("my-order-1")


def test_modify_body() -> None:
    assert modify_body("pf", "c", Decimal("2"), None, Decimal("10.5")) == {
        "client_order_id": "c",
        "portfolio": "pf",
        "size": "2",
        "stop_price": "10.5",
    }
