"""Market data types: bar types, book deltas, flags, validation of the cheap invariants."""

from __future__ import annotations

import logging
import pickle
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tradeport.errors import ValidationError
from tradeport.model import (
    AggregationSource,
    AggressorSide,
    Bar,
    BarAggregation,
    BarSpecification,
    BarType,
    BookAction,
    BookOrder,
    CustomData,
    FundingRateUpdate,
    InstrumentId,
    OrderBookDelta,
    OrderBookDeltas,
    OrderSide,
    Price,
    PriceType,
    Quantity,
    QuoteTick,
    RecordFlag,
    TradeId,
    TradeTick,
)

IID = InstrumentId.from_str("BTCUSDT.BINANCE")
P = Price.from_str
Q = Quantity.from_str


def test_record_flag_values_match_nautilus_and_databento() -> None:
    assert RecordFlag.F_LAST == 128
    assert RecordFlag.F_TOB == 64
    assert RecordFlag.F_SNAPSHOT == 32
    assert RecordFlag.F_MBP == 16
    assert RecordFlag.F_SNAPSHOT | RecordFlag.F_LAST == 160


def test_trade_and_quote_ticks_are_frozen_value_objects() -> None:
    trade = TradeTick(IID, P("0.001"), Q("100"), AggressorSide.SELLER, TradeId("12345"), 1, 2)
    assert trade == TradeTick(
        IID, P("0.0010"), Q("100"), AggressorSide.SELLER, TradeId("12345"), 1, 2
    )
    assert hash(trade) == hash(attrs.evolve(trade))
    assert trade.price.precision == 3
    assert pickle.loads(pickle.dumps(trade)) == trade
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        trade.price = P("1")  # type: ignore[misc]
    assert not hasattr(trade, "__dict__")  # slotted
    quote = QuoteTick(IID, P("1.0"), P("1.1"), Q("2"), Q("3"), 5, 6)
    assert (quote.bid_price, quote.ask_size, quote.ts_event) == (P("1.0"), Q("3"), 5)
    assert "QuoteTick(instrument_id=InstrumentId('BTCUSDT.BINANCE')" in repr(quote)
    assert attrs.evolve(quote, ts_init=7).ts_init == 7


@pytest.mark.parametrize(
    "text",
    [
        "BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL",
        "BTCUSDT-PERP.BINANCE-15-MINUTE-MARK-INTERNAL",
        "BRK.B.NYSE-1-DAY-MID-EXTERNAL",
        "ETH-USDT-SWAP.OKX-100-TICK-LAST-INTERNAL",
    ],
)
def test_bar_type_string_form_round_trips(text: str) -> None:
    bar_type = BarType.from_str(text)
    assert str(bar_type) == text
    assert BarType.from_str(str(bar_type)) == bar_type


def test_bar_type_parts() -> None:
    bar_type = BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")
    assert bar_type.instrument_id == InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
    assert bar_type.spec == BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST)
    assert bar_type.aggregation_source is AggregationSource.EXTERNAL
    assert str(bar_type.spec) == "1-MINUTE-LAST"
    assert BarType(IID, bar_type.spec).aggregation_source is AggregationSource.EXTERNAL


@pytest.mark.parametrize(
    "bad",
    [
        "BTCUSDT.BINANCE-1-MINUTE-LAST",
        "BTCUSDT.BINANCE-0-MINUTE-LAST-EXTERNAL",
        "BTCUSDT.BINANCE-x-MINUTE-LAST-EXTERNAL",
        "BTCUSDT.BINANCE-1-FORTNIGHT-LAST-EXTERNAL",
        "BTCUSDT.BINANCE-1-MINUTE-LAST-ELSEWHERE",
        "BTCUSDT-1-MINUTE-LAST-EXTERNAL",
    ],
)
def test_bar_type_refuses_malformed_strings(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        BarType.from_str(bad)
    assert repr(bad) in str(info.value)


@given(
    st.integers(min_value=1, max_value=10**6),
    st.sampled_from(list(BarAggregation)),
    st.sampled_from(list(PriceType)),
    st.sampled_from(list(AggregationSource)),
)
def test_bar_type_round_trip_property(
    step: int, aggregation: BarAggregation, price_type: PriceType, source: AggregationSource
) -> None:
    bar_type = BarType(IID, BarSpecification(step, aggregation, price_type), source)
    assert BarType.from_str(str(bar_type)) == bar_type


def test_bar_specification_step_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="step"):
        BarSpecification(0, BarAggregation.MINUTE, PriceType.LAST)


def test_bar_refuses_a_high_below_its_low() -> None:
    bar_type = BarType.from_str("BTCUSDT.BINANCE-1-MINUTE-LAST-EXTERNAL")
    bar = Bar(bar_type, P("10"), P("12"), P("9"), P("11"), Q("5"), 1, 2)
    assert bar.high == P("12")
    assert bar.is_within_range
    with pytest.raises(ValidationError, match="high"):
        Bar(bar_type, P("10"), P("8"), P("9"), P("9"), Q("5"), 1, 2)


def test_bar_keeps_an_open_or_close_outside_its_range_and_warns_once_per_bar_type(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A venue's bar whose open is the previous bar's close (BitMEX bins) is kept as sent.
    # A bar type of its own: the warned-about set lives as long as the process.
    bar_type = BarType.from_str("WARN_ONCE.TEST-1-HOUR-LAST-EXTERNAL")
    with caplog.at_level(logging.DEBUG, logger="tradeport.model.data"):
        first = Bar(bar_type, P("13"), P("12"), P("9"), P("11"), Q("5"), 1, 2)
        second = Bar(bar_type, P("10"), P("12"), P("9"), P("8"), Q("5"), 3, 4)
    assert (first.open, first.close) == (P("13"), P("11"))
    assert (second.open, second.close) == (P("10"), P("8"))
    assert not first.is_within_range and not second.is_within_range
    levels = [r.levelno for r in caplog.records if str(bar_type) in r.getMessage()]
    assert levels == [logging.WARNING, logging.DEBUG]
    assert "open 13" in caplog.records[0].getMessage()


def test_book_delta_needs_an_order_except_for_clear() -> None:
    order = BookOrder(OrderSide.BUY, P("100.5"), Q("1"))
    assert order.order_id == 0  # L2 level
    delta = OrderBookDelta(IID, BookAction.ADD, order, 0, 7, 1, 2)
    assert delta.order is order
    assert not delta.is_snapshot
    clear = OrderBookDelta.clear(
        IID, sequence=7, ts_event=1, ts_init=2, flags=RecordFlag.F_SNAPSHOT
    )
    assert clear.order is None
    assert clear.is_snapshot
    with pytest.raises(ValidationError, match="order: None is required for UPDATE"):
        OrderBookDelta(IID, BookAction.UPDATE, None, 0, 7, 1, 2)
    with pytest.raises(ValidationError, match="must be None for CLEAR"):
        OrderBookDelta(IID, BookAction.CLEAR, order, 0, 7, 1, 2)


def test_book_deltas_batch_properties() -> None:
    order = BookOrder(OrderSide.SELL, P("101"), Q("2"), "abc")
    first = OrderBookDelta.clear(IID, 10, 100, 200, flags=RecordFlag.F_SNAPSHOT)
    last = OrderBookDelta(
        IID, BookAction.ADD, order, RecordFlag.F_SNAPSHOT | RecordFlag.F_LAST, 11, 101, 201
    )
    batch = OrderBookDeltas(IID, (first, last))
    assert batch.is_snapshot
    assert len(batch) == 2
    assert (batch.sequence, batch.ts_event, batch.ts_init) == (11, 101, 201)
    assert batch.flags & RecordFlag.F_LAST
    update = OrderBookDelta(IID, BookAction.UPDATE, order, RecordFlag.F_LAST, 12, 102, 202)
    assert not OrderBookDeltas(IID, (update,)).is_snapshot


def test_book_deltas_refuse_empty_and_foreign_batches() -> None:
    with pytest.raises(ValidationError, match="non-empty"):
        OrderBookDeltas(IID, ())
    with pytest.raises(ValidationError, match="non-empty"):
        OrderBookDeltas(IID, [OrderBookDelta.clear(IID, 1, 1, 1)])  # type: ignore[arg-type]
    other = OrderBookDelta.clear(InstrumentId.from_str("ETHUSDT.BINANCE"), 1, 1, 1)
    with pytest.raises(ValidationError, match="another instrument"):
        OrderBookDeltas(IID, (other,))


def test_funding_rate_defaults() -> None:
    update = FundingRateUpdate(IID, Decimal("0.0001"), 1, 2)
    assert update.next_funding_ns is None
    assert update.interval_ns is None


def test_custom_data_subclass() -> None:
    @attrs.frozen(kw_only=True)
    class Ticker(CustomData):
        instrument_id: InstrumentId
        volume: Quantity

    ticker = Ticker(instrument_id=IID, volume=Q("10"), ts_event=1, ts_init=2)
    assert isinstance(ticker, CustomData)
    assert ticker.ts_init == 2


@pytest.mark.parametrize("cls", [QuoteTick, TradeTick, BookOrder, OrderBookDelta])
def test_hand_written_inits_store_each_field_under_its_name(cls: type) -> None:
    # These hot types store through slot descriptors by position: guard the field order.
    values: dict[str, object] = {}
    for index, field in enumerate(attrs.fields(cls)):
        values[field.name] = f"value-{index}"
    if cls is OrderBookDelta:
        values["action"] = BookAction.ADD  # checked against `order`, which must not be None
    built = cls(**values)
    for name, value in values.items():
        assert getattr(built, name) == value
    assert cls(*values.values()) == built
