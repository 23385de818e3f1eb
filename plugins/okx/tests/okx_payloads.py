"""Access to the documented OKX payloads in tests/test_data (see SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEST_DATA = Path(__file__).parent / "test_data"


def load(name: str) -> Any:
    """A documented OKX payload from tests/test_data."""
    return json.loads((TEST_DATA / name).read_text(encoding="utf-8"))
