"""Reading a Parquet recording back as domain objects, in recording order.

Files are named ``<run>-<roll>.parquet``; every event of roll *n* of a run was accepted before
every event of roll *n + 1*, so the source reads one roll at a time (all its partitions, merged
by ``seq``): memory stays at one roll, and the order is the order the sink accepted the events.
Runs sort by start time (the run id begins with it). ``.tmp`` files (a crash's leftovers)
are ignored.
"""

from __future__ import annotations

import heapq
import urllib.parse
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import anyio
import pyarrow.parquet as pq
from tradeport.sinks import EventId, check_options, type_for_name
from tradeport.sources import Source

from tradeport_parquet.columns import decode_table, layout_for
from tradeport_parquet.sink import TYPE_MODULE_KEY, directory_of

__all__ = ["ParquetSource", "recording_files"]

OPTIONS = {"venues", "types", "follow"}


def recording_files(directory: Path) -> dict[tuple[str, int], list[tuple[str, Path]]]:
    """``(run, roll) -> [(type name, file)]`` for every complete file under ``directory``."""
    rolls: dict[tuple[str, int], list[tuple[str, Path]]] = defaultdict(list)
    for path in directory.glob("*/venue=*/instrument=*/date=*/*.parquet"):
        if path.name.startswith("."):
            continue
        run, dash, roll = path.stem.rpartition("-")
        if not dash or not roll.isdigit():
            continue
        type_name = urllib.parse.unquote(path.relative_to(directory).parts[0])
        rolls[(run, int(roll))].append((type_name, path))
    return rolls


def _venue_of(path: Path) -> str:
    return urllib.parse.unquote(path.parts[-4].removeprefix("venue="))


def _decode_file(type_name: str, path: Path) -> list[tuple[EventId, Any]]:
    table = pq.read_table(path)
    metadata = table.schema.metadata or {}
    module = metadata.get(TYPE_MODULE_KEY.encode())
    layout = layout_for(type_for_name(type_name, module.decode() if module else None))
    return list(decode_table(layout, table))


class ParquetSource(Source):
    """The events of a Parquet recording directory, in order (``follow`` is not supported:
    the source ends after the last complete file)."""

    def __init__(self, url: str, options: Mapping[str, Any]) -> None:
        check_options("parquet source", options, OPTIONS)
        if options.get("follow"):
            from tradeport.errors import ConfigError

            raise ConfigError("parquet source: follow=True is not supported", field="follow")
        super().__init__(url, venues=options.get("venues"), types=options.get("types"))
        self.directory = directory_of(url)

    async def open(self) -> None:
        if not self.directory.is_dir():
            from tradeport.errors import ConfigError

            raise ConfigError(f"parquet source: {self.directory} is not a directory", field="url")

    async def records(self) -> AsyncIterator[tuple[EventId, Any]]:
        rolls = recording_files(self.directory)
        for key in sorted(rolls):
            files = [
                (t, p)
                for t, p in rolls[key]
                if (self.types is None or t in self.types)
                and (self.venues is None or _venue_of(p) in self.venues)
            ]
            decoded = [await anyio.to_thread.run_sync(_decode_file, t, p) for t, p in files]
            for record in heapq.merge(*decoded, key=lambda r: r[0].seq):
                yield record
