"""Binance REST: the client (http_* methods mirror endpoints), payload parsers, query builders."""
