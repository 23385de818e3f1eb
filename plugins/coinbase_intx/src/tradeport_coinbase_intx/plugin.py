"""Hook implementations of the Coinbase INTX plugin (the ``tradeport.venues`` entry point).

The hooks are the core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`): clients
and the harness (test code, used only by the conformance suite) are named by import path and
imported only when a session asks.
"""

from __future__ import annotations

from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

from tradeport_coinbase_intx.capabilities import CAPABILITIES
from tradeport_coinbase_intx.config import ENV_VARS, CoinbaseIntxConfig
from tradeport_coinbase_intx.constants import VENUE_ID
from tradeport_coinbase_intx.urls import DEFAULT_URLS

VENUE = "coinbase_intx"

#: What the plugin registers.
VENUE_SPEC = VenueSpec(
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

VenuePlugin(
    VENUE_SPEC,
    instrument_provider="tradeport_coinbase_intx.providers:CoinbaseIntxInstrumentProvider",
    data_client="tradeport_coinbase_intx.data:CoinbaseIntxDataClient",
    execution_client="tradeport_coinbase_intx.execution:CoinbaseIntxExecutionClient",
    harness="tradeport_coinbase_intx.testing:CoinbaseIntxHarness",
).export(globals())
