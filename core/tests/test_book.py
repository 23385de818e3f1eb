"""OrderBook (L1/L2/L3 maintenance) and BookSynchronizer (snapshot + buffered deltas).

The synchronizer tests follow Binance's documented procedure ("How to manage a local order book
correctly") with the numbers of its examples (snapshot ``lastUpdateId`` 1027024, prices around
4.00000000 / 4.00000200), plus a futures ``pu`` chain and an OKX-style stream snapshot with a
CRC32 checksum. Ordering between the stream and the snapshot fetch is controlled with anyio
streams, never with sleeps.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from decimal import Decimal

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tradeport.book import (
    BookLevel,
    BookSynchronizer,
    ContiguousRange,
    DeltaBatch,
    LinkedPrevious,
    OrderBook,
    SequencePolicy,
)
from tradeport.errors import NetworkError, ValidationError
from tradeport.model import (
    BookAction,
    BookOrder,
    BookType,
    InstrumentId,
    OrderBookDelta,
    OrderBookDeltas,
    OrderSide,
    Price,
    Quantity,
    RecordFlag,
)

IID = InstrumentId.from_str("BNBBTC.BINANCE")
P = Price.from_str
Q = Quantity.from_str
BUY, SELL = OrderSide.BUY, OrderSide.SELL
Levels = Iterable[tuple[str, str]]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def delta(
    side: OrderSide,
    price: str,
    size: str,
    action: BookAction = BookAction.UPDATE,
    sequence: int = 1,
    order_id: int | str = 0,
    flags: int = 0,
) -> OrderBookDelta:
    return OrderBookDelta(
        IID,
        action,
        BookOrder(side, P(price), Q(size), order_id),
        flags,
        sequence,
        sequence,
        sequence,
    )


def batch(*deltas: OrderBookDelta) -> OrderBookDeltas:
    return OrderBookDeltas(IID, deltas)


def levels_of(book_levels: list[BookLevel]) -> list[tuple[str, str]]:
    return [(str(level.price), str(level.size)) for level in book_levels]


# -- OrderBook: L2 -----------------------------------------------------------------------------


def test_l2_levels_are_sorted_best_first() -> None:
    book = OrderBook(IID)
    book.apply_deltas(
        batch(
            delta(BUY, "99.5", "2"),
            delta(SELL, "101", "4"),
            delta(BUY, "100.0", "1"),
            delta(SELL, "100.5", "3"),
            delta(BUY, "98", "7", sequence=9),
        )
    )
    assert levels_of(book.bids()) == [("100.0", "1"), ("99.5", "2"), ("98", "7")]
    assert levels_of(book.asks()) == [("100.5", "3"), ("101", "4")]
    assert book.best_bid() == BookLevel(P("100.0"), Q("1"))
    assert book.best_ask() == (P("100.5"), Q("3"))  # a BookLevel is a (price, size) tuple
    assert levels_of(book.bids(2)) == [("100.0", "1"), ("99.5", "2")]
    assert book.bids(0) == []
    assert book.depth(1) == ([BookLevel(P("100"), Q("1"))], [BookLevel(P("100.5"), Q("3"))])
    assert book.spread() == P("0.5")
    assert book.midpoint() == Decimal("100.25")
    assert (book.bid_count, book.ask_count) == (3, 2)
    assert (book.sequence, book.ts_last, book.update_count) == (9, 9, 5)
    assert not book.is_crossed()


def test_l2_update_sets_size_and_zero_deletes() -> None:
    book = OrderBook(IID)
    book.apply_deltas(batch(delta(BUY, "100", "1"), delta(BUY, "99", "2")))
    book.apply_delta(delta(BUY, "100.00", "5"))  # same level at another precision
    assert levels_of(book.bids()) == [("100.00", "5"), ("99", "2")]
    book.apply_delta(delta(BUY, "100", "0"))  # size 0 update = delete
    assert levels_of(book.bids()) == [("99", "2")]
    book.apply_delta(delta(BUY, "99", "2", action=BookAction.DELETE))
    assert book.bids() == []
    # Deleting a level the book does not have is normal on Binance: nothing happens.
    book.apply_delta(delta(SELL, "1", "0"))
    book.apply_delta(delta(SELL, "1", "1", action=BookAction.DELETE))
    assert book.asks() == []
    assert book.best_bid() is None
    assert book.spread() is None
    assert book.midpoint() is None


def test_clear_and_snapshot_replace_the_book() -> None:
    book = OrderBook(IID)
    book.apply_deltas(batch(delta(BUY, "100", "1"), delta(SELL, "101", "1")))
    book.apply_delta(OrderBookDelta.clear(IID, 5, 5, 5))
    assert (book.bids(), book.asks(), book.sequence) == ([], [], 5)
    book.apply_deltas(batch(delta(BUY, "100", "1"), delta(SELL, "101", "1")))
    snapshot = batch(
        delta(BUY, "90", "9", action=BookAction.ADD, flags=RecordFlag.F_SNAPSHOT, sequence=7),
        delta(SELL, "95", "1", action=BookAction.ADD, flags=RecordFlag.F_SNAPSHOT, sequence=7),
    )
    book.apply_deltas(snapshot)  # no CLEAR in it: the snapshot flag alone replaces the book
    assert book.matches(bids=[("90", "9")], asks=[("95", "1")])


def test_snapshot_deltas_rebuild_an_equal_book() -> None:
    book = OrderBook(IID)
    book.apply_deltas(
        batch(delta(BUY, "100", "1"), delta(BUY, "99", "2"), delta(SELL, "101", "3", sequence=42))
    )
    snapshot = book.as_snapshot_deltas(ts_init=99)
    assert snapshot.is_snapshot
    assert snapshot.deltas[0].action is BookAction.CLEAR
    assert all(d.flags & RecordFlag.F_SNAPSHOT for d in snapshot.deltas)
    assert snapshot.flags & RecordFlag.F_LAST
    assert not snapshot.deltas[-2].flags & RecordFlag.F_LAST
    assert (snapshot.sequence, snapshot.ts_init) == (42, 99)
    copy = OrderBook(IID)
    copy.apply_deltas(batch(delta(SELL, "500", "1")))  # replaced by the snapshot
    copy.apply(snapshot)
    assert copy.bids() == book.bids()
    assert copy.asks() == book.asks()
    assert copy.sequence == 42
    empty = OrderBook(IID).as_snapshot_deltas()
    assert len(empty) == 1
    assert empty.flags == RecordFlag.F_SNAPSHOT | RecordFlag.F_LAST


def test_compare_reports_each_difference() -> None:
    book = OrderBook(IID)
    book.apply_deltas(batch(delta(BUY, "100", "1"), delta(SELL, "101", "3")))
    assert book.matches(bids=[("100.00", "1.0")], asks=[(P("101"), Q("3"))])
    assert book.matches(bids=[(Decimal("100"), 1)], asks=[("101", "3")])
    problems = book.compare(bids=[("100", "2"), ("99", "1")], asks=[])
    assert problems == [
        "bid[0]: expected 100 x 2, book has 100 x 1",
        "bid[1]: expected 99 x 1, book has nothing",
        "ask[0]: expected nothing, book has 101 x 3",
    ]
    with pytest.raises(ValidationError):
        book.compare(bids=[(1.5, "1")], asks=[])


def test_book_refuses_another_instrument() -> None:
    book = OrderBook(IID)
    other = InstrumentId.from_str("ETHBTC.BINANCE")
    foreign = OrderBookDelta(other, BookAction.UPDATE, BookOrder(BUY, P("1"), Q("1")), 0, 1, 1, 1)
    with pytest.raises(ValidationError, match="does not match"):
        book.apply_delta(foreign)
    with pytest.raises(ValidationError, match="does not match"):
        book.apply_deltas(OrderBookDeltas(other, (foreign,)))


def test_crossed_book_and_render() -> None:
    book = OrderBook(IID)
    book.apply_deltas(batch(delta(BUY, "101", "1"), delta(SELL, "100", "1")))
    assert book.is_crossed()
    assert book.spread() == P("-1")
    text = book.render()
    assert "ask 100 x 1" in text
    assert "bid 101 x 1" in text
    assert "bids=1" in repr(book)


_ops = st.lists(
    st.tuples(
        st.sampled_from([BUY, SELL]),
        st.integers(min_value=1, max_value=40),  # price in ticks
        st.integers(min_value=0, max_value=5),  # size; 0 deletes
        st.sampled_from([BookAction.UPDATE, BookAction.ADD, BookAction.DELETE]),
        st.sampled_from([1, 2]),  # price precision the venue happened to send
    ),
    max_size=60,
)


@given(_ops)
@settings(max_examples=60)
def test_l2_matches_a_reference_dict(
    ops: list[tuple[OrderSide, int, int, BookAction, int]],
) -> None:
    book = OrderBook(IID)
    reference: dict[OrderSide, dict[Decimal, Decimal]] = {BUY: {}, SELL: {}}
    for side, ticks, size, action, precision in ops:
        price = Price.from_decimal(Decimal(ticks) / 2, precision)
        book.apply_delta(delta(side, str(price), str(size), action=action))
        key = price.as_decimal()
        if action is BookAction.DELETE or size == 0:
            reference[side].pop(key, None)
        else:
            reference[side][key] = Decimal(size)
    expected_bids = sorted(reference[BUY].items(), reverse=True)
    expected_asks = sorted(reference[SELL].items())
    assert book.matches(bids=expected_bids, asks=expected_asks), book.compare(
        expected_bids, expected_asks
    )


# -- OrderBook: L3 and L1 ----------------------------------------------------------------------


def test_l3_aggregates_orders_keeping_arrival_order() -> None:
    book = OrderBook(IID, BookType.L3_MBO)
    add = BookAction.ADD
    book.apply_deltas(
        batch(
            delta(BUY, "100", "1", add, order_id=1),
            delta(BUY, "100", "2", add, order_id=2),
            delta(BUY, "99", "5", add, order_id="x"),
            delta(SELL, "101", "1", add, order_id=3),
        )
    )
    assert levels_of(book.bids()) == [("100", "3"), ("99", "5")]
    assert [o.order_id for o in book.orders(BUY, P("100"))] == [1, 2]
    # A size change at the same price keeps the queue position.
    book.apply_delta(delta(BUY, "100", "0.5", BookAction.UPDATE, order_id=1))
    assert [(o.order_id, str(o.size)) for o in book.orders(BUY, P("100"))] == [(1, "0.5"), (2, "2")]
    # A price change moves the order (to the back of its new level).
    book.apply_delta(delta(BUY, "99", "1", BookAction.UPDATE, order_id=1))
    assert levels_of(book.bids()) == [("100", "2"), ("99", "6")]
    assert [o.order_id for o in book.orders(BUY, P("99"))] == ["x", 1]
    book.apply_delta(delta(BUY, "0", "0", BookAction.DELETE, order_id=2))
    assert levels_of(book.bids()) == [("99", "6")]
    book.apply_delta(delta(BUY, "99", "0", BookAction.DELETE, order_id="unknown"))  # ignored
    snapshot = book.as_snapshot_deltas()
    rebuilt = OrderBook(IID, BookType.L3_MBO)
    rebuilt.apply_deltas(snapshot)
    assert rebuilt.bids() == book.bids()
    assert rebuilt.orders(BUY, P("99")) == book.orders(BUY, P("99"))
    with pytest.raises(ValidationError, match="L3_MBO"):
        OrderBook(IID).orders(BUY, P("1"))


def test_l1_keeps_only_the_top_of_each_side() -> None:
    book = OrderBook(IID, BookType.L1_MBP)
    book.apply_deltas(batch(delta(BUY, "100", "1"), delta(BUY, "99", "2"), delta(SELL, "101", "1")))
    assert levels_of(book.bids()) == [("99", "2")]
    assert levels_of(book.asks()) == [("101", "1")]
    book.apply_delta(delta(SELL, "101", "0"))
    assert book.asks() == []


# -- BookSynchronizer --------------------------------------------------------------------------


def depth_update(
    first: int,
    last: int,
    bids: Levels = (),
    asks: Levels = (),
    previous: int | None = None,
    checksum: int | None = None,
) -> DeltaBatch:
    """A depthUpdate (``U`` = first, ``u`` = last, ``pu`` = previous) as a DeltaBatch."""
    deltas = [delta(BUY, p, s, sequence=last) for p, s in bids]
    deltas += [delta(SELL, p, s, sequence=last) for p, s in asks]
    return DeltaBatch(batch(*deltas) if deltas else None, first, last, previous, checksum)


def rest_snapshot(last_update_id: int, bids: Levels, asks: Levels) -> OrderBookDeltas:
    """A REST depth snapshot as parsed by a plugin: CLEAR + ADDs, sequence = lastUpdateId."""
    flags = RecordFlag.F_SNAPSHOT
    items = [OrderBookDelta.clear(IID, last_update_id, 0, 0, flags=flags)]
    items += [delta(BUY, p, s, BookAction.ADD, last_update_id, flags=flags) for p, s in bids]
    items += [delta(SELL, p, s, BookAction.ADD, last_update_id, flags=flags) for p, s in asks]
    return batch(*items)


class SnapshotEndpoint:
    """The venue's snapshot REST call, answered by the test: ``calls`` yields each request,
    ``replies`` takes the snapshot (or exception) to return."""

    def __init__(self) -> None:
        self._calls_in, self.calls = anyio.create_memory_object_stream[int](10)
        self.replies, self._replies_out = anyio.create_memory_object_stream[
            OrderBookDeltas | Exception
        ](10)
        self.count = 0

    async def fetch(self) -> OrderBookDeltas:
        self.count += 1
        await self._calls_in.send(self.count)
        reply = await self._replies_out.receive()
        if isinstance(reply, Exception):
            raise reply
        return reply


class Recorder:
    """Collects what the synchronizer hands downstream."""

    def __init__(self) -> None:
        self.emitted: list[OrderBookDeltas] = []
        self.resyncs: list[str] = []
        self._resync_in, self.resync_events = anyio.create_memory_object_stream[str](10)

    async def on_deltas(self, deltas: OrderBookDeltas) -> None:
        self.emitted.append(deltas)

    async def on_resync(self, reason: str) -> None:
        self.resyncs.append(reason)
        await self._resync_in.send(reason)


@asynccontextmanager
async def running(
    policy: SequencePolicy, *, endpoint: SnapshotEndpoint | None = None, **options: object
) -> AsyncIterator[tuple[BookSynchronizer, Recorder]]:
    recorder = Recorder()
    sync = BookSynchronizer(
        OrderBook(IID),
        endpoint.fetch if endpoint is not None else None,
        policy,
        on_deltas=recorder.on_deltas,
        on_resync=recorder.on_resync,
        retry_delay=0,
        **options,  # type: ignore[arg-type]
    )
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(sync.run)
            yield sync, recorder
            tg.cancel_scope.cancel()


SNAPSHOT_ID = 1027024  # lastUpdateId of Binance's documented snapshot example
DOC_BIDS = [("4.00000000", "431.00000000")]
DOC_ASKS = [("4.00000200", "12.00000000")]


@pytest.mark.anyio
async def test_binance_spot_procedure_with_deltas_arriving_during_the_fetch() -> None:
    endpoint = SnapshotEndpoint()
    async with running(ContiguousRange(), endpoint=endpoint) as (sync, rec):
        # 1-2: open the stream and buffer; the first event makes the synchronizer fetch.
        await sync.push(depth_update(1027020, 1027024, bids=[("3.99", "1")]))  # u <= lastUpdateId
        assert await endpoint.calls.receive() == 1
        assert not sync.synced
        # More events arrive while the snapshot request is in flight.
        await sync.push(depth_update(1027023, 1027030, bids=[("4.00000000", "430")]))  # straddles
        await sync.push(depth_update(1027031, 1027031, asks=[("4.00000200", "0")]))
        await sync.push(depth_update(1027032, 1027032))  # an empty update still advances u
        await sync.push(depth_update(1027033, 1027035, asks=[("4.00000300", "5")]))
        assert sync.buffered == 5
        assert rec.emitted == []  # nothing leaves before the snapshot
        # 3: the snapshot arrives; 4-6: drop stale, apply from the straddling event on.
        await endpoint.replies.send(rest_snapshot(SNAPSHOT_ID, DOC_BIDS, DOC_ASKS))
        await sync.wait_synced()
        assert sync.book.matches(bids=[("4.00000000", "430")], asks=[("4.00000300", "5")]), (
            sync.book.compare([("4", "430")], [("4.000003", "5")])
        )
        assert sync.last_sequence == 1027035
        # Live: the next event applies immediately.
        await sync.push(depth_update(1027036, 1027036, bids=[("4.00000100", "1")]))
        assert sync.book.best_bid() == (P("4.00000100"), Q("1"))
    assert rec.emitted[0].is_snapshot
    assert [d.sequence for d in rec.emitted] == [SNAPSHOT_ID, 1027030, 1027031, 1027035, 1027036]
    stats = sync.stats
    assert (stats.snapshots, stats.dropped_stale, stats.applied) == (1, 1, 5)
    assert (stats.gaps, stats.resyncs, stats.fetch_errors) == (0, 0, 0)
    assert endpoint.count == 1
    assert rec.resyncs == []


@pytest.mark.anyio
async def test_gap_marks_unsynced_notifies_and_refetches() -> None:
    endpoint = SnapshotEndpoint()
    async with running(ContiguousRange(), endpoint=endpoint) as (sync, rec):
        await sync.push(depth_update(1027025, 1027026, bids=[("4.00000000", "1")]))
        await endpoint.calls.receive()
        await endpoint.replies.send(rest_snapshot(SNAPSHOT_ID, DOC_BIDS, DOC_ASKS))
        await sync.wait_synced()
        # u was 1027026; an event starting at 1027030 skipped three updates.
        await sync.push(depth_update(1027030, 1027031, bids=[("4.00000000", "2")]))
        reason = await rec.resync_events.receive()
        assert "gap" in reason
        assert "1027030..1027031" in reason
        assert not sync.synced
        assert await endpoint.calls.receive() == 2  # refetching
        await sync.push(depth_update(1027032, 1027033, asks=[("4.00000200", "7")]))
        # The new snapshot covers 1027031; the kept 1027030..31 batch is now stale.
        await endpoint.replies.send(
            rest_snapshot(1027031, [("4.00000000", "2")], [("4.00000200", "12")])
        )
        await sync.wait_synced()
        assert sync.book.matches(bids=[("4", "2")], asks=[("4.000002", "7")])
    stats = sync.stats
    assert (stats.gaps, stats.resyncs, stats.snapshots) == (1, 1, 2)
    assert stats.dropped_stale == 1
    assert [d.sequence for d in rec.emitted] == [SNAPSHOT_ID, 1027026, 1027031, 1027033]


@pytest.mark.anyio
async def test_snapshot_older_than_the_buffer_is_fetched_again() -> None:
    endpoint = SnapshotEndpoint()
    async with running(ContiguousRange(), endpoint=endpoint) as (sync, rec):
        await sync.push(depth_update(1027030, 1027031, bids=[("4", "1")]))
        await endpoint.calls.receive()
        # Binance: "If the lastUpdateId from the snapshot is strictly less than the U from
        # step 2, go back to step 3."
        await endpoint.replies.send(rest_snapshot(SNAPSHOT_ID, DOC_BIDS, DOC_ASKS))
        assert await endpoint.calls.receive() == 2
        assert not sync.synced
        await endpoint.replies.send(rest_snapshot(1027029, DOC_BIDS, DOC_ASKS))
        await sync.wait_synced()
        assert sync.book.matches(bids=[("4", "1")], asks=DOC_ASKS)
    assert sync.stats.snapshots == 2
    assert sync.stats.gaps == 1
    assert len(rec.resyncs) == 1


@pytest.mark.anyio
async def test_binance_futures_pu_chain() -> None:
    endpoint = SnapshotEndpoint()
    async with running(LinkedPrevious(), endpoint=endpoint) as (sync, rec):
        await sync.push(depth_update(100, 105, bids=[("10", "1")], previous=99))  # u < lastUpdateId
        await endpoint.calls.receive()
        await sync.push(depth_update(106, 112, bids=[("10", "2")], previous=105))  # straddles 110
        await sync.push(depth_update(117, 120, asks=[("11", "3")], previous=112))
        await endpoint.replies.send(rest_snapshot(110, [("10", "9")], [("11", "9")]))
        await sync.wait_synced()
        assert sync.book.matches(bids=[("10", "2")], asks=[("11", "3")])
        # Futures ids are not contiguous, only linked: 125..130 continues 120 through pu.
        await sync.push(depth_update(125, 130, asks=[("11", "4")], previous=120))
        assert sync.synced
        await sync.push(depth_update(135, 140, asks=[("11", "5")], previous=131))  # broken link
        assert "previous 131" in await rec.resync_events.receive()
        assert not sync.synced
        assert sync.book.best_ask() == (P("11"), Q("4"))  # the gapped batch was not applied
        assert await endpoint.calls.receive() == 2
    assert (sync.stats.dropped_stale, sync.stats.gaps, sync.stats.applied) == (1, 1, 3)


def okx_style_checksum(book: OrderBook) -> int:
    """CRC32 over the top 25 levels, bid and ask interleaved as ``px:sz``, as a signed int
    (the shape of OKX's book checksum)."""
    bids, asks = book.bids(25), book.asks(25)
    parts: list[str] = []
    for index in range(max(len(bids), len(asks))):
        for side in (bids, asks):
            if index < len(side):
                parts.append(f"{side[index].price}:{side[index].size}")
    value = zlib.crc32(":".join(parts).encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def okx_message(
    seq: int, prev: int, bids: Levels, asks: Levels, *, snapshot: bool = False, checksum: int
) -> DeltaBatch:
    flags = RecordFlag.F_SNAPSHOT if snapshot else 0
    action = BookAction.ADD if snapshot else BookAction.UPDATE
    items = [OrderBookDelta.clear(IID, seq, 0, 0, flags=flags)] if snapshot else []
    items += [delta(BUY, p, s, action, seq, flags=flags) for p, s in bids]
    items += [delta(SELL, p, s, action, seq, flags=flags) for p, s in asks]
    return DeltaBatch(batch(*items), seq, seq, prev, checksum)


def checksum_of(bids: Levels, asks: Levels) -> int:
    book = OrderBook(IID)
    book.apply_deltas(rest_snapshot(0, bids, asks))
    return okx_style_checksum(book)


@pytest.mark.anyio
async def test_stream_snapshot_with_checksum_and_a_checksum_failure() -> None:
    async with running(
        LinkedPrevious(),
        checksum=lambda book, expected: okx_style_checksum(book) == expected,
    ) as (sync, rec):
        bids, asks = [("3366.1", "7"), ("3366", "6")], [("3366.8", "9"), ("3368", "8")]
        await sync.push(okx_message(1, -1, [("3365", "1")], [], checksum=0))  # before snapshot
        await sync.push(
            okx_message(10, -1, bids, asks, snapshot=True, checksum=checksum_of(bids, asks))
        )
        await sync.wait_synced()
        assert sync.stats.dropped_stale == 1
        after = checksum_of([("3366.1", "7"), ("3366", "6")], [("3366.8", "5"), ("3368", "8")])
        await sync.push(okx_message(11, 10, [], [("3366.8", "5")], checksum=after))
        assert sync.synced
        # The venue's checksum disagrees with the local book: resync.
        await sync.push(okx_message(12, 11, [("3366.1", "1")], [], checksum=12345))
        assert "checksum" in await rec.resync_events.receive()
        assert not sync.synced
        # The plugin's on_resync resubscribes; the venue answers with a fresh snapshot.
        await sync.push(
            okx_message(20, -1, bids, asks, snapshot=True, checksum=checksum_of(bids, asks))
        )
        await sync.wait_synced()
        assert sync.book.matches(bids=bids, asks=asks)
    assert (sync.stats.checksum_failures, sync.stats.resyncs, sync.stats.snapshots) == (1, 1, 2)
    assert sync.stats.gaps == 0


@pytest.mark.anyio
async def test_reset_discards_a_snapshot_fetched_before_it() -> None:
    endpoint = SnapshotEndpoint()
    async with running(ContiguousRange(), endpoint=endpoint) as (sync, _rec):
        await sync.push(depth_update(1027025, 1027025, bids=[("4", "1")]))
        await endpoint.calls.receive()
        sync.reset()  # the connection dropped while the snapshot was in flight
        assert sync.buffered == 0
        await endpoint.replies.send(rest_snapshot(SNAPSHOT_ID, DOC_BIDS, DOC_ASKS))
        # After the reconnect, fresh deltas: the old snapshot is not used, a new one is fetched.
        await sync.push(depth_update(1027100, 1027101, bids=[("4", "3")]))
        assert await endpoint.calls.receive() == 2
        assert sync.stats.snapshots == 0
        await endpoint.replies.send(rest_snapshot(1027100, DOC_BIDS, DOC_ASKS))
        await sync.wait_synced()
        assert sync.book.matches(bids=[("4", "3")], asks=DOC_ASKS)
        sync.reset()  # a reconnect while live counts as a resync
        assert not sync.synced
    assert (sync.stats.snapshots, sync.stats.resyncs) == (1, 1)


@pytest.mark.anyio
async def test_fetch_errors_are_counted_and_retried() -> None:
    endpoint = SnapshotEndpoint()
    async with running(ContiguousRange(), endpoint=endpoint) as (sync, _rec):
        await sync.push(depth_update(1027025, 1027025, bids=[("4", "1")]))
        await endpoint.calls.receive()
        await endpoint.replies.send(NetworkError("connection reset", venue="BINANCE"))
        assert await endpoint.calls.receive() == 2
        await endpoint.replies.send(rest_snapshot(SNAPSHOT_ID, DOC_BIDS, DOC_ASKS))
        await sync.wait_synced()
    assert sync.stats.fetch_errors == 1
    assert sync.stats.snapshots == 1


@pytest.mark.anyio
async def test_buffer_is_bounded() -> None:
    endpoint = SnapshotEndpoint()
    async with running(ContiguousRange(), endpoint=endpoint, max_buffered=3) as (sync, _rec):
        for update_id in range(1027025, 1027030):
            await sync.push(depth_update(update_id, update_id, bids=[("4", str(update_id))]))
        await endpoint.calls.receive()
        assert sync.buffered == 3
        assert sync.stats.buffer_overflows == 2
        # The newest three remain; a snapshot at 1027026 connects to the first of them.
        await endpoint.replies.send(rest_snapshot(1027026, DOC_BIDS, DOC_ASKS))
        await sync.wait_synced()
        assert sync.book.best_bid() == (P("4"), Q("1027029"))


def test_synchronizer_options_are_validated() -> None:
    with pytest.raises(ValidationError, match="max_buffered"):
        BookSynchronizer(OrderBook(IID), None, ContiguousRange(), max_buffered=0)
    with pytest.raises(ValidationError, match="first_sequence"):
        DeltaBatch(None, 5, 4)
    single = DeltaBatch.single(batch(delta(BUY, "1", "1", sequence=7)), previous_sequence=6)
    assert (single.first_sequence, single.last_sequence, single.previous_sequence) == (7, 7, 6)
