"""The whole tradeport conformance suite against the mock Polymarket venue: one line.

Every scenario the declared capabilities claim runs here (the rest are skipped, naming the
capability). ``tradeport conformance polymarket`` runs the same suite and prints the matrix.
"""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "polymarket"
