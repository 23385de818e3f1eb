"""Binance's raw-frame parser, offered to other plugins through the core
(``tradeport_register_frame_parsers``, :mod:`tradeport.frames`).

A replay provider holding a recorded Binance market stream (Tardis records the combined-stream
frames verbatim) turns each frame into exactly the events :class:`BinanceDataClient` publishes
live for it: the same payload decoders and :class:`StreamParser` methods, with ``ts_init`` the
frame's recorded arrival time instead of the parse time.

Frames are the combined-stream envelope ``{"stream": "<symbol>@<channel>", "data": {...}}``
(routed by the stream name) or a bare payload with its ``channel`` given. Channels:

* ``trade``, ``aggTrade``: a TradeTick (as ``subscribe_trades``, with and without
  ``use_agg_trade_ticks``);
* ``bookTicker``: a QuoteTick;
* ``depth`` (``depth@100ms`` and the other speeds): the update's OrderBookDeltas as sent (not
  synchronised: the live client applies them to a REST snapshot first);
* ``depthSnapshot``: a REST depth snapshot a recorder stored in the stream (Tardis records
  ``<symbol>@depthSnapshot`` frames whose data is the ``GET depth`` response) as the snapshot
  OrderBookDeltas the live client builds from that response; envelopes only (the payload
  names no symbol);
* ``kline_<interval>``: a BinanceBar once the kline is closed (``k.x``), nothing before, as
  live;
* ``markPrice`` (futures): MarkPriceUpdate, IndexPriceUpdate and, for perpetuals,
  FundingRateUpdate, as ``subscribe_mark_prices`` / ``index_prices`` / ``funding_rates``
  publish them.

Symbols map to the instruments given by their native symbol, so give the instruments of one
account type (a spot ``BTCUSDT`` and the perpetual ``BTCUSDT-PERP`` share one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from tradeport.errors import ValidationError
from tradeport.model.data import BarType
from tradeport.model.instruments import Instrument

from tradeport_binance.constants import VENUE_NAME
from tradeport_binance.enums import KLINE_INTERVALS
from tradeport_binance.websocket.parse import StreamParser
from tradeport_binance.websocket.payloads import (
    decode_agg_trade,
    decode_book_ticker,
    decode_depth_update,
    decode_trade,
)

__all__ = ["CHANNELS", "BinanceFrameParser", "frame_parser"]

#: The channels (stream name after ``@``, without speed or interval) this parser reads.
CHANNELS = ("trade", "aggTrade", "bookTicker", "depth", "depthSnapshot", "kline", "markPrice")
_INTERVALS = {interval: spec for spec, interval in KLINE_INTERVALS.items()}


class _Envelope(msgspec.Struct):
    stream: str | None = None
    data: msgspec.Raw = msgspec.Raw(b"")


_decode_envelope = msgspec.json.Decoder(_Envelope).decode
_decode_dict = msgspec.json.decode


class BinanceFrameParser:
    """Parses Binance market stream frames (see the module docstring)."""

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        by_native: dict[str, Instrument] = {}
        for instrument in instruments:
            native = instrument.raw_symbol.value
            if native in by_native and by_native[native].id != instrument.id:
                raise ValidationError(
                    "instruments",
                    native,
                    f"names both {by_native[native].id} and {instrument.id}: give the "
                    "instruments of one account type",
                )
            by_native[native] = instrument
        self._ts_init = 0
        # The live parser, with the recorded arrival time as its clock.
        self.stream_parser = StreamParser(by_native.get, clock=lambda: self._ts_init)
        self._routes: dict[str, Callable[[bytes, str | None], list[Any]]] = {
            "trade": self._trade,
            "aggTrade": self._agg_trade,
            "bookTicker": self._book_ticker,
            "depth": self._depth,
            "depthSnapshot": self._depth_snapshot,
            "kline": self._kline,
            "markPrice": self._mark_price,
        }

    def parse(self, frame: bytes | str, ts_init: int, channel: str | None = None) -> list[Any]:
        """The events the live data client publishes for ``frame``, arrived at ``ts_init``."""
        raw = frame.encode() if isinstance(frame, str) else bytes(frame)
        payload = raw
        symbol: str | None = None  # from the stream name, for payloads that do not name it
        if channel is None:
            try:
                envelope = _decode_envelope(raw)
            except msgspec.ValidationError as exc:  # before DecodeError: it is a subclass
                raise ValidationError("frame", raw[:80], f"is not a stream frame: {exc}") from None
            except msgspec.DecodeError as exc:
                raise ValidationError("frame", raw[:80], f"is not JSON: {exc}") from None
            if envelope.stream is None or not envelope.data:
                # A subscription ack ({"result":null,"id":1}) or an error reply: no events.
                return []
            stream_symbol, _, channel = envelope.stream.partition("@")
            symbol = stream_symbol.upper()
            payload = bytes(envelope.data)
        name = channel.split("@")[0].split("_")[0]
        route = self._routes.get(name)
        if route is None:
            raise ValidationError("channel", channel, f"is not one of {', '.join(CHANNELS)}")
        self._ts_init = ts_init
        try:
            return route(payload, symbol)
        except msgspec.ValidationError as exc:
            raise ValidationError(f"{name} payload", payload[:80], str(exc)) from None

    # -- one per channel: what BinanceDataClient's route of that stream emits ---------------------

    def _trade(self, payload: bytes, symbol: str | None) -> list[Any]:
        return [self.stream_parser.parse_trade_tick(decode_trade(payload))]

    def _agg_trade(self, payload: bytes, symbol: str | None) -> list[Any]:
        return [self.stream_parser.parse_agg_trade_tick(decode_agg_trade(payload))]

    def _book_ticker(self, payload: bytes, symbol: str | None) -> list[Any]:
        return [self.stream_parser.parse_quote_tick(decode_book_ticker(payload))]

    def _depth(self, payload: bytes, symbol: str | None) -> list[Any]:
        batch = self.stream_parser.parse_depth_batch(decode_depth_update(payload))
        return [batch.deltas] if batch.deltas is not None else []

    def _depth_snapshot(self, payload: bytes, symbol: str | None) -> list[Any]:
        from tradeport_binance.http.parse import parse_book_snapshot

        if symbol is None:
            raise ValidationError("channel", "depthSnapshot", "needs the stream envelope")
        instrument = self.stream_parser.info(symbol).instrument
        return [parse_book_snapshot(_decode_dict(payload), instrument, self._ts_init)]

    def _kline(self, payload: bytes, symbol: str | None) -> list[Any]:
        data = _decode_dict(payload)
        kline = data["k"]
        if not kline["x"]:
            return []  # live publishes closed klines only
        try:
            step, aggregation = _INTERVALS[kline["i"]]
        except KeyError:
            raise ValidationError("k.i", kline["i"], "is not a Binance kline interval") from None
        instrument = self.stream_parser.info(data["s"]).instrument_id
        bar_type = BarType.from_str(f"{instrument}-{step}-{aggregation.value}-LAST-EXTERNAL")
        return [self.stream_parser.parse_bar(data, bar_type)]

    def _mark_price(self, payload: bytes, symbol: str | None) -> list[Any]:
        update = self.stream_parser.parse_mark_price(_decode_dict(payload))
        mark, index, funding = self.stream_parser.split_mark_price(update)
        return [mark, index] + ([funding] if funding is not None else [])


def frame_parser(instruments: Sequence[Instrument], config: Any = None) -> BinanceFrameParser:
    """The factory the plugin registers (``config`` is not needed: instruments decide)."""
    return BinanceFrameParser(instruments)


def frame_parser_spec() -> Any:
    """The plugin's offer for ``tradeport_register_frame_parsers``."""
    from tradeport.frames import FrameParserSpec

    return FrameParserSpec(
        venue=VENUE_NAME,
        channels=CHANNELS,
        factory=frame_parser,
        description="Binance market streams (Spot, USD-M, COIN-M): combined-stream frames",
    )
