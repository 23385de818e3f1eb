"""Betfair wire values and their tradeport counterparts (explicit maps, both ways)."""

from __future__ import annotations

from typing import Final

from tradeport.model.enums import MarketStatus, OrderSide, OrderType, TimeInForce

__all__ = [
    "SIDE_TO_WIRE",
    "SIDE_FROM_WIRE",
    "STREAM_SIDE",
    "PERSISTENCE_TO_WIRE",
    "PERSISTENCE_FROM_WIRE",
    "STREAM_PERSISTENCE",
    "STREAM_ORDER_TYPE",
    "ORDER_TYPE_FROM_WIRE",
    "MARKET_STATUS",
]

#: BACK is SELL, LAY is BUY (tradeport.model.enums.BettingSide says why).
SIDE_TO_WIRE: Final = {OrderSide.SELL: "BACK", OrderSide.BUY: "LAY"}
SIDE_FROM_WIRE: Final = {"BACK": OrderSide.SELL, "LAY": OrderSide.BUY}
#: The order stream abbreviates: ``side`` "B" | "L".
STREAM_SIDE: Final = {"B": OrderSide.SELL, "L": OrderSide.BUY}

#: persistenceType of a LIMIT order; AT_THE_CLOSE is MARKET_ON_CLOSE (joins the starting price).
PERSISTENCE_TO_WIRE: Final = {
    TimeInForce.LAPSE: "LAPSE",
    TimeInForce.PERSIST: "PERSIST",
    TimeInForce.AT_THE_CLOSE: "MARKET_ON_CLOSE",
}
PERSISTENCE_FROM_WIRE: Final = {v: k for k, v in PERSISTENCE_TO_WIRE.items()}
#: The order stream abbreviates: ``pt`` "L" | "P" | "MOC".
STREAM_PERSISTENCE: Final = {
    "L": TimeInForce.LAPSE,
    "P": TimeInForce.PERSIST,
    "MOC": TimeInForce.AT_THE_CLOSE,
}
#: ``ot`` on the order stream: "L" limit, "LOC" limit on close, "MOC" market on close.
STREAM_ORDER_TYPE: Final = {
    "L": (OrderType.LIMIT, None),
    "LOC": (OrderType.LIMIT, TimeInForce.AT_THE_CLOSE),
    "MOC": (OrderType.MARKET, TimeInForce.AT_THE_CLOSE),
}
ORDER_TYPE_FROM_WIRE: Final = {
    "LIMIT": (OrderType.LIMIT, None),
    "LIMIT_ON_CLOSE": (OrderType.LIMIT, TimeInForce.AT_THE_CLOSE),
    "MARKET_ON_CLOSE": (OrderType.MARKET, TimeInForce.AT_THE_CLOSE),
}
#: marketDefinition.status -> instrument status (in play is reported in the reason). A Betfair
#: suspension stops betting for a while (a goal, a race's off): a trading halt, as OKX's
#: "suspend" is HALTED too; the reason says SUSPENDED.
MARKET_STATUS: Final = {
    "INACTIVE": MarketStatus.PRE_OPEN,
    "OPEN": MarketStatus.OPEN,
    "SUSPENDED": MarketStatus.HALTED,
    "CLOSED": MarketStatus.CLOSED,
}
