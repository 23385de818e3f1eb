"""``tradeport conformance VENUE``: run the shared suite and print the scenario matrix."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["main"]

DESCRIPTION = """\
Run the tradeport conformance suite against an installed venue plugin's mock venue.

Every scenario of the catalogue is reported by id: pass, fail, or skip with the reason (a skip
names the capability the venue does not declare). The exit code is 0 only when nothing failed.
"""

EPILOG = """\
examples:
  tradeport conformance binance                  the whole suite
  tradeport conformance binance --scenarios LG,RC2  login scenarios and RC2 only
  tradeport conformance binance -k reconnect     tests whose name matches (pytest -k)
  tradeport conformance acme --json out.json     also write the matrix as JSON
  tradeport conformance binance --backend trio   run on trio instead of asyncio
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tradeport conformance",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("venue", help="installed venue name (see 'tradeport plugins --verbose')")
    parser.add_argument(
        "--scenarios",
        metavar="IDS",
        help="only these scenarios: comma-separated ids and group prefixes (LG1,RC); the "
        "others are reported as deselected",
    )
    parser.add_argument(
        "-k", dest="keyword", metavar="EXPR", help="pytest -k expression (matches test names)"
    )
    parser.add_argument("--json", dest="json_path", metavar="PATH", help="write the matrix as JSON")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument(
        "--harness",
        metavar="NAME",
        help="for plugins that ship several harnesses (one per account type, e.g. binance "
        "'spot' and 'usdm'): run only this one (default: every one, in turn)",
    )
    parser.add_argument("--pytest-args", default="", help="extra pytest arguments (quoted)")
    argv_list = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv_list)

    from tradeport.plugins import load_plugins

    registry = load_plugins()
    if args.venue not in registry.venues:
        installed = ", ".join(sorted(registry.venues)) or "none"
        print(
            f"tradeport conformance: unknown venue {args.venue!r}; installed venues: {installed}",
            file=sys.stderr,
        )
        return 2

    names = harness_names(registry.hook.tradeport_conformance_harness(venue=args.venue))
    if args.harness is not None and args.harness not in names:
        listing = ", ".join(names) if names else "one unnamed harness"
        print(
            f"tradeport conformance: {args.venue} has no harness {args.harness!r} ({listing})",
            file=sys.stderr,
        )
        return 2
    if args.harness is None and len(names) > 1:
        return _run_each_harness(args, argv_list, names)

    import pytest

    from tradeport_conformance.catalogue import select
    from tradeport_conformance.report import ScenarioCollector, summary_line

    try:
        selection = select(args.scenarios) if args.scenarios else None
    except ValueError as exc:
        print(f"tradeport conformance: {exc}", file=sys.stderr)
        return 2
    collector = ScenarioCollector(args.venue, selection=selection)
    pytest_args = [
        "--pyargs",
        "tradeport_conformance.suite",
        "--venue",
        args.venue,
        "--conformance-backend",
        args.backend,
        *(["--harness", args.harness] if args.harness else []),
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "-o",
        "addopts=",
        "-o",
        "console_output_style=classic",
        "--rootdir",
        str(Path.cwd()),
        "-c",
        _empty_ini(),
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        *args.pytest_args.split(),
    ]
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    if args.scenarios:
        pytest_args += ["--scenarios", args.scenarios]
    label = f"{args.venue!r}" + (f" (harness {args.harness!r})" if args.harness else "")
    print(f"running the conformance suite against {label}...", file=sys.stderr)
    code = pytest.main(pytest_args, plugins=[collector])
    rows = collector.scenarios()
    _print_matrix(rows)
    summary = collector.summary()
    print(f"\n{args.venue}: {summary_line(summary)}")
    if args.json_path:
        report = collector.as_json()
        if args.harness:
            report["harness"] = args.harness
        Path(args.json_path).write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json_path}")
    if summary["fail"]:
        return 1
    # pytest's own errors (collection, usage, internal) count as failure too.
    if code not in (0, 5) and not isinstance(code, bool):
        return int(code) if int(code) != 0 else 1
    return 0


def harness_names(answer: object) -> list[str]:
    """Names of the harnesses a plugin's hook offers ([] for a single, unnamed one)."""
    if isinstance(answer, Mapping):
        return [str(name) for name in answer]
    return []


_RANK = {"fail": 3, "pass": 2, "skip": 1, "deselected": 0}


def _run_each_harness(args: argparse.Namespace, argv: list[str], names: list[str]) -> int:
    """Run the suite once per harness (each in its own process, as a user would) and merge:
    a scenario fails if it fails under any harness, passes if it passes under one and fails
    under none, and is skipped only when skipped under all (reasons kept, per harness)."""
    import subprocess
    import tempfile

    runs = []
    worst = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            out = Path(tmp) / f"{name}.json"
            rest = [a for a in argv if a != args.venue]
            rest = _without_option(rest, "--json")
            cmd = [
                sys.executable,
                "-m",
                "tradeport_conformance.cli",
                args.venue,
                *rest,
                "--harness",
                name,
                "--json",
                str(out),
            ]
            code = subprocess.run(cmd, check=False).returncode
            worst = max(worst, code)
            if not out.exists():
                print(
                    f"tradeport conformance: harness {name!r} produced no report", file=sys.stderr
                )
                return code or 1
            runs.append(json.loads(out.read_text()))
    merged: list[dict[str, str]] = []
    for index, row in enumerate(runs[0]["scenarios"]):
        per = [(run["harness"], run["scenarios"][index]) for run in runs]
        outcome = max((r["outcome"] for _, r in per), key=_RANK.__getitem__)
        reasons = [f"{h}: {r['reason']}" for h, r in per if r["outcome"] == outcome and r["reason"]]
        merged.append(
            {
                "id": row["id"],
                "title": row["title"],
                "outcome": outcome,
                "reason": "; ".join(reasons),
            }
        )
    from tradeport_conformance.report import OUTCOMES, summary_line

    summary = {k: sum(r["outcome"] == k for r in merged) for k in OUTCOMES}
    summary["total"] = len(merged)
    print(f"\n{args.venue}, all harnesses ({', '.join(names)}):")
    _print_matrix(merged)
    print(f"\n{args.venue}: {summary_line(summary)} (over {len(names)} harnesses)")
    if args.json_path:
        report = {"venue": args.venue, "scenarios": merged, "summary": summary, "runs": runs}
        Path(args.json_path).write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json_path}")
    return 1 if summary["fail"] else worst


def _without_option(argv: list[str], option: str) -> list[str]:
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == option:
            skip = True
            continue
        if arg.startswith(option + "="):
            continue
        out.append(arg)
    return out


def _empty_ini() -> str:
    """An empty ini file so the suite does not pick up the current project's pytest settings."""
    import tempfile

    path = Path(tempfile.gettempdir()) / "tradeport-conformance-empty.ini"
    if not path.exists():
        path.write_text("[pytest]\n")
    return str(path)


def _print_matrix(rows: list[dict[str, str]]) -> None:
    print()
    print(f"{'id':<5} {'outcome':<7} title / reason")
    print(f"{'-' * 5} {'-' * 7} {'-' * 60}")
    for r in rows:
        title = r["title"] if len(r["title"]) <= 70 else r["title"][:67] + "..."
        line = f"{r['id']:<5} {r['outcome']:<7} {title}"
        if r["reason"] and r["outcome"] != "deselected":
            line += f"\n{'':<14}-> {r['reason']}"
        print(line)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
