"""The shared conformance suite against the Interactive Brokers mock gateway (the one-line inclusion)."""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "interactive_brokers"
