"""BitMEX endpoints for live and testnet, with the config's overrides applied."""

from __future__ import annotations

from typing import Any, Final

from tradeport_bitmex.constants import API_PREFIX, WS_PATH

#: REST base URLs (the API prefix included).
HTTP_LIVE: Final = "https://www.bitmex.com" + API_PREFIX
HTTP_TESTNET: Final = "https://testnet.bitmex.com" + API_PREFIX
#: WebSocket URLs.
WS_LIVE: Final = "wss://ws.bitmex.com" + WS_PATH
WS_TESTNET: Final = "wss://ws.testnet.bitmex.com" + WS_PATH


def http_base_url(config: Any) -> str:
    """The REST base URL: ``base_url_http`` when set, else live or testnet.

    An override is a host (``http://127.0.0.1:8000``) or a host plus the API prefix; the prefix
    is appended when missing because BitMEX signs the full path (``/api/v1/order``).
    """
    override = getattr(config, "base_url_http", None)
    if override:
        base = override.rstrip("/")
        return base if base.endswith(API_PREFIX) else base + API_PREFIX
    return HTTP_TESTNET if getattr(config, "testnet", False) else HTTP_LIVE


def ws_url(config: Any) -> str:
    """The WebSocket URL: ``base_url_ws`` when set (``/realtime`` appended when missing)."""
    override = getattr(config, "base_url_ws", None)
    if override:
        base = override.rstrip("/")
        return base if base.endswith(WS_PATH) else base + WS_PATH
    return WS_TESTNET if getattr(config, "testnet", False) else WS_LIVE
