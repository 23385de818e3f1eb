"""Binance enums and their explicit maps to and from the tradeport domain model."""

from __future__ import annotations

from enum import StrEnum

from tradeport.model.enums import (
    BarAggregation,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)


class BinanceAccountType(StrEnum):
    """Which Binance product an account (and so every client) talks to."""

    SPOT = "spot"
    #: Cross margin (margin shared between open positions).
    MARGIN = "margin"
    #: Isolated margin (margin assigned to one symbol).
    ISOLATED_MARGIN = "isolated_margin"
    #: USD-M futures (USDT / USDC collateral).
    USDT_FUTURE = "usdt_future"
    #: COIN-M futures (the base coin as collateral).
    COIN_FUTURE = "coin_future"

    @property
    def is_spot_or_margin(self) -> bool:
        """Spot and margin share the spot matching engine and its market data."""
        return self in (
            BinanceAccountType.SPOT,
            BinanceAccountType.MARGIN,
            BinanceAccountType.ISOLATED_MARGIN,
        )

    @property
    def is_margin(self) -> bool:
        """Cross or isolated margin."""
        return self in (BinanceAccountType.MARGIN, BinanceAccountType.ISOLATED_MARGIN)

    @property
    def is_futures(self) -> bool:
        """USD-M or COIN-M futures."""
        return self in (BinanceAccountType.USDT_FUTURE, BinanceAccountType.COIN_FUTURE)


#: Spellings accepted in configs besides the values (the integration guide's names).
ACCOUNT_TYPE_ALIASES: dict[str, BinanceAccountType] = {
    "usdm": BinanceAccountType.USDT_FUTURE,
    "usd_m": BinanceAccountType.USDT_FUTURE,
    "coinm": BinanceAccountType.COIN_FUTURE,
    "coin_m": BinanceAccountType.COIN_FUTURE,
    "isolated": BinanceAccountType.ISOLATED_MARGIN,
    "cross_margin": BinanceAccountType.MARGIN,
}


def parse_account_type(value: str | BinanceAccountType) -> BinanceAccountType:
    """Parse a config value (``"spot"``, ``"USDT_FUTURE"``, ``"usdm"``...)."""
    if isinstance(value, BinanceAccountType):
        return value
    text = str(value).strip().lower()
    if text in ACCOUNT_TYPE_ALIASES:
        return ACCOUNT_TYPE_ALIASES[text]
    return BinanceAccountType(text)


SIDE_FROM_BINANCE: dict[str, OrderSide] = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}
SIDE_TO_BINANCE: dict[OrderSide, str] = {OrderSide.BUY: "BUY", OrderSide.SELL: "SELL"}

#: Binance order status -> tradeport. ``EXPIRED_IN_MATCH`` is an STP expiry.
ORDER_STATUS_FROM_BINANCE: dict[str, OrderStatus] = {
    "NEW": OrderStatus.ACCEPTED,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "PENDING_CANCEL": OrderStatus.PENDING_CANCEL,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,
    # Binance futures "NEW_INSURANCE" / "NEW_ADL" are liquidation fills.
    "NEW_INSURANCE": OrderStatus.FILLED,
    "NEW_ADL": OrderStatus.FILLED,
}

#: Spot order types -> tradeport. STOP_LOSS/TAKE_PROFIT trigger market orders; TAKE_PROFIT is a
#: market-if-touched, LIMIT_MAKER a post-only limit.
SPOT_ORDER_TYPE_FROM_BINANCE: dict[str, OrderType] = {
    "LIMIT": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "STOP_LOSS": OrderType.STOP_MARKET,
    "STOP_LOSS_LIMIT": OrderType.STOP_LIMIT,
    "TAKE_PROFIT": OrderType.MARKET_IF_TOUCHED,
    "TAKE_PROFIT_LIMIT": OrderType.LIMIT_IF_TOUCHED,
    "LIMIT_MAKER": OrderType.LIMIT,
}

#: Futures order types -> tradeport (futures ``STOP`` is a stop-limit).
FUTURES_ORDER_TYPE_FROM_BINANCE: dict[str, OrderType] = {
    "LIMIT": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "STOP": OrderType.STOP_LIMIT,
    "STOP_MARKET": OrderType.STOP_MARKET,
    "TAKE_PROFIT": OrderType.LIMIT_IF_TOUCHED,
    "TAKE_PROFIT_MARKET": OrderType.MARKET_IF_TOUCHED,
    "TRAILING_STOP_MARKET": OrderType.TRAILING_STOP_MARKET,
    "LIQUIDATION": OrderType.MARKET,
}

SPOT_ORDER_TYPE_TO_BINANCE: dict[OrderType, str] = {
    OrderType.LIMIT: "LIMIT",
    OrderType.MARKET: "MARKET",
    OrderType.STOP_MARKET: "STOP_LOSS",
    OrderType.STOP_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.MARKET_IF_TOUCHED: "TAKE_PROFIT",
    OrderType.LIMIT_IF_TOUCHED: "TAKE_PROFIT_LIMIT",
}

FUTURES_ORDER_TYPE_TO_BINANCE: dict[OrderType, str] = {
    OrderType.LIMIT: "LIMIT",
    OrderType.MARKET: "MARKET",
    OrderType.STOP_MARKET: "STOP_MARKET",
    OrderType.STOP_LIMIT: "STOP",
    OrderType.MARKET_IF_TOUCHED: "TAKE_PROFIT_MARKET",
    OrderType.LIMIT_IF_TOUCHED: "TAKE_PROFIT",
    OrderType.TRAILING_STOP_MARKET: "TRAILING_STOP_MARKET",
}

#: Binance time in force -> tradeport. GTX (futures post-only) is GTC with post_only.
TIME_IN_FORCE_FROM_BINANCE: dict[str, TimeInForce] = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "GTX": TimeInForce.GTC,
    "GTD": TimeInForce.GTD,
}

TIME_IN_FORCE_TO_BINANCE: dict[TimeInForce, str] = {
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
    TimeInForce.GTD: "GTD",
}

POSITION_SIDE_TO_BINANCE: dict[PositionSide, str] = {
    PositionSide.LONG: "LONG",
    PositionSide.SHORT: "SHORT",
    PositionSide.FLAT: "BOTH",
}

#: Kline intervals by (step, aggregation).
KLINE_INTERVALS: dict[tuple[int, BarAggregation], str] = {
    (1, BarAggregation.SECOND): "1s",
    (1, BarAggregation.MINUTE): "1m",
    (3, BarAggregation.MINUTE): "3m",
    (5, BarAggregation.MINUTE): "5m",
    (15, BarAggregation.MINUTE): "15m",
    (30, BarAggregation.MINUTE): "30m",
    (1, BarAggregation.HOUR): "1h",
    (2, BarAggregation.HOUR): "2h",
    (4, BarAggregation.HOUR): "4h",
    (6, BarAggregation.HOUR): "6h",
    (8, BarAggregation.HOUR): "8h",
    (12, BarAggregation.HOUR): "12h",
    (1, BarAggregation.DAY): "1d",
    (3, BarAggregation.DAY): "3d",
    (1, BarAggregation.WEEK): "1w",
    (1, BarAggregation.MONTH): "1M",
}
KLINE_INTERVAL_SPECS: dict[str, tuple[int, BarAggregation]] = {
    v: k for k, v in KLINE_INTERVALS.items()
}
