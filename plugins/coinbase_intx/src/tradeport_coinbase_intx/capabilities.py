"""What the CoinbaseIntx plugin supports, declared as data.

The conformance suite runs every scenario these capabilities claim (and skips the rest, naming
the capability); ``tradeport info coinbase_intx`` shows them; the README's capability table is
generated from them (tests/test_readme.py keeps it in step). Declare only what passes.
"""

from __future__ import annotations

from tradeport.clients import Capabilities
from tradeport.model.enums import OrderType, TimeInForce

__all__ = ["CAPABILITIES"]

CAPABILITIES = Capabilities(
    products=["SPOT", "PERPETUAL"],
    data=[
        "QUOTES",
        "TRADES",
        "BOOK_DELTAS",
        "BARS",
        "MARK_PRICES",
        "INDEX_PRICES",
        "FUNDING_RATES",
    ],
    book_types=["L2_MBP"],
    history=["INSTRUMENTS", "BARS", "TRADES", "BOOK_SNAPSHOT"],
    orders={
        OrderType.LIMIT: [TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD],
        OrderType.MARKET: [TimeInForce.IOC],
        OrderType.STOP_MARKET: [TimeInForce.GTC],
        OrderType.STOP_LIMIT: [TimeInForce.GTC],
    },
    post_only=True,
    reduce_only=True,
    modify_order=True,
    cancel_all=True,
    batch_cancel=True,
    order_lists=False,
    positions=True,
    private_streams=True,
    notes=(
        "order lists (OCO/OTO) are not offered by the venue",
        "instrument status and close are not published by the venue",
        "historical quotes are not offered by the venue",
    ),
)
