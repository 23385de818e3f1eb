"""The Parquet sink and source: exact round trips, the files as other tools read them, rollover."""

# ruff: noqa: ASYNC240 - the tests look at the files the sink wrote, between awaits

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest
import tradeport
from tradeport.errors import ConfigError
from tradeport.model.data import OrderBookDeltas, QuoteTick
from tradeport.sinks import UnknownSink, open_sink
from tradeport.sources import open_source
from tradeport.testing.sample_events import sample_events

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _record(directory: Path, events: list, **options) -> object:
    async with open_sink(f"parquet:{directory}", **options) as sink:
        for event in events:
            await sink.write(event)
    return sink


async def _read(url: str, **options) -> list:
    async with open_source(url, **options) as source:
        return [event async for event in source.events()]


async def test_every_market_data_type_round_trips_exactly_in_order(tmp_path: Path) -> None:
    events = sample_events(400)
    sink = await _record(tmp_path, events, batch_size=64)
    assert sink.stats.events == sink.stats.stored == 400
    back = await _read(f"parquet:{tmp_path}")
    assert back == events
    # Precision is kept, not only the value: "42000.10" stays "42000.10".
    assert [str(e.ask_price) for e in back if isinstance(e, QuoteTick)] == [
        str(e.ask_price) for e in events if isinstance(e, QuoteTick)
    ]


async def test_open_source_is_public_on_the_package(tmp_path: Path) -> None:
    events = sample_events(20)
    await _record(tmp_path, events)
    async with tradeport.open_source(f"parquet:{tmp_path}", types=["QuoteTick"]) as source:
        quotes = [e async for e in source.events()]
    assert quotes == [e for e in events if isinstance(e, QuoteTick)]


async def test_layout_is_one_dataset_per_type_partitioned_by_venue_instrument_date(
    tmp_path: Path,
) -> None:
    await _record(tmp_path, sample_events(90))
    datasets = {p.name for p in tmp_path.iterdir()}
    assert {"QuoteTick", "TradeTick", "Bar", "OrderBookDeltas", "FundingRateUpdate"} <= datasets
    partitions = {
        p.relative_to(tmp_path / "QuoteTick").parent.as_posix()
        for p in (tmp_path / "QuoteTick").rglob("*.parquet")
    }
    assert "venue=BINANCE/instrument=BTCUSDT-PERP.BINANCE/date=2026-12-07" in partitions
    assert "venue=BITMEX/instrument=XBTUSD.BITMEX/date=2026-12-07" in partitions


async def test_duckdb_reads_exact_decimals_and_ns_timestamps_without_tradeport(
    tmp_path: Path,
) -> None:
    events = sample_events(300)
    await _record(tmp_path, events)
    quotes = [e for e in events if isinstance(e, QuoteTick)]
    rows = duckdb.sql(
        f"""SELECT instrument, bid_price, ask_price_precision, epoch_ns(ts_event), venue
            FROM read_parquet('{tmp_path}/QuoteTick/**/*.parquet', hive_partitioning = true)
            ORDER BY run, seq"""
    ).fetchall()
    assert len(rows) == len(quotes)
    for (instrument, bid, ask_precision, ts, venue), quote in zip(rows, quotes, strict=True):
        assert instrument == str(quote.instrument_id)
        assert venue == quote.instrument_id.venue.value
        assert bid == quote.bid_price.as_decimal()  # exact decimal, not a float
        assert ask_precision == quote.ask_price.precision
        assert ts == quote.ts_event
    # Book deltas: one row per delta; a CLEAR has no price.
    deltas = sum(len(e.deltas) for e in events if isinstance(e, OrderBookDeltas))
    count, clears = duckdb.sql(
        f"""SELECT count(*), count(*) FILTER (WHERE action = 'CLEAR' AND price IS NULL)
            FROM read_parquet('{tmp_path}/OrderBookDeltas/**/*.parquet')"""
    ).fetchall()[0]
    assert count == deltas and clears > 0


async def test_pyarrow_dataset_reads_the_hive_partitions(tmp_path: Path) -> None:
    events = sample_events(90)
    await _record(tmp_path, events)
    table = ds.dataset(tmp_path / "TradeTick", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == sum(1 for e in events if type(e).__name__ == "TradeTick")
    assert set(table.column("venue").to_pylist()) == {"BINANCE", "BITMEX"}


async def test_rollover_by_batch_size_and_only_complete_files(tmp_path: Path) -> None:
    events = sample_events(1000)
    sink = await _record(tmp_path, events, batch_size=100, flush_interval=3600)
    files = sorted(tmp_path.rglob("*.parquet"))
    assert not list(tmp_path.rglob("*.tmp"))
    rolls = {f.stem.rsplit("-", 1)[1] for f in files}
    assert len(rolls) == 10  # one rollover per 100 events
    assert sink.stats.files == len(files)
    assert sink.stats.bytes == sum(f.stat().st_size for f in files)


async def test_rollover_by_time_lands_files_while_the_sink_is_open(tmp_path: Path) -> None:
    import anyio

    async with open_sink(f"parquet:{tmp_path}", flush_interval=0.05) as sink:
        for event in sample_events(10):
            await sink.write(event)
        with anyio.fail_after(10):
            while sink.stats.stored < 10:  # noqa: ASYNC110 - the timer has no event to wait on
                await anyio.sleep(0.01)
        assert list(tmp_path.rglob("*.parquet"))
    assert sink.stats.stored == 10


async def test_a_leftover_tmp_file_is_ignored(tmp_path: Path) -> None:
    events = sample_events(30)
    await _record(tmp_path, events)
    folder = next(tmp_path.rglob("date=*"))
    (folder / ".crashed-00000009.parquet.tmp").write_bytes(b"PAR1 half a file")
    assert await _read(f"parquet:{tmp_path}") == events


async def test_two_runs_in_one_directory_read_back_in_run_order(tmp_path: Path) -> None:
    first, second = sample_events(40), sample_events(40, start_ns=2_000_000_000_000_000_000)
    await _record(tmp_path, first)
    await _record(tmp_path, second)
    assert await _read(f"parquet:{tmp_path}") == first + second


async def test_filters_by_venue_and_type(tmp_path: Path) -> None:
    events = sample_events(180)
    await _record(tmp_path, events)
    got = await _read(f"parquet:{tmp_path}", venues=["bitmex"], types=["TradeTick", "QuoteTick"])
    want = [
        e
        for e in events
        if type(e).__name__ in ("TradeTick", "QuoteTick")
        and e.instrument_id.venue.value == "BITMEX"
    ]
    assert got == want and got


async def test_bad_urls_and_options_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(UnknownSink, match="no installed sink serves 'kafka'"):
        open_sink("kafka://localhost")
    with pytest.raises(ConfigError, match="unknown option"):
        open_sink(f"parquet:{tmp_path}", batchsize=3)
    with pytest.raises(ConfigError, match="is not a directory"):
        await _read(f"parquet:{tmp_path / 'missing'}")


def test_hook_register_sinks_parquet() -> None:
    from tradeport.plugins import SINKS_GROUP, load_plugins

    registry = load_plugins(group=SINKS_GROUP)
    spec = registry.sinks["parquet"]
    assert spec.schemes == ("parquet",) and spec.open_source is not None
