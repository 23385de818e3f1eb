"""BarBuilder: bars from closed sub-bars, emitted once closed, stamped at the close."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tradeport.clients.bars import BarBuilder
from tradeport.errors import ValidationError
from tradeport.model.data import BarType
from tradeport.model.enums import ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.model.instruments import Equity
from tradeport.model.numbers import Price, Quantity

S = 1_000_000_000
MINUTE = 60 * S


def _builder() -> BarBuilder:
    iid = InstrumentId.from_str("AAPL.NASDAQ")
    inst = Equity(
        id=iid,
        raw_symbol=iid.symbol,
        quote_currency="USD",
        price_precision=2,
        size_precision=0,
        price_increment=Price("0.01", 2),
        size_increment=Quantity(1, 0),
        ts_event=0,
        ts_init=0,
    )
    assert inst.product_type is ProductType.EQUITY
    return BarBuilder(BarType.from_str(f"{iid}-1-MINUTE-LAST-EXTERNAL"), inst, MINUTE, 5 * S)


def _d(x: str) -> Decimal:
    return Decimal(x)


def test_minute_from_twelve_five_second_bars_only_once_closed() -> None:
    builder = _builder()
    start = 1_700_000_040 * S - (1_700_000_040 * S) % MINUTE
    emitted = []
    for i in range(12):
        price = _d("100") + i
        emitted += builder.add(
            start + i * 5 * S, price, price + 1, price - 1, price, _d("10"), ts_init=1
        )
        if i < 11:
            assert emitted == [], "a forming bar was emitted"
    (bar,) = emitted
    assert (bar.open, bar.high, bar.low, bar.close) == (
        Price("100.00", 2),
        Price("112.00", 2),
        Price("99.00", 2),
        Price("111.00", 2),
    )
    assert bar.volume == Quantity(120, 0) and bar.ts_event == start + MINUTE  # at its close
    # A late sub-bar of that minute does not emit it again.
    assert builder.add(start + 5 * S, _d(1), _d(1), _d(1), _d(1), _d(1), ts_init=1) == []


def test_a_later_bar_closes_one_whose_last_sub_bar_never_came() -> None:
    builder = _builder()
    assert builder.add(0, _d(5), _d(6), _d(4), _d(5), _d(1), ts_init=1) == []
    (bar,) = builder.add(MINUTE + 5 * S, _d(7), _d(7), _d(7), _d(7), _d(2), ts_init=1)
    assert bar.ts_event == MINUTE and bar.close == Price("5.00", 2)


def test_interval_must_be_a_multiple_of_the_sub_bars() -> None:
    with pytest.raises(ValidationError, match="interval_ns"):
        BarBuilder(_builder().bar_type, _builder().instrument, 7 * S, 5 * S)


def test_a_bar_joined_after_its_open_is_dropped_not_emitted() -> None:
    builder = _builder()
    emitted = []
    for i in range(6, 12):  # subscribed half way through the first minute
        emitted += builder.add(i * 5 * S, _d(9), _d(9), _d(9), _d(9), _d(1), ts_init=1)
    assert emitted == []
    for i in range(12):  # the next minute, whole
        emitted += builder.add(MINUTE + i * 5 * S, _d(3), _d(3), _d(3), _d(3), _d(1), ts_init=1)
    (bar,) = emitted
    assert bar.ts_event == 2 * MINUTE and bar.volume == Quantity(12, 0)
