"""Parsers against the documented payload examples (tests/test_data, see SOURCES.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tradeport.clients.orders import OrderTracker
from tradeport.errors import ClockSkewError
from tradeport.model.data import RecordFlag
from tradeport.model.enums import (
    AggressorSide,
    BookAction,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    ProductType,
)
from tradeport.model.events import OrderAccepted, OrderFilled, OrderUpdated
from tradeport.model.identifiers import ClientOrderId, InstrumentId
from tradeport.model.instruments import Perpetual, SpotPair
from tradeport.model.numbers import Price, Quantity
from tradeport.model.orders import Order

from tradeport_coinbase_intx.http.parse import (
    parse_book_snapshot,
    parse_fill_report,
    parse_instrument,
    parse_order_status_report,
)
from tradeport_coinbase_intx.websocket.parse import (
    parse_book_batch,
    parse_mark_message,
    parse_quote_tick,
    parse_trade_ticks,
)

DATA = Path(__file__).resolve().parent / "test_data"
TS_INIT = 1_700_000_001_000_000_000
SPOT = InstrumentId.from_str("BTC-USDT.COINBASE_INTX")
PERP = InstrumentId.from_str("BTC-USDT-PERP.COINBASE_INTX")


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
def instruments() -> dict[InstrumentId, Any]:
    parsed = [parse_instrument(r, TS_INIT) for r in load("instruments.json")["instruments"]]
    return {i.id: i for i in parsed}


def test_instruments_keep_increments_and_limits(instruments) -> None:
    spot, perp = instruments[SPOT], instruments[PERP]
    assert isinstance(spot, SpotPair)
    assert spot.product_type is ProductType.SPOT
    assert (spot.price_precision, spot.size_precision) == (2, 3)
    assert spot.price_increment == Price.from_str("0.01")
    assert spot.min_quantity == Quantity.from_str("0.001")
    assert spot.min_notional is not None
    assert spot.min_notional.currency == "USDT"
    assert spot.taker_fee == Decimal("0.0005")
    assert isinstance(perp, Perpetual)
    assert perp.settle_currency == "USDT"
    assert perp.price_precision == 1
    assert perp.margin_maint == Decimal("0.05")
    assert perp.ts_event == 1699913600000 * 1_000_000


def test_unparseable_instrument_raises() -> None:
    record = dict(load("instruments.json")["instruments"][0], tick_size="not-a-number")
    with pytest.raises(ValueError):
        parse_instrument(record, TS_INIT)


def test_book_snapshot(instruments) -> None:
    deltas = parse_book_snapshot(load("book_snapshot.json"), instruments[SPOT], TS_INIT)
    assert deltas.is_snapshot
    assert deltas.sequence == 42
    assert deltas.deltas[0].action is BookAction.CLEAR
    assert deltas.flags & RecordFlag.F_LAST
    best_bid = deltas.deltas[1].order
    assert best_bid is not None
    assert best_bid.price == Price.from_str("999.90")


def test_book_delta_names_its_predecessor(instruments) -> None:
    batch = parse_book_batch(load("ws_book_delta.json"), SPOT, instruments[SPOT], TS_INIT)
    assert (batch.first_sequence, batch.last_sequence, batch.previous_sequence) == (43, 43, 42)
    assert batch.deltas is not None
    actions = [d.action for d in batch.deltas.deltas]
    assert actions == [BookAction.DELETE, BookAction.UPDATE]


def test_quote_and_trade_ticks(instruments) -> None:
    quote = parse_quote_tick(load("ws_quotes.json"), SPOT, instruments[SPOT], TS_INIT)
    assert quote.bid_price == Price.from_str("999.90")
    assert quote.ask_size.precision == 3
    assert quote.ts_event == 1700000000500 * 1_000_000
    (trade,) = parse_trade_ticks(load("ws_trades.json"), SPOT, instruments[SPOT], TS_INIT)
    assert trade.aggressor_side is AggressorSide.BUYER
    assert str(trade.trade_id) == "181234560"


def test_mark_message_carries_three_updates(instruments) -> None:
    mark, index, funding = parse_mark_message(
        load("ws_mark.json"), PERP, instruments[PERP], TS_INIT
    )
    assert mark.value == Price.from_str("1000.3")
    assert index.value == Price.from_str("1000.1")
    assert funding.rate == Decimal("0.0001")
    assert funding.next_funding_ns == 1700006400000 * 1_000_000


def test_order_status_report(instruments) -> None:
    report = parse_order_status_report(load("order_new.json")["order"], instruments[SPOT], TS_INIT)
    assert report.order_status is OrderStatus.ACCEPTED
    assert str(report.client_order_id) == "my-order-1"
    assert str(report.venue_order_id) == "1843305723"
    assert report.quantity == Quantity.from_str("0.010")
    assert report.filled_qty.precision == 3


def test_tracker_publishes_each_event_once(instruments) -> None:
    """The parsed reports drive the core's OrderTracker as the execution client does."""
    tracker = OrderTracker()
    order = Order.limit(
        SPOT,
        OrderSide.BUY,
        Quantity.from_str("0.010"),
        Price.from_str("990.00"),
        client_order_id=ClientOrderId("my-order-1"),
    )
    tracker.track(order)
    inst = instruments[SPOT]

    def row(record: dict[str, Any]) -> list[Any]:
        report = parse_order_status_report(record, inst, TS_INIT)
        return tracker.on_order_report(report, sequence=record.get("version") or None)

    def fill_of(record: dict[str, Any]) -> list[Any]:
        return tracker.on_fill_report(parse_fill_report(record, inst, TS_INIT))

    accepted = row(load("order_new.json")["order"])
    assert [type(e) for e in accepted] == [OrderAccepted]
    # The same answer again (stream after REST): nothing new.
    assert row(load("order_new.json")["order"]) == []
    (fill,) = fill_of(load("ws_fills.json")["data"][0])
    assert isinstance(fill, OrderFilled)
    assert fill.liquidity_side is LiquiditySide.MAKER
    assert fill.commission.amount == Decimal("0.00099")
    assert fill_of(load("ws_fills.json")["data"][0]) == []
    # A partial fill changes no order field: no OrderUpdated.
    events = row(load("ws_order_filled.json")["data"][0])
    assert not [e for e in events if isinstance(e, OrderUpdated)]


def test_error_envelope_maps_to_clock_skew() -> None:
    import httpx

    from tradeport_coinbase_intx.http.errors import parse_error

    response = httpx.Response(401, content=json.dumps(load("error_clock_skew.json")).encode())
    error = parse_error(response)
    assert isinstance(error, ClockSkewError)
    assert error.venue_code == "TIMESTAMP_OUT_OF_WINDOW"
    assert not error.retryable
