"""Exponential backoff with jitter, shared by HTTP retries and WebSocket reconnects.

One policy type serves both so that retry and reconnect timing read the same everywhere:
``delay(attempt)`` is ``initial * factor ** (attempt - 1)``, capped at ``max``, then spread by
``jitter`` (a fraction: 0.2 means +/- 20 %) so that many clients dropped by the same venue event
do not come back in lockstep.
"""

from __future__ import annotations

import random
from typing import Any

import attrs

from tradeport.errors import ConfigError

__all__ = ["BackoffPolicy", "ReconnectPolicy", "RetryPolicy"]


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ConfigError(f"{attribute.name} must be >= 0, got {value!r}", field=attribute.name)


def _jitter_fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 <= value <= 1:
        raise ConfigError(f"jitter must be within [0, 1], got {value!r}", field="jitter")


def _factor(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 1:
        raise ConfigError(f"factor must be >= 1, got {value!r}", field="factor")


def _attempts(instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 1:
        raise ConfigError(f"max_attempts must be >= 1 or None, got {value!r}", field="max_attempts")


@attrs.frozen(kw_only=True)
class BackoffPolicy:
    """Exponential backoff with proportional jitter and an optional bound on attempts.

    ``max_attempts=None`` means unlimited. ``attempt`` numbers start at 1 (the first retry or
    the first reconnect after a drop waits ``delay(1)``).
    """

    initial: float = attrs.field(default=0.5, validator=_non_negative)
    max: float = attrs.field(default=30.0, validator=_non_negative)
    factor: float = attrs.field(default=2.0, validator=_factor)
    jitter: float = attrs.field(default=0.2, validator=_jitter_fraction)
    max_attempts: int | None = attrs.field(default=None, validator=_attempts)

    def base_delay(self, attempt: int) -> float:
        """The delay before ``attempt`` without jitter (seconds, capped at ``max``)."""
        if attempt < 1:
            raise ConfigError(f"attempt numbers start at 1, got {attempt}", field="attempt")
        # Cap the exponent so huge attempt counts (unlimited reconnects) cannot overflow.
        exponent = min(attempt - 1, 64)
        return float(min(self.max, self.initial * self.factor**exponent))

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The delay before ``attempt`` with jitter applied; never negative, never above ``max``."""
        base = self.base_delay(attempt)
        if self.jitter == 0 or base == 0:
            return base
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, min(self.max, base * (1.0 + spread)))

    def allows(self, attempt: int) -> bool:
        """Whether ``attempt`` (1-based) is within ``max_attempts``."""
        return self.max_attempts is None or attempt <= self.max_attempts


@attrs.frozen(kw_only=True)
class ReconnectPolicy(BackoffPolicy):
    """Backoff between WebSocket reconnect attempts.

    ``max_attempts`` counts consecutive failed attempts since the last connection that was fully
    established (logged in and resubscribed); ``None`` retries forever.

    When a connection that stayed up for ``stable_after`` seconds drops, the first attempt goes
    after :meth:`first_delay` (a random time up to ``first_delay_max``, so clients dropped by one
    venue event do not return in lockstep), not after ``initial``: a drop costs a round trip,
    not half a second. The attempts after it back off from ``initial`` as usual, so a venue that
    stays down sees bounded, growing delays; a connection that drops sooner than
    ``stable_after`` (a flapping venue) does not start the backoff over, so drops cannot turn
    into a reconnect storm (at most one quick attempt per ``stable_after`` seconds).
    """

    first_delay_max: float = attrs.field(default=0.05, validator=_non_negative)
    stable_after: float = attrs.field(default=1.0, validator=_non_negative)

    def first_delay(self, rng: random.Random | None = None) -> float:
        """The wait before the first attempt after a stable connection dropped (seconds)."""
        if self.first_delay_max == 0:
            return 0.0
        return (rng or random).uniform(0.0, min(self.first_delay_max, self.max))


@attrs.frozen(kw_only=True)
class RetryPolicy(BackoffPolicy):
    """Retries of one HTTP request.

    ``max_attempts`` counts every attempt, the first one included (3 = one try + two retries).
    A venue's ``Retry-After`` replaces the computed delay when it is longer; when it exceeds
    ``max_retry_after`` the request fails at once with the rate-limit error rather than sleeping
    for minutes (an IP ban, HTTP 418, can last hours).
    """

    initial: float = attrs.field(default=0.2, validator=_non_negative)
    max: float = attrs.field(default=5.0, validator=_non_negative)
    max_attempts: int | None = attrs.field(default=3, validator=_attempts)
    max_retry_after: float = attrs.field(default=60.0, validator=_non_negative)

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that makes exactly one attempt."""
        return cls(max_attempts=1)
