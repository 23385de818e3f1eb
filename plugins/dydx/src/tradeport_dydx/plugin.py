"""Hook implementations of the dYdX plugin (the ``tradeport.venues`` entry point).

Only the hooks live here; clients and the harness are imported lazily inside them so that
listing plugins stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport import hookimpl
from tradeport.venue import VenueSpec

from tradeport_dydx.config import ENV_VARS, DydxConfig
from tradeport_dydx.constants import CAPABILITIES, VENUE_ID, VENUE_NAME
from tradeport_dydx.urls import DEFAULT_URLS

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
    config_type=DydxConfig,
    env_vars=ENV_VARS,
    urls=DEFAULT_URLS,
    description="dYdX v4: perpetuals on the dYdX chain (indexer reads; chain tx writes)",
    docs_url="https://docs.dydx.xyz",
)


@hookimpl
def tradeport_register_venues(register: Callable[[VenueSpec], None]) -> None:
    """Register dYdX."""
    register(VENUE_SPEC)


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The dYdX instrument provider."""
    if venue != VENUE_NAME:
        return None
    from tradeport_dydx.providers import DydxInstrumentProvider

    return DydxInstrumentProvider(config, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The dYdX market data client."""
    if venue != VENUE_NAME:
        return None
    from tradeport_dydx.data import DydxDataClient

    return DydxDataClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: Any, events: Any
) -> Any:
    """The dYdX execution client (orders as chain transactions, state from the indexer)."""
    if venue != VENUE_NAME:
        return None
    from tradeport_dydx.execution import DydxExecutionClient

    return DydxExecutionClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The dYdX mock venue and its controls, for the conformance suite."""
    if venue != VENUE_NAME:
        return None
    from tradeport_dydx.testing import DydxHarness

    return DydxHarness
