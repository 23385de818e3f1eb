"""The second-edition instrument families, betting semantics and settlement types: what they
accept, what they refuse (naming the field and the value), and the arithmetic they carry."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import attrs
import pytest
from tradeport.errors import ValidationError
from tradeport.model import (
    AccountBalance,
    AccountId,
    AccountState,
    AccountType,
    BettingMarket,
    BettingSide,
    BinaryOutcome,
    Bond,
    ClientOrderId,
    Exposure,
    FutureOption,
    FxPair,
    InstrumentId,
    InstrumentResolved,
    LadderBand,
    LiquiditySide,
    Money,
    OptionKind,
    OrderFilled,
    OrderSide,
    OrderStatus,
    OrderType,
    Price,
    PriceLadder,
    Quantity,
    ResolutionResult,
    SettlementReport,
    SettlementStatus,
    Symbol,
    TimeInForce,
    TradeId,
)

P = Price.from_str
Q = Quantity.from_str
T0, T1 = 1_700_000_000_000_000_000, 1_700_000_000_000_500_000

#: The full Betfair price ladder ("Betfair Price Increments", Betting API docs; also
#: ../shared/VENUES-2.md, Betfair section).
BETFAIR_LADDER = PriceLadder.of(
    ("1.01", "2", "0.01"),
    ("2", "3", "0.02"),
    ("3", "4", "0.05"),
    ("4", "6", "0.1"),
    ("6", "10", "0.2"),
    ("10", "20", "0.5"),
    ("20", "30", "1"),
    ("30", "50", "2"),
    ("50", "100", "5"),
    ("100", "1000", "10"),
)


def _runner(**overrides: Any) -> BettingMarket:
    fields: dict[str, Any] = {
        "id": InstrumentId.from_str("1.180737206-39980-0.0.BETFAIR"),
        "raw_symbol": Symbol("1.180737206-39980-0.0"),
        "quote_currency": "GBP",
        "event_type_id": "1",
        "event_type_name": "Soccer",
        "event_id": "30431208",
        "event_name": "Home v Away",
        "market_id": "1.180737206",
        "market_name": "Match Odds",
        "market_type": "MATCH_ODDS",
        "selection_id": "39980",
        "selection_name": "Home",
        "price_ladder": BETFAIR_LADDER,
        "price_precision": 2,
        "size_precision": 2,
        "price_increment": P("0.01"),
        "size_increment": Q("0.01"),
        "ts_event": T0,
        "ts_init": T1,
    }
    return BettingMarket(**(fields | overrides))


def _outcome(**overrides: Any) -> BinaryOutcome:
    fields: dict[str, Any] = {
        "id": InstrumentId.from_str("1234.POLYMARKET"),
        "raw_symbol": Symbol("1234"),
        "quote_currency": "pUSD",
        "condition_id": "0xabc",
        "token_id": "1234",
        "outcome": "Yes",
        "price_precision": 3,
        "size_precision": 2,
        "price_increment": P("0.001"),
        "size_increment": Q("0.01"),
        "ts_event": T0,
        "ts_init": T1,
    }
    return BinaryOutcome(**(fields | overrides))


# -- the price ladder ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "valid"),
    [("1.01", True), ("1.99", True), ("2.02", True), ("2.03", False), ("3.05", True),
     ("3.07", False), ("5.9", True), ("9.8", True), ("9.9", False), ("19.5", True),
     ("29", True), ("48", True), ("49", False), ("95", True), ("990", True), ("1000", True),
     ("1.00", False), ("1010", False)],
)  # fmt: skip
def test_betfair_ladder_validity(price: str, valid: bool) -> None:
    assert BETFAIR_LADDER.is_valid(P(price)) is valid


def test_ladder_rounds_to_the_side_and_steps() -> None:
    ladder = BETFAIR_LADDER
    # Never worse for the side: a lay (BUY) rounds its odds down, a back (SELL) up.
    assert str(ladder.round(P("3.07"), OrderSide.BUY)) == "3.05"
    assert str(ladder.round(P("3.07"), OrderSide.SELL)) == "3.10"
    assert str(ladder.round(P("0.5"), OrderSide.BUY)) == "1.01"
    assert str(ladder.round(P("5000"), OrderSide.SELL)) == "1000.00"
    assert [str(ladder.next_up(P(p))) for p in ("1.99", "2", "3.95", "100", "990")] == [
        "2.00", "2.02", "4.00", "110.00", "1000.00",
    ]  # fmt: skip
    assert [str(ladder.next_down(P(p))) for p in ("2", "2.02", "4", "110", "1.02")] == [
        "1.99", "2.00", "3.95", "100.00", "1.01",
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="top"):
        ladder.next_up(P("1000"))
    with pytest.raises(ValidationError, match="bottom"):
        ladder.next_down(P("1.01"))
    assert (ladder.min_price, ladder.max_price) == (P("1.01"), P("1000.00"))
    assert ladder.smallest_increment == P("0.01")


def test_ladder_bands_are_checked() -> None:
    with pytest.raises(ValidationError, match=re.escape("start: '2' must be below stop 1.5")):
        LadderBand(start=P("2"), stop=P("1.5"), increment=P("0.1"))
    with pytest.raises(
        ValidationError, match=re.escape("stop: '2.05' is not start 1.00 + n * 0.1")
    ):
        LadderBand(start=P("1.00"), stop=P("2.05"), increment=P("0.1"))
    with pytest.raises(ValidationError, match="increment"):
        LadderBand(start=P("1"), stop=P("2"), increment=P("0"))
    with pytest.raises(ValidationError, match="does not continue"):
        PriceLadder.of(("1.01", "2", "0.01"), ("3", "4", "0.05"))
    with pytest.raises(ValidationError, match="non-empty tuple"):
        PriceLadder(())


# -- betting ------------------------------------------------------------------------------------


def test_back_and_lay_map_onto_sell_and_buy() -> None:
    assert BettingSide.BACK.order_side is OrderSide.SELL
    assert BettingSide.LAY.order_side is OrderSide.BUY
    assert BettingSide.of(OrderSide.BUY) is BettingSide.LAY
    assert BettingSide.of(BettingSide.BACK.order_side) is BettingSide.BACK


def test_liability_of_back_and_lay() -> None:
    runner = _runner()
    # A back risks its stake; a lay of 10 at 4.0 risks paying 10 * (4.0 - 1) = 30.
    assert runner.liability(BettingSide.BACK.order_side, P("4.0"), Q("10")) == Money("10", "GBP")
    assert runner.liability(BettingSide.LAY.order_side, P("4.0"), Q("10")) == Money("30", "GBP")
    assert runner.liability(OrderSide.BUY, P("1.01"), Q("100")) == Money("1", "GBP")
    assert runner.is_valid_price(P("2.02")) and not runner.is_valid_price(P("2.03"))


def test_betting_market_checks_its_ladder() -> None:
    with pytest.raises(
        ValidationError, match=re.escape("price_increment: '0.02' is not the ladder")
    ):
        _runner(price_increment=P("0.02"))
    with pytest.raises(ValidationError, match="price_ladder"):
        _runner(price_ladder="1.01-1000")
    with pytest.raises(ValidationError, match="selection_id"):
        _runner(selection_id="")


def test_persistence_types_are_time_in_force_and_lapsed_is_terminal() -> None:
    assert {TimeInForce.LAPSE, TimeInForce.PERSIST, TimeInForce.AT_THE_CLOSE} <= set(TimeInForce)
    assert not OrderStatus.LAPSED.is_open


def test_exposure_in_account_state() -> None:
    state = AccountState(
        account_id=AccountId("BETFAIR-1"),
        account_type=AccountType.BETTING,
        balances=(AccountBalance(Money("100", "GBP"), Money("40", "GBP"), Money("60", "GBP")),),
        exposures=(
            Exposure(liability=Money("30", "GBP"), market_id="1.180737206"),
            Exposure(liability=Money("10", "GBP"), market_id="1.180737207"),
        ),
        ts_event=T0,
        ts_init=T1,
    )
    assert state.total_exposure("GBP") == Money("40", "GBP")
    assert state.total_exposure("EUR") == Money("0", "EUR")
    with pytest.raises(ValidationError, match="market_id: None or instrument_id is required"):
        Exposure(liability=Money("1", "GBP"))
    with pytest.raises(ValidationError, match="liability"):
        Exposure(liability=Money("-1", "GBP"), market_id="1.1")


def test_settlement_report_and_resolution() -> None:
    iid = _runner().id
    report = SettlementReport(
        instrument_id=iid,
        result=ResolutionResult.WON,
        pnl=Money("29.50", "GBP"),
        commission=Money("0.50", "GBP"),
        ts_event=T0,
        ts_init=T1,
    )
    assert report.result is ResolutionResult.WON
    with pytest.raises(
        ValidationError, match=re.escape("commission: '0.50 USD' is not in the pnl")
    ):
        attrs.evolve(report, commission=Money("0.50", "USD"))
    with pytest.raises(ValidationError, match="result"):
        attrs.evolve(report, result="WON")
    with pytest.raises(ValidationError, match="payout"):
        InstrumentResolved(iid, ResolutionResult.LOST, Decimal("-1"), T0, T1)


# -- prediction markets ---------------------------------------------------------------------------


def test_binary_outcome_prices_lie_between_zero_and_one() -> None:
    token = _outcome(min_price=P("0.001"), max_price=P("0.999"))
    assert token.is_valid_price(P("0.523"))
    assert not token.is_valid_price(P("0")) and not token.is_valid_price(P("1"))
    assert token.liability(OrderSide.BUY, P("0.52"), Q("10")) == Money("5.2", "pUSD")
    assert token.liability(OrderSide.SELL, P("0.52"), Q("10")) == Money("4.8", "pUSD")
    with pytest.raises(
        ValidationError, match=re.escape("max_price: '1.5' must lie between 0 and 1")
    ):
        _outcome(max_price=P("1.5"))
    with pytest.raises(ValidationError, match="price_increment: '1' must be below 1"):
        _outcome(price_precision=0, price_increment=P("1"))
    with pytest.raises(ValidationError, match="resolution_ns"):
        _outcome(resolution=ResolutionResult.WON)
    resolved = _outcome(resolution=ResolutionResult.LOST, resolution_ns=T1)
    assert resolved.resolution is ResolutionResult.LOST


def test_provisional_fill_states() -> None:
    common: dict[str, Any] = {
        "instrument_id": InstrumentId.from_str("1234.POLYMARKET"),
        "client_order_id": ClientOrderId("C1"),
        "trade_id": TradeId("t1"),
        "order_side": OrderSide.BUY,
        "order_type": OrderType.LIMIT,
        "last_qty": Q("5"),
        "last_px": P("0.52"),
        "commission": Money("0", "pUSD"),
        "liquidity_side": LiquiditySide.TAKER,
        "ts_event": T0,
        "ts_init": T1,
    }
    assert OrderFilled(**common).settlement is SettlementStatus.FINAL
    assert OrderFilled(**common, settlement=SettlementStatus.PROVISIONAL)
    with pytest.raises(ValidationError, match=re.escape("settlement: <SettlementStatus.REVERSED")):
        OrderFilled(**common, settlement=SettlementStatus.REVERSED)


# -- broker families --------------------------------------------------------------------------------

BROKER_COMMON: dict[str, Any] = {
    "quote_currency": "USD",
    "price_precision": 2,
    "size_precision": 0,
    "price_increment": P("0.25"),
    "size_increment": Q("1"),
    "ts_event": T0,
    "ts_init": T1,
}


def test_broker_families_refuse_contradictions() -> None:
    with pytest.raises(ValidationError, match="base_currency: 'USD' must differ"):
        FxPair(
            id=InstrumentId.from_str("USD.USD.IDEALPRO"),
            raw_symbol=Symbol("USD.USD"),
            base_currency="USD",
            **BROKER_COMMON,
        )
    with pytest.raises(ValidationError, match="issue_ns"):
        Bond(
            id=InstrumentId.from_str("B.SMART"),
            raw_symbol=Symbol("B"),
            maturity_ns=T0,
            issue_ns=T1,
            face_value=Money("1000", "USD"),
            **BROKER_COMMON,
        )
    with pytest.raises(ValidationError, match="face_value"):
        Bond(
            id=InstrumentId.from_str("B.SMART"),
            raw_symbol=Symbol("B"),
            maturity_ns=T1,
            face_value=Money("0", "USD"),
            **BROKER_COMMON,
        )
    with pytest.raises(
        ValidationError, match=re.escape("underlying_id: 'ESZ6.XCME' must be an Instr")
    ):
        FutureOption(
            id=InstrumentId.from_str("ESZ6 P5000.XCME"),
            raw_symbol=Symbol("ESZ6 P5000"),
            underlying="ESZ6",
            underlying_id="ESZ6.XCME",
            option_kind=OptionKind.PUT,
            strike_price=P("5000.00"),
            activation_ns=T0,
            expiry_ns=T1,
            **BROKER_COMMON,
        )


def test_cfd_index_and_settlement_records_refuse_bad_values() -> None:
    from tradeport.model import Cfd, FillReport, IndexInstrument, OrderFillReversed, VenueOrderId

    with pytest.raises(ValidationError, match="underlying"):
        Cfd(
            id=InstrumentId.from_str("X.SMART"),
            raw_symbol=Symbol("X"),
            underlying="",
            **BROKER_COMMON,
        )
    with pytest.raises(ValidationError, match="base_currency"):
        Cfd(
            id=InstrumentId.from_str("X.SMART"),
            raw_symbol=Symbol("X"),
            underlying="SPX",
            base_currency="U S",
            **BROKER_COMMON,
        )
    index = IndexInstrument(
        id=InstrumentId.from_str("SPX.CBOE"), raw_symbol=Symbol("SPX"), **BROKER_COMMON
    )
    assert index.product_type.value == "INDEX"
    event_fields: dict[str, Any] = {
        "instrument_id": InstrumentId.from_str("1234.POLYMARKET"),
        "client_order_id": ClientOrderId("C1"),
        "trade_id": TradeId("t1"),
        "order_side": OrderSide.BUY,
        "last_px": P("0.52"),
        "commission": Money("0", "pUSD"),
        "ts_event": T0,
        "ts_init": T1,
    }
    with pytest.raises(ValidationError, match="last_qty"):
        OrderFillReversed(**event_fields, last_qty=Q("0"), reason="FAILED")
    with pytest.raises(ValidationError, match="settlement"):
        FillReport(
            instrument_id=InstrumentId.from_str("1234.POLYMARKET"),
            venue_order_id=VenueOrderId("o1"),
            trade_id=TradeId("t1"),
            order_side=OrderSide.BUY,
            last_qty=Q("1"),
            last_px=P("0.5"),
            commission=Money("0", "pUSD"),
            liquidity_side=LiquiditySide.TAKER,
            ts_event=T0,
            ts_init=T1,
            settlement="MINED",
        )
