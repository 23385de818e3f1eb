"""The mock Polymarket venue and its conformance harness (test code shipped in the wheel).

Imported only by the ``tradeport_conformance_harness`` hook and by tests; it needs the
``tradeport-conformance`` package (the ``test`` extra).
"""

from tradeport_polymarket.testing.harness import PolymarketHarness

__all__ = ["PolymarketHarness"]
