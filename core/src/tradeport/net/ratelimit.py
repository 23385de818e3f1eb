"""Keyed rate limiting that waits for capacity instead of failing.

Venues meter requests per key: a global budget (per IP or per account) plus budgets for groups of
endpoints (order entry, market data), often with weights per request. :class:`RateLimiter` keeps a
sliding-window log per key and quota, so no window of ``period`` seconds ever holds more than
``limit`` units of weight; a fixed venue window (Binance counts weight per calendar minute) is
then never exceeded either.

The venue can correct the limiter's view: :meth:`RateLimiter.update_used` takes the usage the venue
reports (for example ``X-MBX-USED-WEIGHT-1M``, which also counts other processes sharing the IP),
and :meth:`RateLimiter.penalize` blocks keys after a 429 / ``Retry-After``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AsyncExitStack

import anyio
import attrs

from tradeport.errors import ConfigError

__all__ = ["Quota", "RateLimiter"]


@attrs.frozen
class Quota:
    """At most ``limit`` units of weight in any ``period`` seconds."""

    limit: int = attrs.field()
    period: float = attrs.field()

    @limit.validator
    def _check_limit(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value < 1:
            raise ConfigError(f"quota limit must be >= 1, got {value!r}", field="limit")

    @period.validator
    def _check_period(self, attribute: attrs.Attribute[float], value: float) -> None:
        if value <= 0:
            raise ConfigError(f"quota period must be > 0, got {value!r}", field="period")

    @classmethod
    def per_second(cls, limit: int) -> Quota:
        """``limit`` per second."""
        return cls(limit, 1.0)

    @classmethod
    def per_minute(cls, limit: int) -> Quota:
        """``limit`` per minute."""
        return cls(limit, 60.0)


class _Window:
    """Sliding-window log of (time, weight) entries for one quota of one key."""

    __slots__ = ("entries", "quota", "used")

    def __init__(self, quota: Quota) -> None:
        self.quota = quota
        self.entries: deque[tuple[float, int]] = deque()
        self.used = 0

    def prune(self, now: float) -> None:
        horizon = now - self.quota.period
        entries = self.entries
        while entries and entries[0][0] <= horizon:
            self.used -= entries.popleft()[1]

    def wait_for(self, weight: int, now: float) -> float:
        """Seconds until ``weight`` more fits (0 when it fits now)."""
        self.prune(now)
        excess = self.used + weight - self.quota.limit
        if excess <= 0:
            return 0.0
        # Walk the oldest entries until enough weight will have expired.
        freed = 0
        for stamp, entry_weight in self.entries:
            freed += entry_weight
            if freed >= excess:
                return stamp + self.quota.period - now
        return self.quota.period  # unreachable while weight <= limit; kept as a safe bound

    def record(self, weight: int, now: float) -> None:
        self.entries.append((now, weight))
        self.used += weight


QuotaSpec = Quota | Sequence[Quota]


def _as_quotas(spec: QuotaSpec) -> tuple[Quota, ...]:
    return (spec,) if isinstance(spec, Quota) else tuple(spec)


class RateLimiter:
    """Keyed sliding-window rate limiter.

    ``quotas`` maps a key (``"global"``, ``"orders"``, an endpoint path...) to one or more
    quotas. A key that is not configured uses ``default`` (created on first use), or is unlimited
    when ``default`` is None. :meth:`acquire` waits until every requested key has room, then
    records the weight on all of them at once; waiters on the same key are served in order.
    """

    def __init__(
        self, quotas: Mapping[str, QuotaSpec] | None = None, *, default: QuotaSpec | None = None
    ) -> None:
        self._windows: dict[str, tuple[_Window, ...]] = {
            key: tuple(_Window(q) for q in _as_quotas(spec)) for key, spec in (quotas or {}).items()
        }
        self._default = _as_quotas(default) if default is not None else ()
        self._blocked_until: dict[str | None, float] = {}
        self._locks: dict[str, anyio.Lock] = {}
        #: How many times a caller had to wait for capacity.
        self.waits = 0
        #: Total seconds callers spent waiting (summed over callers).
        self.waited_seconds = 0.0

    def _windows_for(self, key: str) -> tuple[_Window, ...]:
        windows = self._windows.get(key)
        if windows is None:
            windows = self._windows[key] = tuple(_Window(q) for q in self._default)
        return windows

    def quotas(self, key: str) -> tuple[Quota, ...]:
        """The quotas that apply to ``key`` (empty: unlimited)."""
        return tuple(w.quota for w in self._windows_for(key))

    def used(self, key: str) -> int:
        """Weight currently counted against ``key``'s first quota (0 when unlimited)."""
        windows = self._windows_for(key)
        if not windows:
            return 0
        windows[0].prune(time.monotonic())
        return windows[0].used

    def _wait(self, keys: Sequence[str], weight: int, now: float) -> float:
        wait = max(self._blocked_until.get(None, 0.0) - now, 0.0)
        for key in keys:
            wait = max(wait, self._blocked_until.get(key, 0.0) - now)
            for window in self._windows_for(key):
                wait = max(wait, window.wait_for(weight, now))
        return wait

    async def acquire(self, keys: Iterable[str] = ("global",), weight: int = 1) -> None:
        """Wait until ``weight`` fits under every quota of every key, then take it.

        Raises :class:`~tradeport.errors.ConfigError` when ``weight`` exceeds a quota's limit
        (it could never fit). Cancelling the caller cancels the wait and takes nothing.
        """
        key_list = sorted(set(keys))
        if weight < 0:
            raise ConfigError(f"weight must be >= 0, got {weight}", field="weight")
        for key in key_list:
            for window in self._windows_for(key):
                if weight > window.quota.limit:
                    raise ConfigError(
                        f"weight {weight} exceeds the {key!r} quota of {window.quota.limit} "
                        f"per {window.quota.period:g}s",
                        field="weight",
                    )
        # Per-key locks taken in sorted order: FIFO per key, no deadlock between key sets.
        async with AsyncExitStack() as held:
            for key in key_list:
                await held.enter_async_context(self._locks.setdefault(key, anyio.Lock()))
            while True:
                now = time.monotonic()
                wait = self._wait(key_list, weight, now)
                if wait <= 0:
                    for key in key_list:
                        for window in self._windows_for(key):
                            window.record(weight, now)
                    return
                self.waits += 1
                self.waited_seconds += wait
                await anyio.sleep(wait)

    def penalize(self, key: str | None, seconds: float) -> None:
        """Block ``key`` (every key when None) for ``seconds``, e.g. after a 429 + Retry-After."""
        until = time.monotonic() + max(seconds, 0.0)
        self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), until)

    def update_used(
        self, key: str, used: int, limit: int | None = None, *, period: float | None = None
    ) -> None:
        """Adopt the venue's view of ``key``: weight ``used`` (when above ours) and its ``limit``.

        ``period`` selects the quota the venue's figures refer to (seconds; all quotas of the key
        when None). The extra weight is recorded now, so it expires one full period later: a
        conservative view of a venue window that may reset sooner. A ``limit`` the venue reports
        (e.g. BitMEX ``x-ratelimit-limit``) replaces the configured one.
        """
        now = time.monotonic()
        for window in self._windows_for(key):
            if period is not None and window.quota.period != period:
                continue
            if limit is not None and limit >= 1 and limit != window.quota.limit:
                window.quota = Quota(limit, window.quota.period)
            window.prune(now)
            if used > window.used:
                window.record(used - window.used, now)
