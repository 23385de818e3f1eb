"""The Exchange Stream API protocol for the core StreamSession (CRLF JSON over TLS).

Per connection: the venue speaks first (``{"op":"connection","connectionId":...}``, read by
the connect hook), then ``authentication`` (app key + session token, answered by a ``status``
with the same id), then the subscription. Betfair keeps one market subscription per connection
and a new ``marketSubscription`` replaces it, so every (un)subscribe sends the whole set of
wanted markets; a replay after a reconnect carries the cache's ``initialClk``/``clk`` and the
venue answers with only what was missed (``ct: RESUB_DELTA``). The client's heartbeat is
``{"op":"heartbeat","id":n}``, answered by a ``status``; the venue's own heartbeat is a change
message with ``ct: HEARTBEAT`` every ``heartbeatMs`` when there is no data (it carries the clk,
so it goes to the handler).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from tradeport.errors import TransportError
from tradeport.net import (
    Classified,
    MessageKind,
    StreamConnection,
    StreamProtocol,
    SubscriptionAction,
    WsRequest,
)

from tradeport_betfair.constants import VENUE_ID
from tradeport_betfair.http.client import decode, encode
from tradeport_betfair.stream.parse import MarketCache, OrderCache

__all__ = ["BetfairStreamProtocol", "ORDERS_TOPIC", "LOGIN_REFUSALS", "MARKET_FIELDS"]

#: The one topic of the order stream (every bet of the account).
ORDERS_TOPIC = "orders"
#: Status error codes that mean the credentials are refused (fatal, never retried).
LOGIN_REFUSALS = frozenset(
    {"NO_APP_KEY", "INVALID_APP_KEY", "NO_SESSION", "INVALID_SESSION_INFORMATION", "NOT_AUTHORIZED"}
)
#: Refusals that mean the session token has lapsed or was logged out (12 h without keepAlive,
#: a logout elsewhere): the stream logs in again for a new token instead of giving up.
SESSION_LAPSED = frozenset({"NO_SESSION", "INVALID_SESSION_INFORMATION"})
#: marketDataFilter.fields: the full ladders (the book), best offers (quotes), traded volume,
#: last traded price, market definitions (status, in play, settlement).
MARKET_FIELDS = (
    "EX_ALL_OFFERS",
    "EX_BEST_OFFERS",
    "EX_TRADED",
    "EX_TRADED_VOL",
    "EX_LTP",
    "EX_MARKET_DEF",
)

_CHANGES = frozenset({"mcm", "ocm"})


class BetfairStreamProtocol(StreamProtocol):
    """Market (``orders=False``) or order stream protocol (see the module docstring)."""

    def __init__(
        self,
        *,
        app_key: Callable[[], str],
        session_token: Callable[[], str | None],
        renew_session: Callable[[], Awaitable[str]] | None = None,
        session_lapsed: Callable[[str], None] | None = None,
        orders: bool = False,
        heartbeat_ms: int = 5000,
        conflate_ms: int | None = None,
        ladder_levels: int = 10,
        ping_interval: float | None = None,
        order_cache: OrderCache | None = None,
    ) -> None:
        self._app_key = app_key
        self._session_token = session_token
        # Log in again (renew_session) for a new token when the venue says the session has
        # lapsed (session_lapsed drops it): once per refusal, and never twice in a row.
        self._renew_session = renew_session
        self._session_lapsed = session_lapsed
        self._sent_token = ""
        self._lapses = 0
        self.orders = orders
        self.heartbeat_ms = heartbeat_ms
        self.conflate_ms = conflate_ms
        self.ladder_levels = ladder_levels
        self.ping_interval = ping_interval
        self.market_cache = MarketCache()
        #: Kept by the execution client across its connections (a void seen after a
        #: disconnect and connect takes back the fills published before).
        self.order_cache = order_cache if order_cache is not None else OrderCache()
        self.markets: list[str] = []
        self.connection_id: str | None = None
        #: The subscription sent last carried resume tokens (observation for tests).
        self.resumed = 0
        self._ids = itertools.count(1)
        self._login_id: int | None = None
        self._pings: set[int] = set()

    # -- wire -----------------------------------------------------------------------------------

    def decode(self, raw: str | bytes) -> Any:
        return decode(raw)

    def encode(self, payload: Any) -> str | bytes:
        return payload if isinstance(payload, (str, bytes)) else encode(payload)

    async def on_connect(self, connection: StreamConnection) -> None:
        greeting = decode(await connection.receive())
        if not isinstance(greeting, dict) or greeting.get("op") != "connection":
            raise TransportError(f"expected a connection message, got {greeting!r}", venue=VENUE_ID)
        self.connection_id = str(greeting.get("connectionId"))
        if self._renew_session is not None and self._session_token() is None:
            await self._renew_session()  # a lapsed session was dropped: a new login

    def login_message(self) -> Any:
        self._login_id = next(self._ids)
        self._sent_token = self._session_token() or ""
        return {
            "op": "authentication",
            "id": self._login_id,
            "appKey": self._app_key(),
            "session": self._sent_token,
        }

    def text_ping(self) -> Any:
        request_id = next(self._ids)
        self._pings.add(request_id)
        return {"op": "heartbeat", "id": request_id}

    # -- subscriptions ----------------------------------------------------------------------------

    def _subscription(self, request_id: int, resume: bool) -> dict[str, Any]:
        if self.orders:
            message: dict[str, Any] = {
                "op": "orderSubscription",
                "id": request_id,
                "orderFilter": {
                    "includeOverallPosition": False,
                    "partitionMatchedByStrategyRef": False,
                },
                "segmentationEnabled": True,
                "heartbeatMs": self.heartbeat_ms,
            }
            tokens = self.order_cache.resume_tokens() if resume else {}
        else:
            message = {
                "op": "marketSubscription",
                "id": request_id,
                "marketFilter": {"marketIds": list(self.markets)},
                "marketDataFilter": {
                    "fields": list(MARKET_FIELDS),
                    "ladderLevels": self.ladder_levels,
                },
                "segmentationEnabled": True,
                "heartbeatMs": self.heartbeat_ms,
            }
            tokens = self.market_cache.resume_tokens() if resume else {}
        if self.conflate_ms is not None:
            message["conflateMs"] = self.conflate_ms
        if tokens:
            self.resumed += 1
        message.update(tokens)
        return message

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        new = [t for t in topics if t not in self.markets]
        # The same set again (a replay after a reconnect) resumes from the clk; a changed set
        # is a new subscription and gets a fresh image.
        resume = not new or self.orders
        if not self.orders:
            self.markets.extend(new)
        request_id = next(self._ids)
        return [
            WsRequest(
                self._subscription(request_id, resume),
                tuple(topics),
                SubscriptionAction.SUBSCRIBE,
                request_id,
            )
        ]

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        self.markets = [m for m in self.markets if m not in topics]
        request_id = next(self._ids)
        self.market_cache.forget()
        return [
            WsRequest(
                self._subscription(request_id, False),
                tuple(topics),
                SubscriptionAction.UNSUBSCRIBE,
                request_id,
            )
        ]

    # -- classification ----------------------------------------------------------------------------

    def classify(self, message: Any) -> Classified:
        if not isinstance(message, dict):
            return Classified(MessageKind.ERROR, message=f"not an object: {message!r}")
        op = message.get("op")
        if op in _CHANGES:
            return Classified(MessageKind.DATA)
        if op == "status":
            request_id = message.get("id")
            ok = message.get("statusCode") == "SUCCESS"
            code = message.get("errorCode")
            text = message.get("errorMessage")
            if request_id is not None and request_id == self._login_id:
                if ok:
                    self._lapses = 0
                    return Classified(MessageKind.LOGIN_OK)
                if (
                    code in SESSION_LAPSED
                    and self._session_lapsed is not None
                    and self._renew_session is not None
                    and self._lapses == 0
                ):
                    # The venue closes the connection; the reconnect logs in again.
                    self._lapses += 1
                    self._session_lapsed(self._sent_token)
                    return Classified(MessageKind.ERROR, code=code, message=text)
                if code in LOGIN_REFUSALS:
                    return Classified(MessageKind.LOGIN_REFUSED, code=code, message=text)
                return Classified(MessageKind.ERROR, code=code, message=text)
            if request_id in self._pings:
                self._pings.discard(request_id)
                return Classified(MessageKind.PONG)
            if request_id is not None:
                kind = MessageKind.ACK if ok else MessageKind.REFUSAL
                return Classified(kind, request_id=request_id, code=code, message=text)
            if not ok:
                return Classified(MessageKind.ERROR, code=code, message=text)
            return Classified(MessageKind.IGNORE)
        if op == "connection":
            return Classified(MessageKind.IGNORE)
        return Classified(MessageKind.ERROR, message=f"unknown op {op!r}")
