"""The mock Tardis API (loopback, real wire format) and the conformance harness."""

from tradeport_tardis.testing.harness import API_KEY, TardisHarness

__all__ = ["API_KEY", "TardisHarness"]
