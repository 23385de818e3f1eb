"""The mock gateway's side of the wire: TWS -> client messages, laid out as TWS sends them at
the pinned server versions (layouts: IB's TWS API reference; the public ``ib_async`` decoder,
which reads these same fields). Written apart from the client's parsers, so a layout error on
one side shows up as a failing test instead of cancelling out.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tradeport_interactive_brokers.contract import Contract, ContractDetails
from tradeport_interactive_brokers.wire import UNSET_DOUBLE, UNSET_INTEGER, encode_fields

__all__ = [
    "encode_fields",
    "hello",
    "next_valid_id",
    "managed_accounts",
    "error",
    "current_time",
    "contract_data",
    "contract_data_end",
    "symbol_samples",
    "market_data_type",
    "tick_price",
    "tick_size",
    "tick_by_tick_last",
    "market_depth_l2",
    "order_status",
    "open_order",
    "open_order_end",
    "completed_order",
    "completed_orders_end",
    "option_parameters",
    "option_parameters_end",
    "historical_data",
    "execution",
    "execution_end",
    "commission_report",
    "position",
    "position_end",
    "account_summary",
    "account_summary_end",
]


def _num(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def hello(server_version: int, connection_time: str) -> bytes:
    """The server's answer to the version handshake."""
    return encode_fields(server_version, connection_time)


def next_valid_id(order_id: int) -> bytes:
    return encode_fields(9, 1, order_id)


def managed_accounts(accounts: Sequence[str]) -> bytes:
    return encode_fields(15, 1, ",".join(accounts))


def error(req_id: int, code: int, message: str, advanced: str = "") -> bytes:
    """ERR_MSG (version 2), with the advanced order reject JSON of server version 166+."""
    return encode_fields(4, 2, req_id, code, message, advanced)


def current_time(seconds: int) -> bytes:
    return encode_fields(49, 1, seconds)


def contract_data(req_id: int, d: ContractDetails) -> bytes:
    """CONTRACT_DATA at server version 164+ (no version field)."""
    c = d.contract
    last = c.last_trade_date + (f" {d.last_trade_time}" if d.last_trade_time else "")
    fields: list[Any] = [
        10,
        req_id,
        c.symbol,
        c.sec_type,
        last,
        _num(c.strike) if c.strike is not None else "0",
        c.right,
        c.exchange,
        c.currency,
        c.local_symbol,
        d.market_name,
        c.trading_class,
        c.con_id,
        _num(d.min_tick),
        c.multiplier,
        ",".join(d.order_types),
        ",".join(d.valid_exchanges),
        d.price_magnifier,
        d.under_con_id,
        d.long_name,
        c.primary_exchange,
        d.contract_month,
        d.industry,
        d.category,
        d.subcategory,
        d.time_zone_id,
        d.trading_hours,
        d.liquid_hours,
        "",  # evRule
        "",  # evMultiplier
        len(d.sec_ids),
    ]
    for tag, value in d.sec_ids:
        fields += [tag, value]
    fields += [
        d.agg_group,
        d.under_symbol,
        d.under_sec_type,
        d.market_rule_ids,
        d.real_expiration_date,
        d.stock_type,
        _num(d.min_size),
        _num(d.size_increment),
        _num(d.suggested_size_increment),
    ]
    return encode_fields(*fields)


def bond_contract_data(req_id: int, d: ContractDetails) -> bytes:
    """BOND_CONTRACT_DATA at server version 164+ (no version field)."""
    c = d.contract
    # maturity[ lastTradeTime timeZoneId]: the zone only after a time.
    maturity = c.last_trade_date + (
        f" {d.last_trade_time} {d.time_zone_id}" if d.last_trade_time else ""
    )
    fields: list[Any] = [
        18,
        req_id,
        c.symbol,
        c.sec_type,
        d.cusip,
        _num(d.coupon) if d.coupon is not None else "0",
        maturity,
        d.issue_date,
        d.ratings,
        d.bond_type,
        d.coupon_type,
        d.convertible,
        d.callable,
        d.putable,
        d.desc_append,
        c.exchange,
        c.currency,
        d.market_name,
        c.trading_class,
        c.con_id,
        _num(d.min_tick),
        ",".join(d.order_types),
        ",".join(d.valid_exchanges),
        "",  # nextOptionDate
        "",  # nextOptionType
        False,  # nextOptionPartial
        d.notes,
        d.long_name,
        "",  # evRule
        "",  # evMultiplier
        len(d.sec_ids),
    ]
    for tag, value in d.sec_ids:
        fields += [tag, value]
    fields += [
        d.agg_group,
        d.market_rule_ids,
        _num(d.min_size),
        _num(d.size_increment),
        _num(d.suggested_size_increment),
    ]
    return encode_fields(*fields)


def contract_data_end(req_id: int) -> bytes:
    return encode_fields(52, 1, req_id)


def symbol_samples(req_id: int, contracts: Sequence[ContractDetails], server_version: int) -> bytes:
    fields: list[Any] = [79, req_id, len(contracts)]
    for d in contracts:
        c = d.contract
        derivatives = ["OPT"] if c.sec_type == "STK" else []
        fields += [c.con_id, c.symbol, c.sec_type, c.primary_exchange or c.exchange, c.currency]
        fields += [len(derivatives), *derivatives]
        if server_version >= 176:
            fields += [d.long_name, ""]
    return encode_fields(*fields)


def market_data_type(req_id: int, market_data_type: int) -> bytes:
    """MARKET_DATA_TYPE: which data type a request gets (3 delayed, 4 delayed frozen)."""
    return encode_fields(58, 1, req_id, market_data_type)


def tick_price(
    req_id: int, tick_type: int, price: Decimal, size: Decimal, attributes: int = 0
) -> bytes:
    return encode_fields(1, 6, req_id, tick_type, _num(price), _num(size), attributes)


def tick_size(req_id: int, tick_type: int, size: Decimal) -> bytes:
    return encode_fields(2, 6, req_id, tick_type, _num(size))


def real_time_bar(
    req_id: int,
    seconds: int,
    open: Decimal,
    high: Decimal,
    low: Decimal,
    close: Decimal,
    volume: Decimal,
) -> bytes:
    """REAL_TIME_BARS (50, version 3): one 5-second bar opening at ``seconds``; wap is the
    close, count 1 (the plugin reads neither)."""
    return encode_fields(
        50, 3, req_id, seconds, _num(open), _num(high), _num(low), _num(close), _num(volume),
        _num(close), 1,
    )  # fmt: skip


def tick_by_tick_last(
    req_id: int,
    seconds: int,
    price: Decimal,
    size: Decimal,
    exchange: str,
    *,
    all_last: bool = True,
) -> bytes:
    return encode_fields(
        99, req_id, 2 if all_last else 1, seconds, _num(price), _num(size), 0, exchange, ""
    )


def market_depth_l2(
    req_id: int,
    position: int,
    operation: int,
    side: int,
    price: Decimal,
    size: Decimal,
    *,
    smart: bool,
) -> bytes:
    """MARKET_DEPTH_L2: operation 0 insert / 1 update / 2 delete; side 0 ask / 1 bid."""
    return encode_fields(
        13, 1, req_id, position, "", operation, side, _num(price), _num(size), smart
    )


def order_status(
    order_id: int,
    status: str,
    filled: Decimal,
    remaining: Decimal,
    avg_fill_price: Decimal,
    perm_id: int,
    last_fill_price: Decimal,
    client_id: int,
    parent_id: int = 0,
) -> bytes:
    return encode_fields(
        3,
        order_id,
        status,
        _num(filled),
        _num(remaining),
        _num(avg_fill_price),
        perm_id,
        parent_id,
        _num(last_fill_price),
        client_id,
        "",  # whyHeld
        _num(Decimal(0)),  # mktCapPrice
    )


def _contract_fields(c: Contract) -> list[Any]:
    """conId ... tradingClass without the primary exchange (order and execution messages)."""
    return [
        c.con_id,
        c.symbol,
        c.sec_type,
        c.last_trade_date,
        _num(c.strike) if c.strike is not None else "0",
        c.right,
        c.multiplier,
        c.exchange,
        c.currency,
        c.local_symbol,
        c.trading_class,
    ]


def open_order(
    *,
    order_id: int,
    contract: Contract,
    action: str,
    quantity: Decimal,
    order_type: str,
    lmt_price: Decimal | None,
    aux_price: Decimal | None,
    tif: str,
    account: str,
    order_ref: str,
    client_id: int,
    perm_id: int,
    status: str,
    server_version: int,
    oca_group: str = "",
    outside_rth: bool = False,
    good_till_date: str = "",
    parent_id: int = 0,
    display_size: int | None = None,
    trailing_percent: Decimal | None = None,
    trail_stop_price: Decimal | None = None,
) -> bytes:
    """OPEN_ORDER: the whole layout (no combo legs, algos, conditions, delta-neutral parts)."""
    fields: list[Any] = [
        5,
        order_id,
        *_contract_fields(contract),
        action,
        _num(quantity),
        order_type,
        _num(lmt_price) or UNSET_DOUBLE,
        _num(aux_price) or UNSET_DOUBLE,
        tif,
        oca_group,
        account,
        "O",  # openClose
        0,  # origin
        order_ref,
        client_id,
        perm_id,
        outside_rth,
        False,  # hidden
        0,  # discretionaryAmt
        "",  # goodAfterTime
        "",  # deprecated sharesAllocation
        "",  # faGroup
        "",  # faMethod
        "",  # faPercentage
    ]
    if server_version < 177:
        fields.append("")  # faProfile
    fields += [
        "",  # modelCode
        good_till_date,
        "",  # rule80A
        UNSET_DOUBLE,  # percentOffset
        "",  # settlingFirm
        0,  # shortSaleSlot
        "",  # designatedLocation
        -1,  # exemptCode
        0,  # auctionStrategy
        UNSET_DOUBLE,  # startingPrice
        UNSET_DOUBLE,  # stockRefPrice
        UNSET_DOUBLE,  # delta
        UNSET_DOUBLE,  # stockRangeLower
        UNSET_DOUBLE,  # stockRangeUpper
        display_size if display_size is not None else UNSET_INTEGER,
        False,  # blockOrder
        False,  # sweepToFill
        False,  # allOrNone
        UNSET_INTEGER,  # minQty
        3,  # ocaType
        False,  # eTradeOnly
        False,  # firmQuoteOnly
        UNSET_DOUBLE,  # nbboPriceCap
        parent_id,
        0,  # triggerMethod
        UNSET_DOUBLE,  # volatility
        0,  # volatilityType
        "",  # deltaNeutralOrderType (empty: no delta-neutral block follows)
    ]
    fields += [
        UNSET_DOUBLE,  # deltaNeutralAuxPrice
        0,  # continuousUpdate
        0,  # referencePriceType
        _num(trail_stop_price) or UNSET_DOUBLE,
        _num(trailing_percent) or UNSET_DOUBLE,
        UNSET_DOUBLE,  # basisPoints
        UNSET_INTEGER,  # basisPointsType
        "",  # comboLegsDescrip
        0,  # comboLegs
        0,  # orderComboLegs
        0,  # smartComboRoutingParams
        UNSET_INTEGER,  # scaleInitLevelSize
        UNSET_INTEGER,  # scaleSubsLevelSize
        UNSET_DOUBLE,  # scalePriceIncrement
        "",  # hedgeType
        False,  # optOutSmartRouting
        "",  # clearingAccount
        "",  # clearingIntent
        False,  # notHeld
        0,  # deltaNeutralContract present
        "",  # algoStrategy
        False,  # solicited
        False,  # whatIf
        status,
        *([UNSET_DOUBLE] * 9),  # margin before/change/after
        UNSET_DOUBLE,  # commission
        UNSET_DOUBLE,  # minCommission
        UNSET_DOUBLE,  # maxCommission
        "",  # commissionCurrency
        "",  # warningText
        False,  # randomizeSize
        False,  # randomizePrice
        0,  # conditions
        "",  # adjustedOrderType
        UNSET_DOUBLE,  # triggerPrice
        UNSET_DOUBLE,  # trailStopPrice (adjusted)
        UNSET_DOUBLE,  # lmtPriceOffset
        UNSET_DOUBLE,  # adjustedStopPrice
        UNSET_DOUBLE,  # adjustedStopLimitPrice
        UNSET_DOUBLE,  # adjustedTrailingAmount
        0,  # adjustableTrailingUnit
        "",  # softDollarTier name
        "",  # softDollarTier value
        "",  # softDollarTier displayName
        UNSET_DOUBLE,  # cashQty
        False,  # dontUseAutoPriceForHedge
        False,  # isOmsContainer
        False,  # discretionaryUpToLimitPrice
        False,  # usePriceMgmtAlgo
        UNSET_INTEGER,  # duration (159+)
        UNSET_INTEGER,  # postToAts (160+)
        False,  # autoCancelParent (162+)
        UNSET_INTEGER,  # minTradeQty (170+)
        UNSET_INTEGER,  # minCompeteSize
        UNSET_DOUBLE,  # competeAgainstBestOffset
        UNSET_DOUBLE,  # midOffsetAtWhole
        UNSET_DOUBLE,  # midOffsetAtHalf
    ]
    return encode_fields(*fields)


def historical_data(
    req_id: int,
    start: str,
    end: str,
    bars: Sequence[tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]],
) -> bytes:
    """HISTORICAL_DATA: every bar of one request (dates in epoch seconds, formatDate 2)."""
    fields: list[Any] = [17, req_id, start, end, len(bars)]
    for opened, o, h, low, c, v in bars:
        fields += [opened, _num(o), _num(h), _num(low), _num(c), _num(v), _num((h + low) / 2), 1]
    return encode_fields(*fields)


def option_parameters(
    req_id: int,
    exchange: str,
    under_con_id: int,
    trading_class: str,
    multiplier: str,
    expirations: Sequence[str],
    strikes: Sequence[Decimal],
) -> bytes:
    """SECURITY_DEFINITION_OPTION_PARAMETER: one exchange's expirations and strikes."""
    return encode_fields(
        75,
        req_id,
        exchange,
        under_con_id,
        trading_class,
        multiplier,
        len(expirations),
        *expirations,
        len(strikes),
        *(_num(k) for k in strikes),
    )


def option_parameters_end(req_id: int) -> bytes:
    return encode_fields(76, req_id)


def completed_order(
    *,
    contract: Contract,
    action: str,
    quantity: Decimal,
    order_type: str,
    lmt_price: Decimal | None,
    aux_price: Decimal | None,
    tif: str,
    account: str,
    order_ref: str,
    perm_id: int,
    filled: Decimal,
    status: str,
    completed_time: str,
    completed_status: str,
    server_version: int,
) -> bytes:
    """COMPLETED_ORDER: the whole layout (no combos, algos, conditions, delta-neutral parts)."""
    fields: list[Any] = [
        101,
        *_contract_fields(contract),
        action,
        _num(quantity),
        order_type,
        _num(lmt_price) or UNSET_DOUBLE,
        _num(aux_price) or UNSET_DOUBLE,
        tif,
        "",  # ocaGroup
        account,
        "O",  # openClose
        0,  # origin
        order_ref,
        perm_id,
        False,  # outsideRth
        False,  # hidden
        0,  # discretionaryAmt
        "",  # goodAfterTime
        "",  # faGroup
        "",  # faMethod
        "",  # faPercentage
    ]
    if server_version < 177:
        fields.append("")  # faProfile
    fields += [
        "",  # modelCode
        "",  # goodTillDate
        "",  # rule80A
        UNSET_DOUBLE,  # percentOffset
        "",  # settlingFirm
        0,  # shortSaleSlot
        "",  # designatedLocation
        -1,  # exemptCode
        UNSET_DOUBLE,  # startingPrice
        UNSET_DOUBLE,  # stockRefPrice
        UNSET_DOUBLE,  # delta
        UNSET_DOUBLE,  # stockRangeLower
        UNSET_DOUBLE,  # stockRangeUpper
        UNSET_INTEGER,  # displaySize
        False,  # sweepToFill
        False,  # allOrNone
        UNSET_INTEGER,  # minQty
        3,  # ocaType
        0,  # triggerMethod
        UNSET_DOUBLE,  # volatility
        0,  # volatilityType
        "",  # deltaNeutralOrderType
        UNSET_DOUBLE,  # deltaNeutralAuxPrice
        0,  # continuousUpdate
        0,  # referencePriceType
        UNSET_DOUBLE,  # trailStopPrice
        UNSET_DOUBLE,  # trailingPercent
        "",  # comboLegsDescrip
        0,  # comboLegs
        0,  # orderComboLegs
        0,  # smartComboRoutingParams
        UNSET_INTEGER,  # scaleInitLevelSize
        UNSET_INTEGER,  # scaleSubsLevelSize
        UNSET_DOUBLE,  # scalePriceIncrement
        "",  # hedgeType
        "",  # clearingAccount
        "",  # clearingIntent
        False,  # notHeld
        0,  # deltaNeutralContract present
        "",  # algoStrategy
        False,  # solicited
        status,
        False,  # randomizeSize
        False,  # randomizePrice
        0,  # conditions
        UNSET_DOUBLE,  # trailStopPrice
        UNSET_DOUBLE,  # lmtPriceOffset
        UNSET_DOUBLE,  # cashQty
        False,  # dontUseAutoPriceForHedge
        False,  # isOmsContainer
        "",  # autoCancelDate
        _num(filled),  # filledQuantity
        0,  # refFuturesConId
        False,  # autoCancelParent
        "",  # shareholder
        False,  # imbalanceOnly
        False,  # routeMarketableToBbo
        UNSET_INTEGER,  # parentPermId
        completed_time,
        completed_status,
        UNSET_INTEGER,  # minTradeQty (170+)
        UNSET_INTEGER,  # minCompeteSize
        UNSET_DOUBLE,  # competeAgainstBestOffset
        UNSET_DOUBLE,  # midOffsetAtWhole
        UNSET_DOUBLE,  # midOffsetAtHalf
    ]
    return encode_fields(*fields)


def completed_orders_end() -> bytes:
    return encode_fields(102)


def open_order_end() -> bytes:
    return encode_fields(53, 1)


def execution(
    *,
    req_id: int,
    order_id: int,
    contract: Contract,
    exec_id: str,
    time: str,
    account: str,
    exchange: str,
    side: str,
    shares: Decimal,
    price: Decimal,
    perm_id: int,
    client_id: int,
    cum_qty: Decimal,
    avg_price: Decimal,
    order_ref: str,
    last_liquidity: int,
    server_version: int,
) -> bytes:
    """EXECUTION_DATA (no version field since server version 136); ``side`` BOT / SLD."""
    fields: list[Any] = [
        11,
        req_id,
        order_id,
        *_contract_fields(contract),
        exec_id,
        time,
        account,
        exchange,
        side,
        _num(shares),
        _num(price),
        perm_id,
        client_id,
        0,  # liquidation
        _num(cum_qty),
        _num(avg_price),
        order_ref,
        "",  # evRule
        "",  # evMultiplier
        "",  # modelCode
        last_liquidity,
    ]
    if server_version >= 178:
        fields.append(False)  # pendingPriceRevision
    return encode_fields(*fields)


def execution_end(req_id: int) -> bytes:
    return encode_fields(55, 1, req_id)


def commission_report(exec_id: str, commission: Decimal, currency: str) -> bytes:
    return encode_fields(59, 1, exec_id, _num(commission), currency, UNSET_DOUBLE, UNSET_DOUBLE, 0)


def position(account: str, contract: Contract, quantity: Decimal, avg_cost: Decimal) -> bytes:
    return encode_fields(
        61, 3, account, *_contract_fields(contract), _num(quantity), _num(avg_cost)
    )


def position_end() -> bytes:
    return encode_fields(62, 1)


def account_summary(req_id: int, account: str, tag: str, value: str, currency: str) -> bytes:
    return encode_fields(63, 1, req_id, account, tag, value, currency)


def account_summary_end(req_id: int) -> bytes:
    return encode_fields(64, 1, req_id)
