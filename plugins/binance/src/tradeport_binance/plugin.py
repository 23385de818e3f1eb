"""Hook implementations of the Binance plugin (hook functions only; clients import lazily)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport import hookimpl
from tradeport.venue import VenueSpec

from tradeport_binance.constants import VENUE_ID, VENUE_NAME


@hookimpl
def tradeport_register_venues(register: Callable[[VenueSpec], None]) -> None:
    """Register Binance (Spot, Margin, USD-M, COIN-M, Binance US, testnets)."""
    from tradeport_binance.capabilities import CAPABILITIES
    from tradeport_binance.config import ENV_VARS, BinanceConfig

    register(
        VenueSpec(
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
    )


@hookimpl
def tradeport_create_instrument_provider(venue: str, config: Any, events: Any) -> Any:
    """The Binance instrument provider."""
    if venue != VENUE_NAME:
        return None
    from tradeport_binance.providers import BinanceInstrumentProvider

    return BinanceInstrumentProvider(config, events=events)


@hookimpl
def tradeport_create_data_client(venue: str, config: Any, instruments: Any, events: Any) -> Any:
    """The Binance market data client (records the latest quotes/trades in the session's
    shared LastMarketPrices, which the execution client reads for trailing stops)."""
    if venue != VENUE_NAME:
        return None
    from tradeport_binance.data import BinanceDataClient
    from tradeport_binance.market_prices import session_last_prices

    return BinanceDataClient(
        config,
        instruments=instruments,
        events=events,
        last_prices=session_last_prices(instruments),
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
        config,
        instruments=instruments,
        events=events,
        last_prices=session_last_prices(instruments),
    )


@hookimpl
def tradeport_register_frame_parsers(register: Callable[[Any], None]) -> None:
    """Offer the market stream parser to replay providers (through the core)."""
    from tradeport_binance.websocket.frames import frame_parser_spec

    register(frame_parser_spec())


@hookimpl
def tradeport_conformance_harness(venue: str) -> Any:
    """The Binance mock venue harnesses, one per account type the suite covers (imported only
    when the suite asks): ``tradeport conformance binance`` runs each and merges them."""
    if venue != VENUE_NAME:
        return None
    from tradeport_binance.testing import (
        BinanceCoinFuturesHarness,
        BinanceFuturesHarness,
        BinanceHarness,
        BinanceMarginHarness,
    )

    return {
        "spot": BinanceHarness,
        "usdm": BinanceFuturesHarness,
        "coinm": BinanceCoinFuturesHarness,
        "margin": BinanceMarginHarness,
    }
