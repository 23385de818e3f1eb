"""Price, Quantity and Money: exact parsing, printing, arithmetic, hashing, refusal of junk."""

from __future__ import annotations

import copy
import decimal
import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tradeport.errors import ValidationError
from tradeport.model.numbers import MAX_PRECISION, Money, NumberTypeError, Price, Quantity

precisions = st.integers(min_value=0, max_value=MAX_PRECISION)
raws = st.integers(min_value=-(10**30), max_value=10**30)
unsigned_raws = st.integers(min_value=0, max_value=10**30)
EXACT = decimal.Context(prec=200)


@st.composite
def prices(draw: st.DrawFn) -> Price:
    return Price.from_raw(draw(raws), draw(precisions))


@st.composite
def quantities(draw: st.DrawFn) -> Quantity:
    return Quantity.from_raw(draw(unsigned_raws), draw(precisions))


def decimals() -> st.SearchStrategy[Decimal]:
    """Finite Decimals within the precision limit, trailing zeros and positive exponents too."""
    scaled = st.builds(lambda raw, p: Decimal(raw).scaleb(-p), raws, precisions)
    free: st.SearchStrategy[Decimal] = st.decimals(
        allow_nan=False, allow_infinity=False, min_value=Decimal("-1e20"), max_value=Decimal("1e20")
    ).filter(lambda d: int(d.as_tuple().exponent) >= -MAX_PRECISION)
    return st.one_of(scaled, free)


# -- parsing and printing ------------------------------------------------------------------------


def test_from_str_keeps_the_given_precision() -> None:
    price = Price.from_str("100.50")
    assert price.precision == 2
    assert price.raw == 10050
    assert str(price) == "100.50"
    assert repr(price) == "Price('100.50')"
    assert price.as_decimal() == Decimal("100.50")
    assert str(price.as_decimal()) == "100.50"


@pytest.mark.parametrize(
    ("text", "raw", "precision", "printed"),
    [
        ("0.00100000", 100000, 8, "0.00100000"),
        ("100", 100, 0, "100"),
        ("0", 0, 0, "0"),
        ("0.0", 0, 1, "0.0"),
        ("007.50", 750, 2, "7.50"),  # leading zeros are not significant
        ("123456789012345678901234567890.5", 1234567890123456789012345678905, 1, None),
    ],
)
def test_quantity_parses_venue_strings(
    text: str, raw: int, precision: int, printed: str | None
) -> None:
    qty = Quantity.from_str(text)
    assert (qty.raw, qty.precision) == (raw, precision)
    assert str(qty) == (printed or text)


def test_negative_prices_parse_but_negative_quantities_do_not() -> None:
    assert Price.from_str("-1.25").raw == -125
    assert str(Price.from_str("-0.05")) == "-0.05"
    with pytest.raises(ValidationError, match=r"quantity: '-1' must not be negative"):
        Quantity.from_str("-1")
    with pytest.raises(ValidationError, match="must not be negative"):
        Quantity.from_raw(-5, 2)
    with pytest.raises(ValidationError, match="must not be negative"):
        Quantity(-3)


@pytest.mark.parametrize(
    "junk",
    [
        "",
        " 1",
        "1 ",
        "+1",
        "1e5",
        "1E-8",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1.2.3",
        "1,5",
        "1_000",
        ".5",
        "5.",
        "-",
        "--1",
        "0x10",
        "\uff11\uff12",  # fullwidth digits
        "1.\u0662",  # Arabic-Indic digit
        "abc",
        "1.2.x",
    ],
)
def test_from_str_refuses_junk_naming_field_and_value(junk: str) -> None:
    with pytest.raises(ValidationError) as info:
        Price.from_str(junk)
    assert info.value.field == "price"
    assert info.value.value == junk
    assert repr(junk) in str(info.value)


def test_too_many_decimals_and_digits_are_refused() -> None:
    with pytest.raises(ValidationError, match="more than 18 decimal places"):
        Price.from_str("0." + "1" * (MAX_PRECISION + 1))
    with pytest.raises(ValidationError):
        Quantity.from_str("9" * 5000)


@pytest.mark.parametrize("bad", [1.5, 0.1, float("nan"), True, None, b"1.0", [1]])
def test_floats_and_other_types_are_refused(bad: object) -> None:
    builders: list[Callable[[Any], object]] = [
        Price.from_str,
        Price,
        Quantity,
        Quantity.from_int,
        Price.from_decimal,
    ]
    for build in builders:
        with pytest.raises(NumberTypeError) as info:
            build(bad)
        # Both a ValidationError and a TypeError, so either except clause catches it.
        assert isinstance(info.value, TypeError)
        assert isinstance(info.value, ValidationError)
        assert repr(bad) in str(info.value)
    if isinstance(bad, float):
        with pytest.raises(NumberTypeError, match="float"):
            Price(bad)  # type: ignore[arg-type]


def test_constructor_accepts_str_int_decimal_and_rescales_exactly() -> None:
    assert Price("1.5") == Price.from_str("1.5")
    assert Price(7).precision == 0
    assert Price(Decimal("1E+2")) == Price.from_int(100)
    assert str(Price("1.5", 3)) == "1.500"
    assert str(Price("1.500", 1)) == "1.5"
    assert str(Quantity.from_str("0.01000000", 2)) == "0.01"
    with pytest.raises(ValidationError, match="cannot be represented with 1 decimal places"):
        Price("1.55", 1)
    with pytest.raises(ValidationError, match="precision"):
        Price("1", MAX_PRECISION + 1)
    with pytest.raises(ValidationError, match="precision"):
        Price.from_str("1", -1)


def test_from_decimal_is_exact_unless_rounding_is_asked_for() -> None:
    assert Price.from_decimal(Decimal("1.230")).precision == 3
    assert str(Price.from_decimal(Decimal("1.23"), 4)) == "1.2300"
    with pytest.raises(ValidationError, match="cannot be represented"):
        Price.from_decimal(Decimal("1.235"), 2)
    assert str(Price.from_decimal(Decimal("1.235"), 2, decimal.ROUND_HALF_EVEN)) == "1.24"
    assert str(Price.from_decimal(Decimal("1.225"), 2, decimal.ROUND_HALF_EVEN)) == "1.22"
    assert str(Price.from_decimal(Decimal("1.235"), 2, decimal.ROUND_DOWN)) == "1.23"
    for bad in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")):
        with pytest.raises(ValidationError, match="finite"):
            Price.from_decimal(bad)


def test_rescale() -> None:
    price = Price.from_str("1.25")
    assert str(price.rescale(4)) == "1.2500"
    with pytest.raises(ValidationError):
        price.rescale(1)
    assert str(price.rescale(1, decimal.ROUND_HALF_UP)) == "1.3"


# -- hypothesis round trips ----------------------------------------------------------------------


@given(prices())
def test_str_round_trip(price: Price) -> None:
    text = str(price)
    again = Price.from_str(text)
    assert str(again) == text
    assert (again.raw, again.precision) == (price.raw, price.precision)


@given(quantities())
def test_quantity_str_round_trip(qty: Quantity) -> None:
    again = Quantity.from_str(str(qty))
    assert (again.raw, again.precision) == (qty.raw, qty.precision)


@given(decimals())
def test_decimal_round_trip(value: Decimal) -> None:
    price = Price.from_decimal(value)
    assert price.as_decimal() == value
    # The exponent survives too (trailing zeros are precision).
    assert price.as_decimal().as_tuple().exponent == min(0, value.as_tuple().exponent)  # type: ignore[operator]
    assert Price.from_str(str(price)).as_decimal() == value


@given(prices(), prices())
def test_addition_and_subtraction_are_exact(a: Price, b: Price) -> None:
    total = a + b
    diff = a - b
    with decimal.localcontext(EXACT):  # Decimal's default 28 digits would round
        assert total.as_decimal() == a.as_decimal() + b.as_decimal()
        assert diff.as_decimal() == a.as_decimal() - b.as_decimal()
    assert total.precision == max(a.precision, b.precision)
    assert diff.precision == max(a.precision, b.precision)


@given(prices(), prices())
def test_comparison_and_hash_follow_the_value(a: Price, b: Price) -> None:
    da, db = a.as_decimal(), b.as_decimal()
    assert (a == b) == (da == db)
    assert (a < b) == (da < db)
    assert (a <= b) == (da <= db)
    assert (a > b) == (da > db)
    assert (a >= b) == (da >= db)
    assert (a != b) == (da != db)
    # Equal values hash equal whatever the precision, and like the equal Decimal.
    assert hash(a) == hash(da)
    if a == b:
        assert hash(a) == hash(b)


@given(prices(), quantities())
def test_multiplication_gives_the_exact_decimal(price: Price, qty: Quantity) -> None:
    with decimal.localcontext(EXACT):
        expected = price.as_decimal() * qty.as_decimal()
    assert price * qty == expected
    assert qty * price == expected


def test_equality_across_precisions_and_with_plain_numbers() -> None:
    assert Price.from_str("1.5") == Price.from_str("1.50")
    assert {Price.from_str("1.5"), Price.from_str("1.500")} == {Price.from_str("1.5")}
    assert Price.from_str("2.00") == 2
    assert Price.from_str("2.50") == Decimal("2.5")
    assert Price.from_str("1") < Decimal("1.0001")
    assert Price.from_str("1") != Quantity.from_str("1")  # different kinds never equal
    assert Price.from_str("1.0") != 1.0  # no float comparisons
    with pytest.raises(TypeError):
        _ = Price.from_str("1") < 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = Price.from_str("1") + Quantity.from_str("1")  # type: ignore[operator]


def test_quantity_subtraction_below_zero_is_refused() -> None:
    assert str(Quantity.from_str("1.5") - Quantity.from_str("0.25")) == "1.25"
    with pytest.raises(ValidationError, match="must not be negative"):
        _ = Quantity.from_str("1") - Quantity.from_str("2")


def test_negation_abs_bool_and_float_view() -> None:
    assert str(-Price.from_str("1.5")) == "-1.5"
    assert str(abs(Price.from_str("-1.5"))) == "1.5"
    assert not Quantity.from_str("0.000")
    assert Quantity.from_str("0.001")
    assert Price.from_str("0.25").as_float() == 0.25


def test_immutable_picklable_copyable() -> None:
    price = Price.from_str("100.50")
    with pytest.raises(AttributeError):
        price.raw = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del price.precision
    for clone in (pickle.loads(pickle.dumps(price)), copy.copy(price), copy.deepcopy(price)):
        assert clone == price
        assert str(clone) == "100.50"
    assert not hasattr(price, "__dict__")


# -- Money -----------------------------------------------------------------------------------------


def test_money_parses_prints_and_adds_in_one_currency() -> None:
    fee = Money("0.10", "USDT")
    assert str(fee) == "0.10 USDT"
    assert repr(fee) == "Money('0.10', 'USDT')"
    assert Money.from_str("0.10 USDT") == fee
    assert fee.amount == Decimal("0.10")
    assert str(fee + Money("1", "USDT")) == "1.10 USDT"
    assert str(fee - Money("1", "USDT")) == "-0.90 USDT"
    assert str(-fee) == "-0.10 USDT"
    assert Money("1.0", "USD") == Money("1.00", "USD")
    assert hash(Money("1.0", "USD")) == hash(Money("1.00", "USD"))
    assert Money("1", "USD") != Money("1", "EUR")
    assert Money("1", "USD") < Money("2", "USD")
    assert pickle.loads(pickle.dumps(fee)) == fee
    assert Money.from_decimal(Decimal("1.005"), "USD", 2, decimal.ROUND_HALF_UP) == Money(
        "1.01", "USD"
    )


def test_money_refuses_mixed_currencies_and_bad_input() -> None:
    with pytest.raises(ValidationError, match="cannot add different currencies"):
        _ = Money("1", "USD") + Money("1", "EUR")
    with pytest.raises(ValidationError, match="currency"):
        Money("1", "")
    with pytest.raises(ValidationError, match="currency"):
        Money("1", "US D")
    with pytest.raises(NumberTypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="<amount> <currency>"):
        Money.from_str("100USD")
    with pytest.raises(ValidationError, match="not a decimal number"):
        Money.from_str("abc USD")


@given(raws, precisions, st.sampled_from(["USD", "USDT", "BTC", "1000SHIB"]))
def test_money_str_round_trip(raw: int, precision: int, currency: str) -> None:
    money = Money.from_raw(raw, precision, currency)
    again = Money.from_str(str(money))
    assert (again.raw, again.precision, again.currency) == (raw, precision, currency)
