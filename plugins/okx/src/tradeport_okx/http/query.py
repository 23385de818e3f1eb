"""Builders of OKX request parameters and bodies: exactly the documented names and units.

Query parameters are ordered pairs (the order is what gets signed); ``None`` values are dropped
by the HttpClient. Order bodies are dicts of strings as OKX documents them.
"""

from __future__ import annotations

from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.data import BarType

from tradeport_okx.enums import BAR_INTERVALS

__all__ = [
    "Pairs",
    "bar_interval",
    "candles_params",
    "history_trades_params",
    "ms",
]

Pairs = list[tuple[str, Any]]

_NS_PER_MS = 1_000_000


def ms(ns: int | None) -> int | None:
    """Nanoseconds -> OKX milliseconds (None stays None)."""
    return None if ns is None else ns // _NS_PER_MS


def bar_interval(bar_type: BarType) -> str:
    """OKX ``bar`` for a bar type (``1-MINUTE-LAST`` -> ``1m``); refuses what OKX lacks."""
    spec = bar_type.spec
    interval = BAR_INTERVALS.get((spec.step, spec.aggregation))
    if interval is None:
        raise ValidationError("bar_type", str(bar_type), "has no OKX candle interval")
    return interval


def candles_params(
    inst_id: str,
    bar: str,
    *,
    after_ms: int | None = None,
    before_ms: int | None = None,
    limit: int | None = None,
) -> Pairs:
    """``/market/candles`` and ``/market/history-candles``: ``after`` returns records older
    than that ``ts``, ``before`` newer ones; ``limit`` at most 300 (100 for history)."""
    return [
        ("instId", inst_id),
        ("bar", bar),
        ("after", after_ms),
        ("before", before_ms),
        ("limit", limit),
    ]


def history_trades_params(
    inst_id: str,
    *,
    after: int | str | None = None,
    before: int | str | None = None,
    limit: int | None = None,
    by_time: bool = False,
) -> Pairs:
    """``/market/history-trades``: ``type`` 1 paginates by tradeId, 2 by timestamp (``after``
    only; ``before`` does not take a timestamp)."""
    return [
        ("instId", inst_id),
        ("type", "2" if by_time else None),
        ("after", after),
        ("before", before),
        ("limit", limit),
    ]
