"""The plugin is installed the way users will find it: through ``tradeport plugins``."""

from __future__ import annotations

import json
import subprocess
import sys

from tradeport.plugins import load_plugins


def test_listed_as_ok_by_tradeport_plugins() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tradeport", "plugins", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["coinbase_intx"]["status"] == "ok", rows["coinbase_intx"].get("error")
    assert rows["coinbase_intx"]["distribution"] == "tradeport-coinbase-intx"


def test_loads_and_registers_the_venue() -> None:
    registry = load_plugins()
    spec = registry.venue("coinbase_intx")
    assert spec.venue_id == "COINBASE_INTX"
    for hook in (
        "tradeport_create_data_client",
        "tradeport_create_execution_client",
        "tradeport_conformance_harness",
    ):
        info = next(p for p in registry.plugins if p.name == "coinbase_intx")
        assert hook in info.hooks
