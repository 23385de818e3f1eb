"""Parsers of the indexer's private records (REST and ``v4_subaccounts`` share the shapes) to
reconciliation reports.

Shapes (v4-chain ``indexer/services/comlink/public/api-documentation.md`` and
``indexer/packages/postgres/src/types/websocket-message-types.ts``):

* order: ``id`` (UUID), ``clientId``, ``clobPairId``, ``side``, ``size``, ``totalFilled``,
  ``price``, ``type``, ``status`` (OPEN, FILLED, CANCELED, BEST_EFFORT_CANCELED, UNTRIGGERED,
  ERROR, BEST_EFFORT_OPENED), ``timeInForce`` (GTT, IOC, FOK), ``postOnly``, ``reduceOnly``,
  ``orderFlags``, ``goodTilBlock`` / ``goodTilBlockTime``, ``updatedAt``, ``ticker``, and on
  stream removals ``removalReason`` (``ORDER_REMOVAL_REASON_EXPIRED`` for a stateful order past
  its good-til-block-time, ``..._INDEXER_EXPIRED`` for a short-term order past its
  good-til-block);
* fill: ``id``, ``side``, ``liquidity`` (TAKER, MAKER), ``type``, ``market`` (REST) or
  ``ticker`` (stream), ``price``, ``size``, ``fee`` (USDC; negative is a rebate),
  ``createdAt``, ``orderId``;
* perpetual position: ``market``, ``status``, ``side`` (LONG, SHORT), ``size`` (signed),
  ``entryPrice``, ``unrealizedPnl``;
* subaccount: ``equity``, ``freeCollateral``, ``assetPositions`` (USDC), ``openPerpetualPositions``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from tradeport.model.enums import (
    AccountType,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from tradeport.model.identifiers import AccountId, ClientOrderId, TradeId, VenueOrderId
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.reports import (
    AccountBalance,
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)

from tradeport_dydx.constants import SETTLE_CURRENCY
from tradeport_dydx.http.parse import iso_to_ns

__all__ = [
    "OPEN_STATUSES",
    "removal_expired",
    "parse_order_report",
    "parse_fill_report",
    "parse_position_report",
    "parse_account_state",
]

#: Indexer statuses of an order still working.
OPEN_STATUSES: Final = frozenset({"OPEN", "BEST_EFFORT_OPENED", "UNTRIGGERED"})
_CANCELED: Final = frozenset({"CANCELED", "BEST_EFFORT_CANCELED"})
_TYPES: Final = {
    "LIMIT": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "STOP_LIMIT": OrderType.STOP_LIMIT,
    "STOP_MARKET": OrderType.STOP_MARKET,
    "TAKE_PROFIT": OrderType.LIMIT_IF_TOUCHED,
    "TAKE_PROFIT_MARKET": OrderType.MARKET_IF_TOUCHED,
}
_SIDES: Final = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}


def removal_expired(record: Mapping[str, Any]) -> bool:
    """Whether a removal names an expiry (``ORDER_REMOVAL_REASON_EXPIRED`` or ``..._INDEXER_EXPIRED``)."""
    return "EXPIRED" in str(record.get("removalReason") or "")


def _status(record: Mapping[str, Any], filled: Decimal, expired: bool) -> OrderStatus:
    status = str(record.get("status"))
    if status in OPEN_STATUSES:
        return OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.ACCEPTED
    if status == "FILLED":
        return OrderStatus.FILLED
    if status in _CANCELED:
        return OrderStatus.EXPIRED if expired or removal_expired(record) else OrderStatus.CANCELED
    if status == "ERROR":
        return OrderStatus.REJECTED
    raise ValueError(f"unknown order status {status!r}")


def _time_in_force(record: Mapping[str, Any]) -> TimeInForce:
    tif = str(record.get("timeInForce") or "GTT")
    if str(record.get("orderFlags")) == "32" and str(record.get("type")) in (
        "STOP_MARKET",
        "TAKE_PROFIT_MARKET",
    ):
        tif = "GTT"  # a conditional market order waits until its time, then executes IOC
    if tif == "IOC":
        return TimeInForce.IOC
    if tif == "FOK":
        return TimeInForce.FOK
    return TimeInForce.GTD if record.get("goodTilBlockTime") else TimeInForce.GTC


def parse_order_report(
    record: Mapping[str, Any],
    instrument: Instrument,
    account_id: AccountId,
    client_order_id: ClientOrderId | None,
    *,
    expired: bool = False,
    ts_init: int | None = None,
) -> OrderStatusReport:
    """An indexer order record -> OrderStatusReport. ``expired`` marks a cancel the client
    knows to be the order's expiry (a short-term order past its good-til-block)."""
    now = ts_init if ts_init is not None else time.time_ns()
    size = Decimal(str(record["size"]))
    # Stream removals carry the matching engine's view (totalOptimisticFilled) instead.
    filled = Decimal(str(record.get("totalFilled") or record.get("totalOptimisticFilled") or 0))
    updated = record.get("updatedAt") or record.get("createdAt")
    ts_last = iso_to_ns(str(updated)) if updated else now
    created = record.get("createdAt")
    trigger = record.get("triggerPrice")
    gtbt = record.get("goodTilBlockTime")
    # A conditional order (flags 32) past UNTRIGGERED has triggered (the indexer keeps no
    # trigger time: the row's update time stands for it).
    conditional = str(record.get("orderFlags")) == "32"
    triggered = conditional and (
        str(record.get("status")) in ("OPEN", "BEST_EFFORT_OPENED", "FILLED") or filled > 0
    )
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        client_order_id=client_order_id,
        venue_order_id=VenueOrderId(str(record["id"])),
        order_side=_SIDES[str(record["side"])],
        order_type=_TYPES.get(str(record.get("type")), OrderType.LIMIT),
        time_in_force=_time_in_force(record),
        order_status=_status(record, filled, expired),
        quantity=Quantity(size, instrument.size_precision),
        filled_qty=Quantity(filled, instrument.size_precision),
        price=Price(Decimal(str(record["price"])), instrument.price_precision),
        trigger_price=Price(Decimal(str(trigger)), instrument.price_precision) if trigger else None,
        expire_time_ns=iso_to_ns(str(gtbt)) if gtbt else None,
        post_only=bool(record.get("postOnly")),
        reduce_only=bool(record.get("reduceOnly")),
        cancel_reason=str(record["removalReason"]) if record.get("removalReason") else None,
        ts_accepted=iso_to_ns(str(created)) if created else ts_last,
        ts_triggered=ts_last if triggered else None,
        ts_last=ts_last,
        ts_init=now,
    )


def parse_fill_report(
    record: Mapping[str, Any],
    instrument: Instrument,
    account_id: AccountId,
    client_order_id: ClientOrderId | None,
    *,
    ts_init: int | None = None,
) -> FillReport:
    """An indexer fill record -> FillReport (final: a fill is reported once its block is
    committed, and CometBFT blocks are final)."""
    now = ts_init if ts_init is not None else time.time_ns()
    return FillReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(str(record["orderId"])),
        client_order_id=client_order_id,
        trade_id=TradeId(str(record["id"])),
        order_side=_SIDES[str(record["side"])],
        last_qty=Quantity(Decimal(str(record["size"])), instrument.size_precision),
        last_px=Price(Decimal(str(record["price"])), instrument.price_precision),
        commission=Money(Decimal(str(record.get("fee") or 0)), SETTLE_CURRENCY),
        liquidity_side=(
            LiquiditySide.MAKER if record.get("liquidity") == "MAKER" else LiquiditySide.TAKER
        ),
        ts_event=iso_to_ns(str(record["createdAt"])),
        ts_init=now,
    )


def parse_position_report(
    record: Mapping[str, Any], instrument: Instrument, account_id: AccountId, ts_init: int
) -> PositionStatusReport:
    """A perpetual position record (``size`` signed, ``side`` LONG / SHORT)."""
    size = abs(Decimal(str(record["size"])))
    side = (
        PositionSide.FLAT
        if size == 0
        else PositionSide.LONG
        if record.get("side") == "LONG"
        else PositionSide.SHORT
    )
    pnl = record.get("unrealizedPnl")
    entry = record.get("entryPrice")
    return PositionStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        position_side=side,
        quantity=Quantity(size, instrument.size_precision),
        avg_px_open=Decimal(str(entry)) if entry and size else None,
        unrealized_pnl=Money(Decimal(str(pnl)), SETTLE_CURRENCY) if pnl is not None else None,
        ts_last=ts_init,
        ts_init=ts_init,
    )


def parse_account_state(
    subaccount: Mapping[str, Any], account_id: AccountId, ts_init: int
) -> AccountState:
    """``GET /v4/addresses/{address}/subaccountNumber/{n}`` -> AccountState: USDC total is the
    subaccount's ``equity``, free its ``freeCollateral`` (what new orders can use), locked the
    margin in between."""
    equity = Decimal(str(subaccount.get("equity") or 0))
    free = Decimal(str(subaccount.get("freeCollateral") or 0))
    return AccountState(
        account_id=account_id,
        account_type=AccountType.MARGIN,
        base_currency=SETTLE_CURRENCY,
        balances=(
            AccountBalance(
                total=Money(equity, SETTLE_CURRENCY),
                locked=Money(equity - free, SETTLE_CURRENCY),
                free=Money(free, SETTLE_CURRENCY),
            ),
        ),
        ts_event=ts_init,
        ts_init=ts_init,
    )
