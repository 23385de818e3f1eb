"""Tardis' own event: the recorder's disconnect."""

from __future__ import annotations

import attrs

__all__ = ["Disconnect"]


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
