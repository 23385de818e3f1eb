"""The shared conformance suite against the mock Tardis API (the one-line inclusion)."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "tardis"
