"""Request builders emit exactly Bybit's parameter names, spellings and units."""

from __future__ import annotations

import pytest
from tradeport.errors import ValidationError
from tradeport.model.data import BarType
from tradeport.model.enums import OrderSide, PositionSide, TimeInForce, TriggerType
from tradeport.model.identifiers import ClientOrderId, InstrumentId
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order
from tradeport_bybit.enums import BybitCategory
from tradeport_bybit.http.query import (
    amend_order_body,
    cancel_order_body,
    interval_ms,
    kline_interval,
    place_order_body,
)

LINEAR = InstrumentId.from_str("BTCUSDT-LINEAR.BYBIT")
SPOT = InstrumentId.from_str("BTCUSDT-SPOT.BYBIT")
COID = ClientOrderId("abc-1")


def test_limit_post_only_and_ioc() -> None:
    order = Order.limit(
        LINEAR,
        OrderSide.BUY,
        Quantity("0.010"),
        Price("28000.0"),
        client_order_id=COID,
        post_only=True,
    )
    assert place_order_body(order) == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "side": "Buy",
        "orderType": "Limit",
        "qty": "0.010",
        "price": "28000.0",
        "timeInForce": "PostOnly",
        "positionIdx": 0,
        "orderLinkId": "abc-1",
    }
    ioc = Order.limit(
        LINEAR,
        OrderSide.SELL,
        Quantity("1"),
        Price("1"),
        client_order_id=COID,
        time_in_force=TimeInForce.FOK,
        reduce_only=True,
    )
    body = place_order_body(ioc)
    assert body["timeInForce"] == "FOK" and body["reduceOnly"] is True


def test_spot_market_states_its_unit_and_has_no_position_idx() -> None:
    order = Order.market(SPOT, OrderSide.BUY, Quantity("0.5"), client_order_id=COID)
    body = place_order_body(order)
    assert body["marketUnit"] == "baseCoin" and body["timeInForce"] == "IOC"
    assert "positionIdx" not in body and "price" not in body


def test_stop_and_if_touched_become_conditional_with_direction() -> None:
    stop_buy = Order.stop_market(
        LINEAR, OrderSide.BUY, Quantity("1"), Price("30000"), client_order_id=COID
    )
    body = place_order_body(stop_buy)
    assert (
        body["orderType"],
        body["triggerPrice"],
        body["triggerDirection"],
        body["triggerBy"],
    ) == ("Market", "30000", 1, "LastPrice")
    stop_sell = Order.stop_limit(
        LINEAR,
        OrderSide.SELL,
        Quantity("1"),
        Price("25000"),
        Price("25100"),
        client_order_id=COID,
        trigger_type=TriggerType.MARK_PRICE,
    )
    body = place_order_body(stop_sell)
    assert (
        body["orderType"],
        body["price"],
        body["triggerPrice"],
        body["triggerDirection"],
        body["triggerBy"],
    ) == ("Limit", "25000", "25100", 2, "MarkPrice")


def test_hedge_mode_position_idx_and_tp_sl_tags() -> None:
    order = Order.limit(
        LINEAR,
        OrderSide.SELL,
        Quantity("1"),
        Price("30000"),
        client_order_id=COID,
        position_side=PositionSide.SHORT,
        tags=("takeProfit=25000", "stopLoss=31000", "note=ignored"),
    )
    body = place_order_body(order, hedge_mode=True)
    assert body["positionIdx"] == 2
    assert (body["takeProfit"], body["stopLoss"]) == ("25000", "31000")
    assert "note" not in body


def test_unsupported_time_in_force_refused() -> None:
    order = Order.limit(
        LINEAR,
        OrderSide.BUY,
        Quantity("1"),
        Price("1"),
        client_order_id=COID,
        time_in_force=TimeInForce.GTD,
        expire_time_ns=2 * 10**18,
    )
    with pytest.raises(ValidationError, match="time_in_force"):
        place_order_body(order)


def test_amend_and_cancel_prefer_the_venue_id() -> None:
    assert cancel_order_body(
        BybitCategory.SPOT, "BTCUSDT", client_order_id="c", venue_order_id="v"
    ) == {"category": "spot", "symbol": "BTCUSDT", "orderId": "v"}
    assert amend_order_body(BybitCategory.LINEAR, "BTCUSDT", client_order_id="c", price="1.5") == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "orderLinkId": "c",
        "price": "1.5",
    }


def test_kline_intervals() -> None:
    one = BarType.from_str("BTCUSDT-LINEAR.BYBIT-1-MINUTE-LAST-EXTERNAL")
    four_hours = BarType.from_str("BTCUSDT-LINEAR.BYBIT-4-HOUR-LAST-EXTERNAL")
    day = BarType.from_str("BTCUSDT-LINEAR.BYBIT-1-DAY-LAST-EXTERNAL")
    assert [kline_interval(b) for b in (one, four_hours, day)] == ["1", "240", "D"]
    assert interval_ms(four_hours) == 4 * 3_600_000
    with pytest.raises(ValidationError):
        kline_interval(BarType.from_str("BTCUSDT-LINEAR.BYBIT-7-MINUTE-LAST-EXTERNAL"))
