"""Hook implementations of the OKX plugin (the ``tradeport.venues`` entry point).

The hooks are the core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`): clients
and the harness are named by import path and imported only when a session asks.
"""

from __future__ import annotations

from tradeport.venue_plugin import VenuePlugin

from tradeport_okx.spec import CAPABILITIES, venue_spec

VENUE_SPEC = venue_spec()

VenuePlugin(
    VENUE_SPEC,
    instrument_provider="tradeport_okx.providers:OkxInstrumentProvider",
    data_client="tradeport_okx.data:OkxDataClient",
    execution_client="tradeport_okx.execution:OkxExecutionClient",
    frame_parsers="tradeport_okx.websocket.frames:frame_parser_spec",
    harness="tradeport_okx.testing:OkxHarness",
    client_kwargs={"capabilities": CAPABILITIES},
).export(globals())
