"""InstrumentDecoder builds exactly what the checked constructors build, and DeltaBatch.trusted
exactly what its constructor builds."""

from __future__ import annotations

import doctest
import gc
import pickle

import attrs
import pytest
import tradeport.model.decoding as decoding_module
from hypothesis import given
from hypothesis import strategies as st
from tradeport.book import DeltaBatch, OrderBook
from tradeport.errors import ValidationError
from tradeport.model.data import (
    BookOrder,
    OrderBookDelta,
    OrderBookDeltas,
    QuoteTick,
    RecordFlag,
    TradeTick,
)
from tradeport.model.decoding import InstrumentDecoder
from tradeport.model.enums import AggressorSide, BookAction, BookType, OrderSide
from tradeport.model.identifiers import InstrumentId, Symbol, TradeId
from tradeport.model.instruments import SpotPair
from tradeport.model.numbers import Price, Quantity

PAIR = SpotPair(
    id=InstrumentId.from_str("BTCUSDT.BINANCE"),
    raw_symbol=Symbol("BTCUSDT"),
    base_currency="BTC",
    quote_currency="USDT",
    price_precision=2,
    size_precision=5,
    price_increment=Price("0.01"),
    size_increment=Quantity("0.00001"),
    ts_event=0,
    ts_init=0,
)
F_LAST = int(RecordFlag.F_LAST)
F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)


def _reference(
    bids: list[list[str]], asks: list[list[str]], seq: int, snapshot: bool
) -> OrderBookDeltas | None:
    """The same batch through the validated constructors, the slow obvious way."""
    iid = PAIR.id
    flags = F_SNAPSHOT if snapshot else 0
    deltas = [OrderBookDelta.clear(iid, seq, 1, 2, flags)] if snapshot else []
    for side, levels in ((OrderSide.BUY, bids), (OrderSide.SELL, asks)):
        for level in levels:
            size = Quantity.from_str(level[1], PAIR.size_precision)
            if snapshot:
                action = BookAction.ADD
            else:
                action = BookAction.UPDATE if size.raw else BookAction.DELETE
            order = BookOrder(side, Price.from_str(level[0], PAIR.price_precision), size)
            deltas.append(OrderBookDelta(iid, action, order, flags, seq, 1, 2))
    if not deltas:
        return None
    last = deltas[-1]
    deltas[-1] = attrs.evolve(last, flags=last.flags | F_LAST)
    return OrderBookDeltas(iid, tuple(deltas))


prices = st.decimals(min_value="0.01", max_value="99999.99", places=2).map(lambda d: f"{d:.8f}")
sizes = st.one_of(
    st.just("0.00000000"),
    st.decimals(min_value="0", max_value="1000", places=5).map(lambda d: f"{d:.8f}"),
)
# OKX sends [price, size, "0", orders]: extra items are ignored.
levels = st.lists(
    st.one_of(st.tuples(prices, sizes).map(list), st.tuples(prices, sizes, st.just("0")).map(list)),
    max_size=6,
)


@given(bids=levels, asks=levels, snapshot=st.booleans(), memo=st.sampled_from([0, 2, 4096]))
def test_l2_deltas_equal_the_checked_constructors(
    bids: list[list[str]], asks: list[list[str]], snapshot: bool, memo: int
) -> None:
    decoder = InstrumentDecoder(PAIR, memo_size=memo)
    for _ in range(2):  # the second pass hits the memo
        fast = decoder.l2_deltas(bids, asks, 42, 1, 2, snapshot=snapshot)
        assert fast == _reference(bids, asks, 42, snapshot)
    assert len(decoder.prices) <= memo and len(decoder.sizes) <= memo


def test_l2_deltas_objects_behave_like_constructed_ones() -> None:
    batch = InstrumentDecoder(PAIR).l2_deltas([["1.00", "2"]], [], 1, 1, 2)
    assert batch is not None
    delta = batch.deltas[0]
    assert type(delta) is OrderBookDelta and type(delta.order) is BookOrder
    assert pickle.loads(pickle.dumps(batch)) == batch
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        delta.flags = 0  # type: ignore[misc]


def test_snapshot_then_update_applied_to_a_book() -> None:
    decoder = InstrumentDecoder(PAIR)
    book = OrderBook(PAIR.id, BookType.L2_MBP)
    snapshot = decoder.l2_deltas(
        [["10.00", "1"], ["9.99", "2"]], [["10.01", "3"]], 5, 1, 2, snapshot=True
    )
    update = decoder.l2_deltas([["10.00", "0.00000000"]], [["10.02", "4"]], 6, 1, 2)
    assert snapshot is not None and update is not None
    book.apply_deltas(snapshot)
    book.apply_deltas(update)
    assert [(str(p), str(s)) for p, s in book.bids()] == [("9.99", "2.00000")]
    assert [(str(p), str(s)) for p, s in book.asks()] == [
        ("10.01", "3.00000"),
        ("10.02", "4.00000"),
    ]
    assert book.sequence == 6


def test_empty_update_is_none_and_empty_snapshot_is_a_lone_clear() -> None:
    decoder = InstrumentDecoder(PAIR)
    assert decoder.l2_deltas([], [], 1, 1, 2) is None
    clear = decoder.l2_deltas([], [], 1, 1, 2, snapshot=True)
    assert clear is not None and len(clear) == 1
    assert clear.deltas[0].action is BookAction.CLEAR
    assert clear.deltas[0].flags == F_SNAPSHOT | F_LAST


def test_bad_price_text_names_the_value() -> None:
    with pytest.raises(ValidationError, match="abc"):
        InstrumentDecoder(PAIR).l2_deltas([["abc", "1"]], [], 1, 1, 2)


def test_delta_batch_trusted_equals_constructor() -> None:
    deltas = InstrumentDecoder(PAIR).l2_deltas([["1.00", "2"]], [], 9, 1, 2)
    for args in ((deltas, 3, 9, 2, 77), (None, 1, 1, None, None)):
        fast, slow = DeltaBatch.trusted(*args), DeltaBatch(*args)
        assert type(fast) is DeltaBatch
        assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
        assert pickle.loads(pickle.dumps(fast)) == slow
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fast.checksum = 1  # type: ignore[misc]


def test_module_examples_run() -> None:
    result = doctest.testmod(decoding_module)
    assert result.attempted > 0 and result.failed == 0


def test_decoder_for_shares_one_decoder_per_instrument_value() -> None:
    first = decoding_module.decoder_for(PAIR)
    assert decoding_module.decoder_for(PAIR) is first
    finer = attrs.evolve(PAIR, price_precision=3, price_increment=Price("0.001"))
    other = decoding_module.decoder_for(finer)
    assert other is not first and other.price_precision == 3
    assert other.price("1.5") == Price("1.500")
    # An equal instrument object (a reload) shares the decoder and its memos.
    assert decoding_module.decoder_for(attrs.evolve(PAIR)) is first


def test_decoder_for_an_instrument_object_survives_registry_turnover(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(decoding_module, "_SHARED_MAX", 2)
    instruments = [
        attrs.evolve(PAIR, price_precision=p, price_increment=Price.from_raw(1, p))
        for p in (3, 4, 5, 6)
    ]
    decoders = [decoding_module.decoder_for(inst) for inst in instruments]
    # The registries start over when full: a decoder handed out again is still the one for
    # that instrument (its precision), never another object's.
    for inst, _ in zip(instruments, decoders, strict=True):
        assert decoding_module.decoder_for(inst).price_precision == inst.price_precision
    assert len(decoding_module._BY_OBJECT) <= 2 and len(decoding_module._SHARED) <= 2


@pytest.mark.parametrize("memo_size", [0, 1, 3])
def test_memo_never_grows_past_its_size(memo_size: int) -> None:
    decoder = InstrumentDecoder(PAIR, memo_size=memo_size)
    for cents in range(10):
        text = f"1.{cents:02d}"
        assert decoder.price(text) == Price(text)
        assert decoder.size(f"0.0000{cents}") == Quantity(f"0.0000{cents}")
        assert len(decoder.prices) <= memo_size and len(decoder.sizes) <= memo_size
    # Off means nothing kept; on keeps the latest strings (the memo starts over when full).
    assert (len(decoder.prices) > 0) is (memo_size > 0)
    assert decoder.prices.get("1.09", None) == (Price("1.09") if memo_size else None)


trade_ids = st.integers(min_value=0, max_value=2**63).map(str)


@given(
    price=prices,
    size=sizes,
    seller=st.booleans(),
    trade_id=trade_ids,
    memo=st.sampled_from([0, 2, 4096]),
)
def test_trade_tick_equals_the_checked_constructor(
    price: str, size: str, seller: bool, trade_id: str, memo: int
) -> None:
    side = AggressorSide.SELLER if seller else AggressorSide.BUYER
    expected = TradeTick(
        PAIR.id,
        Price.from_str(price, PAIR.price_precision),
        Quantity.from_str(size, PAIR.size_precision),
        side,
        TradeId(trade_id),
        1,
        2,
    )
    decoder = InstrumentDecoder(PAIR, memo_size=memo)
    for _ in range(2):  # the second pass hits the memo
        tick = decoder.trade_tick(price, size, side, trade_id, 1, 2)
        assert type(tick) is TradeTick and type(tick.trade_id) is TradeId
        assert tick == expected and hash(tick) == hash(expected)
        assert pickle.loads(pickle.dumps(tick)) == expected


@given(bid=prices, ask=prices, bid_size=sizes, ask_size=sizes, memo=st.sampled_from([0, 2]))
def test_quote_tick_equals_the_checked_constructor(
    bid: str, ask: str, bid_size: str, ask_size: str, memo: int
) -> None:
    def p(text: str) -> Price:
        return Price.from_str(text, PAIR.price_precision)

    def q(text: str) -> Quantity:
        return Quantity.from_str(text, PAIR.size_precision)

    expected = QuoteTick(PAIR.id, p(bid), p(ask), q(bid_size), q(ask_size), 1, 2)
    decoder = InstrumentDecoder(PAIR, memo_size=memo)
    for _ in range(2):
        tick = decoder.quote_tick(bid, ask, bid_size, ask_size, 1, 2)
        assert type(tick) is QuoteTick and tick == expected and hash(tick) == hash(expected)


def test_built_ticks_are_frozen_and_bad_text_names_the_value() -> None:
    decoder = InstrumentDecoder(PAIR)
    tick = decoder.trade_tick("1.5", "2", AggressorSide.BUYER, "7", 1, 2)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        tick.price = Price("2")  # type: ignore[misc]
    with pytest.raises(ValidationError, match="1,5"):
        decoder.quote_tick("1,5", "2", "1", "1", 1, 2)


# -- batches whose delta objects are built on first read (OrderBookDeltas.from_levels) ------


@given(
    batches=st.lists(st.tuples(levels, levels, st.booleans()), min_size=1, max_size=5),
)
def test_unbuilt_batches_apply_to_a_book_exactly_like_built_ones(
    batches: list[tuple[list[list[str]], list[list[str]], bool]],
) -> None:
    decoder = InstrumentDecoder(PAIR)
    fast_book = OrderBook(PAIR.id, BookType.L2_MBP)
    slow_book = OrderBook(PAIR.id, BookType.L2_MBP)
    for sequence, (bids, asks, snapshot) in enumerate(batches, start=1):
        batch = decoder.l2_deltas(bids, asks, sequence, 10 + sequence, 2, snapshot=snapshot)
        if batch is None:
            continue
        assert batch.levels is not None  # not built yet
        fast_book.apply_deltas(batch)
        assert batch.levels is not None  # applying did not build the objects
        slow_book.apply_deltas(OrderBookDeltas(PAIR.id, tuple(batch.deltas)))
        assert batch.levels is None  # reading .deltas built them, once
        assert fast_book.bids() == slow_book.bids() and fast_book.asks() == slow_book.asks()
        assert (fast_book.sequence, fast_book.ts_last, fast_book.update_count) == (
            slow_book.sequence,
            slow_book.ts_last,
            slow_book.update_count,
        )


@given(bids=levels, asks=levels, snapshot=st.booleans())
def test_unbuilt_batch_reports_what_the_built_one_does(
    bids: list[list[str]], asks: list[list[str]], snapshot: bool
) -> None:
    decoder = InstrumentDecoder(PAIR)
    lazy = decoder.l2_deltas(bids, asks, 7, 1, 2, snapshot=snapshot)
    if lazy is None:
        return
    summary = (len(lazy), lazy.sequence, lazy.flags, lazy.ts_event, lazy.ts_init, lazy.is_snapshot)
    assert lazy.levels is not None  # the summary did not build the objects
    built = lazy.deltas
    assert built is lazy.deltas  # built once, then kept
    reference = OrderBookDeltas(PAIR.id, built)
    assert summary == (
        len(reference),
        reference.sequence,
        reference.flags,
        reference.ts_event,
        reference.ts_init,
        reference.is_snapshot,
    )


def test_unbuilt_batch_is_the_same_value_everywhere() -> None:
    from tradeport.model.serialization import from_dict, to_dict

    def fresh() -> OrderBookDeltas:
        batch = InstrumentDecoder(PAIR).l2_deltas([["1.00", "2"]], [["1.01", "0"]], 3, 1, 2)
        assert batch is not None and batch.levels is not None
        return batch

    expected = _reference([["1.00", "2"]], [["1.01", "0"]], 3, False)
    assert fresh() == expected and expected == fresh() and hash(fresh()) == hash(expected)
    assert repr(fresh()) == repr(expected)
    assert pickle.loads(pickle.dumps(fresh())) == expected
    assert to_dict(fresh()) == to_dict(expected)
    assert from_dict(OrderBookDeltas, to_dict(fresh())) == expected
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fresh().deltas = ()  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["", " 12", "12 ", 12])
def test_trade_tick_checks_the_trade_id_as_trade_id_does(bad: object) -> None:
    decoder = InstrumentDecoder(PAIR)
    with pytest.raises(ValidationError, match="TradeId"):
        decoder.trade_tick("1.00", "0.1", AggressorSide.BUYER, bad, 1, 2)  # type: ignore[arg-type]
    assert decoder.trade_tick("1.00", "0.1", AggressorSide.BUYER, "a-1", 1, 2).trade_id == TradeId(
        "a-1"
    )


def test_adaptive_memo_bound_follows_the_number_of_decoders() -> None:
    """Without memo_size a decoder's bound shrinks as decoders multiply (1,000 instruments
    keep MIN_MEMO_SIZE entries a memo, not 4096) and grows back when they are gone."""
    fixed = InstrumentDecoder(PAIR, memo_size=4096)
    few = InstrumentDecoder(PAIR)
    assert few.memo_size == decoding_module.adaptive_memo_size(len(decoding_module._ADAPTIVE))
    for cents in range(100):
        few.price(f"1.{cents:02d}")
    many = [InstrumentDecoder(PAIR) for _ in range(1000)]
    assert {d.memo_size for d in [few, *many]} == {decoding_module.MIN_MEMO_SIZE}
    assert fixed.memo_size == 4096  # an explicit bound is kept
    for cents in range(100):
        assert few.price(f"2.{cents:02d}") == Price(f"2.{cents:02d}")
        assert len(few.prices) <= decoding_module.MIN_MEMO_SIZE
    del many
    gc.collect()
    again = InstrumentDecoder(PAIR)
    live = len(decoding_module._ADAPTIVE)
    assert live < 1000  # the thousand are gone, and the bound follows the ones left
    assert few.memo_size == again.memo_size == decoding_module.adaptive_memo_size(live)


def test_adaptive_memo_size_bounds_the_budget() -> None:
    for count in (1, 2, 16, 17, 32, 100, 1000, 10_000):
        size = decoding_module.adaptive_memo_size(count)
        assert decoding_module.MIN_MEMO_SIZE <= size <= decoding_module.DEFAULT_MEMO_SIZE
        assert (
            size == decoding_module.MIN_MEMO_SIZE or 2 * size * count <= decoding_module.MEMO_BUDGET
        )
    assert decoding_module.adaptive_memo_size(16) == decoding_module.DEFAULT_MEMO_SIZE


@pytest.mark.parametrize("memo_size", [-1, 1.5, "64"])
def test_bad_memo_size_names_the_field(memo_size: object) -> None:
    with pytest.raises(ValidationError, match="memo_size"):
        InstrumentDecoder(PAIR, memo_size=memo_size)  # type: ignore[arg-type]


def test_price_from_and_size_from_memoize_by_the_venue_value() -> None:
    calls: list[object] = []

    def price(instrument: object, value: object) -> Price:
        calls.append(value)
        return Price(str(value), PAIR.price_precision)

    def size(instrument: object, value: object) -> Quantity:
        calls.append(value)
        return Quantity(value, PAIR.size_precision)  # type: ignore[arg-type]

    decoder = InstrumentDecoder(PAIR, memo_size=2)
    assert decoder.price_from(26902.5, price) == Price("26902.50")
    assert decoder.price_from(26902.5, price) is decoder.prices[26902.5]
    assert decoder.size_from(12, size) == Quantity("12.00000")
    assert decoder.size_from(12, size) == Quantity("12")
    assert calls == [26902.5, 12]  # one conversion per value
    for value in (1.5, 2.5, 3.5):
        decoder.price_from(value, price)
    assert len(decoder.prices) <= 2
    off = InstrumentDecoder(PAIR, memo_size=0)
    assert off.price_from(7.25, price) == Price("7.25") and not off.prices


decimal_texts = st.one_of(
    st.from_regex(r"\A-?[0-9]{0,12}(\.[0-9]{0,22})?\Z"),
    st.text(alphabet="0123456789.-+_ e\u0661", max_size=14),  # \u0661: an Arabic-Indic one
    st.decimals(allow_nan=False, allow_infinity=False, places=8).map(str),
)


@given(text=decimal_texts, precision=st.integers(min_value=0, max_value=18))
def test_fixed_at_is_from_str(text: str, precision: int) -> None:
    """The decoders' parse at a known precision gives what from_str gives, or the same error."""
    for cls in (Price, Quantity):
        outcomes = []
        for parse in (cls.from_str, lambda t, p, c=cls: decoding_module._fixed_at(c, t, p)):
            try:
                value = parse(text, precision)
            except ValidationError as exc:
                outcomes.append(("error", str(exc)))
            else:
                outcomes.append((type(value).__name__, value.raw, value.precision))
        assert outcomes[0] == outcomes[1]
