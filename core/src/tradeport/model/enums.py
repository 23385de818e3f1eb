"""Enumerations of the domain model.

Values are the upper-case names, so they serialize to readable strings and parse back exactly.
"""

from __future__ import annotations

from enum import StrEnum


class OrderSide(StrEnum):
    """The side of an order. Betting maps onto it: BACK is SELL and LAY is BUY
    (:class:`BettingSide`)."""

    BUY = "BUY"
    SELL = "SELL"


class BettingSide(StrEnum):
    """Back (bet for a selection) or lay (bet against it), carried as an :class:`OrderSide`
    so orders, fills and books keep one side type: **BACK is SELL, LAY is BUY**.

    Why that way round: the price is decimal odds, and a backer wants *high* odds as a seller
    wants a high price, a layer low odds as a buyer does. The book then reads as usual: the
    layers' offers (Betfair's "available to back", ``atb``) are the bids, the backers' offers
    ("available to lay", ``atl``) the asks, best bid below best ask; a back that matches at
    once hits the bids like a market sell. (NautilusTrader's Betfair adapter maps the same
    way.) The quantity is the backer's stake on both sides; a lay's liability is
    ``stake * (odds - 1)`` (:meth:`tradeport.model.instruments.BettingMarket.liability`).
    """

    BACK = "BACK"
    LAY = "LAY"

    @property
    def order_side(self) -> OrderSide:
        """The order side this betting side is carried as (BACK -> SELL, LAY -> BUY)."""
        return OrderSide.SELL if self is BettingSide.BACK else OrderSide.BUY

    @classmethod
    def of(cls, side: OrderSide) -> BettingSide:
        """The betting side of an order side (SELL -> BACK, BUY -> LAY)."""
        return cls.BACK if side is OrderSide.SELL else cls.LAY


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
    """How long an order works.

    Betting exchanges name this "persistence": Betfair's ``LAPSE`` is :attr:`LAPSE` (the
    unmatched part lapses when the market turns in-play or is suspended), ``PERSIST`` is
    :attr:`PERSIST` (it stays through in-play), ``MARKET_ON_CLOSE`` is :attr:`AT_THE_CLOSE`
    (it joins the starting-price reconciliation at the off), and ``FILL_OR_KILL`` is
    :attr:`FOK`.
    """

    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTD = "GTD"
    DAY = "DAY"
    AT_THE_OPEN = "AT_THE_OPEN"
    AT_THE_CLOSE = "AT_THE_CLOSE"
    #: Betting persistence: the unmatched part lapses at the in-play turn (or a suspension).
    LAPSE = "LAPSE"
    #: Betting persistence: the unmatched part stays working through in-play.
    PERSIST = "PERSIST"


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
    #: Betting: the unmatched part lapsed (persistence LAPSE at the in-play turn or a market
    #: suspension). Terminal; the OrderTracker publishes it as OrderExpired.
    LAPSED = "LAPSED"

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
    #: An option whose underlying is a futures contract (IB ``FOP``, CME options on futures).
    FUTURE_OPTION = "FUTURE_OPTION"
    BETTING = "BETTING"
    #: One outcome token of a prediction market (Polymarket YES/NO, Hyperliquid HIP-4).
    BINARY_OUTCOME = "BINARY_OUTCOME"
    EQUITY = "EQUITY"
    FX = "FX"
    INDEX = "INDEX"
    CFD = "CFD"
    BOND = "BOND"


class ExerciseStyle(StrEnum):
    """When an option can be exercised."""

    AMERICAN = "AMERICAN"
    EUROPEAN = "EUROPEAN"


class ResolutionResult(StrEnum):
    """How a betting selection or an outcome token resolved (settled)."""

    #: The selection won / the outcome happened (pays out, a binary token at 1).
    WON = "WON"
    #: The selection lost / the outcome did not happen (a binary token at 0).
    LOST = "LOST"
    #: Voided: stakes returned (a non-runner, a cancelled event, a 50-50 resolution).
    VOID = "VOID"


class SettlementStatus(StrEnum):
    """Whether a fill is final.

    Most venues' fills are FINAL when reported. On-chain settlement makes some provisional:
    Polymarket trades are MATCHED, then MINED, then CONFIRMED (or FAILED); a dYdX order in
    the mempool is not a fill until the indexer reports it. A PROVISIONAL fill is followed by
    a confirmation (FINAL) or a reversal (REVERSED), which undoes exactly what it added.
    Betting venues reverse FINAL fills too (a matched bet voided afterwards).
    """

    PROVISIONAL = "PROVISIONAL"
    FINAL = "FINAL"
    REVERSED = "REVERSED"


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
    """What a venue is (docs/plugin-guide.md has a section per kind).

    A replay provider is not a kind of its own: it is a venue (usually a DATA_PROVIDER) that
    declares ``Capabilities.replay``.
    """

    EXCHANGE = "EXCHANGE"
    BROKER = "BROKER"
    DATA_PROVIDER = "DATA_PROVIDER"
    BETTING_EXCHANGE = "BETTING_EXCHANGE"
    PREDICTION_MARKET = "PREDICTION_MARKET"
    #: An exchange whose orders settle on a chain (Hyperliquid, dYdX): wallet signing, nonces
    #: or sequences, fills that may be provisional.
    ON_CHAIN_EXCHANGE = "ON_CHAIN_EXCHANGE"


class AggregationSource(StrEnum):
    """Where a bar was aggregated: by the venue (EXTERNAL) or locally (INTERNAL)."""

    EXTERNAL = "EXTERNAL"
    INTERNAL = "INTERNAL"


class TrailingOffsetType(StrEnum):
    """Unit of a trailing-stop offset: a price distance or basis points."""

    PRICE = "PRICE"
    BASIS_POINTS = "BASIS_POINTS"
