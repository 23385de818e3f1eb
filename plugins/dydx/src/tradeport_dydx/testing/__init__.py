"""The dYdX mock venue (indexer REST + WebSocket on the SimulatedExchange) and its harness."""

from tradeport_dydx.testing.harness import DydxHarness

__all__ = ["DydxHarness"]
