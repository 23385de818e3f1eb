"""Rendering SimulatedExchange state as BitMEX records (the mock venue's payloads).

Shapes follow BitMEX's REST explorer models and the test payloads in tests/test_data. Numbers
are JSON numbers as BitMEX sends them; account amounts are in minor units (XBt, USDt).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradeport.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PegPriceType,
    PositionSide,
    ProductType,
    TimeInForce,
    TriggerType,
)
from tradeport_conformance.simulated import (
    SimBalance,
    SimFill,
    SimInstrument,
    SimOrder,
    SimPosition,
)

__all__ = [
    "ACCOUNT",
    "MINOR",
    "execution_row",
    "instrument_record",
    "iso",
    "margin_row",
    "num",
    "order_row",
    "order_update_row",
    "position_row",
    "wallet_row",
]

ACCOUNT = 1234567
#: Asset -> (BitMEX currency, minor units per major unit).
MINOR = {"XBT": ("XBt", 10**8), "USDT": ("USDt", 10**6)}

_SIDE = {OrderSide.BUY: "Buy", OrderSide.SELL: "Sell"}
_ORD_TYPE = {
    OrderType.MARKET: "Market",
    OrderType.LIMIT: "Limit",
    OrderType.STOP_MARKET: "Stop",
    OrderType.STOP_LIMIT: "StopLimit",
    OrderType.MARKET_IF_TOUCHED: "MarketIfTouched",
    OrderType.LIMIT_IF_TOUCHED: "LimitIfTouched",
    OrderType.TRAILING_STOP_MARKET: "Stop",
    OrderType.TRAILING_STOP_LIMIT: "StopLimit",
    OrderType.PEGGED: "Pegged",
}
_PEG = {PegPriceType.PRIMARY: "PrimaryPeg", PegPriceType.MARKET: "MarketPeg"}
_TIF = {
    TimeInForce.GTC: "GoodTillCancel",
    TimeInForce.IOC: "ImmediateOrCancel",
    TimeInForce.FOK: "FillOrKill",
    TimeInForce.DAY: "Day",
}
_STATUS = {
    OrderStatus.SUBMITTED: "New",
    OrderStatus.ACCEPTED: "New",
    OrderStatus.TRIGGERED: "New",
    OrderStatus.PENDING_UPDATE: "New",
    OrderStatus.PENDING_CANCEL: "New",
    OrderStatus.PARTIALLY_FILLED: "PartiallyFilled",
    OrderStatus.FILLED: "Filled",
    OrderStatus.CANCELED: "Canceled",
    OrderStatus.EXPIRED: "Canceled",  # BitMEX reports expired Day orders as Canceled
    OrderStatus.REJECTED: "Rejected",
}
_TRIGGER = {
    TriggerType.MARK_PRICE: "MarkPrice",
    TriggerType.INDEX_PRICE: "IndexPrice",
    TriggerType.LAST_PRICE: "LastPrice",
}
_TRAILING = (OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT)
#: The ``order`` table's key (``"keys": ["orderID"]`` in its partial, tests/test_data SOURCES [A]).
_ORDER_KEYS = ("orderID",)
_TYP = {ProductType.PERPETUAL: "FFWCSX", ProductType.FUTURE: "FFCCSX", ProductType.SPOT: "IFXXXP"}


def num(value: Decimal | None) -> int | Decimal | None:
    """A Decimal as the JSON number BitMEX would send (int when integral): a Decimal goes out
    as a JSON number with every digit (``json_codec.dumps_venue``), never through a float."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return value


def iso(ns: int) -> str:
    """UNIX ns as BitMEX's timestamp text."""
    moment = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{(ns // 1_000_000) % 1000:03d}Z"


def minor(amount: Decimal, asset: str) -> tuple[str, int | Decimal | None]:
    """An amount in BitMEX's unit of ``asset`` (satoshis for XBT)."""
    unit = MINOR.get(asset)
    if unit is None:
        return asset, num(amount)
    currency, scale = unit
    return currency, int((amount * scale).to_integral_value())


def instrument_record(sim: SimInstrument, ts: int) -> dict[str, Any]:
    """A BitMEX ``instrument`` record for a simulated instrument (static fields only)."""
    meta = sim.meta
    settle = MINOR.get(sim.settlement_asset, (sim.settlement_asset, 1))[0]
    record: dict[str, Any] = {
        "symbol": sim.symbol,
        "rootSymbol": sim.base_asset,
        "state": "Open",
        "typ": _TYP[sim.product_type],
        "listing": meta.get("listing", "2016-05-13T12:00:00.000Z"),
        "front": meta.get("listing", "2016-05-13T12:00:00.000Z"),
        "expiry": meta.get("expiry"),
        "positionCurrency": meta.get("positionCurrency", ""),
        "underlying": sim.base_asset,
        "quoteCurrency": sim.quote_asset,
        "maxOrderQty": num(sim.max_qty) if sim.max_qty is not None else 10_000_000,
        "maxPrice": 1_000_000,
        "lotSize": num(sim.lot_size),
        "tickSize": num(sim.tick_size),
        "multiplier": meta.get("multiplier", 0),
        "settlCurrency": settle,
        "isQuanto": False,
        "isInverse": sim.is_inverse,
        "initMargin": num(sim.initial_margin_rate),
        "maintMargin": num(sim.initial_margin_rate / 2),
        "makerFee": num(sim.maker_fee),
        "takerFee": num(sim.taker_fee),
        "timestamp": iso(ts),
    }
    return record


def _peg_text(order: SimOrder) -> str:
    """``pegPriceType``: a Pegged order's reference, TrailingStopPeg for a trailing stop."""
    if order.order_type in _TRAILING:
        return "TrailingStopPeg"
    return _PEG.get(order.peg_price_type, "") if order.peg_price_type else ""


def _peg_offset(order: SimOrder) -> Decimal | None:
    """``pegOffsetValue``: signed like BitMEX's (a trailing sell stop trails below the market)."""
    if order.order_type in _TRAILING and order.trailing_offset is not None:
        return -order.trailing_offset if order.side is OrderSide.SELL else order.trailing_offset
    return order.peg_offset


def order_row(order: SimOrder, ts: int | None = None) -> dict[str, Any]:
    """A BitMEX ``order`` record."""
    exec_inst = []
    if order.post_only:
        exec_inst.append("ParticipateDoNotInitiate")
    if order.reduce_only:
        exec_inst.append("ReduceOnly")
    if order.trigger_type in _TRIGGER:
        exec_inst.append(_TRIGGER[order.trigger_type])
    text = "Submitted via API."
    cause = order.cancel_cause.value if order.cancel_cause is not None else ""
    if cause == "POST_ONLY_WOULD_CROSS":
        text = "Canceled: Order had execInst of ParticipateDoNotInitiate\nSubmitted via API."
    elif order.status is OrderStatus.CANCELED:
        text = "Canceled: Cancel from www.bitmex.com\nSubmitted via API."
    elif order.status is OrderStatus.EXPIRED:
        text = "Canceled: Order had timeInForce of Day"
    return {
        "orderID": order.venue_order_id,
        "clOrdID": order.client_order_id or "",
        "clOrdLinkID": "",
        "account": ACCOUNT,
        "symbol": order.symbol,
        "side": _SIDE[order.side],
        "orderQty": num(order.quantity),
        "price": num(order.price),
        "displayQty": None,
        "stopPx": num(order.trigger_price),
        "pegOffsetValue": num(_peg_offset(order)),
        "pegPriceType": _peg_text(order),
        "currency": "USD",
        "settlCurrency": "XBt",
        "ordType": _ORD_TYPE.get(order.order_type, "Limit"),
        "timeInForce": _TIF.get(order.time_in_force, "GoodTillCancel"),
        "execInst": ",".join(exec_inst),
        "contingencyType": "",
        "ordStatus": _STATUS[order.status],
        "triggered": "StopOrderTriggered" if order.ts_triggered is not None else "",
        "workingIndicator": order.status.is_open,
        "ordRejReason": "",
        "leavesQty": num(order.leaves_qty if order.status.is_open else Decimal(0)),
        "cumQty": num(order.filled_qty),
        "avgPx": num(order.avg_px),
        "multiLegReportingType": "SingleSecurity",
        "text": text,
        "transactTime": iso(order.ts_created),
        "timestamp": iso(ts if ts is not None else order.ts_updated),
    }


def order_update_row(previous: SimOrder, order: SimOrder, ts: int) -> dict[str, Any]:
    """An ``order`` ``update`` row as BitMEX streams one: the table's key and the columns that
    changed since ``previous`` (a moved trailing stop: ``stopPx`` and ``timestamp``), like the
    ``orderBookL2`` update of tests/test_data carries its keys and the changed ``size``."""
    old, new = order_row(previous), order_row(order, ts)
    row = {key: new[key] for key in _ORDER_KEYS}
    row.update((name, value) for name, value in new.items() if old.get(name) != value)
    return row


def execution_row(fill: SimFill, order: SimOrder | None, exec_id: str) -> dict[str, Any]:
    """A BitMEX ``execution`` record of execType Trade."""
    asset = fill.commission_asset or "XBT"
    currency, comm = minor(fill.commission, asset)
    return {
        "execID": exec_id,
        "orderID": fill.venue_order_id,
        "clOrdID": fill.client_order_id or "",
        "account": ACCOUNT,
        "symbol": fill.symbol,
        "side": _SIDE[fill.side],
        "lastQty": num(fill.quantity),
        "lastPx": num(fill.price),
        "lastLiquidityInd": (
            "AddedLiquidity" if fill.liquidity_side is LiquiditySide.MAKER else "RemovedLiquidity"
        ),
        "orderQty": num(order.quantity) if order else None,
        "price": num(order.price) if order else None,
        "currency": "USD",
        "settlCurrency": currency,
        "execType": "Trade",
        "ordType": _ORD_TYPE.get(order.order_type, "Limit") if order else "Limit",
        "ordStatus": _STATUS[order.status] if order else "Filled",
        "leavesQty": num(order.leaves_qty) if order else 0,
        "cumQty": num(order.filled_qty) if order else num(fill.quantity),
        "avgPx": num(order.avg_px) if order else num(fill.price),
        "trdMatchID": fill.trade_id,
        "execComm": comm,
        "text": "Submitted via API.",
        "transactTime": iso(fill.ts),
        "timestamp": iso(fill.ts),
    }


def position_row(position: SimPosition) -> dict[str, Any]:
    """A BitMEX ``position`` record (signed ``currentQty``, amounts in minor units)."""
    currency, pnl = minor(position.unrealized_pnl, position.settle_asset)
    return {
        "account": ACCOUNT,
        "symbol": position.symbol,
        "currency": currency,
        "currentQty": num(position.signed_quantity),
        "avgEntryPrice": num(position.avg_entry_price) if position.quantity else None,
        "unrealisedPnl": pnl,
        "isOpen": position.side is not PositionSide.FLAT,
        "timestamp": iso(position.ts_updated),
        "currentTimestamp": iso(position.ts_updated),
    }


def margin_row(balance: SimBalance, ts: int) -> dict[str, Any]:
    """A BitMEX ``margin`` record of a margin currency."""
    currency, total = minor(balance.total, balance.asset)
    _, free = minor(balance.free, balance.asset)
    _, locked = minor(balance.locked, balance.asset)
    return {
        "account": ACCOUNT,
        "currency": currency,
        "amount": total,
        "walletBalance": total,
        "marginBalance": total,
        "availableMargin": free,
        "initMargin": locked,
        "maintMargin": 0,
        "unrealisedPnl": 0,
        "timestamp": iso(ts),
    }


def wallet_row(balance: SimBalance, ts: int) -> dict[str, Any]:
    """A BitMEX ``wallet`` record."""
    currency, amount = minor(balance.total, balance.asset)
    return {"account": ACCOUNT, "currency": currency, "amount": amount, "timestamp": iso(ts)}
