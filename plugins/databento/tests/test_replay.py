"""open_replay("databento"): historical ranges as the live session's events, merged in
ts_init (= Databento's ts_recv) order, resumable."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import tradeport
from tradeport.clients.capabilities import DataType
from tradeport.model.data import Bar, OrderBookDeltas, TradeTick
from tradeport.model.enums import OrderSide
from tradeport.model.identifiers import InstrumentId
from tradeport.replay import ReplaySubscription
from tradeport_databento.testing import DatabentoHarness

pytestmark = pytest.mark.anyio

ES = InstrumentId.from_str("ESZ6.XCME")


async def test_trades_and_bars_replay_merged_in_order() -> None:
    async with DatabentoHarness() as harness:
        harness.seed_history(ES, trades=120, bars=30)
        start = time.time_ns() - 3 * 3600 * 10**9
        subs = [
            ReplaySubscription(data_type=DataType.TRADES, instrument_id=ES),
            ReplaySubscription(data_type=DataType.BARS, instrument_id=ES),
        ]
        async with tradeport.open_replay(
            "databento", harness.client_config(), start=start, subscriptions=subs
        ) as replay:
            events = [event async for event in replay.events()]
        assert replay.completed
        trades = [e for e in events if isinstance(e, TradeTick)]
        bars = [e for e in events if isinstance(e, Bar)]
        assert (len(trades), len(bars)) == (120, 30)
        stamps = [e.ts_init for e in events]
        assert stamps == sorted(stamps)
        assert all(t.ts_init >= t.ts_event for t in trades)
        assert len({str(t.trade_id) for t in trades}) == 120


async def test_an_interrupted_replay_resumes_after_its_cursor() -> None:
    async with DatabentoHarness() as harness:
        harness.seed_history(ES, trades=50)
        start = time.time_ns() - 3600 * 10**9
        subs = [ReplaySubscription(data_type=DataType.TRADES, instrument_id=ES)]
        async with tradeport.open_replay(
            "databento", harness.client_config(), start=start, subscriptions=subs
        ) as replay:
            first = []
            async for event in replay.events():
                first.append(event)
                if len(first) == 20:
                    break
            cursor = replay.cursor
        async with tradeport.open_replay(
            "databento", harness.client_config(), start=start, subscriptions=subs, resume=cursor
        ) as resumed:
            rest = [event async for event in resumed.events()]
        ids = [str(e.trade_id) for e in first + rest]
        assert len(ids) == 50 and len(set(ids)) == 50


async def test_mbo_book_replay_yields_event_batches() -> None:
    async with DatabentoHarness() as harness:
        start = time.time_ns() - 10**9
        await harness.set_book(
            ES, [(Decimal(5000), Decimal(2))], [(Decimal("5000.25"), Decimal(3))]
        )
        await harness.publish_book_update(ES, OrderSide.BUY, Decimal("4999.75"), Decimal(1))
        subs = [ReplaySubscription(data_type=DataType.BOOK_DELTAS, instrument_id=ES)]
        async with tradeport.open_replay(
            "databento", harness.client_config(), start=start, subscriptions=subs
        ) as replay:
            batches = [event async for event in replay.events()]
        assert [len(b) for b in batches] == [2, 1] and all(
            isinstance(b, OrderBookDeltas) for b in batches
        )
