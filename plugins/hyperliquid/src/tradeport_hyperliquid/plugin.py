"""Hook implementations of the Hyperliquid plugin (the ``tradeport.venues`` entry point).

The hooks are the core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`): clients
and the harness are named by import path and imported only when a session asks.
"""

from __future__ import annotations

from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

from tradeport_hyperliquid.config import ENV_VARS, HyperliquidConfig
from tradeport_hyperliquid.constants import CAPABILITIES, VENUE_ID, VENUE_NAME
from tradeport_hyperliquid.urls import DEFAULT_URLS

#: What the plugin registers.
VENUE_SPEC = VenueSpec(
    name=VENUE_NAME,
    venue_id=VENUE_ID,
    kind="EXCHANGE",
    capabilities=CAPABILITIES,
    config_type=HyperliquidConfig,
    env_vars=ENV_VARS,
    urls=DEFAULT_URLS,
    description="Hyperliquid: perpetuals and spot on HyperCore (mainnet, testnet); wallet-signed",
    docs_url="https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api",
)

VenuePlugin(
    VENUE_SPEC,
    instrument_provider="tradeport_hyperliquid.providers:HyperliquidInstrumentProvider",
    data_client="tradeport_hyperliquid.data:HyperliquidDataClient",
    execution_client="tradeport_hyperliquid.execution:HyperliquidExecutionClient",
    harness="tradeport_hyperliquid.testing:HyperliquidHarness",
).export(globals())
