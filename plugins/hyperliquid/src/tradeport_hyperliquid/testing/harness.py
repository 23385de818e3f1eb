"""The Hyperliquid mock venue: ``POST /info``, ``POST /exchange`` and ``/ws`` on the
SimulatedExchange.

Speaks what the real venue does on the wire:

* ``/exchange`` recovers the signer of every action from its EIP-712 signature (L1 phantom
  agent over the msgpack action hash) and refuses a signer that is neither the account's wallet
  nor one of its approved agents (``{"status": "err", "response": "User or API Wallet 0x...
  does not exist."}``, HTTP 200); it refuses reused nonces and nonces at or below the smallest
  of the signer's 100 highest, or outside (now - 2 days, now + 1 day); per-order outcomes are
  ``statuses`` (``resting``, ``filled``, ``error`` strings); prices must follow the venue's rules
  (5 significant figures, ``6 - szDecimals`` / ``8 - szDecimals`` decimals);
* ``/info`` answers the request types the plugin uses (``meta``, ``spotMeta``, ``allMids``,
  ``l2Book``, ``candleSnapshot``, ``userRole``, ``frontendOpenOrders``, ``orderStatus``,
  ``userFillsByTime``, ``clearinghouseState``, ``spotClearinghouseState``) from the exchange;
* ``/ws``: signed actions over ``post`` (the same checks and answers as ``/exchange``);
  ``{"method": "ping"}`` -> ``{"channel": "pong"}``; subscribe/unsubscribe acks
  (``subscriptionResponse`` echoing the subscription); ``l2Book`` whole books on subscribe and
  on every change, ``bbo``, ``trades``, ``candle``, ``activeAssetCtx``; ``orderUpdates`` and
  ``userFills`` and ``userFundings`` (a snapshot first, ``isSnapshot: true``) fed by the exchange's
  events and controls; ``allMids`` on every book change; ``post``
  info requests answered on channel ``post``.

Simplifications (stated so nobody mistakes them for the venue): the $10 minimum order value is
not enforced (the suite's sizes are tiny), trigger orders trigger on trades (the venue uses the
mark price), a modified order keeps its oid, and spot and perps share one balance pool.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Final

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from eth_account import Account
from tradeport.model.enums import (
    AggressorSide,
    OrderSide,
    OrderStatus,
    OrderType,
    ProductType,
    TimeInForce,
)
from tradeport.model.identifiers import InstrumentId
from tradeport.net import json_codec
from tradeport.testing import Request, Response
from tradeport_conformance.harness import Credentials, ProtocolFeatures, RecordedRequest
from tradeport_conformance.mock import MockVenue, StreamConnection
from tradeport_conformance.simulated import (
    BookUpdated,
    IdStyle,
    OrderEvent,
    OrderFilled,
    OrderRejected,
    PostOnlyCross,
    PublicTrade,
    RejectReason,
    SimEvent,
    SimInstrument,
    SimOrder,
    SimulatedExchange,
)

from tradeport_hyperliquid.constants import (
    MAX_SIGNIFICANT_FIGURES,
    PERP_MAX_DECIMALS,
    SPOT_ASSET_OFFSET,
    SPOT_MAX_DECIMALS,
)
from tradeport_hyperliquid.credential import recover_l1_signer
from tradeport_hyperliquid.enums import CANDLE_INTERVALS
from tradeport_hyperliquid.symbology import client_order_id_of, is_cloid, perp_id, spot_id
from tradeport_hyperliquid.testing.render import (
    amount,
    asset_of,
    ms,
    render_fill,
    render_level,
    render_order,
    render_position,
    text,
    venue_status,
)
from tradeport_hyperliquid.websocket.messages import topic_of

log = logging.getLogger("tradeport.hyperliquid.mock")

__all__ = ["HyperliquidHarness", "MASTER_KEY", "AGENT_KEY", "WRONG_KEY", "MASTER", "AGENT"]

#: The account's own wallet, an agent it approved, and a key the venue does not know.
MASTER_KEY: Final = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
AGENT_KEY: Final = "0x" + "8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f"
WRONG_KEY: Final = "0x" + "1" * 64
MASTER: Final = Account.from_key(MASTER_KEY).address.lower()
AGENT: Final = Account.from_key(AGENT_KEY).address.lower()
#: Candles one candleSnapshot answer holds (docs: 5000).
CANDLES_PAGE: Final = 5000
_MINUTE_MS: Final = 60_000
_DAY_MS: Final = 86_400_000
#: Nonces the venue remembers per signer.
_NONCE_MEMORY: Final = 100

_ERRORS: Final = {
    RejectReason.INSUFFICIENT_BALANCE: "Insufficient margin to place order.",
    RejectReason.WOULD_CROSS: "Post only order would have immediately matched, bbo was {bbo}.",
    RejectReason.REDUCE_ONLY_VIOLATION: "Reduce only order would increase position.",
    RejectReason.INVALID_PRICE_INCREMENT: "Order has invalid price.",
    RejectReason.INVALID_PRICE: "Order has invalid price.",
    RejectReason.INVALID_QUANTITY_INCREMENT: "Order has invalid size.",
    RejectReason.INVALID_QUANTITY: "Order has invalid size.",
    RejectReason.WOULD_TRIGGER_IMMEDIATELY: "Trigger price would trigger immediately.",
    RejectReason.UNKNOWN_ORDER: "Order was never placed, already canceled, or filled.",
    RejectReason.ORDER_NOT_OPEN: "Order was never placed, already canceled, or filled.",
    RejectReason.QUANTITY_BELOW_FILLED: "Cannot modify to a size below the filled size.",
}

Handler = Callable[[Mapping[str, Any]], Awaitable[Any]]


def _decimals(value: Decimal) -> int:
    return max(0, -int(value.normalize().as_tuple().exponent))


class HyperliquidHarness(MockVenue):
    """Hyperliquid's mock venue and the conformance controls (see the module docstring)."""

    venue = "hyperliquid"
    features = ProtocolFeatures(
        server_control_ping=False,
        text_ping=True,
        # The user stream's credential check (userRole over the socket) is the "login".
        stream_login=True,
        timestamp_window=False,
        book_sequence=False,
        subscription_refusal=True,
        close_codes=True,
        venue_rate_limit_code=False,
        signed_reads=False,
        # openOrders / orderStatus rows carry no average fill price.
        order_avg_px=False,
        private_hold=True,
    )
    absent_features: ClassVar[Mapping[str, str]] = {
        "login_clock": (
            "Hyperliquid's streams have no login that expires: user topics are subscribed by "
            "address, and only actions are signed (each with its own nonce)"
        ),
    }
    stream_paths: ClassVar[Sequence[str]] = ("/ws",)

    def __init__(self) -> None:
        self._bars: dict[str, list[tuple[int, Decimal]]] = {}
        self._malformed = False
        self._pending = 0
        self.agents: dict[str, str] = {AGENT: MASTER}
        self._nonces: dict[str, list[int]] = {}
        self._refusal = ""
        self.scheduled_cancel_ms: int | None = None
        #: How far ahead a dead-man switch must be set (the venue's 5 s; tests lower it).
        self.schedule_cancel_min_ms = 5000
        #: Signed actions received over the socket's ``post`` channel.
        self.posted_actions = 0
        #: Nonces accepted, per signer, in arrival order (observation for tests).
        self.accepted_nonces: dict[str, list[int]] = {}
        send: MemoryObjectSendStream[SimEvent]
        send, self._events_in = anyio.create_memory_object_stream(max_buffer_size=math.inf)
        self._events_out = send
        super().__init__()
        self.exchange.subscribe(self._on_sim_event)

    # -- exchange ---------------------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        """BTC and ETH perpetuals (assets 0 and 1), the HIP-3 perp ``test:ABC`` (asset 110000),
        the spot pair ``@1`` TEST/USDC (asset 10001). Sizes and ticks follow ``szDecimals`` exactly as the venue derives them."""
        sim = SimulatedExchange(
            seed=11,
            clock=time.time_ns,
            post_only_cross=PostOnlyCross.REJECT,
            id_style=IdStyle.NUMERIC,
        )
        for index, (coin, sz_decimals) in enumerate((("BTC", 5), ("ETH", 4))):
            sim.add_instrument(
                SimInstrument(
                    symbol=coin,
                    product_type=ProductType.PERPETUAL,
                    base_asset=coin,
                    quote_asset="USDC",
                    settle_asset="USDC",
                    tick_size=Decimal(1).scaleb(-(PERP_MAX_DECIMALS - sz_decimals)),
                    lot_size=Decimal(1).scaleb(-sz_decimals),
                    maker_fee=Decimal("0.00015"),
                    taker_fee=Decimal("0.00045"),
                    initial_margin_rate=Decimal("0.025"),
                    fee_in_quote=True,
                    meta={"asset": index, "szDecimals": sz_decimals, "maxLeverage": 40},
                )
            )
        # A builder-deployed (HIP-3) dex "test" (perp dex index 1) with one coin.
        sim.add_instrument(
            SimInstrument(
                symbol="test:ABC",
                product_type=ProductType.PERPETUAL,
                base_asset="ABC",
                quote_asset="USDC",
                settle_asset="USDC",
                tick_size=Decimal("0.01"),
                lot_size=Decimal("0.0001"),
                maker_fee=Decimal("0.00015"),
                taker_fee=Decimal("0.00045"),
                initial_margin_rate=Decimal("0.1"),
                fee_in_quote=True,
                meta={"asset": 110_000, "szDecimals": 4, "maxLeverage": 10, "dex": "test"},
            )
        )
        spot_decimals = 7
        sim.add_instrument(
            SimInstrument(
                symbol="@1",
                product_type=ProductType.SPOT,
                base_asset="TEST",
                quote_asset="USDC",
                tick_size=Decimal(1).scaleb(-(SPOT_MAX_DECIMALS - spot_decimals)),
                lot_size=Decimal(1).scaleb(-spot_decimals),
                maker_fee=Decimal("0.0004"),
                taker_fee=Decimal("0.0007"),
                meta={"asset": SPOT_ASSET_OFFSET + 1, "szDecimals": spot_decimals, "index": 1},
            )
        )
        sim.set_balance("USDC", Decimal("100000"))
        sim.set_balance("TEST", Decimal("1000"))
        return sim

    def _by_asset(self, asset: Any) -> SimInstrument | None:
        for inst in self.exchange.instruments():
            if inst.meta.get("asset") == asset:
                return inst
        return None

    def _sim_of(self, instrument_id: InstrumentId) -> SimInstrument:
        for inst in self.exchange.instruments():
            if self._id_of(inst) == instrument_id:
                return inst
        raise KeyError(f"the mock venue does not list {instrument_id}")

    @staticmethod
    def _id_of(inst: SimInstrument) -> InstrumentId:
        if inst.product_type is ProductType.SPOT:
            return spot_id(inst.base_asset, inst.quote_asset)
        return perp_id(inst.symbol)

    # -- what the clients are given -----------------------------------------------------------------

    def client_config(self, credentials: Credentials = "valid", **overrides: Any) -> dict[str, Any]:
        """Config pointing at this mock venue: ``valid`` signs with the approved agent for the
        master account (the venue's recommended setup), ``invalid`` with an unknown key."""
        config: dict[str, Any] = {
            "base_url_http": self.http_url,
            "base_url_ws": self.ws_url,
            # The mock is a testnet: phantom agents are signed with source "b".
            "testnet": True,
            "perp_dexs": ["test"],
            # A lost answer on the socket's post channel is waited for this long.
            "http_timeout": 5.0,
            "reconnect_delay_initial": 0.05,
            "reconnect_delay_max": 1.0,
            "http_retry_delay": 0.05,
        }
        if credentials in ("valid", "skewed"):
            config.update(api_secret=AGENT_KEY, account_address=MASTER)
        elif credentials == "invalid":
            config.update(api_secret=WRONG_KEY, account_address=MASTER)
        config.update(overrides)
        return config

    def instrument_id(self, product: ProductType) -> InstrumentId | None:
        """BTC-PERP for perpetuals, TEST-USDC for spot."""
        if product is ProductType.PERPETUAL:
            return perp_id("BTC")
        if product is ProductType.SPOT:
            return spot_id("TEST", "USDC")
        return None

    @property
    def secrets(self) -> Sequence[str]:
        """The private keys handed out (with and without the 0x prefix)."""
        keys = (MASTER_KEY, AGENT_KEY, WRONG_KEY)
        return (*keys, *(k[2:] for k in keys))

    # -- envelopes and signatures ---------------------------------------------------------------------

    @staticmethod
    def ok(data: Any, kind: str = "order") -> dict[str, Any]:
        """An accepted action."""
        if data is None:
            return {"status": "ok", "response": {"type": kind}}
        return {"status": "ok", "response": {"type": kind, "data": data}}

    @staticmethod
    def err(message: str) -> dict[str, Any]:
        """A refused action: (HTTP 200) ``{"status": "err", "response": message}``."""
        return {"status": "err", "response": message}

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        """HTTP errors as the venue sends them (plain text); a venue code is an ``err`` body."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if venue_code is not None:
            return Response.json(
                {"status": "err", "response": message or str(venue_code)},
                status=status,
                headers=headers,
            )
        return Response.text(message or "error", status=status, headers=headers)

    def signature_failure_response(self, request: Request) -> Response:
        """The venue answers HTTP 200 with the reason (unknown signer, bad nonce)."""
        return Response.json(self.err(self._refusal or "Invalid signature"))

    def verify_signature(self, request: Request) -> bool:
        """Recover the signer of the action and check it and its nonce, as the venue does."""
        try:
            body = request.json()
        except ValueError as exc:
            self._refusal = f"Failed to deserialize the JSON body: {exc}"
            return False
        return self.verify_body(body)

    def verify_body(self, body: Mapping[str, Any]) -> bool:
        """The signer and nonce checks of one signed action body (REST or ``post``)."""
        try:
            action = body["action"]
            nonce = int(body["nonce"])
            signer = recover_l1_signer(
                action,
                body["signature"],
                body.get("vaultAddress"),
                nonce,
                mainnet=False,  # the mock is a testnet: phantom agent source "b"
                expires_after=body.get("expiresAfter"),
            ).lower()
        except (KeyError, TypeError, ValueError) as exc:
            self._refusal = f"Failed to deserialize the JSON body: {exc}"
            return False
        if signer != MASTER and self.agents.get(signer) != MASTER:
            self._refusal = f"User or API Wallet {signer} does not exist."
            return False
        problem = self._check_nonce(signer, nonce)
        if problem is not None:
            self._refusal = problem
            return False
        return True

    def _check_nonce(self, signer: str, nonce: int) -> str | None:
        now = ms(time.time_ns())
        if not now - 2 * _DAY_MS < nonce < now + _DAY_MS:
            return f"Invalid nonce: {nonce} is outside the allowed window"
        seen = self._nonces.setdefault(signer, [])
        if nonce in seen:
            return f"Invalid nonce: duplicate nonce {nonce}"
        if len(seen) >= _NONCE_MEMORY and nonce <= min(seen):
            return f"Invalid nonce: {nonce} is lower than all of the last {_NONCE_MEMORY}"
        seen.append(nonce)
        if len(seen) > _NONCE_MEMORY:
            seen.remove(min(seen))
        self.accepted_nonces.setdefault(signer, []).append(nonce)
        return None

    # -- routes -------------------------------------------------------------------------------------

    def setup_routes(self) -> None:
        """``/info`` (reads, unsigned) and ``/exchange`` (every action signed)."""
        self.route("POST", "/info", self._info_route)
        self.route("POST", "/exchange", self._exchange_route, signed=True)

    async def _info_route(self, request: Request) -> Response:
        try:
            body = request.json()
        except ValueError:
            return Response.text("Failed to deserialize the JSON body", status=422)
        answer = await self.info(body)
        if answer is _UNKNOWN:
            return Response.text(f"Failed to deserialize the JSON body: {body}", status=422)
        return Response.json(answer)

    async def info(self, body: Mapping[str, Any]) -> Any:
        """The answer to one info request (HTTP and the socket's ``post`` share it)."""
        handler = self._info_handlers().get(str(body.get("type")))
        if handler is None:
            return _UNKNOWN
        return await handler(body)

    def _info_handlers(self) -> dict[str, Handler]:
        return {
            "meta": self._meta,
            "perpDexs": self._perp_dexs,
            "spotMeta": self._spot_meta,
            "allMids": self._all_mids,
            "l2Book": self._l2_book,
            "candleSnapshot": self._candles,
            "userRole": self._user_role,
            "frontendOpenOrders": self._open_orders,
            "openOrders": self._open_orders,
            "orderStatus": self._order_status,
            "userFillsByTime": self._fills,
            "userFills": self._fills,
            "clearinghouseState": self._clearinghouse,
            "spotClearinghouseState": self._spot_clearinghouse,
        }

    async def _perp_dexs(self, body: Mapping[str, Any]) -> Any:
        return [
            None,
            {"name": "test", "fullName": "test dex", "deployer": MASTER, "oracleUpdater": None},
        ]

    @staticmethod
    def _dex_of(inst: SimInstrument) -> str | None:
        """The perp dex of an instrument (None for spot)."""
        if inst.product_type is ProductType.SPOT:
            return None
        return str(inst.meta.get("dex", ""))

    def _in_dex(self, symbol: str, dex: str) -> bool:
        """Whether a query about perp dex ``dex`` covers ``symbol`` (spot goes with the main)."""
        inst = self.exchange.instrument(symbol)
        if inst is None:
            return False
        own = self._dex_of(inst)
        return own == dex or (own is None and dex == "")

    async def _meta(self, body: Mapping[str, Any]) -> Any:
        dex = str(body.get("dex") or "")
        perps = sorted(
            (
                i
                for i in self.exchange.instruments()
                if i.product_type is ProductType.PERPETUAL and self._dex_of(i) == dex
            ),
            key=asset_of,
        )
        universe: list[dict[str, Any]] = [
            {
                "name": i.symbol,
                "szDecimals": i.meta["szDecimals"],
                "maxLeverage": i.meta["maxLeverage"],
                "marginTableId": i.meta["maxLeverage"],
            }
            for i in perps
        ]
        if self._malformed and not dex:
            universe.append({"name": "BROKEN", "maxLeverage": 10})  # no szDecimals
        return {
            "universe": universe,
            "marginTables": [
                [40, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 40}]}]
            ],
        }

    async def _spot_meta(self, body: Mapping[str, Any]) -> Any:
        spots = [i for i in self.exchange.instruments() if i.product_type is ProductType.SPOT]
        tokens = [
            {
                "name": "USDC",
                "szDecimals": 8,
                "weiDecimals": 8,
                "index": 0,
                "tokenId": "0x" + "6d" * 16,
                "isCanonical": True,
                "evmContract": None,
                "fullName": None,
            }
        ]
        universe = []
        for inst in spots:
            index = int(inst.meta["index"])
            tokens.append(
                {
                    "name": inst.base_asset,
                    "szDecimals": inst.meta["szDecimals"],
                    "weiDecimals": 8,
                    "index": index,
                    "tokenId": "0x" + f"{index:032x}",
                    "isCanonical": False,
                    "evmContract": None,
                    "fullName": None,
                }
            )
            universe.append(
                {"tokens": [index, 0], "name": inst.symbol, "index": index, "isCanonical": False}
            )
        return {"tokens": tokens, "universe": universe}

    def _mid(self, inst: SimInstrument) -> Decimal | None:
        book = self.exchange.book(inst.symbol, 1)
        if book.bids and book.asks:
            return (book.bids[0][0] + book.asks[0][0]) / 2
        return self.exchange.last_price(inst.symbol)

    async def _all_mids(self, body: Mapping[str, Any]) -> Any:
        out = {}
        for inst in self.exchange.instruments():
            mid = self._mid(inst)
            if mid is not None:
                out[inst.symbol] = text(mid)
        return out

    def _book_record(self, symbol: str) -> dict[str, Any]:
        book = self.exchange.book(symbol, 20)
        return {
            "coin": symbol,
            "time": ms(time.time_ns()),
            "levels": [
                [render_level(p, q) for p, q in book.bids],
                [render_level(p, q) for p, q in book.asks],
            ],
        }

    async def _l2_book(self, body: Mapping[str, Any]) -> Any:
        coin = str(body.get("coin"))
        if self.exchange.instrument(coin) is None:
            return None
        return self._book_record(coin)

    async def _candles(self, body: Mapping[str, Any]) -> Any:
        req = body.get("req") or {}
        coin = str(req.get("coin"))
        if req.get("interval") != "1m":
            return []
        start, end = int(req.get("startTime") or 0), int(req.get("endTime") or 2**62)
        rows = [b for b in self._bars.get(coin, []) if start <= b[0] <= end]
        rows.sort(key=lambda b: b[0])
        return [
            {
                "t": t,
                "T": t + _MINUTE_MS - 1,
                "s": coin,
                "i": "1m",
                "o": text(price),
                "c": text(price),
                "h": text(price + 1),
                "l": text(price - 1),
                "v": "1.0",
                "n": 1,
            }
            for t, price in rows[:CANDLES_PAGE]
        ]

    async def _user_role(self, body: Mapping[str, Any]) -> Any:
        user = str(body.get("user", "")).lower()
        if user == MASTER:
            return {"role": "user"}
        if user in self.agents:
            return {"role": "agent", "data": {"user": self.agents[user]}}
        return {"role": "missing"}

    @staticmethod
    def _is_account(body: Mapping[str, Any]) -> bool:
        return str(body.get("user", "")).lower() == MASTER

    async def _open_orders(self, body: Mapping[str, Any]) -> Any:
        if not self._is_account(body):
            return []
        dex = str(body.get("dex") or "")
        return [render_order(o) for o in self.exchange.open_orders() if self._in_dex(o.symbol, dex)]

    async def _order_status(self, body: Mapping[str, Any]) -> Any:
        if not self._is_account(body):
            return {"status": "unknownOid"}
        key = body.get("oid")
        order: SimOrder | None
        if isinstance(key, str) and is_cloid(key):
            order = self.exchange.order(None, client_order_id=str(client_order_id_of(key)))
        else:
            order = self.exchange.order(str(key))
        if order is None:
            return {"status": "unknownOid"}
        return {
            "status": "order",
            "order": {
                "order": render_order(order),
                "status": venue_status(order),
                "statusTimestamp": ms(order.ts_updated or order.ts_created),
            },
        }

    async def _fills(self, body: Mapping[str, Any]) -> Any:
        if not self._is_account(body):
            return []
        start = body.get("startTime")
        end = body.get("endTime")
        fills = self.exchange.fills(
            start_ns=int(start) * 1_000_000 if start is not None else None,
            end_ns=int(end) * 1_000_000 + 999_999 if end is not None else None,
        )
        fills = sorted(fills, key=lambda f: f.ts)[:2000]
        return [render_fill(f, self.exchange.order(f.venue_order_id)) for f in fills]

    async def _clearinghouse(self, body: Mapping[str, Any]) -> Any:
        dex = str(body.get("dex") or "")
        positions = [
            p
            for p in (self.exchange.positions() if self._is_account(body) else [])
            if self._in_dex(p.symbol, dex)
        ]
        return {
            "assetPositions": [
                render_position(p, self.exchange.mark_price(p.symbol))
                for p in positions
                if p.quantity
            ],
            "marginSummary": {
                "accountValue": "0.0",
                "totalNtlPos": "0.0",
                "totalRawUsd": "0.0",
                "totalMarginUsed": amount(sum((p.margin for p in positions), Decimal(0))),
            },
            "crossMaintenanceMarginUsed": "0.0",
            "withdrawable": "0.0",
            "time": ms(time.time_ns()),
        }

    async def _spot_clearinghouse(self, body: Mapping[str, Any]) -> Any:
        if not self._is_account(body):
            return {"balances": []}
        return {
            "balances": [
                {
                    "coin": b.asset,
                    "token": 0 if b.asset == "USDC" else 1,
                    "hold": amount(b.locked),
                    "total": amount(b.total),
                    "entryNtl": "0.0",
                }
                for b in self.exchange.balances()
            ]
        }

    # -- /exchange -------------------------------------------------------------------------------------

    async def _exchange_route(self, request: Request) -> Response:
        return Response.json(self.execute(request.json()["action"]))

    def execute(self, action: Mapping[str, Any]) -> dict[str, Any]:
        """The answer to one verified action (REST ``/exchange`` and the socket's ``post``)."""
        kind = action.get("type")
        if kind == "order":
            return self.ok({"statuses": [self._place(w) for w in action.get("orders") or []]})
        if kind == "cancel":
            return self.ok(
                {
                    "statuses": [
                        self._cancel(c.get("a"), str(c.get("o")), None)
                        for c in action.get("cancels") or []
                    ]
                },
                "cancel",
            )
        if kind == "cancelByCloid":
            return self.ok(
                {
                    "statuses": [
                        self._cancel(c.get("asset"), None, c.get("cloid"))
                        for c in action.get("cancels") or []
                    ]
                },
                "cancel",
            )
        if kind == "batchModify":
            return self.ok(
                {
                    "statuses": [
                        self._modify(m.get("oid"), m.get("order") or {})
                        for m in action.get("modifies") or []
                    ]
                }
            )
        if kind == "scheduleCancel":
            at = action.get("time")
            if at is not None and int(at) < ms(time.time_ns()) + self.schedule_cancel_min_ms:
                return self.err(
                    "Scheduled cancel time too early, must be at least 5 seconds from now."
                )
            self.scheduled_cancel_ms = at
            return self.ok(None, "default")
        return self.err(f"Unknown action type {kind!r}")

    def _price_problem(self, inst: SimInstrument, price: Decimal) -> str | None:
        top = SPOT_MAX_DECIMALS if inst.product_type is ProductType.SPOT else PERP_MAX_DECIMALS
        if _decimals(price) > top - int(inst.meta["szDecimals"]):
            return "Order has invalid price."
        digits = len(price.normalize().as_tuple().digits)
        if price != price.to_integral_value() and digits > MAX_SIGNIFICANT_FIGURES:
            return "Order has invalid price."
        return None

    def _place(self, wire: Mapping[str, Any]) -> Any:
        inst = self._by_asset(wire.get("a"))
        if inst is None:
            return {"error": f"Invalid asset {wire.get('a')}"}
        try:
            price = Decimal(str(wire["p"]))
            size = Decimal(str(wire["s"]))
        except (KeyError, InvalidOperation):
            return {"error": "Order has invalid size."}
        problem = self._price_problem(inst, price)
        if problem is not None:
            return {"error": f"{problem} asset={asset_of(inst)}"}
        side = OrderSide.BUY if wire.get("b") else OrderSide.SELL
        order_type_wire = wire.get("t") or {}
        cloid = wire.get("c")
        coid = (
            str(client_order_id_of(cloid)) if isinstance(cloid, str) and is_cloid(cloid) else None
        )
        kwargs: dict[str, Any] = {"client_order_id": coid, "reduce_only": bool(wire.get("r"))}
        if "limit" in order_type_wire:
            tif = order_type_wire["limit"].get("tif")
            result = self.exchange.submit(
                inst.symbol,
                side,
                OrderType.LIMIT,
                size,
                price=price,
                time_in_force=TimeInForce.IOC if tif == "Ioc" else TimeInForce.GTC,
                post_only=tif == "Alo",
                **kwargs,
            )
        elif "trigger" in order_type_wire:
            trigger = order_type_wire["trigger"]
            trigger_px = Decimal(str(trigger["triggerPx"]))
            problem = self._price_problem(inst, trigger_px)
            if problem is not None:
                return {"error": f"{problem} asset={asset_of(inst)}"}
            stop = trigger.get("tpsl") == "sl"
            market = bool(trigger.get("isMarket"))
            order_type = {
                (True, True): OrderType.STOP_MARKET,
                (True, False): OrderType.STOP_LIMIT,
                (False, True): OrderType.MARKET_IF_TOUCHED,
                (False, False): OrderType.LIMIT_IF_TOUCHED,
            }[(stop, market)]
            result = self.exchange.submit(
                inst.symbol,
                side,
                order_type,
                size,
                price=None if market else price,
                trigger_price=trigger_px,
                **kwargs,
            )
        else:
            return {"error": "Order has invalid type."}
        if not result.ok or result.order is None:
            return {"error": self._error_text(result.reason, inst)}
        order = result.order
        if order.status is OrderStatus.FILLED:
            return {
                "filled": {
                    "totalSz": text(order.filled_qty),
                    "avgPx": text(order.avg_px or price),
                    "oid": int(order.venue_order_id),
                }
            }
        if order.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
            if order.filled_qty:
                return {
                    "filled": {
                        "totalSz": text(order.filled_qty),
                        "avgPx": text(order.avg_px or price),
                        "oid": int(order.venue_order_id),
                    }
                }
            return {
                "error": "Order could not immediately match against any resting orders. "
                f"asset={asset_of(inst)}"
            }
        return {"resting": {"oid": int(order.venue_order_id)}}

    def _error_text(self, reason: RejectReason | None, inst: SimInstrument) -> str:
        message = _ERRORS.get(reason, f"Order rejected: {reason}") if reason else "Order rejected."
        if "{bbo}" in message:
            book = self.exchange.book(inst.symbol, 1)
            bid = text(book.bids[0][0]) if book.bids else "0"
            ask = text(book.asks[0][0]) if book.asks else "0"
            message = message.format(bbo=f"{bid}@{ask}")
        return f"{message} asset={asset_of(inst)}"

    def _cancel(self, asset: Any, oid: str | None, cloid: Any) -> Any:
        inst = self._by_asset(asset)
        if inst is None:
            return {"error": f"Invalid asset {asset}"}
        coid = (
            str(client_order_id_of(cloid)) if isinstance(cloid, str) and is_cloid(cloid) else None
        )
        if oid is None and coid is None:
            return {"error": "Order was never placed, already canceled, or filled."}
        result = self.exchange.cancel(oid, client_order_id=coid if oid is None else None)
        if not result.ok:
            return {"error": f"Order was never placed, already canceled, or filled. asset={asset}"}
        return "success"

    def _modify(self, key: Any, wire: Mapping[str, Any]) -> Any:
        inst = self._by_asset(wire.get("a"))
        if inst is None:
            return {"error": f"Invalid asset {wire.get('a')}"}
        if isinstance(key, str) and is_cloid(key):
            void, coid = None, str(client_order_id_of(key))
        else:
            void, coid = str(key), None
        order = self.exchange.order(void, client_order_id=coid)
        if order is None or not order.status.is_open:
            return {"error": "Cannot modify canceled or filled order"}
        price = Decimal(str(wire["p"]))
        problem = self._price_problem(inst, price)
        if problem is not None:
            return {"error": problem}
        trigger = (wire.get("t") or {}).get("trigger")
        result = self.exchange.amend(
            order.venue_order_id,
            quantity=Decimal(str(wire["s"])),
            price=price if order.price is not None else None,
            trigger_price=Decimal(str(trigger["triggerPx"])) if trigger else None,
        )
        if not result.ok or result.order is None:
            return {"error": self._error_text(result.reason, inst)}
        return {"resting": {"oid": int(result.order.venue_order_id)}}

    # -- streams ----------------------------------------------------------------------------------------

    async def serve_stream(self, conn: StreamConnection) -> None:
        """One ``/ws`` connection: pings, subscriptions, ``post`` info requests."""
        while True:
            raw = await conn.ws.receive()
            try:
                message = json_codec.loads(raw)
            except (ValueError, TypeError):
                await conn.send_json({"channel": "error", "data": f"Invalid message: {raw!r}"})
                continue
            if not isinstance(message, dict):
                continue
            method = message.get("method")
            if method == "ping":
                self.record_text_ping()
                await conn.send_json({"channel": "pong"})
            elif method == "subscribe":
                self.record_subscribe_message()
                await self._subscribe(conn, message.get("subscription") or {})
            elif method == "unsubscribe":
                await self._unsubscribe(conn, message.get("subscription") or {})
            elif method == "post":
                await self._post(conn, message)

    def _topic(self, subscription: Mapping[str, Any]) -> str | None:
        """The topic of a valid subscription, None for one the venue refuses."""
        try:
            topic = topic_of(subscription)
        except KeyError:
            return None
        kind = subscription["type"]
        if "coin" in subscription and self.exchange.instrument(str(subscription["coin"])) is None:
            return None
        if kind == "candle" and subscription.get("interval") not in CANDLE_INTERVALS:
            return None
        return topic

    async def _subscribe(self, conn: StreamConnection, subscription: Mapping[str, Any]) -> None:
        topic = self._topic(subscription)
        if topic is None:
            await conn.send_json(
                {
                    "channel": "error",
                    "data": f"Invalid subscription {json_codec.dumps(subscription)}",
                }
            )
            return
        conn.topics.add(topic)
        self.server.notify()
        await conn.send_json(
            {
                "channel": "subscriptionResponse",
                "data": {"method": "subscribe", "subscription": dict(subscription)},
            }
        )
        kind = subscription["type"]
        if kind == "l2Book":
            await conn.send_json(
                {"channel": "l2Book", "data": self._book_record(str(subscription["coin"]))}
            )
        elif kind == "allMids":
            await conn.send_json({"channel": "allMids", "data": {"mids": await self._all_mids({})}})
        elif kind == "userFundings":
            await conn.send_json(
                {
                    "channel": "userFundings",
                    "data": {"isSnapshot": True, "user": MASTER, "fundings": []},
                }
            )
        elif kind == "userFills":
            fills = [
                render_fill(f, self.exchange.order(f.venue_order_id)) for f in self.exchange.fills()
            ]
            await conn.send_json(
                {
                    "channel": "userFills",
                    "data": {"isSnapshot": True, "user": MASTER, "fills": fills},
                }
            )

    async def _unsubscribe(self, conn: StreamConnection, subscription: Mapping[str, Any]) -> None:
        topic = self._topic(subscription)
        if topic is not None:
            conn.topics.discard(topic)
        self.server.notify()
        await conn.send_json(
            {
                "channel": "subscriptionResponse",
                "data": {"method": "unsubscribe", "subscription": dict(subscription)},
            }
        )

    async def _post(self, conn: StreamConnection, message: Mapping[str, Any]) -> None:
        request = message.get("request") or {}
        request_id = message.get("id")
        if request.get("type") == "action":
            body = request.get("payload") or {}
            self.posted_actions += 1
            if self.take_failure("/exchange") is not None:
                # An injected fault on the order path: the answer is lost (the socket's
                # equivalent of a 5xx; the venue never ran the action).
                return
            answer = (
                self.execute(body["action"]) if self.verify_body(body) else self.err(self._refusal)
            )
            await conn.send_json(
                {
                    "channel": "post",
                    "data": {"id": request_id, "response": {"type": "action", "payload": answer}},
                }
            )
            return
        if request.get("type") != "info":
            await conn.send_json(
                {
                    "channel": "post",
                    "data": {
                        "id": request_id,
                        "response": {
                            "type": "error",
                            "payload": f"Invalid post request type {request.get('type')!r}",
                        },
                    },
                }
            )
            return
        payload = request.get("payload") or {}
        answer = await self.info(payload)
        if answer is _UNKNOWN:
            response: dict[str, Any] = {
                "type": "error",
                "payload": f"Invalid info request {payload}",
            }
        else:
            response = {"type": "info", "payload": {"type": payload.get("type"), "data": answer}}
        if payload.get("type") == "userRole":
            user = str(payload.get("user", "")).lower()
            known = user == MASTER or user in self.agents
            conn.authenticated = known
            self.record_login(known)
        await conn.send_json({"channel": "post", "data": {"id": request_id, "response": response}})

    # -- exchange events -> streams ----------------------------------------------------------------------

    def _on_sim_event(self, event: SimEvent) -> None:
        self._pending += 1
        self._events_out.send_nowait(event)

    async def __aenter__(self) -> HyperliquidHarness:
        await super().__aenter__()
        assert self._task_group is not None
        self._task_group.start_soon(self._pump, self._events_in)
        self._task_group.start_soon(self._recheck)
        self._task_group.start_soon(self._dead_man_switch)
        return self

    async def _dead_man_switch(self) -> None:
        """Cancel every open order when the scheduled cancel time passes (``scheduleCancel``)."""
        while True:
            await anyio.sleep(0.02)
            at = self.scheduled_cancel_ms
            if at is not None and ms(time.time_ns()) >= at:
                self.scheduled_cancel_ms = None
                self.exchange.cancel_all()

    async def _recheck(self) -> None:
        # Suite predicates read client state the server never sees change: re-check them.
        while True:
            await anyio.sleep(0.02)
            self.server.notify()

    async def _pump(self, events: MemoryObjectReceiveStream[SimEvent]) -> None:
        async for event in events:
            try:
                await self._deliver(event)
            except Exception:  # a mock bug must show, not cancel the test silently
                log.exception("mock venue: delivering %r failed", event)
            finally:
                self._pending -= 1
                self.server.notify()

    async def push_account_events(self) -> None:
        """Return once every exchange event so far has been sent on the streams."""
        await self.wait_until(lambda: self._pending == 0, what="exchange events delivered")

    async def _deliver(self, event: SimEvent) -> None:
        now = ms(time.time_ns())
        if isinstance(event, BookUpdated):
            record = self._book_record(event.symbol)
            await self.broadcast(f"l2Book:{event.symbol}", {"channel": "l2Book", "data": record})
            mids = {"channel": "allMids", "data": {"mids": await self._all_mids({})}}
            await self.broadcast("allMids", mids)
            bids, asks = record["levels"]
            await self.broadcast(
                f"bbo:{event.symbol}",
                {
                    "channel": "bbo",
                    "data": {
                        "coin": event.symbol,
                        "time": now,
                        "bbo": [bids[0] if bids else None, asks[0] if asks else None],
                    },
                },
            )
        elif isinstance(event, PublicTrade):
            await self.broadcast(
                f"trades:{event.symbol}",
                {
                    "channel": "trades",
                    "data": [
                        {
                            "coin": event.symbol,
                            "side": "B" if event.aggressor_side is AggressorSide.BUYER else "A",
                            "px": text(event.price),
                            "sz": text(event.quantity),
                            "hash": "0x" + format(int(event.trade_id), "064x"),
                            "time": ms(event.ts),
                            "tid": int(event.trade_id),
                            "users": [MASTER, "0x" + "0" * 40],
                        }
                    ],
                },
            )
        elif isinstance(event, OrderRejected):
            return  # answered in the action's statuses
        elif isinstance(event, OrderEvent):
            order = event.order
            basic = render_order(order)
            item = {
                "order": {
                    k: basic[k]
                    for k in (
                        "coin",
                        "side",
                        "limitPx",
                        "sz",
                        "oid",
                        "timestamp",
                        "origSz",
                        "cloid",
                    )
                    if basic.get(k) is not None
                },
                "status": venue_status(order),
                "statusTimestamp": now,
            }
            await self._send_user(
                f"orderUpdates:{MASTER}", {"channel": "orderUpdates", "data": [item]}
            )
            if isinstance(event, OrderFilled):
                await self._send_user(
                    f"userFills:{MASTER}",
                    {
                        "channel": "userFills",
                        "data": {"user": MASTER, "fills": [render_fill(event.fill, order)]},
                    },
                )

    async def _send_user(self, topic: str, payload: Any) -> None:
        # User topics are subscribed by address, without a login: every subscriber gets them
        # (through send_private, so hold_private_events can withhold them).
        await self.send_private(lambda conn: topic in conn.topics, payload, logged_in=False)

    # -- controls: market data --------------------------------------------------------------------------

    async def publish_quote(
        self,
        instrument_id: InstrumentId,
        bid: Decimal,
        ask: Decimal,
        bid_size: Decimal,
        ask_size: Decimal,
    ) -> None:
        """A ``bbo`` message with this top of book."""
        coin = self._sim_of(instrument_id).symbol
        await self.broadcast(
            f"bbo:{coin}",
            {
                "channel": "bbo",
                "data": {
                    "coin": coin,
                    "time": ms(time.time_ns()),
                    "bbo": [render_level(bid, bid_size), render_level(ask, ask_size)],
                },
            },
        )

    async def publish_trade(
        self, instrument_id: InstrumentId, price: Decimal, size: Decimal, aggressor: AggressorSide
    ) -> str:
        """A public trade (the exchange fills resting orders it reaches); returns its ``tid``."""
        coin = self._sim_of(instrument_id).symbol
        events = self.exchange.trade(coin, price, size, aggressor)
        trade = next(e for e in events if isinstance(e, PublicTrade))
        await self.push_account_events()
        return str(int(trade.trade_id))

    async def set_book(
        self,
        instrument_id: InstrumentId,
        bids: Sequence[tuple[Decimal, Decimal]],
        asks: Sequence[tuple[Decimal, Decimal]],
    ) -> None:
        """Replace the venue's book (subscribers get the whole new book)."""
        self.exchange.set_book(self._sim_of(instrument_id).symbol, bids=bids, asks=asks)
        await self.push_account_events()

    async def publish_book_update(
        self, instrument_id: InstrumentId, side: OrderSide, price: Decimal, size: Decimal
    ) -> None:
        """One level changes; subscribers get the whole book again (the venue sends no deltas)."""
        self.exchange.update_level(self._sim_of(instrument_id).symbol, side, price, size)
        await self.push_account_events()

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
        """The candle starting at ``ts_ms``, then the first update of the next one (which is how
        the venue shows a candle closed)."""
        coin = self._sim_of(instrument_id).symbol
        topic = f"candle:{coin}:1m"
        for start, values in (
            (ts_ms, (open, close, high, low, volume)),
            (ts_ms + _MINUTE_MS, (close, close, close, close, Decimal(0))),
        ):
            o, c, h, lo, v = values
            await self.broadcast(
                topic,
                {
                    "channel": "candle",
                    "data": {
                        "t": start,
                        "T": start + _MINUTE_MS - 1,
                        "s": coin,
                        "i": "1m",
                        "o": text(o),
                        "c": text(c),
                        "h": text(h),
                        "l": text(lo),
                        "v": text(v),
                        "n": 1,
                    },
                },
            )

    async def publish_mark_price(
        self,
        instrument_id: InstrumentId,
        mark: Decimal,
        index: Decimal,
        funding_rate: Decimal,
        next_funding_ms: int,
    ) -> None:
        """An ``activeAssetCtx`` with this mark, oracle (index) and funding (the venue sends no
        next funding time: ``next_funding_ms`` has nowhere to go)."""
        inst = self._sim_of(instrument_id)
        self.exchange.set_mark_price(inst.symbol, mark)
        self.exchange.set_index_price(inst.symbol, index)
        await self.broadcast(
            f"activeAssetCtx:{inst.symbol}",
            {
                "channel": "activeAssetCtx",
                "data": {
                    "coin": inst.symbol,
                    "ctx": {
                        "dayNtlVlm": "0.0",
                        "prevDayPx": text(mark),
                        "markPx": text(mark),
                        "midPx": text(mark),
                        "funding": amount(funding_rate),
                        "openInterest": "0.0",
                        "oraclePx": text(index),
                        "premium": "0.0",
                        "impactPxs": [text(mark), text(mark)],
                    },
                },
            },
        )

    async def publish_user_funding(
        self, instrument_id: InstrumentId, usdc: Decimal, position_size: Decimal, rate: Decimal
    ) -> None:
        """An hourly funding payment of the account on ``userFundings``."""
        coin = self._sim_of(instrument_id).symbol
        await self.broadcast(
            f"userFundings:{MASTER}",
            {
                "channel": "userFundings",
                "data": {
                    "user": MASTER,
                    "fundings": [
                        {
                            "time": ms(time.time_ns()),
                            "coin": coin,
                            "usdc": amount(usdc),
                            "szi": amount(position_size),
                            "fundingRate": amount(rate),
                        }
                    ],
                },
            },
        )

    # -- controls: faults and history ---------------------------------------------------------------------

    def add_malformed_instrument(self) -> None:
        """The perpetuals universe gains a record without ``szDecimals``."""
        self._malformed = True

    def history_page_size(self) -> int:
        """Candles per ``candleSnapshot`` answer."""
        return CANDLES_PAGE

    def seed_history(self, instrument_id: InstrumentId, *, bars: int = 0, trades: int = 0) -> None:
        """One-minute candles ending before the current minute (trades: no history endpoint)."""
        coin = self._sim_of(instrument_id).symbol
        now_ms = ms(self.exchange.now())
        last_start = (now_ms // _MINUTE_MS - 1) * _MINUTE_MS
        price = Decimal("1000")
        self._bars[coin] = [(last_start - i * _MINUTE_MS, price) for i in range(bars)]

    def check_history_request(self, request: RecordedRequest) -> list[str]:
        """``candleSnapshot`` parameters: names, millisecond times, a venue interval."""
        if request.path != "/info":
            return []
        body = json_codec.loads(request.body)
        if body.get("type") != "candleSnapshot":
            return []
        req = body.get("req") or {}
        problems = [f"unknown field {k!r}" for k in body if k not in ("type", "req")]
        allowed = {"coin", "interval", "startTime", "endTime"}
        problems += [f"unknown parameter {k!r}" for k in req if k not in allowed]
        problems += [f"missing {k!r}" for k in ("coin", "interval", "startTime") if k not in req]
        for key in ("startTime", "endTime"):
            if key in req and (not isinstance(req[key], int) or len(str(req[key])) != 13):
                problems.append(f"{key}={req[key]} is not in milliseconds")
        if req.get("interval") not in CANDLE_INTERVALS:
            problems.append(f"interval={req.get('interval')} is not a venue interval")
        return problems


_UNKNOWN: Final = object()
