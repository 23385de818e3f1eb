"""The Hyperliquid mock venue and its conformance harness (shipped so that
``tradeport conformance hyperliquid`` works from an installed wheel)."""

from tradeport_hyperliquid.testing.harness import HyperliquidHarness

__all__ = ["HyperliquidHarness"]
