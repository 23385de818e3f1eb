"""The shared conformance suite against the Binance mock venue as a COIN-M futures account."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "binance"
CONFORMANCE_HARNESS = "coinm"
