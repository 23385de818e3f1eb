"""Betfair constants: names, the price ladder, declared capabilities, stream settings."""

from __future__ import annotations

from typing import Final

from tradeport.clients.capabilities import Capabilities, DataType, HistoryType
from tradeport.model.enums import BookType, OrderType, ProductType, TimeInForce
from tradeport.model.instruments import PriceLadder

__all__ = [
    "VENUE_NAME",
    "VENUE_ID",
    "PRICE_LADDER",
    "CAPABILITIES",
    "STAKE_PRECISION",
    "MAX_CUSTOMER_ORDER_REF",
    "MAX_CUSTOMER_STRATEGY_REF",
    "SESSION_LIFETIME_S",
    "DEFAULT_KEEP_ALIVE_S",
    "DEFAULT_HEARTBEAT_MS",
]

#: What users type (``open_venue("betfair")``).
VENUE_NAME: Final = "betfair"
#: The venue part of instrument ids (``1.180737206-39980.BETFAIR``).
VENUE_ID: Final = "BETFAIR"

#: Betfair's odds ladder ("Betfair Price Increments", Exchange API docs): every price a bet may
#: be placed at. 1.01-2 by 0.01, 2-3 by 0.02, ..., 100-1000 by 10.
PRICE_LADDER: Final = PriceLadder.of(
    ("1.01", "2", "0.01"),
    ("2", "3", "0.02"),
    ("3", "4", "0.05"),
    ("4", "6", "0.1"),
    ("6", "10", "0.2"),
    ("10", "20", "0.5"),
    ("20", "30", "1"),
    ("30", "50", "2"),
    ("50", "100", "5"),
    ("100", "1000", "10"),
)
#: Stakes are in the account currency, to the penny.
STAKE_PRECISION: Final = 2
#: ``customerOrderRef`` is at most 32 characters (placeOrders docs), ``customerStrategyRef`` 15.
MAX_CUSTOMER_ORDER_REF: Final = 32
MAX_CUSTOMER_STRATEGY_REF: Final = 15

#: A session token lives 12 hours without use by default (international exchange; some
#: jurisdictions use 20 minutes or 4 hours): keepAlive well before that.
SESSION_LIFETIME_S: Final = 12 * 3600
DEFAULT_KEEP_ALIVE_S: Final = 15 * 60.0
#: The stream's own heartbeat: an ``mcm``/``ocm`` with ``ct: HEARTBEAT`` after this many
#: milliseconds without data (the venue accepts 500-5000).
DEFAULT_HEARTBEAT_MS: Final = 5000

#: What the plugin supports, as data (the README table is generated from it).
CAPABILITIES: Final = Capabilities(
    products={ProductType.BETTING},
    data={
        DataType.QUOTES,
        DataType.BOOK_DELTAS,
        DataType.INSTRUMENT_STATUS,
        DataType.INSTRUMENT_CLOSE,
    },
    book_types={BookType.L2_MBP},
    history={HistoryType.INSTRUMENTS},
    orders={
        OrderType.LIMIT: (TimeInForce.LAPSE, TimeInForce.PERSIST, TimeInForce.AT_THE_CLOSE),
        OrderType.MARKET: (TimeInForce.AT_THE_CLOSE,),
    },
    modify_order=True,
    cancel_all=True,
    batch_cancel=True,
    batch_submit=True,
    positions=False,
    private_streams=True,
    notes=(
        "Instruments are one runner of one market: MARKETID-SELECTIONID (-HANDICAP when not "
        "0), e.g. 1.180737206-39980.BETFAIR. BACK is SELL and LAY is BUY; quantity is the "
        "backer's stake; a lay's liability is stake * (price - 1).",
        "Time in force is Betfair's persistence: LAPSE, PERSIST, AT_THE_CLOSE (LIMIT = "
        "LIMIT_ON_CLOSE, MARKET = MARKET_ON_CLOSE, the starting price). No GTC/IOC/GTD.",
        "Prices must be on the Betfair ladder (1.01-1000); a price off it is refused locally, "
        "naming the nearest valid prices.",
        "Trades are not declared: the stream publishes traded volume per price (trd) and the "
        "last traded price without trade ids or aggressor; subscribe_trades emits TradeTicks "
        "with NO_AGGRESSOR and an id derived from the volume change.",
        "modify_order changes the price (replaceOrders: a new bet id) or reduces the size "
        "(cancelOrders with sizeReduction); updateOrders changes the persistence.",
        "Exposure: getAccountFunds.exposure is the balance's locked part; AccountState."
        "exposures has one per market with matched bets (the worst-case loss from "
        "listMarketProfitAndLoss) and the rest (unmatched bets) as market '*'; no positions.",
    ),
)
