"""``open_venue``: one call that wires a venue plugin's provider and clients together.

::

    async with tradeport.open_venue("binance", {"testnet": True}) as venue:
        await venue.instruments.load_all()
        await venue.data.subscribe_quotes(InstrumentId.from_str("BTCUSDT.BINANCE"))
        async for event in venue.events():
            print(event)

Events (market data, order events, reports, :class:`~tradeport.clients.base.Reconnected`
signals) flow through one bounded anyio memory stream: when the consumer falls behind, the
clients' ``emit`` waits, so nothing is dropped and memory stays bounded. Works on asyncio and
trio.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from tradeport.clients.base import DataClient, ExecutionClient, InstrumentProvider
from tradeport.config import load_config
from tradeport.errors import PluginError, UnsupportedOperation
from tradeport.plugins import PluginRegistry, load_plugins
from tradeport.venue import VenueSpec

__all__ = ["Venue", "open_venue", "venue_config"]


class Venue:
    """A venue session: its spec, config, provider, clients and event stream."""

    def __init__(
        self,
        spec: VenueSpec,
        config: Any,
        instruments: InstrumentProvider,
        data: DataClient | None,
        execution: ExecutionClient | None,
        receive: MemoryObjectReceiveStream[Any],
    ) -> None:
        self.spec = spec
        self.config = config
        self.instruments = instruments
        self._data = data
        self._execution = execution
        self._receive = receive

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def capabilities(self) -> Any:
        return self.spec.capabilities

    @property
    def data(self) -> DataClient:
        if self._data is None:
            raise PluginError(self.spec.name, "provides no data client")
        return self._data

    @property
    def execution(self) -> ExecutionClient:
        """The execution client. A data-only venue has none, by declaration:
        :class:`~tradeport.errors.UnsupportedOperation` says so."""
        if self._execution is None:
            if self.spec.data_only:
                raise UnsupportedOperation(
                    self.spec.name,
                    "execution",
                    "a data-only venue (Capabilities.data_only): it takes no orders",
                )
            raise PluginError(self.spec.name, "provides no execution client")
        return self._execution

    @property
    def has_execution(self) -> bool:
        """Whether the session has an execution client (False for a data-only venue)."""
        return self._execution is not None

    async def resolve(self, query: Any) -> Any:
        """The instrument ``query`` names (``InstrumentProvider.resolve``): await it before
        subscribing or ordering where instruments must be looked up first (brokers,
        symbology services); raises AmbiguousInstrument with every candidate."""
        return await self.instruments.resolve(query)

    async def events(self) -> AsyncIterator[Any]:
        """Every event the clients publish, in order, until the session closes."""
        async for event in self._receive:
            yield event

    async def next_event(self, timeout: float | None = None) -> Any:
        """The next event; TimeoutError after ``timeout`` seconds."""
        with anyio.fail_after(timeout):
            return await self._receive.receive()


def venue_config(
    spec: VenueSpec,
    name: str,
    config: Mapping[str, Any] | Any | None,
    *,
    toml_path: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Any:
    """The venue's config from a dict, an instance or None (defaults plus environment), and
    a TOML file's ``[<name>]`` table (``open_venue`` and ``open_replay`` share it)."""
    if spec.config_type is None:
        return config
    return load_config(
        spec.config_type,
        config,
        toml_path=toml_path,
        toml_table=name if toml_path else None,
        env_vars=spec.env_vars,
        environ=environ,
    )


@contextlib.asynccontextmanager
async def open_venue(
    name: str,
    config: Mapping[str, Any] | Any | None = None,
    *,
    registry: PluginRegistry | None = None,
    toml_path: str | None = None,
    event_buffer: int = 10_000,
    connect: bool = True,
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[Venue]:
    """Open a session on venue ``name`` (as registered by an installed plugin).

    :param config: a dict (structured into the venue's config type), a config instance, or None
        for defaults plus environment variables.
    :param registry: plugins already loaded (default: load the installed ones).
    :param toml_path: a TOML file with a ``[<name>]`` table of config values.
    :param event_buffer: capacity of the event stream; producers wait when it is full.
    :param connect: connect the data and execution clients on entry (and disconnect on exit).
    """
    registry = registry if registry is not None else load_plugins(environ)
    spec = registry.venue(name)
    cfg = venue_config(spec, name, config, toml_path=toml_path, environ=environ)
    send: MemoryObjectSendStream[Any]
    receive: MemoryObjectReceiveStream[Any]
    send, receive = anyio.create_memory_object_stream(max_buffer_size=event_buffer)
    hook = registry.hook
    instruments = hook.tradeport_create_instrument_provider(venue=name, config=cfg, events=send)
    if instruments is None:
        instruments = InstrumentProvider(spec.venue_id, cfg, capabilities=spec.capabilities)
    data = hook.tradeport_create_data_client(
        venue=name, config=cfg, instruments=instruments, events=send
    )
    execution = None
    if not spec.data_only:  # a data-only venue is a declared fact, not a missing hook
        execution = hook.tradeport_create_execution_client(
            venue=name, config=cfg, instruments=instruments, events=send
        )
        if execution is None and spec.capabilities.execution:
            raise PluginError(
                name,
                "declares order capabilities but created no execution client "
                "(declare Capabilities(data_only=True) for a venue without execution)",
            )
    venue = Venue(spec, cfg, instruments, data, execution, receive)
    async with send, receive, contextlib.AsyncExitStack() as stack:
        for client in (instruments, data, execution):
            if client is None:
                continue
            # Disconnect on exit even when the caller connects by hand (connect=False): clients
            # hold HTTP pools from construction. disconnect() must be safe when not connected.
            stack.push_async_callback(client.disconnect)
            if connect:
                await client.connect()
        yield venue
