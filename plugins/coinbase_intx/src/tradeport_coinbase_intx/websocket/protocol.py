"""The CoinbaseIntx stream protocol for :class:`tradeport.net.WebSocketClient`.

The plugin supplies only what is venue-specific: the login, subscribe and ping messages, and
what each received message is. Connection handling, heartbeats, acks, the idle timeout,
reconnects with re-login and resubscription come from the core.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Final

from tradeport.net import Classified, MessageKind, SubscriptionAction, WsRequest, WsVenueProtocol

from tradeport_coinbase_intx.constants import DEFAULT_PING_INTERVAL, MAX_TOPICS_PER_REQUEST
from tradeport_coinbase_intx.credential import CoinbaseIntxCredential
from tradeport_coinbase_intx.websocket.topics import PRIVATE_TOPICS

__all__ = ["CoinbaseIntxStreamProtocol"]

# Shared results: classifying the common messages allocates nothing.
_DATA: Final = Classified(MessageKind.DATA)
_PONG: Final = Classified(MessageKind.PONG)
_IGNORE: Final = Classified(MessageKind.IGNORE)
_LOGIN_OK: Final = Classified(MessageKind.LOGIN_OK)
_PING: Final = {"op": "ping"}
_ACTIONS: Final = {
    "subscribe": SubscriptionAction.SUBSCRIBE,
    "unsubscribe": SubscriptionAction.UNSUBSCRIBE,
}


def _error(message: dict[str, Any]) -> tuple[str | None, str | None]:
    error = message.get("error")
    if isinstance(error, dict):
        return error.get("code"), error.get("message")
    return None, None


class CoinbaseIntxStreamProtocol(WsVenueProtocol):
    """Builds the venue's requests and classifies what it sends (see messages.py)."""

    ping_interval = DEFAULT_PING_INTERVAL

    def __init__(self, credential: CoinbaseIntxCredential | None = None) -> None:
        self.credential = credential
        self._ids = itertools.count(1)

    def text_ping(self) -> Any:
        """``{"op": "ping"}``; the venue answers ``{"op": "pong"}``."""
        return _PING

    def login_message(self) -> Any:
        """A freshly signed login when the client has credentials (private connection)."""
        if self.credential is None:
            return None
        return self.credential.login_message(next(self._ids))

    def is_private(self, topic: str) -> bool:
        """Private topics are replayed only after the login was acknowledged."""
        return topic in PRIVATE_TOPICS

    def _requests(self, op: str, topics: Sequence[str]) -> list[WsRequest]:
        action = _ACTIONS[op]
        out = []
        for start in range(0, len(topics), MAX_TOPICS_PER_REQUEST):
            batch = list(topics[start : start + MAX_TOPICS_PER_REQUEST])
            request_id = next(self._ids)
            payload = {"op": op, "id": request_id, "topics": batch}
            out.append(WsRequest(payload, tuple(batch), action, request_id))
        return out

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """``{"op": "subscribe", "id": n, "topics": [...]}``, ten topics per request."""
        return self._requests("subscribe", topics)

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """``{"op": "unsubscribe", "id": n, "topics": [...]}``, ten topics per request."""
        return self._requests("unsubscribe", topics)

    def classify(self, message: Any) -> Classified:
        """Data first (the hot path), then replies by ``op``."""
        if not isinstance(message, dict):
            return Classified(MessageKind.ERROR, message=f"unexpected message {message!r:.100}")
        if "topic" in message:
            return _DATA
        op = message.get("op")
        if op == "pong":
            return _PONG
        if op == "login":
            if message.get("success") is True:
                return _LOGIN_OK
            code, text = _error(message)
            return Classified(MessageKind.LOGIN_REFUSED, code=code, message=text)
        action = _ACTIONS.get(op) if isinstance(op, str) else None
        if action is not None:
            request_id = message.get("id")
            if message.get("success") is True:
                return Classified(MessageKind.ACK, request_id=request_id, action=action)
            code, text = _error(message)
            return Classified(
                MessageKind.REFUSAL, request_id=request_id, action=action, code=code, message=text
            )
        if op == "error":
            code, text = _error(message)
            return Classified(MessageKind.ERROR, code=code, message=text)
        return _IGNORE
