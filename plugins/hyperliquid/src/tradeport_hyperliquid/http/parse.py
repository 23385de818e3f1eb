"""Pure parsers from Hyperliquid records to the domain model.

The same record shapes arrive from ``/info`` and on the streams (orders, fills, books,
candles), so the stream parsers reuse these. Conventions: times are milliseconds, turned into
UNIX nanoseconds; prices and sizes are decimal strings taking the instrument's precision (a
fill or mark price finer than the instrument's tick keeps its own precision); ``""`` and
``None`` are missing.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDeltas,
    QuoteTick,
    TradeTick,
)
from tradeport.model.decoding import decoder_for
from tradeport.model.enums import (
    AccountType,
    LiquiditySide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from tradeport.model.identifiers import AccountId, ClientOrderId, Symbol, TradeId, VenueOrderId
from tradeport.model.instruments import Instrument, Perpetual, SpotPair
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.reports import (
    AccountBalance,
    AccountState,
    FillReport,
    MarginBalance,
    OrderStatusReport,
    PositionStatusReport,
)

from tradeport_hyperliquid.constants import PERP_MAX_DECIMALS, SPOT_ASSET_OFFSET, SPOT_MAX_DECIMALS
from tradeport_hyperliquid.enums import (
    AGGRESSOR_FROM_VENUE,
    ORDER_STATUS_FROM_VENUE,
    ORDER_TYPE_FROM_VENUE,
    SIDE_FROM_VENUE,
)
from tradeport_hyperliquid.symbology import client_order_id_of, is_cloid, perp_id, spot_id

__all__ = [
    "MS",
    "QUOTE_CURRENCY",
    "FUNDING_INTERVAL_NS",
    "parse_perp_instruments",
    "parse_spot_instruments",
    "parse_perp_instrument",
    "parse_spot_instrument",
    "parse_book",
    "parse_bar",
    "parse_trade_tick",
    "parse_quote_tick",
    "parse_asset_ctx",
    "parse_funding_history",
    "parse_order_status_report",
    "parse_fill_report",
    "parse_position_status_reports",
    "parse_account_state",
]

#: Nanoseconds per millisecond.
MS = 1_000_000
#: Perpetuals are quoted, margined and settled in USDC.
QUOTE_CURRENCY = "USDC"
#: Funding is paid every hour (docs: "Funding").
FUNDING_INTERVAL_NS = 3_600 * 10**9
_ZERO = Decimal(0)


def _now() -> int:
    return time.time_ns()


def _step(precision: int) -> Decimal:
    return Decimal(1).scaleb(-precision)


def _price(instrument: Instrument, text: str | Decimal) -> Price:
    """At the instrument's precision when it fits, else exact (mark, oracle, fill prices)."""
    value = Decimal(text)
    decimals = max(0, -int(value.normalize().as_tuple().exponent))
    if decimals <= instrument.price_precision:
        return instrument.make_price(value)
    return Price(value)


# -- instruments ------------------------------------------------------------------------------


def parse_perp_instrument(
    record: Mapping[str, Any],
    index: int,
    ts_ns: int,
    margin_tables: Mapping[int, Any] | None = None,
) -> Perpetual:
    """One ``meta.universe`` entry (``{"name", "szDecimals", "maxLeverage", ...}``).

    ``index`` is the asset number on the wire (the entry's index, plus the dex's base for a
    HIP-3 dex, whose ``name`` is ``{dex}:{coin}``); prices have at most
    ``6 - szDecimals`` decimals (and 5 significant figures, checked when orders are built).
    """
    coin = str(record["name"])
    sz_decimals = int(record["szDecimals"])
    max_leverage = int(record["maxLeverage"])
    if max_leverage <= 0:
        raise ValueError(f"maxLeverage {max_leverage}")
    price_precision = max(PERP_MAX_DECIMALS - sz_decimals, 0)
    info = dict(record)
    info.update(
        coin=coin,
        asset=index,
        szDecimals=sz_decimals,
        dex=coin.partition(":")[0] if ":" in coin else "",
    )
    table_id = record.get("marginTableId")
    if margin_tables is not None and table_id is not None and int(table_id) in margin_tables:
        info["marginTable"] = margin_tables[int(table_id)]
    return Perpetual(
        id=perp_id(coin),
        raw_symbol=Symbol(coin),
        base_currency=coin.rpartition(":")[2],
        quote_currency=QUOTE_CURRENCY,
        settle_currency=QUOTE_CURRENCY,
        price_precision=price_precision,
        size_precision=sz_decimals,
        price_increment=Price(_step(price_precision), price_precision),
        size_increment=Quantity(_step(sz_decimals), sz_decimals),
        min_notional=Money("10", QUOTE_CURRENCY),
        margin_init=Decimal(1) / Decimal(max_leverage),
        ts_event=ts_ns,
        ts_init=ts_ns,
        info=info,
    )


def parse_perp_instruments(
    meta: Mapping[str, Any], ts_ns: int | None = None, asset_base: int = 0
) -> tuple[list[Perpetual], list[tuple[Any, Exception]]]:
    """Every listed perpetual of a ``meta`` answer, and the records that failed to parse.

    ``asset_base`` is 0 for the main dex, ``100000 + perp_dex_index * 10000`` for a
    builder-deployed (HIP-3) dex, whose coins are named ``{dex}:{coin}``. Delisted coins
    (``isDelisted``) keep their index (asset numbers never shift) but are not returned.
    """
    ts = _now() if ts_ns is None else ts_ns
    tables = {int(entry[0]): entry[1] for entry in meta.get("marginTables") or ()}
    out: list[Perpetual] = []
    failed: list[tuple[Any, Exception]] = []
    for index, record in enumerate(meta.get("universe") or ()):
        if isinstance(record, Mapping) and record.get("isDelisted"):
            continue
        try:
            out.append(parse_perp_instrument(record, asset_base + index, ts, tables))
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            failed.append((record, exc))
    return out, failed


def parse_spot_instrument(
    pair: Mapping[str, Any], tokens: Mapping[int, Mapping[str, Any]], ts_ns: int
) -> SpotPair:
    """One ``spotMeta.universe`` pair (``{"tokens": [base, quote], "name", "index"}``).

    ``name`` is the coin used on the wire (``PURR/USDC``, or ``@{index}``); the asset number is
    ``10000 + index``; sizes step by the base token's ``szDecimals``; prices have at most
    ``8 - szDecimals`` decimals.
    """
    base_index, quote_index = pair["tokens"]
    base, quote = tokens[int(base_index)], tokens[int(quote_index)]
    sz_decimals = int(base["szDecimals"])
    price_precision = max(SPOT_MAX_DECIMALS - sz_decimals, 0)
    index = int(pair["index"])
    info = dict(pair)
    info.update(coin=str(pair["name"]), asset=SPOT_ASSET_OFFSET + index, szDecimals=sz_decimals)
    base_name, quote_name = str(base["name"]), str(quote["name"])
    return SpotPair(
        id=spot_id(base_name, quote_name),
        raw_symbol=Symbol(str(pair["name"])),
        base_currency=base_name,
        quote_currency=quote_name,
        price_precision=price_precision,
        size_precision=sz_decimals,
        price_increment=Price(_step(price_precision), price_precision),
        size_increment=Quantity(_step(sz_decimals), sz_decimals),
        min_notional=Money("10", quote_name),
        ts_event=ts_ns,
        ts_init=ts_ns,
        info=info,
    )


def parse_spot_instruments(
    spot_meta: Mapping[str, Any], ts_ns: int | None = None
) -> tuple[list[SpotPair], list[tuple[Any, Exception]]]:
    """Every spot pair of a ``spotMeta`` answer, and the records that failed to parse."""
    ts = _now() if ts_ns is None else ts_ns
    tokens = {int(t["index"]): t for t in spot_meta.get("tokens") or ()}
    out: list[SpotPair] = []
    failed: list[tuple[Any, Exception]] = []
    for pair in spot_meta.get("universe") or ():
        try:
            out.append(parse_spot_instrument(pair, tokens, ts))
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            failed.append((pair, exc))
    return out, failed


# -- market data -----------------------------------------------------------------------------------


def parse_book(
    record: Mapping[str, Any], instrument: Instrument, ts_init: int | None = None
) -> OrderBookDeltas:
    """An ``l2Book`` record (``{"coin", "time", "levels": [bids, asks]}``, levels
    ``{"px", "sz", "n"}``) as snapshot deltas: every push is a whole book that replaces the last.
    The sequence is the venue's ``time`` (there is no sequence number)."""
    bids, asks = record["levels"]
    time_ms = int(record["time"])
    deltas = decoder_for(instrument).l2_deltas(
        [(level["px"], level["sz"]) for level in bids],
        [(level["px"], level["sz"]) for level in asks],
        time_ms,
        time_ms * MS,
        _now() if ts_init is None else ts_init,
        snapshot=True,
    )
    assert deltas is not None  # a snapshot always has its CLEAR
    return deltas


def parse_bar(
    record: Mapping[str, Any], bar_type: BarType, instrument: Instrument, ts_init: int | None = None
) -> Bar:
    """A candle (``{"t", "T", "s", "i", "o", "c", "h", "l", "v", "n"}``); ``ts_event`` is its
    close (``T`` is the candle's last millisecond)."""
    return Bar(
        bar_type=bar_type,
        open=instrument.make_price(record["o"]),
        high=instrument.make_price(record["h"]),
        low=instrument.make_price(record["l"]),
        close=instrument.make_price(record["c"]),
        volume=instrument.make_qty(record["v"]),
        ts_event=(int(record["T"]) + 1) * MS,
        ts_init=_now() if ts_init is None else ts_init,
    )


def parse_trade_tick(
    record: Mapping[str, Any], instrument: Instrument, ts_init: int | None = None
) -> TradeTick:
    """A ``trades`` item (``{"coin", "side", "px", "sz", "hash", "time", "tid", "users"}``);
    ``side`` is the aggressor's and ``tid`` the trade id."""
    return decoder_for(instrument).trade_tick(
        record["px"],
        record["sz"],
        AGGRESSOR_FROM_VENUE[record["side"]],
        str(record["tid"]),
        int(record["time"]) * MS,
        _now() if ts_init is None else ts_init,
    )


def parse_quote_tick(
    record: Mapping[str, Any], instrument: Instrument, ts_init: int | None = None
) -> QuoteTick | None:
    """A ``bbo`` record (``{"coin", "time", "bbo": [bid | null, ask | null]}``); None while a
    side is empty."""
    bid, ask = record["bbo"]
    if not bid or not ask:
        return None
    return decoder_for(instrument).quote_tick(
        bid["px"],
        ask["px"],
        bid["sz"],
        ask["sz"],
        int(record["time"]) * MS,
        _now() if ts_init is None else ts_init,
    )


def parse_asset_ctx(
    ctx: Mapping[str, Any], instrument: Instrument, ts_event: int, ts_init: int | None = None
) -> list[MarkPriceUpdate | IndexPriceUpdate | FundingRateUpdate]:
    """Mark price, oracle price (as the index) and funding rate of a perp asset context
    (``activeAssetCtx`` ``ctx``, ``metaAndAssetCtxs`` items). The venue gives no next funding
    time; the interval is the venue's hour."""
    init = _now() if ts_init is None else ts_init
    out: list[MarkPriceUpdate | IndexPriceUpdate | FundingRateUpdate] = []
    iid = instrument.id
    if ctx.get("markPx"):
        out.append(MarkPriceUpdate(iid, _price(instrument, ctx["markPx"]), ts_event, init))
    if ctx.get("oraclePx"):
        out.append(IndexPriceUpdate(iid, _price(instrument, ctx["oraclePx"]), ts_event, init))
    if ctx.get("funding") not in (None, ""):
        out.append(
            FundingRateUpdate(
                iid, Decimal(ctx["funding"]), ts_event, init, interval_ns=FUNDING_INTERVAL_NS
            )
        )
    return out


def parse_funding_history(
    records: Sequence[Mapping[str, Any]], instrument: Instrument, ts_init: int | None = None
) -> list[FundingRateUpdate]:
    """A ``fundingHistory`` answer (``[{"coin", "fundingRate", "premium", "time"}]``)."""
    init = _now() if ts_init is None else ts_init
    return [
        FundingRateUpdate(
            instrument.id,
            Decimal(r["fundingRate"]),
            int(r["time"]) * MS,
            init,
            interval_ns=FUNDING_INTERVAL_NS,
        )
        for r in records
    ]


# -- execution ----------------------------------------------------------------------------------------


def _client_order_id(record: Mapping[str, Any]) -> ClientOrderId | None:
    cloid = record.get("cloid")
    return client_order_id_of(cloid) if isinstance(cloid, str) and is_cloid(cloid) else None


_TIF_FROM_VENUE = {
    "Gtc": TimeInForce.GTC,
    "Ioc": TimeInForce.IOC,
    "Alo": TimeInForce.GTC,  # post-only: GTC with the post-only flag
    # Orders of the venue's own front end and liquidations are market orders (IOC).
    "FrontendMarket": TimeInForce.IOC,
    "LiquidationMarket": TimeInForce.IOC,
}


def parse_order_status_report(
    order: Mapping[str, Any],
    instrument: Instrument,
    account_id: AccountId | None = None,
    *,
    status: str = "open",
    status_ms: int | None = None,
    ts_init: int | None = None,
) -> OrderStatusReport:
    """An order record (``frontendOpenOrders`` item, ``orderStatus`` ``order.order``, or the
    ``order`` of an ``orderUpdates`` item) with its venue ``status``.

    ``origSz`` is the size placed and ``sz`` what remains; fewer fields (the stream's basic
    order) mean a plain limit order.
    """
    orig = Decimal(order.get("origSz") or order["sz"])
    remaining = Decimal(order["sz"])
    filled = orig - remaining if orig > remaining else _ZERO
    order_status = ORDER_STATUS_FROM_VENUE[status]
    if order_status is OrderStatus.ACCEPTED and filled > 0:
        order_status = OrderStatus.PARTIALLY_FILLED
    if order_status is OrderStatus.TRIGGERED and filled > 0:
        order_status = OrderStatus.PARTIALLY_FILLED
    order_type = ORDER_TYPE_FROM_VENUE.get(str(order.get("orderType") or "Limit"), OrderType.LIMIT)
    is_trigger = bool(order.get("isTrigger")) or order_type not in (
        OrderType.LIMIT,
        OrderType.MARKET,
    )
    venue_tif = order.get("tif") or "Gtc"
    has_price = order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED)
    trigger = order.get("triggerPx")
    placed_ms = int(order["timestamp"])
    cancel_reason = status if order_status in (OrderStatus.CANCELED, OrderStatus.REJECTED) else None
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        client_order_id=_client_order_id(order),
        venue_order_id=VenueOrderId(str(order["oid"])),
        order_side=SIDE_FROM_VENUE[order["side"]],
        order_type=order_type,
        time_in_force=_TIF_FROM_VENUE.get(str(venue_tif), TimeInForce.GTC),
        order_status=order_status,
        quantity=instrument.make_qty(orig),
        filled_qty=instrument.make_qty(filled),
        price=_price(instrument, order["limitPx"]) if has_price else None,
        trigger_price=_price(instrument, trigger)
        if is_trigger and trigger not in (None, "", "0.0", "0")
        else None,
        post_only=venue_tif == "Alo",
        reduce_only=bool(order.get("reduceOnly")),
        cancel_reason=cancel_reason,
        ts_accepted=placed_ms * MS,
        ts_last=(status_ms if status_ms is not None else placed_ms) * MS,
        ts_init=_now() if ts_init is None else ts_init,
    )


def parse_fill_report(
    record: Mapping[str, Any],
    instrument: Instrument,
    account_id: AccountId | None = None,
    ts_init: int | None = None,
) -> FillReport:
    """A fill (``userFills`` / ``userFillsByTime`` item, ``userFills`` stream fill):
    ``crossed`` is true for the taker; ``fee`` is paid in ``feeToken`` (USDC by default)."""
    return FillReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(str(record["oid"])),
        client_order_id=_client_order_id(record),
        trade_id=TradeId(str(record["tid"])),
        order_side=SIDE_FROM_VENUE[record["side"]],
        last_qty=instrument.make_qty(record["sz"]),
        last_px=_price(instrument, record["px"]),
        commission=Money(record.get("fee") or "0", str(record.get("feeToken") or QUOTE_CURRENCY)),
        liquidity_side=LiquiditySide.TAKER if record.get("crossed") else LiquiditySide.MAKER,
        ts_event=int(record["time"]) * MS,
        ts_init=_now() if ts_init is None else ts_init,
    )


def parse_position_status_reports(
    state: Mapping[str, Any],
    instruments: Mapping[str, Instrument],
    account_id: AccountId | None = None,
    ts_init: int | None = None,
) -> list[PositionStatusReport]:
    """The ``assetPositions`` of a ``clearinghouseState`` answer; ``instruments`` maps the
    wire coin to its instrument (positions of unknown coins are skipped). ``szi`` is signed:
    positive long, negative short."""
    init = _now() if ts_init is None else ts_init
    ts_last = int(state.get("time") or 0) * MS or init
    out = []
    for item in state.get("assetPositions") or ():
        position = item.get("position") or {}
        instrument = instruments.get(str(position.get("coin")))
        if instrument is None:
            continue
        signed = Decimal(position.get("szi") or "0")
        side = (
            PositionSide.LONG
            if signed > 0
            else PositionSide.SHORT
            if signed < 0
            else PositionSide.FLAT
        )
        entry = position.get("entryPx")
        upnl = position.get("unrealizedPnl")
        out.append(
            PositionStatusReport(
                account_id=account_id,
                instrument_id=instrument.id,
                position_side=side,
                quantity=instrument.make_qty(abs(signed)),
                avg_px_open=Decimal(entry) if entry not in (None, "") and signed else None,
                unrealized_pnl=Money(upnl, QUOTE_CURRENCY) if upnl not in (None, "") else None,
                ts_last=ts_last,
                ts_init=init,
            )
        )
    return out


def parse_account_state(
    spot_state: Mapping[str, Any],
    perp_state: Mapping[str, Any] | None,
    account_id: AccountId,
    ts_event: int,
    ts_init: int | None = None,
) -> AccountState:
    """Balances from ``spotClearinghouseState`` (``total``, ``hold`` locked by open orders) and
    the perp account's margin from ``clearinghouseState`` (``marginSummary.totalMarginUsed``
    as initial, ``crossMaintenanceMarginUsed`` as maintenance, in USDC)."""
    balances = []
    for item in spot_state.get("balances") or ():
        currency = str(item["coin"])
        total = Decimal(item.get("total") or "0")
        hold = Decimal(item.get("hold") or "0")
        balances.append(
            AccountBalance(
                total=Money(total, currency),
                locked=Money(hold, currency),
                free=Money(total - hold, currency),
            )
        )
    margins = []
    if perp_state:
        summary = perp_state.get("marginSummary") or {}
        initial = Decimal(summary.get("totalMarginUsed") or "0")
        maint = Decimal(perp_state.get("crossMaintenanceMarginUsed") or "0")
        if initial or maint:
            margins.append(
                MarginBalance(
                    initial=Money(initial, QUOTE_CURRENCY), maintenance=Money(maint, QUOTE_CURRENCY)
                )
            )
    return AccountState(
        account_id=account_id,
        account_type=AccountType.MARGIN,
        balances=tuple(balances),
        margins=tuple(margins),
        reported=True,
        ts_event=ts_event,
        ts_init=_now() if ts_init is None else ts_init,
    )
