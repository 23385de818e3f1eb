"""OKX endpoints: REST base URL and the three WebSocket services, live and demo."""

from __future__ import annotations

from typing import Final, Literal

__all__ = [
    "REST_URL",
    "WS_URL",
    "WS_DEMO_URL",
    "WsService",
    "rest_base_url",
    "ws_base_url",
    "ws_url",
]

#: REST (live and demo share it; demo is selected by the ``x-simulated-trading`` header).
REST_URL: Final = "https://www.okx.com"
#: WebSocket base; the service name (public, private, business) is appended.
WS_URL: Final = "wss://ws.okx.com:8443/ws/v5"
WS_DEMO_URL: Final = "wss://wspap.okx.com:8443/ws/v5"

#: ``public``: tickers, trades, books, mark/index/funding; ``private``: orders, fills,
#: positions, account; ``business``: candles, algo orders.
WsService = Literal["public", "private", "business"]


def rest_base_url(override: str | None = None) -> str:
    """The REST base URL (``override`` wins, for mock venues)."""
    return (override or REST_URL).rstrip("/")


def ws_base_url(demo: bool, override: str | None = None) -> str:
    """The WebSocket base URL, without the service segment."""
    if override:
        return override.rstrip("/")
    return WS_DEMO_URL if demo else WS_URL


def ws_url(service: WsService, demo: bool = False, override: str | None = None) -> str:
    """The URL of one WebSocket service (``wss://ws.okx.com:8443/ws/v5/public``)."""
    return f"{ws_base_url(demo, override)}/{service}"
