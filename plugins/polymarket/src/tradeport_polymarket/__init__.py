"""tradeport plugin for the Polymarket venue.

Import what you need from the submodules (``tradeport_polymarket.config``,
``tradeport_polymarket.data`` ...): this package imports nothing at import time, so listing plugins
and loading the entry point (``tradeport_polymarket.plugin``) stay cheap.
"""

__version__ = "0.1.0"
