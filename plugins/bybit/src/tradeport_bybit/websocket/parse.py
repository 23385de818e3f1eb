"""Pure parsers for Bybit stream messages (public topics; private records reuse the REST ones).

Hot paths (trades, books, tickers) take the instrument and do no lookups of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDeltas,
    QuoteTick,
    TradeTick,
)
from tradeport.model.decoding import decoder_for
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Price

from tradeport_bybit.enums import AGGRESSOR_FROM_VENUE
from tradeport_bybit.http.parse import MS, book_deltas

__all__ = [
    "topic_kind",
    "parse_ws_trades",
    "parse_ws_book",
    "parse_ws_quote",
    "parse_ws_ticker",
    "parse_ws_bar",
    "TickerState",
]


def topic_kind(topic: str) -> tuple[str, str]:
    """(kind, symbol) of a public topic: ``orderbook.50.BTCUSDT`` -> (``orderbook.50``, ...)."""
    head, _, symbol = topic.rpartition(".")
    return head, symbol


def parse_ws_trades(
    message: Mapping[str, Any], instrument: Instrument, ts_init: int
) -> list[TradeTick]:
    """A ``publicTrade.{symbol}`` message (one or more trades, ``S`` is the taker side)."""
    trade_tick = decoder_for(instrument).trade_tick
    return [
        trade_tick(
            item["p"],
            item["v"],
            AGGRESSOR_FROM_VENUE[item["S"]],
            item["i"],
            item["T"] * MS,
            ts_init,
        )
        for item in message["data"]
    ]


def parse_ws_book(
    message: Mapping[str, Any], instrument: Instrument, ts_init: int
) -> OrderBookDeltas | None:
    """An ``orderbook.{depth}.{symbol}`` snapshot or delta; ``sequence`` is its update id ``u``."""
    data = message["data"]
    return book_deltas(
        instrument,
        data["b"],
        data["a"],
        snapshot=message["type"] == "snapshot",
        sequence=int(data["u"]),
        ts_event=int(message["ts"]) * MS,
        ts_init=ts_init,
    )


def parse_ws_quote(
    message: Mapping[str, Any], instrument: Instrument, ts_init: int
) -> QuoteTick | None:
    """A quote from an ``orderbook.1.{symbol}`` message (both sides needed; None otherwise).

    Level-1 messages carry the full top of book in snapshots; a delta that empties a side is
    followed by Bybit with a fresh snapshot, so a one-sided message gives no quote.
    """
    data = message["data"]
    bids = data["b"]
    asks = data["a"]
    if not bids or not asks:
        return None
    bid_price, bid_size = bids[0]
    ask_price, ask_size = asks[0]
    quote = decoder_for(instrument).quote_tick(
        bid_price, ask_price, bid_size, ask_size, int(message["ts"]) * MS, ts_init
    )
    if not quote.bid_size.raw or not quote.ask_size.raw:
        return None
    return quote


class TickerState:
    """Merged ``tickers`` state for one symbol: linear/inverse send a snapshot, then deltas that
    hold only the fields that changed."""

    __slots__ = ("fields",)

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def merge(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """Apply one message; returns the fields it carried."""
        data = message["data"]
        if message.get("type") == "snapshot":
            self.fields = dict(data)
        else:
            self.fields.update(data)
        return data  # type: ignore[no-any-return]


def parse_ws_ticker(
    message: Mapping[str, Any],
    instrument: Instrument,
    ts_init: int,
    state: TickerState | None = None,
) -> list[MarkPriceUpdate | IndexPriceUpdate | FundingRateUpdate]:
    """Mark price, index price and funding rate from a ``tickers.{symbol}`` message.

    Only what the message carries is emitted (a delta without ``markPrice`` yields no mark
    price); ``state`` fills in the funding time for a rate-only delta.
    """
    data = state.merge(message) if state is not None else message["data"]
    merged = state.fields if state is not None else data
    ts_event = int(message["ts"]) * MS
    out: list[MarkPriceUpdate | IndexPriceUpdate | FundingRateUpdate] = []
    iid = instrument.id
    mark = data.get("markPrice")
    if mark:
        out.append(MarkPriceUpdate(iid, _price(instrument, mark), ts_event, ts_init))
    index = data.get("indexPrice")
    if index:
        out.append(IndexPriceUpdate(iid, _price(instrument, index), ts_event, ts_init))
    rate = data.get("fundingRate")
    if rate:
        next_time = merged.get("nextFundingTime")
        interval = instrument.info.get("fundingInterval")
        out.append(
            FundingRateUpdate(
                iid,
                Decimal(rate),
                ts_event,
                ts_init,
                next_funding_ns=int(next_time) * MS if next_time else None,
                interval_ns=int(interval) * 60_000 * MS if interval else None,
            )
        )
    return out


def _price(instrument: Instrument, value: str) -> Price:
    # Mark and index prices can carry more decimals than the tick; keep them exact.
    try:
        return instrument.make_price(value)
    except ValueError:
        return Price(value)


def parse_ws_bar(
    item: Mapping[str, Any], bar_type: BarType, instrument: Instrument, ts_init: int
) -> Bar | None:
    """One ``kline.{interval}.{symbol}`` item; None while the candle is still open."""
    if not item.get("confirm"):
        return None
    return Bar(
        bar_type=bar_type,
        open=instrument.make_price(item["open"]),
        high=instrument.make_price(item["high"]),
        low=instrument.make_price(item["low"]),
        close=instrument.make_price(item["close"]),
        volume=instrument.make_qty(item["volume"]),
        ts_event=(int(item["end"]) + 1) * MS,
        ts_init=ts_init,
    )
