"""Hook implementations of the Polymarket plugin (the ``tradeport.venues`` entry point).

The hooks are the core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`): clients
and the harness (test code, used only by the conformance suite) are named by import path and
imported only when a session asks.
"""

from __future__ import annotations

from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

from tradeport_polymarket.capabilities import CAPABILITIES
from tradeport_polymarket.config import ENV_VARS, PolymarketConfig
from tradeport_polymarket.constants import VENUE_ID
from tradeport_polymarket.urls import DEFAULT_URLS

VENUE = "polymarket"

#: What the plugin registers.
VENUE_SPEC = VenueSpec(
    name=VENUE,
    venue_id=VENUE_ID,
    kind="PREDICTION_MARKET",
    capabilities=CAPABILITIES,
    config_type=PolymarketConfig,
    env_vars=ENV_VARS,
    urls=DEFAULT_URLS,
    description="Polymarket: prediction-market CLOB on Polygon (binary outcome tokens, CLOB V2)",
)

VenuePlugin(
    VENUE_SPEC,
    instrument_provider="tradeport_polymarket.providers:PolymarketInstrumentProvider",
    data_client="tradeport_polymarket.data:PolymarketDataClient",
    execution_client="tradeport_polymarket.execution:PolymarketExecutionClient",
    harness="tradeport_polymarket.testing:PolymarketHarness",
).export(globals())
