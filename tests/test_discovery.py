"""Discovery and listing of venue plugins: metadata-only listing, broken-plugin isolation,
allow/deny lists, and a real build + pip install into a fresh virtualenv."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_dists import (
    BAD_SIGNATURE_PLUGIN,
    GOOD_PLUGIN,
    MISSING_DEPENDENCY_PLUGIN,
    RAISES_ON_IMPORT_PLUGIN,
    write_installed_dist,
    write_project,
)
from tradeport import plugins

ROOT = Path(__file__).resolve().parent.parent


def _install_good(site: Path, name: str = "goodvenue") -> None:
    write_installed_dist(
        site,
        dist=f"tradeport-{name}",
        entry_name=name,
        module=f"tradeport_{name}_plugin",
        source=GOOD_PLUGIN.format(venue=name, venue_id=name.upper()),
    )


def test_discover_lists_good_plugin_from_metadata(plugin_site: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRADEPORT_PLUGINS", "goodvenue")
    _install_good(plugin_site)
    [info] = plugins.discover()
    assert (info.name, info.distribution, info.version, info.status) == (
        "goodvenue",
        "tradeport-goodvenue",
        "0.1.0",
        "ok",
    )
    assert info.error is None
    # Listing must not have imported the plugin module.
    assert "tradeport_goodvenue_plugin" not in sys.modules


@pytest.mark.parametrize(
    ("source", "requires", "expected"),
    [
        (
            MISSING_DEPENDENCY_PLUGIN,
            (),
            "missing dependency: module 'tradeport_no_such_dependency_xyz'",
        ),
        (
            GOOD_PLUGIN.format(venue="broken", venue_id="BROKEN"),
            ("no-such-dist-xyz>=1",),
            "missing dependency: no-such-dist-xyz",
        ),
        (
            BAD_SIGNATURE_PLUGIN,
            (),
            "invalid hook signature: tradeport_register_venues() takes not_a_hook_argument",
        ),
        ("def broken(:\n", (), "SyntaxError"),
        (
            "from tradeport import hookimpl\n\n@hookimpl\ndef tradeport_no_such_hook(venue):\n    pass\n",
            (),
            "unknown hook 'tradeport_no_such_hook'",
        ),
    ],
    ids=["missing-module", "missing-requirement", "bad-signature", "syntax-error", "unknown-hook"],
)
def test_static_check_reports_broken_plugin_beside_good_one(
    plugin_site: Path, monkeypatch, source: str, requires: tuple[str, ...], expected: str
) -> None:
    monkeypatch.setenv("TRADEPORT_PLUGINS", "goodvenue,broken")
    _install_good(plugin_site)
    write_installed_dist(
        plugin_site,
        dist="tradeport-broken",
        entry_name="broken",
        module="tradeport_broken_plugin",
        source=source,
        requires=requires,
    )
    infos = {i.name: i for i in plugins.discover()}
    assert infos["goodvenue"].status == "ok"
    assert infos["broken"].status == "error"
    assert expected in (infos["broken"].error or "")


def test_entry_point_to_missing_module(plugin_site: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRADEPORT_PLUGINS", "ghost")
    _install_good(plugin_site, "ghost")
    (plugin_site / "tradeport_ghost_plugin.py").unlink()
    [info] = plugins.discover()
    assert info.status == "error"
    assert "cannot be found" in (info.error or "")


def test_loading_isolates_import_time_failure(plugin_site: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRADEPORT_PLUGINS", "goodvenue,boom,badsig")
    _install_good(plugin_site)
    write_installed_dist(
        plugin_site,
        dist="tradeport-boom",
        entry_name="boom",
        module="tradeport_boom_plugin",
        source=RAISES_ON_IMPORT_PLUGIN,
    )
    write_installed_dist(
        plugin_site,
        dist="tradeport-badsig",
        entry_name="badsig",
        module="tradeport_badsig_plugin",
        source=BAD_SIGNATURE_PLUGIN,
    )
    registry = plugins.load_plugins()
    status = {p.name: (p.status, p.error) for p in registry.plugins}
    assert status["goodvenue"] == ("ok", None)
    assert status["boom"][0] == "error"
    assert "RuntimeError: this plugin is broken at import time" in status["boom"][1]
    assert status["badsig"][0] == "error"
    assert "not_a_hook_argument" in status["badsig"][1]
    assert list(registry.venues) == ["goodvenue"]
    assert registry.venue("goodvenue").venue_id == "GOODVENUE"


def test_allow_and_deny_lists(plugin_site: Path, monkeypatch) -> None:
    for name in ("alpha", "beta", "gamma"):
        _install_good(plugin_site, name)
    monkeypatch.setenv("TRADEPORT_PLUGINS", "alpha,beta,gamma")
    assert [i.name for i in plugins.discover()] == ["alpha", "beta", "gamma"]
    monkeypatch.setenv("TRADEPORT_DISABLE_PLUGINS", "beta")
    assert [i.name for i in plugins.discover()] == ["alpha", "gamma"]
    assert sorted(plugins.load_plugins().venues) == ["alpha", "gamma"]


def test_unknown_venue_lists_installed(plugin_site: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRADEPORT_PLUGINS", "alpha")
    _install_good(plugin_site, "alpha")
    with pytest.raises(plugins.UnknownVenue, match="unknown venue 'nope'; installed venues: alpha"):
        plugins.load_plugins().venue("nope")


def test_cli_json_listing_and_no_plugin_import(plugin_site: Path, cli) -> None:
    _install_good(plugin_site)
    write_installed_dist(
        plugin_site,
        dist="tradeport-broken",
        entry_name="broken",
        module="tradeport_broken_plugin",
        source=MISSING_DEPENDENCY_PLUGIN,
    )
    env = {"TRADEPORT_PLUGINS": "goodvenue,broken"}
    result = cli("plugins", "--json", env=env)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["broken", "goodvenue"]
    assert {r["name"]: r["status"] for r in rows} == {"broken": "error", "goodvenue": "ok"}
    assert all({"name", "distribution", "version", "status", "error"} <= set(r) for r in rows)
    # -X importtime lists every imported module on stderr: no plugin module may be among them.
    timed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tradeport", "plugins"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )
    assert timed.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in timed.stderr.splitlines()}
    assert "tradeport_goodvenue_plugin" not in imported
    assert "tradeport_broken_plugin" not in imported
    assert "pluggy" not in imported and "attrs" not in imported


def test_cli_verbose_loads_and_reports_venues(plugin_site: Path, cli) -> None:
    _install_good(plugin_site)
    write_installed_dist(
        plugin_site,
        dist="tradeport-boom",
        entry_name="boom",
        module="tradeport_boom_plugin",
        source=RAISES_ON_IMPORT_PLUGIN,
    )
    result = cli("plugins", "--json", "--verbose", env={"TRADEPORT_PLUGINS": "goodvenue,boom"})
    assert result.returncode == 0, result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["goodvenue"]["venues"] == ["goodvenue"]
    assert rows["goodvenue"]["venue_specs"][0]["capabilities"]["products"] == ["SPOT"]
    assert rows["boom"]["status"] == "error"
    assert "broken at import time" in rows["boom"]["error"]


def _uv() -> str | None:
    return shutil.which("uv") or (
        str(Path(sys.executable).parent / "uv")
        if (Path(sys.executable).parent / "uv").exists()
        else None
    )


@pytest.mark.slow
def test_pip_install_into_fresh_venv(tmp_path: Path) -> None:
    """The real thing: build the core and two plugin projects, install them in a new venv."""
    uv = _uv()
    if uv is None:
        pytest.skip("needs uv to create a throwaway venv quickly (pip install uv)")
    venv = tmp_path / "venv"
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, timeout=120
    )
    py = venv / "bin" / "python"
    good = write_project(
        tmp_path,
        dist="tradeport-goodvenue",
        entry_name="goodvenue",
        module="tradeport_goodvenue",
        source=GOOD_PLUGIN.format(venue="goodvenue", venue_id="GOODVENUE"),
    )
    broken = write_project(
        tmp_path,
        dist="tradeport-broken",
        entry_name="broken",
        module="tradeport_broken",
        source=MISSING_DEPENDENCY_PLUGIN,
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(py), "-m", "tradeport", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        )

    # The core alone: help works and the listing is empty.
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(py), str(ROOT / "core")],
        check=True,
        timeout=600,
    )
    assert run("--help").returncode == 0
    assert json.loads(run("plugins", "--json").stdout) == []
    # The core and one plugin: exactly that plugin.
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(py), str(good)], check=True, timeout=600
    )
    rows = json.loads(run("plugins", "--json").stdout)
    assert [(r["name"], r["status"]) for r in rows] == [("goodvenue", "ok")]
    # A broken one beside it: exit 0, good stays ok, broken is error with the reason.
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(py), str(broken)], check=True, timeout=600
    )
    result = run("plugins", "--json")
    assert result.returncode == 0
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["goodvenue"]["status"] == "ok"
    assert rows["broken"]["status"] == "error"
    assert "tradeport_no_such_dependency_xyz" in rows["broken"]["error"]
