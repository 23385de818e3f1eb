"""Candle resolutions and candle records -> Bars stamped at their close.

The indexer's resolutions are ``1MIN``, ``5MINS``, ``15MINS``, ``30MINS``, ``1HOUR``,
``4HOURS``, ``1DAY`` (docs: Indexer API, ``CandleResolution``). A candle is named by its
``startedAt``; a Bar's ``ts_event`` is the candle's close (``startedAt`` + resolution), so a bar
is only final once that time has passed (REST) or the next candle has started (stream).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from tradeport.errors import ValidationError
from tradeport.model.data import Bar, BarType
from tradeport.model.enums import BarAggregation
from tradeport.model.instruments import Instrument
from tradeport.model.numbers import Price, Quantity

from tradeport_dydx.http.parse import iso_to_ns

__all__ = ["RESOLUTIONS", "resolution_of", "resolution_ns", "parse_candle"]

_NS_PER_MINUTE: Final = 60 * 1_000_000_000
#: resolution -> minutes.
RESOLUTIONS: Final = {
    "1MIN": 1,
    "5MINS": 5,
    "15MINS": 15,
    "30MINS": 30,
    "1HOUR": 60,
    "4HOURS": 240,
    "1DAY": 1440,
}
_MINUTES_PER: Final = {BarAggregation.MINUTE: 1, BarAggregation.HOUR: 60, BarAggregation.DAY: 1440}


def resolution_of(bar_type: BarType) -> str:
    """``BTC-USD.DYDX-1-MINUTE-LAST-EXTERNAL`` -> ``1MIN`` (ValidationError for others)."""
    per = _MINUTES_PER.get(bar_type.spec.aggregation)
    minutes = bar_type.spec.step * per if per else None
    for name, value in RESOLUTIONS.items():
        if value == minutes:
            return name
    raise ValidationError(
        "bar_type", str(bar_type), f"has no dYdX candle resolution ({', '.join(RESOLUTIONS)})"
    )


def resolution_ns(resolution: str) -> int:
    """The candle length in nanoseconds."""
    return RESOLUTIONS[resolution] * _NS_PER_MINUTE


def parse_candle(
    record: Mapping[str, Any], bar_type: BarType, instrument: Instrument | None, ts_init: int
) -> Bar:
    """A candle (``{"startedAt", "ticker", "resolution", "low", "high", "open", "close",
    "baseTokenVolume", "usdVolume", "trades", ...}``) as a Bar stamped at its close; the volume
    is ``baseTokenVolume``."""

    def price(text: str) -> Price:
        return (
            Price.from_str(text)
            if instrument is None
            else Price.from_str(text, instrument.price_precision)
        )

    volume = str(record["baseTokenVolume"])
    return Bar(
        bar_type=bar_type,
        open=price(record["open"]),
        high=price(record["high"]),
        low=price(record["low"]),
        close=price(record["close"]),
        volume=Quantity.from_str(volume)
        if instrument is None
        else Quantity.from_str(volume, instrument.size_precision),
        ts_event=iso_to_ns(record["startedAt"]) + resolution_ns(str(record["resolution"])),
        ts_init=ts_init,
    )
