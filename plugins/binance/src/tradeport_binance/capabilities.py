"""What the Binance plugin declares it supports (read by the CLI, the suite and the README)."""

from __future__ import annotations

import attrs
from tradeport.clients.capabilities import Capabilities, DataType, HistoryType
from tradeport.model.enums import BookType, OrderType, ProductType, TimeInForce

from tradeport_binance.enums import BinanceAccountType

__all__ = [
    "CAPABILITIES",
    "SPOT_CAPABILITIES",
    "USDM_CAPABILITIES",
    "COINM_CAPABILITIES",
    "capabilities_for",
]

_GTC_IOC_FOK = (TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK)

#: One declaration for every account type; limits per product are in ``notes``.
CAPABILITIES = Capabilities(
    products=(ProductType.SPOT, ProductType.PERPETUAL, ProductType.FUTURE),
    data=(
        DataType.QUOTES,
        DataType.TRADES,
        DataType.BOOK_DELTAS,
        DataType.BARS,
        DataType.MARK_PRICES,
        DataType.INDEX_PRICES,
        DataType.FUNDING_RATES,
        DataType.CUSTOM,
    ),
    book_types=(BookType.L2_MBP,),
    history=(
        HistoryType.INSTRUMENTS,
        HistoryType.BARS,
        HistoryType.TRADES,
        HistoryType.BOOK_SNAPSHOT,
    ),
    orders={
        # Binance market orders take no time in force; GTC stands for "none given".
        OrderType.MARKET: (TimeInForce.GTC,),
        OrderType.LIMIT: (*_GTC_IOC_FOK, TimeInForce.GTD),
        OrderType.STOP_MARKET: (TimeInForce.GTC,),
        OrderType.STOP_LIMIT: _GTC_IOC_FOK,
        OrderType.MARKET_IF_TOUCHED: (TimeInForce.GTC,),
        OrderType.LIMIT_IF_TOUCHED: _GTC_IOC_FOK,
        OrderType.TRAILING_STOP_MARKET: (TimeInForce.GTC,),
    },
    post_only=True,
    reduce_only=True,
    modify_order=True,
    cancel_all=True,
    batch_cancel=True,
    order_lists=True,
    positions=True,
    private_streams=True,
    notes=(
        "reduce-only, trailing-stop-market, modify and batch cancel: futures accounts only",
        "GTD: USD-M futures only (COIN-M offers GTC, IOC, FOK and GTX)",
        "order lists (OCO): spot and margin accounts only",
        "post-only: LIMIT_MAKER on spot/margin, GTX on futures",
        "positions: futures accounts (spot has balances only)",
        "Binance US: spot only; no margin testnet",
        "index price and funding rate come with the futures mark price stream",
    ),
)

_SPOT_ORDERS = {
    OrderType.MARKET: (TimeInForce.GTC,),
    OrderType.LIMIT: _GTC_IOC_FOK,
    OrderType.STOP_MARKET: (TimeInForce.GTC,),
    OrderType.STOP_LIMIT: _GTC_IOC_FOK,
    OrderType.MARKET_IF_TOUCHED: (TimeInForce.GTC,),
    OrderType.LIMIT_IF_TOUCHED: _GTC_IOC_FOK,
}

#: Spot (and margin) accounts: no modify of price, no GTD, no batch cancel, no derivatives.
SPOT_CAPABILITIES = Capabilities(
    products=(ProductType.SPOT,),
    data=(
        DataType.QUOTES,
        DataType.TRADES,
        DataType.BOOK_DELTAS,
        DataType.BARS,
        DataType.CUSTOM,
    ),
    book_types=(BookType.L2_MBP,),
    history=CAPABILITIES.history,
    orders=_SPOT_ORDERS,
    post_only=True,
    reduce_only=False,
    modify_order=False,
    cancel_all=True,
    batch_cancel=False,
    order_lists=True,
    positions=False,
    private_streams=True,
    notes=("post-only: LIMIT_MAKER", "order lists: OCO"),
)

#: USD-M futures accounts: no order lists; GTD, reduce-only, modify and batch cancel.
USDM_CAPABILITIES = Capabilities(
    products=(ProductType.PERPETUAL, ProductType.FUTURE),
    data=CAPABILITIES.data,
    book_types=(BookType.L2_MBP,),
    history=CAPABILITIES.history,
    orders={
        OrderType.MARKET: (TimeInForce.GTC,),
        OrderType.LIMIT: (*_GTC_IOC_FOK, TimeInForce.GTD),
        OrderType.STOP_MARKET: (TimeInForce.GTC,),
        OrderType.STOP_LIMIT: _GTC_IOC_FOK,
        OrderType.MARKET_IF_TOUCHED: (TimeInForce.GTC,),
        OrderType.LIMIT_IF_TOUCHED: _GTC_IOC_FOK,
        OrderType.TRAILING_STOP_MARKET: (TimeInForce.GTC,),
    },
    post_only=True,
    reduce_only=True,
    modify_order=True,
    cancel_all=True,
    batch_cancel=True,
    order_lists=False,
    positions=True,
    private_streams=True,
    notes=("post-only: GTX", "modify: LIMIT orders (price and quantity)"),
)


#: COIN-M futures accounts: as USD-M but without GTD. Binance's COIN-M "Common Definition"
#: page lists the time in force values GTC, IOC, FOK and GTX (post-only) only, and the order
#: types LIMIT, MARKET, STOP, STOP_MARKET, TAKE_PROFIT, TAKE_PROFIT_MARKET and
#: TRAILING_STOP_MARKET. Quantities are in contracts (``contractSize`` USD each).
COINM_CAPABILITIES = attrs.evolve(
    USDM_CAPABILITIES,
    orders=USDM_CAPABILITIES.orders - {(OrderType.LIMIT, TimeInForce.GTD)},
    notes=(
        *USDM_CAPABILITIES.notes,
        "quantities in contracts (the instrument's multiplier is the contract size in USD)",
    ),
)

_BY_ACCOUNT_TYPE = {
    BinanceAccountType.SPOT: SPOT_CAPABILITIES,
    BinanceAccountType.MARGIN: SPOT_CAPABILITIES,
    BinanceAccountType.ISOLATED_MARGIN: SPOT_CAPABILITIES,
    BinanceAccountType.USDT_FUTURE: USDM_CAPABILITIES,
    BinanceAccountType.COIN_FUTURE: COINM_CAPABILITIES,
}


def capabilities_for(account_type: BinanceAccountType) -> Capabilities:
    """What one account type supports: spot and margin share the spot declaration; USD-M and
    COIN-M futures each have their own."""
    return _BY_ACCOUNT_TYPE[account_type]
