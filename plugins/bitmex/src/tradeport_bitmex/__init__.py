"""tradeport plugin for BitMEX: perpetuals, futures and spot, live and testnet.

Kept import-light: the plugin module (``tradeport_bitmex.plugin``) imports the clients lazily
inside its hooks, so listing plugins never pays for them.
"""

__version__ = "0.1.0"
