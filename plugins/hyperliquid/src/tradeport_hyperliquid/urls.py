"""Hyperliquid endpoints per environment (docs: "API", mainnet and testnet URLs)."""

from __future__ import annotations

from typing import Final

__all__ = ["HTTP_URLS", "WS_URLS", "http_base_url", "ws_url", "DEFAULT_URLS"]

HTTP_URLS: Final = {
    "mainnet": "https://api.hyperliquid.xyz",
    "testnet": "https://api.hyperliquid-testnet.xyz",
}
WS_URLS: Final = {
    "mainnet": "wss://api.hyperliquid.xyz/ws",
    "testnet": "wss://api.hyperliquid-testnet.xyz/ws",
}


def http_base_url(testnet: bool = False, override: str | None = None) -> str:
    """The REST base URL (``/info`` and ``/exchange`` hang off it)."""
    return (override or HTTP_URLS["testnet" if testnet else "mainnet"]).rstrip("/")


def ws_url(testnet: bool = False, override: str | None = None) -> str:
    """The stream URL: an override is a base (``/ws`` is appended), as for the REST one."""
    if override:
        return override.rstrip("/") + "/ws"
    return WS_URLS["testnet" if testnet else "mainnet"]


#: What ``tradeport info hyperliquid`` shows.
DEFAULT_URLS: Final = {
    "http": HTTP_URLS["mainnet"],
    "http_testnet": HTTP_URLS["testnet"],
    "ws": WS_URLS["mainnet"],
    "ws_testnet": WS_URLS["testnet"],
}
