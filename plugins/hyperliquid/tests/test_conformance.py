"""The shared conformance suite against the Hyperliquid mock venue (the one-line inclusion)."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "hyperliquid"
