"""Hook implementations of the Databento plugin (the ``tradeport.venues`` entry point).

The standard hooks are the core's (:class:`tradeport.venue_plugin.VenuePlugin`), named by import
path and imported only when a session asks; the replay source is written here (it takes no
frame parsers). Databento is a data provider: no execution client.
"""

from __future__ import annotations

from typing import Any

from tradeport import hookimpl
from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

from tradeport_databento.config import ENV_VARS, DatabentoConfig
from tradeport_databento.constants import (
    CAPABILITIES,
    INSTRUMENT_VENUES,
    VENUE_ID,
    VENUE_NAME,
)
from tradeport_databento.urls import DEFAULT_URLS

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


VenuePlugin(
    VENUE_SPEC,
    # Definitions over the historical API.
    instrument_provider="tradeport_databento.providers:DatabentoInstrumentProvider",
    # The live gateway and historical requests.
    data_client="tradeport_databento.data:DatabentoDataClient",
    harness="tradeport_databento.testing:DatabentoHarness",
).export(globals())


@hookimpl
def tradeport_create_replay_source(venue: str, config: Any, instruments: Any, frames: Any) -> Any:
    """The Databento replay source (historical ranges as replay events; DBN, so it needs no
    venue frame parsers)."""
    if venue != VENUE_NAME:
        return None
    from tradeport_databento.replay import DatabentoReplaySource

    return DatabentoReplaySource(config, instruments=instruments)
