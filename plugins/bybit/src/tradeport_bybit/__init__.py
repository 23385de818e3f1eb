"""tradeport venue plugin for Bybit (v5 API): spot, linear and inverse contracts, options.

Kept import-light on purpose: the plugin module (``tradeport_bybit.plugin``) is what the
``tradeport.venues`` entry point names; clients are imported lazily by its hooks.
"""

__all__: list[str] = []
