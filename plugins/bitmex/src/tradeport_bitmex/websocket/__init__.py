"""BitMEX realtime WebSocket: protocol (subscribe, authKeyExpires, ping), message parsers."""
