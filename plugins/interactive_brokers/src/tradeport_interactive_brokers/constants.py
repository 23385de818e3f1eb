"""Interactive Brokers constants: names, ports, the pinned server-version window, message ids,
error and notice codes, and the declared capabilities.

Message ids and layouts follow IB's TWS API (legacy text protocol): every message is a 4-byte
big-endian length, then ASCII fields each ended by ``\\0``; the first field is the message id.
"""

from __future__ import annotations

from typing import Final

from tradeport.clients.capabilities import Capabilities, DataType, HistoryType, order_matrix
from tradeport.model.enums import BookType, OrderType, ProductType, TimeInForce

__all__ = [
    "VENUE_NAME",
    "VENUE_ID",
    "PORTS",
    "MIN_SERVER_VERSION",
    "MAX_SERVER_VERSION",
    "API_PREFIX",
    "Out",
    "In",
    "CONNECTIVITY_LOST",
    "RESTORED_DATA_LOST",
    "RESTORED_DATA_KEPT",
    "FARM_STATUS_CODES",
    "IGNORED_NOTICES",
    "NO_SECURITY_DEFINITION",
    "CLIENT_ID_IN_USE",
    "MAX_MESSAGES_PER_SECOND",
    "CAPABILITIES",
    "INSTRUMENT_VENUES",
]

#: What users type (``open_venue("interactive_brokers")``).
VENUE_NAME: Final = "interactive_brokers"
#: The broker's id. Instrument ids carry the *exchange* (``AAPL.NASDAQ``, ``ESZ6.CME``).
VENUE_ID: Final = "INTERACTIVE_BROKERS"

#: Default API ports of the two Java applications that hold the IB login.
PORTS: Final = {
    ("gateway", "live"): 4001,
    ("gateway", "paper"): 4002,
    ("tws", "live"): 7496,
    ("tws", "paper"): 7497,
}

#: The pinned window of server versions (the legacy text protocol). 176 adds the issuer id to
#: contract requests and the description to symbol samples; 177 drops ``faProfile`` from
#: orders; 178 adds ``pendingPriceRevision`` to executions. Protobuf bodies start at 201
#: (``MIN_SERVER_VER_PROTOBUF``); a client that advertises at most 178 keeps the text protocol.
MIN_SERVER_VERSION: Final = 176
MAX_SERVER_VERSION: Final = 178
#: The bytes that open every API connection, before the framed version range.
API_PREFIX: Final = b"API\0"

#: IB's client-side limit: at most 50 messages per second to TWS / Gateway.
MAX_MESSAGES_PER_SECOND: Final = 50
#: The order tag that sets IB's ``outsideRth``: the order may also work (and fill) outside
#: regular trading hours, in the pre-market and after-hours sessions.
OUTSIDE_RTH_TAG: Final = "outsideRth"


class Out:
    """Outgoing message ids (client -> TWS)."""

    REQ_MKT_DATA: Final = 1
    CANCEL_MKT_DATA: Final = 2
    PLACE_ORDER: Final = 3
    CANCEL_ORDER: Final = 4
    REQ_OPEN_ORDERS: Final = 5
    REQ_EXECUTIONS: Final = 7
    REQ_IDS: Final = 8
    REQ_CONTRACT_DATA: Final = 9
    REQ_MKT_DEPTH: Final = 10
    CANCEL_MKT_DEPTH: Final = 11
    REQ_ALL_OPEN_ORDERS: Final = 16
    REQ_HISTORICAL_DATA: Final = 20
    REQ_CURRENT_TIME: Final = 49
    REQ_REAL_TIME_BARS: Final = 50
    CANCEL_REAL_TIME_BARS: Final = 51
    REQ_GLOBAL_CANCEL: Final = 58
    REQ_MARKET_DATA_TYPE: Final = 59
    REQ_POSITIONS: Final = 61
    REQ_ACCOUNT_SUMMARY: Final = 62
    CANCEL_ACCOUNT_SUMMARY: Final = 63
    START_API: Final = 71
    REQ_SEC_DEF_OPT_PARAMS: Final = 78
    REQ_MATCHING_SYMBOLS: Final = 81
    REQ_TICK_BY_TICK: Final = 97
    CANCEL_TICK_BY_TICK: Final = 98
    REQ_COMPLETED_ORDERS: Final = 99


class In:
    """Incoming message ids (TWS -> client)."""

    TICK_PRICE: Final = 1
    TICK_SIZE: Final = 2
    ORDER_STATUS: Final = 3
    ERROR: Final = 4
    OPEN_ORDER: Final = 5
    NEXT_VALID_ID: Final = 9
    CONTRACT_DATA: Final = 10
    EXECUTION_DATA: Final = 11
    MARKET_DEPTH: Final = 12
    MARKET_DEPTH_L2: Final = 13
    MANAGED_ACCOUNTS: Final = 15
    HISTORICAL_DATA: Final = 17
    BOND_CONTRACT_DATA: Final = 18
    CURRENT_TIME: Final = 49
    REAL_TIME_BARS: Final = 50
    CONTRACT_DATA_END: Final = 52
    OPEN_ORDER_END: Final = 53
    EXECUTION_DATA_END: Final = 55
    MARKET_DATA_TYPE: Final = 58
    COMMISSION_REPORT: Final = 59
    POSITION_DATA: Final = 61
    POSITION_END: Final = 62
    ACCOUNT_SUMMARY: Final = 63
    ACCOUNT_SUMMARY_END: Final = 64
    SECURITY_DEFINITION_OPTION_PARAMETER: Final = 75
    SECURITY_DEFINITION_OPTION_PARAMETER_END: Final = 76
    SYMBOL_SAMPLES: Final = 79
    TICK_BY_TICK: Final = 99
    COMPLETED_ORDER: Final = 101
    COMPLETED_ORDERS_END: Final = 102


# -- error and notice codes (TWS API "Message Codes") --------------------------------------------

#: "Connectivity between IB and Trader Workstation has been lost."
CONNECTIVITY_LOST: Final = 1100
#: "Connectivity between IB and TWS has been restored - data lost." Resubscribe everything.
RESTORED_DATA_LOST: Final = 1101
#: "Connectivity between IB and TWS has been restored - data maintained." Nothing to redo.
RESTORED_DATA_KEPT: Final = 1102
#: Market data farm / HMDS farm / security definition farm status ("... connection is OK").
FARM_STATUS_CODES: Final = frozenset({2103, 2104, 2105, 2106, 2157, 2158})
#: "Market data farm connection is inactive but should be available upon demand" (2107, 2108
#: for HMDS): informational, ignored.
IGNORED_NOTICES: Final = frozenset({2107, 2108})
#: "No security definition has been found for the request" (also ambiguous contracts).
NO_SECURITY_DEFINITION: Final = 200
#: "Unable to connect as the client id is already in use."
CLIENT_ID_IN_USE: Final = 326
#: Order ids refused as used or not increasing ("Duplicate order id").
DUPLICATE_ORDER_ID: Final = 103
#: "Order Canceled - reason:" (the answer to a cancel, as an error message).
ORDER_CANCELED: Final = 202
#: "OrderId <id> that needs to be cancelled cannot be cancelled" / can't be found.
CANNOT_CANCEL: Final = frozenset({10147, 10148, 161})
#: Historical data pacing violation.
PACING_VIOLATION: Final = 162

#: The venue parts of instrument ids: the exchanges contracts list on (IB's own codes).
INSTRUMENT_VENUES: Final = (
    "NASDAQ",
    "NYSE",
    "ARCA",
    "AMEX",
    "BATS",
    "ISLAND",
    "SMART",
    "CME",
    "CBOT",
    "NYMEX",
    "COMEX",
    "EUREX",
    "ICEEU",
    "CBOE",
    "IDEALPRO",
    "PAXOS",
    "LSE",
    "IBIS",
    "SEHK",
    "TSE",
)

_DAY_GTC = (TimeInForce.DAY, TimeInForce.GTC)
#: On the open (TIF OPG) and on the close (MOC / LOC).
_AUCTIONS = (TimeInForce.AT_THE_OPEN, TimeInForce.AT_THE_CLOSE)

#: What the plugin does today (the README's capability table is generated from this).
CAPABILITIES: Final = Capabilities(
    products={
        ProductType.EQUITY,
        ProductType.FUTURE,
        ProductType.OPTION,
        ProductType.FUTURE_OPTION,
        ProductType.FX,
        ProductType.INDEX,
        ProductType.CFD,
        ProductType.SPOT,
        ProductType.BOND,  # contract lookups (BOND_CONTRACT_DATA)
    },
    data={DataType.QUOTES, DataType.TRADES, DataType.BOOK_DELTAS, DataType.BARS},
    book_types={BookType.L2_MBP},
    history={HistoryType.BARS},
    orders=order_matrix(
        {
            OrderType.LIMIT: (
                *_DAY_GTC,
                TimeInForce.IOC,
                TimeInForce.FOK,
                TimeInForce.GTD,
                *_AUCTIONS,
            ),
            OrderType.MARKET: (TimeInForce.DAY, TimeInForce.IOC, *_AUCTIONS),
            OrderType.STOP_MARKET: _DAY_GTC,
            OrderType.STOP_LIMIT: _DAY_GTC,
            OrderType.MARKET_IF_TOUCHED: _DAY_GTC,
            OrderType.LIMIT_IF_TOUCHED: _DAY_GTC,
            OrderType.TRAILING_STOP_MARKET: _DAY_GTC,
        }
    ),
    modify_order=True,
    cancel_all=True,
    order_lists=True,
    positions=True,
    private_streams=True,
    resolve_instruments=True,
    notes=(
        "TWS API legacy text protocol, server versions 176-178 (protobuf bodies of 201+ not "
        "supported yet)",
        "trades (tick-by-tick AllLast): IB prints carry no aggressor side (NO_AGGRESSOR) and "
        "no trade id (derived from the print)",
    ),
)
