"""BitMEX enumerations and their explicit maps to and from the domain model.

Values are BitMEX's own spellings (the REST explorer's ``Order``/``Execution`` models).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from tradeport.model.enums import (
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PegPriceType,
    TimeInForce,
    TriggerType,
)


class BitmexSide(StrEnum):
    """``side`` of orders, executions, trades and book levels."""

    BUY = "Buy"
    SELL = "Sell"


class BitmexOrderType(StrEnum):
    """``ordType``."""

    MARKET = "Market"
    LIMIT = "Limit"
    STOP = "Stop"
    STOP_LIMIT = "StopLimit"
    MARKET_IF_TOUCHED = "MarketIfTouched"
    LIMIT_IF_TOUCHED = "LimitIfTouched"
    PEGGED = "Pegged"


class BitmexTimeInForce(StrEnum):
    """``timeInForce``."""

    DAY = "Day"
    GOOD_TILL_CANCEL = "GoodTillCancel"
    IMMEDIATE_OR_CANCEL = "ImmediateOrCancel"
    FILL_OR_KILL = "FillOrKill"


class BitmexOrderStatus(StrEnum):
    """``ordStatus``."""

    NEW = "New"
    PARTIALLY_FILLED = "PartiallyFilled"
    FILLED = "Filled"
    CANCELED = "Canceled"
    REJECTED = "Rejected"
    EXPIRED = "Expired"
    PENDING_NEW = "PendingNew"
    PENDING_CANCEL = "PendingCancel"
    PENDING_REPLACE = "PendingReplace"
    STOPPED = "Stopped"


class BitmexExecInst(StrEnum):
    """``execInst`` values (sent comma-separated)."""

    PARTICIPATE_DO_NOT_INITIATE = "ParticipateDoNotInitiate"
    REDUCE_ONLY = "ReduceOnly"
    CLOSE = "Close"
    ALL_OR_NONE = "AllOrNone"
    MARK_PRICE = "MarkPrice"
    INDEX_PRICE = "IndexPrice"
    LAST_PRICE = "LastPrice"
    FIXED = "Fixed"
    LAST_WITHIN_MARK = "LastWithinMark"


class BitmexPegPriceType(StrEnum):
    """``pegPriceType``: ``TrailingStopPeg`` makes a Stop order trail; ``PrimaryPeg`` and
    ``MarketPeg`` price a ``Pegged`` order. These three are the "Valid options" of ``POST
    /order`` in BitMEX's API explorer (swagger ``pegPriceType``); the older ``MidPricePeg`` and
    ``LastPeg`` are no longer documented, so they are not offered."""

    TRAILING_STOP_PEG = "TrailingStopPeg"
    PRIMARY_PEG = "PrimaryPeg"
    MARKET_PEG = "MarketPeg"


class BitmexExecType(StrEnum):
    """``execType`` of the execution table."""

    NEW = "New"
    TRADE = "Trade"
    CANCELED = "Canceled"
    CANCEL_REJECT = "CancelReject"
    REPLACED = "Replaced"
    REJECTED = "Rejected"
    AMEND_REJECT = "AmendReject"
    FUNDING = "Funding"
    SETTLEMENT = "Settlement"
    SUSPENDED = "Suspended"
    RELEASED = "Released"
    INSURANCE = "Insurance"
    REBALANCE = "Rebalance"
    TRIGGERED = "Triggered"
    TRIGGERED_OR_ACTIVATED = "TriggeredOrActivatedBySystem"
    RESTATED = "Restated"


class BitmexLiquidityIndicator(StrEnum):
    """``lastLiquidityInd``."""

    ADDED = "AddedLiquidity"
    REMOVED = "RemovedLiquidity"


SIDE_TO_VENUE: Final = {OrderSide.BUY: BitmexSide.BUY, OrderSide.SELL: BitmexSide.SELL}
SIDE_FROM_VENUE: Final = {"Buy": OrderSide.BUY, "Sell": OrderSide.SELL}
#: A trade's ``side`` is the taker's side.
AGGRESSOR_FROM_VENUE: Final = {"Buy": AggressorSide.BUYER, "Sell": AggressorSide.SELLER}
AGGRESSOR_TO_VENUE: Final = {AggressorSide.BUYER: "Buy", AggressorSide.SELLER: "Sell"}

ORDER_TYPE_TO_VENUE: Final = {
    OrderType.MARKET: BitmexOrderType.MARKET,
    OrderType.LIMIT: BitmexOrderType.LIMIT,
    OrderType.STOP_MARKET: BitmexOrderType.STOP,
    OrderType.STOP_LIMIT: BitmexOrderType.STOP_LIMIT,
    OrderType.MARKET_IF_TOUCHED: BitmexOrderType.MARKET_IF_TOUCHED,
    OrderType.LIMIT_IF_TOUCHED: BitmexOrderType.LIMIT_IF_TOUCHED,
    # A trailing stop is a Stop (or StopLimit) with pegPriceType=TrailingStopPeg.
    OrderType.TRAILING_STOP_MARKET: BitmexOrderType.STOP,
    OrderType.TRAILING_STOP_LIMIT: BitmexOrderType.STOP_LIMIT,
    OrderType.PEGGED: BitmexOrderType.PEGGED,
}
ORDER_TYPE_FROM_VENUE: Final = {
    "Market": OrderType.MARKET,
    "Limit": OrderType.LIMIT,
    "Stop": OrderType.STOP_MARKET,
    "StopLimit": OrderType.STOP_LIMIT,
    "MarketIfTouched": OrderType.MARKET_IF_TOUCHED,
    "LimitIfTouched": OrderType.LIMIT_IF_TOUCHED,
    "Pegged": OrderType.PEGGED,
}

#: The references of a ``Pegged`` order (PrimaryPeg: own side's best; MarketPeg: the other's).
PEG_TO_VENUE: Final = {
    PegPriceType.PRIMARY: BitmexPegPriceType.PRIMARY_PEG,
    PegPriceType.MARKET: BitmexPegPriceType.MARKET_PEG,
}
PEG_FROM_VENUE: Final = {venue.value: ours for ours, venue in PEG_TO_VENUE.items()}

TIME_IN_FORCE_TO_VENUE: Final = {
    TimeInForce.GTC: BitmexTimeInForce.GOOD_TILL_CANCEL,
    TimeInForce.IOC: BitmexTimeInForce.IMMEDIATE_OR_CANCEL,
    TimeInForce.FOK: BitmexTimeInForce.FILL_OR_KILL,
    TimeInForce.DAY: BitmexTimeInForce.DAY,
}
TIME_IN_FORCE_FROM_VENUE: Final = {v.value: k for k, v in TIME_IN_FORCE_TO_VENUE.items()}

ORDER_STATUS_FROM_VENUE: Final = {
    "New": OrderStatus.ACCEPTED,
    "PendingNew": OrderStatus.SUBMITTED,
    "PartiallyFilled": OrderStatus.PARTIALLY_FILLED,
    "Filled": OrderStatus.FILLED,
    "Canceled": OrderStatus.CANCELED,
    "Rejected": OrderStatus.REJECTED,
    "Expired": OrderStatus.EXPIRED,
    "PendingCancel": OrderStatus.PENDING_CANCEL,
    "PendingReplace": OrderStatus.PENDING_UPDATE,
    "Stopped": OrderStatus.ACCEPTED,
}

LIQUIDITY_FROM_VENUE: Final = {
    "AddedLiquidity": LiquiditySide.MAKER,
    "Added": LiquiditySide.MAKER,
    "RemovedLiquidity": LiquiditySide.TAKER,
    "Removed": LiquiditySide.TAKER,
}

#: The price that triggers a stop (execInst); DEFAULT sends none (BitMEX uses MarkPrice).
TRIGGER_TO_VENUE: Final = {
    TriggerType.MARK_PRICE: BitmexExecInst.MARK_PRICE,
    TriggerType.INDEX_PRICE: BitmexExecInst.INDEX_PRICE,
    TriggerType.LAST_PRICE: BitmexExecInst.LAST_PRICE,
}
TRIGGER_FROM_VENUE: Final = {v.value: k for k, v in TRIGGER_TO_VENUE.items()}

#: Instrument ``typ`` (ISO 10962 CFI codes as BitMEX uses them) -> product family.
PERPETUAL_TYPES: Final = frozenset({"FFWCSX", "FFWCSF"})
FUTURE_TYPES: Final = frozenset({"FFCCSX", "FFICSX"})
SPOT_TYPES: Final = frozenset({"IFXXXP"})
#: Indices (``.BXBT``), not tradable: skipped without a warning.
INDEX_TYPE_PREFIX: Final = "M"

#: Currencies BitMEX reports in minor units: code -> (major code, decimals).
#: XBt is the satoshi (1e-8 XBT), USDt 1e-6 USDT, Gwei 1e-9 ETH.
MINOR_UNITS: Final = {"XBt": ("XBT", 8), "USDt": ("USDT", 6), "Gwei": ("ETH", 9)}
