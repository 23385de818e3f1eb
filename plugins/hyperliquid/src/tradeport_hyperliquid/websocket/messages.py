"""Hyperliquid's stream protocol for the core WebSocketClient (docs: "Websocket",
"Subscriptions", "Post requests", "Timeouts and heartbeats").

Requests: ``{"method": "subscribe" | "unsubscribe", "subscription": {"type": ..., ...}}``, one
per subscription; heartbeat ``{"method": "ping"}``; info requests over the socket
``{"method": "post", "id": n, "request": {"type": "info", "payload": {...}}}``.

Replies:

* acks: ``{"channel": "subscriptionResponse", "data": {"method", "subscription"}}`` (the
  subscription echoed: that is the correlation);
* errors: ``{"channel": "error", "data": "<text>"}``;
* pong: ``{"channel": "pong"}``;
* post replies: ``{"channel": "post", "data": {"id", "response": {"type": "info" | "action" |
  "error", "payload": ...}}}``;
* data: every other channel, and ``post`` replies other than the credential check's (``l2Book``, ``trades``, ``bbo``, ``candle``, ``activeAssetCtx``,
  ``allMids``, ``orderUpdates``, ``userFills``, ``userEvents``, ``userFundings``).

Topics: the client's subscription book needs strings; a topic is the subscription's fields
joined by ``:`` in a fixed order (``l2Book:BTC``, ``candle:BTC:1m``, ``userFills:0xabc...``),
see :func:`topic_of` / :func:`subscription_of`.

Hyperliquid has no stream login. The private stream's "login" is a credential check sent over
the same socket on every connection: a ``userRole`` info request for the signing key, accepted
when the key is the account itself or an agent of it, refused (fatal) otherwise. A user stream
subscribes the account address, never the agent's.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, Final

from tradeport.net.ws_protocol import (
    Classified,
    MessageKind,
    SubscriptionAction,
    WsRequest,
    WsVenueProtocol,
)

__all__ = [
    "HyperliquidWsProtocol",
    "UserCheck",
    "topic_of",
    "subscription_of",
    "PRIVATE_TYPES",
    "DATA_CHANNELS",
]

_DATA: Final = Classified(MessageKind.DATA)
_PONG: Final = Classified(MessageKind.PONG)
_IGNORE: Final = Classified(MessageKind.IGNORE)
_LOGIN_OK: Final = Classified(MessageKind.LOGIN_OK)

#: The fields of each subscription type, in topic order.
_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "allMids": (),
    "l2Book": ("coin",),
    "trades": ("coin",),
    "bbo": ("coin",),
    "candle": ("coin", "interval"),
    "activeAssetCtx": ("coin",),
    "orderUpdates": ("user",),
    "userFills": ("user",),
    "userEvents": ("user",),
    "userFundings": ("user",),
}
#: Subscriptions about a user (sent only after the credential check).
PRIVATE_TYPES: Final = frozenset({"orderUpdates", "userFills", "userEvents", "userFundings"})
#: Channels that carry data.
DATA_CHANNELS: Final = frozenset(_FIELDS)
_ACTIONS: Final = {
    "subscribe": SubscriptionAction.SUBSCRIBE,
    "unsubscribe": SubscriptionAction.UNSUBSCRIBE,
}


def topic_of(subscription: Mapping[str, Any]) -> str:
    """The topic string of a subscription (``{"type": "l2Book", "coin": "BTC"}`` ->
    ``l2Book:BTC``). Addresses are lower-cased (the venue echoes them so)."""
    kind = str(subscription["type"])
    fields = _FIELDS.get(kind)
    if fields is None:
        raise KeyError(f"unknown subscription type {kind!r}")
    parts = [kind]
    for name in fields:
        value = str(subscription[name])
        parts.append(value.lower() if name == "user" else value)
    return ":".join(parts)


def subscription_of(topic: str) -> dict[str, Any]:
    """The subscription object of a topic (the inverse of :func:`topic_of`)."""
    kind, *values = topic.split(":")
    fields = _FIELDS.get(kind)
    if fields is None or len(values) != len(fields):
        raise KeyError(f"not a Hyperliquid topic: {topic!r}")
    return {"type": kind, **dict(zip(fields, values, strict=True))}


class UserCheck:
    """The private stream's credential check: the signing key must be the account, or an agent
    whose master is the account (``userRole`` answers ``{"role": "agent", "data": {"user"}}``).
    """

    __slots__ = ("account", "request_id", "signer")

    def __init__(self, signer: str, account: str, request_id: int) -> None:
        self.signer = signer.lower()
        self.account = account.lower()
        self.request_id = request_id

    def request(self) -> dict[str, Any]:
        """The ``post`` info request that asks the venue who the signer is."""
        return {
            "method": "post",
            "id": self.request_id,
            "request": {"type": "info", "payload": {"type": "userRole", "user": self.signer}},
        }

    def verdict(self, role: Mapping[str, Any]) -> str | None:
        """None when the signer may act for the account, else why not."""
        kind = role.get("role")
        if self.signer == self.account and kind in ("user", "vault"):
            return None
        data = role.get("data") or {}
        if kind == "agent" and str(data.get("user", "")).lower() == self.account:
            return None
        if kind == "agent":
            return f"signer {self.signer} is an agent of {data.get('user')}, not of {self.account}"
        return f"signer {self.signer} is not known to the venue (role {kind!r})"


class HyperliquidWsProtocol(WsVenueProtocol):
    """One Hyperliquid stream connection (public data, or a user stream with ``check``).

    :param check: the credential check run on every connection of a user stream.
    :param ping_interval: seconds between ``{"method":"ping"}`` heartbeats.
    """

    def __init__(
        self, *, check: UserCheck | None = None, ping_interval: float | None = 30.0
    ) -> None:
        self._check = check
        self.ping_interval = ping_interval
        self._ids = itertools.count(1)

    # -- outgoing -------------------------------------------------------------------------------

    def text_ping(self) -> Any:
        """The heartbeat that keeps the venue from closing an idle connection."""
        return {"method": "ping"}

    def login_message(self) -> Any:
        """The credential check of a user stream (None for public data)."""
        return self._check.request() if self._check is not None else None

    def is_private(self, topic: str) -> bool:
        """User subscriptions wait for the credential check."""
        return topic.split(":", 1)[0] in PRIVATE_TYPES

    def _requests(self, method: str, topics: Sequence[str]) -> list[WsRequest]:
        return [
            WsRequest(
                {"method": method, "subscription": subscription_of(topic)},
                (topic,),
                _ACTIONS[method],
                None,
            )
            for topic in topics
        ]

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """One ``subscribe`` per topic (the venue takes one subscription per message)."""
        return self._requests("subscribe", topics)

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """One ``unsubscribe`` per topic."""
        return self._requests("unsubscribe", topics)

    # -- incoming -------------------------------------------------------------------------------

    def classify(self, message: Any) -> Classified:
        """Data channels, acks (by the echoed subscription), errors, pongs, post replies."""
        if not isinstance(message, dict):
            return _IGNORE
        channel = message.get("channel")
        if channel in DATA_CHANNELS:
            return _DATA
        if channel == "pong":
            return _PONG
        if channel == "subscriptionResponse":
            data = message.get("data") or {}
            action = _ACTIONS.get(str(data.get("method")))
            try:
                topic = topic_of(data.get("subscription") or {})
            except KeyError:
                return _IGNORE
            if action is None:
                return _IGNORE
            return Classified(MessageKind.ACK, (topic,), action=action)
        if channel == "post":
            return self._post_reply(message.get("data") or {})
        if channel == "error":
            return Classified(MessageKind.ERROR, message=str(message.get("data")))
        return _IGNORE

    def _post_reply(self, data: Mapping[str, Any]) -> Classified:
        check = self._check
        if check is None or data.get("id") != check.request_id:
            return _DATA  # the answer to a request the handler sent (an action, an info)
        response = data.get("response") or {}
        if response.get("type") != "info":
            return Classified(
                MessageKind.LOGIN_REFUSED, message=f"credential check failed: {response}"
            )
        role = (response.get("payload") or {}).get("data") or {}
        reason = check.verdict(role)
        if reason is None:
            return _LOGIN_OK
        return Classified(MessageKind.LOGIN_REFUSED, code="userRole", message=reason)
