"""The shared tradeport conformance suite, run against the OKX mock venue."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "okx"
