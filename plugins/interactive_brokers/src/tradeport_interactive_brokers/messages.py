"""Outgoing TWS API messages (client -> TWS), as payloads for the framing.

Each builder returns the encoded payload of one message, laid out as the pinned server
versions (176-178) read it. Layouts: IB's TWS API reference and the public ``ib_async`` client
(``ib_async/client.py``), which implements the same legacy text protocol.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from tradeport_interactive_brokers.constants import Out
from tradeport_interactive_brokers.contract import Contract
from tradeport_interactive_brokers.wire import encode_fields

__all__ = [
    "OrderFields",
    "start_api",
    "req_current_time",
    "req_ids",
    "req_contract_details",
    "req_matching_symbols",
    "req_sec_def_opt_params",
    "req_market_data_type",
    "req_mkt_data",
    "cancel_mkt_data",
    "req_mkt_depth",
    "cancel_mkt_depth",
    "req_historical_data",
    "req_tick_by_tick",
    "cancel_tick_by_tick",
    "place_order",
    "cancel_order",
    "req_global_cancel",
    "req_open_orders",
    "req_all_open_orders",
    "req_completed_orders",
    "req_executions",
    "req_positions",
    "req_account_summary",
    "cancel_account_summary",
    "ACCOUNT_SUMMARY_TAGS",
]

#: The account summary tags AccountState is built from.
ACCOUNT_SUMMARY_TAGS = "NetLiquidation,TotalCashValue,AvailableFunds,BuyingPower,Currency"


def start_api(client_id: int, optional_capabilities: str = "") -> bytes:
    """START_API (71, version 2): makes the session usable for ``client_id``."""
    return encode_fields(Out.START_API, 2, client_id, optional_capabilities)


def req_current_time() -> bytes:
    """REQ_CURRENT_TIME (49): answered by CURRENT_TIME; the plugin's heartbeat."""
    return encode_fields(Out.REQ_CURRENT_TIME, 1)


def req_ids(count: int = 1) -> bytes:
    """REQ_IDS (8): answered by NEXT_VALID_ID."""
    return encode_fields(Out.REQ_IDS, 1, count)


def req_contract_details(req_id: int, contract: Contract, server_version: int) -> bytes:
    """REQ_CONTRACT_DATA (9, version 8); the issuer id from server version 176."""
    fields: list[object] = [Out.REQ_CONTRACT_DATA, 8, req_id, *contract.fields()]
    fields += [contract.include_expired, contract.sec_id_type, contract.sec_id]
    if server_version >= 176:
        fields.append(contract.issuer_id)
    return encode_fields(*fields)


def req_matching_symbols(req_id: int, pattern: str) -> bytes:
    """REQ_MATCHING_SYMBOLS (81): symbol samples for a pattern (no version field)."""
    return encode_fields(Out.REQ_MATCHING_SYMBOLS, req_id, pattern)


def req_sec_def_opt_params(
    req_id: int, underlying: str, fut_fop_exchange: str, under_sec_type: str, under_con_id: int
) -> bytes:
    """REQ_SEC_DEF_OPT_PARAMS (78): an option chain's expirations and strikes."""
    return encode_fields(
        Out.REQ_SEC_DEF_OPT_PARAMS,
        req_id,
        underlying,
        fut_fop_exchange,
        under_sec_type,
        under_con_id,
    )


def req_market_data_type(market_data_type: int) -> bytes:
    """REQ_MARKET_DATA_TYPE (59): 1 live, 2 frozen, 3 delayed, 4 delayed frozen."""
    if market_data_type not in (1, 2, 3, 4):
        raise ValueError(f"market_data_type must be 1, 2, 3 or 4, got {market_data_type!r}")
    return encode_fields(Out.REQ_MARKET_DATA_TYPE, 1, market_data_type)


def req_mkt_data(
    req_id: int,
    contract: Contract,
    generic_ticks: str = "",
    *,
    snapshot: bool = False,
    regulatory_snapshot: bool = False,
) -> bytes:
    """REQ_MKT_DATA (1, version 11): top of book and last trade ticks (no combo legs, no
    delta-neutral contract)."""
    return encode_fields(
        Out.REQ_MKT_DATA,
        11,
        req_id,
        *contract.fields(),
        False,  # no delta-neutral contract
        generic_ticks,
        snapshot,
        regulatory_snapshot,
        "",  # mktDataOptions
    )


def cancel_mkt_data(req_id: int) -> bytes:
    """CANCEL_MKT_DATA (2, version 2)."""
    return encode_fields(Out.CANCEL_MKT_DATA, 2, req_id)


def req_mkt_depth(req_id: int, contract: Contract, rows: int, *, smart_depth: bool) -> bytes:
    """REQ_MKT_DEPTH (10, version 5): ``rows`` levels a side; SMART depth aggregates venues."""
    return encode_fields(Out.REQ_MKT_DEPTH, 5, req_id, *contract.fields(), rows, smart_depth, "")


def req_historical_data(
    req_id: int,
    contract: Contract,
    *,
    end: str,
    duration: str,
    bar_size: str,
    what_to_show: str,
    use_rth: bool = False,
    format_date: int = 2,
    keep_up_to_date: bool = False,
) -> bytes:
    """REQ_HISTORICAL_DATA (20, no version field since server version 124): bars of
    ``bar_size`` (``1 min``) over ``duration`` (``3600 S``, ``2 D``) ending at ``end``
    (``yyyymmdd-hh:mm:ss`` in UTC); ``format_date`` 2 dates bars in epoch seconds."""
    return encode_fields(
        Out.REQ_HISTORICAL_DATA,
        req_id,
        *contract.fields(),
        contract.include_expired,
        end,
        bar_size,
        duration,
        use_rth,
        what_to_show,
        format_date,
        keep_up_to_date,
        "",  # chartOptions
    )


def cancel_mkt_depth(req_id: int, *, smart_depth: bool) -> bytes:
    """CANCEL_MKT_DEPTH (11, version 1)."""
    return encode_fields(Out.CANCEL_MKT_DEPTH, 1, req_id, smart_depth)


def req_tick_by_tick(req_id: int, contract: Contract, tick_type: str) -> bytes:
    """REQ_TICK_BY_TICK_DATA (97): ``Last``, ``AllLast``, ``BidAsk`` or ``MidPoint``."""
    if tick_type not in ("Last", "AllLast", "BidAsk", "MidPoint"):
        raise ValueError(f"tick_type must be Last, AllLast, BidAsk or MidPoint: {tick_type!r}")
    return encode_fields(Out.REQ_TICK_BY_TICK, req_id, *contract.fields(), tick_type, 0, False)


def cancel_tick_by_tick(req_id: int) -> bytes:
    """CANCEL_TICK_BY_TICK_DATA (98)."""
    return encode_fields(Out.CANCEL_TICK_BY_TICK, req_id)


def req_real_time_bars(req_id: int, contract: Contract, what_to_show: str) -> bytes:
    """REQ_REAL_TIME_BARS (50, version 3): 5-second bars (the only size TWS sends) of
    ``what_to_show`` (TRADES, BID, ASK, MIDPOINT), all hours (useRTH 0), no options."""
    return encode_fields(
        Out.REQ_REAL_TIME_BARS, 3, req_id, *contract.fields(), 5, what_to_show, 0, ""
    )


def cancel_real_time_bars(req_id: int) -> bytes:
    """CANCEL_REAL_TIME_BARS (51, version 1)."""
    return encode_fields(Out.CANCEL_REAL_TIME_BARS, 1, req_id)


@attrs.frozen(kw_only=True)
class OrderFields:
    """The order fields the plugin sets (everything else goes out unset)."""

    action: str
    total_quantity: Decimal
    order_type: str
    lmt_price: Decimal | None = None
    aux_price: Decimal | None = None
    tif: str = "DAY"
    oca_group: str = ""
    oca_type: int | None = None
    account: str = ""
    order_ref: str = ""
    transmit: bool = True
    parent_id: int = 0
    display_size: int | None = None
    outside_rth: bool = False
    good_till_date: str = ""
    trailing_percent: Decimal | None = None
    trail_stop_price: Decimal | None = None


def place_order(
    order_id: int, contract: Contract, order: OrderFields, server_version: int
) -> bytes:
    """PLACE_ORDER (3): the whole layout of server versions 176-178 (no combos, algos,
    conditions, scale or delta-neutral parts). Sending an id that is live modifies that order."""
    fields: list[object] = [
        Out.PLACE_ORDER,
        order_id,
        *contract.fields(),
        contract.sec_id_type,
        contract.sec_id,
        order.action,
        order.total_quantity,
        order.order_type,
        order.lmt_price,
        order.aux_price,
        order.tif,
        order.oca_group,
        order.account,
        "",  # openClose
        0,  # origin: customer
        order.order_ref,
        order.transmit,
        order.parent_id,
        False,  # blockOrder
        False,  # sweepToFill
        order.display_size,
        0,  # triggerMethod
        order.outside_rth,
        False,  # hidden
        "",  # deprecated sharesAllocation
        None,  # discretionaryAmt
        "",  # goodAfterTime
        order.good_till_date,
        "",  # faGroup
        "",  # faMethod
        "",  # faPercentage
    ]
    if server_version < 177:
        fields.append("")  # faProfile
    fields += [
        "",  # modelCode
        0,  # shortSaleSlot
        "",  # designatedLocation
        -1,  # exemptCode
        order.oca_type,
        "",  # rule80A
        "",  # settlingFirm
        False,  # allOrNone
        None,  # minQty
        None,  # percentOffset
        False,  # eTradeOnly
        False,  # firmQuoteOnly
        None,  # nbboPriceCap
        0,  # auctionStrategy
        None,  # startingPrice
        None,  # stockRefPrice
        None,  # delta
        None,  # stockRangeLower
        None,  # stockRangeUpper
        False,  # overridePercentageConstraints
        None,  # volatility
        None,  # volatilityType
        "",  # deltaNeutralOrderType
        None,  # deltaNeutralAuxPrice
        False,  # continuousUpdate
        None,  # referencePriceType
        order.trail_stop_price,
        order.trailing_percent,
        None,  # scaleInitLevelSize
        None,  # scaleSubsLevelSize
        None,  # scalePriceIncrement
        "",  # scaleTable
        "",  # activeStartTime
        "",  # activeStopTime
        "",  # hedgeType
        False,  # optOutSmartRouting
        "",  # clearingAccount
        "",  # clearingIntent
        False,  # notHeld
        False,  # no delta-neutral contract
        "",  # algoStrategy
        "",  # algoId
        False,  # whatIf
        "",  # orderMiscOptions
        False,  # solicited
        False,  # randomizeSize
        False,  # randomizePrice
        0,  # conditions
        "",  # adjustedOrderType
        None,  # triggerPrice
        None,  # lmtPriceOffset
        None,  # adjustedStopPrice
        None,  # adjustedStopLimitPrice
        None,  # adjustedTrailingAmount
        0,  # adjustableTrailingUnit
        "",  # extOperator
        "",  # softDollarTier name
        "",  # softDollarTier value
        None,  # cashQty
        "",  # mifid2DecisionMaker
        "",  # mifid2DecisionAlgo
        "",  # mifid2ExecutionTrader
        "",  # mifid2ExecutionAlgo
        False,  # dontUseAutoPriceForHedge
        False,  # isOmsContainer
        False,  # discretionaryUpToLimitPrice
        None,  # usePriceMgmtAlgo
        None,  # duration (158+)
        None,  # postToAts (160+)
        False,  # autoCancelParent (162+)
        "",  # advancedErrorOverride (166+)
        "",  # manualOrderTime (169+)
    ]
    return encode_fields(*fields)


def cancel_order(order_id: int, server_version: int) -> bytes:
    """CANCEL_ORDER (4, version 1); the manual cancel time from server version 169."""
    fields: list[object] = [Out.CANCEL_ORDER, 1, order_id]
    if server_version >= 169:
        fields.append("")
    return encode_fields(*fields)


def req_global_cancel() -> bytes:
    """REQ_GLOBAL_CANCEL (58): cancels every open order of the account, from any client."""
    return encode_fields(Out.REQ_GLOBAL_CANCEL, 1)


def req_open_orders() -> bytes:
    """REQ_OPEN_ORDERS (5): this client's open orders."""
    return encode_fields(Out.REQ_OPEN_ORDERS, 1)


def req_all_open_orders() -> bytes:
    """REQ_ALL_OPEN_ORDERS (16): the open orders of every client and TWS."""
    return encode_fields(Out.REQ_ALL_OPEN_ORDERS, 1)


def req_completed_orders(api_only: bool = False) -> bytes:
    """REQ_COMPLETED_ORDERS (99): today's filled and cancelled orders."""
    return encode_fields(Out.REQ_COMPLETED_ORDERS, api_only)


def req_executions(
    req_id: int,
    *,
    client_id: int = 0,
    account: str = "",
    since: str = "",
    symbol: str = "",
    sec_type: str = "",
    exchange: str = "",
    side: str = "",
) -> bytes:
    """REQ_EXECUTIONS (7, version 3) with an ExecutionFilter (``since``: ``yyyymmdd-hh:mm:ss``)."""
    return encode_fields(
        Out.REQ_EXECUTIONS, 3, req_id, client_id, account, since, symbol, sec_type, exchange, side
    )


def req_positions() -> bytes:
    """REQ_POSITIONS (61): every position of every managed account."""
    return encode_fields(Out.REQ_POSITIONS, 1)


def req_account_summary(req_id: int, tags: str = ACCOUNT_SUMMARY_TAGS, group: str = "All") -> bytes:
    """REQ_ACCOUNT_SUMMARY (62, version 1)."""
    return encode_fields(Out.REQ_ACCOUNT_SUMMARY, 1, req_id, group, tags)


def cancel_account_summary(req_id: int) -> bytes:
    """CANCEL_ACCOUNT_SUMMARY (63, version 1)."""
    return encode_fields(Out.CANCEL_ACCOUNT_SUMMARY, 1, req_id)
