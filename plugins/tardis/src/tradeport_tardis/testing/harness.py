"""The Tardis conformance harness: the HTTP API on loopback, its data feeds generated from the
SimulatedExchange in the recorded venues' real raw formats.

* ``/v1/exchanges``, ``/v1/exchanges/{exchange}``: metadata of the mock's exchanges;
* ``/v1/instruments/{exchange}``: the SimulatedExchange's instruments (Bearer key required, as
  for the pro plan);
* ``/v1/data-feeds/{exchange}?from=&offset=&filters=``: one minute of the recording, gzip NDJSON,
  filtered by channel and symbol; without a key only the first day of a month (else 401).

The recording (:attr:`TardisHarness.feeds`) is filled by :meth:`record_market` (the
SimulatedExchange trades and moves its book; every event is rendered as the Binance frames the
venue sends), :meth:`record` (any frame) and :meth:`record_disconnect`; or a whole feed is
computed minute by minute by a ``minute_source`` (multi-hour feeds in constant memory).
Faults: :meth:`cut_slices` breaks slice bodies off mid-way (a real FIN/RST after part of the
body); ``fail_next_requests`` (the MockVenue's) answers with 429/5xx; the FaultProxy refuses
connections.

Credentials: ``valid`` and ``none`` get the mock's key (a data provider has no trading
credentials to withhold), ``invalid`` a wrong one; ``api_key=None`` is the free mode.
"""

from __future__ import annotations

import bisect
import gzip
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, Final

import anyio
import attrs
from tradeport.model.enums import AggressorSide, OrderSide, ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.net import json_codec
from tradeport.testing import AbortConnection, DropMode, Request, Response
from tradeport_conformance.harness import (
    Credentials,
    ProtocolFeatures,
    RecordedRequest,
    ReplayTrade,
)
from tradeport_conformance.mock import MockVenue, StreamConnection
from tradeport_conformance.simulated import (
    BookUpdated,
    PublicTrade,
    SimInstrument,
    SimulatedExchange,
)

from tradeport_tardis.constants import NS_PER_MINUTE
from tradeport_tardis.datasets import dataset_path
from tradeport_tardis.lines import parse_local_timestamp
from tradeport_tardis.symbology import instrument_id_for
from tradeport_tardis.testing import render

__all__ = ["API_KEY", "DATASETS_PREFIX", "Line", "TardisHarness", "WRONG_KEY"]

#: Where the mock serves the CSV datasets host (``datasets.tardis.dev/v1``) on its server.
DATASETS_PREFIX: Final = "/datasets/v1"

API_KEY: Final = "TD.mock-key-0000000000"
WRONG_KEY: Final = "TD.wrong-key-000000000"
#: 2026-11-02T00:00:00Z: a day the free mode does not serve (recordings start here by default).
DEFAULT_START: Final = 1_793_577_600_000_000_000

#: (sim symbol, Tardis exchange, native symbol, product, base, quote, tick, lot, min qty)
_INSTRUMENTS: Final = (
    ("BTCUSDT", "binance", "BTCUSDT", ProductType.SPOT, "BTC", "USDT", "0.01", "0.00001", "0.00001"),
    ("BNBBTC", "binance", "BNBBTC", ProductType.SPOT, "BNB", "BTC", "0.000001", "0.001", "0.001"),
    ("ETHUSDT", "binance-futures", "ETHUSDT", ProductType.PERPETUAL, "ETH", "USDT", "0.01",
     "0.001", "0.001"),
    ("SOLUSDT", "bybit", "SOLUSDT", ProductType.PERPETUAL, "SOL", "USDT", "0.01", "0.1", "0.1"),
    ("BTC-USDT", "okex", "BTC-USDT", ProductType.SPOT, "BTC", "USDT", "0.1", "0.00000001",
     "0.00001"),
    ("XBTUSD", "bitmex", "XBTUSD", ProductType.PERPETUAL, "XBT", "USD", "0.5", "1", "1"),
)  # fmt: skip
#: Tardis exchanges recorded in the mock, and the venue whose raw format each holds.
_EXCHANGES: Final = ("binance", "binance-futures", "bybit", "okex", "bitmex")


@attrs.frozen
class Line:
    """One recorded line: arrival ns and frame (None: a disconnect marker), with the stream's
    symbol and channel for the filters."""

    ts: int
    frame: bytes | None
    symbol: str = ""
    channel: str = ""


#: ``minute_source(exchange, minute_ns)`` -> the lines of that minute (a computed feed).
MinuteSource = Callable[[str, int], Sequence[Line]]


@attrs.define
class _Cut:
    remaining: int
    mode: DropMode
    body_bytes: int
    minute_ns: int | None


def _type_name(message: dict[str, Any]) -> str:
    """The ``dataTypes`` name a message answers (``trade_bar_1m``, ``quote``, ...)."""
    kind = str(message.get("type"))
    if kind == "trade_bar":  # asked for as trade_bar_{n}{ms|s|m|ticks|vol}
        interval, bar_kind = int(message["interval"]), message.get("kind", "time")
        if bar_kind != "time":
            return f"trade_bar_{interval}{'ticks' if bar_kind == 'tick' else 'vol'}"
        for unit_ms, unit in ((60_000, "m"), (1_000, "s")):
            if interval % unit_ms == 0:
                return f"trade_bar_{interval // unit_ms}{unit}"
        return f"trade_bar_{interval}ms"
    return str(message.get("name") or kind) if kind == "book_snapshot" else kind


def _matches(
    options: Sequence[dict[str, Any]], ts: int, message: dict[str, Any], replay: bool
) -> bool:
    for option in options:
        if option.get("exchange") != message.get("exchange"):
            continue
        if replay:
            start = parse_local_timestamp(str(option["from"]).encode())
            end = parse_local_timestamp(str(option["to"]).encode())
            if not start <= ts < end:
                continue
        if message.get("type") == "disconnect":
            return bool(option.get("withDisconnectMessages"))
        symbols = {s.upper() for s in option.get("symbols") or ()}
        if symbols and str(message.get("symbol", "")).upper() not in symbols:
            continue
        if _type_name(message) in set(option.get("dataTypes") or ()):
            return True
    return False


def _line(ts: int, data: bytes) -> Line:
    message = json_codec.loads(data)
    if "topic" in message:  # Bybit: orderbook.1.SOLUSDT
        channel, _, symbol = message["topic"].rpartition(".")
        return Line(ts, data, symbol, channel)
    if "arg" in message:  # OKX: {"arg": {"channel": "trades", "instId": "BTC-USDT"}, ...}
        return Line(ts, data, message["arg"]["instId"], message["arg"]["channel"])
    if "table" in message:  # BitMEX: {"table": "trade", "data": [{"symbol": "XBTUSD", ...}]}
        return Line(ts, data, message["data"][0]["symbol"], message["table"])
    symbol, _, channel = message["stream"].partition("@")  # Binance: btcusdt@depth@100ms
    return Line(ts, data, symbol, channel.split("@")[0])


def _recorded_trade_id(frame: bytes) -> str:
    """The trade id a recorded trade frame carries, in its venue's field."""
    data = json_codec.loads(frame)["data"]
    if isinstance(data, dict):  # Binance
        return str(data["t"])
    row = data[0]
    for field in ("i", "tradeId", "trdMatchID"):  # Bybit, OKX, BitMEX
        if field in row:
            return str(row[field])
    raise KeyError(f"no trade id in {frame[:80]!r}")


def bitmex_match_id(sim_trade_id: str) -> str:
    """The ``trdMatchID`` (a UUID, as BitMEX's) the mock records for a SimulatedExchange
    trade id."""
    digits = "".join(c for c in sim_trade_id if c.isdigit()) or "0"
    return f"00000000-006d-1000-0000-{int(digits):012x}"


class TardisHarness(MockVenue):
    """The mock Tardis API and the conformance controls (see the module docstring)."""

    venue = "tardis"
    features = ProtocolFeatures(
        server_control_ping=False,
        text_ping=False,
        subscription_refusal=False,
        close_codes=False,
    )
    #: DP2 replays the raw data feeds and the tardis-machine's normalized replay.
    replay_variants: ClassVar[Sequence[Mapping[str, Any]]] = ({}, {"normalized": True})
    #: DP3: the venues' native symbols (Tardis has no parent or continuous symbols).
    symbol_resolutions: ClassVar[Sequence[tuple[str, str, Sequence[str]]]] = (
        ("native", "BTCUSDT", ("BTCUSDT.BINANCE",)),
        ("native", "ETHUSDT", ("ETHUSDT-PERP.BINANCE",)),
    )
    #: The tardis-machine stand-in's normalized endpoints.
    stream_paths: ClassVar[Sequence[str]] = ("/ws-replay-normalized", "/ws-stream-normalized")

    def __init__(self) -> None:
        #: The recording, per Tardis exchange, ordered by arrival time.
        self.feeds: dict[str, list[Line]] = {exchange: [] for exchange in _EXCHANGES}
        self.minute_source: MinuteSource | None = None
        #: Rendered slice bodies by (exchange, minute, filters) when not None (benchmarks: the
        #: mock's rendering then stays out of the replay's time).
        self.body_cache: dict[tuple[str, int, str], bytes] | None = None
        #: (exchange, minute ns) of every data-feed slice served in full.
        self.served: list[tuple[str, int]] = []
        self._cuts: list[_Cut] = []
        self._holds: dict[tuple[str, int], anyio.Event] = {}
        self._malformed_instrument = False
        #: CSV dataset files by path: (arrival ns, row) in arrival order.
        self.datasets: dict[str, list[tuple[int, str]]] = {}
        #: tardis-machine's normalized messages, (arrival ns, message), in arrival order.
        self.normalized: list[tuple[int, dict[str, Any]]] = []
        self._normalized_changed = anyio.Event()
        #: The live market's normalized messages (``ws-stream-normalized`` serves those that
        #: arrive after a client connected).
        self.live: list[dict[str, Any]] = []
        #: Drop the next normalized connection (FIN or RST) after this many messages.
        self.machine_drop: tuple[int, DropMode] | None = None
        self._trade_ids = 0
        self._update_ids = 0
        #: BitMEX orderBookL2 prices the recording has listed, per symbol (insert vs update).
        self._bitmex_levels: dict[str, set[Decimal]] = {}
        super().__init__()

    # -- exchange ---------------------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        """Binance spot BTCUSDT and BNBBTC, the USD-M perpetual ETHUSDT (manual clock)."""
        sim = SimulatedExchange(seed=22, start_time_ns=DEFAULT_START)
        for symbol, exchange, native, product, base, quote, tick, lot, min_qty in _INSTRUMENTS:
            sim.add_instrument(
                SimInstrument(
                    symbol=symbol,
                    product_type=product,
                    base_asset=base,
                    quote_asset=quote,
                    tick_size=Decimal(tick),
                    lot_size=Decimal(lot),
                    min_qty=Decimal(min_qty),
                    meta={"exchange": exchange, "native": native},
                )
            )
        return sim

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        config: dict[str, Any] = {
            "base_url_http": self.http_url + "/v1",
            "machine_url": self.ws_url,
            "base_url_datasets": self.http_url + DATASETS_PREFIX,
            "exchanges": ["binance", "binance-futures"],
            "http_retry_delay": 0.05,
        }
        # A data provider has no trading credentials to withhold: ``none`` (what the suite's
        # data scenarios open) gets the key too; the free mode is ``api_key=None``.
        config["api_key"] = WRONG_KEY if credentials == "invalid" else API_KEY
        config.update(overrides)
        return config

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        for _, exchange, native, kind, *_ in _INSTRUMENTS:
            if kind == product:
                return instrument_id_for(exchange, native)
        return None

    def sim_symbol(self, instrument_id: InstrumentId) -> tuple[str, str]:
        """(sim symbol, Tardis exchange) of an instrument id."""
        for symbol, exchange, native, *_ in _INSTRUMENTS:
            if instrument_id_for(exchange, native) == instrument_id:
                return symbol, exchange
        raise KeyError(f"the mock does not list {instrument_id}")

    @property
    def secrets(self) -> Sequence[str]:
        return (API_KEY, WRONG_KEY)

    # -- the recording ----------------------------------------------------------------------------

    def record(self, exchange: str, ts: int, data: bytes) -> None:
        """Append one frame of ``exchange``'s stream, arrived at ``ts``."""
        lines = self.feeds.setdefault(exchange, [])
        line = _line(ts // 100 * 100, data)  # the recorder's resolution: 100 ns
        if lines and ts < lines[-1].ts:
            bisect.insort(lines, line, key=lambda x: x.ts)
        else:
            lines.append(line)

    def record_disconnect(self, exchange: str, ts: int) -> None:
        """The recorder lost the exchange at ``ts`` (an empty line in the feed)."""
        self.feeds.setdefault(exchange, []).append(Line(ts // 100 * 100, None))

    def _render(self, exchange: str, event: Any, ts: int) -> list[bytes]:
        futures = exchange != "binance"
        ts_ms = ts // 1_000_000
        if exchange == "bybit":
            return self._render_bybit(event, ts_ms)
        if exchange in ("okex", "bitmex"):
            return self._render_trade_only(exchange, event, ts_ms)
        if isinstance(event, PublicTrade):
            self._trade_ids += 1
            return [
                render.trade(
                    event.symbol, int(event.trade_id) if event.trade_id.isdigit() else
                    self._trade_ids, event.price, event.quantity, ts_ms,
                    event.aggressor_side is AggressorSide.SELLER, futures=futures,
                )
            ]  # fmt: skip
        if isinstance(event, BookUpdated):
            self._update_ids += 1
            out = []
            if event.is_snapshot:
                out.append(render.depth_snapshot(event.symbol, event.sequence, event.bids,
                                                 event.asks))  # fmt: skip
            else:
                out.append(render.depth_update(event.symbol, event.sequence, event.sequence,
                                               ts_ms, event.bids, event.asks))  # fmt: skip
            top = self.exchange.book(event.symbol, 1)
            if top.bids and top.asks:
                (bid, bid_size), (ask, ask_size) = top.bids[0], top.asks[0]
                out.append(render.book_ticker(event.symbol, event.sequence, bid, bid_size, ask,
                                              ask_size))  # fmt: skip
            return out
        return []

    def _render_trade_only(self, exchange: str, event: Any, ts_ms: int) -> list[bytes]:
        """OKX recordings: trades and ``books-l2-tbt``; BitMEX: trades and ``orderBookL2``."""
        if isinstance(event, BookUpdated) and exchange == "okex":
            return [render.okx_book(event.symbol, event.sequence, ts_ms, event.bids, event.asks,
                                    snapshot=event.is_snapshot)]  # fmt: skip
        if isinstance(event, BookUpdated):
            return self._render_bitmex_book(event, ts_ms)
        if not isinstance(event, PublicTrade):
            return []
        taker_buys = event.aggressor_side is AggressorSide.BUYER
        if exchange == "okex":
            return [render.okx_trade(event.symbol, event.trade_id, event.price, event.quantity,
                                     ts_ms, taker_buys)]  # fmt: skip
        return [render.bitmex_trade(event.symbol, bitmex_match_id(event.trade_id), event.price,
                                    event.quantity, ts_ms, taker_buys)]  # fmt: skip

    def _render_bitmex_book(self, event: BookUpdated, ts_ms: int) -> list[bytes]:
        """``orderBookL2``: a snapshot as a ``partial``; a change as ``insert`` (a new price),
        ``update`` (a new size) and ``delete`` (size 0) messages, levels keyed by an id per
        price (BitMEX's ids are stable per level)."""
        levels = self._bitmex_levels.setdefault(event.symbol, set())
        changes = [("Buy", p, q) for p, q in event.bids] + [("Sell", p, q) for p, q in event.asks]
        level_id = lambda price: 8_800_000_000 - int(price * 100)  # noqa: E731
        if event.is_snapshot:
            levels.clear()
            levels.update(p for _, p, _ in changes)
            rows = [(side, level_id(p), p, q) for side, p, q in changes]
            return [render.bitmex_book(event.symbol, "partial", rows, ts_ms)]
        by_action: dict[str, list[tuple[str, int, Decimal, Decimal]]] = {}
        for side, price, size in changes:
            action = "delete" if size == 0 else "update" if price in levels else "insert"
            (levels.discard if size == 0 else levels.add)(price)
            by_action.setdefault(action, []).append((side, level_id(price), price, size))
        return [render.bitmex_book(event.symbol, action, rows, ts_ms)
                for action, rows in by_action.items()]  # fmt: skip

    def _render_bybit(self, event: Any, ts_ms: int) -> list[bytes]:
        if isinstance(event, PublicTrade):
            return [render.bybit_trade(event.symbol, event.trade_id, event.price, event.quantity,
                                       ts_ms, event.aggressor_side is AggressorSide.BUYER)]  # fmt: skip
        if isinstance(event, BookUpdated):
            out = [render.bybit_book(event.symbol, event.sequence, ts_ms, event.bids, event.asks,
                                     snapshot=event.is_snapshot)]  # fmt: skip
            top = self.exchange.book(event.symbol, 1)
            if top.bids and top.asks:
                out.append(render.bybit_level1(event.symbol, event.sequence, ts_ms, top.bids[0],
                                               top.asks[0]))  # fmt: skip
            return out
        return []

    def _market_of(self, symbol: str) -> tuple[Decimal, Decimal, Decimal]:
        """(tick, lot, a mid price near 1000 on the tick) of a sim instrument."""
        inst = self.exchange.instrument(symbol)
        assert inst is not None
        tick = inst.tick_size
        return tick, inst.lot_size, (Decimal(1000) / tick).to_integral_value() * tick

    def record_market(
        self, instrument_id: InstrumentId, start_ns: int, minutes: int, *,
        trades_per_minute: int = 6, book_every: int = 2, disconnect_at_minute: int | None = None,
    ) -> list[Any]:  # fmt: skip
        """Drive the SimulatedExchange for ``minutes`` from ``start_ns``: a book snapshot,
        then per minute ``trades_per_minute`` trades and a book change every ``book_every``
        trades; every SimEvent is recorded as the frames Binance sends for it. Returns the
        SimEvents (the truth a replay is checked against)."""
        symbol, exchange = self.sim_symbol(instrument_id)
        sim = self.exchange
        tick, lot, mid = self._market_of(symbol)
        truth: list[Any] = []
        step = NS_PER_MINUTE // (trades_per_minute + 1)

        def emit(events: Sequence[Any], ts: int) -> None:
            for event in events:
                if isinstance(event, PublicTrade | BookUpdated):
                    truth.append(event)
                    for message in render.normalized(exchange, event, ts, self.exchange):
                        self.record_normalized(message)
                    frames = self._render(exchange, event, ts)
                    self.record_dataset_rows(exchange, event, ts, frames)
                    for data in frames:
                        self.record(exchange, ts, data)
                        ts += 1_000  # frames of one event arrive microseconds apart

        sim.advance_time(max(start_ns, sim.now()))
        emit(sim.set_book(symbol, [(mid - tick, lot * 5)], [(mid + tick, lot * 5)]), start_ns + 500)
        for minute in range(minutes):
            base = start_ns + minute * NS_PER_MINUTE
            if disconnect_at_minute == minute:
                self.record_disconnect(exchange, base + 100)
                self.record_normalized({"type": "disconnect", "exchange": exchange,
                                        "localTimestamp": render.iso_ms(base + 1_000_000)})  # fmt: skip
                emit(sim.set_book(symbol, [(mid - tick, lot * 4)], [(mid + tick, lot * 6)]),
                     base + 200)  # fmt: skip
            for n in range(trades_per_minute):
                ts = base + (n + 1) * step
                if ts > sim.now():  # one clock for every instrument's recording
                    sim.advance_time(ts)
                side = AggressorSide.BUYER if n % 2 else AggressorSide.SELLER
                price = mid + tick * ((n % 3) - 1)
                emit(sim.trade(symbol, price, lot * (1 + n % 4), side), ts)
                if n % book_every == 0:
                    level = mid - tick * (1 + n % 3)
                    emit(sim.update_level(symbol, OrderSide.BUY, level, lot * (n + 1)), ts + 50_000)
        return truth

    def record_dataset_rows(
        self, exchange: str, event: Any, ts: int, frames: Sequence[bytes] = ()
    ) -> None:
        """The CSV dataset rows of a SimulatedExchange event arrived at ``ts``: a trade's
        ``trades`` row (its id as the raw frame carries it), a book change's ``quotes`` row
        (the top of the book after it). ``frames``: the raw frames recorded for it (the trade
        id is theirs)."""
        local, symbol = ts // 1_000, event.symbol
        if isinstance(event, PublicTrade):
            trade_id = _recorded_trade_id(frames[0]) if frames else event.trade_id
            side = "buy" if event.aggressor_side is AggressorSide.BUYER else "sell"
            row = (f"{exchange},{symbol},{local // 1000 * 1000},{local},{trade_id},{side},"
                   f"{event.price:f},{event.quantity:f}")  # fmt: skip
            self.record_dataset(exchange, "trades", symbol, ts, row)
        elif isinstance(event, BookUpdated):
            top = self.exchange.book(symbol, 1)
            if top.bids and top.asks:
                (bid, bid_size), (ask, ask_size) = top.bids[0], top.asks[0]
                row = (f"{exchange},{symbol},{local},{local},{ask_size:f},{ask:f},{bid:f},"
                       f"{bid_size:f}")  # fmt: skip
                self.record_dataset(exchange, "quotes", symbol, ts, row)

    def record_dataset(self, exchange: str, data_type: str, symbol: str, ts: int, row: str) -> None:
        """Add one row to the day's CSV dataset file (serving it from then on)."""
        day = datetime.fromtimestamp(ts // 1_000_000_000, UTC).date()
        path = DATASETS_PREFIX + dataset_path(exchange, data_type, day, symbol)
        rows = self.datasets.get(path)
        if rows is None:
            rows = self.datasets[path] = []
            self.route("GET", path, self._dataset)
        bisect.insort(rows, (ts, row), key=lambda x: x[0])

    def record_normalized(self, message: dict[str, Any]) -> None:
        """Add one tardis-machine message (ordered by its ``localTimestamp``)."""
        ts = parse_local_timestamp(str(message["localTimestamp"]).encode())
        bisect.insort(self.normalized, (ts, message), key=lambda x: x[0])
        self.publish_live(message)  # a live stream open now receives it (real time)

    def lines_of(self, exchange: str, minute_ns: int) -> Sequence[Line]:
        """The recorded lines of one minute."""
        if self.minute_source is not None:
            return self.minute_source(exchange, minute_ns)
        lines = self.feeds.get(exchange, [])
        lo = bisect.bisect_left(lines, minute_ns, key=lambda x: x.ts)
        hi = bisect.bisect_left(lines, minute_ns + NS_PER_MINUTE, key=lambda x: x.ts)
        return lines[lo:hi]

    # -- controls: data-provider scenarios (DP1-DP4) ----------------------------------------------

    def replay_start_ns(self) -> int:
        """Recordings start on a day only a key is served (not the first of a month)."""
        return DEFAULT_START

    def seed_replay_trades(
        self, instrument_id: InstrumentId, start_ns: int, end_ns: int, count: int
    ) -> list[ReplayTrade]:
        """``count`` SimulatedExchange trades spread over the range, recorded as the venue's
        raw trade frames (data feeds) and as tardis-machine ``trade`` messages."""
        symbol, exchange = self.sim_symbol(instrument_id)
        sim = self.exchange
        tick, lot, mid = self._market_of(symbol)
        step = (end_ns - start_ns) // (count + 1)
        truth: list[ReplayTrade] = []
        for n in range(count):
            ts = start_ns + (n + 1) * step
            if ts > sim.now():
                sim.advance_time(ts)
            side = AggressorSide.BUYER if n % 2 else AggressorSide.SELLER
            for event in sim.trade(symbol, mid + tick * (n % 5), lot * (1 + n % 3), side):
                if not isinstance(event, PublicTrade):
                    continue
                (frame,) = self._render(exchange, event, ts)
                self.record(exchange, ts, frame)
                self.record_dataset_rows(exchange, event, ts, [frame])
                for message in render.normalized(exchange, event, ts, sim):
                    self.record_normalized(message)
                trade_id = _recorded_trade_id(frame)
                truth.append(ReplayTrade(trade_id, event.price, event.quantity, ts // 100 * 100))
        return truth

    def replay_page_ns(self, params: Mapping[str, Any]) -> int | None:
        """A data feed is fetched a minute slice at a time; the normalized replay is one
        WebSocket stream."""
        return None if params.get("normalized") else NS_PER_MINUTE

    def is_replay_request(self, request: RecordedRequest) -> bool:
        return request.path.startswith("/v1/data-feeds/") or request.path in self.stream_paths

    def hold_replay(self, instrument_id: InstrumentId, from_ns: int) -> anyio.Event:
        """Hold the minute slice holding ``from_ns`` (delivery is in minute order, so
        nothing from it on can be delivered before the release)."""
        _, exchange = self.sim_symbol(instrument_id)
        return self.hold_slice(exchange, from_ns // NS_PER_MINUTE * NS_PER_MINUTE)

    # -- controls ---------------------------------------------------------------------------------

    def cut_slices(
        self, count: int = 1, *, mode: DropMode = "rst", body_bytes: int = 64,
        minute_ns: int | None = None,
    ) -> None:  # fmt: skip
        """Break the next ``count`` data-feed bodies (of ``minute_ns``, or any) off after
        ``body_bytes`` bytes, with a FIN or an RST."""
        self._cuts.append(_Cut(count, mode, body_bytes, minute_ns))

    def hold_slice(self, exchange: str, minute_ns: int) -> anyio.Event:
        """Answer the slice of ``minute_ns`` (every request for it, retries included) only
        once the returned event is set (the slices after it are answered meanwhile: how a slow
        slice looks to a parallel fetcher)."""
        event = anyio.Event()
        self._holds[(exchange, minute_ns)] = event
        return event

    async def publish_quote(
        self, instrument_id: InstrumentId, bid: Decimal, ask: Decimal, bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:  # fmt: skip
        """Record a bookTicker frame now (a recording is the mock's market)."""
        symbol, exchange = self.sim_symbol(instrument_id)
        self._update_ids += 1
        now = time.time_ns()
        self.record(exchange, now,
                    render.book_ticker(symbol, self._update_ids, bid, bid_size, ask, ask_size))  # fmt: skip
        self.publish_live({"type": "book_snapshot", "symbol": symbol, "exchange": exchange,
                           "name": "quote", "depth": 1, "interval": 0,
                           "bids": [{"price": str(bid), "amount": str(bid_size)}],
                           "asks": [{"price": str(ask), "amount": str(ask_size)}],
                           "timestamp": render.iso_ms(now), "localTimestamp": render.iso_ms(now)})  # fmt: skip

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        """Record a trade frame now; returns its trade id."""
        symbol, exchange = self.sim_symbol(instrument_id)
        self._trade_ids += 1
        now = time.time_ns()
        self.record(exchange, now, render.trade(symbol, self._trade_ids, price, size,
                                                now // 1_000_000, aggressor is AggressorSide.SELLER,
                                                futures=exchange != "binance"))  # fmt: skip
        side = "sell" if aggressor is AggressorSide.SELLER else "buy"
        self.publish_live({"type": "trade", "symbol": symbol, "exchange": exchange,
                           "id": str(self._trade_ids), "price": str(price), "amount": str(size),
                           "side": side, "timestamp": render.iso_ms(now),
                           "localTimestamp": render.iso_ms(now)})  # fmt: skip
        return str(self._trade_ids)

    async def publish_mark_price(
        self, instrument_id: InstrumentId, mark: Decimal, index: Decimal, funding_rate: Decimal,
        next_funding_ms: int,
    ) -> None:  # fmt: skip
        """A ``derivative_ticker`` (the documented shape: numbers as JSON numbers)."""
        symbol, exchange = self.sim_symbol(instrument_id)
        now = render.iso_ms(time.time_ns())
        self.publish_live({"type": "derivative_ticker", "symbol": symbol, "exchange": exchange,
                           "lastPrice": float(mark), "openInterest": 1000.5,
                           "fundingRate": float(funding_rate),
                           "fundingTimestamp": render.iso_ms(next_funding_ms * 1_000_000),
                           "indexPrice": float(index), "markPrice": float(mark),
                           "timestamp": now, "localTimestamp": now})  # fmt: skip

    async def publish_bar(
        self, instrument_id: InstrumentId, open: Decimal, high: Decimal, low: Decimal,
        close: Decimal, volume: Decimal, ts_ms: int, *, closed: bool = True,
    ) -> None:  # fmt: skip
        """A ``trade_bar_1m`` of the minute that opened at ``ts_ms``, stamped at its close.
        tardis-machine computes bars from trades and sends one only once its interval has
        ended, so a forming candle (``closed=False``) sends nothing."""
        if not closed:
            return
        symbol, exchange = self.sim_symbol(instrument_id)
        close_ns = (ts_ms + 60_000) * 1_000_000
        self.publish_live({"type": "trade_bar", "symbol": symbol, "exchange": exchange,
                           "name": "trade_bar_1m", "interval": 60_000, "kind": "time",
                           "open": float(open), "high": float(high), "low": float(low),
                           "close": float(close), "volume": float(volume),
                           "buyVolume": float(volume), "sellVolume": 0, "trades": 2,
                           "vwap": float(close), "openTimestamp": render.iso_ms(ts_ms * 1_000_000),
                           "closeTimestamp": render.iso_ms(close_ns - 1_000_000),
                           "localTimestamp": render.iso_ms(max(time.time_ns(), close_ns)),
                           "timestamp": render.iso_ms(close_ns)})  # fmt: skip

    def publish_live(self, message: dict[str, Any]) -> None:
        """Send one normalized message to the live streams whose options match it."""
        self.live.append(message)
        self._normalized_changed.set()
        self._normalized_changed = anyio.Event()

    def _publish_book_events(self, exchange: str, events: Sequence[Any]) -> None:
        now = time.time_ns()
        for event in events:
            if isinstance(event, BookUpdated):
                for message in render.normalized(exchange, event, now, self.exchange):
                    message["localTimestamp"] = message["timestamp"]
                    self.publish_live(message)

    async def set_book(self, instrument_id: InstrumentId, bids: Any, asks: Any) -> None:
        """Replace the SimulatedExchange's book; live streams get it as a snapshot."""
        symbol, exchange = self.sim_symbol(instrument_id)
        self._publish_book_events(exchange, self.exchange.set_book(symbol, bids, asks))

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        """Change one level; live streams get the ``book_change``."""
        symbol, exchange = self.sim_symbol(instrument_id)
        self._publish_book_events(exchange,
                                  self.exchange.update_level(symbol, side, price, size))  # fmt: skip

    def _book_snapshot(self, exchange: str, symbol: str) -> dict[str, Any]:
        """The machine's first ``book_change`` of a connection: the whole book."""
        book = self.exchange.book(symbol)
        now = render.iso_ms(time.time_ns())
        levels = lambda side: [{"price": str(p), "amount": str(a)} for p, a in side]  # noqa: E731
        return {"type": "book_change", "symbol": symbol, "exchange": exchange,
                "isSnapshot": True, "bids": levels(book.bids), "asks": levels(book.asks),
                "timestamp": now, "localTimestamp": now}  # fmt: skip

    def add_malformed_instrument(self) -> None:
        self._malformed_instrument = True

    # -- the HTTP API -----------------------------------------------------------------------------

    def setup_routes(self) -> None:
        self.route("GET", "/v1/exchanges", self._exchanges)
        for exchange in _EXCHANGES:
            self.route("GET", f"/v1/exchanges/{exchange}", self._exchange_details)
            self.route("GET", f"/v1/instruments/{exchange}", self._instruments, signed=True)
            self.route("GET", f"/v1/data-feeds/{exchange}", self._data_feed)

    async def serve_stream(self, conn: StreamConnection) -> None:
        """tardis-machine: the matching normalized messages in arrival order; a replay then
        closes with 1000, a stream waits for more until the client leaves."""
        options = json_codec.loads(conn.ws.request.param("options") or "[]")
        options = options if isinstance(options, list) else [options]
        replay = conn.path == "/ws-replay-normalized"
        await conn.ws.accept()
        sent, position = 0, 0
        if not replay:  # real time: from now on (nothing published meanwhile is lost)
            position = len(self.live)
            await self._start_stream(conn, options)
        while True:
            while position < len(self.normalized if replay else self.live):
                ts, message = self.normalized[position] if replay else (0, self.live[position])
                position += 1
                if not _matches(options, ts, message, replay):
                    continue
                if self.machine_drop is not None and sent >= self.machine_drop[0]:
                    mode = self.machine_drop[1]
                    self.machine_drop = None
                    conn.ws.drop(mode)
                    return
                await conn.ws.send_text(json_codec.dumps(message))
                sent += 1
            if replay:
                await conn.ws.close(1000)
                return
            await self._normalized_changed.wait()

    async def _start_stream(self, conn: StreamConnection, options: list[dict[str, Any]]) -> None:
        """A live stream: its topics are its options; each book starts with a snapshot."""
        self.record_subscribe_message()  # the URL is the subscription
        for option in options:
            for symbol in option.get("symbols") or ():
                for data_type in option.get("dataTypes") or ():
                    conn.topics.add(f"{data_type}:{option['exchange']}:{symbol}")
                if "book_change" in (option.get("dataTypes") or ()):
                    await conn.ws.send_text(json_codec.dumps(
                        self._book_snapshot(option["exchange"], str(symbol).upper())))  # fmt: skip
        self.server.notify()

    def verify_signature(self, request: Request) -> bool:
        return request.header("authorization") == f"Bearer {API_KEY}"

    def signature_failure_response(self, request: Request) -> Response:
        return self.error_response(401, message="Invalid API key")

    def error_response(
        self, status: int, *, venue_code: str | int | None = None, message: str = "",
        retry_after: float | None = None,
    ) -> Response:  # fmt: skip
        # The API documents the statuses, not the body; the mock answers JSON with a code and
        # a message (the client also takes plain text).
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"code": venue_code if venue_code is not None else status,
                "message": message or "error"}  # fmt: skip
        return Response.json(body, status=status, headers=headers)

    async def _exchanges(self, request: Request) -> Response:
        return Response.json([
            {"id": "binance", "name": "Binance Spot", "enabled": True,
             "availableSince": "2019-03-30T00:00:00.000Z"},
            {"id": "binance-futures", "name": "Binance USDT Futures", "enabled": True,
             "availableSince": "2019-11-17T00:00:00.000Z"},
            {"id": "bybit", "name": "Bybit Derivatives", "enabled": True,
             "availableSince": "2019-11-07T00:00:00.000Z"},
            {"id": "okex", "name": "OKX Spot", "enabled": True,
             "availableSince": "2019-03-30T00:00:00.000Z"},
            {"id": "bitmex", "name": "BitMEX", "enabled": True,
             "availableSince": "2019-03-30T00:00:00.000Z"},
        ])  # fmt: skip

    async def _exchange_details(self, request: Request) -> Response:
        exchange = request.path.rsplit("/", 1)[1]
        symbols = [
            {"id": native.lower(), "type": kind.value.lower(),
             "availableSince": "2019-11-17T00:00:00.000Z"}
            for _, ex, native, kind, *_ in _INSTRUMENTS if ex == exchange
        ]  # fmt: skip
        channels = ["trade", "bookTicker", "depth", "depthSnapshot"]
        if exchange == "binance-futures":
            channels.append("markPrice")
        elif exchange == "bybit":
            channels = ["publicTrade", "orderbook.1", "orderbook.50", "tickers"]
        elif exchange == "okex":
            channels = ["trades", "bbo-tbt", "books-l2-tbt", "tickers"]
        elif exchange == "bitmex":
            channels = ["trade", "orderBookL2", "quote", "instrument"]
        return Response.json({
            "id": exchange, "name": exchange, "enabled": True,
            "availableSince": "2019-11-17T00:00:00.000Z",
            "availableChannels": channels, "availableSymbols": symbols, "incidentReports": [],
            "datasets": {"formats": ["csv"], "exportedFrom": "2019-11-17T00:00:00.000Z",
                         "exportedUntil": "2026-12-06T00:00:00.000Z", "symbols": []},
        })  # fmt: skip

    async def _instruments(self, request: Request) -> Response:
        exchange = request.path.rsplit("/", 1)[1]
        records: list[dict[str, Any]] = []
        for symbol, ex, native, kind, base, quote, *_ in _INSTRUMENTS:
            if ex != exchange:
                continue
            sim = self.exchange.instrument(symbol)
            assert sim is not None
            records.append(render.instrument_record(
                exchange, native, "spot" if kind == ProductType.SPOT else "perpetual", base,
                quote, sim.tick_size, sim.lot_size, sim.min_qty, inverse=exchange == "bitmex",
            ))  # fmt: skip
        if self._malformed_instrument and records:
            records.insert(0, {"id": "BROKEN", "exchange": exchange, "type": "spot"})
        return Response.json(records)

    def _from_ns(self, value: str | None) -> int | None:
        if not value:
            return None
        text = value if "T" in value else value + "T00:00:00.000Z"
        if not text.endswith("Z"):
            return None
        try:
            return parse_local_timestamp(text.encode())
        except ValueError:
            return None

    def _slice(self, exchange: str, minute: int, filters: list[dict[str, Any]]) -> bytes:
        """One minute of ``exchange``'s recording, filtered, as the gzip NDJSON body."""
        wanted = {(f["channel"], s) for f in filters for s in f.get("symbols") or ()}
        channels = {f["channel"] for f in filters if not f.get("symbols")}
        lines = [
            (line.ts, line.frame)
            for line in self.lines_of(exchange, minute)
            if line.frame is None
            or not filters
            or line.channel in channels
            or (line.channel, line.symbol) in wanted
        ]
        return render.slice_body(lines)

    async def _dataset(self, request: Request) -> Response:
        """One day's CSV dataset file, gzip-compressed (a file download: no Content-Encoding);
        without a key only the first day of a month, a wrong key refused."""
        auth = request.header("authorization")
        if auth is not None and auth != f"Bearer {API_KEY}":
            return self.error_response(401, message="Invalid API key")
        day = int(request.path.split("/")[-2])
        if auth is None and day != 1:
            return self.error_response(
                401, message="API key is required for dates other than the first day of a month"
            )
        data_type = request.path.split("/")[4]
        header = {"trades": "exchange,symbol,timestamp,local_timestamp,id,side,price,amount",
                  "quotes": "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,"
                            "bid_price,bid_amount"}[data_type]  # fmt: skip
        text = "\n".join([header, *(row for _, row in self.datasets[request.path])]) + "\n"
        return Response(
            status=200,
            headers={"Content-Type": "application/octet-stream"},
            body=gzip.compress(text.encode(), compresslevel=1),
        )

    async def _data_feed(self, request: Request) -> Response:
        exchange = request.path.rsplit("/", 1)[1]
        start = self._from_ns(request.param("from"))
        if start is None:
            return self.error_response(400, message="Invalid 'from' param, use ISO 8601 format")
        try:
            offset = int(request.param("offset") or 0)
            filters = json_codec.loads(request.param("filters") or "[]")
        except ValueError:
            return self.error_response(400, message="Invalid 'offset' or 'filters' param")
        minute = start // NS_PER_MINUTE * NS_PER_MINUTE + offset * NS_PER_MINUTE
        hold = self._holds.get((exchange, minute))  # every request, retries too
        if hold is not None:
            await hold.wait()
        auth = request.header("authorization")
        if auth is not None and auth != f"Bearer {API_KEY}":
            return self.error_response(401, message="Invalid API key")
        day = datetime.fromtimestamp(minute // 1_000_000_000, UTC)
        if auth is None and day.day != 1:
            return self.error_response(
                401, message="API key is required for dates other than the first day of a month"
            )
        key = (exchange, minute, request.param("filters") or "")
        cached = self.body_cache.get(key) if self.body_cache is not None else None
        body = cached if cached is not None else self._slice(exchange, minute, filters)
        if self.body_cache is not None:
            self.body_cache[key] = body
        response = Response(
            status=200,
            headers={"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"},
            body=body,
        )
        for cut in self._cuts:
            if cut.remaining > 0 and cut.minute_ns in (None, minute):
                cut.remaining -= 1
                raise AbortConnection(cut.mode, partial=response, body_bytes=cut.body_bytes)
        self.served.append((exchange, minute))
        return response
