"""Stream topic names: ``<channel>.<symbol>`` (bars: ``bars.<interval>.<symbol>``).

Public channels need no login; the private ones (:data:`PRIVATE_TOPICS`) are account-wide,
have no symbol, and need a login on the same connection.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BARS",
    "BOOK",
    "FILLS",
    "MARK",
    "ORDERS",
    "POSITIONS",
    "BALANCES",
    "PRIVATE_TOPICS",
    "QUOTES",
    "TRADES",
    "bars_topic",
    "book_topic",
    "mark_topic",
    "quotes_topic",
    "split_topic",
    "trades_topic",
]

QUOTES: Final = "quotes"
TRADES: Final = "trades"
BOOK: Final = "book"
BARS: Final = "bars"
#: Mark price, index price and funding rate of a perpetual, in one message.
MARK: Final = "mark"

ORDERS: Final = "orders"
FILLS: Final = "fills"
BALANCES: Final = "balances"
POSITIONS: Final = "positions"
PRIVATE_TOPICS: Final = (ORDERS, FILLS, BALANCES, POSITIONS)


def quotes_topic(symbol: str) -> str:
    """Best bid and offer of ``symbol``."""
    return f"{QUOTES}.{symbol}"


def trades_topic(symbol: str) -> str:
    """Public trades of ``symbol``."""
    return f"{TRADES}.{symbol}"


def book_topic(symbol: str) -> str:
    """Full-depth book of ``symbol``: a snapshot, then deltas."""
    return f"{BOOK}.{symbol}"


def bars_topic(interval: str, symbol: str) -> str:
    """Bars of ``symbol`` at ``interval`` (``1m``, ``1h`` ...)."""
    return f"{BARS}.{interval}.{symbol}"


def mark_topic(symbol: str) -> str:
    """Mark price, index price and funding rate of a perpetual."""
    return f"{MARK}.{symbol}"


def split_topic(topic: str) -> tuple[str, str]:
    """(channel, the rest): ``"bars.1m.BTC-USDT"`` -> ``("bars", "1m.BTC-USDT")``."""
    channel, _, rest = topic.partition(".")
    return channel, rest
