"""Bybit streams: the venue protocol for the core WebSocketClient, and stream parsers."""
