"""tradeport venue plugin for dYdX v4: perpetuals on the dYdX chain.

Reads (market data, account state) come from the indexer's REST API and WebSocket; writes are
Cosmos transactions signed with secp256k1 (:mod:`tradeport_dydx.chain`).
"""

__version__ = "0.1.0"
