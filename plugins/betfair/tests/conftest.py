"""Shared fixtures: both async backends; no proxies for loopback traffic."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The workspace runs pytest in importlib mode: make the sibling helper module (betfair_helpers,
# uniquely named so it never shadows another plugin's) importable from the test modules.
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Async tests run under asyncio and trio."""
    return request.param


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback traffic must never be routed through an environment proxy."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
