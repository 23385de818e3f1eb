"""Hook implementations of the Binance plugin (the ``tradeport.venues`` entry point).

Most hooks are the core's standard ones (:class:`tradeport.venue_plugin.VenuePlugin`), named
by import path and imported only when a session asks. The data and execution clients are
written here because both share the session's LastMarketPrices (trailing-stop activation).
"""

from __future__ import annotations

from typing import Any

from tradeport import hookimpl
from tradeport.venue import VenueSpec
from tradeport.venue_plugin import VenuePlugin

from tradeport_binance.capabilities import CAPABILITIES
from tradeport_binance.config import ENV_VARS, BinanceConfig
from tradeport_binance.constants import VENUE_ID, VENUE_NAME

#: What the plugin registers (Spot, Margin, USD-M, COIN-M, Binance US, testnets).
VENUE_SPEC = VenueSpec(
    name=VENUE_NAME,
    venue_id=VENUE_ID,
    kind="EXCHANGE",
    capabilities=CAPABILITIES,
    config_type=BinanceConfig,
    env_vars=ENV_VARS,
    urls={
        "http_spot": "https://api.binance.com",
        "http_usdm": "https://fapi.binance.com",
        "http_coinm": "https://dapi.binance.com",
        "http_us": "https://api.binance.us",
        "ws_spot": "wss://stream.binance.com:9443",
        "ws_usdm": "wss://fstream.binance.com",
        "ws_coinm": "wss://dstream.binance.com",
        "ws_us": "wss://stream.binance.us:9443",
        "http_spot_testnet": "https://testnet.binance.vision",
        "http_futures_testnet": "https://testnet.binancefuture.com",
    },
    description="Binance Spot, Margin, USD-M and COIN-M futures, Binance US and testnets",
    docs_url="https://developers.binance.com/docs",
)

VenuePlugin(
    VENUE_SPEC,
    instrument_provider="tradeport_binance.providers:BinanceInstrumentProvider",
    frame_parsers="tradeport_binance.websocket.frames:frame_parser_spec",
    # One harness per account type the suite covers: `tradeport conformance binance` runs each
    # and merges them.
    harness={
        "spot": "tradeport_binance.testing:BinanceHarness",
        "usdm": "tradeport_binance.testing:BinanceFuturesHarness",
        "coinm": "tradeport_binance.testing:BinanceCoinFuturesHarness",
        "margin": "tradeport_binance.testing:BinanceMarginHarness",
    },
).export(globals())


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The Binance market data client (records the latest quotes/trades in the session's
    shared LastMarketPrices, which the execution client reads for trailing stops)."""
    if venue != VENUE_NAME:
        return None
    from tradeport_binance.data import BinanceDataClient
    from tradeport_binance.market_prices import session_last_prices

    return BinanceDataClient(
        config, instruments=instruments, events=events, last_prices=session_last_prices(instruments)
    )


@hookimpl
def tradeport_create_execution_client(
    venue: str, config: Any, instruments: Any, events: Any
) -> Any:
    """The Binance execution client (trailing-stop activation prices from the session's shared
    LastMarketPrices, fed by the data client created for the same instrument provider)."""
    if venue != VENUE_NAME:
        return None
    from tradeport_binance.execution import BinanceExecutionClient
    from tradeport_binance.market_prices import session_last_prices

    return BinanceExecutionClient(
        config, instruments=instruments, events=events, last_prices=session_last_prices(instruments)
    )
