"""The shared conformance suite against the Databento mock venue (the one-line inclusion)."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "databento"
