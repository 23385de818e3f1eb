"""Rendering of simulated-exchange records in Bybit's v5 shapes (the mock venue's encoder).

Field names and value spellings follow the documented examples in tests/test_data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeport.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    ProductType,
    TimeInForce,
    TriggerType,
)
from tradeport_conformance.simulated import (
    CancelCause,
    SimBalance,
    SimFill,
    SimInstrument,
    SimOrder,
    SimPosition,
)

__all__ = [
    "category_of",
    "ms",
    "render_instrument",
    "render_order",
    "render_execution",
    "render_position",
    "render_wallet",
    "text",
]

_SIDE = {OrderSide.BUY: "Buy", OrderSide.SELL: "Sell"}
_TRIGGER = {
    TriggerType.DEFAULT: "LastPrice",
    TriggerType.LAST_PRICE: "LastPrice",
    TriggerType.MARK_PRICE: "MarkPrice",
    TriggerType.INDEX_PRICE: "IndexPrice",
}
_TIF = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK"}
_MARKET_TYPES = frozenset({OrderType.MARKET, OrderType.STOP_MARKET, OrderType.MARKET_IF_TOUCHED})


def ms(ns: int) -> int:
    """Nanoseconds as Bybit milliseconds."""
    return ns // 1_000_000


def text(value: Decimal | None) -> str:
    """A decimal as Bybit writes it (``""`` when missing), without exponent notation."""
    if value is None:
        return ""
    return format(value, "f")


def category_of(instrument: SimInstrument) -> str:
    """The Bybit category the mock lists ``instrument`` under."""
    return str(instrument.meta["category"])


def render_instrument(inst: SimInstrument, launch_ms: int) -> dict[str, Any]:
    """An instruments-info record of the instrument's category."""
    category = category_of(inst)
    tick = text(inst.tick_size)
    step = text(inst.lot_size)
    if category == "spot":
        return {
            "symbol": inst.symbol,
            "baseCoin": inst.base_asset,
            "quoteCoin": inst.quote_asset,
            "innovation": "0",
            "status": "Trading",
            "marginTrading": "utaOnly",
            "stTag": "0",
            "lotSizeFilter": {
                "basePrecision": step,
                "quotePrecision": "0.0000001",
                "minOrderQty": text(inst.min_qty or inst.lot_size),
                "maxOrderQty": text(inst.max_qty or Decimal(1000)),
                "minOrderAmt": text(inst.min_notional),
                "maxOrderAmt": "8000000",
            },
            "priceFilter": {"tickSize": tick},
            "symbolType": "",
        }
    if category == "option":
        return {
            "symbol": inst.symbol,
            "status": "Trading",
            "baseCoin": inst.base_asset,
            "quoteCoin": inst.quote_asset,
            "settleCoin": inst.settlement_asset,
            "optionsType": inst.meta["options_type"],
            "launchTime": str(launch_ms),
            "deliveryTime": str(inst.meta["delivery_ms"]),
            "deliveryFeeRate": "0.00015",
            "priceFilter": {"minPrice": tick, "maxPrice": "1110000", "tickSize": tick},
            "lotSizeFilter": {
                "maxOrderQty": text(inst.max_qty or Decimal(500)),
                "minOrderQty": text(inst.min_qty or inst.lot_size),
                "qtyStep": step,
            },
            "displayName": inst.symbol,
        }
    perpetual = inst.product_type is ProductType.PERPETUAL
    inverse = category == "inverse"
    contract = ("Inverse" if inverse else "Linear") + ("Perpetual" if perpetual else "Futures")
    return {
        "symbol": inst.symbol,
        "contractType": contract,
        "status": "Trading",
        "baseCoin": inst.base_asset,
        "quoteCoin": inst.quote_asset,
        "launchTime": str(launch_ms),
        "deliveryTime": "0" if perpetual else str(inst.meta["delivery_ms"]),
        "deliveryFeeRate": "",
        "priceScale": str(inst.price_precision),
        "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
        "priceFilter": {"minPrice": tick, "maxPrice": "1999999.80", "tickSize": tick},
        "lotSizeFilter": {
            "maxOrderQty": text(inst.max_qty or Decimal(1190)),
            "minOrderQty": text(inst.min_qty or inst.lot_size),
            "qtyStep": step,
            "postOnlyMaxOrderQty": text(inst.max_qty or Decimal(1190)),
            "maxMktOrderQty": text(inst.max_qty or Decimal(500)),
            "minNotionalValue": text(inst.min_notional),
        },
        "unifiedMarginTrade": True,
        "fundingInterval": 480,
        "settleCoin": inst.settlement_asset,
        "copyTrading": "both",
        "upperFundingRate": "0.00375",
        "lowerFundingRate": "-0.00375",
        "isPreListing": False,
        "preListingInfo": None,
        "symbolType": "",
    }


def _venue_status(order: SimOrder) -> str:
    status = order.status
    if status in (OrderStatus.ACCEPTED, OrderStatus.SUBMITTED):
        return "Untriggered" if order.is_conditional and order.ts_triggered is None else "New"
    if status is OrderStatus.TRIGGERED:
        return "Triggered"
    if status is OrderStatus.PARTIALLY_FILLED:
        return "PartiallyFilled"
    if status is OrderStatus.FILLED:
        return "Filled"
    if status is OrderStatus.REJECTED:
        return "Rejected"
    # CANCELED, EXPIRED (Bybit has no expiry of its own).
    if order.filled_qty > 0 and order.order_type not in _MARKET_TYPES:
        return "PartiallyFilledCanceled"
    return "Cancelled"


def _trigger_direction(order: SimOrder) -> int:
    if order.trigger_price is None:
        return 0
    stop = order.order_type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)
    buy = order.side is OrderSide.BUY
    rises = buy if stop else not buy
    return 1 if rises else 2


def _position_idx(order_side: PositionSide | None) -> int:
    if order_side is PositionSide.LONG:
        return 1
    if order_side is PositionSide.SHORT:
        return 2
    return 0


def render_order(order: SimOrder, inst: SimInstrument) -> dict[str, Any]:
    """An order record (``/v5/order/realtime`` item and stream ``order`` item)."""
    reject = "EC_NoError"
    if order.cancel_cause is CancelCause.POST_ONLY_WOULD_CROSS:
        reject = "EC_PostOnlyWillTakeLiquidity"
    elif order.status is OrderStatus.REJECTED:
        reject = "EC_Others"
    cancel_type = (
        {
            CancelCause.CLIENT: "CancelByUser",
            CancelCause.UNFILLED_REMAINDER: "CancelByUser",
            CancelCause.REDUCE_ONLY: "CancelByReduceOnly",
            CancelCause.VENUE: "CancelByAdmin",
        }.get(order.cancel_cause, "UNKNOWN")
        if order.cancel_cause is not None
        else "UNKNOWN"
    )
    tif = "PostOnly" if order.post_only else _TIF.get(order.time_in_force, "GTC")
    return {
        "category": category_of(inst),
        "symbol": order.symbol,
        "orderId": order.venue_order_id,
        "orderLinkId": order.client_order_id or "",
        "blockTradeId": "",
        "price": text(order.price) if order.price is not None else "0",
        "qty": text(order.quantity),
        "side": _SIDE[order.side],
        "isLeverage": "",
        "positionIdx": _position_idx(order.position_side),
        "orderStatus": _venue_status(order),
        "cancelType": cancel_type,
        "rejectReason": reject,
        "avgPrice": text(order.avg_px) if order.avg_px is not None else "",
        "leavesQty": text(order.leaves_qty if order.is_open else Decimal(0)),
        "leavesValue": "0",
        "cumExecQty": text(order.filled_qty),
        "cumExecValue": text(order.filled_quote),
        "cumExecFee": text(order.commission),
        "timeInForce": tif,
        "orderType": "Market" if order.order_type in _MARKET_TYPES else "Limit",
        "stopOrderType": "Stop" if order.is_conditional else "",
        "orderIv": "",
        "triggerPrice": text(order.trigger_price) if order.trigger_price is not None else "",
        "takeProfit": "",
        "stopLoss": "",
        "tpTriggerBy": "",
        "slTriggerBy": "",
        "triggerDirection": _trigger_direction(order),
        "triggerBy": _TRIGGER[order.trigger_type] if order.trigger_price is not None else "",
        "lastPriceOnCreated": "",
        "reduceOnly": order.reduce_only,
        "closeOnTrigger": False,
        "smpType": "None",
        "smpGroup": 0,
        "smpOrderId": "",
        "tpslMode": "",
        "tpLimitPrice": "",
        "slLimitPrice": "",
        "placeType": "",
        "createdTime": str(ms(order.ts_created)),
        "updatedTime": str(ms(order.ts_updated or order.ts_created)),
    }


def render_execution(
    fill: SimFill, order: SimOrder | None, inst: SimInstrument, *, with_fee_currency: bool
) -> dict[str, Any]:
    """An execution record (``/v5/execution/list`` item and stream ``execution`` item)."""
    record: dict[str, Any] = {
        "category": category_of(inst),
        "symbol": fill.symbol,
        "execFee": text(fill.commission),
        "execId": fill.trade_id,
        "execPrice": text(fill.price),
        "execQty": text(fill.quantity),
        "execType": "Trade",
        "execValue": text(fill.quote_quantity),
        "isMaker": fill.liquidity_side is LiquiditySide.MAKER,
        "feeRate": text(
            inst.maker_fee if fill.liquidity_side is LiquiditySide.MAKER else inst.taker_fee
        ),
        "tradeIv": "",
        "markIv": "",
        "blockTradeId": "",
        "markPrice": "",
        "indexPrice": "",
        "underlyingPrice": "",
        "leavesQty": text(order.leaves_qty) if order is not None else "0",
        "orderId": fill.venue_order_id,
        "orderLinkId": fill.client_order_id or "",
        "orderPrice": text(order.price) if order is not None and order.price is not None else "",
        "orderQty": text(order.quantity) if order is not None else "",
        "orderType": (
            "Market" if order is not None and order.order_type in _MARKET_TYPES else "Limit"
        ),
        "stopOrderType": "UNKNOWN",
        "side": _SIDE[fill.side],
        "execTime": str(ms(fill.ts)),
        "isLeverage": "0",
        "seq": 0,
    }
    if with_fee_currency:
        record["feeCurrency"] = fill.commission_asset
    if fill.position_side is not None:
        record["positionIdx"] = _position_idx(fill.position_side)
    return record


def render_position(
    position: SimPosition, inst: SimInstrument, mark: Decimal | None, *, rest: bool
) -> dict[str, Any]:
    """A position record (``/v5/position/list`` item when ``rest``, else stream ``position``)."""
    side = {PositionSide.LONG: "Buy", PositionSide.SHORT: "Sell"}.get(position.side, "")
    record: dict[str, Any] = {
        "category": category_of(inst),
        "symbol": position.symbol,
        "positionIdx": _position_idx(position.position_side),
        "tradeMode": 0,
        "riskId": 1,
        "riskLimitValue": "2000000",
        "side": side,
        "size": text(position.quantity),
        "positionValue": text(position.quantity * position.avg_entry_price),
        "leverage": "10",
        "positionBalance": text(position.margin),
        "markPrice": text(mark) if mark is not None else "",
        "positionIM": text(position.margin),
        "positionMM": "0",
        "takeProfit": "0",
        "stopLoss": "0",
        "trailingStop": "0",
        "unrealisedPnl": text(position.unrealized_pnl),
        "cumRealisedPnl": text(position.realized_pnl),
        "createdTime": str(ms(position.ts_opened or position.ts_updated)),
        "updatedTime": str(ms(position.ts_updated)),
        "tpslMode": "Full",
        "liqPrice": "",
        "bustPrice": "",
        "positionStatus": "Normal",
        "adlRankIndicator": 0,
        "autoAddMargin": 0,
        "seq": 0,
        "isReduceOnly": False,
    }
    record["avgPrice" if rest else "entryPrice"] = text(position.avg_entry_price)
    return record


def render_wallet(balances: list[SimBalance]) -> dict[str, Any]:
    """One UNIFIED wallet record with every coin."""
    coins = [
        {
            "coin": b.asset,
            "equity": text(b.total),
            "usdValue": "0",
            "walletBalance": text(b.total),
            "availableToWithdraw": text(b.free),
            "availableToBorrow": "0",
            "borrowAmount": "0",
            "accruedInterest": "0",
            "totalOrderIM": "0",
            "totalPositionIM": "0",
            "totalPositionMM": "0",
            "unrealisedPnl": "0",
            "cumRealisedPnl": "0",
            "bonus": "0",
            "collateralSwitch": True,
            "marginCollateral": True,
            "locked": text(b.locked),
        }
        for b in balances
    ]
    return {
        "accountIMRate": "0",
        "accountMMRate": "0",
        "totalEquity": "0",
        "totalWalletBalance": "0",
        "totalMarginBalance": "0",
        "totalAvailableBalance": "0",
        "totalPerpUPL": "0",
        "totalInitialMargin": "0",
        "totalMaintenanceMargin": "0",
        "coin": coins,
        "accountLTV": "0",
        "accountType": "UNIFIED",
    }
