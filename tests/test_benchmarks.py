"""Every benchmark in bench/ runs in its quick mode and prints ratios (so `nox -s bench`, which
runs them all with --quick, cannot rot unnoticed). Speed itself is not asserted here: figures
come from the benchmarks, run on purpose (see each script's docstring)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(BENCH.glob("bench_*.py"))
# orjson (the core's optional "fast" extra) is the baseline some benchmarks time against; the
# test environment may not have it.
OPTIONAL = ("orjson",)
# Scripts that cover more than one venue: each extra venue is smoke-run too (each under ~10 s).
VENUE_RUNS: dict[str, tuple[str, ...]] = {
    "bench_e2e.py": ("okx", "bybit"),
    "bench_orders.py": ("okx", "bybit", "bitmex", "hyperliquid"),
}


def _needs(script: Path, seen: frozenset[Path] = frozenset()) -> list[str]:
    """The optional modules ``script`` imports, itself or through the bench/ modules it
    imports (bench_scale.py imports bench_parse_streams.py, which imports orjson)."""
    source = script.read_text()
    needs = {name for name in OPTIONAL if re.search(rf"^\s*import {name}\b", source, re.M)}
    for module in re.findall(r"^\s*(?:import|from)\s+(\w+)", source, re.M):
        sibling = BENCH / f"{module}.py"
        if sibling.is_file() and sibling not in seen and sibling != script:
            needs.update(_needs(sibling, seen | {script}))
    return sorted(needs)


def test_there_are_benchmarks() -> None:
    assert len(SCRIPTS) >= 6


def _params(script: Path) -> list[object]:
    """The script's default quick run, then one per extra venue it covers."""
    # Marked so that `nox -s bench_smoke` (which installs orjson) can run just these.
    marks = [pytest.mark.bench_optional] if _needs(script) else []
    params = [pytest.param(script, (), id=script.name, marks=marks)]
    for venue in VENUE_RUNS.get(script.name, ()):
        args = ("--venue", venue)
        params.append(pytest.param(script, args, id=f"{script.name}-{venue}", marks=marks))
    return params


@pytest.mark.parametrize(("script", "args"), [p for s in SCRIPTS for p in _params(s)])
def test_benchmark_quick_run(script: Path, args: tuple[str, ...]) -> None:
    missing = [name for name in _needs(script) if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(
            f"{script.name} needs {', '.join(missing)} (pip install orjson; nox -s bench_smoke)"
        )
    result = subprocess.run(
        [sys.executable, str(script), "--quick", *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # Each prints a table of figures with ratios (a number with a decimal point, e.g. 2.07).
    assert re.search(r"\d+\.\d+", result.stdout), result.stdout[-2000:]
