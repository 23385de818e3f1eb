"""The dYdX mock venue: the indexer's REST API and WebSocket on the SimulatedExchange.

Speaks what the indexer does on the wire:

* ``GET /v4/perpetualMarkets`` -> ``{"markets": {ticker: record}}`` with the chain parameters
  (``atomicResolution``, ``quantumConversionExponent``, ``stepBaseQuantums``,
  ``subticksPerTick``) that give the exchange's tick and step exactly;
  ``GET /v4/orderbooks/perpetualMarket/{ticker}`` -> ``{"bids": [{"price", "size"}], "asks"}``;
  ``GET /v4/trades/perpetualMarket/{ticker}`` (``limit``, ``createdBeforeOrAt``) ->
  ``{"trades": [...]}`` newest first; errors ``{"errors": [{"msg", "param", "location"}]}``;
* ``/v4/ws``: ``connected`` first, then ``subscribe`` / ``unsubscribe`` answered with
  ``subscribed`` (the initial contents: the book snapshot, recent trades) / ``unsubscribed``,
  unknown channels or markets with ``error``; data as ``channel_data`` (trades) and
  ``channel_batch_data`` (batched book level changes, ``[price, size]``, size ``"0"`` deletes);
  every message carries the connection's ``connection_id`` and its next ``message_id``.
  The indexer's pings are WebSocket control frames.

The node (``/cosmos/...``, the validator's REST gateway) is :class:`ValidatorStub` on the same
loopback server; it knows the test wallet's account (number 7). Its CheckTx places orders on
the SimulatedExchange and the indexer reports them at the next block, on REST and on
``v4_subaccounts`` (:class:`~tradeport_dydx.testing.private.SubaccountIndexer`).
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Final

from tradeport.model.enums import AggressorSide, OrderSide, ProductType
from tradeport.model.identifiers import InstrumentId
from tradeport.net import json_codec
from tradeport.testing import Request, Response
from tradeport_conformance.harness import Credentials, ProtocolFeatures, RecordedRequest
from tradeport_conformance.mock import MockVenue, StreamConnection
from tradeport_conformance.simulated import (
    PostOnlyCross,
    PublicTrade,
    SimInstrument,
    SimulatedExchange,
)

from tradeport_dydx.candles import RESOLUTIONS
from tradeport_dydx.constants import QUOTE_ATOMIC_RESOLUTION
from tradeport_dydx.http.parse import ns_to_iso
from tradeport_dydx.market import DydxMarket
from tradeport_dydx.symbology import instrument_id_of
from tradeport_dydx.testing.private import SubaccountIndexer
from tradeport_dydx.testing.validator import ValidatorStub

__all__ = [
    "DydxHarness",
    "MARKETS",
    "CHAIN_ID",
    "TEST_MNEMONIC",
    "TEST_PRIVATE_KEY",
    "TEST_ACCOUNT_NUMBER",
]

#: ticker -> (clobPairId, atomicResolution, quantumConversionExponent, stepBaseQuantums,
#: subticksPerTick, initial/maintenance margin fraction): the live BTC-USD and ETH-USD values.
MARKETS: Final = {
    "BTC-USD": (0, -10, -9, 1_000_000, 100_000, "0.02", "0.012"),
    "ETH-USD": (1, -9, -9, 1_000_000, 100_000, "0.02", "0.012"),
}
_TRADES_LIMIT: Final = 100
_CANDLES_LIMIT: Final = 100
#: The wallet handed to clients (the official SDK's public test mnemonic; reads need no
#: wallet, but the config carries one as a trading client's does).
TEST_MNEMONIC: Final = (
    "mandate glove carry despair area gloom sting round toddler deal face vague receive "
    "shallow confirm south green cup rain drill monkey method tongue fence"
)
TEST_PRIVATE_KEY: Final = "0a7ff605269ed00853a425beda719da038a11792f6dddf31c087b2988b4dc8fe"
#: The mock chain and the wallet's account there.
CHAIN_ID: Final = "dydx-testnet-4"
TEST_ACCOUNT_NUMBER: Final = 7


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _market_record(ticker: str, oracle: Decimal) -> dict[str, Any]:
    clob, atomic, qce, step_q, spt, imf, mmf = MARKETS[ticker]
    step = Decimal(step_q).scaleb(atomic)
    tick = Decimal(spt).scaleb(-(atomic - qce - QUOTE_ATOMIC_RESOLUTION))
    return {
        "clobPairId": str(clob),
        "ticker": ticker,
        "status": "ACTIVE",
        "oraclePrice": _text(oracle),
        "priceChange24H": "0",
        "volume24H": "0",
        "trades24H": 0,
        "nextFundingRate": "0",
        "initialMarginFraction": imf,
        "maintenanceMarginFraction": mmf,
        "openInterest": "0",
        "atomicResolution": atomic,
        "quantumConversionExponent": qce,
        "tickSize": _text(tick),
        "stepSize": _text(step),
        "stepBaseQuantums": step_q,
        "subticksPerTick": spt,
        "marketType": "CROSS",
        "openInterestLowerCap": "0",
        "openInterestUpperCap": "0",
        "baseOpenInterest": "0",
        "defaultFundingRate1H": "0",
    }


class DydxHarness(SubaccountIndexer, MockVenue):
    """dYdX's mock indexer and the conformance controls (see the module docstring)."""

    venue = "dydx"
    features = ProtocolFeatures(
        server_control_ping=True,
        text_ping=False,
        stream_login=False,
        timestamp_window=False,
        # message_id reveals a lost message on the connection: the book resyncs.
        book_sequence=True,
        subscription_refusal=True,
        close_codes=True,
        venue_rate_limit_code=False,
        signed_reads=False,
        # The chain's client id is a uint32: the client's own ids are not kept (hashed).
        client_order_ids=False,
        # Indexer order rows carry no average fill price.
        order_avg_px=False,
        private_hold=True,
    )
    absent_features: ClassVar[Mapping[str, str]] = {
        "login_clock": (
            "dYdX's indexer stream has no login: v4_subaccounts is subscribed by address, and "
            "only transactions are signed (with the account's sequence)"
        ),
    }
    stream_paths: ClassVar[Sequence[str]] = ("/v4/ws",)
    server_ping_interval = 0.2

    def __init__(self) -> None:
        self._trade_ids = itertools.count(1)
        self._trades: dict[str, list[dict[str, Any]]] = {t: [] for t in MARKETS}
        self._sent_books: dict[str, tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]] = {
            t: ({}, {}) for t in MARKETS
        }
        #: 1MIN candles per market, newest first.
        self._candles: dict[str, list[dict[str, Any]]] = {t: [] for t in MARKETS}
        self._malformed = False
        self._oracles: dict[str, Decimal] = {}
        #: The node: REST gateway of a validator on the same loopback server.
        self.validator = ValidatorStub(CHAIN_ID)
        from tradeport_dydx.chain.keys import DydxKey

        self.address = DydxKey.from_hex(TEST_PRIVATE_KEY).address
        self.validator.add_account(
            self.address,
            TEST_ACCOUNT_NUMBER,
            public_key=DydxKey.from_hex(TEST_PRIVATE_KEY).public_key,
        )
        self._init_private()
        super().__init__()
        self.validator.on_message = self.check_message
        self.validator.on_block = self.on_new_block
        self.exchange.subscribe(self.on_sim_event)

    async def __aenter__(self) -> DydxHarness:
        await super().__aenter__()
        assert self._task_group is not None
        self._task_group.start_soon(self.validator.run_blocks)
        self._task_group.start_soon(self.run_indexer)
        return self

    async def start_grpc(self) -> str:
        """Serve the validator stub over gRPC too (the ``grpc`` transport; needs grpcio);
        returns its ``grpc://127.0.0.1:port`` for ``node_grpc_url``."""
        from tradeport_dydx.testing.grpc_node import GrpcValidator

        assert self._task_group is not None, "start the mock venue first (async with)"
        self.grpc_node = GrpcValidator(self.validator)
        url: str = await self._task_group.start(self.grpc_node.serve)
        return url

    def market_of(self, ticker: str) -> DydxMarket:
        """The chain parameters of ``ticker``."""
        clob, atomic, qce, step_q, spt, _imf, _mmf = MARKETS[ticker]
        return DydxMarket(ticker, clob, atomic, qce, step_q, spt)

    def ticker_of_clob(self, clob_pair_id: int) -> str | None:
        """The market of a clob pair id."""
        return next((t for t, m in MARKETS.items() if m[0] == clob_pair_id), None)

    async def send_indexer(self, conn: StreamConnection, payload: dict[str, Any]) -> None:
        await self._send(conn, payload)

    # -- exchange -------------------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        """BTC-USD and ETH-USD perpetuals with the indexer's tick and step."""
        # A post-only order that would cross is refused at CheckTx (clob 2003).
        sim = SimulatedExchange(seed=24, clock=time.time_ns, post_only_cross=PostOnlyCross.REJECT)
        for ticker, (_, atomic, qce, step_q, spt, imf, _mmf) in MARKETS.items():
            sim.add_instrument(
                SimInstrument(
                    symbol=ticker,
                    product_type=ProductType.PERPETUAL,
                    base_asset=ticker.split("-")[0],
                    quote_asset="USD",
                    settle_asset="USDC",
                    tick_size=Decimal(spt).scaleb(-(atomic - qce - QUOTE_ATOMIC_RESOLUTION)),
                    lot_size=Decimal(step_q).scaleb(atomic),
                    # The smallest order is one step (stepBaseQuantums).
                    min_qty=Decimal(step_q).scaleb(atomic),
                    initial_margin_rate=Decimal(imf),
                    # Fee tier 1 (docs "Trading fees"): maker 1 bp, taker 5 bps, in USDC.
                    maker_fee=Decimal("0.0001"),
                    taker_fee=Decimal("0.0005"),
                    fee_in_quote=True,
                )
            )
        sim.set_balance("USDC", Decimal("10000"))
        return sim

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        """Config pointing at this mock indexer (reads need no credentials)."""
        config: dict[str, Any] = {
            "base_url_http": self.http_url,
            "base_url_ws": self.ws_url + "/v4/ws",
            "network": "testnet",
            "node_url": self.http_url,
            "reconnect_delay_initial": 0.05,
            "reconnect_delay_max": 1.0,
            "http_retry_delay": 0.05,
        }
        if credentials in ("valid", "skewed"):
            config["mnemonic"] = TEST_MNEMONIC
        elif credentials == "invalid":
            # A key that is not the wallet's own (nor an API trading key of it).
            config["private_key"] = "11" * 32
            config["address"] = self.address
        config.update(overrides)
        return config

    @property
    def secrets(self) -> Sequence[str]:
        """The wallet secrets handed out."""
        return (TEST_MNEMONIC, TEST_PRIVATE_KEY, "11" * 32)

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        """BTC-USD for perpetuals."""
        return instrument_id_of("BTC-USD") if product is ProductType.PERPETUAL else None

    # -- HTTP -----------------------------------------------------------------------------------

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        """The indexer's error envelope (express-validator style)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"errors": [{"msg": message or "error", "param": venue_code, "location": "query"}]}
        return Response.json(body, status=status, headers=headers)

    def verify_signature(self, request: Request) -> bool:
        """Indexer reads are not signed; a broadcast's transaction signature is checked as the
        chain does (the validator stub's verdict)."""
        if request.path == "/cosmos/tx/v1beta1/txs":
            return self.validator.signature_ok(request)
        return True

    def signature_failure_response(self, request: Request) -> Response:
        """The node's CheckTx answer to a transaction the chain refuses to authenticate."""
        return self.validator.refusal_response(request)

    def setup_routes(self) -> None:
        self.validator.install(self)
        self.install_private_routes(self.route)
        self.route("GET", "/v4/perpetualMarkets", self._markets)
        for ticker in MARKETS:
            self.route("GET", f"/v4/orderbooks/perpetualMarket/{ticker}", self._orderbook)
            self.route("GET", f"/v4/trades/perpetualMarket/{ticker}", self._trades_route)
            self.route("GET", f"/v4/candles/perpetualMarkets/{ticker}", self._candles_route)

    def _oracle(self, ticker: str) -> Decimal:
        if ticker in self._oracles:
            return self._oracles[ticker]
        book = self.exchange.book(ticker)
        if book.bids and book.asks:
            return (book.bids[0][0] + book.asks[0][0]) / 2
        return Decimal(1000)

    async def _markets(self, request: Request) -> Response:
        wanted = request.param("ticker")
        markets: dict[str, Any] = {
            t: _market_record(t, self._oracle(t)) for t in MARKETS if wanted in (None, t)
        }
        if self._malformed:
            broken = {**_market_record("BTC-USD", Decimal(1)), "ticker": "BROKEN-USD"}
            del broken["atomicResolution"]
            markets["BROKEN-USD"] = broken
        return Response.json({"markets": markets})

    def _levels(self, ticker: str) -> dict[str, list[dict[str, str]]]:
        book = self.exchange.book(ticker)
        return {
            "bids": [{"price": _text(p), "size": _text(s)} for p, s in book.bids],
            "asks": [{"price": _text(p), "size": _text(s)} for p, s in book.asks],
        }

    async def _orderbook(self, request: Request) -> Response:
        return Response.json(self._levels(request.path.rsplit("/", 1)[1]))

    async def _trades_route(self, request: Request) -> Response:
        ticker = request.path.rsplit("/", 1)[1]
        try:
            limit = int(request.param("limit") or _TRADES_LIMIT)
        except ValueError:
            return self.error_response(400, venue_code="limit", message="limit must be an integer")
        if not 1 <= limit <= _TRADES_LIMIT:
            return self.error_response(400, venue_code="limit", message="limit must be 1..100")
        trades = self._trades[ticker]  # newest first
        before = request.param("createdBeforeOrAt")
        if before is not None:
            trades = [t for t in trades if t["createdAt"] <= before]
        return Response.json({"trades": trades[:limit]})

    async def _candles_route(self, request: Request) -> Response:
        ticker = request.path.rsplit("/", 1)[1]
        if request.param("resolution") not in RESOLUTIONS:
            return self.error_response(
                400, venue_code="resolution", message="resolution must be a valid Candle Resolution"
            )
        try:
            limit = int(request.param("limit") or _CANDLES_LIMIT)
        except ValueError:
            return self.error_response(400, venue_code="limit", message="limit must be an integer")
        if not 1 <= limit <= _CANDLES_LIMIT:
            return self.error_response(
                400, venue_code="limit", message=f"limit must be 1..{_CANDLES_LIMIT}"
            )
        candles = self._candles[ticker]
        start, end = request.param("fromISO"), request.param("toISO")
        if start is not None:
            candles = [c for c in candles if c["startedAt"] >= start]
        if end is not None:
            candles = [c for c in candles if c["startedAt"] <= end]
        return Response.json({"candles": candles[:limit]})

    # -- stream ---------------------------------------------------------------------------------

    async def _send(self, conn: StreamConnection, payload: dict[str, Any]) -> None:
        await conn.send_json(self.numbered(conn, payload))

    def numbered(self, conn: StreamConnection, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload`` as the connection's next message (its connection_id and message_id)."""
        message_id = conn.state.get("next_id", 0)
        conn.state["next_id"] = message_id + 1
        return {**payload, "connection_id": conn.state["connection_id"], "message_id": message_id}

    async def _broadcast(self, topic: str, payload: dict[str, Any]) -> None:
        for conn in list(self.streams):
            if topic in conn.topics:
                await self._send(conn, payload)

    async def serve_stream(self, conn: StreamConnection) -> None:
        conn.state["connection_id"] = str(uuid.uuid4())
        await self._send(conn, {"type": "connected"})
        while True:
            raw = await conn.ws.receive()
            try:
                message = json_codec.loads(raw)
            except (ValueError, TypeError):
                await self._send(
                    conn,
                    {"type": "error", "message": f"Invalid message: could not parse {raw!r:.60}"},
                )
                continue
            if not isinstance(message, dict):
                continue
            kind, channel, market = (
                message.get("type"),
                message.get("channel"),
                message.get("id") or "",
            )
            topic = f"{channel}:{market}"
            if kind == "subscribe":
                self.record_subscribe_message()
                if channel == "v4_subaccounts":
                    # The private stream has no login: its subscription stands for one.
                    self.record_login(market == self.subaccount_channel_id)
                await self._subscribe(conn, str(channel), str(market), topic)
            elif kind == "unsubscribe":
                conn.topics.discard(topic)
                self.server.notify()
                await self._send(
                    conn,
                    {
                        "type": "unsubscribed",
                        "channel": channel,
                        **({"id": market} if market else {}),
                    },
                )
            else:
                await self._send(
                    conn, {"type": "error", "message": f"Invalid message type: {kind}"}
                )

    async def _subscribe(
        self, conn: StreamConnection, channel: str, market: str, topic: str
    ) -> None:
        ticker, _, resolution = market.partition("/")
        valid = (
            (channel in ("v4_trades", "v4_orderbook") and market in MARKETS)
            or (channel == "v4_candles" and ticker in MARKETS and resolution in RESOLUTIONS)
            or (channel == "v4_markets" and not market)
            or (channel == "v4_subaccounts" and market == self.subaccount_channel_id)
        )
        if not valid:
            await self._send(
                conn,
                {
                    "type": "error",
                    "message": f"Invalid subscribe message: invalid channel or id {channel} {market}",
                },
            )
            return
        if topic in conn.topics:
            await self._send(
                conn,
                {
                    "type": "error",
                    "message": f"Invalid subscribe message: already subscribed ({channel}, {market})",
                },
            )
            return
        contents: Any
        if channel == "v4_orderbook":
            contents = self._levels(market)
        elif channel == "v4_markets":
            contents = {"markets": {t: _market_record(t, self._oracle(t)) for t in MARKETS}}
        elif channel == "v4_subaccounts":
            contents = self.subscribed_contents()
        elif channel == "v4_candles":
            contents = {"candles": self._candles[ticker][:_CANDLES_LIMIT]}
        else:
            contents = {"trades": self._trades[market][:_TRADES_LIMIT]}
        conn.topics.add(topic)
        self.server.notify()
        reply = {"type": "subscribed", "channel": channel, "id": market, "contents": contents}
        if not market:
            del reply["id"]
        await self._send(conn, reply)

    # -- controls: market data -------------------------------------------------------------------

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        """The indexer has no quotes channel (QUOTES is not declared)."""
        raise NotImplementedError("dYdX's indexer has no quotes channel")

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        """A public trade on ``v4_trades``; returns its id."""
        ticker = str(instrument_id.symbol)
        events = self.exchange.trade(ticker, price, size, aggressor)
        trade = next(e for e in events if isinstance(e, PublicTrade))
        trade_id = f"{next(self._trade_ids):024x}"
        record = {
            "id": trade_id,
            "side": "BUY" if aggressor is AggressorSide.BUYER else "SELL",
            "size": _text(trade.quantity),
            "price": _text(trade.price),
            "type": "LIMIT",
            "createdAt": ns_to_iso(trade.ts),
            "createdAtHeight": str(1000 + next(self._trade_ids)),
        }
        self._trades[ticker].insert(0, record)
        await self._broadcast(
            f"v4_trades:{ticker}",
            {
                "type": "channel_data",
                "channel": "v4_trades",
                "id": ticker,
                "version": "2.1.0",
                "contents": {"trades": [record]},
            },
        )
        return trade_id

    @staticmethod
    def _candle(
        ticker: str, start_ns: int, o: Decimal, h: Decimal, low: Decimal, c: Decimal, v: Decimal
    ) -> dict[str, Any]:
        return {
            "startedAt": ns_to_iso(start_ns),
            "ticker": ticker,
            "resolution": "1MIN",
            "low": _text(low),
            "high": _text(h),
            "open": _text(o),
            "close": _text(c),
            "baseTokenVolume": _text(v),
            "usdVolume": _text(v * c),
            "trades": 1,
            "startingOpenInterest": "0",
            "orderbookMidPriceOpen": _text(o),
            "orderbookMidPriceClose": _text(c),
        }

    async def publish_bar(
        self,
        instrument_id: InstrumentId,
        open: Decimal,
        high: Decimal,
        low: Decimal,
        close: Decimal,
        volume: Decimal,
        ts_ms: int,
    ) -> None:
        """The 1MIN candle starting at ``ts_ms`` with these values, then the next minute's
        first candle (which closes it, as on the venue)."""
        ticker = str(instrument_id.symbol)
        start = ts_ms * 1_000_000
        for candle in (
            self._candle(ticker, start, open, high, low, close, volume),
            self._candle(ticker, start + 60_000_000_000, close, close, close, close, Decimal(0)),
        ):
            self._candles[ticker].insert(0, candle)
            await self._broadcast(
                f"v4_candles:{ticker}/1MIN",
                {
                    "type": "channel_data",
                    "channel": "v4_candles",
                    "id": f"{ticker}/1MIN",
                    "version": "1.0.0",
                    "contents": candle,
                },
            )

    async def publish_oracle_price(self, instrument_id: InstrumentId, price: Decimal) -> None:
        """An oracle price update on ``v4_markets`` (``oraclePrices``)."""
        ticker = str(instrument_id.symbol)
        self._oracles[ticker] = price
        update = {
            ticker: {
                "oraclePrice": _text(price),
                "effectiveAt": ns_to_iso(time.time_ns()),
                "effectiveAtHeight": str(self.validator.height),
                "marketId": MARKETS[ticker][0],
            }
        }
        await self._broadcast(
            "v4_markets:",
            {
                "type": "channel_batch_data",
                "channel": "v4_markets",
                "version": "1.0.0",
                "contents": [{"oraclePrices": update}],
            },
        )

    async def publish_funding_rate(self, instrument_id: InstrumentId, rate: Decimal) -> None:
        """A trading update on ``v4_markets`` carrying the predicted funding rate."""
        ticker = str(instrument_id.symbol)
        update = {
            ticker: {
                "id": str(MARKETS[ticker][0]),
                "clobPairId": str(MARKETS[ticker][0]),
                "ticker": ticker,
                "nextFundingRate": _text(rate),
            }
        }
        await self._broadcast(
            "v4_markets:",
            {
                "type": "channel_data",
                "channel": "v4_markets",
                "version": "1.0.0",
                "contents": {"trading": update},
            },
        )

    async def _publish_book_changes(self, ticker: str) -> None:
        """Send what changed since the last broadcast, as one batched book message."""
        book = self.exchange.book(ticker)
        sent_bids, sent_asks = self._sent_books[ticker]
        updates: dict[str, list[list[str]]] = {}
        for key, levels, sent in (("bids", book.bids, sent_bids), ("asks", book.asks, sent_asks)):
            now = {p: s for p, s in levels}
            changes = [[_text(p), "0"] for p in sent if p not in now]
            changes += [[_text(p), _text(s)] for p, s in now.items() if sent.get(p) != s]
            sent.clear()
            sent.update(now)
            if changes:
                updates[key] = changes
        if updates:
            await self._broadcast_book(ticker, [updates])

    async def _broadcast_book(self, ticker: str, contents: list[dict[str, Any]]) -> None:
        """One batched ``v4_orderbook`` message of level changes."""
        await self._broadcast(
            f"v4_orderbook:{ticker}",
            {
                "type": "channel_batch_data",
                "channel": "v4_orderbook",
                "id": ticker,
                "version": "1.0.0",
                "contents": contents,
            },
        )

    async def set_book(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[tuple[Decimal, Decimal]],
        asks: Sequence[tuple[Decimal, Decimal]],
    ) -> None:
        """Replace the venue's book; subscribers get the level changes."""
        ticker = str(instrument_id.symbol)
        self.exchange.set_book(ticker, bids=bids, asks=asks)
        await self._publish_book_changes(ticker)

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        """One level changes (size 0 removes it)."""
        ticker = str(instrument_id.symbol)
        self.exchange.update_level(ticker, side, price, size)
        await self._publish_book_changes(ticker)

    async def publish_book_gap(self, instrument_id: InstrumentId) -> None:
        """A message is lost: every connection's next message_id skips one."""
        for conn in list(self.streams):
            conn.state["next_id"] = conn.state.get("next_id", 0) + 1
        # A change follows the lost message, as on the venue.
        ticker = str(instrument_id.symbol)
        book = self.exchange.book(ticker)
        self._sent_books[ticker][0].clear()
        self._sent_books[ticker][1].clear()
        await self._broadcast_book(
            ticker, [{"bids": [[_text(p), _text(s)] for p, s in book.bids[:1]]}]
        )
        self._sent_books[ticker] = ({p: s for p, s in book.bids}, {p: s for p, s in book.asks})

    # -- controls: instruments and history --------------------------------------------------------

    def add_malformed_instrument(self) -> None:
        """The market list gains a record without ``atomicResolution``."""
        self._malformed = True

    def history_page_size(self) -> int:
        """Candles (and trades) per page."""
        return _CANDLES_LIMIT

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        """``bars`` 1MIN candles ending before the current minute, ``trades`` trades ending now,
        one per second."""
        ticker = str(instrument_id.symbol)
        now = time.time_ns()
        minute = 60_000_000_000
        last_start = (now // minute - 1) * minute
        price = Decimal(1000)
        self._candles[ticker] = [
            self._candle(
                ticker, last_start - i * minute, price, price, price, price, Decimal("0.001")
            )
            for i in range(bars)
        ]
        records = []
        for i in range(trades):
            records.append(
                {
                    "id": f"{next(self._trade_ids):024x}",
                    "side": "BUY" if i % 2 else "SELL",
                    "size": "0.001",
                    "price": "1000",
                    "type": "LIMIT",
                    "createdAt": ns_to_iso(now - (i + 1) * 1_000_000_000),
                    "createdAtHeight": str(1000 + i),
                }
            )
        self._trades[ticker] = records + self._trades[ticker]

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        """Trades and candles query parameters: names, limits, ISO times, resolutions."""
        if request.path.startswith("/v4/candles/"):
            allowed = {"resolution", "limit", "fromISO", "toISO"}
            problems = [f"unknown parameter {k!r}" for k, _ in request.query if k not in allowed]
            params = dict(request.query)
            if params.get("resolution") not in RESOLUTIONS:
                problems.append(f"resolution={params.get('resolution')} is not a candle resolution")
            limit = params.get("limit", "")
            if limit and not (limit.isdigit() and 1 <= int(limit) <= _CANDLES_LIMIT):
                problems.append(f"limit={limit} is not 1..{_CANDLES_LIMIT}")
            for key in ("fromISO", "toISO"):
                if key in params:
                    try:
                        datetime.fromisoformat(params[key].replace("Z", "+00:00"))
                    except ValueError:
                        problems.append(f"{key}={params[key]} is not an ISO time")
            return problems
        if not request.path.startswith("/v4/trades/"):
            return []
        allowed = {"limit", "createdBeforeOrAt", "createdBeforeOrAtHeight", "page"}
        problems = [f"unknown parameter {k!r}" for k, _ in request.query if k not in allowed]
        for key, value in request.query:
            if key == "limit" and not (value.isdigit() and 1 <= int(value) <= _TRADES_LIMIT):
                problems.append(f"limit={value} is not 1..{_TRADES_LIMIT}")
        return problems
