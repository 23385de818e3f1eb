"""Sessions for the tradeport monorepo.

    nox -s tests            every package's tests in one environment (what CI runs)
    nox -s demo             install core, conformance and the bundled plugins; list; run the suite
    nox -s conformance-<v>  the conformance suite against one bundled plugin
    nox -s lint types       ruff and mypy
    nox -s bench            the benchmarks in bench/ (quick mode)
    nox -s bench_smoke      the benchmark smoke tests that need orjson (skipped by `tests`)

The first run needs network access to PyPI; later runs reuse nox's environments.
"""

from __future__ import annotations

from pathlib import Path

import nox

ROOT = Path(__file__).parent
PLUGINS = sorted(p for p in (ROOT / "plugins").glob("*") if (p / "pyproject.toml").is_file())
#: Event sink distributions (sinks/<name>: tradeport-parquet, tradeport-redis, tradeport-nats).
SINKS = sorted(p for p in (ROOT / "sinks").glob("*") if (p / "pyproject.toml").is_file())

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True


def _install_all(session: nox.Session, *, test: bool) -> None:
    extra = "[test]" if test else ""
    targets = [f"./core{extra}"]
    if (ROOT / "conformance" / "pyproject.toml").is_file():
        targets.append(f"./conformance{extra}")
    targets += [f"./{p.relative_to(ROOT)}{extra}" for p in PLUGINS]
    targets += [f"./{p.relative_to(ROOT)}{extra}" for p in SINKS]
    session.install(*targets)


@nox.session
def tests(session: nox.Session) -> None:
    """All tests: core, conformance, ecosystem (tests/) and every plugin."""
    _install_all(session, test=True)
    session.install("hatchling")  # builds throwaway plugin wheels in the discovery tests
    # Four xdist workers unless the caller chose (`-n 0` runs in one process, e.g. to debug).
    workers = [] if any(a == "-n" or a.startswith(("-n=", "--numprocesses")) for a in session.posargs) else ["-n", "4"]
    session.run("pytest", *workers, *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The main job, offline: list the installed plugins, then run the conformance suite
    against a bundled venue's mock venue (``nox -s demo -- okx`` picks another; ``all`` runs
    every bundled one)."""
    _install_all(session, test=False)
    session.run("tradeport", "plugins")
    wanted = session.posargs or ["bitmex"]
    names = [p.name for p in PLUGINS] if wanted == ["all"] else wanted
    for name in names:
        session.run("tradeport", "conformance", name, "--json", f"conformance-{name}.json")


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run(
        "ruff", "check", "core", "conformance", "plugins", "sinks", "tests", "bench", "noxfile.py"
    )


@nox.session
def types(session: nox.Session) -> None:
    _install_all(session, test=True)
    session.install("mypy")
    session.run("mypy", "core/src/tradeport")


@nox.session
def bench(session: nox.Session) -> None:
    """Quick runs of every benchmark, each printing ratios against an in-process baseline."""
    _install_all(session, test=False)
    session.install("orjson")
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        session.run("python", str(script), "--quick")


@nox.session
def bench_smoke(session: nox.Session) -> None:
    """The quick runs of tests/test_benchmarks.py that need orjson, which the `tests`
    environment does not install (they skip there): orjson is the floor those benches time
    against. CI runs this after the tests."""
    _install_all(session, test=True)
    session.install("orjson")
    session.run("pytest", "tests/test_benchmarks.py", "-m", "bench_optional", *session.posargs)


for _plugin in PLUGINS:

    @nox.session(name=f"conformance-{_plugin.name}")
    def _conformance(session: nox.Session, plugin: Path = _plugin) -> None:
        _install_all(session, test=False)
        session.run("tradeport", "conformance", plugin.name, *session.posargs)
