"""``tradeport stream``: the README's third command, Ctrl-C, JSON lines, the book view, errors.

The command runs as a real subprocess against the plugin's mock venue (``--sandbox``); reading
its stdout line by line with a deadline is the signal, never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import anyio
import pytest
from conftest import run_cli
from tradeport.feed import FeedError, SandboxUnavailable, Selection, UnknownSymbol, open_feed
from tradeport.model.data import QuoteTick, TradeTick
from tradeport.model.serialization import from_tagged_dict

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 30.0  # seconds for a loaded 2-core machine to start Python, the mock venue and a feed


class Streaming:
    """A ``tradeport`` subprocess whose stdout (or stderr) lines are read with a deadline.

    Reads the pipe's file descriptor directly: a buffered reader would hold lines that
    ``select`` cannot see.
    """

    def __init__(self, *args: str, read: str = "stdout") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tradeport", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._fd = getattr(self.proc, read).fileno()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._fd, selectors.EVENT_READ)
        self._pending: list[str] = []
        self._partial = b""

    def _next_line(self, deadline: float) -> str | None:
        while not self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                return None
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:
                return None
            *complete, self._partial = (self._partial + chunk).split(b"\n")
            self._pending += [line.decode() for line in complete]
        return self._pending.pop(0)

    def lines(self, count: int, match: str = "", timeout: float = DEADLINE) -> list[str]:
        """The next ``count`` lines containing ``match``; fails after ``timeout``."""
        found: list[str] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            line = self._next_line(deadline)
            if line is None:
                code, err = self.stop()
                pytest.fail(
                    f"only {len(found)} of {count} {match!r} lines in {timeout}s: {found}; exit {code}: {err}"
                )
            if match in line:
                found.append(line)
        return found

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C (SIGINT); returns the exit code and stderr."""
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=DEADLINE)
        return self.proc.returncode, err.decode(errors="replace")

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.kill()
        _, err = self.proc.communicate(timeout=DEADLINE)
        return self.proc.returncode, err.decode(errors="replace")


def test_readme_third_command_prints_quotes_and_ctrl_c_exits_cleanly() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "tradeport stream binance --sandbox --quotes BTCUSDT" in readme
    run = Streaming("stream", "binance", "--sandbox", "--quotes", "BTCUSDT")
    quotes = run.lines(3, match="QUOTE")
    assert all("BTCUSDT.BINANCE" in line and " bid " in line and " ask " in line for line in quotes)
    # The market moves: three quotes of a random walk are not all the same line.
    assert len({line.split("QUOTE", 1)[1] for line in quotes}) > 1
    code, err = run.interrupt()
    assert code == 0, err
    assert "Traceback" not in err
    summary = [line for line in err.splitlines() if line.startswith("stream binance:")]
    assert summary and "QuoteTick" in summary[0] and "reconnects 0" in summary[0], err


def test_json_lines_are_tagged_events_that_round_trip() -> None:
    run = Streaming(
        "stream", "binance", "--sandbox", "--quotes", "BTCUSDT", "--trades", "BTCUSDT", "--json"
    )
    lines = run.lines(6, match='"type"')
    code, err = run.interrupt()
    assert code == 0, err
    events = [from_tagged_dict(json.loads(line)) for line in lines]
    assert {type(e) for e in events} == {QuoteTick, TradeTick}
    for event in events:
        if isinstance(event, QuoteTick):
            assert event.bid_price < event.ask_price


def test_book_view_shows_an_uncrossed_book_of_the_asked_depth() -> None:
    run = Streaming(
        "stream", "binance", "--sandbox", "--book", "BTCUSDT", "--depth", "3", "--interval", "0.02"
    )
    lines = run.lines(5, match="BOOK")
    code, err = run.interrupt()
    assert code == 0, err
    for line in lines[1:]:  # the first may be the snapshot before the walk's first step
        bids = line.split(" bids ", 1)[1].split(" asks ", 1)[0].split("  ")
        asks = line.split(" asks ", 1)[1].split("  (", 1)[0].split("  ")
        assert len(bids) == len(asks) == 3, line
        best_bid = Decimal(bids[0].split(" x ")[0])
        best_ask = Decimal(asks[0].split(" x ")[0])
        assert best_bid < best_ask, line


def test_duration_stops_by_itself_with_the_counts() -> None:
    result = run_cli("stream", "binance", "--sandbox", "--trades", "BTCUSDT", "--duration", "1")
    assert result.returncode == 0, result.stderr
    trades = [line for line in result.stdout.splitlines() if " TRADE " in line]
    assert trades
    assert f"TradeTick {len(trades)}" in result.stderr


def test_unknown_venue_is_one_line_naming_the_installed_ones() -> None:
    result = run_cli("stream", "nosuchvenue", "--quotes", "X")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown venue 'nosuchvenue'" in result.stderr and "binance" in result.stderr


def test_unknown_symbol_is_one_line_naming_the_known_ones() -> None:
    result = run_cli("stream", "binance", "--sandbox", "--quotes", "NOPEUSDT")
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "tradeport stream: unknown symbol 'NOPEUSDT' on binance; known symbols: BTCUSDT"
    ]


def test_help_teaches_with_examples() -> None:
    result = run_cli("stream", "--help")
    assert result.returncode == 0
    assert "tradeport stream binance --sandbox --quotes BTCUSDT" in result.stdout
    assert "--depth" in result.stdout and "SYM:SPEC" in result.stdout
    listing = run_cli("--help")
    assert "stream" in listing.stdout


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.anyio
async def test_open_feed_sandbox_streams_a_moving_market(anyio_backend: str) -> None:
    prices = set()
    async with open_feed(
        "binance",
        Selection(quotes=["BTCUSDT"], books=["BTCUSDT.BINANCE"]),
        sandbox=True,
        interval=0.01,
    ) as feed:
        with anyio.fail_after(DEADLINE):
            async for event in feed.events():
                if isinstance(event, QuoteTick):
                    prices.add(event.bid_price)
                if len(prices) >= 3 and feed.counts["OrderBookDeltas"] >= 3:
                    break
    assert feed.market is not None and feed.market.steps >= 3
    assert not feed.market.unsupported


@pytest.mark.anyio
async def test_open_feed_rejects_bad_selections() -> None:
    with pytest.raises(FeedError, match="nothing selected"):
        async with open_feed("binance", Selection(), sandbox=True):
            pass
    with pytest.raises(FeedError, match="is not SYM:SPEC"):
        async with open_feed("binance", Selection(bars=["BTCUSDT"]), sandbox=True):
            pass
    with pytest.raises(UnknownSymbol, match="known symbols: BTCUSDT"):
        async with open_feed("binance", Selection(trades=["ETH"]), sandbox=True):
            pass


@pytest.mark.anyio
async def test_sandbox_without_conformance_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tradeport_conformance" else real(name, *a),
    )
    with pytest.raises(SandboxUnavailable, match="pip install tradeport-conformance"):
        async with open_feed("binance", Selection(quotes=["BTCUSDT"]), sandbox=True):
            pass


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.anyio
async def test_feed_counts_reconnects(anyio_backend: str) -> None:
    from tradeport.clients.base import Reconnected

    async with open_feed(
        "binance", Selection(quotes=["BTCUSDT"]), sandbox=True, interval=0.01
    ) as feed:
        with anyio.fail_after(DEADLINE):
            events = feed.events()
            async for event in events:
                if isinstance(event, QuoteTick):
                    break
            await feed.harness.drop_connections("rst")
            async for event in events:
                if isinstance(event, Reconnected):
                    break
            async for event in events:  # and the quotes flow again
                if isinstance(event, QuoteTick):
                    break
    assert feed.reconnects == 1
    assert "reconnects 1" in feed.summary() and "QuoteTick" in feed.summary()


@pytest.mark.anyio
async def test_random_walk_is_reproducible_by_seed_and_moves_on_the_tick() -> None:
    """Two markets with one seed publish the same prices; another seed other prices."""
    from tradeport.model.enums import ProductType
    from tradeport.session import open_venue
    from tradeport_binance.testing import BinanceHarness
    from tradeport_conformance.market import MarketFeeds, RandomWalkMarket

    async def walk(seed: int) -> list[tuple[Decimal, Decimal]]:
        async with (
            BinanceHarness() as harness,
            open_venue("binance", harness.client_config("none")) as venue,
        ):
            await venue.instruments.load_all()
            iid = harness.instrument_id(ProductType.SPOT)
            instrument = venue.instruments.get(iid)
            market = RandomWalkMarket(
                harness, {iid: instrument}, MarketFeeds(quotes=[iid], books=[iid]), seed=seed
            )
            await market.prime()
            prices = []
            for _ in range(30):
                await market.step()
                walk_state = market.walks[iid]
                prices.append((walk_state.bid, walk_state.ask))
            assert not market.unsupported
            tick = instrument.price_increment.as_decimal()
            assert all(b < a and b % tick == 0 and a % tick == 0 for b, a in prices)
            return prices

    first, again, other = await walk(7), await walk(7), await walk(8)
    assert first == again and first != other
    assert len(set(first)) > 3  # it moves
