"""Hook implementations of the BitMEX plugin (the ``tradeport.venues`` entry point).

The hooks are the core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`): clients
and the harness are named by import path and imported only when a session asks. BitMEX's
clients take the venue name first and the capabilities as a keyword.
"""

from __future__ import annotations

from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

from tradeport_bitmex.capabilities import CAPABILITIES
from tradeport_bitmex.config import ENV_VARS, BitmexConfig
from tradeport_bitmex.constants import VENUE_ID
from tradeport_bitmex.urls import HTTP_LIVE, HTTP_TESTNET, WS_LIVE, WS_TESTNET

VENUE = "bitmex"

#: What the plugin registers.
VENUE_SPEC = VenueSpec(
    name=VENUE,
    venue_id=VENUE_ID,
    kind="EXCHANGE",
    capabilities=CAPABILITIES,
    config_type=BitmexConfig,
    env_vars=ENV_VARS,
    urls={
        "http": HTTP_LIVE,
        "ws": WS_LIVE,
        "http_testnet": HTTP_TESTNET,
        "ws_testnet": WS_TESTNET,
    },
    description="BitMEX: perpetual and dated futures (inverse, linear, quanto) and spot",
    docs_url="https://www.bitmex.com/app/apiOverview",
)

VenuePlugin(
    VENUE_SPEC,
    instrument_provider="tradeport_bitmex.providers:BitmexInstrumentProvider",
    data_client="tradeport_bitmex.data:BitmexDataClient",
    execution_client="tradeport_bitmex.execution:BitmexExecutionClient",
    frame_parsers="tradeport_bitmex.websocket.frames:frame_parser_spec",
    harness="tradeport_bitmex.testing:BitmexHarness",
    factory_args=(VENUE,),
    client_kwargs={"capabilities": CAPABILITIES},
).export(globals())
