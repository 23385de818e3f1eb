"""Parsers of the CLOB channels' events (docs.polymarket.com market-data/websocket).

Market channel ``event_type`` values: ``book`` (a full snapshot of one asset, with its
``hash``), ``price_change`` (``price_changes[]``: the new size of one level per entry, each
with the asset's new book ``hash`` and best bid/ask), ``last_trade_price``,
``tick_size_change``, and with ``custom_feature_enabled`` ``best_bid_ask``, ``new_market``
and ``market_resolved``. User channel: ``order`` and ``trade``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import attrs
from tradeport.book import DeltaBatch
from tradeport.model.data import InstrumentResolved, TradeTick
from tradeport.model.decoding import decoder_for
from tradeport.model.enums import ResolutionResult
from tradeport.model.instruments import BinaryOutcome
from tradeport.model.numbers import Price

from tradeport_polymarket.enums import AGGRESSOR_SIDE
from tradeport_polymarket.http.parse import number_text, parse_book_snapshot, parse_time
from tradeport_polymarket.symbology import instrument_id_of

__all__ = [
    "BOOK",
    "LAST_TRADE_PRICE",
    "MARKET_RESOLVED",
    "NEW_MARKET",
    "PRICE_CHANGE",
    "TICK_SIZE_CHANGE",
    "last_trade_id",
    "parse_book_batch",
    "parse_last_trade",
    "parse_price_changes",
    "parse_resolution",
    "with_tick_size",
]

BOOK: Final = "book"
PRICE_CHANGE: Final = "price_change"
LAST_TRADE_PRICE: Final = "last_trade_price"
TICK_SIZE_CHANGE: Final = "tick_size_change"
BEST_BID_ASK: Final = "best_bid_ask"
NEW_MARKET: Final = "new_market"
MARKET_RESOLVED: Final = "market_resolved"


def parse_book_batch(
    message: Mapping[str, Any], instrument: BinaryOutcome, ts_init: int, checksum: int | None
) -> DeltaBatch:
    """A ``book`` event as the snapshot batch of the BookSynchronizer (its sequence is the
    venue timestamp, ms: the only order the venue gives)."""
    sequence = int(message["timestamp"])
    deltas = parse_book_snapshot(message, instrument, ts_init, sequence)
    return DeltaBatch(deltas, sequence, sequence, None, checksum)


def parse_price_changes(
    message: Mapping[str, Any], instrument: BinaryOutcome, ts_init: int, checksum: int | None
) -> DeltaBatch | None:
    """The entries of a ``price_change`` event for one asset as an update batch (size 0
    deletes the level), or None when none is for this asset."""
    token = instrument.token_id
    bids: list[tuple[str, str]] = []
    asks: list[tuple[str, str]] = []
    for change in message["price_changes"]:
        if change["asset_id"] != token:
            continue
        level = (number_text(change["price"]), number_text(change["size"]))
        (bids if change["side"] == "BUY" else asks).append(level)
    if not bids and not asks:
        return None
    sequence = int(message["timestamp"])
    deltas = decoder_for(instrument).l2_deltas(
        bids, asks, sequence, parse_time(message["timestamp"]), ts_init
    )
    return DeltaBatch(deltas, sequence, sequence, None, checksum)


def last_hash(message: Mapping[str, Any], token_id: str) -> str | None:
    """The book ``hash`` the venue sent last for ``token_id`` in a ``price_change``."""
    found = None
    for change in message["price_changes"]:
        if change["asset_id"] == token_id and change.get("hash"):
            found = change["hash"]
    return found


def last_trade_id(message: Mapping[str, Any]) -> str:
    """The trade id of a ``last_trade_price`` event: its ``transaction_hash`` when present,
    else a digest of what identifies the print (asset, timestamp, price, size, side), so a
    repeated event gets the same id and a reconnect never duplicates a trade."""
    tx = message.get("transaction_hash")
    if tx:
        return str(tx)
    key = "|".join(
        str(message.get(k, "")) for k in ("asset_id", "timestamp", "price", "size", "side")
    )
    return f"{message['timestamp']}-{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def parse_last_trade(
    message: Mapping[str, Any], instrument: BinaryOutcome, ts_init: int
) -> TradeTick:
    """A TradeTick from ``last_trade_price`` (``side`` is the taker's)."""
    return decoder_for(instrument).trade_tick(
        number_text(message["price"]),
        number_text(message["size"]),
        AGGRESSOR_SIDE[message["side"]],
        last_trade_id(message),
        parse_time(message["timestamp"]),
        ts_init,
    )


def with_tick_size(instrument: BinaryOutcome, tick_size: str, ts_event: int) -> BinaryOutcome:
    """The instrument after a ``tick_size_change`` (``new_tick_size``): new increment,
    precision and price bounds."""
    tick = Price.from_str(format(Decimal(tick_size).normalize(), "f"))
    info = dict(instrument.info)
    info["minimum_tick_size"] = tick_size
    return attrs.evolve(
        instrument,
        price_precision=tick.precision,
        price_increment=tick,
        min_price=tick,
        max_price=Price(Decimal(1) - tick.as_decimal(), tick.precision),
        ts_event=ts_event,
        info=info,
    )


def parse_resolution(message: Mapping[str, Any], ts_init: int) -> list[InstrumentResolved]:
    """``market_resolved``: the winning token pays 1, every other token of the market 0."""
    winner = str(message["winning_asset_id"])
    ts_event = parse_time(message["timestamp"])
    return [
        InstrumentResolved(
            instrument_id=instrument_id_of(str(asset)),
            result=ResolutionResult.WON if str(asset) == winner else ResolutionResult.LOST,
            payout=Decimal(1) if str(asset) == winner else Decimal(0),
            ts_event=ts_event,
            ts_init=ts_init,
        )
        for asset in message["assets_ids"]
    ]


def resolved(instrument: BinaryOutcome, event: InstrumentResolved) -> BinaryOutcome:
    """The instrument with its resolution."""
    return attrs.evolve(instrument, resolution=event.result, resolution_ns=event.ts_event)
