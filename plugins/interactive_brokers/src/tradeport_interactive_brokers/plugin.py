"""Hook implementations of the Interactive Brokers plugin (the ``tradeport.venues`` entry point).

The hooks are the core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`): clients
and the harness are named by import path and imported only when a session asks, so listing
plugins stays cheap. Add the data client, execution client and harness paths as they land.
"""

from __future__ import annotations

from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

from tradeport_interactive_brokers.config import ENV_VARS, InteractiveBrokersConfig
from tradeport_interactive_brokers.constants import (
    CAPABILITIES,
    INSTRUMENT_VENUES,
    PORTS,
    VENUE_ID,
    VENUE_NAME,
)

#: What the plugin registers.
VENUE_SPEC = VenueSpec(
    name=VENUE_NAME,
    venue_id=VENUE_ID,
    kind="BROKER",
    capabilities=CAPABILITIES,
    config_type=InteractiveBrokersConfig,
    env_vars=ENV_VARS,
    urls={f"{app}_{mode}": f"tcp://127.0.0.1:{port}" for (app, mode), port in PORTS.items()},
    description="Interactive Brokers: the TWS API socket of a local TWS or IB Gateway (stocks, "
    "futures, options, FX, ...; live and paper accounts)",
    docs_url="https://interactivebrokers.github.io/tws-api/",
    instrument_venues=INSTRUMENT_VENUES,
)


VenuePlugin(
    VENUE_SPEC,
    instrument_provider=(
        "tradeport_interactive_brokers.providers:InteractiveBrokersInstrumentProvider"
    ),
    data_client="tradeport_interactive_brokers.data:InteractiveBrokersDataClient",
    execution_client="tradeport_interactive_brokers.execution:InteractiveBrokersExecutionClient",
    harness="tradeport_interactive_brokers.testing:InteractiveBrokersHarness",
).export(globals())
