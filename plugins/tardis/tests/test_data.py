"""The live data client over the loopback tardis-machine's ``/ws-stream-normalized``: what the
conformance suite does not reach (the machine's ``disconnect`` message, subscription changes)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    TradeTick,
)
from tradeport.model.enums import AggressorSide, OrderSide
from tradeport.model.identifiers import InstrumentId
from tradeport.model.numbers import Price
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


_DOCUMENTED = json.loads(
    (Path(__file__).parent / "test_data" / "normalized_messages.json").read_text()
)


async def test_live_derivative_tickers_and_bars_from_the_documented_messages() -> None:
    """tardis-node's own derivative_ticker and trade_bar messages (SOURCES.md), moved onto the
    mock's instruments (ETHUSDT perpetual, BNBBTC spot: a tick fine enough for the bar's
    prices): exact values; mark, index and funding share one connection; the bar comes
    stamped at its close under the bar type asked for."""
    perp = InstrumentId.from_str("ETHUSDT-PERP.BINANCE")
    bnb = InstrumentId.from_str("BNBBTC.BINANCE")
    ticker = {**_DOCUMENTED["derivative_ticker"], "symbol": "ETHUSDT"}
    bar = {**_DOCUMENTED["trade_bar"], "symbol": "BNBBTC", "exchange": "binance"}
    async with TardisHarness() as harness, open_venue("tardis", harness.client_config()) as venue:
        await venue.instruments.load_all()
        with anyio.fail_after(DEADLINE):
            await venue.data.subscribe_mark_prices(perp)
            connections = harness.total_connections
            await venue.data.subscribe_index_prices(perp)
            await venue.data.subscribe_funding_rates(perp)
            assert harness.total_connections == connections, "one ticker, one connection"
            hour = BarType.from_str(f"{bnb}-60-MINUTE-LAST-EXTERNAL")
            await venue.data.subscribe_bars(BarType.from_str(f"{bnb}-1-MINUTE-LAST-EXTERNAL"))
            await venue.data.subscribe_bars(hour)
            await harness.wait_until(
                lambda: harness.active_subscriptions()
                == [{"derivative_ticker:binance-futures:ethusdt", "trade_bar_1m:binance:bnbbtc",
                     "trade_bar_60m:binance:bnbbtc"}],
                DEADLINE,
            )  # fmt: skip
            events = venue.events()
            harness.publish_live(ticker)
            got = {type(e): e for e in [await _next(events, MarkPriceUpdate),
                                        await _next(events, IndexPriceUpdate),
                                        await _next(events, FundingRateUpdate)]}  # fmt: skip
            harness.publish_live(bar)
            one_minute = await _next(events, Bar)
            harness.publish_live({**bar, "name": "trade_bar_60m", "interval": 3_600_000})
            one_hour = await _next(events, Bar)
    assert got[MarkPriceUpdate].value == Price(Decimal("11857.56"), 2)
    assert got[IndexPriceUpdate].value.as_decimal() == Decimal("11851.86949091")
    funding = got[FundingRateUpdate]
    assert funding.rate == Decimal("0.0001564")
    assert funding.next_funding_ns == 1_597_564_800 * 10**9  # 2020-08-16T08:00:00Z
    assert funding.ts_event == 1_597_536_008 * 10**9  # the exchange's timestamp
    assert str(one_minute.bar_type) == f"{bnb}-1-MINUTE-LAST-EXTERNAL"
    assert [p.as_decimal() for p in (one_minute.open, one_minute.high, one_minute.low,
                                     one_minute.close)] == [Decimal("0.3394"), Decimal("0.3394"),
                                                            Decimal("0.3387"), Decimal("0.3394")]  # fmt: skip
    assert one_minute.volume.as_decimal() == Decimal("1338")
    assert one_minute.ts_event == 1_719_111_960 * 10**9  # its close, 2024-06-23T03:06:00Z
    assert one_hour.bar_type == hour  # sent as a 1-hour bar, delivered as the type asked for
