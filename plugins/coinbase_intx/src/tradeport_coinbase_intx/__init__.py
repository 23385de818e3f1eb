"""tradeport plugin for Coinbase International Exchange (``coinbase_intx``).

Import what you need from the submodules (``tradeport_coinbase_intx.config``, ``.data`` ...):
this package imports nothing at import time, so listing plugins and loading the entry point
(``tradeport_coinbase_intx.plugin``) stay cheap.
"""

__version__ = "0.1.0"
