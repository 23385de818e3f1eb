"""OrderBookDeltaColumns: a columnar run of events whose delta objects are built on access,
and OrderBook.apply_columns, which must leave a book exactly as applying each event does."""

from __future__ import annotations

import array
import random

import pytest
from tradeport.book import OrderBook
from tradeport.errors import ValidationError
from tradeport.model import (
    BookAction,
    BookOrder,
    BookType,
    InstrumentId,
    OrderBookDelta,
    OrderBookDeltaColumns,
    OrderBookDeltas,
    OrderSide,
    Price,
    Quantity,
    RecordFlag,
)

IID = InstrumentId.from_str("ESZ6.XCME")
LAST = int(RecordFlag.F_LAST)
SNAP = int(RecordFlag.F_SNAPSHOT)
ADD, UPDATE, DELETE, CLEAR = range(4)


def _columns(rows: list[tuple[int, ...]], **kw: object) -> OrderBookDeltaColumns:
    """rows: (action, side, price raw, size raw, order id, flags, sequence)."""
    names = ("actions", "sides", "prices", "sizes", "order_ids", "flags", "sequences")
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    columns["ts_events"] = [1000 + row[6] for row in rows]
    columns["ts_inits"] = array.array("q", [2000 + row[6] for row in rows])
    return OrderBookDeltaColumns(
        IID, **{**columns, "price_precision": 2, "size_precision": 0, **kw}
    )


def test_deltas_and_events_are_built_from_the_columns() -> None:
    columns = _columns(
        [
            (CLEAR, 0, 0, 0, 0, SNAP, 1),
            (ADD, 0, 500000, 3, 11, SNAP | LAST, 1),
            (ADD, 1, 500025, 4, 12, 0, 2),
            (UPDATE, 0, 500000, 1, 11, LAST, 2),
            (DELETE, 1, 500025, 0, 12, LAST, 3),
        ]
    )
    buy, sell = OrderSide.BUY, OrderSide.SELL
    px = Price.from_raw(500000, 2)
    expected = (
        OrderBookDelta.clear(IID, 1, 1001, 2001, SNAP),
        OrderBookDelta(
            IID,
            BookAction.ADD,
            BookOrder(buy, px, Quantity.from_int(3), 11),
            SNAP | LAST,
            1,
            1001,
            2001,
        ),
        OrderBookDelta(
            IID,
            BookAction.ADD,
            BookOrder(sell, Price.from_raw(500025, 2), Quantity.from_int(4), 12),
            0,
            2,
            1002,
            2002,
        ),
        OrderBookDelta(
            IID,
            BookAction.UPDATE,
            BookOrder(buy, px, Quantity.from_int(1), 11),
            LAST,
            2,
            1002,
            2002,
        ),
        OrderBookDelta(
            IID,
            BookAction.DELETE,
            BookOrder(sell, Price.from_raw(500025, 2), Quantity.from_int(0), 12),
            LAST,
            3,
            1003,
            2003,
        ),
    )
    assert columns.deltas() == expected
    assert columns.deltas() is columns.deltas()  # built once
    assert (
        list(columns)
        == columns.events()
        == [
            OrderBookDeltas(IID, expected[:2]),
            OrderBookDeltas(IID, expected[2:4]),
            OrderBookDeltas(IID, expected[4:]),
        ]
    )
    assert columns.events()[0].is_snapshot and not columns.events()[1].is_snapshot
    assert (len(columns), columns.sequence, columns.ts_event, columns.ts_init) == (5, 3, 1003, 2003)
    assert str(columns.deltas()[2].order.price) == "5000.25"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"sizes": [1, 2]}, "sizes"),
        ({"actions": [4, 0, 0]}, "actions"),
        ({"sides": [0, 2, 0]}, "sides"),
        ({"flags": [0, 0, 0]}, "flags"),
        ({"price_precision": 19}, "price_precision"),
        ({"size_precision": -1}, "size_precision"),
    ],
)
def test_bad_columns_are_refused_naming_the_field(kw: dict[str, object], field: str) -> None:
    rows = [(ADD, 0, 100, 1, 1, 0, 1), (ADD, 1, 200, 1, 2, 0, 1), (DELETE, 0, 100, 0, 1, LAST, 2)]
    with pytest.raises(ValidationError) as caught:
        _columns(rows, **kw)
    assert caught.value.field == field


def test_empty_columns_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        _columns([])
    assert caught.value.field == "actions"


def _random_rows(seed: int, count: int) -> list[tuple[int, ...]]:
    rng = random.Random(seed)
    rows: list[tuple[int, ...]] = []
    live: dict[int, tuple[int, int]] = {}
    next_id = 1
    for seq in range(count):
        flags = LAST if rng.random() < 0.4 else 0
        roll = rng.random()
        if roll < 0.01:
            rows.append((CLEAR, 0, 0, 0, 0, SNAP, seq))
            live.clear()
            snap_adds = rng.randint(0, 4)
            for i in range(snap_adds):
                next_id += 1
                live[next_id] = (rng.randint(0, 1), 500000 + rng.randint(-10, 10) * 25)
                side, px = live[next_id]
                rows.append(
                    (
                        ADD,
                        side,
                        px,
                        rng.randint(1, 9),
                        next_id,
                        SNAP | (LAST if i == snap_adds - 1 else 0),
                        seq,
                    )
                )
            if not snap_adds:
                rows[-1] = (CLEAR, 0, 0, 0, 0, SNAP | LAST, seq)
            continue
        if roll < 0.4 or not live:
            next_id += 1
            live[next_id] = (rng.randint(0, 1), 500000 + rng.randint(-10, 10) * 25)
            side, px = live[next_id]
            rows.append((ADD, side, px, rng.randint(1, 9), next_id, flags, seq))
        elif roll < 0.7:
            oid = rng.choice(list(live))
            side, px = live[oid]
            if rng.random() < 0.5:  # a move to another level
                px = 500000 + rng.randint(-10, 10) * 25
                live[oid] = (side, px)
            rows.append((UPDATE, side, px, rng.randint(0, 9), oid, flags, seq))
        else:
            oid = rng.choice(list(live)) if rng.random() < 0.9 else 10**9
            side, px = live.pop(oid, (0, 500000))
            rows.append((DELETE, side, px, 0, oid, flags, seq))
    rows[-1] = (*rows[-1][:5], rows[-1][5] | LAST, rows[-1][6])
    return rows


@pytest.mark.parametrize("book_type", [BookType.L3_MBO, BookType.L2_MBP, BookType.L1_MBP])
@pytest.mark.parametrize("seed", range(4))
def test_apply_columns_equals_applying_each_event(book_type: BookType, seed: int) -> None:
    rows = _random_rows(seed, 800)
    by_events, by_columns = OrderBook(IID, book_type), OrderBook(IID, book_type)
    for batch in _columns(rows).events():
        by_events.apply_deltas(batch)
    by_columns.apply(_columns(rows))
    assert by_columns.bids() == by_events.bids() and by_columns.asks() == by_events.asks()
    assert (by_columns.sequence, by_columns.ts_last, by_columns.update_count) == (
        by_events.sequence,
        by_events.ts_last,
        by_events.update_count,
    )
    if book_type is BookType.L3_MBO:
        for side, levels in ((OrderSide.BUY, by_events.bids()), (OrderSide.SELL, by_events.asks())):
            for level in levels:
                assert by_columns.orders(side, level.price) == by_events.orders(side, level.price)
    assert by_events.bids() or by_events.asks()


def test_apply_columns_refuses_another_instrument() -> None:
    book = OrderBook(InstrumentId.from_str("NQZ6.XCME"), BookType.L3_MBO)
    with pytest.raises(ValidationError):
        book.apply_columns(_columns([(ADD, 0, 100, 1, 1, LAST, 1)]))


def test_prices_are_built_at_the_instrument_precision_where_exact() -> None:
    """Raw prices in 1e-9 units (a binary feed's fixed point): 5000.25 is built at the
    instrument's 2 decimals, an off-tick 5000.250000001 at 9; both exact, in deltas and book."""
    fine = [(ADD, 0, 5_000_250_000_000, 1, 1, 0, 1), (ADD, 0, 5_000_250_000_001, 1, 2, LAST, 1)]
    columns = _columns(fine, price_precision=9, instrument_price_precision=2)
    on_tick, off_tick = (d.order.price for d in columns.deltas())
    assert (str(on_tick), on_tick.precision) == ("5000.25", 2)
    assert (str(off_tick), off_tick.precision) == ("5000.250000001", 9)
    book = OrderBook(IID, BookType.L3_MBO)
    book.apply_columns(_columns(fine, price_precision=9, instrument_price_precision=2))
    assert [str(level.price) for level in book.bids()] == ["5000.250000001", "5000.25"]
    with pytest.raises(ValidationError) as caught:
        _columns(fine, price_precision=2, instrument_price_precision=9)
    assert caught.value.field == "instrument_price_precision"
