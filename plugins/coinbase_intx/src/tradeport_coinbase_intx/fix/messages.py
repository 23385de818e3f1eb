"""ExecutionReport (35=8) of the drop-copy session, both ways.

The INTX FIX API is FIX 5.0 SP2 (DefaultApplVerID 1137=9) with the standard ExecutionReport
tags: OrderID (37), ClOrdID (11), ExecID (17), ExecType (150), OrdStatus (39), Symbol (55),
Side (54), OrderQty (38), OrdType (40), Price (44), StopPx (99), TimeInForce (59),
LastQty (32), LastPx (31), CumQty (14), LeavesQty (151), AvgPx (6), Commission (12),
TransactTime (60), AggressorIndicator (1057: Y taker, N maker), Text (58).

:func:`parse_execution_report` gives an :class:`~tradeport.model.reports.OrderStatusReport`
and, for a trade (150=F), a :class:`~tradeport.model.reports.FillReport` whose trade id is the
ExecID, so the core's OrderTracker publishes each report once however often it arrives (a
resend after a gap, a REST query after a reconnect).
"""

from __future__ import annotations

import calendar
import time
from decimal import Decimal
from typing import Any, Final

from tradeport.clients.orders import OrderTracker
from tradeport.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from tradeport.model.events import AnyOrderEvent
from tradeport.model.identifiers import ClientOrderId, TradeId, VenueOrderId
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Money
from tradeport.model.reports import FillReport, OrderStatusReport
from tradeport.net import FixMessage

from tradeport_coinbase_intx.http.parse import ACCOUNT, parse_price, parse_qty
from tradeport_coinbase_intx.symbology import instrument_id_of

__all__ = [
    "EXEC_TYPE_TRADE",
    "apply_execution_report",
    "execution_report_fields",
    "fix_time_ns",
    "parse_execution_report",
]

EXEC_TYPE_TRADE: Final = "F"
#: "Triggered or activated by system" (a stop order's trigger).
EXEC_TYPE_TRIGGERED: Final = "L"

SIDE: Final = {"1": OrderSide.BUY, "2": OrderSide.SELL}
FIX_SIDE: Final = {v: k for k, v in SIDE.items()}
ORD_TYPE: Final = {
    "1": OrderType.MARKET,
    "2": OrderType.LIMIT,
    "3": OrderType.STOP_MARKET,
    "4": OrderType.STOP_LIMIT,
}
FIX_ORD_TYPE: Final = {v: k for k, v in ORD_TYPE.items()}
TIF: Final = {
    "1": TimeInForce.GTC,
    "3": TimeInForce.IOC,
    "4": TimeInForce.FOK,
    "6": TimeInForce.GTD,
}
FIX_TIF: Final = {v: k for k, v in TIF.items()}
ORD_STATUS: Final = {
    "0": OrderStatus.ACCEPTED,
    "1": OrderStatus.PARTIALLY_FILLED,
    "2": OrderStatus.FILLED,
    "4": OrderStatus.CANCELED,
    "5": OrderStatus.ACCEPTED,  # replaced: working with the new terms
    "6": OrderStatus.PENDING_CANCEL,
    "8": OrderStatus.REJECTED,
    "A": OrderStatus.SUBMITTED,
    "C": OrderStatus.EXPIRED,
    "E": OrderStatus.PENDING_UPDATE,
}
FIX_ORD_STATUS: Final = {
    OrderStatus.ACCEPTED: "0",
    OrderStatus.TRIGGERED: "0",
    OrderStatus.PARTIALLY_FILLED: "1",
    OrderStatus.FILLED: "2",
    OrderStatus.CANCELED: "4",
    OrderStatus.REJECTED: "8",
    OrderStatus.EXPIRED: "C",
}


def fix_time_ns(value: str) -> int:
    """A FIX UTCTimestamp (``YYYYMMDD-HH:MM:SS[.sss...]``) as UNIX nanoseconds."""
    whole, _, fraction = value.partition(".")
    seconds = calendar.timegm(time.strptime(whole, "%Y%m%d-%H:%M:%S"))
    digits = (fraction + "000000000")[:9]
    return seconds * 1_000_000_000 + int(digits)


def fix_time(ns: int) -> str:
    """UNIX nanoseconds as a FIX UTCTimestamp with milliseconds."""
    seconds, rest = divmod(ns, 1_000_000_000)
    return time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(seconds)) + f".{rest // 1_000_000:03d}"


def _decimal(message: FixMessage, tag: int) -> Decimal | None:
    value = message.get(tag)
    return Decimal(value) if value not in (None, "") else None


def parse_execution_report(
    message: FixMessage, instrument: Instrument | None, ts_init: int
) -> tuple[OrderStatusReport, FillReport | None]:
    """The order's state after this report and, for a trade, the fill it reports."""
    symbol = message[55]
    instrument_id = instrument_id_of(symbol)
    side = SIDE[message[54]]
    ts_event = fix_time_ns(message.get(60) or message[52])
    client_order_id = message.get(11)
    venue_order_id = VenueOrderId(message[37])
    price = message.get(44)
    stop = message.get(99)
    avg = _decimal(message, 6)
    status = ORD_STATUS[message[39]]
    if message.get(150) == EXEC_TYPE_TRIGGERED and status is OrderStatus.ACCEPTED:
        status = OrderStatus.TRIGGERED
    report = OrderStatusReport(
        account_id=ACCOUNT,
        instrument_id=instrument_id,
        client_order_id=ClientOrderId(client_order_id) if client_order_id else None,
        venue_order_id=venue_order_id,
        order_side=side,
        order_type=ORD_TYPE.get(message.get(40) or "2", OrderType.LIMIT),
        time_in_force=TIF.get(message.get(59) or "1", TimeInForce.GTC),
        order_status=status,
        quantity=parse_qty(message[38], instrument),
        filled_qty=parse_qty(message.get(14) or "0", instrument),
        price=parse_price(price, instrument) if price and Decimal(price) else None,
        trigger_price=parse_price(stop, instrument) if stop and Decimal(stop) else None,
        avg_px=avg if avg else None,
        cancel_reason=message.get(58)
        if status in (OrderStatus.CANCELED, OrderStatus.REJECTED)
        else None,
        ts_accepted=ts_event,
        ts_triggered=ts_event if message.get(150) == EXEC_TYPE_TRIGGERED else None,
        ts_last=ts_event,
        ts_init=ts_init,
    )
    fill = None
    if message.get(150) == EXEC_TYPE_TRADE:
        aggressor = message.get(1057)
        fill = FillReport(
            account_id=ACCOUNT,
            instrument_id=instrument_id,
            venue_order_id=venue_order_id,
            client_order_id=report.client_order_id,
            trade_id=TradeId(message[17]),
            order_side=side,
            last_qty=parse_qty(message[32], instrument),
            last_px=parse_price(message[31], instrument),
            commission=Money(message.get(12) or "0", message.get(479) or _fee_asset(instrument)),
            liquidity_side=(
                LiquiditySide.TAKER
                if aggressor == "Y"
                else LiquiditySide.MAKER
                if aggressor == "N"
                else LiquiditySide.NO_LIQUIDITY_SIDE
            ),
            ts_event=ts_event,
            ts_init=ts_init,
        )
    return report, fill


def _fee_asset(instrument: Instrument | None) -> str:
    if instrument is None:
        return "USDC"
    return str(instrument.settlement_currency)


def execution_report_fields(
    *,
    exec_id: str,
    exec_type: str,
    order_id: str,
    client_order_id: str | None,
    symbol: str,
    side: OrderSide,
    order_type: OrderType,
    time_in_force: TimeInForce,
    status: OrderStatus,
    quantity: Decimal,
    filled: Decimal,
    price: Decimal | None,
    trigger_price: Decimal | None,
    avg_price: Decimal | None,
    ts_ns: int,
    last_qty: Decimal | None = None,
    last_px: Decimal | None = None,
    commission: Decimal | None = None,
    commission_asset: str | None = None,
    taker: bool | None = None,
    text: str | None = None,
) -> list[tuple[int, Any]]:
    """The body of an ExecutionReport as the venue sends it (for the mock venue)."""
    fields: list[tuple[int, Any]] = [
        (37, order_id),
        (17, exec_id),
        (150, exec_type),
        (39, FIX_ORD_STATUS.get(status, "0")),
        (55, symbol),
        (54, FIX_SIDE[side]),
        (38, quantity),
        (40, FIX_ORD_TYPE.get(order_type, "2")),
        (59, FIX_TIF.get(time_in_force, "1")),
        (14, filled),
        (
            151,
            max(quantity - filled, Decimal(0))
            if status in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED, OrderStatus.TRIGGERED)
            else 0,
        ),
        (60, fix_time(ts_ns)),
    ]
    if client_order_id:
        fields.insert(1, (11, client_order_id))
    if price is not None:
        fields.append((44, price))
    if trigger_price is not None:
        fields.append((99, trigger_price))
    if avg_price:
        fields.append((6, avg_price))
    if exec_type == EXEC_TYPE_TRADE:
        fields += [(32, last_qty), (31, last_px), (12, commission or 0)]
        if commission_asset:
            fields.append((479, commission_asset))
        if taker is not None:
            fields.append((1057, "Y" if taker else "N"))
    if text:
        fields.append((58, text))
    return fields


def apply_execution_report(
    tracker: OrderTracker, message: FixMessage, instrument: Instrument | None, ts_init: int
) -> list[AnyOrderEvent]:
    """Feed one ExecutionReport to the core's tracker: the order's state with the fill it
    reports (a trade). The tracker keys fills by trade id (ExecID) and orders by their state,
    so a report seen twice (resent, or also found by a REST query) publishes nothing new."""
    report, fill = parse_execution_report(message, instrument, ts_init)
    return tracker.on_order_report(report, [fill] if fill is not None else [])
