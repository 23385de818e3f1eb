"""The shared conformance suite for tradeport venue plugins."""

__version__ = "0.1.0"
