"""The conformance harness of the Betfair mock venue: configs, seeded instruments, controls
and observations (the wire protocol is :mod:`tradeport_betfair.testing.mock_venue`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradeport.model.enums import AggressorSide, BettingSide, OrderSide, ProductType, TimeInForce
from tradeport.model.identifiers import InstrumentId
from tradeport_conformance.harness import Credentials, ProtocolFeatures
from tradeport_conformance.simulated import PublicTrade

from tradeport_betfair.symbology import runner_id
from tradeport_betfair.testing.mock_venue import (
    APP_KEY,
    MARKETS,
    PASSWORD,
    USERNAME,
    WRONG_PASSWORD,
    BetfairMockVenue,
)

__all__ = ["BetfairHarness"]

_STATUS = {
    "HALTED": "SUSPENDED",
    "PAUSED": "SUSPENDED",
    "SUSPENDED": "SUSPENDED",
    "OPEN": "OPEN",
    "CLOSED": "CLOSED",
    "PRE_OPEN": "INACTIVE",
}


class BetfairHarness(BetfairMockVenue):
    """Betfair's mock venue with the conformance controls."""

    venue = "betfair"
    features = ProtocolFeatures(
        server_control_ping=False,
        # The client's {"op":"heartbeat"}, answered by a status.
        text_ping=True,
        # authentication (app key + session token) on every stream connection.
        stream_login=True,
        timestamp_window=False,
        # No sequence numbers or checksums: clk is the continuity.
        book_sequence=False,
        book_checksum=False,
        subscription_refusal=False,
        # A TLS socket: no close frames.
        close_codes=False,
        venue_rate_limit_code=False,
        # The session token is checked on every call, reads included.
        signed_reads=True,
        # Betfair's market data and catalogue need a session.
        public_data_login=True,
        # Sessions lapse on the mock's login clock (12 h); the stream's authentication
        # presents the session token, which carries no stamp of its own (RC9).
        login_clock=True,
    )

    unsupported_reasons: Mapping[str, str] = {
        "order:LIMIT/GTC": (
            "Betfair has no good-till-cancelled bet; PERSIST is not one: an unmatched PERSIST "
            "bet lives only until its market closes, so declaring it GTC would be false"
        ),
        "capability:positions": "Betfair has no positions: exposure per market is "
        "AccountState.exposures",
    }

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        """Config pointing at this mock venue; ``valid`` logs in with the client certificate."""
        config: dict[str, Any] = {
            "base_url_identity": self.https_url + "/api",
            "base_url_identity_cert": self.https_url + "/api",
            "base_url_http": self.https_url + "/exchange",
            "stream_address": self.stream_address,
            "ca_file": str(self.ca_file),
            "heartbeat_ms": 1000,
            # Loopback TLS connects in milliseconds: a black-holed attempt should not hold a
            # stream back for the default 10 s after the venue is reachable again.
            "ws_connect_timeout": 3.0,
            "reconnect_delay_initial": 0.05,
            "reconnect_delay_max": 1.0,
            "http_retry_delay": 0.05,
            "ack_timeout": 5.0,
        }
        if credentials in ("valid", "skewed", "invalid"):
            config.update(
                api_key=APP_KEY,
                username=USERNAME,
                api_secret=PASSWORD if credentials != "invalid" else WRONG_PASSWORD,
                cert_file=str(self.cert_file),
                key_file=str(self.key_file),
            )
        config.update(overrides)
        return config

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        """The first runner of the win market."""
        if product is not ProductType.BETTING:
            return None
        market = MARKETS[0]
        return runner_id(market["marketId"], market["runners"][0][0])

    @property
    def secrets(self) -> Sequence[str]:
        """The app key, the passwords and every session token handed out."""
        return (APP_KEY, PASSWORD, WRONG_PASSWORD, *sorted(self.tokens))

    def _symbol(self, instrument_id: InstrumentId) -> str:
        if self.exchange.instrument(instrument_id.symbol.value) is None:
            raise KeyError(f"the mock venue does not list {instrument_id}")
        return instrument_id.symbol.value

    # -- controls: market data -------------------------------------------------------------------

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        """Best offers (``batb``/``batl`` level 0): bid = best back, ask = best lay."""
        inst = self.exchange.instrument(self._symbol(instrument_id))
        assert inst is not None
        rc: dict[str, Any] = {
            "id": inst.meta["selectionId"],
            "batb": [[0, bid, bid_size]],
            "batl": [[0, ask, ask_size]],
        }
        if inst.meta["handicap"]:
            rc["hc"] = inst.meta["handicap"]
        await self.publish_market_change({"id": inst.meta["marketId"], "rc": [rc]})

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        """A match at the venue: traded volume rises (``trd``, ``ltp``, ``tv``); returns the id
        the client derives for it (runner, price, new total volume)."""
        symbol = self._symbol(instrument_id)
        events = self.exchange.trade(symbol, price, size, aggressor)
        next(e for e in events if isinstance(e, PublicTrade))
        await self.push_account_events()
        total = self._traded[symbol][price]
        return f"{symbol}-{price.normalize():f}-{total.normalize():f}"

    async def set_book(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[tuple[Decimal, Decimal]],
        asks: Sequence[tuple[Decimal, Decimal]],
    ) -> None:
        """Replace the runner's ladders (subscribers get the changed levels)."""
        self.exchange.set_book(self._symbol(instrument_id), bids=bids, asks=asks)
        await self.push_account_events()

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        """One level of a ladder changes (size 0 removes it)."""
        self.exchange.update_level(self._symbol(instrument_id), side, price, size)
        await self.push_account_events()

    async def publish_instrument_status(self, instrument_id: InstrumentId, status: str) -> None:
        """A market definition with the status (HALTED is Betfair's SUSPENDED)."""
        inst = self.exchange.instrument(self._symbol(instrument_id))
        assert inst is not None
        market_id = inst.meta["marketId"]
        definition = dict(self.definitions[market_id])
        definition["status"] = _STATUS.get(status.upper(), status.upper())
        definition["version"] = int(definition["version"]) + 1
        self.definitions[market_id] = definition
        await self.publish_market_change({"id": market_id, "marketDefinition": definition})

    async def publish_stale(self, instrument_id: InstrumentId) -> None:
        """A change message with ``status: 503`` (the venue's data is stale)."""
        inst = self.exchange.instrument(self._symbol(instrument_id))
        assert inst is not None
        clk = self._tick()
        for conn in list(self.sockets):
            if conn.kind == "market" and conn.open and inst.meta["marketId"] in conn.markets:
                await conn.send(
                    {
                        "op": "mcm",
                        "id": conn.subscription_id,
                        "clk": clk,
                        "pt": 0,
                        "status": 503,
                        "mc": [],
                    }
                )

    async def lapse(self, venue_order_id: str) -> None:
        """The unmatched part of a bet lapses (a LAPSE bet at the in-play turn)."""
        self.lapsed.add(venue_order_id)
        self.exchange.expire(venue_order_id)
        await self.push_account_events()

    async def settle_market(self, market_id: str, winner: int, bsp: Decimal | None = None) -> None:
        """The market closes: ``winner`` won, every other runner lost (``bsp`` the starting
        price of every runner, when given)."""
        definition = dict(self.definitions[market_id])
        runners = []
        for runner in definition["runners"]:
            runner = dict(runner, status="WINNER" if runner["id"] == winner else "LOSER")
            if bsp is not None:
                runner["bsp"] = bsp
            runners.append(runner)
        definition.update(status="CLOSED", runners=runners, version=int(definition["version"]) + 1)
        self.definitions[market_id] = definition
        await self.publish_market_change({"id": market_id, "marketDefinition": definition})

    async def turn_in_play(self, instrument_id: InstrumentId) -> None:
        """The runner's market turns in play (a market definition with ``inPlay``): unmatched
        LAPSE bets lapse, PERSIST bets keep working, starting-price bets are reconciled."""
        inst = self.exchange.instrument(self._symbol(instrument_id))
        assert inst is not None
        market_id = inst.meta["marketId"]
        definition = dict(self.definitions[market_id])
        definition.update(inPlay=True, version=int(definition["version"]) + 1)
        self.definitions[market_id] = definition
        await self.publish_market_change({"id": market_id, "marketDefinition": definition})
        for order in list(self.exchange.open_orders()):
            if self._market_of(order) != market_id:
                continue
            if self.persistence.get(order.venue_order_id, TimeInForce.LAPSE) is TimeInForce.LAPSE:
                await self.lapse(order.venue_order_id)
        await self.reconcile_starting_prices(market_id)

    def bet_side(self, venue_order_id: str) -> BettingSide:
        """The ``side`` the bet's place instruction carried."""
        return BettingSide(self.bet_sides[venue_order_id])

    def bet_persistence(self, venue_order_id: str) -> TimeInForce:
        """A starting-price bet is AT_THE_CLOSE; a limit bet has its persistenceType."""
        if venue_order_id in self.bsp_bets:
            return TimeInForce.AT_THE_CLOSE
        return self.persistence[venue_order_id]

    def venue_exposure(self) -> Decimal:
        """What getAccountFunds reports as the exposure (negated: a positive liability)."""
        return self.exposure()

    def add_malformed_instrument(self) -> None:
        """A catalogue entry whose runner has no selection id."""
        self.malformed_catalogue = True

    # -- controls: faults --------------------------------------------------------------------------

    async def send_malformed(self) -> None:
        for conn in list(self.sockets):
            try:
                await conn.stream.send(b'{"op":"mcm", not json')
            except Exception:  # the connection is going away
                pass

    async def send_oversized(self, size: int) -> int:
        written = 0
        for conn in list(self.sockets):
            try:
                written = max(written, await conn.stream.send_oversized(size))
            except Exception:
                pass
        return written

    # -- observations ------------------------------------------------------------------------------

    @property
    def connection_count(self) -> int:
        return sum(1 for c in self.sockets if c.open)

    @property
    def total_connections(self) -> int:
        return self.stream_server.connections

    @property
    def tcp_connections(self) -> int:
        return self._stream_proxy.connections if self._stream_proxy is not None else 0

    def active_subscriptions(self) -> list[set[str]]:
        return [c.topics for c in self.sockets if c.open and c.kind is not None]
