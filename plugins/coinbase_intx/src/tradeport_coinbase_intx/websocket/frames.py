"""CoinbaseIntx's raw-frame parser, offered to replay providers through the core
(``tradeport_register_frame_parsers`` in plugin.py, :mod:`tradeport.frames`).

A replay provider holding a recording of the CoinbaseIntx stream turns each frame into exactly the
events :class:`~tradeport_coinbase_intx.data.CoinbaseIntxDataClient` publishes live for it: the same
parse functions, with ``ts_init`` the frame's recorded arrival time. Frames carry their topic
(``trades.BTC-USDT``), so ``channel`` is not needed. What differs from a live session, by
design: book frames give their deltas as sent (a live session applies them to a snapshot
first), and a ``mark`` frame gives all three updates (a live session only those subscribed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from tradeport.errors import ValidationError
from tradeport.model.data import BarType
from tradeport.model.instruments import Instrument

from tradeport_coinbase_intx.enums import BAR_INTERVALS
from tradeport_coinbase_intx.symbology import instrument_id_of
from tradeport_coinbase_intx.websocket.parse import (
    parse_bar_message,
    parse_book_batch,
    parse_mark_message,
    parse_quote_tick,
    parse_trade_ticks,
)
from tradeport_coinbase_intx.websocket.topics import BARS, BOOK, MARK, QUOTES, TRADES, split_topic

__all__ = ["CHANNELS", "CoinbaseIntxFrameParser", "frame_parser_spec"]

#: The public channels this parser reads.
CHANNELS = (TRADES, QUOTES, BOOK, BARS, MARK)


class CoinbaseIntxFrameParser:
    """Parses CoinbaseIntx stream frames (see the module docstring)."""

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        self._instruments = {instrument.id: instrument for instrument in instruments}

    def parse(self, frame: bytes | str, ts_init: int, channel: str | None = None) -> list[Any]:
        """The events the live data client publishes for ``frame``, arrived at ``ts_init``."""
        try:
            message = msgspec.json.decode(frame)
        except msgspec.DecodeError as exc:
            raise ValidationError("frame", frame[:80], f"is not JSON: {exc}") from None
        if not isinstance(message, dict) or "topic" not in message:
            return []  # a reply (login, subscribe, pong): no events
        name, rest = split_topic(message["topic"])
        if name == BARS:
            interval, _, symbol = rest.partition(".")
            if interval not in BAR_INTERVALS:
                raise ValidationError("topic", message["topic"], "has an unknown bar interval")
            step, aggregation = BAR_INTERVALS[interval]
            iid = instrument_id_of(symbol)
            bar_type = BarType.from_str(f"{iid}-{step}-{aggregation.value}-LAST-EXTERNAL")
            bar = parse_bar_message(message, bar_type, self._instruments.get(iid), ts_init)
            return [bar] if bar is not None else []
        iid = instrument_id_of(rest)
        instrument = self._instruments.get(iid)
        if name == TRADES:
            return list(parse_trade_ticks(message, iid, instrument, ts_init))
        if name == QUOTES:
            return [parse_quote_tick(message, iid, instrument, ts_init)]
        if name == BOOK:
            batch = parse_book_batch(message, iid, instrument, ts_init)
            return [batch.deltas] if batch.deltas is not None else []
        if name == MARK:
            return list(parse_mark_message(message, iid, instrument, ts_init))
        raise ValidationError("topic", message["topic"], f"is not one of {', '.join(CHANNELS)}")


def frame_parser_spec() -> Any:
    """The plugin's offer for ``tradeport_register_frame_parsers``."""
    from tradeport.frames import FrameParserSpec

    from tradeport_coinbase_intx.plugin import VENUE

    return FrameParserSpec(
        venue=VENUE,
        channels=CHANNELS,
        factory=lambda instruments, config: CoinbaseIntxFrameParser(instruments),
        description="CoinbaseIntx public stream frames",
    )
