"""Betfair's mock venue: the identity endpoints, the JSON-RPC Exchange API and the Exchange
Stream API (a TLS socket with CRLF JSON), on the SimulatedExchange.

Everything is real: HTTPS and the stream socket use certificates made at test time by a
throwaway CA (:class:`~tradeport.testing.LoopbackCA`); certificate login reads the client
certificate the TLS handshake received (no certificate: ``CERT_AUTH_REQUIRED``); both the
HTTPS server and the stream server sit behind a :class:`~tradeport.testing.FaultProxy`, so
drops are real FIN/RST and silence is a black hole on a live connection.

Betting on the SimulatedExchange: BACK is SELL and LAY is BUY (the core's mapping), so the
exchange's price-time matching is back/lay matching; the mock keeps what the exchange does not
know (persistence per bet, lapses, the liability of lays for the account funds) itself.

The stream keeps a log of every change message with its ``clk`` (a counter) under one
``initialClk`` per mock: a resubscription carrying both gets only the changes after its clk
(``ct: RESUB_DELTA``), anything else a ``SUB_IMAGE``. Images of several markets are segmented
(``SEG_START``/``SEG``/``SEG_END``, one market per segment).
"""

from __future__ import annotations

import itertools
import logging
import math
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qsl

import anyio
import attrs
from anyio.streams.memory import MemoryObjectSendStream
from tradeport.model.enums import OrderSide, OrderStatus, OrderType, ProductType, TimeInForce
from tradeport.net import CRLF
from tradeport.testing import FaultProxy, LoopbackCA, LoopbackServer, Request, Response
from tradeport.testing.stream_server import ServerStream, StreamClosed, StreamServer
from tradeport_conformance.mock import MockVenue, StreamConnection
from tradeport_conformance.simulated import (
    BookUpdated,
    IdStyle,
    OrderEvent,
    OrderRejected,
    PublicTrade,
    SimEvent,
    SimInstrument,
    SimOrder,
    SimulatedExchange,
)

from tradeport_betfair.constants import PRICE_LADDER
from tradeport_betfair.http.client import decode, encode
from tradeport_betfair.symbology import runner_symbol
from tradeport_betfair.testing.render import (
    bsp_current_order,
    bsp_stream_order,
    catalogue_record,
    cleared_order,
    current_order,
    iso,
    stream_order,
    voided_order,
)

__all__ = ["BetfairMockVenue", "SocketConnection", "APP_KEY", "USERNAME", "PASSWORD", "MARKETS"]

log = logging.getLogger("tradeport.betfair.mock")

APP_KEY = "mock-app-key-5f2b9c"
USERNAME = "bot-account"
PASSWORD = "mock-password-93d1"
WRONG_PASSWORD = "wrong-password-0000"

#: Two markets of event type 7 (horse racing): a win market and a handicap market.
MARKETS: tuple[dict[str, Any], ...] = (
    {
        "marketId": "1.180737206",
        "marketName": "2m Hcap Hrd",
        "marketType": "WIN",
        "eventTypeId": "7",
        "eventTypeName": "Horse Racing",
        "competitionId": "12282733",
        "competitionName": "Cheltenham",
        "eventId": "30359506",
        "eventName": "Chelt 15th Mar",
        "runners": ((39980, "Dobbin", "0"), (47972, "Swift Sally", "0")),
    },
    {
        "marketId": "1.180737207",
        "marketName": "Asian Handicap",
        "marketType": "ASIAN_HANDICAP",
        "eventTypeId": "7",
        "eventTypeName": "Horse Racing",
        "competitionId": "12282733",
        "competitionName": "Cheltenham",
        "eventId": "30359506",
        "eventName": "Chelt 15th Mar",
        "runners": ((39980, "Dobbin", "-1.5"), (47972, "Swift Sally", "1.5")),
    },
)

_STREAM_AUTH_ERRORS = ("INVALID_SESSION_INFORMATION", "INVALID_APP_KEY")


@attrs.define(eq=False)
class SocketConnection:
    """One stream socket as the mock sees it."""

    stream: ServerStream
    kind: Literal["market", "order"] | None = None
    markets: set[str] = attrs.field(factory=set)
    authenticated: bool = False
    subscription_id: int | None = None
    heartbeat_ms: int = 5000
    last_sent: float = 0.0
    open: bool = True

    @property
    def topics(self) -> set[str]:
        if self.kind == "order":
            return {"orders"}
        return set(self.markets)

    async def send(self, payload: Any) -> None:
        try:
            await self.stream.send(encode(payload))
            self.last_sent = anyio.current_time()
        except (
            StreamClosed,
            anyio.BrokenResourceError,
            anyio.ClosedResourceError,
            anyio.EndOfStream,  # a TLS write after the client closed (trio)
            OSError,
        ):
            self.open = False


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class BetfairMockVenue(MockVenue):
    """The wire protocol half of the mock (see the module docstring)."""

    stream_paths: ClassVar[Sequence[str]] = ()

    def __init__(self) -> None:
        self.ca = LoopbackCA()
        self.tmp = Path(tempfile.mkdtemp(prefix="tradeport-betfair-"))
        self.ca_file = self.tmp / "ca.pem"
        self.ca_file.write_bytes(self.ca.ca_pem)
        self.cert_file, self.key_file = self.ca.write_client_cert(self.tmp, USERNAME)
        self.tokens: set[str] = set()
        #: Session token -> when it lapses (login clock ms) unless kept alive.
        self._session_expiry: dict[str, int] = {}
        self._token_ids = itertools.count(1)
        self.markets = {m["marketId"]: dict(m) for m in MARKETS}
        self.definitions: dict[str, dict[str, Any]] = {}
        self.persistence: dict[str, TimeInForce] = {}
        self.lapsed: set[str] = set()
        #: Bet id -> matched size voided (``sv``), set by :meth:`void_matched`.
        self.voided: dict[str, Decimal] = {}
        #: The most listClearedOrders rows per page (Betfair's is 1000; tests make it small).
        self.cleared_page_size = 1000
        self.strategy: dict[str, str] = {}
        self.malformed_catalogue = False
        self.heartbeat_timeout: int | None = None
        self.keep_alives = 0
        self.cert_logins = 0
        self.interactive_logins = 0
        self.sockets: list[SocketConnection] = []
        #: Starting-price bets (LIMIT_ON_CLOSE, MARKET_ON_CLOSE) waiting for the off.
        self.bsp_bets: dict[str, dict[str, Any]] = {}
        #: Per runner symbol: the starting price the in-play turn reconciles at (default: each
        #: bet's own limit, so a LIMIT_ON_CLOSE bet matches in full).
        self.starting_prices: dict[str, Decimal] = {}
        self._bsp_unpublished: list[str] = []
        #: Bet id -> the side the bet carried on the wire ("BACK" | "LAY").
        self.bet_sides: dict[str, str] = {}
        self._bsp_ids = itertools.count(900_000_001)
        #: Subscriptions answered with RESUB_DELTA (resumed from their clk) / with an image.
        self.resumes = 0
        self.segmented_images = 0
        self.stream_server = StreamServer(
            self._serve_socket, framing=CRLF, tls=self.ca.server_context()
        )
        self._stream_proxy: FaultProxy | None = None
        self.initial_clk = "G1"
        self._clk = 0
        self._market_log: list[tuple[int, dict[str, Any]]] = []
        self._order_log: list[tuple[int, dict[str, Any]]] = []
        #: Per runner symbol: the ladders (price -> size) last published, and traded volumes.
        self._published: dict[str, tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]] = {}
        self._traded: dict[str, dict[Decimal, Decimal]] = {}
        self._ltp: dict[str, Decimal] = {}
        #: Per runner symbol: the best offers (batb/batl rows) last published.
        self.best_offers: dict[str, dict[str, list[list[Any]]]] = {}
        self._pending = 0
        send: MemoryObjectSendStream[SimEvent]
        send, self._events_in = anyio.create_memory_object_stream(max_buffer_size=math.inf)
        self._events_out = send
        super().__init__()
        # HTTPS with an optional client certificate (certlogin checks it; the others don't).
        self.server = LoopbackServer(
            http=self._dispatch, tls=self.ca.server_context(request_client_cert=True)
        )
        self.exchange.subscribe(self._on_sim_event)
        for market_id in self.markets:
            self.definitions[market_id] = self._definition(market_id, "OPEN", False)

    # -- exchange ------------------------------------------------------------------------------

    def build_exchange(self) -> SimulatedExchange:
        """Every runner of :data:`MARKETS` as a BETTING instrument (BACK = SELL, LAY = BUY)."""
        sim = SimulatedExchange(seed=19, clock=time.time_ns, id_style=IdStyle.NUMERIC)
        for market in MARKETS:
            for selection_id, name, handicap in market["runners"]:
                symbol = runner_symbol(market["marketId"], selection_id, Decimal(handicap))
                sim.add_instrument(
                    SimInstrument(
                        symbol=symbol,
                        product_type=ProductType.BETTING,
                        # Stakes: a back sells "stake units", a lay pays price x stake; both
                        # balances are large, the account funds are computed by the mock.
                        base_asset="STAKE",
                        quote_asset="GBP",
                        tick_size=PRICE_LADDER.smallest_increment.as_decimal(),
                        lot_size=Decimal("0.01"),
                        meta={
                            "marketId": market["marketId"],
                            "selectionId": selection_id,
                            "runnerName": name,
                            "handicap": Decimal(handicap),
                            "eventTypeId": market["eventTypeId"],
                            "eventId": market["eventId"],
                        },
                    )
                )
        sim.set_balance("GBP", Decimal("10000000"))
        sim.set_balance("STAKE", Decimal("10000000"))
        return sim

    def runners_of(self, market_id: str) -> list[SimInstrument]:
        return [i for i in self.exchange.instruments() if i.meta["marketId"] == market_id]

    def runner(self, market_id: str, selection_id: int, handicap: Decimal) -> SimInstrument | None:
        symbol = runner_symbol(market_id, selection_id, handicap)
        return self.exchange.instrument(symbol)

    def _definition(self, market_id: str, status: str, in_play: bool) -> dict[str, Any]:
        market = self.markets[market_id]
        return {
            "bspMarket": False,
            "turnInPlayEnabled": True,
            "persistenceEnabled": True,
            "marketBaseRate": 5,
            "eventId": market["eventId"],
            "eventTypeId": market["eventTypeId"],
            "numberOfWinners": 1,
            "bettingType": "ODDS",
            "marketType": market["marketType"],
            "marketTime": "2021-03-15T15:00:00.000Z",
            "suspendTime": "2021-03-15T15:00:00.000Z",
            "bspReconciled": False,
            "complete": True,
            "inPlay": in_play,
            "crossMatching": True,
            "runnersVoidable": False,
            "numberOfActiveRunners": len(market["runners"]),
            "betDelay": 0,
            "status": status,
            "runners": [
                {
                    "status": "ACTIVE",
                    "sortPriority": i + 1,
                    "id": sid,
                    **({"hc": Decimal(hc)} if Decimal(hc) else {}),
                }
                for i, (sid, _, hc) in enumerate(market["runners"])
            ],
            "regulators": ["MR_INT"],
            "countryCode": "GB",
            "discountAllowed": True,
            "timezone": "Europe/London",
            "openDate": "2021-03-15T13:00:00.000Z",
            "version": 3_400_000_000,
        }

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def https_url(self) -> str:
        assert self.proxy is not None, "start the mock venue first (async with)"
        return f"https://127.0.0.1:{self.proxy.port}"

    @property
    def stream_proxy(self) -> FaultProxy:
        """The proxy in front of the stream socket (drops, silence and refusals act on it)."""
        assert self._stream_proxy is not None, "start the mock venue first (async with)"
        return self._stream_proxy

    @property
    def stream_address(self) -> str:
        return f"127.0.0.1:{self.stream_proxy.port}"

    async def __aenter__(self) -> BetfairMockVenue:
        await super().__aenter__()
        assert self._task_group is not None
        await self.stream_server.start(self._task_group)
        self._stream_proxy = FaultProxy(self.stream_server.port)
        await self._stream_proxy.start(self._task_group)
        self._task_group.start_soon(self._watch_attempts, self._stream_proxy)
        self._task_group.start_soon(self._pump)
        self._task_group.start_soon(self._heartbeats)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._stream_proxy is not None:
            self._stream_proxy.stop()
        self.stream_server.stop()
        try:
            await super().__aexit__(*exc)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- identity and JSON-RPC ------------------------------------------------------------------------

    def setup_routes(self) -> None:
        self.route("POST", "/api/certlogin", self._certlogin, signed=True)
        self.route("POST", "/api/login", self._login, signed=True)
        self.route("POST", "/api/keepAlive", self._keep_alive, signed=True)
        self.route("POST", "/api/logout", self._logout, signed=True)
        for path in (
            "/exchange/betting/json-rpc/v1",
            "/exchange/account/json-rpc/v1",
            "/exchange/heartbeat/json-rpc/v1",
        ):
            self.route("POST", path, self._rpc, signed=True)
        self.route(
            "GET",
            "/exchange/betting/rest/v1/en/navigation/menu.json",
            self._navigation,
            signed=True,
        )

    @staticmethod
    def _form(request: Request) -> dict[str, str]:
        return dict(parse_qsl(request.body.decode(), keep_blank_values=True))

    def verify_signature(self, request: Request) -> bool:
        """Betfair signs nothing: the app key, the password (and for certlogin the client
        certificate) at login, then the session token on every call."""
        if request.header("X-Application") != APP_KEY:
            return False
        if request.path in ("/api/certlogin", "/api/login"):
            form = self._form(request)
            good = form.get("username") == USERNAME and form.get("password") == PASSWORD
            if request.path == "/api/certlogin":
                good = good and request.peer_common_name == USERNAME
            return good
        return self.session_live(request.header("X-Authentication") or "")

    #: A session lasts 12 hours from its login or last keepAlive (Betfair's default).
    login_validity_ms = 12 * 3600 * 1000

    def session_live(self, token: str) -> bool:
        """Whether ``token`` is a session the venue still knows (not logged out, not lapsed
        on the login clock)."""
        return token in self.tokens and self._session_expiry.get(token, 0) > self.login_clock_ms()

    def signature_failure_response(self, request: Request) -> Response:
        if request.path == "/api/certlogin":
            status = (
                "CERT_AUTH_REQUIRED"
                if request.peer_common_name != USERNAME
                else "INVALID_USERNAME_OR_PASSWORD"
            )
            return Response.json({"loginStatus": status})
        if request.path.startswith("/api/"):
            error = "INVALID_USERNAME_OR_PASSWORD" if request.path == "/api/login" else "NO_SESSION"
            return Response.json(
                {
                    "token": "",
                    "product": request.header("X-Application") or "",
                    "status": "FAIL",
                    "error": error,
                }
            )
        code = (
            "INVALID_APP_KEY"
            if request.header("X-Application") != APP_KEY
            else "INVALID_SESSION_INFORMATION"
        )
        return self._rpc_error(request, code)

    def error_response(
        self,
        status: int,
        *,
        venue_code: str | int | None = None,
        message: str = "",
        retry_after: float | None = None,
    ) -> Response:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        if venue_code is not None and status == 200:
            return Response(
                status=200,
                body=encode(self._error_body(None, str(venue_code))),
                headers={"Content-Type": "application/json"},
            )
        body = {
            "error": {"code": str(venue_code or f"HTTP-{status}"), "message": message or "error"}
        }
        return Response.json(body, status=status, headers=headers)

    @staticmethod
    def _error_body(request_id: Any, code: str, details: str = "") -> dict[str, Any]:
        return {
            "jsonrpc": "2.0",
            "error": {
                "code": -32099,
                "message": "ANGX-0003",
                "data": {
                    "APINGException": {
                        "requestUUID": "prdang001-00000000-00000001",
                        "errorCode": code,
                        "errorDetails": details,
                    },
                    "exceptionname": "APINGException",
                },
            },
            "id": request_id,
        }

    def _rpc_error(self, request: Request, code: str, details: str = "") -> Response:
        try:
            request_id = decode(request.body).get("id")
        except Exception:
            request_id = None
        return self._json(self._error_body(request_id, code, details))

    @staticmethod
    def _json(payload: Any) -> Response:
        return Response(
            status=200, body=encode(payload), headers={"Content-Type": "application/json"}
        )

    def _new_token(self) -> str:
        token = f"mock-session-{next(self._token_ids):04d}-{time.time_ns() % 10**8:08d}"
        self.tokens.add(token)
        self._session_expiry[token] = self.login_clock_ms() + self.login_validity_ms
        return token

    async def _certlogin(self, request: Request) -> Response:
        self.cert_logins += 1
        return Response.json({"sessionToken": self._new_token(), "loginStatus": "SUCCESS"})

    async def _login(self, request: Request) -> Response:
        self.interactive_logins += 1
        return Response.json(
            {"token": self._new_token(), "product": APP_KEY, "status": "SUCCESS", "error": ""}
        )

    async def _keep_alive(self, request: Request) -> Response:
        self.keep_alives += 1
        token = request.header("X-Authentication") or ""
        self._session_expiry[token] = self.login_clock_ms() + self.login_validity_ms
        return Response.json(
            {
                "token": request.header("X-Authentication"),
                "product": APP_KEY,
                "status": "SUCCESS",
                "error": "",
            }
        )

    async def _logout(self, request: Request) -> Response:
        self.tokens.discard(request.header("X-Authentication") or "")
        return Response.json({"token": "", "product": APP_KEY, "status": "SUCCESS", "error": ""})

    async def _navigation(self, request: Request) -> Response:
        events: dict[str, dict[str, Any]] = {}
        for market in self.markets.values():
            event = events.setdefault(
                market["eventId"],
                {
                    "type": "EVENT",
                    "name": market["eventName"],
                    "id": market["eventId"],
                    "countryCode": "GB",
                    "children": [],
                },
            )
            event["children"].append(
                {
                    "type": "MARKET",
                    "name": market["marketName"],
                    "id": market["marketId"],
                    "exchangeId": "1",
                    "marketType": market["marketType"],
                    "marketStartTime": "2021-03-15T15:00:00.000Z",
                    "numberOfWinners": 1,
                }
            )
        menu = {
            "type": "GROUP",
            "name": "ROOT",
            "id": 0,
            "children": [
                {
                    "type": "EVENT_TYPE",
                    "name": "Horse Racing",
                    "id": "7",
                    "children": list(events.values()),
                }
            ],
        }
        return self._json(menu)

    async def _rpc(self, request: Request) -> Response:
        try:
            body = decode(request.body)
            method = str(body["method"])
            params = body.get("params") or {}
        except Exception:
            return self._rpc_error(
                request, "INVALID_INPUT_DATA", "the body is not a JSON-RPC request"
            )
        operation = method.rpartition("/")[2]
        handler = self._operations().get(operation)
        if handler is None:
            return self._rpc_error(request, "INVALID_INPUT_DATA", f"unknown operation {operation}")
        try:
            result = handler(params)
        except _ApiError as error:
            return self._json(self._error_body(body.get("id"), error.code, error.details))
        await self.push_account_events()
        while self._bsp_unpublished:
            await self.publish_bsp_change(self._bsp_unpublished.pop(0))
        return self._json({"jsonrpc": "2.0", "result": result, "id": body.get("id")})

    def _operations(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        return {
            "listEventTypes": self._list_event_types,
            "listMarketCatalogue": self._list_market_catalogue,
            "placeOrders": self._place_orders,
            "cancelOrders": self._cancel_orders,
            "replaceOrders": self._replace_orders,
            "updateOrders": self._update_orders,
            "listCurrentOrders": self._list_current_orders,
            "listClearedOrders": self._list_cleared_orders,
            "getAccountFunds": self._account_funds,
            "listMarketProfitAndLoss": self._market_profit_and_loss,
            "getAccountDetails": self._account_details,
            "heartbeat": self._heartbeat,
        }

    # -- Sports API --------------------------------------------------------------------------------------

    def _list_event_types(self, params: Mapping[str, Any]) -> Any:
        return [
            {"eventType": {"id": "7", "name": "Horse Racing"}, "marketCount": len(self.markets)}
        ]

    def _list_market_catalogue(self, params: Mapping[str, Any]) -> Any:
        flt = params.get("filter") or {}
        if "maxResults" not in params:
            raise _ApiError("INVALID_INPUT_DATA", "maxResults is required")
        ids = set(flt.get("marketIds") or ())
        types = set(flt.get("marketTypeCodes") or ())
        event_types = set(flt.get("eventTypeIds") or ())
        out = []
        for market in self.markets.values():
            if ids and market["marketId"] not in ids:
                continue
            if types and market["marketType"] not in types:
                continue
            if event_types and market["eventTypeId"] not in event_types:
                continue
            market = {**market, "marketStartTime": "2021-03-15T15:00:00.000Z"}
            out.append(catalogue_record(market, self.runners_of(market["marketId"])))
        if self.malformed_catalogue and out:
            broken = dict(out[0])
            broken["marketId"] = "1.999999999"
            broken["runners"] = [
                {"runnerName": "no selection id", "handicap": 0.0, "sortPriority": 1}
            ]
            out.append(broken)
        return out[: int(params["maxResults"])]

    def _place_orders(self, params: Mapping[str, Any]) -> Any:
        market_id = str(params.get("marketId"))
        if market_id not in self.markets:
            return {
                "status": "FAILURE",
                "errorCode": "MARKET_NOT_OPEN_FOR_BETTING",
                "marketId": market_id,
                "instructionReports": [],
            }
        reports = [
            self._place_one(market_id, i, params.get("customerStrategyRef"))
            for i in params.get("instructions") or ()
        ]
        failed = [r for r in reports if r["status"] != "SUCCESS"]
        answer: dict[str, Any] = {
            "status": "FAILURE" if failed else "SUCCESS",
            "marketId": market_id,
            "instructionReports": reports,
        }
        if params.get("customerRef") is not None:
            answer["customerRef"] = params["customerRef"]
        if failed:
            answer["errorCode"] = (
                "BET_ACTION_ERROR"
                if len(failed) < len(reports) or len(reports) == 1
                else failed[0]["errorCode"]
            )
        return answer

    def _place_one(
        self, market_id: str, instruction: Mapping[str, Any], strategy: Any
    ) -> dict[str, Any]:
        def failure(code: str) -> dict[str, Any]:
            return {"status": "FAILURE", "errorCode": code, "instruction": instruction}

        inst = self.runner(
            market_id,
            int(instruction.get("selectionId") or 0),
            Decimal(str(instruction.get("handicap") or 0)),
        )
        if inst is None:
            return failure("RUNNER_REMOVED")
        if self.definitions[market_id]["status"] != "OPEN":
            return failure("MARKET_NOT_OPEN_FOR_BETTING")
        if instruction.get("orderType") in ("LIMIT_ON_CLOSE", "MARKET_ON_CLOSE"):
            return self._place_bsp(inst, instruction, failure)
        if instruction.get("orderType") != "LIMIT":
            return failure("INVALID_ORDER_TYPE")
        limit = instruction.get("limitOrder") or {}
        try:
            price, size = Decimal(str(limit["price"])), Decimal(str(limit["size"]))
        except (KeyError, ArithmeticError):
            return failure("INVALID_BET_SIZE")
        from tradeport.model.numbers import Price

        if not PRICE_LADDER.is_valid(Price(price)):
            return failure("INVALID_ODDS")
        if size <= 0:
            return failure("INVALID_BET_SIZE")
        side = OrderSide.SELL if instruction.get("side") == "BACK" else OrderSide.BUY
        persistence = {
            "LAPSE": TimeInForce.LAPSE,
            "PERSIST": TimeInForce.PERSIST,
            "MARKET_ON_CLOSE": TimeInForce.AT_THE_CLOSE,
        }.get(str(limit.get("persistenceType")), TimeInForce.LAPSE)
        fok = limit.get("timeInForce") == "FILL_OR_KILL"
        result = self.exchange.submit(
            inst.symbol,
            side,
            OrderType.LIMIT,
            size,
            price=price,
            time_in_force=TimeInForce.FOK if fok else TimeInForce.GTC,
            client_order_id=instruction.get("customerOrderRef"),
        )
        if not result.ok or result.order is None:
            reason = str(result.reason or "")
            return failure("INSUFFICIENT_FUNDS" if "BALANCE" in reason else "ERROR_IN_ORDER")
        order = result.order
        self.persistence[order.venue_order_id] = persistence
        self.bet_sides[order.venue_order_id] = str(instruction.get("side"))
        if strategy:
            self.strategy[order.venue_order_id] = str(strategy)
        return {
            "status": "SUCCESS",
            "instruction": instruction,
            "betId": order.venue_order_id,
            "placedDate": iso(order.ts_created),
            "averagePriceMatched": order.avg_px or Decimal(0),
            "sizeMatched": order.filled_qty,
            "orderStatus": "EXECUTABLE" if order.status.is_open else "EXECUTION_COMPLETE",
        }

    def _place_bsp(
        self,
        inst: SimInstrument,
        instruction: Mapping[str, Any],
        failure: Callable[[str], dict[str, Any]],
    ) -> dict[str, Any]:
        """A starting-price bet: it waits for the reconciliation at the off, outside the
        exchange's book (LIMIT_ON_CLOSE with a price limit, MARKET_ON_CLOSE without)."""
        from tradeport.model.numbers import Price

        loc = instruction.get("orderType") == "LIMIT_ON_CLOSE"
        spec = instruction.get("limitOnCloseOrder" if loc else "marketOnCloseOrder") or {}
        try:
            liability = Decimal(str(spec["liability"]))
            limit = Decimal(str(spec["price"])) if loc else None
        except (KeyError, ArithmeticError):
            return failure("INVALID_BET_SIZE")
        if liability <= 0:
            return failure("INVALID_BET_SIZE")
        if limit is not None and not PRICE_LADDER.is_valid(Price(limit)):
            return failure("INVALID_ODDS")
        bet_id = str(next(self._bsp_ids))
        self.bsp_bets[bet_id] = {
            "betId": bet_id,
            "symbol": inst.symbol,
            "side": instruction.get("side"),
            "orderType": instruction.get("orderType"),
            "liability": liability,
            "price": limit,
            "customerOrderRef": instruction.get("customerOrderRef"),
            "placed": time.time_ns(),
            "updated": time.time_ns(),
            "matched": Decimal(0),
            "avp": None,
            "status": "EXECUTABLE",
        }
        self.bet_sides[bet_id] = str(instruction.get("side"))
        self._bsp_unpublished.append(bet_id)  # on the stream once the call is answered
        return {
            "status": "SUCCESS",
            "instruction": instruction,
            "betId": bet_id,
            "placedDate": iso(time.time_ns()),
            "averagePriceMatched": Decimal(0),
            "sizeMatched": Decimal(0),
            "orderStatus": "EXECUTABLE",
        }

    def _bet(self, bet_id: Any) -> SimOrder | None:
        return self.exchange.order(str(bet_id)) if bet_id is not None else None

    def _cancel_orders(self, params: Mapping[str, Any]) -> Any:
        market_id = params.get("marketId")
        instructions = params.get("instructions") or ()
        if not instructions:
            # No instructions: every unmatched bet (of the market, when given).
            bets = [
                o
                for o in self.exchange.open_orders()
                if market_id is None or self._market_of(o) == market_id
            ]
            reports = [self._cancel_one({"betId": o.venue_order_id}) for o in bets]
        else:
            reports = [self._cancel_one(i) for i in instructions]
        failed = any(r["status"] != "SUCCESS" for r in reports)
        answer: dict[str, Any] = {
            "status": "FAILURE" if failed else "SUCCESS",
            "instructionReports": reports,
        }
        if market_id is not None:
            answer["marketId"] = market_id
        if failed:
            answer["errorCode"] = "BET_ACTION_ERROR"
        return answer

    def _market_of(self, order: SimOrder) -> str:
        inst = self.exchange.instrument(order.symbol)
        assert inst is not None
        return str(inst.meta["marketId"])

    def _cancel_one(self, instruction: Mapping[str, Any]) -> dict[str, Any]:
        order = self._bet(instruction.get("betId"))
        if order is None or not order.status.is_open:
            return {
                "status": "FAILURE",
                "errorCode": "BET_TAKEN_OR_LAPSED",
                "instruction": dict(instruction),
            }
        remaining = order.quantity - order.filled_qty
        reduction = instruction.get("sizeReduction")
        if reduction is not None and Decimal(str(reduction)) < remaining:
            reduction = Decimal(str(reduction))
            result = self.exchange.amend(order.venue_order_id, quantity=order.quantity - reduction)
            cancelled = reduction
        else:
            result = self.exchange.cancel(order.venue_order_id)
            cancelled = remaining
        if not result.ok:
            return {
                "status": "FAILURE",
                "errorCode": "BET_TAKEN_OR_LAPSED",
                "instruction": dict(instruction),
            }
        return {
            "status": "SUCCESS",
            "instruction": dict(instruction),
            "sizeCancelled": cancelled,
            "cancelledDate": iso(time.time_ns()),
        }

    def _replace_orders(self, params: Mapping[str, Any]) -> Any:
        market_id = str(params.get("marketId"))
        reports: list[dict[str, Any]] = []
        for instruction in params.get("instructions") or ():
            order = self._bet(instruction.get("betId"))
            from tradeport.model.numbers import Price

            new_price = Decimal(str(instruction.get("newPrice")))
            if order is None or not order.status.is_open:
                reports.append({"status": "FAILURE", "errorCode": "BET_TAKEN_OR_LAPSED"})
                continue
            if not PRICE_LADDER.is_valid(Price(new_price)):
                reports.append({"status": "FAILURE", "errorCode": "INVALID_ODDS"})
                continue
            cancel = self._cancel_one({"betId": order.venue_order_id})
            inst = self.exchange.instrument(order.symbol)
            assert inst is not None
            place = self._place_one(
                market_id,
                {
                    "selectionId": inst.meta["selectionId"],
                    "handicap": inst.meta["handicap"],
                    "side": "BACK" if order.side is OrderSide.SELL else "LAY",
                    "orderType": "LIMIT",
                    "limitOrder": {
                        "size": cancel.get("sizeCancelled", Decimal(0)),
                        "price": new_price,
                        "persistenceType": {TimeInForce.PERSIST: "PERSIST"}.get(
                            self.persistence.get(order.venue_order_id, TimeInForce.LAPSE), "LAPSE"
                        ),
                    },
                    "customerOrderRef": order.client_order_id,
                },
                self.strategy.get(order.venue_order_id),
            )
            ok = cancel["status"] == "SUCCESS" and place["status"] == "SUCCESS"
            reports.append(
                {
                    "status": "SUCCESS" if ok else "FAILURE",
                    "cancelInstructionReport": cancel,
                    "placeInstructionReport": place,
                }
            )
        failed = any(r["status"] != "SUCCESS" for r in reports)
        answer: dict[str, Any] = {
            "status": "FAILURE" if failed else "SUCCESS",
            "marketId": market_id,
            "instructionReports": reports,
        }
        if failed:
            answer["errorCode"] = "BET_ACTION_ERROR"
        return answer

    def _update_orders(self, params: Mapping[str, Any]) -> Any:
        reports = []
        for instruction in params.get("instructions") or ():
            order = self._bet(instruction.get("betId"))
            if order is None or not order.status.is_open:
                reports.append(
                    {
                        "status": "FAILURE",
                        "errorCode": "BET_TAKEN_OR_LAPSED",
                        "instruction": instruction,
                    }
                )
                continue
            new = {
                "LAPSE": TimeInForce.LAPSE,
                "PERSIST": TimeInForce.PERSIST,
                "MARKET_ON_CLOSE": TimeInForce.AT_THE_CLOSE,
            }.get(str(instruction.get("newPersistenceType")))
            if new is None:
                reports.append(
                    {
                        "status": "FAILURE",
                        "errorCode": "INVALID_PERSISTENCE_TYPE",
                        "instruction": instruction,
                    }
                )
                continue
            self.persistence[order.venue_order_id] = new
            reports.append({"status": "SUCCESS", "instruction": instruction})
        failed = any(r["status"] != "SUCCESS" for r in reports)
        return {
            "status": "FAILURE" if failed else "SUCCESS",
            "marketId": params.get("marketId"),
            "instructionReports": reports,
        }

    def _all_orders(self) -> list[SimOrder]:
        return [*self.exchange.open_orders(), *self.exchange.closed_orders()]

    def _list_current_orders(self, params: Mapping[str, Any]) -> Any:
        bet_ids = {str(b) for b in params.get("betIds") or ()}
        refs = set(params.get("customerOrderRefs") or ())
        markets = set(params.get("marketIds") or ())
        projection = params.get("orderProjection") or "ALL"
        rows = []
        for order in self._all_orders():
            if not order.venue_order_id:
                continue
            inst = self.exchange.instrument(order.symbol)
            assert inst is not None
            if bet_ids and order.venue_order_id not in bet_ids:
                continue
            if refs and order.client_order_id not in refs:
                continue
            if markets and inst.meta["marketId"] not in markets:
                continue
            if projection == "EXECUTABLE" and not order.status.is_open:
                continue
            if projection == "EXECUTION_COMPLETE" and order.status.is_open:
                continue
            lapsed = order.venue_order_id in self.lapsed
            rows.append(
                current_order(
                    order,
                    inst,
                    self.persistence.get(order.venue_order_id, TimeInForce.LAPSE),
                    lapsed,
                    self.voided.get(order.venue_order_id, Decimal(0)),
                )
            )
        for bet in self.bsp_bets.values():
            inst = self.exchange.instrument(bet["symbol"])
            assert inst is not None
            executable = bet["status"] == "EXECUTABLE"
            if (
                (bet_ids and bet["betId"] not in bet_ids)
                or (refs and bet["customerOrderRef"] not in refs)
                or (markets and inst.meta["marketId"] not in markets)
                or (projection == "EXECUTABLE" and not executable)
                or (projection == "EXECUTION_COMPLETE" and executable)
            ):
                continue
            rows.append(bsp_current_order(bet, inst))
        return {"currentOrders": rows, "moreAvailable": False}

    def _list_cleared_orders(self, params: Mapping[str, Any]) -> Any:
        status = params.get("betStatus")
        rows = []
        for order in self.exchange.closed_orders():
            if not order.venue_order_id:
                continue
            inst = self.exchange.instrument(order.symbol)
            assert inst is not None
            lapsed = order.venue_order_id in self.lapsed
            kind = (
                "LAPSED"
                if lapsed
                else ("CANCELLED" if order.status is OrderStatus.CANCELED else None)
            )
            if status in ("LAPSED", "CANCELLED") and kind == status:
                rows.append(cleared_order(order, inst, "LOST"))
        if status == "VOIDED":
            for order in self._all_orders():
                voided = self.voided.get(order.venue_order_id, Decimal(0))
                inst = self.exchange.instrument(order.symbol)
                if voided and inst is not None:
                    rows.append(voided_order(order, inst, voided))
        # Paged like Betfair: ``fromRecord`` (from 0), ``recordCount`` (0 or absent: the most
        # per page, 1000 on Betfair, ``cleared_page_size`` here).
        start = int(params.get("fromRecord") or 0)
        count = int(params.get("recordCount") or 0) or self.cleared_page_size
        count = min(count, self.cleared_page_size)
        page = rows[start : start + count]
        return {"clearedOrders": page, "moreAvailable": start + len(page) < len(rows)}

    async def void_matched(
        self, venue_order_id: str, size: Decimal, *, stream: bool = True
    ) -> None:
        """Betfair voids ``size`` of the bet's matched stake (a match after a goal, say): the
        bet's ``sv`` rises and its ``sm`` falls by it, on the order stream at once (and in
        every later image and listCurrentOrders row), and listClearedOrders has a VOIDED row.
        ``stream=False``: the order stream does not say so now (a void after the market was
        settled, which Betfair reports in listClearedOrders only)."""
        order = self.exchange.order(venue_order_id)
        if order is None:
            raise KeyError(f"no bet {venue_order_id!r}")
        voided = self.voided.get(venue_order_id, Decimal(0)) + size
        if not size > 0 or voided > order.filled_qty:
            raise ValueError(
                f"size {size}: only {order.filled_qty} matched, {voided - size} voided"
            )
        self.voided[venue_order_id] = voided
        if stream:
            await self.publish_order_change(order)

    async def reconcile_starting_prices(self, market_id: str) -> None:
        """The off: every waiting starting-price bet of the market is matched at its runner's
        starting price (``starting_prices``; else the bet's own limit; else 2.0). A back
        LIMIT_ON_CLOSE matches when the price is at or above its limit, a lay when at or below
        (else it lapses); a MARKET_ON_CLOSE always. A back's liability is its stake; a lay's
        stake is its liability / (price - 1)."""
        for bet in self.bsp_bets.values():
            inst = self.exchange.instrument(bet["symbol"])
            assert inst is not None
            if inst.meta["marketId"] != market_id or bet["status"] != "EXECUTABLE":
                continue
            limit = bet["price"]
            sp = self.starting_prices.get(bet["symbol"], limit if limit is not None else Decimal(2))
            back = bet["side"] == "BACK"
            if limit is None or (sp >= limit if back else sp <= limit):
                stake = bet["liability"] if back else bet["liability"] / (sp - 1)
                bet["matched"] = stake.quantize(Decimal("0.01"), "ROUND_DOWN")
                bet["avp"] = sp
            else:
                bet["lapsed"] = True
            bet["status"] = "EXECUTION_COMPLETE"
            bet["updated"] = time.time_ns()
            await self.publish_bsp_change(bet["betId"])

    def exposure(self) -> Decimal:
        """What getAccountFunds holds back. Matched bets net within their market: its
        worst-case loss over the runners winning (Betfair: "the worst-case scenario liability
        for each market ... reduced as a result of an opposing bet"). Unmatched stakes (and
        starting-price bets not reconciled yet) each add their whole liability: the mock's
        conservative rule, as they may match any time (a back its stake, a lay stake x
        (price - 1))."""
        total = Decimal(0)
        for market in self._market_profit_and_loss({"marketIds": list(self.markets)}):
            worst = min((row["ifWin"] for row in market["profitAndLosses"]), default=Decimal(0))
            total += max(-worst, Decimal(0))
        for order in self.exchange.open_orders():
            if not order.venue_order_id or order.price is None:
                continue
            leaves = order.quantity - order.filled_qty
            total += leaves if order.side is OrderSide.SELL else leaves * (order.price - 1)
        for bet in self.bsp_bets.values():
            if bet["status"] == "EXECUTABLE":
                total += bet["liability"]
        return total

    def _matched_bets(self, market_id: str) -> list[tuple[int, bool, Decimal, Decimal]]:
        """(selection id, back?, matched stake net of voids, average price) of the market's
        bets with matched size, exchange and starting-price bets."""
        out = []
        for order in self._all_orders():
            inst = self.exchange.instrument(order.symbol)
            if not order.venue_order_id or inst is None or inst.meta["marketId"] != market_id:
                continue
            matched = order.filled_qty - self.voided.get(order.venue_order_id, Decimal(0))
            if matched > 0 and order.avg_px:
                out.append(
                    (inst.meta["selectionId"], order.side is OrderSide.SELL, matched, order.avg_px)
                )
        for bet in self.bsp_bets.values():
            inst = self.exchange.instrument(bet["symbol"])
            if inst is not None and inst.meta["marketId"] == market_id and bet["matched"]:
                back = bet["side"] == "BACK"
                out.append((inst.meta["selectionId"], back, bet["matched"], bet["avp"]))
        return out

    def _market_profit_and_loss(self, params: Mapping[str, Any]) -> Any:
        """Per requested market, every runner's ``ifWin``: what the matched bets win (lose,
        negative) if that runner wins (a back on it wins stake x (price - 1), on another loses
        its stake; a lay the other way round)."""
        out = []
        for market_id in params.get("marketIds") or ():
            if market_id not in self.markets:
                continue
            bets = self._matched_bets(str(market_id))
            rows = []
            for runner in self.runners_of(str(market_id)):
                selection = runner.meta["selectionId"]
                total = Decimal(0)
                for bet_selection, back, stake, avp in bets:
                    won = stake * (avp - 1) if bet_selection == selection else -stake
                    total += won if back else -won
                rows.append({"selectionId": selection, "ifWin": total.quantize(Decimal("0.01"))})
            out.append({"marketId": market_id, "profitAndLosses": rows})
        return out

    def _account_funds(self, params: Mapping[str, Any]) -> Any:
        exposure = self.exposure()
        balance = Decimal("1000.00")
        return {
            "availableToBetBalance": balance - exposure,
            "exposure": -exposure,
            "retainedCommission": Decimal("0.0"),
            "exposureLimit": Decimal("-10000.0"),
            "discountRate": Decimal("0.0"),
            "pointsBalance": 10,
            "wallet": "UK",
        }

    def _account_details(self, params: Mapping[str, Any]) -> Any:
        return {
            "currencyCode": "GBP",
            "firstName": "Mock",
            "lastName": "Bot",
            "localeCode": "en",
            "region": "GBR",
            "timezone": "GMT",
            "discountRate": 0.0,
            "pointsBalance": 10,
            "countryCode": "GB",
        }

    def _heartbeat(self, params: Mapping[str, Any]) -> Any:
        self.heartbeat_timeout = int(params.get("preferredTimeoutSeconds") or 0)
        return {"actualTimeoutSeconds": self.heartbeat_timeout, "actionPerformed": "NONE"}

    # -- the stream socket ----------------------------------------------------------------------------------

    async def serve_stream(
        self, conn: StreamConnection
    ) -> None:  # pragma: no cover - no WebSockets here
        raise NotImplementedError("Betfair's stream is a TLS socket, served by _serve_socket")

    async def _serve_socket(self, stream: ServerStream) -> None:
        conn = SocketConnection(stream=stream)
        self.sockets.append(conn)
        self.server.notify()
        try:
            await conn.send(
                {"op": "connection", "connectionId": f"002-051134157842-{stream.number}"}
            )
            async for raw in stream:
                try:
                    message = decode(raw)
                except Exception:
                    await conn.send(
                        {
                            "op": "status",
                            "statusCode": "FAILURE",
                            "errorCode": "INVALID_INPUT",
                            "connectionClosed": True,
                        }
                    )
                    return
                await self._on_socket_message(conn, message)
                if not conn.open:
                    return
        except StreamClosed:
            pass
        finally:
            conn.open = False
            self.sockets.remove(conn)
            self.server.notify()

    async def _status(
        self,
        conn: SocketConnection,
        request_id: Any,
        error: str | None = None,
        closed: bool = False,
        **extra: Any,
    ) -> None:
        payload: dict[str, Any] = {
            "op": "status",
            "id": request_id,
            "statusCode": "FAILURE" if error else "SUCCESS",
            "connectionClosed": closed,
        }
        if error:
            payload["errorCode"] = error
            payload["errorMessage"] = error.replace("_", " ").lower()
        payload.update(extra)
        await conn.send(payload)

    async def _on_socket_message(self, conn: SocketConnection, message: Any) -> None:
        op = message.get("op") if isinstance(message, dict) else None
        request_id = message.get("id") if isinstance(message, dict) else None
        if op == "heartbeat":
            self.record_text_ping()
            await self._status(conn, request_id)
        elif op == "authentication":
            if message.get("appKey") != APP_KEY:
                error = "INVALID_APP_KEY"
            elif not self.session_live(str(message.get("session"))):
                error = "INVALID_SESSION_INFORMATION"
            else:
                error = None
            self.record_login(error is None)
            if error:
                await self._status(conn, request_id, error, closed=True)
                conn.open = False
                return
            conn.authenticated = True
            await self._status(conn, request_id, connectionsAvailable=9)
        elif op in ("marketSubscription", "orderSubscription"):
            self.record_subscribe_message()
            if not conn.authenticated:
                await self._status(conn, request_id, "NO_SESSION", closed=True)
                conn.open = False
                return
            conn.subscription_id = request_id
            conn.heartbeat_ms = int(message.get("heartbeatMs") or 5000)
            if op == "marketSubscription":
                conn.kind = "market"
                conn.markets = {
                    str(m) for m in (message.get("marketFilter") or {}).get("marketIds") or ()
                }
                await self._status(conn, request_id)
                await self._market_initial(conn, message)
            else:
                conn.kind = "order"
                await self._status(conn, request_id)
                await self._order_initial(conn, message)
            self.server.notify()
        else:
            await self._status(conn, request_id, "INVALID_REQUEST")

    def _resumable(
        self, message: Mapping[str, Any], log: list[tuple[int, dict[str, Any]]]
    ) -> int | None:
        clk, initial = message.get("clk"), message.get("initialClk")
        if clk is None or initial != self.initial_clk:
            return None
        try:
            value = int(str(clk))
        except ValueError:
            return None
        oldest = log[0][0] if log else self._clk + 1
        return value if oldest - 1 <= value <= self._clk else None

    def _tick(self) -> str:
        self._clk += 1
        return str(self._clk)

    async def _market_initial(self, conn: SocketConnection, message: Mapping[str, Any]) -> None:
        since = self._resumable(message, self._market_log)
        if since is not None:
            self.resumes += 1
            missed = [
                mc for clk, mc in self._market_log if clk > since and mc["id"] in conn.markets
            ]
            await conn.send(
                {
                    "op": "mcm",
                    "id": conn.subscription_id,
                    "clk": str(self._clk),
                    "pt": _now_ms(),
                    "ct": "RESUB_DELTA",
                    "mc": missed,
                }
            )
            return
        images = [self._market_image(m) for m in sorted(conn.markets) if m in self.markets]
        head = {
            "op": "mcm",
            "id": conn.subscription_id,
            "initialClk": self.initial_clk,
            "clk": str(self._clk),
            "conflateMs": 0,
            "heartbeatMs": conn.heartbeat_ms,
            "pt": _now_ms(),
            "ct": "SUB_IMAGE",
        }
        if len(images) <= 1:
            await conn.send({**head, "mc": images})
            return
        self.segmented_images += 1
        for index, image in enumerate(images):
            segment = (
                "SEG_START" if index == 0 else ("SEG_END" if index == len(images) - 1 else "SEG")
            )
            part = (
                dict(head)
                if index == 0
                else {"op": "mcm", "id": conn.subscription_id, "pt": _now_ms()}
            )
            if segment == "SEG_END":
                part["clk"] = str(self._clk)
            await conn.send({**part, "segmentType": segment, "mc": [image]})

    def _market_image(self, market_id: str) -> dict[str, Any]:
        rcs = []
        for inst in self.runners_of(market_id):
            bids, asks = self._published.get(inst.symbol, ({}, {}))
            rc: dict[str, Any] = {
                "id": inst.meta["selectionId"],
                "atb": [[p, s] for p, s in sorted(bids.items(), reverse=True)],
                "atl": [[p, s] for p, s in sorted(asks.items())],
                "trd": [[p, v] for p, v in sorted(self._traded.get(inst.symbol, {}).items())],
            }
            # The best offers as last published (a quote control may have set them).
            rc.update(self.best_offers.get(inst.symbol) or self._best_offers(bids, asks))
            if inst.meta["handicap"]:
                rc["hc"] = inst.meta["handicap"]
            if inst.symbol in self._ltp:
                rc["ltp"] = self._ltp[inst.symbol]
                rc["tv"] = sum(self._traded.get(inst.symbol, {}).values(), Decimal(0))
            rcs.append(rc)
        return {
            "id": market_id,
            "img": True,
            "marketDefinition": self.definitions[market_id],
            "rc": rcs,
        }

    @staticmethod
    def _best_offers(
        bids: Mapping[Decimal, Decimal], asks: Mapping[Decimal, Decimal], depth: int = 3
    ) -> dict[str, Any]:
        best_bids = sorted(bids.items(), reverse=True)[:depth]
        best_asks = sorted(asks.items())[:depth]
        return {
            "batb": [[i, p, s] for i, (p, s) in enumerate(best_bids)],
            "batl": [[i, p, s] for i, (p, s) in enumerate(best_asks)],
        }

    async def publish_market_change(self, mc: dict[str, Any]) -> None:
        """Log one market change under a new clk and send it to the market's subscribers."""
        for rc in mc.get("rc") or ():
            symbol = runner_symbol(mc["id"], rc["id"], Decimal(str(rc.get("hc") or 0)))
            if "batb" in rc or "batl" in rc:
                best = self.best_offers.setdefault(symbol, {"batb": [], "batl": []})
                for side in ("batb", "batl"):
                    if side in rc:
                        best[side] = [row for row in rc[side] if row[2]]
        clk = self._tick()
        self._market_log.append((self._clk, mc))
        del self._market_log[:-10_000]
        for conn in list(self.sockets):
            if conn.kind == "market" and conn.open and mc["id"] in conn.markets:
                await conn.send(
                    {
                        "op": "mcm",
                        "id": conn.subscription_id,
                        "clk": clk,
                        "pt": _now_ms(),
                        "mc": [mc],
                    }
                )

    async def _order_initial(self, conn: SocketConnection, message: Mapping[str, Any]) -> None:
        since = self._resumable(message, self._order_log)
        if since is not None:
            self.resumes += 1
            missed = [oc for clk, oc in self._order_log if clk > since]
            await conn.send(
                {
                    "op": "ocm",
                    "id": conn.subscription_id,
                    "clk": str(self._clk),
                    "pt": _now_ms(),
                    "ct": "RESUB_DELTA",
                    "oc": missed,
                }
            )
            return
        by_market: dict[str, dict[tuple[int, Decimal], list[dict[str, Any]]]] = {}
        for order in self._all_orders():
            if not order.venue_order_id:
                continue
            inst = self.exchange.instrument(order.symbol)
            assert inst is not None
            key = (inst.meta["selectionId"], inst.meta["handicap"])
            by_market.setdefault(inst.meta["marketId"], {}).setdefault(key, []).append(
                self._uo(order)
            )
        for bet in self.bsp_bets.values():
            inst = self.exchange.instrument(bet["symbol"])
            assert inst is not None
            key = (inst.meta["selectionId"], inst.meta["handicap"])
            by_market.setdefault(inst.meta["marketId"], {}).setdefault(key, []).append(
                bsp_stream_order(bet)
            )
        oc = [
            {
                "id": market_id,
                "fullImage": True,
                "orc": [self._orc(key, uos, full=True) for key, uos in runners.items()],
            }
            for market_id, runners in by_market.items()
        ]
        await conn.send(
            {
                "op": "ocm",
                "id": conn.subscription_id,
                "initialClk": self.initial_clk,
                "clk": str(self._clk),
                "heartbeatMs": conn.heartbeat_ms,
                "pt": _now_ms(),
                "ct": "SUB_IMAGE",
                "oc": oc,
            }
        )

    @staticmethod
    def _orc(
        key: tuple[int, Decimal], uos: list[dict[str, Any]], full: bool = False
    ) -> dict[str, Any]:
        orc: dict[str, Any] = {"id": key[0], "uo": uos}
        if key[1]:
            orc["hc"] = key[1]
        if full:
            orc["fullImage"] = True
        return orc

    def _uo(self, order: SimOrder) -> dict[str, Any]:
        bet = order.venue_order_id
        return stream_order(
            order,
            self.persistence.get(bet, TimeInForce.LAPSE),
            bet in self.lapsed,
            self.strategy.get(bet),
            self.voided.get(bet, Decimal(0)),
        )

    async def publish_order_change(self, order: SimOrder) -> None:
        await self._publish_uo(order.symbol, self._uo(order))

    async def publish_bsp_change(self, bet_id: str) -> None:
        """A starting-price bet on the order stream (placed, or reconciled at the off)."""
        bet = self.bsp_bets[bet_id]
        await self._publish_uo(bet["symbol"], bsp_stream_order(bet))

    async def _publish_uo(self, symbol: str, uo: dict[str, Any]) -> None:
        inst = self.exchange.instrument(symbol)
        assert inst is not None
        oc = {
            "id": inst.meta["marketId"],
            "orc": [self._orc((inst.meta["selectionId"], inst.meta["handicap"]), [uo])],
        }
        clk = self._tick()
        self._order_log.append((self._clk, oc))
        del self._order_log[:-10_000]
        for conn in list(self.sockets):
            if conn.kind == "order" and conn.open:
                await conn.send(
                    {
                        "op": "ocm",
                        "id": conn.subscription_id,
                        "clk": clk,
                        "pt": _now_ms(),
                        "oc": [oc],
                    }
                )

    async def _heartbeats(self) -> None:
        """``ct: HEARTBEAT`` on every subscribed connection quiet for its heartbeatMs."""
        while True:
            await anyio.sleep(0.1)
            now = anyio.current_time()
            for conn in list(self.sockets):
                if (
                    conn.open
                    and conn.kind is not None
                    and now - conn.last_sent >= conn.heartbeat_ms / 1000
                ):
                    op = "mcm" if conn.kind == "market" else "ocm"
                    await conn.send(
                        {
                            "op": op,
                            "id": conn.subscription_id,
                            "clk": str(self._clk),
                            "pt": _now_ms(),
                            "ct": "HEARTBEAT",
                        }
                    )

    # -- exchange events -> streams ------------------------------------------------------------------

    def _on_sim_event(self, event: SimEvent) -> None:
        self._pending += 1
        self._events_out.send_nowait(event)

    async def _pump(self) -> None:
        async for event in self._events_in:
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
        if isinstance(event, BookUpdated):
            # The truth is the exchange's whole book (an event may carry only changed levels).
            book = self.exchange.book(event.symbol)
            await self._book_changed(
                event.symbol, dict(map(tuple, book.bids)), dict(map(tuple, book.asks))
            )
        elif isinstance(event, PublicTrade):
            traded = self._traded.setdefault(event.symbol, {})
            traded[event.price] = traded.get(event.price, Decimal(0)) + event.quantity
            self._ltp[event.symbol] = event.price
            inst = self.exchange.instrument(event.symbol)
            assert inst is not None
            rc: dict[str, Any] = {
                "id": inst.meta["selectionId"],
                "trd": [[event.price, traded[event.price]]],
                "ltp": event.price,
                "tv": sum(traded.values(), Decimal(0)),
            }
            if inst.meta["handicap"]:
                rc["hc"] = inst.meta["handicap"]
            await self.publish_market_change({"id": inst.meta["marketId"], "rc": [rc]})
        elif isinstance(event, OrderRejected):
            return  # answered in placeOrders' instruction reports
        elif isinstance(event, OrderEvent):
            await self.publish_order_change(event.order)

    async def _book_changed(
        self, symbol: str, bids: dict[Decimal, Decimal], asks: dict[Decimal, Decimal]
    ) -> None:
        old_bids, old_asks = self._published.get(symbol, ({}, {}))
        self._published[symbol] = (bids, asks)

        def diff(
            old: Mapping[Decimal, Decimal], new: Mapping[Decimal, Decimal]
        ) -> list[list[Decimal]]:
            rows = [[p, s] for p, s in new.items() if old.get(p) != s]
            rows += [[p, Decimal(0)] for p in old if p not in new]
            return sorted(rows)

        inst = self.exchange.instrument(symbol)
        assert inst is not None
        rc: dict[str, Any] = {"id": inst.meta["selectionId"]}
        if inst.meta["handicap"]:
            rc["hc"] = inst.meta["handicap"]
        atb, atl = diff(old_bids, bids), diff(old_asks, asks)
        if atb:
            rc["atb"] = atb
        if atl:
            rc["atl"] = atl
        best = self._best_offers(bids, asks)
        old_best = self._best_offers(old_bids, old_asks)
        for side in ("batb", "batl"):
            rows = best[side] + [
                [i, Decimal(0), Decimal(0)] for i in range(len(best[side]), len(old_best[side]))
            ]
            if rows != old_best[side]:
                rc[side] = rows
        if len(rc) > 1 + ("hc" in rc):
            await self.publish_market_change({"id": inst.meta["marketId"], "rc": [rc]})


class _ApiError(Exception):
    def __init__(self, code: str, details: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.details = details
