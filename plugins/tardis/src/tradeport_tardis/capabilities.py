"""What the Tardis plugin supports, declared as data.

A replay provider: ``data_only`` (no order entry), ``replay`` (the data types
``open_replay`` serves), instruments from the instruments metadata API. Tardis' real-time relay runs in a self-hosted
tardis-machine, not in the HTTP API; live data is its ``ws-stream-normalized`` (TRADES, QUOTES,
BOOK_DELTAS, BARS, MARK_PRICES, INDEX_PRICES, FUNDING_RATES). The README's table is generated from
this (tests/test_readme.py keeps it in step).
"""

from __future__ import annotations

from tradeport.clients import Capabilities

__all__ = ["CAPABILITIES"]

#: What the tardis-machine streams live and what a replay serves: the same types.
_STREAMED = ("TRADES", "QUOTES", "BOOK_DELTAS", "BARS", "MARK_PRICES", "INDEX_PRICES",
             "FUNDING_RATES")  # fmt: skip

CAPABILITIES = Capabilities(
    data_only=True,
    products=["SPOT", "PERPETUAL"],
    data=_STREAMED,
    history=["INSTRUMENTS"],
    replay=_STREAMED,
    notes=(
        "a replay provider: no order entry (declared data_only)",
        "raw replay parses each recorded venue's frames with that venue's plugin "
        "(tradeport_register_frame_parsers): Binance, Bybit, OKX and BitMEX offer one",
        "replays are ordered by ts_init (Tardis' local arrival timestamps)",
        "normalized replay (params={'normalized': True}) through a tardis-machine; BARS only "
        "there (trade_bar), the raw feeds record no bars",
        "live data (trades, quotes, books, derivative tickers: mark, index, funding; bars "
        "the machine computes, sent once closed) through a tardis-machine's "
        "ws-stream-normalized (machine_url); a subscription change re-opens the stream",
    ),
)
