"""Bybit's raw-frame parser, offered to other plugins through the core
(``tradeport_register_frame_parsers``, :mod:`tradeport.frames`).

A replay provider holding a recorded Bybit v5 public stream (Tardis records the messages
verbatim) turns each frame into the events :class:`BybitDataClient` publishes live for it, with
the same parsers (``tradeport_bybit.websocket.parse``) and ``ts_init`` the recorded arrival time.
Frames route themselves by their ``topic``:

* ``publicTrade.{symbol}``: TradeTicks (as ``subscribe_trades``);
* ``orderbook.{depth}.{symbol}``: the QuoteTick ``subscribe_quotes`` publishes (depth 1, both
  sides present), then the message's OrderBookDeltas as sent (snapshot or delta, not
  synchronised: the live client applies them to its book);
* ``tickers.{symbol}``: MarkPriceUpdate, IndexPriceUpdate, FundingRateUpdate, each when the
  message carries it (deltas merged per symbol as live, for the funding time).

Acks, pongs and other topics produce no event. Symbols map to the instruments given by their
native symbol: give the instruments of one category (``BTCUSDT`` is a spot pair and a linear
perpetual).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from tradeport.errors import UnknownInstrument, ValidationError
from tradeport.model.instruments import Instrument

from tradeport_bybit.constants import VENUE_ID
from tradeport_bybit.websocket.parse import (
    TickerState,
    parse_ws_book,
    parse_ws_quote,
    parse_ws_ticker,
    parse_ws_trades,
)

__all__ = ["CHANNELS", "BybitFrameParser", "frame_parser", "frame_parser_spec"]

#: Topic heads this parser reads (the channel names Tardis records: ``orderbook.1``,
#: ``orderbook.50`` ... all under ``orderbook``).
CHANNELS = ("publicTrade", "orderbook", "tickers")
_decode = msgspec.json.decode


class BybitFrameParser:
    """Parses Bybit v5 public stream frames (see the module docstring)."""

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        self._by_native: dict[str, Instrument] = {}
        for instrument in instruments:
            native = instrument.raw_symbol.value
            known = self._by_native.get(native)
            if known is not None and known.id != instrument.id:
                raise ValidationError(
                    "instruments", native,
                    f"names both {known.id} and {instrument.id}: give one category's instruments",
                )  # fmt: skip
            self._by_native[native] = instrument
        self._tickers: dict[str, TickerState] = {}
        self._routes: dict[str, Callable[[dict[str, Any], Instrument, int, str], list[Any]]] = {
            "publicTrade": self._trades,
            "orderbook": self._book,
            "tickers": self._ticker,
        }

    def parse(self, frame: bytes | str, ts_init: int, channel: str | None = None) -> list[Any]:
        """The events the live data client publishes for ``frame``, arrived at ``ts_init``."""
        try:
            message = _decode(frame)
        except msgspec.DecodeError as exc:
            raise ValidationError("frame", bytes(frame[:80]) if isinstance(frame, bytes)
                                  else frame[:80], f"is not JSON: {exc}") from None  # fmt: skip
        if not isinstance(message, dict):
            raise ValidationError("frame", str(message)[:80], "is not a stream message")
        topic = message.get("topic")
        if not isinstance(topic, str):
            return []  # a subscription ack, a pong
        head, _, symbol = topic.rpartition(".")
        route = self._routes.get(head.split(".", 1)[0])
        if route is None:
            raise ValidationError("topic", topic, f"is not one of {', '.join(CHANNELS)}")
        instrument = self._by_native.get(symbol)
        if instrument is None:
            raise UnknownInstrument(VENUE_ID, symbol, "not among the instruments given")
        try:
            return route(message, instrument, ts_init, head)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(
                f"{head} message", topic, f"{type(exc).__name__}: {exc}"
            ) from None

    def _trades(self, message: dict[str, Any], inst: Instrument, ts: int, head: str) -> list[Any]:
        return list(parse_ws_trades(message, inst, ts))

    def _book(self, message: dict[str, Any], inst: Instrument, ts: int, head: str) -> list[Any]:
        out: list[Any] = []
        if head == "orderbook.1":
            quote = parse_ws_quote(message, inst, ts)
            if quote is not None:
                out.append(quote)
        deltas = parse_ws_book(message, inst, ts)
        if deltas is not None:
            out.append(deltas)
        return out

    def _ticker(self, message: dict[str, Any], inst: Instrument, ts: int, head: str) -> list[Any]:
        state = self._tickers.setdefault(inst.raw_symbol.value, TickerState())
        return list(parse_ws_ticker(message, inst, ts, state))


def frame_parser(instruments: Sequence[Instrument], config: Any = None) -> BybitFrameParser:
    """The factory the plugin registers (instruments decide the category)."""
    return BybitFrameParser(instruments)


def frame_parser_spec() -> Any:
    """The plugin's offer for ``tradeport_register_frame_parsers``."""
    from tradeport.frames import FrameParserSpec

    return FrameParserSpec(
        venue="bybit",
        channels=CHANNELS,
        factory=frame_parser,
        description="Bybit v5 public streams (publicTrade, orderbook, tickers)",
    )
