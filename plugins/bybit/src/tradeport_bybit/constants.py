"""Bybit constants: names, the declared capabilities, defaults and the venue's error codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from tradeport.clients.capabilities import Capabilities, DataType, HistoryType
from tradeport.model.enums import BookType, OrderType, ProductType, TimeInForce

__all__ = [
    "VENUE_NAME",
    "VENUE_ID",
    "CAPABILITIES",
    "DEFAULT_RECV_WINDOW_MS",
    "BybitErrorCode",
    "BATCH_MAX_ORDERS",
    "batch_max_orders",
]

#: What users type (``open_venue("bybit")``).
VENUE_NAME: Final = "bybit"
#: The venue part of instrument ids (``BTCUSDT-LINEAR.BYBIT``).
VENUE_ID: Final = "BYBIT"
#: The venue's own default receive window (docs: "default value is 5000").
DEFAULT_RECV_WINDOW_MS: Final = 5000
#: Bybit recommends a ``{"op":"ping"}`` every 20 s.
DEFAULT_PING_INTERVAL_S: Final = 20.0

#: Orders per create-batch / amend-batch request, by category (docs, Batch Place Order and
#: Batch Amend Order: "a maximum of 20 orders (option), 10 orders (inverse), 10 orders
#: (linear), 10 orders (spot)"). Larger batches are split.
BATCH_MAX_ORDERS: Final[Mapping[str, int]] = {
    "option": 20,
    "linear": 10,
    "inverse": 10,
    "spot": 10,
}


def batch_max_orders(category: str) -> int:
    """The most orders one batch request of ``category`` may carry (10 when unknown)."""
    return BATCH_MAX_ORDERS.get(str(category), 10)


class BybitErrorCode:
    """``retCode`` values the plugin acts on (https://bybit-exchange.github.io/docs/v5/error)."""

    OK: Final = 0
    PARAMS_ERROR: Final = 10001
    RECV_WINDOW: Final = 10002
    INVALID_API_KEY: Final = 10003
    INVALID_SIGN: Final = 10004
    PERMISSION_DENIED: Final = 10005
    RATE_LIMIT: Final = 10006
    NOT_LOGGED_IN: Final = 10007
    #: "Server Timeout": the request may or may not have been executed.
    SERVER_TIMEOUT: Final = 10000
    INTERNAL_ERROR: Final = 10016
    IP_RATE_LIMIT: Final = 10018
    ORDER_NOT_EXISTS: Final = 110001
    PRICE_OUT_OF_RANGE: Final = 110003
    INSUFFICIENT_WALLET: Final = 110004
    INSUFFICIENT_AVAILABLE: Final = 110007
    ORDER_FINISHED: Final = 110008
    REDUCE_ONLY_RULE: Final = 110017
    DUPLICATE_ORDER_ID: Final = 110030
    ILLEGAL_ORDER: Final = 110032


_ALL_TIF = (TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK)

#: What the plugin supports, as data (the README table is generated from it).
CAPABILITIES: Final = Capabilities(
    products={ProductType.SPOT, ProductType.PERPETUAL, ProductType.FUTURE, ProductType.OPTION},
    data={
        DataType.QUOTES,
        DataType.TRADES,
        DataType.BOOK_DELTAS,
        DataType.BARS,
        DataType.MARK_PRICES,
        DataType.INDEX_PRICES,
        DataType.FUNDING_RATES,
    },
    book_types={BookType.L2_MBP},
    history={
        HistoryType.INSTRUMENTS,
        HistoryType.BARS,
        HistoryType.BOOK_SNAPSHOT,
    },
    orders={
        OrderType.MARKET: (TimeInForce.IOC, TimeInForce.GTC),
        OrderType.LIMIT: _ALL_TIF,
        OrderType.STOP_MARKET: (TimeInForce.GTC,),
        OrderType.STOP_LIMIT: _ALL_TIF,
        OrderType.MARKET_IF_TOUCHED: (TimeInForce.GTC,),
        OrderType.LIMIT_IF_TOUCHED: _ALL_TIF,
    },
    post_only=True,
    reduce_only=True,
    modify_order=True,
    cancel_all=True,
    batch_cancel=True,
    batch_submit=True,
    batch_modify=True,
    order_lists=False,
    positions=True,
    private_streams=True,
    notes=(
        "Instrument ids carry the category: BTCUSDT-SPOT, BTCUSDT-LINEAR, BTCUSD-INVERSE, "
        "BTC-27MAR26-70000-P-USDT-OPTION (Bybit reuses symbols across categories).",
        "GTD/DAY time in force do not exist on Bybit; trailing stops are position-level "
        "(set-trading-stop) and not order types; order lists (OCO/OTO) are not offered by v5.",
        "Quotes come from the orderbook.1 stream (spot tickers carry no bid/ask).",
        "Trade history: Bybit serves only the latest 1000 public trades (request_trades works "
        "for those, but no time range can be paged).",
    ),
)
