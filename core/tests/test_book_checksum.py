"""Checksum-only continuity, the depth a synchronizer truncates to, and the checksum hashes.

The hashes are checked against their standards' published check values: CRC-32 (IEEE) of
``"123456789"`` is 0xCBF43926, SHA-1 of ``"abc"`` is a9993e36...d89d (FIPS 180). The
checksum-only book follows Kraken's v2 book checksum guide: the top 10 asks (low to high) then
the top 10 bids (high to low), each price and quantity with the ``.`` removed and leading zeros
stripped, CRC32 unsigned; the book truncated to the subscribed depth after every update.
"""

from __future__ import annotations

from collections.abc import Iterable

import anyio
import pytest
from tradeport.book import (
    BookSynchronizer,
    ChecksumOnly,
    DeltaBatch,
    OrderBook,
    TimestampOrdered,
    crc32,
    plain_decimal,
    sha1_hex,
)
from tradeport.errors import ValidationError
from tradeport.model import (
    BookAction,
    BookOrder,
    InstrumentId,
    OrderBookDelta,
    OrderBookDeltas,
    OrderSide,
    Price,
    Quantity,
    RecordFlag,
)

pytestmark = pytest.mark.anyio

IID = InstrumentId.from_str("BTC/USD.KRAKEN")
BUY, SELL = OrderSide.BUY, OrderSide.SELL


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_hash_check_values() -> None:
    assert crc32("123456789") == 0xCBF43926
    assert crc32(b"123456789", signed=True) == 0xCBF43926 - (1 << 32)
    assert crc32("abc", signed=True) == crc32("abc")  # below 2**31: the same either way
    assert sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert sha1_hex(b"") == "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    assert [plain_decimal(v) for v in ("3366.10", "7.000", "0.5", "1E+2", "120")] == [
        "3366.1",
        "7",
        "0.5",
        "100",
        "120",
    ]


def level(side: OrderSide, price: str, size: str, snapshot: bool = False) -> OrderBookDelta:
    flags = int(RecordFlag.F_SNAPSHOT) if snapshot else 0
    return OrderBookDelta(
        IID,
        BookAction.UPDATE,
        BookOrder(side, Price.from_str(price), Quantity.from_str(size), 0),
        flags,
        0,
        0,
        0,
    )


def deltas(items: Iterable[OrderBookDelta]) -> OrderBookDeltas:
    return OrderBookDeltas(IID, tuple(items))


def kraken_text(value: Price | Quantity) -> str:
    return str(value).replace(".", "").lstrip("0")


def kraken_checksum(book: OrderBook) -> int:
    asks = "".join(kraken_text(lv.price) + kraken_text(lv.size) for lv in book.asks(10))
    bids = "".join(kraken_text(lv.price) + kraken_text(lv.size) for lv in book.bids(10))
    return crc32(asks + bids)


def snapshot(n: int = 12) -> OrderBookDeltas:
    asks = [level(SELL, f"{50000 + i}.0", "1.00000000", snapshot=True) for i in range(1, n + 1)]
    bids = [level(BUY, f"{50000 - i}.0", "2.00000000", snapshot=True) for i in range(n)]
    return deltas(asks + bids)


async def test_checksum_only_applies_verifies_truncates_and_resyncs() -> None:
    resyncs: list[str] = []

    async def on_resync(reason: str) -> None:
        resyncs.append(reason)

    book = OrderBook(IID)
    sync = BookSynchronizer(
        book,
        None,
        ChecksumOnly(),
        on_resync=on_resync,
        max_depth=10,
        checksum=lambda b, expected: kraken_checksum(b) == expected,
    )
    await sync.push(DeltaBatch(snapshot(12), 0, 0))
    assert sync.synced and (book.bid_count, book.ask_count) == (10, 10)  # truncated
    # An insert inside the top 10 pushes the 10th-best bid out of the venue's window.
    update = deltas([level(BUY, "49999.5", "3.00000000")])
    expected = OrderBook(IID)
    expected.apply_deltas(snapshot(12))
    expected.apply_deltas(update)
    expected.truncate(10)
    await sync.push(DeltaBatch(update, 0, 0, checksum=kraken_checksum(expected)))
    assert sync.synced and book.bid_count == 10
    assert [str(lv.price) for lv in book.bids()][-1] == "49992.0"  # 49991.0 fell out
    assert sync.stats.applied == 1 and resyncs == []
    # A message whose checksum does not match the book: out of sync, resync requested.
    await sync.push(DeltaBatch(deltas([level(SELL, "50001.0", "0.5")]), 0, 0, checksum=1))
    assert not sync.synced and sync.stats.checksum_failures == 1
    assert resyncs and "checksum" in resyncs[0]
    await sync.push(DeltaBatch(snapshot(12), 0, 0))  # the venue's fresh snapshot
    assert sync.synced


async def test_checksum_only_drops_what_was_buffered_before_a_rest_snapshot() -> None:
    fetched = anyio.Event()

    async def fetch() -> OrderBookDeltas:
        fetched.set()
        return snapshot(3)

    book = OrderBook(IID)
    sync = BookSynchronizer(
        book, fetch, ChecksumOnly(), checksum=lambda b, e: kraken_checksum(b) == e, retry_delay=0
    )
    async with anyio.create_task_group() as group:
        group.start_soon(sync.run)
        await sync.push(DeltaBatch(deltas([level(BUY, "1.0", "1.0")]), 0, 0, checksum=0))
        with anyio.fail_after(5):
            await sync.wait_synced()
        group.cancel_scope.cancel()
    assert fetched.is_set()
    assert sync.stats.dropped_stale == 1 and sync.stats.checksum_failures == 0
    assert book.bid_count == 3  # the snapshot alone


def test_checksum_only_needs_a_checksum_and_depth_is_validated() -> None:
    with pytest.raises(ValidationError, match="checksum"):
        BookSynchronizer(OrderBook(IID), None, ChecksumOnly())
    with pytest.raises(ValidationError, match="max_depth"):
        BookSynchronizer(
            OrderBook(IID), None, ChecksumOnly(), checksum=lambda b, e: True, max_depth=0
        )
    with pytest.raises(ValidationError, match="depth"):
        OrderBook(IID).truncate(-1)


def test_truncate_keeps_the_best_levels_of_each_side() -> None:
    book = OrderBook(IID)
    book.apply_deltas(snapshot(5))
    assert book.truncate(2) == 6
    assert [str(lv.price) for lv in book.bids()] == ["50000.0", "49999.0"]
    assert [str(lv.price) for lv in book.asks()] == ["50001.0", "50002.0"]
    assert book.truncate(2) == 0


async def test_timestamp_ordered_drops_older_batches_and_applies_same_timestamp_ones() -> None:
    """Polymarket's continuity: the batch's sequence is the venue timestamp; strictly older is
    stale (dropped, counted), the snapshot's own timestamp is applied (absolute sizes), and the
    checksum is what catches a loss."""
    resyncs: list[str] = []

    async def on_resync(reason: str) -> None:
        resyncs.append(reason)

    book = OrderBook(IID)
    sync = BookSynchronizer(
        book,
        None,
        TimestampOrdered(),
        on_resync=on_resync,
        checksum=lambda b, expected: kraken_checksum(b) == expected,
    )
    await sync.push(DeltaBatch(snapshot(3), 1_000, 1_000))
    assert sync.synced
    expected = OrderBook(IID)
    expected.apply_deltas(snapshot(3))
    same_ms = deltas([level(BUY, "49999.5", "3.00000000")])
    expected.apply_deltas(same_ms)
    await sync.push(DeltaBatch(same_ms, 1_000, 1_000, checksum=kraken_checksum(expected)))
    assert sync.stats.applied == 1 and book.bid_count == 4
    older = deltas([level(SELL, "50001.0", "0.5")])
    await sync.push(DeltaBatch(older, 999, 999, checksum=0))
    assert sync.stats.dropped_stale == 1 and sync.synced and resyncs == []
    await sync.push(DeltaBatch(older, 1_001, 1_001, checksum=1))  # later, but the hash is wrong
    assert not sync.synced and sync.stats.checksum_failures == 1 and resyncs
