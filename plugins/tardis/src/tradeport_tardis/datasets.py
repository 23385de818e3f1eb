"""Downloadable CSV datasets (``datasets.tardis.dev``) as replay events (sans-IO parsing).

``open_replay("tardis", ..., params={"datasets": True})`` reads, per subscription and per UTC
day of the range, ``GET {base_url_datasets}/{exchange}/{data_type}/{YYYY}/{MM}/{DD}/{SYMBOL}.csv.gz``
(docs.tardis.dev "Downloadable CSV files", API reference: one gzip-compressed CSV per day,
exchange, data type and symbol; split and ordered by ``local_timestamp``; an empty file when
there is no data; the first day of each month without a key, the others with the Bearer key).

Format (docs "CSV format details"): comma-separated, LF, decimal point, times in microseconds
since the epoch (UTC). Columns are read by the header's names:

* ``trades``: ``exchange,symbol,timestamp,local_timestamp,id,side,price,amount`` -> TradeTick
  (``side`` the taker's: buy, sell, unknown; an empty ``id`` becomes the local timestamp);
* ``quotes``: ``exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,
  bid_amount`` -> QuoteTick (a row with an empty side is no quote, as live clients do).

``timestamp`` is ``ts_event``, ``local_timestamp`` ``ts_init`` (the order of the file). The
body is decompressed and parsed as it arrives (one read and the rows it completes at a time),
so a day's file is never held whole. Prices and sizes are the exact decimals written, at the
instrument's precision (:class:`tradeport.model.decoding.InstrumentDecoder`).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from tradeport.clients.capabilities import DataType
from tradeport.errors import ValidationError
from tradeport.model.decoding import InstrumentDecoder
from tradeport.model.enums import AggressorSide

__all__ = ["DATASET_TYPES", "CsvDataset", "dataset_days", "dataset_path"]

#: The dataset a replayed data type is read from.
DATASET_TYPES: Final = {DataType.TRADES: "trades", DataType.QUOTES: "quotes"}
_COLUMNS: Final = {
    "trades": ("timestamp", "local_timestamp", "id", "side", "price", "amount"),
    "quotes": ("timestamp", "local_timestamp", "ask_amount", "ask_price", "bid_price",
               "bid_amount"),
}  # fmt: skip
_SIDES: Final = {"buy": AggressorSide.BUYER, "sell": AggressorSide.SELLER}
_NS_PER_DAY: Final = 86_400_000_000_000


def dataset_path(exchange: str, data_type: str, day: date, symbol: str) -> str:
    """``/{exchange}/{data_type}/{YYYY}/{MM}/{DD}/{SYMBOL}.csv.gz`` (symbols upper-case, as the
    datasets name them; ``/`` and ``:`` as ``-``)."""
    name = symbol.upper().replace("/", "-").replace(":", "-")
    return f"/{exchange}/{data_type}/{day:%Y/%m/%d}/{name}.csv.gz"


def dataset_days(from_ns: int, end_ns: int) -> list[date]:
    """The UTC days whose files cover ``[from_ns, end_ns)`` (files split by local time)."""
    first = datetime.fromtimestamp(from_ns // _NS_PER_DAY * 86_400, UTC).date()
    last = datetime.fromtimestamp((end_ns - 1) // _NS_PER_DAY * 86_400, UTC).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _us(value: str, field: str) -> int:
    if not value.isdigit():
        raise ValidationError(field, value, "is not microseconds since the epoch")
    return int(value) * 1_000


class CsvDataset:
    """One dataset file's body, fed as it arrives: gzip inflated incrementally, lines split,
    the header read, each row turned into its event (see the module docstring)."""

    def __init__(self, data_type: str, decoder: InstrumentDecoder) -> None:
        if data_type not in _COLUMNS:
            raise ValidationError("data_type", data_type, f"is not one of {', '.join(_COLUMNS)}")
        self.data_type = data_type
        self._decoder = decoder
        self._inflate = zlib.decompressobj(wbits=31)  # gzip; concatenated members handled below
        #: None until the first bytes say: a gzip file, or text an HTTP layer already inflated
        #: (a ``Content-Encoding: gzip`` answer).
        self._gzip: bool | None = None
        self._pending = b""
        self._index: dict[str, int] | None = None
        #: Rows read (the header excluded).
        self.rows = 0

    def feed(self, chunk: bytes) -> list[Any]:
        """The events of the rows ``chunk`` completes."""
        if self._gzip is None and chunk:
            self._gzip = chunk[:2] == b"\x1f\x8b"
        if not self._gzip:
            data, chunk = chunk, b""
        else:
            data = b""
        while chunk:
            data += self._inflate.decompress(chunk)
            chunk = self._inflate.unused_data  # a next gzip member
            if chunk:
                self._inflate = zlib.decompressobj(wbits=31)
        *lines, self._pending = (self._pending + data).split(b"\n")
        return self._parse(lines)

    def close(self) -> list[Any]:
        """The last row when the file does not end with a line break; a truncated gzip
        stream is an error (the body broke off)."""
        if self._gzip and not self._inflate.eof:
            raise ValidationError("dataset", self.data_type, "the gzip stream ended early")
        lines, self._pending = [self._pending], b""
        return self._parse([line for line in lines if line])

    def _parse(self, lines: Sequence[bytes]) -> list[Any]:
        out: list[Any] = []
        for raw in lines:
            line = raw.decode().rstrip("\r")
            if not line:
                continue
            cells = line.split(",")
            if self._index is None:
                self._index = {name: i for i, name in enumerate(cells)}
                missing = [c for c in _COLUMNS[self.data_type] if c not in self._index]
                if missing:
                    raise ValidationError(
                        f"{self.data_type} header", line, f"lacks {', '.join(missing)}"
                    )
                continue
            self.rows += 1
            event = self._row(cells, self._index)
            if event is not None:
                out.append(event)
        return out

    def _row(self, cells: list[str], at: dict[str, int]) -> Any:
        d = self._decoder
        ts_init = _us(cells[at["local_timestamp"]], "local_timestamp")
        stamp = cells[at["timestamp"]]
        ts_event = _us(stamp, "timestamp") if stamp else ts_init
        if self.data_type == "trades":
            side = _SIDES.get(cells[at["side"]].lower(), AggressorSide.NO_AGGRESSOR)
            trade_id = cells[at["id"]] or str(ts_init)
            return d.trade_tick(cells[at["price"]], cells[at["amount"]], side, trade_id,
                                ts_event, ts_init)  # fmt: skip
        bid, ask = cells[at["bid_price"]], cells[at["ask_price"]]
        if not bid or not ask:
            return None
        return d.quote_tick(bid, ask, cells[at["bid_amount"]] or "0",
                            cells[at["ask_amount"]] or "0", ts_event, ts_init)  # fmt: skip
