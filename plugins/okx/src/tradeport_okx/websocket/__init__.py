"""OKX WebSocket: the venue protocol for the core client, message builders, stream parsers."""
