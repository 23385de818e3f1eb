"""Binance mock venue and conformance harness (shipped in the wheel; imported only by tests and
``tradeport conformance binance``)."""

from tradeport_binance.testing.mock_venue import (
    BinanceCoinFuturesHarness,
    BinanceFuturesHarness,
    BinanceHarness,
    BinanceIsolatedMarginHarness,
    BinanceMarginHarness,
)

__all__ = [
    "BinanceHarness",
    "BinanceFuturesHarness",
    "BinanceCoinFuturesHarness",
    "BinanceMarginHarness",
    "BinanceIsolatedMarginHarness",
]
