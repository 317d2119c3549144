"""Backoff timing of the retry policy (pure logic; retries over HTTP are in
test_retries.py)."""

from __future__ import annotations

import random

from storeops.api import retry
from storeops.api.retry import RetryPolicy, parse_retry_after


def _backoff(policy: RetryPolicy, retry_number: int, rng: random.Random | None = None) -> float:
    """A delay that must be there (no Retry-After, attempts left)."""
    d = policy.delay(retry_number, rng=rng)
    assert d is not None
    return d


def test_exponential_backoff_with_bounded_jitter():
    policy = RetryPolicy(max_attempts=10, base_delay=0.5, max_delay=3.0, jitter=0.25)
    rng = random.Random(1)
    for n, nominal in [(1, 0.5), (2, 1.0), (3, 2.0)]:
        for _ in range(50):
            d = _backoff(policy, n, rng)
            assert nominal * 0.75 <= d <= nominal * 1.25
    assert all(_backoff(policy, 8, rng) <= 3.0 for _ in range(50))


def test_jitter_spreads_delays():
    policy = RetryPolicy()
    delays = {round(_backoff(policy, 1), 6) for _ in range(20)}
    assert len(delays) > 1


def test_attempts_are_bounded():
    policy = RetryPolicy(max_attempts=3)
    assert policy.delay(1) is not None and policy.delay(2) is not None
    assert policy.delay(3) is None
    assert RetryPolicy.never().delay(1) is None


def test_retry_after_is_honoured_and_capped():
    policy = RetryPolicy(max_retry_after=10)
    assert policy.delay(1, retry_after=2.5) == 2.5
    assert policy.delay(1, retry_after=60) is None


def test_parse_retry_after_seconds_and_dates():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_named_constants_are_the_defaults():
    policy = RetryPolicy()
    assert policy.max_attempts == retry.MAX_ATTEMPTS
    assert policy.base_delay == retry.BASE_DELAY_S
    assert policy.max_delay == retry.MAX_DELAY_S
    assert policy.jitter == retry.JITTER
    assert {429, 500, 502, 503, 504} == set(retry.RETRY_STATUSES)
