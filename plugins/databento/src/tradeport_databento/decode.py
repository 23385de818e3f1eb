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
"""

from __future__ import annotations

import logging
from typing import Any

import databento_dbn as dbn
from tradeport.errors import TransportError

from tradeport_databento.constants import VENUE_ID

__all__ = ["DbnStream"]

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
