"""Query and body builders: exactly the venue's parameter names, units and limits.

Pure functions from domain values to what goes on the wire, so a test can check every name and
unit without a network (the mock venue checks them too: ``check_history_request``).
Timestamps become integer milliseconds; prices and quantities their exact decimal text.
"""

from __future__ import annotations

from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.data import BarType
from tradeport.model.enums import AggregationSource, PriceType
from tradeport.model.orders import Order
from tradeport.net.http import Params

from tradeport_coinbase_intx.constants import MAX_BOOK_DEPTH, MAX_PAGE_LIMIT
from tradeport_coinbase_intx.enums import (
    INTERVAL_OF,
    VENUE_ORDER_SIDE,
    VENUE_ORDER_TYPE,
    VENUE_TIME_IN_FORCE,
)

__all__ = [
    "amend_body",
    "bar_interval",
    "book_query",
    "history_query",
    "instruments_query",
    "ms",
    "order_body",
    "order_ref_query",
    "page_limit",
]

_NS_PER_MS = 1_000_000


def ms(ns: int | None) -> int | None:
    """UNIX nanoseconds to the venue's milliseconds (None stays None)."""
    return None if ns is None else ns // _NS_PER_MS


def page_limit(limit: int | None) -> int:
    """A page size the venue accepts: ``limit`` capped at its maximum (default: the maximum)."""
    if limit is None:
        return MAX_PAGE_LIMIT
    if limit < 1:
        raise ValidationError("limit", limit, "must be at least 1")
    return min(limit, MAX_PAGE_LIMIT)


def bar_interval(bar_type: BarType) -> str:
    """The venue's interval name (``1m``) for a bar type it publishes, else ValidationError."""
    spec = bar_type.spec
    interval = INTERVAL_OF.get((spec.step, spec.aggregation))
    if (
        interval is None
        or spec.price_type is not PriceType.LAST
        or bar_type.aggregation_source is not AggregationSource.EXTERNAL
    ):
        offered = ", ".join(INTERVAL_OF.values())
        raise ValidationError(
            "bar_type", str(bar_type), f"is not a venue bar (LAST, EXTERNAL, one of {offered})"
        )
    return interval


def instruments_query(product_type: str | None = None, symbol: str | None = None) -> Params:
    """``GET /api/v1/instruments``: optional ``type`` and ``symbol`` filters."""
    return [("type", product_type), ("symbol", symbol)]


def book_query(symbol: str, depth: int | None = None) -> Params:
    """``GET /api/v1/book``: ``depth`` levels per side (venue default 50, at most 200)."""
    if depth is not None and not 1 <= depth <= MAX_BOOK_DEPTH:
        raise ValidationError("depth", depth, f"must be from 1 to {MAX_BOOK_DEPTH}")
    return [("symbol", symbol), ("depth", depth)]


def history_query(
    symbol: str | None,
    start_ms: int | None,
    end_ms: int | None,
    limit: int,
    **extra: str | None,
) -> Params:
    """Trades, bars, fills and order history: ``symbol``, ``start``/``end`` (ms, inclusive),
    ``limit`` (1-200) and endpoint-specific ``extra`` parameters (``interval``, ``order_id``).
    Without ``start`` the venue answers the most recent ``limit`` records up to ``end``."""
    if limit < 1 or limit > MAX_PAGE_LIMIT:
        raise ValidationError("limit", limit, f"must be from 1 to {MAX_PAGE_LIMIT}")
    return [
        ("symbol", symbol),
        *extra.items(),
        ("start", start_ms),
        ("end", end_ms),
        ("limit", limit),
    ]


def order_ref_query(
    symbol: str, order_id: str | None = None, client_order_id: str | None = None
) -> Params:
    """Names one order: by venue ``order_id`` when known, else by ``client_order_id``."""
    if order_id is None and client_order_id is None:
        raise ValidationError("order", None, "name it by venue order id or client order id")
    if order_id is not None:
        return [("symbol", symbol), ("order_id", order_id)]
    return [("symbol", symbol), ("client_order_id", client_order_id)]


def order_body(order: Order) -> dict[str, Any]:
    """``POST /api/v1/orders``: the venue's fields for a domain order (optional ones only when
    set). The caller has checked the order against the declared capabilities."""
    body: dict[str, Any] = {
        "symbol": order.instrument_id.symbol.value,
        "client_order_id": order.client_order_id.value,
        "side": VENUE_ORDER_SIDE[order.side],
        "type": VENUE_ORDER_TYPE[order.order_type],
        "time_in_force": VENUE_TIME_IN_FORCE[order.time_in_force],
        "qty": str(order.quantity),
    }
    if order.price is not None:
        body["price"] = str(order.price)
    if order.trigger_price is not None:
        body["trigger_price"] = str(order.trigger_price)
    if order.expire_time_ns is not None:
        body["expire_time"] = ms(order.expire_time_ns)
    if order.post_only:
        body["post_only"] = True
    if order.reduce_only:
        body["reduce_only"] = True
    return body


def amend_body(
    symbol: str,
    order_id: str | None,
    client_order_id: str | None,
    *,
    qty: Any = None,
    price: Any = None,
    trigger_price: Any = None,
) -> dict[str, Any]:
    """``PUT /api/v1/orders``: the order and the fields to change (at least one)."""
    changes = {
        key: str(value)
        for key, value in (("qty", qty), ("price", price), ("trigger_price", trigger_price))
        if value is not None
    }
    if not changes:
        raise ValidationError("modify_order", None, "give quantity, price or trigger_price")
    return {**dict(order_ref_query(symbol, order_id, client_order_id)), **changes}
