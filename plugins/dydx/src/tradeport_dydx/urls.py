"""Endpoints of the dYdX indexer (reads) and node REST gateway (writes), per network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from tradeport_dydx.config import DydxConfig

__all__ = ["NETWORKS", "DEFAULT_URLS", "indexer_http_url", "indexer_ws_url", "node_url", "chain_id"]

#: network -> (indexer REST, indexer WS, node Cosmos REST gateway, chain id). There is no
#: dYdX-operated public node; the node URLs are community validators' gateways.
NETWORKS: Final = {
    "mainnet": (
        "https://indexer.dydx.trade",
        "wss://indexer.dydx.trade/v4/ws",
        "https://dydx-ops-rest.kingnodes.com",
        "dydx-mainnet-1",
    ),
    "testnet": (
        "https://indexer.v4testnet.dydx.exchange",
        "wss://indexer.v4testnet.dydx.exchange/v4/ws",
        "https://test-dydx-rest.kingnodes.com",
        "dydx-testnet-4",
    ),
    "local": (
        "http://localhost:3002",
        "ws://localhost:3003",
        "http://localhost:1317",
        "localdydxprotocol",
    ),
}

#: Shown by ``tradeport info dydx``.
DEFAULT_URLS: Final = {
    "http": NETWORKS["mainnet"][0],
    "ws": NETWORKS["mainnet"][1],
    "node": NETWORKS["mainnet"][2],
    "testnet_http": NETWORKS["testnet"][0],
    "testnet_ws": NETWORKS["testnet"][1],
    "testnet_node": NETWORKS["testnet"][2],
}


def _network(config: DydxConfig) -> tuple[str, str, str, str]:
    return NETWORKS["testnet" if config.testnet else config.network]


def indexer_http_url(config: DydxConfig) -> str:
    """The indexer REST base: the override, else the network's."""
    return (config.base_url_http or _network(config)[0]).rstrip("/")


def indexer_ws_url(config: DydxConfig) -> str:
    """The indexer WebSocket URL: the override (a full URL), else the network's."""
    return config.base_url_ws or _network(config)[1]


def node_url(config: DydxConfig) -> str:
    """The node's Cosmos REST gateway."""
    return (config.node_url or _network(config)[2]).rstrip("/")


def chain_id(config: DydxConfig) -> str:
    """The chain id transactions are signed for."""
    return config.chain_id or _network(config)[3]
