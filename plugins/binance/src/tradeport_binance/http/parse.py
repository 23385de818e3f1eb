"""Pure parsers from Binance REST payloads to tradeport objects.

Every parser takes the decoded JSON (field names as Binance sends them) and, where precision
matters, the instrument. ``""`` and ``None`` are treated as missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeGuard

from tradeport.model.data import (
    BarType,
    OrderBookDeltas,
    TradeTick,
)
from tradeport.model.decoding import InstrumentDecoder
from tradeport.model.enums import (
    AccountType,
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    TrailingOffsetType,
)
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    OrderListId,
    PositionId,
    Symbol,
    TradeId,
    VenueOrderId,
)
from tradeport.model.instruments import DatedFuture, Instrument, Perpetual, SpotPair
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.reports import (
    AccountBalance,
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)

from tradeport_binance.constants import PERPETUAL_DELIVERY_MS
from tradeport_binance.datatypes import BinanceBar, BinanceTicker
from tradeport_binance.enums import (
    FUTURES_ORDER_TYPE_FROM_BINANCE,
    KLINE_INTERVAL_SPECS,
    ORDER_STATUS_FROM_BINANCE,
    SIDE_FROM_BINANCE,
    SPOT_ORDER_TYPE_FROM_BINANCE,
    TIME_IN_FORCE_FROM_BINANCE,
)
from tradeport_binance.symbology import instrument_id_for

__all__ = [
    "precision_of",
    "parse_spot_instrument",
    "parse_futures_instrument",
    "parse_exchange_info",
    "parse_book_snapshot",
    "parse_trade_tick_rest",
    "parse_agg_trade_tick_rest",
    "parse_kline",
    "parse_ticker_24h",
    "parse_order_status_report",
    "parse_fill_report",
    "parse_position_status_report",
    "parse_spot_account_state",
    "parse_futures_account_state",
    "ms_to_ns",
]

_MS = 1_000_000
_ZERO = Decimal(0)


def ms_to_ns(ms: int | str | None) -> int:
    """Milliseconds (Binance) to nanoseconds; None, ``""`` and negative (Binance's -1) become 0.

    Binance sends integers; a decimal string of one (as recorders and proxies write them) is
    read the same way.
    """
    if ms is None or ms == "":
        return 0
    value = int(ms)
    return value * _MS if value > 0 else 0


def _present(value: Any) -> TypeGuard[str | int]:
    """A field Binance actually filled: JSON fields here are strings or integers, and both None
    and "" mean missing."""
    return value is not None and value != ""


def precision_of(increment: str) -> int:
    """Decimal places that matter in a Binance increment (``"0.01000000"`` -> 2, ``"1"`` -> 0)."""
    text = increment.strip()
    if "." not in text:
        return 0
    return len(text.rstrip("0").partition(".")[2])


def _filters(record: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {f["filterType"]: f for f in record.get("filters", ()) if "filterType" in f}


def _common(record: Mapping[str, Any], quote: str, ts_init: int) -> dict[str, Any]:
    """Fields shared by every product: increments, precisions, limits from the filters."""
    filters = _filters(record)
    price_filter = filters.get("PRICE_FILTER")
    lot = filters.get("LOT_SIZE")
    if price_filter is None or lot is None:
        raise ValueError("no PRICE_FILTER or LOT_SIZE filter")
    tick, step = price_filter["tickSize"], lot["stepSize"]
    price_precision, size_precision = precision_of(tick), precision_of(step)
    price_increment = Price(tick, price_precision)
    size_increment = Quantity(step, size_precision)
    if not price_increment or not size_increment:
        raise ValueError(f"zero tickSize {tick!r} or stepSize {step!r}")
    out: dict[str, Any] = {
        "quote_currency": quote,
        "price_precision": price_precision,
        "size_precision": size_precision,
        "price_increment": price_increment,
        "size_increment": size_increment,
        "ts_event": ts_init,
        "ts_init": ts_init,
        "info": dict(record),
    }
    min_qty, max_qty = Decimal(lot["minQty"]), Decimal(lot["maxQty"])
    if min_qty > 0:
        out["min_quantity"] = Quantity.from_decimal(min_qty, size_precision, "ROUND_UP")
    if max_qty > 0:
        out["max_quantity"] = Quantity.from_decimal(max_qty, size_precision, "ROUND_DOWN")
    min_price, max_price = Decimal(price_filter["minPrice"]), Decimal(price_filter["maxPrice"])
    if min_price > 0:
        out["min_price"] = Price.from_decimal(min_price, price_precision, "ROUND_UP")
    if max_price > 0:
        out["max_price"] = Price.from_decimal(max_price, price_precision, "ROUND_DOWN")
    # Spot has NOTIONAL (min and max) or the older MIN_NOTIONAL (minNotional); futures
    # MIN_NOTIONAL with "notional".
    notional = filters.get("NOTIONAL")
    min_notional = filters.get("MIN_NOTIONAL")
    if notional is not None:
        if _present(notional.get("minNotional")) and Decimal(notional["minNotional"]) > 0:
            out["min_notional"] = Money(Decimal(notional["minNotional"]).normalize(), quote)
        if _present(notional.get("maxNotional")) and Decimal(notional["maxNotional"]) > 0:
            out["max_notional"] = Money(Decimal(notional["maxNotional"]).normalize(), quote)
    elif min_notional is not None:
        value = min_notional.get("minNotional", min_notional.get("notional"))
        if _present(value) and Decimal(value) > 0:
            out["min_notional"] = Money(Decimal(value).normalize(), quote)
    return out


def parse_spot_instrument(record: Mapping[str, Any], ts_init: int) -> SpotPair:
    """A spot (or margin) symbol of ``GET /api/v3/exchangeInfo``."""
    native = record["symbol"]
    quote = record["quoteAsset"]
    return SpotPair(
        id=instrument_id_for(native, perpetual=False),
        raw_symbol=Symbol(native),
        base_currency=record["baseAsset"],
        **_common(record, quote, ts_init),
    )


def parse_futures_instrument(
    record: Mapping[str, Any], ts_init: int, *, coin_margined: bool = False
) -> Perpetual | DatedFuture:
    """A symbol of ``GET /fapi/v1/exchangeInfo`` (USD-M) or ``/dapi/v1/exchangeInfo`` (COIN-M).

    COIN-M contracts are inverse (settled in the base coin) with a ``contractSize`` multiplier.
    """
    native = record["symbol"]
    quote = record["quoteAsset"]
    contract_type = record.get("contractType") or ""
    common = _common(record, quote, ts_init)
    settle = record.get("marginAsset") or quote
    if coin_margined and _present(record.get("contractSize")):
        common["multiplier"] = Quantity(str(record["contractSize"]))
    if _present(record.get("requiredMarginPercent")):
        common["margin_init"] = Decimal(record["requiredMarginPercent"]) / 100
    if _present(record.get("maintMarginPercent")):
        common["margin_maint"] = Decimal(record["maintMarginPercent"]) / 100
    if contract_type == "PERPETUAL" or contract_type == "PERPETUAL_DELIVERING":
        return Perpetual(
            id=instrument_id_for(native, perpetual=True),
            raw_symbol=Symbol(native),
            base_currency=record["baseAsset"],
            settle_currency=settle,
            is_inverse=coin_margined,
            **common,
        )
    if not contract_type:
        raise ValueError("empty contractType")
    delivery = int(record["deliveryDate"])
    if delivery >= PERPETUAL_DELIVERY_MS:
        raise ValueError(f"contractType {contract_type} without a delivery date")
    return DatedFuture(
        id=instrument_id_for(native, perpetual=False),
        raw_symbol=Symbol(native),
        underlying=record.get("pair") or record["baseAsset"],
        base_currency=record["baseAsset"],
        settle_currency=settle,
        activation_ns=ms_to_ns(int(record.get("onboardDate") or 0)),
        expiry_ns=ms_to_ns(delivery),
        is_inverse=coin_margined,
        **common,
    )


def parse_exchange_info(
    payload: Mapping[str, Any],
    *,
    futures: bool,
    coin_margined: bool = False,
    ts_init: int,
) -> tuple[list[Instrument], list[tuple[str, str]]]:
    """Every parseable symbol of an exchangeInfo payload, plus ``(symbol, reason)`` of those
    that could not be parsed (the caller decides whether to warn)."""
    instruments: list[Instrument] = []
    skipped: list[tuple[str, str]] = []
    for record in payload.get("symbols", ()):
        try:
            if futures:
                instruments.append(
                    parse_futures_instrument(record, ts_init, coin_margined=coin_margined)
                )
            else:
                instruments.append(parse_spot_instrument(record, ts_init))
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            name = record.get("symbol", "?") if isinstance(record, Mapping) else "?"
            skipped.append((str(name), f"{type(exc).__name__}: {exc}"))
    return instruments, skipped


def parse_book_snapshot(
    payload: Mapping[str, Any], instrument: Instrument, ts_init: int
) -> OrderBookDeltas:
    """``GET /api/v3/depth`` (or ``/fapi/v1/depth``) as a snapshot batch: CLEAR then ADDs;
    ``sequence`` is ``lastUpdateId``. Futures carry ``E`` (event time); spot does not."""
    ts_event = ms_to_ns(payload.get("E") or payload.get("T")) or ts_init
    deltas = InstrumentDecoder(instrument, memo_size=0).l2_deltas(
        payload.get("bids", ()),
        payload.get("asks", ()),
        int(payload["lastUpdateId"]),
        ts_event,
        ts_init,
        snapshot=True,
    )
    assert deltas is not None  # a snapshot always has its CLEAR
    return deltas


def _aggressor(buyer_is_maker: bool) -> AggressorSide:
    # The maker was the buyer, so the taker (aggressor) sold.
    return AggressorSide.SELLER if buyer_is_maker else AggressorSide.BUYER


def parse_trade_tick_rest(
    record: Mapping[str, Any], instrument: Instrument, ts_init: int
) -> TradeTick:
    """One entry of ``GET /api/v3/trades`` / ``historicalTrades``."""
    return TradeTick(
        instrument.id,
        Price.from_str(record["price"], instrument.price_precision),
        Quantity.from_str(record["qty"], instrument.size_precision),
        _aggressor(bool(record["isBuyerMaker"])),
        TradeId(str(record["id"])),
        ms_to_ns(record["time"]),
        ts_init,
    )


def parse_agg_trade_tick_rest(
    record: Mapping[str, Any], instrument: Instrument, ts_init: int
) -> TradeTick:
    """One entry of ``GET /api/v3/aggTrades`` (trade id is the aggregate id ``a``)."""
    return TradeTick(
        instrument.id,
        Price.from_str(record["p"], instrument.price_precision),
        Quantity.from_str(record["q"], instrument.size_precision),
        _aggressor(bool(record["m"])),
        TradeId(str(record["a"])),
        ms_to_ns(record["T"]),
        ts_init,
    )


def parse_kline(
    row: Sequence[Any], bar_type: BarType, instrument: Instrument, ts_init: int
) -> BinanceBar:
    """One row of ``GET /api/v3/klines``: ``[open time, o, h, l, c, v, close time, quote volume,
    trades, taker buy base, taker buy quote, ignore]``. ``ts_event`` is the close time + 1 ms
    (the bar's end), as Binance's close time is the last millisecond inside the bar."""
    pp, sp = instrument.price_precision, instrument.size_precision
    return BinanceBar(  # type: ignore[call-arg]  # inherited fields: see datatypes.py
        bar_type=bar_type,
        open=Price.from_str(row[1], pp),
        high=Price.from_str(row[2], pp),
        low=Price.from_str(row[3], pp),
        close=Price.from_str(row[4], pp),
        volume=Quantity.from_str(row[5], sp),
        ts_event=ms_to_ns(int(row[6]) + 1),
        ts_init=ts_init,
        quote_volume=Decimal(row[7]),
        count=int(row[8]),
        taker_buy_base_volume=Decimal(row[9]),
        taker_buy_quote_volume=Decimal(row[10]),
    )


def interval_of(bar_type: BarType) -> str:
    """The Binance kline interval of a bar type (``1-MINUTE-LAST`` -> ``1m``)."""
    from tradeport_binance.enums import KLINE_INTERVALS

    spec = bar_type.spec
    try:
        return KLINE_INTERVALS[(spec.step, spec.aggregation)]
    except KeyError:
        raise ValueError(f"Binance has no kline interval for {spec}") from None


def parse_ticker_24h(
    record: Mapping[str, Any], instrument_id: InstrumentId, ts_init: int
) -> BinanceTicker:
    """``GET /api/v3/ticker/24hr`` (REST field names) as a BinanceTicker."""

    def dec(name: str) -> Decimal | None:
        value = record.get(name)
        return Decimal(value) if _present(value) else None

    return BinanceTicker(  # type: ignore[call-arg]  # inherited fields: see datatypes.py
        instrument_id=instrument_id,
        price_change=Decimal(record["priceChange"]),
        price_change_percent=Decimal(record["priceChangePercent"]),
        weighted_avg_price=Decimal(record["weightedAvgPrice"]),
        last_price=Decimal(record["lastPrice"]),
        last_qty=Decimal(record["lastQty"]),
        open_price=Decimal(record["openPrice"]),
        high_price=Decimal(record["highPrice"]),
        low_price=Decimal(record["lowPrice"]),
        volume=Decimal(record["volume"]),
        quote_volume=Decimal(record["quoteVolume"]),
        open_time_ms=int(record["openTime"]),
        close_time_ms=int(record["closeTime"]),
        first_trade_id=int(record["firstId"]),
        last_trade_id=int(record["lastId"]),
        count=int(record["count"]),
        bid_price=dec("bidPrice"),
        bid_qty=dec("bidQty"),
        ask_price=dec("askPrice"),
        ask_qty=dec("askQty"),
        ts_event=ms_to_ns(record["closeTime"]),
        ts_init=ts_init,
    )


_LIMIT_PRICED = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED})
_TRIGGERED = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_MARKET,
    }
)


def _price_or_none(value: Any, precision: int) -> Price | None:
    """A price at the instrument's precision; None for missing or zero (Binance's "no price")."""
    if not _present(value):
        return None
    price = Price(str(value))
    if not price:
        return None
    try:
        return price.rescale(precision)
    except ValueError:  # more digits than the instrument has: keep the venue's value exactly
        return price


def parse_order_status_report(
    record: Mapping[str, Any],
    instrument: Instrument,
    ts_init: int,
    *,
    futures: bool = False,
    account_id: AccountId | None = None,
) -> OrderStatusReport:
    """An order of ``GET /api/v3/order`` / ``openOrders`` / ``allOrders`` (or the futures
    equivalents, or the RESULT/FULL answer of ``POST .../order``)."""
    raw_type = record["type"]
    type_map = FUTURES_ORDER_TYPE_FROM_BINANCE if futures else SPOT_ORDER_TYPE_FROM_BINANCE
    order_type = type_map[raw_type]
    raw_tif = record.get("timeInForce") or "GTC"
    tif = TIME_IN_FORCE_FROM_BINANCE[raw_tif]
    pp, sp = instrument.price_precision, instrument.size_precision
    quantity = Quantity.from_str(record["origQty"], sp)
    filled = Quantity.from_str(record["executedQty"], sp)
    status = ORDER_STATUS_FROM_BINANCE[record["status"]]
    if status is OrderStatus.ACCEPTED and filled:
        status = OrderStatus.PARTIALLY_FILLED
    price = _price_or_none(record.get("price"), pp) if order_type in _LIMIT_PRICED else None
    trigger = _price_or_none(record.get("stopPrice"), pp) if order_type in _TRIGGERED else None
    avg_px: Decimal | None = None
    if _present(record.get("avgPrice")) and Decimal(record["avgPrice"]):
        avg_px = Decimal(record["avgPrice"])
    elif (
        filled
        and _present(record.get("cummulativeQuoteQty"))
        and Decimal(record["cummulativeQuoteQty"]) > 0
    ):
        avg_px = Decimal(record["cummulativeQuoteQty"]) / filled.as_decimal()
    trailing: Decimal | None = None
    if _present(record.get("priceRate")):
        # Futures callbackRate is a percentage (1 = 1%); tradeport trails in basis points.
        trailing = Decimal(record["priceRate"]) * 100
    ts_accepted = ms_to_ns(
        record.get("time") or record.get("transactTime") or record.get("updateTime")
    )
    ts_last = ms_to_ns(record.get("updateTime") or record.get("transactTime") or record.get("time"))
    list_id = record.get("orderListId")
    position_side = record.get("positionSide")
    expire = record.get("goodTillDate")
    iceberg = record.get("icebergQty")
    display = Quantity.from_str(iceberg, sp) if _present(iceberg) and Decimal(iceberg) else None
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        client_order_id=ClientOrderId(record["clientOrderId"])
        if _present(record.get("clientOrderId"))
        else None,
        venue_order_id=VenueOrderId(str(record["orderId"])),
        order_list_id=OrderListId(str(list_id))
        if isinstance(list_id, int) and list_id >= 0
        else None,
        venue_position_id=PositionId(position_side) if position_side in ("LONG", "SHORT") else None,
        order_side=SIDE_FROM_BINANCE[record["side"]],
        order_type=order_type,
        time_in_force=tif,
        order_status=status,
        quantity=quantity,
        filled_qty=filled,
        price=price,
        trigger_price=trigger,
        trailing_offset=trailing,
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS if trailing is not None else None,
        avg_px=avg_px,
        display_qty=display,
        expire_time_ns=(ms_to_ns(int(expire)) or None)
        if tif is TimeInForce.GTD and _present(expire)
        else None,
        post_only=raw_type == "LIMIT_MAKER" or raw_tif == "GTX",
        reduce_only=bool(record.get("reduceOnly", False)),
        ts_accepted=ts_accepted,
        ts_last=ts_last or ts_accepted,
        ts_init=ts_init,
    )


def parse_fill_report(
    record: Mapping[str, Any],
    instrument: Instrument,
    ts_init: int,
    *,
    account_id: AccountId | None = None,
) -> FillReport:
    """One trade of ``GET /api/v3/myTrades`` or ``GET /fapi/v1/userTrades``.

    Spot says ``isBuyer``/``isMaker``; futures ``side``/``maker`` and ``positionSide``.
    """
    if "side" in record:
        side = SIDE_FROM_BINANCE[record["side"]]
        maker = bool(record.get("maker"))
    else:
        side = OrderSide.BUY if record["isBuyer"] else OrderSide.SELL
        maker = bool(record["isMaker"])
    commission_asset = record.get("commissionAsset") or instrument.settlement_currency
    position_side = record.get("positionSide")
    return FillReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(str(record["orderId"])),
        client_order_id=None,
        venue_position_id=PositionId(position_side) if position_side in ("LONG", "SHORT") else None,
        trade_id=TradeId(str(record["id"])),
        order_side=side,
        last_qty=Quantity.from_str(record["qty"], instrument.size_precision),
        last_px=Price.from_str(record["price"], instrument.price_precision),
        commission=Money(record.get("commission") or "0", commission_asset),
        liquidity_side=LiquiditySide.MAKER if maker else LiquiditySide.TAKER,
        ts_event=ms_to_ns(record["time"]),
        ts_init=ts_init,
    )


def parse_position_status_report(
    record: Mapping[str, Any],
    instrument: Instrument,
    ts_init: int,
    *,
    account_id: AccountId | None = None,
) -> PositionStatusReport:
    """One entry of ``GET /fapi/v2/positionRisk`` or ``/dapi/v1/positionRisk`` (signed
    ``positionAmt``). ``unRealizedProfit`` is in the margin asset: USDT on USD-M, the base coin
    on COIN-M (BTC for BTCUSD_PERP)."""
    amount = Decimal(record["positionAmt"])
    side = (
        PositionSide.FLAT
        if amount == 0
        else PositionSide.LONG
        if amount > 0
        else PositionSide.SHORT
    )
    sp = instrument.size_precision
    quantity = Quantity.from_decimal(abs(amount), sp) if amount else Quantity.from_raw(0, sp)
    entry = Decimal(record["entryPrice"]) if _present(record.get("entryPrice")) else None
    pnl = record.get("unRealizedProfit")
    hedge_side = record.get("positionSide")
    return PositionStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_position_id=PositionId(hedge_side) if hedge_side in ("LONG", "SHORT") else None,
        position_side=side,
        quantity=quantity,
        avg_px_open=entry if entry else None,
        unrealized_pnl=Money(pnl, instrument.settlement_currency) if _present(pnl) else None,
        ts_last=ms_to_ns(record.get("updateTime")) or ts_init,
        ts_init=ts_init,
    )


def _balance(asset: str, free: str, locked: str) -> AccountBalance:
    free_d, locked_d = Decimal(free), Decimal(locked)
    total = free_d + locked_d
    return AccountBalance(Money(total, asset), Money(locked_d, asset), Money(free_d, asset))


def parse_spot_account_state(
    payload: Mapping[str, Any],
    account_id: AccountId,
    ts_init: int,
    *,
    margin: bool = False,
) -> AccountState:
    """``GET /api/v3/account`` (``balances``: asset, free, locked), cross margin
    ``GET /sapi/v1/margin/account`` (``userAssets``) or isolated margin
    ``GET /sapi/v1/margin/isolated/account`` (``assets``: per pair a ``baseAsset`` and a
    ``quoteAsset`` record); zero balances are dropped."""
    balances = []
    entries = payload.get("balances", payload.get("userAssets"))
    if entries is None:
        entries = [
            record
            for pair in payload.get("assets", ())
            for record in (pair["baseAsset"], pair["quoteAsset"])
        ]
    for entry in entries:
        free, locked = entry["free"], entry["locked"]
        if Decimal(free) == 0 and Decimal(locked) == 0:
            continue
        balances.append(_balance(entry["asset"], free, locked))
    return AccountState(
        account_id=account_id,
        account_type=AccountType.MARGIN if margin else AccountType.CASH,
        balances=tuple(balances),
        ts_event=ms_to_ns(payload.get("updateTime")) or ts_init,
        ts_init=ts_init,
    )


def parse_futures_account_state(
    payload: Mapping[str, Any], account_id: AccountId, ts_init: int
) -> AccountState:
    """``GET /fapi/v2/account``: per asset ``walletBalance`` and ``availableBalance``; what is
    not available is reported as locked (margin in use)."""
    balances = []
    for entry in payload.get("assets", ()):
        wallet = Decimal(entry["walletBalance"])
        if wallet == 0:
            continue
        available = Decimal(
            entry.get("availableBalance") or entry.get("maxWithdrawAmount") or wallet
        )
        free = min(max(available, _ZERO), wallet) if wallet > 0 else wallet
        balances.append(
            AccountBalance(
                Money(wallet, entry["asset"]),
                Money(wallet - free, entry["asset"]),
                Money(free, entry["asset"]),
            )
        )
    return AccountState(
        account_id=account_id,
        account_type=AccountType.MARGIN,
        balances=tuple(balances),
        ts_event=ms_to_ns(payload.get("updateTime")) or ts_init,
        ts_init=ts_init,
    )


__all__ += ["interval_of", "KLINE_INTERVAL_SPECS"]
