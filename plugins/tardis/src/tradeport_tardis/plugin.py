"""Hook implementations of the Tardis plugin: the module the entry point names.

A replay provider (``VenueSpec.kind`` DATA_PROVIDER, ``Capabilities(data_only, replay)``):
instruments from the metadata API and ``tradeport_create_replay_source``. No execution hook
(data only); live data through a tardis-machine's ws-stream-normalized. The hooks are the
core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`): clients are named by import
path and imported only when a session asks, so listing plugins stays cheap.
"""

from __future__ import annotations

from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

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


VenuePlugin(
    VENUE_SPEC,
    # Instruments from the metadata API.
    instrument_provider="tradeport_tardis.providers:TardisInstrumentProvider",
    # Live trades, quotes, books, tickers and bars through a tardis-machine.
    data_client="tradeport_tardis.data:TardisDataClient",
    # The raw data-feed replay (venue frames parsed by the venue plugins' parsers).
    replay_source="tradeport_tardis.replay:TardisReplaySource",
    harness="tradeport_tardis.testing:TardisHarness",
).export(globals())
