"""How the mock Polymarket venue writes the simulated exchange's state on the wire.

Pure functions from the SimulatedExchange's records to the venue's payloads: markets, book
summaries (with the venue's ``hash``), order rows, trades (with their settlement status),
positions. Prices are printed at the tick precision, sizes as plain decimals without trailing
zeros, timestamps as the venue does (book: ms strings; orders and trades: s).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from tradeport.model.enums import OrderSide, OrderStatus
from tradeport_conformance.simulated import BookLevel, RejectReason, SimInstrument, SimOrder

from tradeport_polymarket.http.parse import book_hash

__all__ = [
    "REJECT_MESSAGES",
    "fmt_price",
    "fmt_size",
    "render_book",
    "render_levels",
    "render_market",
    "render_order",
]

#: The venue's ``{"error": ...}`` text for each reason the exchange refuses an order (the
#: balance and minimum-size texts are the venue's, from its error reference and the SDK issues;
#: the others name the rule).
REJECT_MESSAGES: Final[dict[RejectReason, str]] = {
    RejectReason.INSUFFICIENT_BALANCE: "not enough balance / allowance",
    RejectReason.INVALID_PRICE: "invalid price",
    RejectReason.INVALID_PRICE_INCREMENT: "invalid price, breaks minimum tick size rule",
    RejectReason.MIN_QUANTITY: "invalid order size, lower than the minimum",
    RejectReason.INVALID_QUANTITY: "invalid order size",
    RejectReason.INVALID_QUANTITY_INCREMENT: "invalid order size",
    RejectReason.WOULD_CROSS: "invalid post-only order: order crosses book",
    RejectReason.NO_LIQUIDITY: "no orders found to match with FOK order",
    RejectReason.UNKNOWN_INSTRUMENT: "Invalid token id",
    RejectReason.UNKNOWN_ORDER: "order not found",
    RejectReason.ORDER_NOT_OPEN: "order can't be canceled: not open",
    RejectReason.VENUE_REJECTED: "order rejected",
}


def fmt_price(value: Decimal, tick: Decimal) -> str:
    """A price at the tick's precision (``0.48``)."""
    return format(value.quantize(tick.normalize()), "f")


def fmt_size(value: Decimal) -> str:
    """A size without trailing zeros (``30``, ``148.56``)."""
    return format(value.normalize(), "f") if value else "0"


def render_levels(levels: tuple[BookLevel, ...] | list[Any], tick: Decimal) -> list[dict[str, str]]:
    """``[{"price", "size"}]`` in the order given."""
    return [{"price": fmt_price(level[0], tick), "size": fmt_size(level[1])} for level in levels]


def render_book(
    instrument: SimInstrument, bids: Any, asks: Any, timestamp_ms: int, last_trade_price: str
) -> dict[str, Any]:
    """The book summary of ``GET /book`` (and the ``book`` event): bids from the lowest price
    up, asks from the highest down (best last), with the venue's hash of it."""
    tick = instrument.tick_size
    summary: dict[str, Any] = {
        "market": instrument.meta["condition_id"],
        "asset_id": instrument.symbol,
        "timestamp": str(timestamp_ms),
        "hash": "",
        "bids": render_levels(list(reversed(bids)), tick),
        "asks": render_levels(list(reversed(asks)), tick),
        "min_order_size": fmt_size(instrument.min_qty),
        "tick_size": fmt_size(tick),
        "neg_risk": bool(instrument.meta.get("neg_risk", False)),
        "last_trade_price": last_trade_price,
    }
    summary["hash"] = book_hash(summary)
    return summary


def render_market(instruments: list[SimInstrument]) -> dict[str, Any]:
    """A CLOB ``GET /markets`` entry from the two tokens of one market."""
    first = instruments[0]
    meta = first.meta
    return {
        "enable_order_book": True,
        "active": True,
        "closed": bool(meta.get("closed", False)),
        "archived": False,
        "accepting_orders": not meta.get("closed", False),
        "minimum_order_size": float(first.min_qty),
        "minimum_tick_size": float(first.tick_size),
        "condition_id": meta["condition_id"],
        "question_id": meta.get("question_id", "0x" + "0" * 64),
        "question": meta["question"],
        "description": meta.get("description", ""),
        "market_slug": meta["slug"],
        "end_date_iso": meta["end_date_iso"],
        "maker_base_fee": 0,
        "taker_base_fee": 0,
        "neg_risk": bool(meta.get("neg_risk", False)),
        "neg_risk_market_id": "",
        "tokens": [
            {
                "token_id": i.symbol,
                "outcome": i.meta["outcome"],
                "price": 0.5,
                "winner": i.meta.get("winner", False),
            }
            for i in instruments
        ],
    }


_STATUS: Final = {
    OrderStatus.ACCEPTED: "LIVE",
    OrderStatus.PARTIALLY_FILLED: "LIVE",
    OrderStatus.FILLED: "MATCHED",
    OrderStatus.CANCELED: "CANCELED",
    OrderStatus.EXPIRED: "CANCELED",
    OrderStatus.REJECTED: "INVALID",
}


def render_order(
    order: SimOrder,
    instrument: SimInstrument,
    owner: str,
    maker_address: str,
    *,
    matched: Decimal | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """A ``GET /data/order`` row (``id`` is the order hash the client signed)."""
    filled = order.filled_qty if matched is None else matched
    return {
        "id": order.venue_order_id,
        "status": status or _STATUS.get(order.status, "LIVE"),
        "owner": owner,
        "maker_address": maker_address,
        "market": instrument.meta["condition_id"],
        "asset_id": instrument.symbol,
        "side": "BUY" if order.side is OrderSide.BUY else "SELL",
        "original_size": fmt_size(order.quantity),
        "size_matched": fmt_size(filled),
        "price": fmt_price(order.price or Decimal(0), instrument.tick_size),
        "associate_trades": [],
        "outcome": instrument.meta["outcome"],
        "created_at": order.ts_created // 1_000_000_000,
        "timestamp": str(order.ts_updated // 1_000_000_000),
        "expiration": str(order.meta.get("expiration", "0")),
        "order_type": str(order.meta.get("order_type", "GTC")),
    }
