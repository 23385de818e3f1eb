"""``tradeport stream``: print a venue's normalized events as they arrive.

Registered by :mod:`tradeport.cli`; imported only when the command runs. The feed itself
(session, sandbox, symbol resolution, subscriptions) is :mod:`tradeport.feed`; this module is
the command line around it: arguments, output, Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import IO, Any

import anyio

from tradeport.book import OrderBook
from tradeport.clients.base import Reconnected
from tradeport.model.data import Bar, OrderBookDeltas, QuoteTick, TradeTick

__all__ = [
    "EventPrinter",
    "add_selection_arguments",
    "main_record",
    "main_replay",
    "main_stream",
    "run_until_interrupted",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

SELECTION_EXAMPLES = """\
  --quotes BTCUSDT ETHUSDT      best bid/ask of each symbol
  --trades BTCUSDT              public trades
  --book BTCUSDT --depth 5      a live order book (top 5 levels)
  --bars BTCUSDT:1-MINUTE-LAST  bars (SYM:STEP-AGGREGATION-PRICE_TYPE)
symbols are the venue's own (BTCUSDT) or full instrument ids (BTCUSDT-PERP.BINANCE)."""

STREAM_EPILOG = f"""\
examples:
  tradeport stream binance --sandbox --quotes BTCUSDT
      offline: the plugin's mock venue on loopback, with a seeded random-walk market
  tradeport stream binance --sandbox --book BTCUSDT --depth 5
      a live top-of-book view (redrawn in place on a terminal, one line per update otherwise)
  tradeport stream bybit --quotes BTCUSDT --trades BTCUSDT --json | jq .
      the real venue, JSON lines (one tagged event per line: {{"type": "QuoteTick", ...}})
  tradeport stream binance --sandbox --trades BTCUSDT --duration 10
      stop by itself after 10 seconds

selection:
{SELECTION_EXAMPLES}

Ctrl-C stops cleanly (exit code 0) and prints the event counts and reconnects to stderr.
Unknown venue or symbol: one line naming the known ones, exit code 2.
The sandbox needs tradeport-conformance (pip install tradeport-conformance)."""


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """The venue and selection flags ``stream`` and ``record`` share."""
    parser.add_argument("venue", help="venue name, as listed by 'tradeport plugins --verbose'")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run the plugin's own mock venue on loopback with a simulated market (offline)",
    )
    parser.add_argument(
        "--quotes", nargs="+", default=[], metavar="SYM", help="quote (top of book) streams"
    )
    parser.add_argument(
        "--trades", nargs="+", default=[], metavar="SYM", help="public trade streams"
    )
    parser.add_argument(
        "--book", action="append", default=[], metavar="SYM", help="order book (repeat for several)"
    )
    parser.add_argument(
        "--depth", type=int, default=None, metavar="N", help="book depth (levels a side)"
    )
    parser.add_argument(
        "--bars",
        action="append",
        default=[],
        metavar="SYM:SPEC",
        help="bars, e.g. BTCUSDT:1-MINUTE-LAST",
    )
    parser.add_argument(
        "--config", metavar="TOML", help="venue config file (a [VENUE] table); live only"
    )
    parser.add_argument(
        "--account", metavar="NAME", help="sandbox account type for venues with several (e.g. usdm)"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="sandbox market random seed (default 1)"
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=0.1,
        metavar="SECONDS",
        help="sandbox market: seconds between price steps (default 0.1)",
    )
    parser.add_argument(
        "--duration", type=float, default=None, metavar="SECONDS", help="stop after this long"
    )


def selection_from_args(args: argparse.Namespace) -> Any:
    from tradeport.feed import Selection

    return Selection(
        quotes=args.quotes, trades=args.trades, books=args.book, depth=args.depth, bars=args.bars
    )


def _clock(ts_ns: int) -> str:
    seconds, ns = divmod(ts_ns, 1_000_000_000)
    return time.strftime("%H:%M:%S", time.gmtime(seconds)) + f".{ns // 1000:06d}"


class EventPrinter:
    """Writes one event per line (compact text or JSON lines) and the live book view.

    ``--book`` on a terminal redraws the book in place; into a pipe or file it writes one line
    per book update with the best levels, so logs stay readable.
    """

    def __init__(
        self,
        out: IO[str],
        *,
        as_json: bool = False,
        depth: int | None = None,
        live: bool | None = None,
    ) -> None:
        self.out = out
        self.as_json = as_json
        self.depth = depth or 1
        self.live = out.isatty() if live is None else live
        self.books: dict[Any, OrderBook] = {}
        self._drawn_lines = 0

    def write(self, event: Any) -> None:
        if self.as_json:
            self.out.write(self.json_line(event) + "\n")
        elif isinstance(event, OrderBookDeltas):
            self._book(event)
        else:
            self._clear_view()
            self.out.write(self.text_line(event) + "\n")
        self.out.flush()

    def json_line(self, event: Any) -> str:
        import json

        from tradeport.model.serialization import to_tagged_dict

        if isinstance(event, Reconnected):
            data: dict[str, Any] = {
                "type": "Reconnected",
                "venue": event.venue,
                "stream": event.stream,
                "ts_event": event.ts_event,
            }
        else:
            try:
                data = to_tagged_dict(event)
            except TypeError:
                data = {"type": type(event).__name__, "repr": repr(event)}
        return json.dumps(data, separators=(",", ":"))

    def text_line(self, event: Any) -> str:
        if isinstance(event, QuoteTick):
            return (
                f"{_clock(event.ts_event)}  QUOTE  {event.instrument_id}  "
                f"bid {event.bid_price} x {event.bid_size}  ask {event.ask_price} x {event.ask_size}"
            )
        if isinstance(event, TradeTick):
            return (
                f"{_clock(event.ts_event)}  TRADE  {event.instrument_id}  "
                f"{event.aggressor_side.value:<7} {event.size} @ {event.price}  id={event.trade_id}"
            )
        if isinstance(event, Bar):
            return (
                f"{_clock(event.ts_event)}  BAR    {event.bar_type}  o={event.open} h={event.high} "
                f"l={event.low} c={event.close} v={event.volume}"
            )
        if isinstance(event, Reconnected):
            return f"{_clock(event.ts_event)}  RECONNECTED  {event.venue} {event.stream}"
        ts = getattr(event, "ts_event", None)
        stamp = _clock(ts) if isinstance(ts, int) else " " * 15
        return f"{stamp}  {type(event).__name__}  {event!r}"

    def _book(self, batch: OrderBookDeltas) -> None:
        book = self.books.get(batch.instrument_id)
        if book is None:
            book = self.books[batch.instrument_id] = OrderBook(batch.instrument_id)
        book.apply(batch)
        if self.live:
            self._draw(book, batch)
        else:
            self.out.write(self.book_line(book, batch) + "\n")

    def book_line(self, book: OrderBook, batch: OrderBookDeltas) -> str:
        bids, asks = book.depth(self.depth)
        bid = "  ".join(f"{lv.price} x {lv.size}" for lv in bids) or "-"
        ask = "  ".join(f"{lv.price} x {lv.size}" for lv in asks) or "-"
        kind = "snapshot" if batch.is_snapshot else f"{len(batch)} deltas"
        return f"{_clock(batch.ts_event)}  BOOK   {book.instrument_id}  bids {bid}  asks {ask}  ({kind})"

    def _draw(self, book: OrderBook, batch: OrderBookDeltas) -> None:
        bids, asks = book.depth(self.depth)
        rows = [f"{_clock(batch.ts_event)}  BOOK  {book.instrument_id}  (seq {batch.sequence})"]
        rows += [f"{'':>24}  {lv.price:>14}  {lv.size:<14} ask" for lv in reversed(asks)]
        rows += [f"{'bid':>10} {lv.size:>14}  {lv.price:>14}" for lv in bids]
        self._clear_view()
        self.out.write("\n".join(rows) + "\n")
        self._drawn_lines = len(rows)

    def _clear_view(self) -> None:
        if self._drawn_lines:
            # Move up over the last drawn book and clear to the end of the screen.
            self.out.write(f"\x1b[{self._drawn_lines}F\x1b[J")
            self._drawn_lines = 0


async def run_until_interrupted(body: Callable[[], Any], duration: float | None) -> None:
    """Run ``body()`` until it returns, ``duration`` passes, or SIGINT/SIGTERM arrives."""
    async with anyio.create_task_group() as tg:

        async def watch_signals() -> None:
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    tg.cancel_scope.cancel()
                    return

        async def run_body() -> None:
            with anyio.move_on_after(math.inf if duration is None else duration):
                await body()
            tg.cancel_scope.cancel()

        tg.start_soon(watch_signals)
        tg.start_soon(run_body)


def usage_error(command: str, exc: BaseException) -> int:
    """One line on stderr, exit code 2 (unknown venue, unknown symbol, bad flag value)."""
    message = exc.args[0] if exc.args else str(exc)
    print(f"tradeport {command}: {message}", file=sys.stderr)
    return EXIT_USAGE


def _unwrap(exc: BaseException) -> BaseException:
    """The one error inside nested task-group exception groups (or the group itself)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def run_command(command: str, body: Callable[[], Any]) -> int:
    """Run ``body`` and turn what it raises into the command's exit code and one stderr line:
    usage problems (unknown venue or symbol, bad flags) 2, venue/network errors 1; Ctrl-C and
    a closed stdout pipe (``| head``) end it normally."""
    import os

    from tradeport.errors import ConfigError, TradeportError
    from tradeport.feed import FeedError, UnknownVenue

    try:
        body()
    except BaseException as raised:
        exc = _unwrap(raised)
        if isinstance(exc, (UnknownVenue, FeedError, ConfigError)):
            return usage_error(command, exc)
        if isinstance(exc, KeyboardInterrupt):  # Ctrl-C before the signal watcher was installed
            return EXIT_OK
        if isinstance(exc, BrokenPipeError):
            # The reader went away: silence the interpreter's final flush of stdout.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK
        if isinstance(exc, (TradeportError, OSError, TimeoutError)):
            print(f"tradeport {command}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        raise
    return EXIT_OK


def _stream_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradeport stream",
        description=(
            "Print a venue's normalized market data as it arrives: a compact line per event, "
            "or JSON lines with --json."
        ),
        epilog=STREAM_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_selection_arguments(parser)
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per event (tagged with 'type')"
    )
    parser.add_argument(
        "--backend", choices=("asyncio", "trio"), default="asyncio", help=argparse.SUPPRESS
    )
    return parser


def main_stream(argv: Sequence[str]) -> int:
    """``tradeport stream VENUE ...``"""
    from tradeport.feed import open_feed

    args = _stream_parser().parse_args(list(argv))
    printer = EventPrinter(sys.stdout, as_json=args.json, depth=args.depth)
    state: dict[str, Any] = {}

    async def run() -> None:
        async with open_feed(
            args.venue,
            selection_from_args(args),
            sandbox=args.sandbox,
            toml_path=args.config,
            account=args.account,
            seed=args.seed,
            interval=args.interval,
        ) as feed:
            state["feed"] = feed
            _report_unsupported(feed)

            async def consume() -> None:
                async for event in feed.events():
                    printer.write(event)

            await run_until_interrupted(consume, args.duration)

    started = time.monotonic()
    code = run_command("stream", lambda: anyio.run(run, backend=args.backend))
    feed = state.get("feed")
    if feed is not None:
        print(
            f"stream {feed.name}: {feed.summary()} in {time.monotonic() - started:.1f} s",
            file=sys.stderr,
        )
    return code


def _report_unsupported(feed: Any) -> None:
    """Say once on stderr when the sandbox's mock venue lacks a control the selection needs."""
    if feed.market is not None:
        feed.market.on_unsupported = lambda kind, why: print(
            f"tradeport: sandbox publishes no {kind}: {why}", file=sys.stderr
        )


RECORD_EPILOG = f"""\
examples:
  tradeport record binance --sandbox --quotes BTCUSDT --trades BTCUSDT --to parquet:ticks
      Parquet files under ./ticks (one dataset per event type, partitioned venue/instrument/date)
  tradeport record bybit --book BTCUSDT-SPOT --depth 50 --to redis://localhost:6379
      one Redis stream per venue and event type (tradeport:BYBIT:OrderBookDeltas)
  tradeport record okx --trades BTC-USDT --to nats://localhost:4222
      one JetStream stream per venue and event type (subjects tradeport.OKX.TradeTick)
  tradeport replay parquet:ticks
      print what was recorded, like 'tradeport stream'

selection:
{SELECTION_EXAMPLES}

A status line on stderr shows events/s, files (or acknowledged batches), bytes and what is not
stored yet. Ctrl-C (or --duration) stops the feed, then flushes the sink before exiting 0."""


def _record_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradeport record",
        description="Record a venue's normalized events into a sink (Parquet, Redis Streams, NATS JetStream).",
        epilog=RECORD_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_selection_arguments(parser)
    parser.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="where: parquet:DIR, redis://HOST[:PORT], nats://HOST[:PORT] (installed sinks: 'tradeport plugins')",
    )
    parser.add_argument(
        "-o",
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a sink option, e.g. -o batch_size=1000 -o flush_interval=0.5 (see the sink's README)",
    )
    parser.add_argument(
        "--status-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="status line period (default 1)",
    )
    parser.add_argument(
        "--backend", choices=("asyncio", "trio"), default="asyncio", help=argparse.SUPPRESS
    )
    return parser


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


class StatusLine:
    """The recorder's progress on stderr: redrawn in place on a terminal, a line each period
    otherwise (so logs and tests can read it)."""

    def __init__(self, label: str, out: IO[str]) -> None:
        self.label = label
        self.out = out
        self.live = out.isatty()
        self.started = time.monotonic()
        self._last_events = 0
        self._last_time = self.started

    def text(self, stats: Any, *, rate: float) -> str:
        pending = stats.events - stats.stored
        return (
            f"{self.label}: {stats.events} events, {rate:.1f} events/s, {stats.files} files, "
            f"{_size(stats.bytes)}, stored {stats.stored}, pending {pending}"
            + (f", retries {stats.failures}" if stats.failures else "")
        )

    def show(self, stats: Any) -> None:
        now = time.monotonic()
        rate = (stats.events - self._last_events) / max(now - self._last_time, 1e-9)
        self._last_events, self._last_time = stats.events, now
        line = self.text(stats, rate=rate)
        self.out.write(f"\r\x1b[K{line}" if self.live else line + "\n")
        self.out.flush()

    def final(self, stats: Any, summary: str) -> None:
        elapsed = time.monotonic() - self.started
        if self.live:
            self.out.write("\n")
        self.out.write(
            f"{self.label}: stopped after {elapsed:.1f} s: {summary}; "
            + self.text(stats, rate=stats.events / max(elapsed, 1e-9)).split(": ", 1)[1]
            + "\n"
        )
        self.out.flush()


def sink_options(pairs: Sequence[str]) -> dict[str, Any]:
    """``["batch_size=10", "fsync=false"]`` -> ``{"batch_size": 10, "fsync": False}``."""
    from tradeport.feed import FeedError

    options: dict[str, Any] = {}
    for pair in pairs:
        key, eq, text = pair.partition("=")
        if not eq or not key:
            raise FeedError(f"-o {pair!r} is not KEY=VALUE")
        value: Any = text
        if text.lower() in ("true", "false"):
            value = text.lower() == "true"
        else:
            for kind in (int, float):
                try:
                    value = kind(text)
                    break
                except ValueError:
                    continue
        options[key] = value
    return options


def main_record(argv: Sequence[str]) -> int:
    """``tradeport record VENUE ... --to URL``"""
    from tradeport.feed import open_feed
    from tradeport.sinks import open_sink

    args = _record_parser().parse_args(list(argv))
    status = StatusLine(f"record {args.venue} -> {args.to}", sys.stderr)
    state: dict[str, Any] = {}

    async def run() -> None:
        sink = open_sink(args.to, **{"venue": args.venue.upper(), **sink_options(args.option)})
        state["sink"] = sink
        async with (
            sink,
            open_feed(
                args.venue,
                selection_from_args(args),
                sandbox=args.sandbox,
                toml_path=args.config,
                account=args.account,
                seed=args.seed,
                interval=args.interval,
            ) as feed,
        ):
            state["feed"] = feed
            _report_unsupported(feed)

            async def consume() -> None:
                async for event in feed.events():
                    await sink.write(event)

            async def show_status() -> None:
                while True:
                    await anyio.sleep(args.status_interval)
                    status.show(sink.stats)

            async def body() -> None:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(show_status)
                    await consume()
                    tg.cancel_scope.cancel()

            await run_until_interrupted(body, args.duration)
            # Leaving the sink flushes it: the feed has stopped, nothing more comes in.

    code = run_command("record", lambda: anyio.run(run, backend=args.backend))
    sink, feed = state.get("sink"), state.get("feed")
    if sink is not None and feed is not None:
        status.final(sink.stats, feed.summary())
    return code


REPLAY_EPILOG = """\
examples:
  tradeport replay parquet:ticks
      everything recorded under ./ticks, in recording order, printed like 'tradeport stream'
  tradeport replay parquet:ticks --types QuoteTick --json
      only quotes, as JSON lines
  tradeport replay redis://localhost:6379 --venues BINANCE
      what a recorder publishes to Redis, live (Ctrl-C stops); --no-follow stops at the end
  tradeport replay nats://localhost:4222 --types TradeTick OrderBookDeltas --depth 5

Each event is printed once: redeliveries of the at-least-once sinks are dropped by event id."""


def _replay_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradeport replay",
        description="Print recorded events (parquet:DIR, redis://HOST, nats://HOST) like 'tradeport stream'.",
        epilog=REPLAY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", help="parquet:DIR, redis://HOST[:PORT] or nats://HOST[:PORT]")
    parser.add_argument(
        "--types", nargs="+", metavar="TYPE", help="only these event types (QuoteTick, ...)"
    )
    parser.add_argument(
        "--venues", nargs="+", metavar="VENUE", help="only these venue ids (BINANCE, ...)"
    )
    parser.add_argument("--depth", type=int, default=None, metavar="N", help="book levels to show")
    parser.add_argument("--json", action="store_true", help="one JSON object per event")
    parser.add_argument(
        "--follow",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep waiting for new events (redis/nats default; parquet reads what is there)",
    )
    parser.add_argument(
        "--duration", type=float, default=None, metavar="SECONDS", help="stop after this long"
    )
    parser.add_argument(
        "--backend", choices=("asyncio", "trio"), default="asyncio", help=argparse.SUPPRESS
    )
    return parser


def main_replay(argv: Sequence[str]) -> int:
    """``tradeport replay SOURCE``"""
    from collections import Counter

    from tradeport.sources import open_source

    args = _replay_parser().parse_args(list(argv))
    printer = EventPrinter(sys.stdout, as_json=args.json, depth=args.depth)
    counts: Counter[str] = Counter()
    dropped: list[int] = [0]
    options: dict[str, Any] = {}
    if args.types:
        options["types"] = args.types
    if args.venues:
        options["venues"] = args.venues
    if args.follow is not None:
        options["follow"] = args.follow

    async def run() -> None:
        async with open_source(args.source, **options) as source:

            async def consume() -> None:
                async for event in source.events():
                    counts[type(event).__name__] += 1
                    printer.write(event)

            try:
                await run_until_interrupted(consume, args.duration)
            finally:
                dropped[0] = source.dedup.duplicates

    code = run_command("replay", lambda: anyio.run(run, backend=args.backend))
    if code == EXIT_OK:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
        print(
            f"replay {args.source}: {sum(counts.values())} events ({kinds}); "
            f"redeliveries dropped {dropped[0]}",
            file=sys.stderr,
        )
    return code
