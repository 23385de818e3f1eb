"""Binance-specific data types: 24h ticker, bars with Binance's extra volumes, futures mark price
with funding. Registered for tagged serialization under ``binance.*`` names."""

from __future__ import annotations

from decimal import Decimal

import attrs
from tradeport.model.data import Bar, CustomData
from tradeport.model.identifiers import InstrumentId
from tradeport.model.numbers import Price, Quantity
from tradeport.model.serialization import register_type

__all__ = ["BinanceBar", "BinanceTicker", "BinanceFuturesMarkPriceUpdate"]

# Type checking note: the core package ships no ``py.typed`` marker, so mypy treats ``Bar`` and
# ``CustomData`` as ``Any`` and cannot see the attrs fields these classes inherit (``bar_type``
# ... ``ts_event``, ``ts_init``); the five constructor calls in http/parse.py and
# websocket/parse.py carry ``type: ignore[call-arg]`` for that reason only. With the marker
# (CORE-CANDIDATE: add core/src/tradeport/py.typed) they type-check as they are.


@attrs.frozen(kw_only=True)
class BinanceBar(Bar):
    """A kline: the OHLCV bar plus quote volume, trade count and taker-buy volumes."""

    quote_volume: Decimal
    count: int
    taker_buy_base_volume: Decimal
    taker_buy_quote_volume: Decimal


@attrs.frozen(kw_only=True)
class BinanceTicker(CustomData):
    """A 24h rolling-window ticker (``<symbol>@ticker`` / ``GET /api/v3/ticker/24hr``)."""

    instrument_id: InstrumentId
    price_change: Decimal
    price_change_percent: Decimal
    weighted_avg_price: Decimal
    last_price: Decimal
    last_qty: Decimal
    open_price: Decimal
    high_price: Decimal
    low_price: Decimal
    volume: Decimal
    quote_volume: Decimal
    open_time_ms: int
    close_time_ms: int
    first_trade_id: int
    last_trade_id: int
    count: int
    bid_price: Decimal | None = None
    bid_qty: Decimal | None = None
    ask_price: Decimal | None = None
    ask_qty: Decimal | None = None


@attrs.frozen(kw_only=True)
class BinanceFuturesMarkPriceUpdate(CustomData):
    """Futures ``markPriceUpdate``: mark and index price, estimated settle price and funding.

    ``funding_rate`` and ``next_funding_ns`` are None for dated (delivery) contracts.
    """

    instrument_id: InstrumentId
    mark: Price
    index: Price
    estimated_settle: Price
    funding_rate: Decimal | None
    next_funding_ns: int | None


for _cls, _name in (
    (BinanceBar, "binance.Bar"),
    (BinanceTicker, "binance.Ticker"),
    (BinanceFuturesMarkPriceUpdate, "binance.FuturesMarkPriceUpdate"),
):
    register_type(_cls, _name)

# Quantity is imported for type readers of BinanceBar.volume; keep the name exported.
_ = Quantity
