"""BitMEX mock venue and conformance harness (shipped in the wheel for ``tradeport conformance``).

Import cost is paid only by tests: the plugin's harness hook imports this lazily.
"""

from tradeport_bitmex.testing.harness import BitmexHarness

__all__ = ["BitmexHarness"]
