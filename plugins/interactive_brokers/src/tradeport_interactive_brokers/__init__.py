"""tradeport plugin for Interactive Brokers: the TWS API socket to a local TWS or IB Gateway."""

__version__ = "0.1.0"
