"""The live data client over the loopback tardis-machine's ``/ws-stream-normalized``: what the
conformance suite does not reach (the machine's ``disconnect`` message, subscription changes)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport.model.data import TradeTick
from tradeport.model.enums import AggressorSide, OrderSide
from tradeport.model.identifiers import InstrumentId
from tradeport.session import open_venue
from tradeport_tardis.events import Disconnect
from tradeport_tardis.testing import TardisHarness
from tradeport_tardis.testing.render import iso_ms

pytestmark = pytest.mark.anyio

DEADLINE = 20.0
SPOT = InstrumentId.from_str("BTCUSDT.BINANCE")
BIDS = [(Decimal("999.99"), Decimal("0.5")), (Decimal("999.98"), Decimal("1"))]
ASKS = [(Decimal("1000.01"), Decimal("0.5"))]


def _levels(venue: Any) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
    book = venue.data.book(SPOT)
    side = lambda levels: [(lv.price.as_decimal(), lv.size.as_decimal()) for lv in levels]  # noqa: E731
    return side(book.bids()), side(book.asks())


async def _next(events: Any, kind: type) -> Any:
    async for event in events:
        if isinstance(event, kind):
            return event
    raise AssertionError(f"the event stream ended before a {kind.__name__}")


async def test_a_disconnect_message_makes_the_book_wait_for_the_next_snapshot() -> None:
    async with TardisHarness() as harness, open_venue("tardis", harness.client_config()) as venue:
        await venue.instruments.load_all()
        await harness.set_book(SPOT, BIDS, ASKS)
        with anyio.fail_after(DEADLINE):
            await venue.data.subscribe_book_deltas(SPOT)
            await venue.data.subscribe_trades(SPOT)
            await harness.wait_until(lambda: _levels(venue) == (BIDS, ASKS), DEADLINE)
            events = venue.events()
            harness.publish_live({"type": "disconnect", "exchange": "binance",
                                  "localTimestamp": iso_ms(time.time_ns())})  # fmt: skip
            assert (await _next(events, Disconnect)).exchange == "binance"
            # A change after the disconnect is not patched into the book...
            await harness.publish_book_update(SPOT, OrderSide.BUY, Decimal("999.97"), Decimal(2))
            trade_id = await harness.publish_trade(SPOT, Decimal("1000"), Decimal("0.1"),
                                                   AggressorSide.BUYER)  # fmt: skip
            assert str((await _next(events, TradeTick)).trade_id) == trade_id  # read past it
            assert _levels(venue) == (BIDS, ASKS)
            # ...the next snapshot rebuilds it.
            fresh = [(Decimal("999.90"), Decimal("3"))]
            await harness.set_book(SPOT, fresh, ASKS)
            await harness.wait_until(lambda: _levels(venue) == (fresh, ASKS), DEADLINE)


async def test_each_subscription_change_reopens_the_stream_with_the_whole_set() -> None:
    async with TardisHarness() as harness, open_venue("tardis", harness.client_config()) as venue:
        await venue.instruments.load_all()
        with anyio.fail_after(DEADLINE):
            await venue.data.subscribe_trades(SPOT)
            await venue.data.subscribe_quotes(SPOT)
            await venue.data.subscribe_quotes(SPOT)  # already wanted: no new connection
            await harness.wait_until(
                lambda: (
                    harness.active_subscriptions()
                    == [{"trade:binance:btcusdt", "quote:binance:btcusdt"}]
                ),
                DEADLINE,
            )
            assert harness.subscription_messages() == 2
            await venue.data.unsubscribe_trades(SPOT)
            await harness.wait_until(
                lambda: harness.active_subscriptions() == [{"quote:binance:btcusdt"}], DEADLINE
            )
            assert harness.subscription_messages() == 3
