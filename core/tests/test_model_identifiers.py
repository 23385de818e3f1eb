"""Identifiers: validated string values and InstrumentId parsing at the last dot."""

from __future__ import annotations

import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tradeport.errors import ValidationError
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    Identifier,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    Symbol,
    TradeId,
    Venue,
    VenueOrderId,
)

ALL_IDENTIFIERS = [
    Venue,
    Symbol,
    ClientOrderId,
    VenueOrderId,
    OrderListId,
    TradeId,
    AccountId,
    PositionId,
    StrategyId,
]

# Printable text without surrounding whitespace; symbols may hold dots and dashes.
_chars = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"))
symbol_text = st.text(_chars, min_size=1, max_size=30).filter(lambda s: s == s.strip())
venue_text = symbol_text.filter(lambda s: "." not in s)


@pytest.mark.parametrize("kind", ALL_IDENTIFIERS)
def test_identifier_is_a_string_value(kind: type[Identifier]) -> None:
    ident = kind("ABC-1")
    assert ident.value == "ABC-1"
    assert str(ident) == "ABC-1"
    assert repr(ident) == f"{kind.__name__}('ABC-1')"
    assert ident == kind("ABC-1")
    assert hash(ident) == hash(kind("ABC-1"))
    assert pickle.loads(pickle.dumps(ident)) == ident
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ident.value = "other"  # type: ignore[misc]


@pytest.mark.parametrize("kind", ALL_IDENTIFIERS)
@pytest.mark.parametrize("bad", ["", " ", " X", "X ", "\tX", "X\n"])
def test_empty_or_padded_values_are_refused(kind: type[Identifier], bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        kind(bad)
    assert info.value.field == kind.__name__
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize("bad", [123, None, b"X", 1.5])
def test_non_strings_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError, match="must be a str"):
        TradeId(bad)  # type: ignore[arg-type]


def test_different_identifier_types_never_compare_equal() -> None:
    assert Venue("X") != Symbol("X")
    assert TradeId("1") != VenueOrderId("1")
    assert sorted([TradeId("b"), TradeId("a")]) == [TradeId("a"), TradeId("b")]


def test_venue_cannot_contain_a_dot() -> None:
    with pytest.raises(ValidationError, match=r"Venue: 'A\.B' must not contain '\.'"):
        Venue("A.B")


def test_generated_client_order_ids_fit_every_venue() -> None:
    ids = {ClientOrderId.generate() for _ in range(50)}
    assert len(ids) == 50
    for ident in ids:
        assert len(ident.value) == 32
        assert ident.value.isalnum()


@pytest.mark.parametrize(
    ("text", "symbol", "venue"),
    [
        ("BTCUSDT.BINANCE", "BTCUSDT", "BINANCE"),
        ("BTCUSDT-PERP.BINANCE", "BTCUSDT-PERP", "BINANCE"),
        ("BRK.B.NYSE", "BRK.B", "NYSE"),
        ("1.123456789-12345-0.0.BETFAIR", "1.123456789-12345-0.0", "BETFAIR"),
        ("BTC-USDT-SWAP.OKX", "BTC-USDT-SWAP", "OKX"),
    ],
)
def test_instrument_id_parses_at_the_last_dot(text: str, symbol: str, venue: str) -> None:
    iid = InstrumentId.from_str(text)
    assert iid.symbol == Symbol(symbol)
    assert iid.venue == Venue(venue)
    assert str(iid) == text
    assert repr(iid) == f"InstrumentId('{text}')"
    assert iid == InstrumentId.of(symbol, venue)
    assert hash(iid) == hash(InstrumentId.from_str(text))


@pytest.mark.parametrize("bad", ["", "BTCUSDT", "BTCUSDT.", ".BINANCE", " BTC.BINANCE", "BTC.BIN "])
def test_instrument_id_refuses_malformed_strings(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        InstrumentId.from_str(bad)
    assert info.value.field == "InstrumentId"
    assert repr(bad) in str(info.value)


def test_instrument_id_requires_typed_parts() -> None:
    with pytest.raises(ValidationError, match="symbol"):
        InstrumentId("BTC", Venue("X"))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="venue"):
        InstrumentId(Symbol("BTC"), "X")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        InstrumentId.from_str(5)  # type: ignore[arg-type]


@given(symbol_text, venue_text)
def test_instrument_id_round_trip(symbol: str, venue: str) -> None:
    iid = InstrumentId.of(symbol, venue)
    text = str(iid)
    assert text == f"{symbol}.{venue}"
    again = InstrumentId.from_str(text)
    assert again == iid
    assert str(again) == text


@given(symbol_text)
def test_identifier_round_trip(value: str) -> None:
    for kind in (Symbol, TradeId, ClientOrderId):
        assert kind(str(kind(value))) == kind(value)
