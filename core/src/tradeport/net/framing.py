"""Sans-IO framings for byte-stream transports (TCP, TLS): where one message ends.

A :class:`Framing` describes a wire format and encodes outgoing messages; its
:meth:`~Framing.decoder` makes a per-connection :class:`FrameDecoder` that is fed the bytes of
each socket read and returns the whole messages they complete. Nothing here does I/O, so each
framing is tested byte by byte and shared by the client (:class:`~tradeport.net.TcpTransport`)
and the loopback servers (:class:`~tradeport.testing.StreamServer`).

* :class:`LineFraming` - a delimiter ends each message: ``b"\\n"`` (Databento control lines)
  or ``b"\\r\\n"`` (:data:`CRLF`, Betfair's stream);
* :class:`LengthPrefixedFraming` - an N-byte big-endian length, then the payload (IB's TWS API);
* :class:`FixFraming` - FIX tag=value: ``8=BeginString|9=BodyLength|...|10=CheckSum|``, with
  the checksum verified;
* :class:`DecoderFraming` - raw bytes handed to an incremental decoder that yields records
  (Databento's ``databento_dbn.DBNDecoder``: ``write(bytes)`` then ``decode()``).

**Size caps hold for every framing**: a decoder made with ``max_message_size`` raises
:class:`~tradeport.errors.MessageTooLarge` as soon as a message is known to exceed it (a length
prefix or BodyLength announcing more, or more bytes buffered without a delimiter), so at most
``max_message_size`` plus one read is ever held, whatever the peer sends.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, Protocol

from tradeport.errors import MessageTooLarge, TransportError

__all__ = [
    "CRLF",
    "NEWLINE",
    "SOH",
    "DecoderFraming",
    "FixFraming",
    "FrameDecoder",
    "Framing",
    "FramingError",
    "IncrementalDecoder",
    "LengthPrefixedFraming",
    "LineFraming",
    "fix_checksum",
    "fix_message",
    "parse_fix",
]

#: FIX's field separator.
SOH = b"\x01"


class FramingError(TransportError):
    """The byte stream no longer parses as the framing (the connection cannot continue)."""


def _too_large(size: int, limit: int, *, announced: bool) -> MessageTooLarge:
    how = "announced" if announced else "buffered without an end"
    return MessageTooLarge(f"message larger than {limit} bytes refused ({size} bytes {how})")


class FrameDecoder(ABC):
    """One connection's incremental decoder: feed it bytes, get whole messages."""

    #: Messages the framing dropped as garbled (e.g. a FIX checksum mismatch).
    garbled: int = 0

    @abstractmethod
    def feed(self, data: bytes) -> list[Any]:
        """The messages ``data`` completes (possibly none), in order.

        Raises :class:`~tradeport.errors.MessageTooLarge` for a message over the cap and
        :class:`FramingError` when the stream is corrupt.
        """

    @property
    @abstractmethod
    def buffered(self) -> int:
        """Bytes of an incomplete message held right now."""

    @abstractmethod
    def take_remainder(self) -> bytes:
        """Bytes received but not yet part of a message (and forget them): what a new framing
        continues with when a protocol switches framing mid-stream."""


class Framing(ABC):
    """A wire format for messages on a byte stream (immutable; shared by connections)."""

    @abstractmethod
    def decoder(self, max_message_size: int | None = None) -> FrameDecoder:
        """A fresh decoder for one connection, refusing messages over ``max_message_size``."""

    @abstractmethod
    def encode(self, message: bytes) -> bytes:
        """The bytes that carry ``message`` on the wire."""


class _BufferedDecoder(FrameDecoder):
    """Common state: a buffer and the cap."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def take_remainder(self) -> bytes:
        rest = bytes(self._buffer)
        self._buffer.clear()
        return rest


# -- lines --------------------------------------------------------------------------------------


class _LineDecoder(_BufferedDecoder):
    def __init__(self, delimiter: bytes, limit: int | None) -> None:
        super().__init__(limit)
        self.delimiter = delimiter
        # Where to resume looking for the delimiter (bytes before it were searched already).
        self._scan = 0

    def feed(self, data: bytes) -> list[Any]:
        buffer = self._buffer
        delimiter = self.delimiter
        limit = self.limit
        buffer += data
        out: list[Any] = []
        start = 0
        width = len(delimiter)
        search = self._scan
        while True:
            end = buffer.find(delimiter, search)
            if end < 0:
                break
            if limit is not None and end - start > limit:
                raise _too_large(end - start, limit, announced=False)
            out.append(bytes(buffer[start:end]))
            start = search = end + width
        if start:
            del buffer[:start]
        if limit is not None and len(buffer) > limit:
            raise _too_large(len(buffer), limit, announced=False)
        # A delimiter split across reads starts at most width-1 bytes before the end.
        self._scan = max(0, len(buffer) - width + 1)
        return out


class LineFraming(Framing):
    """Messages ended by ``delimiter`` (not included in the message).

    >>> framing = LineFraming(b"\\r\\n")
    >>> framing.encode(b'{"op":"heartbeat"}')
    b'{"op":"heartbeat"}\\r\\n'
    >>> decoder = framing.decoder()
    >>> decoder.feed(b'{"a":1}\\r\\n{"b"'), decoder.feed(b":2}\\r\\n")
    ([b'{"a":1}'], [b'{"b":2}'])
    """

    def __init__(self, delimiter: bytes = b"\n") -> None:
        if not delimiter:
            raise ValueError("LineFraming: delimiter must not be empty")
        self.delimiter = delimiter

    def decoder(self, max_message_size: int | None = None) -> FrameDecoder:
        return _LineDecoder(self.delimiter, max_message_size)

    def encode(self, message: bytes) -> bytes:
        if self.delimiter in message:
            raise ValueError(
                f"LineFraming: message contains the delimiter {self.delimiter!r}: {message[:80]!r}"
            )
        return message + self.delimiter

    def __repr__(self) -> str:
        return f"LineFraming({self.delimiter!r})"


#: Newline-delimited messages (NDJSON, Databento's control lines).
NEWLINE = LineFraming(b"\n")
#: CRLF-delimited messages (Betfair's Exchange Stream API).
CRLF = LineFraming(b"\r\n")


# -- length prefix ------------------------------------------------------------------------------


class _LengthDecoder(_BufferedDecoder):
    def __init__(self, framing: LengthPrefixedFraming, limit: int | None) -> None:
        super().__init__(limit)
        self.header = framing.header_size
        self.byteorder: Literal["big", "little"] = framing.byteorder
        self.includes_header = framing.includes_header

    def feed(self, data: bytes) -> list[Any]:
        buffer = self._buffer
        buffer += data
        out: list[Any] = []
        header = self.header
        start = 0
        available = len(buffer)
        while available - start >= header:
            size = int.from_bytes(buffer[start : start + header], self.byteorder)
            if self.includes_header:
                size -= header
                if size < 0:
                    raise FramingError(f"length prefix {size + header} is shorter than itself")
            if self.limit is not None and size > self.limit:
                # Refused on the header alone: nothing of the payload is read or kept.
                raise _too_large(size, self.limit, announced=True)
            end = start + header + size
            if end > available:
                break
            out.append(bytes(buffer[start + header : end]))
            start = end
        if start:
            del buffer[:start]
        return out


class LengthPrefixedFraming(Framing):
    """Each message is an unsigned ``header_size``-byte length, then that many bytes.

    IB's TWS API: 4 bytes, big-endian, payload only (``includes_header=False``).

    >>> framing = LengthPrefixedFraming()
    >>> framing.encode(b"71\\x002\\x001\\x00\\x00")
    b'\\x00\\x00\\x00\\t71\\x002\\x001\\x00\\x00'
    >>> framing.decoder().feed(b"\\x00\\x00\\x00\\x02hi\\x00\\x00")
    [b'hi']
    """

    def __init__(
        self,
        header_size: int = 4,
        byteorder: Literal["big", "little"] = "big",
        *,
        includes_header: bool = False,
    ) -> None:
        if header_size not in (1, 2, 4, 8):
            raise ValueError(
                f"LengthPrefixedFraming: header_size must be 1, 2, 4 or 8, got {header_size}"
            )
        self.header_size = header_size
        self.byteorder = byteorder
        self.includes_header = includes_header

    def decoder(self, max_message_size: int | None = None) -> FrameDecoder:
        return _LengthDecoder(self, max_message_size)

    def encode(self, message: bytes) -> bytes:
        size = len(message) + (self.header_size if self.includes_header else 0)
        return size.to_bytes(self.header_size, self.byteorder) + message

    def __repr__(self) -> str:
        return f"LengthPrefixedFraming({self.header_size}, {self.byteorder!r})"


# -- FIX ----------------------------------------------------------------------------------------


def fix_checksum(data: bytes) -> bytes:
    """FIX CheckSum (tag 10): the byte sum of everything before ``10=``, modulo 256, as three
    ASCII digits."""
    return b"%03d" % (sum(data) % 256)


def _fix_value(value: str | bytes | int) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, int):
        return str(value).encode()
    return value.encode()


def fix_message(
    fields: Iterable[tuple[int | str, str | bytes | int]], begin_string: str = "FIX.4.4"
) -> bytes:
    """A complete FIX message: ``8=begin_string``, ``9=`` BodyLength, ``fields`` in order
    (starting with 35=MsgType), ``10=`` CheckSum.

    >>> fix_message([(35, "0"), (49, "A"), (56, "B"), (34, 2)])
    b'8=FIX.4.4\\x019=20\\x0135=0\\x0149=A\\x0156=B\\x0134=2\\x0110=145\\x01'
    """
    body = b"".join(b"%s=%s\x01" % (_fix_value(tag), _fix_value(value)) for tag, value in fields)
    return _wrap_fix(body, begin_string.encode())


def _wrap_fix(body: bytes, begin: bytes) -> bytes:
    head = b"8=%s\x019=%d\x01" % (begin, len(body))
    return head + body + b"10=" + fix_checksum(head + body) + SOH


def parse_fix(message: bytes) -> list[tuple[int, bytes]]:
    """The ``(tag, value)`` pairs of one FIX message, in order (header and trailer included).

    >>> parse_fix(b"8=FIX.4.4\\x019=5\\x0135=0\\x0110=163\\x01")
    [(8, b'FIX.4.4'), (9, b'5'), (35, b'0'), (10, b'163')]
    """
    out = []
    for field in message.split(SOH):
        if not field:
            continue
        tag, sep, value = field.partition(b"=")
        if not sep or not tag.isdigit():
            raise ValueError(f"not a FIX field: {field[:40]!r}")
        out.append((int(tag), value))
    return out


# Longest ``8=...|`` and ``9=...|`` accepted before the stream is declared corrupt.
_MAX_BEGIN = 32
_MAX_LENGTH_FIELD = 16
_TRAILER = len(b"10=000\x01")


class _FixDecoder(_BufferedDecoder):
    def __init__(self, verify: bool, limit: int | None) -> None:
        super().__init__(limit)
        self.verify = verify
        self.garbled = 0

    def _header(self, buffer: bytearray, start: int) -> tuple[int, int] | None:
        """(index after ``9=n|``, n), or None while the header is incomplete."""
        if len(buffer) - start < 2:
            return None
        if buffer[start : start + 2] != b"8=":
            raise FramingError(
                f"FIX message does not start with 8=: {bytes(buffer[start : start + 20])!r}"
            )
        begin_end = buffer.find(SOH, start, start + _MAX_BEGIN)
        if begin_end < 0:
            if len(buffer) - start >= _MAX_BEGIN:
                raise FramingError("FIX BeginString (8=) too long")
            return None
        length_start = begin_end + 1
        if len(buffer) - length_start < 2:
            return None
        if buffer[length_start : length_start + 2] != b"9=":
            raise FramingError("FIX BodyLength (9=) does not follow BeginString")
        length_end = buffer.find(SOH, length_start, length_start + _MAX_LENGTH_FIELD)
        if length_end < 0:
            if len(buffer) - length_start >= _MAX_LENGTH_FIELD:
                raise FramingError("FIX BodyLength (9=) too long")
            return None
        digits = bytes(buffer[length_start + 2 : length_end])
        if not digits.isdigit():
            raise FramingError(f"FIX BodyLength is not a number: {digits!r}")
        return length_end + 1, int(digits)

    def feed(self, data: bytes) -> list[Any]:
        buffer = self._buffer
        buffer += data
        out: list[Any] = []
        start = 0
        limit = self.limit
        while True:
            header = self._header(buffer, start)
            if header is None:
                break
            body_start, body_length = header
            total = body_start - start + body_length + _TRAILER
            if limit is not None and total > limit:
                raise _too_large(total, limit, announced=True)
            end = start + total
            if end > len(buffer):
                break
            trailer = buffer[end - _TRAILER : end]
            if trailer[:3] != b"10=" or trailer[-1:] != SOH:
                raise FramingError("FIX CheckSum (10=) not where BodyLength says it is")
            message = bytes(buffer[start:end])
            if self.verify and fix_checksum(message[:-_TRAILER]) != message[-4:-1]:
                # FIX: a garbled message is ignored (the sequence gap gets it resent).
                self.garbled += 1
            else:
                out.append(message)
            start = end
        if start:
            del buffer[:start]
        if limit is not None and len(buffer) > limit:  # pragma: no cover - caught by the header
            raise _too_large(len(buffer), limit, announced=False)
        return out


class FixFraming(Framing):
    """FIX tag=value messages, delimited by BeginString / BodyLength / CheckSum.

    Received messages are whole (``8=`` to ``10=...|``); a wrong checksum drops the message
    and counts it in the decoder's ``garbled`` (FIX says: ignore it, the sequence gap gets it
    resent); a stream that does not parse as FIX raises :class:`FramingError`.

    :meth:`encode` sends a complete message (starting ``8=``) as is, and wraps anything else
    (the fields from 35=MsgType on) in ``8=begin_string``, ``9=`` and ``10=``.
    """

    def __init__(self, begin_string: str = "FIX.4.4", *, verify_checksum: bool = True) -> None:
        self.begin_string = begin_string
        self.verify_checksum = verify_checksum

    def decoder(self, max_message_size: int | None = None) -> FrameDecoder:
        return _FixDecoder(self.verify_checksum, max_message_size)

    def encode(self, message: bytes) -> bytes:
        if message.startswith(b"8="):
            return message
        if not message.endswith(SOH):
            message += SOH
        return _wrap_fix(message, self.begin_string.encode())

    def __repr__(self) -> str:
        return f"FixFraming({self.begin_string!r})"


# -- incremental decoders -----------------------------------------------------------------------


class IncrementalDecoder(Protocol):
    """A binary decoder fed bytes in arbitrary pieces (``databento_dbn.DBNDecoder``'s API)."""

    def write(self, data: bytes) -> None:
        """Take more bytes."""

    def decode(self) -> Sequence[Any]:
        """Every whole record the bytes so far complete (records are consumed)."""


class _IncrementalFrameDecoder(FrameDecoder):
    def __init__(self, decoder: IncrementalDecoder, limit: int | None) -> None:
        self.decoder = decoder
        self.limit = limit
        # Bytes written since a record last came out: a bound on what the decoder holds.
        self._pending = 0

    @property
    def buffered(self) -> int:
        return self._pending

    def feed(self, data: bytes) -> list[Any]:
        self.decoder.write(data)
        records = list(self.decoder.decode())
        if records:
            self._pending = 0
        else:
            self._pending += len(data)
            if self.limit is not None and self._pending > self.limit:
                raise _too_large(self._pending, self.limit, announced=False)
        return records

    def take_remainder(self) -> bytes:
        raise FramingError("an incremental decoder's buffered bytes cannot be handed on")


class DecoderFraming(Framing):
    """Raw bytes handed to an incremental decoder; its records are the messages.

    ``factory`` makes one decoder per connection (e.g. ``databento_dbn.DBNDecoder``).
    Outgoing messages use ``outbound`` (Databento writes its control lines with
    :data:`NEWLINE`), raw bytes when None. The size cap bounds the bytes written to the
    decoder without a record coming out.
    """

    def __init__(
        self, factory: Callable[[], IncrementalDecoder], *, outbound: Framing | None = None
    ) -> None:
        self.factory = factory
        self.outbound = outbound

    def decoder(self, max_message_size: int | None = None) -> FrameDecoder:
        return _IncrementalFrameDecoder(self.factory(), max_message_size)

    def encode(self, message: bytes) -> bytes:
        return self.outbound.encode(message) if self.outbound is not None else message
