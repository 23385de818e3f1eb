"""Hook implementations of the Hyperliquid plugin (the ``tradeport.venues`` entry point).

Only the hooks live here; clients and the harness are imported lazily inside them so that
listing plugins stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport import hookimpl
from tradeport.venue import VenueSpec

from tradeport_hyperliquid.config import ENV_VARS, HyperliquidConfig
from tradeport_hyperliquid.constants import CAPABILITIES, VENUE_ID, VENUE_NAME
from tradeport_hyperliquid.urls import DEFAULT_URLS

__all__ = [
    "tradeport_register_venues",
    "tradeport_create_instrument_provider",
    "tradeport_create_data_client",
    "tradeport_create_execution_client",
    "tradeport_conformance_harness",
    "VENUE_SPEC",
]

#: What the plugin registers.
VENUE_SPEC = VenueSpec(
    name=VENUE_NAME,
    venue_id=VENUE_ID,
    kind="EXCHANGE",
    capabilities=CAPABILITIES,
    config_type=HyperliquidConfig,
    env_vars=ENV_VARS,
    urls=DEFAULT_URLS,
    description="Hyperliquid: perpetuals and spot on HyperCore (mainnet, testnet); wallet-signed",
    docs_url="https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api",
)


@hookimpl
def tradeport_register_venues(register: Callable[[VenueSpec], None]) -> None:
    """Register Hyperliquid."""
    register(VENUE_SPEC)


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The Hyperliquid instrument provider."""
    if venue != VENUE_NAME:
        return None
    from tradeport_hyperliquid.providers import HyperliquidInstrumentProvider

    return HyperliquidInstrumentProvider(config, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The Hyperliquid market data client."""
    if venue != VENUE_NAME:
        return None
    from tradeport_hyperliquid.data import HyperliquidDataClient

    return HyperliquidDataClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: Any, events: Any
) -> Any:
    """The Hyperliquid execution client."""
    if venue != VENUE_NAME:
        return None
    from tradeport_hyperliquid.execution import HyperliquidExecutionClient

    return HyperliquidExecutionClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The Hyperliquid mock venue and its controls, for the conformance suite."""
    if venue != VENUE_NAME:
        return None
    from tradeport_hyperliquid.testing import HyperliquidHarness

    return HyperliquidHarness
