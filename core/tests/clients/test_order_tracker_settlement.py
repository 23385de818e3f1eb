"""OrderTracker and fills that settle later (Polymarket MATCHED -> MINED -> CONFIRMED / FAILED,
a voided bet), and betting lapses: each settlement event exactly once, and a reversal takes
back exactly what its fill added."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from tradeport.clients.orders import OrderTracker
from tradeport.model.enums import OrderStatus, SettlementStatus
from tradeport.model.events import (
    OrderExpired,
    OrderFillConfirmed,
    OrderFilled,
    OrderFillReversed,
)
from tradeport.model.numbers import Money, Quantity

from .test_order_tracker import CID, VID, clock, fill, kinds, limit_order, report

PROVISIONAL, FINAL, REVERSED = (
    SettlementStatus.PROVISIONAL,
    SettlementStatus.FINAL,
    SettlementStatus.REVERSED,
)


def staged(trade: str, settlement: SettlementStatus, detail: str, qty: str = "0.5"):
    """The same trade as the venue reports it at one stage of its settlement."""
    return attrs.evolve(fill(trade, qty), settlement=settlement, settlement_detail=detail)


def tracked_order() -> OrderTracker:
    t = OrderTracker(clock=clock)
    t.track(limit_order())
    t.on_order_report(report())
    return t


def test_provisional_fill_then_confirmation_each_once() -> None:
    t = tracked_order()
    (filled,) = t.on_fill_report(staged("t1", PROVISIONAL, "MATCHED"))
    assert isinstance(filled, OrderFilled) and filled.settlement is PROVISIONAL
    assert t.find(CID).filled_qty == Decimal("0.5")
    # MINED is still provisional: a repeat, nothing new.
    assert t.on_fill_report(staged("t1", PROVISIONAL, "MINED")) == []
    (confirmed,) = t.on_fill_report(staged("t1", FINAL, "CONFIRMED"))
    assert isinstance(confirmed, OrderFillConfirmed)
    assert (confirmed.trade_id.value, confirmed.detail) == ("t1", "CONFIRMED")
    assert (confirmed.last_qty, confirmed.venue_order_id) == (Quantity("0.5"), VID)
    assert t.on_fill_report(staged("t1", FINAL, "CONFIRMED")) == []
    assert t.find(CID).filled_qty == Decimal("0.5")  # confirmation adds nothing


def test_failed_settlement_reverses_exactly_what_the_fill_added() -> None:
    t = tracked_order()
    t.on_fill_report(staged("t1", FINAL, "CONFIRMED", qty="0.25"))
    (filled,) = t.on_fill_report(staged("t2", PROVISIONAL, "MATCHED", qty="0.75"))
    assert t.find(CID).filled_qty == Decimal("1")
    # The venue's FAILED report may carry other numbers; the reversal undoes the fill itself.
    failed = attrs.evolve(
        staged("t2", REVERSED, "FAILED"), last_qty=Quantity("9"), commission=Money("7", "USDT")
    )
    (reversed_,) = t.on_fill_report(failed)
    assert isinstance(reversed_, OrderFillReversed)
    assert (reversed_.last_qty, reversed_.last_px, reversed_.commission) == (
        filled.last_qty,
        filled.last_px,
        filled.commission,
    )
    assert reversed_.order_side is filled.order_side and reversed_.reason == "FAILED"
    assert t.find(CID).filled_qty == Decimal("0.25")
    assert t.on_fill_report(failed) == []  # once
    assert t.on_fill_report(staged("t2", FINAL, "CONFIRMED")) == []  # no confirming a reversal
    assert t.on_fill_report(staged("t2", PROVISIONAL, "RETRYING")) == []


def test_reversal_reopens_an_order_its_fill_completed() -> None:
    t = tracked_order()
    t.on_fill_report(staged("t1", PROVISIONAL, "MATCHED", qty="1"))
    assert kinds(t.on_order_report(report(OrderStatus.FILLED, filled="1", ts=2))) == []
    assert t.find(CID).closed
    assert kinds(t.on_fill_report(staged("t1", REVERSED, "FAILED", qty="1"))) == ["FillReversed"]
    assert not t.find(CID).closed and CID in {o.client_order_id for o in t.open_orders()}
    # Matched again with a new trade: the order fills (and closes) once more.
    (refilled,) = t.on_fill_report(staged("t3", PROVISIONAL, "MATCHED", qty="1"))
    assert isinstance(refilled, OrderFilled)
    assert t.find(CID).filled_qty == Decimal("1")


def test_reversal_of_a_canceled_orders_fill_leaves_it_closed() -> None:
    t = tracked_order()
    t.on_fill_report(staged("t1", PROVISIONAL, "MATCHED"))
    assert kinds(t.on_order_report(report(OrderStatus.CANCELED, filled="0.5", ts=2))) == [
        "Canceled"
    ]
    assert kinds(t.on_fill_report(staged("t1", REVERSED, "FAILED"))) == ["FillReversed"]
    assert t.find(CID).closed


def test_reversal_seen_before_the_fill_keeps_the_fill_silent() -> None:
    t = tracked_order()
    assert t.on_fill_report(staged("t1", REVERSED, "FAILED")) == []
    assert t.on_fill_report(staged("t1", PROVISIONAL, "MATCHED")) == []
    assert t.find(CID).filled_qty == 0


def test_final_first_is_a_plain_fill_and_a_void_reverses_it() -> None:
    t = tracked_order()
    (filled,) = t.on_fill_report(staged("t1", FINAL, "MATCHED"))
    assert filled.settlement is FINAL
    assert t.on_fill_report(staged("t1", PROVISIONAL, "MATCHED")) == []  # a stale stage
    # A betting venue voids a matched bet after the fact.
    (voided,) = t.on_fill_report(staged("t1", REVERSED, "VOIDED"))
    assert isinstance(voided, OrderFillReversed) and voided.reason == "VOIDED"


def test_parked_provisional_fill_superseded_by_its_confirmation() -> None:
    t = OrderTracker(clock=clock)
    t.track(limit_order())
    # Both stages arrive before the venue order id is known: only the latest is kept.
    assert (
        t.on_fill_report(attrs.evolve(staged("t1", PROVISIONAL, "MATCHED"), client_order_id=None))
        == []
    )
    assert (
        t.on_fill_report(attrs.evolve(staged("t1", FINAL, "CONFIRMED"), client_order_id=None)) == []
    )
    events = t.accepted(CID, VID)
    assert kinds(events) == ["Accepted", "Filled"]
    assert events[1].settlement is FINAL


def test_lapsed_bet_is_an_expiry() -> None:
    t = tracked_order()
    t.on_fill_report(fill("t1", "0.5"))
    (expired,) = t.on_order_report(report(OrderStatus.LAPSED, filled="0.5", ts=3))
    assert isinstance(expired, OrderExpired)
    assert t.find(CID).closed


@pytest.mark.anyio
async def test_mass_status_keeps_the_settled_report_of_a_trade() -> None:
    from tradeport.clients.base import ExecutionClient

    stages = [
        staged("t1", PROVISIONAL, "MATCHED"),
        staged("t1", FINAL, "CONFIRMED"),
        staged("t1", PROVISIONAL, "MINED"),  # a lagging replica repeats an older stage
        staged("t2", PROVISIONAL, "MATCHED"),
        staged("t3", PROVISIONAL, "MINED"),
        staged("t3", REVERSED, "FAILED"),
    ]

    class Venue(ExecutionClient):
        async def order_status_reports(self, *args, **kwargs):
            return []

        async def fill_reports(self, *args, **kwargs):
            return stages

    status = await Venue("TEST", None).mass_status()
    assert [(f.trade_id.value, f.settlement) for f in status.fill_reports] == [
        ("t1", FINAL),
        ("t2", PROVISIONAL),
        ("t3", REVERSED),
    ]
