"""Orders as submitted to a venue: :class:`Order` and :class:`OrderList`.

An Order is an immutable description of what to submit. Construction validates the
combination of fields (a LIMIT needs a price, a STOP_* a trigger price, GTD an expiry, a PEGGED
order its peg price type, ...);
the convenience constructors (:meth:`Order.limit`, :meth:`Order.market`, ...) fill in the rest.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from tradeport.errors import ValidationError
from tradeport.model.enums import (
    OrderSide,
    OrderType,
    PegPriceType,
    PositionSide,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from tradeport.model.identifiers import ClientOrderId, InstrumentId, OrderListId, StrategyId
from tradeport.model.numbers import Price, Quantity

__all__ = ["Order", "OrderList"]

# Which order types carry which prices.
_LIMIT_PRICED = frozenset(
    {
        OrderType.LIMIT,
        OrderType.STOP_LIMIT,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_LIMIT,
    }
)
_TRIGGERED = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_MARKET,
        OrderType.TRAILING_STOP_LIMIT,
    }
)
_TRAILING = frozenset({OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT})
# Trailing stops may start without a trigger price (the venue derives it); other triggered
# orders need one.
_NEEDS_TRIGGER = _TRIGGERED - _TRAILING
_IMMEDIATE = frozenset({TimeInForce.IOC, TimeInForce.FOK})
_PEG_FIELDS = ("peg_price_type", "peg_offset")


@attrs.frozen(kw_only=True)
class Order:
    """An order to submit.

    Prices: ``price`` is the limit price (limit-priced types only), ``trigger_price`` the
    stop/touch level (triggered types), ``activation_price`` the level at which a trailing stop
    starts trailing. ``trailing_offset`` is in units of ``trailing_offset_type``; a trailing
    stop limit also needs ``limit_offset`` (same units) or an explicit ``price``.
    ``expire_time_ns`` is required for GTD and refused otherwise. ``quote_quantity`` means
    ``quantity`` is in the quote currency (market orders on some venues).

    Pegged orders (``PEGGED``) carry no price: the venue prices them at the reference named by
    ``peg_price_type`` plus ``peg_offset``, a signed price offset (``-0.5`` on a primary-peg buy
    rests half a point under the best bid), and re-prices them when the reference moves. Both
    peg fields are refused on other order types.
    """

    client_order_id: ClientOrderId
    instrument_id: InstrumentId
    side: OrderSide
    order_type: OrderType
    quantity: Quantity
    price: Price | None = None
    trigger_price: Price | None = None
    trigger_type: TriggerType | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_time_ns: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    quote_quantity: bool = False
    display_qty: Quantity | None = None
    trailing_offset: Decimal | None = None
    trailing_offset_type: TrailingOffsetType | None = None
    limit_offset: Decimal | None = None
    activation_price: Price | None = None
    peg_price_type: PegPriceType | None = None
    peg_offset: Decimal | None = None
    position_side: PositionSide | None = None
    strategy_id: StrategyId | None = None
    tags: tuple[str, ...] = ()
    ts_init: int = 0

    def __attrs_post_init__(self) -> None:
        self._validate_types()
        self._validate_prices()
        self._validate_peg()
        self._validate_flags()

    def _validate_types(self) -> None:
        checks: tuple[tuple[str, object, type], ...] = (
            ("client_order_id", self.client_order_id, ClientOrderId),
            ("instrument_id", self.instrument_id, InstrumentId),
            ("side", self.side, OrderSide),
            ("order_type", self.order_type, OrderType),
            ("quantity", self.quantity, Quantity),
            ("time_in_force", self.time_in_force, TimeInForce),
        )
        for name, value, kind in checks:
            if not isinstance(value, kind):
                raise ValidationError(name, value, f"must be a {kind.__name__}")
        for name in ("price", "trigger_price", "activation_price"):
            value = getattr(self, name)
            if value is not None and value.__class__ is not Price:
                raise ValidationError(name, value, "must be a Price or None")
        for name in ("post_only", "reduce_only", "quote_quantity"):
            if getattr(self, name).__class__ is not bool:
                raise ValidationError(name, getattr(self, name), "must be a bool")
        if not self.quantity:
            raise ValidationError("quantity", str(self.quantity), "must be positive")
        if self.ts_init.__class__ is not int or self.ts_init < 0:
            raise ValidationError("ts_init", self.ts_init, "must be a non-negative int (ns)")
        if self.tags.__class__ is not tuple or not all(t.__class__ is str for t in self.tags):
            raise ValidationError("tags", self.tags, "must be a tuple of str")

    def _validate_prices(self) -> None:
        kind = self.order_type
        if kind in _LIMIT_PRICED:
            # A trailing stop limit may derive its limit price from limit_offset instead.
            if self.price is None and not (
                kind is OrderType.TRAILING_STOP_LIMIT and self.limit_offset is not None
            ):
                raise ValidationError("price", None, f"is required for {kind} orders")
        elif self.price is not None:
            raise ValidationError("price", str(self.price), f"is not allowed for {kind} orders")
        if kind in _NEEDS_TRIGGER and self.trigger_price is None:
            raise ValidationError("trigger_price", None, f"is required for {kind} orders")
        if kind not in _TRIGGERED:
            if self.trigger_price is not None:
                raise ValidationError(
                    "trigger_price", str(self.trigger_price), f"is not allowed for {kind} orders"
                )
            if self.trigger_type is not None:
                raise ValidationError(
                    "trigger_type", self.trigger_type, f"is not allowed for {kind} orders"
                )
        if kind in _TRAILING:
            for name in ("trailing_offset", "trailing_offset_type"):
                if getattr(self, name) is None:
                    raise ValidationError(name, None, f"is required for {kind} orders")
            offset = self.trailing_offset
            if not isinstance(offset, Decimal) or not offset.is_finite() or offset <= 0:
                raise ValidationError("trailing_offset", offset, "must be a positive Decimal")
            if not isinstance(self.trailing_offset_type, TrailingOffsetType):
                raise ValidationError(
                    "trailing_offset_type",
                    self.trailing_offset_type,
                    "must be PRICE or BASIS_POINTS",
                )
            limit_offset = self.limit_offset
            if limit_offset is not None and (
                kind is not OrderType.TRAILING_STOP_LIMIT
                or not isinstance(limit_offset, Decimal)
                or not limit_offset.is_finite()
                or limit_offset < 0
            ):
                raise ValidationError(
                    "limit_offset",
                    limit_offset,
                    "must be a non-negative Decimal, for TRAILING_STOP_LIMIT orders only",
                )
        else:
            for name in (
                "trailing_offset",
                "trailing_offset_type",
                "limit_offset",
                "activation_price",
            ):
                value = getattr(self, name)
                if value is not None:
                    raise ValidationError(
                        name, str(value), f"is only allowed for trailing stop orders, not {kind}"
                    )

    def _validate_peg(self) -> None:
        kind = self.order_type
        if kind is not OrderType.PEGGED:
            for name in _PEG_FIELDS:
                value = getattr(self, name)
                if value is not None:
                    raise ValidationError(
                        name, str(value), f"is only allowed for PEGGED orders, not {kind}"
                    )
            return
        if self.peg_price_type is None:
            raise ValidationError("peg_price_type", None, "is required for PEGGED orders")
        if not isinstance(self.peg_price_type, PegPriceType):
            raise ValidationError("peg_price_type", self.peg_price_type, "must be a PegPriceType")
        offset = self.peg_offset
        if offset is not None and (not isinstance(offset, Decimal) or not offset.is_finite()):
            raise ValidationError("peg_offset", offset, "must be a finite Decimal or None")

    def _validate_flags(self) -> None:
        kind = self.order_type
        tif = self.time_in_force
        if tif is TimeInForce.GTD:
            if self.expire_time_ns is None:
                raise ValidationError("expire_time_ns", None, "is required for GTD orders")
            if self.expire_time_ns.__class__ is not int or self.expire_time_ns <= 0:
                raise ValidationError(
                    "expire_time_ns", self.expire_time_ns, "must be a positive int (UNIX ns)"
                )
        elif self.expire_time_ns is not None:
            raise ValidationError(
                "expire_time_ns", self.expire_time_ns, f"is only allowed for GTD, not {tif}"
            )
        if self.post_only:
            if kind is not OrderType.LIMIT:
                raise ValidationError("post_only", True, f"is only allowed for LIMIT, not {kind}")
            if tif in _IMMEDIATE:
                raise ValidationError("post_only", True, f"contradicts time_in_force {tif}")
        if self.display_qty is not None:
            if kind not in _LIMIT_PRICED:
                raise ValidationError(
                    "display_qty", str(self.display_qty), f"is not allowed for {kind} orders"
                )
            if self.display_qty.__class__ is not Quantity or self.display_qty > self.quantity:
                raise ValidationError(
                    "display_qty", str(self.display_qty), "must be a Quantity <= quantity"
                )
        if self.quote_quantity and kind is not OrderType.MARKET:
            raise ValidationError("quote_quantity", True, f"is only allowed for MARKET, not {kind}")

    # -- convenience constructors ---------------------------------------------------------------

    @classmethod
    def market(
        cls,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        *,
        client_order_id: ClientOrderId | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        **options: Any,
    ) -> Order:
        """A market order (no price). ``client_order_id`` defaults to a fresh random id;
        ``options`` are further Order fields (``reduce_only``, ``quote_quantity``, ``tags``)."""
        return cls(
            client_order_id=client_order_id or ClientOrderId.generate(),
            instrument_id=instrument_id,
            side=side,
            order_type=OrderType.MARKET,
            quantity=quantity,
            time_in_force=time_in_force,
            **options,
        )

    @classmethod
    def limit(
        cls,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        price: Price,
        *,
        client_order_id: ClientOrderId | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        **options: Any,
    ) -> Order:
        """A limit order; ``options`` may set ``post_only``, ``expire_time_ns`` (with GTD),
        ``display_qty``, ``reduce_only``, ..."""
        return cls(
            client_order_id=client_order_id or ClientOrderId.generate(),
            instrument_id=instrument_id,
            side=side,
            order_type=OrderType.LIMIT,
            quantity=quantity,
            price=price,
            time_in_force=time_in_force,
            **options,
        )

    @classmethod
    def stop_market(
        cls,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        trigger_price: Price,
        *,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        client_order_id: ClientOrderId | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        **options: Any,
    ) -> Order:
        """A stop-market order: becomes a market order when ``trigger_price`` trades."""
        return cls(
            client_order_id=client_order_id or ClientOrderId.generate(),
            instrument_id=instrument_id,
            side=side,
            order_type=OrderType.STOP_MARKET,
            quantity=quantity,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            time_in_force=time_in_force,
            **options,
        )

    @classmethod
    def stop_limit(
        cls,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        price: Price,
        trigger_price: Price,
        *,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        client_order_id: ClientOrderId | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        **options: Any,
    ) -> Order:
        """A stop-limit order: becomes a limit order at ``price`` when ``trigger_price`` trades."""
        return cls(
            client_order_id=client_order_id or ClientOrderId.generate(),
            instrument_id=instrument_id,
            side=side,
            order_type=OrderType.STOP_LIMIT,
            quantity=quantity,
            price=price,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            time_in_force=time_in_force,
            **options,
        )

    @classmethod
    def trailing_stop_market(
        cls,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        trailing_offset: Decimal,
        *,
        trailing_offset_type: TrailingOffsetType = TrailingOffsetType.BASIS_POINTS,
        activation_price: Price | None = None,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        client_order_id: ClientOrderId | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        **options: Any,
    ) -> Order:
        """A trailing stop-market order trailing by ``trailing_offset`` (basis points by
        default), optionally starting at ``activation_price``."""
        return cls(
            client_order_id=client_order_id or ClientOrderId.generate(),
            instrument_id=instrument_id,
            side=side,
            order_type=OrderType.TRAILING_STOP_MARKET,
            quantity=quantity,
            trailing_offset=trailing_offset,
            trailing_offset_type=trailing_offset_type,
            activation_price=activation_price,
            trigger_type=trigger_type,
            time_in_force=time_in_force,
            **options,
        )

    @classmethod
    def pegged(
        cls,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: Quantity,
        peg_price_type: PegPriceType,
        *,
        peg_offset: Decimal | None = None,
        client_order_id: ClientOrderId | None = None,
        time_in_force: TimeInForce = TimeInForce.GTC,
        **options: Any,
    ) -> Order:
        """A pegged order resting at the ``peg_price_type`` reference plus ``peg_offset``
        (a signed price offset; None means none), re-priced by the venue as the reference
        moves."""
        return cls(
            client_order_id=client_order_id or ClientOrderId.generate(),
            instrument_id=instrument_id,
            side=side,
            order_type=OrderType.PEGGED,
            quantity=quantity,
            peg_price_type=peg_price_type,
            peg_offset=peg_offset,
            time_in_force=time_in_force,
            **options,
        )

    # -- queries --------------------------------------------------------------------------------

    @property
    def has_price(self) -> bool:
        """Whether the order type carries a limit price."""
        return self.order_type in _LIMIT_PRICED

    @property
    def has_trigger(self) -> bool:
        """Whether the order type waits for a trigger (stop, touch, trailing)."""
        return self.order_type in _TRIGGERED

    @property
    def is_trailing(self) -> bool:
        """Whether this is a trailing stop."""
        return self.order_type in _TRAILING

    @property
    def is_pegged(self) -> bool:
        """Whether the venue derives the price from a reference (``PEGGED``)."""
        return self.order_type is OrderType.PEGGED


def _check_orders(instance: OrderList, attribute: attrs.Attribute[object], value: object) -> None:
    if value.__class__ is not tuple or not value:
        raise ValidationError("orders", value, "must be a non-empty tuple of Order")


@attrs.frozen
class OrderList:
    """Orders submitted together (OCO, OTO, bracket): one instrument, unique client order ids."""

    order_list_id: OrderListId
    orders: tuple[Order, ...] = attrs.field(validator=_check_orders)

    def __attrs_post_init__(self) -> None:
        first = self.orders[0].instrument_id
        seen: set[ClientOrderId] = set()
        for order in self.orders:
            if not isinstance(order, Order):
                raise ValidationError("orders", order, "must contain Order objects only")
            if order.instrument_id != first:
                raise ValidationError(
                    "orders", str(order.instrument_id), f"differs from the first order's {first}"
                )
            if order.client_order_id in seen:
                raise ValidationError(
                    "orders", str(order.client_order_id), "is a duplicate client_order_id"
                )
            seen.add(order.client_order_id)

    @property
    def instrument_id(self) -> InstrumentId:
        """The instrument all orders share."""
        return self.orders[0].instrument_id
