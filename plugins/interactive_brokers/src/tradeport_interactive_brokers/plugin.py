"""Hook implementations of the Interactive Brokers plugin (the ``tradeport.venues`` entry point).

Only the hooks live here; clients and the harness are imported lazily inside them so that
listing plugins stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport import hookimpl
from tradeport.venue import VenueSpec

from tradeport_interactive_brokers.config import ENV_VARS, InteractiveBrokersConfig
from tradeport_interactive_brokers.constants import (
    CAPABILITIES,
    INSTRUMENT_VENUES,
    PORTS,
    VENUE_ID,
    VENUE_NAME,
)

__all__ = [
    "tradeport_register_venues",
    "tradeport_create_instrument_provider",
    "VENUE_SPEC",
]

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


@hookimpl
def tradeport_register_venues(register: Callable[[VenueSpec], None]) -> None:
    """Register Interactive Brokers."""
    register(VENUE_SPEC)


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The contract-lookup instrument provider."""
    if venue != VENUE_NAME:
        return None
    from tradeport_interactive_brokers.providers import InteractiveBrokersInstrumentProvider

    return InteractiveBrokersInstrumentProvider(config, events=events)
