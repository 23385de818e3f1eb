"""Shared fixtures: both anyio backends. The payload helpers (binance_payloads) are imported
by name; the repository runs pytest in importlib mode, so this directory is put on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
