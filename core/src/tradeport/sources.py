"""Sources: recorded events read back as the same domain objects, in order.

::

    async with tradeport.open_source("parquet:/data/ticks") as source:     # or redis://, nats://
        async for event in source.events():      # QuoteTick, TradeTick, OrderBookDeltas, ...
            ...

The shape is :func:`tradeport.open_venue`'s (``async with ... as x: async for e in
x.events()``), so a strategy consumes a recording, or a venue fanned out through Redis or NATS
on another machine, exactly as it consumes the venue itself.

Each sink plugin (``tradeport.sinks`` entry points) provides the source for its URLs; see
:mod:`tradeport.sinks`. Filters every source understands: ``venues`` (venue ids),
``types`` (type names such as ``"QuoteTick"``) and, for the live network sources,
``follow`` (keep waiting for new events, default True for redis/nats, False for parquet).
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import AsyncIterator, Collection
from typing import Any

from tradeport.sinks import Deduplicator, EventId, UnknownSink, find_sink_spec

__all__ = ["Source", "open_source"]


class Source(abc.ABC):
    """Recorded events, in order. ``async with`` opens it; :meth:`events` yields them."""

    def __init__(
        self,
        url: str,
        *,
        venues: Collection[str] | None = None,
        types: Collection[str] | None = None,
    ) -> None:
        self.url = url
        self.venues = {v.upper() for v in venues} if venues else None
        self.types = set(types) if types else None
        #: Drops redeliveries of at-least-once sinks (by event id).
        self.dedup = Deduplicator()
        #: Events yielded so far.
        self.count = 0

    def wanted(self, venue: str, type_name: str) -> bool:
        """Whether the ``venues`` and ``types`` filters let a stream of this venue and type in."""
        return (self.venues is None or venue in self.venues) and (
            self.types is None or type_name in self.types
        )

    async def __aenter__(self) -> Source:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:  # noqa: B027 - optional
        """Connect or open the files."""

    async def close(self) -> None:  # noqa: B027 - optional
        """Release everything."""

    @abc.abstractmethod
    def records(self) -> AsyncIterator[tuple[EventId, Any]]:
        """Every stored ``(event id, event)``, in order, redeliveries included."""

    async def events(self) -> AsyncIterator[Any]:
        """The recorded events in order, each once."""
        async for event_id, event in self.records():
            if self.dedup.first_time(event_id):
                self.count += 1
                yield event


@contextlib.asynccontextmanager
async def open_source(
    url: str, *, registry: Any | None = None, **options: Any
) -> AsyncIterator[Source]:
    """Open the source for ``url`` (``parquet:DIR``, ``redis://HOST:PORT``, ``nats://HOST:PORT``).

    ``options`` go to the source (``venues=``, ``types=``, ``follow=``, sink-specific ones).
    Raises :class:`tradeport.sinks.UnknownSink` when no installed sink serves the scheme.
    """
    spec = find_sink_spec(url, registry)
    if spec.open_source is None:
        raise UnknownSink(f"the {spec.name} sink cannot be read back ({url})", field="url")
    async with spec.open_source(url, options) as source:
        yield source
