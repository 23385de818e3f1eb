"""The dYdX indexer REST client and its parsers."""
