"""The venue's enumeration values and their explicit maps to the domain model.

A value the venue adds later fails loudly (KeyError naming it) instead of being guessed.
"""

from __future__ import annotations

from typing import Final

from tradeport.model.enums import (
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    SettlementStatus,
    TimeInForce,
)

__all__ = [
    "AGGRESSOR_SIDE",
    "ORDER_SIDE",
    "ORDER_STATUS",
    "ORDER_TYPES",
    "SETTLEMENT",
    "SIDE_CODE",
    "TIME_IN_FORCE",
    "TRADE_STATUSES",
    "VENUE_ORDER_SIDE",
    "VENUE_TIME_IN_FORCE",
]

#: ``side`` on orders, trades and book levels (upper case on the CLOB).
ORDER_SIDE: Final = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}
VENUE_ORDER_SIDE: Final = {v: k for k, v in ORDER_SIDE.items()}
#: The signed order's ``side``: BUY 0, SELL 1.
SIDE_CODE: Final = {OrderSide.BUY: 0, OrderSide.SELL: 1}
#: ``last_trade_price.side`` is the taker's side.
AGGRESSOR_SIDE: Final = {"BUY": AggressorSide.BUYER, "SELL": AggressorSide.SELLER}

#: ``orderType`` of ``POST /order``. FAK (fill and kill) is an IOC.
TIME_IN_FORCE: Final = {
    "GTC": TimeInForce.GTC,
    "GTD": TimeInForce.GTD,
    "FOK": TimeInForce.FOK,
    "FAK": TimeInForce.IOC,
}
VENUE_TIME_IN_FORCE: Final = {v: k for k, v in TIME_IN_FORCE.items()}
ORDER_TYPES: Final = frozenset(TIME_IN_FORCE)

#: Order ``status`` of ``GET /data/order`` rows and the user channel (lower or upper case on
#: the wire; the parsers upper-case it). LIVE works; MATCHED is fully matched; an order the
#: venue delayed (``DELAYED``, marketable during a sports delay) is still in flight.
ORDER_STATUS: Final = {
    "LIVE": OrderStatus.ACCEPTED,
    "DELAYED": OrderStatus.ACCEPTED,
    "UNMATCHED": OrderStatus.ACCEPTED,
    "MATCHED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "CANCELED_MARKET_RESOLVED": OrderStatus.CANCELED,
    "INVALID": OrderStatus.REJECTED,
}

#: A trade's settlement ``status``: MATCHED and MINED are not final yet; RETRYING is the
#: operator resubmitting a failed transaction (still provisional); CONFIRMED is final; FAILED
#: reverses the fill.
SETTLEMENT: Final = {
    "MATCHED": SettlementStatus.PROVISIONAL,
    "MINED": SettlementStatus.PROVISIONAL,
    "RETRYING": SettlementStatus.PROVISIONAL,
    "CONFIRMED": SettlementStatus.FINAL,
    "FAILED": SettlementStatus.REVERSED,
}
TRADE_STATUSES: Final = tuple(SETTLEMENT)

#: ``trader_side`` of a trade row: whether our order made or took liquidity.
LIQUIDITY_SIDE: Final = {"MAKER": LiquiditySide.MAKER, "TAKER": LiquiditySide.TAKER}
