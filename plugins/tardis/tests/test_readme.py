"""The README's Parquet recipe, run against the mock API (docs examples are tested)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import anyio
import pytest
from tradeport.model.data import TradeTick
from tradeport.model.identifiers import InstrumentId
from tradeport_tardis.constants import NS_PER_MINUTE
from tradeport_tardis.testing import TardisHarness
from tradeport_tardis.testing.harness import DEFAULT_START

pytestmark = pytest.mark.anyio

README = Path(__file__).parents[1] / "README.md"


def _recipe() -> dict[str, Any]:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- recipe: parquet -->\n```python\n(.*?)```\n<!-- end recipe -->",
                      text, re.S)  # fmt: skip
    assert match is not None, "the recipe block is missing from the README"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(README), "exec"), namespace)
    return namespace


async def test_the_parquet_recipe_writes_the_replayed_trades(tmp_path: Path) -> None:
    pytest.importorskip("tradeport_parquet", reason="the Parquet sink is not installed")
    from tradeport import open_source

    recipe = _recipe()["day_of_trades_to_parquet"]
    iid = InstrumentId.from_str("BTCUSDT.BINANCE")
    async with TardisHarness() as harness:
        harness.record_market(iid, DEFAULT_START, 3, disconnect_at_minute=1)
        harness.record_market(iid, DEFAULT_START + 50 * NS_PER_MINUTE, 2)
        with anyio.fail_after(60):
            written = await recipe(harness.client_config(), date(2026, 11, 2), iid,
                                   str(tmp_path / "trades"), hours=1)  # fmt: skip
    async with open_source(f"parquet:{tmp_path / 'trades'}") as source:
        stored = [e async for e in source.events()]
    assert written == len(stored) == 5 * 6  # six trades a minute, five minutes recorded
    assert all(isinstance(e, TradeTick) and e.instrument_id == iid for e in stored)
    assert [e.ts_init for e in stored] == sorted(e.ts_init for e in stored)
