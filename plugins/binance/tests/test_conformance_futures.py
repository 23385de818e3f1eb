"""The shared conformance suite against the Binance mock venue as a USD-M futures account."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "binance"
CONFORMANCE_HARNESS = "usdm"
