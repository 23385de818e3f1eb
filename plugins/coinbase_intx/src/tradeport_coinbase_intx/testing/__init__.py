"""The mock Coinbase INTX venue and its conformance harness (test code shipped in the wheel).

Imported only by the ``tradeport_conformance_harness`` hook and by tests; it needs the
``tradeport-conformance`` package (the ``test`` extra). The FIX drop-copy gateway is in
:mod:`.fix_venue`.
"""

from typing import Any

__all__ = ["CoinbaseIntxHarness"]


def __getattr__(name: str) -> Any:
    # Lazy: the FIX gateway and the renderers import without the conformance package.
    if name == "CoinbaseIntxHarness":
        from tradeport_coinbase_intx.testing.harness import CoinbaseIntxHarness

        return CoinbaseIntxHarness
    raise AttributeError(name)
