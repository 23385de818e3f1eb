"""Hook implementations of the dYdX plugin (the ``tradeport.venues`` entry point).

The hooks are the core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`): clients
and the harness are named by import path and imported only when a session asks.
"""

from __future__ import annotations

from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

from tradeport_dydx.config import ENV_VARS, DydxConfig
from tradeport_dydx.constants import CAPABILITIES, VENUE_ID, VENUE_NAME
from tradeport_dydx.urls import DEFAULT_URLS

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

VenuePlugin(
    VENUE_SPEC,
    instrument_provider="tradeport_dydx.providers:DydxInstrumentProvider",
    data_client="tradeport_dydx.data:DydxDataClient",
    # Orders as chain transactions, their state from the indexer.
    execution_client="tradeport_dydx.execution:DydxExecutionClient",
    harness="tradeport_dydx.testing:DydxHarness",
).export(globals())
