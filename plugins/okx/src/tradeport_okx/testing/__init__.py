"""The OKX mock venue and conformance harness (shipped so ``tradeport conformance okx`` works).

Imported only by the ``tradeport_conformance_harness`` hook and by tests: it needs the
``tradeport-conformance`` package (the plugin's ``test`` extra).
"""

from tradeport_okx.testing.mock_venue import OkxHarness

__all__ = ["OkxHarness"]
