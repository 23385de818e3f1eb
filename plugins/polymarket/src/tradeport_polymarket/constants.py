"""Fixed facts of the Polymarket CLOB API: names, header names, contracts, limits.

Sources: docs.polymarket.com (v2-migration, api-reference, market-data/websocket) and the
official py-clob-client-v2 (config.py, endpoints.py, headers/headers.py); the README lists what
was verified against which source.
"""

from __future__ import annotations

from typing import Final

#: What users type (``tradeport info polymarket``, ``open_venue("polymarket")``).
VENUE_NAME: Final = "polymarket"
#: The venue part of instrument ids (``<token id>.POLYMARKET``).
VENUE_ID: Final = "POLYMARKET"
#: The account id put on reports and events.
ACCOUNT_ID: Final = f"{VENUE_ID}-master"

# -- authentication headers (see credential.py) ------------------------------------------------
HEADER_ADDRESS: Final = "POLY_ADDRESS"
HEADER_SIGNATURE: Final = "POLY_SIGNATURE"
HEADER_TIMESTAMP: Final = "POLY_TIMESTAMP"
HEADER_NONCE: Final = "POLY_NONCE"
HEADER_API_KEY: Final = "POLY_API_KEY"
HEADER_PASSPHRASE: Final = "POLY_PASSPHRASE"

# -- chains and collateral ----------------------------------------------------------------------
POLYGON: Final = 137
AMOY: Final = 80002
#: Collateral of CLOB V2: Polymarket USD (ERC-20 backed by USDC), 6 decimals, both chains.
COLLATERAL: Final = "pUSD"
COLLATERAL_ADDRESS: Final = "0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB"
#: Collateral and outcome tokens both have 6 decimals: amounts are integers of 1e-6.
TOKEN_DECIMALS: Final = 6

#: CLOB V2 exchange contracts (EIP-712 domain version "2"): (regular, neg-risk) per chain.
CTF_EXCHANGE_V2: Final = {
    POLYGON: (
        "0xE111180000d2663C0091e4f400237545B87B996B",
        "0xe2222d279d744050d28e00520010520000310F59",
    ),
    AMOY: (
        "0xE111180000d2663C0091e4f400237545B87B996B",
        "0xe2222d279d744050d28e00520010520000310F59",
    ),
}

# -- REST pagination ---------------------------------------------------------------------------
#: First and last cursor of the CLOB's paged endpoints (base64 of "0" and "-1").
INITIAL_CURSOR: Final = "MA=="
END_CURSOR: Final = "LTE="
#: Most orders one ``POST /orders`` takes.
MAX_BATCH_ORDERS: Final = 15

# -- Stream ------------------------------------------------------------------------------------
#: The client sends the text ``PING`` this often (seconds); the server answers ``PONG``.
DEFAULT_PING_INTERVAL: Final = 10.0
#: Assets one market-channel connection carries before the client opens another (the venue's
#: undocumented cap is about 500; beyond it initial snapshots stop arriving).
DEFAULT_ASSETS_PER_CONNECTION: Final = 200
