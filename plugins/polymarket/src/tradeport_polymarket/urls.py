"""Endpoints of the Polymarket APIs and how the config overrides them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from tradeport_polymarket.config import PolymarketConfig

#: CLOB REST (orders, books, markets); staging for ``testnet``.
CLOB_URL: Final = "https://clob.polymarket.com"
STAGING_CLOB_URL: Final = "https://clob-staging.polymarket.com"
#: Positions and activity.
DATA_URL: Final = "https://data-api.polymarket.com"
#: CLOB WebSocket host; the two channels are paths on it.
WS_URL: Final = "wss://ws-subscriptions-clob.polymarket.com"
MARKET_PATH: Final = "/ws/market"
USER_PATH: Final = "/ws/user"

#: Shown by ``tradeport info polymarket``.
DEFAULT_URLS: Final = {
    "http": CLOB_URL,
    "testnet_http": STAGING_CLOB_URL,
    "data": DATA_URL,
    "ws_market": WS_URL + MARKET_PATH,
    "ws_user": WS_URL + USER_PATH,
}


def http_base_url(config: PolymarketConfig) -> str:
    """The CLOB REST base URL: the override, else staging or production."""
    if config.base_url_http:
        return config.base_url_http.rstrip("/")
    return STAGING_CLOB_URL if config.testnet else CLOB_URL


def data_base_url(config: PolymarketConfig) -> str:
    """The Data API base URL."""
    return (config.base_url_data or DATA_URL).rstrip("/")


def stream_url(config: PolymarketConfig, path: str) -> str:
    """A channel URL: the (base) override or the default host, plus ``path``."""
    return (config.base_url_ws or WS_URL).rstrip("/") + path
