"""Orders as the chain takes them and as the indexer names them.

Which kind of dYdX order a tradeport order becomes (v4 docs, "Order types" and "Short-term vs
stateful orders"):

* **short-term** (order flags 0): IOC limits, MARKET orders (an IOC limit at a slippage-bounded
  price: dYdX has no market order on chain) and orders tagged :data:`SHORT_TERM_TAG`. They live
  in validators' memory until their good-til-block (at most ShortBlockWindow blocks ahead) and
  are not sequence-checked;
* **long-term** (order flags 64): GTC and GTD limits, with a good-til-block-time: the order's
  ``expire_time_ns`` for GTD, ``now + gtc_lifetime`` for GTC (the chain keeps stateful orders
  at most 95 days, so a GTC order has a horizon). Post-only is the chain's TIME_IN_FORCE
  POST_ONLY;
* **conditional** (order flags 32, good-til-block-time as long-term): STOP_LIMIT and
  STOP_MARKET are the chain's STOP_LOSS condition, LIMIT_IF_TOUCHED and MARKET_IF_TOUCHED its
  TAKE_PROFIT, with ``conditional_order_trigger_subticks`` from the trigger price. The chain
  triggers them on the oracle price and on the block's trade prices
  (x/clob/keeper/untriggered_conditional_orders.go). The market variants execute IOC at the
  trigger price moved by the slippage bound (as the official clients do).

The chain's client id is a uint32: a numeric client order id that fits is used as it is,
anything else is hashed (CRC-32) and the client keeps the mapping back. The indexer names
orders by a UUID v5 of ``{subaccount uuid}-{clientId}-{clobPairId}-{orderFlags}`` and
subaccounts by one of ``{address}-{number}`` (v4-chain indexer, postgres ``order-table.ts``,
``subaccount-table.ts``, ``helpers/uuid.ts``), so the client knows an order's venue id before
the indexer reports it.
"""

from __future__ import annotations

import uuid
import zlib
from decimal import Decimal
from typing import Final

from tradeport.errors import ValidationError
from tradeport.model.enums import OrderSide, OrderType, TimeInForce
from tradeport.model.identifiers import ClientOrderId
from tradeport.model.orders import Order

from tradeport_dydx.chain import proto
from tradeport_dydx.chain.proto import SubaccountId
from tradeport_dydx.market import DydxMarket

__all__ = [
    "SHORT_TERM_TAG",
    "INDEXER_NAMESPACE",
    "client_id_of",
    "subaccount_uuid",
    "order_uuid",
    "is_short_term",
    "order_flags_of",
    "chain_order",
    "slippage_price",
    "CONDITIONS",
    "MARKET_TYPES",
]

#: An order tag that makes a GTC limit a short-term order (it then rests until its
#: good-til-block, ``short_term_blocks`` after the current height, and expires there).
SHORT_TERM_TAG: Final = "dydx:short_term"
#: The indexer's UUID v5 namespace (indexer/packages/postgres/src/helpers/uuid.ts).
INDEXER_NAMESPACE: Final = uuid.UUID("0f9da948-a6fb-4c45-9edc-4685c3f3317d")
_UINT32: Final = 1 << 32
#: Conditional order types -> the chain's condition.
CONDITIONS: Final = {
    OrderType.STOP_LIMIT: proto.CONDITION_STOP_LOSS,
    OrderType.STOP_MARKET: proto.CONDITION_STOP_LOSS,
    OrderType.LIMIT_IF_TOUCHED: proto.CONDITION_TAKE_PROFIT,
    OrderType.MARKET_IF_TOUCHED: proto.CONDITION_TAKE_PROFIT,
}
#: Order types that execute IOC (no market order on chain).
MARKET_TYPES: Final = frozenset(
    {OrderType.MARKET, OrderType.STOP_MARKET, OrderType.MARKET_IF_TOUCHED}
)


def client_id_of(client_order_id: ClientOrderId) -> int:
    """The chain's uint32 client id for ``client_order_id`` (itself when numeric and in range,
    else its CRC-32)."""
    text = client_order_id.value
    if text.isdigit() and int(text) < _UINT32:
        return int(text)
    return zlib.crc32(text.encode())


def subaccount_uuid(address: str, number: int) -> str:
    """The indexer's id of a subaccount."""
    return str(uuid.uuid5(INDEXER_NAMESPACE, f"{address}-{number}"))


def order_uuid(subaccount: SubaccountId, client_id: int, clob_pair_id: int, flags: int) -> str:
    """The indexer's id of an order (its venue order id)."""
    sub = subaccount_uuid(subaccount.owner, subaccount.number)
    return str(uuid.uuid5(INDEXER_NAMESPACE, f"{sub}-{client_id}-{clob_pair_id}-{flags}"))


def is_short_term(order: Order) -> bool:
    """Whether ``order`` goes to the chain as a short-term order (see the module docstring)."""
    if order.order_type in CONDITIONS:
        return False
    return (
        order.order_type is OrderType.MARKET
        or order.time_in_force is TimeInForce.IOC
        or SHORT_TERM_TAG in order.tags
    )


def order_flags_of(order: Order) -> int:
    """0 (short-term), 32 (conditional) or 64 (long-term)."""
    if order.order_type in CONDITIONS:
        return proto.ORDER_FLAGS_CONDITIONAL
    return proto.ORDER_FLAGS_SHORT_TERM if is_short_term(order) else proto.ORDER_FLAGS_LONG_TERM


def slippage_price(
    market: DydxMarket, side: OrderSide, reference: Decimal, slippage: Decimal
) -> Decimal:
    """The IOC limit price of a MARKET order: ``reference`` moved by ``slippage`` against the
    order (up for a buy, down for a sell), onto the market's tick (away from the reference)."""
    tick = market.tick_size
    raw = reference * (1 + slippage) if side is OrderSide.BUY else reference * (1 - slippage)
    steps = (raw / tick).to_integral_value(
        rounding="ROUND_CEILING" if side is OrderSide.BUY else "ROUND_FLOOR"
    )
    return max(steps, Decimal(1)) * tick


def chain_order(
    order: Order,
    market: DydxMarket,
    subaccount: SubaccountId,
    client_id: int,
    *,
    price: Decimal,
    good_til_block: int | None = None,
    good_til_block_time: int | None = None,
) -> proto.Order:
    """The proto Order of ``order`` (``price`` given: a MARKET order's slippage price). Raises
    ValidationError naming the field for what the chain cannot express."""
    if order.order_type not in (OrderType.LIMIT, OrderType.MARKET, *CONDITIONS):
        raise ValidationError("order_type", order.order_type.value, "is not offered on dYdX")
    condition = CONDITIONS.get(order.order_type, proto.CONDITION_UNSPECIFIED)
    trigger = 0
    if condition:
        if order.trigger_price is None:
            raise ValidationError("trigger_price", "None", f"a {order.order_type.value} needs one")
        trigger = market.subticks(order.trigger_price.as_decimal())
    if order.time_in_force is TimeInForce.FOK or order.time_in_force not in (
        TimeInForce.GTC,
        TimeInForce.GTD,
        TimeInForce.IOC,
    ):
        raise ValidationError(
            "time_in_force", order.time_in_force.value, "is not offered on dYdX (GTC, GTD, IOC)"
        )
    if order.post_only and is_short_term(order) and order.time_in_force is TimeInForce.IOC:
        raise ValidationError("post_only", "True", "cannot be combined with IOC")
    if order.display_qty is not None:
        raise ValidationError("display_qty", str(order.display_qty), "is not offered on dYdX")
    short = is_short_term(order)
    if short and good_til_block is None:
        raise ValidationError("good_til_block", "None", "a short-term order needs one")
    if not short and good_til_block_time is None:
        raise ValidationError("good_til_block_time", "None", "a long-term order needs one")
    if order.time_in_force is TimeInForce.IOC or order.order_type in MARKET_TYPES:
        tif = proto.TIF_IOC
    elif order.post_only:
        tif = proto.TIF_POST_ONLY
    else:
        tif = proto.TIF_UNSPECIFIED
    return proto.Order(
        order_id=proto.OrderId(subaccount, client_id, order_flags_of(order), market.clob_pair_id),
        side=proto.SIDE_BUY if order.side is OrderSide.BUY else proto.SIDE_SELL,
        quantums=market.quantums(order.quantity.as_decimal()),
        subticks=market.subticks(price),
        good_til_block=good_til_block if short else None,
        good_til_block_time=None if short else good_til_block_time,
        time_in_force=tif,
        reduce_only=order.reduce_only,
        condition_type=condition,
        conditional_order_trigger_subticks=trigger,
    )
