"""Parsers: Betfair records into the core model (pure functions, named for what they make).

Prices are decimal odds at two decimals (the ladder's finest step), stakes in pennies; BACK is
SELL and LAY is BUY. The raw venue record is kept in ``Instrument.info``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradeport.model.enums import (
    AccountType,
    LiquiditySide,
    OrderStatus,
    OrderType,
    SettlementStatus,
    TimeInForce,
)
from tradeport.model.identifiers import AccountId, ClientOrderId, Symbol, TradeId, VenueOrderId
from tradeport.model.instruments import BettingMarket
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.reports import (
    AccountBalance,
    AccountState,
    Exposure,
    FillReport,
    OrderStatusReport,
)

from tradeport_betfair.constants import PRICE_LADDER, STAKE_PRECISION
from tradeport_betfair.enums import (
    ORDER_TYPE_FROM_WIRE,
    PERSISTENCE_FROM_WIRE,
    SIDE_FROM_WIRE,
    STREAM_ORDER_TYPE,
    STREAM_PERSISTENCE,
    STREAM_SIDE,
)
from tradeport_betfair.symbology import runner_id

__all__ = [
    "parse_time",
    "parse_market_catalogue",
    "parse_current_order",
    "parse_stream_order",
    "fill_trade_id",
    "parse_fill",
    "parse_account_funds",
    "market_liability",
    "price",
    "stake",
]

PRICE_PRECISION = PRICE_LADDER.min_price.precision
_ZERO = Decimal(0)


def price(value: Any) -> Price:
    """Odds at the ladder's precision (an average price is rounded half-even to it)."""
    return Price(Decimal(str(value))).rescale(PRICE_PRECISION, "ROUND_HALF_EVEN")


def stake(value: Any) -> Quantity:
    """A stake in pennies."""
    return Quantity(Decimal(str(value or 0))).rescale(STAKE_PRECISION, "ROUND_HALF_EVEN")


def parse_time(text: str | None) -> int | None:
    """``2021-03-15T14:59:12.000Z`` as UNIX nanoseconds."""
    if not text:
        return None
    stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(stamp.timestamp() * 1_000_000) * 1000


def parse_market_catalogue(
    record: Mapping[str, Any], currency: str, ts_init: int
) -> tuple[list[BettingMarket], list[tuple[Any, Exception]]]:
    """Every runner of one MarketCatalogue as a BettingMarket; the runners that failed."""
    out: list[BettingMarket] = []
    failed: list[tuple[Any, Exception]] = []
    event_type = record.get("eventType") or {}
    event = record.get("event") or {}
    competition = record.get("competition") or {}
    description = record.get("description") or {}
    # MARKET_START_TIME projection, else the description's marketTime (MARKET_DESCRIPTION).
    start = parse_time(record.get("marketStartTime") or description.get("marketTime"))
    for runner in record.get("runners") or ():
        try:
            handicap = Decimal(str(runner.get("handicap") or 0))
            iid = runner_id(str(record["marketId"]), runner["selectionId"], handicap)
            out.append(
                BettingMarket(
                    id=iid,
                    raw_symbol=Symbol(iid.symbol.value),
                    quote_currency=currency,
                    price_precision=PRICE_PRECISION,
                    size_precision=STAKE_PRECISION,
                    price_increment=PRICE_LADDER.smallest_increment,
                    size_increment=Quantity(Decimal("0.01"), STAKE_PRECISION),
                    min_price=PRICE_LADDER.min_price,
                    max_price=PRICE_LADDER.max_price,
                    # eventType is there only with the EVENT_TYPE projection.
                    event_type_id=str(event_type.get("id", "")),
                    event_type_name=str(event_type.get("name", "")),
                    event_id=str(event["id"]),
                    event_name=str(event.get("name", "")),
                    market_id=str(record["marketId"]),
                    market_name=str(record.get("marketName", "")),
                    market_type=str(description.get("marketType", "")),
                    selection_id=str(runner["selectionId"]),
                    selection_name=str(runner.get("runnerName", "")),
                    handicap=handicap,
                    competition_id=str(competition["id"]) if competition.get("id") else None,
                    competition_name=competition.get("name"),
                    event_open_ns=parse_time(event.get("openDate")),
                    market_start_ns=start,
                    price_ladder=PRICE_LADDER,
                    ts_event=ts_init,
                    ts_init=ts_init,
                    info={
                        "market": {k: v for k, v in record.items() if k != "runners"},
                        "runner": dict(runner),
                    },
                )
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            failed.append((runner, exc))
    return out, failed


def _status(
    executable: bool, matched: Decimal, size: Decimal, lapsed: Decimal, cancelled: Decimal
) -> OrderStatus:
    if executable:
        return OrderStatus.PARTIALLY_FILLED if matched > 0 else OrderStatus.ACCEPTED
    if matched >= size and size > 0:
        return OrderStatus.FILLED
    if lapsed > 0:
        return OrderStatus.LAPSED
    return OrderStatus.CANCELED if cancelled > 0 or matched < size else OrderStatus.FILLED


def parse_current_order(
    row: Mapping[str, Any], account_id: AccountId, ts_init: int
) -> OrderStatusReport:
    """One CurrentOrderSummary (listCurrentOrders) as an OrderStatusReport."""
    price_size = row.get("priceSize") or {}
    order_type, tif = ORDER_TYPE_FROM_WIRE.get(str(row.get("orderType")), (OrderType.LIMIT, None))
    tif = tif or PERSISTENCE_FROM_WIRE.get(str(row.get("persistenceType")), TimeInForce.LAPSE)
    size = Decimal(str(price_size.get("size") or row.get("bspLiability") or 0))
    matched = Decimal(str(row.get("sizeMatched") or 0))
    status = _status(
        row.get("status") == "EXECUTABLE",
        matched,
        size,
        Decimal(str(row.get("sizeLapsed") or 0)),
        Decimal(str(row.get("sizeCancelled") or 0)),
    )
    placed = parse_time(row.get("placedDate")) or ts_init
    ref = row.get("customerOrderRef")
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=runner_id(
            str(row["marketId"]), row["selectionId"], Decimal(str(row.get("handicap") or 0))
        ),
        client_order_id=ClientOrderId(str(ref)) if ref else None,
        venue_order_id=VenueOrderId(str(row["betId"])),
        order_side=SIDE_FROM_WIRE[str(row["side"])],
        order_type=order_type,
        time_in_force=tif,
        order_status=status,
        quantity=stake(size),
        filled_qty=stake(matched),
        price=price(price_size["price"]) if price_size.get("price") else None,
        avg_px=Decimal(str(row["averagePriceMatched"])) if matched else None,
        ts_accepted=placed,
        ts_last=parse_time(row.get("matchedDate")) or placed,
        ts_init=ts_init,
    )


def parse_stream_order(
    uo: Mapping[str, Any],
    market_id: str,
    selection_id: int,
    handicap: Decimal,
    account_id: AccountId,
    ts_init: int,
) -> OrderStatusReport:
    """One order-stream bet (``uo``) as an OrderStatusReport."""
    order_type, tif = STREAM_ORDER_TYPE.get(str(uo.get("ot")), (OrderType.LIMIT, None))
    tif = tif or STREAM_PERSISTENCE.get(str(uo.get("pt")), TimeInForce.LAPSE)
    size = Decimal(str(uo.get("s") or uo.get("bsp") or 0))
    matched = Decimal(str(uo.get("sm") or 0))
    status = _status(
        uo.get("status") == "E",
        matched,
        size,
        Decimal(str(uo.get("sl") or 0)),
        Decimal(str(uo.get("sc") or 0)),
    )
    placed = int(uo.get("pd") or ts_init // 1_000_000) * 1_000_000
    last = max(int(uo.get(k) or 0) for k in ("pd", "md", "cd", "ld")) * 1_000_000
    ref = uo.get("rfo")
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=runner_id(market_id, selection_id, handicap),
        client_order_id=ClientOrderId(str(ref)) if ref else None,
        venue_order_id=VenueOrderId(str(uo["id"])),
        order_side=STREAM_SIDE[str(uo["side"])],
        order_type=order_type,
        time_in_force=tif,
        order_status=status,
        quantity=stake(size),
        filled_qty=stake(matched),
        price=price(uo["p"]) if uo.get("p") else None,
        avg_px=Decimal(str(uo["avp"])) if matched and uo.get("avp") is not None else None,
        cancel_reason=str(uo["lsrc"]) if uo.get("lsrc") else None,
        ts_accepted=placed,
        ts_last=last or placed,
        ts_init=ts_init,
    )


def fill_trade_id(bet_id: str, matched_total: Decimal, voided: Decimal | None = None) -> TradeId:
    """Betfair has no trade ids: a fill is the step of a bet's cumulative matched size, named by
    the bet and the total it reached (so the same step is the same fill, wherever it is seen).
    ``voided`` tags the standing part of a partly voided step (the bet's ``sv`` then)."""
    name = f"{bet_id}-{format(matched_total.normalize(), 'f')}"
    if voided is not None:
        name += f"-v{format(voided.normalize(), 'f')}"
    return TradeId(name)


def parse_fill(
    report: OrderStatusReport,
    size: Decimal,
    fill_price: Decimal,
    total: Decimal,
    currency: str,
    ts_event: int,
    ts_init: int,
    *,
    voided: Decimal | None = None,
    settlement: SettlementStatus = SettlementStatus.FINAL,
    settlement_detail: str | None = None,
) -> FillReport:
    """One matched increment of a bet as a FillReport (commission is charged on net market
    winnings at settlement, so none per fill); REVERSED with ``settlement`` when Betfair voided
    it."""
    return FillReport(
        account_id=report.account_id,
        instrument_id=report.instrument_id,
        venue_order_id=report.venue_order_id,
        client_order_id=report.client_order_id,
        trade_id=fill_trade_id(report.venue_order_id.value, total, voided),
        order_side=report.order_side,
        last_qty=stake(size),
        last_px=price(fill_price),
        commission=Money(_ZERO, currency),
        liquidity_side=LiquiditySide.NO_LIQUIDITY_SIDE,
        ts_event=ts_event,
        ts_init=ts_init,
        settlement=settlement,
        settlement_detail=settlement_detail,
    )


def market_liability(record: Mapping[str, Any]) -> Decimal:
    """What the matched bets of one market (a listMarketProfitAndLoss record) lose in the
    worst outcome: minus the lowest of the runners' reported values (``ifWin``, and
    ``ifLose`` / ``ifPlace`` where the market has them), zero when none loses."""
    values = [
        Decimal(str(row[name]))
        for row in record.get("profitAndLosses") or ()
        for name in ("ifWin", "ifLose", "ifPlace")
        if row.get(name) is not None
    ]
    return max(-min(values), _ZERO) if values else _ZERO


def parse_account_funds(
    record: Mapping[str, Any],
    account_id: AccountId,
    currency: str,
    ts_init: int,
    market_profit_and_loss: Sequence[Mapping[str, Any]] = (),
) -> AccountState:
    """getAccountFunds as AccountState: ``availableToBetBalance`` is free, the exposure (a
    negative number on the wire) is what the open and matched bets hold back, so total =
    free + exposure.

    ``exposures``: one per market of ``market_profit_and_loss`` (listMarketProfitAndLoss
    records) with the worst-case loss of its matched bets (:func:`market_liability`), and
    the rest of the account's exposure, which Betfair does not attribute to a market (what
    unmatched bets hold back), as one Exposure of market ``"*"``; their sum is the account's
    exposure. Without P&L records the whole exposure is the ``"*"`` one."""
    free = Decimal(str(record.get("availableToBetBalance") or 0))
    exposure = -Decimal(str(record.get("exposure") or 0))
    locked = max(exposure, _ZERO)
    balance = AccountBalance(
        total=Money(free + locked, currency),
        locked=Money(locked, currency),
        free=Money(free, currency),
    )
    exposures = []
    for market in market_profit_and_loss:
        liability = market_liability(market)
        if liability:
            exposures.append(
                Exposure(liability=Money(liability, currency), market_id=str(market["marketId"]))
            )
    rest = locked - sum((e.liability.as_decimal() for e in exposures), _ZERO)
    if rest > 0:
        exposures.append(Exposure(liability=Money(rest, currency), market_id="*"))
    return AccountState(
        account_id=account_id,
        account_type=AccountType.BETTING,
        base_currency=currency,
        balances=(balance,),
        exposures=tuple(exposures),
        reported=True,
        ts_event=ts_init,
        ts_init=ts_init,
    )
