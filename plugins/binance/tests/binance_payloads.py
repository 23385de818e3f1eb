"""Loading the documented Binance payloads of tests/test_data (see SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEST_DATA = Path(__file__).parent / "test_data"


def load(name: str) -> Any:
    """A documented payload from tests/test_data, decoded."""
    return json.loads((TEST_DATA / name).read_text())


def raw(name: str) -> bytes:
    """A documented payload as compact JSON bytes (what the wire carries)."""
    return json.dumps(load(name), separators=(",", ":")).encode()
