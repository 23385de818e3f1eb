"""The TWS API as a :class:`~tradeport.net.StreamProtocol`: the connect handshake, the
heartbeat, and market data requests as replayable topics.

On every connection (the first and each reconnect) :meth:`IbProtocol.on_connect` sends
``API\\0`` + the pinned version range, reads the server version and connection time, sends
START_API with the client id and reads until NEXT_VALID_ID and MANAGED_ACCOUNTS are both in:
only then is the session usable. A server version outside the window, or TWS refusing the
client id (error 326, then it closes the socket), is fatal.

Market data requests are topics of the core's stream session (``quotes:<conId>``...): TWS does
not acknowledge them, so they are active once sent, and the session replays them after a
reconnect with fresh request ids.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tradeport.errors import AuthenticationError, TransportError
from tradeport.net.ws_protocol import (
    DATA,
    PONG,
    Classified,
    StreamProtocol,
    SubscriptionAction,
    WsRequest,
)

from tradeport_interactive_brokers.constants import (
    CLIENT_ID_IN_USE,
    MAX_SERVER_VERSION,
    MIN_SERVER_VERSION,
    VENUE_ID,
    In,
)
from tradeport_interactive_brokers.messages import req_current_time, start_api
from tradeport_interactive_brokers.parse import parse_error
from tradeport_interactive_brokers.wire import decode_fields, handshake, parse_server_hello

if TYPE_CHECKING:
    from tradeport.net.transport import StreamConnection

    from tradeport_interactive_brokers.gateway.client import IbGateway

__all__ = ["IbProtocol", "IncompatibleServer", "ClientIdInUse"]

log = logging.getLogger("tradeport.interactive_brokers.gateway")

_CURRENT_TIME = str(In.CURRENT_TIME)


class IncompatibleServer(AuthenticationError):
    """TWS / Gateway answered with a server version outside the plugin's pinned window."""


class ClientIdInUse(AuthenticationError):
    """TWS refused the client id (error 326): another API client holds it."""


class IbProtocol(StreamProtocol):
    """The TWS API handshake, heartbeat and topic requests for one :class:`IbGateway`."""

    acknowledges_subscriptions = False

    def __init__(self, gateway: IbGateway) -> None:
        self.gateway = gateway
        self.ping_interval = gateway.heartbeat_interval

    async def on_connect(self, connection: StreamConnection) -> None:
        gateway = self.gateway
        send_raw = getattr(connection, "send_raw")  # noqa: B009 - TcpConnection's unframed write
        await send_raw(handshake(MIN_SERVER_VERSION, MAX_SERVER_VERSION))
        try:
            version, connection_time = parse_server_hello(self.decode(await connection.receive()))
        except TransportError as exc:
            raise TransportError(
                f"TWS closed the connection during the version handshake ({exc})", venue=VENUE_ID
            ) from exc
        if not MIN_SERVER_VERSION <= version <= MAX_SERVER_VERSION:
            raise IncompatibleServer(
                f"TWS / IB Gateway speaks server version {version}; this plugin supports "
                f"{MIN_SERVER_VERSION}..{MAX_SERVER_VERSION} (legacy text protocol)",
                venue=VENUE_ID,
            )
        gateway.on_server_hello(version, connection_time)
        await connection.send(start_api(gateway.client_id))
        next_id: int | None = None
        accounts: list[str] | None = None
        while next_id is None or accounts is None:
            try:
                fields = self.decode(await connection.receive())
            except TransportError as exc:
                raise TransportError(
                    f"TWS closed the connection after START_API (client id "
                    f"{gateway.client_id} in use?): {exc}",
                    venue=VENUE_ID,
                ) from exc
            msg_id = fields[0]
            if msg_id == str(In.NEXT_VALID_ID):
                next_id = int(fields[2])
            elif msg_id == str(In.MANAGED_ACCOUNTS):
                accounts = [a for a in fields[2].split(",") if a]
            elif msg_id == str(In.ERROR) and parse_error(fields).code == CLIENT_ID_IN_USE:
                raise ClientIdInUse(
                    f"TWS refused client id {gateway.client_id}: {parse_error(fields).message}",
                    venue=VENUE_ID,
                )
            else:
                await gateway.on_fields(fields)
        gateway.on_ready(next_id, accounts)
        for payload in gateway.after_handshake:
            await connection.send(payload)

    def text_ping(self) -> Any:
        return req_current_time()

    def decode(self, raw: str | bytes) -> Any:
        return decode_fields(raw if isinstance(raw, bytes) else raw.encode())

    def encode(self, payload: Any) -> str | bytes:
        return payload  # builders return encoded payloads already

    def classify(self, message: Any) -> Classified:
        if message[0] == _CURRENT_TIME:
            self.gateway.on_current_time()
            return PONG
        return DATA

    def subscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        return [
            WsRequest(self.gateway.topic_request(t), (t,), SubscriptionAction.SUBSCRIBE)
            for t in topics
        ]

    def unsubscribe_messages(self, topics: Sequence[str]) -> list[WsRequest]:
        requests = []
        for topic in topics:
            payload = self.gateway.topic_cancel(topic)
            if payload is not None:
                requests.append(WsRequest(payload, (topic,), SubscriptionAction.UNSUBSCRIBE))
        return requests
