"""The hook specifications a venue plugin implements.

A plugin module (the object its ``tradeport.venues`` entry point names) defines functions with
these names, decorated with :data:`hookimpl`, the one name plugins import::

    from tradeport import hookimpl

    @hookimpl
    def tradeport_register_venues(register):
        register(VenueSpec(name="acme", venue_id="ACME", kind="EXCHANGE", ...))

Hooks only hand objects over; behaviour lives in classes (the clients, the harness). The
``tradeport_create_*`` hooks are called with the venue's name; a plugin returns None for venues
it does not provide, and the first non-None answer wins.

Every hook here is listed on docs/hooks.md and has a test (tests/test_hooks_meta.py enforces both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from tradeport.clients.base import DataClient, EventSink, ExecutionClient, InstrumentProvider
    from tradeport.frames import FrameParsers, FrameParserSpec
    from tradeport.replay import ReplaySource
    from tradeport.sinks import SinkSpec
    from tradeport.venue import VenueSpec

PROJECT = "tradeport"

hookspec = pluggy.HookspecMarker(PROJECT)
#: The decorator plugins use on their hook implementations.
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["hookimpl", "hookspec", "PROJECT"]


@hookspec
def tradeport_register_venues(register: Callable[[VenueSpec], None]) -> None:
    """Register the venues this plugin provides.

    Call ``register`` once per venue with a :class:`tradeport.venue.VenueSpec` holding its name,
    venue id, kind, capabilities, config type, environment variables and default URLs.

    :param register: callable taking one VenueSpec.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def tradeport_create_instrument_provider(
    venue: str, config: Any, events: EventSink
) -> InstrumentProvider | None:
    """Create the instrument provider (instrument loading) for ``venue``.

    :param venue: the venue name, as registered.
    :param config: the venue's config, an instance of its registered ``config_type``.
    :param events: where the provider may publish instrument updates.
    :return: an InstrumentProvider, or None when this plugin does not provide ``venue``.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def tradeport_create_data_client(
    venue: str, config: Any, instruments: InstrumentProvider, events: EventSink
) -> DataClient | None:
    """Create the market data client for ``venue``.

    :param venue: the venue name, as registered.
    :param config: the venue's config instance.
    :param instruments: the provider created for the same session (shared instrument cache).
    :param events: where the client publishes normalized market data and reconnect signals.
    :return: a DataClient, or None when this plugin does not provide ``venue``.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: InstrumentProvider, events: EventSink
) -> ExecutionClient | None:
    """Create the execution client for ``venue``.

    :param venue: the venue name, as registered.
    :param config: the venue's config instance.
    :param instruments: the provider created for the same session.
    :param events: where the client publishes order events and reports.
    :return: an ExecutionClient, or None when this plugin does not provide ``venue`` (or the
        venue offers no execution).

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def tradeport_conformance_harness(venue: str) -> Any:
    """Hand the conformance suite the venue's harness (its mock venue and controls).

    Implementations should import their harness module lazily inside the hook so that normal use
    of the plugin never imports test code.

    :param venue: the venue name, as registered.
    :return: a ``tradeport_conformance.VenueHarness`` (an instance or a zero-argument factory);
        or, for a venue with several account types, a mapping of names to such factories
        (``{"spot": SpotHarness, "usdm": FuturesHarness}``: ``tradeport conformance`` runs
        each, ``--harness NAME`` picks one); or None when this plugin does not provide ``venue``.

    .. versionadded:: 0.1
    """


@hookspec
def tradeport_register_frame_parsers(register: Callable[[FrameParserSpec], None]) -> None:
    """Offer this plugin's raw-frame parsers: "parse one frame of my venue's stream".

    Call ``register`` once per venue with a :class:`tradeport.frames.FrameParserSpec`: the
    venue name, the stream channels it understands, and a factory
    ``factory(instruments, config) -> FrameParser`` whose ``parse(frame, ts_init, channel)``
    returns exactly the events the plugin's data client publishes live for that frame. Replay
    providers reach it through the core (:class:`tradeport.frames.FrameParsers`), never by
    importing the plugin. Import the parser modules inside the factory.

    :param register: callable taking one FrameParserSpec.

    .. versionadded:: 0.2
    """


@hookspec(firstresult=True)
def tradeport_create_replay_source(
    venue: str, config: Any, instruments: InstrumentProvider, frames: FrameParsers
) -> ReplaySource | None:
    """Create the replay source of ``venue``: its data from the past, for ``open_replay``.

    A venue that declares ``Capabilities.replay`` implements it (Tardis, Databento historical
    and intraday replay). The source yields the same event objects a live session yields,
    ordered as asked (:class:`tradeport.replay.ReplayRequest`).

    :param venue: the venue name, as registered.
    :param config: the venue's config instance.
    :param instruments: the provider created for the same replay session.
    :param frames: the raw-frame parsers other plugins offer (a replay of recorded venue
        frames parses them with the recorded venue's own parser).
    :return: a :class:`tradeport.replay.ReplaySource`, or None when this plugin does not
        provide ``venue``.

    .. versionadded:: 0.2
    """


# -- event sinks (plugins in the ``tradeport.sinks`` entry-point group) --------------------------


@hookspec
def tradeport_register_sinks(register: Callable[[SinkSpec], None]) -> None:
    """Register the event sinks (and their sources) this plugin provides.

    Sink plugins are found through the ``tradeport.sinks`` entry-point group. Call
    ``register`` once per sink with a :class:`tradeport.sinks.SinkSpec`: its name, the URL
    schemes it serves (``("parquet",)``, ``("redis", "rediss")``), and the factories that build
    its :class:`tradeport.sinks.Sink` and :class:`tradeport.sources.Source` from a URL and
    options. Import heavy client libraries inside the factories, not at module level.

    :param register: callable taking one SinkSpec.

    .. versionadded:: 0.2
    """
