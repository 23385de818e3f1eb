"""Shared fixtures of the OKX plugin tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The workspace runs pytest in importlib mode: make the sibling helper module (okx_payloads,
# uniquely named so it never shadows another plugin's) importable from the test modules.
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run anyio tests on both backends."""
    return str(request.param)
