"""tradeport hook implementations for BitMEX (hooks only; clients are imported lazily)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport import hookimpl

VENUE = "bitmex"


@hookimpl
def tradeport_register_venues(register: Callable[[Any], None]) -> None:
    """Register BitMEX with its capabilities, config type, env vars and URLs."""
    from tradeport.venue import VenueSpec

    from tradeport_bitmex.capabilities import CAPABILITIES
    from tradeport_bitmex.config import ENV_VARS, BitmexConfig
    from tradeport_bitmex.constants import VENUE_ID
    from tradeport_bitmex.urls import HTTP_LIVE, HTTP_TESTNET, WS_LIVE, WS_TESTNET

    register(
        VenueSpec(
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
    )


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The BitMEX instrument provider."""
    if venue != VENUE:
        return None
    from tradeport_bitmex.capabilities import CAPABILITIES
    from tradeport_bitmex.providers import BitmexInstrumentProvider

    return BitmexInstrumentProvider(VENUE, config, capabilities=CAPABILITIES, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The BitMEX market data client."""
    if venue != VENUE:
        return None
    from tradeport_bitmex.capabilities import CAPABILITIES
    from tradeport_bitmex.data import BitmexDataClient

    return BitmexDataClient(
        VENUE, config, instruments=instruments, capabilities=CAPABILITIES, events=events
    )


@hookimpl
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: Any, events: Any
) -> Any:
    """The BitMEX execution client."""
    if venue != VENUE:
        return None
    from tradeport_bitmex.capabilities import CAPABILITIES
    from tradeport_bitmex.execution import BitmexExecutionClient

    return BitmexExecutionClient(
        VENUE, config, instruments=instruments, capabilities=CAPABILITIES, events=events
    )


@hookimpl
def tradeport_register_frame_parsers(register: Callable[[Any], None]) -> None:
    """Offer the realtime stream parser to replay providers (through the core)."""
    from tradeport_bitmex.websocket.frames import frame_parser_spec

    register(frame_parser_spec())


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The BitMEX mock venue harness (imported only when the suite asks)."""
    if venue != VENUE:
        return None
    from tradeport_bitmex.testing import BitmexHarness

    return BitmexHarness
