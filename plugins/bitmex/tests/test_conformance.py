"""The shared tradeport conformance suite against the BitMEX mock venue."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "bitmex"
