"""Bybit endpoints per environment (https://bybit-exchange.github.io/docs/v5/ws/connect).

Live, testnet and demo trading differ only in host names; config overrides win over all.
"""

from __future__ import annotations

from typing import Final

from tradeport.errors import ConfigError

from tradeport_bybit.enums import BybitCategory

__all__ = [
    "HTTP_URLS",
    "WS_HOSTS",
    "http_base_url",
    "ws_public_url",
    "ws_private_url",
    "ws_trade_url",
    "DEFAULT_URLS",
]

HTTP_URLS: Final = {
    "live": "https://api.bybit.com",
    "testnet": "https://api-testnet.bybit.com",
    "demo": "https://api-demo.bybit.com",
}
WS_HOSTS: Final = {
    "live": "wss://stream.bybit.com",
    "testnet": "wss://stream-testnet.bybit.com",
    # Demo trading streams private data from its own host; public data is the live feed.
    "demo": "wss://stream-demo.bybit.com",
}


def environment(testnet: bool, demo: bool) -> str:
    """``live``, ``testnet`` or ``demo``."""
    return "demo" if demo else "testnet" if testnet else "live"


def http_base_url(testnet: bool = False, demo: bool = False, override: str | None = None) -> str:
    """The REST base URL."""
    return (override or HTTP_URLS[environment(testnet, demo)]).rstrip("/")


def _ws_base(testnet: bool, demo: bool, override: str | None, private: bool) -> str:
    if override:
        return override.rstrip("/")
    env = environment(testnet, demo)
    if env == "demo" and not private:
        env = "live"
    return WS_HOSTS[env]


def ws_public_url(
    category: BybitCategory, testnet: bool = False, demo: bool = False, override: str | None = None
) -> str:
    """The public stream of one category: ``.../v5/public/{category}``."""
    return f"{_ws_base(testnet, demo, override, private=False)}/v5/public/{category.value}"


def ws_private_url(testnet: bool = False, demo: bool = False, override: str | None = None) -> str:
    """The private stream: ``.../v5/private``."""
    return f"{_ws_base(testnet, demo, override, private=True)}/v5/private"


def ws_trade_url(testnet: bool = False, demo: bool = False, override: str | None = None) -> str:
    """The order entry stream: ``.../v5/trade`` (demo trading has none, per the docs)."""
    if demo and not override:
        raise ConfigError("Bybit demo trading has no WebSocket order entry; use REST", field="demo")
    return f"{_ws_base(testnet, demo, override, private=True)}/v5/trade"


#: What ``tradeport info bybit`` shows.
DEFAULT_URLS: Final = {
    "http": HTTP_URLS["live"],
    "http_testnet": HTTP_URLS["testnet"],
    "http_demo": HTTP_URLS["demo"],
    "ws_public": f"{WS_HOSTS['live']}/v5/public/{{spot,linear,inverse,option}}",
    "ws_private": f"{WS_HOSTS['live']}/v5/private",
    "ws_trade": f"{WS_HOSTS['live']}/v5/trade",
    "ws_testnet": WS_HOSTS["testnet"],
    "ws_demo": WS_HOSTS["demo"],
}
