"""Incoming TWS API messages (TWS -> client): fields to plain records.

Each parser takes the fields of one message (message id first) as laid out at the pinned
server versions (176-178): IB's TWS API reference and the public ``ib_async`` decoder
(``ib_async/decoder.py``) for the field orders. A message too short for its layout raises
:class:`~tradeport_interactive_brokers.wire.ProtocolError` naming the message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

import attrs

from tradeport_interactive_brokers.contract import Contract, ContractDetails
from tradeport_interactive_brokers.wire import ProtocolError, as_decimal, as_int

__all__ = [
    "ErrorMessage",
    "TickPrice",
    "TickSize",
    "TickByTickLast",
    "DepthUpdate",
    "OrderStatus",
    "OpenOrder",
    "CompletedOrder",
    "parse_completed_order",
    "Execution",
    "CommissionReport",
    "Position",
    "AccountSummaryRow",
    "SymbolSample",
    "HistoricalBar",
    "parse_historical_data",
    "RealTimeBar",
    "parse_real_time_bar",
    "OptionChain",
    "parse_error",
    "parse_tick_price",
    "parse_tick_size",
    "parse_tick_by_tick",
    "parse_depth",
    "parse_contract_data",
    "parse_bond_contract_data",
    "parse_symbol_samples",
    "parse_option_chain",
    "parse_order_status",
    "parse_open_order",
    "parse_execution",
    "parse_commission_report",
    "parse_position",
    "parse_account_summary",
    "req_id_of",
]

T = TypeVar("T")


def _layout(name: str, fields: Sequence[str], minimum: int) -> None:
    if len(fields) < minimum:
        raise ProtocolError(
            f"{name}: {len(fields)} fields, the layout needs at least {minimum}: "
            f"{list(fields)[:8]!r}"
        )


def _guard(name: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except (IndexError, ValueError, ArithmeticError) as exc:
        raise ProtocolError(f"{name}: {exc}") from exc


def _contract_at(fields: Sequence[str], start: int) -> Contract:
    """The eleven contract fields of order, execution and position messages (conId, symbol,
    secType, lastTradeDate, strike, right, multiplier, exchange, currency, localSymbol,
    tradingClass: no primary exchange), from ``start``."""
    f = fields[start : start + 11]
    return Contract(
        con_id=as_int(f[0]),
        symbol=f[1],
        sec_type=f[2],
        last_trade_date=f[3],
        strike=as_decimal(f[4]) or None,
        right=f[5],
        multiplier=f[6],
        exchange=f[7],
        currency=f[8],
        local_symbol=f[9],
        trading_class=f[10],
    )


def _dec(text: str) -> Decimal:
    value = as_decimal(text)
    return value if value is not None else Decimal(0)


# -- errors and notices ---------------------------------------------------------------------------


@attrs.frozen
class ErrorMessage:
    """ERR_MSG (4): a request's error (``req_id`` > 0) or a notice (``req_id`` -1)."""

    req_id: int
    code: int
    message: str
    advanced: str = ""


def parse_error(fields: Sequence[str]) -> ErrorMessage:
    """``4, 2, reqId, code, message[, advancedOrderRejectJson]``."""
    _layout("error", fields, 5)
    return _guard(
        "error",
        lambda: ErrorMessage(
            as_int(fields[2], -1),
            as_int(fields[3]),
            fields[4],
            fields[5] if len(fields) > 5 else "",
        ),
    )


def req_id_of(fields: Sequence[str]) -> int | None:
    """The request id a message answers, for the ids that carry one (None otherwise)."""
    msg_id = fields[0]
    position = _REQ_ID_POSITION.get(msg_id)
    if position is None or len(fields) <= position:
        return None
    return as_int(fields[position], -1)


#: Where the request id sits, by message id (versioned messages carry it after the version).
_REQ_ID_POSITION = {
    "1": 2,  # tickPrice
    "2": 2,  # tickSize
    "4": 2,  # error
    "10": 1,  # contractData
    "11": 1,  # execDetails
    "12": 2,  # marketDepth
    "13": 2,  # marketDepthL2
    "17": 1,  # historicalData
    "18": 1,  # bondContractData
    "50": 2,  # realtimeBar
    "52": 2,  # contractDataEnd
    "55": 2,  # execDetailsEnd
    "58": 2,  # marketDataType
    "63": 2,  # accountSummary
    "64": 2,  # accountSummaryEnd
    "75": 1,  # securityDefinitionOptionParameter
    "76": 1,  # securityDefinitionOptionParameterEnd
    "79": 1,  # symbolSamples
    "99": 1,  # tickByTick
}


# -- market data ----------------------------------------------------------------------------------


@attrs.frozen
class TickPrice:
    """TICK_PRICE (1): ``tick_type`` 1 bid, 2 ask, 4 last, 66-68 delayed bid/ask/last."""

    req_id: int
    tick_type: int
    price: Decimal | None
    size: Decimal | None
    attributes: int


def parse_tick_price(fields: Sequence[str]) -> TickPrice:
    """``1, 6, reqId, tickType, price, size, attrMask``."""
    _layout("tickPrice", fields, 7)
    return _guard(
        "tickPrice",
        lambda: TickPrice(
            as_int(fields[2]),
            as_int(fields[3]),
            as_decimal(fields[4]),
            as_decimal(fields[5]),
            as_int(fields[6]),
        ),
    )


@attrs.frozen
class TickSize:
    """TICK_SIZE (2): ``tick_type`` 0 bid size, 3 ask size, 5 last size, 8 volume, 69-71 delayed."""

    req_id: int
    tick_type: int
    size: Decimal | None


def parse_tick_size(fields: Sequence[str]) -> TickSize:
    """``2, 6, reqId, tickType, size``."""
    _layout("tickSize", fields, 5)
    return _guard(
        "tickSize",
        lambda: TickSize(as_int(fields[2]), as_int(fields[3]), as_decimal(fields[4])),
    )


@attrs.frozen
class TickByTickLast:
    """TICK_BY_TICK (99) of type 1 (Last) or 2 (AllLast): one print."""

    req_id: int
    tick_type: int
    time_s: int
    price: Decimal
    size: Decimal
    attributes: int
    exchange: str
    special_conditions: str


def parse_tick_by_tick(fields: Sequence[str]) -> TickByTickLast | None:
    """``99, reqId, tickType, time, ...``; None for the bid/ask and midpoint types."""
    _layout("tickByTick", fields, 4)
    tick_type = as_int(fields[2])
    if tick_type not in (1, 2):
        return None
    _layout("tickByTick", fields, 9)
    return _guard(
        "tickByTick",
        lambda: TickByTickLast(
            as_int(fields[1]),
            tick_type,
            as_int(fields[3]),
            _dec(fields[4]),
            _dec(fields[5]),
            as_int(fields[6]),
            fields[7],
            fields[8],
        ),
    )


@attrs.frozen
class DepthUpdate:
    """MARKET_DEPTH (12) / MARKET_DEPTH_L2 (13): ``operation`` 0 insert, 1 update, 2 delete;
    ``side`` 0 ask, 1 bid; ``position`` the row."""

    req_id: int
    position: int
    market_maker: str
    operation: int
    side: int
    price: Decimal
    size: Decimal
    smart_depth: bool


def parse_depth(fields: Sequence[str]) -> DepthUpdate:
    """``12, 1, reqId, position, operation, side, price, size`` or ``13, 1, reqId, position,
    marketMaker, operation, side, price, size, isSmartDepth``."""
    if fields[0] == "12":
        _layout("marketDepth", fields, 8)
        return _guard(
            "marketDepth",
            lambda: DepthUpdate(
                as_int(fields[2]),
                as_int(fields[3]),
                "",
                as_int(fields[4]),
                as_int(fields[5]),
                _dec(fields[6]),
                _dec(fields[7]),
                False,
            ),
        )
    _layout("marketDepthL2", fields, 10)
    return _guard(
        "marketDepthL2",
        lambda: DepthUpdate(
            as_int(fields[2]),
            as_int(fields[3]),
            fields[4],
            as_int(fields[5]),
            as_int(fields[6]),
            _dec(fields[7]),
            _dec(fields[8]),
            fields[9] == "1",
        ),
    )


@attrs.frozen
class HistoricalBar:
    """One bar of HISTORICAL_DATA (17): ``date`` as sent (epoch seconds with formatDate 2)."""

    date: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    wap: Decimal | None
    bar_count: int


def parse_historical_data(fields: Sequence[str]) -> tuple[int, list[HistoricalBar]]:
    """``17, reqId, startDate, endDate, n, (date, open, high, low, close, volume, wap,
    barCount) x n`` (no version field since server version 124)."""
    _layout("historicalData", fields, 5)

    def build() -> tuple[int, list[HistoricalBar]]:
        count = as_int(fields[4])
        _layout("historicalData", fields, 5 + 8 * count)
        bars = []
        for i in range(count):
            f = fields[5 + 8 * i : 13 + 8 * i]
            bars.append(
                HistoricalBar(
                    f[0],
                    _dec(f[1]),
                    _dec(f[2]),
                    _dec(f[3]),
                    _dec(f[4]),
                    _dec(f[5]),
                    as_decimal(f[6]),
                    as_int(f[7]),
                )
            )
        return as_int(fields[1]), bars

    return _guard("historicalData", build)


@attrs.frozen
class RealTimeBar:
    """One 5-second bar of reqRealTimeBars: its open time (UNIX seconds) and OHLCV."""

    req_id: int
    time_s: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


def parse_real_time_bar(fields: Sequence[str]) -> RealTimeBar:
    """REAL_TIME_BARS (50): version, reqId, time, open, high, low, close, volume, wap, count."""
    _layout("realtimeBar", fields, 9)

    def build() -> RealTimeBar:
        return RealTimeBar(
            as_int(fields[2]),
            as_int(fields[3]),
            _dec(fields[4]),
            _dec(fields[5]),
            _dec(fields[6]),
            _dec(fields[7]),
            _dec(fields[8]),
        )

    return _guard("realtimeBar", build)


# -- contracts ------------------------------------------------------------------------------------


def parse_contract_data(fields: Sequence[str]) -> tuple[int, ContractDetails]:
    """CONTRACT_DATA (10) at server version >= 164 (no version field): (reqId, details)."""
    _layout("contractData", fields, 31)
    return _guard("contractData", lambda: _contract_data(list(fields)))


def _contract_data(f: list[str]) -> tuple[int, ContractDetails]:
    req_id = as_int(f[1])
    last_times = f[4]
    n_sec_ids = as_int(f[30])
    sec_ids = tuple((f[31 + 2 * i], f[32 + 2 * i]) for i in range(n_sec_ids))
    rest = f[31 + 2 * n_sec_ids :]
    if len(rest) < 9:
        raise ProtocolError(f"contractData: {len(rest)} trailing fields, the layout needs 9")
    times = last_times.split("-" if "-" in last_times else None)
    contract = Contract(
        con_id=as_int(f[12]),
        symbol=f[2],
        sec_type=f[3],
        last_trade_date=times[0] if times else "",
        strike=as_decimal(f[5]) or None,
        right=f[6],
        multiplier=f[14],
        exchange=f[7],
        primary_exchange=f[20],
        currency=f[8],
        local_symbol=f[9],
        trading_class=f[11],
    )
    min_tick = as_decimal(f[13])
    details = ContractDetails(
        contract=contract,
        market_name=f[10],
        min_tick=min_tick if min_tick is not None else Decimal("0.01"),
        order_types=tuple(t for t in f[15].split(",") if t),
        valid_exchanges=tuple(e for e in f[16].split(",") if e),
        price_magnifier=as_int(f[17], 1) or 1,
        under_con_id=as_int(f[18]),
        long_name=f[19],
        contract_month=f[21],
        industry=f[22],
        category=f[23],
        subcategory=f[24],
        time_zone_id=f[25] or (times[2] if len(times) > 2 else ""),
        trading_hours=f[26],
        liquid_hours=f[27],
        sec_ids=sec_ids,
        agg_group=as_int(rest[0]),
        under_symbol=rest[1],
        under_sec_type=rest[2],
        market_rule_ids=rest[3],
        real_expiration_date=rest[4],
        last_trade_time=times[1] if len(times) > 1 else "",
        stock_type=rest[5],
        min_size=as_decimal(rest[6]),
        size_increment=as_decimal(rest[7]),
        suggested_size_increment=as_decimal(rest[8]),
    )
    return req_id, details


def parse_bond_contract_data(fields: Sequence[str]) -> tuple[int, ContractDetails]:
    """BOND_CONTRACT_DATA (18) at server version >= 164 (no version field): what
    ``reqContractDetails`` answers for a bond, (reqId, details). Layout: reqId, symbol,
    secType, cusip, coupon, maturity[ lastTradeTime timeZone], issueDate, ratings, bondType,
    couponType, convertible, callable, putable, descAppend, exchange, currency, marketName,
    tradingClass, conId, minTick, orderTypes, validExchanges, nextOptionDate, nextOptionType,
    nextOptionPartial, notes, longName, evRule, evMultiplier, secIds (count, then tag/value),
    aggGroup, marketRuleIds, minSize, sizeIncrement, suggestedSizeIncrement."""
    _layout("bondContractData", fields, 31)
    return _guard("bondContractData", lambda: _bond_contract_data(list(fields)))


def _bond_contract_data(f: list[str]) -> tuple[int, ContractDetails]:
    req_id = as_int(f[1])
    times = f[6].split("-" if "-" in f[6] else None)
    n_sec_ids = as_int(f[30])
    sec_ids = tuple((f[31 + 2 * i], f[32 + 2 * i]) for i in range(n_sec_ids))
    rest = f[31 + 2 * n_sec_ids :]
    if len(rest) < 5:
        raise ProtocolError(f"bondContractData: {len(rest)} trailing fields, the layout needs 5")
    ids = dict(sec_ids)
    # The contract names the bond by its ISIN (else its CUSIP): bonds have no local symbol.
    sec_id_type, sec_id = (
        ("ISIN", ids["ISIN"]) if ids.get("ISIN") else ("CUSIP", f[4]) if f[4] else ("", "")
    )
    contract = Contract(
        con_id=as_int(f[19]),
        symbol=f[2],
        sec_type=f[3],
        last_trade_date=times[0] if times else "",
        exchange=f[15],
        currency=f[16],
        trading_class=f[18],
        sec_id_type=sec_id_type,
        sec_id=sec_id,
    )
    min_tick = as_decimal(f[20])
    details = ContractDetails(
        contract=contract,
        market_name=f[17],
        min_tick=min_tick if min_tick is not None else Decimal("0.01"),
        order_types=tuple(t for t in f[21].split(",") if t),
        valid_exchanges=tuple(e for e in f[22].split(",") if e),
        long_name=f[27],
        time_zone_id=times[2] if len(times) > 2 else "",
        last_trade_time=times[1] if len(times) > 1 else "",
        sec_ids=sec_ids,
        agg_group=as_int(rest[0]),
        market_rule_ids=rest[1],
        min_size=as_decimal(rest[2]),
        size_increment=as_decimal(rest[3]),
        suggested_size_increment=as_decimal(rest[4]),
        cusip=f[4],
        coupon=as_decimal(f[5]),
        issue_date=f[7],
        ratings=f[8],
        bond_type=f[9],
        coupon_type=f[10],
        convertible=f[11] == "1",
        callable=f[12] == "1",
        putable=f[13] == "1",
        desc_append=f[14],
        notes=f[26],
    )
    return req_id, details


@attrs.frozen
class SymbolSample:
    """One SYMBOL_SAMPLES (79) row: a contract that matches a pattern."""

    con_id: int
    symbol: str
    sec_type: str
    primary_exchange: str
    currency: str
    derivative_sec_types: tuple[str, ...]
    description: str = ""
    issuer_id: str = ""


def parse_symbol_samples(
    fields: Sequence[str], server_version: int
) -> tuple[int, list[SymbolSample]]:
    """``79, reqId, n, (conId, symbol, secType, primaryExchange, currency, m, m x derivative
    secType[, description, issuerId from 176])*``."""
    _layout("symbolSamples", fields, 3)

    def build() -> tuple[int, list[SymbolSample]]:
        req_id = as_int(fields[1])
        count = as_int(fields[2])
        samples = []
        i = 3
        for _ in range(count):
            con_id, symbol, sec_type, primary, currency = fields[i : i + 5]
            m = as_int(fields[i + 5])
            derivatives = tuple(fields[i + 6 : i + 6 + m])
            i += 6 + m
            description = issuer = ""
            if server_version >= 176:
                description, issuer = fields[i], fields[i + 1]
                i += 2
            samples.append(
                SymbolSample(
                    as_int(con_id),
                    symbol,
                    sec_type,
                    primary,
                    currency,
                    derivatives,
                    description,
                    issuer,
                )
            )
        return req_id, samples

    return _guard("symbolSamples", build)


@attrs.frozen
class OptionChain:
    """One SECURITY_DEFINITION_OPTION_PARAMETER (75) row: an exchange's expirations and strikes."""

    req_id: int
    exchange: str
    under_con_id: int
    trading_class: str
    multiplier: str
    expirations: tuple[str, ...]
    strikes: tuple[Decimal, ...]


def parse_option_chain(fields: Sequence[str]) -> OptionChain:
    """``75, reqId, exchange, underlyingConId, tradingClass, multiplier, n, n x expiration, m,
    m x strike``."""
    _layout("securityDefinitionOptionParameter", fields, 8)

    def build() -> OptionChain:
        n = as_int(fields[6])
        expirations = tuple(fields[7 : 7 + n])
        m = as_int(fields[7 + n])
        strikes = tuple(_dec(s) for s in fields[8 + n : 8 + n + m])
        return OptionChain(
            as_int(fields[1]),
            fields[2],
            as_int(fields[3]),
            fields[4],
            fields[5],
            expirations,
            strikes,
        )

    return _guard("securityDefinitionOptionParameter", build)


# -- orders and executions ------------------------------------------------------------------------


@attrs.frozen
class OrderStatus:
    """ORDER_STATUS (3)."""

    order_id: int
    status: str
    filled: Decimal
    remaining: Decimal
    avg_fill_price: Decimal
    perm_id: int
    parent_id: int
    last_fill_price: Decimal
    client_id: int
    why_held: str


def parse_order_status(fields: Sequence[str]) -> OrderStatus:
    """``3, orderId, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice,
    clientId, whyHeld, mktCapPrice`` (no version field since server version 131)."""
    _layout("orderStatus", fields, 11)
    return _guard(
        "orderStatus",
        lambda: OrderStatus(
            as_int(fields[1]),
            fields[2],
            _dec(fields[3]),
            _dec(fields[4]),
            _dec(fields[5]),
            as_int(fields[6]),
            as_int(fields[7]),
            _dec(fields[8]),
            as_int(fields[9]),
            fields[10],
        ),
    )


@attrs.frozen
class OpenOrder:
    """The leading part of OPEN_ORDER (5): the contract and the order's own fields. Status
    and fills come from the ORDER_STATUS that TWS sends with every open order."""

    order_id: int
    contract: Contract
    action: str
    total_quantity: Decimal
    order_type: str
    lmt_price: Decimal | None
    aux_price: Decimal | None
    tif: str
    oca_group: str
    account: str
    order_ref: str
    client_id: int
    perm_id: int
    outside_rth: bool
    good_till_date: str


def parse_open_order(fields: Sequence[str], server_version: int) -> OpenOrder:
    """``5, orderId, conId, symbol, secType, lastTradeDate, strike, right, multiplier,
    exchange, currency, localSymbol, tradingClass, action, totalQuantity, orderType, lmtPrice,
    auxPrice, tif, ocaGroup, account, openClose, origin, orderRef, clientId, permId, outsideRth,
    hidden, discretionaryAmt, goodAfterTime, (deprecated), faGroup, faMethod, faPercentage,
    [faProfile before 177], modelCode, goodTillDate, ...`` (the rest is not read)."""
    gtd_at = 35 if server_version >= 177 else 36
    _layout("openOrder", fields, gtd_at + 1)
    return _guard(
        "openOrder",
        lambda: OpenOrder(
            order_id=as_int(fields[1]),
            contract=_contract_at(fields, 2),
            action=fields[13],
            total_quantity=_dec(fields[14]),
            order_type=fields[15],
            lmt_price=as_decimal(fields[16]),
            aux_price=as_decimal(fields[17]),
            tif=fields[18],
            oca_group=fields[19],
            account=fields[20],
            order_ref=fields[23],
            client_id=as_int(fields[24]),
            perm_id=as_int(fields[25]),
            outside_rth=fields[26] == "1",
            good_till_date=fields[gtd_at],
        ),
    )


@attrs.frozen
class CompletedOrder:
    """COMPLETED_ORDER (101): an order that ended today (filled, cancelled, inactive)."""

    contract: Contract
    action: str
    total_quantity: Decimal
    order_type: str
    lmt_price: Decimal | None
    aux_price: Decimal | None
    tif: str
    account: str
    order_ref: str
    perm_id: int
    good_till_date: str
    filled_quantity: Decimal
    status: str
    completed_time: str
    completed_status: str


class _Cursor:
    """Reads a message's fields in order (for layouts with counted and optional parts)."""

    def __init__(self, fields: Sequence[str], start: int) -> None:
        self.fields = fields
        self.at = start

    def take(self, count: int = 1) -> list[str]:
        if self.at + count > len(self.fields):
            raise ProtocolError(
                f"completedOrder: ends at field {len(self.fields)}, needs {self.at + count}"
            )
        out = list(self.fields[self.at : self.at + count])
        self.at += count
        return out

    def one(self) -> str:
        return self.take()[0]


def parse_completed_order(fields: Sequence[str], server_version: int) -> CompletedOrder:
    """The whole COMPLETED_ORDER layout of server versions 176-178 (no version field, no
    order id): contract, order fields, counted combo / routing / algo parts, state. Orders
    with conditions are refused (not supported yet)."""
    _layout("completedOrder", fields, 31)
    c = _Cursor(fields, 12)
    action, qty, order_type, lmt, aux, tif, _oca, account, _oc, _origin, ref, perm = c.take(12)
    c.take(6)  # outsideRth, hidden, discretionaryAmt, goodAfterTime, faGroup, faMethod
    c.take(1)  # faPercentage
    if server_version < 177:
        c.take(1)  # faProfile
    group = c.take(23)  # modelCode ... deltaNeutralAuxPrice
    good_till = group[1]
    if group[21]:  # deltaNeutralOrderType
        c.take(4)
    c.take(5)  # continuousUpdate, referencePriceType, trailStopPrice, trailingPercent, legs
    c.take(8 * as_int(c.one()))  # combo legs
    c.take(as_int(c.one()))  # order combo legs
    c.take(2 * as_int(c.one()))  # smart combo routing params
    increment = as_decimal(c.take(3)[2])
    if increment is not None and increment > 0:
        c.take(7)  # scale parameters
    if c.one():  # hedgeType
        c.take(1)
    if c.take(4)[3] == "1":  # clearingAccount, clearingIntent, notHeld, dncPresent
        c.take(3)
    if c.one():  # algoStrategy
        c.take(2 * as_int(c.one()))
    status = c.take(4)[1]  # solicited, status, randomizeSize, randomizePrice
    if order_type in ("PEG BENCH", "PEGBENCH"):
        c.take(5)
    if as_int(c.one()):
        raise ProtocolError("completedOrder: orders with conditions are not supported yet")
    tail = c.take(15)  # trailStopPrice ... completedStatus
    return _guard(
        "completedOrder",
        lambda: CompletedOrder(
            contract=_contract_at(fields, 1),
            action=action,
            total_quantity=_dec(qty),
            order_type=order_type,
            lmt_price=as_decimal(lmt),
            aux_price=as_decimal(aux),
            tif=tif,
            account=account,
            order_ref=ref,
            perm_id=as_int(perm),
            good_till_date=good_till,
            filled_quantity=_dec(tail[6]),
            status=status,
            completed_time=tail[13],
            completed_status=tail[14],
        ),
    )


@attrs.frozen
class Execution:
    """EXECUTION_DATA (11): one fill (its commission comes in a COMMISSION_REPORT)."""

    req_id: int
    order_id: int
    contract: Contract
    exec_id: str
    time: str
    account: str
    exchange: str
    side: str
    shares: Decimal
    price: Decimal
    perm_id: int
    client_id: int
    cum_qty: Decimal
    avg_price: Decimal
    order_ref: str
    last_liquidity: int


def parse_execution(fields: Sequence[str]) -> Execution:
    """``11, reqId, orderId, conId, symbol, secType, lastTradeDate, strike, right, multiplier,
    exchange, currency, localSymbol, tradingClass, execId, time, acctNumber, exchange, side,
    shares, price, permId, clientId, liquidation, cumQty, avgPrice, orderRef, evRule,
    evMultiplier, modelCode, lastLiquidity[, pendingPriceRevision from 178]``."""
    _layout("execDetails", fields, 31)
    return _guard(
        "execDetails",
        lambda: Execution(
            req_id=as_int(fields[1], -1),
            order_id=as_int(fields[2]),
            contract=_contract_at(fields, 3),
            exec_id=fields[14],
            time=fields[15],
            account=fields[16],
            exchange=fields[17],
            side=fields[18],
            shares=_dec(fields[19]),
            price=_dec(fields[20]),
            perm_id=as_int(fields[21]),
            client_id=as_int(fields[22]),
            cum_qty=_dec(fields[24]),
            avg_price=_dec(fields[25]),
            order_ref=fields[26],
            last_liquidity=as_int(fields[30]),
        ),
    )


@attrs.frozen
class CommissionReport:
    """COMMISSION_REPORT (59): the commission of one execution, by ``exec_id``."""

    exec_id: str
    commission: Decimal
    currency: str
    realized_pnl: Decimal | None


def parse_commission_report(fields: Sequence[str]) -> CommissionReport:
    """``59, 1, execId, commission, currency, realizedPNL, yield, yieldRedemptionDate``."""
    _layout("commissionReport", fields, 6)
    return _guard(
        "commissionReport",
        lambda: CommissionReport(fields[2], _dec(fields[3]), fields[4], as_decimal(fields[5])),
    )


@attrs.frozen
class Position:
    """POSITION_DATA (61): one position of one account."""

    account: str
    contract: Contract
    position: Decimal
    avg_cost: Decimal


def parse_position(fields: Sequence[str]) -> Position:
    """``61, 3, account, conId, symbol, secType, lastTradeDate, strike, right, multiplier,
    exchange, currency, localSymbol, tradingClass, position, avgCost``."""
    _layout("position", fields, 16)
    return _guard(
        "position",
        lambda: Position(
            fields[2],
            _contract_at(fields, 3),
            _dec(fields[14]),
            _dec(fields[15]),
        ),
    )


@attrs.frozen
class AccountSummaryRow:
    """ACCOUNT_SUMMARY (63): one tag of one account."""

    req_id: int
    account: str
    tag: str
    value: str
    currency: str


def parse_account_summary(fields: Sequence[str]) -> AccountSummaryRow:
    """``63, 1, reqId, account, tag, value, currency``."""
    _layout("accountSummary", fields, 7)
    return AccountSummaryRow(as_int(fields[2]), fields[3], fields[4], fields[5], fields[6])


def describe(fields: Sequence[str]) -> str:
    """A message for logs: its fields comma-joined, cut to 200 characters."""
    text = ",".join(fields)
    return text if len(text) <= 200 else text[:197] + "..."
