"""The catalogue: stable ids, one prefix per group, and docs/scenarios.md generated from it."""

from __future__ import annotations

from pathlib import Path

from tradeport_conformance.catalogue import CATALOGUE, GROUPS, markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def test_docs_scenarios_md_is_the_catalogue() -> None:
    assert DOC.read_text() == markdown(), (
        "docs/scenarios.md is stale: python -m tradeport_conformance.catalogue > docs/scenarios.md"
    )


def test_ids_are_unique_and_grouped_by_prefix() -> None:
    ids = [sid for items in GROUPS.values() for sid, _ in items]
    assert len(ids) == len(set(ids)) == len(CATALOGUE)
    for group, items in GROUPS.items():
        prefixes = {sid.rstrip("0123456789") for sid, _ in items}
        assert len(prefixes) == 1, f"{group} mixes prefixes {prefixes}"
        numbers = [int(sid[len(next(iter(prefixes))) :]) for sid, _ in items]
        assert numbers == list(range(1, len(items) + 1)), f"{group}: ids not 1..n"


def test_second_edition_groups_are_listed() -> None:
    for group in ("DATA PROVIDERS", "BETTING EXCHANGES", "BROKERS", "ON-CHAIN VENUES"):
        assert GROUPS[group], group
    assert {"OF16", "OF17"} <= set(CATALOGUE)
