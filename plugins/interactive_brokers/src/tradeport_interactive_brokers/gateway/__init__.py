"""The TWS API connection: handshake and topics (:mod:`.protocol`), routing (:mod:`.client`)."""

from tradeport_interactive_brokers.gateway.client import GatewayNotice, IbGateway, TopicSpec
from tradeport_interactive_brokers.gateway.protocol import (
    ClientIdInUse,
    IbProtocol,
    IncompatibleServer,
)

__all__ = [
    "ClientIdInUse",
    "GatewayNotice",
    "IbGateway",
    "IbProtocol",
    "IncompatibleServer",
    "TopicSpec",
]
