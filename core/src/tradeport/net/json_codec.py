"""JSON encoding and decoding for the network layer: orjson when installed, the stdlib otherwise.

Both paths produce compact JSON (no spaces), so a body built here is byte-for-byte what gets
signed and sent whichever library is present.

Exact numbers: :func:`loads` turns JSON numbers with a fraction into floats (orjson cannot do
otherwise). For venues that send prices and sizes as JSON numbers (Betfair, Databento's JSON,
Tardis, Coinbase's FIX-to-JSON...), :func:`loads_exact` returns :class:`~decimal.Decimal` for
every such number, built from its exact text (``100.50`` stays ``Decimal('100.50')``); integers
stay ``int``. It is msgspec's decoder with ``float_hook=Decimal`` (msgspec is a core dependency,
so nothing is added; it decodes bytes and memoryviews without a copy). Measured in
``bench/bench_json_decimal.py`` on a Betfair-style ladder message: as fast as the stdlib's
``json.loads(parse_float=Decimal)`` (1.03x; building the ``Decimal`` of every number dominates
both), about half the speed of float decoding (the price of exactness); a typed msgspec model
with ``Decimal`` fields is 1.24x the stdlib, the choice for a hot route that has a model.
:func:`dumps_exact` writes ``Decimal`` as JSON numbers (mock venues that must send numbers).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import msgspec

__all__ = [
    "JSONDecodeError",
    "dumps",
    "dumps_bytes",
    "dumps_exact",
    "dumps_venue",
    "loads",
    "loads_exact",
]

try:  # orjson is the optional "fast" extra; decoding is the hot path of every feed.
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised only where orjson is absent
    _orjson = None  # type: ignore[assignment]

#: Raised by :func:`loads` for malformed input (orjson's error subclasses this too).
JSONDecodeError = json.JSONDecodeError


def loads(data: str | bytes | bytearray | memoryview) -> Any:
    """Decode JSON text or UTF-8 bytes."""
    if _orjson is not None:
        return _orjson.loads(data)
    return json.loads(bytes(data) if isinstance(data, memoryview) else data)


def dumps_bytes(obj: Any) -> bytes:
    """Encode ``obj`` as compact UTF-8 JSON bytes."""
    if _orjson is not None:
        return _orjson.dumps(obj)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def dumps(obj: Any) -> str:
    """Encode ``obj`` as compact JSON text."""
    if _orjson is not None:
        return _orjson.dumps(obj).decode()
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


_EXACT_DECODER = msgspec.json.Decoder(float_hook=Decimal)
_NUMBER_ENCODER = msgspec.json.Encoder(decimal_format="number")


def loads_exact(data: str | bytes | bytearray | memoryview) -> Any:
    """Decode JSON with every number that has a fraction or exponent as an exact ``Decimal``
    (integers stay ``int``). Malformed input raises :data:`JSONDecodeError`."""
    try:
        return _EXACT_DECODER.decode(data)
    except msgspec.DecodeError as exc:
        raise JSONDecodeError(str(exc), "", 0) from exc


def dumps_exact(obj: Any) -> bytes:
    """Encode ``obj`` as compact UTF-8 JSON with ``Decimal`` values as JSON numbers
    (``Decimal('100.50')`` -> ``100.50``), not strings."""
    return _NUMBER_ENCODER.encode(obj)


def dumps_venue(obj: Any) -> bytes:
    """What a mock venue sends: :func:`dumps_bytes`, or :func:`dumps_exact` when ``obj``
    holds ``Decimal`` values (which go out as JSON numbers, as such venues send them)."""
    try:
        return dumps_bytes(obj)
    except TypeError:  # orjson and the stdlib refuse Decimal
        return dumps_exact(obj)
