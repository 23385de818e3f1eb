"""The Databento mock venue (a loopback live gateway and historical API) and its harness."""

from tradeport_databento.testing.harness import API_KEY, DatabentoHarness

__all__ = ["API_KEY", "DatabentoHarness"]
