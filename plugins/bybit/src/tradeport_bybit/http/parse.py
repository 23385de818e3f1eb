"""Pure parsers from Bybit v5 records to the domain model.

The same record shapes arrive over REST and on the private stream (orders, executions,
positions, wallets), so the stream parsers reuse these. Conventions: ``""`` is missing; Bybit
also writes ``"0"`` for an unset trigger price or take-profit, which is treated as missing where
a zero makes no sense; times are milliseconds, turned into UNIX nanoseconds; quantities and
prices take the instrument's precision.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tradeport.model.data import (
    Bar,
    BarType,
    OrderBookDeltas,
    RecordFlag,
    TradeTick,
)
from tradeport.model.decoding import decoder_for
from tradeport.model.enums import (
    AccountType,
    LiquiditySide,
    OrderType,
    PositionSide,
)
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    PositionId,
    Symbol,
    TradeId,
    VenueOrderId,
)
from tradeport.model.instruments import (
    DatedFuture,
    Instrument,
    OptionContract,
    Perpetual,
    SpotPair,
)
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.reports import (
    AccountBalance,
    AccountState,
    FillReport,
    MarginBalance,
    OrderStatusReport,
    PositionStatusReport,
)

from tradeport_bybit.enums import (
    AGGRESSOR_FROM_VENUE,
    CONTRACT_TYPE_PRODUCT,
    OPTION_KIND_FROM_VENUE,
    ORDER_SIDE_FROM_VENUE,
    ORDER_STATUS_FROM_VENUE,
    POSITION_SIDE_FROM_VENUE,
    TIME_IN_FORCE_FROM_VENUE,
    TRIGGER_FROM_VENUE,
    BybitCategory,
)
from tradeport_bybit.symbology import instrument_id_for

__all__ = [
    "MS",
    "ms_to_ns",
    "precision_of",
    "parse_instrument",
    "parse_trade_tick",
    "parse_bar",
    "parse_book_snapshot",
    "parse_order_status_report",
    "parse_fill_report",
    "parse_position_status_report",
    "parse_account_state",
    "order_type_of",
]

#: Nanoseconds per millisecond.
MS = 1_000_000
_F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_F_LAST = int(RecordFlag.F_LAST)
_ZERO = Decimal(0)


def ms_to_ns(value: str | int) -> int:
    """A Bybit millisecond timestamp (str or int) as UNIX nanoseconds."""
    return int(value) * MS


def _now_ns() -> int:
    return time.time_ns()


def _present(value: Any) -> bool:
    """False for the venue's missing values: None and ``""``."""
    return value is not None and value != ""


def _nonzero(value: Any) -> bool:
    """False for missing values and for zero (Bybit's "not set" for prices)."""
    return _present(value) and Decimal(value) != 0


def precision_of(step: str) -> int:
    """Decimal places of a step such as ``"0.10"`` (1), ``"0.000001"`` (6) or ``"5"`` (0)."""
    exponent = Decimal(step).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _price(value: str, precision: int) -> Price:
    return Price(Decimal(value).quantize(Decimal(1).scaleb(-precision)), precision)


# -- instruments ------------------------------------------------------------------------------


def _common(record: Mapping[str, Any], category: BybitCategory, ts_ns: int) -> dict[str, Any]:
    symbol = record["symbol"]
    price_filter = record["priceFilter"]
    lot = record["lotSizeFilter"]
    tick = price_filter["tickSize"]
    # Spot steps its size by basePrecision; contracts and options by qtyStep.
    step = lot.get("qtyStep") or lot["basePrecision"]
    price_precision = precision_of(tick)
    size_precision = precision_of(step)
    quote = record["quoteCoin"]
    fields: dict[str, Any] = {
        "id": instrument_id_for(category, symbol),
        "raw_symbol": Symbol(symbol),
        "quote_currency": quote,
        "price_precision": price_precision,
        "size_precision": size_precision,
        "price_increment": _price(tick, price_precision),
        "size_increment": Quantity(
            Decimal(step).quantize(Decimal(1).scaleb(-size_precision)), size_precision
        ),
        "ts_event": ts_ns,
        "ts_init": ts_ns,
        "info": dict(record),
    }
    if _present(lot.get("minOrderQty")):
        fields["min_quantity"] = Quantity(lot["minOrderQty"])
    if _present(lot.get("maxOrderQty")):
        fields["max_quantity"] = Quantity(lot["maxOrderQty"])
    if _nonzero(price_filter.get("minPrice")):
        fields["min_price"] = Price(price_filter["minPrice"])
    if _nonzero(price_filter.get("maxPrice")):
        fields["max_price"] = Price(price_filter["maxPrice"])
    return fields


def parse_instrument(
    record: Mapping[str, Any], category: BybitCategory | str, ts_ns: int | None = None
) -> Instrument:
    """One ``/v5/market/instruments-info`` record of ``category`` as an Instrument.

    Raises KeyError / ValueError / ValidationError on a record it cannot understand (the
    provider skips such records with a warning).
    """
    category = BybitCategory(category)
    ts = _now_ns() if ts_ns is None else ts_ns
    fields = _common(record, category, ts)
    lot = record["lotSizeFilter"]
    base = record["baseCoin"]
    if category is BybitCategory.SPOT:
        quote = record["quoteCoin"]
        if _nonzero(lot.get("minOrderAmt")):
            fields["min_notional"] = Money(lot["minOrderAmt"], quote)
        if _nonzero(lot.get("maxOrderAmt")):
            fields["max_notional"] = Money(lot["maxOrderAmt"], quote)
        return SpotPair(base_currency=base, **fields)
    settle = record.get("settleCoin") or (
        base if category is BybitCategory.INVERSE else record["quoteCoin"]
    )
    if category is BybitCategory.OPTION:
        # BTC-27MAR26-70000-P-USDT: the strike is the third dash-separated field.
        strike = record["symbol"].split("-")[2]
        return OptionContract(
            underlying=base,
            option_kind=OPTION_KIND_FROM_VENUE[record["optionsType"]],
            strike_price=Price(strike),
            activation_ns=ms_to_ns(record["launchTime"]),
            expiry_ns=ms_to_ns(record["deliveryTime"]),
            settle_currency=settle,
            **fields,
        )
    if category is BybitCategory.LINEAR and _nonzero(lot.get("minNotionalValue")):
        fields["min_notional"] = Money(lot["minNotionalValue"], record["quoteCoin"])
    is_inverse = category is BybitCategory.INVERSE
    product = CONTRACT_TYPE_PRODUCT[record["contractType"]]
    if product.value == "PERPETUAL":
        return Perpetual(
            base_currency=base, settle_currency=settle, is_inverse=is_inverse, **fields
        )
    return DatedFuture(
        underlying=base,
        base_currency=base,
        settle_currency=settle,
        is_inverse=is_inverse,
        activation_ns=ms_to_ns(record["launchTime"]),
        expiry_ns=ms_to_ns(record["deliveryTime"]),
        **fields,
    )


# -- market data -------------------------------------------------------------------------------


def parse_trade_tick(
    record: Mapping[str, Any], instrument: Instrument, ts_init: int | None = None
) -> TradeTick:
    """A ``/v5/market/recent-trade`` record (execId, price, size, side, time)."""
    return TradeTick(
        instrument.id,
        instrument.make_price(record["price"]),
        instrument.make_qty(record["size"]),
        AGGRESSOR_FROM_VENUE[record["side"]],
        TradeId(record["execId"]),
        ms_to_ns(record["time"]),
        _now_ns() if ts_init is None else ts_init,
    )


def parse_bar(
    row: list[str],
    bar_type: BarType,
    instrument: Instrument,
    interval_ms: int,
    ts_init: int | None = None,
) -> Bar:
    """A ``/v5/market/kline`` row ``[start, open, high, low, close, volume, turnover]``.

    ``ts_event`` is the bar's close (start + interval), as for every bar in tradeport.
    """
    return Bar(
        bar_type=bar_type,
        open=instrument.make_price(row[1]),
        high=instrument.make_price(row[2]),
        low=instrument.make_price(row[3]),
        close=instrument.make_price(row[4]),
        volume=instrument.make_qty(row[5]),
        ts_event=ms_to_ns(row[0]) + interval_ms * MS,
        ts_init=_now_ns() if ts_init is None else ts_init,
    )


def book_deltas(
    instrument: Instrument,
    bids: list[list[str]],
    asks: list[list[str]],
    *,
    snapshot: bool,
    sequence: int,
    ts_event: int,
    ts_init: int,
) -> OrderBookDeltas | None:
    """Deltas for the levels of one book message; a snapshot starts with CLEAR.

    In a Bybit delta, size ``"0"`` deletes the level; any other size sets it. Returns None for
    a delta without levels.
    """
    return decoder_for(instrument).l2_deltas(
        bids, asks, sequence, ts_event, ts_init, snapshot=snapshot
    )


def parse_book_snapshot(
    result: Mapping[str, Any], instrument: Instrument, ts_init: int | None = None
) -> OrderBookDeltas:
    """The ``result`` of ``/v5/market/orderbook`` (``s``, ``b``, ``a``, ``ts``, ``u``)."""
    deltas = book_deltas(
        instrument,
        result["b"],
        result["a"],
        snapshot=True,
        sequence=int(result["u"]),
        ts_event=ms_to_ns(result["ts"]),
        ts_init=_now_ns() if ts_init is None else ts_init,
    )
    assert deltas is not None  # a snapshot always has its CLEAR
    return deltas


# -- execution ---------------------------------------------------------------------------------


def order_type_of(record: Mapping[str, Any]) -> OrderType:
    """The domain order type of an order record.

    Bybit has Market/Limit plus an optional trigger; the trigger's direction relative to the
    side tells a stop (buy above / sell below the market) from an if-touched order.
    """
    is_market = record["orderType"] == "Market"
    if not _nonzero(record.get("triggerPrice")):
        return OrderType.MARKET if is_market else OrderType.LIMIT
    direction = int(record.get("triggerDirection") or 0)
    buy = record["side"] == "Buy"
    # 1 = triggered when the price rises, 2 = when it falls; spot sends 0 (treated as a stop).
    is_stop = direction == 0 or (direction == 1) == buy
    if is_stop:
        return OrderType.STOP_MARKET if is_market else OrderType.STOP_LIMIT
    return OrderType.MARKET_IF_TOUCHED if is_market else OrderType.LIMIT_IF_TOUCHED


def _client_order_id(record: Mapping[str, Any]) -> ClientOrderId | None:
    value = record.get("orderLinkId")
    return ClientOrderId(value) if value else None


def parse_order_status_report(
    record: Mapping[str, Any],
    instrument: Instrument,
    account_id: AccountId | None = None,
    ts_init: int | None = None,
) -> OrderStatusReport:
    """An order record (``/v5/order/realtime``, ``/v5/order/history``, stream ``order``).

    Quantities are in the base coin. A spot market order placed by value (``marketUnit``
    ``quoteCoin``) has its ``qty`` in the quote coin, so its quantity is what filled plus what
    is left (``cumExecQty + leavesQty``, both base): a filled 50 USDT buy is 0.000544 BTC.
    """
    venue_tif = record.get("timeInForce") or "GTC"
    status = ORDER_STATUS_FROM_VENUE[record["orderStatus"]]
    reason = record.get("rejectReason")
    cancel_type = record.get("cancelType")
    cancel_reason = None
    if reason and reason != "EC_NoError":
        cancel_reason = reason
    elif cancel_type and cancel_type != "UNKNOWN" and status.value == "CANCELED":
        cancel_reason = cancel_type
    trigger_by = record.get("triggerBy")
    filled = instrument.make_qty(record.get("cumExecQty") or "0")
    order_type = order_type_of(record)
    has_price = order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED)
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        client_order_id=_client_order_id(record),
        venue_order_id=VenueOrderId(record["orderId"]),
        venue_position_id=_position_id(record, instrument),
        order_side=ORDER_SIDE_FROM_VENUE[record["side"]],
        order_type=order_type,
        time_in_force=TIME_IN_FORCE_FROM_VENUE[venue_tif],
        order_status=status,
        quantity=_base_quantity(record, instrument, filled),
        filled_qty=filled,
        price=instrument.make_price(record["price"])
        if has_price and _nonzero(record.get("price"))
        else None,
        trigger_price=instrument.make_price(record["triggerPrice"])
        if _nonzero(record.get("triggerPrice"))
        else None,
        trigger_type=TRIGGER_FROM_VENUE.get(trigger_by) if trigger_by else None,
        avg_px=Decimal(record["avgPrice"]) if _nonzero(record.get("avgPrice")) else None,
        post_only=venue_tif in ("PostOnly", "RPI"),
        reduce_only=bool(record.get("reduceOnly")),
        cancel_reason=cancel_reason,
        ts_accepted=ms_to_ns(record["createdTime"]),
        ts_last=ms_to_ns(record.get("updatedTime") or record["createdTime"]),
        ts_init=_now_ns() if ts_init is None else ts_init,
    )


def _base_quantity(record: Mapping[str, Any], instrument: Instrument, filled: Quantity) -> Quantity:
    """The order quantity in the base coin (see :func:`parse_order_status_report`)."""
    if record.get("marketUnit") != "quoteCoin":
        return instrument.make_qty(record["qty"])
    return filled + instrument.make_qty(record.get("leavesQty") or "0")


def _position_id(record: Mapping[str, Any], instrument: Instrument) -> PositionId | None:
    """Hedge-mode legs (positionIdx 1 buy side, 2 sell side) get their own position id."""
    idx = record.get("positionIdx")
    if idx in (1, 2, "1", "2"):
        return PositionId(f"{instrument.raw_symbol.value}-{idx}")
    return None


def _fee_currency(record: Mapping[str, Any], instrument: Instrument) -> str:
    explicit = record.get("feeCurrency")
    if explicit:
        return str(explicit)
    if isinstance(instrument, SpotPair):
        # Spot fees are taken from what is received: base on a buy, quote on a sell.
        return instrument.base_currency if record["side"] == "Buy" else instrument.quote_currency
    return instrument.settlement_currency


def parse_fill_report(
    record: Mapping[str, Any],
    instrument: Instrument,
    account_id: AccountId | None = None,
    ts_init: int | None = None,
) -> FillReport | None:
    """An execution record (``/v5/execution/list``, stream ``execution``); None unless a trade.

    ``execType`` Funding, Settle, AdlTrade, BustTrade... are not fills of our orders.
    """
    if record.get("execType", "Trade") != "Trade":
        return None
    return FillReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(record["orderId"]),
        client_order_id=_client_order_id(record),
        venue_position_id=_position_id(record, instrument),
        trade_id=TradeId(record["execId"]),
        order_side=ORDER_SIDE_FROM_VENUE[record["side"]],
        last_qty=instrument.make_qty(record["execQty"]),
        # A fill price finer than the tick (price improvement) keeps its own precision.
        last_px=instrument.make_price(record["execPrice"])
        if _fits(record["execPrice"], instrument.price_precision)
        else Price(record["execPrice"]),
        commission=Money(record.get("execFee") or "0", _fee_currency(record, instrument)),
        liquidity_side=LiquiditySide.MAKER if record.get("isMaker") else LiquiditySide.TAKER,
        ts_event=ms_to_ns(record["execTime"]),
        ts_init=_now_ns() if ts_init is None else ts_init,
    )


def _fits(value: str, precision: int) -> bool:
    """Whether ``value`` needs no more than ``precision`` decimals."""
    return precision_of(value) <= precision


def parse_position_status_report(
    record: Mapping[str, Any],
    instrument: Instrument,
    account_id: AccountId | None = None,
    ts_init: int | None = None,
) -> PositionStatusReport:
    """A position record (``/v5/position/list``, stream ``position``)."""
    size = instrument.make_qty(record.get("size") or "0")
    side = POSITION_SIDE_FROM_VENUE[record.get("side") or ""] if size else PositionSide.FLAT
    entry: str = record.get("avgPrice") or record.get("entryPrice") or ""
    upnl: str = record.get("unrealisedPnl") or ""
    updated: str = record.get("updatedTime") or record.get("createdTime") or ""
    return PositionStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_position_id=_position_id(record, instrument),
        position_side=side,
        quantity=size,
        avg_px_open=Decimal(entry) if _nonzero(entry) else None,
        unrealized_pnl=Money(upnl, instrument.settlement_currency) if _present(upnl) else None,
        ts_last=ms_to_ns(updated) if _present(updated) else _now_ns(),
        ts_init=_now_ns() if ts_init is None else ts_init,
    )


def parse_account_state(
    record: Mapping[str, Any],
    account_id: AccountId,
    ts_event: int,
    ts_init: int | None = None,
) -> AccountState:
    """One wallet record (``/v5/account/wallet-balance`` list item, stream ``wallet`` item).

    Per coin: total is ``walletBalance``; locked is what open orders hold (``locked`` for spot
    plus ``totalOrderIM`` for derivatives); free is the rest. Position margin is reported in
    ``margins``.
    """
    balances = []
    margins = []
    for coin in record.get("coin", ()):
        currency = coin["coin"]
        total = Decimal(coin.get("walletBalance") or "0")
        locked = Decimal(coin.get("locked") or "0") + Decimal(coin.get("totalOrderIM") or "0")
        balances.append(
            AccountBalance(
                total=Money(total, currency),
                locked=Money(locked, currency),
                free=Money(total - locked, currency),
            )
        )
        initial = Decimal(coin.get("totalPositionIM") or "0")
        maint = Decimal(coin.get("totalPositionMM") or "0")
        if initial or maint:
            margins.append(
                MarginBalance(initial=Money(initial, currency), maintenance=Money(maint, currency))
            )
    account_type = AccountType.CASH if record.get("accountType") == "SPOT" else AccountType.MARGIN
    return AccountState(
        account_id=account_id,
        account_type=account_type,
        balances=tuple(balances),
        margins=tuple(margins),
        reported=True,
        ts_event=ts_event,
        ts_init=_now_ns() if ts_init is None else ts_init,
    )
