"""`tradeport conformance` and the pytest plugin, end to end in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_dists import GOOD_PLUGIN, write_installed_dist
from tradeport_conformance.catalogue import CATALOGUE


def _run(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "TRADEPORT_PLUGINS": "goodvenue"}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    write_installed_dist(
        site,
        dist="tradeport-goodvenue",
        entry_name="goodvenue",
        module="tradeport_goodvenue_plugin",
        source=GOOD_PLUGIN.format(venue="goodvenue", venue_id="GOODVENUE"),
    )
    return site


def test_unknown_venue_is_a_usage_error(site: Path, tmp_path: Path) -> None:
    result = _run(["-m", "tradeport", "conformance", "nope"], site, tmp_path)
    assert result.returncode == 2
    assert "unknown venue 'nope'; installed venues: goodvenue" in result.stderr


def test_pytest_plugin_inert_then_usage_error(site: Path, tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_ok():\n    assert 1 + 1 == 2\n")
    plain = _run(
        ["-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_plain.py")],
        site,
        tmp_path,
    )
    assert plain.returncode == 0 and "1 passed" in plain.stdout
    bad = _run(
        [
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--venue",
            "nope",
            str(tmp_path / "test_plain.py"),
        ],
        site,
        tmp_path,
    )
    assert bad.returncode == 4  # pytest's usage error
    assert "installed venues: goodvenue" in bad.stderr


def test_matrix_and_json_report_a_plugin_without_harness_as_failing(
    site: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    result = _run(
        [
            "-m",
            "tradeport",
            "conformance",
            "goodvenue",
            "-k",
            "test_load_all or test_quotes",
            "--json",
            str(out),
        ],
        site,
        tmp_path,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report["venue"] == "goodvenue"
    rows = {r["id"]: r for r in report["scenarios"]}
    assert list(rows) == list(CATALOGUE), "every catalogue id, in order"
    assert set(report["scenarios"][0]) == {"id", "title", "outcome", "reason"}
    assert rows["IN1"]["outcome"] == "fail"
    assert "provides no conformance harness" in rows["IN1"]["reason"]
    # SB1 needs QUOTES, which the plugin declares, so it is attempted (and fails the same way).
    assert rows["SB1"]["outcome"] == "fail"
    assert rows["LG1"] == {
        "id": "LG1",
        "title": CATALOGUE["LG1"],
        "outcome": "deselected",
        "reason": "not selected (--scenarios / -k)",
    }
    # "test_quotes" also selects HI3 (quotes history): with no harness even its capability check
    # cannot run, so it fails too rather than passing or skipping silently.
    failing = {r["id"] for r in report["scenarios"] if r["outcome"] == "fail"}
    assert failing == {"IN1", "SB1", "HI3"}
    deselected = sum(r["outcome"] == "deselected" for r in report["scenarios"])
    assert deselected > 0
    assert report["summary"] == {
        "pass": 0,
        "fail": 3,
        "skip": len(CATALOGUE) - 3 - deselected,
        "deselected": deselected,
        "total": len(CATALOGUE),
    }
    assert "IN1   fail" in result.stdout  # the printed matrix
    assert "[3/3]" in result.stderr  # progress while it runs


def test_scenarios_selects_ids_and_group_prefixes(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = _run(
        [
            "-m",
            "tradeport",
            "conformance",
            "goodvenue",
            "--scenarios",
            "in1,SB",
            "--json",
            str(out),
        ],
        site,
        tmp_path,
    )
    report = json.loads(out.read_text())
    rows = {r["id"]: r for r in report["scenarios"]}
    chosen = {"IN1"} | {sid for sid in CATALOGUE if sid.rstrip("0123456789") == "SB"}
    for sid, row in rows.items():
        if sid in chosen:
            assert row["outcome"] != "deselected", sid
        else:
            assert row["outcome"] == "deselected", sid
    assert rows["IN1"]["outcome"] == "fail"  # attempted: the plugin ships no harness
    assert report["summary"]["deselected"] == len(CATALOGUE) - len(chosen)
    assert f"{len(CATALOGUE) - len(chosen)} deselected" in result.stdout
    assert "IN2   deselected" in result.stdout


def test_scenarios_refuses_an_unknown_token(site: Path, tmp_path: Path) -> None:
    result = _run(
        ["-m", "tradeport", "conformance", "goodvenue", "--scenarios", "LG1,XX9"], site, tmp_path
    )
    assert result.returncode == 2
    assert "'XX9' is neither a scenario id nor a group prefix" in result.stderr


def test_pytest_plugin_scenarios_option(site: Path, tmp_path: Path) -> None:
    result = _run(
        [
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--venue",
            "goodvenue",
            "--scenarios",
            "IN1",
            "--pyargs",
            "tradeport_conformance.suite",
        ],
        site,
        tmp_path,
    )
    # IN1 alone runs (and errors: the plugin ships no harness); every other test is deselected.
    assert "1 error" in result.stdout, result.stdout
    assert f"{len(CATALOGUE)} deselected" not in result.stdout
    assert " deselected" in result.stdout, result.stdout


def test_select_parses_ids_and_prefixes() -> None:
    from tradeport_conformance.catalogue import select

    assert select("OF1") == {"OF1"}  # never OF10..OF15
    assert select("lg, RC2") == {f"LG{i}" for i in range(1, 8)} | {"RC2"}
    with pytest.raises(ValueError, match="no scenario named"):
        select(" , ")
