"""Constants of the OKX v5 API that several modules share."""

from __future__ import annotations

from typing import Final

__all__ = [
    "VENUE",
    "VENUE_NAME",
    "HEADER_KEY",
    "HEADER_SIGN",
    "HEADER_TIMESTAMP",
    "HEADER_PASSPHRASE",
    "HEADER_SIMULATED",
    "WS_LOGIN_PATH",
    "CODE_OK",
    "RATE_LIMIT_CODES",
    "AUTH_CODES",
    "TIMESTAMP_CODES",
    "BATCH_PARTIAL_CODES",
    "MAX_BATCH_ORDERS",
    "CHECKSUM_DEPTH",
]

#: The venue id in instrument ids (``BTC-USDT.OKX``).
VENUE: Final = "OKX"
#: The registered venue name.
VENUE_NAME: Final = "okx"

HEADER_KEY: Final = "OK-ACCESS-KEY"
HEADER_SIGN: Final = "OK-ACCESS-SIGN"
HEADER_TIMESTAMP: Final = "OK-ACCESS-TIMESTAMP"
HEADER_PASSPHRASE: Final = "OK-ACCESS-PASSPHRASE"
#: Demo trading: every REST request carries ``x-simulated-trading: 1``.
HEADER_SIMULATED: Final = "x-simulated-trading"

#: The request path the WebSocket login signs (``timestamp + "GET" + path``).
WS_LOGIN_PATH: Final = "/users/self/verify"

#: ``code`` of a successful envelope.
CODE_OK: Final = "0"
#: 50011: "Rate limit reached"; 50061: sub-account rate limit (both say "slow down").
RATE_LIMIT_CODES: Final = frozenset({"50011", "50061"})
#: Key, passphrase and signature failures (501xx family).
AUTH_CODES: Final = frozenset(
    {"50100", "50101", "50103", "50104", "50105", "50111", "50113", "50114", "60009", "60024"}
)
#: 50102: "Timestamp request expired"; 60006 the same at WS login.
TIMESTAMP_CODES: Final = frozenset({"50102", "60006", "50112"})
#: Batch endpoints: 1 = every item failed, 2 = some failed (details in each item's sCode).
BATCH_PARTIAL_CODES: Final = frozenset({"1", "2"})
#: Up to 20 orders per batch request.
MAX_BATCH_ORDERS: Final = 20
#: The book checksum covers the top 25 levels of each side.
CHECKSUM_DEPTH: Final = 25
