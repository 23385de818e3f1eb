"""The suite's strength, checked: planted bugs it must catch (the mutation check).

``mutations/*.patch`` are realistic one-line bugs (see ``mutations/README.md``), each a unified
diff against the template venue (the plugin ``tradeport new-plugin acme`` renders) or against
the core, with a header naming the kind of bug and the scenarios that must catch it. Each test
renders the template, applies one patch to a copy (of the plugin, or of the installed core,
which then shadows it on ``PYTHONPATH``), runs ``tradeport conformance acme --scenarios ...``
and requires every named scenario to fail. The unmutated template passes the same scenarios.

Only the named scenarios run, so the whole check costs seconds per bug, not a suite run each.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MUTATIONS_DIR = Path(__file__).parent / "mutations"
MUTATIONS = sorted(MUTATIONS_DIR.glob("*.patch"))
VENUE = "acme"
_CONFORMANCE = (sys.executable, "-m", "tradeport", "conformance")


def header(patch: Path) -> dict[str, str]:
    """The ``Kind:`` / ``Target:`` / ``Scenarios:`` lines before the diff."""
    fields: dict[str, str] = {}
    for line in patch.read_text().splitlines():
        if line.startswith("diff ") or line.startswith("--- "):
            break
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    return fields


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_patch(patch: Path, root: Path) -> None:
    """Apply a unified diff (``a/PATH`` / ``b/PATH`` names) under ``root``.

    Each hunk's old lines (context and removed) must appear exactly once in the file, at or
    after the previous hunk; line numbers may have moved (as with ``patch``'s offsets), the
    text may not: a patch that no longer applies fails, naming the file.
    """
    lines = patch.read_text().splitlines()
    index = 0
    while index < len(lines):
        if not lines[index].startswith("--- "):
            index += 1
            continue
        target = root / lines[index + 1][4:].strip().removeprefix("b/")
        index += 2
        original = target.read_text().splitlines(keepends=True)
        result: list[str] = []
        cursor = 0
        while index < len(lines) and lines[index].startswith("@@"):
            assert _HUNK.match(lines[index]), f"{patch.name}: bad hunk {lines[index]!r}"
            index += 1
            old: list[str] = []
            new: list[str] = []
            while index < len(lines) and lines[index][:1] in (" ", "-", "+", "\\"):
                line = lines[index]
                index += 1
                if line.startswith("\\"):
                    continue
                if line[0] in (" ", "-"):
                    old.append(line[1:] + "\n")
                if line[0] in (" ", "+"):
                    new.append(line[1:] + "\n")
            starts = [
                i
                for i in range(cursor, len(original) - len(old) + 1)
                if original[i : i + len(old)] == old
            ]
            assert len(starts) == 1, (
                f"{patch.name}: the lines it changes in {target.name} are found "
                f"{len(starts)} times (the source changed: refresh the patch)"
            )
            result += original[cursor : starts[0]] + new
            cursor = starts[0] + len(old)
        result += original[cursor:]
        target.write_text("".join(result))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The rendered template plugin and a site directory that makes it discoverable."""
    from tradeport.scaffold import render_plugin

    base = tmp_path_factory.mktemp("mutation-template")
    project = render_plugin(VENUE, base / "src")
    site = base / "site"
    info = site / f"tradeport_{VENUE}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: tradeport-{VENUE}\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text(
        f"[tradeport.venues]\n{VENUE} = tradeport_{VENUE}.plugin\n"
    )
    (info / "RECORD").write_text("")
    return project, site


def run_scenarios(
    project: Path, site: Path, scenarios: str, tmp: Path, core: Path | None = None
) -> tuple[int, dict[str, str], str]:
    """``tradeport conformance acme --scenarios ...``: exit code, outcome per id, output."""
    out = tmp / "report.json"
    path = [str(p) for p in (core, site, project / "src") if p is not None]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(path),
        "TRADEPORT_PLUGINS": VENUE,
    }
    env.pop("TRADEPORT_DISABLE_PLUGINS", None)
    result = subprocess.run(
        [*_CONFORMANCE, VENUE, "--scenarios", scenarios, "--json", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=300,
    )
    report = json.loads(out.read_text()) if out.exists() else {"scenarios": []}
    outcomes = {row["id"]: row["outcome"] for row in report["scenarios"]}
    return result.returncode, outcomes, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_patch_names_its_kind_target_and_scenarios() -> None:
    from tradeport_conformance.catalogue import select

    assert len(MUTATIONS) >= 10
    readme = (MUTATIONS_DIR / "README.md").read_text()
    for patch in MUTATIONS:
        fields = header(patch)
        assert fields.get("kind") and fields.get("target") in ("template", "core"), patch.name
        assert select(fields["scenarios"]), patch.name
        assert f"`{patch.stem}`" in readme, f"{patch.name} is not documented in README.md"


@pytest.mark.timeout(300)
def test_unmutated_template_passes_the_scenarios(
    template: tuple[Path, Path], tmp_path: Path
) -> None:
    project, site = template
    wanted = sorted({s for p in MUTATIONS for s in header(p)["scenarios"].split(",")})
    code, outcomes, output = run_scenarios(project, site, ",".join(wanted), tmp_path)
    failed = [sid for sid, outcome in outcomes.items() if outcome == "fail"]
    assert code == 0 and not failed, f"exit {code}, failed {failed}\n{output}"
    assert all(outcomes[sid] == "pass" for sid in wanted), outcomes


@pytest.mark.timeout(300)
@pytest.mark.parametrize("patch", MUTATIONS, ids=[p.stem for p in MUTATIONS])
def test_planted_bug_is_caught(template: tuple[Path, Path], tmp_path: Path, patch: Path) -> None:
    fields = header(patch)
    project, site = template
    core: Path | None = None
    if fields["target"] == "template":
        copy = tmp_path / "plugin"
        shutil.copytree(project, copy)
        apply_patch(patch, copy)
        project = copy
    else:
        import tradeport

        core = tmp_path / "core"
        shutil.copytree(Path(tradeport.__file__).parent, core / "tradeport")
        apply_patch(patch, core)
    code, outcomes, output = run_scenarios(project, site, fields["scenarios"], tmp_path, core)
    missed = [s for s in fields["scenarios"].split(",") if outcomes.get(s) != "fail"]
    assert code == 1 and not missed, (
        f"{fields['kind']}: not caught by {missed} (exit {code}, outcomes {outcomes})\n{output}"
    )
