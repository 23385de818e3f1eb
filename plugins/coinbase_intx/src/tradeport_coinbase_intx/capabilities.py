"""What the Coinbase INTX plugin supports, declared as data.

The conformance suite runs every scenario these capabilities claim (and skips the rest, naming
the capability); the README's table is generated from them (tests/test_readme.py). Declare
only what passes.
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
        "INSTRUMENT_STATUS",
    ],
    book_types=["L2_MBP"],
    history=["INSTRUMENTS"],
    orders={
        OrderType.LIMIT: [TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD],
        OrderType.MARKET: [TimeInForce.IOC, TimeInForce.FOK],
        OrderType.STOP_MARKET: [TimeInForce.GTC],
        OrderType.STOP_LIMIT: [TimeInForce.GTC],
    },
    post_only=True,
    reduce_only=True,
    modify_order=True,
    cancel_all=True,
    batch_cancel=False,
    order_lists=False,
    positions=True,
    private_streams=True,
    notes=(
        "order events come from the FIX drop-copy session (TLS); order_events='poll' "
        "polls open orders over REST instead",
        "take-profit/stop-loss (TAKE_PROFIT_STOP_LOSS) and self-trade prevention are "
        "submit_order keywords (take_profit_price=, stp_mode=)",
        "no REST history of trades, bars or book snapshots is offered by the venue",
        "FUNDING is streamed (subscribe_funding_rates) but not declared: the venue documents "
        "no next funding time, which the suite requires of a FundingRateUpdate",
        "batch cancel and order lists are not offered by the venue",
    ),
)
