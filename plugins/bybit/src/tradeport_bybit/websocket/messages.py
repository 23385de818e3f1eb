"""Bybit's stream protocol for the core WebSocketClient.

Requests: ``{"op":"subscribe"|"unsubscribe","args":[topics],"req_id":"n"}``; heartbeat
``{"op":"ping"}``; login ``{"op":"auth","args":[key, expires, signature]}``.

Replies (https://bybit-exchange.github.io/docs/v5/ws/connect):

* subscribe / unsubscribe: ``{"success":true,"ret_msg":"","op":"subscribe","req_id":"n",...}``
  (``success:false`` is a refusal); options answer ``{"type":"COMMAND_RESP","data":
  {"successTopics":[...],"failTopics":[...]}}``;
* pong: ``{"op":"ping","ret_msg":"pong","success":true}`` (spot, linear, inverse) or
  ``{"op":"pong",...}`` (options, private);
* auth: ``{"op":"auth","success":true|false,"ret_msg":"..."}``.

Everything with a ``topic`` is data.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, Final

from tradeport.net.ws_protocol import (
    Classified,
    MessageKind,
    SubscriptionAction,
    WsRequest,
    WsVenueProtocol,
)

__all__ = ["BybitWsProtocol", "PRIVATE_TOPICS"]

_DATA: Final = Classified(MessageKind.DATA)
_PONG: Final = Classified(MessageKind.PONG)
_LOGIN_OK: Final = Classified(MessageKind.LOGIN_OK)
_IGNORE: Final = Classified(MessageKind.IGNORE)

#: Topics of the private stream (the all-in-one forms and their categorised variants).
PRIVATE_TOPICS: Final = ("order", "execution", "position", "wallet")

_ACTIONS: Final = {
    "subscribe": SubscriptionAction.SUBSCRIBE,
    "unsubscribe": SubscriptionAction.UNSUBSCRIBE,
}


def _is_private(topic: str) -> bool:
    return topic.split(".", 1)[0] in PRIVATE_TOPICS


class BybitWsProtocol(WsVenueProtocol):
    """One Bybit stream (public per category, or private with ``login``).

    :param login: builds the signed ``auth`` message for each new connection (private stream).
    :param ping_interval: seconds between ``{"op":"ping"}`` heartbeats.
    :param batch_size: topics per subscribe request (spot accepts at most 10).
    """

    def __init__(
        self,
        *,
        login: Callable[[], dict[str, Any]] | None = None,
        ping_interval: float | None = 20.0,
        batch_size: int = 10,
    ) -> None:
        self._login = login
        self.ping_interval = ping_interval
        self.batch_size = batch_size
        self._ids = itertools.count(1)

    # -- outgoing -----------------------------------------------------------------------------

    def text_ping(self) -> Any:
        """The heartbeat Bybit asks for every 20 s."""
        return {"op": "ping"}

    def login_message(self) -> Any:
        """A freshly signed ``auth`` message, or None for public streams."""
        return self._login() if self._login is not None else None

    def is_private(self, topic: str) -> bool:
        """Order, execution, position and wallet topics need the login."""
        return _is_private(topic)

    def _requests(self, op: str, topics: Sequence[str]) -> list[WsRequest]:
        out = []
        for start in range(0, len(topics), self.batch_size):
            batch = list(topics[start : start + self.batch_size])
            req_id = str(next(self._ids))
            out.append(
                WsRequest(
                    {"op": op, "args": batch, "req_id": req_id}, tuple(batch), _ACTIONS[op], req_id
                )
            )
        return out

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """``subscribe`` ops, ``batch_size`` topics each."""
        return self._requests("subscribe", topics)

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """``unsubscribe`` ops, ``batch_size`` topics each."""
        return self._requests("unsubscribe", topics)

    # -- incoming -----------------------------------------------------------------------------

    def classify(self, message: Any) -> Classified:
        """Data (anything with a ``topic``), acks, refusals, pongs and login replies."""
        if not isinstance(message, dict):
            return _DATA
        if "topic" in message:
            return _DATA
        op = message.get("op")
        if op == "pong" or (op == "ping" and message.get("ret_msg") == "pong"):
            return _PONG
        if op == "ping":
            return _PONG
        success = message.get("success")
        text = message.get("ret_msg")
        if op == "auth":
            if success:
                return _LOGIN_OK
            return Classified(MessageKind.LOGIN_REFUSED, code=message.get("retCode"), message=text)
        if op in _ACTIONS:
            req_id = message.get("req_id") or None
            action = _ACTIONS[op]
            if success:
                return Classified(MessageKind.ACK, request_id=req_id, action=action)
            return Classified(
                MessageKind.REFUSAL,
                request_id=req_id,
                action=action,
                code=message.get("retCode"),
                message=text,
            )
        if message.get("type") == "COMMAND_RESP":
            data = message.get("data") or {}
            failed = tuple(data.get("failTopics") or ())
            if failed:
                return Classified(
                    MessageKind.REFUSAL,
                    failed,
                    code=None,
                    message=str(message.get("ret_msg") or "failTopics"),
                )
            return Classified(MessageKind.ACK, tuple(data.get("successTopics") or ()))
        if success is False:
            return Classified(MessageKind.ERROR, message=text)
        return _IGNORE
