"""Rendering SimulatedExchange state as OKX v5 records (the shapes of OKX's documented
examples: instruments, orders, fills, positions, balances, book levels)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeport.model.enums import LiquiditySide, OrderStatus, OrderType, PositionSide, ProductType
from tradeport_conformance.simulated import SimBalance, SimFill, SimInstrument, SimOrder
from tradeport_conformance.simulated.records import SimPosition

from tradeport_okx.websocket.checksum import okx_number

__all__ = [
    "INST_TYPE",
    "num",
    "ms",
    "instrument_record",
    "order_record",
    "fill_record",
    "position_record",
    "balance_record",
    "levels",
]

INST_TYPE = {
    ProductType.SPOT: "SPOT",
    ProductType.PERPETUAL: "SWAP",
    ProductType.FUTURE: "FUTURES",
    ProductType.OPTION: "OPTION",
}
_STATE = {
    OrderStatus.SUBMITTED: "live",
    OrderStatus.ACCEPTED: "live",
    OrderStatus.TRIGGERED: "live",
    OrderStatus.PENDING_UPDATE: "live",
    OrderStatus.PENDING_CANCEL: "live",
    OrderStatus.PARTIALLY_FILLED: "partially_filled",
    OrderStatus.FILLED: "filled",
    OrderStatus.CANCELED: "canceled",
    OrderStatus.EXPIRED: "canceled",
    OrderStatus.REJECTED: "canceled",
}


def num(value: Decimal | None) -> str:
    """A decimal as OKX writes it (plain, no trailing zeros); None -> ""."""
    if value is None:
        return ""
    return okx_number(format(value, "f"))


def ms(ns: int | None) -> str:
    """Nanoseconds -> OKX millisecond string; None/0 -> ""."""
    return str(ns // 1_000_000) if ns else ""


def instrument_record(inst: SimInstrument, state: str = "live") -> dict[str, Any]:
    """An ``/api/v5/public/instruments`` item (fields of the documented example)."""
    meta = inst.meta
    inst_type = INST_TYPE[inst.product_type]
    spot = inst_type == "SPOT"
    return {
        "alias": meta.get("alias", ""),
        "auctionEndTime": "",
        "baseCcy": inst.base_asset if spot else "",
        "category": "1",
        "ctMult": "" if spot else "1",
        "ctType": ""
        if spot or inst_type == "OPTION"
        else ("inverse" if inst.is_inverse else "linear"),
        "ctVal": "" if spot else num(inst.multiplier),
        "ctValCcy": "" if spot else meta.get("ctValCcy", inst.base_asset),
        "contTdSwTime": "",
        "expTime": meta.get("expTime", ""),
        "futureSettlement": False,
        "groupId": "1",
        "instFamily": "" if spot else meta.get("instFamily", ""),
        "instId": inst.symbol,
        "instType": inst_type,
        "lever": "" if spot or inst_type == "OPTION" else "100",
        "listTime": meta.get("listTime", "1606468572000"),
        "lotSz": num(inst.lot_size),
        "maxIcebergSz": "9999999999.0000000000000000",
        "maxLmtAmt": "20000000",
        "maxLmtSz": num(inst.max_qty) if inst.max_qty else "9999999999",
        "maxMktAmt": "1000000",
        "maxMktSz": "1000000",
        "maxStopSz": "1000000",
        "maxTriggerSz": "9999999999.0000000000000000",
        "maxTwapSz": "9999999999.0000000000000000",
        "minSz": num(inst.min_qty or inst.lot_size),
        "optType": meta.get("optType", ""),
        "openType": "",
        "preMktSwTime": "",
        "quoteCcy": inst.quote_asset if spot else "",
        "tradeQuoteCcyList": [inst.quote_asset] if spot else [],
        "settleCcy": "" if spot else (inst.settle_asset or inst.quote_asset),
        "state": state,
        "ruleType": "normal",
        "stk": meta.get("stk", ""),
        "tickSz": num(inst.tick_size),
        "uly": "" if spot else meta.get("instFamily", ""),
        "instIdCode": meta.get("instIdCode", 0),
        "instCategory": "1",
        "upcChg": [],
    }


#: OKX order ids are 18-digit numbers (``"590908157585625111"``); the mock puts the exchange's
#: ids on the wire as this base plus the exchange's number (the harness's ``venue_order_id``).
ORD_ID_BASE = 590_900_000_000_000_000


def okx_ord_id(sim_id: str) -> str:
    """The OKX ``ordId`` / ``algoId`` of an exchange order id."""
    return str(ORD_ID_BASE + int(sim_id)) if sim_id.isdigit() else sim_id


def sim_ord_id(ord_id: str | None) -> str | None:
    """The exchange order id of an OKX ``ordId`` from a request (unknown shapes stay unknown)."""
    if ord_id and ord_id.isdigit() and int(ord_id) > ORD_ID_BASE:
        return str(int(ord_id) - ORD_ID_BASE)
    return ord_id


def order_record(
    order: SimOrder, inst: SimInstrument, fill: SimFill | None = None
) -> dict[str, Any]:
    """An order (``/trade/order``, ``orders-pending``, the ``orders`` channel); ``fill`` fills
    the ``fill*`` fields of a push caused by that fill."""
    meta = order.meta
    algo = bool(meta.get("algo"))
    ord_type = meta.get("ordType") or (
        "market" if order.order_type is OrderType.MARKET else "limit"
    )
    if algo:
        # A triggered algo order runs as a market or limit order with its own fields.
        ord_type = "limit" if order.order_type is OrderType.STOP_LIMIT else "market"
    state = _STATE[order.status]
    record: dict[str, Any] = {
        "instType": INST_TYPE[inst.product_type],
        "instId": order.symbol,
        "ccy": "",
        "ordId": okx_ord_id(order.venue_order_id),
        "clOrdId": "" if algo else (order.client_order_id or ""),
        "tag": "",
        "px": num(order.price),
        "sz": num(order.quantity),
        "pnl": "0",
        "ordType": ord_type,
        "side": "buy" if order.side.value == "BUY" else "sell",
        "posSide": "net",
        "tdMode": meta.get("tdMode", "cash"),
        "accFillSz": num(order.filled_qty),
        "fillPx": "",
        "tradeId": "",
        "fillSz": "0",
        "fillTime": "",
        "fillFee": "0",
        "fillFeeCcy": "",
        "execType": "",
        "state": state,
        "avgPx": num(order.avg_px) if order.avg_px is not None else "",
        "lever": "",
        "tpTriggerPx": "",
        "tpOrdPx": "",
        "slTriggerPx": "",
        "slOrdPx": "",
        "feeCcy": order.commission_asset,
        "fee": num(-order.commission) if order.commission else "0",
        "rebateCcy": "",
        "rebate": "",
        "tgtCcy": meta.get("tgtCcy", ""),
        "category": "normal",
        "reduceOnly": "true" if order.reduce_only else "false",
        "cancelSource": "31"
        if order.cancel_cause and order.cancel_cause.value == "POST_ONLY_WOULD_CROSS"
        else "",
        "amendResult": "",
        "algoId": okx_ord_id(order.venue_order_id) if algo else "",
        "algoClOrdId": (order.client_order_id or "") if algo else "",
        "uTime": ms(order.ts_updated or order.ts_created),
        "cTime": ms(order.ts_created),
    }
    if fill is not None:
        record.update(
            tradeId=fill.trade_id,
            fillPx=num(fill.price),
            fillSz=num(fill.quantity),
            fillTime=ms(fill.ts),
            fillFee=num(-fill.commission),
            fillFeeCcy=fill.commission_asset,
            execType="M" if fill.liquidity_side is LiquiditySide.MAKER else "T",
        )
    return record


def fill_record(fill: SimFill, inst: SimInstrument, algo: bool = False) -> dict[str, Any]:
    """A ``/trade/fills`` item (fields of the documented example)."""
    return {
        "side": "buy" if fill.side.value == "BUY" else "sell",
        "fillSz": num(fill.quantity),
        "fillPx": num(fill.price),
        "fillPxVol": "",
        "fillFwdPx": "",
        "fee": num(-fill.commission),
        "fillPnl": num(fill.realized_pnl) if fill.realized_pnl is not None else "0",
        "ordId": okx_ord_id(fill.venue_order_id),
        "feeRate": "",
        "instType": INST_TYPE[inst.product_type],
        "fillPxUsd": "",
        "instId": fill.symbol,
        "clOrdId": "" if algo else (fill.client_order_id or ""),
        "posSide": "net",
        "billId": fill.trade_id,
        "subType": "1",
        "fillMarkVol": "",
        "tag": "",
        "fillTime": ms(fill.ts),
        "execType": "M" if fill.liquidity_side is LiquiditySide.MAKER else "T",
        "fillIdxPx": "",
        "tradeId": fill.trade_id,
        "fillMarkPx": "",
        "feeCcy": fill.commission_asset,
        "ts": ms(fill.ts),
    }


def position_record(position: SimPosition, inst: SimInstrument) -> dict[str, Any]:
    """A ``/account/positions`` item (net mode: ``pos`` is signed)."""
    signed = -position.quantity if position.side is PositionSide.SHORT else position.quantity
    return {
        "adl": "1",
        "availPos": "",
        "avgPx": num(position.avg_entry_price) if position.quantity else "",
        "cTime": ms(position.ts_opened or position.ts_updated),
        "ccy": position.settle_asset,
        "imr": "",
        "instId": position.symbol,
        "instType": INST_TYPE[inst.product_type],
        "lever": "10",
        "margin": num(position.margin),
        "mgnMode": "cross",
        "mmr": "",
        "pos": num(signed),
        "posCcy": "",
        "posId": f"{position.symbol}-net",
        "posSide": "net",
        "uTime": ms(position.ts_updated),
        "upl": num(position.unrealized_pnl),
        "realizedPnl": num(position.realized_pnl),
    }


def balance_record(balances: list[SimBalance], ts_ns: int) -> dict[str, Any]:
    """An ``/account/balance`` item (one ``details`` entry per currency)."""
    return {
        "uTime": ms(ts_ns),
        "totalEq": "",
        "isoEq": "0",
        "adjEq": "",
        "ordFroz": "",
        "imr": "",
        "mmr": "",
        "notionalUsd": "",
        "mgnRatio": "",
        "details": [
            {
                "ccy": b.asset,
                "eq": num(b.total),
                "cashBal": num(b.total),
                "uTime": ms(ts_ns),
                "isoEq": "0",
                "availEq": num(b.free),
                "disEq": num(b.total),
                "availBal": num(b.free),
                "frozenBal": num(b.locked),
                "ordFrozen": num(b.locked),
                "liab": "0",
                "upl": "0",
            }
            for b in balances
        ],
    }


def levels(pairs: Any) -> list[list[str]]:
    """Book levels ``[px, sz, "0", numOrders]`` (best first)."""
    return [[num(p), num(s), "0", "1"] for p, s in pairs]
