"""tradeport.testing.recorded: the recorded venue payloads are found beside the repository,
and a test module skips with a reason where they are absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tradeport.testing.recorded import missing_reason, recorded_payloads, require_recorded


def _checkout(root: Path) -> Path:
    """A repository root as the finder recognises it, with a test file inside."""
    repo = root / "repo"
    (repo / "core").mkdir(parents=True)
    (repo / "noxfile.py").write_text("", encoding="utf-8")
    test_file = repo / "plugins" / "demo" / "tests" / "test_x.py"
    test_file.parent.mkdir(parents=True)
    test_file.write_text("", encoding="utf-8")
    return test_file


def test_payloads_beside_the_repository_are_found(tmp_path: Path) -> None:
    test_file = _checkout(tmp_path)
    folder = tmp_path / "shared" / "venue-payloads" / "demo"
    (folder / "nautilus").mkdir(parents=True)
    (folder / "nautilus" / "ws_trade.json").write_text('{"p": "1.5"}', encoding="utf-8")
    (folder / "ccxt_static.json").write_text(
        json.dumps({"_source": "where from", "fetchTrades": []}), encoding="utf-8"
    )
    recorded = recorded_payloads("demo", test_file)
    assert recorded is not None
    assert recorded.files() == {"ccxt_static.json", "nautilus/ws_trade.json"}
    assert recorded.load("nautilus/ws_trade.json") == {"p": "1.5"}
    assert recorded.entries("ccxt_static.json") == {"fetchTrades"}
    assert require_recorded("demo", test_file).folder == folder


def test_absent_payloads_skip_with_the_reason(tmp_path: Path) -> None:
    test_file = _checkout(tmp_path)
    assert recorded_payloads("demo", test_file) is None
    with pytest.raises(pytest.skip.Exception, match=r"\.\./shared/venue-payloads/demo"):
        require_recorded("demo", test_file)
    assert "never copied" in missing_reason("demo")
    # Outside any checkout there is nothing to find either.
    assert recorded_payloads("demo", tmp_path / "loose.py") is None
