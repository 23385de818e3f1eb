"""The whole tradeport conformance suite against the mock CoinbaseIntx venue: one line.

Every scenario the declared capabilities claim runs here (the rest are skipped, naming the
capability). ``tradeport conformance coinbase_intx`` runs the same suite and prints the matrix.
"""

from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "coinbase_intx"
