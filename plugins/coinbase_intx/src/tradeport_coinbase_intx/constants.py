"""Fixed facts of the Coinbase International Exchange API: names, header names, limits.

Everything here comes from the INTX documentation (docs.cdp.coinbase.com/international-exchange:
REST authentication, rate limits, WebSocket overview, FIX admin messages). Numbers users may
need to change live in the config instead.
"""

from __future__ import annotations

from typing import Final

#: What users type (``tradeport info coinbase_intx``, ``open_venue("coinbase_intx")``).
VENUE_NAME: Final = "coinbase_intx"
#: The venue part of instrument ids (``BTC-PERP.COINBASE_INTX``).
VENUE_ID: Final = "COINBASE_INTX"
#: The account id put on reports and events (one portfolio per client).
ACCOUNT_ID: Final = f"{VENUE_ID}-portfolio"

# -- REST authentication headers (see credential.py) -------------------------------------------
HEADER_API_KEY: Final = "CB-ACCESS-KEY"
HEADER_PASSPHRASE: Final = "CB-ACCESS-PASSPHRASE"
HEADER_TIMESTAMP: Final = "CB-ACCESS-TIMESTAMP"
HEADER_SIGNATURE: Final = "CB-ACCESS-SIGN"

#: A REST timestamp further than this from the venue's clock is refused (seconds).
REST_TIMESTAMP_TOLERANCE_S: Final = 5
#: A WebSocket subscribe ``time`` further than this from the venue's clock is refused.
WS_TIMESTAMP_TOLERANCE_S: Final = 30
#: The session name signed into the WebSocket subscribe (market data).
WS_SESSION: Final = "CBINTLMD"
#: The FIX drop-copy session (TargetCompID).
FIX_DROP_COPY_SESSION: Final = "CBINTLDC"
#: FIX 5.0 SP2 over FIXT.1.1 (DefaultApplVerID 1137=9).
FIX_BEGIN_STRING: Final = "FIXT.1.1"
FIX_APPL_VER_ID: Final = "9"
#: HeartBtInt is capped at 30 s by the venue; 10 s is its default.
FIX_MAX_HEARTBEAT: Final = 30
#: The venue disconnects a WebSocket that has not subscribed within this many seconds.
WS_SUBSCRIBE_DEADLINE_S: Final = 3.0

# -- REST pagination ---------------------------------------------------------------------------
#: Largest ``limit`` the history endpoints (trades, bars, fills, order history) accept;
#: longer ranges are paginated.
MAX_PAGE_LIMIT: Final = 200
#: Largest ``depth`` of a book snapshot.
MAX_BOOK_DEPTH: Final = 200

# -- Stream ------------------------------------------------------------------------------------
#: Channels per subscribe request the client sends (one channel, many products each).
MAX_TOPICS_PER_REQUEST: Final = 10
