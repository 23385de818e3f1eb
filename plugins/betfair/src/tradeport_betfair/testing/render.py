"""Betfair records as the mock venue writes them (field names and shapes from the Exchange API
and Exchange Stream API docs), made from the SimulatedExchange's state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeport.model.enums import OrderSide, OrderStatus, TimeInForce
from tradeport_conformance.simulated import SimInstrument, SimOrder

from tradeport_betfair.http.query import iso_time

__all__ = [
    "iso",
    "catalogue_record",
    "current_order",
    "cleared_order",
    "voided_order",
    "bsp_current_order",
    "bsp_stream_order",
    "stream_order",
    "BET_STATUS",
]

_PERSISTENCE = {
    TimeInForce.LAPSE: "LAPSE",
    TimeInForce.PERSIST: "PERSIST",
    TimeInForce.AT_THE_CLOSE: "MARKET_ON_CLOSE",
}
_STREAM_PERSISTENCE = {
    TimeInForce.LAPSE: "L",
    TimeInForce.PERSIST: "P",
    TimeInForce.AT_THE_CLOSE: "MOC",
}
#: Sim order status -> Betfair order status (EXECUTABLE: unmatched part working).
BET_STATUS = {
    OrderStatus.SUBMITTED: "EXECUTABLE",
    OrderStatus.ACCEPTED: "EXECUTABLE",
    OrderStatus.PARTIALLY_FILLED: "EXECUTABLE",
    OrderStatus.PENDING_UPDATE: "EXECUTABLE",
    OrderStatus.PENDING_CANCEL: "EXECUTABLE",
}


def iso(ts_ns: int) -> str:
    """Betfair's timestamps: ISO 8601 UTC with milliseconds (``2021-03-15T14:59:12.000Z``)."""
    return iso_time(ts_ns)


def _side(side: OrderSide) -> str:
    return "BACK" if side is OrderSide.SELL else "LAY"


def catalogue_record(market: dict[str, Any], runners: list[SimInstrument]) -> dict[str, Any]:
    """One MarketCatalogue with every projection the plugin asks for."""
    return {
        "marketId": market["marketId"],
        "marketName": market["marketName"],
        "marketStartTime": market["marketStartTime"],
        "totalMatched": 0.0,
        "description": {
            "marketType": market["marketType"],
            "bettingType": "ODDS",
            "persistenceEnabled": True,
        },
        "runners": [
            {
                "selectionId": r.meta["selectionId"],
                "runnerName": r.meta["runnerName"],
                "handicap": float(r.meta.get("handicap", 0)),
                "sortPriority": index + 1,
            }
            for index, r in enumerate(runners)
        ],
        "eventType": {"id": market["eventTypeId"], "name": market["eventTypeName"]},
        "competition": {"id": market["competitionId"], "name": market["competitionName"]},
        "event": {
            "id": market["eventId"],
            "name": market["eventName"],
            "countryCode": "GB",
            "timezone": "Europe/London",
            "openDate": market["marketStartTime"],
        },
    }


def _matched(order: SimOrder, voided: Decimal = Decimal(0)) -> tuple[Decimal, Decimal]:
    """Size matched net of what was voided (Betfair's ``sm`` falls as ``sv`` rises), and the
    average price."""
    return order.filled_qty - voided, order.avg_px or Decimal(0)


def current_order(
    order: SimOrder,
    inst: SimInstrument,
    persistence: TimeInForce,
    lapsed: bool,
    voided: Decimal = Decimal(0),
) -> dict[str, Any]:
    """One CurrentOrderSummary (listCurrentOrders)."""
    matched, avp = _matched(order, voided)
    unmatched = order.quantity - order.filled_qty
    remaining = unmatched if order.status.is_open else Decimal(0)
    cancelled = Decimal(0) if order.status.is_open or lapsed else unmatched
    return {
        "betId": order.venue_order_id,
        "marketId": inst.meta["marketId"],
        "selectionId": inst.meta["selectionId"],
        "handicap": float(inst.meta.get("handicap", 0)),
        "priceSize": {"price": order.price, "size": order.quantity},
        "bspLiability": 0.0,
        "side": _side(order.side),
        "status": "EXECUTABLE" if order.status.is_open else "EXECUTION_COMPLETE",
        "persistenceType": _PERSISTENCE.get(persistence, "LAPSE"),
        "orderType": "LIMIT",
        "placedDate": iso(order.ts_created),
        "matchedDate": iso(order.ts_updated) if matched else None,
        "averagePriceMatched": avp,
        "sizeMatched": matched,
        "sizeRemaining": remaining,
        "sizeLapsed": unmatched if lapsed else Decimal(0),
        "sizeCancelled": cancelled,
        "sizeVoided": voided,
        "regulatorCode": "MALTA LOTTERIES AND GAMBLING AUTHORITY",
        "customerOrderRef": order.client_order_id,
    }


def cleared_order(order: SimOrder, inst: SimInstrument, bet_outcome: str) -> dict[str, Any]:
    """One ClearedOrderSummary (listClearedOrders, betStatus SETTLED/LAPSED/CANCELLED)."""
    return {
        "eventTypeId": inst.meta["eventTypeId"],
        "eventId": inst.meta["eventId"],
        "marketId": inst.meta["marketId"],
        "selectionId": inst.meta["selectionId"],
        "handicap": float(inst.meta.get("handicap", 0)),
        "betId": order.venue_order_id,
        "placedDate": iso(order.ts_created),
        "persistenceType": "LAPSE",
        "orderType": "LIMIT",
        "side": _side(order.side),
        "betOutcome": bet_outcome,
        "priceRequested": order.price,
        "settledDate": iso(order.ts_updated),
        "lastMatchedDate": iso(order.ts_updated),
        "betCount": 1,
        "priceMatched": order.avg_px or order.price,
        "priceReduced": False,
        "sizeSettled": order.filled_qty,
        "profit": Decimal(0),
        "customerOrderRef": order.client_order_id,
    }


def voided_order(order: SimOrder, inst: SimInstrument, voided: Decimal) -> dict[str, Any]:
    """A ClearedOrderSummary of betStatus VOIDED (groupBy BET): ``sizeSettled`` is "the
    cumulative bet size that was settled as matched or voided under this item" (the API's
    ClearedOrderSummary reference), here the voided matched size; no profit, no outcome."""
    row = cleared_order(order, inst, "")
    del row["betOutcome"]
    row.update(sizeSettled=voided, profit=Decimal(0))
    return row


def stream_order(
    order: SimOrder,
    persistence: TimeInForce,
    lapsed: bool,
    strategy: str | None,
    voided: Decimal = Decimal(0),
) -> dict[str, Any]:
    """One unmatched/matched order (``uo``) on the order stream; ``voided`` is the matched
    size Betfair voided (``sv``, taken out of ``sm``)."""
    matched, avp = _matched(order, voided)
    unmatched = order.quantity - order.filled_qty
    record: dict[str, Any] = {
        "id": order.venue_order_id,
        "p": order.price,
        "s": order.quantity,
        "side": "B" if order.side is OrderSide.SELL else "L",
        "status": "E" if order.status.is_open else "EC",
        "pt": _STREAM_PERSISTENCE.get(persistence, "L"),
        "ot": "L",
        "pd": order.ts_created // 1_000_000,
        "sm": matched,
        "sr": unmatched if order.status.is_open else Decimal(0),
        "sl": unmatched if lapsed else Decimal(0),
        "sc": Decimal(0) if order.status.is_open or lapsed else unmatched,
        "sv": voided,
        "rac": "",
        "rc": "REG_GGC",
        "rfo": order.client_order_id or "",
    }
    if matched:
        record["avp"] = avp
        record["md"] = order.ts_updated // 1_000_000
    if strategy:
        record["rfs"] = strategy
    if not order.status.is_open:
        record["cd"] = order.ts_updated // 1_000_000
    return record


def bsp_current_order(bet: dict[str, Any], inst: SimInstrument) -> dict[str, Any]:
    """A starting-price bet (LIMIT_ON_CLOSE / MARKET_ON_CLOSE) as a CurrentOrderSummary: its
    liability is ``bspLiability``, its limit (LIMIT_ON_CLOSE) ``priceSize.price``."""
    matched = bet["matched"]
    row: dict[str, Any] = {
        "betId": bet["betId"],
        "marketId": inst.meta["marketId"],
        "selectionId": inst.meta["selectionId"],
        "handicap": float(inst.meta.get("handicap", 0)),
        "priceSize": {"price": bet["price"] or Decimal(0), "size": Decimal(0)},
        "bspLiability": bet["liability"],
        "side": bet["side"],
        "status": bet["status"],
        "persistenceType": "MARKET_ON_CLOSE",
        "orderType": bet["orderType"],
        "placedDate": iso(bet["placed"]),
        "averagePriceMatched": bet["avp"] or Decimal(0),
        "sizeMatched": matched,
        "sizeRemaining": Decimal(0),
        "sizeLapsed": bet["liability"] - matched if bet.get("lapsed") else Decimal(0),
        "sizeCancelled": Decimal(0),
        "sizeVoided": Decimal(0),
        "regulatorCode": "MALTA LOTTERIES AND GAMBLING AUTHORITY",
        "customerOrderRef": bet["customerOrderRef"],
    }
    if matched:
        row["matchedDate"] = iso(bet["updated"])
    return row


def bsp_stream_order(bet: dict[str, Any]) -> dict[str, Any]:
    """A starting-price bet on the order stream: ``ot`` LOC / MOC, ``bsp`` its liability."""
    matched = bet["matched"]
    record: dict[str, Any] = {
        "id": bet["betId"],
        "bsp": bet["liability"],
        "side": "B" if bet["side"] == "BACK" else "L",
        "status": "E" if bet["status"] == "EXECUTABLE" else "EC",
        "pt": "MOC",
        "ot": "LOC" if bet["orderType"] == "LIMIT_ON_CLOSE" else "MOC",
        "pd": bet["placed"] // 1_000_000,
        "sm": matched,
        "sr": Decimal(0),
        "sl": bet["liability"] - matched if bet.get("lapsed") else Decimal(0),
        "sc": Decimal(0),
        "sv": Decimal(0),
        "rac": "",
        "rc": "REG_GGC",
        "rfo": bet["customerOrderRef"] or "",
    }
    if bet["price"] is not None:
        record["p"] = bet["price"]
    if matched:
        record["avp"] = bet["avp"]
        record["md"] = bet["updated"] // 1_000_000
    return record
