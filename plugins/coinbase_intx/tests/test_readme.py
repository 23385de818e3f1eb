"""The README's capability table is the declared one (never edited by hand)."""

from __future__ import annotations

import re
from pathlib import Path

from tradeport_coinbase_intx.capabilities import CAPABILITIES

README = Path(__file__).resolve().parent.parent / "README.md"


def test_capability_table_matches_the_declaration() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- capabilities:start -->\n(.*?)\n<!-- capabilities:end -->", text, re.S)
    assert match, "README.md lost its capability table markers"
    assert match.group(1) == CAPABILITIES.markdown_table(), (
        "README capability table is stale; paste CAPABILITIES.markdown_table() between the markers"
    )
