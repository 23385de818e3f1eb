"""What the Polymarket plugin supports, declared as data.

The conformance suite runs every scenario these capabilities claim (and skips the rest,
naming the capability); ``tradeport info polymarket`` shows them; the README's capability table
is generated from them (tests/test_readme.py keeps it in step). Declare only what passes.
"""

from __future__ import annotations

from tradeport.clients import Capabilities
from tradeport.model.enums import OrderType, TimeInForce

__all__ = ["CAPABILITIES"]

CAPABILITIES = Capabilities(
    products=["BINARY_OUTCOME"],
    data=["QUOTES", "TRADES", "BOOK_DELTAS"],
    book_types=["L2_MBP"],
    history=["INSTRUMENTS", "TRADES", "BOOK_SNAPSHOT"],
    orders={
        OrderType.LIMIT: [TimeInForce.GTC, TimeInForce.GTD, TimeInForce.FOK, TimeInForce.IOC],
        OrderType.MARKET: [TimeInForce.FOK, TimeInForce.IOC],
    },
    post_only=True,
    reduce_only=False,
    modify_order=False,
    cancel_all=True,
    batch_cancel=True,
    batch_submit=True,
    order_lists=False,
    positions=True,
    private_streams=True,
    provisional_fills=True,
    notes=(
        "no modify: orders are signed, so a change is a cancel and a new order (the caller's choice)",
        "no reduce-only, no stop or trigger orders, no order lists at the venue",
        "IOC is the venue's FAK (fill and kill); market BUY orders spend a pUSD amount "
        "(quote_quantity=True), market SELL orders sell shares",
        "fills are provisional until settled on chain (MATCHED, MINED -> CONFIRMED or FAILED)",
        "no bars: the venue has a price series (prices-history), not OHLC bars",
        "no historical quotes; no mark/index/funding (not a derivatives venue)",
        "the venue lists open orders only: closed orders are reported for orders sent here",
    ),
)
