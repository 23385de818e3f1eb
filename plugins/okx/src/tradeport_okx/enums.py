"""OKX's enumerations and their explicit maps to the tradeport domain model.

Every map is a plain dict so a value OKX adds later fails loudly (KeyError) in the parser that
reads it instead of being guessed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from tradeport.model.enums import (
    AggressorSide,
    BarAggregation,
    LiquiditySide,
    MarketStatus,
    OptionKind,
    OrderSide,
    OrderStatus,
    OrderType,
    ProductType,
    TimeInForce,
)

__all__ = [
    "OkxInstType",
    "OkxOrdType",
    "OkxOrderState",
    "OkxTradeMode",
    "OkxPosSide",
    "OkxAlgoOrdType",
    "INST_TYPE_TO_PRODUCT",
    "SIDE_FROM_OKX",
    "SIDE_TO_OKX",
    "AGGRESSOR_FROM_TRADE_SIDE",
    "STATE_TO_STATUS",
    "EXEC_TYPE_TO_LIQUIDITY",
    "OPT_TYPE_TO_KIND",
    "INSTRUMENT_STATE_TO_STATUS",
    "ORD_TYPE_TO_DOMAIN",
    "BAR_INTERVALS",
]


class OkxInstType(StrEnum):
    """``instType``."""

    SPOT = "SPOT"
    MARGIN = "MARGIN"
    SWAP = "SWAP"
    FUTURES = "FUTURES"
    OPTION = "OPTION"


class OkxOrdType(StrEnum):
    """``ordType`` of a regular order."""

    MARKET = "market"
    LIMIT = "limit"
    POST_ONLY = "post_only"
    FOK = "fok"
    IOC = "ioc"
    OPTIMAL_LIMIT_IOC = "optimal_limit_ioc"


class OkxAlgoOrdType(StrEnum):
    """``ordType`` of an algo order (``/api/v5/trade/order-algo``)."""

    CONDITIONAL = "conditional"
    OCO = "oco"
    TRIGGER = "trigger"
    MOVE_ORDER_STOP = "move_order_stop"


class OkxOrderState(StrEnum):
    """``state`` of an order."""

    LIVE = "live"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    MMP_CANCELED = "mmp_canceled"


class OkxTradeMode(StrEnum):
    """``tdMode``: ``cash`` (spot without margin), ``cross`` / ``isolated`` margin."""

    CASH = "cash"
    CROSS = "cross"
    ISOLATED = "isolated"
    SPOT_ISOLATED = "spot_isolated"


class OkxPosSide(StrEnum):
    """``posSide``: ``net`` in one-way mode, ``long``/``short`` in hedge mode."""

    NET = "net"
    LONG = "long"
    SHORT = "short"


INST_TYPE_TO_PRODUCT: Final[dict[str, ProductType]] = {
    "SPOT": ProductType.SPOT,
    # A margin pair is the same spot market traded on margin: a SpotPair with the raw
    # instType kept in ``info``.
    "MARGIN": ProductType.SPOT,
    "SWAP": ProductType.PERPETUAL,
    "FUTURES": ProductType.FUTURE,
    "OPTION": ProductType.OPTION,
}

SIDE_FROM_OKX: Final[dict[str, OrderSide]] = {"buy": OrderSide.BUY, "sell": OrderSide.SELL}
SIDE_TO_OKX: Final[dict[OrderSide, str]] = {OrderSide.BUY: "buy", OrderSide.SELL: "sell"}

#: A public trade's ``side`` is the taker's side.
AGGRESSOR_FROM_TRADE_SIDE: Final[dict[str, AggressorSide]] = {
    "buy": AggressorSide.BUYER,
    "sell": AggressorSide.SELLER,
}

STATE_TO_STATUS: Final[dict[str, OrderStatus]] = {
    "live": OrderStatus.ACCEPTED,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "mmp_canceled": OrderStatus.CANCELED,
    # Algo order states.
    "effective": OrderStatus.TRIGGERED,
    "order_failed": OrderStatus.REJECTED,
    "partially_effective": OrderStatus.TRIGGERED,
}

#: ``execType`` of a fill: T taker, M maker.
EXEC_TYPE_TO_LIQUIDITY: Final[dict[str, LiquiditySide]] = {
    "T": LiquiditySide.TAKER,
    "M": LiquiditySide.MAKER,
    "": LiquiditySide.NO_LIQUIDITY_SIDE,
}

OPT_TYPE_TO_KIND: Final[dict[str, OptionKind]] = {"C": OptionKind.CALL, "P": OptionKind.PUT}

#: Instrument ``state``.
INSTRUMENT_STATE_TO_STATUS: Final[dict[str, MarketStatus]] = {
    "live": MarketStatus.OPEN,
    # "suspend": trading is halted; the instrument stays listed.
    "suspend": MarketStatus.HALTED,
    "preopen": MarketStatus.PRE_OPEN,
    "test": MarketStatus.NOT_AVAILABLE,
    "expired": MarketStatus.CLOSED,
}

#: ``ordType`` -> (order type, time in force, post only).
ORD_TYPE_TO_DOMAIN: Final[dict[str, tuple[OrderType, TimeInForce, bool]]] = {
    "market": (OrderType.MARKET, TimeInForce.IOC, False),
    "limit": (OrderType.LIMIT, TimeInForce.GTC, False),
    "post_only": (OrderType.LIMIT, TimeInForce.GTC, True),
    "fok": (OrderType.LIMIT, TimeInForce.FOK, False),
    "ioc": (OrderType.LIMIT, TimeInForce.IOC, False),
    "optimal_limit_ioc": (OrderType.MARKET, TimeInForce.IOC, False),
    "conditional": (OrderType.STOP_MARKET, TimeInForce.GTC, False),
    "trigger": (OrderType.STOP_MARKET, TimeInForce.GTC, False),
    "move_order_stop": (OrderType.TRAILING_STOP_MARKET, TimeInForce.GTC, False),
}

#: (step, aggregation) -> OKX candle ``bar`` (and the channel suffix ``candle{bar}``).
#: OKX hour/day bars without ``utc`` are aligned to Hong Kong time; the UTC ones are used.
BAR_INTERVALS: Final[dict[tuple[int, BarAggregation], str]] = {
    (1, BarAggregation.SECOND): "1s",
    (1, BarAggregation.MINUTE): "1m",
    (3, BarAggregation.MINUTE): "3m",
    (5, BarAggregation.MINUTE): "5m",
    (15, BarAggregation.MINUTE): "15m",
    (30, BarAggregation.MINUTE): "30m",
    (1, BarAggregation.HOUR): "1H",
    (2, BarAggregation.HOUR): "2H",
    (4, BarAggregation.HOUR): "4H",
    (6, BarAggregation.HOUR): "6Hutc",
    (12, BarAggregation.HOUR): "12Hutc",
    (1, BarAggregation.DAY): "1Dutc",
    (2, BarAggregation.DAY): "2Dutc",
    (3, BarAggregation.DAY): "3Dutc",
    (1, BarAggregation.WEEK): "1Wutc",
    (1, BarAggregation.MONTH): "1Mutc",
    (3, BarAggregation.MONTH): "3Mutc",
}
