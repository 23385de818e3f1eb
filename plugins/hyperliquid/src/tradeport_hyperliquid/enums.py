"""Hyperliquid's enum values and explicit maps to and from the domain model.

An unknown venue value raises ``KeyError`` in the parser that met it (the record is then
skipped and counted) instead of silently becoming something else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from tradeport.model.enums import AggressorSide, OrderSide, OrderStatus, OrderType

__all__ = [
    "HyperliquidTif",
    "SIDE_FROM_VENUE",
    "SIDE_TO_VENUE",
    "AGGRESSOR_FROM_VENUE",
    "ORDER_STATUS_FROM_VENUE",
    "TRIGGER_KIND",
    "ORDER_TYPE_FROM_VENUE",
    "CANDLE_INTERVALS",
]


class HyperliquidTif(StrEnum):
    """Limit order time in force (``t.limit.tif``)."""

    GTC = "Gtc"
    IOC = "Ioc"
    ALO = "Alo"  # add liquidity only: post-only


#: ``side`` of orders and fills: ``B`` bid (buy), ``A`` ask (sell).
SIDE_FROM_VENUE: Final = {"B": OrderSide.BUY, "A": OrderSide.SELL}
SIDE_TO_VENUE: Final = {OrderSide.BUY: "B", OrderSide.SELL: "A"}
#: ``side`` of a public trade is the aggressor's.
AGGRESSOR_FROM_VENUE: Final = {"B": AggressorSide.BUYER, "A": AggressorSide.SELLER}

#: Order statuses of ``orderUpdates`` and ``orderStatus`` (docs: "Info endpoint", order
#: statuses). Every ``*Canceled`` / ``*Rejected`` variant names its cause.
ORDER_STATUS_FROM_VENUE: Final = {
    "open": OrderStatus.ACCEPTED,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "triggered": OrderStatus.TRIGGERED,
    "rejected": OrderStatus.REJECTED,
    "marginCanceled": OrderStatus.CANCELED,
    "vaultWithdrawalCanceled": OrderStatus.CANCELED,
    "openInterestCapCanceled": OrderStatus.CANCELED,
    "selfTradeCanceled": OrderStatus.CANCELED,
    "reduceOnlyCanceled": OrderStatus.CANCELED,
    "siblingFilledCanceled": OrderStatus.CANCELED,
    "delistedCanceled": OrderStatus.CANCELED,
    "liquidatedCanceled": OrderStatus.CANCELED,
    "scheduledCancel": OrderStatus.CANCELED,
    "tickRejected": OrderStatus.REJECTED,
    "minTradeNtlRejected": OrderStatus.REJECTED,
    "perpMarginRejected": OrderStatus.REJECTED,
    "reduceOnlyRejected": OrderStatus.REJECTED,
    "badAloPxRejected": OrderStatus.REJECTED,
    "iocCancelRejected": OrderStatus.REJECTED,
    "badTriggerPxRejected": OrderStatus.REJECTED,
    "marketOrderNoLiquidityRejected": OrderStatus.REJECTED,
    "positionIncreaseAtOpenInterestCapRejected": OrderStatus.REJECTED,
    "positionFlipAtOpenInterestCapRejected": OrderStatus.REJECTED,
    "tooAggressiveAtOpenInterestCapRejected": OrderStatus.REJECTED,
    "openInterestIncreaseRejected": OrderStatus.REJECTED,
    "insufficientSpotBalanceRejected": OrderStatus.REJECTED,
    "oracleRejected": OrderStatus.REJECTED,
    "perpMaxPositionRejected": OrderStatus.REJECTED,
}

#: tradeport trigger order types -> Hyperliquid ``tpsl`` and whether it executes as market.
#: A stop ("sl") buys above / sells below the market; an if-touched order ("tp") the reverse.
TRIGGER_KIND: Final = {
    OrderType.STOP_MARKET: ("sl", True),
    OrderType.STOP_LIMIT: ("sl", False),
    OrderType.MARKET_IF_TOUCHED: ("tp", True),
    OrderType.LIMIT_IF_TOUCHED: ("tp", False),
}

#: ``orderType`` of ``frontendOpenOrders`` / ``orderStatus`` records.
ORDER_TYPE_FROM_VENUE: Final = {
    "Limit": OrderType.LIMIT,
    "Market": OrderType.MARKET,
    "Stop Market": OrderType.STOP_MARKET,
    "Stop Limit": OrderType.STOP_LIMIT,
    "Take Profit Market": OrderType.MARKET_IF_TOUCHED,
    "Take Profit Limit": OrderType.LIMIT_IF_TOUCHED,
}
ORDER_TYPE_TO_VENUE: Final = {v: k for k, v in ORDER_TYPE_FROM_VENUE.items()}

#: Candle intervals (docs: "candleSnapshot", "candle" subscription) and their length in ms.
CANDLE_INTERVALS: Final = {
    "1m": 60_000,
    "3m": 3 * 60_000,
    "5m": 5 * 60_000,
    "15m": 15 * 60_000,
    "30m": 30 * 60_000,
    "1h": 3_600_000,
    "2h": 2 * 3_600_000,
    "4h": 4 * 3_600_000,
    "8h": 8 * 3_600_000,
    "12h": 12 * 3_600_000,
    "1d": 86_400_000,
    "3d": 3 * 86_400_000,
    "1w": 7 * 86_400_000,
}
