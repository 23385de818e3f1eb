"""The two CLOB channels as :class:`tradeport.net.WsVenueProtocol`\\ s.

Both channels take a subscription as their first message and never acknowledge it (the
market channel answers with the ``book`` of every asset, the user channel with nothing); the
client sends the text ``PING`` every 10 seconds and the venue answers ``PONG``:

* market (``/ws/market``): a topic is a token id. The first message of a connection is
  ``{"assets_ids": [...], "type": "market", "custom_feature_enabled": true}``; later ones
  ``{"assets_ids": [...], "operation": "subscribe" | "unsubscribe", ...}``.
* user (``/ws/user``): a topic is a market's condition id, or :data:`ALL_MARKETS` for every
  market of the API key. The first message carries the credentials:
  ``{"auth": {"apiKey", "secret", "passphrase"}, "markets": [...], "type": "user"}``.

Data messages are JSON objects with an ``event_type``, or arrays of them (the snapshots that
answer a subscription).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import anyio
from tradeport.net import Classified, MessageKind, SubscriptionAction, WsRequest, WsVenueProtocol

from tradeport_polymarket.constants import DEFAULT_PING_INTERVAL
from tradeport_polymarket.credential import PolymarketCredential

__all__ = ["ALL_MARKETS", "ChannelProtocol", "MarketChannelProtocol", "UserChannelProtocol"]

#: The user-channel topic for every market of the API key (an empty ``markets`` list).
ALL_MARKETS: Final = "*"
_PONG: Final = Classified(MessageKind.PONG)
_DATA: Final = Classified(MessageKind.DATA)
_PING: Final = "PING"


class ChannelProtocol(WsVenueProtocol):
    """What both channels share: no login, no acknowledgements, the text PING."""

    ping_interval = DEFAULT_PING_INTERVAL
    acknowledges_subscriptions = False

    def __init__(self) -> None:
        self._fresh = True
        self._pong_waiters: list[anyio.Event] = []

    def pong_waiter(self) -> anyio.Event:
        """An event set by the next ``PONG`` (see ``websocket.client.round_trip``)."""
        waiter = anyio.Event()
        self._pong_waiters.append(waiter)
        return waiter

    def text_ping(self) -> Any:
        """The text ``PING``."""
        return _PING

    def classify_raw(self, raw: str | bytes) -> Classified | None:
        """``PONG`` is plain text: never decoded."""
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        if text.strip() != "PONG":
            return None
        waiters, self._pong_waiters = self._pong_waiters, []
        for waiter in waiters:
            waiter.set()
        return _PONG

    def login_message(self) -> Any:
        """No login; a new connection must start with the full subscription message."""
        self._fresh = True
        return None

    def classify(self, message: Any) -> Classified:
        """Objects and arrays of objects are data; anything else a venue error."""
        if isinstance(message, (dict, list)):
            return _DATA
        return Classified(MessageKind.ERROR, message=f"unexpected message {message!r:.100}")


class MarketChannelProtocol(ChannelProtocol):
    """The market channel: topics are token ids (see the module docstring)."""

    def _request(self, topics: Sequence[str], action: SubscriptionAction) -> WsRequest:
        payload: dict[str, Any] = {"assets_ids": list(topics), "custom_feature_enabled": True}
        if self._fresh and action is SubscriptionAction.SUBSCRIBE:
            payload["type"] = "market"
            self._fresh = False
        else:
            payload["operation"] = (
                "subscribe" if action is SubscriptionAction.SUBSCRIBE else "unsubscribe"
            )
        return WsRequest(payload, tuple(topics), action)

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """One message for every asset given."""
        return [self._request(topics, SubscriptionAction.SUBSCRIBE)]

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """One message for every asset given."""
        return [self._request(topics, SubscriptionAction.UNSUBSCRIBE)]


class UserChannelProtocol(ChannelProtocol):
    """The user channel: topics are condition ids or :data:`ALL_MARKETS`."""

    def __init__(self, credential: PolymarketCredential) -> None:
        super().__init__()
        self.credential = credential

    def is_private(self, topic: str) -> bool:
        """Every user topic needs the credentials."""
        return True

    @staticmethod
    def _markets(topics: Sequence[str]) -> list[str]:
        return [t for t in topics if t != ALL_MARKETS]

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """The authenticated first message, or a later ``operation: subscribe``."""
        if self._fresh:
            self._fresh = False
            payload: dict[str, Any] = {
                "auth": self.credential.ws_auth(),
                "markets": self._markets(topics),
                "type": "user",
            }
        else:
            payload = {"markets": self._markets(topics), "operation": "subscribe"}
        return [WsRequest(payload, tuple(topics), SubscriptionAction.SUBSCRIBE)]

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """``{"markets": [...], "operation": "unsubscribe"}``."""
        payload = {"markets": self._markets(topics), "operation": "unsubscribe"}
        return [WsRequest(payload, tuple(topics), SubscriptionAction.UNSUBSCRIBE)]
