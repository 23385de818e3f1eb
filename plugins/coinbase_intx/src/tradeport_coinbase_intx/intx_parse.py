"""Parsers for Coinbase INTX payloads: instruments (REST and the INSTRUMENTS channel) and the
market-data channels (LEVEL1, LEVEL2, MATCH, FUNDING, RISK, CANDLES_*).

Numbers arrive as JSON strings (recorded payloads) or JSON numbers (some documentation
examples); both are read exactly (a number goes through its shortest repr, never a float sum).
Timestamps are RFC 3339 (``2025-03-14T23:09:44.095Z``); funding intervals are nanoseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from tradeport.model.data import (
    Bar,
    BarType,
    BookOrder,
    FundingRateUpdate,
    IndexPriceUpdate,
    InstrumentStatus,
    MarkPriceUpdate,
    OrderBookDelta,
    OrderBookDeltas,
    QuoteTick,
    RecordFlag,
    TradeTick,
)
from tradeport.model.enums import AggressorSide, BookAction, MarketStatus, OrderSide
from tradeport.model.identifiers import Symbol, TradeId
from tradeport.model.instruments import Instrument, Perpetual, SpotPair
from tradeport.model.numbers import Money, Price, Quantity

from tradeport_coinbase_intx.symbology import instrument_id_of

__all__ = [
    "CANDLE_CHANNELS",
    "TRADING_STATE",
    "decimal_text",
    "parse_book",
    "parse_candles",
    "parse_funding",
    "parse_instrument",
    "parse_instrument_status",
    "parse_level1",
    "parse_match",
    "parse_risk",
    "rfc3339_ns",
]

#: ``trading_state`` (REST upper case, the INSTRUMENTS channel lower case) -> market status.
TRADING_STATE: Final = {
    "TRADING": MarketStatus.OPEN,
    "PAUSED": MarketStatus.PAUSED,
    "HALT": MarketStatus.HALTED,
    "DELISTED": MarketStatus.CLOSED,
    "OFFLINE": MarketStatus.CLOSED,
    "EXTERNAL": MarketStatus.OPEN,
}
#: Candle channels and their bar length in seconds.
CANDLE_CHANNELS: Final = {
    "CANDLES_ONE_MINUTE": 60,
    "CANDLES_FIVE_MINUTE": 300,
    "CANDLES_THIRTY_MINUTE": 1800,
    "CANDLES_TWO_HOUR": 7200,
    "CANDLES_ONE_DAY": 86400,
}
_AGGRESSOR: Final = {"BUY": AggressorSide.BUYER, "SELL": AggressorSide.SELLER}
_SIDE: Final = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}
_SNAPSHOT: Final = int(RecordFlag.F_SNAPSHOT)
_LAST: Final = int(RecordFlag.F_LAST)


def decimal_text(value: Any) -> str:
    """A payload number (string or JSON number) as plain decimal text (no exponent)."""
    if isinstance(value, float):
        value = repr(value)
    return format(Decimal(str(value)), "f")


def rfc3339_ns(text: str) -> int:
    """``2025-03-14T23:09:44.095Z`` as UNIX nanoseconds (fractions to the nanosecond)."""
    head, _, fraction = text.rstrip("Z").partition(".")
    seconds = int(datetime.fromisoformat(head + "+00:00").timestamp())
    return seconds * 1_000_000_000 + int((fraction + "000000000")[:9])


def _price(value: Any, instrument: Instrument | None) -> Price:
    price = Price.from_str(decimal_text(value))
    return instrument.make_price(price.as_decimal()) if instrument is not None else price


def _qty(value: Any, instrument: Instrument | None) -> Quantity:
    qty = Quantity.from_str(decimal_text(value))
    return instrument.make_qty(qty.as_decimal()) if instrument is not None else qty


def parse_instrument(record: Mapping[str, Any], ts_init: int) -> Instrument:
    """A Perpetual (``type`` PERP) or SpotPair (SPOT) from ``GET /api/v1/instruments``.

    Tick = ``quote_increment``, step = ``base_increment``, ``min_quantity`` and
    ``min_notional_value`` (in the quote asset); the trading state and the quote are kept in
    ``info``. Raises KeyError/ValueError on a record it cannot trust (the provider skips it).
    """
    kind = record["type"]
    symbol = record["symbol"]
    tick = Price.from_str(decimal_text(record["quote_increment"]))
    step = Quantity.from_str(decimal_text(record["base_increment"]))
    quote = record["quote_asset_name"]
    min_qty = record.get("min_quantity")
    min_notional = record.get("min_notional_value")
    common: dict[str, Any] = {
        "id": instrument_id_of(symbol),
        "raw_symbol": Symbol(symbol),
        "quote_currency": quote,
        "base_currency": record["base_asset_name"],
        "price_precision": tick.precision,
        "size_precision": step.precision,
        "price_increment": tick,
        "size_increment": step,
        "min_quantity": Quantity.from_str(decimal_text(min_qty)) if min_qty is not None else step,
        "min_notional": Money(decimal_text(min_notional), quote) if min_notional else None,
        "ts_event": rfc3339_ns(record["quote"]["timestamp"])
        if isinstance(record.get("quote"), Mapping) and record["quote"].get("timestamp")
        else ts_init,
        "ts_init": ts_init,
        "info": dict(record),
    }
    if kind == "SPOT":
        return SpotPair(**common)
    if kind != "PERP":
        raise ValueError(f"instrument type {kind!r} of {symbol} is not PERP or SPOT")
    return Perpetual(
        **common,
        settle_currency=quote,
        multiplier=Quantity.from_str(decimal_text(record.get("base_asset_multiplier") or "1")),
        margin_init=Decimal(decimal_text(record.get("base_imf") or "0")),
    )


def parse_instrument_status(message: Mapping[str, Any], ts_init: int) -> InstrumentStatus:
    """The ``trading_state`` of an INSTRUMENTS message (or an instruments record)."""
    state = str(message["trading_state"]).upper()
    symbol = message.get("product_id") or message["symbol"]
    return InstrumentStatus(
        instrument_id=instrument_id_of(symbol),
        status=TRADING_STATE.get(state, MarketStatus.NOT_AVAILABLE),
        ts_event=rfc3339_ns(message["time"]) if message.get("time") else ts_init,
        ts_init=ts_init,
        reason=state.lower(),
    )


def parse_level1(
    message: Mapping[str, Any], instrument: Instrument | None, ts_init: int
) -> QuoteTick | None:
    """A QuoteTick from LEVEL1 (None while a side is empty)."""
    if not message.get("bid_price") or not message.get("ask_price"):
        return None
    return QuoteTick(
        instrument_id=instrument_id_of(message["product_id"]),
        bid_price=_price(message["bid_price"], instrument),
        ask_price=_price(message["ask_price"], instrument),
        bid_size=_qty(message["bid_qty"], instrument),
        ask_size=_qty(message["ask_qty"], instrument),
        ts_event=rfc3339_ns(message["time"]),
        ts_init=ts_init,
    )


def parse_match(
    message: Mapping[str, Any], instrument: Instrument | None, ts_init: int
) -> TradeTick:
    """A TradeTick from MATCH; ``aggressor_side`` is the taker's side."""
    return TradeTick(
        instrument_id=instrument_id_of(message["product_id"]),
        price=_price(message["trade_price"], instrument),
        size=_qty(message["trade_qty"], instrument),
        aggressor_side=_AGGRESSOR.get(
            message.get("aggressor_side", ""), AggressorSide.NO_AGGRESSOR
        ),
        trade_id=TradeId(str(message["match_id"])),
        ts_event=rfc3339_ns(message["time"]),
        ts_init=ts_init,
    )


def parse_book(
    message: Mapping[str, Any], instrument: Instrument | None, ts_init: int
) -> OrderBookDeltas | None:
    """OrderBookDeltas from LEVEL2: a SNAPSHOT (``bids``/``asks`` as ``[price, qty]``) starts
    with CLEAR and flags every delta F_SNAPSHOT; an UPDATE's ``changes`` are
    ``[side, price, qty]`` and qty 0 deletes the level. The message ``sequence`` goes on every
    delta; the last carries F_LAST."""
    instrument_id = instrument_id_of(message["product_id"])
    sequence = int(message.get("sequence") or 0)
    ts_event = rfc3339_ns(message["time"])
    snapshot = message["type"] == "SNAPSHOT"
    levels: list[tuple[OrderSide, Any, Any]] = []
    if snapshot:
        levels += [(OrderSide.BUY, p, q) for p, q in message.get("bids") or ()]
        levels += [(OrderSide.SELL, p, q) for p, q in message.get("asks") or ()]
    else:
        levels += [(_SIDE[s], p, q) for s, p, q in message.get("changes") or ()]
    flags = _SNAPSHOT if snapshot else 0
    deltas: list[OrderBookDelta] = []
    if snapshot:
        deltas.append(OrderBookDelta.clear(instrument_id, sequence, ts_event, ts_init, flags))
    for side, price_value, qty_value in levels:
        price, size = _price(price_value, instrument), _qty(qty_value, instrument)
        action = BookAction.ADD if snapshot else (BookAction.UPDATE if size else BookAction.DELETE)
        deltas.append(
            OrderBookDelta(
                instrument_id=instrument_id,
                action=action,
                order=BookOrder(side=side, price=price, size=size, order_id=0),
                flags=flags,
                sequence=sequence,
                ts_event=ts_event,
                ts_init=ts_init,
            )
        )
    if not deltas:
        return None
    last = deltas[-1]
    deltas[-1] = OrderBookDelta(
        instrument_id=last.instrument_id,
        action=last.action,
        order=last.order,
        flags=last.flags | _LAST,
        sequence=last.sequence,
        ts_event=last.ts_event,
        ts_init=last.ts_init,
    )
    return OrderBookDeltas(instrument_id, tuple(deltas))


def parse_candles(
    message: Mapping[str, Any], bar_type: BarType, instrument: Instrument | None, ts_init: int
) -> list[Bar]:
    """Bars from a CANDLES_* message, stamped at their close (start + length)."""
    length_ns = CANDLE_CHANNELS[message["channel"]] * 1_000_000_000
    return [
        Bar(
            bar_type=bar_type,
            open=_price(candle["open"], instrument),
            high=_price(candle["high"], instrument),
            low=_price(candle["low"], instrument),
            close=_price(candle["close"], instrument),
            volume=_qty(candle["volume"], instrument),
            ts_event=rfc3339_ns(candle["start"]) + length_ns,
            ts_init=ts_init,
        )
        for candle in _candles(message)
    ]


def _candles(message: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    """The candles of a message: a ``candles`` list (snapshots, and the updates seen live), or
    the message itself when it carries one candle at its top level (the documented UPDATE
    form: ``start``/``open``/``high``/``low``/``close``/``volume`` beside ``channel``)."""
    candles = message.get("candles")
    if candles:
        return candles  # type: ignore[no-any-return]
    return (message,) if "start" in message else ()


def parse_risk(
    message: Mapping[str, Any], instrument: Instrument | None, ts_init: int
) -> list[MarkPriceUpdate | IndexPriceUpdate]:
    """MarkPrice and IndexPrice from a RISK message (whichever it carries)."""
    instrument_id = instrument_id_of(message["product_id"])
    ts_event = rfc3339_ns(message["time"])
    out: list[MarkPriceUpdate | IndexPriceUpdate] = []
    if message.get("mark_price") not in (None, ""):
        out.append(
            MarkPriceUpdate(
                instrument_id, _price(message["mark_price"], instrument), ts_event, ts_init
            )
        )
    if message.get("index_price") not in (None, ""):
        out.append(
            IndexPriceUpdate(
                instrument_id, _price(message["index_price"], instrument), ts_event, ts_init
            )
        )
    return out


def parse_funding(message: Mapping[str, Any], ts_init: int) -> FundingRateUpdate:
    """A FundingRateUpdate from a FUNDING message."""
    return FundingRateUpdate(
        instrument_id=instrument_id_of(message["product_id"]),
        rate=Decimal(decimal_text(message["funding_rate"])),
        ts_event=rfc3339_ns(message["time"]),
        ts_init=ts_init,
    )
