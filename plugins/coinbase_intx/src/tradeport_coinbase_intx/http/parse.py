"""Parsers from INTX REST records to tradeport's reports: orders, fills, positions, balances.

Field names as the reference documents them (Orders > List open orders, Portfolios > List
portfolio fills / positions / balances). Numbers come as strings or JSON numbers and are read
exactly; times are RFC 3339.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

from tradeport_coinbase_intx.constants import ACCOUNT_ID
from tradeport_coinbase_intx.intx_parse import decimal_text, rfc3339_ns
from tradeport_coinbase_intx.symbology import instrument_id_of

__all__ = [
    "ACCOUNT",
    "ORDER_TYPE",
    "parse_account_state",
    "parse_fill_report",
    "parse_order_status_report",
    "parse_position_status_report",
    "parse_price",
    "parse_qty",
]

ACCOUNT: Final = AccountId(ACCOUNT_ID)
ORDER_TYPE: Final = {
    "LIMIT": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "STOP": OrderType.STOP_MARKET,
    "STOP_LIMIT": OrderType.STOP_LIMIT,
    "TAKE_PROFIT_STOP_LOSS": OrderType.STOP_LIMIT,
}
TIF: Final = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "GTT": TimeInForce.GTD,
}
#: ``event_type`` -> the order's state (``order_status`` WORKING or DONE refines it).
EVENT_STATUS: Final = {
    "NEW": OrderStatus.ACCEPTED,
    "PENDING_NEW": OrderStatus.SUBMITTED,
    "TRADE": OrderStatus.PARTIALLY_FILLED,
    "CANCELED": OrderStatus.CANCELED,
    "REPLACED": OrderStatus.ACCEPTED,
    "PENDING_CANCEL": OrderStatus.PENDING_CANCEL,
    "PENDING_REPLACE": OrderStatus.PENDING_UPDATE,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "STOP_TRIGGERED": OrderStatus.TRIGGERED,
}


def parse_price(value: Any, instrument: Instrument | None) -> Price:
    """A price in the instrument's precision (the printed one when unknown)."""
    price = Price.from_str(decimal_text(value))
    return instrument.make_price(price.as_decimal()) if instrument is not None else price


def parse_qty(value: Any, instrument: Instrument | None) -> Quantity:
    """A quantity in the instrument's precision (the printed one when unknown)."""
    qty = Quantity.from_str(decimal_text(value))
    return instrument.make_qty(qty.as_decimal()) if instrument is not None else qty


def _opt_price(value: Any, instrument: Instrument | None) -> Price | None:
    if value in (None, "") or not Decimal(decimal_text(value)):
        return None
    return parse_price(value, instrument)


def _status(record: Mapping[str, Any], filled: Decimal, size: Decimal) -> OrderStatus:
    event = record.get("event_type", "NEW")
    done = record.get("order_status") == "DONE"
    if filled >= size and filled > 0:
        return OrderStatus.FILLED
    status = EVENT_STATUS.get(event, OrderStatus.ACCEPTED)
    if event == "TRADE" and not filled:
        status = OrderStatus.ACCEPTED
    if done and status not in (OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED):
        status = OrderStatus.CANCELED
    return status


def parse_order_status_report(
    record: Mapping[str, Any], instrument: Instrument | None, ts_init: int
) -> OrderStatusReport:
    """The venue's view of one order (``POST/GET /api/v1/orders`` records)."""
    size = Decimal(decimal_text(record["size"]))
    filled = Decimal(decimal_text(record.get("exec_qty") or "0"))
    avg = Decimal(decimal_text(record.get("avg_price") or "0"))
    kind = record["type"]
    price_key = "stop_limit_price" if kind == "STOP_LIMIT" else "price"
    ts_event = rfc3339_ns(record["event_time"]) if record.get("event_time") else ts_init
    submitted = rfc3339_ns(record["submit_time"]) if record.get("submit_time") else ts_event
    expire = record.get("expire_time")
    status = _status(record, filled, size)
    return OrderStatusReport(
        account_id=ACCOUNT,
        instrument_id=instrument_id_of(record["symbol"]),
        client_order_id=ClientOrderId(str(record["client_order_id"]))
        if record.get("client_order_id")
        else None,
        venue_order_id=VenueOrderId(str(record["order_id"])),
        order_side=OrderSide(record["side"]),
        order_type=ORDER_TYPE[kind],
        time_in_force=TIF.get(record.get("tif", "GTC"), TimeInForce.GTC),
        order_status=status,
        quantity=parse_qty(size, instrument),
        filled_qty=parse_qty(filled, instrument),
        price=_opt_price(record.get(price_key), instrument),
        trigger_price=_opt_price(record.get("stop_price"), instrument)
        if kind in ("STOP", "STOP_LIMIT", "TAKE_PROFIT_STOP_LOSS")
        else None,
        avg_px=avg or None,
        expire_time_ns=rfc3339_ns(expire) if expire and record.get("tif") == "GTT" else None,
        post_only=bool(record.get("post_only")),
        reduce_only=bool(record.get("close_only")),
        cancel_reason=record.get("text")
        if status in (OrderStatus.CANCELED, OrderStatus.REJECTED)
        else None,
        ts_accepted=submitted,
        ts_triggered=ts_event if record.get("event_type") == "STOP_TRIGGERED" else None,
        ts_last=ts_event,
        ts_init=ts_init,
    )


def parse_fill_report(
    record: Mapping[str, Any], instrument: Instrument | None, ts_init: int
) -> FillReport:
    """One fill (``/portfolios/{p}/fills``); its trade id is the ``exec_id``, as the FIX
    ExecutionReport's ExecID (17), so a fill seen on both is published once."""
    return FillReport(
        account_id=ACCOUNT,
        instrument_id=instrument_id_of(record["symbol"]),
        venue_order_id=VenueOrderId(str(record["order_id"])),
        client_order_id=ClientOrderId(str(record["client_order_id"]))
        if record.get("client_order_id")
        else None,
        trade_id=TradeId(str(record["exec_id"])),
        order_side=OrderSide(record["side"]),
        last_qty=parse_qty(record["fill_qty"], instrument),
        last_px=parse_price(record["fill_price"], instrument),
        commission=Money(decimal_text(record.get("fee") or "0"), record.get("fee_asset") or "USDC"),
        liquidity_side={"MAKER": LiquiditySide.MAKER, "TAKER": LiquiditySide.TAKER}.get(
            str(record.get("liquidity") or ""), LiquiditySide.NO_LIQUIDITY_SIDE
        ),
        ts_event=rfc3339_ns(record["event_time"]),
        ts_init=ts_init,
    )


def parse_position_status_report(
    record: Mapping[str, Any], instrument: Instrument | None, ts_init: int
) -> PositionStatusReport:
    """One position (``/portfolios/{p}/positions``): ``net_size`` signed, ``vwap`` the
    entry price, ``unrealized_pnl`` in USDC."""
    net = Decimal(decimal_text(record["net_size"]))
    side = PositionSide.LONG if net > 0 else PositionSide.SHORT if net < 0 else PositionSide.FLAT
    vwap = record.get("vwap")
    pnl = record.get("unrealized_pnl")
    return PositionStatusReport(
        account_id=ACCOUNT,
        instrument_id=instrument_id_of(record["symbol"]),
        position_side=side,
        quantity=parse_qty(abs(net), instrument),
        avg_px_open=Decimal(decimal_text(vwap)) if vwap and side is not PositionSide.FLAT else None,
        unrealized_pnl=Money(decimal_text(pnl), "USDC") if pnl is not None else None,
        ts_last=ts_init,
        ts_init=ts_init,
    )


def parse_account_state(records: Sequence[Mapping[str, Any]], ts_init: int) -> AccountState:
    """Every balance of the portfolio (``/portfolios/{p}/balances``): total ``quantity``,
    ``hold`` locked."""
    balances = []
    for record in records:
        asset = record["asset_name"]
        total = Decimal(decimal_text(record["quantity"]))
        locked = Decimal(decimal_text(record.get("hold") or "0"))
        balances.append(
            AccountBalance(
                total=Money(total, asset),
                locked=Money(locked, asset),
                free=Money(total - locked, asset),
            )
        )
    return AccountState(
        account_id=ACCOUNT,
        account_type=AccountType.MARGIN,
        balances=tuple(balances),
        reported=True,
        ts_event=ts_init,
        ts_init=ts_init,
    )
