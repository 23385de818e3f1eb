"""Instrument ids and client order ids for Hyperliquid.

Instrument ids: perpetuals are ``{coin}-PERP.HYPERLIQUID`` (``BTC-PERP``); spot pairs are
``{base}-{quote}.HYPERLIQUID`` from the token names (``PURR-USDC``). The venue's own wire name
of a pair (``PURR/USDC``, or ``@{index}`` for the others) and its asset number are kept in the
instrument's ``info`` (``coin``, ``asset``), because the wire needs them and the id must stay
readable.

Client order ids: Hyperliquid's ``cloid`` is 16 bytes, written ``0x`` + 32 hex digits. The
mapping from tradeport's :class:`~tradeport.model.identifiers.ClientOrderId` is reversible
for the ids people actually use:

* 32 hex digits (what ``ClientOrderId.generate()`` makes) or ``0x`` + 32 hex digits: the same
  16 bytes;
* up to 14 printable ASCII characters (``"my-order-1"``): ``0xff``, the length, the bytes, zero
  padding;
* anything longer: the first 16 bytes of its keccak-256 (one way: the execution client
  remembers the id of its own orders; a foreign order then shows its cloid's hex).
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Final

from eth_utils import keccak
from tradeport.errors import ValidationError
from tradeport.model.identifiers import ClientOrderId, InstrumentId, Symbol, Venue

from tradeport_hyperliquid.constants import VENUE_ID

__all__ = [
    "HYPERLIQUID_VENUE",
    "PERP_SUFFIX",
    "perp_id",
    "spot_id",
    "cloid_of",
    "client_order_id_of",
    "is_cloid",
]

HYPERLIQUID_VENUE: Final = Venue(VENUE_ID)
PERP_SUFFIX: Final = "-PERP"
_TEXT_MARK: Final = 0xFF
_TEXT_MAX: Final = 14
_PRINTABLE: Final = frozenset(string.printable.encode()) - frozenset(b"\t\n\r\x0b\x0c")
_HEX: Final = frozenset("0123456789abcdefABCDEF")


@lru_cache(maxsize=4096)
def perp_id(coin: str) -> InstrumentId:
    """The id of the perpetual on ``coin`` (``BTC`` -> ``BTC-PERP.HYPERLIQUID``)."""
    return InstrumentId(Symbol(coin + PERP_SUFFIX), HYPERLIQUID_VENUE)


@lru_cache(maxsize=4096)
def spot_id(base: str, quote: str) -> InstrumentId:
    """The id of the spot pair ``base``/``quote`` (``PURR-USDC.HYPERLIQUID``)."""
    return InstrumentId(Symbol(f"{base}-{quote}"), HYPERLIQUID_VENUE)


def _is_hex32(text: str) -> bool:
    return len(text) == 32 and all(c in _HEX for c in text)


def is_cloid(text: str) -> bool:
    """Whether ``text`` is a wire cloid (``0x`` + 32 hex digits)."""
    return text[:2] in ("0x", "0X") and _is_hex32(text[2:])


def cloid_of(client_order_id: ClientOrderId | str) -> str:
    """The wire cloid of a client order id (see the module docstring)."""
    text = str(client_order_id)
    if is_cloid(text):
        return "0x" + text[2:].lower()
    if _is_hex32(text):
        return "0x" + text.lower()
    raw = text.encode()
    if len(raw) <= _TEXT_MAX and all(b in _PRINTABLE for b in raw):
        packed = bytes([_TEXT_MARK, len(raw)]) + raw
        return "0x" + packed.ljust(16, b"\x00").hex()
    return "0x" + bytes(keccak(raw))[:16].hex()


def client_order_id_of(cloid: str) -> ClientOrderId:
    """The client order id a wire cloid stands for (the inverse of :func:`cloid_of` for hex and
    short text ids; a hashed id comes back as its cloid's 32 hex digits)."""
    if not is_cloid(cloid):
        raise ValidationError("cloid", cloid, "is not 0x followed by 32 hex digits")
    raw = bytes.fromhex(cloid[2:])
    if raw[0] == _TEXT_MARK and raw[1] <= _TEXT_MAX:
        size = raw[1]
        body, padding = raw[2 : 2 + size], raw[2 + size :]
        if all(b in _PRINTABLE for b in body) and not any(padding):
            return ClientOrderId(body.decode())
    return ClientOrderId(cloid[2:].lower())
