"""Shared helpers of the plugin's mock-venue tests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import anyio
from tradeport.session import open_venue
from tradeport_betfair.testing import BetfairHarness

D = Decimal


async def next_of(venue: Any, predicate: Callable[[Any], bool], timeout: float = 15.0) -> Any:
    """The next event matching ``predicate`` (the others are skipped)."""
    with anyio.fail_after(timeout):
        while True:
            event = await venue.next_event()
            if predicate(event):
                return event


def book_equals_venue(venue: Any, harness: BetfairHarness, iid: Any) -> bool:
    """The client's local ladders equal the venue's, level by level."""
    try:
        local = venue.data.book(iid)
    except KeyError:
        return False
    truth = harness.exchange.book(iid.symbol.value)
    bids = [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in local.bids()]
    asks = [(lvl.price.as_decimal(), lvl.size.as_decimal()) for lvl in local.asks()]
    return bids == [tuple(x) for x in truth.bids] and asks == [tuple(x) for x in truth.asks]


def session(harness: BetfairHarness, credentials: str = "valid", **overrides: Any) -> Any:
    return open_venue("betfair", harness.client_config(credentials, **overrides))  # type: ignore[arg-type]


LADDER_BIDS = [(D("2.50"), D("100")), (D("2.48"), D("50")), (D("2.46"), D("25"))]
LADDER_ASKS = [(D("2.52"), D("80")), (D("2.54"), D("40")), (D("2.56"), D("20"))]
