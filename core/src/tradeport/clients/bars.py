"""Time bars built from a venue's shorter closed bars (IB's 5-second real-time bars into
one-minute bars, say).

:class:`BarBuilder` is sans-IO: feed it each closed sub-bar with :meth:`BarBuilder.add`; it
returns the bars that closed, each stamped at its close (``ts_event`` = open + interval), and
never a bar still forming. A bar closes when the sub-bar that ends at its close arrives, or
when a sub-bar of a later bar arrives (a venue that skips a quiet sub-interval). A bar whose
first sub-bar does not open at the bar's open (a subscription that starts mid-bar) would
misstate its open and volume: it is dropped, not emitted.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from tradeport.errors import ValidationError
from tradeport.model.data import Bar, BarType
from tradeport.model.instruments import Instrument

__all__ = ["BarBuilder"]


@attrs.define
class _Forming:
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    #: Its first sub-bar opened after the bar's open: part of the bar was never seen.
    partial: bool = False


class BarBuilder:
    """Bars of ``interval_ns`` from closed sub-bars of ``sub_interval_ns`` (which must divide
    it), for one bar type of one instrument."""

    def __init__(
        self, bar_type: BarType, instrument: Instrument, interval_ns: int, sub_interval_ns: int
    ) -> None:
        if sub_interval_ns <= 0 or interval_ns % sub_interval_ns:
            raise ValidationError(
                "interval_ns", interval_ns, f"is not a multiple of the sub-bars' {sub_interval_ns}"
            )
        self.bar_type = bar_type
        self.instrument = instrument
        self.interval_ns = interval_ns
        self.sub_interval_ns = sub_interval_ns
        #: Forming bars by open time (ns).
        self._forming: dict[int, _Forming] = {}
        #: The open time of the last bar emitted: a late sub-bar of it is not a new bar.
        self._last_closed: int | None = None

    def add(
        self,
        start_ns: int,
        open: Decimal,
        high: Decimal,
        low: Decimal,
        close: Decimal,
        volume: Decimal,
        ts_init: int,
    ) -> list[Bar]:
        """One closed sub-bar that opened at ``start_ns``; returns the bars it closes, oldest
        first."""
        bucket = start_ns - start_ns % self.interval_ns
        if self._last_closed is not None and bucket <= self._last_closed:
            return []  # a sub-bar of a bar already emitted: it cannot change it now
        forming = self._forming.get(bucket)
        if forming is None:
            self._forming[bucket] = _Forming(
                open, high, low, close, volume, partial=start_ns != bucket
            )
        else:
            forming.high = max(forming.high, high)
            forming.low = min(forming.low, low)
            forming.close = close
            forming.volume += volume
        ends_bar = start_ns + self.sub_interval_ns == bucket + self.interval_ns
        closed = sorted(b for b in self._forming if b < bucket or (b == bucket and ends_bar))
        bars = [self._close(b, ts_init) for b in closed]
        return [bar for bar in bars if bar is not None]

    def _close(self, bucket: int, ts_init: int) -> Bar | None:
        f = self._forming.pop(bucket)
        self._last_closed = bucket if self._last_closed is None else max(self._last_closed, bucket)
        if f.partial:
            return None
        make_price, make_qty = self.instrument.make_price, self.instrument.make_qty
        return Bar(
            self.bar_type,
            make_price(f.open),
            make_price(f.high),
            make_price(f.low),
            make_price(f.close),
            make_qty(f.volume),
            bucket + self.interval_ns,
            ts_init,
        )
