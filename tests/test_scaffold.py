"""``tradeport new-plugin``: the template renders, installs, is discovered and passes the suite.

The unit tests check :func:`tradeport.scaffold.render_plugin` itself (names, existing targets,
every placeholder replaced, the result is Python that compiles). The slow test is the real
thing: render a project, install it with the core and the conformance suite into a fresh
virtualenv (uv), list it with ``tradeport plugins --json``, run its own tests, and run
``tradeport conformance <name> --json`` expecting exit 0, no failure and every catalogue
scenario in the report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tradeport.errors import ConfigError
from tradeport.scaffold import PLACEHOLDER, placeholders, render_plugin, template_files

ROOT = Path(__file__).resolve().parent.parent


# -- render_plugin --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["", "Acme", "1acme", "acme-x", "acme x", "_acme", "acme_", "ac__me", "é", "a" * 41]
)
def test_bad_names_are_refused_naming_the_value(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError) as err:
        render_plugin(name, tmp_path)
    assert repr(name) in str(err.value)
    assert list(tmp_path.iterdir()) == [], "a refused name left files behind"


def test_existing_target_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "tradeport-acme"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="tradeport-acme"):
        render_plugin("acme", tmp_path)
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tradeport-acme"]


def test_placeholder_forms() -> None:
    assert placeholders("my_venue") == {
        "{{name}}": "my_venue",
        "{{Name}}": "MyVenue",
        "{{NAME}}": "MY_VENUE",
    }


def test_render_replaces_every_placeholder_and_compiles(tmp_path: Path) -> None:
    project = render_plugin("zeta_x2", tmp_path / "new")
    assert project == tmp_path / "new" / "tradeport-zeta_x2"
    files = sorted(p for p in project.rglob("*") if p.is_file())
    rendered = {p.relative_to(project).as_posix() for p in files}
    # Every template file arrives, renamed: no .tmpl suffix, no __name__ left in a path.
    assert len(rendered) == len(template_files())
    assert {
        ".gitignore",
        "pyproject.toml",
        "README.md",
        "src/tradeport_zeta_x2/plugin.py",
        "src/tradeport_zeta_x2/testing/harness.py",
        "tests/test_conformance.py",
    } <= rendered
    assert not [r for r in rendered if r.endswith(".tmpl") or "__name__" in r]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not PLACEHOLDER.search(text), f"{path}: placeholder left"
        if path.suffix == ".py":
            compile(text, str(path), "exec")
    pyproject = (project / "pyproject.toml").read_text()
    assert 'name = "tradeport-zeta_x2"' in pyproject
    assert 'zeta_x2 = "tradeport_zeta_x2.plugin"' in pyproject
    plugin = (project / "src/tradeport_zeta_x2/plugin.py").read_text()
    assert "from tradeport_zeta_x2." in plugin and 'VENUE = "zeta_x2"' in plugin
    assert "ZetaX2Config" in plugin
    assert (
        'VENUE_ID: Final = "ZETA_X2"'
        in (project / "src/tradeport_zeta_x2/constants.py").read_text()
    )


def test_data_provider_kind_renders_a_data_only_plugin(tmp_path: Path) -> None:
    project = render_plugin("ticks", tmp_path, kind="data-provider")
    rendered = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    assert len(rendered) == len(template_files("data-provider")) == len(template_files()) - 1
    assert "src/tradeport_ticks/execution.py" not in rendered
    for path in project.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not PLACEHOLDER.search(text), path
        compile(text, str(path), "exec")
    plugin = (project / "src/tradeport_ticks/plugin.py").read_text()
    assert 'kind="DATA_PROVIDER"' in plugin and "tradeport_create_execution_client" not in plugin
    caps = (project / "src/tradeport_ticks/capabilities.py").read_text()
    assert "data_only=True" in caps and "orders=" not in caps
    # The README's table is the declared one (the rendered project's test_readme checks it).
    namespace: dict[str, object] = {}
    exec(compile(caps, "capabilities.py", "exec"), namespace)
    readme = (project / "README.md").read_text()
    assert namespace["CAPABILITIES"].markdown_table() in readme  # type: ignore[attr-defined]
    assert "execution | none: data-only venue (declared)" in readme


def test_unknown_kind_is_refused_naming_it(tmp_path: Path) -> None:
    from tradeport.cli import main

    with pytest.raises(ConfigError, match="'broker'"):
        render_plugin("acme", tmp_path, kind="broker")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SystemExit):  # argparse refuses it before rendering
        main(["new-plugin", "acme", "--kind", "broker", "--dir", str(tmp_path)])


def test_cli_new_plugin(tmp_path: Path) -> None:
    from tradeport.cli import main

    assert main(["new-plugin", "acme", "--dir", str(tmp_path)]) == 0
    assert (tmp_path / "tradeport-acme" / "pyproject.toml").is_file()
    # Twice: a usage error, nothing overwritten.
    assert main(["new-plugin", "acme", "--dir", str(tmp_path)]) == 2
    assert main(["new-plugin", "Bad-Name", "--dir", str(tmp_path)]) == 2


# -- the rendered plugin, installed for real -------------------------------------------------------


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return shutil.which("uv") or (str(beside) if beside.exists() else None)


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("kind", ["exchange", "data-provider"])
def test_rendered_plugin_installs_lists_and_passes_the_suite(tmp_path: Path, kind: str) -> None:
    uv = _uv()
    if uv is None:
        pytest.skip("needs uv to create a throwaway venv quickly (pip install uv)")
    from tradeport_conformance.catalogue import CATALOGUE
    from tradeport_conformance.markers import is_execution_requirement

    name = "acme" if kind == "exchange" else "acme_data"
    venv = tmp_path / "venv"
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    tradeport = venv / "bin" / "tradeport"
    # Only what the venv installed: no PYTHONPATH or plugin selection from the test environment.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "TRADEPORT_PLUGINS", "TRADEPORT_DISABLE_PLUGINS")
    }

    def install(*targets: str) -> None:
        # uv caches builds of local directories by their pyproject.toml: refresh ours, so the
        # wheels hold the sources as they are now.
        refresh = [
            arg
            for dist in ("tradeport", "tradeport-conformance", f"tradeport-{name}")
            for arg in ("--refresh-package", dist)
        ]
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(python), *refresh, *targets],
            check=True,
            timeout=300,
        )

    # The core from its wheel: rendering with the installed command proves the wheel ships
    # the template.
    install(str(ROOT / "core"), str(ROOT / "conformance"))
    made = subprocess.run(
        [str(tradeport), "new-plugin", name, "--kind", kind, "--dir", str(tmp_path / "src")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert made.returncode == 0, made.stderr
    project = tmp_path / "src" / f"tradeport-{name}"
    install(f"{project}[test]")

    listing = subprocess.run(
        [str(tradeport), "plugins", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    rows = {row["name"]: row for row in json.loads(listing.stdout)}
    assert rows[name]["status"] == "ok", rows[name]
    assert rows[name]["distribution"] == f"tradeport-{name}"

    # The rendered project's own tests (the one-line suite module aside: the CLI runs it next).
    own = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests",
            "--deselect",
            "tests/test_conformance.py",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert own.returncode == 0, own.stdout[-3000:] + own.stderr[-3000:]

    report_path = tmp_path / "out.json"
    run = subprocess.run(
        [str(tradeport), "conformance", name, "--json", str(report_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=480,
        env=env,
    )
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    failed = [s for s in report.get("scenarios", []) if s["outcome"] == "fail"]
    assert run.returncode == 0 and not failed, (
        f"exit {run.returncode}; failed: {failed}\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    )
    assert [s["id"] for s in report["scenarios"]] == list(CATALOGUE)
    assert report["summary"]["pass"] > 0
    if kind == "data-provider":
        # Every execution scenario skipped by the declaration (and said so), none failed.
        from tradeport_conformance.suite import login, orders, reconciliation, reconnect

        declared = "data-only venue (declared Capabilities.data_only)"
        skipped = {
            s["id"]: s.get("reason") or "" for s in report["scenarios"] if s["outcome"] == "skip"
        }
        execution_ids = set()
        for module in (login, orders, reconciliation, reconnect):
            for cls in vars(module).values():
                for attr in vars(cls).values() if isinstance(cls, type) else ():
                    marks = getattr(attr, "pytestmark", [])
                    ids = [m.args[0] for m in marks if m.name == "scenario"]
                    needs = [a for m in marks if m.name == "requires" for a in m.args]
                    if any(map(is_execution_requirement, needs)):
                        execution_ids.update(ids)
        assert execution_ids, "found no execution scenario to check"
        for scenario_id in execution_ids:
            assert declared in skipped.get(scenario_id, ""), (scenario_id, skipped.get(scenario_id))
