"""Hook implementations of the Bybit plugin (the ``tradeport.venues`` entry point).

The hooks are the core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`): clients
and the harness are named by import path and imported only when a session asks, so loading
this module stays cheap.
"""

from __future__ import annotations

from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

from tradeport_bybit.config import ENV_VARS, BybitConfig
from tradeport_bybit.constants import CAPABILITIES, VENUE_ID, VENUE_NAME
from tradeport_bybit.urls import DEFAULT_URLS

#: What the plugin registers.
VENUE_SPEC = VenueSpec(
    name=VENUE_NAME,
    venue_id=VENUE_ID,
    kind="EXCHANGE",
    capabilities=CAPABILITIES,
    config_type=BybitConfig,
    env_vars=ENV_VARS,
    urls=DEFAULT_URLS,
    description="Bybit v5: spot, linear and inverse contracts, options (live, testnet, demo)",
    docs_url="https://bybit-exchange.github.io/docs/v5/intro",
)

VenuePlugin(
    VENUE_SPEC,
    instrument_provider="tradeport_bybit.providers:BybitInstrumentProvider",
    data_client="tradeport_bybit.data:BybitDataClient",
    execution_client="tradeport_bybit.execution:BybitExecutionClient",
    frame_parsers="tradeport_bybit.websocket.frames:frame_parser_spec",
    harness="tradeport_bybit.testing:BybitHarness",
).export(globals())
