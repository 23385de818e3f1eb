"""The Interactive Brokers mock gateway (a loopback TWS API socket) and its harness."""

from tradeport_interactive_brokers.testing.harness import InteractiveBrokersHarness
from tradeport_interactive_brokers.testing.mock_gateway import Listing, MockGateway, listing_for

__all__ = ["InteractiveBrokersHarness", "Listing", "MockGateway", "listing_for"]
