"""BitMEX constants: venue identity, API prefix, table names, limits."""

from __future__ import annotations

from typing import Final

#: The name users type (``open_venue("bitmex")``).
VENUE_NAME: Final = "bitmex"
#: The venue part of instrument ids (``XBTUSD.BITMEX``).
VENUE_ID: Final = "BITMEX"

#: Every REST path is below this prefix, and the signature covers it.
API_PREFIX: Final = "/api/v1"
#: The WebSocket path; ``GET/realtime`` + expires is what ``authKeyExpires`` signs.
WS_PATH: Final = "/realtime"

#: Seconds a signed request stays valid (``api-expires`` = now + this).
DEFAULT_EXPIRES_AFTER: Final = 10

#: BitMEX's documented REST limit: 120 requests per minute (authenticated), and order
#: endpoints additionally 10 per second (https://www.bitmex.com/app/restAPI, "Limits").
DEFAULT_REQUESTS_PER_MINUTE: Final = 120
DEFAULT_ORDER_REQUESTS_PER_SECOND: Final = 10
#: Largest page of GET /trade, /trade/bucketed, /order, /execution/tradeHistory.
MAX_PAGE_COUNT: Final = 1000

#: Public order book tables and their depth (None: the full book).
BOOK_TABLES: Final = {"orderBookL2": None, "orderBookL2_25": 25}
#: Bar tables by bin size.
TRADE_BIN_TABLES: Final = ("tradeBin1m", "tradeBin5m", "tradeBin1h", "tradeBin1d")
#: Tables that need ``authKeyExpires`` first.
PRIVATE_TABLES: Final = frozenset(
    {"order", "execution", "position", "margin", "wallet", "transact", "privateNotifications"}
)
