"""Nonces for signers: strictly increasing per signer, across concurrent requests and reconnects.

Venues that put a nonce in the signed request (Kraken's ``nonce`` form field, Hyperliquid's
``nonce`` in the action body, Bitstamp's ``X-Auth-Nonce``) refuse one that is not larger than
the last they saw for the key. Wall-clock timestamps alone repeat when two requests are signed
in the same millisecond (ten concurrent orders do that easily) and go backwards when the clock
is stepped. :class:`NonceSource` hands out the current time in the venue's unit, or the last
value plus one when that is not larger, so every value is larger than every earlier one.

One source belongs to one signer (one API key): keep it on the signer, not on a connection, so
a reconnect or a new HttpClient continues the sequence. Values stay close to the clock, so a
restarted process (a new source) continues above the old one as long as it signed fewer than
one nonce per unit on average; :meth:`NonceSource.observe` lifts the floor above a value known
to be used (a stored last nonce, or the one a venue's "invalid nonce" error reports).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

__all__ = ["NonceSource", "NonceUnit"]

#: The unit of the nonces a venue expects.
NonceUnit = Literal["s", "ms", "us", "ns"]

_NS_PER_UNIT: dict[str, int] = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


class NonceSource:
    """Strictly increasing integer nonces near the current time (see the module docstring).

    :param unit: the unit of the clock the values follow (``"ms"``: Kraken, Hyperliquid).
    :param clock_ns: the clock, UNIX nanoseconds (injectable: tests, or a venue-offset clock).
    :param floor: every value is larger than this (a nonce known to be used already).

    Safe to share between tasks and threads: each :meth:`next` is atomic.

    >>> source = NonceSource(unit="ms", clock_ns=lambda: 1_700_000_000_000_000_000)
    >>> [source.next() for _ in range(3)]
    [1700000000000, 1700000000001, 1700000000002]
    """

    def __init__(
        self,
        unit: NonceUnit = "ms",
        *,
        clock_ns: Callable[[], int] = time.time_ns,
        floor: int = 0,
    ) -> None:
        if unit not in _NS_PER_UNIT:
            raise ValueError(f"NonceSource: unit must be one of s, ms, us, ns; got {unit!r}")
        self.unit = unit
        self.clock_ns = clock_ns
        self._divisor = _NS_PER_UNIT[unit]
        self._last = floor
        self._lock = threading.Lock()

    @property
    def last(self) -> int:
        """The last value handed out (or the floor)."""
        return self._last

    def next(self) -> int:
        """A value larger than every earlier one: the clock in ``unit``, or last + 1."""
        now = self.clock_ns() // self._divisor
        with self._lock:
            value = now if now > self._last else self._last + 1
            self._last = value
            return value

    def observe(self, used: int) -> None:
        """Make every later value larger than ``used`` (a nonce known to be taken)."""
        with self._lock:
            if used > self._last:
                self._last = used
