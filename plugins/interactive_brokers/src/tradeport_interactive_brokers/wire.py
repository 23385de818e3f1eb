"""The TWS API wire format, sans I/O: fields, messages and the connect handshake.

Both directions frame every message as a 4-byte big-endian length, then the payload
(:class:`~tradeport.net.LengthPrefixedFraming`); a payload is ASCII fields each ended by
``\\0``; the first field is the message id. The connection opens with ``API\\0`` then one
framed message ``v<min>..<max>[ <options>]``; the server answers with one framed message of two
fields, its version and its connection time.

>>> encode_fields(71, 2, 7, "")
b'71\\x002\\x007\\x00\\x00'
>>> decode_fields(b"9\\x001\\x001\\x00")
['9', '1', '1']
>>> handshake(176, 178)
b'API\\x00\\x00\\x00\\x00\\tv176..178'
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from tradeport.errors import TransportError
from tradeport.net.framing import LengthPrefixedFraming

from tradeport_interactive_brokers.constants import API_PREFIX

__all__ = [
    "FRAMING",
    "UNSET_DOUBLE",
    "UNSET_INTEGER",
    "ProtocolError",
    "encode_fields",
    "decode_fields",
    "handshake",
    "parse_server_hello",
    "field_text",
    "as_decimal",
    "as_int",
]

#: TWS API framing: 4-byte big-endian length, payload only.
FRAMING: Final = LengthPrefixedFraming(4, "big")

#: IB's "no value" for doubles (``Double.MAX_VALUE``) and integers (``Integer.MAX_VALUE``),
#: as they appear in text fields; both mean empty.
UNSET_DOUBLE: Final = "1.7976931348623157E308"
UNSET_INTEGER: Final = "2147483647"


class ProtocolError(TransportError):
    """A message that does not have the layout of its id at the negotiated server version."""


def field_text(value: Any) -> str:
    """One field as TWS expects it: None empty, bools ``1``/``0``, Decimals in plain notation
    (never an exponent), everything else ``str``."""
    if value is None:
        return ""
    if value is True:
        return "1"
    if value is False:
        return "0"
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text or "0"
    return str(value)


def encode_fields(*fields: Any) -> bytes:
    """The payload of one message (each field ended by ``\\0``)."""
    for value in fields:
        if isinstance(value, str) and "\0" in value:
            raise ValueError(f"a TWS field cannot contain NUL: {value!r}")
    return "".join(field_text(value) + "\0" for value in fields).encode()


def decode_fields(payload: bytes) -> list[str]:
    """The fields of one message payload (the final ``\\0`` ends the last field)."""
    text = payload.decode("utf-8", errors="backslashreplace")
    if not text.endswith("\0"):
        raise ProtocolError(f"TWS message does not end with a NUL: {text[:60]!r}")
    return text[:-1].split("\0")


def handshake(min_version: int, max_version: int, options: str = "") -> bytes:
    """``API\\0`` then the framed version range (with connect options, e.g. ``+PACEAPI``)."""
    body = f"v{min_version}..{max_version}" + (f" {options}" if options else "")
    return API_PREFIX + FRAMING.encode(body.encode())


def parse_server_hello(fields: Iterable[str]) -> tuple[int, str]:
    """(server version, connection time) from the server's first message."""
    values = list(fields)
    if len(values) < 2 or not values[0].isdigit():
        raise ProtocolError(f"not a TWS server hello: {values[:4]!r}")
    return int(values[0]), values[1]


def as_decimal(text: str) -> Decimal | None:
    """A numeric field as an exact Decimal; None when empty or IB's unset value."""
    if not text or text in (UNSET_DOUBLE, UNSET_INTEGER):
        return None
    try:
        value = Decimal(text)
    except ArithmeticError as exc:
        raise ProtocolError(f"not a number: {text!r}") from exc
    if not value.is_finite():
        return None
    return value


def as_int(text: str, default: int = 0) -> int:
    """An integer field; ``default`` when empty or unset."""
    if not text or text == UNSET_INTEGER:
        return default
    try:
        return int(text)
    except ValueError as exc:
        raise ProtocolError(f"not an integer: {text!r}") from exc
