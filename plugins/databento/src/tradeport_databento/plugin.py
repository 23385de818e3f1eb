"""Hook implementations of the Databento plugin (the ``tradeport.venues`` entry point).

Only the hooks live here; clients and the harness are imported lazily inside them so that
listing plugins stays cheap. Databento is a data provider: no execution client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport import hookimpl
from tradeport.venue import VenueSpec

from tradeport_databento.config import ENV_VARS, DatabentoConfig
from tradeport_databento.constants import (
    CAPABILITIES,
    INSTRUMENT_VENUES,
    VENUE_ID,
    VENUE_NAME,
)
from tradeport_databento.urls import DEFAULT_URLS

__all__ = [
    "tradeport_register_venues",
    "tradeport_create_instrument_provider",
    "tradeport_create_data_client",
    "tradeport_create_replay_source",
    "tradeport_conformance_harness",
    "VENUE_SPEC",
]

#: What the plugin registers.
VENUE_SPEC = VenueSpec(
    name=VENUE_NAME,
    venue_id=VENUE_ID,
    kind="DATA_PROVIDER",
    capabilities=CAPABILITIES,
    config_type=DatabentoConfig,
    env_vars=ENV_VARS,
    urls=DEFAULT_URLS,
    description="Databento market data: live Raw API (TCP, DBN) and historical API (CME, US "
    "equities, OPRA, ICE...)",
    docs_url="https://databento.com/docs",
    instrument_venues=INSTRUMENT_VENUES,
)


@hookimpl
def tradeport_register_venues(register: Callable[[VenueSpec], None]) -> None:
    """Register Databento."""
    register(VENUE_SPEC)


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The Databento instrument provider (definitions over the historical API)."""
    if venue != VENUE_NAME:
        return None
    from tradeport_databento.providers import DatabentoInstrumentProvider

    return DatabentoInstrumentProvider(config, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The Databento data client (live gateway + historical requests)."""
    if venue != VENUE_NAME:
        return None
    from tradeport_databento.data import DatabentoDataClient

    return DatabentoDataClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_create_replay_source(venue: str, config: Any, instruments: Any, frames: Any) -> Any:
    """The Databento replay source (historical ranges as replay events)."""
    if venue != VENUE_NAME:
        return None
    from tradeport_databento.replay import DatabentoReplaySource

    return DatabentoReplaySource(config, instruments=instruments)


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The Databento mock venue and its controls, for the conformance suite."""
    if venue != VENUE_NAME:
        return None
    from tradeport_databento.testing import DatabentoHarness

    return DatabentoHarness
