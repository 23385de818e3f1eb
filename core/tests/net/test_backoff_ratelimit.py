"""The shared backoff policy and the keyed rate limiter."""

from __future__ import annotations

import random
import time

import anyio
import pytest
from tradeport.errors import ConfigError
from tradeport.net import BackoffPolicy, Quota, RateLimiter, ReconnectPolicy, RetryPolicy

# -- backoff --------------------------------------------------------------------------------------


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    policy = BackoffPolicy(initial=0.5, max=30, factor=2, jitter=0)
    assert [policy.delay(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert policy.delay(10_000) == 30  # no overflow with unlimited attempts


def test_jitter_stays_within_its_fraction_and_spreads_clients() -> None:
    policy = ReconnectPolicy(initial=1, max=100, factor=2, jitter=0.2)
    rng = random.Random(7)
    delays = [policy.delay(3, rng) for _ in range(500)]
    assert all(3.2 <= d <= 4.8 for d in delays)
    assert max(delays) - min(delays) > 1.0  # clients dropped together do not return together


def test_jitter_never_exceeds_the_cap() -> None:
    policy = BackoffPolicy(initial=10, max=10, jitter=0.5)
    assert all(policy.delay(1, random.Random(seed)) <= 10 for seed in range(200))


def test_attempt_bounds() -> None:
    assert RetryPolicy().max_attempts == 3
    assert RetryPolicy().allows(3)
    assert not RetryPolicy().allows(4)
    assert not RetryPolicy.never().allows(2)
    assert ReconnectPolicy().allows(1_000_000)  # unlimited by default


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": -1}, {"factor": 0.5}, {"jitter": 1.5}, {"max_attempts": 0}],
)
def test_invalid_policies_are_refused(kwargs) -> None:
    with pytest.raises(ConfigError):
        BackoffPolicy(**kwargs)


# -- rate limiter ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_acquire_waits_for_capacity_instead_of_failing() -> None:
    limiter = RateLimiter({"global": Quota(2, 0.3)})
    started = time.monotonic()
    for _ in range(3):
        await limiter.acquire()
    elapsed = time.monotonic() - started
    assert elapsed >= 0.25  # the third had to wait for the first to leave the window
    assert limiter.waits >= 1


@pytest.mark.anyio
async def test_weights_count_against_every_key() -> None:
    limiter = RateLimiter({"global": Quota(10, 60), "orders": Quota(3, 60)})
    await limiter.acquire(("global", "orders"), weight=3)
    await limiter.acquire(("global",), weight=5)
    assert (limiter.used("global"), limiter.used("orders")) == (8, 3)
    # "orders" is full for a minute: an order waits, market data does not.
    with anyio.move_on_after(0.2) as blocked:
        await limiter.acquire(("global", "orders"))
    assert blocked.cancelled_caught
    with anyio.fail_after(5):
        await limiter.acquire(("global",), weight=2)
    assert limiter.used("global") == 10  # the cancelled acquire took nothing


@pytest.mark.anyio
async def test_unconfigured_keys_use_the_default_quota() -> None:
    limiter = RateLimiter(default=Quota(1, 60))
    await limiter.acquire(("/api/v3/depth",))
    assert limiter.quotas("/api/v3/depth") == (Quota(1, 60),)
    assert RateLimiter().quotas("anything") == ()  # no default: unlimited


@pytest.mark.anyio
async def test_weight_above_the_limit_is_refused() -> None:
    limiter = RateLimiter({"global": Quota.per_second(5)})
    with pytest.raises(ConfigError, match="exceeds"):
        await limiter.acquire(weight=6)


@pytest.mark.anyio
async def test_penalize_blocks_the_key_for_the_given_time() -> None:
    limiter = RateLimiter({"global": Quota.per_minute(1000)})
    limiter.penalize("global", 0.3)
    started = time.monotonic()
    await limiter.acquire()
    assert time.monotonic() - started >= 0.25


@pytest.mark.anyio
async def test_penalize_without_key_blocks_every_key() -> None:
    limiter = RateLimiter()
    limiter.penalize(None, 0.3)
    started = time.monotonic()
    await limiter.acquire(("market",))
    assert time.monotonic() - started >= 0.25


def test_update_used_adopts_a_higher_venue_count_only() -> None:
    limiter = RateLimiter({"global": [Quota.per_second(50), Quota.per_minute(1200)]})
    limiter.update_used("global", 1150, period=60)
    assert limiter.used("global") == 0  # the per-second window is untouched
    limiter.update_used("global", 10)
    assert limiter.used("global") == 10
    limiter.update_used("global", 3)  # lower than ours: ours stands
    assert limiter.used("global") == 10
    limiter.update_used("global", 10, 40, period=1)  # the venue states its own limit
    assert limiter.quotas("global") == (Quota(40, 1), Quota.per_minute(1200))


def test_quota_validation() -> None:
    with pytest.raises(ConfigError):
        Quota(0, 1)
    with pytest.raises(ConfigError):
        Quota(1, 0)


def test_first_reconnect_delay_is_short_spread_and_within_max() -> None:
    rng = random.Random(1)
    policy = ReconnectPolicy(first_delay_max=0.05)
    delays = [policy.first_delay(rng) for _ in range(200)]
    assert all(0 <= d <= 0.05 for d in delays) and len(set(delays)) > 100
    assert ReconnectPolicy(first_delay_max=0).first_delay(rng) == 0
    assert ReconnectPolicy(first_delay_max=5, max=0.1).first_delay(rng) <= 0.1
    with pytest.raises(ConfigError):
        ReconnectPolicy(stable_after=-1)
