"""Order events and execution reports: shared fields, the invariants that are validated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tradeport.errors import ValidationError
from tradeport.model import (
    AccountBalance,
    AccountId,
    AccountState,
    AccountType,
    ClientOrderId,
    ExecutionMassStatus,
    FillReport,
    InstrumentId,
    LiquiditySide,
    MarginBalance,
    Money,
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    OrderSide,
    OrderStatus,
    OrderStatusReport,
    OrderType,
    PegPriceType,
    PositionSide,
    PositionStatusReport,
    Price,
    Quantity,
    TimeInForce,
    TradeId,
    Venue,
    VenueOrderId,
)

IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
Q = Quantity.from_str


def test_events_share_the_order_event_base() -> None:
    accepted = OrderAccepted(
        instrument_id=IID,
        client_order_id=ClientOrderId("C1"),
        venue_order_id=VenueOrderId("42"),
        ts_event=1,
        ts_init=2,
    )
    assert isinstance(accepted, OrderEvent)
    assert accepted.account_id is None
    assert not accepted.reconciliation
    rejected = OrderRejected(
        instrument_id=IID,
        client_order_id=ClientOrderId("C2"),
        reason="Filter failure: PRICE_FILTER",
        ts_event=1,
        ts_init=2,
    )
    assert rejected.venue_order_id is None
    assert not rejected.due_post_only
    with pytest.raises(TypeError):
        OrderAccepted(IID, ClientOrderId("C1"), None, None, False, 1, 2)  # type: ignore[misc]


def test_fill_needs_a_positive_quantity() -> None:
    fields = {
        "instrument_id": IID,
        "client_order_id": ClientOrderId("C1"),
        "venue_order_id": VenueOrderId("42"),
        "trade_id": TradeId("T1"),
        "order_side": OrderSide.BUY,
        "order_type": OrderType.LIMIT,
        "last_px": Price.from_str("100.5"),
        "commission": Money("-0.01", "USDT"),  # a maker rebate
        "liquidity_side": LiquiditySide.MAKER,
        "ts_event": 1,
        "ts_init": 2,
    }
    fill = OrderFilled(last_qty=Q("0.5"), **fields)  # type: ignore[arg-type]
    assert fill.commission.raw < 0
    assert fill.position_id is None
    with pytest.raises(ValidationError, match="last_qty"):
        OrderFilled(last_qty=Q("0"), **fields)  # type: ignore[arg-type]


def order_report(**overrides: object) -> OrderStatusReport:
    fields: dict[str, object] = {
        "account_id": AccountId("BINANCE-1"),
        "instrument_id": IID,
        "client_order_id": ClientOrderId("C1"),
        "venue_order_id": VenueOrderId("42"),
        "order_side": OrderSide.SELL,
        "order_type": OrderType.LIMIT,
        "time_in_force": TimeInForce.GTC,
        "order_status": OrderStatus.PARTIALLY_FILLED,
        "quantity": Q("2"),
        "filled_qty": Q("0.5"),
        "price": Price.from_str("101"),
        "avg_px": Decimal("101.00"),
        "ts_accepted": 1,
        "ts_last": 2,
        "ts_init": 3,
    }
    fields.update(overrides)
    return OrderStatusReport(**fields)  # type: ignore[arg-type]


def test_order_status_report_derived_values() -> None:
    report = order_report()
    assert report.leaves_qty == Q("1.5")
    assert report.is_open
    assert not order_report(order_status=OrderStatus.FILLED, filled_qty=Q("2")).is_open
    # A venue reporting more filled than ordered must not crash the reconciliation.
    assert order_report(filled_qty=Q("3")).leaves_qty == Q("0")


def test_order_status_report_carries_the_peg_of_a_pegged_order() -> None:
    pegged = order_report(
        order_type=OrderType.PEGGED,
        peg_price_type=PegPriceType.PRIMARY,
        peg_offset=Price.from_str("-0.5"),
    )
    assert (pegged.peg_price_type, str(pegged.peg_offset)) == (PegPriceType.PRIMARY, "-0.5")
    assert order_report().peg_price_type is None and order_report().peg_offset is None
    # A venue may report the reference without an offset, or (unknown reference) the reverse.
    assert order_report(order_type=OrderType.PEGGED, peg_price_type=PegPriceType.MID).is_open
    with pytest.raises(ValidationError) as caught:
        order_report(peg_price_type=PegPriceType.PRIMARY)
    assert (caught.value.field, caught.value.value) == ("peg_price_type", "PRIMARY")
    assert "only allowed for PEGGED orders, not LIMIT" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        order_report(peg_offset=Price.from_str("1"))
    assert (caught.value.field, caught.value.value) == ("peg_offset", "1")
    with pytest.raises(ValidationError) as caught:
        order_report(order_type=OrderType.PEGGED, peg_price_type="PrimaryPeg")
    assert (caught.value.field, caught.value.value) == ("peg_price_type", "PrimaryPeg")
    with pytest.raises(ValidationError) as caught:
        order_report(order_type=OrderType.PEGGED, peg_offset=Decimal("-0.5"))
    assert (caught.value.field, caught.value.value) == ("peg_offset", Decimal("-0.5"))
    assert "must be a Price" in str(caught.value)


def test_position_report_side_and_quantity_agree() -> None:
    common: dict[str, Any] = {"instrument_id": IID, "ts_last": 1, "ts_init": 2}
    short = PositionStatusReport(
        position_side=PositionSide.SHORT, quantity=Q("0.25"), avg_px_open=Decimal("100"), **common
    )  # type: ignore[arg-type]
    assert short.signed_quantity == Decimal("-0.25")
    flat = PositionStatusReport(position_side=PositionSide.FLAT, quantity=Q("0"), **common)  # type: ignore[arg-type]
    assert flat.signed_quantity == 0
    with pytest.raises(ValidationError, match="must be zero for a FLAT"):
        PositionStatusReport(position_side=PositionSide.FLAT, quantity=Q("1"), **common)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must be positive for a LONG"):
        PositionStatusReport(position_side=PositionSide.LONG, quantity=Q("0"), **common)  # type: ignore[arg-type]


def test_account_balance_parts_must_add_up() -> None:
    balance = AccountBalance(Money("10.5", "USDT"), Money("0.5", "USDT"), Money("10", "USDT"))
    assert balance.currency == "USDT"
    with pytest.raises(ValidationError, match="is not locked \\+ free"):
        AccountBalance(Money("10", "USDT"), Money("1", "USDT"), Money("10", "USDT"))
    with pytest.raises(ValidationError, match="currency"):
        AccountBalance(Money("10", "USDT"), Money("0", "USD"), Money("10", "USDT"))
    with pytest.raises(ValidationError, match="Money"):
        AccountBalance(Money("10", "USDT"), Decimal("0"), Money("10", "USDT"))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="currency"):
        MarginBalance(Money("1", "USDT"), Money("1", "BTC"))


def test_account_state_and_mass_status_lookups() -> None:
    usdt = AccountBalance(Money("10", "USDT"), Money("0", "USDT"), Money("10", "USDT"))
    state = AccountState(
        account_id=AccountId("BINANCE-1"),
        account_type=AccountType.MARGIN,
        balances=(usdt,),
        margins=(MarginBalance(Money("1", "USDT"), Money("0.5", "USDT"), IID),),
        ts_event=1,
        ts_init=2,
    )
    assert state.balance("USDT") is usdt
    assert state.balance("BTC") is None
    assert state.reported
    fill = FillReport(
        instrument_id=IID,
        venue_order_id=VenueOrderId("42"),
        trade_id=TradeId("T1"),
        order_side=OrderSide.SELL,
        last_qty=Q("0.5"),
        last_px=Price.from_str("101"),
        commission=Money("0.05", "USDT"),
        liquidity_side=LiquiditySide.TAKER,
        ts_event=1,
        ts_init=2,
    )
    other = FillReport(
        instrument_id=IID,
        venue_order_id=VenueOrderId("43"),
        trade_id=TradeId("T2"),
        order_side=OrderSide.BUY,
        last_qty=Q("1"),
        last_px=Price.from_str("100"),
        commission=Money("0.1", "USDT"),
        liquidity_side=LiquiditySide.MAKER,
        ts_event=1,
        ts_init=2,
    )
    status = ExecutionMassStatus(
        venue=Venue("BINANCE"),
        order_reports=(order_report(),),
        fill_reports=(fill, other),
        ts_init=3,
    )
    assert status.fills_for(VenueOrderId("42")) == (fill,)
    assert status.position_reports == ()
