"""Enumerations of the domain model.

Values are the upper-case names, so they serialize to readable strings and parse back exactly.
"""

from __future__ import annotations

from enum import StrEnum


class OrderSide(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP_MARKET = "STOP_MARKET"
    STOP_LIMIT = "STOP_LIMIT"
    MARKET_IF_TOUCHED = "MARKET_IF_TOUCHED"
    LIMIT_IF_TOUCHED = "LIMIT_IF_TOUCHED"
    TRAILING_STOP_MARKET = "TRAILING_STOP_MARKET"
    TRAILING_STOP_LIMIT = "TRAILING_STOP_LIMIT"
    #: Rests at a price the venue derives from a reference (see :class:`PegPriceType`) plus
    #: ``Order.peg_offset``, and moves with that reference.
    PEGGED = "PEGGED"


class PegPriceType(StrEnum):
    """The reference price a PEGGED order follows (its price is this reference + peg_offset)."""

    #: The order's own side of the book: a buy follows the best bid, a sell the best ask
    #: (FIX PegPriceType 5 "primary peg"; BitMEX ``PrimaryPeg``).
    PRIMARY = "PRIMARY"
    #: The opposite side of the book: a buy follows the best ask, a sell the best bid
    #: (FIX PegPriceType 4 "market peg"; BitMEX ``MarketPeg``).
    MARKET = "MARKET"
    #: The midpoint of the best bid and the best ask.
    MID = "MID"
    #: The last trade price.
    LAST = "LAST"


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTD = "GTD"
    DAY = "DAY"
    AT_THE_OPEN = "AT_THE_OPEN"
    AT_THE_CLOSE = "AT_THE_CLOSE"


class OrderStatus(StrEnum):
    INITIALIZED = "INITIALIZED"
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"
    TRIGGERED = "TRIGGERED"
    PENDING_UPDATE = "PENDING_UPDATE"
    PENDING_CANCEL = "PENDING_CANCEL"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"

    @property
    def is_open(self) -> bool:
        return self in _OPEN_STATUSES


_OPEN_STATUSES = frozenset(
    {
        OrderStatus.SUBMITTED,
        OrderStatus.ACCEPTED,
        OrderStatus.TRIGGERED,
        OrderStatus.PENDING_UPDATE,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PARTIALLY_FILLED,
    }
)


class TriggerType(StrEnum):
    DEFAULT = "DEFAULT"
    LAST_PRICE = "LAST_PRICE"
    MARK_PRICE = "MARK_PRICE"
    INDEX_PRICE = "INDEX_PRICE"
    BID_ASK = "BID_ASK"


class AggressorSide(StrEnum):
    NO_AGGRESSOR = "NO_AGGRESSOR"
    BUYER = "BUYER"
    SELLER = "SELLER"


class LiquiditySide(StrEnum):
    NO_LIQUIDITY_SIDE = "NO_LIQUIDITY_SIDE"
    MAKER = "MAKER"
    TAKER = "TAKER"


class BookAction(StrEnum):
    ADD = "ADD"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    CLEAR = "CLEAR"


class BookType(StrEnum):
    L1_MBP = "L1_MBP"  # top of book
    L2_MBP = "L2_MBP"  # market by price
    L3_MBO = "L3_MBO"  # market by order


class PositionSide(StrEnum):
    FLAT = "FLAT"
    LONG = "LONG"
    SHORT = "SHORT"


class ProductType(StrEnum):
    SPOT = "SPOT"
    PERPETUAL = "PERPETUAL"
    FUTURE = "FUTURE"
    OPTION = "OPTION"
    BETTING = "BETTING"
    EQUITY = "EQUITY"


class OptionKind(StrEnum):
    CALL = "CALL"
    PUT = "PUT"


class PriceType(StrEnum):
    BID = "BID"
    ASK = "ASK"
    MID = "MID"
    LAST = "LAST"
    MARK = "MARK"


class BarAggregation(StrEnum):
    MILLISECOND = "MILLISECOND"
    SECOND = "SECOND"
    MINUTE = "MINUTE"
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    TICK = "TICK"
    VOLUME = "VOLUME"


class AccountType(StrEnum):
    CASH = "CASH"
    MARGIN = "MARGIN"
    BETTING = "BETTING"


class OmsType(StrEnum):
    NETTING = "NETTING"
    HEDGING = "HEDGING"


class MarketStatus(StrEnum):
    PRE_OPEN = "PRE_OPEN"
    OPEN = "OPEN"
    PAUSED = "PAUSED"
    HALTED = "HALTED"
    CLOSED = "CLOSED"
    SUSPENDED = "SUSPENDED"
    NOT_AVAILABLE = "NOT_AVAILABLE"


class InstrumentCloseType(StrEnum):
    END_OF_SESSION = "END_OF_SESSION"
    CONTRACT_EXPIRED = "CONTRACT_EXPIRED"


class VenueKind(StrEnum):
    EXCHANGE = "EXCHANGE"
    BROKER = "BROKER"
    DATA_PROVIDER = "DATA_PROVIDER"
    BETTING_EXCHANGE = "BETTING_EXCHANGE"


class AggregationSource(StrEnum):
    """Where a bar was aggregated: by the venue (EXTERNAL) or locally (INTERNAL)."""

    EXTERNAL = "EXTERNAL"
    INTERNAL = "INTERNAL"


class TrailingOffsetType(StrEnum):
    """Unit of a trailing-stop offset: a price distance or basis points."""

    PRICE = "PRICE"
    BASIS_POINTS = "BASIS_POINTS"
