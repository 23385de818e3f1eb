"""Bybit REST: endpoints (client), query builders, payload parsers and error mapping."""
