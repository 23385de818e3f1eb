"""Parsers from OKX records (REST ``data`` items and identical WS push items) to the domain
model. Pure functions; ``""`` means missing; precision comes from the instrument."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    InstrumentStatus,
    MarkPriceUpdate,
    QuoteTick,
    TradeTick,
)
from tradeport.model.decoding import decoder_for
from tradeport.model.enums import (
    AccountType,
    BarAggregation,
    LiquiditySide,
    OrderStatus,
    OrderType,
    PositionSide,
)
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
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

from tradeport_okx.constants import VENUE
from tradeport_okx.enums import (
    AGGRESSOR_FROM_TRADE_SIDE,
    EXEC_TYPE_TO_LIQUIDITY,
    INSTRUMENT_STATE_TO_STATUS,
    OPT_TYPE_TO_KIND,
    ORD_TYPE_TO_DOMAIN,
    SIDE_FROM_OKX,
    STATE_TO_STATUS,
)

__all__ = [
    "ms_to_ns",
    "instrument_id_for",
    "parse_instrument",
    "parse_instrument_status",
    "parse_quote_from_ticker",
    "parse_trade_tick",
    "parse_bar",
    "bar_close_ns",
    "parse_mark_price",
    "parse_index_price",
    "parse_funding_rate",
    "parse_order_status_report",
    "parse_fill_report",
    "parse_order_fill_report",
    "parse_position_status_report",
    "parse_account_state",
]

_NS_PER_MS = 1_000_000
_ID_CACHE: dict[str, InstrumentId] = {}


def ms_to_ns(value: str | int | None) -> int:
    """Unix milliseconds (``"1597026383085"``) as nanoseconds; missing -> 0."""
    if value is None or value == "":
        return 0
    return int(value) * _NS_PER_MS


def instrument_id_for(inst_id: str) -> InstrumentId:
    """``BTC-USDT`` -> ``BTC-USDT.OKX`` (cached: parsers call it per message)."""
    iid = _ID_CACHE.get(inst_id)
    if iid is None:
        iid = _ID_CACHE[inst_id] = InstrumentId.of(inst_id, VENUE)
    return iid


def _opt(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return None if value is None or value == "" else str(value)


def _now_ns() -> int:
    return time.time_ns()


# -- instruments -------------------------------------------------------------------------------


def _quantity_or_none(text: str | None, precision: int) -> Quantity | None:
    if text is None:
        return None
    value = Decimal(text)
    if value <= 0:
        return None
    # Limits like maxLmtSz "9999999999.0000000000000000" carry more zeros than the lot size.
    return Quantity.from_decimal(value.quantize(Decimal(1).scaleb(-precision)), precision)


def parse_instrument(record: dict[str, Any], ts_init: int | None = None) -> Instrument:
    """An ``/api/v5/public/instruments`` item -> SpotPair (SPOT, MARGIN), Perpetual (SWAP),
    DatedFuture (FUTURES) or OptionContract (OPTION).

    Derivative sizes are contracts; ``multiplier`` is ``ctVal * ctMult`` (underlying units per
    contract), and the raw record (``ctVal``, ``ctMult``, ``ctValCcy``, ``instFamily``...) stays in
    ``info``.
    """
    ts_init = _now_ns() if ts_init is None else ts_init
    inst_type = record["instType"]
    inst_id = record["instId"]
    tick = Price.from_str(record["tickSz"])
    lot = Quantity.from_str(record["lotSz"])
    common: dict[str, Any] = {
        "id": instrument_id_for(inst_id),
        "raw_symbol": Symbol(inst_id),
        "price_precision": tick.precision,
        "size_precision": lot.precision,
        "price_increment": tick,
        "size_increment": lot,
        "lot_size": lot,
        "min_quantity": _quantity_or_none(_opt(record, "minSz"), lot.precision),
        "max_quantity": _quantity_or_none(_opt(record, "maxLmtSz"), lot.precision),
        "ts_event": ms_to_ns(record.get("listTime")) or ts_init,
        "ts_init": ts_init,
        "info": dict(record),
    }
    if inst_type in ("SPOT", "MARGIN"):
        return SpotPair(
            base_currency=record["baseCcy"], quote_currency=record["quoteCcy"], **common
        )
    family = _opt(record, "instFamily") or record["uly"]
    base, _, quote = family.partition("-")
    ct_val = Decimal(_opt(record, "ctVal") or "1")
    ct_mult = Decimal(_opt(record, "ctMult") or "1")
    multiplier = (ct_val * ct_mult).normalize()
    common["multiplier"] = Quantity(format(multiplier, "f"))
    settle = _opt(record, "settleCcy") or quote
    inverse = record.get("ctType") == "inverse"
    if inst_type == "SWAP":
        return Perpetual(
            base_currency=base,
            quote_currency=quote,
            settle_currency=settle,
            is_inverse=inverse,
            **common,
        )
    expiry = ms_to_ns(record.get("expTime"))
    activation = min(common["ts_event"], expiry)
    if inst_type == "FUTURES":
        return DatedFuture(
            underlying=family,
            base_currency=base,
            quote_currency=quote,
            settle_currency=settle,
            is_inverse=inverse,
            activation_ns=activation,
            expiry_ns=expiry,
            **common,
        )
    if inst_type == "OPTION":
        # OKX options are quoted and settled in the coin (a BTC-USD call's px and tickSz are
        # BTC); only the strike is in the index currency (USD).
        return OptionContract(
            underlying=family,
            quote_currency=settle,
            settle_currency=settle,
            option_kind=OPT_TYPE_TO_KIND[record["optType"]],
            strike_price=Price.from_str(record["stk"]),
            activation_ns=activation,
            expiry_ns=expiry,
            **common,
        )
    raise ValueError(f"unknown instType {inst_type!r}")


def parse_instrument_status(record: dict[str, Any], ts_init: int) -> InstrumentStatus:
    """An instruments item's ``state`` as an InstrumentStatus (the ``instruments`` channel)."""
    return InstrumentStatus(
        instrument_id_for(record["instId"]),
        INSTRUMENT_STATE_TO_STATUS[record["state"]],
        ts_init,
        ts_init,
        reason=record["state"],
    )


# -- market data -------------------------------------------------------------------------------


def parse_quote_from_ticker(
    record: dict[str, Any], instrument: Instrument, ts_init: int
) -> QuoteTick | None:
    """A ``tickers`` item (REST or WS) as a QuoteTick; None when a side is empty."""
    bid, ask = record.get("bidPx"), record.get("askPx")
    if not bid or not ask:
        return None
    return decoder_for(instrument).quote_tick(
        bid, ask, record["bidSz"], record["askSz"], ms_to_ns(record["ts"]), ts_init
    )


def parse_trade_tick(record: dict[str, Any], instrument: Instrument, ts_init: int) -> TradeTick:
    """A trades item (``/market/trades``, ``trades`` channel): ``side`` is the taker's."""
    return decoder_for(instrument).trade_tick(
        record["px"],
        record["sz"],
        AGGRESSOR_FROM_TRADE_SIDE[record["side"]],
        record["tradeId"],
        ms_to_ns(record["ts"]),
        ts_init,
    )


_FIXED_STEP_NS: dict[BarAggregation, int] = {
    BarAggregation.SECOND: 1_000_000_000,
    BarAggregation.MINUTE: 60_000_000_000,
    BarAggregation.HOUR: 3_600_000_000_000,
    BarAggregation.DAY: 86_400_000_000_000,
    BarAggregation.WEEK: 7 * 86_400_000_000_000,
}


def bar_close_ns(open_ms: str | int, bar_type: BarType) -> int:
    """The close of the candle that opens at ``open_ms``: open plus one interval (calendar
    months for ``1Mutc``/``3Mutc``, whose length varies)."""
    spec = bar_type.spec
    open_ns = ms_to_ns(open_ms)
    if spec.aggregation is BarAggregation.MONTH:
        opened = datetime.fromtimestamp(int(open_ms) / 1000, UTC)
        months = opened.year * 12 + opened.month - 1 + spec.step
        closed = opened.replace(year=months // 12, month=months % 12 + 1)
        return open_ns + (closed - opened) // timedelta(microseconds=1) * 1_000
    step = _FIXED_STEP_NS.get(spec.aggregation)
    if step is None:
        raise ValidationError("bar_type", str(bar_type), "has no OKX candle interval")
    return open_ns + spec.step * step


def parse_bar(row: list[str], bar_type: BarType, instrument: Instrument, ts_init: int) -> Bar:
    """A candle row ``[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`` (REST candles and
    the ``candle{bar}`` channel). OKX's ``ts`` is the candle's open time; tradeport stamps a
    bar at its close, so ``ts_event`` is ``ts`` plus one interval (:func:`bar_close_ns`)."""
    return Bar(
        bar_type,
        instrument.make_price(row[1]),
        instrument.make_price(row[2]),
        instrument.make_price(row[3]),
        instrument.make_price(row[4]),
        Quantity.from_str(row[5]),
        bar_close_ns(row[0], bar_type),
        ts_init,
    )


def parse_mark_price(
    record: dict[str, Any], instrument: Instrument, ts_init: int
) -> MarkPriceUpdate:
    """A ``mark-price`` item."""
    return MarkPriceUpdate(
        instrument.id, instrument.make_price(record["markPx"]), ms_to_ns(record["ts"]), ts_init
    )


def parse_index_price(
    record: dict[str, Any], instrument_id: InstrumentId, ts_init: int
) -> IndexPriceUpdate:
    """An ``index-tickers`` item for the index of ``instrument_id`` (its instFamily)."""
    return IndexPriceUpdate(
        instrument_id, Price.from_str(record["idxPx"]), ms_to_ns(record["ts"]), ts_init
    )


def parse_funding_rate(
    record: dict[str, Any], instrument_id: InstrumentId, ts_init: int
) -> FundingRateUpdate:
    """A ``funding-rate`` item: the current rate, settled at ``fundingTime``."""
    funding_time = ms_to_ns(record.get("fundingTime"))
    next_time = ms_to_ns(record.get("nextFundingTime"))
    return FundingRateUpdate(
        instrument_id,
        Decimal(record["fundingRate"]),
        ms_to_ns(record.get("ts")) or ts_init,
        ts_init,
        next_funding_ns=funding_time or None,
        interval_ns=(next_time - funding_time) if funding_time and next_time else None,
    )


# -- execution -----------------------------------------------------------------------------------


def _client_order_id(record: dict[str, Any]) -> ClientOrderId | None:
    value = _opt(record, "clOrdId") or _opt(record, "algoClOrdId")
    return ClientOrderId(value) if value else None


def parse_order_status_report(
    record: dict[str, Any],
    instrument: Instrument,
    ts_init: int,
    account_id: AccountId | None = None,
) -> OrderStatusReport:
    """An order (``/trade/order``, ``/trade/orders-pending``, ``/trade/orders-history``, the
    ``orders`` channel) as an OrderStatusReport.

    Quantities are in the base currency (contracts for derivatives). A spot market order
    sized in the quote currency (``tgtCcy`` ``quote_ccy``, OKX's default for a spot market
    buy) has ``sz`` in the quote currency while ``accFillSz`` is always base, so its quantity
    is what filled.
    """
    ord_type = record["ordType"]
    order_type, tif, post_only = ORD_TYPE_TO_DOMAIN[ord_type]
    state = record["state"]
    status = STATE_TO_STATUS[state]
    filled = instrument.make_qty(_opt(record, "accFillSz") or "0")
    if status is OrderStatus.CANCELED and filled:
        status = OrderStatus.CANCELED  # canceled after a partial fill stays canceled
    price = _opt(record, "px")
    avg = _opt(record, "avgPx")
    trigger = _opt(record, "triggerPx") or _opt(record, "slTriggerPx")
    if trigger and order_type is OrderType.STOP_MARKET and price and price != "-1":
        order_type = OrderType.STOP_LIMIT
    created = ms_to_ns(record.get("cTime")) or ts_init
    # A regular order that carries an algoId was spawned by a triggered algo order.
    triggered = created if _opt(record, "algoId") and _opt(record, "ordId") else None
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        client_order_id=_client_order_id(record),
        venue_order_id=VenueOrderId(record.get("ordId") or record["algoId"]),
        order_side=SIDE_FROM_OKX[record["side"]],
        order_type=order_type,
        time_in_force=tif,
        order_status=status,
        quantity=filled
        if _sized_in_quote(record, instrument)
        else instrument.make_qty(record["sz"]),
        filled_qty=filled,
        price=instrument.make_price(price) if price and price != "-1" else None,
        trigger_price=instrument.make_price(trigger) if trigger else None,
        avg_px=Decimal(avg) if avg else None,
        post_only=post_only,
        reduce_only=record.get("reduceOnly") == "true",
        cancel_reason=_opt(record, "cancelSourceReason"),
        ts_accepted=created,
        ts_triggered=triggered,
        ts_last=ms_to_ns(record.get("uTime")) or created,
        ts_init=ts_init,
    )


def _sized_in_quote(record: dict[str, Any], instrument: Instrument) -> bool:
    """Whether ``sz`` of a spot market order is the quote amount (``tgtCcy``; empty means
    OKX's default: quote for a buy, base for a sell)."""
    if record.get("ordType") != "market":
        return False
    if (record.get("instType") or ("SPOT" if isinstance(instrument, SpotPair) else "")) != "SPOT":
        return False
    target = record.get("tgtCcy") or ("quote_ccy" if record.get("side") == "buy" else "base_ccy")
    return target == "quote_ccy"


def _commission(fee: str | None, currency: str | None, fallback_ccy: str) -> Money:
    # OKX: a negative fee is charged, a positive one is a rebate; tradeport the other way round.
    amount = Decimal(fee) if fee else Decimal(0)
    return Money(-amount if amount else amount, currency or fallback_ccy)


def parse_fill_report(
    record: dict[str, Any],
    instrument: Instrument,
    ts_init: int,
    account_id: AccountId | None = None,
) -> FillReport:
    """A ``/trade/fills`` item (or ``fills`` channel item) as a FillReport."""
    liquidity = EXEC_TYPE_TO_LIQUIDITY.get(
        record.get("execType", ""), LiquiditySide.NO_LIQUIDITY_SIDE
    )
    return FillReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(record["ordId"]),
        client_order_id=_client_order_id(record),
        trade_id=TradeId(record["tradeId"]),
        order_side=SIDE_FROM_OKX[record["side"]],
        last_qty=instrument.make_qty(record["fillSz"]),
        last_px=instrument.make_price(record["fillPx"]),
        commission=_commission(
            _opt(record, "fee") or _opt(record, "fillFee"),
            _opt(record, "feeCcy") or _opt(record, "fillFeeCcy"),
            instrument.settlement_currency,
        ),
        liquidity_side=liquidity,
        ts_event=ms_to_ns(record.get("ts") or record.get("fillTime")) or ts_init,
        ts_init=ts_init,
    )


def parse_order_fill_report(
    record: dict[str, Any],
    instrument: Instrument,
    ts_init: int,
    account_id: AccountId | None = None,
) -> FillReport | None:
    """The fill an ``orders`` channel push carries (``tradeId``, ``fillSz``, ``fillPx``,
    ``fillFee``), or None when the push is not about a fill. ``fee`` there is the order's
    accumulated fee, so the ``fill*`` fields are read instead."""
    trade_id = _opt(record, "tradeId")
    size = _opt(record, "fillSz")
    if not trade_id or not size or Decimal(size) == 0:
        return None
    return parse_fill_report(
        {
            **record,
            "fee": _opt(record, "fillFee") or "0",
            "feeCcy": _opt(record, "fillFeeCcy") or _opt(record, "feeCcy"),
            "ts": _opt(record, "fillTime") or record.get("uTime"),
        },
        instrument,
        ts_init,
        account_id,
    )


def parse_position_status_report(
    record: dict[str, Any],
    instrument: Instrument,
    ts_init: int,
    account_id: AccountId | None = None,
) -> PositionStatusReport:
    """A ``/account/positions`` item (or ``positions`` channel item).

    ``pos`` is signed in net mode; in hedge mode ``posSide`` says long or short.
    """
    pos = Decimal(_opt(record, "pos") or "0")
    pos_side = record.get("posSide", "net")
    if pos == 0:
        side = PositionSide.FLAT
    elif pos_side == "short" or (pos_side == "net" and pos < 0):
        side = PositionSide.SHORT
    else:
        side = PositionSide.LONG
    avg = _opt(record, "avgPx")
    upl = _opt(record, "upl")
    ccy = _opt(record, "ccy") or instrument.settlement_currency
    return PositionStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_position_id=PositionId(record["posId"]) if _opt(record, "posId") else None,
        position_side=side,
        quantity=instrument.make_qty(format(abs(pos), "f")),
        avg_px_open=Decimal(avg) if avg else None,
        unrealized_pnl=Money(upl, ccy) if upl else None,
        ts_last=ms_to_ns(record.get("uTime")) or ts_init,
        ts_init=ts_init,
    )


def parse_account_state(
    record: dict[str, Any], account_id: AccountId, ts_init: int
) -> AccountState:
    """An ``/account/balance`` item (or ``account`` channel item): one balance per ``details``
    currency; ``total = eq`` (equity), ``free = availBal`` (or ``availEq``), ``locked`` the rest."""
    balances = []
    margins = []
    for detail in record.get("details", []):
        ccy = detail["ccy"]
        total = Decimal(_opt(detail, "eq") or _opt(detail, "cashBal") or "0")
        free = Decimal(_opt(detail, "availBal") or _opt(detail, "availEq") or "0")
        free = min(free, total)
        locked = total - free
        balances.append(AccountBalance(Money(total, ccy), Money(locked, ccy), Money(free, ccy)))
        imr, mmr = _opt(detail, "imr"), _opt(detail, "mmr")
        if imr and mmr:
            margins.append(MarginBalance(Money(imr, ccy), Money(mmr, ccy)))
    return AccountState(
        account_id=account_id,
        account_type=AccountType.MARGIN,
        base_currency=None,
        balances=tuple(balances),
        margins=tuple(margins),
        ts_event=ms_to_ns(record.get("uTime")) or ts_init,
        ts_init=ts_init,
    )
