"""The trusted fast constructors build the same objects as the checked constructors."""

from __future__ import annotations

import copy
import pickle
import weakref

import attrs
import pytest
from tradeport.errors import ValidationError
from tradeport.model.data import (
    BookOrder,
    OrderBookDelta,
    OrderBookDeltas,
    QuoteTick,
    TradeTick,
)
from tradeport.model.enums import AggressorSide, BookAction, OrderSide
from tradeport.model.identifiers import InstrumentId, TradeId
from tradeport.model.numbers import Price, Quantity

IID = InstrumentId.from_str("BTCUSDT.BINANCE")
PX = Price.from_str("100.50")
QTY = Quantity.from_str("2")


def _check_same(fast: object, slow: object) -> None:
    assert type(fast) is type(slow)
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert repr(fast) == repr(slow)
    assert pickle.loads(pickle.dumps(fast)) == slow
    assert copy.copy(fast) == slow
    assert weakref.ref(fast)() is fast
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.ts_init = 5  # type: ignore[attr-defined]


def test_trade_tick_trusted_equals_constructor() -> None:
    args = (IID, PX, QTY, AggressorSide.BUYER, TradeId("7"), 1, 2)
    _check_same(TradeTick.trusted(*args), TradeTick(*args))


def test_quote_tick_trusted_equals_constructor() -> None:
    args = (IID, PX, Price.from_str("100.51"), QTY, Quantity.from_str("3"), 1, 2)
    _check_same(QuoteTick.trusted(*args), QuoteTick(*args))


def test_book_order_and_level_delta_trusted_equal_constructors() -> None:
    _check_same(BookOrder.trusted(OrderSide.SELL, PX, QTY), BookOrder(OrderSide.SELL, PX, QTY))
    fast = OrderBookDelta.trusted_level(
        IID, BookAction.UPDATE, OrderSide.BUY, PX, QTY, 128, 9, 1, 2
    )
    slow = OrderBookDelta(
        IID, BookAction.UPDATE, BookOrder(OrderSide.BUY, PX, QTY, 0), 128, 9, 1, 2
    )
    _check_same(fast, slow)
    assert type(fast.order) is BookOrder


def test_l3_delta_trusted_equals_constructor() -> None:
    order = BookOrder(OrderSide.SELL, PX, QTY, order_id=424242)
    for action in (BookAction.ADD, BookAction.UPDATE, BookAction.DELETE):
        _check_same(
            OrderBookDelta.trusted(IID, action, order, 128, 9, 1, 2),
            OrderBookDelta(IID, action, order, 128, 9, 1, 2),
        )
    _check_same(
        OrderBookDelta.trusted(IID, BookAction.CLEAR, None, 32, 9, 1, 2),
        OrderBookDelta.clear(IID, 9, 1, 2, flags=32),
    )


def test_order_book_deltas_trusted_skips_checks_only() -> None:
    delta = OrderBookDelta.trusted_level(IID, BookAction.DELETE, OrderSide.BUY, PX, QTY, 0, 3, 1, 2)
    fast = OrderBookDeltas.trusted(IID, (delta,))
    assert fast == OrderBookDeltas(IID, (delta,))
    assert fast.sequence == 3
    # The checked constructor still refuses what the trusted one would not look at.
    with pytest.raises(ValidationError):
        OrderBookDeltas(IID, ())


def test_trade_id_trusted_and_constructor_checks() -> None:
    assert TradeId.trusted("12345") == TradeId("12345")
    assert type(TradeId.trusted("1")) is TradeId
    # The isalnum() shortcut must not let whitespace or empties through the checked path.
    for bad in ("", " 1", "1 ", "\t"):
        with pytest.raises(ValidationError):
            TradeId(bad)
    assert TradeId("a b").value == "a b"  # inner spaces were always allowed


@pytest.mark.parametrize(
    ("text", "precision", "raw", "shown"),
    [
        ("16542.33000000", 2, 1654233, "16542.33"),
        ("0.00120000", 5, 120, "0.00120"),
        ("5.00", 0, 5, "5"),
        ("16542.3", 2, 1654230, "16542.30"),
        ("7", 3, 7000, "7.000"),
    ],
)
def test_from_str_rescale_fast_path(text: str, precision: int, raw: int, shown: str) -> None:
    value = Price.from_str(text, precision)
    assert (value.raw, value.precision, str(value)) == (raw, precision, shown)
    assert value == Price(text, precision)


def test_from_str_rescale_refuses_dropping_digits_and_bad_precision() -> None:
    with pytest.raises(ValidationError, match="cannot be represented with 2 decimal places"):
        Price.from_str("1.005", 2)
    with pytest.raises(ValidationError):
        Quantity.from_str("1.5", 19)
    with pytest.raises(ValidationError):
        Quantity.from_str("1.5", -1)
