"""The Databento conformance harness: the mock live gateway and historical API on loopback,
driven by the SimulatedExchange, with the suite's controls and observations.

Credentials: Databento has no public data, so every session needs the key. ``valid`` and
``none`` both get the mock's key (``none`` means "no trading credentials", and a data
provider has none to withhold; the suite's data scenarios open ``none`` sessions); ``invalid``
gets a well-formed key the gateway refuses.

The gateway sits behind its own FaultProxy (drops by FIN or RST, black hole, refusal); the
historical API is the base MockVenue's HTTP server (request recording, injected failures).
"""

from __future__ import annotations

import datetime
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Final

import anyio
import anyio.lowlevel
import databento_dbn as dbn
from tradeport.model.enums import AggressorSide, MarketStatus, OrderSide, ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.testing import FaultProxy, Request, Response
from tradeport_conformance.harness import (
    Credentials,
    ProtocolFeatures,
    RecordedRequest,
    ReplayTrade,
)
from tradeport_conformance.mock import MockVenue, StreamConnection
from tradeport_conformance.simulated import SimInstrument, SimulatedExchange

from tradeport_databento.testing import render
from tradeport_databento.testing.mock_venue import (
    MarketInstrument,
    MockGateway,
    MockMarket,
    level_changes,
)

__all__ = ["DatabentoHarness", "API_KEY", "WRONG_KEY", "DATASET"]

#: Keys have the documented shape: 32 characters starting ``db-``.
API_KEY: Final = "db-MockKey000000000000000000Ab3Xy"[:32]
WRONG_KEY: Final = "db-WrongKey00000000000000000Zz9Qq"[:32]
DATASET: Final = "GLBX.MDP3"
_NS_PER_MINUTE: Final = 60_000_000_000
_DEC_2026: Final = 1797984000_000_000_000  # 2026-12-18 UTC (ESZ6 expiry, the third Friday)
_MAR_2027: Final = 1805846400_000_000_000  # 2027-03-19 UTC
_SEP_2025: Final = 1758240000_000_000_000


class DatabentoHarness(MockVenue):
    """Databento's mock venue and the conformance controls (see the module docstring)."""

    venue = "databento"
    features = ProtocolFeatures(
        server_control_ping=False,
        # The gateway's heartbeats are one-way SystemMsgs: no ping/pong to exchange.
        text_ping=False,
        stream_login=True,
        # Every live session authenticates with the API key (CRAM), public data included.
        public_data_login=True,
        timestamp_window=False,
        # MBO sequence numbers are the venue channel's, shared by many instruments: a jump is
        # normal, so they reveal no gap of one book.
        book_sequence=False,
        book_checksum=False,
        subscription_refusal=True,
        # Plain TCP: there are no close frames.
        close_codes=False,
        venue_rate_limit_code=False,
        # open_replay without an end replays "today so far" (DP2).
        intraday_replay=True,
    )
    #: DP3: raw symbols, parents (every instrument of a product) and a continuous front month.
    symbol_resolutions: ClassVar[Sequence[tuple[str, str, Sequence[str]]]] = (
        ("native", "ESZ6", ("ESZ6.XCME",)),
        ("native", "AAPL", ("AAPL.XNAS",)),
        ("parent", "ES.FUT", ("ESH7.XCME", "ESZ6.XCME")),
        ("parent", "ES.OPT", ("ESZ6 C6000.XCME",)),
        ("continuous", "ES.c.0", ("ESZ6.XCME",)),
    )
    stream_paths: ClassVar[Sequence[str]] = ()
    #: A symbol naming several instruments (the parent of two futures): resolving it is
    #: ambiguous.
    ambiguous_symbol: ClassVar[str] = "ES.FUT.XCME"

    def __init__(self) -> None:
        self.market = MockMarket(DATASET, API_KEY)
        self.gateway = MockGateway(self.market)
        self.gateway_proxy: FaultProxy | None = None
        self._gateway_attempts: list[float] = []
        self._malformed_definition = False
        #: (raw symbol, from ns, release) of a held historical range (``hold_replay``).
        self._range_hold: tuple[str, int, anyio.Event] | None = None
        super().__init__()
        for sim in self.exchange.instruments():
            meta = sim.meta
            self.market.add(
                MarketInstrument(
                    raw_symbol=sim.symbol,
                    instrument_id=int(meta["instrument_id"]),
                    exchange=str(meta["exchange"]),
                    parent=str(meta.get("parent", "")),
                    sim=sim,
                )
            )

    # -- exchange ---------------------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        """CME futures ESZ6 / ESH7 (parent ES.FUT), an option on ESZ6 (ES.OPT), an OPRA option
        on AAPL, and AAPL."""
        sim = SimulatedExchange(seed=17, clock=time.time_ns)
        for symbol, iid, expiry in (("ESZ6", 42, _DEC_2026), ("ESH7", 43, _MAR_2027)):
            sim.add_instrument(
                SimInstrument(
                    symbol=symbol,
                    product_type=ProductType.FUTURE,
                    base_asset="ES",
                    quote_asset="USD",
                    tick_size=Decimal("0.25"),
                    lot_size=Decimal("1"),
                    min_qty=Decimal("1"),
                    multiplier=Decimal("50"),
                    meta={
                        "instrument_id": iid,
                        "exchange": "XCME",
                        "parent": "ES.FUT",
                        "expiration": expiry,
                        "activation": _SEP_2025,
                        "group": "ES",
                    },
                )
            )
        sim.add_instrument(
            SimInstrument(
                symbol="ESZ6 C6000",
                product_type=ProductType.FUTURE_OPTION,
                base_asset="ES",
                quote_asset="USD",
                tick_size=Decimal("0.05"),
                lot_size=Decimal("1"),
                min_qty=Decimal("1"),
                multiplier=Decimal("50"),
                meta={
                    "instrument_id": 44,
                    "exchange": "XCME",
                    "parent": "ES.OPT",
                    "expiration": _DEC_2026,
                    "activation": _SEP_2025,
                    "strike": "6000",
                    "underlying": "ESZ6",
                    "group": "ES",
                },
            )
        )
        sim.add_instrument(
            SimInstrument(
                # An OPRA equity option (OSI symbol: root padded to 6, YYMMDD, C/P, strike x 1000).
                symbol="AAPL  261218C00200000",
                product_type=ProductType.OPTION,
                base_asset="AAPL",
                quote_asset="USD",
                tick_size=Decimal("0.01"),
                lot_size=Decimal("1"),
                min_qty=Decimal("1"),
                multiplier=Decimal("100"),
                meta={
                    "instrument_id": 46,
                    "exchange": "OPRA",
                    "parent": "AAPL.OPT",
                    "expiration": _DEC_2026,
                    "activation": _SEP_2025,
                    "strike": "200",
                    "underlying": "AAPL",
                },
            )
        )
        sim.add_instrument(
            SimInstrument(
                symbol="AAPL",
                product_type=ProductType.EQUITY,
                base_asset="AAPL",
                quote_asset="USD",
                tick_size=Decimal("0.01"),
                lot_size=Decimal("1"),
                min_qty=Decimal("1"),
                meta={"instrument_id": 45, "exchange": "XNAS"},
            )
        )
        return sim

    # -- lifecycle ----------------------------------------------------------------------------------

    async def __aenter__(self) -> DatabentoHarness:
        await super().__aenter__()
        assert self._task_group is not None
        await self.gateway.start(self._task_group)
        self.gateway_proxy = FaultProxy(self.gateway.port)
        await self.gateway_proxy.start(self._task_group)
        self._task_group.start_soon(self._watch_gateway_attempts, self.gateway_proxy)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.gateway_proxy is not None:
            self.gateway_proxy.stop()
        self.gateway.stop()
        await super().__aexit__(*exc)

    async def _watch_gateway_attempts(self, proxy: FaultProxy) -> None:
        seen = 0
        while True:
            await proxy.changed.wait_until(lambda seen=seen: proxy.connections > seen)
            now = anyio.current_time()
            while seen < proxy.connections:
                self._gateway_attempts.append(now)
                seen += 1
            self.server.notify()

    @property
    def gateway_address(self) -> str:
        return f"127.0.0.1:{self.stream_proxy.port}"

    # -- what the clients are given -----------------------------------------------------------

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        """Config pointing at this mock venue (see the module docstring for credentials)."""
        config: dict[str, Any] = {
            "base_url_http": self.http_url,
            "gateway": self.gateway_address,
            "dataset": DATASET,
            "api_key": WRONG_KEY if credentials == "invalid" else API_KEY,
            # The shortest interval the gateway allows, and a short margin: dead connections
            # are found within seconds in tests.
            "heartbeat_interval_s": 5,
            "heartbeat_margin_s": 1.0,
            "auth_timeout": 3.0,
            "reconnect_delay_initial": 0.05,
            "reconnect_delay_max": 1.0,
            "http_retry_delay": 0.05,
            "compression": "zstd",
        }
        config.update(overrides)
        return config

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        symbol = {
            ProductType.FUTURE: "ESZ6.XCME",
            ProductType.FUTURE_OPTION: "ESZ6 C6000.XCME",
            ProductType.OPTION: "AAPL  261218C00200000.OPRA",
            ProductType.EQUITY: "AAPL.XNAS",
        }.get(product)
        return InstrumentId.from_str(symbol) if symbol else None

    @property
    def secrets(self) -> Sequence[str]:
        return (API_KEY, WRONG_KEY)

    def _inst(self, instrument_id: InstrumentId) -> MarketInstrument:
        found = self.market.instruments.get(instrument_id.symbol.value)
        if found is None:
            raise KeyError(f"the mock venue does not list {instrument_id}")
        return found

    # -- controls: market data ---------------------------------------------------------------------

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        inst = self._inst(instrument_id)
        ts = self.market.now()
        data = render.mbp1(
            inst.instrument_id, (bid, bid_size), (ask, ask_size), self.market.next_sequence(), ts
        )
        await self.market.publish("mbp-1", inst.raw_symbol, ts, data)

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        inst = self._inst(instrument_id)
        ts = self.market.now()
        sequence = self.market.next_sequence()
        data = render.trade(inst.instrument_id, price, size, aggressor, sequence, ts)
        await self.market.publish("trades", inst.raw_symbol, ts, data)
        return str(sequence)

    async def set_book(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[tuple[Decimal, Decimal]],
        asks: Sequence[tuple[Decimal, Decimal]],
    ) -> None:
        inst = self._inst(instrument_id)
        self.exchange.set_book(inst.raw_symbol, bids, asks)
        await self._publish_book(inst)

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        inst = self._inst(instrument_id)
        self.exchange.update_level(inst.raw_symbol, side, price, size)
        await self._publish_book(inst)

    async def _publish_book(self, inst: MarketInstrument) -> None:
        """Stream the book's change as MBO records (one order per level: add, modify, cancel)
        and as one MBP-10 record of the new top ten."""
        book = self.exchange.book(inst.raw_symbol)
        orders = self.market.mbo_orders.setdefault(inst.raw_symbol, {})
        changes: list[tuple[int, Decimal, int, Any, Any]] = []
        ts = self.market.now()
        sequence = self.market.next_sequence()
        for code, side, levels in (
            ("B", dbn.Side.BID, book.bids),
            ("A", dbn.Side.ASK, book.asks),
        ):
            before = [(p, Decimal(n)) for (s, p), (_, n) in orders.items() if s == code]
            after = [(lvl[0], lvl[1]) for lvl in levels]
            for price, old, new in level_changes(before, after):
                key = (code, price)
                if new == 0:
                    order_id, size = orders.pop(key)
                    changes.append((order_id, price, size, dbn.Action.CANCEL, side))
                elif old == 0:
                    order_id = self.market.next_order_id()
                    orders[key] = (order_id, int(new))
                    changes.append((order_id, price, int(new), dbn.Action.ADD, side))
                else:
                    order_id, _ = orders[key]
                    orders[key] = (order_id, int(new))
                    changes.append((order_id, price, int(new), dbn.Action.MODIFY, side))
        # F_LAST on the event's last record: the book is consistent after it.
        records = [
            render.mbo(
                inst.instrument_id,
                order_id,
                price,
                size,
                action,
                side,
                sequence,
                ts,
                dbn.F_LAST if index == len(changes) - 1 else 0,
            )
            for index, (order_id, price, size, action, side) in enumerate(changes)
        ]
        for data in records:
            await self.market.publish("mbo", inst.raw_symbol, ts, data)
        top_b = [(lvl[0], lvl[1]) for lvl in book.bids[:10]]
        top_a = [(lvl[0], lvl[1]) for lvl in book.asks[:10]]
        await self.market.publish(
            "mbp-10",
            inst.raw_symbol,
            ts,
            render.mbp10(inst.instrument_id, top_b, top_a, sequence, ts),
        )

    async def publish_bar(
        self,
        instrument_id: InstrumentId,
        open: Decimal,
        high: Decimal,
        low: Decimal,
        close: Decimal,
        volume: Decimal,
        ts_ms: int,
        *,
        closed: bool = True,
        **_: Any,
    ) -> None:
        """An ``ohlcv-1m`` record. Databento publishes a bar only once its interval has
        ended, so a forming candle (``closed=False``) sends nothing."""
        if not closed:
            return
        inst = self._inst(instrument_id)
        ts_open = ts_ms * 1_000_000
        data = render.ohlcv("ohlcv-1m", inst.instrument_id, ts_open, open, high, low, close, volume)
        await self.market.publish("ohlcv-1m", inst.raw_symbol, ts_open, data)

    async def publish_instrument_status(self, instrument_id: InstrumentId, status: str) -> None:
        inst = self._inst(instrument_id)
        ts = self.market.now()
        await self.market.publish(
            "status",
            inst.raw_symbol,
            ts,
            render.status(inst.instrument_id, MarketStatus(status), ts),
        )

    async def publish_statistic(
        self,
        instrument_id: InstrumentId,
        stat_type: Any,
        *,
        price: Decimal | None = None,
        quantity: int | None = None,
    ) -> None:
        inst = self._inst(instrument_id)
        ts = self.market.now()
        data = render.statistic(
            inst.instrument_id,
            stat_type,
            ts,
            price=price,
            quantity=quantity,
            sequence=self.market.next_sequence(),
        )
        await self.market.publish("statistics", inst.raw_symbol, ts, data)

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        """Log ``bars`` one-minute bars and ``trades`` trades ending now (historical API)."""
        inst = self._inst(instrument_id)
        tick = inst.sim.tick_size
        now = time.time_ns()
        last_open = now // _NS_PER_MINUTE * _NS_PER_MINUTE - _NS_PER_MINUTE
        base = Decimal(5000)
        for i in range(bars):
            ts_open = last_open - (bars - 1 - i) * _NS_PER_MINUTE
            o = base + tick * (i % 7)
            data = render.ohlcv(
                "ohlcv-1m",
                inst.instrument_id,
                ts_open,
                o,
                o + tick * 2,
                o - tick,
                o + tick,
                Decimal(10 + i),
            )
            self.market.log.append(_logged("ohlcv-1m", inst.raw_symbol, ts_open, data))
        for i in range(trades):
            ts = now - (trades - i) * 1_000_000_000
            sequence = self.market.next_sequence()
            data = render.trade(
                inst.instrument_id,
                base + tick * (i % 5),
                Decimal(1 + i % 3),
                AggressorSide.BUYER if i % 2 else AggressorSide.SELLER,
                sequence,
                ts,
            )
            self.market.log.append(_logged("trades", inst.raw_symbol, ts, data))
        self.market.log.sort(key=lambda r: r.ts_event)

    def add_malformed_instrument(self) -> None:
        self._malformed_definition = True

    # -- controls: data-provider scenarios (DP1-DP4) ----------------------------------------------

    def replay_start_ns(self) -> int:
        """Two hours ago, on a minute (the historical API serves any past range)."""
        return (time.time_ns() - 2 * 3600 * 10**9) // _NS_PER_MINUTE * _NS_PER_MINUTE

    def seed_replay_trades(
        self, instrument_id: InstrumentId, start_ns: int, end_ns: int, count: int
    ) -> list[ReplayTrade]:
        """``count`` trades spread over the range, logged as ``trades`` records (ts_recv =
        ts_event, what a replay orders by)."""
        inst = self._inst(instrument_id)
        tick = inst.sim.tick_size
        step = (end_ns - start_ns) // (count + 1)
        truth = []
        for i in range(count):
            ts = start_ns + (i + 1) * step
            sequence = self.market.next_sequence()
            price, size = Decimal(5000) + tick * (i % 5), Decimal(1 + i % 3)
            side = AggressorSide.BUYER if i % 2 else AggressorSide.SELLER
            data = render.trade(inst.instrument_id, price, size, side, sequence, ts)
            self.market.log.append(_logged("trades", inst.raw_symbol, ts, data))
            truth.append(ReplayTrade(str(sequence), price, size, ts))
        self.market.log.sort(key=lambda r: r.ts_event)
        return truth

    def replay_page_ns(self, params: Mapping[str, Any]) -> int | None:
        """None: ``timeseries.get_range`` streams any range in one response."""
        return None

    def is_replay_request(self, request: RecordedRequest) -> bool:
        form = dict(urllib.parse.parse_qsl(request.body.decode(), keep_blank_values=True))
        return request.path == "/v0/timeseries.get_range" and form.get("schema") != "definition"

    def hold_replay(self, instrument_id: InstrumentId, from_ns: int) -> anyio.Event:
        """The next range of the instrument streams its records before ``from_ns`` (a zstd
        block of their own), then waits for the release before the rest."""
        release = anyio.Event()
        self._range_hold = (self._inst(instrument_id).raw_symbol, from_ns, release)
        return release

    # -- controls: faults ------------------------------------------------------------------------

    @property
    def stream_proxy(self) -> FaultProxy:
        """Drops, silence and refusals act on the gateway's proxy (not the HTTP server's)."""
        assert self.gateway_proxy is not None, "start the mock venue first (async with)"
        return self.gateway_proxy

    async def send_malformed(self) -> None:
        """A record whose rtype no DBN version defines (length 4 words, rtype 0xEE)."""
        await self.market.broadcast_raw(bytes([4, 0xEE, 1, 0, 42, 0, 0, 0]) + bytes(8))

    async def send_oversized(self, size: int) -> int:
        """DBN cannot carry an oversized message (a record's length byte counts at most 255
        words: 1020 bytes), so the closest a gateway can come is a flood that is not DBN at
        all: ``size`` zero bytes (a zero length frames nothing). The client must drop the
        connection at once instead of buffering; returns the bytes written before it did."""
        written = 0
        block = bytes(64 * 1024)
        for conn in [c for c in self.market.connections if c.started]:
            sent = 0
            try:
                while sent < size and conn in self.market.connections:
                    with anyio.fail_after(5):
                        await conn.stream.send(block)
                    sent += len(block)
                    await anyio.lowlevel.checkpoint()  # let the gateway see the client hang up
            except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, TimeoutError):
                pass
            written = max(written, sent)
        return written

    async def close_with_code(self, code: int, reason: str = "") -> None:
        raise NotImplementedError("the Raw API is plain TCP: there are no close codes")

    # -- observations ------------------------------------------------------------------------------

    @property
    def connection_count(self) -> int:
        return self.gateway.connection_count()

    @property
    def total_connections(self) -> int:
        return self.gateway.accepted

    @property
    def tcp_connections(self) -> int:
        return self.stream_proxy.connections if self.gateway_proxy is not None else 0

    @property
    def connection_attempt_times(self) -> Sequence[float]:
        return self._gateway_attempts

    @property
    def logins(self) -> int:
        return self.market.logins

    @property
    def login_failures(self) -> int:
        return self.market.login_failures

    def active_subscriptions(self) -> list[set[str]]:
        return self.market.active_topics()

    def subscription_messages(self) -> int:
        return self.market.subscribe_messages

    # -- the historical API -----------------------------------------------------------------------

    def setup_routes(self) -> None:
        self.route("POST", "/v0/timeseries.get_range", self._get_range, signed=True)
        self.route("GET", "/v0/metadata.list_datasets", self._list_datasets, signed=True)
        self.route("GET", "/v0/metadata.list_schemas", self._list_schemas, signed=True)
        self.route("POST", "/v0/metadata.get_cost", self._get_cost, signed=True)
        self.route("POST", "/v0/symbology.resolve", self._resolve, signed=True)

    async def serve_stream(self, conn: StreamConnection) -> None:  # pragma: no cover
        raise NotImplementedError("Databento streams over the TCP gateway, not WebSocket")

    def verify_signature(self, request: Request) -> bool:
        """HTTP Basic with the key as user name and an empty password."""
        header = request.header("authorization") or ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        import base64

        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return False
        return user == API_KEY and password == ""

    def signature_failure_response(self, request: Request) -> Response:
        return Response.json({"detail": "Not authenticated"}, status=401)

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        detail: Any = message or {
            400: "Bad Request",
            402: "Payment Required",
            404: "Not Found",
            422: "Unprocessable Entity",
            429: "Too Many Requests",
            503: "Service Unavailable",
        }.get(status, "error")
        if venue_code is not None:
            detail = {"case": str(venue_code), "message": message or "error"}
        return Response.json({"detail": detail}, status=status, headers=headers)

    @staticmethod
    def _form(request: Request) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(request.body.decode(), keep_blank_values=True))

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        problems = []
        form = dict(urllib.parse.parse_qsl(request.body.decode(), keep_blank_values=True))
        for name in ("dataset", "schema", "symbols", "start", "stype_in", "encoding"):
            if name not in form:
                problems.append(f"missing {name}")
        for name in ("start", "end"):
            if name in form and not form[name].isdigit():
                problems.append(f"{name}={form[name]!r} is not UNIX nanoseconds")
        return problems

    def history_page_size(self) -> int | None:
        """None: ``timeseries.get_range`` streams a whole range in one response."""
        return None

    async def _get_range(self, request: Request) -> Response:
        form = self._form(request)
        missing = [n for n in ("dataset", "schema", "symbols", "start") if not form.get(n)]
        if missing:
            return self.error_response(422, message=f"missing {', '.join(missing)}")
        if form["dataset"] != DATASET:
            return self.error_response(422, message=f"unknown dataset {form['dataset']!r}")
        schema = form["schema"]
        stype_in = form.get("stype_in", "raw_symbol")
        try:
            start = int(form["start"])
            end = int(form["end"]) if form.get("end") else None
            limit = int(form["limit"]) if form.get("limit") else None
        except ValueError:
            return self.error_response(400, message="start, end and limit must be integers")
        resolved: list[MarketInstrument] = []
        not_found: list[str] = []
        for symbol in form["symbols"].split(","):
            found = self.market.resolve(stype_in, symbol)
            if found:
                resolved.extend(found)
            else:
                not_found.append(symbol)
        day = datetime.datetime.fromtimestamp(start / 1e9, datetime.UTC).date()
        mappings = [
            (symbol, inst.instrument_id, day, day + datetime.timedelta(days=1))
            for symbol in form["symbols"].split(",")
            for inst in self.market.resolve(stype_in, symbol)
        ]
        body = bytearray(
            render.metadata_bytes(
                DATASET,
                start,
                schema=dbn.Schema(schema),
                stype_in=dbn.SType(stype_in),
                symbols=form["symbols"].split(","),
                not_found=not_found,
                end=end,
                mappings=mappings,
            )
        )
        count = 0
        held_at: int | None = None
        hold = self._range_hold if schema != "definition" else None
        if hold is not None:
            if hold[0] in {inst.raw_symbol for inst in resolved}:
                self._range_hold = None  # this range is the held one
            else:
                hold = None
        if schema == "definition":
            for inst in resolved:
                malformed = self._malformed_definition and inst is resolved[0]
                body += render.definition(
                    inst.sim, inst.instrument_id, start, exchange=inst.exchange, malformed=malformed
                )
        else:
            wanted = {inst.raw_symbol for inst in resolved}
            for record in self.market.log:
                if record.schema != schema or record.raw_symbol not in wanted:
                    continue
                if record.ts_event < start or (end is not None and record.ts_event >= end):
                    continue
                if hold is not None and held_at is None and record.ts_event >= hold[1]:
                    held_at = len(body)
                body += record.data
                count += 1
                if limit is not None and count >= limit:
                    break
        status = 206 if not_found and resolved else 200
        if not resolved:
            return self.error_response(422, message=f"symbols not found: {', '.join(not_found)}")
        payload = bytes(body)
        cut = held_at if held_at is not None else len(payload)
        if form.get("compression") == "zstd":
            import zstandard

            # One frame; a held range ends a block at the cut, so the part before it can be
            # decoded before the rest arrives.
            compressor = zstandard.ZstdCompressor().compressobj()
            head = compressor.compress(payload[:cut]) + compressor.flush(
                zstandard.COMPRESSOBJ_FLUSH_BLOCK
            )
            payload = head + compressor.compress(payload[cut:]) + compressor.flush()
            cut = len(head)
        return Response(
            status=status,
            headers={"Content-Type": "application/octet-stream"},
            body=payload,
            held_from=cut if hold is not None else 0,
            release=hold[2] if hold is not None else None,
        )

    async def _list_datasets(self, request: Request) -> Response:
        return Response.json([DATASET])

    async def _list_schemas(self, request: Request) -> Response:
        return Response.json(sorted(str(s) for s in dbn.Schema.variants()))

    async def _get_cost(self, request: Request) -> Response:
        form = self._form(request)
        # $1 per symbol per hour of range, a round number for tests.
        hours = max(
            1, (int(form.get("end") or time.time_ns()) - int(form["start"])) // 3_600_000_000_000
        )
        return Response.json(float(len(form["symbols"].split(",")) * hours))

    async def _resolve(self, request: Request) -> Response:
        form = self._form(request)
        result: dict[str, list[dict[str, str]]] = {}
        not_found = []
        for symbol in form["symbols"].split(","):
            found = self.market.resolve(form["stype_in"], symbol)
            if not found:
                not_found.append(symbol)
                continue
            out = (
                (lambda i: str(i.instrument_id))
                if form["stype_out"] == "instrument_id"
                else (lambda i: i.raw_symbol)
            )
            result[symbol] = [
                {
                    "d0": form["start_date"],
                    "d1": form.get("end_date") or form["start_date"],
                    "s": out(i),
                }
                for i in found
            ]
        body = {
            "result": result,
            "symbols": form["symbols"].split(","),
            "stype_in": form["stype_in"],
            "stype_out": form["stype_out"],
            "start_date": form["start_date"],
            "end_date": form.get("end_date") or form["start_date"],
            "partial": [],
            "not_found": not_found,
            "message": "Partially resolved" if not_found else "OK",
            "status": 1 if not_found else 0,
        }
        return Response.json(body, status=206 if not_found and result else 200)


def _logged(schema: str, raw_symbol: str, ts: int, data: bytes) -> Any:
    from tradeport_databento.testing.mock_venue import LoggedRecord

    return LoggedRecord(schema, raw_symbol, ts, data)
