"""JSON encoding and decoding for the network layer: orjson when installed, the stdlib otherwise.

Both paths produce compact JSON (no spaces), so a body built here is byte-for-byte what gets
signed and sent whichever library is present.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["JSONDecodeError", "dumps", "dumps_bytes", "loads"]

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
