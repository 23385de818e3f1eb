"""Serialization: every model type round-trips through JSON-safe dicts; bad input is one clear
ValidationError naming the field path and the value."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tradeport.errors import ValidationError
from tradeport.model import (
    AccountBalance,
    AccountId,
    AccountState,
    AccountType,
    AggressorSide,
    Bar,
    BarAggregation,
    BarSpecification,
    BarType,
    BettingMarket,
    BookAction,
    BookOrder,
    ClientOrderId,
    CustomData,
    DatedFuture,
    Equity,
    ExecutionMassStatus,
    FillReport,
    FundingRateUpdate,
    IndexPriceUpdate,
    InstrumentClose,
    InstrumentCloseType,
    InstrumentId,
    InstrumentStatus,
    LiquiditySide,
    MarginBalance,
    MarketStatus,
    MarkPriceUpdate,
    Money,
    OptionContract,
    OptionKind,
    Order,
    OrderAccepted,
    OrderBookDelta,
    OrderBookDeltas,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderFilled,
    OrderList,
    OrderListId,
    OrderModifyRejected,
    OrderRejected,
    OrderSide,
    OrderStatus,
    OrderStatusReport,
    OrderSubmitted,
    OrderTriggered,
    OrderType,
    OrderUpdated,
    Perpetual,
    PositionId,
    PositionSide,
    PositionStatusReport,
    Price,
    PriceType,
    Quantity,
    QuoteTick,
    RecordFlag,
    SpotPair,
    StrategyId,
    Symbol,
    TimeInForce,
    TradeId,
    TradeTick,
    TrailingOffsetType,
    TriggerType,
    Venue,
    VenueOrderId,
    data,
    events,
    identifiers,
    instruments,
    numbers,
    orders,
    reports,
)
from tradeport.model.data import InstrumentResolved
from tradeport.model.enums import (
    ExerciseStyle,
    PegPriceType,
    ResolutionResult,
    SettlementStatus,
)
from tradeport.model.events import OrderFillConfirmed, OrderFillReversed
from tradeport.model.instruments import (
    BinaryOutcome,
    Bond,
    Cfd,
    FutureOption,
    FxPair,
    IndexInstrument,
    PriceLadder,
)
from tradeport.model.reports import Exposure, SettlementReport
from tradeport.model.serialization import (
    BASE_TYPES,
    TYPE_KEY,
    StructureError,
    from_dict,
    from_tagged_dict,
    register_type,
    registered_types,
    structure,
    to_dict,
    to_tagged_dict,
    unstructure,
)

IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
P = Price.from_str
Q = Quantity.from_str
T0, T1 = 1_700_000_000_000_000_000, 1_700_000_000_000_500_000
BAR_TYPE = BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")
ORDER = Order.limit(
    IID,
    OrderSide.BUY,
    Q("0.010"),
    P("42000.10"),
    client_order_id=ClientOrderId("C1"),
    time_in_force=TimeInForce.GTD,
    expire_time_ns=T1,
    post_only=True,
    display_qty=Q("0.005"),
    tags=("grid", "level-3"),
    strategy_id=StrategyId("S-001"),
    ts_init=T0,
)
TRAILING = Order(
    client_order_id=ClientOrderId("C2"),
    instrument_id=IID,
    side=OrderSide.SELL,
    order_type=OrderType.TRAILING_STOP_LIMIT,
    quantity=Q("1"),
    trigger_price=P("41000"),
    trigger_type=TriggerType.MARK_PRICE,
    trailing_offset=Decimal("25"),
    trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
    limit_offset=Decimal("0.5"),
    activation_price=P("43000"),
    reduce_only=True,
    position_side=PositionSide.LONG,
)
PEGGED = Order.pegged(
    IID,
    OrderSide.BUY,
    Q("2"),
    PegPriceType.PRIMARY,
    peg_offset=Decimal("-0.5"),
    client_order_id=ClientOrderId("C4"),
    ts_init=T0,
)
USDT = AccountBalance(Money("100.5", "USDT"), Money("0.5", "USDT"), Money("100.0", "USDT"))
MARGIN = MarginBalance(Money("10", "USDT"), Money("5", "USDT"), IID)
ORDER_REPORT = OrderStatusReport(
    account_id=AccountId("BINANCE-1"),
    instrument_id=IID,
    client_order_id=ClientOrderId("C1"),
    venue_order_id=VenueOrderId("8886774"),
    order_side=OrderSide.BUY,
    order_type=OrderType.LIMIT,
    time_in_force=TimeInForce.GTC,
    order_status=OrderStatus.PARTIALLY_FILLED,
    quantity=Q("1.000"),
    filled_qty=Q("0.250"),
    price=P("42000.10"),
    avg_px=Decimal("42000.1"),
    post_only=True,
    ts_accepted=T0,
    ts_last=T1,
    ts_init=T1,
)
PEGGED_REPORT = OrderStatusReport(
    instrument_id=IID,
    client_order_id=ClientOrderId("C4"),
    venue_order_id=VenueOrderId("8886775"),
    order_side=OrderSide.BUY,
    order_type=OrderType.PEGGED,
    time_in_force=TimeInForce.GTC,
    order_status=OrderStatus.ACCEPTED,
    quantity=Q("2.000"),
    filled_qty=Q("0.000"),
    price=P("41999.60"),
    peg_price_type=PegPriceType.PRIMARY,
    peg_offset=P("-0.50"),
    ts_accepted=T0,
    ts_last=T0,
    ts_init=T1,
)
FILL_REPORT = FillReport(
    account_id=AccountId("BINANCE-1"),
    instrument_id=IID,
    venue_order_id=VenueOrderId("8886774"),
    client_order_id=ClientOrderId("C1"),
    trade_id=TradeId("T-1"),
    order_side=OrderSide.BUY,
    last_qty=Q("0.250"),
    last_px=P("42000.10"),
    commission=Money("0.0042", "USDT"),
    liquidity_side=LiquiditySide.MAKER,
    ts_event=T0,
    ts_init=T1,
)
POSITION_REPORT = PositionStatusReport(
    instrument_id=IID,
    position_side=PositionSide.LONG,
    quantity=Q("0.250"),
    avg_px_open=Decimal("42000.1"),
    venue_position_id=PositionId("P-1"),
    unrealized_pnl=Money("-1.25", "USDT"),
    ts_last=T0,
    ts_init=T1,
)
BOOK_ADD = OrderBookDelta(
    IID, BookAction.ADD, BookOrder(OrderSide.SELL, P("42000.2"), Q("1.5"), "ord-7"), 0, 5, T0, T1
)
BOOK_CLEAR = OrderBookDelta.clear(IID, 4, T0, T1, flags=RecordFlag.F_SNAPSHOT)
EVENT_BASE: dict[str, Any] = {
    "instrument_id": IID,
    "client_order_id": ClientOrderId("C1"),
    "venue_order_id": VenueOrderId("8886774"),
    "account_id": AccountId("BINANCE-1"),
    "ts_event": T0,
    "ts_init": T1,
}
#: Betfair's odds ladder (the "Betfair Price Increments" table of the Betting API docs), first
#: three bands.
ODDS_LADDER = PriceLadder.of(("1.01", "2", "0.01"), ("2", "3", "0.02"), ("3", "4", "0.05"))
COMMON_INSTRUMENT: dict[str, Any] = {
    "price_precision": 1,
    "size_precision": 3,
    "price_increment": P("0.1"),
    "size_increment": Q("0.001"),
    "ts_event": T0,
    "ts_init": T1,
}

#: At least one example per concrete model type (optional fields both set and unset).
EXAMPLES: list[Any] = [
    # numbers and identifiers (scalars)
    P("-0.00100000"),
    Q("100"),
    Money("-1.50", "USDT"),
    Venue("BINANCE"),
    Symbol("BRK.B"),
    IID,
    ClientOrderId("C1"),
    VenueOrderId("8886774"),
    OrderListId("OL-1"),
    TradeId("12345"),
    AccountId("BINANCE-1"),
    PositionId("P-1"),
    StrategyId("S-001"),
    # market data
    QuoteTick(IID, P("42000.1"), P("42000.2"), Q("1.000"), Q("0.5"), T0, T1),
    TradeTick(IID, P("42000.1"), Q("0.010"), AggressorSide.SELLER, TradeId("12345"), T0, T1),
    BarSpecification(15, BarAggregation.MINUTE, PriceType.MARK),
    BAR_TYPE,
    Bar(BAR_TYPE, P("10.0"), P("12.5"), P("9.5"), P("11.0"), Q("1234.567"), T0, T1),
    BookOrder(OrderSide.BUY, P("42000.1"), Q("2"), 0),
    BookOrder(OrderSide.BUY, P("42000.1"), Q("2"), 123456789012),
    BOOK_ADD,
    BOOK_CLEAR,
    OrderBookDeltas(IID, (BOOK_CLEAR, BOOK_ADD)),
    MarkPriceUpdate(IID, P("42000.15"), T0, T1),
    IndexPriceUpdate(IID, P("41999.95"), T0, T1),
    FundingRateUpdate(IID, Decimal("0.00010000"), T0, T1),
    FundingRateUpdate(
        IID, Decimal("-1E-7"), T0, T1, next_funding_ns=T1, interval_ns=8 * 3600 * 10**9
    ),
    InstrumentStatus(IID, MarketStatus.HALTED, T0, T1, reason="circuit breaker"),
    InstrumentStatus(IID, MarketStatus.OPEN, T0, T1),
    InstrumentClose(IID, P("42000.0"), InstrumentCloseType.CONTRACT_EXPIRED, T0, T1),
    InstrumentResolved(IID, ResolutionResult.WON, Decimal("1"), T0, T1),
    # instruments
    SpotPair(
        id=InstrumentId.from_str("BTCUSDT.BINANCE"),
        raw_symbol=Symbol("BTCUSDT"),
        base_currency="BTC",
        quote_currency="USDT",
        min_quantity=Q("0.001"),
        max_quantity=Q("9000.000"),
        min_notional=Money("5", "USDT"),
        max_notional=Money("9000000", "USDT"),
        min_price=P("0.1"),
        max_price=P("1000000.0"),
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.001"),
        info={"symbol": "BTCUSDT", "filters": [{"filterType": "LOT_SIZE", "stepSize": "0.001"}]},
        **COMMON_INSTRUMENT,
    ),
    Perpetual(
        id=IID,
        raw_symbol=Symbol("BTCUSDT"),
        base_currency="BTC",
        quote_currency="USDT",
        settle_currency="USDT",
        margin_init=Decimal("0.05"),
        margin_maint=Decimal("0.025"),
        lot_size=Q("0.001"),
        **COMMON_INSTRUMENT,
    ),
    DatedFuture(
        id=InstrumentId.from_str("BTCUSD_240329.BINANCE"),
        raw_symbol=Symbol("BTCUSD_240329"),
        quote_currency="USD",
        underlying="BTCUSD",
        base_currency="BTC",
        settle_currency="BTC",
        is_inverse=True,
        multiplier=Q("100"),
        activation_ns=T0,
        expiry_ns=T1,
        **COMMON_INSTRUMENT,
    ),
    OptionContract(
        id=InstrumentId.from_str("BTC-240329-70000-C.BINANCE"),
        raw_symbol=Symbol("BTC-240329-70000-C"),
        quote_currency="USDT",
        underlying="BTCUSDT",
        option_kind=OptionKind.CALL,
        strike_price=P("70000"),
        activation_ns=T0,
        expiry_ns=T1,
        **COMMON_INSTRUMENT,
    ),
    BettingMarket(
        id=InstrumentId.from_str("1.123456789-50214-0.0.BETFAIR"),
        raw_symbol=Symbol("1.123456789-50214-0.0"),
        quote_currency="GBP",
        event_type_id="7",
        event_type_name="Horse Racing",
        competition_id="1",
        competition_name="Ascot",
        event_id="31234",
        event_name="14:30 Ascot",
        event_open_ns=T0,
        market_id="1.123456789",
        market_name="Win",
        market_type="WIN",
        market_start_ns=T1,
        selection_id="50214",
        selection_name="Fast Horse",
        handicap=Decimal("-0.5"),
        **COMMON_INSTRUMENT,
    ),
    BettingMarket(
        id=InstrumentId.from_str("1.123456789-50214-0.0.BETFAIR"),
        raw_symbol=Symbol("1.123456789-50214-0.0"),
        quote_currency="GBP",
        event_type_id="7",
        event_type_name="Horse Racing",
        event_id="31234",
        event_name="14:30 Ascot",
        market_id="1.123456789",
        market_name="Win",
        market_type="WIN",
        selection_id="50214",
        selection_name="Fast Horse",
        price_ladder=ODDS_LADDER,
        price_precision=2,
        size_precision=2,
        price_increment=P("0.01"),
        size_increment=Q("0.01"),
        min_price=P("1.01"),
        max_price=P("4.00"),
        ts_event=T0,
        ts_init=T1,
    ),
    ODDS_LADDER.bands[0],
    ODDS_LADDER,
    BinaryOutcome(
        id=InstrumentId.from_str(
            "71321045679252212594626385532706912750332728571942532289631379312455583992563.POLYMARKET"
        ),
        raw_symbol=Symbol(
            "71321045679252212594626385532706912750332728571942532289631379312455583992563"
        ),
        quote_currency="pUSD",
        condition_id="0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1",
        token_id="71321045679252212594626385532706912750332728571942532289631379312455583992563",
        complement_token_id="52114319501245915516055106046884209969926127482827954674443846427813813222426",
        outcome="Yes",
        question="Will it rain tomorrow?",
        market_slug="will-it-rain-tomorrow",
        expiry_ns=T1,
        resolution=ResolutionResult.WON,
        resolution_ns=T1,
        price_precision=2,
        size_precision=2,
        price_increment=P("0.01"),
        size_increment=Q("0.01"),
        min_price=P("0.01"),
        max_price=P("0.99"),
        ts_event=T0,
        ts_init=T1,
    ),
    Equity(
        id=InstrumentId.from_str("AAPL.NASDAQ"),
        raw_symbol=Symbol("AAPL"),
        quote_currency="USD",
        isin="US0378331005",
        cusip="037833100",
        primary_exchange="NASDAQ",
        **COMMON_INSTRUMENT,
    ),
    FxPair(
        id=InstrumentId.from_str("EUR.USD.IDEALPRO"),
        raw_symbol=Symbol("EUR.USD"),
        base_currency="EUR",
        quote_currency="USD",
        **COMMON_INSTRUMENT,
    ),
    IndexInstrument(
        id=InstrumentId.from_str("SPX.CBOE"),
        raw_symbol=Symbol("SPX"),
        quote_currency="USD",
        **COMMON_INSTRUMENT,
    ),
    Cfd(
        id=InstrumentId.from_str("IBUS500.SMART"),
        raw_symbol=Symbol("IBUS500"),
        quote_currency="USD",
        underlying="SPX",
        **COMMON_INSTRUMENT,
    ),
    Bond(
        id=InstrumentId.from_str("US912828YK09.SMART"),
        raw_symbol=Symbol("US912828YK09"),
        quote_currency="USD",
        maturity_ns=T1,
        face_value=Money("1000", "USD"),
        issuer="United States Treasury",
        isin="US912828YK09",
        coupon_rate=Decimal("0.01375"),
        coupon_frequency=2,
        issue_ns=T0,
        **COMMON_INSTRUMENT,
    ),
    FutureOption(
        id=InstrumentId.from_str("ESZ6 C6000.XCME"),
        raw_symbol=Symbol("ESZ6 C6000"),
        quote_currency="USD",
        underlying="ESZ6",
        underlying_id=InstrumentId.from_str("ESZ6.XCME"),
        option_kind=OptionKind.CALL,
        exercise_style=ExerciseStyle.AMERICAN,
        strike_price=P("6000.0"),
        multiplier=Q("50"),
        activation_ns=T0,
        expiry_ns=T1,
        **COMMON_INSTRUMENT,
    ),
    # orders
    ORDER,
    TRAILING,
    PEGGED,
    Order.market(IID, OrderSide.SELL, Q("5"), client_order_id=ClientOrderId("C3")),
    OrderList(OrderListId("OL-1"), (ORDER, TRAILING)),
    # order events
    OrderSubmitted(**EVENT_BASE),
    OrderAccepted(**EVENT_BASE, reconciliation=True),
    OrderRejected(**EVENT_BASE, reason="Order would immediately match", due_post_only=True),
    OrderUpdated(**EVENT_BASE, quantity=Q("2"), price=P("42000.0"), trigger_price=None),
    OrderModifyRejected(**EVENT_BASE, reason="Unknown order"),
    OrderCanceled(**EVENT_BASE),
    OrderCancelRejected(**EVENT_BASE, reason="Unknown order sent."),
    OrderTriggered(**EVENT_BASE),
    OrderExpired(**EVENT_BASE),
    OrderFilled(
        **EVENT_BASE,
        trade_id=TradeId("T-1"),
        order_side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        last_qty=Q("0.250"),
        last_px=P("42000.10"),
        commission=Money("-0.0042", "USDT"),
        liquidity_side=LiquiditySide.MAKER,
        position_id=PositionId("P-1"),
    ),
    OrderFilled(
        **EVENT_BASE,
        trade_id=TradeId("T-2"),
        order_side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        last_qty=Q("5"),
        last_px=P("0.52"),
        commission=Money("0", "pUSD"),
        liquidity_side=LiquiditySide.TAKER,
        settlement=SettlementStatus.PROVISIONAL,
    ),
    OrderFillConfirmed(
        **EVENT_BASE,
        trade_id=TradeId("T-2"),
        last_qty=Q("5"),
        last_px=P("0.52"),
        detail="CONFIRMED",
    ),
    OrderFillReversed(
        **EVENT_BASE,
        trade_id=TradeId("T-2"),
        order_side=OrderSide.BUY,
        last_qty=Q("5"),
        last_px=P("0.52"),
        commission=Money("0", "pUSD"),
        reason="FAILED",
    ),
    # reports
    ORDER_REPORT,
    PEGGED_REPORT,
    FILL_REPORT,
    POSITION_REPORT,
    PositionStatusReport(
        instrument_id=IID, position_side=PositionSide.FLAT, quantity=Q("0"), ts_last=T0, ts_init=T1
    ),
    attrs.evolve(
        FILL_REPORT,
        trade_id=TradeId("T-2"),
        settlement=SettlementStatus.PROVISIONAL,
        settlement_detail="MINED",
    ),
    USDT,
    MARGIN,
    Exposure(liability=Money("30.00", "GBP"), market_id="1.123456789"),
    Exposure(
        liability=Money("4.80", "pUSD"),
        instrument_id=InstrumentId.from_str("7132.POLYMARKET"),
    ),
    AccountState(
        account_id=AccountId("BETFAIR-1"),
        account_type=AccountType.BETTING,
        base_currency="GBP",
        balances=(
            AccountBalance(Money("100.00", "GBP"), Money("30.00", "GBP"), Money("70.00", "GBP")),
        ),
        exposures=(Exposure(liability=Money("30.00", "GBP"), market_id="1.123456789"),),
        ts_event=T0,
        ts_init=T1,
    ),
    SettlementReport(
        account_id=AccountId("BETFAIR-1"),
        instrument_id=InstrumentId.from_str("1.123456789-50214-0.0.BETFAIR"),
        result=ResolutionResult.LOST,
        pnl=Money("-30.00", "GBP"),
        commission=Money("0.00", "GBP"),
        order_ids=(VenueOrderId("228302937743"),),
        ts_event=T0,
        ts_init=T1,
    ),
    MarginBalance(Money("1", "BTC"), Money("0.5", "BTC")),
    AccountState(
        account_id=AccountId("BINANCE-1"),
        account_type=AccountType.MARGIN,
        base_currency=None,
        balances=(USDT, AccountBalance(Money("1", "BTC"), Money("0", "BTC"), Money("1", "BTC"))),
        margins=(MARGIN,),
        reported=True,
        ts_event=T0,
        ts_init=T1,
    ),
    ExecutionMassStatus(
        venue=Venue("BINANCE"),
        account_id=AccountId("BINANCE-1"),
        order_reports=(ORDER_REPORT,),
        fill_reports=(FILL_REPORT,),
        position_reports=(POSITION_REPORT,),
        ts_init=T1,
    ),
]

MODEL_MODULES = (numbers, identifiers, data, instruments, orders, events, reports)


def concrete_model_types() -> set[type]:
    """Every public class of the model modules that is a value type (attrs or a number),
    except the bases that are only subclassed."""
    found: set[type] = set()
    for module in MODEL_MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if not isinstance(obj, type) or obj in BASE_TYPES:
                continue
            if attrs.has(obj) or obj in (Price, Quantity, Money):
                found.add(obj)
    return found


def _record_examples() -> list[Any]:
    return [e for e in EXAMPLES if type(e) in set(registered_types().values())]


def _assert_json_safe(value: Any, path: str = "$") -> None:
    """Only plain JSON types, and no bool/float masquerading as numbers."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, f"{path}: key {key!r}"
            _assert_json_safe(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _assert_json_safe(item, f"{path}[{index}]")
    else:
        assert type(value) in (str, int, bool, type(None)), f"{path}: {type(value).__name__}"


def test_every_model_type_has_an_example() -> None:
    # A new model type without an example here fails this test: add one to EXAMPLES.
    covered = {type(example) for example in EXAMPLES}
    missing = concrete_model_types() - covered
    assert not missing, f"no serialization example for {sorted(t.__name__ for t in missing)}"
    assert covered <= concrete_model_types(), "an example is not a public model type"


def test_every_record_type_is_registered_for_tagging() -> None:
    records = {t for t in concrete_model_types() if isinstance(unstructure(_example_of(t)), dict)}
    # The registry is process-wide: plugins imported by other tests add their own CustomData
    # types to it, legitimately. Compare the core's own types only.
    core_registered = {
        cls for cls in registered_types().values() if cls.__module__.startswith("tradeport.model")
    }
    assert records == core_registered
    assert all(
        name == cls.__name__
        for name, cls in registered_types().items()
        if cls.__module__.startswith("tradeport.model")
    )


def _example_of(cls: type) -> Any:
    return next(e for e in EXAMPLES if type(e) is cls)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: type(e).__name__)
def test_round_trip_through_json(example: Any) -> None:
    plain = unstructure(example)
    _assert_json_safe(plain)
    text = json.dumps(plain)
    again = structure(json.loads(text), type(example))
    assert again == example
    assert unstructure(again) == plain  # same precision, same strings
    if isinstance(example, (Price, Quantity, Money)):
        assert str(again) == str(example)


@pytest.mark.parametrize("example", _record_examples(), ids=lambda e: type(e).__name__)
def test_records_round_trip_through_plain_and_tagged_dicts(example: Any) -> None:
    plain = to_dict(example)
    assert TYPE_KEY not in plain
    assert from_dict(type(example), json.loads(json.dumps(plain))) == example
    tagged = to_tagged_dict(example)
    assert tagged[TYPE_KEY] == type(example).__name__
    assert from_tagged_dict(json.loads(json.dumps(tagged))) == example


def test_instrument_raw_record_survives_serialization() -> None:
    pair = _example_of(SpotPair)
    again = from_dict(SpotPair, json.loads(json.dumps(to_dict(pair))))
    assert again.info == pair.info  # not part of ==, so checked on its own


def test_dict_shape_is_readable() -> None:
    tick = _example_of(QuoteTick)
    assert to_dict(tick) == {
        "instrument_id": "BTCUSDT-PERP.BINANCE",
        "bid_price": "42000.1",
        "ask_price": "42000.2",
        "bid_size": "1.000",
        "ask_size": "0.5",
        "ts_event": T0,
        "ts_init": T1,
    }
    filled = to_dict(_example_of(OrderFilled))
    assert filled["commission"] == "-0.0042 USDT"
    assert filled["liquidity_side"] == "MAKER"
    assert type(filled["liquidity_side"]) is str
    deltas = to_dict(_example_of(OrderBookDeltas))
    assert deltas["deltas"][0]["order"] is None
    assert deltas["deltas"][0]["flags"] == 32
    assert deltas["deltas"][1]["order"]["order_id"] == "ord-7"


def test_mixed_event_stream_round_trips_as_json_lines() -> None:
    stream = _record_examples()
    lines = [json.dumps(to_tagged_dict(item)) for item in stream]
    assert [from_tagged_dict(json.loads(line)) for line in lines] == stream


def test_to_dict_refuses_non_records() -> None:
    with pytest.raises(TypeError):
        to_dict(P("1"))
    with pytest.raises(TypeError):
        to_dict(IID)
    with pytest.raises(TypeError):
        to_tagged_dict(object())


# -- errors ------------------------------------------------------------------------------------


def _error(cls: type, data: Any) -> StructureError:
    with pytest.raises(StructureError) as info:
        from_dict(cls, data)
    assert isinstance(info.value, ValidationError)
    return info.value


def test_bad_number_names_the_field_and_value() -> None:
    data = to_dict(_example_of(QuoteTick)) | {"bid_price": "1.2.x"}
    error = _error(QuoteTick, data)
    assert str(error) == "QuoteTick.bid_price: '1.2.x' is not a decimal number"
    assert (error.field, error.value) == ("QuoteTick.bid_price", "1.2.x")
    assert error.__suppress_context__  # one clear error, not an exception group traceback
    assert error.original is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bid_size", 1.5, "QuoteTick.bid_size: 1.5 is not a decimal number string"),
        ("bid_size", "-1", "QuoteTick.bid_size: '-1' must not be negative"),
        ("bid_price", "1e5", "QuoteTick.bid_price: '1e5' is not a decimal number"),
        ("ts_event", "5", "QuoteTick.ts_event: '5' is not an int"),
        ("ts_event", 5.0, "QuoteTick.ts_event: 5.0 is not an int"),
        ("ts_event", True, "QuoteTick.ts_event: True is not an int"),
        (
            "instrument_id",
            "BTCUSDT",
            "QuoteTick.instrument_id: 'BTCUSDT' is not a valid InstrumentId",
        ),
        ("instrument_id", 7, "QuoteTick.instrument_id: 7 is not a string InstrumentId"),
    ],
)
def test_type_errors_name_the_field_and_value(field: str, value: Any, message: str) -> None:
    data = to_dict(_example_of(QuoteTick)) | {field: value}
    assert str(_error(QuoteTick, data)).startswith(message)


def test_missing_extra_and_non_object_input() -> None:
    data = to_dict(_example_of(QuoteTick))
    del data["ask_size"]
    assert str(_error(QuoteTick, data)) == "QuoteTick.ask_size: is required but missing"
    data = to_dict(_example_of(QuoteTick)) | {"bid": "1"}
    assert str(_error(QuoteTick, data)) == "QuoteTick: has unexpected field(s) 'bid'"
    assert str(_error(QuoteTick, "nope")) == "QuoteTick: 'nope' is not an object (dict)"


def test_nested_paths_and_enum_values() -> None:
    data = to_dict(_example_of(OrderList))
    data["orders"][1]["side"] = "UP"
    data["orders"][0]["quantity"] = "x"
    error = _error(OrderList, data)
    messages = [f"{path}: {problem}" for path, _, problem in error.errors]
    assert "OrderList.orders[0].quantity: is not a decimal number" in messages
    assert "OrderList.orders[1].side: is not a valid OrderSide (one of BUY, SELL)" in messages
    assert "OrderList.orders[1].side: 'UP' is not a valid OrderSide" in str(error)


def test_model_validation_errors_get_the_path_too() -> None:
    data = to_dict(_example_of(OrderList))
    data["orders"][0]["price"] = None
    error = _error(OrderList, data)
    assert str(error) == "OrderList.orders[0].price: None is required for LIMIT orders"
    data = to_dict(ORDER) | {"price": None}
    assert str(_error(Order, data)) == "Order.price: None is required for LIMIT orders"
    balance = to_dict(USDT) | {"free": "1 USDT"}
    assert str(_error(AccountBalance, balance)).startswith("AccountBalance.total: '100.5 USDT'")
    deltas = to_dict(_example_of(OrderBookDeltas))
    deltas["deltas"][0]["action"] = "UPDATE"  # an UPDATE without an order
    assert str(_error(OrderBookDeltas, deltas)).startswith(
        "OrderBookDeltas.deltas[0].order: None is required for UPDATE"
    )


def test_decimal_and_money_fields_are_strict() -> None:
    data = to_dict(_example_of(FundingRateUpdate)) | {"rate": 0.0001}
    assert str(_error(FundingRateUpdate, data)).startswith("FundingRateUpdate.rate: 0.0001")
    data = to_dict(_example_of(FundingRateUpdate)) | {"rate": "NaN"}
    assert "finite" in str(_error(FundingRateUpdate, data))
    data = to_dict(_example_of(OrderFilled)) | {"commission": "0.1"}
    assert str(_error(OrderFilled, data)).startswith("OrderFilled.commission: '0.1' is not")


def test_tagged_dict_errors() -> None:
    with pytest.raises(StructureError, match="type: 'Nope' is not a registered model type"):
        from_tagged_dict({TYPE_KEY: "Nope"})
    with pytest.raises(StructureError, match="type: is required but missing"):
        from_tagged_dict({"ts_init": 1})
    tagged = to_tagged_dict(_example_of(TradeTick)) | {"price": "1,5"}
    with pytest.raises(StructureError, match=r"TradeTick\.price: '1,5' is not a decimal number"):
        from_tagged_dict(tagged)


# -- plugin types ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Ticker24h(CustomData):
    """A venue-specific 24h ticker, as a plugin would define it."""

    instrument_id: InstrumentId
    last_price: Price
    volume: Quantity
    price_change_percent: Decimal
    window: BarAggregation = BarAggregation.DAY


def test_plugin_custom_data_registers_and_round_trips() -> None:
    register_type(Ticker24h, "test.Ticker24h")
    register_type(Ticker24h, "test.Ticker24h")  # idempotent for the same class
    ticker = Ticker24h(
        instrument_id=IID,
        last_price=P("42000.1"),
        volume=Q("123.456"),
        price_change_percent=Decimal("-1.25"),
        ts_event=T0,
        ts_init=T1,
    )
    tagged = to_tagged_dict(ticker)
    assert tagged[TYPE_KEY] == "test.Ticker24h"
    assert tagged["window"] == "DAY"
    assert type(tagged["window"]) is str  # the plugin's enum field serializes by value
    assert from_tagged_dict(json.loads(json.dumps(tagged))) == ticker

    @attrs.frozen(kw_only=True)
    class Other(CustomData):
        note: str

    with pytest.raises(ValueError, match="already registered"):
        register_type(Other, "test.Ticker24h")

    @attrs.frozen
    class Typed:
        type: str

    with pytest.raises(ValueError, match="field named 'type'"):
        register_type(Typed)


# -- property-based round trips -----------------------------------------------------------------

_precision = st.integers(min_value=0, max_value=18)
_prices = st.builds(Price.from_raw, st.integers(-(10**24), 10**24), _precision)
_quantities = st.builds(Quantity.from_raw, st.integers(0, 10**24), _precision)
_ts = st.integers(min_value=0, max_value=2**63 - 1)
_ids = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=12)
_iids = st.builds(InstrumentId.of, _ids, _ids)


@given(_iids, _prices, _prices, _quantities, _quantities, _ts, _ts)
def test_quote_ticks_round_trip(
    iid: InstrumentId,
    bid: Price,
    ask: Price,
    bid_size: Quantity,
    ask_size: Quantity,
    a: int,
    b: int,
) -> None:
    tick = QuoteTick(iid, bid, ask, bid_size, ask_size, a, b)
    again = from_tagged_dict(json.loads(json.dumps(to_tagged_dict(tick))))
    assert again == tick
    assert str(again.bid_price) == str(bid)


@given(_iids, _prices, _quantities, st.sampled_from(list(AggressorSide)), _ids, _ts)
def test_trade_ticks_round_trip(
    iid: InstrumentId, price: Price, size: Quantity, side: AggressorSide, trade_id: str, ts: int
) -> None:
    tick = TradeTick(iid, price, size, side, TradeId(trade_id), ts, ts)
    assert from_dict(TradeTick, json.loads(json.dumps(to_dict(tick)))) == tick


@given(
    st.sampled_from([BookAction.ADD, BookAction.UPDATE, BookAction.DELETE]),
    st.sampled_from(list(OrderSide)),
    _prices,
    _quantities,
    st.one_of(st.integers(0, 2**64), _ids),
    st.integers(0, 255),
    _ts,
)
def test_book_deltas_round_trip(
    action: BookAction,
    side: OrderSide,
    price: Price,
    size: Quantity,
    order_id: int | str,
    flags: int,
    sequence: int,
) -> None:
    delta = OrderBookDelta(
        IID, action, BookOrder(side, price, size, order_id), flags, sequence, 1, 2
    )
    again = from_dict(OrderBookDelta, json.loads(json.dumps(to_dict(delta))))
    assert again == delta
    assert type(again.order.order_id) is type(order_id)  # type: ignore[union-attr]
