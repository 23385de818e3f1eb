"""Loopback test kit: a real HTTP + WebSocket server and a fault-injecting TCP proxy.

Shipped in the wheel so venue plugins' mock venues and the conformance suite can use it. Both run
under asyncio and trio, inside the calling test's task group, on 127.0.0.1 port 0.

* :class:`LoopbackServer` - HTTP handler ``(Request) -> Response`` and WebSocket routes
  ``(ServerWebSocket) -> None``; control pings, close codes, oversized frames, FIN/RST drops.
* :class:`FaultProxy` - in front of any server: pass, FIN, RST, black hole, refuse, restore.
* :class:`StreamServer` - a TCP or TLS server speaking a framing (lines, CRLF, length prefix,
  FIX): handler ``(ServerStream) -> None``; FIN/RST drops, partial and oversized frames.
* :class:`FixAcceptor` - the venue side of FIX sessions on a StreamServer: logon check,
  numbered messages, resends with PossDup, gap fills, a control to skip a sequence number.
* :class:`LoopbackCA` - a throwaway CA (trustme) for TLS servers and verifying clients.
* :class:`LoopbackListener` - their common base, for mock venues with a wire format of their
  own: implement ``_handle(stream)``.

See docs/network.md for examples.
"""

from tradeport.testing.fault_proxy import FaultProxy, ProxyMode
from tradeport.testing.fix_acceptor import FixAcceptor, FixAcceptorSession
from tradeport.testing.http_messages import AbortConnection, DropMode, Request, Response
from tradeport.testing.listener import DroppableConnection, LoopbackListener
from tradeport.testing.loopback import HttpHandler, LoopbackServer, WebSocketHandler
from tradeport.testing.server_ws import ServerWebSocket, WebSocketClosed
from tradeport.testing.stream_server import ServerStream, StreamClosed, StreamHandler, StreamServer
from tradeport.testing.tls import LoopbackCA

__all__ = [
    "AbortConnection",
    "DropMode",
    "DroppableConnection",
    "FaultProxy",
    "FixAcceptor",
    "FixAcceptorSession",
    "HttpHandler",
    "LoopbackCA",
    "LoopbackListener",
    "LoopbackServer",
    "ProxyMode",
    "Request",
    "Response",
    "ServerStream",
    "ServerWebSocket",
    "StreamClosed",
    "StreamHandler",
    "StreamServer",
    "WebSocketClosed",
    "WebSocketHandler",
]
