"""BitMEX's raw-frame parser, offered to other plugins through the core
(``tradeport_register_frame_parsers``, :mod:`tradeport.frames`).

A replay provider holding a recorded BitMEX realtime stream (Tardis records the table messages
verbatim) turns each message into the events :class:`BitmexDataClient` publishes live for it,
with the same parsers and ``ts_init`` the recorded arrival time. Messages route by ``table``:

* ``quote``: QuoteTicks;
* ``trade``: TradeTicks; rows of a ``partial`` are past trades (not new), and a trade id seen
  before is not repeated, as live;
* ``orderBookL2``, ``orderBookL2_25``: OrderBookDeltas through the live client's
  :class:`OrderBookL2State` (levels keyed by id; rows before a ``partial`` are dropped, a
  ``partial`` replaces the book: what a recording shows after each reconnect);
* ``orderBook10``: snapshot OrderBookDeltas;
* ``instrument``: MarkPriceUpdate, IndexPriceUpdate and FundingRateUpdate, each when the row
  carries it.

This parser keeps state across frames (the book levels by id, recent trade ids), like the live
client; create one per replay. Acks and other tables produce no event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.instruments import Instrument
from tradeport.net import json_codec

from tradeport_bitmex.constants import VENUE_NAME
from tradeport_bitmex.websocket.parse import (
    OrderBookL2State,
    RecentTradeIds,
    parse_book10_snapshot,
    parse_index_price,
    parse_instrument_funding_rate,
    parse_mark_price,
    parse_quote_tick,
    parse_trade_tick,
)

__all__ = ["CHANNELS", "BitmexFrameParser", "frame_parser", "frame_parser_spec"]

CHANNELS = ("quote", "trade", "orderBookL2", "orderBookL2_25", "orderBook10", "instrument")
#: Recent trade ids remembered per symbol (as the live client).
_SEEN_TRADES = 2048


class BitmexFrameParser:
    """Parses BitMEX realtime table messages (see the module docstring)."""

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        self._by_symbol = {i.raw_symbol.value: i for i in instruments}
        self._books: dict[tuple[str, str], OrderBookL2State] = {}
        self._seen = RecentTradeIds(_SEEN_TRADES)

    def parse(self, frame: bytes | str, ts_init: int, channel: str | None = None) -> list[Any]:
        """The events the live data client publishes for ``frame``, arrived at ``ts_init``."""
        try:
            message = json_codec.loads(frame)
        except ValueError as exc:
            raise ValidationError("frame", str(frame[:80]), f"is not JSON: {exc}") from None
        table = message.get("table") if isinstance(message, dict) else None
        rows = message.get("data") if isinstance(message, dict) else None
        if not isinstance(table, str) or not isinstance(rows, list):
            return []  # an ack, a welcome, an error reply
        if table not in CHANNELS:
            raise ValidationError("table", table, f"is not one of {', '.join(CHANNELS)}")
        try:
            return self._route(table, str(message.get("action") or ""), rows, ts_init)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(
                f"{table} message", rows[:1], f"{type(exc).__name__}: {exc}"
            ) from None

    def _route(self, table: str, action: str, rows: list[dict[str, Any]], ts: int) -> list[Any]:
        out: list[Any] = []
        if table.startswith("orderBookL2"):
            by_symbol: dict[str, list[dict[str, Any]]] = {}
            for row in rows:
                by_symbol.setdefault(row["symbol"], []).append(row)
            for symbol, symbol_rows in by_symbol.items():
                instrument = self._by_symbol.get(symbol)
                if instrument is None:
                    continue
                state = self._books.setdefault((table, symbol), OrderBookL2State(instrument))
                deltas = state.apply(action, symbol_rows, ts)
                if deltas is not None:
                    out.append(deltas)
            return out
        for row in rows:
            instrument = self._by_symbol.get(row.get("symbol") or "")
            if instrument is None:
                continue  # not an instrument of this replay (the live client skips it too)
            if table == "quote":
                quote = parse_quote_tick(row, instrument, ts)
                if quote is not None:
                    out.append(quote)
            elif table == "trade":
                new = self._seen.is_new(row["symbol"], row["trdMatchID"])
                if new and action != "partial":
                    out.append(parse_trade_tick(row, instrument, ts))
            elif table == "orderBook10":
                out.append(parse_book10_snapshot(row, instrument, ts))
            elif row.get("timestamp"):  # instrument
                for update in (parse_mark_price(row, instrument, ts),
                               parse_index_price(row, instrument, ts),
                               parse_instrument_funding_rate(row, instrument.id, ts)):  # fmt: skip
                    if update is not None:
                        out.append(update)
        return out


def frame_parser(instruments: Sequence[Instrument], config: Any = None) -> BitmexFrameParser:
    """The factory the plugin registers."""
    return BitmexFrameParser(instruments)


def frame_parser_spec() -> Any:
    """The plugin's offer for ``tradeport_register_frame_parsers``."""
    from tradeport.frames import FrameParserSpec

    return FrameParserSpec(
        venue=VENUE_NAME,
        channels=CHANNELS,
        factory=frame_parser,
        description="BitMEX realtime tables (quote, trade, orderBookL2*, orderBook10, instrument)",
    )
