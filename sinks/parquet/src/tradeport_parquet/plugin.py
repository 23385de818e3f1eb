"""Hook implementations of the Parquet sink (``tradeport.sinks`` entry point ``parquet``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tradeport import hookimpl
from tradeport.sinks import SinkSpec


def _open_sink(url: str, options: Mapping[str, Any]) -> Any:
    from tradeport_parquet.sink import ParquetSink  # pyarrow loads only when a sink opens

    return ParquetSink(url, options)


def _open_source(url: str, options: Mapping[str, Any]) -> Any:
    from tradeport_parquet.source import ParquetSource

    return ParquetSource(url, options)


@hookimpl
def tradeport_register_sinks(register: Callable[[SinkSpec], None]) -> None:
    register(
        SinkSpec(
            name="parquet",
            schemes=("parquet",),
            open_sink=_open_sink,
            open_source=_open_source,
            description="Parquet files, one dataset per event type, partitioned venue/instrument/date",
        )
    )
