"""Sans-IO decoding of data-feed slices: ``<local timestamp> <exchange-native JSON>`` lines.

Each line of a slice starts with the recorder's arrival time, ISO 8601 with seven fractional
digits (``2019-07-01T00:03:00.1234567Z``, 28 characters: tardis-node ``src/replay.ts``), a
space, then the message as the exchange sent it. An empty line marks a disconnect of the
recorder from the exchange (HTTP API reference): books must be rebuilt from the next snapshot.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from typing import Final

from tradeport.errors import ValidationError

__all__ = ["DISCONNECT", "parse_local_timestamp", "split_slice"]

#: What :func:`split_slice` yields for an empty line (a disconnect marker).
DISCONNECT: Final = b""

_SECOND_CACHE: dict[bytes, int] = {}


def parse_local_timestamp(stamp: bytes) -> int:
    """UNIX ns of a recorder timestamp (``YYYY-MM-DDTHH:MM:SS[.fffffff]Z``)."""
    if len(stamp) < 20 or stamp[-1:] != b"Z" or stamp[10:11] != b"T":
        raise ValidationError("local timestamp", stamp[:40], "is not YYYY-MM-DDTHH:MM:SS.fffffffZ")
    head = stamp[:19]
    seconds = _SECOND_CACHE.get(head)
    if seconds is None:
        try:
            seconds = calendar.timegm(
                (int(head[0:4]), int(head[5:7]), int(head[8:10]), int(head[11:13]),
                 int(head[14:16]), int(head[17:19]), 0, 0, 0)
            )  # fmt: skip
        except ValueError:
            raise ValidationError("local timestamp", stamp[:40], "is not a date") from None
        if len(_SECOND_CACHE) >= 128:  # a slice spans 60 seconds: keep the cache small
            _SECOND_CACHE.clear()
        _SECOND_CACHE[head] = seconds
    fraction = stamp[20:-1] if stamp[19:20] == b"." else b""
    if fraction and not fraction.isdigit():
        raise ValidationError("local timestamp", stamp[:40], "has a bad fraction")
    nanos = int((fraction + b"000000000")[:9]) if fraction else 0
    return seconds * 1_000_000_000 + nanos


def split_slice(body: bytes, previous_ns: int) -> Iterator[tuple[int, bytes]]:
    """(arrival ns, message) per line of a decompressed slice, and ``(ns, DISCONNECT)`` for an
    empty line, stamped with the arrival time of the message before it (``previous_ns``, the
    last one of the slice before, for a marker that opens a slice). Consecutive markers
    collapse into one, as in tardis-node."""
    if body.endswith(b"\n"):
        body = body[:-1]  # the newline that ends the last line, not an empty line
    if not body:
        return
    marked = False
    for line in body.split(b"\n"):
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line:
            if not marked:
                marked = True
                yield previous_ns, DISCONNECT
            continue
        stamp, space, message = line.partition(b" ")
        if not space or not message:
            raise ValidationError("data-feed line", line[:80], "is not '<timestamp> <message>'")
        previous_ns = parse_local_timestamp(stamp)
        marked = False
        yield previous_ns, message
