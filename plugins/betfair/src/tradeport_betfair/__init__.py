"""tradeport venue plugin for Betfair: the Exchange API (JSON-RPC) and the Exchange Stream API
(TLS socket, CRLF-delimited JSON)."""

__version__ = "0.1.0"
