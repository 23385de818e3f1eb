"""The gateway's control-line protocol, sans-IO (docs: Live API, Raw API protocol).

Control messages are ASCII ``key=value`` fields joined by ``|`` and ended by ``\\n``, at most
64 KiB each. On connect the gateway sends a greeting (``lsg_version=...``) and a challenge
(``cram=...``); the client answers with an authentication request; the gateway replies
``success=1|session_id=...`` or ``success=0|error=...``. From then on the gateway sends only DBN
(metadata, then records) and the client sends subscription requests (chunked: all but the last
line carry ``is_last=0``), unsubscribe requests and one ``start_session``.

:class:`Handshake` runs the connect exchange on bytes in, lines out; the stream session feeds
it what the socket reads and sends what it returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import attrs
from tradeport.errors import AuthenticationError, TransportError, ValidationError

from tradeport_databento.constants import CONTROL_LINE_LIMIT, SYMBOL_CHUNK, VENUE_ID
from tradeport_databento.credential import cram_response

__all__ = [
    "AuthOptions",
    "AuthReply",
    "Handshake",
    "LineBuffer",
    "parse_fields",
    "format_fields",
    "auth_request",
    "subscription_requests",
    "unsubscribe_requests",
    "start_session",
]

_NEWLINE: Final = 0x0A


def parse_fields(line: str) -> dict[str, str]:
    """``a=1|b=2`` -> ``{"a": "1", "b": "2"}`` (a field without ``=`` maps to ``""``)."""
    out: dict[str, str] = {}
    for token in line.rstrip("\n").split("|"):
        key, _, value = token.partition("=")
        if key:
            out[key] = value
    return out


def format_fields(fields: Iterable[tuple[str, object]]) -> str:
    """The control line of ``fields`` (``None`` values left out), newline included."""
    line = "|".join(f"{k}={v}" for k, v in fields if v is not None) + "\n"
    if len(line) > CONTROL_LINE_LIMIT:
        raise ValidationError(
            "control_line", line[:60] + "...", f"is longer than {CONTROL_LINE_LIMIT} bytes"
        )
    for ch in line[:-1]:
        if ch == "\n" or not ch.isascii():
            raise ValidationError("control_line", line[:60], "must be one line of ASCII")
    return line


class LineBuffer:
    """Bytes in, complete ``\\n``-ended lines out; a line longer than the limit is an error
    (the gateway's own limit is 64 KiB: a longer "line" means the stream is not what we think).

    :meth:`rest` hands over whatever follows the last line taken (the DBN stream).
    """

    __slots__ = ("_buffer", "limit")

    def __init__(self, limit: int = CONTROL_LINE_LIMIT) -> None:
        self._buffer = bytearray()
        self.limit = limit

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next_line(self) -> str | None:
        """The next complete line (without ``\\n``), or None if none is complete yet."""
        index = self._buffer.find(_NEWLINE)
        if index < 0:
            if len(self._buffer) > self.limit:
                raise TransportError(
                    f"gateway control line longer than {self.limit} bytes", venue=VENUE_ID
                )
            return None
        if index > self.limit:
            raise TransportError(
                f"gateway control line longer than {self.limit} bytes", venue=VENUE_ID
            )
        raw = bytes(self._buffer[:index])
        del self._buffer[: index + 1]
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise TransportError(
                f"gateway control line is not ASCII: {raw[:60]!r}", venue=VENUE_ID
            ) from None

    def rest(self) -> bytes:
        """Everything buffered after the lines taken (and empty the buffer)."""
        out = bytes(self._buffer)
        self._buffer.clear()
        return out


@attrs.frozen(kw_only=True)
class AuthOptions:
    """The session options of the authentication request."""

    dataset: str
    encoding: str = "dbn"
    compression: str = "none"
    ts_out: bool = False
    heartbeat_interval_s: int | None = None
    slow_reader_behavior: str | None = None
    client: str = "tradeport-databento/0.1.0"


def auth_request(challenge: str, key: str, options: AuthOptions) -> str:
    """The authentication request line answering ``challenge``."""
    return format_fields(
        (
            ("auth", cram_response(challenge, key)),
            ("dataset", options.dataset),
            ("encoding", options.encoding),
            ("ts_out", int(options.ts_out)),
            ("compression", options.compression),
            ("heartbeat_interval_s", options.heartbeat_interval_s),
            ("slow_reader_behavior", options.slow_reader_behavior),
            ("client", options.client),
        )
    )


def _chunks(symbols: Sequence[str], size: int) -> list[Sequence[str]]:
    return [symbols[i : i + size] for i in range(0, len(symbols), size)] or [symbols]


def subscription_requests(
    schema: str,
    stype_in: str,
    symbols: Sequence[str],
    *,
    start: int | str | None = None,
    snapshot: bool = False,
    request_id: int | None = None,
    chunk: int = SYMBOL_CHUNK,
) -> list[str]:
    """One subscription as control lines, ``chunk`` symbols each; all but the last line carry
    ``is_last=0``. ``start`` asks for intraday replay (honoured only before ``start_session``);
    ``snapshot`` asks for an MBO book snapshot (MBO only, not with ``start``)."""
    if snapshot and start is not None:
        raise ValidationError("snapshot", snapshot, "cannot be combined with start")
    if snapshot and schema != "mbo":
        raise ValidationError("snapshot", snapshot, f"is only offered for mbo, not {schema}")
    if not symbols:
        raise ValidationError("symbols", list(symbols), "must name at least one symbol")
    parts = _chunks(list(symbols), chunk)
    lines = []
    for index, part in enumerate(parts):
        lines.append(
            format_fields(
                (
                    ("schema", schema),
                    ("stype_in", stype_in),
                    ("symbols", ",".join(part)),
                    ("start", start),
                    ("snapshot", int(snapshot)),
                    ("id", request_id),
                    ("is_last", int(index == len(parts) - 1)),
                )
            )
        )
    return lines


def unsubscribe_requests(
    schema: str, stype_in: str, symbols: Sequence[str], *, chunk: int = SYMBOL_CHUNK
) -> list[str]:
    """An unsubscribe request (acknowledged by a SystemMsg UNSUBSCRIBE_ACK), chunked likewise.
    ``unsubscribe`` must be the first field."""
    parts = _chunks(list(symbols), chunk)
    return [
        format_fields(
            (
                ("unsubscribe", "0"),
                ("schema", schema),
                ("stype_in", stype_in),
                ("symbols", ",".join(part)),
                ("is_last", int(index == len(parts) - 1)),
            )
        )
        for index, part in enumerate(parts)
    ]


def start_session() -> str:
    """The session start line: the gateway starts sending DBN after it."""
    return "start_session=0\n"


@attrs.frozen
class AuthReply:
    """The gateway's answer to the authentication request."""

    success: bool
    session_id: str | None
    error: str | None


class Handshake:
    """The connect exchange: greeting, challenge, auth request, auth reply.

    ``feed(data)`` returns the lines to send (the auth request once the challenge is in);
    :attr:`reply` is set once the gateway answered; :meth:`rest` is the DBN that followed it.
    A refused key raises :class:`~tradeport.errors.AuthenticationError` (fatal: never retried).
    """

    def __init__(self, key: str, options: AuthOptions) -> None:
        self._key = key
        self._options = options
        self._lines = LineBuffer()
        self.version: str | None = None
        self.challenge: str | None = None
        self.reply: AuthReply | None = None

    def __repr__(self) -> str:  # never the key
        return f"Handshake(dataset={self._options.dataset!r}, version={self.version!r})"

    @property
    def done(self) -> bool:
        return self.reply is not None

    def feed(self, data: bytes) -> list[str]:
        self._lines.feed(data)
        out: list[str] = []
        while self.reply is None:
            line = self._lines.next_line()
            if line is None:
                break
            fields = parse_fields(line)
            if "lsg_version" in fields:
                self.version = fields["lsg_version"]
            elif "cram" in fields:
                self.challenge = fields["cram"]
                out.append(auth_request(self.challenge, self._key, self._options))
            elif "success" in fields:
                self.reply = AuthReply(
                    fields["success"] == "1", fields.get("session_id"), fields.get("error")
                )
                if not self.reply.success:
                    raise AuthenticationError(
                        f"gateway refused the authentication: {self.reply.error or 'no reason'}",
                        venue=VENUE_ID,
                        venue_message=self.reply.error,
                        retryable=False,
                    )
            else:
                raise TransportError(f"unexpected gateway line: {line[:80]!r}", venue=VENUE_ID)
        return out

    def rest(self) -> bytes:
        """The bytes after the auth reply (the start of the DBN stream, if any)."""
        return self._lines.rest()
