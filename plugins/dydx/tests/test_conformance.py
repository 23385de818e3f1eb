"""The shared conformance suite against the dYdX mock venue (the one-line inclusion)."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "dydx"
