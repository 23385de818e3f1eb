"""The indexer WebSocket protocol for the core stream session (docs: "Indexer Websocket").

Requests: ``{"type": "subscribe" | "unsubscribe", "channel": ..., "id": ...}`` (``batched``
true for the book: updates then arrive as ``channel_batch_data``). Topics in the client's
subscription book are ``channel:id`` (``v4_trades:BTC-USD``, ``v4_orderbook:BTC-USD``).

Replies, all with ``connection_id`` and a per-connection increasing ``message_id``:

* ``connected`` on connect (ignored);
* ``subscribed`` (channel, id, ``contents``: the initial data) is the ack; for the book it is
  also the snapshot, so it reaches the handler too (``carries_data``);
* ``unsubscribed`` (channel, id) is the unsubscribe ack;
* ``channel_data`` / ``channel_batch_data`` (``contents``: one update / a list of them) is data;
* a skipped ``message_id`` means a lost message: ``on_gap`` is told (books resync);
* ``error`` (``message``): a refused subscription names no channel; it is matched to the
  oldest subscribe still waiting for a reply (the indexer answers in order).

The server sends a WebSocket ping control frame every 30 s and drops connections that do not
pong within 10 s; the core answers control pings by itself. There is no text ping.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

from tradeport.net.ws_protocol import (
    Classified,
    MessageKind,
    StreamProtocol,
    SubscriptionAction,
    WsRequest,
)

if TYPE_CHECKING:
    from tradeport.net import WebSocketClient

__all__ = [
    "DydxIndexerProtocol",
    "indexer_stream",
    "topic_of",
    "split_topic",
    "TRADES",
    "ORDERBOOK",
    "CANDLES",
    "SUBACCOUNTS",
    "DATA_TYPES",
]

TRADES: Final = "v4_trades"
CANDLES: Final = "v4_candles"
#: All markets on one subscription (no ``id``): oracle prices and trading updates.
MARKETS: Final = "v4_markets"
ORDERBOOK: Final = "v4_orderbook"
#: One subaccount's orders, fills, positions and transfers (id ``address/number``).
SUBACCOUNTS: Final = "v4_subaccounts"
DATA_TYPES: Final = frozenset({"channel_data", "channel_batch_data"})
_DATA: Final = Classified(MessageKind.DATA)
_IGNORE: Final = Classified(MessageKind.IGNORE)
#: Channels whose updates are asked for batched (fewer, larger messages).
_BATCHED: Final = frozenset({ORDERBOOK})
#: Channels whose ``subscribed`` contents are data for the client (the book snapshot). The
#: trades channel's initial contents are recent history, not live trades: not delivered.
_SNAPSHOT_CHANNELS: Final = frozenset({ORDERBOOK})


def topic_of(channel: str, market: str) -> str:
    """``("v4_trades", "BTC-USD")`` -> ``v4_trades:BTC-USD``."""
    return f"{channel}:{market}"


def split_topic(topic: str) -> tuple[str, str]:
    """``v4_trades:BTC-USD`` -> ``("v4_trades", "BTC-USD")``."""
    channel, _, market = topic.partition(":")
    return channel, market


class DydxIndexerProtocol(StreamProtocol):
    """One indexer connection (see the module docstring)."""

    def __init__(self, on_gap: Callable[[int, int], None] | None = None) -> None:
        self._waiting: deque[str] = deque()
        self._on_gap = on_gap
        self._next_id: int | None = None
        #: message_id gaps seen (lost messages).
        self.gaps = 0

    def _requests(self, kind: str, topics: Sequence[str]) -> list[WsRequest]:
        action = (
            SubscriptionAction.SUBSCRIBE if kind == "subscribe" else SubscriptionAction.UNSUBSCRIBE
        )
        out = []
        for topic in topics:
            channel, market = split_topic(topic)
            payload: dict[str, Any] = {"type": kind, "channel": channel}
            if market:  # every channel but v4_markets names its market or subaccount
                payload["id"] = market
            if kind == "subscribe":
                if channel in _BATCHED:
                    payload["batched"] = True
                self._waiting.append(topic)
            out.append(WsRequest(payload, (topic,), action))
        return out

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """One ``subscribe`` per topic."""
        return self._requests("subscribe", topics)

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        """One ``unsubscribe`` per topic."""
        return self._requests("unsubscribe", topics)

    async def on_connect(self, connection: Any) -> None:
        """A new connection: no subscribe of the old one is still waiting."""
        self._waiting.clear()
        self._next_id = None

    def _answered(self, topic: str) -> None:
        try:
            self._waiting.remove(topic)
        except ValueError:
            pass

    def classify(self, message: Any) -> Classified:
        """Data first (the hot path), then the replies by ``type``."""
        if not isinstance(message, dict):
            return Classified(MessageKind.ERROR, message=f"unexpected message {message!r:.100}")
        message_id = message.get("message_id")
        if isinstance(message_id, int):
            expected = self._next_id
            if expected is not None and message_id > expected:
                self.gaps += 1
                if self._on_gap is not None:
                    self._on_gap(expected, message_id)
            self._next_id = message_id + 1
        kind = message.get("type")
        if kind in DATA_TYPES:
            return _DATA
        if kind == "subscribed":
            channel = str(message.get("channel"))
            topic = topic_of(channel, str(message.get("id", "")))
            self._answered(topic)
            return Classified(
                MessageKind.ACK,
                (topic,),
                action=SubscriptionAction.SUBSCRIBE,
                carries_data=channel in _SNAPSHOT_CHANNELS,
            )
        if kind == "unsubscribed":
            topic = topic_of(str(message.get("channel")), str(message.get("id", "")))
            return Classified(MessageKind.ACK, (topic,), action=SubscriptionAction.UNSUBSCRIBE)
        if kind == "error":
            text = str(message.get("message", ""))
            if self._waiting:
                topic = self._waiting.popleft()
                return Classified(
                    MessageKind.REFUSAL, (topic,), action=SubscriptionAction.SUBSCRIBE, message=text
                )
            return Classified(MessageKind.ERROR, message=text)
        if kind == "connected":
            return _IGNORE
        return Classified(MessageKind.ERROR, message=f"unknown message type {kind!r}")


def indexer_stream(
    config: Any,
    protocol: DydxIndexerProtocol,
    on_message: Callable[[Any], Awaitable[None]],
    *,
    name: str,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
) -> WebSocketClient:
    """A core stream session on the indexer's WebSocket (the data and execution clients'
    one shape): the indexer pings every 30 s with control frames, answered by the core; it has
    no text ping, so the client sends no pings of its own."""
    from tradeport.net import Heartbeat, WebSocketClient

    from tradeport_dydx.constants import VENUE_ID
    from tradeport_dydx.urls import indexer_ws_url

    return WebSocketClient(
        indexer_ws_url(config),
        protocol,
        on_message,
        venue=VENUE_ID,
        name=name,
        heartbeat=Heartbeat(ping_interval=None, ping_timeout=None, text_ping_interval=None),
        ack_timeout=config.ws_reply_timeout,
        login_timeout=config.ws_reply_timeout,
        on_reconnected=on_reconnected,
        **config.stream_options(),
    )
