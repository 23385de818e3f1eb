"""tradeport plugin for Tardis: the past of crypto venues as the events their live plugins
yield (raw data feeds through the venue plugins' frame parsers; normalized replay through
tardis-machine)."""

__version__ = "0.1.0"
