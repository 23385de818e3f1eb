"""What the Tardis plugin supports, declared as data.

A replay provider: ``data_only`` (no order entry), ``replay`` (the data types
``open_replay`` serves), instruments from the instruments metadata API. No live data client:
Tardis' real-time relay runs in a self-hosted tardis-machine (``ws-stream-normalized``), not in
the HTTP API, and the live venues have their own plugins. The README's table is generated from
this (tests/test_readme.py keeps it in step).
"""

from __future__ import annotations

from tradeport.clients import Capabilities

__all__ = ["CAPABILITIES"]

CAPABILITIES = Capabilities(
    data_only=True,
    products=["SPOT", "PERPETUAL"],
    history=["INSTRUMENTS"],
    replay=[
        "TRADES",
        "QUOTES",
        "BOOK_DELTAS",
        "BARS",
        "MARK_PRICES",
        "INDEX_PRICES",
        "FUNDING_RATES",
    ],
    notes=(
        "a replay provider: no order entry (declared data_only)",
        "raw replay parses each recorded venue's frames with that venue's plugin "
        "(tradeport_register_frame_parsers): Binance, Bybit, OKX and BitMEX offer one",
        "replays are ordered by ts_init (Tardis' local arrival timestamps)",
        "normalized replay (params={'normalized': True}) through a tardis-machine; BARS only "
        "there (trade_bar), the raw feeds record no bars",
        "no live data client: live data comes from the venue plugins",
    ),
)
