"""Endpoints of Coinbase International Exchange and how the config overrides them.

Live REST ``https://api.international.coinbase.com/api/v1``, sandbox
``https://api-n5e1.coinbase.com/api/v1``; market-data WebSocket
``wss://ws-md.international.coinbase.com`` (sandbox ``wss://ws-md.n5e2.coinbase.com``); FIX drop
copy over TLS ``fix.international.coinbase.com:6130`` (the address the nautilus adapter used;
the sandbox address below follows the REST sandbox host and is not verified).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from tradeport_coinbase_intx.config import CoinbaseIntxConfig

#: Live REST base URL (scheme and host; request paths start with /api/v1).
HTTP_URL: Final = "https://api.international.coinbase.com"
#: Live market-data WebSocket.
WS_URL: Final = "wss://ws-md.international.coinbase.com"
#: The sandbox.
TESTNET_HTTP_URL: Final = "https://api-n5e1.coinbase.com"
TESTNET_WS_URL: Final = "wss://ws-md.n5e2.coinbase.com"
#: FIX drop copy (TLS).
FIX_ADDRESS: Final = "fix.international.coinbase.com:6130"
TESTNET_FIX_ADDRESS: Final = "fix.n5e1.coinbase.com:6130"

#: The WebSocket has one endpoint, at the root.
STREAM_PATH: Final = "/"

#: Shown by ``tradeport info coinbase_intx``.
DEFAULT_URLS: Final = {
    "http": HTTP_URL,
    "ws": WS_URL,
    "fix_drop_copy": FIX_ADDRESS,
    "testnet_http": TESTNET_HTTP_URL,
    "testnet_ws": TESTNET_WS_URL,
    "testnet_fix_drop_copy": TESTNET_FIX_ADDRESS,
}


def http_base_url(config: CoinbaseIntxConfig) -> str:
    """The REST base URL: the override, else sandbox or live."""
    if config.base_url_http:
        return config.base_url_http.rstrip("/")
    return TESTNET_HTTP_URL if config.testnet else HTTP_URL


def stream_url(config: CoinbaseIntxConfig) -> str:
    """The market-data WebSocket URL."""
    base = config.base_url_ws or (TESTNET_WS_URL if config.testnet else WS_URL)
    return base.rstrip("/") + STREAM_PATH


def fix_address(config: CoinbaseIntxConfig) -> str:
    """``host:port`` of the FIX drop-copy gateway."""
    if config.fix_address:
        return config.fix_address
    return TESTNET_FIX_ADDRESS if config.testnet else FIX_ADDRESS
