"""Hyperliquid REST: ``POST /info`` (reads) and ``POST /exchange`` (signed actions)."""
