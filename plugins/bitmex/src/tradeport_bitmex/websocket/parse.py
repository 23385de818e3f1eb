"""Parsers of BitMEX realtime table rows into market data (hot path).

Rows arrive in table messages ``{"table": ..., "action": "partial"|"insert"|"update"|"delete",
"data": [...]}`` (https://www.bitmex.com/app/wsAPI). Prices come from ``repr`` of the decoded
float (see :mod:`tradeport_bitmex.conversions`); instrument ids are cached per symbol.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from tradeport.model.data import (
    Bar,
    BarType,
    BookOrder,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDelta,
    OrderBookDeltas,
    QuoteTick,
    RecordFlag,
    TradeTick,
)
from tradeport.model.decoding import decoder_for
from tradeport.model.enums import AggressorSide, BookAction, OrderSide
from tradeport.model.identifiers import InstrumentId, TradeId
from tradeport.model.instruments import Instrument

from tradeport_bitmex.conversions import (
    decimal_of,
    interval_ns,
    parse_timestamp_ns,
    price_of,
    qty_of,
)
from tradeport_bitmex.enums import AGGRESSOR_FROM_VENUE, SIDE_FROM_VENUE

__all__ = [
    "OrderBookL2State",
    "RecentTradeIds",
    "parse_bar",
    "parse_book10_snapshot",
    "parse_funding_rate",
    "parse_index_price",
    "parse_instrument_funding_rate",
    "parse_mark_price",
    "parse_quote_tick",
    "parse_trade_tick",
]

_quote = QuoteTick.trusted
_trade = TradeTick.trusted
_level = OrderBookDelta.trusted_level
_DELETE = BookAction.DELETE
_NO_STAMP = object()  # no row seen yet (a row's own timestamp may be missing: None)
_F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_F_LAST = int(RecordFlag.F_LAST)
_F_MBP = int(RecordFlag.F_MBP)


# The hot paths memoize prices and sizes by the JSON number itself in the instrument's shared
# decoder (InstrumentDecoder.price_from: a hit skips repr and the parse) and build with the
# trusted constructors; a value the memo cannot hold (not hashable) takes the checked path,
# which names it.


def parse_quote_tick(row: dict[str, Any], instrument: Instrument, ts_init: int) -> QuoteTick | None:
    """A ``quote`` row as a QuoteTick; None while one side of the book is empty."""
    bid, ask = row.get("bidPrice"), row.get("askPrice")
    if bid is None or ask is None:
        return None
    decoder = decoder_for(instrument)
    prices, sizes = decoder.prices, decoder.sizes
    bid_size, ask_size = row.get("bidSize") or 0, row.get("askSize") or 0
    try:
        bid_price = prices.get(bid)
        if bid_price is None:
            bid_price = decoder.price_from(bid, price_of)
        ask_price = prices.get(ask)
        if ask_price is None:
            ask_price = decoder.price_from(ask, price_of)
        bid_qty = sizes.get(bid_size)
        if bid_qty is None:
            bid_qty = decoder.size_from(bid_size, qty_of)
        ask_qty = sizes.get(ask_size)
        if ask_qty is None:
            ask_qty = decoder.size_from(ask_size, qty_of)
    except TypeError:  # unhashable: the checked conversions say what is wrong
        bid_price, ask_price = price_of(instrument, bid), price_of(instrument, ask)
        bid_qty, ask_qty = qty_of(instrument, bid_size), qty_of(instrument, ask_size)
    return _quote(
        decoder.instrument_id,
        bid_price,
        ask_price,
        bid_qty,
        ask_qty,
        parse_timestamp_ns(row["timestamp"]),
        ts_init,
    )


def parse_trade_tick(row: dict[str, Any], instrument: Instrument, ts_init: int) -> TradeTick:
    """A ``trade`` row as a TradeTick: ``side`` is the taker's, ``trdMatchID`` the trade id."""
    decoder = decoder_for(instrument)
    price, size = row["price"], row["size"]
    try:
        price_value = decoder.prices.get(price)
        if price_value is None:
            price_value = decoder.price_from(price, price_of)
        size_value = decoder.sizes.get(size)
        if size_value is None:
            size_value = decoder.size_from(size, qty_of)
    except TypeError:  # unhashable: the checked conversions say what is wrong
        price_value, size_value = price_of(instrument, price), qty_of(instrument, size)
    return _trade(
        decoder.instrument_id,
        price_value,
        size_value,
        AGGRESSOR_FROM_VENUE.get(row.get("side") or "", AggressorSide.NO_AGGRESSOR),
        TradeId(row["trdMatchID"]),
        parse_timestamp_ns(row["timestamp"]),
        ts_init,
    )


def parse_bar(
    row: dict[str, Any], bar_type: BarType, instrument: Instrument, ts_init: int
) -> Bar | None:
    """A ``tradeBin*`` row as a Bar (None for a bin without trades).

    BitMEX stamps a bin with its close time, which is what ``Bar.ts_event`` means.
    """
    if row.get("open") is None or row.get("close") is None:
        return None
    return Bar(
        bar_type,
        price_of(instrument, row["open"]),
        price_of(instrument, row["high"]),
        price_of(instrument, row["low"]),
        price_of(instrument, row["close"]),
        qty_of(instrument, row.get("volume") or 0),
        parse_timestamp_ns(row["timestamp"]),
        ts_init,
    )


def parse_book10_snapshot(
    row: dict[str, Any], instrument: Instrument, ts_init: int
) -> OrderBookDeltas:
    """An ``orderBook10`` row (top ten levels each side) as a snapshot batch."""
    iid = instrument.id
    ts_event = parse_timestamp_ns(row["timestamp"])
    flags = _F_SNAPSHOT | _F_MBP
    deltas = [OrderBookDelta.clear(iid, 0, ts_event, ts_init, flags)]
    for side, levels in (
        (OrderSide.BUY, row.get("bids") or ()),
        (OrderSide.SELL, row.get("asks") or ()),
    ):
        for price, size in levels:
            order = BookOrder(side, price_of(instrument, price), qty_of(instrument, size))
            deltas.append(OrderBookDelta(iid, BookAction.ADD, order, flags, 0, ts_event, ts_init))
    last = deltas[-1]
    deltas[-1] = OrderBookDelta(
        iid, last.action, last.order, last.flags | _F_LAST, 0, ts_event, ts_init
    )
    return OrderBookDeltas(iid, tuple(deltas))


def parse_mark_price(
    row: dict[str, Any], instrument: Instrument, ts_init: int
) -> MarkPriceUpdate | None:
    """The mark price of an ``instrument`` row, if it carries one."""
    mark = row.get("markPrice")
    if mark is None:
        return None
    return MarkPriceUpdate(
        instrument.id, price_of(instrument, mark), parse_timestamp_ns(row["timestamp"]), ts_init
    )


def parse_index_price(
    row: dict[str, Any], instrument: Instrument, ts_init: int
) -> IndexPriceUpdate | None:
    """The index price of an ``instrument`` row (``indicativeSettlePrice``), if present."""
    index = row.get("indicativeSettlePrice")
    if index is None:
        return None
    return IndexPriceUpdate(
        instrument.id, price_of(instrument, index), parse_timestamp_ns(row["timestamp"]), ts_init
    )


def parse_instrument_funding_rate(
    row: dict[str, Any], instrument_id: InstrumentId, ts_init: int
) -> FundingRateUpdate | None:
    """The funding rate an ``instrument`` row carries (``fundingRate``), if any."""
    rate = row.get("fundingRate")
    if rate is None:
        return None
    next_funding = row.get("fundingTimestamp")
    interval = row.get("fundingInterval")
    return FundingRateUpdate(
        instrument_id,
        decimal_of(rate),
        parse_timestamp_ns(row["timestamp"]),
        ts_init,
        next_funding_ns=parse_timestamp_ns(next_funding) if next_funding else None,
        interval_ns=interval_ns(interval) if interval else None,
    )


def parse_funding_rate(
    row: dict[str, Any], instrument_id: InstrumentId, ts_init: int
) -> FundingRateUpdate:
    """A ``funding`` row (a funding event) as a FundingRateUpdate."""
    interval = row.get("fundingInterval")
    return FundingRateUpdate(
        instrument_id,
        decimal_of(row["fundingRate"]),
        parse_timestamp_ns(row["timestamp"]),
        ts_init,
        interval_ns=interval_ns(interval) if interval else None,
    )


class RecentTradeIds:
    """The last ``size`` trade ids per symbol: a trade seen again (BitMEX repeats the latest
    trades in the ``partial`` of every new subscription) is not new."""

    __slots__ = ("_seen", "size")

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._seen: dict[str, tuple[set[str], deque[str]]] = {}

    def is_new(self, symbol: str, trade_id: str) -> bool:
        """Remember ``trade_id``; False when it was seen before."""
        seen = self._seen.get(symbol)
        if seen is None:
            seen = self._seen[symbol] = (set(), deque())
        ids, order = seen
        if trade_id in ids:
            return False
        ids.add(trade_id)
        order.append(trade_id)
        if len(order) > self.size:
            ids.discard(order.popleft())
        return True


class OrderBookL2State:
    """One instrument's ``orderBookL2``/``orderBookL2_25`` stream turned into deltas.

    BitMEX keys levels by ``id`` (``symbol``, ``id``, ``side``); an update or delete may omit
    the price, so the id -> price map of the current partial is kept. Rows before the first
    ``partial`` are dropped (BitMEX: "ignore messages until the partial"); :meth:`reset` (on
    reconnect) waits for the next partial, which replaces the book.
    """

    __slots__ = ("_levels", "_sequence", "instrument", "synced")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self._levels: dict[Any, tuple[OrderSide, Any]] = {}
        self._sequence = 0
        #: Whether a partial has been applied since the last reset.
        self.synced = False

    def reset(self) -> None:
        """Forget the book; deltas are dropped until the next partial."""
        self._levels.clear()
        self.synced = False

    def apply(
        self, action: str, rows: list[dict[str, Any]], ts_init: int
    ) -> OrderBookDeltas | None:
        """The deltas of one table message, or None (nothing to emit)."""
        instrument = self.instrument
        iid = instrument.id
        levels = self._levels
        self._sequence += 1
        sequence = self._sequence
        decoder = decoder_for(instrument)
        prices, sizes = decoder.prices, decoder.sizes
        deltas: list[OrderBookDelta] = []
        last_stamp: Any = _NO_STAMP
        if action == "partial":
            levels.clear()
            self.synced = True
            ts_event = _ts_of(rows, ts_init)
            flags = _F_SNAPSHOT | _F_MBP
            deltas.append(OrderBookDelta.clear(iid, sequence, ts_event, ts_init, flags))
            book_action = BookAction.ADD
        elif not self.synced:
            return None
        else:
            flags = _F_MBP
            book_action = _ACTIONS[action]
        for row in rows:
            side = SIDE_FROM_VENUE[row["side"]]
            key = row["id"]
            raw_price = row.get("price")
            if raw_price is None:
                known = levels.get(key)
                if known is None:
                    continue  # an update for a level we never saw: nothing to change
                raw_price = known[1]
            if book_action is _DELETE:
                levels.pop(key, None)
                raw_size: Any = 0
            else:
                levels[key] = (side, raw_price)
                raw_size = row.get("size") or 0
            try:
                price = prices.get(raw_price)
                if price is None:
                    price = decoder.price_from(raw_price, price_of)
                size = sizes.get(raw_size)
                if size is None:
                    size = decoder.size_from(raw_size, qty_of)
            except TypeError:  # unhashable: the checked conversions say what is wrong
                price, size = price_of(instrument, raw_price), qty_of(instrument, raw_size)
            stamp = row.get("timestamp")
            if stamp != last_stamp:  # the rows of one message mostly share their timestamp
                last_stamp = stamp
                ts_event = parse_timestamp_ns(stamp) if stamp else ts_init
            deltas.append(
                _level(iid, book_action, side, price, size, flags, sequence, ts_event, ts_init)
            )
        if not deltas:
            return None
        last = deltas[-1]
        deltas[-1] = OrderBookDelta.trusted(
            iid, last.action, last.order, last.flags | _F_LAST, sequence, last.ts_event, ts_init
        )
        return OrderBookDeltas.trusted(iid, tuple(deltas))


_ACTIONS = {"insert": BookAction.ADD, "update": BookAction.UPDATE, "delete": BookAction.DELETE}


def _ts_of(rows: list[dict[str, Any]], default: int) -> int:
    stamps = [r["timestamp"] for r in rows if r.get("timestamp")]
    return parse_timestamp_ns(max(stamps)) if stamps else default
