"""The hook implementations of a venue plugin, built once from lazy import paths.

Every venue plugin answers the hooks the same way: it registers its :class:`VenueSpec`, and when
the session asks for *its* venue it imports one class and constructs it; for any other venue it
answers ``None``. :class:`VenuePlugin` writes those hook functions once, so that a plugin's
``plugin.py`` (the module its ``tradeport.venues`` entry point names) says only *what* it
provides::

    # tradeport_acme/plugin.py (VENUE_SPEC: the plugin's VenueSpec, from its own spec module)
    from tradeport.venue_plugin import VenuePlugin

    VenuePlugin(
        VENUE_SPEC,
        instrument_provider="tradeport_acme.providers:AcmeInstrumentProvider",
        data_client="tradeport_acme.data:AcmeDataClient",
        execution_client="tradeport_acme.execution:AcmeExecutionClient",
        frame_parsers="tradeport_acme.websocket.frames:frame_parser_spec",
        harness="tradeport_acme.testing:AcmeHarness",
    ).export(globals())

Why import paths and not classes: importing the clients pulls in the network stack, the parsers
and the venue's dependencies. ``tradeport plugins`` and session start-up load every installed
plugin module, so a plugin module imports nothing but its spec; each client module is imported
only when a session asks for that venue's client.

Why :meth:`VenuePlugin.export` writes module attributes: pluggy finds hook implementations as
attributes of the registered object, and the entry point names the module. A plugin that needs
a hook this class does not write (or writes differently) defines it in the same module with
``@hookimpl`` as usual, and leaves that hook out of the constructor.

The construction conventions (the factory named by each path is called like this):

- ``instrument_provider``: ``factory(*factory_args, config, events=events, **client_kwargs)``
- ``data_client`` / ``execution_client``:
  ``factory(*factory_args, config, instruments=instruments, events=events, **client_kwargs)``
- ``replay_source``: ``factory(config, instruments=instruments, frames=frames)``
- ``frame_parsers``: ``register(factory())`` (a function returning a ``FrameParserSpec``)
- ``harness``: the class itself (not called), or a mapping of names to paths for a venue with
  several harnesses (one per account type), answered as a mapping of names to classes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from tradeport.hookspecs import hookimpl
from tradeport.venue import VenueSpec

__all__ = ["VenuePlugin", "load_path"]


def load_path(path: str) -> Any:
    """Import ``"package.module:attribute"`` and return the attribute.

    :raises ValueError: the path is not of that form (names the path).
    :raises ImportError / AttributeError: the module or the attribute does not exist (names it).
    """
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"import path {path!r} is not of the form 'package.module:attribute'")
    module = importlib.import_module(module_name)
    try:
        target = module
        for part in attribute.split("."):
            target = getattr(target, part)
    except AttributeError:
        raise AttributeError(f"module {module_name!r} has no attribute {attribute!r}") from None
    return target


class VenuePlugin:
    """Builds the standard hook implementations of one venue (see the module docstring).

    :param spec: the venue's spec, or an import path to it (``"pkg.spec:VENUE_SPEC"``).
    :param factory_args: positional arguments given to the provider and client factories before
        ``config`` (for clients whose first argument is the venue name, e.g. ``("bitmex",)``).
    :param client_kwargs: keyword arguments given to the provider and client factories besides
        the standard ones (e.g. ``{"capabilities": CAPABILITIES}``).
    The remaining parameters are import paths; a hook whose path is ``None`` is not written.
    """

    def __init__(
        self,
        spec: VenueSpec | str,
        *,
        instrument_provider: str | None = None,
        data_client: str | None = None,
        execution_client: str | None = None,
        replay_source: str | None = None,
        frame_parsers: str | None = None,
        harness: str | Mapping[str, str] | None = None,
        factory_args: tuple[Any, ...] = (),
        client_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self._spec = spec
        self.instrument_provider = instrument_provider
        self.data_client = data_client
        self.execution_client = execution_client
        self.replay_source = replay_source
        self.frame_parsers = frame_parsers
        self.harness = harness
        self.factory_args = tuple(factory_args)
        self.client_kwargs = dict(client_kwargs or {})
        if not isinstance(spec, (VenueSpec, str)):
            raise TypeError(
                f"spec must be a VenueSpec or an import path string, not {type(spec).__name__}"
            )
        # Fail at import of the plugin module, naming the path, not later at registration.
        if isinstance(spec, str) and ":" not in spec:
            raise ValueError(f"spec {spec!r} is not of the form 'package.module:attribute'")
        for field, path in (
            ("instrument_provider", instrument_provider),
            ("data_client", data_client),
            ("execution_client", execution_client),
            ("replay_source", replay_source),
            ("frame_parsers", frame_parsers),
        ):
            if path is not None and (not isinstance(path, str) or ":" not in path):
                raise ValueError(
                    f"{field}={path!r} is not an import path of the form 'package.module:attribute'"
                )

    @property
    def spec(self) -> VenueSpec:
        """The venue's spec (imported on first use when given as a path)."""
        if isinstance(self._spec, str):
            spec = load_path(self._spec)
            if not isinstance(spec, VenueSpec):
                raise TypeError(f"{self._spec!r} is a {type(spec).__name__}, not a VenueSpec")
            self._spec = spec
        return self._spec

    @property
    def name(self) -> str:
        """The venue name the session asks for (``VenueSpec.name``)."""
        return self.spec.name

    def hookimpls(self) -> dict[str, Callable[..., Any]]:
        """The hook implementations, by hook name (only the hooks this plugin provides)."""
        hooks: dict[str, Callable[..., Any]] = {}
        plugin = self

        @hookimpl
        def tradeport_register_venues(register: Callable[[VenueSpec], None]) -> None:
            register(plugin.spec)

        hooks["tradeport_register_venues"] = tradeport_register_venues

        if self.instrument_provider is not None:

            @hookimpl
            def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
                if venue != plugin.name:
                    return None
                factory = load_path(plugin.instrument_provider)  # type: ignore[arg-type]
                return factory(*plugin.factory_args, config, events=events, **plugin.client_kwargs)

            hooks["tradeport_create_instrument_provider"] = tradeport_create_instrument_provider

        if self.data_client is not None:

            @hookimpl
            def tradeport_create_data_client(
                venue: str, config: Any, instruments: Any, events: Any
            ) -> Any:
                if venue != plugin.name:
                    return None
                return plugin._client(plugin.data_client, config, instruments, events)

            hooks["tradeport_create_data_client"] = tradeport_create_data_client

        if self.execution_client is not None:

            @hookimpl
            def tradeport_create_execution_client(
                venue: str, config: Any, instruments: Any, events: Any
            ) -> Any:
                if venue != plugin.name:
                    return None
                return plugin._client(plugin.execution_client, config, instruments, events)

            hooks["tradeport_create_execution_client"] = tradeport_create_execution_client

        if self.replay_source is not None:

            @hookimpl
            def tradeport_create_replay_source(
                venue: str, config: Any, instruments: Any, frames: Any
            ) -> Any:
                if venue != plugin.name:
                    return None
                factory = load_path(plugin.replay_source)  # type: ignore[arg-type]
                return factory(config, instruments=instruments, frames=frames)

            hooks["tradeport_create_replay_source"] = tradeport_create_replay_source

        if self.frame_parsers is not None:

            @hookimpl
            def tradeport_register_frame_parsers(register: Callable[[Any], None]) -> None:
                register(load_path(plugin.frame_parsers)())  # type: ignore[arg-type]

            hooks["tradeport_register_frame_parsers"] = tradeport_register_frame_parsers

        if self.harness is not None:

            @hookimpl
            def tradeport_conformance_harness(venue: str) -> Any:
                if venue != plugin.name:
                    return None
                if isinstance(plugin.harness, str):
                    return load_path(plugin.harness)
                return {key: load_path(path) for key, path in plugin.harness.items()}  # type: ignore[union-attr]

            hooks["tradeport_conformance_harness"] = tradeport_conformance_harness

        return hooks

    def _client(self, path: str | None, config: Any, instruments: Any, events: Any) -> Any:
        factory = load_path(path)  # type: ignore[arg-type]
        return factory(
            *self.factory_args,
            config,
            instruments=instruments,
            events=events,
            **self.client_kwargs,
        )

    def export(self, namespace: dict[str, Any]) -> None:
        """Write the hook implementations into a plugin module's namespace (``globals()``),
        where pluggy finds them; also ``namespace["VENUE_PLUGIN"] = self``. A hook the module
        already defines is left alone (the module's own definition wins)."""
        for name, function in self.hookimpls().items():
            function.__module__ = namespace.get("__name__", function.__module__)
            namespace.setdefault(name, function)
        namespace["VENUE_PLUGIN"] = self
