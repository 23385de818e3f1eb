"""Collects suite outcomes per catalogue scenario: the matrix ``tradeport conformance`` prints."""

from __future__ import annotations

import sys
from typing import Any, TextIO

import pytest

from tradeport_conformance.catalogue import CATALOGUE

__all__ = ["ScenarioCollector", "NOT_IMPLEMENTED", "OUTCOMES", "summary_line"]

NOT_IMPLEMENTED = "not implemented by the suite yet"
_RANK = {"fail": 3, "pass": 2, "skip": 1, "deselected": 0}
#: Every outcome a scenario row can have, in summary order.
OUTCOMES = ("pass", "fail", "skip", "deselected")


class ScenarioCollector:
    """A pytest plugin object: maps tests to scenario ids and aggregates their outcomes.

    A scenario with several tests fails if any fails, passes if at least one passed and none
    failed, and is skipped only when all were skipped (the reasons are kept).
    """

    def __init__(
        self,
        venue: str,
        progress: TextIO | None = sys.stderr,
        selection: set[str] | None = None,
    ) -> None:
        self.venue = venue
        #: The ``--scenarios`` selection: every other id is deselected, tested or not.
        self.selection = selection
        self.progress = progress
        self._scenario_of: dict[str, str] = {}
        self.tests: dict[str, list[tuple[str, str, str]]] = {}  # id -> [(nodeid, outcome, reason)]
        self._done = 0
        self._total = 0
        self._deselected: set[str] = set()

    # -- pytest hooks ---------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> Any:
        # Wrap the other implementations (-k / -m deselection among them) to see both the
        # collected and the selected tests.
        collected = {item.nodeid: _scenario_id(item) for item in items}
        result = yield
        selected = {item.nodeid for item in items}
        for nodeid, sid in collected.items():
            if sid is None:
                continue
            if nodeid in selected:
                self._scenario_of[nodeid] = sid
            else:
                self._deselected.add(sid)
        self._deselected -= set(self._scenario_of.values())
        self._total = len(items)
        return result

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        sid = self._scenario_of.get(report.nodeid)
        outcome, reason = None, ""
        if report.when == "setup" and report.skipped:
            outcome, reason = "skip", _skip_reason(report)
        elif report.failed:
            outcome, reason = "fail", _failure_reason(report)
        elif report.when == "call" and report.passed:
            outcome = "pass"
        elif report.when == "call" and report.skipped:
            outcome, reason = "skip", _skip_reason(report)
        if outcome is None:
            return
        if sid is not None:
            self.tests.setdefault(sid, []).append((report.nodeid, outcome, reason))
        if report.when != "teardown" or outcome == "fail":
            self._done += 1 if report.when != "teardown" else 0
            if self.progress is not None:
                label = sid or "-"
                self.progress.write(
                    f"[{self._done}/{self._total}] {label:<5} {outcome:<4} "
                    f"{report.nodeid.split('::', 1)[-1]}"
                    + (f"  ({reason})" if reason else "")
                    + "\n"
                )
                self.progress.flush()

    # -- results -------------------------------------------------------------------------------
    def scenarios(self) -> list[dict[str, str]]:
        """Every catalogue scenario in order, with its aggregated outcome and reason."""
        rows = []
        for sid, title in CATALOGUE.items():
            results = self.tests.get(sid)
            if self.selection is not None and sid not in self.selection:
                self._deselected.add(sid)
                results = None
            if not results:
                rows.append(
                    {
                        "id": sid,
                        "title": title,
                        "outcome": "deselected" if sid in self._deselected else "skip",
                        "reason": "not selected (--scenarios / -k)"
                        if sid in self._deselected
                        else NOT_IMPLEMENTED,
                    }
                )
                continue
            outcome = max((r[1] for r in results), key=_RANK.__getitem__)
            if outcome == "fail":
                reason = "; ".join(r[2] for r in results if r[1] == "fail")
            elif outcome == "skip":
                reason = "; ".join(sorted({r[2] for r in results}))
            else:
                reason = ""
            rows.append({"id": sid, "title": title, "outcome": outcome, "reason": reason})
        return rows

    def summary(self) -> dict[str, int]:
        rows = self.scenarios()
        return {k: sum(r["outcome"] == k for r in rows) for k in OUTCOMES} | {"total": len(rows)}

    def as_json(self) -> dict[str, Any]:
        return {"venue": self.venue, "scenarios": self.scenarios(), "summary": self.summary()}


def summary_line(summary: dict[str, int]) -> str:
    """``12 passed, 0 failed, 3 skipped, 48 deselected of 63 scenarios``."""
    text = f"{summary['pass']} passed, {summary['fail']} failed, {summary['skip']} skipped"
    if summary.get("deselected"):
        text += f", {summary['deselected']} deselected"
    return text + f" of {summary['total']} scenarios"


def _scenario_id(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("scenario")
    return str(marker.args[0]) if marker else None


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _failure_reason(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    first = text.strip().splitlines()[0] if text.strip() else "failed"
    return first[:300]
