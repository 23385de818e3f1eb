"""Hook implementations of the Coinbase INTX plugin: the module the entry point names.

Hooks only hand objects over. Heavy modules are imported inside the hooks, so that listing
plugins and registering venues stay cheap, and the conformance harness (test code) is imported
only by the conformance suite.
"""

from __future__ import annotations

from typing import Any

from tradeport import hookimpl

VENUE = "coinbase_intx"


@hookimpl
def tradeport_register_venues(register: Any) -> None:
    """Register the Coinbase INTX venue: name, id, kind, capabilities, config, env vars, URLs."""
    from tradeport.venue import VenueSpec

    from tradeport_coinbase_intx.capabilities import CAPABILITIES
    from tradeport_coinbase_intx.config import ENV_VARS, CoinbaseIntxConfig
    from tradeport_coinbase_intx.constants import VENUE_ID
    from tradeport_coinbase_intx.urls import DEFAULT_URLS

    register(
        VenueSpec(
            name=VENUE,
            venue_id=VENUE_ID,
            kind="EXCHANGE",
            capabilities=CAPABILITIES,
            config_type=CoinbaseIntxConfig,
            env_vars=ENV_VARS,
            urls=DEFAULT_URLS,
            description=(
                "Coinbase International Exchange: perpetuals and spot over REST, WebSocket "
                "market data and a FIX drop-copy session for order events"
            ),
        )
    )


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The Coinbase INTX instrument provider."""
    if venue != VENUE:
        return None
    from tradeport_coinbase_intx.providers import CoinbaseIntxInstrumentProvider

    return CoinbaseIntxInstrumentProvider(config, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The Coinbase INTX market data client."""
    if venue != VENUE:
        return None
    from tradeport_coinbase_intx.data import CoinbaseIntxDataClient

    return CoinbaseIntxDataClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: Any, events: Any
) -> Any:
    """The Coinbase INTX execution client."""
    if venue != VENUE:
        return None
    from tradeport_coinbase_intx.execution import CoinbaseIntxExecutionClient

    return CoinbaseIntxExecutionClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The mock Coinbase INTX venue the conformance suite runs against."""
    if venue != VENUE:
        return None
    from tradeport_coinbase_intx.testing import CoinbaseIntxHarness

    return CoinbaseIntxHarness
