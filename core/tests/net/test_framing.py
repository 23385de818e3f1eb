"""The sans-IO framings, byte by byte: any split of the stream gives the same messages, caps
hold before the data is read, FIX checksums are verified (the FIX vector is the logon example
of the FIX article on Wikipedia: BodyLength 65, CheckSum 062)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tradeport.errors import MessageTooLarge
from tradeport.net import (
    CRLF,
    NEWLINE,
    DecoderFraming,
    FixFraming,
    Framing,
    FramingError,
    LengthPrefixedFraming,
    LineFraming,
    fix_message,
    parse_fix,
)

FRAMINGS: dict[str, Framing] = {
    "newline": NEWLINE,
    "crlf": CRLF,
    "length": LengthPrefixedFraming(),
    "length2-little": LengthPrefixedFraming(2, "little"),
    "fix": FixFraming(),
}

# Payloads the line framings can carry (no delimiter inside); FIX bodies are fields.
payloads = st.lists(
    st.binary(min_size=0, max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=8
)


def wire_message(name: str, payload: bytes) -> tuple[bytes, bytes]:
    """(what is sent, what must come out) for one payload."""
    framing = FRAMINGS[name]
    if name == "fix":
        message = fix_message([(35, "X"), (58, payload.hex())])
        return framing.encode(message), message
    if name == "crlf":
        payload = payload.replace(b"\r", b"")
    return framing.encode(payload), payload


def feed_in_pieces(
    framing: Framing, data: bytes, cuts: list[int], cap: int | None = None
) -> list[bytes]:
    decoder = framing.decoder(cap)
    out: list[bytes] = []
    start = 0
    for cut in [*sorted({min(c, len(data)) for c in cuts}), len(data)]:
        out += decoder.feed(data[start:cut])
        start = cut
    assert decoder.buffered == 0
    return out


@pytest.mark.parametrize("name", list(FRAMINGS))
@given(messages=payloads, cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=12))
def test_any_split_gives_the_same_messages(
    name: str, messages: list[bytes], cuts: list[int]
) -> None:
    pairs = [wire_message(name, m) for m in messages]
    data = b"".join(wire for wire, _ in pairs)
    assert feed_in_pieces(FRAMINGS[name], data, cuts) == [expected for _, expected in pairs]


@pytest.mark.parametrize("name", list(FRAMINGS))
def test_one_byte_at_a_time(name: str) -> None:
    pairs = [wire_message(name, m) for m in (b'{"a":1}', b"", b"x" * 300)]
    data = b"".join(wire for wire, _ in pairs)
    assert feed_in_pieces(FRAMINGS[name], data, list(range(len(data)))) == [e for _, e in pairs]


def test_crlf_delimiter_split_between_reads() -> None:
    decoder = CRLF.decoder()
    assert decoder.feed(b'{"op":"heartbeat"}\r') == []
    assert decoder.feed(b'\n{"op"') == [b'{"op":"heartbeat"}']
    assert decoder.buffered == len(b'{"op"')


def test_line_cap_refuses_an_endless_line_without_holding_it() -> None:
    decoder = NEWLINE.decoder(1000)
    decoder.feed(b"x" * 999)
    with pytest.raises(MessageTooLarge):
        decoder.feed(b"x" * 2)
    # a complete line over the cap is refused too
    with pytest.raises(MessageTooLarge):
        NEWLINE.decoder(10).feed(b"x" * 11 + b"\n")
    assert NEWLINE.decoder(10).feed(b"x" * 10 + b"\n") == [b"x" * 10]


def test_length_prefix_over_the_cap_is_refused_on_the_header_alone() -> None:
    decoder = LengthPrefixedFraming().decoder(1 << 20)
    with pytest.raises(MessageTooLarge, match="announced"):
        decoder.feed(struct.pack(">I", 1 << 30))  # 1 GiB announced, not one payload byte sent
    assert LengthPrefixedFraming().decoder(5).feed(b"\x00\x00\x00\x05hello") == [b"hello"]


def test_length_prefix_including_the_header() -> None:
    framing = LengthPrefixedFraming(2, includes_header=True)
    assert framing.encode(b"abc") == b"\x00\x05abc"
    assert framing.decoder().feed(b"\x00\x05abc\x00\x02") == [b"abc", b""]
    with pytest.raises(FramingError):
        framing.decoder().feed(b"\x00\x01")


def test_fix_vector_and_checksum_verification() -> None:
    logon = fix_message(
        [
            (35, "A"),
            (49, "SERVER"),
            (56, "CLIENT"),
            (34, 177),
            (52, "20090107-18:15:16"),
            (98, 0),
            (108, 30),
        ],
        "FIX.4.2",
    )
    assert logon == (
        b"8=FIX.4.2\x019=65\x0135=A\x0149=SERVER\x0156=CLIENT\x0134=177\x01"
        b"52=20090107-18:15:16\x0198=0\x01108=30\x0110=062\x01"
    )
    assert parse_fix(logon)[-1] == (10, b"062")
    decoder = FixFraming("FIX.4.2").decoder()
    garbled = logon.replace(b"10=062", b"10=063")
    assert decoder.feed(garbled + logon) == [logon]
    assert decoder.garbled == 1
    assert FixFraming(verify_checksum=False).decoder().feed(garbled) == [garbled]


def test_fix_encode_wraps_a_body() -> None:
    framing = FixFraming("FIX.4.4")
    body = b"35=0\x0149=A\x0156=B\x0134=2\x01"
    assert framing.encode(body) == fix_message([(35, "0"), (49, "A"), (56, "B"), (34, 2)])
    assert framing.encode(framing.encode(body)) == framing.encode(body)  # complete: as is


@pytest.mark.parametrize(
    "data",
    [
        b"9=5\x0135=0\x0110=000\x01",
        b"8=FIX.4.4\x0135=0\x01",
        b"8=FIX.4.4\x019=x\x01",
        b"8=FIX.4.4\x019=5\x0135=0\x0111=163\x01",
    ],
)
def test_fix_stream_that_is_not_fix_fails_the_connection(data: bytes) -> None:
    with pytest.raises(FramingError):
        FixFraming().decoder().feed(data)


def test_fix_body_length_over_the_cap_is_refused_on_the_header() -> None:
    with pytest.raises(MessageTooLarge, match="announced"):
        FixFraming().decoder(4096).feed(b"8=FIX.4.4\x019=999999999\x01")


def test_line_framing_refuses_a_message_with_its_delimiter() -> None:
    with pytest.raises(ValueError, match="delimiter"):
        CRLF.encode(b"a\r\nb")
    with pytest.raises(ValueError):
        LineFraming(b"")


class Records:
    """An incremental decoder of 2-byte big-endian length records (the DBN decoder's API)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def write(self, data: bytes) -> None:
        self.buffer += data

    def decode(self) -> list[bytes]:
        out = []
        while len(self.buffer) >= 2:
            size = int.from_bytes(self.buffer[:2], "big")
            if len(self.buffer) < 2 + size:
                break
            out.append(bytes(self.buffer[2 : 2 + size]))
            del self.buffer[: 2 + size]
        return out


def test_decoder_framing_and_its_cap() -> None:
    framing = DecoderFraming(Records, outbound=NEWLINE)
    decoder = framing.decoder(100)
    assert decoder.feed(b"\x00\x03ab") == []
    assert decoder.feed(b"c\x00\x01") == [b"abc"]
    assert framing.encode(b"start_session=0") == b"start_session=0\n"
    with pytest.raises(MessageTooLarge):
        framing.decoder(100).feed(b"\x01\x00" + b"x" * 200)
