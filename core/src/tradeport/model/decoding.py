"""Hot-path decoding of venue market data: memoized prices and sizes, L2 delta batches.

Every venue sends prices and sizes as decimal strings and order book changes as lists of
``[price, size, ...]`` levels. :class:`InstrumentDecoder` holds, for one instrument, what a
stream parser needs on every message: the InstrumentId, the precisions, memos of the strings it
has already turned into :class:`~tradeport.model.numbers.Price` / ``Quantity`` (the same book
levels and trade prices come back all the time, and a dict hit costs a fraction of a parse),
:meth:`InstrumentDecoder.trade_tick` and :meth:`InstrumentDecoder.quote_tick`, which build a tick
from the venue's strings without a call per field, and :meth:`InstrumentDecoder.l2_deltas`, which
builds a whole :class:`OrderBookDeltas` batch from level lists in one tight loop.

>>> from tradeport.model.identifiers import InstrumentId, Symbol
>>> from tradeport.model.instruments import SpotPair
>>> from tradeport.model.numbers import MAX_PRECISION, Price, Quantity, _FixedPoint
>>> pair = SpotPair(id=InstrumentId.from_str("BTCUSDT.BINANCE"), raw_symbol=Symbol("BTCUSDT"),
...     base_currency="BTC", quote_currency="USDT", price_precision=2, size_precision=5,
...     price_increment=Price("0.01"), size_increment=Quantity("0.00001"), ts_event=0, ts_init=0)
>>> decoder = InstrumentDecoder(pair)
>>> decoder.price("16542.33000000")
Price('16542.33')
>>> from tradeport.model.enums import AggressorSide
>>> tick = decoder.trade_tick("16542.33", "0.0012", AggressorSide.SELLER, "3381284765", 1, 2)
>>> str(tick.price), str(tick.size), tick.trade_id.value
('16542.33', '0.00120', '3381284765')
>>> batch = decoder.l2_deltas([["16540.00", "0.5"]], [["16541.00", "0"]], 7, 1, 2)
>>> [(d.action.value, d.order.side.value, str(d.order.price), d.flags) for d in batch.deltas]
[('UPDATE', 'BUY', '16540.00', 0), ('DELETE', 'SELL', '16541.00', 128)]
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from tradeport.errors import ValidationError
from tradeport.model.data import (
    L2Levels,
    OrderBookDeltas,
    QuoteTick,
    RecordFlag,
    TradeTick,
    _QuoteTickSlots,
    _TradeTickSlots,
)
from tradeport.model.enums import AggressorSide
from tradeport.model.identifiers import Identifier, InstrumentId, TradeId
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import MAX_PRECISION, Price, Quantity, _FixedPoint

__all__ = [
    "DEFAULT_MEMO_SIZE",
    "MEMO_BUDGET",
    "MIN_MEMO_SIZE",
    "InstrumentDecoder",
    "adaptive_memo_size",
    "decoder_for",
]

#: Distinct price (and size) strings one decoder remembers at most before a memo starts over.
DEFAULT_MEMO_SIZE = 4096
#: Memo entries (prices and sizes) all adaptive decoders of the process hold together at most,
#: about 24 MiB: up to 16 instruments each get DEFAULT_MEMO_SIZE, a thousand get 64 (a full
#: entry, string key plus number, is about 180 bytes; bench/bench_scale.py).
MEMO_BUDGET = 131_072
#: The smallest adaptive memo: the prices near the top of a book still hit.
MIN_MEMO_SIZE = 64

# Typed as Any: the slot bases declare no attributes for mypy (see tradeport.model.data).
_new: Any = object.__new__
_ZEROS: tuple[str, ...] = tuple("0" * n for n in range(MAX_PRECISION + 1))
_set_raw = _FixedPoint.__dict__["raw"].__set__
_set_precision = _FixedPoint.__dict__["precision"].__set__


def _fixed_at(cls: Any, text: str, precision: int) -> Any:
    """``cls.from_str(text, precision)`` for a decoder's known precision: the forms venues
    send (unsigned, a dot, trailing zeros past the precision, as Binance pads to 8 places) with
    fewer checks, since the precision is an instrument's; anything else goes to ``from_str``,
    which gives the same value or raises naming the text."""
    if text.__class__ is str:
        whole, dot, frac = text.partition(".")
        places = len(frac)
        if places <= MAX_PRECISION:
            if places > precision:
                # Trailing zeros only may go (a digit past the precision is from_str's error).
                digits = (
                    whole + frac[:precision]
                    if frac[precision:] == _ZEROS[places - precision]
                    else ""
                )
            elif places == precision:
                digits = whole + frac
            else:
                digits = whole + frac + _ZEROS[precision - places]
            if (
                digits.isdigit()
                and digits.isascii()
                and whole
                and (frac or not dot)
                and len(digits) < 4000  # int() refuses longer strings
            ):
                obj = _new(cls)
                _set_raw(obj, int(digits))
                _set_precision(obj, precision)
                return obj
    return cls.from_str(text, precision)


_F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_set_identifier = Identifier.__dict__["value"].__set__
_from_levels = OrderBookDeltas.from_levels


def adaptive_memo_size(decoders: int) -> int:
    """The memo bound of each of ``decoders`` adaptive decoders: the largest power of two from
    MIN_MEMO_SIZE to DEFAULT_MEMO_SIZE whose two memos per decoder fit MEMO_BUDGET.

    >>> adaptive_memo_size(1), adaptive_memo_size(32), adaptive_memo_size(1000)
    (4096, 2048, 64)
    """
    share = MEMO_BUDGET // (2 * max(1, decoders))
    size = DEFAULT_MEMO_SIZE
    while size > share and size > MIN_MEMO_SIZE:
        size //= 2
    return size


#: The live decoders built without an explicit ``memo_size``, whose bound follows their count.
_ADAPTIVE: weakref.WeakSet[InstrumentDecoder] = weakref.WeakSet()
_adaptive_size = DEFAULT_MEMO_SIZE


def _join_adaptive(decoder: InstrumentDecoder) -> int:
    """Count ``decoder`` among the adaptive ones; when the bound changes, every live adaptive
    decoder takes the new one (a memo above it starts over at its next miss)."""
    global _adaptive_size
    _ADAPTIVE.add(decoder)
    size = adaptive_memo_size(len(_ADAPTIVE))
    if size != _adaptive_size:  # at most once per doubling of the count: amortized O(1)
        _adaptive_size = size
        for other in _ADAPTIVE:
            other.memo_size = size
    return size


class InstrumentDecoder:
    """What a stream parser needs about one instrument, with memos of parsed strings.

    Price and Quantity are immutable, so sharing one instance between messages is safe. A memo
    that reaches ``memo_size`` entries starts over rather than tracking recency: cheaper, and
    the levels that matter come back at once. ``memo_size=0`` turns memoization off.

    Without ``memo_size`` the bound adapts to the number of such decoders alive in the
    process (:func:`adaptive_memo_size`): a session with a few instruments keeps large memos,
    one with a thousand keeps the memos' memory within MEMO_BUDGET entries in all (a memo
    costs about 180 bytes an entry, so 4096-entry memos on 1,000 instruments held 1.4 MiB per
    instrument).
    """

    __slots__ = (
        "__weakref__",
        "instrument",
        "instrument_id",
        "memo_size",
        "price_precision",
        "prices",
        "size_precision",
        "sizes",
    )

    def __init__(self, instrument: Instrument, memo_size: int | None = None) -> None:
        if memo_size is not None and (memo_size.__class__ is not int or memo_size < 0):
            raise ValidationError("memo_size", memo_size, "must be a non-negative int or None")
        self.instrument = instrument
        self.instrument_id: InstrumentId = instrument.id
        self.price_precision: int = instrument.price_precision
        self.size_precision: int = instrument.size_precision
        #: Memo of price strings (``prices.get(text) or decoder.price(text)`` is the fast idiom;
        #: :meth:`price_from` keeps venue numbers here too, keyed by the number).
        self.prices: dict[Any, Price] = {}
        #: Memo of size strings (a zero Quantity is falsy: test ``is None``, not ``or``).
        self.sizes: dict[Any, Quantity] = {}
        self.memo_size: int = _join_adaptive(self) if memo_size is None else memo_size

    def price(self, text: str) -> Price:
        """``text`` as a Price at the instrument's precision (memoized)."""
        value = self.prices.get(text)
        return self._new_price(text) if value is None else value

    def size(self, text: str) -> Quantity:
        """``text`` as a Quantity at the instrument's precision (memoized)."""
        value = self.sizes.get(text)
        return self._new_size(text) if value is None else value

    # The miss paths: one call (the builders below test the memo themselves); on a live feed
    # most sizes and many prices are new strings (bench/bench_parse_streams.py).

    def _new_price(self, text: str) -> Price:
        value: Price = _fixed_at(Price, text, self.price_precision)
        memo = self.prices
        if len(memo) >= self.memo_size:
            memo.clear()
            if not self.memo_size:
                return value
        memo[text] = value
        return value

    def _new_size(self, text: str) -> Quantity:
        value: Quantity = _fixed_at(Quantity, text, self.size_precision)
        memo = self.sizes
        if len(memo) >= self.memo_size:
            memo.clear()
            if not self.memo_size:
                return value
        memo[text] = value
        return value

    def price_from(self, value: Hashable, convert: Callable[[Instrument, Any], Price]) -> Price:
        """The Price of a venue value that is not a decimal string (a JSON number, as BitMEX
        sends), memoized by the value: ``convert(instrument, value)`` makes it on a miss.
        ``prices.get(value)`` first is the fast idiom, as for strings."""
        price = self.prices.get(value)
        if price is None:
            price = convert(self.instrument, value)
            _remember(self.prices, self.memo_size, value, price)
        return price

    def size_from(
        self, value: Hashable, convert: Callable[[Instrument, Any], Quantity]
    ) -> Quantity:
        """The Quantity of a venue value that is not a decimal string, as :meth:`price_from`."""
        size = self.sizes.get(value)
        if size is None:
            size = convert(self.instrument, value)
            _remember(self.sizes, self.memo_size, value, size)
        return size

    # The two builders below inline what QuoteTick.trusted / TradeTick.trusted /
    # TradeId.trusted do (see tradeport.model.data): at a few hundred ns per message, the calls
    # they save are a tenth of a trade's cost (bench/bench_binance_parse.py).

    def trade_tick(
        self,
        price: str,
        size: str,
        aggressor_side: AggressorSide,
        trade_id: str,
        ts_event: int,
        ts_init: int,
    ) -> TradeTick:
        """A TradeTick from the venue's decimal strings (memoized) and its ``trade_id`` string
        (``str()`` of an int id), checked as :class:`TradeId` checks it."""
        if trade_id.__class__ is not str or (
            not trade_id.isalnum()
            and (not trade_id or trade_id[0].isspace() or trade_id[-1].isspace())
        ):
            trade_id = TradeId(trade_id).value  # raises, naming the field and the value
        price_value = self.prices.get(price)
        if price_value is None:
            price_value = self._new_price(price)
        size_value = self.sizes.get(size)
        if size_value is None:  # not "or": a zero size is falsy (and __bool__ is a call)
            size_value = self._new_size(size)
        tid = _new(TradeId)
        _set_identifier(tid, trade_id)
        tick = _new(_TradeTickSlots)
        tick.instrument_id = self.instrument_id
        tick.price = price_value
        tick.size = size_value
        tick.aggressor_side = aggressor_side
        tick.trade_id = tid
        tick.ts_event = ts_event
        tick.ts_init = ts_init
        tick.__class__ = TradeTick
        return tick  # type: ignore[no-any-return]

    def quote_tick(
        self,
        bid_price: str,
        ask_price: str,
        bid_size: str,
        ask_size: str,
        ts_event: int,
        ts_init: int,
    ) -> QuoteTick:
        """A QuoteTick from the venue's decimal strings (memoized)."""
        prices, sizes = self.prices, self.sizes
        tick = _new(_QuoteTickSlots)
        tick.instrument_id = self.instrument_id
        # "is None", not "or": Price.__bool__ is a Python call, a third of a quote's parse.
        price = prices.get(bid_price)
        tick.bid_price = self._new_price(bid_price) if price is None else price
        price = prices.get(ask_price)
        tick.ask_price = self._new_price(ask_price) if price is None else price
        size = sizes.get(bid_size)
        tick.bid_size = self._new_size(bid_size) if size is None else size
        size = sizes.get(ask_size)
        tick.ask_size = self._new_size(ask_size) if size is None else size
        tick.ts_event = ts_event
        tick.ts_init = ts_init
        tick.__class__ = QuoteTick
        return tick  # type: ignore[no-any-return]

    def l2_deltas(
        self,
        bids: Sequence[Sequence[Any]],
        asks: Sequence[Sequence[Any]],
        sequence: int,
        ts_event: int,
        ts_init: int,
        *,
        snapshot: bool = False,
    ) -> OrderBookDeltas | None:
        """One message of aggregated (L2) levels as a batch, or None when both lists are empty.

        Each level is ``[price, size, ...]`` (extra items, such as OKX's order count, are
        ignored) with decimal strings. In an update a zero size deletes the level, any other
        size replaces it. A ``snapshot`` batch starts with CLEAR, adds every level and flags
        every delta F_SNAPSHOT. The last delta carries F_LAST.
        """
        prices, sizes = self.prices, self.sizes
        price_of, size_of = self._new_price, self._new_size
        if not snapshot and not bids and not asks:
            return None
        parsed: list[list[tuple[Price, Quantity]]] = []
        for levels in (bids, asks):
            side: list[tuple[Price, Quantity]] = []
            append = side.append
            for level in levels:
                text = level[0]
                price = prices.get(text)
                if price is None:
                    price = price_of(text)
                text = level[1]
                size = sizes.get(text)
                if size is None:  # not "or": a zero size is falsy
                    size = size_of(text)
                append((price, size))
            parsed.append(side)
        # The delta objects are built only if someone reads them (see from_levels).
        return _from_levels(
            self.instrument_id,
            L2Levels(
                parsed[0],
                parsed[1],
                sequence,
                _F_SNAPSHOT if snapshot else 0,
                ts_event,
                ts_init,
            ),
        )


def _remember(memo: dict[Any, Any], bound: int, key: Any, value: Any) -> None:
    """Keep ``value`` under ``key`` in a memo of at most ``bound`` entries (it starts over)."""
    if len(memo) >= bound:
        memo.clear()
        if not bound:
            return
    memo[key] = value


#: Decoders handed out by :func:`decoder_for`, per instrument (bounded: see there).
_SHARED: dict[Instrument, InstrumentDecoder] = {}
_SHARED_MAX = 10_000
#: The same decoders by ``id()`` of the instrument object a parser passes (with the object, so
#: the id cannot be reused while listed): hashing an attrs instrument hashes every field, which
#: cost more than the whole parse of a quote.
_BY_OBJECT: dict[int, tuple[Instrument, InstrumentDecoder]] = {}


def decoder_for(instrument: Instrument) -> InstrumentDecoder:
    """A decoder for ``instrument`` shared by every caller, for parsers written as plain
    functions of ``(payload, instrument)``: its memos survive between messages.

    Keyed by the instrument value, so a reloaded instrument with other precisions gets a new
    decoder. The registry starts over when it holds ``10_000`` instruments (a venue's
    instrument list is far smaller; reloads are what fill it).
    """
    entry = _BY_OBJECT.get(id(instrument))
    if entry is not None and entry[0] is instrument:
        return entry[1]
    decoder = _SHARED.get(instrument)
    if decoder is None:
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
            _BY_OBJECT.clear()
        decoder = _SHARED[instrument] = InstrumentDecoder(instrument)
    if len(_BY_OBJECT) >= _SHARED_MAX:
        _BY_OBJECT.clear()
    _BY_OBJECT[id(instrument)] = (instrument, decoder)
    return decoder
