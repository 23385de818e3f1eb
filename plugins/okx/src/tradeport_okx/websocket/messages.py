"""OKX WebSocket messages: channel args <-> the core client's topic strings, and requests.

The core client tracks subscriptions by topic string; OKX subscribes by ``arg`` objects
(``{"channel": "books", "instId": "BTC-USDT"}``). A topic is ``channel:instId`` for the common
case and ``channel:key=value,key=value`` (sorted keys) otherwise, e.g. ``orders:instType=ANY``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "PRIVATE_CHANNELS",
    "BUSINESS_CHANNEL_PREFIXES",
    "topic_for",
    "arg_for",
    "channel_of",
    "subscribe_request",
    "unsubscribe_request",
]

#: Channels that need a login (the ``private`` service).
PRIVATE_CHANNELS = frozenset(
    {"orders", "fills", "positions", "account", "balance_and_position", "liquidation-warning"}
)
#: Channels served by the ``business`` service (candles, algo orders).
BUSINESS_CHANNEL_PREFIXES = (
    "candle",
    "mark-price-candle",
    "index-candle",
    "orders-algo",
    "algo-advance",
    "trades-all",
)


def topic_for(arg: Mapping[str, Any]) -> str:
    """The topic string of an OKX ``arg``."""
    channel = str(arg["channel"])
    rest = {k: str(v) for k, v in arg.items() if k != "channel"}
    if rest.keys() == {"instId"}:
        return f"{channel}:{rest['instId']}"
    return f"{channel}:" + ",".join(f"{k}={rest[k]}" for k in sorted(rest))


def arg_for(topic: str) -> dict[str, str]:
    """The OKX ``arg`` of a topic string (inverse of :func:`topic_for`)."""
    channel, _, rest = topic.partition(":")
    if not rest:
        return {"channel": channel}
    if "=" not in rest:
        return {"channel": channel, "instId": rest}
    arg = {"channel": channel}
    for pair in rest.split(","):
        key, _, value = pair.partition("=")
        arg[key] = value
    return arg


def channel_of(topic: str) -> str:
    """The channel part of a topic."""
    return topic.partition(":")[0]


def subscribe_request(topics: list[str], request_id: str | None = None) -> dict[str, Any]:
    """``{"id": "7", "op": "subscribe", "args": [...]}``."""
    message: dict[str, Any] = {"op": "subscribe", "args": [arg_for(t) for t in topics]}
    if request_id is not None:
        message = {"id": request_id, **message}
    return message


def unsubscribe_request(topics: list[str], request_id: str | None = None) -> dict[str, Any]:
    """``{"id": "8", "op": "unsubscribe", "args": [...]}``."""
    message: dict[str, Any] = {"op": "unsubscribe", "args": [arg_for(t) for t in topics]}
    if request_id is not None:
        message = {"id": request_id, **message}
    return message
