"""The dYdX indexer WebSocket: protocol and message parsers."""
