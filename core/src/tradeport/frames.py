"""Raw-frame parsers offered across plugins: "parse one frame of my venue's stream".

A replay provider (Tardis) holds recordings of other venues' streams, frame by frame, as the
venue sent them. To turn a recorded Binance feed into exactly what the Binance plugin produces
live, it needs the Binance plugin's parser, and no plugin may import another. So a venue plugin
offers its stream parser through the core::

    @hookimpl
    def tradeport_register_frame_parsers(register):
        register(FrameParserSpec(venue="binance", channels=("trade", "bookTicker", ...),
                                 factory=make_parser))

and anyone (a replay source, a test, a notebook) asks the core for it::

    parsers = tradeport.frames.FrameParsers.from_registry(registry)
    parser = parsers.create("binance", instruments)          # instruments: their precision
    events = parser.parse(frame, ts_init=recorded_arrival_ns)  # QuoteTick, TradeTick, ...

The contract of a parser:

* ``parse(frame, ts_init, channel=None)`` takes one frame as the venue sent it (``bytes`` or
  ``str``, the WebSocket message's text) and returns the domain events the plugin's data
  client publishes live for it, in order: same types, same values, ``ts_init`` set to the
  given arrival time (a recording's local timestamp; live it is the parse time). A frame that
  carries its channel (Binance's combined ``{"stream": .., "data": ..}``) routes itself;
  otherwise ``channel`` names it (one of the spec's ``channels``).
* A frame that produces no event (a subscription ack, a heartbeat, an open kline the client
  would not publish) returns ``[]``. A frame the parser cannot read raises
  :class:`~tradeport.errors.ValidationError` naming what is wrong; an instrument not among
  those given raises :class:`~tradeport.errors.UnknownInstrument`.
* Stateless across frames except for caches, and pure (no I/O): so it replays anywhere.
* Order books: a parser returns each depth frame's deltas as the venue sent them
  (``OrderBookDeltas``, not synchronised); a consumer that keeps a book applies them after a
  snapshot (a recorded snapshot frame, where the recording has one), as the live client does
  with its REST snapshot.

This module is on no hot path of a live session; it imports the model lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from tradeport.errors import TradeportError

if TYPE_CHECKING:
    from tradeport.model.instruments import Instrument
    from tradeport.plugins import PluginRegistry

__all__ = ["FrameParser", "FrameParserSpec", "FrameParsers", "UnknownFrameParser"]


class FrameParser(Protocol):
    """Parses frames of one venue's stream into domain events (see the module docstring)."""

    def parse(self, frame: bytes | str, ts_init: int, channel: str | None = None) -> list[Any]: ...


#: Builds a parser from the instruments it may meet (their precisions) and, optionally, the
#: venue's config (an account type that changes how symbols map to instruments).
FrameParserFactory = Callable[[Sequence["Instrument"], Any], FrameParser]


def _channels(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class FrameParserSpec:
    """A venue plugin's offer: parsers for frames of ``venue``'s stream.

    :param venue: the venue name, as registered (``binance``).
    :param channels: the venue's own channel names the parser understands (``trade``,
        ``bookTicker``, ``depth``, ...), as a recording names them.
    :param factory: ``factory(instruments, config)`` returns a :class:`FrameParser`.
    :param description: shown by ``tradeport info``.
    """

    venue: str
    channels: tuple[str, ...] = attrs.field(converter=_channels)
    factory: FrameParserFactory
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.channels:
            raise ValueError(f"FrameParserSpec for {self.venue!r} names no channels")


class UnknownFrameParser(TradeportError, LookupError):
    """No installed plugin offers a frame parser for the venue (or the channel)."""

    def __init__(self, venue: str, detail: str) -> None:
        super().__init__(f"no raw-frame parser for {venue!r}: {detail}")
        self.venue = venue


class FrameParsers:
    """The raw-frame parsers the loaded plugins offer, by venue name."""

    def __init__(self, specs: Mapping[str, FrameParserSpec]) -> None:
        self._specs = dict(specs)

    @classmethod
    def from_registry(cls, registry: PluginRegistry | None = None) -> FrameParsers:
        """Collect every plugin's ``tradeport_register_frame_parsers`` offers (default: the
        installed plugins). Two offers for one venue: the first plugin (by name) wins."""
        import logging

        from tradeport.plugins import load_plugins

        registry = registry if registry is not None else load_plugins()
        specs: dict[str, FrameParserSpec] = {}
        for info in registry.plugins:
            impl = getattr(
                registry.pm.get_plugin(info.name), "tradeport_register_frame_parsers", None
            )
            if info.status != "ok" or impl is None:
                continue
            offered: list[Any] = []
            try:
                impl(register=offered.append)
                for spec in offered:
                    if not isinstance(spec, FrameParserSpec):
                        raise TypeError(
                            f"register() got {type(spec).__name__}, expected FrameParserSpec"
                        )
            except Exception as exc:  # one plugin's broken offer never hides the others'
                logging.getLogger("tradeport.frames").warning(
                    "plugin %s: tradeport_register_frame_parsers failed: %s: %s",
                    info.name,
                    type(exc).__name__,
                    exc,
                )
                continue
            for spec in offered:
                specs.setdefault(spec.venue, spec)
        return cls(specs)

    def venues(self) -> list[str]:
        """The venues with a parser, sorted."""
        return sorted(self._specs)

    def spec(self, venue: str) -> FrameParserSpec:
        """The offer for ``venue``; :class:`UnknownFrameParser` lists the venues there are."""
        try:
            return self._specs[venue]
        except KeyError:
            offered = ", ".join(self.venues()) or "none"
            raise UnknownFrameParser(venue, f"offered for: {offered}") from None

    def create(
        self,
        venue: str,
        instruments: Iterable[Instrument],
        *,
        config: Any = None,
        channels: Iterable[str] = (),
    ) -> FrameParser:
        """A parser for ``venue`` over ``instruments``; ``channels`` (optional) must all be
        among the offer's, else :class:`UnknownFrameParser` names the missing one."""
        spec = self.spec(venue)
        missing = [c for c in channels if c not in spec.channels]
        if missing:
            raise UnknownFrameParser(
                venue, f"channel {missing[0]!r} is not among {', '.join(spec.channels)}"
            )
        return spec.factory(tuple(instruments), config)
