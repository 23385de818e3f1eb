"""The shared conformance suite against the Binance mock venue (spot)."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "binance"
CONFORMANCE_HARNESS = "spot"
