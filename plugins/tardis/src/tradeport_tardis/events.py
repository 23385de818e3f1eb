"""Tardis' own events: the recorder's disconnect, and normalized data the core has no type for."""

from __future__ import annotations

from decimal import Decimal

import attrs
from tradeport.model.enums import OrderSide
from tradeport.model.identifiers import InstrumentId
from tradeport.model.numbers import Price, Quantity

__all__ = ["Disconnect", "Liquidation", "OpenInterestUpdate"]


@attrs.frozen(kw_only=True)
class Disconnect:
    """The recorder lost its connection to the exchange here (an empty line in a raw data
    feed; a ``disconnect`` message of tardis-machine). What came before and after are two
    sessions: a consumer that keeps a book drops it and rebuilds it from the next snapshot
    (the live equivalent is :class:`tradeport.clients.base.Reconnected`).

    ``ts_event`` and ``ts_init`` are the arrival time of the last message before the marker,
    so the event sorts where it happened.
    """

    #: The venue id of the recorded exchange (``BINANCE``).
    venue: str
    #: The Tardis exchange id (``binance-futures``).
    exchange: str
    ts_event: int
    ts_init: int


@attrs.frozen(kw_only=True)
class Liquidation:
    """A forced liquidation (tardis-machine ``liquidation``): ``side`` BUY means a short
    position was liquidated, SELL a long one."""

    instrument_id: InstrumentId
    price: Price
    size: Quantity
    side: OrderSide
    liquidation_id: str | None
    ts_event: int
    ts_init: int


@attrs.frozen(kw_only=True)
class OpenInterestUpdate:
    """A derivative's open interest (tardis-machine ``derivative_ticker.openInterest``), in the
    venue's contract units."""

    instrument_id: InstrumentId
    value: Decimal
    ts_event: int
    ts_init: int
