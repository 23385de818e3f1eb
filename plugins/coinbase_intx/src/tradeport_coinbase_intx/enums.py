"""The venue's enumeration values and their explicit maps to the domain model.

Every map is a plain dict in both directions where both are needed: a value the venue adds
later fails loudly (KeyError naming it) instead of being guessed.
"""

from __future__ import annotations

from typing import Final

from tradeport.model.enums import (
    AggressorSide,
    BarAggregation,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    ProductType,
    TimeInForce,
)

__all__ = [
    "AGGRESSOR_SIDE",
    "BAR_INTERVALS",
    "INTERVAL_OF",
    "LIQUIDITY_SIDE",
    "ORDER_SIDE",
    "ORDER_STATUS",
    "ORDER_TYPE",
    "POSITION_SIDE",
    "PRODUCT_TYPE",
    "TIME_IN_FORCE",
    "VENUE_ORDER_SIDE",
    "VENUE_ORDER_TYPE",
    "VENUE_PRODUCT_TYPE",
    "VENUE_TIME_IN_FORCE",
]

ORDER_SIDE: Final = {"buy": OrderSide.BUY, "sell": OrderSide.SELL}
VENUE_ORDER_SIDE: Final = {v: k for k, v in ORDER_SIDE.items()}

#: A trade's ``side`` is the taker's side: who crossed the spread.
AGGRESSOR_SIDE: Final = {"buy": AggressorSide.BUYER, "sell": AggressorSide.SELLER}

ORDER_TYPE: Final = {
    "limit": OrderType.LIMIT,
    "market": OrderType.MARKET,
    "stop_market": OrderType.STOP_MARKET,
    "stop_limit": OrderType.STOP_LIMIT,
}
VENUE_ORDER_TYPE: Final = {v: k for k, v in ORDER_TYPE.items()}

TIME_IN_FORCE: Final = {
    "gtc": TimeInForce.GTC,
    "ioc": TimeInForce.IOC,
    "fok": TimeInForce.FOK,
    "gtd": TimeInForce.GTD,
}
VENUE_TIME_IN_FORCE: Final = {v: k for k, v in TIME_IN_FORCE.items()}

#: ``untriggered`` is a stop order waiting for its trigger: working, so ACCEPTED.
ORDER_STATUS: Final = {
    "new": OrderStatus.ACCEPTED,
    "untriggered": OrderStatus.ACCEPTED,
    "triggered": OrderStatus.TRIGGERED,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}

LIQUIDITY_SIDE: Final = {"maker": LiquiditySide.MAKER, "taker": LiquiditySide.TAKER}

POSITION_SIDE: Final = {
    "long": PositionSide.LONG,
    "short": PositionSide.SHORT,
    "flat": PositionSide.FLAT,
}

PRODUCT_TYPE: Final = {"spot": ProductType.SPOT, "perpetual": ProductType.PERPETUAL}
VENUE_PRODUCT_TYPE: Final = {v: k for k, v in PRODUCT_TYPE.items()}

#: Bar intervals the venue offers: name -> (step, aggregation).
BAR_INTERVALS: Final = {
    "1m": (1, BarAggregation.MINUTE),
    "3m": (3, BarAggregation.MINUTE),
    "5m": (5, BarAggregation.MINUTE),
    "15m": (15, BarAggregation.MINUTE),
    "30m": (30, BarAggregation.MINUTE),
    "1h": (1, BarAggregation.HOUR),
    "4h": (4, BarAggregation.HOUR),
    "1d": (1, BarAggregation.DAY),
}
INTERVAL_OF: Final = {v: k for k, v in BAR_INTERVALS.items()}
