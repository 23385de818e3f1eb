"""tradeport hook implementations for OKX (hookimpls only; heavy modules load lazily)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport import hookimpl

VENUE_NAME = "okx"


@hookimpl
def tradeport_register_venues(register: Callable[[Any], None]) -> None:
    """Register the ``okx`` venue."""
    from tradeport_okx.spec import venue_spec

    register(venue_spec())


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The OKX instrument provider."""
    if venue != VENUE_NAME:
        return None
    from tradeport_okx.providers import OkxInstrumentProvider
    from tradeport_okx.spec import CAPABILITIES

    return OkxInstrumentProvider(config, capabilities=CAPABILITIES, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The OKX market data client."""
    if venue != VENUE_NAME:
        return None
    from tradeport_okx.data import OkxDataClient
    from tradeport_okx.spec import CAPABILITIES

    return OkxDataClient(config, instruments=instruments, capabilities=CAPABILITIES, events=events)


@hookimpl
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: Any, events: Any
) -> Any:
    """The OKX execution client."""
    if venue != VENUE_NAME:
        return None
    from tradeport_okx.execution import OkxExecutionClient
    from tradeport_okx.spec import CAPABILITIES

    return OkxExecutionClient(
        config, instruments=instruments, capabilities=CAPABILITIES, events=events
    )


@hookimpl
def tradeport_register_frame_parsers(register: Callable[[Any], None]) -> None:
    """Offer the public stream parser to replay providers (through the core)."""
    from tradeport_okx.websocket.frames import frame_parser_spec

    register(frame_parser_spec())


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The OKX mock venue harness for the conformance suite."""
    if venue != VENUE_NAME:
        return None
    from tradeport_okx.testing import OkxHarness

    return OkxHarness
