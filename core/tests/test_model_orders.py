"""Orders: valid combinations per type, refusal of invalid ones naming the field, order lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tradeport.errors import ValidationError
from tradeport.model import (
    ClientOrderId,
    InstrumentId,
    Order,
    OrderList,
    OrderListId,
    OrderSide,
    OrderType,
    Price,
    Quantity,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from tradeport.model.enums import PegPriceType

IID = InstrumentId.from_str("BTCUSDT.BINANCE")
QTY = Quantity.from_str("0.5")
PX = Price.from_str("100.5")
TRIGGER = Price.from_str("99")


def order(**fields: Any) -> Order:
    base: dict[str, Any] = {
        "client_order_id": ClientOrderId("C1"),
        "instrument_id": IID,
        "side": OrderSide.BUY,
        "quantity": QTY,
    }
    base.update(fields)
    return Order(**base)


def test_convenience_constructors() -> None:
    market = Order.market(IID, OrderSide.SELL, QTY, reduce_only=True)
    assert market.order_type is OrderType.MARKET
    assert market.price is None
    assert market.reduce_only
    assert len(market.client_order_id.value) == 32  # generated

    limit = Order.limit(
        IID,
        OrderSide.BUY,
        QTY,
        PX,
        client_order_id=ClientOrderId("mine"),
        time_in_force=TimeInForce.GTD,
        expire_time_ns=1_700_000_000_000_000_000,
        post_only=True,
    )
    assert (limit.order_type, limit.price, limit.client_order_id) == (
        OrderType.LIMIT,
        PX,
        ClientOrderId("mine"),
    )
    assert limit.has_price
    assert not limit.has_trigger

    stop = Order.stop_market(IID, OrderSide.SELL, QTY, TRIGGER, trigger_type=TriggerType.MARK_PRICE)
    assert (stop.order_type, stop.trigger_price, stop.trigger_type) == (
        OrderType.STOP_MARKET,
        TRIGGER,
        TriggerType.MARK_PRICE,
    )
    assert stop.has_trigger
    assert not stop.has_price

    stop_limit = Order.stop_limit(IID, OrderSide.SELL, QTY, PX, TRIGGER)
    assert (stop_limit.price, stop_limit.trigger_price, stop_limit.trigger_type) == (
        PX,
        TRIGGER,
        TriggerType.DEFAULT,
    )

    trailing = Order.trailing_stop_market(
        IID, OrderSide.SELL, QTY, Decimal("100"), activation_price=Price.from_str("110")
    )
    assert trailing.is_trailing
    assert trailing.trailing_offset_type is TrailingOffsetType.BASIS_POINTS

    pegged = Order.pegged(IID, OrderSide.BUY, QTY, PegPriceType.PRIMARY, peg_offset=Decimal("-1"))
    assert (pegged.order_type, pegged.peg_price_type, pegged.peg_offset) == (
        OrderType.PEGGED,
        PegPriceType.PRIMARY,
        Decimal("-1"),
    )
    assert pegged.is_pegged and not pegged.has_price and not pegged.has_trigger
    assert pegged.price is None
    assert not limit.is_pegged


@pytest.mark.parametrize(
    "fields",
    [
        {"order_type": OrderType.MARKET, "time_in_force": TimeInForce.IOC},
        {"order_type": OrderType.MARKET, "quote_quantity": True},
        {"order_type": OrderType.LIMIT, "price": PX, "display_qty": Quantity.from_str("0.1")},
        {"order_type": OrderType.LIMIT, "price": PX, "time_in_force": TimeInForce.FOK},
        {"order_type": OrderType.LIMIT, "price": PX, "time_in_force": TimeInForce.AT_THE_OPEN},
        {"order_type": OrderType.MARKET_IF_TOUCHED, "trigger_price": TRIGGER},
        {"order_type": OrderType.LIMIT_IF_TOUCHED, "trigger_price": TRIGGER, "price": PX},
        {
            "order_type": OrderType.TRAILING_STOP_LIMIT,
            "trailing_offset": Decimal("0.5"),
            "trailing_offset_type": TrailingOffsetType.PRICE,
            "limit_offset": Decimal("0.1"),
        },
        {
            "order_type": OrderType.TRAILING_STOP_LIMIT,
            "trailing_offset": Decimal("0.5"),
            "trailing_offset_type": TrailingOffsetType.PRICE,
            "price": PX,
            "trigger_price": TRIGGER,
        },
        {"order_type": OrderType.PEGGED, "peg_price_type": PegPriceType.PRIMARY},
        {
            "order_type": OrderType.PEGGED,
            "peg_price_type": PegPriceType.MARKET,
            "peg_offset": Decimal("-0.5"),
            "time_in_force": TimeInForce.IOC,
        },
    ],
)
def test_valid_combinations(fields: dict[str, Any]) -> None:
    built = order(**fields)
    for name, value in fields.items():
        assert getattr(built, name) == value


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"order_type": OrderType.LIMIT}, "price", "is required for LIMIT"),
        ({"order_type": OrderType.MARKET, "price": PX}, "price", "not allowed for MARKET"),
        ({"order_type": OrderType.STOP_MARKET}, "trigger_price", "is required for STOP_MARKET"),
        ({"order_type": OrderType.STOP_MARKET, "trigger_price": TRIGGER, "price": PX}, "price", ""),
        ({"order_type": OrderType.STOP_LIMIT, "trigger_price": TRIGGER}, "price", ""),
        ({"order_type": OrderType.STOP_LIMIT, "price": PX}, "trigger_price", ""),
        (
            {"order_type": OrderType.LIMIT, "price": PX, "trigger_price": TRIGGER},
            "trigger_price",
            "",
        ),
        (
            {"order_type": OrderType.MARKET, "trigger_type": TriggerType.LAST_PRICE},
            "trigger_type",
            "",
        ),
        (
            {"order_type": OrderType.LIMIT, "price": PX, "time_in_force": TimeInForce.GTD},
            "expire_time_ns",
            "is required for GTD",
        ),
        (
            {"order_type": OrderType.LIMIT, "price": PX, "expire_time_ns": 5},
            "expire_time_ns",
            "only allowed for GTD",
        ),
        (
            {
                "order_type": OrderType.LIMIT,
                "price": PX,
                "time_in_force": TimeInForce.GTD,
                "expire_time_ns": -1,
            },
            "expire_time_ns",
            "",
        ),
        (
            {"order_type": OrderType.MARKET, "post_only": True},
            "post_only",
            "only allowed for LIMIT",
        ),
        (
            {
                "order_type": OrderType.STOP_LIMIT,
                "price": PX,
                "trigger_price": TRIGGER,
                "post_only": True,
            },
            "post_only",
            "",
        ),
        (
            {
                "order_type": OrderType.LIMIT,
                "price": PX,
                "post_only": True,
                "time_in_force": TimeInForce.IOC,
            },
            "post_only",
            "contradicts",
        ),
        ({"order_type": OrderType.MARKET, "display_qty": QTY}, "display_qty", ""),
        (
            {"order_type": OrderType.LIMIT, "price": PX, "display_qty": Quantity.from_str("1")},
            "display_qty",
            "<= quantity",
        ),
        (
            {"order_type": OrderType.LIMIT, "price": PX, "quote_quantity": True},
            "quote_quantity",
            "",
        ),
        ({"order_type": OrderType.TRAILING_STOP_MARKET}, "trailing_offset", "is required"),
        (
            {
                "order_type": OrderType.TRAILING_STOP_MARKET,
                "trailing_offset": Decimal("-1"),
                "trailing_offset_type": TrailingOffsetType.PRICE,
            },
            "trailing_offset",
            "positive",
        ),
        (
            {
                "order_type": OrderType.TRAILING_STOP_MARKET,
                "trailing_offset": Decimal("1"),
                "trailing_offset_type": TrailingOffsetType.PRICE,
                "limit_offset": Decimal("1"),
            },
            "limit_offset",
            "",
        ),
        (
            {
                "order_type": OrderType.TRAILING_STOP_LIMIT,
                "trailing_offset": Decimal("1"),
                "trailing_offset_type": TrailingOffsetType.PRICE,
            },
            "price",
            "",
        ),
        (
            {"order_type": OrderType.LIMIT, "price": PX, "trailing_offset": Decimal("1")},
            "trailing_offset",
            "only allowed for trailing",
        ),
        (
            {"order_type": OrderType.MARKET, "activation_price": PX},
            "activation_price",
            "",
        ),
        ({"order_type": OrderType.PEGGED}, "peg_price_type", "is required for PEGGED"),
        (
            {"order_type": OrderType.PEGGED, "peg_price_type": "PRIMARY"},
            "peg_price_type",
            "must be a PegPriceType",
        ),
        (
            {
                "order_type": OrderType.PEGGED,
                "peg_price_type": PegPriceType.PRIMARY,
                "peg_offset": Decimal("NaN"),
            },
            "peg_offset",
            "finite",
        ),
        (
            {"order_type": OrderType.PEGGED, "peg_price_type": PegPriceType.MID, "price": PX},
            "price",
            "not allowed for PEGGED",
        ),
        (
            {"order_type": OrderType.LIMIT, "price": PX, "peg_price_type": PegPriceType.PRIMARY},
            "peg_price_type",
            "'PRIMARY' is only allowed for PEGGED orders, not LIMIT",
        ),
        (
            {"order_type": OrderType.MARKET, "peg_offset": Decimal("-1")},
            "peg_offset",
            "'-1' is only allowed for PEGGED orders, not MARKET",
        ),
        ({"order_type": OrderType.MARKET, "quantity": Quantity.from_str("0")}, "quantity", ""),
        ({"order_type": OrderType.MARKET, "quantity": Decimal("1")}, "quantity", ""),
        ({"order_type": OrderType.MARKET, "side": "BUY"}, "side", ""),
        ({"order_type": OrderType.LIMIT, "price": Decimal("1")}, "price", ""),
        ({"order_type": OrderType.MARKET, "reduce_only": 1}, "reduce_only", ""),
        ({"order_type": OrderType.MARKET, "tags": ["a"]}, "tags", ""),
    ],
)
def test_invalid_combinations_name_the_field(
    fields: dict[str, Any], field: str, message: str
) -> None:
    # `message` is an extra check where the wording matters; the field is always checked.
    with pytest.raises(ValidationError, match=message or None) as info:
        order(**fields)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


def test_order_list_requires_one_instrument_and_unique_ids() -> None:
    a = order(order_type=OrderType.LIMIT, price=PX)
    b = order(
        client_order_id=ClientOrderId("C2"), order_type=OrderType.STOP_MARKET, trigger_price=TRIGGER
    )
    order_list = OrderList(OrderListId("L1"), (a, b))
    assert order_list.instrument_id == IID
    with pytest.raises(ValidationError, match="duplicate"):
        OrderList(OrderListId("L1"), (a, a))
    other = order(
        client_order_id=ClientOrderId("C3"),
        instrument_id=InstrumentId.from_str("ETHUSDT.BINANCE"),
        order_type=OrderType.MARKET,
    )
    with pytest.raises(ValidationError, match="differs"):
        OrderList(OrderListId("L1"), (a, other))
    with pytest.raises(ValidationError, match="non-empty"):
        OrderList(OrderListId("L1"), ())
