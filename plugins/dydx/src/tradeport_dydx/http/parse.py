"""Parsers from indexer payloads (REST and WebSocket share the record shapes) to the model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradeport.model.data import BookOrder, OrderBookDelta, OrderBookDeltas, RecordFlag, TradeTick
from tradeport.model.enums import AggressorSide, BookAction, OrderSide
from tradeport.model.identifiers import InstrumentId, Symbol, TradeId
from tradeport.model.instruments import Instrument, Perpetual
from tradeport.model.numbers import Price, Quantity

from tradeport_dydx.constants import QUOTE_CURRENCY, SETTLE_CURRENCY
from tradeport_dydx.market import DydxMarket
from tradeport_dydx.symbology import instrument_id_of

__all__ = [
    "iso_to_ns",
    "ns_to_iso",
    "parse_perpetual_market",
    "parse_trade_tick",
    "book_deltas",
    "AGGRESSOR",
]

#: The indexer's trade ``side`` is the taker's.
AGGRESSOR = {"BUY": AggressorSide.BUYER, "SELL": AggressorSide.SELLER}
_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_LAST = int(RecordFlag.F_LAST)
#: Markets that can be traded (FINAL_SETTLEMENT / CANCEL_ONLY / POST_ONLY / PAUSED load too:
#: they are listed instruments; ``info["status"]`` says what they accept).
_DECIMALS_CAP = 18


def iso_to_ns(text: str) -> int:
    """``2024-01-01T00:00:01.000Z`` -> UNIX nanoseconds."""
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(stamp.timestamp()) * 1_000_000_000 + stamp.microsecond * 1_000


def ns_to_iso(ns: int) -> str:
    """UNIX nanoseconds -> ``2024-01-01T00:00:01.000Z`` (the indexer's millisecond ISO times)."""
    stamp = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).replace(
        microsecond=(ns // 1_000) % 1_000_000
    )
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return min(max(-exponent, 0), _DECIMALS_CAP)


def parse_perpetual_market(record: Mapping[str, Any], ts_init: int) -> Perpetual:
    """A ``/v4/perpetualMarkets`` record -> Perpetual; the chain parameters (a
    :class:`DydxMarket`) and the raw record go to ``info``. The tick and step are derived from
    the chain parameters and must agree with the record's ``tickSize`` / ``stepSize``."""
    market = DydxMarket.from_record(record)
    tick, step = market.tick_size, market.step_size
    if Decimal(record["tickSize"]) != tick or Decimal(record["stepSize"]) != step:
        raise ValueError(
            f"tickSize/stepSize {record['tickSize']}/{record['stepSize']} disagree with the "
            f"chain parameters ({tick}/{step})"
        )
    ticker = market.ticker
    base = ticker.split("-", 1)[0]
    price_precision, size_precision = _decimals(tick), _decimals(step)
    return Perpetual(
        id=instrument_id_of(ticker),
        raw_symbol=Symbol(ticker),
        base_currency=base,
        quote_currency=QUOTE_CURRENCY,
        settle_currency=SETTLE_CURRENCY,
        price_precision=price_precision,
        size_precision=size_precision,
        price_increment=Price(tick, price_precision),
        size_increment=Quantity(step, size_precision),
        min_quantity=Quantity(step, size_precision),
        margin_init=Decimal(record["initialMarginFraction"]),
        margin_maint=Decimal(record["maintenanceMarginFraction"]),
        ts_event=ts_init,
        ts_init=ts_init,
        info={"market": market, "status": record.get("status"), "record": dict(record)},
    )


def _price(text: str, instrument: Instrument | None) -> Price:
    return (
        Price.from_str(text)
        if instrument is None
        else Price.from_str(text, instrument.price_precision)
    )


def _qty(text: str, instrument: Instrument | None) -> Quantity:
    return (
        Quantity.from_str(text)
        if instrument is None
        else Quantity.from_str(text, instrument.size_precision)
    )


def parse_trade_tick(
    record: Mapping[str, Any],
    instrument_id: InstrumentId,
    instrument: Instrument | None,
    ts_init: int,
) -> TradeTick:
    """A trade record (``{"id", "side", "size", "price", "type", "createdAt",
    "createdAtHeight"}``); ``side`` is the taker's."""
    return TradeTick(
        instrument_id,
        _price(record["price"], instrument),
        _qty(record["size"], instrument),
        AGGRESSOR[record["side"]],
        TradeId(str(record["id"])),
        iso_to_ns(record["createdAt"]),
        ts_init,
    )


def _level(level: Any) -> tuple[str, str]:
    # Snapshots carry {"price", "size"}; updates [price, size] (a third item, the level's
    # offset, may follow and is not needed once messages are applied in order).
    if isinstance(level, Mapping):
        return str(level["price"]), str(level["size"])
    return str(level[0]), str(level[1])


def book_deltas(
    contents: Mapping[str, Any],
    instrument_id: InstrumentId,
    instrument: Instrument | None,
    *,
    snapshot: bool,
    sequence: int,
    ts_event: int,
    ts_init: int,
) -> OrderBookDeltas | None:
    """OrderBookDeltas of a book snapshot or update (``{"bids": [...], "asks": [...]}``);
    size 0 deletes the level. None for an update without levels."""
    items: list[OrderBookDelta] = []
    flags = _SNAPSHOT if snapshot else 0
    if snapshot:
        items.append(OrderBookDelta.clear(instrument_id, sequence, ts_event, ts_init, _SNAPSHOT))
    sides: Iterable[tuple[str, OrderSide]] = (("bids", OrderSide.BUY), ("asks", OrderSide.SELL))
    for key, side in sides:
        for raw in contents.get(key) or ():
            price_text, size_text = _level(raw)
            size = _qty(size_text, instrument)
            action = (
                BookAction.DELETE
                if not size
                else (BookAction.ADD if snapshot else BookAction.UPDATE)
            )
            order = BookOrder(side, _price(price_text, instrument), size, 0)
            items.append(
                OrderBookDelta(instrument_id, action, order, flags, sequence, ts_event, ts_init)
            )
    if not items:
        return None
    last = items[-1]
    items[-1] = OrderBookDelta(
        last.instrument_id, last.action, last.order, last.flags | _LAST, sequence, ts_event, ts_init
    )
    return OrderBookDeltas(instrument_id, tuple(items))
