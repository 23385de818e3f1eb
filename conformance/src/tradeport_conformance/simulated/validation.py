"""Order validation against an instrument and the venue's static rules.

Pure functions: they read no account or market state, so a refusal here never depends on
balances, books or positions (those checks live in the exchange). Each returns ``None`` or a
``(RejectReason, message)`` problem.
"""

from __future__ import annotations

from decimal import Decimal

from tradeport.model.enums import OrderType, PositionSide, TimeInForce

from tradeport_conformance.simulated.records import (
    CONDITIONAL_ORDER_TYPES,
    LIMIT_ORDER_TYPES,
    TRAILING_ORDER_TYPES,
    RejectReason,
    SimInstrument,
    SimOrder,
)

Problem = tuple[RejectReason, str]
"""Why an order is refused: a reason code and a human-readable message."""

_UNSUPPORTED_TIF = frozenset({TimeInForce.AT_THE_OPEN, TimeInForce.AT_THE_CLOSE})
IMMEDIATE_TIF = frozenset({TimeInForce.IOC, TimeInForce.FOK})


def check_order(
    order: SimOrder, instrument: SimInstrument, *, now: int, hedging: bool
) -> Problem | None:
    """Validate an order against its instrument and the venue's rules (no account state).

    ``now`` is the current time (GTD expiries must lie after it); ``hedging`` says whether the
    exchange runs hedge-mode positions (derivative orders must then name their leg).
    """
    order_type = order.order_type
    tif = order.time_in_force
    if tif in _UNSUPPORTED_TIF:
        return RejectReason.UNSUPPORTED_TIME_IN_FORCE, f"time in force {tif} is not supported"
    if order.quote_quantity is not None:
        if order_type is not OrderType.MARKET or instrument.uses_margin:
            return RejectReason.INVALID_ORDER, "quote quantity is for spot market orders only"
        if order.quote_quantity <= 0:
            return RejectReason.INVALID_QUANTITY, "quote quantity must be positive"
    else:
        problem = check_quantity(order.quantity, instrument)
        if problem is not None:
            return problem
    if order_type is OrderType.PEGGED:
        if order.peg_price_type is None:
            return RejectReason.INVALID_ORDER, "a pegged order needs a peg price type"
    elif order.peg_price_type is not None or order.peg_offset is not None:
        return RejectReason.INVALID_ORDER, f"{order_type} orders take no peg"
    problem = _check_limit_offset(order)
    if problem is not None:
        return problem
    if order_type in LIMIT_ORDER_TYPES:
        # A PEGGED order's price was derived from its reference by the exchange before this; a
        # trailing stop-limit with a limit offset gets its price when it triggers.
        if order.limit_offset is None:
            problem = check_price(order.price, instrument, RejectReason.INVALID_PRICE)
            if problem is not None:
                return problem
    elif order.price is not None:
        return RejectReason.INVALID_ORDER, f"{order_type} orders take no price"
    if order_type in TRAILING_ORDER_TYPES:
        if order.trailing_offset is None or order.trailing_offset <= 0:
            return RejectReason.INVALID_ORDER, "trailing stops need a positive trailing offset"
        if order.trigger_price is not None:
            return (
                RejectReason.INVALID_ORDER,
                "the venue computes a trailing stop's trigger price",
            )
        if order.activation_price is not None:
            problem = check_price(
                order.activation_price, instrument, RejectReason.INVALID_TRIGGER_PRICE
            )
            if problem is not None:
                return problem
    elif order_type in CONDITIONAL_ORDER_TYPES:
        problem = check_price(order.trigger_price, instrument, RejectReason.INVALID_TRIGGER_PRICE)
        if problem is not None:
            return problem
    elif (
        order.trigger_price is not None
        or order.trailing_offset is not None
        or order.activation_price is not None
    ):
        return RejectReason.INVALID_ORDER, f"{order_type} orders take no trigger"
    if tif is TimeInForce.GTD:
        if order.expire_time_ns is None or order.expire_time_ns <= now:
            return RejectReason.INVALID_EXPIRE_TIME, "GTD needs an expire time in the future"
    elif order.expire_time_ns is not None:
        return RejectReason.INVALID_ORDER, "an expire time needs time in force GTD"
    if order.post_only and (order_type not in LIMIT_ORDER_TYPES or tif in IMMEDIATE_TIF):
        return RejectReason.INVALID_ORDER, "post-only needs a limit order that may rest"
    if order.reduce_only and not instrument.uses_margin:
        return RejectReason.INVALID_ORDER, "reduce-only is for derivatives"
    problem = check_position_side(instrument, order.position_side, hedging)
    if problem is not None:
        return problem
    reference = order.price if order_type in LIMIT_ORDER_TYPES else order.trigger_price
    if (
        reference is not None
        and instrument.min_notional
        and instrument.notional(order.quantity, reference) < instrument.min_notional
    ):
        return RejectReason.MIN_NOTIONAL, f"notional below {instrument.min_notional}"
    return None


def _check_limit_offset(order: SimOrder) -> Problem | None:
    """A trailing stop-limit takes a fixed ``price`` or a ``limit_offset`` from its trigger
    (non-negative, in ``trailing_offset_type`` units), never both; other types take neither."""
    offset = order.limit_offset
    if order.order_type is not OrderType.TRAILING_STOP_LIMIT:
        if offset is not None:
            return RejectReason.INVALID_ORDER, f"{order.order_type} orders take no limit offset"
        return None
    if offset is None:
        return None
    if order.price is not None:
        return RejectReason.INVALID_ORDER, "give a price or a limit offset, not both"
    if not offset.is_finite() or offset < 0:
        return RejectReason.INVALID_PRICE, f"limit offset {offset} must be a non-negative number"
    return None


def check_quantity(quantity: Decimal, instrument: SimInstrument) -> Problem | None:
    """Positive, a whole number of lots, within the instrument's limits."""
    if quantity <= 0:
        return RejectReason.INVALID_QUANTITY, "quantity must be positive"
    if quantity % instrument.lot_size:
        return (
            RejectReason.INVALID_QUANTITY_INCREMENT,
            f"quantity {quantity} is not a multiple of {instrument.lot_size}",
        )
    if quantity < instrument.min_qty:
        return RejectReason.MIN_QUANTITY, f"quantity {quantity} < {instrument.min_qty}"
    if instrument.max_qty is not None and quantity > instrument.max_qty:
        return RejectReason.MAX_QUANTITY, f"quantity {quantity} > {instrument.max_qty}"
    return None


def check_price(
    price: Decimal | None, instrument: SimInstrument, missing: RejectReason
) -> Problem | None:
    """Positive and a whole number of ticks; ``missing`` is the reason when it is absent."""
    if price is None or price <= 0:
        return missing, "a positive price is required"
    if price % instrument.tick_size:
        reason = (
            RejectReason.INVALID_PRICE_INCREMENT
            if missing is RejectReason.INVALID_PRICE
            else missing
        )
        return reason, f"price {price} is not a multiple of {instrument.tick_size}"
    return None


def check_position_side(
    instrument: SimInstrument, position_side: PositionSide | None, hedging: bool
) -> Problem | None:
    """Hedge-mode derivative orders name their LONG/SHORT leg; all others name none."""
    hedging = hedging and instrument.uses_margin
    if hedging and position_side not in (PositionSide.LONG, PositionSide.SHORT):
        return (
            RejectReason.INVALID_POSITION_SIDE,
            "hedge mode needs position side LONG or SHORT",
        )
    if not hedging and position_side is not None:
        return (
            RejectReason.INVALID_POSITION_SIDE,
            "position side is for hedge-mode derivatives only",
        )
    return None
