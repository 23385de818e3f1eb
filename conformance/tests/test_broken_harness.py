"""The suite must catch a misbehaving plugin: scenarios fail, they never pass by accident.

The reference plugin (the `tradeport new-plugin` template, rendered into a temp directory) is
run through the suite twice more with its mock venue deliberately broken:

- a mock venue that accepts any signature: LG4 (signing verified, wrong secret refused) fails;
- a mock venue that forgets subscriptions made on a reconnected connection: RC2 (subscriptions
  restored) fails.

The healthy template passing the same scenarios is checked here too, so a failure is caused by
the break and nothing else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tradeport.scaffold import render_plugin

BROKEN_MODULE = '''
import pytest
from tradeport_conformance.suite import *  # noqa: F403
import attrs
from tradeport_acme.capabilities import CAPABILITIES
from tradeport_acme.testing import AcmeHarness

CONFORMANCE_VENUE = "acme"


class AcceptsAnySignature(AcmeHarness):
    """Broken: never checks signatures (a wrong secret is let through)."""

    def verify_signature(self, request):
        return True


class ForgetsResubscriptions(AcmeHarness):
    """Broken: acknowledges subscriptions made after a drop but never serves them.

    Keyed on the drop itself, not on a connection count: the private stream is a connection
    too, and which of the two connects first is a race.
    """

    dropped = False

    async def drop_connections(self, *args, **kwargs):
        self.dropped = True
        return await super().drop_connections(*args, **kwargs)

    async def _subscription(self, conn, op, message):
        await super()._subscription(conn, op, message)
        if self.dropped:
            conn.topics.clear()


class KeepsFewBars(AcmeHarness):
    """A venue with bounded history (only the latest 50 bars, 30 trades), undeclared."""

    def seed_history(self, instrument_id, *, bars=0, trades=0):
        super().seed_history(instrument_id, bars=min(bars, 50), trades=min(trades, 30))


class DeclaresFewBars(KeepsFewBars):
    """The same venue, declaring its depth (Capabilities.history_depth): HI1 / HI2 expect
    what it keeps."""

    capabilities = attrs.evolve(CAPABILITIES, history_depth={"BARS": 50, "TRADES": 30})


BREAK = {
    "signature": AcceptsAnySignature,
    "resubscribe": ForgetsResubscriptions,
    "few-bars": KeepsFewBars,
    "few-bars-declared": DeclaresFewBars,
    "none": AcmeHarness,
}


@pytest.fixture
def harness_factory(request):
    return BREAK[request.config.getoption("--break-harness")]
'''

CONFTEST = """
def pytest_addoption(parser):
    parser.addoption("--break-harness", default="none")
"""


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered template, importable and discoverable (an installed dist-info)."""
    root = tmp_path_factory.mktemp("acme")
    project = render_plugin("acme", str(root))
    site = root / "site"
    info = site / "tradeport_acme-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tradeport-acme\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[tradeport.venues]\nacme = tradeport_acme.plugin\n")
    (site / "tradeport_acme.pth").write_text(str(project / "src") + "\n")
    tests = root / "suite_run"
    tests.mkdir()
    (tests / "test_broken.py").write_text(textwrap.dedent(BROKEN_MODULE))
    (tests / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (tests / "pytest.ini").write_text("[pytest]\n")  # keep this repo's settings out
    return root


def _run(acme: Path, broken: str, keyword: str) -> dict[str, str]:
    """Run the suite's tests matching ``keyword`` against the (broken) harness; outcome per test."""
    report = acme / f"report-{broken}-{keyword}.xml"
    # .pth files are read only from site dirs: put the rendered src on the path explicitly.
    src = (acme / "site" / "tradeport_acme.pth").read_text().strip()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(acme / "site"), src]),
        "TRADEPORT_PLUGINS": "acme",
    }
    code = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "-c",
            str(acme / "suite_run" / "pytest.ini"),
            "--rootdir",
            str(acme / "suite_run"),
            str(acme / "suite_run" / "test_broken.py"),
            "--break-harness",
            broken,
            "-k",
            keyword,
            "--junitxml",
            str(report),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=acme / "suite_run",
        timeout=300,
    )
    import xml.etree.ElementTree as ET

    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kind = "pass"
        for child in case:
            if child.tag in ("failure", "error"):
                kind = "fail"
            elif child.tag == "skipped":
                kind = "skip"
        outcomes[case.get("name")] = kind
    assert outcomes, code.stdout + code.stderr
    return outcomes


@pytest.mark.slow
def test_signature_check_that_accepts_anything_fails_lg4(acme: Path) -> None:
    keyword = "test_every_signature_verified_and_wrong_secret_refused"
    assert _run(acme, "none", keyword) == {keyword: "pass"}
    assert _run(acme, "signature", keyword) == {keyword: "fail"}


@pytest.mark.slow
def test_lost_resubscription_fails_rc2(acme: Path) -> None:
    keyword = "test_subscriptions_restored"
    assert _run(acme, "none", keyword) == {keyword: "pass"}
    assert _run(acme, "resubscribe", keyword) == {keyword: "fail"}


@pytest.mark.slow
def test_declared_history_depth_is_respected(acme: Path) -> None:
    keyword = "test_bars_over_a_range_paginated or test_trades_over_a_range"
    names = {"test_bars_over_a_range_paginated", "test_trades_over_a_range"}
    assert _run(acme, "few-bars", keyword) == dict.fromkeys(names, "fail")
    assert _run(acme, "few-bars-declared", keyword) == dict.fromkeys(names, "pass")


MULTI_PLUGIN = """
from tradeport import hookimpl
from tradeport_acme import plugin as _acme

# The acme plugin's hooks, re-exported, with a conformance hook offering two named harnesses.
tradeport_register_venues = _acme.tradeport_register_venues
tradeport_create_instrument_provider = _acme.tradeport_create_instrument_provider
tradeport_create_data_client = _acme.tradeport_create_data_client
tradeport_create_execution_client = _acme.tradeport_create_execution_client


@hookimpl
def tradeport_conformance_harness(venue):
    if venue != "acme":
        return None
    from tradeport_acme.testing import AcmeHarness

    class AcceptsAnySignature(AcmeHarness):
        def verify_signature(self, request):
            return True

    return {"good": AcmeHarness, "lax": AcceptsAnySignature}
"""


@pytest.mark.slow
def test_cli_runs_every_named_harness_and_merges(acme: Path) -> None:
    """A plugin with one harness per account type: the CLI runs each and a failure in any fails."""
    site = acme / "site"
    (site / "acme_multi.py").write_text(MULTI_PLUGIN)
    info = site / "tradeport_acme_multi-0.1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tradeport-acme-multi\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text("[tradeport.venues]\nacme_multi = acme_multi\n")
    src = (site / "tradeport_acme.pth").read_text().strip()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), src]),
        "TRADEPORT_PLUGINS": "acme_multi",
    }
    keyword = "test_every_signature_verified_and_wrong_secret_refused"

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tradeport", "conformance", "acme", "-k", keyword, *extra],
            capture_output=True,
            text=True,
            env=env,
            cwd=acme,
            timeout=300,
        )

    out = acme / "multi.json"
    both = run("--json", str(out))
    assert both.returncode == 1, both.stdout + both.stderr
    report = json.loads(out.read_text())
    assert [r["harness"] for r in report["runs"]] == ["good", "lax"]
    lg4 = {r["id"]: r for r in report["scenarios"]}["LG4"]
    assert lg4["outcome"] == "fail" and lg4["reason"].startswith("lax: ")
    assert {r["id"]: r for r in report["runs"][0]["scenarios"]}["LG4"]["outcome"] == "pass"
    assert run("--harness", "good").returncode == 0
    unknown = run("--harness", "nope")
    assert unknown.returncode == 2 and "has no harness 'nope' (good, lax)" in unknown.stderr
