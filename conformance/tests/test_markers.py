"""Skip reasons: the unmet requirements, each with the harness's word on why where it gives one."""

from __future__ import annotations

from tradeport_conformance.markers import lacking


def test_skip_reason_names_each_requirement_and_the_harness_reason() -> None:
    reasons = {"order:LIMIT/GTC": "the venue has no GTC; PERSIST is not one"}
    assert lacking(["order:LIMIT/GTC", "capability:post_only"], reasons) == (
        "venue lacks order:LIMIT/GTC (the venue has no GTC; PERSIST is not one), "
        "capability:post_only"
    )
    assert lacking(["capability:post_only"]) == "venue lacks capability:post_only"
