"""The shared conformance suite against the Binance mock venue as a USD-M futures account."""

from collections.abc import Callable

import pytest
from tradeport_binance.testing import BinanceFuturesHarness
from tradeport_conformance.harness import VenueHarness
from tradeport_conformance.suite import *  # noqa: F403

CONFORMANCE_VENUE = "binance"


@pytest.fixture
def harness_factory() -> Callable[[], VenueHarness]:
    """USD-M futures instead of the spot harness the plugin hook returns."""
    return BinanceFuturesHarness
