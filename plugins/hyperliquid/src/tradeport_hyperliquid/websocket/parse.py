"""Pure parsers for Hyperliquid stream messages (the records are those of ``/info``, parsed by
:mod:`tradeport_hyperliquid.http.parse`; here is what only the streams have)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["topic_of_message", "user_fills", "order_updates"]


def topic_of_message(message: Mapping[str, Any]) -> str | None:
    """The topic a data message belongs to (``l2Book:BTC``, ``candle:BTC:1m``...), or None
    for channels routed by their payload (``allMids``, user channels)."""
    channel = message.get("channel")
    data = message.get("data")
    if channel in ("l2Book", "bbo") and isinstance(data, Mapping):
        return f"{channel}:{data.get('coin')}"
    if channel == "activeAssetCtx" and isinstance(data, Mapping):
        return f"activeAssetCtx:{data.get('coin')}"
    if channel == "candle" and isinstance(data, Mapping):
        return f"candle:{data.get('s')}:{data.get('i')}"
    if channel == "trades" and isinstance(data, list) and data:
        return f"trades:{data[0].get('coin')}"
    return None


def user_fills(message: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The fills of a ``userFills`` message; nothing from the snapshot the venue sends first
    on every (re)subscription (``isSnapshot: true``): those fills were reported before, or
    are recovered by the reconciliation over ``userFillsByTime``."""
    data = message.get("data") or {}
    if data.get("isSnapshot"):
        return iter(())
    return iter(data.get("fills") or ())


def order_updates(message: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The items of an ``orderUpdates`` message (``{"order", "status", "statusTimestamp"}``)."""
    data = message.get("data")
    return iter(data if isinstance(data, list) else ())
