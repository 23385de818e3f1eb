"""Betfair's JSON-RPC Exchange API and identity (login) endpoints."""
