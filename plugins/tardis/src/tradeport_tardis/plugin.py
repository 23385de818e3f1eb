"""Hook implementations of the Tardis plugin: the module the entry point names.

A replay provider (``VenueSpec.kind`` DATA_PROVIDER, ``Capabilities(data_only, replay)``):
instruments from the metadata API and ``tradeport_create_replay_source``. No execution hook
(data only); live data through a tardis-machine's ws-stream-normalized. Heavy modules
are imported inside the hooks so that listing plugins stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport import hookimpl
from tradeport.venue import VenueSpec

from tradeport_tardis.capabilities import CAPABILITIES
from tradeport_tardis.config import ENV_VARS, TardisConfig
from tradeport_tardis.constants import VENUE_ID, VENUE_NAME
from tradeport_tardis.urls import DEFAULT_URLS

VENUE_SPEC = VenueSpec(
    name=VENUE_NAME,
    venue_id=VENUE_ID,
    kind="DATA_PROVIDER",
    capabilities=CAPABILITIES,
    config_type=TardisConfig,
    env_vars=ENV_VARS,
    urls=DEFAULT_URLS,
    description="Tardis: historical tick-level crypto data replayed as the venue plugins' events",
    docs_url="https://docs.tardis.dev",
    # A replay carries the recorded venue's ids (BTCUSDT-PERP.BINANCE), not TARDIS.
    instrument_venues=("BINANCE", "OKX", "BYBIT", "BITMEX"),
)


@hookimpl
def tradeport_register_venues(register: Callable[[VenueSpec], None]) -> None:
    """Register Tardis."""
    register(VENUE_SPEC)


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """Instruments from the instruments metadata API."""
    if venue != VENUE_NAME:
        return None
    from tradeport_tardis.providers import TardisInstrumentProvider

    return TardisInstrumentProvider(config, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """Live trades, quotes and books through a tardis-machine."""
    if venue != VENUE_NAME:
        return None
    from tradeport_tardis.data import TardisDataClient

    return TardisDataClient(config, instruments=instruments, events=events)


@hookimpl
def tradeport_create_replay_source(venue: str, config: Any, instruments: Any, frames: Any) -> Any:
    """The raw data-feed replay (venue frames parsed by the venue plugins' parsers)."""
    if venue != VENUE_NAME:
        return None
    from tradeport_tardis.replay import TardisReplaySource

    return TardisReplaySource(config, instruments=instruments, frames=frames)


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The mock Tardis HTTP API the conformance suite runs against."""
    if venue != VENUE_NAME:
        return None
    from tradeport_tardis.testing import TardisHarness

    return TardisHarness
