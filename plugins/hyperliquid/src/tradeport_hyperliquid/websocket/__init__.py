"""Hyperliquid streams: the venue protocol for the core WebSocketClient, and parsers."""
