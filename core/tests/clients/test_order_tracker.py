"""The core OrderTracker: normalised reports in, each order event exactly once, in order.

One test per rule of the module docstring, then a hypothesis property: any interleaving and
duplication of a valid venue history (order rows in the venue's order, stale repeats allowed;
fills anywhere, with or without the client order id) yields the same events, each once, with
accepted first, triggered before any fill, and nothing after the terminal event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tradeport.clients.orders import OrderTracker
from tradeport.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PegPriceType,
    TimeInForce,
    TrailingOffsetType,
)
from tradeport.model.events import (
    AnyOrderEvent,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderUpdated,
)
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    VenueOrderId,
)
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.orders import Order
from tradeport.model.reports import FillReport, OrderStatusReport

INSTRUMENT = InstrumentId.from_str("BTCUSDT.TEST")
ACCOUNT = AccountId("TEST-001")
CID = ClientOrderId("c-1")
VID = VenueOrderId("v-1")
NOW = 1_700_000_000_000_000_000


def clock() -> int:
    return NOW


def tracker(**kwargs: Any) -> OrderTracker:
    return OrderTracker(ACCOUNT, clock=clock, **kwargs)


def limit_order(cid: ClientOrderId = CID, qty: str = "1", price: str = "100") -> Order:
    return Order.limit(INSTRUMENT, OrderSide.BUY, Quantity(qty), Price(price), client_order_id=cid)


def stop_order(cid: ClientOrderId = CID) -> Order:
    return Order.stop_market(
        INSTRUMENT, OrderSide.SELL, Quantity("1"), Price("90"), client_order_id=cid
    )


def report(
    status: OrderStatus = OrderStatus.ACCEPTED,
    *,
    filled: str = "0",
    qty: str = "1",
    price: str | None = "100",
    trigger: str | None = None,
    ts: int = 1,
    cid: ClientOrderId | None = CID,
    vid: VenueOrderId = VID,
    order_type: OrderType = OrderType.LIMIT,
    ts_triggered: int | None = None,
    cancel_reason: str | None = None,
) -> OrderStatusReport:
    return OrderStatusReport(
        instrument_id=INSTRUMENT,
        client_order_id=cid,
        venue_order_id=vid,
        order_side=OrderSide.BUY,
        order_type=order_type,
        time_in_force=TimeInForce.GTC,
        order_status=status,
        quantity=Quantity(qty),
        filled_qty=Quantity(filled),
        price=Price(price) if price is not None else None,
        trigger_price=Price(trigger) if trigger is not None else None,
        cancel_reason=cancel_reason,
        ts_accepted=1,
        ts_triggered=ts_triggered,
        ts_last=ts,
        ts_init=ts,
    )


def fill(
    trade: str,
    qty: str = "0.5",
    *,
    cid: ClientOrderId | None = CID,
    vid: VenueOrderId = VID,
    ts: int = 1,
    px: str = "100",
) -> FillReport:
    return FillReport(
        instrument_id=INSTRUMENT,
        venue_order_id=vid,
        client_order_id=cid,
        trade_id=TradeId(trade),
        order_side=OrderSide.BUY,
        last_qty=Quantity(qty),
        last_px=Price(px),
        commission=Money("0.01", "USDT"),
        liquidity_side=LiquiditySide.MAKER,
        ts_event=ts,
        ts_init=ts,
    )


def kinds(events: Sequence[AnyOrderEvent]) -> list[str]:
    return [type(e).__name__.removeprefix("Order") for e in events]


# -- acceptance, repeats, stale rows --------------------------------------------------------------


def test_accepted_once_from_row_and_ack_with_venue_id() -> None:
    t = tracker()
    t.track(limit_order())
    (accepted,) = t.on_order_report(report())
    assert isinstance(accepted, OrderAccepted)
    assert accepted.venue_order_id == VID and accepted.account_id == ACCOUNT
    assert accepted.ts_init == NOW and accepted.ts_event == 1
    assert t.on_order_report(report()) == []
    assert t.accepted(CID, VID, ts_event=5) == []


def test_ack_then_row_publishes_accepted_once() -> None:
    t = tracker()
    t.track(limit_order())
    assert kinds(t.accepted(CID, VID, ts_event=7)) == ["Accepted"]
    assert t.on_order_report(report(ts=8)) == []
    assert t.find(venue_order_id=VID) is t.find(CID)


def test_stale_row_by_sequence_is_dropped() -> None:
    t = tracker()
    t.track(limit_order())
    t.on_order_report(report(ts=1), sequence=1)
    assert kinds(t.on_order_report(report(price="101", ts=1), sequence=3)) == ["Updated"]
    # An older update delivered late (same ts_last: only the sequence tells).
    assert t.on_order_report(report(price="100", ts=1), sequence=2) == []
    assert t.on_order_report(report(price="101", ts=1), sequence=3) == []


def test_stale_row_without_sequence_by_ts_last_and_filled_qty() -> None:
    t = tracker()
    t.track(limit_order())
    t.on_order_report(report(ts=1))
    assert kinds(t.on_order_report(report(price="101", ts=5))) == ["Updated"]
    assert t.on_order_report(report(price="100", ts=3)) == []  # older ts_last
    t.on_fill_report(fill("t1"))
    t.on_order_report(report(OrderStatus.PARTIALLY_FILLED, filled="0.5", price="101", ts=6))
    # Same ts_last, less filled: a repeat of an older row.
    assert t.on_order_report(report(price="100", ts=6)) == []


# -- fills -----------------------------------------------------------------------------------------


def test_fill_before_order_row_accepts_then_fills_once() -> None:
    t = tracker()
    t.track(limit_order())
    events = t.on_fill_report(fill("t1", ts=3))
    assert kinds(events) == ["Accepted", "Filled"]
    filled = events[1]
    assert isinstance(filled, OrderFilled)
    assert filled.trade_id == TradeId("t1") and filled.order_type is OrderType.LIMIT
    assert filled.ts_event == 3 and filled.last_qty == Quantity("0.5")
    assert t.on_fill_report(fill("t1", ts=3)) == []
    assert t.on_order_report(report(OrderStatus.PARTIALLY_FILLED, filled="0.5")) == []


def test_fill_of_conditional_order_proves_the_trigger() -> None:
    t = tracker()
    t.track(stop_order())
    assert kinds(t.on_fill_report(fill("t1", "1"))) == ["Accepted", "Triggered", "Filled"]
    row = report(OrderStatus.FILLED, filled="1", order_type=OrderType.MARKET, price=None)
    assert t.on_order_report(row) == []
    assert t.open_orders() == []


def test_trigger_from_status_or_ts_triggered_once() -> None:
    t = tracker()
    t.track(stop_order())
    kw: dict[str, Any] = {"price": None, "trigger": "90", "order_type": OrderType.STOP_MARKET}
    assert kinds(t.on_order_report(report(**kw))) == ["Accepted"]
    assert kinds(t.on_order_report(report(OrderStatus.TRIGGERED, ts=2, **kw))) == ["Triggered"]
    assert t.on_order_report(report(ts=3, ts_triggered=2, **kw)) == []
    other = tracker()
    other.track(stop_order())
    events = other.on_order_report(report(ts=4, ts_triggered=3, **kw))
    assert kinds(events) == ["Accepted", "Triggered"] and events[1].ts_event == 3


def test_terminal_row_waits_for_the_fills_it_counts() -> None:
    t = tracker()
    t.track(limit_order())
    canceled = report(OrderStatus.CANCELED, filled="0.5", ts=9)
    assert t.missing_fill_qty(canceled) == Decimal("0.5")
    assert kinds(t.on_order_report(canceled)) == ["Accepted"]
    assert [o.client_order_id for o in t.awaiting_fills()] == [CID]
    assert [o.client_order_id for o in t.open_orders()] == [CID]
    assert t.on_order_report(canceled) == []  # repeated while waiting
    assert kinds(t.on_fill_report(fill("t1"))) == ["Filled", "Canceled"]
    assert t.awaiting_fills() == [] and t.open_orders() == []
    assert t.on_fill_report(fill("t1")) == []


def test_filled_row_before_its_fills_closes_after_the_last_one() -> None:
    t = tracker()
    t.track(limit_order())
    assert kinds(t.on_order_report(report(OrderStatus.FILLED, filled="1"))) == ["Accepted"]
    assert kinds(t.on_fill_report(fill("t1"))) == ["Filled"]
    assert t.open_orders() != []
    assert kinds(t.on_fill_report(fill("t2"))) == ["Filled"]
    assert t.open_orders() == []


def test_fills_passed_with_the_row_come_between_accepted_and_terminal() -> None:
    t = tracker()
    t.track(limit_order())
    row = report(OrderStatus.CANCELED, filled="1", ts=9)
    assert t.missing_fill_qty(row) == 1
    events = t.on_order_report(row, [fill("t1"), fill("t2")], reconciliation=True)
    assert kinds(events) == ["Accepted", "Filled", "Filled", "Canceled"]
    assert all(e.reconciliation for e in events)
    assert t.missing_fill_qty(row) == 0


def test_release_publishes_a_held_terminal_without_its_fills() -> None:
    t = tracker()
    t.track(limit_order())
    t.on_order_report(report(OrderStatus.EXPIRED, filled="0.5"))
    (expired,) = t.release(CID)
    assert isinstance(expired, OrderExpired)
    assert t.release(CID) == [] and t.open_orders() == []


def test_a_fill_after_a_cancel_ack_is_still_published() -> None:
    t = tracker()
    t.track(limit_order())
    t.accepted(CID, VID)
    assert kinds(t.canceled(CID)) == ["Canceled"]
    assert t.on_order_report(report(OrderStatus.CANCELED, filled="0.5")) == []
    assert kinds(t.on_fill_report(fill("t1"))) == ["Filled"]  # a real fill is never dropped


def test_same_trade_id_on_two_orders_is_two_fills() -> None:
    t = tracker()
    t.track(limit_order())
    t.track(limit_order(ClientOrderId("c-2")))
    t.accepted(CID, VID)
    t.accepted(ClientOrderId("c-2"), VenueOrderId("v-2"))
    assert kinds(t.on_fill_report(fill("t1"))) == ["Filled"]
    other = fill("t1", cid=ClientOrderId("c-2"), vid=VenueOrderId("v-2"))
    assert kinds(t.on_fill_report(other)) == ["Filled"]


# -- venue ids -------------------------------------------------------------------------------------


def test_fill_with_an_unknown_venue_id_waits_for_the_ack() -> None:
    t = tracker()
    t.track(limit_order())
    assert t.on_fill_report(fill("t1", cid=None, ts=4)) == []  # parked: whose order is it?
    events = t.accepted(CID, VID, ts_event=3)
    assert kinds(events) == ["Accepted", "Filled"]
    assert events[1].venue_order_id == VID
    assert t.on_fill_report(fill("t1", cid=None)) == []


def test_parked_fills_are_bounded() -> None:
    t = tracker(parked_capacity=2)
    t.track(limit_order(qty="5"))
    for trade in ("t1", "t2", "t3"):
        t.on_fill_report(fill(trade, cid=None))
    events = t.on_order_report(report(qty="5"))
    assert kinds(events) == ["Accepted", "Filled", "Filled"]
    assert [e.trade_id.value for e in events if isinstance(e, OrderFilled)] == ["t2", "t3"]


def test_second_venue_id_keeps_the_first() -> None:
    """A triggered algo order runs under a new venue order id; both keep finding it."""
    t = tracker()
    t.track(stop_order())
    t.accepted(CID, VenueOrderId("algo-1"))
    row = report(vid=VenueOrderId("ord-9"), price=None, order_type=OrderType.MARKET, ts=2)
    assert kinds(t.on_order_report(report(vid=VenueOrderId("ord-9"), ts=2, ts_triggered=2))) == [
        "Triggered"
    ]
    assert t.on_order_report(row) == []
    assert t.find(venue_order_id=VenueOrderId("algo-1")) is t.find(CID)
    (filled,) = t.on_fill_report(fill("t1", "1", cid=None, vid=VenueOrderId("ord-9")))
    assert filled.venue_order_id == VenueOrderId("ord-9")


# -- amendments ------------------------------------------------------------------------------------


def test_amend_ack_then_echo_row_is_one_update() -> None:
    t = tracker()
    t.track(limit_order())
    t.on_order_report(report())
    (updated,) = t.modified(CID, price=Price("101"), ts_event=5)
    assert isinstance(updated, OrderUpdated)
    assert updated.price == Price("101") and updated.quantity == Quantity("1")
    assert t.on_order_report(report(price="101", ts=5)) == []
    assert t.modified(CID, price=Price("101")) == []


def test_echo_row_then_amend_ack_is_one_update() -> None:
    t = tracker()
    t.track(limit_order())
    t.on_order_report(report())
    (updated,) = t.on_order_report(report(qty="2", ts=2))
    assert isinstance(updated, OrderUpdated) and updated.quantity == Quantity("2")
    assert t.modified(CID, quantity=Quantity("2")) == []


def test_missing_or_protection_price_is_not_an_amendment() -> None:
    t = tracker()
    t.track(limit_order())
    t.on_order_report(report())
    assert t.on_order_report(report(price=None, ts=2)) == []  # not reported, not removed
    market = Order.market(
        INSTRUMENT, OrderSide.BUY, Quantity("1"), client_order_id=ClientOrderId("m-1")
    )
    t.track(market)
    row = report(cid=market.client_order_id, vid=VenueOrderId("v-m"), price="105")
    assert kinds(t.on_order_report(row)) == ["Accepted"]  # a market order's protection price


def test_a_value_first_learned_is_not_an_update_but_its_moves_are() -> None:
    """A pegged order has no price until the venue pegs it, a trailing stop no trigger price
    until the venue sets it: the first one reported is learned; each later move is published."""
    t = tracker()
    pegged = Order(
        client_order_id=CID,
        instrument_id=INSTRUMENT,
        side=OrderSide.BUY,
        order_type=OrderType.PEGGED,
        quantity=Quantity("1"),
        peg_price_type=PegPriceType.PRIMARY,
        peg_offset=Decimal("-1"),
    )
    t.track(pegged)
    assert t.find(CID).price is None
    row = report(order_type=OrderType.PEGGED, price="99")
    assert kinds(t.on_order_report(row)) == ["Accepted"]
    (repriced,) = t.on_order_report(report(order_type=OrderType.PEGGED, price="102", ts=2))
    assert isinstance(repriced, OrderUpdated) and repriced.price == Price("102")

    trailing = Order.trailing_stop_market(
        INSTRUMENT,
        OrderSide.SELL,
        Quantity("1"),
        Decimal("5"),
        trailing_offset_type=TrailingOffsetType.PRICE,
        client_order_id=ClientOrderId("c-2"),
    )
    t.track(trailing)
    first = report(
        order_type=OrderType.TRAILING_STOP_MARKET,
        price=None,
        trigger="95",
        cid=trailing.client_order_id,
        vid=VenueOrderId("v-2"),
    )
    assert kinds(t.on_order_report(first)) == ["Accepted"]
    (trailed,) = t.on_order_report(attrs.evolve(first, trigger_price=Price("98"), ts_last=2))
    assert isinstance(trailed, OrderUpdated)
    assert (trailed.trigger_price, trailed.price) == (Price("98"), None)


def test_no_update_from_terminal_rows() -> None:
    t = tracker()
    t.track(limit_order())
    t.on_order_report(report())
    assert kinds(t.on_order_report(report(OrderStatus.CANCELED, price="99", ts=2))) == ["Canceled"]
    assert t.modified(CID, price=Price("98")) == []


# -- rejections and terminal events ----------------------------------------------------------------


def test_rejected_once_and_never_after_acceptance() -> None:
    t = tracker()
    t.track(limit_order())
    (rejected,) = t.rejected(CID, "10001: bad price", ts_event=4)
    assert isinstance(rejected, OrderRejected) and rejected.reason == "10001: bad price"
    assert t.rejected(CID, "again") == []
    assert t.on_order_report(report(OrderStatus.REJECTED)) == []
    other = tracker()
    other.track(limit_order())
    other.accepted(CID, VID)
    assert other.rejected(CID, "late") == []


def test_rejected_row_names_the_reason_or_cancels_an_accepted_order() -> None:
    t = tracker()
    t.track(limit_order())
    (rejected,) = t.on_order_report(report(OrderStatus.REJECTED, cancel_reason="no balance"))
    assert isinstance(rejected, OrderRejected) and rejected.reason == "no balance"
    assert not rejected.due_post_only
    other = tracker()
    other.track(limit_order())
    other.accepted(CID, VID)
    assert kinds(other.on_order_report(report(OrderStatus.REJECTED, ts=2))) == ["Canceled"]


def test_post_only_cancel_of_an_unaccepted_order_is_a_post_only_rejection() -> None:
    t = tracker(post_only_rejection=lambda reason: reason == "WouldTake")
    t.track(limit_order())
    (rejected,) = t.on_order_report(report(OrderStatus.CANCELED, cancel_reason="WouldTake"))
    assert isinstance(rejected, OrderRejected) and rejected.due_post_only
    t.track(limit_order(ClientOrderId("c-2")))
    plain = report(OrderStatus.CANCELED, cid=ClientOrderId("c-2"), vid=VenueOrderId("v-2"))
    assert kinds(t.on_order_report(plain)) == ["Accepted", "Canceled"]


def test_expired_and_canceled_rows() -> None:
    t = tracker()
    t.track(limit_order())
    events = t.on_order_report(report(OrderStatus.EXPIRED, ts=5))
    assert kinds(events) == ["Accepted", "Expired"] and events[1].ts_event == 5
    assert t.on_order_report(report(OrderStatus.EXPIRED, ts=5)) == []
    assert t.canceled(CID) == []


def test_cancel_ack_of_an_unacknowledged_order_accepts_first() -> None:
    t = tracker()
    t.track(limit_order())
    events = t.canceled(CID, VID, ts_event=6)
    assert kinds(events) == ["Accepted", "Canceled"]
    assert isinstance(events[1], OrderCanceled) and events[1].venue_order_id == VID


# -- external orders, reconciliation, memory -------------------------------------------------------


def test_external_orders_are_ignored_by_default() -> None:
    t = tracker()
    row = report(cid=ClientOrderId("elsewhere"))
    assert t.on_order_report(row) == [] and t.find(ClientOrderId("elsewhere")) is None
    assert t.missing_fill_qty(report(OrderStatus.FILLED, filled="1")) == 0
    assert t.canceled(ClientOrderId("elsewhere")) == []


def test_external_orders_with_a_client_id_are_adopted_when_asked() -> None:
    t = tracker(adopt_external=True)
    assert kinds(t.on_order_report(report(cid=ClientOrderId("e-1"), ts=2))) == ["Accepted"]
    assert t.on_order_report(report(cid=None, vid=VenueOrderId("anon"))) == []
    assert kinds(t.on_fill_report(fill("t1", cid=ClientOrderId("e-1")))) == ["Filled"]


def test_explicit_adoption_of_a_working_order() -> None:
    t = tracker()
    adopted = t.adopt(
        instrument_id=INSTRUMENT,
        client_order_id=CID,
        order_type=OrderType.LIMIT,
        venue_order_id=VID,
    )
    assert adopted.accepted and t.find(venue_order_id=VID) is adopted
    assert kinds(t.canceled(venue_order_id=VID)) == ["Canceled"]


def test_find_or_adopt_returns_the_tracked_order_or_adopts_one_named_by_its_venue_id() -> None:
    t = tracker()
    t.track(limit_order(CID))
    t.accepted(CID, VID)
    assert t.find_or_adopt(INSTRUMENT, None, VID) is t.find(CID)
    other = VenueOrderId("v-from-elsewhere")
    adopted = t.find_or_adopt(INSTRUMENT, None, other)
    assert adopted.client_order_id == ClientOrderId("v-from-elsewhere") and adopted.accepted
    assert adopted.order_type is OrderType.LIMIT
    assert t.find_or_adopt(INSTRUMENT, None, other) is adopted


def test_open_orders_are_in_flight_or_working() -> None:
    t = tracker()
    t.track(limit_order(ClientOrderId("in-flight")))
    t.track(limit_order(ClientOrderId("working")))
    t.accepted(ClientOrderId("working"), VenueOrderId("w"))
    t.track(limit_order(ClientOrderId("done")))
    t.rejected(ClientOrderId("done"), "no")
    assert sorted(o.client_order_id.value for o in t.open_orders()) == ["in-flight", "working"]


def test_closed_orders_are_forgotten_oldest_first() -> None:
    t = tracker(closed_capacity=2)
    for n in range(4):
        cid = ClientOrderId(f"c-{n}")
        t.track(limit_order(cid))
        t.canceled(cid, VenueOrderId(f"v-{n}"))
    assert len(t) == 2
    assert (
        t.find(ClientOrderId("c-0")) is None and t.find(venue_order_id=VenueOrderId("v-1")) is None
    )
    assert t.find(ClientOrderId("c-3")) is not None


def test_account_id_of_the_report_wins() -> None:
    t = tracker()
    t.track(limit_order())
    other = AccountId("SUB-2")
    (accepted,) = t.on_order_report(attrs.evolve(report(), account_id=other))
    assert accepted.account_id == other


# -- property: any interleaving and duplication, the same events once --------------------------------


@st.composite
def histories(draw: st.DrawFn) -> dict[str, Any]:
    """A valid venue history of one order: rows in the venue's order and the fills."""
    stop = draw(st.booleans())
    fills = draw(st.lists(st.integers(1, 3), max_size=4))  # in quarters
    total = 8  # quarters: the order is for 2
    if sum(fills) > total:
        fills = fills[:2]  # at most 6 quarters
    amends = draw(st.lists(st.sampled_from(["101", "102", "99"]), max_size=2))
    done = sum(fills) == total
    terminal = OrderStatus.FILLED if done else draw(st.sampled_from([None, "CANCELED", "EXPIRED"]))
    return {
        "stop": stop,
        "fills": fills,
        "amends": amends,
        "terminal": OrderStatus(terminal) if terminal else None,
    }


def _venue_messages(history: dict[str, Any]) -> list[tuple[str, Any]]:
    """What the venue sends, in its order: ('row', report), ('fill', fill), ('ack', None)."""
    kind = OrderType.STOP_LIMIT if history["stop"] else OrderType.LIMIT
    trigger = "90" if history["stop"] else None
    ts = 1
    filled = Decimal(0)
    price = "100"
    ts_triggered: int | None = None

    def row(status: OrderStatus) -> OrderStatusReport:
        return report(
            status,
            filled=str(filled),
            qty="2",
            price=price,
            trigger=trigger,
            ts=ts,
            order_type=kind,
            ts_triggered=ts_triggered,
        )

    messages: list[tuple[str, Any]] = [("ack", None), ("row", row(OrderStatus.ACCEPTED))]
    for new_price in history["amends"]:
        ts += 1
        if new_price != price:
            price = new_price
            messages.append(("row", row(OrderStatus.ACCEPTED)))
    if history["stop"] and (history["fills"] or history["terminal"] is not None):
        ts += 1
        ts_triggered = ts
        messages.append(("row", row(OrderStatus.TRIGGERED)))
    for n, quarters in enumerate(history["fills"]):
        ts += 1
        qty = Decimal(quarters) / 4
        filled += qty
        messages.append(("fill", fill(f"t{n}", str(qty), ts=ts, px=price)))
        messages.append(("row", row(OrderStatus.PARTIALLY_FILLED)))
    if history["terminal"] is not None:
        ts += 1
        messages.append(("row", row(history["terminal"])))
    return messages


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[dict[str, Any], list[tuple[str, Any]], bool, bool]:
    history = draw(histories())
    messages = _venue_messages(history)
    rows = [m for m in messages if m[0] == "row"]
    others = [m for m in messages if m[0] != "row"]
    # Rows keep the venue's order; fills and the REST ack land anywhere.
    delivery = list(rows)
    for message in others:
        delivery.insert(draw(st.integers(0, len(delivery))), message)
    # Repeats: a row only after its first delivery (later it is stale), anything else anywhere.
    for _ in range(draw(st.integers(0, 6))):
        index = draw(st.integers(0, len(delivery) - 1))
        message = delivery[index]
        low = index + 1 if message[0] == "row" else 0
        delivery.insert(draw(st.integers(low, len(delivery))), message)
    return history, delivery, draw(st.booleans()), draw(st.booleans())


def _feed(
    t: OrderTracker,
    delivery: list[tuple[str, Any]],
    use_sequence: bool,
    fills_have_client_id: bool,
) -> list[AnyOrderEvent]:
    sequences: dict[int, int] = {}
    for _, item in delivery:
        sequences.setdefault(id(item), len(sequences))  # numbered in the venue's row order
    events: list[AnyOrderEvent] = []
    for kind, item in delivery:
        if kind == "ack":
            events += t.accepted(CID, VID)
        elif kind == "row":
            seq = sequences[id(item)] if use_sequence else None
            events += t.on_order_report(item, sequence=seq)
        else:
            if not fills_have_client_id:
                item = attrs.evolve(item, client_order_id=None)
            events += t.on_fill_report(item)
    return events


def _identity(event: AnyOrderEvent) -> tuple[str, ...]:
    name = type(event).__name__.removeprefix("Order")
    if isinstance(event, OrderFilled):
        return (name, event.trade_id.value, str(event.last_qty))
    if isinstance(event, OrderUpdated):
        return (name, str(event.price))
    return (name,)


@settings(max_examples=300, deadline=None)
@given(deliveries())
def test_any_interleaving_gives_the_same_events_once_in_order(
    case: tuple[dict[str, Any], list[tuple[str, Any]], bool, bool],
) -> None:
    history, delivery, use_sequence, fills_have_client_id = case
    order = (
        Order.stop_limit(
            INSTRUMENT,
            OrderSide.BUY,
            Quantity("2"),
            Price("100"),
            Price("90"),
            client_order_id=CID,
        )
        if history["stop"]
        else limit_order(qty="2")
    )
    in_order = tracker()
    in_order.track(order)
    reference = _feed(in_order, _venue_messages(history), use_sequence, True)
    shuffled = tracker()
    shuffled.track(order)
    events = _feed(shuffled, delivery, use_sequence, fills_have_client_id)

    assert Counter(map(_identity, events)) == Counter(map(_identity, reference))
    assert len(set(map(_identity, events))) == len(events), "an event was published twice"
    # And it is the right multiset, not only the same one.
    expected: Counter[tuple[str, ...]] = Counter({("Accepted",): 1})
    for n, quarters in enumerate(history["fills"]):
        expected[("Filled", f"t{n}", str(Quantity(str(Decimal(quarters) / 4))))] += 1
    if history["stop"] and (history["fills"] or history["terminal"] is not None):
        expected[("Triggered",)] += 1
    terminal = history["terminal"]
    if terminal is OrderStatus.CANCELED:
        expected[("Canceled",)] += 1
    elif terminal is OrderStatus.EXPIRED:
        expected[("Expired",)] += 1
    assert Counter(i for i in map(_identity, events) if i[0] != "Updated") == expected

    names = kinds(events)
    assert names[0] == "Accepted"
    if "Triggered" in names and "Filled" in names:
        assert names.index("Triggered") < names.index("Filled")
    if terminal in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
        assert names[-1] == ("Canceled" if terminal is OrderStatus.CANCELED else "Expired")
    if terminal is not None:
        assert shuffled.open_orders() == []
    else:
        assert [o.client_order_id for o in shuffled.open_orders()] == [CID]


def test_capacities_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        OrderTracker(closed_capacity=0)


def test_any_fill_report_hands_a_foreign_fill_over_once_and_tracks_our_own() -> None:
    """Account-wide fills: a fill of an order placed elsewhere comes back as the report itself,
    once (no OrderFilled, nothing parked); a fill of a tracked order gives its events."""
    t = tracker()
    t.track(limit_order())
    t.accepted(CID, VID)
    foreign = fill("t-9", cid=ClientOrderId("web-1"), vid=VenueOrderId("v-9"))
    assert t.on_any_fill_report(foreign) == [foreign]
    assert t.on_any_fill_report(foreign, reconciliation=True) == []  # a repeat: nothing
    own = t.on_any_fill_report(fill("t-1"))
    assert kinds(own) == ["Filled"]  # type: ignore[arg-type]
    assert t.on_any_fill_report(fill("t-1")) == []
    # The foreign order was not parked: learning its venue order id later publishes nothing.
    t.track(limit_order(ClientOrderId("c-2")))
    assert kinds(t.accepted(ClientOrderId("c-2"), VenueOrderId("v-9"))) == ["Accepted"]
