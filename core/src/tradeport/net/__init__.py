"""The network layer: venue REST (:class:`HttpClient`) and streams (:class:`WebSocketClient`).

* :mod:`tradeport.net.http` - HttpClient: signing hook, exact query strings, retries, typed errors
* :mod:`tradeport.net.ratelimit` - keyed sliding-window rate limiter that waits for capacity
* :mod:`tradeport.net.backoff` - the backoff policy shared by HTTP retries and WS reconnects
* :mod:`tradeport.net.ws_client` - WebSocketClient: heartbeats, idle timeout, reconnects, replay
* :mod:`tradeport.net.ws_protocol` - what a venue plugin supplies to the WebSocket client
* :mod:`tradeport.net.ws_session` - one connection on httpx-ws with a real message-size cap

Every failure raised from here is a :class:`tradeport.errors.TradeportError`. See docs/network.md.
"""

from tradeport.net.backoff import BackoffPolicy, ReconnectPolicy, RetryPolicy
from tradeport.net.http import HttpClient, SignRequest, SignResult, encode_query
from tradeport.net.ratelimit import Quota, RateLimiter
from tradeport.net.ws_client import ConnectionState, Heartbeat, WebSocketClient, WsCounters
from tradeport.net.ws_protocol import (
    PRESENT,
    REQUEST_ID,
    TOPICS,
    Classified,
    GenericJsonProtocol,
    MessageKind,
    SubscriptionAction,
    WsRequest,
    WsVenueProtocol,
)
from tradeport.net.ws_subscriptions import SubscriptionStatus

__all__ = [
    "PRESENT",
    "REQUEST_ID",
    "TOPICS",
    "BackoffPolicy",
    "Classified",
    "ConnectionState",
    "GenericJsonProtocol",
    "Heartbeat",
    "HttpClient",
    "MessageKind",
    "Quota",
    "RateLimiter",
    "ReconnectPolicy",
    "RetryPolicy",
    "SignRequest",
    "SignResult",
    "SubscriptionAction",
    "SubscriptionStatus",
    "WebSocketClient",
    "WsCounters",
    "WsRequest",
    "WsVenueProtocol",
    "encode_query",
]
