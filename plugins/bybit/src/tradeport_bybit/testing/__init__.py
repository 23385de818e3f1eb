"""Bybit's mock venue and conformance harness (shipped in the wheel for ``tradeport
conformance bybit``). Imports the conformance package: use only in tests."""

from tradeport_bybit.testing.harness import API_KEY, API_SECRET, BybitHarness

__all__ = ["API_KEY", "API_SECRET", "BybitHarness"]
