"""tradeport plugin for Binance (Spot, Margin, USD-M and COIN-M futures, Binance US, testnets).

Importing this package is cheap: the clients live in submodules that the plugin hooks import
lazily (``tradeport_binance.data``, ``.execution``, ``.providers``).
"""

__version__ = "0.1.0"
