"""tradeport plugin for OKX (v5 API): spot, margin, perpetual swaps, futures and options.

Kept import-light on purpose: the entry point imports :mod:`tradeport_okx.plugin`, whose hooks
import the clients lazily.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
