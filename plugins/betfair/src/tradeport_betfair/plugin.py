"""Hook implementations of the Betfair plugin (the ``tradeport.venues`` entry point).

Only the hooks live here; clients and the harness are imported lazily inside them so that
listing plugins stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport import hookimpl
from tradeport.venue import VenueSpec

from tradeport_betfair.config import ENV_VARS, BetfairConfig
from tradeport_betfair.constants import CAPABILITIES, VENUE_ID, VENUE_NAME
from tradeport_betfair.urls import DEFAULT_URLS

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
    kind="BETTING_EXCHANGE",
    capabilities=CAPABILITIES,
    config_type=BetfairConfig,
    env_vars=ENV_VARS,
    urls=DEFAULT_URLS,
    description="Betfair Exchange: back/lay betting on runners (Exchange API + Exchange Stream API)",
    docs_url="https://betfair-developer-docs.atlassian.net/wiki/spaces/1smk3cen4v3lu3yomq5qye0ni/overview",
)


@hookimpl
def tradeport_register_venues(register: Callable[[VenueSpec], None]) -> None:
    """Register Betfair."""
    register(VENUE_SPEC)


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The Betfair instrument provider."""
    if venue != VENUE_NAME:
        return None
    from tradeport_betfair.providers import BetfairInstrumentProvider

    return BetfairInstrumentProvider(config, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The Betfair market data client."""
    if venue != VENUE_NAME:
        return None
    from tradeport_betfair.data import BetfairDataClient

    return BetfairDataClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: Any, events: Any
) -> Any:
    """The Betfair execution client."""
    if venue != VENUE_NAME:
        return None
    from tradeport_betfair.execution import BetfairExecutionClient

    return BetfairExecutionClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The Betfair mock venue and its controls, for the conformance suite."""
    if venue != VENUE_NAME:
        return None
    from tradeport_betfair.testing import BetfairHarness

    return BetfairHarness
