"""The bundled venues' loopback mock venues by name, for the benchmarks that drive a session.

Each plugin ships its mock in ``tradeport_<venue>.testing``; the import is deferred so that a
benchmark run against one venue needs only that plugin installed.
"""

from __future__ import annotations

import importlib
from typing import Any

#: venue -> (module, harness class) of its mock venue.
HARNESSES: dict[str, tuple[str, str]] = {
    "binance": ("tradeport_binance.testing", "BinanceHarness"),
    "okx": ("tradeport_okx.testing", "OkxHarness"),
    "bybit": ("tradeport_bybit.testing", "BybitHarness"),
    "bitmex": ("tradeport_bitmex.testing", "BitmexHarness"),
    "hyperliquid": ("tradeport_hyperliquid.testing", "HyperliquidHarness"),
}


def mock_venue(name: str) -> Any:
    """A new (not yet entered) harness of ``name``'s mock venue."""
    module, harness = HARNESSES[name]
    return getattr(importlib.import_module(module), harness)()
