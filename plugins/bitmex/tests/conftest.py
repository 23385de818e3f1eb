"""Shared fixtures of the BitMEX plugin tests: async backends and the documented payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

TEST_DATA = Path(__file__).parent / "test_data"


def load(name: str) -> Any:
    """A payload from tests/test_data (see SOURCES.md for where each comes from)."""
    return json.loads((TEST_DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def payload() -> Any:
    """The loader of documented payloads: ``payload("ws_quote.json")``."""
    return load


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run async tests under asyncio and trio."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback traffic must never go through an environment proxy."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
