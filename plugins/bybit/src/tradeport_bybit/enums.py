"""Bybit's enum values and explicit maps to and from the domain model.

Values are those of https://bybit-exchange.github.io/docs/v5/enum. Every map is explicit: an
unknown venue value raises ``KeyError`` in the parser that met it (which counts it and skips
the record) instead of silently becoming something else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from tradeport.model.enums import (
    AggressorSide,
    OptionKind,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    ProductType,
    TimeInForce,
    TriggerType,
)

__all__ = [
    "BybitCategory",
    "BybitOrderSide",
    "BybitOrderType",
    "BybitTimeInForce",
    "BybitOrderStatus",
    "BybitTriggerBy",
    "CATEGORY_SUFFIX",
    "SUFFIX_CATEGORY",
    "ORDER_SIDE_FROM_VENUE",
    "ORDER_SIDE_TO_VENUE",
    "AGGRESSOR_FROM_VENUE",
    "ORDER_STATUS_FROM_VENUE",
    "TIME_IN_FORCE_FROM_VENUE",
    "TIME_IN_FORCE_TO_VENUE",
    "TRIGGER_FROM_VENUE",
    "TRIGGER_TO_VENUE",
    "OPTION_KIND_FROM_VENUE",
    "POSITION_SIDE_FROM_VENUE",
    "CONTRACT_TYPE_PRODUCT",
]


class BybitCategory(StrEnum):
    """The v5 product categories (``category`` parameter)."""

    SPOT = "spot"
    LINEAR = "linear"
    INVERSE = "inverse"
    OPTION = "option"


class BybitOrderSide(StrEnum):
    BUY = "Buy"
    SELL = "Sell"


class BybitOrderType(StrEnum):
    MARKET = "Market"
    LIMIT = "Limit"


class BybitTimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    POST_ONLY = "PostOnly"
    RPI = "RPI"


class BybitOrderStatus(StrEnum):
    CREATED = "Created"
    NEW = "New"
    REJECTED = "Rejected"
    PARTIALLY_FILLED = "PartiallyFilled"
    PARTIALLY_FILLED_CANCELED = "PartiallyFilledCanceled"
    FILLED = "Filled"
    CANCELLED = "Cancelled"
    UNTRIGGERED = "Untriggered"
    TRIGGERED = "Triggered"
    DEACTIVATED = "Deactivated"
    ACTIVE = "Active"


class BybitTriggerBy(StrEnum):
    LAST_PRICE = "LastPrice"
    INDEX_PRICE = "IndexPrice"
    MARK_PRICE = "MarkPrice"


#: Suffix of the instrument id symbol per category: Bybit lists ``BTCUSDT`` both as a spot pair
#: and as a linear perpetual, so the id must say which (``BTCUSDT-SPOT`` / ``BTCUSDT-LINEAR``).
CATEGORY_SUFFIX: Final = {
    BybitCategory.SPOT: "-SPOT",
    BybitCategory.LINEAR: "-LINEAR",
    BybitCategory.INVERSE: "-INVERSE",
    BybitCategory.OPTION: "-OPTION",
}
SUFFIX_CATEGORY: Final = {suffix: category for category, suffix in CATEGORY_SUFFIX.items()}

ORDER_SIDE_FROM_VENUE: Final = {"Buy": OrderSide.BUY, "Sell": OrderSide.SELL}
ORDER_SIDE_TO_VENUE: Final = {OrderSide.BUY: "Buy", OrderSide.SELL: "Sell"}
#: ``S`` of a public trade is the taker's side.
AGGRESSOR_FROM_VENUE: Final = {"Buy": AggressorSide.BUYER, "Sell": AggressorSide.SELLER}

ORDER_STATUS_FROM_VENUE: Final = {
    "Created": OrderStatus.SUBMITTED,
    "New": OrderStatus.ACCEPTED,
    "Rejected": OrderStatus.REJECTED,
    "PartiallyFilled": OrderStatus.PARTIALLY_FILLED,
    "PartiallyFilledCanceled": OrderStatus.CANCELED,
    "Filled": OrderStatus.FILLED,
    "Cancelled": OrderStatus.CANCELED,
    # Conditional orders waiting for their trigger are live and accepted.
    "Untriggered": OrderStatus.ACCEPTED,
    "Triggered": OrderStatus.TRIGGERED,
    "Deactivated": OrderStatus.CANCELED,
    "Active": OrderStatus.ACCEPTED,
}

TIME_IN_FORCE_FROM_VENUE: Final = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    # PostOnly is GTC with the post-only flag; RPI is a post-only market-maker order.
    "PostOnly": TimeInForce.GTC,
    "RPI": TimeInForce.GTC,
}
TIME_IN_FORCE_TO_VENUE: Final = {
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
}

TRIGGER_FROM_VENUE: Final = {
    "LastPrice": TriggerType.LAST_PRICE,
    "IndexPrice": TriggerType.INDEX_PRICE,
    "MarkPrice": TriggerType.MARK_PRICE,
}
TRIGGER_TO_VENUE: Final = {
    TriggerType.DEFAULT: "LastPrice",
    TriggerType.LAST_PRICE: "LastPrice",
    TriggerType.INDEX_PRICE: "IndexPrice",
    TriggerType.MARK_PRICE: "MarkPrice",
}

OPTION_KIND_FROM_VENUE: Final = {"Call": OptionKind.CALL, "Put": OptionKind.PUT}

POSITION_SIDE_FROM_VENUE: Final = {
    "Buy": PositionSide.LONG,
    "Sell": PositionSide.SHORT,
    # An empty side is a flat position (docs: side "" with size "0").
    "": PositionSide.FLAT,
    "None": PositionSide.FLAT,
}

#: ``contractType`` of linear/inverse instruments.
CONTRACT_TYPE_PRODUCT: Final = {
    "LinearPerpetual": ProductType.PERPETUAL,
    "InversePerpetual": ProductType.PERPETUAL,
    "LinearFutures": ProductType.FUTURE,
    "InverseFutures": ProductType.FUTURE,
}

#: Order types of the domain model that map onto Bybit's Market/Limit plus a trigger price.
ORDER_TYPE_TO_VENUE: Final = {
    OrderType.MARKET: "Market",
    OrderType.LIMIT: "Limit",
    OrderType.STOP_MARKET: "Market",
    OrderType.STOP_LIMIT: "Limit",
    OrderType.MARKET_IF_TOUCHED: "Market",
    OrderType.LIMIT_IF_TOUCHED: "Limit",
}
