"""Default Binance endpoints per account type, Binance US and testnet, plus REST paths.

WebSocket bases are hosts without a path: the market data client appends ``/stream``
(combined streams) and the user data stream ``/ws/<listenKey>``.
"""

from __future__ import annotations

import attrs
from tradeport.errors import ConfigError

from tradeport_binance.enums import BinanceAccountType

__all__ = [
    "BinanceEndpoints",
    "http_base_url",
    "ws_base_url",
    "ws_api_base_url",
    "endpoints_for",
    "MARGIN_LISTEN_KEY_RETIRED",
]

#: Binance's Margin Trading change log (2026-01-21): ``POST/PUT/DELETE /sapi/v1/userDataStream``
#: and ``/sapi/v1/userDataStream/isolated`` "will no longer be available starting from
#: 2026-02-20 07:00 UTC"; margin user data comes from a listenToken on the WebSocket API.
MARGIN_LISTEN_KEY_RETIRED = "2026-02-20 07:00 UTC"

_SPOT = BinanceAccountType.SPOT
_MARGIN = BinanceAccountType.MARGIN
_ISOLATED = BinanceAccountType.ISOLATED_MARGIN
_USDM = BinanceAccountType.USDT_FUTURE
_COINM = BinanceAccountType.COIN_FUTURE


def http_base_url(
    account_type: BinanceAccountType, *, us: bool = False, testnet: bool = False
) -> str:
    """The default REST base URL."""
    if account_type.is_spot_or_margin:
        if testnet:
            if account_type.is_margin:
                raise ConfigError("Binance has no margin testnet", field="testnet")
            return "https://testnet.binance.vision"
        return "https://api.binance.us" if us else "https://api.binance.com"
    if us:
        raise ConfigError("Binance US offers no futures", field="us")
    if account_type is _USDM:
        return "https://testnet.binancefuture.com" if testnet else "https://fapi.binance.com"
    return "https://testnet.binancefuture.com" if testnet else "https://dapi.binance.com"


def ws_base_url(
    account_type: BinanceAccountType, *, us: bool = False, testnet: bool = False
) -> str:
    """The default stream host (no path)."""
    if account_type.is_spot_or_margin:
        if testnet:
            return "wss://stream.testnet.binance.vision"
        return "wss://stream.binance.us:9443" if us else "wss://stream.binance.com:9443"
    if us:
        raise ConfigError("Binance US offers no futures", field="us")
    if account_type is _USDM:
        return "wss://fstream.binancefuture.com" if testnet else "wss://fstream.binance.com"
    return "wss://dstream.binancefuture.com" if testnet else "wss://dstream.binance.com"


def ws_api_base_url(
    account_type: BinanceAccountType, *, us: bool = False, testnet: bool = False
) -> str:
    """The default WebSocket API endpoint (path included): margin user data subscribes there
    with a listenToken. Margin has no testnet and Binance US no margin."""
    if not account_type.is_margin:
        raise ConfigError(
            "the WebSocket API endpoint is used by margin accounts only", field="account_type"
        )
    if testnet:
        raise ConfigError("Binance has no margin testnet", field="testnet")
    if us:
        raise ConfigError("Binance US offers no margin", field="us")
    return "wss://ws-api.binance.com:443/ws-api/v3"


@attrs.frozen(kw_only=True)
class BinanceEndpoints:
    """REST paths of one account type (spot ``/api/v3``, margin ``/sapi/v1``, USD-M ``/fapi``,
    COIN-M ``/dapi``). Market data of margin accounts comes from the spot paths."""

    ping: str
    time: str
    exchange_info: str
    depth: str
    trades: str
    agg_trades: str
    klines: str
    ticker_24hr: str
    book_ticker: str
    order: str
    open_orders: str
    all_orders: str
    my_trades: str
    account: str
    #: listenKey life cycle (spot, futures); None where Binance retired it (margin).
    listen_key: str | None = None
    #: listenToken creation (margin: ``POST /sapi/v1/userListenToken``).
    listen_token: str | None = None
    order_list: str | None = None
    batch_orders: str | None = None
    position_risk: str | None = None
    premium_index: str | None = None
    funding_rate: str | None = None


_SPOT_MARKET = {
    "ping": "/api/v3/ping",
    "time": "/api/v3/time",
    "exchange_info": "/api/v3/exchangeInfo",
    "depth": "/api/v3/depth",
    "trades": "/api/v3/trades",
    "agg_trades": "/api/v3/aggTrades",
    "klines": "/api/v3/klines",
    "ticker_24hr": "/api/v3/ticker/24hr",
    "book_ticker": "/api/v3/ticker/bookTicker",
}


def _futures(prefix: str, position_risk: str) -> BinanceEndpoints:
    return BinanceEndpoints(
        ping=f"/{prefix}/v1/ping",
        time=f"/{prefix}/v1/time",
        exchange_info=f"/{prefix}/v1/exchangeInfo",
        depth=f"/{prefix}/v1/depth",
        trades=f"/{prefix}/v1/trades",
        agg_trades=f"/{prefix}/v1/aggTrades",
        klines=f"/{prefix}/v1/klines",
        ticker_24hr=f"/{prefix}/v1/ticker/24hr",
        book_ticker=f"/{prefix}/v1/ticker/bookTicker",
        order=f"/{prefix}/v1/order",
        open_orders=f"/{prefix}/v1/openOrders",
        all_orders=f"/{prefix}/v1/allOrders",
        my_trades=f"/{prefix}/v1/userTrades",
        account=f"/{prefix}/v2/account" if prefix == "fapi" else f"/{prefix}/v1/account",
        listen_key=f"/{prefix}/v1/listenKey",
        batch_orders=f"/{prefix}/v1/batchOrders",
        position_risk=position_risk,
        premium_index=f"/{prefix}/v1/premiumIndex",
        funding_rate=f"/{prefix}/v1/fundingRate",
    )


_ENDPOINTS: dict[BinanceAccountType, BinanceEndpoints] = {
    _SPOT: BinanceEndpoints(
        **_SPOT_MARKET,
        order="/api/v3/order",
        open_orders="/api/v3/openOrders",
        all_orders="/api/v3/allOrders",
        my_trades="/api/v3/myTrades",
        account="/api/v3/account",
        listen_key="/api/v3/userDataStream",
        order_list="/api/v3/order/oco",
    ),
    _MARGIN: BinanceEndpoints(
        **_SPOT_MARKET,
        order="/sapi/v1/margin/order",
        open_orders="/sapi/v1/margin/openOrders",
        all_orders="/sapi/v1/margin/allOrders",
        my_trades="/sapi/v1/margin/myTrades",
        account="/sapi/v1/margin/account",
        listen_token="/sapi/v1/userListenToken",
        order_list="/sapi/v1/margin/order/oco",
    ),
    _ISOLATED: BinanceEndpoints(
        **_SPOT_MARKET,
        order="/sapi/v1/margin/order",
        open_orders="/sapi/v1/margin/openOrders",
        all_orders="/sapi/v1/margin/allOrders",
        my_trades="/sapi/v1/margin/myTrades",
        account="/sapi/v1/margin/isolated/account",
        listen_token="/sapi/v1/userListenToken",
        order_list="/sapi/v1/margin/order/oco",
    ),
    _USDM: _futures("fapi", "/fapi/v2/positionRisk"),
    _COINM: _futures("dapi", "/dapi/v1/positionRisk"),
}


def endpoints_for(account_type: BinanceAccountType) -> BinanceEndpoints:
    """The REST paths for ``account_type``."""
    return _ENDPOINTS[account_type]
