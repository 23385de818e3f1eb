"""The shared conformance suite against the Betfair mock venue (the one-line inclusion)."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "betfair"
