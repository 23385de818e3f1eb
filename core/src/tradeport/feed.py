"""A selected live feed from one venue: what ``tradeport stream`` and ``tradeport record`` read.

:func:`open_feed` opens a session on a venue (or, with ``sandbox=True``, on the plugin's own
mock venue on loopback driven by a seeded random-walk market), loads the instruments, resolves
the symbols the user named, subscribes, and hands back a :class:`Feed` whose
:meth:`Feed.events` yields the normalized events::

    selection = Selection(quotes=["BTCUSDT"], books=["BTCUSDT"], depth=5)
    async with open_feed("binance", selection, sandbox=True) as feed:
        async for event in feed.events():
            print(event)

The sandbox needs ``tradeport-conformance`` (the mock venues run on its SimulatedExchange);
without it :class:`SandboxUnavailable` says what to install.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

import anyio
import attrs

from tradeport.clients.base import Reconnected
from tradeport.model.data import BarType
from tradeport.model.identifiers import InstrumentId
from tradeport.plugins import PluginRegistry, UnknownVenue, load_plugins

__all__ = [
    "Feed",
    "FeedError",
    "SandboxUnavailable",
    "Selection",
    "UnknownSymbol",
    "UnknownVenue",
    "open_feed",
]

#: Bar specifications accepted after ``SYM:`` in ``--bars`` (the source is always EXTERNAL).
BAR_SPEC_EXAMPLE = "1-MINUTE-LAST"
#: How many known symbols an "unknown symbol" message names before it says "and N more".
KNOWN_SHOWN = 20


class FeedError(Exception):
    """The feed cannot be opened as asked (a usage problem: the CLI exits with code 2)."""


class UnknownSymbol(FeedError):
    """A symbol the venue does not list. The message names the known ones."""

    def __init__(self, venue: str, symbol: str, known: Sequence[str]) -> None:
        shown = ", ".join(known[:KNOWN_SHOWN]) or "none"
        if len(known) > KNOWN_SHOWN:
            shown += f" and {len(known) - KNOWN_SHOWN} more"
        super().__init__(f"unknown symbol {symbol!r} on {venue}; known symbols: {shown}")
        self.symbol = symbol
        self.known = list(known)


class SandboxUnavailable(FeedError):
    """The sandbox cannot run: tradeport-conformance is missing, or the plugin ships no harness."""


@attrs.frozen(kw_only=True)
class Selection:
    """What to subscribe to, by the symbols the user typed (``BTCUSDT`` or ``BTCUSDT.BINANCE``).

    ``bars`` entries are ``SYM:SPEC`` (``BTCUSDT:1-MINUTE-LAST``).
    """

    quotes: Sequence[str] = ()
    trades: Sequence[str] = ()
    books: Sequence[str] = ()
    depth: int | None = None
    bars: Sequence[str] = ()

    def is_empty(self) -> bool:
        return not (self.quotes or self.trades or self.books or self.bars)


@attrs.frozen
class ResolvedSelection:
    """A :class:`Selection` with instrument ids and bar types."""

    quotes: tuple[InstrumentId, ...]
    trades: tuple[InstrumentId, ...]
    books: tuple[InstrumentId, ...]
    depth: int | None
    bars: tuple[BarType, ...]


def split_bar_argument(value: str) -> tuple[str, str]:
    """``"BTCUSDT:1-MINUTE-LAST"`` -> ``("BTCUSDT", "1-MINUTE-LAST")``; FeedError when malformed."""
    symbol, colon, spec = value.rpartition(":")
    if not colon or not symbol or not spec:
        raise FeedError(f"--bars {value!r} is not SYM:SPEC (e.g. BTCUSDT:{BAR_SPEC_EXAMPLE})")
    return symbol, spec


def resolve_symbol(venue: str, symbol: str, ids: Iterable[InstrumentId]) -> InstrumentId:
    """The instrument ``symbol`` names: a full id (``BTCUSDT-PERP.BINANCE``) or a venue symbol
    (``BTCUSDT``, compared exactly, then ignoring case). :class:`UnknownSymbol` otherwise."""
    ids = list(ids)
    for iid in ids:
        if str(iid) == symbol:
            return iid
    for matches in (
        [i for i in ids if i.symbol.value == symbol],
        [i for i in ids if i.symbol.value.lower() == symbol.lower()],
    ):
        if matches:
            return matches[0]
    raise UnknownSymbol(venue, symbol, sorted({i.symbol.value for i in ids}))


def resolve_selection(
    venue: str, selection: Selection, ids: Iterable[InstrumentId]
) -> ResolvedSelection:
    """Instrument ids and bar types for ``selection`` (UnknownSymbol / FeedError on bad input)."""
    from tradeport.errors import ValidationError
    from tradeport.model.data import BarSpecification
    from tradeport.model.enums import AggregationSource

    ids = list(ids)

    def each(symbols: Sequence[str]) -> tuple[InstrumentId, ...]:
        return tuple(dict.fromkeys(resolve_symbol(venue, s, ids) for s in symbols))

    bars = []
    for value in selection.bars:
        symbol, spec = split_bar_argument(value)
        iid = resolve_symbol(venue, symbol, ids)
        try:
            bars.append(BarType(iid, BarSpecification.from_str(spec), AggregationSource.EXTERNAL))
        except (ValidationError, ValueError) as exc:
            raise FeedError(f"--bars {value!r}: {exc} (e.g. {symbol}:{BAR_SPEC_EXAMPLE})") from None
    if selection.depth is not None and selection.depth < 1:
        raise FeedError(f"--depth {selection.depth} must be at least 1")
    return ResolvedSelection(
        each(selection.quotes),
        each(selection.trades),
        each(selection.books),
        selection.depth,
        tuple(bars),
    )


class Feed:
    """An open, subscribed feed: its events, counters and (in the sandbox) the market driver."""

    def __init__(
        self, venue: Any, selection: ResolvedSelection, market: Any | None, harness: Any = None
    ) -> None:
        self.venue = venue
        self.selection = selection
        #: The sandbox's RandomWalkMarket, or None on a live venue.
        self.market = market
        #: The sandbox's running harness (mock venue and its controls), or None.
        self.harness = harness
        #: Events seen, by type name.
        self.counts: Counter[str] = Counter()
        self.reconnects = 0

    @property
    def name(self) -> str:
        return str(self.venue.name)

    async def events(self) -> AsyncIterator[Any]:
        """Every event of the session, counted (Reconnected signals included), until closed."""
        async for event in self.venue.events():
            self.counts[type(event).__name__] += 1
            if isinstance(event, Reconnected):
                self.reconnects += 1
            yield event

    def summary(self) -> str:
        total = sum(self.counts.values())
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) or "none"
        return f"{total} events ({kinds}); reconnects {self.reconnects}"


def _harness_factory(registry: PluginRegistry, name: str, account: str | None) -> Any:
    if importlib.util.find_spec("tradeport_conformance") is None:
        raise SandboxUnavailable(
            "--sandbox runs the plugin's mock venue, which needs tradeport-conformance: "
            "pip install tradeport-conformance"
        )
    try:
        answer = registry.hook.tradeport_conformance_harness(venue=name)
    except ImportError as exc:
        raise SandboxUnavailable(
            f"--sandbox: the {name} mock venue cannot be imported ({exc}); "
            "pip install tradeport-conformance"
        ) from None
    if answer is None:
        raise SandboxUnavailable(f"--sandbox: the {name} plugin ships no mock venue (harness)")
    if isinstance(answer, Mapping):
        wanted = account or next(iter(answer))
        if wanted not in answer:
            raise FeedError(
                f"--account {wanted!r}: {name} has account types {', '.join(map(str, answer))}"
            )
        answer = answer[wanted]
    elif account is not None:
        raise FeedError(f"--account {account!r}: {name} has one account type only")
    return answer if callable(answer) else (lambda: answer)


@contextlib.asynccontextmanager
async def open_feed(
    name: str,
    selection: Selection,
    *,
    sandbox: bool = False,
    config: Mapping[str, Any] | None = None,
    toml_path: str | None = None,
    account: str | None = None,
    seed: int = 1,
    interval: float = 0.1,
    registry: PluginRegistry | None = None,
) -> AsyncIterator[Feed]:
    """Open venue ``name``, subscribe to ``selection`` and yield the :class:`Feed`.

    :param sandbox: run the plugin's mock venue on loopback with a random-walk market
        (``seed``, one step every ``interval`` seconds) instead of the real venue.
    :param config: venue config values (live only; the sandbox configures itself).
    :param account: the sandbox account type for plugins with several (binance: spot, usdm...).
    :raises UnknownVenue, UnknownSymbol, FeedError, SandboxUnavailable: before anything streams.
    """
    from tradeport.session import open_venue

    registry = registry if registry is not None else load_plugins()
    registry.venue(name)  # UnknownVenue names the installed ones
    if selection.is_empty():
        raise FeedError("nothing selected: give --quotes, --trades, --book or --bars")
    async with contextlib.AsyncExitStack() as stack:
        harness = None
        if sandbox:
            factory = _harness_factory(registry, name, account)
            harness = await stack.enter_async_context(factory())
            config = harness.client_config("none")
        venue = await stack.enter_async_context(
            open_venue(name, config, registry=registry, toml_path=toml_path)
        )
        await venue.instruments.load_all()
        resolved = resolve_selection(name, selection, [i.id for i in venue.instruments.list_all()])
        market = None
        tasks = await stack.enter_async_context(anyio.create_task_group())
        if harness is not None:
            from tradeport_conformance.market import MarketFeeds, RandomWalkMarket

            feeds = MarketFeeds(
                resolved.quotes,
                resolved.trades,
                resolved.books,
                [b.instrument_id for b in resolved.bars],
            )
            instruments = {iid: venue.instruments.get(iid) for iid in feeds.instruments()}
            market = RandomWalkMarket(harness, instruments, feeds, seed=seed, interval=interval)
            await market.prime()
        data = venue.data
        for iid in resolved.quotes:
            await data.subscribe_quotes(iid)
        for iid in resolved.trades:
            await data.subscribe_trades(iid)
        for iid in resolved.books:
            await data.subscribe_book_deltas(iid, resolved.depth)
        for bar_type in resolved.bars:
            await data.subscribe_bars(bar_type)
        if market is not None:
            tasks.start_soon(market.run)
        try:
            yield Feed(venue, resolved, market, harness)
        finally:
            tasks.cancel_scope.cancel()
