"""The Parquet sink: one dataset per event type, Hive-partitioned, files that land atomically.

Layout under the sink's directory::

    DIR/QuoteTick/venue=BINANCE/instrument=BTCUSDT.BINANCE/date=2026-12-07/<run>-00000001.parquet
    DIR/OrderBookDeltas/venue=.../...
    DIR/binance.BinanceBar/...

(``date`` is the UTC date of the event's ``ts_event``; partition values are URL-quoted.)
Any reader that knows Hive partitioning reads it without tradeport, e.g. DuckDB
``SELECT * FROM read_parquet('DIR/QuoteTick/**/*.parquet', hive_partitioning = true)``,
polars ``pl.scan_parquet("DIR/QuoteTick/**/*.parquet", hive_partitioning=True)`` or pandas
``pd.read_parquet("DIR/QuoteTick")``. The column types are in :mod:`tradeport_parquet.columns`.

**Rollover and what a crash can lose.** Events collect in memory; every ``batch_size`` events
(default 10 000) or ``flush_interval`` seconds (default 1.0), whichever comes first, the batch
becomes one file per partition. Each file is written beside its final name as
``.<name>.tmp``, fsynced, then renamed into place, so a reader never sees a half-written
file and a crash (even SIGKILL or power loss) leaves only complete files, plus possibly an
ignored ``.tmp``. What a crash loses is the open batch: the events accepted after the last
rollover started, at most ``2 * batch_size`` events (``write`` waits while a full batch is
being written) and about ``2 * flush_interval`` seconds of data.
"""

from __future__ import annotations

import os
import time
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import pyarrow.parquet as pq
from tradeport.sinks import (
    Sink,
    check_options,
    type_module,
)

from tradeport_parquet.columns import encode_rows, layout_for

__all__ = ["ParquetSink", "partition_path", "directory_of"]

#: Parquet key-value metadata naming the module of a plugin's own record type.
TYPE_MODULE_KEY = "tradeport.type_module"
OPTIONS = {"venue", "batch_size", "flush_interval", "compression", "fsync"}


def directory_of(url: str) -> Path:
    """``parquet:/data/ticks`` or ``parquet:ticks`` or ``parquet:///data`` -> the directory."""
    _, _, rest = url.partition(":")
    if rest.startswith("//"):
        rest = urllib.parse.urlparse(url).path
    if not rest:
        from tradeport.errors import ConfigError

        raise ConfigError(f"parquet URL {url!r} names no directory (parquet:DIR)", field="url")
    return Path(rest).expanduser()


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


NS_PER_DAY = 86_400 * 1_000_000_000


def partition_path(type_name: str, venue: str, instrument: str, day: int) -> Path:
    """The dataset-relative directory of one partition (``day``: UTC days since the epoch)."""
    date = time.strftime("%Y-%m-%d", time.gmtime(day * 86_400))
    return Path(
        _quote(type_name),
        f"venue={_quote(venue)}",
        f"instrument={_quote(instrument)}",
        f"date={date}",
    )


class ParquetSink(Sink):
    """Writes events as Parquet files under a directory (see the module docstring)."""

    def __init__(self, url: str, options: Mapping[str, Any]) -> None:
        check_options("parquet sink", options, OPTIONS)
        super().__init__(url, venue=options.get("venue", "UNKNOWN"))
        self.directory = directory_of(url)
        self.batch_size = int(options.get("batch_size", 10_000))
        self.flush_interval = float(options.get("flush_interval", 1.0))
        self.compression = options.get("compression", "zstd")
        self.fsync = bool(options.get("fsync", True))
        #: partition key (type name, venue, instrument, day) -> (seqs, events) of the open batch.
        self._buffers: dict[tuple[str, str, str, int], tuple[list[int], list[Any]]] = {}
        self._buffered = 0
        self._rolls = 0
        self._lock = anyio.Lock()
        self._tasks: Any = None
        #: Paths of the files written, in order.
        self.files: list[Path] = []

    async def open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._tasks = anyio.create_task_group()
        await self._tasks.__aenter__()
        self._tasks.start_soon(self._roll_periodically)

    async def write(self, event: Any) -> None:
        seq = self.next_seq()
        key = (*self.route(event), getattr(event, "ts_event", 0) // NS_PER_DAY)
        batch = self._buffers.get(key)
        if batch is None:
            batch = self._buffers[key] = ([], [])
        batch[0].append(seq)
        batch[1].append(event)
        self._buffered += 1
        if self._buffered >= self.batch_size:
            await self.flush()

    async def flush(self) -> None:
        """Roll the open batch into files now."""
        # Shielded: a batch taken out of the buffer is written whatever gets cancelled.
        with anyio.CancelScope(shield=True):
            async with self._lock:
                await self._roll()

    async def _roll(self) -> None:
        if not self._buffered:
            return
        buffers, self._buffers = self._buffers, {}
        count, self._buffered = self._buffered, 0
        self._rolls += 1
        written = await anyio.to_thread.run_sync(self._write_files, buffers, self._rolls)
        self.stats.stored += count
        for path, size in written:
            self.files.append(path)
            self.stats.files += 1
            self.stats.bytes += size

    def _write_files(
        self, buffers: Mapping[tuple[str, str, str, int], tuple[list[int], list[Any]]], roll: int
    ) -> list[tuple[Path, int]]:
        written = []
        for key, (seqs, events) in buffers.items():
            event_type = type(events[0])
            table = encode_rows(layout_for(event_type), self.run, seqs, events)
            module = type_module(event_type)
            if module is not None:  # so a reader can import the plugin type
                table = table.replace_schema_metadata({TYPE_MODULE_KEY: module})
            folder = self.directory / partition_path(*key)
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{self.run}-{roll:08d}.parquet"
            final, temp = folder / name, folder / f".{name}.tmp"
            pq.write_table(table, temp, compression=self.compression)
            if self.fsync:
                fd = os.open(temp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            os.replace(temp, final)  # atomic: readers see the whole file or none
            written.append((final, final.stat().st_size))
        return written

    async def _roll_periodically(self) -> None:
        while True:
            await anyio.sleep(self.flush_interval)
            await self.flush()

    async def close(self) -> None:
        if self._tasks is not None:
            self._tasks.cancel_scope.cancel()
            await self._tasks.__aexit__(None, None, None)
            self._tasks = None
        with anyio.CancelScope(shield=True):
            await self.flush()
