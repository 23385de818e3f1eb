"""tradeport data-provider plugin for Databento: live Raw API (plain TCP, CRAM, DBN records)
and the historical HTTP API (DBN responses).

Kept import-light on purpose: the plugin module (``tradeport_databento.plugin``) is what the
``tradeport.venues`` entry point names; clients are imported lazily by its hooks.
"""

__all__: list[str] = []
