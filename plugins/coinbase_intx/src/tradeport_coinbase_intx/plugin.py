"""Hook implementations of the CoinbaseIntx plugin: the module the entry point names.

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
    """Register the CoinbaseIntx venue: name, id, kind, capabilities, config, env vars, URLs."""
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
            description="CoinbaseIntx: spot and perpetuals over REST and one WebSocket stream",
        )
    )


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The CoinbaseIntx instrument provider."""
    if venue != VENUE:
        return None
    from tradeport_coinbase_intx.providers import CoinbaseIntxInstrumentProvider

    return CoinbaseIntxInstrumentProvider(config, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The CoinbaseIntx market data client."""
    if venue != VENUE:
        return None
    from tradeport_coinbase_intx.data import CoinbaseIntxDataClient

    return CoinbaseIntxDataClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: Any, events: Any
) -> Any:
    """The CoinbaseIntx execution client."""
    if venue != VENUE:
        return None
    from tradeport_coinbase_intx.execution import CoinbaseIntxExecutionClient

    return CoinbaseIntxExecutionClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_register_frame_parsers(register: Any) -> None:
    """Offer the stream parser to replay providers (through the core, never imported)."""
    from tradeport_coinbase_intx.websocket.frames import frame_parser_spec

    register(frame_parser_spec())


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The mock CoinbaseIntx venue the conformance suite runs against."""
    if venue != VENUE:
        return None
    from tradeport_coinbase_intx.testing import CoinbaseIntxHarness

    return CoinbaseIntxHarness
