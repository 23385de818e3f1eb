"""Scenario ids and capability requirements on suite tests.

::

    @scenario("SB1")
    @requires("data:QUOTES")
    async def test_quotes(self, ...): ...

A requirement is ``kind:value``:

- ``product:SPOT`` / ``data:QUOTES`` / ``history:BARS`` / ``book:L2_MBP`` /
  ``replay:TRADES``: in the plugin's declared Capabilities (products, data, history,
  book_types, replay);
- ``order:LIMIT/GTC``: the (order type, time in force) pair is declared;
- ``capability:modify_order`` (any boolean field of Capabilities, e.g. ``execution``,
  ``cancel_all``, ``batch_cancel``, ``order_lists``, ``post_only``, ``reduce_only``,
  ``positions``, ``private_streams``);
- ``feature:text_ping`` (any field of the harness's ProtocolFeatures).

When a requirement is not met the test is skipped and the reason names it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tradeport_conformance.catalogue import CATALOGUE

__all__ = [
    "scenario",
    "requires",
    "unmet_requirements",
    "is_execution_requirement",
    "lacking",
]


def scenario(scenario_id: str) -> Any:
    """Mark a test as (part of) the catalogue scenario ``scenario_id``."""
    if scenario_id not in CATALOGUE:
        raise KeyError(f"unknown scenario id {scenario_id!r}")
    return pytest.mark.scenario(scenario_id)


def requires(*conditions: str) -> Any:
    """Skip the test unless every ``kind:value`` condition holds for the venue under test."""
    for c in conditions:
        if ":" not in c:
            raise ValueError(f"requirement {c!r} must look like kind:value")
    return pytest.mark.requires(*conditions)


#: Capability flags that only an execution venue can have.
_EXECUTION_CAPABILITIES = frozenset(
    {
        "execution",
        "post_only",
        "reduce_only",
        "modify_order",
        "cancel_all",
        "batch_cancel",
        "batch_submit",
        "batch_modify",
        "order_lists",
        "positions",
        "private_streams",
        "provisional_fills",
    }
)


def is_execution_requirement(condition: str) -> bool:
    """Whether ``condition`` needs order entry (skipped with the data-only reason on a venue
    that declares ``Capabilities.data_only``)."""
    kind, _, value = condition.partition(":")
    return kind == "order" or (kind == "capability" and value in _EXECUTION_CAPABILITIES)


def lacking(unmet: list[str], reasons: Any = None) -> str:
    """The skip reason for ``unmet`` requirements, each followed by the harness's word on why
    the venue lacks it (``VenueHarness.unsupported_reasons``) where it gives one."""
    reasons = reasons or {}
    return "venue lacks " + ", ".join(
        f"{cond} ({reasons[cond]})" if cond in reasons else cond for cond in unmet
    )


def unmet_requirements(conditions: tuple[str, ...], capabilities: Any, features: Any) -> list[str]:
    """The conditions that the declared capabilities / protocol features do not meet."""
    unmet = []
    for cond in conditions:
        kind, _, value = cond.partition(":")
        if kind == "product":
            ok = value in {p.value for p in capabilities.products}
        elif kind == "data":
            ok = value in {d.value for d in capabilities.data}
        elif kind == "history":
            ok = value in {h.value for h in capabilities.history}
        elif kind == "replay":
            ok = value in {d.value for d in capabilities.replay}
        elif kind == "book":
            ok = value in {b.value for b in capabilities.book_types}
        elif kind == "order":
            ot, _, tif = value.partition("/")
            ok = any(o.value == ot and (not tif or t.value == tif) for o, t in capabilities.orders)
        elif kind == "capability":
            ok = bool(getattr(capabilities, value))
        elif kind == "feature":
            ok = bool(getattr(features, value))
        else:
            raise ValueError(f"unknown requirement kind {kind!r} in {cond!r}")
        if not ok:
            unmet.append(cond)
    return unmet
