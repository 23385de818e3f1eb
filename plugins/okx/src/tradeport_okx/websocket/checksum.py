"""OKX order book checksum (docs: "Order book channel", section "Checksum").

Take the top 25 bids and asks of the local book, build ``bid1px:bid1sz:ask1px:ask1sz:...``
alternating sides (when one side is shorter, the other side's remaining levels follow), and take
the CRC32 as a signed 32-bit integer. Values are written as OKX writes them: plain decimals
without trailing zeros (``"3366"``, ``"0.5"``).

OKX announced that from June 2026 the field is always 0 and must not be used; a 0 checksum is
therefore never verified.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from tradeport.book import OrderBook

from tradeport_okx.constants import CHECKSUM_DEPTH

__all__ = ["okx_number", "checksum_string", "crc32_signed", "book_checksum", "checksum_matches"]


def okx_number(value: Any) -> str:
    """A price or size as OKX prints it: plain decimal, no trailing zeros."""
    text = str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def checksum_string(
    bids: Sequence[tuple[Any, Any]],
    asks: Sequence[tuple[Any, Any]],
    depth: int = CHECKSUM_DEPTH,
) -> str:
    """The string OKX hashes (bids best first, asks best first)."""
    parts: list[str] = []
    top_bids, top_asks = bids[:depth], asks[:depth]
    for i in range(max(len(top_bids), len(top_asks))):
        if i < len(top_bids):
            parts.append(f"{okx_number(top_bids[i][0])}:{okx_number(top_bids[i][1])}")
        if i < len(top_asks):
            parts.append(f"{okx_number(top_asks[i][0])}:{okx_number(top_asks[i][1])}")
    return ":".join(parts)


def crc32_signed(text: str) -> int:
    """CRC32 of ``text`` as a signed 32-bit int (as OKX sends it)."""
    value = zlib.crc32(text.encode())
    return value - (1 << 32) if value >= (1 << 31) else value


def book_checksum(bids: Sequence[tuple[Any, Any]], asks: Sequence[tuple[Any, Any]]) -> int:
    """The OKX checksum of the given levels."""
    return crc32_signed(checksum_string(bids, asks))


def checksum_matches(book: OrderBook, expected: int) -> bool:
    """The ``BookSynchronizer`` checksum hook: True when the local book hashes to ``expected``
    (or ``expected`` is 0, OKX's "no checksum")."""
    if expected == 0:
        return True
    bids = [(level.price, level.size) for level in book.bids(CHECKSUM_DEPTH)]
    asks = [(level.price, level.size) for level in book.asks(CHECKSUM_DEPTH)]
    return book_checksum(bids, asks) == expected
