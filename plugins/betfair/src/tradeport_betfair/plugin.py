"""Hook implementations of the Betfair plugin (the ``tradeport.venues`` entry point).

The hooks are the core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`): clients
and the harness are named by import path and imported only when a session asks.
"""

from __future__ import annotations

from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

from tradeport_betfair.config import ENV_VARS, BetfairConfig
from tradeport_betfair.constants import CAPABILITIES, VENUE_ID, VENUE_NAME
from tradeport_betfair.urls import DEFAULT_URLS

#: What the plugin registers.
VENUE_SPEC = VenueSpec(
    name=VENUE_NAME,
    venue_id=VENUE_ID,
    kind="BETTING_EXCHANGE",
    capabilities=CAPABILITIES,
    config_type=BetfairConfig,
    env_vars=ENV_VARS,
    urls=DEFAULT_URLS,
    description="Betfair Exchange: back/lay betting on runners (Exchange API + Exchange Stream API)",
    docs_url="https://betfair-developer-docs.atlassian.net/wiki/spaces/1smk3cen4v3lu3yomq5qye0ni/overview",
)

VenuePlugin(
    VENUE_SPEC,
    instrument_provider="tradeport_betfair.providers:BetfairInstrumentProvider",
    data_client="tradeport_betfair.data:BetfairDataClient",
    execution_client="tradeport_betfair.execution:BetfairExecutionClient",
    harness="tradeport_betfair.testing:BetfairHarness",
).export(globals())
