"""The book checksum, on the documentation's examples."""

from __future__ import annotations

from okx_payloads import load
from tradeport.book import OrderBook
from tradeport.model.enums import BookType
from tradeport_okx.http.parse import parse_instrument
from tradeport_okx.websocket.checksum import (
    book_checksum,
    checksum_matches,
    checksum_string,
    crc32_signed,
    okx_number,
)
from tradeport_okx.websocket.parse import parse_book_deltas


def test_docs_example_more_than_25_levels_alternates_sides() -> None:
    bids = [("3366.1", "7"), ("3366", "6")]
    asks = [("3366.8", "9"), ("3368", "8")]
    assert checksum_string(bids, asks) == "3366.1:7:3366.8:9:3366:6:3368:8"
    assert book_checksum(bids, asks) == -1881014294


def test_docs_example_fewer_levels_appends_the_longer_side() -> None:
    bids = [("3366.1", "7")]
    asks = [("3366.8", "9"), ("3368", "8"), ("3372", "8")]
    assert checksum_string(bids, asks) == "3366.1:7:3366.8:9:3368:8:3372:8"
    assert book_checksum(bids, asks) == 831078360  # the value the docs give


def test_only_25_levels_per_side_count() -> None:
    bids = [(str(1000 - i), "1") for i in range(30)]
    asks = [(str(1001 + i), "1") for i in range(30)]
    assert checksum_string(bids, asks) == checksum_string(bids[:25], asks[:25])
    assert checksum_string(bids, asks) != checksum_string(bids[:26], asks[:26], depth=26)


def test_crc32_is_signed() -> None:
    assert crc32_signed("3366.1:7:3366.8:9:3366:6:3368:8") < 0


def test_numbers_are_written_without_trailing_zeros() -> None:
    assert okx_number("3366.0") == "3366"
    assert okx_number("0.50") == "0.5"
    assert okx_number("100") == "100"


def test_checksum_of_a_local_book_built_from_the_docs_snapshot() -> None:
    spot = parse_instrument(load("http_get_instruments_spot.json")["data"][0], 0)
    message = load("ws_books_snapshot.json")
    record = message["data"][0]
    # The example's prices have two decimals: use an instrument at that precision.
    instrument = _with_precision(spot, price="0.01", size="1")
    deltas = parse_book_deltas(record, instrument, True, 0)
    assert deltas is not None
    book = OrderBook(instrument.id, BookType.L2_MBP)
    book.apply_deltas(deltas)
    expected = book_checksum(
        [(b[0], b[1]) for b in record["bids"]], [(a[0], a[1]) for a in record["asks"]]
    )
    assert checksum_matches(book, expected)
    assert not checksum_matches(book, expected + 1)
    assert checksum_matches(book, 0)  # 0: OKX sends no checksum (deprecated)


def _with_precision(instrument, price: str, size: str):  # type: ignore[no-untyped-def]
    record = dict(instrument.info, tickSz=price, lotSz=size, minSz=size)
    return parse_instrument(record, 0)
