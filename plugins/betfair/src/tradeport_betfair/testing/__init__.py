"""Betfair's mock venue and conformance harness (shipped in the wheel so that
``tradeport conformance betfair`` works)."""

from tradeport_betfair.testing.harness import BetfairHarness
from tradeport_betfair.testing.mock_venue import APP_KEY, PASSWORD, USERNAME, BetfairMockVenue

__all__ = ["BetfairHarness", "BetfairMockVenue", "APP_KEY", "USERNAME", "PASSWORD"]
