"""Parsers from CoinbaseIntx REST payloads to the domain model: pure functions named for what
they make.

Numbers keep the instrument's precision when the instrument is known (``instrument`` argument),
else the precision the venue printed. ``""`` and ``null`` both mean "missing". Venue enum
values go through the explicit maps in :mod:`tradeport_coinbase_intx.enums`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.data import (
    Bar,
    BarType,
    BookOrder,
    OrderBookDelta,
    OrderBookDeltas,
    RecordFlag,
    TradeTick,
)
from tradeport.model.enums import AccountType, BookAction, OrderSide, PositionSide
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    Symbol,
    TradeId,
    VenueOrderId,
)
from tradeport.model.instruments import Instrument, Perpetual, SpotPair
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.reports import (
    AccountBalance,
    AccountState,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)

from tradeport_coinbase_intx.constants import ACCOUNT_ID
from tradeport_coinbase_intx.enums import (
    AGGRESSOR_SIDE,
    LIQUIDITY_SIDE,
    ORDER_SIDE,
    ORDER_STATUS,
    ORDER_TYPE,
    POSITION_SIDE,
    PRODUCT_TYPE,
    TIME_IN_FORCE,
)
from tradeport_coinbase_intx.http.models import (
    BalanceRecord,
    BarRecord,
    BookRecord,
    FillRecord,
    InstrumentRecord,
    OrderRecord,
    PositionRecord,
    TradeRecord,
)
from tradeport_coinbase_intx.symbology import instrument_id_of

__all__ = [
    "ACCOUNT",
    "NS_PER_MS",
    "book_deltas",
    "opt",
    "parse_account_state",
    "parse_bar",
    "parse_book_snapshot",
    "parse_fill_report",
    "parse_instrument",
    "parse_order_status_report",
    "parse_position_status_report",
    "parse_price",
    "parse_qty",
    "parse_trade_tick",
]

NS_PER_MS = 1_000_000
#: The account every report belongs to.
ACCOUNT = AccountId(ACCOUNT_ID)

_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_LAST = int(RecordFlag.F_LAST)
_ZERO_SIZES = frozenset({"0", "0.0"})


def opt(value: Any) -> Any:
    """``None`` for a missing value (``None`` or ``""``), else the value."""
    return None if value is None or value == "" else value


def parse_price(text: str, instrument: Instrument | None) -> Price:
    """A price at the instrument's precision (or as printed when the instrument is unknown)."""
    if instrument is None:
        return Price.from_str(text)
    return Price.from_str(text, instrument.price_precision)


def parse_qty(text: str, instrument: Instrument | None) -> Quantity:
    """A quantity at the instrument's precision (or as printed when the instrument is unknown)."""
    if instrument is None:
        return Quantity.from_str(text)
    return Quantity.from_str(text, instrument.size_precision)


def _opt_price(value: Any, instrument: Instrument | None) -> Price | None:
    value = opt(value)
    return None if value is None else parse_price(value, instrument)


def _opt_qty(value: Any, instrument: Instrument | None) -> Quantity | None:
    value = opt(value)
    return None if value is None else Quantity.from_str(value)


# -- instruments ------------------------------------------------------------------------------


def parse_instrument(record: InstrumentRecord, ts_init: int) -> Instrument:
    """A SpotPair or Perpetual from one instruments entry. Raises (KeyError, ValueError,
    ValidationError) on a record it cannot trust; the provider skips such records."""
    kind = PRODUCT_TYPE[record["type"]]
    symbol = record["symbol"]
    tick = Price.from_str(record["tick_size"])
    lot = Quantity.from_str(record["lot_size"])
    quote = record["quote"]
    common: dict[str, Any] = {
        "id": instrument_id_of(symbol),
        "raw_symbol": Symbol(symbol),
        "quote_currency": quote,
        "base_currency": record["base"],
        "price_precision": tick.precision,
        "size_precision": lot.precision,
        "price_increment": tick,
        "size_increment": lot,
        "min_quantity": _opt_qty(record.get("min_qty"), None),
        "max_quantity": _opt_qty(record.get("max_qty"), None),
        "min_notional": Money(record["min_notional"], quote)
        if opt(record.get("min_notional"))
        else None,
        "maker_fee": Decimal(record["maker_fee"]),
        "taker_fee": Decimal(record["taker_fee"]),
        "ts_event": record["listed_at"] * NS_PER_MS,
        "ts_init": ts_init,
        "info": dict(record),
    }
    if kind.value == "SPOT":
        return SpotPair(**common)
    return Perpetual(
        **common,
        settle_currency=record["settle"],
        multiplier=Quantity.from_str(record.get("contract_size") or "1"),
        margin_init=Decimal(record.get("initial_margin") or "0"),
        margin_maint=Decimal(record.get("maintenance_margin") or "0"),
    )


# -- market data ------------------------------------------------------------------------------


def book_deltas(
    instrument_id: InstrumentId,
    bids: Iterable[Sequence[str]],
    asks: Iterable[Sequence[str]],
    sequence: int,
    ts_event: int,
    ts_init: int,
    instrument: Instrument | None,
    *,
    snapshot: bool,
) -> OrderBookDeltas | None:
    """OrderBookDeltas from ``[price, size]`` levels (size 0 deletes the level).

    A snapshot starts with CLEAR and carries ``F_SNAPSHOT`` on every delta; the last delta
    carries ``F_LAST``. Returns None for a delta message that changes no level.
    """
    flags = _SNAPSHOT if snapshot else 0
    deltas: list[OrderBookDelta] = []
    if snapshot:
        deltas.append(OrderBookDelta.clear(instrument_id, sequence, ts_event, ts_init, flags))
    for side, levels in ((OrderSide.BUY, bids), (OrderSide.SELL, asks)):
        for price_text, size_text in levels:
            price = parse_price(price_text, instrument)
            size = parse_qty(size_text, instrument)
            if snapshot:
                action = BookAction.ADD
            else:
                action = BookAction.DELETE if not size else BookAction.UPDATE
            deltas.append(
                OrderBookDelta(
                    instrument_id,
                    action,
                    BookOrder(side, price, size),
                    flags,
                    sequence,
                    ts_event,
                    ts_init,
                )
            )
    if not deltas:
        return None
    last = deltas[-1]
    deltas[-1] = OrderBookDelta(
        instrument_id, last.action, last.order, last.flags | _LAST, sequence, ts_event, ts_init
    )
    return OrderBookDeltas(instrument_id, tuple(deltas))


def parse_book_snapshot(
    record: BookRecord, instrument: Instrument | None, ts_init: int
) -> OrderBookDeltas:
    """A book snapshot (``GET /api/v1/book``) as snapshot deltas; ``sequence`` is the venue's."""
    instrument_id = instrument_id_of(record["symbol"])
    deltas = book_deltas(
        instrument_id,
        record["bids"],
        record["asks"],
        record["sequence"],
        record["ts"] * NS_PER_MS,
        ts_init,
        instrument,
        snapshot=True,
    )
    assert deltas is not None  # a snapshot always holds its CLEAR
    return deltas


def parse_trade_tick(
    record: TradeRecord, instrument_id: InstrumentId, instrument: Instrument | None, ts_init: int
) -> TradeTick:
    """A TradeTick from one public trade."""
    return TradeTick(
        instrument_id,
        parse_price(record["price"], instrument),
        parse_qty(record["size"], instrument),
        AGGRESSOR_SIDE[record["side"]],
        TradeId(record["trade_id"]),
        record["ts"] * NS_PER_MS,
        ts_init,
    )


def parse_bar(
    record: BarRecord, bar_type: BarType, instrument: Instrument | None, ts_init: int
) -> Bar:
    """A Bar; ``ts_event`` is the bar's close time."""
    return Bar(
        bar_type,
        parse_price(record["open"], instrument),
        parse_price(record["high"], instrument),
        parse_price(record["low"], instrument),
        parse_price(record["close"], instrument),
        parse_qty(record["volume"], instrument),
        record["close_time"] * NS_PER_MS,
        ts_init,
    )


# -- execution --------------------------------------------------------------------------------


def parse_order_status_report(
    record: OrderRecord, instrument: Instrument | None, ts_init: int
) -> OrderStatusReport:
    """The venue's view of one order."""
    client_order_id = opt(record.get("client_order_id"))
    avg_price = opt(record.get("avg_price"))
    expire = opt(record.get("expire_time"))
    triggered = opt(record.get("triggered_at"))
    return OrderStatusReport(
        account_id=ACCOUNT,
        instrument_id=instrument_id_of(record["symbol"]),
        client_order_id=ClientOrderId(client_order_id) if client_order_id else None,
        venue_order_id=VenueOrderId(record["order_id"]),
        order_side=ORDER_SIDE[record["side"]],
        order_type=ORDER_TYPE[record["type"]],
        time_in_force=TIME_IN_FORCE[record["time_in_force"]],
        order_status=ORDER_STATUS[record["status"]],
        quantity=parse_qty(record["qty"], instrument),
        filled_qty=parse_qty(record["filled_qty"], instrument),
        price=_opt_price(record.get("price"), instrument),
        trigger_price=_opt_price(record.get("trigger_price"), instrument),
        avg_px=Decimal(avg_price) if avg_price else None,
        expire_time_ns=expire * NS_PER_MS if expire else None,
        post_only=bool(record.get("post_only")),
        reduce_only=bool(record.get("reduce_only")),
        cancel_reason=opt(record.get("cancel_reason")),
        ts_accepted=record["created_at"] * NS_PER_MS,
        ts_triggered=triggered * NS_PER_MS if triggered else None,
        ts_last=record["updated_at"] * NS_PER_MS,
        ts_init=ts_init,
    )


def parse_fill_report(
    record: FillRecord, instrument: Instrument | None, ts_init: int
) -> FillReport:
    """One fill of an order."""
    client_order_id = opt(record.get("client_order_id"))
    return FillReport(
        account_id=ACCOUNT,
        instrument_id=instrument_id_of(record["symbol"]),
        venue_order_id=VenueOrderId(record["order_id"]),
        client_order_id=ClientOrderId(client_order_id) if client_order_id else None,
        trade_id=TradeId(record["trade_id"]),
        order_side=ORDER_SIDE[record["side"]],
        last_qty=parse_qty(record["qty"], instrument),
        last_px=parse_price(record["price"], instrument),
        commission=Money(record["fee"], record["fee_asset"]),
        liquidity_side=LIQUIDITY_SIDE[record["liquidity"]],
        ts_event=record["ts"] * NS_PER_MS,
        ts_init=ts_init,
    )


def parse_position_status_report(
    record: PositionRecord, instrument: Instrument | None, ts_init: int
) -> PositionStatusReport:
    """One position: side, absolute size, entry price, unrealized PnL."""
    side = POSITION_SIDE[record["side"]]
    entry = opt(record.get("entry_price"))
    pnl = opt(record.get("unrealized_pnl"))
    return PositionStatusReport(
        account_id=ACCOUNT,
        instrument_id=instrument_id_of(record["symbol"]),
        position_side=side,
        quantity=parse_qty(record["size"], instrument),
        avg_px_open=Decimal(entry) if entry and side is not PositionSide.FLAT else None,
        unrealized_pnl=Money(pnl, record["settle"]) if pnl is not None else None,
        ts_last=record["updated_at"] * NS_PER_MS,
        ts_init=ts_init,
    )


def parse_account_state(records: Sequence[BalanceRecord], ts_init: int) -> AccountState:
    """Every balance of the account, as the venue reports them (margin account)."""
    balances = []
    ts_event = 0
    for record in records:
        asset = record["asset"]
        total, free, locked = (
            Decimal(record["total"]),
            Decimal(record["free"]),
            Decimal(record["locked"]),
        )
        if total != free + locked:
            raise ValidationError(
                "balance", asset, f"total {total} != free {free} + locked {locked}"
            )
        balances.append(
            AccountBalance(
                total=Money(record["total"], asset),
                locked=Money(record["locked"], asset),
                free=Money(record["free"], asset),
            )
        )
        ts_event = max(ts_event, record["updated_at"] * NS_PER_MS)
    return AccountState(
        account_id=ACCOUNT,
        account_type=AccountType.MARGIN,
        balances=tuple(balances),
        reported=True,
        ts_event=ts_event or ts_init,
        ts_init=ts_init,
    )
