"""Hook implementations of the Bybit plugin (the ``tradeport.venues`` entry point).

Only the hooks live here; clients and the harness are imported lazily inside them so that
listing plugins stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport import hookimpl
from tradeport.venue import VenueSpec

from tradeport_bybit.config import ENV_VARS, BybitConfig
from tradeport_bybit.constants import CAPABILITIES, VENUE_ID, VENUE_NAME
from tradeport_bybit.urls import DEFAULT_URLS

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
    config_type=BybitConfig,
    env_vars=ENV_VARS,
    urls=DEFAULT_URLS,
    description="Bybit v5: spot, linear and inverse contracts, options (live, testnet, demo)",
    docs_url="https://bybit-exchange.github.io/docs/v5/intro",
)


@hookimpl
def tradeport_register_venues(register: Callable[[VenueSpec], None]) -> None:
    """Register Bybit."""
    register(VENUE_SPEC)


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The Bybit instrument provider."""
    if venue != VENUE_NAME:
        return None
    from tradeport_bybit.providers import BybitInstrumentProvider

    return BybitInstrumentProvider(config, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The Bybit market data client."""
    if venue != VENUE_NAME:
        return None
    from tradeport_bybit.data import BybitDataClient

    return BybitDataClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: Any, events: Any
) -> Any:
    """The Bybit execution client."""
    if venue != VENUE_NAME:
        return None
    from tradeport_bybit.execution import BybitExecutionClient

    return BybitExecutionClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_register_frame_parsers(register: Callable[[Any], None]) -> None:
    """Offer the public stream parser to replay providers (through the core)."""
    from tradeport_bybit.websocket.frames import frame_parser_spec

    register(frame_parser_spec())


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The Bybit mock venue and its controls, for the conformance suite."""
    if venue != VENUE_NAME:
        return None
    from tradeport_bybit.testing import BybitHarness

    return BybitHarness
