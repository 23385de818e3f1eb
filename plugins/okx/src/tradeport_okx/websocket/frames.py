"""OKX's raw-frame parser, offered to other plugins through the core
(``tradeport_register_frame_parsers``, :mod:`tradeport.frames`).

A replay provider holding a recorded OKX v5 public stream (Tardis records the pushes verbatim)
turns each push into the events :class:`OkxDataClient` publishes live for it: the same parsers,
with ``ts_init`` the recorded arrival time. Pushes route themselves by ``arg.channel``:

* ``trades``: TradeTicks;
* ``bbo-tbt`` and ``tickers``: QuoteTicks (both sides present);
* ``books``, ``books-l2-tbt``, ``books50-l2-tbt``: each item's OrderBookDeltas as sent (a
  ``snapshot`` action starts with CLEAR; not synchronised: the live client checks ``seqId``
  continuity and checksums on its book); ``books5``: a snapshot per item;
* ``mark-price``: MarkPriceUpdate; ``funding-rate``: FundingRateUpdate.

Subscription acks, errors and other channels (candles, index tickers: the live client maps
those through its subscriptions) produce no event. Instruments are found by ``instId``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from tradeport.errors import UnknownInstrument, ValidationError
from tradeport.model.instruments import Instrument

from tradeport_okx.constants import VENUE_NAME
from tradeport_okx.http.parse import (
    parse_funding_rate,
    parse_mark_price,
    parse_quote_from_ticker,
    parse_trade_tick,
)
from tradeport_okx.websocket.parse import parse_book_deltas, parse_quote_from_book

__all__ = ["CHANNELS", "OkxFrameParser", "frame_parser", "frame_parser_spec"]

_BOOKS = ("books", "books-l2-tbt", "books50-l2-tbt")
#: The channels this parser reads.
CHANNELS = ("trades", "bbo-tbt", "tickers", *_BOOKS, "books5", "mark-price", "funding-rate")
_decode = msgspec.json.decode


class OkxFrameParser:
    """Parses OKX v5 public pushes (see the module docstring)."""

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        self._by_inst_id = {i.raw_symbol.value: i for i in instruments}

    def _instrument(self, inst_id: str | None) -> Instrument:
        instrument = self._by_inst_id.get(inst_id or "")
        if instrument is None:
            raise UnknownInstrument(VENUE_NAME.upper(), str(inst_id), "not among the instruments")
        return instrument

    def parse(self, frame: bytes | str, ts_init: int, channel: str | None = None) -> list[Any]:
        """The events the live data client publishes for ``frame``, arrived at ``ts_init``."""
        try:
            message = _decode(frame)
        except msgspec.DecodeError as exc:
            raise ValidationError("frame", str(frame[:80]), f"is not JSON: {exc}") from None
        arg, data = (message.get("arg"), message.get("data")) if isinstance(message, dict) else (
            None, None,
        )  # fmt: skip
        if not isinstance(arg, dict) or not isinstance(data, list):
            return []  # an ack, an error reply, a pong
        name = str(arg.get("channel", channel or ""))
        if name not in CHANNELS:
            raise ValidationError("channel", name, f"is not one of {', '.join(CHANNELS)}")
        try:
            return self._route(name, arg, message.get("action", "update"), data, ts_init)
        except UnknownInstrument:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ValidationError(
                f"{name} push", str(arg), f"{type(exc).__name__}: {exc}"
            ) from None

    def _route(
        self, name: str, arg: dict[str, Any], action: str, data: list[Any], ts_init: int
    ) -> list[Any]:
        out: list[Any] = []
        if name in _BOOKS or name == "books5":
            instrument = self._instrument(arg.get("instId"))
            snapshot = name == "books5" or action == "snapshot"
            for record in data:
                deltas = parse_book_deltas(record, instrument, snapshot, ts_init)
                if deltas is not None:
                    out.append(deltas)
            return out
        for record in data:
            instrument = self._instrument(record.get("instId") or arg.get("instId"))
            if name == "trades":
                out.append(parse_trade_tick(record, instrument, ts_init))
            elif name in ("bbo-tbt", "tickers"):
                parse = parse_quote_from_book if name == "bbo-tbt" else parse_quote_from_ticker
                quote = parse(record, instrument, ts_init)
                if quote is not None:
                    out.append(quote)
            elif name == "mark-price":
                out.append(parse_mark_price(record, instrument, ts_init))
            else:  # funding-rate
                out.append(parse_funding_rate(record, instrument.id, ts_init))
        return out


def frame_parser(instruments: Sequence[Instrument], config: Any = None) -> OkxFrameParser:
    """The factory the plugin registers."""
    return OkxFrameParser(instruments)


def frame_parser_spec() -> Any:
    """The plugin's offer for ``tradeport_register_frame_parsers``."""
    from tradeport.frames import FrameParserSpec

    return FrameParserSpec(
        venue=VENUE_NAME,
        channels=CHANNELS,
        factory=frame_parser,
        description="OKX v5 public pushes (trades, bbo-tbt, tickers, books*, mark-price, "
        "funding-rate)",
    )
