"""Columnar MBO decoding (DbnBlockStream + MboColumns, what a historical range uses for speed)
against the record-by-record path (DbnStream + MboBook.on_record): the same deltas, events,
flags, sizes and book, on DBN streams these tests encode with databento-dbn."""

from __future__ import annotations

import random
import time
from decimal import Decimal

import databento_dbn as dbn
import numpy as np
import pytest
import zstandard
from tradeport.config import load_config
from tradeport.errors import TransportError, ValidationError
from tradeport.model.data import RecordFlag
from tradeport.model.enums import BookAction, OrderSide
from tradeport.model.identifiers import InstrumentId
from tradeport_databento.config import DatabentoConfig
from tradeport_databento.data import MboBook
from tradeport_databento.decode import DbnBlock, DbnBlockStream, DbnStream
from tradeport_databento.http.client import DatabentoHttpClient, RangeResult
from tradeport_databento.parse import MboColumns, RecordContext, parse_instrument
from tradeport_databento.testing import DatabentoHarness

TS = 1_796_600_000_000_000_000
ES, NQ = 42, 43
TICK = 250_000_000  # 0.25 in 1e-9 units
MID = 5_000_000_000_000


def _metadata(*, ts_out: bool = False) -> bytes:
    return bytes(
        dbn.Metadata(
            dataset="GLBX.MDP3",
            start=TS,
            stype_in=dbn.SType.RAW_SYMBOL,
            stype_out=dbn.SType.INSTRUMENT_ID,
            schema=dbn.Schema.MBO,
            symbols=["ESZ6", "NQZ6"],
            ts_out=ts_out,
        ).encode()
    )


def _ctx() -> RecordContext:
    definition = dbn.InstrumentDefMsg(
        1,
        ES,
        TS,
        TS,
        TICK,
        1_000_000_000,
        "ESZ6",
        "ES",
        "FUT",
        dbn.InstrumentClass.FUTURE,
        dbn.SecurityUpdateAction.ADD,
        currency="USD",
        exchange="XCME",
        min_lot_size_round_lot=1,
        unit_of_measure_qty=50_000_000_000,
    )
    (record,) = DbnStream(has_metadata=False).feed(bytes(definition))
    return RecordContext(parse_instrument(record, "XCME", TS))


def _mbo(
    iid: int, seq: int, oid: int, px: int, size: int, action: object, side: object, flags: int
) -> bytes:
    ts = TS + seq * 1000
    return bytes(
        dbn.MBOMsg(1, iid, ts, oid, px, size, action, side, ts + 7, flags=flags, sequence=seq)
    )


def _random_stream(seed: int, count: int, *, off_tick: bool) -> bytes:
    """MBO records of two instruments with every case the parser distinguishes: adds
    (and size-0 snapshot placeholders), modifies that move orders, partial and full cancels,
    cancels of orders never seen, trades and fills, side NONE, undefined prices, a
    snapshot opened by CLEAR, events of one to five records whose F_LAST can fall on a
    record that changes nothing."""
    rng = random.Random(seed)
    live: dict[int, dict[int, int]] = {ES: {}, NQ: {}}
    next_id = 1000
    out = []
    event_left = {ES: 0, NQ: 0}
    for seq in range(count):
        iid = ES if rng.random() < 0.8 else NQ
        orders = live[iid]
        if not event_left[iid]:
            event_left[iid] = rng.randint(1, 5)
        event_left[iid] -= 1
        flags = dbn.F_LAST if not event_left[iid] else 0
        side = dbn.Side.BID if rng.random() < 0.5 else dbn.Side.ASK
        px = MID + rng.randint(-20, 20) * TICK
        if off_tick and rng.random() < 0.01:
            px += 1  # a price finer than the tick: the batch goes to 9 decimals, exactly
        roll = rng.random()
        if roll < 0.005:
            flags |= dbn.F_SNAPSHOT
            out.append(
                _mbo(iid, seq, 0, dbn.UNDEF_PRICE, 0, dbn.Action.CLEAR, dbn.Side.NONE, flags)
            )
            orders.clear()
        elif roll < 0.35 or not orders:
            size = 0 if rng.random() < 0.03 else rng.randint(1, 20)
            next_id += 1
            if size:
                orders[next_id] = size
            out.append(_mbo(iid, seq, next_id, px, size, dbn.Action.ADD, side, flags))
        elif roll < 0.5:
            oid = rng.choice(list(orders))
            orders[oid] = rng.randint(1, 20)
            out.append(_mbo(iid, seq, oid, px, orders[oid], dbn.Action.MODIFY, side, flags))
        elif roll < 0.8:
            oid = rng.choice(list(orders)) if rng.random() < 0.95 else 10**12 + seq
            cut = rng.randint(1, max(1, orders.get(oid, 5)))
            if orders.get(oid, 0) - cut <= 0:
                orders.pop(oid, None)
            else:
                orders[oid] -= cut
            out.append(_mbo(iid, seq, oid, px, cut, dbn.Action.CANCEL, side, flags))
        elif roll < 0.88:
            out.append(_mbo(iid, seq, 0, px, 3, dbn.Action.TRADE, side, flags))
        elif roll < 0.94:
            oid = rng.choice(list(orders))
            out.append(_mbo(iid, seq, oid, px, 1, dbn.Action.FILL, side, flags))
        elif roll < 0.97:
            out.append(_mbo(iid, seq, 7, px, 2, dbn.Action.ADD, dbn.Side.NONE, flags))
        else:
            out.append(_mbo(iid, seq, 8, dbn.UNDEF_PRICE, 2, dbn.Action.ADD, side, flags))
    # A trade closes every instrument's last event, so nothing is left waiting for F_LAST.
    for iid in (ES, NQ):
        out.append(_mbo(iid, count, 0, MID, 1, dbn.Action.TRADE, dbn.Side.ASK, dbn.F_LAST))
    return b"".join(out)


def _by_records(data: bytes, ctx: RecordContext) -> tuple[list, MboBook]:
    book = MboBook(ctx)
    stream = DbnStream()
    batches = []
    for record in stream.feed(data):
        if record.instrument_id == ES:
            batch = book.on_record(record, record.ts_recv)
            if batch is not None:
                batches.append(batch)
    return batches, book


def _pieces(data: bytes, rng: random.Random) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        step = rng.choice([1, 13, 56, 57, 1000, 4096, 65536])
        out.append(data[i : i + step])
        i += step
    return out


def _by_blocks(
    pieces: list[bytes], ctx: RecordContext, *, zstd: bool = False
) -> tuple[list, MboBook]:
    book = MboBook(ctx)
    stream = DbnBlockStream(zstd=zstd)
    batches = []
    for piece in pieces:
        for item in stream.feed(piece):
            assert isinstance(item, DbnBlock)
            es = item.by_instrument().get(ES)
            if es is not None:
                columns = book.on_block(es)
                if columns is not None:
                    batches.extend(columns.events())
    return batches, book


def _book_state(book: MboBook) -> tuple:
    l3 = book.book
    queues = [
        [(o.order_id, o.side, o.price, o.size) for o in l3.orders(side, lvl.price)]
        for side, levels in ((OrderSide.BUY, l3.bids()), (OrderSide.SELL, l3.asks()))
        for lvl in levels
    ]
    return (
        queues,
        [(lvl.price, lvl.size) for lvl in l3.bids()],
        [(lvl.price, lvl.size) for lvl in l3.asks()],
        l3.sequence,
        l3.ts_last,
        l3.update_count,
        dict(book.sizes),
    )


@pytest.mark.parametrize("seed", range(6))
def test_blocks_make_the_same_events_and_book_as_records(seed: int) -> None:
    ctx = _ctx()
    data = _metadata() + _random_stream(seed, 6000, off_tick=seed % 2 == 1)
    expected, reference = _by_records(data, ctx)
    got, book = _by_blocks(_pieces(data, random.Random(seed)), ctx)
    assert len(expected) > 500
    assert got == expected
    assert _book_state(book) == _book_state(reference)
    # Every case happened: partial cancels (UPDATE with the remaining size), deletes, clears.
    actions = {d.action for batch in got for d in batch.deltas}
    assert actions == {BookAction.ADD, BookAction.UPDATE, BookAction.DELETE, BookAction.CLEAR}
    # A price finer than the tick puts its batch at 9 decimals; the values stay exact.
    precisions = {d.order.price.precision for batch in got for d in batch.deltas if d.order}
    assert precisions == ({2, 9} if seed % 2 else {2})
    assert all(batch.deltas[-1].flags & RecordFlag.F_LAST for batch in got)
    assert not any(d.flags & RecordFlag.F_LAST for batch in got for d in batch.deltas[:-1])


def test_columns_alone_match_the_book_free_parse() -> None:
    """MboColumns without a book: the same deltas, stamped with one ts_init."""
    ctx = _ctx()
    data = _metadata() + _random_stream(11, 3000, off_tick=False)
    expected, _ = _by_records(data, ctx)
    parser = MboColumns(ctx)
    stream = DbnBlockStream()
    got = []
    for block in stream.feed(data):
        columns = parser.parse(block.by_instrument()[ES], ts_init=5)
        assert columns is not None and len(columns) == len(columns.deltas())
        got.extend(columns.deltas())
    assert parser.pending == 0
    flat = [d for batch in expected for d in batch.deltas]
    assert [(d.action, d.order, d.flags, d.sequence, d.ts_event) for d in got] == [
        (d.action, d.order, d.flags, d.sequence, d.ts_event) for d in flat
    ]
    assert {d.ts_init for d in got} == {5}


def test_an_event_split_across_blocks_waits_for_its_f_last() -> None:
    ctx = _ctx()
    first = _mbo(ES, 1, 501, MID, 4, dbn.Action.ADD, dbn.Side.BID, 0)
    second = _mbo(ES, 1, 502, MID + TICK, 6, dbn.Action.ADD, dbn.Side.ASK, 0)
    last = _mbo(ES, 1, 0, MID, 1, dbn.Action.TRADE, dbn.Side.BID, dbn.F_LAST)
    stream = DbnBlockStream()
    parser = MboColumns(ctx)
    (block,) = stream.feed(_metadata() + first + second)
    assert parser.parse(block.records) is None and parser.pending == 2
    (block,) = stream.feed(last)
    columns = parser.parse(block.records)
    (event,) = columns.events()
    assert [d.order.order_id for d in event.deltas] == [501, 502]
    # The trade ended the event: its F_LAST moved to the last delta that changes the book.
    assert [d.flags for d in event.deltas] == [0, int(RecordFlag.F_LAST)]
    assert str(event.deltas[1].order.price) == "5000.25"
    assert event.deltas[1].ts_init == TS + 1000 + 7  # ts_recv when no ts_init is given


def test_other_records_keep_their_place_and_a_bad_one_is_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    system = bytes(dbn.SystemMsg(TS, "Heartbeat", code=dbn.SystemCode.HEARTBEAT))
    junk = bytes([4, 0xEE, 1, 0, 42, 0, 0, 0]) + bytes(8)
    mbo = [_mbo(ES, i, 600 + i, MID, 1, dbn.Action.ADD, dbn.Side.BID, dbn.F_LAST) for i in range(4)]
    data = _metadata() + mbo[0] + mbo[1] + system + junk + mbo[2] + mbo[3]
    stream = DbnBlockStream()
    out = stream.feed(data)
    assert [type(item) for item in out] == [DbnBlock, dbn.SystemMsg, DbnBlock]
    assert out[0].records["order_id"].tolist() == [600, 601]
    assert out[2].records["order_id"].tolist() == [602, 603]
    assert stream.errors == 1 and stream.metadata.dataset == "GLBX.MDP3"


def test_ts_out_records_are_read_with_their_send_time() -> None:
    records = [
        _mbo(ES, i, 700 + i, MID, 2, dbn.Action.ADD, dbn.Side.ASK, dbn.F_LAST) for i in range(3)
    ]
    data = _metadata(ts_out=True) + b"".join(
        bytes([r[0] + 2]) + r[1:] + (TS + 99 + i).to_bytes(8, "little")
        for i, r in enumerate(records)
    )
    expected = DbnStream().feed(data)
    (block,) = DbnBlockStream().feed(data)
    assert (
        block.records["ts_out"].tolist()
        == [r.ts_out for r in expected]
        == [TS + 99, TS + 100, TS + 101]
    )
    assert block.records["order_id"].tolist() == [700, 701, 702]


def test_zstd_streams_give_the_same_events() -> None:
    ctx = _ctx()
    data = _metadata() + _random_stream(3, 2000, off_tick=False)
    expected, _ = _by_records(data, ctx)
    packed = zstandard.ZstdCompressor().compress(data)
    got, _ = _by_blocks(_pieces(packed, random.Random(3)), ctx, zstd=True)
    assert got == expected


def test_a_zero_length_record_is_a_transport_error() -> None:
    stream = DbnBlockStream()
    stream.feed(_metadata() + _mbo(ES, 1, 1, MID, 1, dbn.Action.ADD, dbn.Side.BID, dbn.F_LAST))
    with pytest.raises(TransportError, match="zero-length"):
        stream.feed(bytes(56))


def test_not_dbn_is_a_transport_error() -> None:
    with pytest.raises(TransportError, match="not a DBN stream"):
        DbnBlockStream().feed(b"HTTP/1.1 200 OK\r\n")


def test_block_and_record_feeding_must_not_split_an_event() -> None:
    ctx = _ctx()
    book = MboBook(ctx)
    (open_event,) = DbnStream(has_metadata=False).feed(
        _mbo(ES, 1, 801, MID, 1, dbn.Action.ADD, dbn.Side.BID, 0)
    )
    book.on_record(open_event, TS)
    (block,) = DbnBlockStream().feed(
        _metadata() + _mbo(ES, 2, 802, MID, 1, dbn.Action.ADD, dbn.Side.BID, dbn.F_LAST)
    )
    with pytest.raises(ValidationError, match="inside an event"):
        book.on_block(block.records)


def test_the_block_dtype_is_databento_dbns_record_layout() -> None:
    (block,) = DbnBlockStream().feed(
        _metadata() + _mbo(ES, 9, 901, MID - TICK, 5, dbn.Action.MODIFY, dbn.Side.ASK, dbn.F_LAST)
    )
    (record,) = DbnStream(has_metadata=False).feed(
        _mbo(ES, 9, 901, MID - TICK, 5, dbn.Action.MODIFY, dbn.Side.ASK, dbn.F_LAST)
    )
    row = block.records[0]
    assert int(row["length"]) * 4 == record.record_size() == block.records.dtype.itemsize
    for name, _kind in dbn.MBOMsg._dtypes[1:]:
        value = row[name]
        if isinstance(value, np.bytes_):
            assert value.decode() == str(getattr(record, name).value), name
        else:
            assert int(value) == int(getattr(record, name)), name


def test_by_instrument_keeps_each_instruments_records_in_stream_order() -> None:
    rng = random.Random(5)
    ids = [rng.choice([ES, NQ, 44, 45]) for _ in range(300)]
    data = b"".join(
        _mbo(iid, seq, 10_000 + seq, MID, 1, dbn.Action.ADD, dbn.Side.BID, dbn.F_LAST)
        for seq, iid in enumerate(ids)
    )
    (block,) = DbnBlockStream().feed(_metadata() + data)
    split = block.by_instrument()
    assert sorted(split) == sorted(set(ids))
    for iid, records in split.items():
        assert records["order_id"].tolist() == [10_000 + s for s, i in enumerate(ids) if i == iid]


@pytest.mark.anyio
@pytest.mark.parametrize("compression", ["zstd", "none"])
async def test_a_historical_range_in_blocks_gives_the_records_deltas(compression: str) -> None:
    """timeseries.get_range from the mock venue, decoded both ways: the same record count
    (RangeResult) and the same book events."""
    iid = InstrumentId.from_str("ESZ6.XCME")
    async with DatabentoHarness() as harness:
        start = time.time_ns() - 10**9
        await harness.set_book(
            iid,
            [(Decimal(5000), Decimal(2)), (Decimal("4999.75"), Decimal(4))],
            [(Decimal("5000.25"), Decimal(3))],
        )
        await harness.publish_book_update(iid, OrderSide.BUY, Decimal("4999.75"), Decimal(1))
        await harness.publish_book_update(iid, OrderSide.SELL, Decimal("5000.25"), Decimal(0))
        config = load_config(DatabentoConfig, harness.client_config(compression=compression))
        http = DatabentoHttpClient(config)
        ctx = _ctx()
        try:
            by_records, by_blocks = RangeResult(), RangeResult()
            book = MboBook(ctx)
            expected = [
                batch
                async for records in http.stream_range("mbo", ["ESZ6"], start, result=by_records)
                for record in records
                if isinstance(record, dbn.MBOMsg)
                and (batch := book.on_record(record, record.ts_recv)) is not None
            ]
            book = MboBook(ctx)
            got = []
            async for items in http.stream_range(
                "mbo", ["ESZ6"], start, result=by_blocks, blocks=True
            ):
                for item in items:
                    if isinstance(item, DbnBlock):
                        columns = book.on_block(item.records)
                        if columns is not None:
                            got.extend(columns.events())
        finally:
            await http.aclose()
    assert by_blocks.records == by_records.records > 0
    assert len(expected) >= 2 and got == expected
