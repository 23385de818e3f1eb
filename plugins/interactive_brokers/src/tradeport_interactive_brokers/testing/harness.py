"""The conformance harness: the mock gateway behind a fault proxy, on a SimulatedExchange.

The TWS API socket has no credentials (TWS holds the login), so the harness maps the suite's
credential kinds onto what a Gateway refuses: ``invalid`` is a client id TWS treats as taken
(error 326 and the socket closed: fatal, never retried), ``valid`` a free one, ``none`` a
read-only session (market data and lookups, no execution connection). There
is no HTTP API: the ``http_api`` feature is off, and the HTTP controls say so.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar, Literal

import anyio
import anyio.abc
from tradeport.model.enums import AggressorSide, OrderSide, ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.testing import FaultProxy
from tradeport_conformance.harness import (
    Credentials,
    ProtocolFeatures,
    RecordedRequest,
    VenueHarness,
)
from tradeport_conformance.simulated import SimulatedExchange

from tradeport_interactive_brokers.constants import VENUE_NAME, Out
from tradeport_interactive_brokers.data import print_trade_id
from tradeport_interactive_brokers.symbology import instrument_id_for
from tradeport_interactive_brokers.testing.listings import (
    AAPL,
    AAPL_CALL,
    BTCUSD,
    ES,
    ES_CALL,
    EURUSD,
    IBUS30,
    SAP_IBIS,
    SAP_NYSE,
    SPX,
    US_TREASURY,
    default_listings,
)
from tradeport_interactive_brokers.testing.mock_gateway import MockGateway

__all__ = ["InteractiveBrokersHarness", "CLIENT_ID", "TAKEN_CLIENT_ID"]

#: The execution client's id in the configs the harness hands out (data +1, provider +2).
CLIENT_ID = 11
#: The client id the mock treats as held by another application ("invalid" credentials).
TAKEN_CLIENT_ID = 21

_BY_PRODUCT = {
    ProductType.EQUITY: AAPL,
    ProductType.FUTURE: ES,
    ProductType.OPTION: AAPL_CALL,
    ProductType.FUTURE_OPTION: ES_CALL,
    ProductType.FX: EURUSD,
    ProductType.INDEX: SPX,
    ProductType.CFD: IBUS30,
    ProductType.SPOT: BTCUSD,
    ProductType.BOND: US_TREASURY,
}


class InteractiveBrokersHarness(VenueHarness):
    """Mock gateway + controls + observations for the conformance suite."""

    venue = VENUE_NAME
    features = ProtocolFeatures(
        text_ping=True,  # reqCurrentTime / currentTime
        stream_login=True,  # START_API, answered by nextValidId + managedAccounts
        subscription_refusal=True,  # error 200 / 354 on a market data request
        close_codes=False,  # a TCP socket: no close frames
        signed_reads=False,
        http_api=False,
        api_credentials=False,
        trade_aggressor=False,  # tick-by-tick prints carry no aggressor side
    )
    absent_features: ClassVar[dict[str, str]] = {
        "http_api": "the TWS API is a socket to TWS / IB Gateway; there is no HTTP API",
        "api_credentials": "TWS / IB Gateway holds the login; the API socket takes a client id",
        "close_codes": "a TCP socket has no close frames",
    }
    #: A symbol listed on two exchanges (BR1's ambiguity check, BR3).
    ambiguous_symbol = "SAP"
    same_symbol_listings = (
        instrument_id_for(SAP_IBIS),
        instrument_id_for(SAP_NYSE),
    )

    def __init__(self) -> None:
        self.exchange = SimulatedExchange(clock=anyio_clock_ns)
        self.exchange.set_balance("USD", Decimal(10_000_000))
        self.exchange.set_balance("EUR", Decimal(10_000_000))
        self.exchange.set_balance("AAPL", Decimal(100_000))
        self.exchange.set_balance("BTC", Decimal(100))
        self.gateway = MockGateway(self.exchange, accounts=("DU1234567", "DU7654321"))
        self.gateway.reserved_client_ids.add(TAKEN_CLIENT_ID)
        for listing in default_listings(self.exchange):
            self.gateway.add_listing(listing)
        self.proxy: FaultProxy | None = None
        self._group: anyio.abc.TaskGroup | None = None
        self._attempts: list[float] = []
        #: Prints published per (instrument, second, price, size): the n-th identical print of
        #: a second gets the id suffix ``#n`` (see ``print_trade_id``).
        self._prints: dict[tuple[Any, int, Decimal, Decimal], int] = {}

    # -- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> InteractiveBrokersHarness:
        self._group = anyio.create_task_group()
        await self._group.__aenter__()
        await self.gateway.start(self._group)
        self.proxy = FaultProxy(self.gateway.port)
        await self.proxy.start(self._group)
        self._group.start_soon(self._watch_attempts, self.proxy)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        self.gateway.stop()
        assert self._group is not None
        self._group.cancel_scope.cancel()
        await self._group.__aexit__(None, None, None)

    async def _watch_attempts(self, proxy: FaultProxy) -> None:
        seen = 0

        def arrived() -> bool:
            return proxy.connections > seen

        while True:
            await proxy.changed.wait_until(arrived)
            while seen < proxy.connections:
                self._attempts.append(anyio.current_time())
                seen += 1

    @property
    def _proxy(self) -> FaultProxy:
        assert self.proxy is not None, "start the mock gateway first (async with)"
        return self.proxy

    # -- what the clients are given -------------------------------------------------------------

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        config: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self._proxy.port,
            "client_id": TAKEN_CLIENT_ID if credentials == "invalid" else CLIENT_ID,
            # No credentials: a read-only session (no execution connection).
            "read_only": credentials == "none",
            "load_instruments": [str(instrument_id_for(c)) for c in _BY_PRODUCT.values()],
            "handshake_timeout": 2.0,
            "request_timeout": 5.0,
            "reconnect_delay_initial": 0.05,
            "reconnect_delay_max": 0.5,
        }
        config.update(overrides)
        return config

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        contract = _BY_PRODUCT.get(product)
        return instrument_id_for(contract) if contract is not None else None

    def _con_id(self, instrument_id: InstrumentId) -> int:
        for listing in self.gateway.listings.values():
            if instrument_id_for(listing.details.contract) == instrument_id:
                return listing.details.contract.con_id
        raise KeyError(f"the mock gateway lists no {instrument_id}")

    # -- controls: market data ------------------------------------------------------------------

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        await self.gateway.publish_quote(self._con_id(instrument_id), bid, ask, bid_size, ask_size)

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        """A print (tick-by-tick AllLast). IB sends no aggressor side and no trade id: the id
        returned is the one the client derives from the print (``print_trade_id``), and the
        aggressor is lost (trades are not a declared capability)."""
        seconds = await self.gateway.publish_last(
            self._con_id(instrument_id), price, size, "NASDAQ"
        )
        key = (instrument_id, seconds, price, size)
        self._prints[key] = self._prints.get(key, 0) + 1
        return print_trade_id(seconds, price, size, "NASDAQ", self._prints[key])

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
    ) -> None:
        """The minute opening at ``ts_ms`` as TWS streams it: twelve 5-second real-time bars
        (the first carries the range and the volume, the rest stay at the close); a forming
        minute (``closed=False``) lacks its last one."""
        start_s = ts_ms // 1000
        fives = [(start_s, open, high, low, close, volume)]
        fives += [(start_s + 5 * i, close, close, close, close, Decimal(0)) for i in range(1, 12)]
        await self.gateway.publish_real_time_bars(
            self._con_id(instrument_id), fives if closed else fives[:-1]
        )

    async def set_book(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[tuple[Decimal, Decimal]],
        asks: Sequence[tuple[Decimal, Decimal]],
    ) -> None:
        listing = self.gateway.listings[self._con_id(instrument_id)]
        assert listing.sim_symbol is not None
        self.exchange.set_book(listing.sim_symbol, list(bids), list(asks))

    async def set_trading_session(self, instrument_id: InstrumentId, open: bool) -> None:
        """The contract's session opens or closes now (BR2): closed, TWS holds new orders
        (PreSubmitted) and cancels resting DAY orders at the close."""
        listing = self.gateway.listings[self._con_id(instrument_id)]
        assert listing.sim_symbol is not None
        self.gateway.set_session(listing.sim_symbol, open)

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        listing = self.gateway.listings[self._con_id(instrument_id)]
        assert listing.sim_symbol is not None
        self.exchange.update_level(listing.sim_symbol, side, price, size)

    # -- controls: faults -----------------------------------------------------------------------

    async def drop_connections(self, mode: Literal["fin", "rst"]) -> None:
        if mode == "fin":
            await self._proxy.close_fin()
        else:
            await self._proxy.reset_rst()

    async def go_silent(self, silent: bool = True) -> None:
        if silent:
            self._proxy.blackhole()
        else:
            self._proxy.restore()

    async def refuse_connections(self, refuse: bool = True) -> None:
        if refuse:
            self._proxy.refuse()
        else:
            self._proxy.restore()

    async def send_malformed(self) -> None:
        """A frame whose payload does not end with NUL (no TWS message does)."""
        for client in list(self.gateway.clients):
            await client.stream.send(b"1\x006\x00not-a-message")

    async def send_oversized(self, size: int) -> int:
        taken = 0
        for client in list(self.gateway.clients):
            taken = max(taken, await client.stream.send_oversized(size))
        return taken

    async def send_notice(self, code: int) -> None:
        """TWS's connectivity notices on demand (1100 lost, 1101 restored - data lost, 1102
        restored - data maintained, 2104/2106/2158 farm OK, 2107/2108 farm inactive)."""
        await self.gateway.send_notice(code)

    def add_malformed_instrument(self) -> None:
        self.gateway.malformed_contract = True

    def fail_next_requests(
        self,
        count: int,
        status: int,
        *,
        retry_after: float | None = None,
        venue_code: str | int | None = None,
        path: str | None = None,
    ) -> None:
        raise NotImplementedError("the TWS API has no HTTP requests to fail (features.http_api)")

    # -- observations ---------------------------------------------------------------------------

    @property
    def connection_count(self) -> int:
        return len(self.gateway.clients)

    @property
    def total_connections(self) -> int:
        return self.gateway.server.connections

    @property
    def tcp_connections(self) -> int:
        return self._proxy.connections

    @property
    def connection_attempt_times(self) -> Sequence[float]:
        return self._attempts

    @property
    def logins(self) -> int:
        return self.gateway.handshakes

    @property
    def login_failures(self) -> int:
        return self.gateway.refused_handshakes

    def active_subscriptions(self) -> list[set[str]]:
        return self.gateway.market_data_subscriptions

    def subscription_messages(self) -> int:
        wanted = {str(Out.REQ_MKT_DATA), str(Out.REQ_TICK_BY_TICK), str(Out.REQ_MKT_DEPTH)}
        return sum(1 for c in self.gateway.all_clients for f in c.received if f[0] in wanted)

    @property
    def text_pings(self) -> int:
        return sum(
            1
            for c in self.gateway.all_clients
            for f in c.received
            if f[0] == str(Out.REQ_CURRENT_TIME)
        )

    @property
    def requests(self) -> Sequence[RecordedRequest]:
        """The socket has no HTTP requests; its reqHistoricalData messages are the request
        log (method ``TWS``, the fields by name in ``query``), for the history scenarios."""
        return self.gateway.history_requests

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        listing = self.gateway.listings[self._con_id(instrument_id)]
        assert listing.sim_symbol is not None
        last_open = self.exchange.now() // 1_000_000_000 // 60 * 60 - 60
        tick = self.exchange.instrument(listing.sim_symbol).tick_size  # type: ignore[union-attr]
        rows = []
        for i in range(bars):
            opened = last_open - (bars - 1 - i) * 60
            base = Decimal(100) + tick * (i % 50)
            rows.append(
                (opened, base, base + tick * 2, base - tick, base + tick, Decimal(10 + i % 7))
            )
        self.gateway.history_bars[listing.sim_symbol] = rows

    def history_page_size(self) -> int | None:
        return 1440  # one day of one-minute bars per reqHistoricalData

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        """reqHistoricalData's fields as TWS wants them: a UTC ``yyyymmdd-hh:mm:ss`` end, a
        ``1 min`` bar size, a duration in seconds within a day, TRADES, epoch dates."""
        q = dict(request.query)
        problems = []
        if not re.fullmatch(r"\d{8}-\d{2}:\d{2}:\d{2}", q.get("endDateTime", "")):
            problems.append(f"endDateTime {q.get('endDateTime')!r} is not yyyymmdd-hh:mm:ss (UTC)")
        if q.get("barSizeSetting") != "1 min":
            problems.append(f"barSizeSetting {q.get('barSizeSetting')!r} != '1 min'")
        duration = re.fullmatch(r"(\d+) S", q.get("durationStr", ""))
        if duration is None or not 0 < int(duration.group(1)) <= 86_400:
            problems.append(f"durationStr {q.get('durationStr')!r} is not 1..86400 S")
        elif int(duration.group(1)) > 5 * 60 * 2:
            problems.append(f"durationStr {q.get('durationStr')!r} asks far more than 5 bars")
        if q.get("whatToShow") != "TRADES":
            problems.append(f"whatToShow {q.get('whatToShow')!r} != 'TRADES'")
        if q.get("formatDate") != "2":
            problems.append(f"formatDate {q.get('formatDate')!r} != '2' (epoch seconds)")
        return problems

    async def wait_until(
        self, predicate: Any, *, timeout: float = 10.0, what: str = "condition"
    ) -> None:
        from tradeport_conformance.harness import wait_until

        await wait_until(predicate, timeout=timeout, what=what)


def anyio_clock_ns() -> int:
    """Wall-clock UNIX ns for the simulated exchange (fills and orders carry real times)."""
    return time.time_ns()
