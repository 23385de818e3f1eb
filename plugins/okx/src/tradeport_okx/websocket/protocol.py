"""The OKX venue protocol for the core :class:`~tradeport.net.WebSocketClient`.

* heartbeat: text ``ping`` every ``ping_interval`` seconds, answered by text ``pong`` (OKX
  closes a connection after 30 s without traffic);
* subscribe / unsubscribe: one request per topic with an ``id``; OKX echoes the ``id`` (and the
  ``arg``) in its ``event: subscribe``/``unsubscribe`` ack and in ``event: error``;
* login: ``{"op": "login", ...}``, answered by ``{"event": "login", "code": "0"}`` or an
  ``event: error`` (codes 60009 login failed, 60024 wrong passphrase, 60006 timestamp...).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from tradeport.net.ws_protocol import (
    Classified,
    MessageKind,
    SubscriptionAction,
    WsRequest,
    WsVenueProtocol,
)

from tradeport_okx.websocket.messages import (
    PRIVATE_CHANNELS,
    channel_of,
    subscribe_request,
    topic_for,
    unsubscribe_request,
)

__all__ = ["OkxWsProtocol"]

_DATA = Classified(MessageKind.DATA)
_PONG = Classified(MessageKind.PONG)
_IGNORE = Classified(MessageKind.IGNORE)
_LOGIN_OK = Classified(MessageKind.LOGIN_OK)


class OkxWsProtocol(WsVenueProtocol):
    """OKX's WebSocket conventions (see the module docstring).

    :param login: builds a freshly signed login message per connection (None: no login).
    :param ping_interval: seconds between text pings.
    """

    def __init__(
        self,
        *,
        login: Callable[[], dict[str, Any]] | None = None,
        ping_interval: float | None = 20.0,
    ) -> None:
        self._login = login
        self.ping_interval = ping_interval
        self._ids = itertools.count(1)
        self._login_pending = False

    def text_ping(self) -> str:
        """OKX's heartbeat is the plain text ``ping``."""
        return "ping"

    def classify_raw(self, raw: str | bytes) -> Classified | None:
        """``pong`` is plain text, never JSON."""
        if raw == "pong" or raw == b"pong":
            return _PONG
        return None

    def login_message(self) -> Any:
        """The signed login message, or None for public connections."""
        if self._login is None:
            return None
        self._login_pending = True
        return self._login()

    def is_private(self, topic: str) -> bool:
        """Private channels are replayed only after the login ack."""
        return channel_of(topic) in PRIVATE_CHANNELS

    def _next_id(self) -> str:
        return str(next(self._ids))

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """One request per topic, so each ack or refusal settles exactly one topic."""
        out = []
        for topic in topics:
            rid = self._next_id()
            out.append(
                WsRequest(
                    subscribe_request([topic], rid), (topic,), SubscriptionAction.SUBSCRIBE, rid
                )
            )
        return out

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """One request per topic."""
        out = []
        for topic in topics:
            rid = self._next_id()
            out.append(
                WsRequest(
                    unsubscribe_request([topic], rid),
                    (topic,),
                    SubscriptionAction.UNSUBSCRIBE,
                    rid,
                )
            )
        return out

    def classify(self, message: Any) -> Classified:
        """Data messages carry ``arg`` + ``data``; events are acks, login replies or errors."""
        if not isinstance(message, dict):
            return _DATA
        event = message.get("event")
        if event is None:
            return _DATA
        request_id = message.get("id") or None
        arg = message.get("arg")
        topics = (topic_for(arg),) if isinstance(arg, dict) and "channel" in arg else ()
        if event == "subscribe":
            return Classified(
                MessageKind.ACK, topics, request_id, action=SubscriptionAction.SUBSCRIBE
            )
        if event == "unsubscribe":
            return Classified(
                MessageKind.ACK, topics, request_id, action=SubscriptionAction.UNSUBSCRIBE
            )
        if event == "login":
            self._login_pending = False
            if str(message.get("code", "0")) == "0":
                return _LOGIN_OK
            return Classified(
                MessageKind.LOGIN_REFUSED, code=message.get("code"), message=message.get("msg")
            )
        if event == "error":
            code, text = message.get("code"), message.get("msg")
            if request_id is not None or topics:
                return Classified(MessageKind.REFUSAL, topics, request_id, code=code, message=text)
            if self._login_pending:
                # A login failure is an error event without id (60009, 60024, 60006, ...).
                self._login_pending = False
                return Classified(MessageKind.LOGIN_REFUSED, code=code, message=text)
            return Classified(MessageKind.ERROR, code=code, message=text)
        # channel-conn-count, notice (service upgrade warnings) and the like.
        return _IGNORE
