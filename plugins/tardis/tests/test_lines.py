"""Data-feed lines: the recorder's timestamps and the empty-line disconnect marker."""

from __future__ import annotations

import pytest
from tradeport.errors import ValidationError
from tradeport_tardis.lines import DISCONNECT, parse_local_timestamp, split_slice
from tradeport_tardis.testing.render import local_timestamp

# tardis-machine README, "Example response snippet": {"localTimestamp":"2019-05-01T00:09:42.2760012Z",...
DOC_STAMP = b"2019-05-01T00:09:42.2760012Z"
DOC_NS = 1556669382_276001200


def test_the_documented_timestamp_is_exact_to_100_ns() -> None:
    assert parse_local_timestamp(DOC_STAMP) == DOC_NS
    assert local_timestamp(DOC_NS).encode() == DOC_STAMP  # the mock writes the same format
    assert parse_local_timestamp(b"2019-05-01T00:09:42Z") == 1556669382_000000000
    assert parse_local_timestamp(b"2019-05-01T00:09:42.276Z") == 1556669382_276000000


@pytest.mark.parametrize("bad", [b"2019-05-01 00:09:42Z", b"yesterday", b"2019-13-01T00:00:00Z"])
def test_a_bad_timestamp_is_refused_naming_it(bad: bytes) -> None:
    with pytest.raises(ValidationError, match="local timestamp"):
        parse_local_timestamp(bad)


def test_empty_lines_are_one_disconnect_stamped_with_the_message_before() -> None:
    body = (
        DOC_STAMP + b' {"a":1}\n'
        b"\n\n"  # two markers in a row are one disconnect
        b'2019-05-01T00:09:43.0000000Z {"b":2}\n'
    )
    assert list(split_slice(body, 0)) == [
        (DOC_NS, b'{"a":1}'),
        (DOC_NS, DISCONNECT),
        (1556669383_000000000, b'{"b":2}'),
    ]
    # A marker that opens a slice takes the previous slice's last arrival time.
    assert list(split_slice(b"\n" + DOC_STAMP + b" {}\n", 7)) == [(7, DISCONNECT), (DOC_NS, b"{}")]
    # The newline that ends the last line is not a marker; an empty slice has no lines.
    assert list(split_slice(b"", 7)) == []


def test_a_line_without_a_message_is_refused() -> None:
    with pytest.raises(ValidationError, match="data-feed line"):
        list(split_slice(DOC_STAMP + b"\n", 0))
