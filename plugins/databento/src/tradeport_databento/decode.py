"""DBN bytes -> ``databento_dbn`` records, incrementally and in bounded memory.

:class:`DbnStream` wraps the official sans-IO :class:`databento_dbn.DBNDecoder`: bytes go in
as they arrive (live socket reads, historical HTTP chunks), whole records come out; the
decoder keeps only the incomplete tail. Metadata is taken aside (:attr:`DbnStream.metadata`).

A record the decoder refuses (an unknown ``rtype``) fails the whole ``decode()`` call and
drops the records before it in that call, so on an uncompressed stream the batch is re-decoded
record by record (each record's length is its first byte, in 4-byte words): the bad record is
counted and logged, and every good one is kept. A compressed stream cannot be re-framed, nor
can a stream whose length byte is 0 (no record is empty): there a TransportError is raised.

Memory is bounded by the format: a record is at most 255 x 4 = 1020 bytes, so the decoder
never holds more than one read plus one partial record.

:class:`DbnBlockStream` is the columnar variant for bulk data (a historical range): databento-dbn
decodes the metadata and every record of the other schemas, while consecutive MBO records come
out as one :class:`DbnBlock`, a numpy structured view of the raw bytes (no Python object per
record) with databento-dbn's own field layout (``MBOMsg._dtypes``, the same in DBN v1, v2 and
v3). A databento-dbn record object costs more than the columnar parse of the same record
(``bench/bench_databento_decode.py``).
"""

from __future__ import annotations

import logging
from typing import Any

import databento_dbn as dbn
import numpy as np
from tradeport.errors import TransportError

from tradeport_databento.constants import VENUE_ID

__all__ = ["DbnBlock", "DbnBlockStream", "DbnStream"]

log = logging.getLogger("tradeport.databento.decode")


class DbnStream:
    """An incremental DBN decoder that never loses a good record to a bad one."""

    def __init__(
        self,
        *,
        has_metadata: bool = True,
        zstd: bool = False,
        ts_out: bool = False,
        version: int | None = None,
        name: str = "dbn",
    ) -> None:
        self._zstd = zstd
        self._ts_out = ts_out
        self._version = version
        self._name = name
        self._decoder = self._new_decoder(has_metadata)
        self._has_metadata = has_metadata
        #: The stream's metadata once decoded (None for a stream without it).
        self.metadata: Any = None
        #: Records the decoder refused (logged, skipped).
        self.errors = 0

    def _new_decoder(self, has_metadata: bool) -> Any:
        if self._zstd:
            return dbn.DBNDecoder(has_metadata=has_metadata, compression=dbn.Compression.ZSTD)
        if has_metadata:
            return dbn.DBNDecoder()
        return dbn.DBNDecoder(has_metadata=False, ts_out=self._ts_out, input_version=self._version)

    def feed(self, data: bytes) -> list[Any]:
        """The records completed by ``data`` (metadata excluded), in stream order."""
        decoder = self._decoder
        salvage = (not self._zstd and self.metadata is not None) or not self._has_metadata
        before = decoder.buffer() if salvage else b""
        try:
            decoder.write(data)  # a zstd frame error surfaces here (RuntimeError)
            records = decoder.decode()
        except (dbn.DBNError, RuntimeError, ValueError) as exc:
            if not salvage:
                raise TransportError(
                    f"{self._name}: undecodable DBN ({exc})", venue=VENUE_ID
                ) from None
            return self._salvage(before + data)
        if records and self.metadata is None and isinstance(records[0], dbn.Metadata):
            self.metadata = records[0]
            self._ts_out = bool(self.metadata.ts_out)
            self._version = int(self.metadata.version)
            return records[1:]
        return records

    def _salvage(self, data: bytes) -> list[Any]:
        """Decode ``data`` one record at a time, skipping the ones refused."""
        out: list[Any] = []
        index, size = 0, len(data)
        while index < size:
            length = data[index] * 4
            if length == 0:
                # No record is 0 bytes long: the stream is not DBN (any more) and cannot be
                # re-framed. The connection must go (a reconnect replays what was missed).
                self.errors += 1
                raise TransportError(
                    f"{self._name}: corrupt DBN stream (a zero-length record)", venue=VENUE_ID
                )
            if index + length > size:
                break
            single = dbn.DBNDecoder(
                has_metadata=False, ts_out=self._ts_out, input_version=self._version
            )
            single.write(data[index : index + length])
            try:
                out.extend(single.decode())
            except dbn.DBNError as exc:
                self.errors += 1
                log.warning(
                    "%s: skipped an undecodable DBN record (rtype 0x%02x, %d bytes): %s",
                    self._name,
                    data[index + 1] if index + 1 < size else 0,
                    length,
                    exc,
                )
            index += length
        self._decoder = self._new_decoder(False)
        self._has_metadata = False
        if index < size:
            self._decoder.write(data[index:])
        return out


#: Record classes read as numpy blocks: fixed layouts, identical in DBN v1, v2 and v3.
_BLOCK_CLASSES: dict[int, Any] = {int(dbn.RType.MBO): dbn.MBOMsg}
#: "DBN", the version byte, then the metadata length (u32 little-endian).
_PRELUDE = 8


def _block_dtype(cls: Any, ts_out: bool) -> np.dtype[Any]:
    """databento-dbn's layout of ``cls`` as a packed numpy dtype (``ts_out`` appended when the
    gateway stamps its send time on every record)."""
    fields = list(cls._dtypes) + ([("ts_out", "u8")] if ts_out else [])
    return np.dtype([(name, "<" + kind if kind[0] in "ui" else kind) for name, kind in fields])


class DbnBlock:
    """Consecutive records of one schema as a numpy structured array (``records``), the
    fields named as databento-dbn names them (``records["price"]``, ``records["order_id"]``;
    ``action`` and ``side`` are 1-byte strings). The array views the bytes as received:
    read-only."""

    __slots__ = ("records", "rtype")

    def __init__(self, rtype: int, records: np.ndarray[Any, Any]) -> None:
        self.rtype = rtype
        self.records = records

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"DbnBlock(rtype=0x{self.rtype:02x}, {len(self.records)} records)"

    def by_instrument(self) -> dict[int, np.ndarray[Any, Any]]:
        """The records per publisher ``instrument_id``, each in stream order."""
        ids = self.records["instrument_id"]
        first = ids[0]
        if (ids == first).all():
            return {int(first): self.records}
        # One stable sort by instrument (each keeps its stream order), then a slice each:
        # n log n however many instruments a range holds.
        order = np.argsort(ids, kind="stable")
        grouped, sorted_ids = self.records[order], ids[order]
        starts = [0, *(np.flatnonzero(sorted_ids[1:] != sorted_ids[:-1]) + 1).tolist()]
        stops = [*starts[1:], len(sorted_ids)]
        return {
            int(sorted_ids[start]): grouped[start:stop]
            for start, stop in zip(starts, stops, strict=True)
        }


class DbnBlockStream:
    """An incremental DBN decoder that yields the bulk schemas as :class:`DbnBlock` columns
    and every other record (and every record of a zstd stream but its MBO runs, which are
    regrouped) as databento-dbn objects, all in stream order.

    Bad records are handled as :class:`DbnStream` does: an undecodable record of another
    schema is skipped (counted in :attr:`errors`), a zero length byte ends the stream with a
    TransportError.
    """

    def __init__(self, *, zstd: bool = False, name: str = "dbn") -> None:
        self._name = name
        self._zstd = DbnStream(zstd=True, name=name) if zstd else None
        self._tail = b""
        self._others: DbnStream | None = None
        self._dtypes: dict[int, np.dtype[Any]] = {}
        #: The stream's metadata once decoded.
        self.metadata: Any = None

    @property
    def errors(self) -> int:
        """Records refused by databento-dbn (logged, skipped)."""
        inner = self._zstd or self._others
        return inner.errors if inner is not None else 0

    def feed(self, data: bytes) -> list[Any]:
        """The blocks and records completed by ``data`` (metadata excluded), in order."""
        if self._zstd is not None:
            records = self._zstd.feed(data)
            if self.metadata is None and self._zstd.metadata is not None:
                self._start(self._zstd.metadata)
            return self._regroup(records)
        buf = self._tail + data if self._tail else data
        start = 0
        if self.metadata is None:
            start = self._read_metadata(buf)
            if start < 0:
                self._tail = buf
                return []
        out: list[Any] = []
        end = self._frame(buf, start, out)
        self._tail = buf[end:]
        return out

    def _read_metadata(self, buf: bytes) -> int:
        """Where the records start, or -1 while the metadata is incomplete."""
        if len(buf) < _PRELUDE:
            return -1
        if buf[:3] != b"DBN":
            raise TransportError(f"{self._name}: not a DBN stream (no DBN prelude)", venue=VENUE_ID)
        end = _PRELUDE + int.from_bytes(buf[4:8], "little")
        if len(buf) < end:
            return -1
        decoder = dbn.DBNDecoder()
        decoder.write(buf[:end])
        try:
            (metadata,) = decoder.decode()
        except (dbn.DBNError, ValueError) as exc:
            raise TransportError(
                f"{self._name}: undecodable DBN metadata ({exc})", venue=VENUE_ID
            ) from None
        self._start(metadata)
        return end

    def _start(self, metadata: Any) -> None:
        self.metadata = metadata
        ts_out = bool(metadata.ts_out)
        self._dtypes = {rtype: _block_dtype(cls, ts_out) for rtype, cls in _BLOCK_CLASSES.items()}
        self._others = DbnStream(
            has_metadata=False, ts_out=ts_out, version=int(metadata.version), name=self._name
        )

    def _frame(self, buf: bytes, pos: int, out: list[Any]) -> int:
        """Append the complete records of ``buf[pos:]`` to ``out``; where the tail starts."""
        size = len(buf)
        dtypes = self._dtypes
        others_from = -1  # start of a run of other records, handed to databento-dbn at once
        while pos < size:
            length = buf[pos] * 4
            if length == 0:
                raise TransportError(
                    f"{self._name}: corrupt DBN stream (a zero-length record)", venue=VENUE_ID
                )
            if pos + length > size:
                break
            rtype = buf[pos + 1] if pos + 1 < size else -1
            dtype = dtypes.get(rtype)
            if dtype is None or dtype.itemsize != length:
                if others_from < 0:
                    others_from = pos
                pos += length
                continue
            if others_from >= 0:
                out.extend(self._decode_others(buf[others_from:pos]))
                others_from = -1
            # The run of records with this length and rtype, found in one vectorized pass.
            most = (size - pos) // length
            heads = np.frombuffer(buf, np.uint8, count=most * length, offset=pos)
            heads = heads.reshape(most, length)
            same = (heads[:, 0] == length // 4) & (heads[:, 1] == rtype)
            count = most if same.all() else int(same.argmin())
            out.append(DbnBlock(rtype, np.frombuffer(buf, dtype, count=count, offset=pos)))
            pos += count * length
        if others_from >= 0:
            out.extend(self._decode_others(buf[others_from:pos]))
        return pos

    def _decode_others(self, data: bytes) -> list[Any]:
        assert self._others is not None
        return self._others.feed(data)

    def _regroup(self, records: list[Any]) -> list[Any]:
        """A zstd stream's records (databento-dbn decompresses and decodes them) with each
        run of a block schema joined back into a block."""
        out: list[Any] = []
        run: list[Any] = []
        for record in records:
            if run and record.__class__ is not run[0].__class__:
                out.append(self._block_of(run))
                run = []
            if int(record.rtype) in _BLOCK_CLASSES:
                run.append(record)
            else:
                out.append(record)
        if run:
            out.append(self._block_of(run))
        return out

    def _block_of(self, run: list[Any]) -> DbnBlock:
        data = b"".join(map(bytes, run))
        rtype = int(run[0].rtype)
        dtype = self._dtypes.get(rtype)
        if dtype is None or dtype.itemsize * len(run) != len(data):
            plain = _block_dtype(_BLOCK_CLASSES[rtype], False)
            dtype = _block_dtype(_BLOCK_CLASSES[rtype], len(data) != plain.itemsize * len(run))
        return DbnBlock(rtype, np.frombuffer(data, dtype))
