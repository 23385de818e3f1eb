"""Incremental DBN decoding: any split of the bytes, metadata taken aside, a bad record
skipped without losing its neighbours, zstd."""

from __future__ import annotations

import databento_dbn as dbn
import pytest
import zstandard
from tradeport.errors import TransportError
from tradeport_databento.decode import DbnStream

TS = 1_796_600_000_000_000_000


def _stream_bytes(n: int) -> tuple[bytes, list[int]]:
    meta = dbn.Metadata(
        dataset="GLBX.MDP3",
        start=TS,
        stype_in=dbn.SType.RAW_SYMBOL,
        stype_out=dbn.SType.INSTRUMENT_ID,
        schema=dbn.Schema.TRADES,
        symbols=["ESZ6"],
    ).encode()
    records = [
        bytes(
            dbn.TradeMsg(
                1,
                42,
                TS + i,
                5_000_000_000_000 + i,
                1,
                dbn.Action.TRADE,
                dbn.Side.BID,
                0,
                TS + i,
                sequence=i,
            )
        )
        for i in range(n)
    ]
    return bytes(meta) + b"".join(records), list(range(n))


@pytest.mark.parametrize("piece", [1, 7, 48, 4096])
def test_any_split_gives_the_same_records(piece: int) -> None:
    data, sequences = _stream_bytes(50)
    stream = DbnStream()
    out = []
    for i in range(0, len(data), piece):
        out += stream.feed(data[i : i + piece])
    assert stream.metadata.dataset == "GLBX.MDP3"
    assert [r.sequence for r in out] == sequences


def test_a_bad_record_is_skipped_and_its_neighbours_kept(caplog: pytest.LogCaptureFixture) -> None:
    data, _ = _stream_bytes(3)
    stream = DbnStream()
    assert len(stream.feed(data)) == 3
    good = bytes(dbn.TradeMsg(1, 42, TS, 1, 1, dbn.Action.TRADE, dbn.Side.BID, 0, TS, sequence=8))
    junk = bytes([4, 0xEE, 1, 0, 42, 0, 0, 0]) + bytes(8)
    out = stream.feed(good + good[:10])
    out += stream.feed(good[10:] + junk + good)
    assert [r.sequence for r in out] == [8, 8, 8]
    assert stream.errors == 1 and "undecodable" in caplog.text
    assert [r.sequence for r in stream.feed(good)] == [8]  # decoding goes on


def test_zstd_streams_decode_incrementally() -> None:
    data, sequences = _stream_bytes(200)
    compressed = zstandard.ZstdCompressor().compress(data)
    stream = DbnStream(zstd=True)
    out = []
    for i in range(0, len(compressed), 100):
        out += stream.feed(compressed[i : i + 100])
    assert [r.sequence for r in out] == sequences


def test_corrupt_zstd_is_a_transport_error() -> None:
    stream = DbnStream(zstd=True)
    with pytest.raises(TransportError):
        stream.feed(b"\x28\xb5\x2f\xfd" + b"\xff" * 64)
