"""The venue's clock as seen from here: a measured offset for signers with a receive window.

Venues that check a request timestamp against a receive window (Binance ``recvWindow``, Bybit
``X-BAPI-RECV-WINDOW``, OKX's 30 s, Coinbase's 5 s) refuse requests once the local clock drifts
out of it. :class:`ServerClock` measures the offset from the venue's server-time endpoint the
way ccxt's ``adjustForTimeDifference`` does: it reads the local clock before and after the call
and takes the server time minus the round trip's midpoint. Signers take :meth:`ServerClock.now_ms`
(or ``now_ns``) as their clock, so every timestamp they sign is the venue's time.

Measuring is periodic without a background task: :class:`~tradeport.net.HttpClient` (given
``server_clock=``) calls :meth:`ServerClock.ensure_fresh` before each signed request, which
measures when there is no measurement yet or the last one is older than ``interval``; and when a
signed request is refused for clock skew, the client re-measures once and retries once before
the error surfaces. Offsets are in nanoseconds (``offset_ns``) on every venue.

The config fields that turn it on are the same in every plugin (``VenueConfig.time_sync``,
``VenueConfig.time_sync_interval``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

import anyio

from tradeport.errors import TradeportError

__all__ = ["ServerClock"]

logger = logging.getLogger("tradeport.net.time")


class ServerClock:
    """Local time plus the measured offset to the venue's clock (see the module docstring).

    :param fetch_server_ns: awaits the venue's server-time endpoint and returns its time in UNIX
        nanoseconds (the plugin converts the venue's unit).
    :param local_ns: the local clock, UNIX nanoseconds (injectable: tests set it ahead).
    :param interval: seconds after which a measurement is stale (None: measure once).
    :param samples: calls per measurement; the one with the shortest round trip wins.
    :param venue: for log lines.
    """

    def __init__(
        self,
        fetch_server_ns: Callable[[], Awaitable[int]],
        *,
        local_ns: Callable[[], int] = time.time_ns,
        interval: float | None = 300.0,
        samples: int = 1,
        venue: str | None = None,
    ) -> None:
        if interval is not None and interval <= 0:
            raise ValueError(f"ServerClock: interval must be positive, got {interval!r}")
        if samples < 1:
            raise ValueError(f"ServerClock: samples must be at least 1, got {samples!r}")
        self.fetch_server_ns = fetch_server_ns
        self.local_ns = local_ns
        self.interval = interval
        self.samples = samples
        self.venue = venue
        #: Venue time minus local time, in nanoseconds (0 until measured).
        self.offset_ns = 0
        #: Round trip of the measurement in use, in nanoseconds.
        self.rtt_ns: int | None = None
        #: Measurements taken (successful ones).
        self.measurements = 0
        self._measured_at: float | None = None  # monotonic seconds
        self._lock: anyio.Lock | None = None

    # -- reading ------------------------------------------------------------------------------

    def now_ns(self) -> int:
        """The venue's time now, UNIX nanoseconds (local clock plus the offset)."""
        return self.local_ns() + self.offset_ns

    def now_ms(self) -> int:
        """The venue's time now, UNIX milliseconds (what most signers stamp)."""
        return self.now_ns() // 1_000_000

    def now_s(self) -> int:
        """The venue's time now, whole UNIX seconds."""
        return self.now_ns() // 1_000_000_000

    def now_seconds(self) -> float:
        """The venue's time now, UNIX seconds as a float (signers that format ISO times)."""
        return self.now_ns() / 1e9

    @property
    def measured(self) -> bool:
        """Whether an offset has been measured."""
        return self._measured_at is not None

    @property
    def stale(self) -> bool:
        """Whether there is no measurement, or it is older than ``interval``."""
        if self._measured_at is None:
            return True
        return self.interval is not None and time.monotonic() - self._measured_at >= self.interval

    # -- measuring ----------------------------------------------------------------------------

    def _guard(self) -> anyio.Lock:
        if self._lock is None:  # made on first use: the clock may be built outside a loop
            self._lock = anyio.Lock()
        return self._lock

    async def _sample(self) -> tuple[int, int]:
        before = self.local_ns()
        server = await self.fetch_server_ns()
        after = self.local_ns()
        return server - (before + after) // 2, after - before

    async def measure(self) -> int:
        """Measure now (one caller at a time; others wait for it); returns ``offset_ns``.

        Raises what the server-time call raised; the previous offset is kept then.
        """
        async with self._guard():
            return await self._measure_locked()

    async def _measure_locked(self) -> int:
        best: tuple[int, int] | None = None
        for _ in range(self.samples):
            offset, rtt = await self._sample()
            if best is None or rtt < best[1]:
                best = (offset, rtt)
        assert best is not None
        self.offset_ns, self.rtt_ns = best
        self._measured_at = time.monotonic()
        self.measurements += 1
        logger.info(
            "%s: server clock offset %+.3f ms (round trip %.3f ms)",
            self.venue or "venue",
            self.offset_ns / 1e6,
            self.rtt_ns / 1e6,
        )
        return self.offset_ns

    async def ensure_fresh(self) -> None:
        """Measure if stale (once, however many callers ask at the same time); a failed
        measurement is logged and the current offset kept: a request is better sent with the
        last known offset than not at all."""
        if not self.stale:
            return
        async with self._guard():
            if not self.stale:  # measured while we waited for the lock
                return
            try:
                await self._measure_locked()
            except TradeportError as error:
                logger.warning(
                    "%s: server time not measured (%s); offset stays %+.3f ms",
                    self.venue or "venue",
                    error,
                    self.offset_ns / 1e6,
                )
