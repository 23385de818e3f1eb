"""Parsers of BitMEX records (REST responses and the same rows on private streams).

Pure functions named for what they make. BitMEX sends the same record shapes over REST and the
WebSocket tables, so the execution client uses these for both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeport.model.enums import (
    AccountType,
    LiquiditySide,
    OrderStatus,
    OrderType,
    PegPriceType,
    PositionSide,
    TimeInForce,
    TrailingOffsetType,
)
from tradeport.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    Symbol,
    TradeId,
    Venue,
    VenueOrderId,
)
from tradeport.model.instruments import DatedFuture, Instrument, Perpetual, SpotPair
from tradeport.model.numbers import Money, Price, Quantity
from tradeport.model.reports import (
    AccountBalance,
    AccountState,
    FillReport,
    MarginBalance,
    OrderStatusReport,
    PositionStatusReport,
)

from tradeport_bitmex.constants import VENUE_ID
from tradeport_bitmex.conversions import (
    currency_code,
    decimal_of,
    minor_to_money,
    parse_timestamp_ns,
    precision_of,
    price_of,
    qty_of,
)
from tradeport_bitmex.enums import (
    FUTURE_TYPES,
    INDEX_TYPE_PREFIX,
    LIQUIDITY_FROM_VENUE,
    MINOR_UNITS,
    ORDER_STATUS_FROM_VENUE,
    ORDER_TYPE_FROM_VENUE,
    PEG_FROM_VENUE,
    PERPETUAL_TYPES,
    SIDE_FROM_VENUE,
    SPOT_TYPES,
    TIME_IN_FORCE_FROM_VENUE,
    TRIGGER_FROM_VENUE,
    BitmexExecInst,
)

__all__ = [
    "UnsupportedInstrument",
    "account_id_of",
    "exec_inst_flags",
    "instrument_id_of",
    "parse_account_state",
    "parse_fill_report",
    "parse_instrument",
    "parse_order_status_report",
    "parse_peg",
    "parse_position_status_report",
]

_VENUE = Venue(VENUE_ID)
_ID_CACHE: dict[str, InstrumentId] = {}


class UnsupportedInstrument(ValueError):
    """A record of a kind the plugin does not load (indices); skipped without a warning."""


def instrument_id_of(symbol: str) -> InstrumentId:
    """``XBTUSD`` -> ``XBTUSD.BITMEX`` (cached: called for every message)."""
    iid = _ID_CACHE.get(symbol)
    if iid is None:
        iid = _ID_CACHE[symbol] = InstrumentId(Symbol(symbol), _VENUE)
    return iid


def account_id_of(account: Any) -> AccountId | None:
    """``1234567`` -> ``AccountId("BITMEX-1234567")``."""
    if account is None or account == "":
        return None
    return AccountId(f"{VENUE_ID}-{account}")


def _present(record: dict[str, Any], key: str) -> Any:
    """The value, with ``""`` treated as missing."""
    value = record.get(key)
    return None if value == "" else value


# -- instruments ---------------------------------------------------------------------------------


def _contract_multiplier(record: dict[str, Any]) -> Decimal:
    """Contract size in major units of the settlement currency (|multiplier| / minor unit).

    XBTUSD (inverse, multiplier -100000000 XBt) -> 1 (USD per contract); a quanto with 100 XBt
    per index point -> 0.000001 XBT; spot -> 1 / underlyingToPositionMultiplier (XBT_USDT:
    1e-8 XBT per unit). Real spot records carry ``multiplier`` 1 and no (or an empty)
    ``settlCurrency`` (nothing is settled), so spot is told by its type, not by the multiplier.
    """
    raw = record.get("multiplier")
    settle = record.get("settlCurrency") or ""
    if raw in (None, 0, "0") or not settle or (record.get("typ") or "") in SPOT_TYPES:
        to_position = record.get("underlyingToPositionMultiplier")
        if to_position:
            return Decimal(1) / decimal_of(to_position)
        return Decimal(1)
    value = abs(decimal_of(raw))
    unit = MINOR_UNITS.get(settle)
    return value.scaleb(-unit[1]) if unit else value


def parse_instrument(record: dict[str, Any], ts_init: int) -> Instrument:
    """A BitMEX ``instrument`` record as a Perpetual, DatedFuture or SpotPair.

    Quantities stay in the venue's units (contracts; for spot, lots of
    1/underlyingToPositionMultiplier base); ``multiplier`` says what one unit is worth.
    Raises :class:`UnsupportedInstrument` for indices and ValueError for unusable records.
    """
    symbol = record["symbol"]
    typ = record.get("typ") or ""
    if typ.startswith(INDEX_TYPE_PREFIX) or symbol.startswith("."):
        raise UnsupportedInstrument(f"{symbol}: index ({typ}), not tradable")
    tick = record.get("tickSize")
    lot = record.get("lotSize")
    if not tick or not lot:
        raise ValueError(f"{symbol}: missing tickSize or lotSize")
    price_precision = precision_of(tick)
    size_precision = precision_of(lot)
    price_increment = Price(decimal_of(tick), price_precision)
    size_increment = Quantity(decimal_of(lot), size_precision)
    ts_event = parse_timestamp_ns(record["timestamp"]) if record.get("timestamp") else ts_init
    quote = currency_code(record.get("quoteCurrency") or "")
    base = currency_code(record.get("underlying") or record.get("rootSymbol") or "")
    settle = currency_code(record.get("settlCurrency") or record.get("quoteCurrency") or "")
    multiplier = _contract_multiplier(record)
    mult_precision = precision_of(multiplier)
    max_qty = record.get("maxOrderQty")
    max_price = record.get("maxPrice")
    common: dict[str, Any] = {
        "id": instrument_id_of(symbol),
        "raw_symbol": Symbol(symbol),
        "quote_currency": quote,
        "price_precision": price_precision,
        "size_precision": size_precision,
        "price_increment": price_increment,
        "size_increment": size_increment,
        "multiplier": Quantity(multiplier, mult_precision),
        "lot_size": size_increment,
        "min_quantity": size_increment,
        "max_quantity": (Quantity(decimal_of(max_qty), size_precision) if max_qty else None),
        "max_price": (Price(decimal_of(max_price)).rescale(price_precision) if max_price else None),
        "maker_fee": decimal_of(record.get("makerFee") or 0),
        "taker_fee": decimal_of(record.get("takerFee") or 0),
        "margin_init": decimal_of(record.get("initMargin") or 0),
        "margin_maint": decimal_of(record.get("maintMargin") or 0),
        "ts_event": ts_event,
        "ts_init": ts_init,
        "info": record,
    }
    inverse = bool(record.get("isInverse"))
    if typ in PERPETUAL_TYPES:
        return Perpetual(base_currency=base, settle_currency=settle, is_inverse=inverse, **common)
    if typ in FUTURE_TYPES:
        expiry = record.get("expiry")
        if not expiry:
            raise ValueError(f"{symbol}: future without expiry")
        listing = record.get("listing") or record.get("front") or expiry
        return DatedFuture(
            underlying=base,
            base_currency=base,
            settle_currency=settle,
            activation_ns=parse_timestamp_ns(listing),
            expiry_ns=parse_timestamp_ns(expiry),
            is_inverse=inverse,
            **common,
        )
    if typ in SPOT_TYPES:
        return SpotPair(base_currency=base, **common)
    raise UnsupportedInstrument(f"{symbol}: instrument type {typ!r} is not supported")


# -- orders, fills, positions, balances ----------------------------------------------------------


_LIMIT_PRICED = frozenset(
    {
        OrderType.LIMIT,
        OrderType.STOP_LIMIT,
        OrderType.LIMIT_IF_TOUCHED,
        OrderType.TRAILING_STOP_LIMIT,
        OrderType.PEGGED,  # BitMEX reports a pegged order's current (derived) price
    }
)


def parse_peg(record: dict[str, Any]) -> tuple[PegPriceType | None, Decimal | None]:
    """The peg of a ``Pegged`` order record: (reference, signed ``pegOffsetValue``).

    ``(None, None)`` for other records (a trailing stop's ``TrailingStopPeg`` is not a peg of
    a PEGGED order: its offset is the report's ``trailing_offset``). ``""`` and null are
    missing, as everywhere in BitMEX records. :func:`parse_order_status_report` puts the peg on
    the report (``peg_price_type``, and ``peg_offset`` at the instrument's price precision).
    """
    if record.get("ordType") != "Pegged":
        return None, None
    peg_type = PEG_FROM_VENUE.get(record.get("pegPriceType") or "")
    offset = _present(record, "pegOffsetValue")
    return peg_type, decimal_of(offset) if offset is not None else None


def exec_inst_flags(exec_inst: str | None) -> frozenset[str]:
    """``"ParticipateDoNotInitiate,MarkPrice"`` as a set of flags."""
    if not exec_inst:
        return frozenset()
    return frozenset(part.strip() for part in exec_inst.split(",") if part.strip())


def _order_type_of(record: dict[str, Any]) -> OrderType:
    ord_type = record.get("ordType") or "Limit"
    order_type = ORDER_TYPE_FROM_VENUE[ord_type]
    if record.get("pegPriceType") == "TrailingStopPeg":
        if order_type is OrderType.STOP_MARKET:
            return OrderType.TRAILING_STOP_MARKET
        if order_type is OrderType.STOP_LIMIT:
            return OrderType.TRAILING_STOP_LIMIT
    return order_type


#: ``triggered`` values of an order whose trigger has fired.
_TRIGGERED = ("StopOrderTriggered", "Triggered")


def parse_order_status_report(
    record: dict[str, Any], instrument: Instrument, ts_init: int
) -> OrderStatusReport:
    """A BitMEX ``order`` record as an OrderStatusReport."""
    flags = exec_inst_flags(record.get("execInst"))
    order_type = _order_type_of(record)
    status = ORDER_STATUS_FROM_VENUE[record["ordStatus"]]
    triggered = record.get("triggered") in _TRIGGERED
    if status is OrderStatus.ACCEPTED and triggered:
        status = OrderStatus.TRIGGERED
    price = _present(record, "price")
    stop_px = _present(record, "stopPx")
    avg_px = _present(record, "avgPx")
    display = _present(record, "displayQty")
    peg_offset = _present(record, "pegOffsetValue")
    clordid = _present(record, "clOrdID")
    ts_last = parse_timestamp_ns(record["timestamp"]) if record.get("timestamp") else ts_init
    ts_accepted = (
        parse_timestamp_ns(record["transactTime"]) if record.get("transactTime") else ts_last
    )
    trigger_type = next((TRIGGER_FROM_VENUE[f] for f in flags if f in TRIGGER_FROM_VENUE), None)
    trailing = order_type in (OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT)
    peg_type, peg_value = parse_peg(record)
    text = _present(record, "text")
    if status is OrderStatus.REJECTED and record.get("ordRejReason"):
        text = record["ordRejReason"]  # the reason itself; ``text`` is free-form
    return OrderStatusReport(
        account_id=account_id_of(record.get("account")),
        instrument_id=instrument.id,
        client_order_id=ClientOrderId(clordid) if clordid else None,
        venue_order_id=VenueOrderId(record["orderID"]),
        order_side=SIDE_FROM_VENUE[record["side"]],
        order_type=order_type,
        time_in_force=TIME_IN_FORCE_FROM_VENUE.get(
            record.get("timeInForce") or "", TimeInForce.GTC
        ),
        order_status=status,
        quantity=qty_of(instrument, record.get("orderQty") or 0),
        filled_qty=qty_of(instrument, record.get("cumQty") or 0),
        price=price_of(instrument, price)
        if price is not None and order_type in _LIMIT_PRICED
        else None,
        trigger_price=price_of(instrument, stop_px) if stop_px is not None else None,
        trigger_type=trigger_type,
        trailing_offset=abs(decimal_of(peg_offset))
        if trailing and peg_offset is not None
        else None,
        trailing_offset_type=TrailingOffsetType.PRICE if trailing else None,
        peg_price_type=peg_type,
        peg_offset=price_of(instrument, peg_value) if peg_value is not None else None,
        avg_px=decimal_of(avg_px) if avg_px is not None else None,
        display_qty=qty_of(instrument, display) if display is not None else None,
        post_only=BitmexExecInst.PARTICIPATE_DO_NOT_INITIATE in flags,
        reduce_only=BitmexExecInst.REDUCE_ONLY in flags or BitmexExecInst.CLOSE in flags,
        cancel_reason=(
            text
            if status in (OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED)
            else None
        ),
        ts_accepted=ts_accepted,
        # BitMEX gives no trigger time: the row's time is when it was seen triggered (a
        # stop-limit may trigger and part-fill in one row, so the status alone cannot say).
        ts_triggered=ts_last if triggered else None,
        ts_last=ts_last,
        ts_init=ts_init,
    )


def parse_fill_report(record: dict[str, Any], instrument: Instrument, ts_init: int) -> FillReport:
    """A BitMEX ``execution`` record of ``execType`` Trade as a FillReport.

    ``trade_id`` is the match id (``trdMatchID``); the commission (``execComm``) is in the
    settlement currency's minor unit (satoshis for XBt) and becomes major-unit Money.
    """
    clordid = _present(record, "clOrdID")
    settle = record.get("settlCurrency") or record.get("currency") or ""
    exec_comm = record.get("execComm")
    if exec_comm is not None:
        commission = minor_to_money(exec_comm, settle)
    else:
        commission = Money(0, currency_code(settle) or instrument.quote_currency)
    return FillReport(
        account_id=account_id_of(record.get("account")),
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(record["orderID"]),
        client_order_id=ClientOrderId(clordid) if clordid else None,
        trade_id=TradeId(record.get("trdMatchID") or record["execID"]),
        order_side=SIDE_FROM_VENUE[record["side"]],
        last_qty=qty_of(instrument, record["lastQty"]),
        last_px=price_of(instrument, record["lastPx"]),
        commission=commission,
        liquidity_side=LIQUIDITY_FROM_VENUE.get(
            record.get("lastLiquidityInd") or "", LiquiditySide.NO_LIQUIDITY_SIDE
        ),
        ts_event=parse_timestamp_ns(record.get("transactTime") or record["timestamp"]),
        ts_init=ts_init,
    )


def parse_position_status_report(
    record: dict[str, Any], instrument: Instrument, ts_init: int
) -> PositionStatusReport:
    """A BitMEX ``position`` record: ``currentQty`` signed contracts, PnL in minor units."""
    current = decimal_of(record.get("currentQty") or 0)
    if current > 0:
        side = PositionSide.LONG
    elif current < 0:
        side = PositionSide.SHORT
    else:
        side = PositionSide.FLAT
    avg = _present(record, "avgEntryPrice")
    pnl = _present(record, "unrealisedPnl")
    currency = record.get("currency") or ""
    ts = record.get("timestamp") or record.get("currentTimestamp")
    return PositionStatusReport(
        account_id=account_id_of(record.get("account")),
        instrument_id=instrument.id,
        position_side=side,
        quantity=qty_of(instrument, abs(current)),
        avg_px_open=decimal_of(avg) if avg is not None and side is not PositionSide.FLAT else None,
        unrealized_pnl=minor_to_money(pnl, currency) if pnl is not None and currency else None,
        ts_last=parse_timestamp_ns(ts) if ts else ts_init,
        ts_init=ts_init,
    )


def parse_account_state(
    margins: list[dict[str, Any]],
    ts_init: int,
    wallets: list[dict[str, Any]] | None = None,
) -> AccountState:
    """``margin`` records (one per currency) and optionally ``wallet`` records as AccountState.

    Per margin currency: total = ``marginBalance`` (wallet plus unrealised PnL), free =
    ``availableMargin``, locked = the rest; initial/maintenance margins as MarginBalances. A
    wallet currency without a margin record is a plain balance (total = free = ``amount``).
    """
    balances: list[AccountBalance] = []
    margin_balances: list[MarginBalance] = []
    seen: set[str] = set()
    account: Any = None
    ts_event = ts_init
    for row in margins:
        venue_currency = row.get("currency") or ""
        account = account if account is not None else row.get("account")
        total = minor_to_money(
            row.get("marginBalance") or row.get("walletBalance") or 0, venue_currency
        )
        free = minor_to_money(row.get("availableMargin") or 0, venue_currency)
        free = Money.from_decimal(free.amount, total.currency, total.precision)
        balances.append(AccountBalance(total, total - free, free))
        margin_balances.append(
            MarginBalance(
                minor_to_money(row.get("initMargin") or 0, venue_currency),
                minor_to_money(row.get("maintMargin") or 0, venue_currency),
            )
        )
        seen.add(total.currency)
        if row.get("timestamp"):
            ts_event = max(
                ts_event if ts_event != ts_init else 0, parse_timestamp_ns(row["timestamp"])
            )
    for row in wallets or ():
        venue_currency = row.get("currency") or ""
        account = account if account is not None else row.get("account")
        amount = minor_to_money(row.get("amount") or 0, venue_currency)
        if amount.currency in seen:
            continue
        zero = Money.from_raw(0, amount.precision, amount.currency)
        balances.append(AccountBalance(amount, zero, amount))
        seen.add(amount.currency)
    return AccountState(
        account_id=account_id_of(account) or AccountId(f"{VENUE_ID}-master"),
        account_type=AccountType.MARGIN,
        balances=tuple(balances),
        margins=tuple(margin_balances),
        reported=True,
        ts_event=ts_event,
        ts_init=ts_init,
    )
