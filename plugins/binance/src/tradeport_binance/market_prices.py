"""LastMarketPrices: the latest subscribed quote and trade per instrument, shared by the data and
execution clients of one session.

Why: a futures TRAILING_STOP_MARKET without a trigger price takes its ``activationPrice`` from
the market, and the Binance integration guide says where from: the latest subscribed quote tick,
else the latest subscribed trade tick. The data client records what its quote/trade streams
deliver (and forgets an instrument's entry when that stream is unsubscribed, so nothing stale
is used); the execution client reads it. ``plugin.py`` gives both clients of a session the same
instance (one per instrument provider, i.e. per ``open_venue`` session).

Single event loop, plain dicts: recording is two dict stores on the hot path.
"""

from __future__ import annotations

import weakref
from typing import Any

from tradeport.model.data import QuoteTick, TradeTick
from tradeport.model.enums import OrderSide
from tradeport.model.identifiers import InstrumentId
from tradeport.model.numbers import Price

__all__ = ["LastMarketPrices", "session_last_prices"]


class LastMarketPrices:
    """Latest subscribed QuoteTick and TradeTick per instrument (see the module docstring)."""

    __slots__ = ("_quotes", "_trades")

    def __init__(self) -> None:
        self._quotes: dict[InstrumentId, QuoteTick] = {}
        self._trades: dict[InstrumentId, TradeTick] = {}

    def record_quote(self, tick: QuoteTick) -> None:
        """Remember ``tick`` as the instrument's latest quote."""
        self._quotes[tick.instrument_id] = tick

    def record_trade(self, tick: TradeTick) -> None:
        """Remember ``tick`` as the instrument's latest trade."""
        self._trades[tick.instrument_id] = tick

    def forget_quotes(self, instrument_id: InstrumentId) -> None:
        """Drop the instrument's quote (its quote stream was unsubscribed)."""
        self._quotes.pop(instrument_id, None)

    def forget_trades(self, instrument_id: InstrumentId) -> None:
        """Drop the instrument's trade (its trade stream was unsubscribed)."""
        self._trades.pop(instrument_id, None)

    def clear(self) -> None:
        """Forget everything (the data client disconnected)."""
        self._quotes.clear()
        self._trades.clear()

    def latest_quote(self, instrument_id: InstrumentId) -> QuoteTick | None:
        """The instrument's latest subscribed quote, if any."""
        return self._quotes.get(instrument_id)

    def latest_trade(self, instrument_id: InstrumentId) -> TradeTick | None:
        """The instrument's latest subscribed trade, if any."""
        return self._trades.get(instrument_id)

    def activation_price(self, instrument_id: InstrumentId, side: OrderSide) -> Price | None:
        """The market price a trailing stop without a trigger price activates at, or None.

        From the latest quote: the bid for a SELL, the ask for a BUY (the side the order would
        trade against). A sell trailing stop activates once the price is at or above its
        activation price, a buy one at or below it; the same-side touch is on the already-met
        side of the spread, so the stop starts trailing now from the current market, which is
        what Binance itself does when ``activationPrice`` is omitted ("the latest price at
        order time"). The opposite side would delay activation until the market crossed the
        spread. Without a quote: the latest trade price.
        """
        quote = self._quotes.get(instrument_id)
        if quote is not None:
            return quote.ask_price if side is OrderSide.BUY else quote.bid_price
        trade = self._trades.get(instrument_id)
        return trade.price if trade is not None else None


# One cache per session: open_venue hands the same instrument provider to both client hooks,
# so the provider identifies the session. Weak keys: a closed session's cache goes with it.
_BY_PROVIDER: weakref.WeakKeyDictionary[Any, LastMarketPrices] = weakref.WeakKeyDictionary()


def session_last_prices(instruments: Any) -> LastMarketPrices:
    """The LastMarketPrices shared by the clients created for ``instruments`` (a session's
    instrument provider); a private one when there is no provider to share."""
    if instruments is None:
        return LastMarketPrices()
    try:
        return _BY_PROVIDER.setdefault(instruments, LastMarketPrices())
    except TypeError:  # a provider that cannot be weakly referenced: no sharing, no leak
        return LastMarketPrices()
