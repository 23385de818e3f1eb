"""Real venue payloads recorded by third parties, read by the plugins' tests at test time.

They live outside the repository, in ``../shared/venue-payloads/<venue>/`` next to the repo
root (SOURCES.md there names each file's origin), and are never copied in. A test module
finds them with :func:`require_recorded`, which skips the whole module with a reason when they
are absent (:func:`recorded_payloads` just returns None then)::

    RECORDED = require_recorded("bybit", __file__)
    CCXT = RECORDED.load("ccxt_static.json")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["RecordedPayloads", "missing_reason", "recorded_payloads", "require_recorded"]


class RecordedPayloads:
    """One venue's folder of recorded payloads."""

    def __init__(self, folder: Path) -> None:
        """Read from ``folder`` (``.../venue-payloads/<venue>``)."""
        self.folder = folder

    def load(self, name: str) -> Any:
        """A file of the folder as JSON (``"nautilus/ws_trade.json"``)."""
        return json.loads((self.folder / name).read_text(encoding="utf-8"))

    def files(self) -> set[str]:
        """Every JSON file, as a path relative to the folder."""
        return {p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*.json")}

    def entries(self, name: str) -> set[str]:
        """The named captures of a file of several (``ccxt_static.json``), without its
        ``_source`` note."""
        return set(self.load(name)) - {"_source"}


def _repo_root(start: Path) -> Path | None:
    for parent in start.resolve().parents:
        if (parent / "noxfile.py").is_file() and (parent / "core").is_dir():
            return parent
    return None


def recorded_payloads(venue: str, test_file: str | Path) -> RecordedPayloads | None:
    """The recorded payloads of ``venue`` beside the repository that holds ``test_file``
    (``<repo>/../shared/venue-payloads/<venue>``), or None when that folder is absent."""
    root = _repo_root(Path(test_file))
    if root is None:
        return None
    folder = root.parent / "shared" / "venue-payloads" / venue
    return RecordedPayloads(folder) if folder.is_dir() else None


def missing_reason(venue: str) -> str:
    """The skip reason for a checkout without the recorded payloads."""
    return (
        f"recorded {venue} payloads not found at ../shared/venue-payloads/{venue} "
        "(they live beside the repository and are never copied into it)"
    )


def require_recorded(venue: str, test_file: str | Path) -> RecordedPayloads:
    """:func:`recorded_payloads`, skipping the calling test module (pytest) when absent."""
    recorded = recorded_payloads(venue, test_file)
    if recorded is None:
        import pytest  # only test modules call this; the package does not depend on pytest

        pytest.skip(missing_reason(venue), allow_module_level=True)
    return recorded
