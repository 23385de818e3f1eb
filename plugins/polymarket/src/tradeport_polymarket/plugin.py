"""Hook implementations of the Polymarket plugin: the module the entry point names.

Hooks only hand objects over. Heavy modules are imported inside the hooks, so that listing
plugins and registering venues stay cheap, and the conformance harness (test code) is imported
only by the conformance suite.
"""

from __future__ import annotations

from typing import Any

from tradeport import hookimpl

VENUE = "polymarket"


@hookimpl
def tradeport_register_venues(register: Any) -> None:
    """Register the Polymarket venue: name, id, kind, capabilities, config, env vars, URLs."""
    from tradeport.venue import VenueSpec

    from tradeport_polymarket.capabilities import CAPABILITIES
    from tradeport_polymarket.config import ENV_VARS, PolymarketConfig
    from tradeport_polymarket.constants import VENUE_ID
    from tradeport_polymarket.urls import DEFAULT_URLS

    register(
        VenueSpec(
            name=VENUE,
            venue_id=VENUE_ID,
            kind="PREDICTION_MARKET",
            capabilities=CAPABILITIES,
            config_type=PolymarketConfig,
            env_vars=ENV_VARS,
            urls=DEFAULT_URLS,
            description="Polymarket: prediction-market CLOB on Polygon (binary outcome tokens, CLOB V2)",
        )
    )


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The Polymarket instrument provider."""
    if venue != VENUE:
        return None
    from tradeport_polymarket.providers import PolymarketInstrumentProvider

    return PolymarketInstrumentProvider(config, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The Polymarket market data client."""
    if venue != VENUE:
        return None
    from tradeport_polymarket.data import PolymarketDataClient

    return PolymarketDataClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: Any, events: Any
) -> Any:
    """The Polymarket execution client."""
    if venue != VENUE:
        return None
    from tradeport_polymarket.execution import PolymarketExecutionClient

    return PolymarketExecutionClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The mock Polymarket venue the conformance suite runs against."""
    if venue != VENUE:
        return None
    from tradeport_polymarket.testing import PolymarketHarness

    return PolymarketHarness
