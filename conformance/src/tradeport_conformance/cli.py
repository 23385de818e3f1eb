"""``tradeport conformance VENUE``: run the shared suite and print the scenario matrix."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
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
  tradeport conformance binance -k "LG or RC"    only login and reconnect tests
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
    parser.add_argument("-k", dest="keyword", metavar="EXPR", help="pytest -k expression")
    parser.add_argument("--json", dest="json_path", metavar="PATH", help="write the matrix as JSON")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--pytest-args", default="", help="extra pytest arguments (quoted)")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))

    from tradeport.plugins import load_plugins

    registry = load_plugins()
    if args.venue not in registry.venues:
        installed = ", ".join(sorted(registry.venues)) or "none"
        print(
            f"tradeport conformance: unknown venue {args.venue!r}; installed venues: {installed}",
            file=sys.stderr,
        )
        return 2

    import pytest

    from tradeport_conformance.report import ScenarioCollector

    collector = ScenarioCollector(args.venue)
    pytest_args = [
        "--pyargs",
        "tradeport_conformance.suite",
        "--venue",
        args.venue,
        "--conformance-backend",
        args.backend,
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
    print(f"running the conformance suite against {args.venue!r}...", file=sys.stderr)
    code = pytest.main(pytest_args, plugins=[collector])
    rows = collector.scenarios()
    _print_matrix(rows)
    summary = collector.summary()
    print(
        f"\n{args.venue}: {summary['pass']} passed, {summary['fail']} failed, "
        f"{summary['skip']} skipped of {summary['total']} scenarios"
    )
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(collector.as_json(), indent=2) + "\n")
        print(f"wrote {args.json_path}")
    if summary["fail"]:
        return 1
    # pytest's own errors (collection, usage, internal) count as failure too.
    if code not in (0, 5) and not isinstance(code, bool):
        return int(code) if int(code) != 0 else 1
    return 0


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
        if r["reason"]:
            line += f"\n{'':<14}-> {r['reason']}"
        print(line)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
