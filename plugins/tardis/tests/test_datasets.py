"""Downloadable CSV datasets: the documented format parsed exactly (sans-IO), and replays of
the mock's dataset files (generated from the same SimulatedExchange events as its raw feeds)
over loopback: day files, the key, bounded reads."""

from __future__ import annotations

import gzip
from datetime import date
from decimal import Decimal
from typing import Any

import anyio
import pytest
from tradeport import open_replay
from tradeport.errors import AuthenticationError, MissingCredentials, ValidationError
from tradeport.model.data import QuoteTick, TradeTick
from tradeport.model.decoding import InstrumentDecoder
from tradeport.model.enums import AggressorSide
from tradeport.model.identifiers import InstrumentId
from tradeport.replay import ReplayInterrupted, ReplaySubscription
from tradeport.session import open_venue
from tradeport_conformance.simulated import PublicTrade
from tradeport_tardis.constants import NS_PER_MINUTE
from tradeport_tardis.datasets import CsvDataset, dataset_days, dataset_path
from tradeport_tardis.testing import TardisHarness
from tradeport_tardis.testing.harness import DATASETS_PREFIX, DEFAULT_START

pytestmark = pytest.mark.anyio

DEADLINE = 20.0
SPOT = InstrumentId.from_str("BTCUSDT.BINANCE")
XBT = InstrumentId.from_str("XBTUSD.BITMEX")
#: The trades header as tardis-node's own live test reads it from a downloaded file
#: (test/downloaddatasets.test.ts); the rows' shape as docs.tardis.dev "Data Types" describes
#: (times in microseconds, the taker's side); values of a BitMEX XBTUSD day.
TRADES = (
    "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
    "bitmex,XBTUSD,1585699202957000,1585699203957000,aaa,buy,6425.5,12\n"
    "bitmex,XBTUSD,1585699203957000,1585699204957000,,sell,6425,150\n"
)
#: The quotes header (docs "Data Types", quotes): ask before bid; an empty side is no quote.
QUOTES = (
    "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
    "bitmex,XBTUSD,1585699201147000,1585699202147000,86,6423,6422.5,112\n"
    "bitmex,XBTUSD,1585699202147000,1585699203147000,,,6422.5,112\n"
)


async def _xbt(harness: TardisHarness) -> Any:
    async with open_venue("tardis", harness.client_config(exchanges=["bitmex"]),
                          connect=False) as venue:  # fmt: skip
        (instrument,) = await venue.instruments.load_all()
    return instrument


def test_documented_rows_become_exact_events_fed_in_any_pieces() -> None:
    async def run() -> tuple[list[Any], list[Any]]:
        async with TardisHarness() as harness:
            decoder = InstrumentDecoder(await _xbt(harness))
        body = gzip.compress(TRADES.encode())
        trades = CsvDataset("trades", decoder)
        events = [e for i in range(0, len(body), 7) for e in trades.feed(body[i : i + 7])]
        events += trades.close()
        quotes = CsvDataset("quotes", decoder)
        return events, quotes.feed(QUOTES.encode()) + quotes.close()  # already inflated text

    trades, quotes = anyio.run(run)
    first, second = trades
    assert isinstance(first, TradeTick) and str(first.trade_id) == "aaa"
    assert (first.price.as_decimal(), first.size.as_decimal()) == (Decimal("6425.5"), 12)
    assert first.aggressor_side is AggressorSide.BUYER
    assert (first.ts_event, first.ts_init) == (1585699202957000000, 1585699203957000000)
    assert second.aggressor_side is AggressorSide.SELLER
    assert str(second.trade_id) == "1585699204957000000"  # no id: the local timestamp
    (quote,) = quotes  # the row with an empty ask is no quote
    assert isinstance(quote, QuoteTick)
    assert (quote.bid_price.as_decimal(), quote.ask_price.as_decimal()) == (
        Decimal("6422.5"), Decimal("6423"),
    )  # fmt: skip
    assert (quote.bid_size.as_decimal(), quote.ask_size.as_decimal()) == (112, 86)


def test_a_header_without_the_columns_and_a_cut_gzip_are_errors() -> None:
    decoder = None  # the header is checked before any row needs it
    dataset = CsvDataset("trades", decoder)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="lacks"):
        dataset.feed(b"exchange,symbol,price\n")
    cut = CsvDataset("quotes", decoder)  # type: ignore[arg-type]
    cut.feed(gzip.compress(QUOTES.encode())[:20])
    with pytest.raises(ValidationError, match="ended early"):
        cut.close()


def test_day_files_and_paths() -> None:
    assert dataset_path("deribit", "trades", date(2019, 11, 1), "BTC-PERPETUAL") == (
        "/deribit/trades/2019/11/01/BTC-PERPETUAL.csv.gz"
    )
    day = 86_400 * 10**9
    assert dataset_days(DEFAULT_START + 10, DEFAULT_START + day + 1) == [
        date(2026, 11, 2), date(2026, 11, 3),
    ]  # fmt: skip
    assert dataset_days(DEFAULT_START, DEFAULT_START + day) == [date(2026, 11, 2)]


async def test_a_dataset_replay_equals_the_simulated_trades_and_quotes() -> None:
    async with TardisHarness() as harness:
        truth = harness.record_market(SPOT, DEFAULT_START, 3)
        async with open_venue("tardis", harness.client_config(), connect=False) as venue:
            instruments = await venue.instruments.load_all()
        subs = [ReplaySubscription(data_type=t, instrument_id=SPOT) for t in ("TRADES", "QUOTES")]
        with anyio.fail_after(DEADLINE):
            async with open_replay("tardis", harness.client_config(), DEFAULT_START,
                                   DEFAULT_START + 3 * NS_PER_MINUTE, subscriptions=subs,
                                   instruments=instruments, params={"datasets": True}) as replay:  # fmt: skip
                events = [e async for e in replay.events()]
        assert replay.completed
        trades = [e for e in events if isinstance(e, TradeTick)]
        sim = [t for t in truth if isinstance(t, PublicTrade)]
        assert [(t.price.as_decimal(), t.size.as_decimal(), t.aggressor_side) for t in trades] == [
            (s.price, s.quantity, s.aggressor_side) for s in sim
        ]  # fmt: skip
        assert {t.price.precision for t in trades} == {2}
        assert any(isinstance(e, QuoteTick) for e in events)
        assert [e.ts_init for e in events] == sorted(e.ts_init for e in events)
        fetched = sorted(r.path for r in harness.requests if r.path.startswith(DATASETS_PREFIX))
        assert fetched == [DATASETS_PREFIX + "/binance/quotes/2026/11/02/BTCUSDT.csv.gz",
                           DATASETS_PREFIX + "/binance/trades/2026/11/02/BTCUSDT.csv.gz"]  # fmt: skip
        assert all(r.headers.get("authorization") for r in harness.requests
                   if r.path.startswith(DATASETS_PREFIX))  # fmt: skip


async def test_without_a_key_other_days_are_refused_before_a_request_and_a_wrong_key_is_final(
) -> None:  # fmt: skip
    async with TardisHarness() as harness:
        harness.record_market(SPOT, DEFAULT_START, 1)
        async with open_venue("tardis", harness.client_config(), connect=False) as venue:
            instruments = await venue.instruments.load_all()
        subs = [ReplaySubscription(data_type="TRADES", instrument_id=SPOT)]

        async def replay(**config: Any) -> None:
            async with open_replay("tardis", harness.client_config(**config), DEFAULT_START,
                                   DEFAULT_START + NS_PER_MINUTE, subscriptions=subs,
                                   instruments=instruments, params={"datasets": True}) as r:  # fmt: skip
                async for _ in r.events():
                    pass

        sent = len(harness.requests)
        with pytest.raises(ReplayInterrupted) as err:
            await replay(api_key=None)
        assert isinstance(err.value.__cause__, MissingCredentials)
        assert len(harness.requests) == sent and not err.value.retryable
        with pytest.raises(ReplayInterrupted) as err:
            await replay(api_key="TD.wrong")
        assert isinstance(err.value.__cause__, AuthenticationError)
        assert len(harness.requests) == sent + 1 and not err.value.retryable
