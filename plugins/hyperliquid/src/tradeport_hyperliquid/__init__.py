"""tradeport venue plugin for Hyperliquid: perpetuals and spot on HyperCore (mainnet, testnet).

Kept import-light on purpose: the plugin module (``tradeport_hyperliquid.plugin``) is what the
``tradeport.venues`` entry point names; clients are imported lazily by its hooks.
"""

__all__: list[str] = []
