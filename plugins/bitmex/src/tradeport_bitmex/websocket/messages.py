"""BitMEX's realtime protocol for :class:`tradeport.net.WebSocketClient`.

* subscribe ``{"op": "subscribe", "args": [topics]}``; BitMEX acknowledges each topic
  separately, echoing it: ``{"success": true, "subscribe": "trade:XBTUSD", "request": {...}}``;
* a refusal is ``{"status": 400, "error": "Unknown table: tradeBin5dm", "meta": {},
  "request": {...}}``; the request is the client's whole message, so a refusal names every
  topic of the batch and the error text says which one BitMEX refused (see
  :func:`refused_topics`);
* login ``{"op": "authKeyExpires", "args": [key, expires, signature]}``, answered
  ``{"success": true, "request": {"op": "authKeyExpires", ...}}`` or with an ``error``;
* heartbeat: control-frame pings, and the text ``ping`` answered by ``pong``;
* everything with a ``table`` is data; the welcome banner (``info``) is noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from tradeport.net.ws_protocol import (
    Classified,
    MessageKind,
    SubscriptionAction,
    WsRequest,
    WsVenueProtocol,
)

from tradeport_bitmex.constants import PRIVATE_TABLES

__all__ = ["BitmexWsProtocol", "refused_topics", "table_of", "topic_of"]

_DATA: Final = Classified(MessageKind.DATA)
_PONG: Final = Classified(MessageKind.PONG)
_IGNORE: Final = Classified(MessageKind.IGNORE)
_LOGIN_OK: Final = Classified(MessageKind.LOGIN_OK)
_LOGIN_OPS: Final = frozenset({"authKeyExpires", "authKey"})
#: Topics per subscribe message (BitMEX takes many; small batches keep messages short).
_BATCH: Final = 20


def topic_of(table: str, symbol: str | None = None) -> str:
    """``trade`` + ``XBTUSD`` -> ``trade:XBTUSD``."""
    return f"{table}:{symbol}" if symbol else table


def table_of(topic: str) -> str:
    """``trade:XBTUSD`` -> ``trade``."""
    return topic.partition(":")[0]


def _args(request: Any) -> tuple[str, ...]:
    if not isinstance(request, dict):
        return ()
    args = request.get("args")
    if isinstance(args, str):
        return (args,)
    if isinstance(args, list):
        return tuple(str(a) for a in args)
    return ()


def refused_topics(request: Any, error: str) -> tuple[str, ...]:
    """The topics of a refused subscribe request that the error names.

    BitMEX echoes the whole request (``"args": ["tradeBin1m", "tradeBin5dm"]``) and names the
    culprit after the colon of its error (``"Unknown table: tradeBin5dm"``, ``"Unknown or
    expired symbol: XBTUSD"``). Only the named topics are refused: the others of the batch are
    acknowledged separately. When the text names none of them, every topic is refused.
    """
    topics = _args(request)
    named = error.rpartition(":")[2].strip() if ":" in error else ""
    if not named:
        return topics
    picked = tuple(
        topic for topic in topics if named in (topic, table_of(topic), topic.partition(":")[2])
    )
    return picked or topics


class BitmexWsProtocol(WsVenueProtocol):
    """Builds BitMEX requests and classifies what BitMEX sends (see the module docstring).

    :param login: builds a fresh ``authKeyExpires`` message per connection (None: public only).
    :param ping_interval: seconds between text ``ping`` messages (None: never).
    """

    acknowledges_subscriptions = True
    #: Prices and sizes are JSON numbers: decoded as the exact Decimal printed.
    exact_numbers = True

    def __init__(
        self,
        *,
        login: Callable[[], dict[str, Any]] | None = None,
        ping_interval: float | None = 5.0,
    ) -> None:
        self._login = login
        self.ping_interval = ping_interval

    def text_ping(self) -> Any:
        """BitMEX's application ping: the text ``ping``."""
        return "ping"

    def classify_raw(self, raw: str | bytes) -> Classified | None:
        """The text ``pong`` is recognised before decoding."""
        if raw == "pong" or raw == b"pong":
            return _PONG
        return None

    def login_message(self) -> Any:
        """A freshly signed ``authKeyExpires`` (or None without credentials)."""
        return self._login() if self._login is not None else None

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """``{"op": "subscribe", "args": [...]}`` in batches."""
        return self._requests("subscribe", topics, SubscriptionAction.SUBSCRIBE)

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """``{"op": "unsubscribe", "args": [...]}`` in batches."""
        return self._requests("unsubscribe", topics, SubscriptionAction.UNSUBSCRIBE)

    @staticmethod
    def _requests(op: str, topics: Sequence[str], action: SubscriptionAction) -> list[WsRequest]:
        out = []
        for start in range(0, len(topics), _BATCH):
            batch = list(topics[start : start + _BATCH])
            out.append(WsRequest({"op": op, "args": batch}, tuple(batch), action))
        return out

    def is_private(self, topic: str) -> bool:
        """Account tables need the login first."""
        return table_of(topic) in PRIVATE_TABLES

    def classify(self, message: Any) -> Classified:
        """Data, acks (by the echoed topic), refusals, login replies, banners."""
        if not isinstance(message, dict) or "table" in message:
            return _DATA
        if message.get("success") is True:
            if "subscribe" in message:
                return Classified(
                    MessageKind.ACK,
                    (str(message["subscribe"]),),
                    action=SubscriptionAction.SUBSCRIBE,
                )
            if "unsubscribe" in message:
                return Classified(
                    MessageKind.ACK,
                    (str(message["unsubscribe"]),),
                    action=SubscriptionAction.UNSUBSCRIBE,
                )
            request = message.get("request")
            if isinstance(request, dict) and request.get("op") in _LOGIN_OPS:
                return _LOGIN_OK
            return _IGNORE
        if "error" in message:
            request = message.get("request")
            op = request.get("op") if isinstance(request, dict) else None
            code, text = message.get("status"), str(message.get("error"))
            if op in _LOGIN_OPS:
                return Classified(MessageKind.LOGIN_REFUSED, code=code, message=text)
            if op in ("subscribe", "unsubscribe"):
                action = (
                    SubscriptionAction.SUBSCRIBE
                    if op == "subscribe"
                    else SubscriptionAction.UNSUBSCRIBE
                )
                return Classified(
                    MessageKind.REFUSAL,
                    refused_topics(request, text),
                    action=action,
                    code=code,
                    message=text,
                )
            return Classified(MessageKind.ERROR, code=code, message=text)
        if "info" in message:
            return _IGNORE
        return _DATA
