"""tardis-machine's normalized messages -> tradeport events (sans-IO).

Message types (tardis-machine "Output Data Types"; tardis-node ``src/types.ts``): ``trade``,
``book_change`` (``isSnapshot``; ``amount`` is the level's new size, 0 removes it),
``book_snapshot`` (``name`` ``quote`` for the best bid and ask, else
``book_snapshot_{depth}_{interval}``), ``book_ticker``, ``derivative_ticker`` (mark, index,
funding, open interest), ``trade_bar``, ``liquidation``, ``disconnect``, ``error``. Numbers are
JSON floats: each becomes the exact decimal it was written as (decoded with
``json_codec.loads_exact``, or a float's shortest ``repr``) at the
instrument's precision (:class:`tradeport.model.decoding.InstrumentDecoder`), so a price with
more decimals than the instrument's tick is refused, naming it, rather than rounded. Mark and
index prices, which the venue computes, keep their own decimals when they have more.

``timestamp`` (the exchange's) is ``ts_event``, ``localTimestamp`` (arrival) ``ts_init``.

A ``disconnect`` becomes :class:`~tradeport_tardis.events.Disconnect`, and the books of that
exchange (or of the symbols it names) wait for their next snapshot: book changes that are not
snapshots are dropped until one arrives, so a book is always rebuilt from a snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tradeport.errors import TradeportError, UnknownInstrument, ValidationError
from tradeport.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
)
from tradeport.model.decoding import InstrumentDecoder
from tradeport.model.enums import AggressorSide, OrderSide
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Price

from tradeport_tardis.constants import VENUE_ID
from tradeport_tardis.events import Disconnect, Liquidation, OpenInterestUpdate
from tradeport_tardis.lines import parse_local_timestamp
from tradeport_tardis.parse import decimal_of, precision_of
from tradeport_tardis.symbology import exchange_of, tardis_symbol

__all__ = ["MachineError", "NormalizedParser"]

_SIDES = {"buy": AggressorSide.BUYER, "sell": AggressorSide.SELLER,
          "unknown": AggressorSide.NO_AGGRESSOR}  # fmt: skip


class MachineError(TradeportError):
    """tardis-machine sent an ``error`` message (the replay cannot go on)."""


def _text(value: Any, field: str) -> str:
    """A JSON number as the decimal string it was written as."""
    return str(decimal_of(value, field))


def _ns(value: Any, field: str) -> int:
    if not isinstance(value, str):
        raise ValidationError(field, value, "is not an ISO 8601 time")
    return parse_local_timestamp(value.encode())


def _reference(value: Any, field: str, d: InstrumentDecoder) -> Price:
    """A mark or index price: computed by the venue, it may carry more decimals than the tick
    (Binance's index ``11851.86949091``), so it keeps them, never fewer than the instrument's."""
    exact = decimal_of(value, field)
    return Price(exact, max(precision_of(exact), d.price_precision))


def _bar_spec(message: dict[str, Any]) -> str:
    interval = int(message["interval"])
    kind = message.get("kind", "time")
    if kind == "tick":
        return f"{interval}-TICK"
    if kind == "volume":
        return f"{interval}-VOLUME"
    for unit_ms, name in ((86_400_000, "DAY"), (3_600_000, "HOUR"), (60_000, "MINUTE"),
                          (1_000, "SECOND")):  # fmt: skip
        if interval % unit_ms == 0:
            return f"{interval // unit_ms}-{name}"
    return f"{interval}-MILLISECOND"


class NormalizedParser:
    """Turns normalized messages into events for the given instruments (see the module
    docstring)."""

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self._decoders: dict[tuple[str, str], InstrumentDecoder] = {}
        for instrument in instruments:
            exchange, symbol = tardis_symbol(instrument.id)
            self._decoders[(exchange, symbol.upper())] = InstrumentDecoder(instrument)
        #: (exchange, symbol) books waiting for a snapshot after a disconnect.
        self._awaiting: set[tuple[str, str]] = set()

    def await_snapshots(self) -> None:
        """Ignore book changes of every instrument until its next snapshot (a new session)."""
        self._awaiting.update(self._decoders)

    def _decoder(self, message: dict[str, Any]) -> InstrumentDecoder:
        key = (str(message.get("exchange")), str(message.get("symbol", "")).upper())
        decoder = self._decoders.get(key)
        if decoder is None:
            raise UnknownInstrument(VENUE_ID, f"{key[1]} on {key[0]}", "not among the instruments")
        return decoder

    def parse(self, message: dict[str, Any]) -> list[Any]:
        """The events of one normalized message."""
        kind = message.get("type")
        if kind == "disconnect":
            return [self._disconnect(message)]
        if kind == "error":
            raise MachineError(f"tardis-machine: {message.get('details') or message}")
        handler = _HANDLERS.get(kind)  # type: ignore[arg-type]
        if handler is None:
            return []  # option_summary, ...: nothing the core models
        ts_init = _ns(message["localTimestamp"], "localTimestamp")
        stamp = message.get("timestamp")
        ts_event = _ns(stamp, "timestamp") if stamp else ts_init
        return handler(self, message, self._decoder(message), ts_event, ts_init)

    def _disconnect(self, message: dict[str, Any]) -> Disconnect:
        exchange = str(message["exchange"])
        symbols = message.get("symbols")
        for key in self._decoders:
            if key[0] == exchange and (not symbols or key[1] in {s.upper() for s in symbols}):
                self._awaiting.add(key)
        ts = _ns(message["localTimestamp"], "localTimestamp")
        return Disconnect(venue=exchange_of(exchange).venue_id, exchange=exchange, ts_event=ts,
                          ts_init=ts)  # fmt: skip

    def _trade(self, m: dict[str, Any], d: InstrumentDecoder, ts: int, ts_init: int) -> list[Any]:
        side = _SIDES.get(m.get("side", "unknown"), AggressorSide.NO_AGGRESSOR)
        trade_id = str(m.get("id") or f"{ts_init}")
        return [d.trade_tick(_text(m["price"], "price"), _text(m["amount"], "amount"), side,
                             trade_id, ts, ts_init)]  # fmt: skip

    def _levels(self, levels: Sequence[dict[str, Any]]) -> list[list[str]]:
        return [[_text(lv["price"], "price"), _text(lv["amount"], "amount")] for lv in levels]

    def _book_change(
        self, m: dict[str, Any], d: InstrumentDecoder, ts: int, ts_init: int
    ) -> list[Any]:
        key = (str(m["exchange"]), str(m["symbol"]).upper())
        snapshot = bool(m.get("isSnapshot"))
        if key in self._awaiting:
            if not snapshot:
                return []  # the book is rebuilt from the next snapshot, not patched
            self._awaiting.discard(key)
        bids, asks = self._levels(m.get("bids", ())), self._levels(m.get("asks", ()))
        if snapshot:  # snapshots may list zero amounts: absent levels
            bids = [lv for lv in bids if decimal_of(lv[1], "amount")]
            asks = [lv for lv in asks if decimal_of(lv[1], "amount")]
        deltas = d.l2_deltas(bids, asks, 0, ts, ts_init, snapshot=snapshot)
        return [deltas] if deltas is not None else []

    def _book_snapshot(
        self, m: dict[str, Any], d: InstrumentDecoder, ts: int, ts_init: int
    ) -> list[Any]:
        bids, asks = m.get("bids") or [], m.get("asks") or []
        if m.get("name") == "quote" or m.get("depth") == 1:
            if not bids or not asks:
                return []  # one side empty: no quote, as live clients do
            return [d.quote_tick(_text(bids[0]["price"], "price"), _text(asks[0]["price"], "price"),
                                 _text(bids[0]["amount"], "amount"),
                                 _text(asks[0]["amount"], "amount"), ts, ts_init)]  # fmt: skip
        deltas = d.l2_deltas(self._levels(bids), self._levels(asks), 0, ts, ts_init,
                             snapshot=True)  # fmt: skip
        return [deltas] if deltas is not None else []

    def _book_ticker(
        self, m: dict[str, Any], d: InstrumentDecoder, ts: int, ts_init: int
    ) -> list[Any]:
        if m.get("bidPrice") is None or m.get("askPrice") is None:
            return []
        return [d.quote_tick(_text(m["bidPrice"], "bidPrice"), _text(m["askPrice"], "askPrice"),
                             _text(m.get("bidAmount") or 0, "bidAmount"),
                             _text(m.get("askAmount") or 0, "askAmount"), ts, ts_init)]  # fmt: skip

    def _derivative(
        self, m: dict[str, Any], d: InstrumentDecoder, ts: int, ts_init: int
    ) -> list[Any]:
        iid = d.instrument_id
        out: list[Any] = []
        if m.get("markPrice") is not None:
            out.append(MarkPriceUpdate(iid, _reference(m["markPrice"], "markPrice", d), ts,
                                       ts_init))  # fmt: skip
        if m.get("indexPrice") is not None:
            out.append(IndexPriceUpdate(iid, _reference(m["indexPrice"], "indexPrice", d), ts,
                                        ts_init))  # fmt: skip
        if m.get("fundingRate") is not None:
            funding_at = m.get("fundingTimestamp")
            out.append(FundingRateUpdate(
                iid, decimal_of(m["fundingRate"], "fundingRate"), ts, ts_init,
                next_funding_ns=_ns(funding_at, "fundingTimestamp") if funding_at else None,
            ))  # fmt: skip
        if m.get("openInterest") is not None:
            out.append(OpenInterestUpdate(instrument_id=iid, value=decimal_of(
                m["openInterest"], "openInterest"), ts_event=ts, ts_init=ts_init))  # fmt: skip
        return out

    def _trade_bar(
        self, m: dict[str, Any], d: InstrumentDecoder, ts: int, ts_init: int
    ) -> list[Any]:
        bar_type = BarType.from_str(f"{d.instrument_id}-{_bar_spec(m)}-LAST-EXTERNAL")
        price = d.price
        return [Bar(bar_type=bar_type, open=price(_text(m["open"], "open")),
                    high=price(_text(m["high"], "high")), low=price(_text(m["low"], "low")),
                    close=price(_text(m["close"], "close")),
                    volume=d.size(_text(m["volume"], "volume")), ts_event=ts, ts_init=ts_init)]  # fmt: skip

    def _liquidation(
        self, m: dict[str, Any], d: InstrumentDecoder, ts: int, ts_init: int
    ) -> list[Any]:
        side = OrderSide.BUY if m.get("side") == "buy" else OrderSide.SELL
        return [Liquidation(instrument_id=d.instrument_id, price=d.price(_text(m["price"], "price")),
                            size=d.size(_text(m["amount"], "amount")), side=side,
                            liquidation_id=m.get("id"), ts_event=ts, ts_init=ts_init)]  # fmt: skip


_HANDLERS = {
    "trade": NormalizedParser._trade,
    "book_change": NormalizedParser._book_change,
    "book_snapshot": NormalizedParser._book_snapshot,
    "book_ticker": NormalizedParser._book_ticker,
    "derivative_ticker": NormalizedParser._derivative,
    "trade_bar": NormalizedParser._trade_bar,
    "liquidation": NormalizedParser._liquidation,
}
