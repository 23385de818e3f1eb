"""Betfair's Exchange Stream API: a TLS socket carrying CRLF-delimited JSON (not a WebSocket)."""
