"""tradeport-parquet: record events to Parquet files and read them back (``parquet:DIR``).

See :mod:`tradeport_parquet.sink` (layout, rollover, crash bounds) and
:mod:`tradeport_parquet.columns` (the schema: exact decimals, ns timestamps).
"""

__all__: list[str] = []
