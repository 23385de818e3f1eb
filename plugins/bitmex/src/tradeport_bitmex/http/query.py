"""Query and form builders that emit exactly BitMEX's parameters (names, units, limits).

Prices and quantities travel as exact decimal strings in form-encoded bodies (BitMEX accepts
``application/x-www-form-urlencoded`` as well as JSON; a form keeps every digit exact, where a
JSON number would go through a float). Times are ISO-8601 UTC with milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.enums import OrderType, TimeInForce, TrailingOffsetType
from tradeport.model.orders import Order
from tradeport.net import json_codec

from tradeport_bitmex.constants import MAX_PAGE_COUNT
from tradeport_bitmex.enums import (
    ORDER_TYPE_TO_VENUE,
    PEG_TO_VENUE,
    SIDE_TO_VENUE,
    TIME_IN_FORCE_TO_VENUE,
    TRIGGER_TO_VENUE,
    BitmexExecInst,
    BitmexPegPriceType,
)

__all__ = [
    "Params",
    "bucketed_trades_query",
    "cancel_form",
    "amend_form",
    "filter_json",
    "history_query",
    "iso_time",
    "order_form",
]

#: Ordered (name, value) pairs.
Params = list[tuple[str, str | int | Decimal | bool | None]]


def iso_time(ns: int) -> str:
    """UNIX ns as BitMEX's ``startTime``/``endTime`` (``2024-11-25T10:30:00.000Z``)."""
    moment = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC)
    millis = (ns // 1_000_000) % 1000
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def filter_json(conditions: dict[str, Any]) -> str:
    """The ``filter`` parameter: compact JSON text (``{"open":true}``)."""
    return json_codec.dumps(conditions)


def history_query(
    symbol: str | None,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    count: int | None = None,
    start: int | None = None,
    reverse: bool = False,
    conditions: dict[str, Any] | None = None,
) -> Params:
    """Common paging parameters of BitMEX's history endpoints (``/trade``, ``/order``, ...).

    ``count`` is capped at 1000 (BitMEX's maximum page); ``start`` is the row offset.
    """
    if count is not None and not 1 <= count <= MAX_PAGE_COUNT:
        raise ValidationError("count", count, f"must be within 1..{MAX_PAGE_COUNT}")
    params: Params = [("symbol", symbol)]
    if conditions:
        params.append(("filter", filter_json(conditions)))
    params += [
        ("count", count),
        ("start", start),
        ("reverse", True if reverse else None),
        ("startTime", iso_time(start_ns) if start_ns is not None else None),
        ("endTime", iso_time(end_ns) if end_ns is not None else None),
    ]
    return params


_BIN_SIZES = {(1, "MINUTE"): "1m", (5, "MINUTE"): "5m", (1, "HOUR"): "1h", (1, "DAY"): "1d"}


def bin_size_of(step: int, aggregation: str) -> str:
    """BitMEX's ``binSize`` for a bar step (1m, 5m, 1h, 1d only)."""
    try:
        return _BIN_SIZES[(step, aggregation)]
    except KeyError:
        raise ValidationError(
            "bar_type", f"{step}-{aggregation}", "BitMEX bins are 1-MINUTE, 5-MINUTE, 1-HOUR, 1-DAY"
        ) from None


def bucketed_trades_query(
    symbol: str,
    bin_size: str,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    count: int | None = None,
    start: int | None = None,
    partial: bool = False,
) -> Params:
    """Parameters of ``GET /trade/bucketed``."""
    params: Params = [("binSize", bin_size), ("partial", True if partial else None)]
    return params + history_query(
        symbol, start_ns=start_ns, end_ns=end_ns, count=count, start=start
    )


def order_form(order: Order, *, close: bool = False) -> Params:
    """The ``POST /order`` form for a domain Order.

    Pegged orders are ``ordType=Pegged`` with ``pegPriceType`` PrimaryPeg or MarketPeg and an
    optional signed ``pegOffsetValue`` (the order's ``peg_offset``) and no price.
    Trailing stops are Stop/StopLimit orders with ``pegPriceType=TrailingStopPeg`` and a signed
    ``pegOffsetValue`` (negative below the market for sells); BitMEX trails by a price offset
    only, and a trailing stop-limit keeps the fixed limit ``price`` it was sent with. ``close``
    adds execInst ``Close`` (close the position; implies reduce-only).
    """
    if order.time_in_force not in TIME_IN_FORCE_TO_VENUE:
        raise ValidationError(
            "time_in_force", order.time_in_force, "BitMEX supports GTC, IOC, FOK and DAY"
        )
    if order.quote_quantity:
        raise ValidationError("quote_quantity", True, "BitMEX quantities are contracts")
    exec_inst: list[str] = []
    if order.post_only:
        exec_inst.append(BitmexExecInst.PARTICIPATE_DO_NOT_INITIATE)
    if order.reduce_only:
        exec_inst.append(BitmexExecInst.REDUCE_ONLY)
    if close:
        exec_inst.append(BitmexExecInst.CLOSE)
    if order.trigger_type is not None and order.trigger_type in TRIGGER_TO_VENUE:
        exec_inst.append(TRIGGER_TO_VENUE[order.trigger_type])
    params: Params = [
        ("symbol", order.instrument_id.symbol.value),
        ("side", SIDE_TO_VENUE[order.side].value),
        ("orderQty", str(order.quantity)),
        ("ordType", ORDER_TYPE_TO_VENUE[order.order_type].value),
        ("clOrdID", order.client_order_id.value),
    ]
    if order.price is not None:
        params.append(("price", str(order.price)))
    if order.trigger_price is not None:
        params.append(("stopPx", str(order.trigger_price)))
    if order.display_qty is not None:
        params.append(("displayQty", str(order.display_qty)))
    if order.is_pegged:
        assert order.peg_price_type is not None  # Order validates it for PEGGED
        if order.peg_price_type not in PEG_TO_VENUE:
            raise ValidationError(
                "peg_price_type",
                order.peg_price_type,
                "BitMEX pegs to PRIMARY (PrimaryPeg) or MARKET (MarketPeg)",
            )
        params.append(("pegPriceType", PEG_TO_VENUE[order.peg_price_type].value))
        if order.peg_offset is not None:
            params.append(("pegOffsetValue", str(order.peg_offset)))
    if order.is_trailing:
        if order.trailing_offset_type is not TrailingOffsetType.PRICE:
            raise ValidationError(
                "trailing_offset_type",
                order.trailing_offset_type,
                "BitMEX trails by a price offset (TrailingOffsetType.PRICE)",
            )
        if order.activation_price is not None:
            # BitMEX trails from the current price at once; dropping it would change the order.
            raise ValidationError(
                "activation_price",
                order.activation_price,
                "BitMEX trailing stops have no activation price",
            )
        if order.limit_offset is not None:
            # POST /order: a StopLimit takes a limit ``price``; TrailingStopPeg moves only the
            # stopPx (BitMEX/api-connectors, the generated OrderApi's Order.new notes).
            raise ValidationError(
                "limit_offset",
                str(order.limit_offset),
                "BitMEX trailing stop-limits have a fixed limit price (price), not a limit offset",
            )
        offset = order.trailing_offset or Decimal(0)
        signed = -offset if order.side.value == "SELL" else offset
        params += [
            ("pegPriceType", BitmexPegPriceType.TRAILING_STOP_PEG.value),
            ("pegOffsetValue", str(signed)),
        ]
    # Market orders fill or cancel by nature; sending their GTC default is harmless but noisy.
    if not (order.order_type is OrderType.MARKET and order.time_in_force is TimeInForce.GTC):
        params.append(("timeInForce", TIME_IN_FORCE_TO_VENUE[order.time_in_force].value))
    if exec_inst:
        params.append(("execInst", ",".join(exec_inst)))
    return params


def amend_form(
    *,
    order_id: str | None,
    orig_cl_ord_id: str | None,
    quantity: Any = None,
    price: Any = None,
    trigger_price: Any = None,
) -> Params:
    """The ``PUT /order`` form: identify by ``orderID`` or ``origClOrdID``."""
    if order_id is None and orig_cl_ord_id is None:
        raise ValidationError("order", None, "needs a venue order id or a client order id")
    return [
        ("orderID", order_id),
        ("origClOrdID", orig_cl_ord_id if order_id is None else None),
        ("orderQty", None if quantity is None else str(quantity)),
        ("price", None if price is None else str(price)),
        ("stopPx", None if trigger_price is None else str(trigger_price)),
    ]


def cancel_form(
    order_ids: Sequence[str] = (), client_order_ids: Iterable[str] = (), text: str | None = None
) -> Params:
    """The ``DELETE /order`` form: one or many ``orderID`` / ``clOrdID`` (comma-separated)."""
    client_ids = list(client_order_ids)
    if not order_ids and not client_ids:
        raise ValidationError("order", None, "needs at least one order id")
    return [
        ("orderID", ",".join(order_ids) if order_ids else None),
        ("clOrdID", ",".join(client_ids) if client_ids else None),
        ("text", text),
    ]
