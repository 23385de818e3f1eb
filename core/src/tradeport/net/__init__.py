"""The network layer: venue REST (:class:`HttpClient`) and streams (:class:`WebSocketClient`).

* :mod:`tradeport.net.http` - HttpClient: signing hook, exact query strings, retries, typed errors
* :mod:`tradeport.net.http_pool` - HttpPool: one REST pool, kept open or leased per call
* :mod:`tradeport.net.nonce` - NonceSource: strictly increasing nonces per signer
* :mod:`tradeport.net.server_time` - ServerClock: the venue's clock offset for signers
* :mod:`tradeport.net.ratelimit` - keyed sliding-window rate limiter that waits for capacity
* :mod:`tradeport.net.backoff` - the backoff policy shared by HTTP retries and WS reconnects
* :mod:`tradeport.net.stream_session` - StreamSession: heartbeats, idle timeout, reconnects,
  login then replay, subscription states, counters; over any transport
* :mod:`tradeport.net.ws_client` - WebSocketClient: the session over a WebSocket
* :mod:`tradeport.net.tcp` - TcpTransport: the session over TCP or TLS, with a framing
* :mod:`tradeport.net.framing` - sans-IO framings: lines, length prefix, FIX, raw decoders
* :mod:`tradeport.net.fix_session` - the FIX session layer: logon, heartbeats, test requests,
  sequence numbers, resend requests and gap fills, logout
* :mod:`tradeport.net.ws_protocol` - what a venue plugin supplies to a session (StreamProtocol)
* :mod:`tradeport.net.ws_session` - one connection on httpx-ws with a real message-size cap

Every failure raised from here is a :class:`tradeport.errors.TradeportError`. See docs/network.md.
"""

from tradeport.net.backoff import BackoffPolicy, ReconnectPolicy, RetryPolicy
from tradeport.net.fix_session import FixMessage, FixOutgoing, FixSessionProtocol, fix_sending_time
from tradeport.net.framing import (
    CRLF,
    NEWLINE,
    DecoderFraming,
    FixFraming,
    FrameDecoder,
    Framing,
    FramingError,
    LengthPrefixedFraming,
    LineFraming,
    fix_message,
    parse_fix,
)
from tradeport.net.http import HttpClient, SignRequest, SignResult, encode_query
from tradeport.net.http_pool import HttpPool
from tradeport.net.nonce import NonceSource
from tradeport.net.ratelimit import Quota, RateLimiter
from tradeport.net.server_time import ServerClock
from tradeport.net.stream_session import (
    ConnectionState,
    Heartbeat,
    StreamCounters,
    StreamSession,
    WsCounters,
)
from tradeport.net.tcp import TcpConnection, TcpTransport, tls_client_context
from tradeport.net.transport import StreamConnection, StreamTransport
from tradeport.net.ws_client import WebSocketClient, WebSocketTransport
from tradeport.net.ws_protocol import (
    PRESENT,
    REQUEST_ID,
    TOPICS,
    Classified,
    GenericJsonProtocol,
    MessageKind,
    StreamProtocol,
    SubscriptionAction,
    WsRequest,
    WsVenueProtocol,
)
from tradeport.net.ws_subscriptions import SubscriptionStatus

__all__ = [
    "CRLF",
    "NEWLINE",
    "PRESENT",
    "REQUEST_ID",
    "TOPICS",
    "BackoffPolicy",
    "Classified",
    "DecoderFraming",
    "FixFraming",
    "FixMessage",
    "FixOutgoing",
    "FixSessionProtocol",
    "FrameDecoder",
    "Framing",
    "FramingError",
    "LengthPrefixedFraming",
    "LineFraming",
    "ConnectionState",
    "GenericJsonProtocol",
    "Heartbeat",
    "HttpClient",
    "HttpPool",
    "MessageKind",
    "NonceSource",
    "Quota",
    "RateLimiter",
    "ReconnectPolicy",
    "RetryPolicy",
    "ServerClock",
    "SignRequest",
    "SignResult",
    "StreamConnection",
    "StreamCounters",
    "StreamProtocol",
    "StreamSession",
    "StreamTransport",
    "SubscriptionAction",
    "SubscriptionStatus",
    "TcpConnection",
    "TcpTransport",
    "WebSocketClient",
    "WebSocketTransport",
    "WsCounters",
    "WsRequest",
    "WsVenueProtocol",
    "encode_query",
    "fix_message",
    "fix_sending_time",
    "parse_fix",
    "tls_client_context",
]
