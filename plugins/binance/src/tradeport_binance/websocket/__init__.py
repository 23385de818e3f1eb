"""Binance streams: the venue protocol for the core WebSocketClient, stream parsers."""
